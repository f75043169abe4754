"""The indicators of China Mobile Beijing's system (DOMAIN.md "KPIs"), pandas engine.

Definitions (issue 6; a rate whose denominator is 0 is null, never 0; rates and shares
are fractions, 0.25 = 25 %):

- ``volume``: posts; ``volume_change_ratio``: this period's volume / the previous
  period's (per breakdown group, so with ``by="topic"`` it is the discussion-point
  volume change ratio); ``share``: the group's volume / the period's volume (with
  ``by="topic"`` the topic share 话题点占比).
- ``net_favorability`` = (pos − neg) / (pos + neg); ``net_favorability_incl_neutral`` =
  (pos − neg) / all posts whose ``sentiment`` is known.
- ``negative_handling_rate`` = negative posts with ``reply_at`` / negative posts;
  ``negative_resolution_rate`` = negative posts with ``resolved_at`` / negative posts;
  ``negative_resolution_rate_as_written`` = replied negative posts / negative posts, the
  formula the source document writes for the resolution rate (kept, and named, as
  DOMAIN.md asks).
- ``reply_satisfaction_rate`` = replied negative posts with ``satisfied`` true / replied
  negative posts whose ``satisfied`` is known.
- ``reply_rate`` = replied posts / posts (the 10086 team's 100 % reply rule).
- ``median_response_minutes`` / ``p90_response_minutes``: ``reply_at − created_at`` over
  replied posts (linear interpolation between order statistics).
- ``reposts``, ``comments``, ``likes``, ``followers`` (sum of ``author_followers``:
  the reach, 曝光度): sums.
- SLA attainment of the triage policy: each post's kind (``KIND_RULES``) picks its
  clocks in ``wbcs.policy``; acknowledge is met when ``reply_at − created_at ≤
  acknowledge_minutes`` (calendar minutes, or duty minutes by ``Duty.business_minutes``
  for a business clock), resolve likewise with ``resolved_at`` and ``resolve_hours``.
  A post counts (is *due*) once it has its reply, or once its deadline has passed by
  ``as_of`` (default: the latest time in the data) without one; posts still inside
  their deadline are pending and left out.
- ``competitor_lead`` (网络讨论点领先值): per topic, an operator's net favorability minus
  the best competitor's on the same topic.

An indicator whose input column is missing is null (the table says it was not measurable;
it is not reported as 0). Both engines (this one and ``wbcs.kpi.duck``) compute the same
per-post counters, sum them per group, and derive every rate with ``finish`` below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.policy import Policy, load_policy

PERIODS = ("day", "week", "month")
# The policy's post kind of a post: the first rule whose conditions all hold wins
# (the same mapping the synthetic generator uses for its reply times).
KIND_RULES: list[tuple[dict[str, str], str]] = [
    ({"negative_subtype": "abuse"}, "abuse"),
    ({"negative_subtype": "vague_negativity"}, "vague_negative"),
    ({"intent": "complaint"}, "complaint"),
    ({"intent": "consultation"}, "consultation"),
    ({"intent": "praise"}, "praise"),
]
# Per-post counters and the columns each needs.
COUNTERS: dict[str, tuple[str, ...]] = {
    "volume": (),
    "n_positive": ("sentiment",), "n_neutral": ("sentiment",), "n_negative": ("sentiment",),
    "n_sentiment": ("sentiment",),
    "n_replied": ("reply_at",),
    "n_negative_replied": ("sentiment", "reply_at"),
    "n_negative_resolved": ("sentiment", "resolved_at"),
    "n_negative_replied_satisfaction_known": ("sentiment", "reply_at", "satisfied"),
    "n_negative_replied_satisfied": ("sentiment", "reply_at", "satisfied"),
    "reposts": ("reposts",), "comments": ("comments",), "likes": ("likes",),
    "followers": ("author_followers",),
    "sla_acknowledge_due": ("intent", "reply_at"), "sla_acknowledge_met": ("intent", "reply_at"),
    "sla_resolve_due": ("intent", "resolved_at"), "sla_resolve_met": ("intent", "resolved_at"),
}
RATES: dict[str, tuple[str, str]] = {
    "negative_handling_rate": ("n_negative_replied", "n_negative"),
    "negative_resolution_rate": ("n_negative_resolved", "n_negative"),
    "negative_resolution_rate_as_written": ("n_negative_replied", "n_negative"),
    "reply_satisfaction_rate": ("n_negative_replied_satisfied", "n_negative_replied_satisfaction_known"),
    "reply_rate": ("n_replied", "volume"),
    "sla_acknowledge_attainment": ("sla_acknowledge_met", "sla_acknowledge_due"),
    "sla_resolve_attainment": ("sla_resolve_met", "sla_resolve_due"),
}
QUANTILES = {"median_response_minutes": 0.5, "p90_response_minutes": 0.9}
STAGES = {"acknowledge": "reply_at", "resolve": "resolved_at"}
DATETIMES = ("created_at", "reply_at", "resolved_at")


# --------------------------------------------------------------------------- shared helpers


def available_counters(columns) -> list[str]:
    cols = set(columns)
    return [name for name, need in COUNTERS.items() if set(need) <= cols]


def check_request(columns, period: str | None, by, source: str = "posts") -> list[str]:
    """Validate ``period`` and ``by`` against the columns; returns ``by`` as a list."""
    if period is not None and period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    by = [by] if isinstance(by, str) else list(by or [])
    for col in ["created_at", *by]:
        if col not in columns:
            raise InputError(f"{source}: no column {col!r}; columns are {', '.join(map(str, columns))}")
    return by


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def finish(sums: pd.DataFrame) -> pd.DataFrame:
    """Every rate from the summed counters (missing counters give null rates)."""
    out = sums.copy()
    for name in COUNTERS:
        if name not in out:
            out[name] = np.nan
    pos, neg = out["n_positive"], out["n_negative"]
    out["net_favorability"] = _ratio(pos - neg, pos + neg)
    out["net_favorability_incl_neutral"] = _ratio(pos - neg, out["n_sentiment"])
    for name, (num, den) in RATES.items():
        out[name] = _ratio(out[num], out[den])
    for name in QUANTILES:
        if name not in out:
            out[name] = np.nan
    return out


def period_grid(sums: pd.DataFrame, period: str | None, keys: list[str]) -> pd.DataFrame:
    """Complete the table: every period from the first to the last (empty ones with zero
    counts) for every observed breakdown group, sorted; adds ``volume_change_ratio``
    (per group) and ``share`` (of the period's volume) when they apply."""
    counters = [c for c in COUNTERS if c in sums]
    groups = [k for k in keys if k != "period"]
    if period is not None and len(sums):
        starts = pd.to_datetime(sums["period"])
        freq = {"day": "D", "week": "W-MON", "month": "MS"}[period]
        periods = pd.date_range(starts.min(), starts.max(), freq=freq)
        combos = sums[groups].drop_duplicates() if groups else pd.DataFrame(index=[0])
        grid = combos.merge(pd.DataFrame({"period": periods}), how="cross")
        sums = grid.merge(sums.assign(period=starts), on=["period", *groups], how="left")
        sums[counters] = sums[counters].fillna(0)
    sums = sums.sort_values(keys, kind="stable").reset_index(drop=True) if keys else sums
    if period is not None:
        prev = sums.groupby(groups, dropna=False, sort=False)["volume"].shift(1) if groups \
            else sums["volume"].shift(1)
        sums["volume_change_ratio"] = _ratio(sums["volume"], prev)
    if groups:
        total = sums.groupby("period")["volume"].transform("sum") if period is not None \
            else sums["volume"].sum()
        sums["share"] = _ratio(sums["volume"], total)
    return sums[[*keys, *[c for c in sums.columns if c not in keys]]]


def competitor_lead(by_operator_topic: pd.DataFrame) -> dict:
    """{topic: {operator: net favorability − best competitor's}} from finished sums."""
    out: dict = {}
    nf = by_operator_topic.dropna(subset=["operator", "topic"])
    for topic, g in nf.groupby("topic", sort=True):
        scores = dict(zip(g["operator"], g["net_favorability"], strict=True))
        lead = {}
        for op, mine in sorted(scores.items()):
            others = [v for o, v in scores.items() if o != op and not pd.isna(v)]
            lead[op] = None if pd.isna(mine) or not others else float(mine - max(others))
        out[str(topic)] = lead
    return out


def summary(whole: pd.DataFrame, by_topic: pd.DataFrame | None, by_kind: pd.DataFrame | None,
            by_operator_topic: pd.DataFrame | None, policy: Policy, as_of) -> dict:
    """The whole-file indicators as one JSON-ready dict (finished sums per grouping set)."""
    row = whole.iloc[0] if len(whole) else pd.Series({"volume": 0})
    scalars = [*COUNTERS, "net_favorability", "net_favorability_incl_neutral", *RATES, *QUANTILES]
    out = {k: _json(row.get(k)) for k in scalars}
    out["volume"] = int(row.get("volume") or 0)
    out["topic_share"] = {} if by_topic is None else {
        str(t): _json(v) for t, v in zip(by_topic["topic"], _ratio(by_topic["volume"], out["volume"]),
                                         strict=True) if not pd.isna(t)}
    out["sla"] = {}
    for kind, clock in policy.sla.items():
        rows = by_kind[by_kind["post_kind"] == kind] if by_kind is not None else by_kind
        r = rows.iloc[0] if rows is not None and len(rows) else pd.Series(dtype=float)
        entry = {"posts": int(r.get("volume") or 0), "clock": clock.clock,
                 "acknowledge_minutes": clock.acknowledge_minutes, "resolve_hours": clock.resolve_hours}
        for stage in STAGES:
            entry[f"{stage}_due"] = _json(r.get(f"sla_{stage}_due"))
            entry[f"{stage}_met"] = _json(r.get(f"sla_{stage}_met"))
            entry[f"{stage}_attainment"] = _json(r.get(f"sla_{stage}_attainment"))
        out["sla"][kind] = entry
    out["competitor_lead"] = {} if by_operator_topic is None else competitor_lead(by_operator_topic)
    out["as_of"] = None if as_of is None or pd.isna(as_of) else pd.Timestamp(as_of).isoformat()
    return out


def _json(v):
    """A plain JSON value: None for missing/NaN, int for whole numbers, else float."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


# --------------------------------------------------------------------------- pandas engine


def _local(s: pd.Series) -> pd.Series:
    """Beijing wall-clock times, tz-naive (naive input is read as Beijing time)."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce", format="mixed")
    return s.dt.tz_convert(TIMEZONE).dt.tz_localize(None) if s.dt.tz is not None else s


def period_start(local: pd.Series, period: str) -> pd.Series:
    """The start of each time's day, week (Monday) or month."""
    days = local.dt.floor("D")
    if period == "day":
        return days
    if period == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return days - pd.to_timedelta(days.dt.day - 1, unit="D")


def _plain(s: pd.Series) -> pd.Series:
    return s.astype(s.cat.categories.dtype) if isinstance(s.dtype, pd.CategoricalDtype) else s


def post_kind(posts: pd.DataFrame) -> pd.Series:
    """The policy post kind of each post (``KIND_RULES``), null where none applies."""
    conds, kinds = [], []
    for rule, kind in KIND_RULES:
        ok = pd.Series(True, index=posts.index)
        for col, value in rule.items():
            ok &= (posts[col].astype("string") == value).fillna(False) if col in posts else False
        conds.append(ok.to_numpy(dtype=bool))
        kinds.append(kind)
    return pd.Series(np.select(conds, kinds, default=None), index=posts.index, dtype="string")


def prepare(posts: pd.DataFrame, source: str = "posts") -> pd.DataFrame:
    """Local wall-clock datetimes; a reply or resolution before the post is an error."""
    out = pd.DataFrame(index=posts.index)
    for col in DATETIMES:
        if col in posts:
            out[col] = _local(posts[col])
    for col in ("reply_at", "resolved_at"):
        if col in out:
            bad = out[col] < out["created_at"]
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"{source}: row {i}, column {col!r}: {out[col].iloc[i]} is before the "
                                 f"post's created_at {out['created_at'].iloc[i]}; fix or remove the row")
    bad = out["created_at"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{source}: row {i}, column 'created_at' is empty or not a time")
    return out


def default_as_of(times: pd.DataFrame):
    return times.max().max() if len(times) else None


def _sla(posts: pd.DataFrame, times: pd.DataFrame, kinds: pd.Series, policy: Policy,
         as_of) -> dict[str, np.ndarray]:
    """Per-post SLA counters (due, met) for the acknowledge and resolve clocks."""
    n = len(posts)
    out = {}
    for stage, col in STAGES.items():
        if col not in times:
            continue
        due, met = np.zeros(n, bool), np.zeros(n, bool)
        for kind, clock in policy.sla.items():
            limit = clock.acknowledge_minutes if stage == "acknowledge" else (
                None if clock.resolve_hours is None else clock.resolve_hours * 60)
            mine = (kinds == kind).fillna(False).to_numpy()
            if limit is None or not mine.any():
                continue
            created, done = times["created_at"][mine], times[col][mine]
            now = pd.Series(as_of, index=created.index)
            if clock.clock == "business":
                elapsed = policy.duty.business_minutes(created.dt.tz_localize(TIMEZONE),
                                                       done.fillna(now).dt.tz_localize(TIMEZONE))
            else:
                elapsed = ((done.fillna(now) - created) / pd.Timedelta(minutes=1)).to_numpy()
            has = done.notna().to_numpy()
            met[mine] = has & (elapsed <= limit)
            due[mine] = has | (elapsed > limit)
        out[f"sla_{stage}_due"], out[f"sla_{stage}_met"] = due, met
    return out


def counters(posts: pd.DataFrame, times: pd.DataFrame, policy: Policy, as_of) -> pd.DataFrame:
    """One row per post: every available counter, the response minutes and the post kind."""
    have = set(available_counters(posts.columns))
    c = pd.DataFrame(index=posts.index)
    c["volume"] = 1
    if "sentiment" in posts:
        s = posts["sentiment"].astype("string")
        for label in ("positive", "neutral", "negative"):
            c[f"n_{label}"] = (s == label).fillna(False).astype(int)
        c["n_sentiment"] = s.notna().astype(int)
    replied = times["reply_at"].notna() if "reply_at" in times else None
    if replied is not None:
        c["n_replied"] = replied.astype(int)
        c["response_minutes"] = (times["reply_at"] - times["created_at"]) / pd.Timedelta(minutes=1)
    negative = c["n_negative"].astype(bool) if "n_negative" in c else None
    if "n_negative_replied" in have:
        c["n_negative_replied"] = (negative & replied).astype(int)
    if "n_negative_resolved" in have:
        c["n_negative_resolved"] = (negative & times["resolved_at"].notna()).astype(int)
    if "n_negative_replied_satisfied" in have:
        sat = posts["satisfied"].astype("boolean")
        both = negative & replied
        c["n_negative_replied_satisfaction_known"] = (both & sat.notna()).astype(int)
        c["n_negative_replied_satisfied"] = (both & sat.fillna(False)).astype(int)
    for name, col in (("reposts", "reposts"), ("comments", "comments"), ("likes", "likes"),
                      ("followers", "author_followers")):
        if col in posts:
            c[name] = pd.to_numeric(posts[col], errors="coerce").astype(float)
    kinds = post_kind(posts)
    if "intent" in posts:
        for name, values in _sla(posts, times, kinds, policy, as_of).items():
            c[name] = values.astype(int)
    c["post_kind"] = kinds
    return c


def _sums(c: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    names = [n for n in COUNTERS if n in c]
    if not keys:
        if not len(c):
            return pd.DataFrame([dict.fromkeys(names, 0)])
        sums = c[names].sum(min_count=1).to_frame().T
        if "response_minutes" in c:
            r = c["response_minutes"].dropna()
            for name, q in QUANTILES.items():
                sums[name] = r.quantile(q) if len(r) else np.nan
        return sums
    g = c.groupby(keys, dropna=False, sort=True, observed=True)
    sums = g[names].sum(min_count=1)
    if "response_minutes" in c:
        rg = c["response_minutes"].groupby([c[k] for k in keys], dropna=False, observed=True)
        for name, q in QUANTILES.items():
            sums[name] = rg.quantile(q)
    return sums.reset_index()


def indicators(posts: pd.DataFrame, *, period: str | None = None, by=None,
               policy: Policy | None = None, as_of=None):
    """The indicators of a labelled posts table.

    With neither ``period`` nor ``by``: one dict for the whole table (scalars,
    ``topic_share``, ``sla`` per post kind, ``competitor_lead``, ``as_of``). Otherwise a
    DataFrame with one row per period (``day``/``week``/``month``, Beijing time, weeks
    start on Monday; empty periods included) and breakdown group (``by``: column name
    or list; ``post_kind`` is available as a column too).
    """
    policy = policy or load_policy()
    by = check_request([*posts.columns, "post_kind"], period, by)
    times = prepare(posts)
    as_of = _local(pd.Series([as_of])).iloc[0] if as_of is not None else default_as_of(times)
    c = counters(posts, times, policy, as_of)
    for col in by:
        if col != "post_kind":  # categoricals as plain values: groups sort as DuckDB sorts them
            c[col] = _plain(posts[col])
    if period is None and not by:
        sets = {"whole": [], "topic": ["topic"], "kind": ["post_kind"],
                "operator_topic": ["operator", "topic"]}
        for key in ("topic", "operator"):
            if key in posts:
                c[key] = _plain(posts[key])
        done = {name: finish(_sums(c, keys)) if set(keys) <= set(c.columns) else None
                for name, keys in sets.items()}
        return summary(done["whole"], done["topic"], done["kind"], done["operator_topic"],
                       policy, as_of)
    keys = by
    if period is not None:
        c["period"] = period_start(times["created_at"], period)
        keys = ["period", *by]
    return finish(period_grid(_sums(c, keys), period, keys))
