"""Aggregation rules (统一答复): when many people ask or complain about the same thing,
the team publishes one post instead of answering each one alone (DOMAIN.md, "The workflows").

- **question**: the same consultation from ≥ ``min_users_per_day`` users in one calendar
  day, or on ≥ ``min_platforms_per_day`` platforms the same day → publish one answer post.
- **complaint**: the same complaint from ≥ ``min_customers_per_week`` customers within a
  week, or on ≥ ``min_platforms_per_week`` platforms → publish an apology + solution post.

Thresholds come from ``policy.aggregation`` (``data/policy.yaml``). "The same" is either a
near-duplicate cluster (``wbcs.dedup.near_duplicate_groups`` over the texts of that
intent, keyed by the cluster's earliest post id) or a same-topic cluster (the ``topic``
label). Clusters are formed within one operator when the posts name operators: each
operator's team answers its own customers.

Windows, in Beijing wall-clock time whatever zone the posts' times are given in
(``wbcs.columns.read_times``). The question rule counts per calendar day: the window is that day
and the evidence is every post of the cluster that day. The complaint rule uses a rolling
window of 7 days, so three complaints on Sunday, Monday and Tuesday count together: it
fires at the post that brings the cluster to the threshold, the window is the 7 days
ending at that post, and the cluster then stays quiet for 7 days (the apology post has
been published) before it can fire again.

Posts are read in order of (time, post id) (``chronological``), not in the file's: a cluster's key,
an alert's evidence and its sample are the same however the table is sorted, posts at the same time included.

Users are ``author_id``; where the author is unknown each post counts as its own user.
Posts without a platform do not count towards the platform condition.

An alert's ``topic`` is what its posts are about: the topic more than half of them carry, else none
(its answer post then uses the general wording). A post labelled vague negativity or abuse
(``negative_subtype``) names no concrete issue, so its topic label does not count: a cluster of
"中国移动就是一群骗子" rants has no topic, whatever topics they were given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.checks import frame
from wbcs.checks import policy as check_policy
from wbcs.errors import InputError
from wbcs.policy import Policy, aggregation_thresholds
from wbcs.text import mask_pii

WEEK = pd.Timedelta(days=7)
RULE_NAMES = {"question_same_day": "同日同类咨询 same question in one day",
              "complaint_same_week": "一周同类投诉 same complaint within 7 days"}
NO_ISSUE = frozenset({"vague_negativity", "abuse"})  # negative subtypes that name no concrete issue
COLUMNS = ["rule", "action", "intent", "cluster_kind", "cluster_key", "operator", "topic",
           "window_start", "window_end", "triggered_at", "n_posts", "n_users", "n_platforms",
           "reason", "post_ids", "author_ids", "platforms", "sample_text"]


@dataclass(frozen=True)
class Rule:
    name: str
    intent: str
    action: str
    min_users: int
    min_platforms: int
    window: str  # "day" (calendar) or "week" (rolling 7 days)


def rules(policy: Policy | None = None) -> list[Rule]:
    """The two aggregation rules with the policy's thresholds (errors name the policy file and key)."""
    policy = check_policy(policy)
    t = aggregation_thresholds(policy.aggregation, policy.source)
    q, c = t["question"], t["complaint"]
    return [
        Rule("question_same_day", "consultation", "publish one answer post (统一答复)",
             q["min_users_per_day"], q["min_platforms_per_day"], "day"),
        Rule("complaint_same_week", "complaint", "publish an apology + solution post (致歉与解决方案)",
             c["min_customers_per_week"], c["min_platforms_per_week"], "week"),
    ]


def chronological(times, post_ids: pd.Series) -> np.ndarray:
    """The positions of the posts in order of (time, post id). The aggregation rules and the hot-issue
    detectors read posts in this order: what goes by a post's place (the first post of a cluster names it,
    which posts are an alert's evidence and sample when several share a time) is then the same however the
    file is sorted, and the partitions of an archive, which know no global row order, can find the same first
    posts by comparing (time, post id)."""
    return np.lexsort((post_ids.astype(str).to_numpy(dtype=object), np.asarray(times)))


def _frame(posts: pd.DataFrame, times: pd.Series, intent: str,
           near_duplicate_keys: pd.Series | None = None) -> pd.DataFrame:
    """The posts of one intent as plain columns in ``chronological`` order of ``times`` (their Beijing
    wall-clock ``created_at``; no categoricals, no attrs), with their given near-duplicate cluster keys as ``dup``."""
    of_intent = (posts["intent"].astype("string") == intent).fillna(False).to_numpy(dtype=bool)
    sub = posts[of_intent]
    n = len(sub)

    def col(name: str) -> pd.Series:
        if name not in sub.columns:
            return pd.Series([None] * n, index=sub.index, dtype=object)
        return sub[name].astype("string").astype(object).where(sub[name].notna(), None)

    w = pd.DataFrame({"post_id": col("post_id"), "time": times[of_intent], "text": col("text"),
                      "author_id": col("author_id"), "platform": col("platform"),
                      "topic": col("topic"), "operator": col("operator")})
    # the topic a post is about, for its alert's topic: a rant is about none (it still counts in its topic's cluster)
    w["about"] = w["topic"].where(~col("negative_subtype").isin(NO_ISSUE), None)
    if near_duplicate_keys is not None:
        w["dup"] = near_duplicate_keys.loc[sub.index].astype(object)
    w.attrs = {}
    w = w.iloc[chronological(w["time"], sub["post_id"])].reset_index(drop=True)
    w["user"] = user_ids(w)
    return w


def user_ids(posts: pd.DataFrame) -> pd.Series:
    """Who wrote each post, as the aggregation rules count users: its ``author_id``, or,
    where the author is unknown, the post itself (each such post its own user)."""
    ids = posts["post_id"].astype("string")
    author = posts["author_id"].astype("string") if "author_id" in posts else pd.Series(pd.NA, index=posts.index,
                                                                                       dtype="string")
    return author.where(author.notna(), "post:" + ids)


def _clusters(w: pd.DataFrame, threshold: float, near_duplicates: bool = True) -> list[tuple[str, pd.Series]]:
    """(cluster kind, key per post) for near-duplicate (unless ``near_duplicates`` is False; the
    given keys ``dup`` when there are) and, when labelled, topic clusters."""
    out = []
    if near_duplicates and "dup" in w:
        out.append(("near_duplicate", w["dup"]))
    elif near_duplicates:
        from wbcs.dedup import near_duplicate_groups  # numba: seconds to import, only when asked

        groups = pd.Series(near_duplicate_groups(w["text"].astype(str).tolist(), threshold=threshold))
        # key a cluster by its earliest post: stable across runs, and it names real evidence
        first = w["post_id"].groupby(groups).transform("first")
        out.append(("near_duplicate", "near_duplicate:" + first))
    if w["topic"].notna().any():
        out.append(("topic", ("topic:" + w["topic"]).where(w["topic"].notna(), None)))
    return out


def _reason(rule: Rule, n_users: int, n_platforms: int, anonymous: int = 0) -> str:
    """Why the rule fired; ``anonymous``: how many of the users are posts without an author id, each counted as its
    own user (the module docstring), which the reason says: "3 customers" of three unsigned posts may be one."""
    unit = "users" if rule.window == "day" else "customers"
    when = "in one day" if rule.window == "day" else "within 7 days"
    met = []
    if n_users >= rule.min_users:
        unknown = (f" ({'all' if anonymous == n_users else anonymous} of them posts without an author id, each counted"
                   f" as one)") if anonymous else ""
        met.append(f"{n_users} {unit} (≥ {rule.min_users}) {when}{unknown}")
    if n_platforms >= rule.min_platforms:
        met.append(f"{n_platforms} platforms (≥ {rule.min_platforms}) {when}")
    return "; ".join(met)


def _alert(rule: Rule, kind: str, key: str, g: dict, rows: slice, start, end, triggered) -> dict:
    """The alert of one cluster over ``rows`` of its posts (``g``: the cluster's columns as lists,
    sorted by time; plain lists, because thousands of alerts made per-alert pandas the bottleneck)."""
    users = list(dict.fromkeys(g["user"][rows]))
    platforms = sorted({p for p in g["platform"][rows] if p is not None})
    n = len(g["post_id"][rows])
    topics = Counter(t for t in g["about"][rows] if t is not None)
    return {
        "rule": rule.name, "action": rule.action, "intent": rule.intent,
        "cluster_kind": kind, "cluster_key": key, "operator": g["operator"][rows][0],
        # what most of its posts are about, or none (the module docstring)
        "topic": next((t for t, c in topics.items() if c > n / 2), None),
        "window_start": start, "window_end": end, "triggered_at": triggered,
        "n_posts": n, "n_users": len(users), "n_platforms": len(platforms),
        "reason": _reason(rule, len(users), len(platforms),
                          len({p for p, a in zip(g["post_id"][rows], g["author_id"][rows], strict=True) if a is None})),
        "post_ids": g["post_id"][rows],
        "author_ids": [a for a in g["author_id"][rows] if a is not None],
        "platforms": platforms,
        "sample_text": mask_pii(str(g["text"][rows][0])),
    }


_LISTS = ("post_id", "text", "author_id", "platform", "about", "operator", "user")


def _lists(g: pd.DataFrame) -> dict:
    return {c: g[c].tolist() for c in _LISTS}


def _day_alerts(rule: Rule, kind: str, w: pd.DataFrame) -> list[dict]:
    # Vectorised: running distinct users/platforms per (cluster, operator, day) group.
    w = w.assign(day=w["time"].dt.normalize())
    group = ["key", "op", "day"]
    new_user = ~w.duplicated(group + ["user"])
    new_plat = ~w.duplicated(group + ["platform"]) & w["platform"].notna()
    by = [w[c] for c in group]
    hit = ((new_user.groupby(by).cumsum() >= rule.min_users)
           | (new_plat.groupby(by).cumsum() >= rule.min_platforms))
    fired = hit.groupby(by).transform("any").to_numpy()  # only the groups that fire become alerts
    trig = w["time"].where(hit).groupby(by).transform("min")[fired].tolist()
    w = w[fired]
    if w.empty:
        return []
    # groups in order of first appearance, each group's posts in time order (w is chronological)
    gid = pd.MultiIndex.from_frame(w[group]).factorize()[0]
    order = np.argsort(gid, kind="stable")
    w = w.iloc[order]
    cols = _lists(w)
    keys, days, trig = w["key"].tolist(), w["day"].tolist(), [trig[i] for i in order]
    out, lo = [], 0
    for hi in [*np.flatnonzero(np.diff(gid[order])) + 1, len(order)]:
        out.append(_alert(rule, kind, keys[lo], cols, slice(lo, hi), days[lo], days[lo] + pd.Timedelta(days=1),
                          trig[lo]))
        lo = hi
    return out


def _week_alerts(rule: Rule, kind: str, key: str, g: pd.DataFrame) -> list[dict]:
    # A sliding window with distinct counts: hand-written because pandas' rolling windows
    # cannot count distinct strings; the loop is over one cluster's posts only.
    times = g["time"].to_numpy()
    stamps = g["time"].tolist()
    cols = _lists(g)
    users, plats = cols["user"], cols["platform"]
    week = WEEK.to_timedelta64()
    out, left, quiet_until = [], 0, None
    user_n: dict = {}
    plat_n: dict = {}
    for j, t in enumerate(times):
        user_n[users[j]] = user_n.get(users[j], 0) + 1
        if plats[j] is not None:
            plat_n[plats[j]] = plat_n.get(plats[j], 0) + 1
        while times[left] <= t - week:
            for counts, v in ((user_n, users[left]), (plat_n, plats[left])):
                if v in counts:
                    counts[v] -= 1
                    if counts[v] == 0:
                        del counts[v]
            left += 1
        if quiet_until is not None and t < quiet_until:
            continue
        if len(user_n) >= rule.min_users or len(plat_n) >= rule.min_platforms:
            trig = stamps[j]
            out.append(_alert(rule, kind, key, cols, slice(left, j + 1), trig - WEEK, trig, trig))
            quiet_until = t + week
    return out


def aggregation_alerts(posts: pd.DataFrame, *, policy: Policy | None = None,
                       threshold: float = 0.8, near_duplicates: bool = True,
                       near_duplicate_keys: pd.Series | None = None, progress: bool = False) -> pd.DataFrame:
    """One row per aggregation alert with its evidence (see the module docstring).

    ``posts`` is a posts table with ``intent`` labels (classify unlabelled posts first);
    ``threshold`` is the near-duplicate Jaccard similarity; ``near_duplicates=False`` forms
    topic clusters only; ``near_duplicate_keys`` (aligned with ``posts``) gives each post's
    near-duplicate cluster key as grouped elsewhere (over a whole archive:
    ``wbcs.kpi.partitioned_hot``; None = a cluster that cannot fire) instead of grouping these
    texts. Columns: ``COLUMNS``; the ``sample_text`` is PII-masked; the times (``window_start``,
    ``window_end``, ``triggered_at``) are Beijing wall-clock times, tz-naive, whatever zone
    ``created_at`` is given in (``wbcs.columns.read_times``; naive times are read as Beijing time). ``progress``:
    a bar over the clusters the weekly rule walks, the step that grows with the posts (``wbcs.progress.bar``).
    """
    from wbcs.columns import read_times
    from wbcs.progress import bar

    frame(posts, "aggregation_alerts: posts")
    if near_duplicate_keys is not None and not isinstance(near_duplicate_keys, pd.Series):
        raise InputError("aggregation_alerts: near_duplicate_keys must be a pandas Series aligned with the posts "
                         f"(same index), got {type(near_duplicate_keys).__name__}")
    for col in ("post_id", "created_at", "text", "intent"):
        if col not in posts.columns:
            hint = ("; classify the posts first (wbcs predict --input FILE --out LABELLED, or "
                    "wbcs.classify.predict_posts in Python)") if col == "intent" else ""
            raise InputError(f"posts: missing column {col!r} needed by the aggregation rules{hint}")
    # Beijing days and weeks whatever zone the times are given in (UTC-aware times counted UTC days);
    # a created_at that is no time is an error naming its row
    times = read_times(posts, columns=("created_at",))["created_at"]
    found: list[dict] = []
    for rule in rules(policy):
        w = _frame(posts, times, rule.intent, near_duplicate_keys)
        if w.empty:
            continue
        for kind, keys in _clusters(w, threshold, near_duplicates):
            c = w.assign(key=keys, op=w["operator"].fillna("")).dropna(subset=["key"])
            # a cluster smaller than both thresholds can never fire
            size = c.groupby(["key", "op"])["post_id"].transform("size")
            c = c[size >= min(rule.min_users, rule.min_platforms)]
            if rule.window == "day":
                found += _day_alerts(rule, kind, c)
            else:
                groups = c.groupby(["key", "op"], sort=False)
                for (key, _), g in bar(groups, total=groups.ngroups, desc=f"{rule.name}: {kind} clusters",
                                       unit=" clusters", leave=False, progress=progress):
                    found += _week_alerts(rule, kind, key, g)
    out = pd.DataFrame(found, columns=COLUMNS)
    return out.sort_values(["triggered_at", "rule", "cluster_key"], kind="stable").reset_index(drop=True)
