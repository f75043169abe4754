"""A team's own wording: accepted and edited replies as label-store events.

``record_reply`` appends one accepted (or edited) reply to a ``LabelStore`` through its
ordinary ``record_many`` API, in one transaction: the fields ``reply`` (the public reply),
``reply_private`` (the DM, when there is one), ``reply_route`` and ``reply_post`` (the
post's text, so the store alone is enough to index the reply), all PII-masked, with the
source ``reply:accepted`` or ``reply:edited``. These field names are not taxonomy fields, so
agreement, consensus and the annotator's queue never see them.

``team_replies(store)`` reads the current reply of every post back as a table
(``post_id, post, reply, private, route, annotator, labelled_at, edited``), which
``wbcs.reply.index.team_corpus`` turns into index rows.
"""

from __future__ import annotations

import pandas as pd

from wbcs.errors import InputError
from wbcs.labeling.store import REPLY_FIELDS
from wbcs.text import mask_pii

FIELDS = dict(zip(REPLY_FIELDS, ("reply", "private", "route", "post"), strict=True))  # store field → column
SOURCES = ("reply:accepted", "reply:edited")
COLUMNS = ["post_id", "post", "reply", "private", "route", "annotator", "labelled_at", "edited"]


def record_reply(store, *, post_id: str, post: str, route: str, reply: str, annotator: str,
                 private: str | None = None, edited: bool = False) -> list[int]:
    """Append an accepted reply (see the module docstring); returns the event ids."""
    if not isinstance(reply, str) or not reply.strip():
        raise InputError(f"post {post_id}: an empty reply cannot be accepted; write one or skip the post")
    values = {"reply": reply, "reply_private": private, "reply_route": route, "reply_post": post}
    rows = [{"item_id": str(post_id), "field": f, "value": mask_pii(v.strip()), "annotator": annotator}
            for f, v in values.items() if isinstance(v, str) and v.strip()]
    return store.record_many(rows, source=SOURCES[int(bool(edited))])


def team_replies(store) -> pd.DataFrame:
    """The current accepted reply of each post (the latest annotator's, when several)."""
    hist = store.history()
    cur = store.current()
    cur = cur[cur["field"].isin(list(FIELDS))]
    if cur.empty:
        return pd.DataFrame(columns=COLUMNS)
    wide = cur.pivot_table(index=["item_id", "annotator"], columns="field", values="value",
                           aggfunc="last").reset_index()
    when = cur[cur["field"] == "reply"].set_index(["item_id", "annotator"])["labelled_at"]
    wide["labelled_at"] = [when.get((i, a)) for i, a in zip(wide["item_id"], wide["annotator"], strict=True)]
    edited = hist[(hist["action"] == "label") & (hist["field"] == "reply")].groupby(
        ["item_id", "annotator"])["source"].last()
    wide["edited"] = [edited.get((i, a)) == "reply:edited" for i, a in zip(wide["item_id"], wide["annotator"],
                                                                            strict=True)]
    wide = wide.dropna(subset=["reply"]).sort_values("labelled_at").drop_duplicates("item_id", keep="last")
    out = wide.rename(columns={"item_id": "post_id", **FIELDS})
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[COLUMNS].reset_index(drop=True)
