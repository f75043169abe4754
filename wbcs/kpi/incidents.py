"""Incidents: the aggregation alerts of one issue merged, ranked by how surprising they are against the usual.

The aggregation rules (``wbcs.aggregate``, DOMAIN.md: ≥3 people or ≥2 platforms in a day → one
answer post; ≥3 customers in a week or ≥3 platforms → an apology + solution post) are what
fires. On real volumes they fire for every busy topic every day (90 synthetic days: ~6,500
alerts), and one network outage shows as dozens of near-duplicate alerts. An analyst needs the
incidents behind them:

- **issue**: the operator and the topic of a post (posts without a topic: their near-duplicate
  cluster). An alert belongs to the issue most of its evidence posts belong to, so the
  near-duplicate and the topic alerts of one outage, questions and complaints alike, meet.
- **expected**: an issue's posts on a day, had it kept its usual share of the traffic around
  it: ``n_issue / (n_all − n_issue)`` × the mean daily posts of the *other* issues over the week
  centred on that day (``SMOOTH_DAYS``; their mean over the whole file counts as one more day).
  The issue's own posts are left out of the traffic, and its surge days (found with that share)
  out of the share, counted again once without them, so its surge raises neither its own
  expectation nor that of its other days; the traffic is averaged over a week because on sparse
  data (the STC-3 posts: ~1 a day) a single day's other posts are mostly none.
- **surge day**: a day of an issue that fired (any day, not only those it fired on) whose count is
  improbable under that expectation, ``P(X ≥ observed | Poisson(expected)) < alpha``; consecutive
  surge days form one **surge** incident, with the issue's alerts of those days (maybe none: 40
  complaints two days after the complaint rule fired fall in its quiet week, and were no incident
  while a surge had to be an alert's day). The issue's other alerts form **routine** incidents
  (alerts at most ``gap_days`` apart, each with the days of its window: the 7 days the complaint
  rule counted), counted on their non-surge days only: a topic that fires every day is one
  routine incident whose posts match its expectation.
- **rank** (``rank_incidents``, the one order ``wbcs hot``'s text and JSON, the report and the dashboard show):
  by how surprising the incident's most surprising day is, ``day_score = max over its days of
  −log10 P(X ≥ posts that day | Poisson(expected that day))``, the statistic its surge days were found with; then
  ``score``, the same tail of all its posts against all its expected posts; then excess, start and issue. Its
  **peak** (``peak_day``, ``peak_posts``, ``peak_expected``) is that most surprising day. A report ranks the
  incidents of its period on the period's days alone (``rank_incidents(days=...)``, ``in_days``), from the days
  each is counted on and their posts and expected posts (``counted_days``, ``day_posts``, ``day_expected``).

Each incident has a readable name (the taxonomy's Chinese topic name, the operator, and the
phrases that set its alerts' posts apart from all posts), its posts (every post of the issue in
its days: ``observed``, ``n_users``, ``platforms``, ``post_ids``), a PII-masked sample of its alerts'
posts of those days (the evidence; of all its posts when no alert fired on them) and the indexes of its alerts
in the alerts table.

Nothing goes by the file's row order: the posts are read in order of (time, post id)
(``wbcs.aggregate.chronological``: a cluster's first post, the evidence's order, the example), and
the posts whose phrases are read are drawn by a seeded hash of their ids (``draw``), so the same
posts sorted otherwise, or split into an archive's partitions, give the same table.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd

from wbcs.aggregate import user_ids
from wbcs.checks import frame, is_number, whole
from wbcs.checks import seed as check_seed
from wbcs.columns import local_times
from wbcs.errors import InputError
from wbcs.kpi.hot import in_time_order
from wbcs.progress import bar
from wbcs.text import mask_pii, normalize_series

# what an incident found by its issue's daily posts alone does (a surge in the quiet week after an alert has none)
NO_ALERT = "no aggregation alert on its day(s): found by the issue's daily posts"
COLUMNS = ["rank", "name", "status", "issue", "operator", "topic", "topic_zh", "phrases", "start", "end",
           "alert_days", "n_alerts", "rules", "actions", "observed", "expected", "excess", "ratio", "day_score",
           "score", "p_value", "peak_day", "peak_posts", "peak_expected", "n_users", "platforms", "post_ids",
           "alert_index", "sample_text", "counted_days", "day_posts", "day_expected"]
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
MAX_PHRASE = 8  # characters
EDGE = frozenset("的了是就也都么吗呢啊吧呀和在我你他她它这那有一个们着过被把给让")
MIN_LIFT = 5  # a phrase is at least this many times as common in the incident as in the other posts
SMOOTH_DAYS = 7  # the traffic an issue's expectation follows: the week around the day
ALPHA, GAP_DAYS, SAMPLE, SEED = 1e-4, 7, 200, 0  # incidents()'s defaults, which wbcs hot uses


def issue_keys(posts: pd.DataFrame, *, threshold: float = 0.8, near_duplicates: bool = True,
               loose_clusters: pd.Series | None = None) -> pd.Series:
    """The issue of each post: ``operator|topic``, or ``operator|~first post id`` of its
    near-duplicate cluster where the post has no topic (the posts in ``chronological`` order;
    operator empty when unknown; the first post ids given in ``loose_clusters``, aligned with
    ``posts``, when they were found elsewhere); with ``near_duplicates=False`` the posts without a topic are one issue per
    operator, ``operator|~`` (no topic alert belongs to it; its posts count in the traffic around)."""
    op = posts["operator"].astype("string").fillna("") if "operator" in posts else pd.Series("", index=posts.index)
    topic = posts["topic"].astype("string") if "topic" in posts else pd.Series(pd.NA, index=posts.index,
                                                                               dtype="string")
    key = (op + "|" + topic).astype(object)
    loose = topic.isna().to_numpy()
    if loose.any() and not near_duplicates:
        key[loose] = (op[loose] + "|~").to_numpy()
    elif loose.any() and loose_clusters is not None:
        key[loose] = (op[loose] + "|~" + loose_clusters[loose].astype(str)).to_numpy()
    elif loose.any():
        from wbcs.dedup import near_duplicate_groups

        sub = posts.loc[loose]
        groups = pd.Series(near_duplicate_groups(sub["text"].astype(str).tolist(), threshold=threshold),
                           index=sub.index)
        first = sub["post_id"].astype(str).groupby(groups).transform("first")
        key[loose] = (op[loose] + "|~" + first).to_numpy()
    return key


def _alert_issues(alerts: pd.DataFrame, issue_of: dict) -> list:
    """The issue most of each alert's evidence posts belong to."""
    out = []
    for ids in alerts["post_ids"]:
        found = Counter(issue_of[str(i)] for i in ids if str(i) in issue_of)
        out.append(found.most_common(1)[0][0] if found else None)
    return out


def _poisson_score(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """−log10 P(X ≥ observed | Poisson(expected)): 0 for nothing unusual, large for a surge."""
    # scipy.stats (the same functions) costs a second to import
    from scipy.special import gammaln, pdtrc, xlogy

    k = np.asarray(observed, dtype=float)
    lam = np.maximum(np.asarray(expected, dtype=float), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(k > 0, np.log(pdtrc(k - 1, lam)), 0.0)  # P(X ≥ k) = P(X > k − 1)
        # far in the tail it underflows to -inf; there P(X ≥ k) lies between pmf(k) and
        # pmf(k) / (1 − λ/(k+1)) (a geometric bound), so the log of the bound is exact to a few digits
        log_pmf = xlogy(k, lam) - lam - gammaln(k + 1)
        log_p = np.where(np.isfinite(log_p), log_p, log_pmf - np.log1p(-lam / (k + 1)))
    return -log_p / math.log(10)


def _weekly_mean(daily: np.ndarray) -> np.ndarray:
    """Each row's mean over the ``SMOOTH_DAYS`` days centred on each day (fewer at the ends), with
    the row's mean over all days counted as one more day: a week without posts then expects a
    little, not nothing, while on busy data the week's own posts decide."""
    half = SMOOTH_DAYS // 2
    n = daily.shape[1]
    cs = np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)], axis=1)
    lo, hi = np.maximum(np.arange(n) - half, 0), np.minimum(np.arange(n) + half + 1, n)
    return (cs[:, hi] - cs[:, lo] + daily.mean(axis=1, keepdims=True)) / (hi - lo + 1)


def _chains(days: list, gap: int) -> list[list]:
    """Sorted days split where two neighbours are more than ``gap`` days apart."""
    out: list[list] = []
    for d in days:
        if out and (d - out[-1][-1]).days <= gap:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _phrases(counts: Counter, n: int, background: Counter, inside: Counter, n_background: int, known: list[str],
             k: int = 3) -> list[str]:
    """The phrases (2–8 Chinese characters) that most set ``n`` posts apart from the other posts.

    Hand-written on character n-grams: a word segmenter (jieba) takes seconds to load and to cut
    thousands of posts, and complaints repeat phrases (没信号, 老是掉线) that n-gram counts find
    as written. A phrase must be in ≥ 2 posts and ≥ 10 % of them, and *closed*: no phrase one
    character longer is in ≥ 80 % as many posts (else it is a fragment of that one, and a window
    of a longer fixed sentence is no phrase at all), and ``MIN_LIFT`` times as common here as in
    the other posts (没有, 这样 are common everywhere); it may not start or end with a particle or
    pronoun (``EDGE``: 的, 了, 这 ... cut phrases like 员的, 号了). Its score is its share here times the log
    of that share over its share of the other posts (a sample: the ``background`` posts less those ``inside`` the
    incident, ``n_background`` of them; looked up, not subtracted: ``Counter - Counter`` copied the background's
    ~200,000 n-grams per incident, 151 of 163 s on the STC-3 posts); a phrase inside ``known`` (the topic's and
    operator's own names) or sharing two characters in a row with a chosen one is skipped."""
    n = max(n, 1)
    longest: Counter = Counter()  # posts of the most frequent one-character extension of each phrase
    for g, c in counts.items():
        for part in (g[:-1], g[1:]):
            longest[part] = max(longest[part], c)
    scored = []
    for g, c in counts.items():
        if (len(g) <= MAX_PHRASE and c >= 2 and c >= 0.1 * n and longest[g] < 0.8 * c
                and g[0] not in EDGE and g[-1] not in EDGE and not any(g in name for name in known)):
            here, there = c / n, (background.get(g, 0) - inside.get(g, 0) + 1) / (n_background + 1)
            if here >= MIN_LIFT * there:
                scored.append((here * math.log(here / there), g))
    chosen: list[str] = []
    for _, g in sorted(scored, reverse=True):
        if not any(_bigrams(g) & _bigrams(c) for c in chosen):
            chosen.append(g)
        if len(chosen) == k:
            break
    return chosen


def _bigrams(g: str) -> set[str]:
    return {g[i:i + 2] for i in range(len(g) - 1)}


def _doc_ngrams(texts) -> Counter:
    """In how many texts each run of 2 to ``MAX_PHRASE + 1`` Chinese characters occurs (the longest
    only to tell whether a phrase is closed)."""
    counts: Counter = Counter()
    for t in texts:
        grams = set()
        for run in _CJK_RUN.findall(t):
            for size in range(2, min(len(run), MAX_PHRASE + 1) + 1):
                grams.update(run[i:i + size] for i in range(len(run) - size + 1))
        counts.update(grams)
    return counts


def _sample(ev: pd.DataFrame, texts: pd.Series, phrases: list[str]) -> str:
    """The PII-masked text of the first post that holds the most of the incident's phrases."""
    if ev.empty:
        return ""
    hits = [sum(p in t for p in phrases) for t in texts.loc[ev.index]]
    return mask_pii(str(ev["text"].iloc[int(np.argmax(hits))]))


def _names() -> tuple[dict, dict, list[str]]:
    """Chinese display names of topics (taxonomy) and operators (the synthetic templates' table),
    and every name a phrase should not repeat (operators, their accounts, topics)."""
    from wbcs.schema import load_taxonomy
    from wbcs.synth import templates

    topics = {lab.id: lab.zh for lab in load_taxonomy()["topic"].labels}
    ops = templates().get("operators") or {}
    operators = {k: v.get("zh", k) for k, v in ops.items()}
    known = [*topics.values(), *operators.values(), *(a for v in ops.values() for a in v.get("accounts", []))]
    return topics, operators, known


def expectation(counts: np.ndarray, total: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(expected posts, surge day?) per issue row of ``counts`` (posts per issue and day) given
    ``total``, the posts of every issue per day (see the module docstring)."""
    counts = np.asarray(counts, dtype=float)
    total = np.asarray(total, dtype=float).reshape(1, -1)
    traffic = _weekly_mean(total - counts)

    def expect(usual: np.ndarray) -> np.ndarray:
        n_issue = np.where(usual, counts, 0).sum(axis=1, keepdims=True)
        n_other = np.where(usual, total - counts, 0).sum(axis=1, keepdims=True)
        share = np.divide(n_issue, n_other, out=np.full_like(n_issue, np.nan), where=n_other > 0)
        n_days = np.maximum(usual.sum(axis=1, keepdims=True), 1)
        return np.where(np.isnan(share), n_issue / n_days, traffic * np.nan_to_num(share))

    threshold = -math.log10(alpha)
    expected = expect(np.ones(counts.shape, dtype=bool))
    surge = _poisson_score(counts, expected) > threshold
    if surge.any():
        # the share counted again without the issue's surge days, once: an outage's own posts raised its issue's
        # usual share, and with it the expectation of every other day (20 outage posts in a 2-a-day topic made
        # its routine days expect 3.4 a day, so they read as a quiet spell)
        expected = expect(~surge)
        surge = _poisson_score(counts, expected) > threshold
    return expected, surge


def alert_days(alerts: pd.DataFrame, issue_of: dict) -> pd.DataFrame:
    """Each alert's issue (``_alert_issues``), Beijing day, the first day of its window (``since``: the
    complaint rule counts the 7 days before it), rule, action and posts; alerts of no issue dropped."""
    return pd.DataFrame({"issue": _alert_issues(alerts, issue_of),
                         "day": local_times(alerts["triggered_at"]).dt.floor("D"),
                         "since": local_times(alerts["window_start"]).dt.floor("D"),
                         "rule": alerts["rule"], "action": alerts["action"], "post_ids": alerts["post_ids"]},
                        index=alerts.index).dropna(subset=["issue"])


def alert_rows(alerts: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """The row each alert is listed in (the index of that row's first alert), aligned with ``alerts``: an alert
    table lists the alerts of one incident of ``table`` (``incidents(posts, alerts)``: its issue, the one most
    of an alert's posts belong to), one rule and one Beijing day as one row. A near-duplicate cluster's alert
    and its topic's over the same posts are then one row, as they are one incident, not two answer posts to
    publish; an alert in no incident is a row of its own."""
    of = {i: k for k, ix in enumerate(table["alert_index"]) for i in ix} if len(table) else {}
    days = local_times(alerts["triggered_at"]).dt.floor("D") if len(alerts) else []
    first: dict = {}
    rows = [first.setdefault((of.get(i, ("alone", i)), rule, day), i)
            for i, rule, day in zip(alerts.index, alerts["rule"], days, strict=True)]
    return pd.Series(rows, index=alerts.index, dtype=object)


def incident_groups(a: pd.DataFrame, row: dict, surge: np.ndarray, first: pd.Timestamp,
                    gap_days: int) -> list[tuple]:
    """(status, issue row, days, alert indexes, day columns counted) per incident, in the order
    of ``a``'s issues: the issue's surge days (whether an alert fired on them or not) in runs, its other
    alerts' days in chains ``gap_days`` apart. An alert's days are those of its window (``since`` to its
    day): the complaint rule fires on the third customer of 7 days, and an incident of its day alone
    showed 1 post under "publish an apology" (136 of STC-3's 143 incidents fewer posts than their rule)."""
    groups = []
    for key, g in a.groupby("issue", sort=False):
        r = row[key]
        hot = [first + pd.Timedelta(days=int(c)) for c in np.flatnonzero(surge[r])]
        calm = g[~surge[r, (g["day"] - first).dt.days.to_numpy()]]
        covered = {(s - first).days + k for s, e in zip(calm["since"], calm["day"], strict=True)
                   for k in range((e - s).days + 1)}
        routine = [first + pd.Timedelta(days=c) for c in sorted(covered) if c >= 0 and not surge[r, c]]
        for status, days, gap in (("surge", hot, 1), ("routine", routine, gap_days)):
            for chain in _chains(days, gap):
                span = set(chain)
                alerts = g.index[g["day"].isin(span)].tolist()
                if status == "routine" and not alerts:  # window days cut off from their alert by a surge day
                    continue
                lo, hi = (chain[0] - first).days, (chain[-1] - first).days + 1
                cols = np.arange(lo, hi)
                if status == "routine":  # a routine incident counts its routine days only
                    cols = cols[~surge[r, lo:hi]]
                groups.append((status, r, chain, alerts, cols))
    return groups


def draw(post_ids: pd.Series, n: int, seed: int) -> np.ndarray:
    """The positions of ``n`` posts drawn at random (all when fewer): those whose ids have the smallest
    seeded hashes (ids break a tie). A post is drawn or not whatever the order of the file, and the draw
    from the posts drawn from each part of a file is the draw from the whole file."""
    ids = post_ids.astype(str)
    h = pd.util.hash_array((f"{seed}:" + ids).to_numpy(dtype=object), categorize=False)
    # only the hashes up to the n-th smallest can be drawn: sort those alone
    cand = np.flatnonzero(h <= np.partition(h, n - 1)[n - 1]) if n < len(h) else np.arange(len(h))
    return cand[np.lexsort((ids.to_numpy(dtype=object)[cand], h[cand]))[:n]]


def background(post_ids: pd.Series, sample: int, seed: int) -> pd.Series:
    """The ids of the posts whose phrases are the background every incident is compared with: ``5 × sample``
    drawn (``draw``); from the ids each part of a file gives, the whole file's."""
    ids = post_ids.astype(str)
    return ids.iloc[draw(ids, 5 * sample, seed)]


def describe(groups: list[tuple], a: pd.DataFrame, keys, counts: np.ndarray, expected: np.ndarray,
             first: pd.Timestamp, posts: pd.DataFrame, issue: pd.Series, d: np.ndarray, bg_ids: pd.Series,
             seed: int, sample: int, progress: bool = False) -> pd.DataFrame:
    """The incidents table (``COLUMNS``) of ``incident_groups``. ``posts`` (in ``chronological`` order,
    index unique) hold at least every post of every incident and the posts of ``background``'s ids
    ``bg_ids``; ``issue`` and ``d`` (day number) are theirs, ``keys`` name the rows of
    ``counts``/``expected``. Each incident's ``sample`` posts whose phrases are read are drawn with ``seed``;
    ``progress`` shows a bar over the incidents (hundreds of them took minutes on the STC-3 posts)."""
    if not groups:
        return pd.DataFrame(columns=COLUMNS)
    topic_zh, op_zh, known = _names()
    texts = normalize_series(posts["text"].astype("string").fillna(""), remove=("mentions", "urls", "emoticons",
                                                                                 "topics", "retweets"))
    in_bg = posts["post_id"].astype(str).isin(bg_ids).to_numpy()
    background = _doc_ngrams(texts[in_bg].tolist())
    issue = issue.to_numpy()
    out = []
    for status, r, chain, alert_index, cols in bar(groups, desc="hot issues: incidents", unit="incident",
                                                   progress=progress):
        in_days = pd.Series((issue == keys[r]) & np.isin(d, cols), index=posts.index)
        ev = posts.loc[in_days]
        observed, exp = float(counts[r, cols].sum()), float(expected[r, cols].sum())
        day_scores = _poisson_score(counts[r, cols], expected[r, cols])
        peak = cols[np.argmax(day_scores)]  # the day it ranks by (the first of equals)
        op, _, topic = keys[r].partition("|")
        topic = None if topic.startswith("~") else topic
        # what it is named and shown by: the posts its alerts fired on (its evidence), those of its days; drawn
        # from every post of the issue and days, the sample of an apology's incident was a praise post
        # (今天营业厅的小姐姐特别耐心). An incident no alert fired on (a surge found by its daily posts) has those.
        fired = {str(i) for ids in a.loc[alert_index, "post_ids"] for i in ids}
        told = ev[ev["post_id"].astype(str).isin(fired).to_numpy()]
        told = told if len(told) else ev
        picked = told.index[draw(told["post_id"], sample, seed)]
        inside = in_days.to_numpy() & in_bg  # the background is the *other* posts
        phrases = _phrases(_doc_ngrams(texts.loc[picked]), len(picked), background, _doc_ngrams(texts[inside]),
                           int(in_bg.sum() - inside.sum()), known)
        label = topic_zh.get(topic, topic) if topic else "相似帖子"
        name = f"{label}（{op_zh.get(op, op)}）" if op else label
        a_sub = a.loc[alert_index]
        out.append({
            "name": name + ("：" + " / ".join(phrases) if phrases else ""), "status": status, "issue": keys[r],
            "operator": op or None, "topic": topic, "topic_zh": topic_zh.get(topic) if topic else None,
            "phrases": phrases, "start": first + pd.Timedelta(days=(chain[0] - first).days),
            "end": first + pd.Timedelta(days=(chain[-1] - first).days + 1),
            "alert_days": a_sub["day"].nunique(), "n_alerts": len(alert_index), "rules": sorted(set(a_sub["rule"])),
            "actions": sorted(set(a_sub["action"])), "observed": int(observed), "expected": exp,
            "excess": observed - exp, "ratio": observed / exp if exp > 0 else math.inf,
            "day_score": float(day_scores.max()),
            "score": float(_poisson_score(observed, exp)), "p_value": None,
            "peak_day": first + pd.Timedelta(days=int(peak)), "peak_posts": int(counts[r, peak]),
            "peak_expected": float(expected[r, peak]),
            "n_users": int(user_ids(ev).nunique()),
            "platforms": sorted(ev["platform"].dropna().astype(str).unique()) if "platform" in ev else [],
            "post_ids": ev["post_id"].astype(str).tolist(), "alert_index": alert_index,
            "sample_text": _sample(told, texts, phrases),
            # the days it is counted on, with their posts and expected posts: what rank_incidents(days=...) reads
            "counted_days": [first + pd.Timedelta(days=int(c)) for c in cols],
            "day_posts": counts[r, cols].astype(int).tolist(), "day_expected": expected[r, cols].tolist(),
        })
    df = pd.DataFrame(out)
    df["p_value"] = 10.0 ** -df["score"]
    df.insert(0, "rank", 0)
    return rank_incidents(df)[COLUMNS]


# the order of rank_incidents: keys and their direction; start and issue make it total (no two incidents of an
# issue start on one day), so ties never fall back on the order the incidents were described in
RANK_BY = {"day_score": False, "score": False, "excess": False, "start": True, "issue": True}


def rank_incidents(table: pd.DataFrame, days: tuple | None = None) -> pd.DataFrame:
    """``table`` (``describe``'s columns) most surprising first, ``rank`` 1, 2, 3 … : every ranking a user sees
    (``wbcs hot``'s text and JSON, the report's incidents, the dashboard) is this one. With ``days`` ([start,
    stop) of Beijing dates, a report's period), the incidents with a counted day in it, ranked and counted on those
    days alone (``in_days``).

    The first key is the incident's most surprising *day* (``day_score``), not the Poisson tail of its total:
    the day is the unit the expectation is modelled on and a surge is tested on, and summed over a routine
    incident's days the tail grows with its length. Its days are its alerts' windows, picked because the rule's
    posts were in them (a complaint window holds ≥ 3 whatever the issue usually draws), and the share behind the
    expectation is one estimate for all its days, so its error adds up instead of averaging out. On STC-3 a
    routine incident of 38 days (data complaints, 32 posts against 8.7, none more than 3 a day) scored 1e-9 and
    outranked a surge of 3 posts in a day against 0.04. Ranked by its most surprising day, every surge (a day
    past ``alpha``) comes before every routine incident (none of its days is), and routine ones by their most
    unusual day; ``score`` (the whole incident's tail) then orders incidents with the same most surprising day,
    e.g. a multi-day surge before a one-day one of the same peak."""
    if days is not None:
        table = in_days(table, *days)
    keys = list(RANK_BY)
    out = table.sort_values(keys, ascending=list(RANK_BY.values()), kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def in_days(table: pd.DataFrame, start, stop) -> pd.DataFrame:
    """The incidents of ``table`` counted on a day of [``start``, ``stop``), their counts read on those days alone:
    ``observed``, ``expected``, ``excess``, ``ratio``, ``day_score``, ``score``, ``p_value`` and the peak (the
    most surprising of those days). A weekly report ranks by what happened in its week: ranked by its whole span,
    a routine incident's most surprising day could be weeks before it."""
    rows = []
    for _, inc in table.iterrows():
        keep = [k for k, day in enumerate(inc["counted_days"]) if start <= day < stop]
        if not keep:
            continue
        posts = np.asarray(inc["day_posts"], dtype=float)[keep]
        exp = np.asarray(inc["day_expected"], dtype=float)[keep]
        scores = _poisson_score(posts, exp)
        peak = int(np.argmax(scores))
        observed, expected = float(posts.sum()), float(exp.sum())
        rows.append({**inc.to_dict(), "observed": int(observed), "expected": expected,
                     "excess": observed - expected, "ratio": observed / expected if expected > 0 else math.inf,
                     "day_score": float(scores.max()), "score": float(_poisson_score(observed, expected)),
                     "peak_day": inc["counted_days"][keep[peak]], "peak_posts": int(posts[peak]),
                     "peak_expected": float(exp[peak]), "counted_days": [inc["counted_days"][k] for k in keep],
                     "day_posts": posts.astype(int).tolist(), "day_expected": exp.tolist()})
    out = pd.DataFrame(rows, columns=list(dict.fromkeys([*table.columns, *(rows[0] if rows else [])])))
    out["p_value"] = 10.0 ** -out["score"].astype(float)
    return out


def check_incident_request(alpha: float, gap_days: int, sample: int, seed: int = SEED) -> None:
    """Refuse a bad parameter of ``incidents``, naming it and its value ("5" was a TypeError, 1.5 gap days were 1,
    seed -1 a bare ValueError from numpy)."""
    if not is_number(alpha) or not 0 < alpha < 1:
        raise InputError(f"incidents: alpha must be between 0 and 1 (the level of a surge day, e.g. 1e-4), got {alpha!r}")
    whole(gap_days, "incidents: gap_days", 0)
    whole(sample, "incidents: sample", 1)
    check_seed(seed)


def incidents(posts: pd.DataFrame, alerts: pd.DataFrame | None = None, *, policy=None, threshold: float = 0.8,
              alpha: float = ALPHA, gap_days: int = GAP_DAYS, sample: int = SAMPLE, seed: int = SEED,
              near_duplicates: bool = True, progress: bool = False) -> pd.DataFrame:
    """One row per incident, best ranked first (see the module docstring). Columns ``COLUMNS``.

    ``alerts`` are ``wbcs.aggregate.aggregation_alerts(posts)`` (computed when not given);
    ``threshold`` the near-duplicate similarity; ``alpha`` the level of a surge day; ``gap_days``
    the largest gap inside a routine incident; ``sample`` the posts per incident read for its
    phrases (``seed`` picks them); ``near_duplicates`` as ``issue_keys`` and, when the alerts are computed
    here, as ``aggregation_alerts``'s; ``progress`` shows a bar over the incidents described. ``alert_index``
    points into ``alerts``; times are Beijing wall-clock times; ``sample_text`` is PII-masked.
    """
    frame(posts, "incidents: posts")
    check_incident_request(alpha, gap_days, sample, seed)
    if alerts is not None and "post_ids" not in frame(alerts, "incidents: alerts").columns:
        raise InputError("incidents: alerts must be the table wbcs.aggregate.aggregation_alerts(posts) returns "
                         "(it has no 'post_ids' column)")
    order, times = in_time_order(posts, "incidents")
    posts = posts.iloc[order].reset_index(drop=True)
    if alerts is None:
        from wbcs.aggregate import aggregation_alerts

        alerts = aggregation_alerts(posts, policy=policy, threshold=threshold, near_duplicates=near_duplicates)
    if posts.empty or alerts.empty:
        return pd.DataFrame(columns=COLUMNS)
    issue = issue_keys(posts, threshold=threshold, near_duplicates=near_duplicates)
    day = times.dt.floor("D")
    a = alert_days(alerts, dict(zip(posts["post_id"].astype(str), issue, strict=True)))

    # posts per day of the alerts' issues (as wbcs.kpi.partitioned_hot counts them) and of all posts, and each
    # issue's expectation (its usual share): a row for every issue × day held ~1 GB for a year of posts without a
    # topic (each near-duplicate cluster an issue)
    keys = list(dict.fromkeys(a["issue"]))
    row = {k: i for i, k in enumerate(keys)}
    first = day.min()
    d = ((day - first).dt.days).to_numpy()
    n_days = int(d.max()) + 1
    r = issue.map(row).to_numpy()
    mine = ~np.isnan(r)
    counts = np.zeros((len(keys), n_days))
    np.add.at(counts, (r[mine].astype(np.int64), d[mine]), 1.0)
    expected, surge = expectation(counts, np.bincount(d, minlength=n_days), alpha)
    groups = incident_groups(a, row, surge, first, gap_days)
    bg_ids = background(posts["post_id"], sample, seed)
    return describe(groups, a, keys, counts, expected, first, posts, issue, d, bg_ids, seed, sample, progress)
