"""The reply desk's controller: the queue of drafts, the agent's edits and the store.

The widget (``wbcs.viz.reply``) only shows ``state()`` and calls the actions: ``use(i)``
(take alternative i into the edit box), ``edit(public=..., private=...)``, ``accept()``
(check the edited reply; when it passes, append it to the label store with
``wbcs.reply.team.record_reply`` — ``reply:edited`` when it differs from the draft — and
move on), ``skip()``, ``back()``. A reply that fails its checks is not accepted: the
message says why. Posts whose route gets no reply are not queued. Past the last post the queue is
finished (``state()["finished"]``): accept and skip record nothing and say so (the last post stayed on
screen, and a second Enter recorded its reply twice); ``back()`` returns to the last post.
"""

from __future__ import annotations

import pandas as pd

from wbcs.errors import InputError
from wbcs.reply.checks import check_draft, time_limit
from wbcs.reply.team import record_reply
from wbcs.text import mask_pii


def _text(value) -> str:
    """A draft cell as text: drafts read back with pandas hold NaN (or None) where they are empty,
    and an empty draft is "" whichever it is (NaN != NaN would mark an untouched draft edited)."""
    return value if isinstance(value, str) else ""


class ReplyDesk:
    """One agent's session over ``drafts`` (``draft_replies`` output with the post ``text``, and its ``created_at``
    where a reply's promised day, 明天给您答复, is to be placed from the post's time); ``policy``: the SLA clocks a reply
    may promise (pass the one the drafts were made with; default data/policy.yaml)."""

    def __init__(self, drafts: pd.DataFrame, store, annotator: str, *, routes=None, book=None, policy=None):
        from wbcs.policy import load_policy
        from wbcs.reply.templates import load_replies
        from wbcs.triage import load_routes

        for col in ("post_id", "route", "draft", "private", "text"):
            if col not in drafts.columns:
                raise InputError(f"drafts: missing column {col!r} (use wbcs.reply.drafts.draft_replies and add 'text')")
        if not isinstance(annotator, str) or not annotator.strip():
            raise InputError("annotator must be a non-empty name")
        self.book = book or load_replies()
        self.routes = (routes or load_routes()).routes
        # the clocks the agent's own wording may promise (a team reply accepted here is retrieved as a draft later)
        self.policy = policy or load_policy()
        queued = drafts[drafts["route"].map(lambda r: self.book.replies(r))]
        if queued.empty:
            raise InputError("drafts: no post routed to a reply")
        self.items = queued.reset_index(drop=True)
        self.store, self.annotator = store, annotator
        self.k = sum(1 for c in drafts.columns if c.startswith("alt") and c[3:].isdigit())
        self.position = 0
        self.edits: dict[int, dict[str, str]] = {}
        self.done: dict[int, str] = {}  # position → "accepted" / "edited" / "skipped"
        self.finished = False  # moved past the last post
        self.message = ""

    # ------------------------------------------------------------------ reading

    def _row(self, i: int | None = None) -> pd.Series:
        return self.items.iloc[self.position if i is None else i]

    def current_edit(self) -> dict[str, str]:
        row = self._row()
        return self.edits.get(self.position, {"public": _text(row["draft"]), "private": _text(row["private"])})

    def alternatives(self) -> list[dict]:
        row, out = self._row(), []
        for a in range(1, self.k + 1):
            text = row.get(f"alt{a}")
            if isinstance(text, str) and text:
                q = row.get(f"alt{a}_quality")
                out.append({"n": a, "text": text, "source": row.get(f"alt{a}_source"),
                            "quality": None if pd.isna(q) else float(q), "checks": row.get(f"alt{a}_checks")})
        return out

    def checks(self) -> list[str]:
        e, row = self.current_edit(), self._row()
        kind = row.get("kind")
        return check_draft(e["public"], e["private"], needs_dm=self.book.needs_dm(row["route"]),
                           limit=time_limit(self.policy, kind if isinstance(kind, str) else None,
                                            answers=self.book.answers(row["route"]), posted=row.get("created_at")))

    def state(self) -> dict:
        row = self._row()
        route = self.routes.get(row["route"])
        return {"position": self.position, "total": len(self.items), "post_id": row["post_id"],
                "text": mask_pii(str(row["text"])), "route": row["route"],
                "route_zh": route.zh if route else "", "action": route.action if route else "",
                "topic": row.get("topic"), "draft": _text(row["draft"]), "private_draft": _text(row["private"]),
                "edit": self.current_edit(), "alternatives": self.alternatives(), "checks": self.checks(),
                "needs_dm": self.book.needs_dm(row["route"]), "done": dict(self.done),
                "accepted": sum(v != "skipped" for v in self.done.values()), "finished": self.finished,
                "message": self.message}

    # ------------------------------------------------------------------ actions

    def edit(self, *, public: str | None = None, private: str | None = None) -> None:
        e = self.current_edit()
        self.edits[self.position] = {"public": e["public"] if public is None else public,
                                     "private": e["private"] if private is None else private}

    def use(self, n: int) -> None:
        """Take alternative ``n`` (1-based) into the public edit box; the DM stays."""
        alts = {a["n"]: a for a in self.alternatives()}
        if n not in alts:
            self.message = f"no alternative {n} for this post"
            return
        self.edit(public=alts[n]["text"])
        self.message = f"alternative {n} ({alts[n]['source']}) in the edit box"

    def accept(self) -> bool:
        """Record the edited reply when it passes the checks, then move to the next post."""
        if self._at_end():
            return False
        reasons = self.checks()
        if reasons:
            self.message = "not accepted: " + "; ".join(reasons)
            return False
        row, e = self._row(), self.current_edit()
        edited = e["public"] != _text(row["draft"]) or e["private"] != _text(row["private"])
        record_reply(self.store, post_id=str(row["post_id"]), post=str(row["text"]), route=row["route"],
                     reply=e["public"], private=e["private"] or None, annotator=self.annotator, edited=edited)
        self.done[self.position] = "edited" if edited else "accepted"
        self.message = f"post {row['post_id']}: {'edited reply' if edited else 'draft'} accepted"
        self._advance()
        return True

    def skip(self) -> None:
        if self._at_end():
            return
        self.done.setdefault(self.position, "skipped")
        self.message = f"post {self._row()['post_id']} skipped"
        self._advance()

    def back(self) -> None:
        if self.finished:  # the last post again
            self.finished = False
            self.message = ""
        else:
            self.position = max(0, self.position - 1)

    def _at_end(self) -> bool:
        """True (and the message says it) when the queue is finished: there is no post to act on."""
        if self.finished:
            self.message = f"the queue is finished ({self._tally()}): nothing recorded; ← back to change a reply"
        return self.finished

    def _tally(self) -> str:
        skipped = sum(v == "skipped" for v in self.done.values())
        return f"{len(self.done) - skipped} accepted, {skipped} skipped of {len(self.items)}"

    def _advance(self) -> None:
        if self.position < len(self.items) - 1:
            self.position += 1
        else:
            self.finished = True
            self.message += f"; that was the last post: the queue is finished ({self._tally()})"
