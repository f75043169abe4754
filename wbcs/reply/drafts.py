"""Drafts for routed posts: the standard wording, the best real replies, every one checked.

``Drafter`` holds the reply book (``data/replies.yaml``), the reply index (STC-3 helpdesk
replies plus a team's accepted ones) and the quality model. ``draft_replies(posts, routed,
drafter)`` gives one row per post (``DRAFT_COLUMNS`` + ``alt{i}``, ``alt{i}_source``,
``alt{i}_quality``, ``alt{i}_checks`` for i = 1..k):

- ``draft`` / ``private``: the route's (or the topic's) template filled from the post and, for
  ``{resolve_within}``, from the drafter's policy: the resolve clock of the route's post kind (the
  ``kind`` column of ``routed``), the same clock that set ``resolve_by``; the standard wording is
  the draft, so every routed post gets a compliant one;
- ``checks``: ``ok`` or the reasons it fails (``wbcs.reply.checks``), a time promise judged
  against the resolve clock of the post's kind from the post's time (``time_limit``); a template that is too
  long only because of a long @name is retried without it;
- the alternatives: the top-k retrieved replies of similar posts of the same route kind (of the
  post's topic first, when the post has one), filled with this post's slots, with the source dialogue (``stc3:ID`` or ``team:POST``) as
  evidence, the predicted quality of that reply for this post (A/S/E mean, −2..2) and their
  own check result: a real reply's own handling time (24小时内给您回复) is flagged
  (``time_promise``) unless it is the policy's clock for this post's kind. An agent picks one
  in the widget or the CSV.

Posts whose route gets no reply (``monitor``) get an empty draft and ``checks`` = ``no reply
(route monitor)``. ``unified_drafts(alerts, book, policy=...)`` drafts the one answer post of
each aggregation alert (统一答复) the same way (the rule's post kind picks the clock).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from wbcs.checks import policy as check_policy
from wbcs.checks import whole
from wbcs.errors import InputError
from wbcs.pii import mask_pii
from wbcs.policy import Policy
from wbcs.reply.checks import TimeLimit, check_draft, names_day, time_limit
from wbcs.reply.index import ReplyIndex, check_weight, clean_posts
from wbcs.reply.templates import ReplyBook, fill, load_replies

DRAFT_COLUMNS = ["post_id", "route", "kind", "topic", "draft", "private", "checks", "passes"]


@dataclass
class Drafter:
    book: ReplyBook
    index: ReplyIndex | None = None
    quality: object | None = None  # a wbcs.reply.quality.QualityModel
    k: int = 3
    note: str = ""  # what the drafter could not use (e.g. no dataset mirror)
    policy: Policy | None = None  # the SLA clocks the drafts promise (None: data/policy.yaml)


def make_drafter(*, replies=None, routes=None, store=None, k: int = 3, weight: float = 0.7,
                 stc3: bool = True, policy: Policy | None = None) -> Drafter:
    """The book (``replies``: a ``ReplyBook`` or a file, default data/replies.yaml), an index of
    the STC-3 telecom replies (when the dataset mirror is reachable) and of the team's accepted
    replies in ``store`` (a ``LabelStore``), the quality model, and the ``policy`` whose SLA clocks
    the drafts promise (pass the one the posts were routed with; default data/policy.yaml)."""
    from wbcs.datasets import DatasetMissing
    from wbcs.reply.index import CORPUS_COLUMNS, stc3_corpus, team_corpus
    from wbcs.reply.quality import stc3_quality_model

    whole(k, "make_drafter: k (alternatives per post)")
    check_weight(weight, "make_drafter")  # before the index is built, which may not be
    policy = check_policy(policy)
    book = replies if isinstance(replies, ReplyBook) else load_replies(replies, routes=routes)
    parts, model, note = [], None, ""
    if stc3:
        try:
            parts.append(stc3_corpus(telecom_only=True))  # an input-method or vending-machine reply fits no telecom post
            model = stc3_quality_model()
        except DatasetMissing as e:
            note = f"no STC-3 replies to retrieve ({e})"
    if store is not None:
        from wbcs.reply.team import team_replies

        team = team_replies(store)
        if len(team):
            if model is not None:
                team = team.assign(quality=model.score01(pd.DataFrame({
                    "post": clean_posts(team["post"]).to_numpy(), "reply": team["reply"].to_numpy()})))
            else:
                team = team.assign(quality=0.5)
            parts.append(team_corpus(team, routes))
    corpus = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CORPUS_COLUMNS)
    return Drafter(book, ReplyIndex(corpus, weight=weight) if len(corpus) else None, model, k, note, policy)


def _column(df: pd.DataFrame, name: str) -> list:
    if name not in df.columns:
        return [None] * len(df)
    return df[name].astype(object).where(df[name].notna(), None).tolist()


def _checks(reasons: list[str]) -> str:
    return "ok" if not reasons else "; ".join(reasons)


@lru_cache(maxsize=65536)
def _checked(public: str, private: str | None, needs_dm: bool, limit: TimeLimit) -> tuple[str, ...]:
    """``check_draft`` once per distinct draft: filled templates repeat across posts."""
    return tuple(check_draft(public, private, needs_dm=needs_dm, limit=limit))


def _clock(limit: TimeLimit, posted, due, *texts: str | None) -> TimeLimit:
    """The post's own clock (its time and ``resolve_by``) for a draft that names a day (明天给您答复), else the kind's:
    the checks of a draft without one stay shared across posts (``_checked``)."""
    return replace(limit, posted=posted, due=due) if names_day("".join(t or "" for t in texts)) else limit


def _keys(df: pd.DataFrame, by_id: bool) -> pd.Series:
    return (df["post_id"] if by_id else df.index.to_series()).astype(str).reset_index(drop=True)


def _align(posts: pd.DataFrame, routed: pd.DataFrame) -> pd.DataFrame:
    """``routed``'s rows in ``posts``' order: matched on ``post_id`` when both have one, else on
    the index. A post without its route, or a route without its post, is an InputError."""
    by_id = "post_id" in posts.columns and "post_id" in routed.columns
    what = "post_id" if by_id else "index"
    want, have = _keys(posts, by_id), _keys(routed, by_id)
    if want.equals(have):
        return routed
    missing, extra = want[~want.isin(have)], have[~have.isin(want)]
    for keys, msg in ((missing, "posts have no row in routed"), (extra, "routed rows have no post")):
        if len(keys):
            shown = ", ".join(mask_pii(k) for k in keys.head(3))
            raise InputError(f"draft_replies: {len(keys)} {msg} (by {what}: {shown}); route exactly these "
                             f"posts with wbcs.triage.route_posts(posts)")
    for name, keys in (("posts", want), ("routed", have)):
        if keys.duplicated().any():
            raise InputError(f"draft_replies: {name} repeat {what} {mask_pii(keys[keys.duplicated()].iloc[0])} "
                             f"and routed is not in the posts' order; give routed as route_posts(posts) returned it")
    return routed.iloc[pd.Index(have).get_indexer(want)]


def draft_replies(posts: pd.DataFrame, routed: pd.DataFrame, drafter: Drafter) -> pd.DataFrame:
    """One row per post (``routed`` from ``wbcs.triage.route_posts``: its rows are matched to the
    posts on ``post_id``, or on the index when the posts have none, whatever their order); see
    the module docstring for the columns. ``routed`` needs ``kind`` too: its SLA clock is the
    time limit a draft promises."""
    for name, table, need in (("posts", posts, "text"), ("routed", routed, "route"), ("routed", routed, "kind")):
        if not isinstance(table, pd.DataFrame) or need not in table.columns:
            raise InputError(f"draft_replies: {name} must be a table with a {need!r} column"
                             + (" (wbcs.triage.route_posts(posts))" if name == "routed" else ""))
    book, k = drafter.book, drafter.k
    policy = check_policy(drafter.policy)
    routed = _align(posts, routed)
    routes = routed["route"].astype(str).tolist()
    kinds = _column(routed, "kind")
    topics, ops, provs = _column(posts, "topic"), _column(posts, "operator"), _column(posts, "province")
    authors = _column(posts, "author_name")
    # the post's time and its resolve_by: a day a reply promises (明天给您答复) is placed from them
    posted, due = _column(routed, "created_at"), _column(routed, "resolve_by")
    replies = np.array([book.replies(r) for r in routes], bool)
    cleaned = clean_posts(posts["text"]).tolist()

    post_ids = [str(p) for p in (_column(routed, "post_id") if "post_id" in routed else posts.index)]
    # a post in the index (its STC-3 dialogue, the team's accepted reply to it, or both) is not its own evidence
    own = [(f"stc3:{p}", f"team:{p}") for p in post_ids]
    hits = None
    if drafter.index is not None and replies.any():
        idx = np.flatnonzero(replies)
        corpus = drafter.index.corpus
        c_reply, c_source = corpus["reply"].tolist(), corpus["source_id"].tolist()
        # as many spares as a post has rows of its own in the index, so k remain once they are left out
        indexed = set(c_source)
        spare = max(sum(s in indexed for s in own[i]) for i in idx)
        # the post's operator's own replies first: another operator's speak for it (电信 for a Unicom post)
        hits = drafter.index.search([cleaned[i] for i in idx], [kinds[i] for i in idx], [topics[i] for i in idx],
                                    [ops[i] for i in idx], k=k + spare)
        where = {p: j for j, p in enumerate(idx)}

    rows, alt_pairs = [], []
    for i in range(len(routes)):
        route, topic = routes[i], topics[i]
        row = {"post_id": post_ids[i], "route": route, "kind": kinds[i], "topic": topic}
        if not replies[i]:
            rows.append(row | {"draft": "", "private": "", "checks": f"no reply (route {route})", "passes": True})
            continue
        limit = time_limit(policy, kinds[i], answers=book.answers(route))
        slots = book.slots_for(operator=ops[i], province=provs[i], author=authors[i], topic=topic) | {
            "resolve_within": limit.words}
        t = book.template(route, topic)
        needs_dm = book.needs_dm(route)
        public, private = fill(t.public, slots), fill(t.private, slots)
        reasons = list(_checked(public, private, needs_dm, _clock(limit, posted[i], due[i], public, private)))
        if reasons and slots["customer"]:  # a long @name may push it over 140 characters
            retry = fill(t.public, slots | {"customer": ""})
            if not _checked(retry, private, needs_dm, _clock(limit, posted[i], due[i], retry, private)):
                public, reasons = retry, []
        row |= {"draft": public, "private": private or "", "checks": _checks(reasons), "passes": not reasons}
        if hits is not None:
            found = [int(r) for r in hits.rows[where[i]] if r >= 0 and c_source[r] not in own[i]][:k]
            for a, r in enumerate(found, 1):
                text = fill(c_reply[r], slots)
                row[f"alt{a}"] = text
                row[f"alt{a}_source"] = c_source[r]
                row[f"alt{a}_checks"] = _checks(list(_checked(text, private, needs_dm, _clock(limit, posted[i], due[i], text, private))))
                alt_pairs.append((len(rows), a, cleaned[i], c_reply[r]))
        rows.append(row)
    alt_cols = [c for a in range(1, k + 1) for c in (f"alt{a}", f"alt{a}_source", f"alt{a}_quality", f"alt{a}_checks")]
    out = pd.DataFrame(rows, columns=DRAFT_COLUMNS + alt_cols, index=posts.index)
    if alt_pairs and drafter.quality is not None:
        X = pd.DataFrame({"post": [p[2] for p in alt_pairs], "reply": [p[3] for p in alt_pairs]})
        q = np.round(drafter.quality.predict(X).mean(axis=1), 3)
        at = np.array([p[0] for p in alt_pairs])
        which = np.array([p[1] for p in alt_pairs])
        for a in range(1, k + 1):
            col = np.full(len(out), np.nan)
            col[at[which == a]] = q[which == a]
            out[f"alt{a}_quality"] = col
    for a in range(1, k + 1):
        out[f"alt{a}_quality"] = pd.to_numeric(out[f"alt{a}_quality"])
    out["passes"] = out["passes"].astype(bool)
    return out


def unified_drafts(alerts: pd.DataFrame, book: ReplyBook | None = None, *,
                   policy: Policy | None = None) -> pd.DataFrame:
    """The one answer post (统一答复) of each aggregation alert (``wbcs.aggregate`` columns):
    ``rule``, ``cluster_key``, ``draft``, ``checks``; the alert's operator and topic fill the slots,
    the resolve clock in ``policy`` of its rule's post kind (consultation, complaint) the time limit."""
    from wbcs.aggregate import rules

    book = book or load_replies()
    policy = check_policy(policy)
    kind_of = {r.name: r.intent for r in rules(policy)}
    rows = []
    for a in alerts.to_dict("records"):
        t = book.aggregation.get(a.get("rule"))
        if t is None:
            rows.append({"rule": a.get("rule"), "cluster_key": a.get("cluster_key"), "draft": "",
                         "checks": f"no wording for {a.get('rule')!r} under 'aggregation' in {book.source}"})
            continue
        limit = time_limit(policy, kind_of[a["rule"]])
        slots = book.slots_for(operator=a.get("operator"), topic=a.get("topic")) | {"resolve_within": limit.words}
        text = fill(t.public, slots)
        rows.append({"rule": a.get("rule"), "cluster_key": a.get("cluster_key"), "draft": text,
                     "checks": _checks(check_draft(text, limit=limit))})
    return pd.DataFrame(rows, columns=["rule", "cluster_key", "draft", "checks"])
