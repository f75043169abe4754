"""The indicators of China Mobile Beijing's system (DOMAIN.md "KPIs"), pandas engine.

Definitions (issue 6; a rate whose denominator is 0 is null, never 0; rates and shares
are fractions, 0.25 = 25 %):

- ``volume``: posts; ``volume_change_ratio``: this period's volume / the previous
  period's (per breakdown group, so with ``by="topic"`` it is the discussion-point
  volume change ratio), like for like: where the data cover either period in part (``days_covered`` of its
  ``days_in_period``: its days from the first post's to the last post's, or to ``as_of`` when given later),
  the same days of both (``compared_days`` of each, ``coverage``), as the report compares a period to date;
  ``share``: the group's volume / the period's volume (with ``by="topic"`` the topic share 话题点占比).
- ``net_favorability`` = (pos − neg) / (pos + neg); ``net_favorability_incl_neutral`` =
  (pos − neg) / all posts whose ``sentiment`` is known.
- ``negative_handling_rate`` = negative posts with ``reply_at`` / negative posts;
  ``negative_resolution_rate`` = negative posts with ``resolved_at`` / negative posts;
  ``negative_resolution_rate_as_written`` = replied negative posts / negative posts, the
  formula the source document writes for the resolution rate (kept, and named, as
  DOMAIN.md asks).
- ``reply_satisfaction_rate`` (回复满意率) = replied negative posts with ``satisfied`` true /
  replied negative posts, DOMAIN.md's formula (a reply without feedback is not a satisfied
  one; its "replied topics" are the negative ones: DOMAIN.md and its source list it among the
  negative-handling indicators); ``reply_satisfaction_rate_of_known`` = the same over the replied negative posts whose
  ``satisfied`` is known (the satisfaction of those who answered).
- ``reply_rate`` = replied posts / posts (the 10086 team's 100 % reply rule).
- ``median_response_minutes`` / ``p90_response_minutes``: ``reply_at − created_at`` over
  replied posts (linear interpolation between order statistics), to a millionth of a minute (``QUANTILE_DECIMALS``).
- ``reposts``, ``comments``, ``likes``, ``followers`` (sum of ``author_followers``:
  the reach, 曝光度): sums.
- SLA attainment of the triage policy: each post's kind (``KIND_RULES``: the kind of the
  route ``wbcs triage`` gives it with the default routes, data/routes.yaml) picks its
  clocks in ``wbcs.policy``; acknowledge is met when ``reply_at − created_at ≤
  acknowledge_minutes`` (calendar minutes, or duty minutes by ``Duty.business_minutes``
  for a business clock), resolve likewise with ``resolved_at`` and ``resolve_hours``.
  The clocks are read as they stood at ``as_of`` (default: the latest time in the data): a reply or
  resolution after ``as_of`` is not known then. A post is *met* when it was done within its limit by
  ``as_of``, *late* when its deadline passed by ``as_of`` without that (done late, done after ``as_of``, or
  never), and otherwise *pending* — not done by ``as_of`` and its deadline after it — and left out, whatever
  happens later: attainment = met / (met + late). (The other rates count every reply and resolution in the
  data.)
- ``competitor_lead`` (网络讨论点领先值): per topic, an operator's net favorability minus
  the best competitor's on the same topic.

An indicator whose input column is missing is null (the table says it was not measurable;
it is not reported as 0).

How both engines (this one and ``wbcs.kpi.duck``) work: one pass over the posts groups them
by the requested keys and a few low-cardinality label columns (``LABELS``: sentiment, intent,
subtype, complaint; satisfied; whether replied and resolved) and counts, per group, the posts and, for each
distinct SLA limit of the policy, the posts answered within it and the posts still
unanswered past it (``thresholds``). The keys keep their names; every other column of that inner
table is the engines' own (``own``: ``wbcs_n``, ``wbcs_replied``, ``wbcs_met_0``), so a user's column
grouped by (a CRM export's yes/no ``replied``) is never taken for one of them. Everything else — post
kinds, every counter, the SLA attainment, the rates — is derived from that small table by the same code (``derive``,
``assemble``), so the engines cannot drift apart; only the response-time quantiles need
the rows themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.checks import frame
from wbcs.checks import policy as check_policy
from wbcs.columns import (
    read_flags,
    read_times,
    refuse_repeated_ids,
    refuse_unknown_labels,
)
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.io.times import option_time
from wbcs.policy import Policy
from wbcs.triage import KIND_COLUMNS, KIND_RULES, Rules, kind_rules, load_routes

PERIODS = ("day", "week", "month")
# The label columns of the inner table (see the module docstring): the post kind is derived from them
# (``KIND_RULES``: the kind of the route ``wbcs triage`` gives a post, so the KPIs count it with that clock).
LABELS = KIND_COLUMNS
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
    "reply_satisfaction_rate": ("n_negative_replied_satisfied", "n_negative_replied"),
    "reply_satisfaction_rate_of_known": ("n_negative_replied_satisfied", "n_negative_replied_satisfaction_known"),
    "reply_rate": ("n_replied", "volume"),
    "sla_acknowledge_attainment": ("sla_acknowledge_met", "sla_acknowledge_due"),
    "sla_resolve_attainment": ("sla_resolve_met", "sla_resolve_due"),
}
QUANTILES = {"median_response_minutes": 0.5, "p90_response_minutes": 0.9}
# The columns a table has besides its keys (``finish``, ``period_grid``) and ``period``: a column of the posts
# named so cannot be a key beside them (--by reposts was a pandas traceback, --by share printed the share as the
# group, --by period read the values as dates)
COVERAGE = ("days_covered", "days_in_period", "compared_days")
TABLE = ("period", *COUNTERS, "volume_change_ratio", *COVERAGE, "share", "net_favorability",
         "net_favorability_incl_neutral", *RATES, *QUANTILES)
OWN = "wbcs_"  # the engines' own columns and SQL names (``own``); never a key's
DAY = OWN + "day"  # the column of the days an engine counts posts on for a like-for-like change (``edge_periods``)
FREQ = {"day": "D", "week": "W-MON", "month": "MS"}
STEP = {"day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7), "month": pd.DateOffset(months=1)}
# The rows a table by period and breakdown may have: every group gets every period (an empty one counts 0), so
# 1,964 posts by author per day were 3 million rows and 3.8 GB; 200,000 rows of ~60 columns are ~100 MB
MAX_GRID_ROWS = 200_000
STAGES = {"acknowledge": "reply_at", "resolve": "resolved_at"}
# The response-time quantiles to a millionth of a minute (60 µs, finer than the millisecond any export's times are
# written to): DuckDB (epoch µs / 60e6, ``lo + (hi − lo)·d``) and pandas (ns / 6e10, numpy's two-sided lerp) reach
# the same quantile by different float operations and differed in the last bit, so the engines' JSON did not compare
# equal. With times in whole ms, a median or p90 is a multiple of a tenth of a ms (the order statistics' fraction of
# the way is a tenth): 5/3 millionths of a minute, never halfway between two, so the rounding cannot split them.
QUANTILE_DECIMALS = 6
# How a reader is shown each kind of indicator, on every surface (``wbcs kpi``'s text, the dashboard's cards and
# tables, the report; JSON keeps the raw numbers): one KPI was 0.6667 in one and 66.7% in another, a net
# favorability -0.2, -0.20 and -0.200. Rates and shares are percentages (DOMAIN.md states them × 100%) with one
# decimal; net favorability, a fraction of −1 … 1, signed with two decimals in ASCII ('-0.20', the corrected shares'
# line, ``wbcs.kpi.quantify.favorability_text``, by default); a volume change ratio with two decimals; response
# times in the unit that reads best (``format_minutes``).
RATE_FORMAT, FAVORABILITY_FORMAT, RATIO_FORMAT = ".1%", "+.2f", ".2f"


# --------------------------------------------------------------------------- how a reader is shown them


def format_minutes(m: float, change: float | None = None) -> str:
    """A duration in minutes as a reader reads it (45 min, 2.5 h, 3.1 d); with ``change``, that change in the
    same unit ('-6.9 h'), so a value and its change compare at a glance."""
    size, unit, digits = (1, "min", 0) if m < 60 else (60, "h", 1) if m < 1440 else (1440, "d", 1)
    if change is not None:
        return f"{change / size:+.{digits}f} {unit}"
    return f"{m / size:.{digits}f} {unit}"


def format_indicator(key: str, value, missing: str = "–") -> str:
    """``value`` of the indicator ``key`` (as ``indicators`` and ``wbcs kpi --json`` name it) as every surface shows it
    to a reader (the formats above): counts as integers with thousands separators, rates and shares as
    percentages, net favorability (and the lead over competitors, a difference of two) signed, times in their
    unit; ``missing`` for a null."""
    if value is None or pd.isna(value):
        return missing
    if key in COUNTERS:
        return f"{int(value):,}"
    if key.startswith("net_favorability") or key == "competitor_lead":
        return format(value, FAVORABILITY_FORMAT)
    if key.endswith("_minutes"):
        return format_minutes(value)
    if key == "volume_change_ratio":
        return format(value, RATIO_FORMAT)
    if key in RATES or key.endswith("share"):
        return format(value, RATE_FORMAT)
    raise ValueError(f"format_indicator: no format for {key!r}")  # a new indicator must choose its kind here


# --------------------------------------------------------------------------- shared helpers


def available_counters(columns) -> list[str]:
    cols = set(columns)
    return [name for name, need in COUNTERS.items() if set(need) <= cols]


def check_request(columns, period: str | None, by, source: str = "posts") -> list[str]:
    """Validate ``period`` and ``by`` against the columns; returns ``by`` as a list."""
    if period is not None and period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    if isinstance(by, str) or by is None:
        by = [] if by is None else [by]
    else:
        try:
            by = list(by)
        except TypeError:
            by = None
    if by is None or not all(isinstance(col, str) for col in by):  # 5 was "'int' object is not iterable"
        raise InputError("by must be a column name or a list of them (e.g. by='topic' or by=['operator', 'topic'])")
    for col in by:
        if col in TABLE or col.startswith(OWN):
            raise InputError(f"{source}: cannot break the table down by {col!r}: the table has "
                             + (f"a column {col!r} of its own" if col in TABLE else f"its own columns named {OWN}*")
                             + "; rename that column of the posts to group by it")
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


def table_periods(groups: int, times: pd.Series | None, period: str | None, by: list[str]):
    """The periods of a table by ``by`` (``groups`` distinct groups) per ``period``: every one from the earliest
    of ``times`` (local times or period starts) to the latest (None without a period). An ``InputError`` when
    the table would have more than ``MAX_GRID_ROWS`` rows, which every engine checks before it builds the table:
    501,024 posts by post_id took 4.4 GB and 164 s to print."""
    periods = None
    if period is not None:
        starts = period_start(pd.Series([times.min(), times.max()]), period)
        periods = pd.date_range(starts.iloc[0], starts.iloc[1], freq=FREQ[period])
        if groups * len(periods) > MAX_GRID_ROWS:  # nearly all empty rows, and memory beyond any file's size
            raise InputError(f"a table by {', '.join(by)} per {period} would have {groups * len(periods):,} "
                             f"rows ({groups:,} groups × {len(periods):,} {period}s), more than "
                             f"{MAX_GRID_ROWS:,}: choose a longer period or fewer breakdown columns (--period, --by)")
    elif groups > MAX_GRID_ROWS:
        raise InputError(f"a table by {', '.join(by)} would have {groups:,} rows (one per group), more than "
                         f"{MAX_GRID_ROWS:,}: break the posts down by fewer or coarser columns (--by topic, not "
                         f"--by post_id)")
    return periods


def edge_periods(starts: pd.Series, period: str) -> list[pd.Timestamp]:
    """The periods of a table per ``period`` (from the earliest of ``starts``, period starts or local times, to the
    latest) whose posts every engine counts per day (``DAY``) for ``period_grid``: the first two and the last two,
    as only the first and the last can be covered in part (``coverage``)."""
    grid = table_periods(0, starts, period, [])
    return sorted({*grid[:2], *grid[-2:]})


def coverage(starts: pd.Series, period: str, first, last) -> pd.DataFrame:
    """Per period start: ``days_in_period``; ``days_covered``, its days from ``first``'s to ``last``'s (the data's
    first and last post, Beijing time); and the days its change from the period before compares, ``lo`` ≤ day
    offset from each period's start < ``hi``: all of both when the data cover both whole, else the same day
    offsets of both that the data cover in both (``compared_days`` = hi − lo, 0 for none).

    Like for like, as social-care suites compare a period to date with the same days of the period before: the
    two days of a week the data hold set against the whole week before read as a 71 % fall in posts that is mostly
    the five days missing, and a whole week against a first week of five days as a rise."""
    starts = pd.Series(pd.to_datetime(starts)).reset_index(drop=True)
    first, stop = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize() + pd.Timedelta(days=1)

    def days(a, b) -> pd.Series:
        return (b - a).dt.days

    def covered(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:  # offsets [lo, hi) covered, and length
        end = s + STEP[period]
        return days(s, s.clip(lower=first)), days(s, end.clip(upper=stop)), days(s, end)

    lo, hi, n = covered(starts)
    plo, phi, pn = covered(starts - STEP[period])
    whole = (lo == 0) & (hi == n) & (plo == 0) & (phi == pn)
    same_lo, same_hi = np.maximum(lo, plo).where(~whole, 0), np.minimum(hi, phi).where(~whole, n)
    return pd.DataFrame({"days_in_period": n, "days_covered": (hi - lo).clip(lower=0), "lo": same_lo, "hi": same_hi,
                         "compared_days": (same_hi - same_lo).clip(lower=0), "whole": whole})


def _like_days(rows: pd.DataFrame, daily: pd.DataFrame, groups: list[str], period: str) -> tuple[np.ndarray, ...]:
    """The volume on each row's compared days (``coverage``'s [lo, hi)) of its period and of the period before,
    from ``daily`` (posts per group and ``DAY``)."""
    r = rows[[*groups, "period", "lo", "hi"]].reset_index(names=OWN + "row")
    m = r.merge(daily, on=groups, how="left") if groups else r.merge(daily, how="cross")
    out = []
    for start in (m["period"], m["period"] - STEP[period]):
        offset = (m[DAY] - start).dt.days
        inside = (offset >= m["lo"]) & (offset < m["hi"])
        out.append(m[own("n")].where(inside, 0).groupby(m[OWN + "row"]).sum().reindex(r[OWN + "row"]).to_numpy())
    return tuple(out)


def period_grid(sums: pd.DataFrame, period: str | None, keys: list[str], daily: pd.DataFrame | None = None,
                covered_to=None) -> pd.DataFrame:
    """Complete the table: every period from the first to the last (empty ones with zero
    counts) for every observed breakdown group, sorted; adds ``volume_change_ratio``
    (per group, like for like from ``daily``, the posts per group and day of the ``edge_periods``, whose first and
    last days, or ``covered_to`` when later, bound the days the data cover: ``coverage``) and ``share`` (of the
    period's volume) when they apply."""
    counters = [c for c in COUNTERS if c in sums]
    groups = [k for k in keys if k != "period"]
    if len(sums):
        combos = sums[groups].drop_duplicates() if groups else pd.DataFrame(index=[0])
        starts = pd.to_datetime(sums["period"]) if period is not None else None
        periods = table_periods(len(combos), starts, period, groups)
    if period is not None and len(sums):
        grid = combos.merge(pd.DataFrame({"period": periods}), how="cross")
        sums = grid.merge(sums.assign(period=starts), on=["period", *groups], how="left")
        sums[counters] = sums[counters].fillna(0)
    sums = sums.sort_values(keys, kind="stable").reset_index(drop=True) if keys else sums
    if period is not None:
        prev = sums.groupby(groups, dropna=False, sort=False)["volume"].shift(1) if groups \
            else sums["volume"].shift(1)
        if len(sums):
            daily = daily.assign(**{DAY: pd.to_datetime(daily[DAY]).astype("datetime64[ns]")})
            last = daily[DAY].max() if covered_to is None else max(daily[DAY].max(), pd.Timestamp(covered_to))
            cov = coverage(sums["period"], period, daily[DAY].min(), last)
            part = (~cov["whole"] & (cov["compared_days"] > 0)).to_numpy()
            cur, prev = sums["volume"].to_numpy(dtype=float, copy=True), prev.to_numpy(dtype=float, copy=True)
            if part.any():
                cur[part], prev[part] = _like_days(sums[part].join(cov[["lo", "hi"]]), daily, groups, period)
            sums["volume_change_ratio"] = _ratio(cur, np.where(cov["compared_days"] > 0, prev, np.nan))
            sums[["days_covered", "days_in_period"]] = cov[["days_covered", "days_in_period"]]
            sums["compared_days"] = cov["compared_days"].where(cov["compared_days"] > 0).astype("Int64")
        else:
            sums = sums.assign(volume_change_ratio=np.nan, **dict.fromkeys(COVERAGE, pd.NA))
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


# --------------------------------------------------------------------------- derived counters

SUMS = {"reposts": "reposts", "comments": "comments", "likes": "likes", "followers": "author_followers"}
FLAGS = {"replied": "reply_at", "resolved": "resolved_at"}


def own(name: str) -> str:
    """The name of an engine's own column ``name`` of the inner table (``OWN``), apart from every key."""
    return OWN + name


def summed(columns) -> list[str]:
    """The columns of an inner table that are added up when tables are merged (the others are its groups):
    the posts, the sums, the SLA threshold counts."""
    counts = {own("n"), *map(own, SUMS)}
    return [c for c in columns if c in counts or c.startswith((own("met_"), own("late_")))]


def limit_minutes(clock, stage: str) -> float | None:
    if stage == "acknowledge":
        return clock.acknowledge_minutes
    return None if clock.resolve_hours is None else clock.resolve_hours * 60


def thresholds(policy: Policy) -> list[tuple[str, str, float]]:
    """The distinct (stage, clock, limit minutes) of the policy: column ``met_i`` (``own``) of the
    inner table counts posts done within limit i by ``as_of``, ``late_i`` the others whose limit i had passed by
    ``as_of`` (see the module docstring): the posts due at ``as_of`` are met + late."""
    out: list[tuple[str, str, float]] = []
    for clock in policy.sla.values():
        for stage in STAGES:
            minutes = limit_minutes(clock, stage)
            if minutes is not None and (stage, clock.clock, minutes) not in out:
                out.append((stage, clock.clock, minutes))
    return out


def derive(inner: pd.DataFrame, policy: Policy, rules=None) -> pd.DataFrame:
    """Every counter (and ``post_kind``, by the kind ``rules``: ``kinds_of``) for each row of the inner table,
    beside its keys."""
    ours = [x for x in inner.columns if x.startswith(OWN)]
    mine = inner[ours].rename(columns=lambda x: x[len(OWN):])
    c = inner.drop(columns=ours)
    kind = post_kind(mine, rules=rules)
    if "post_kind" not in c:  # (a key --by post_kind is the same kind)
        c["post_kind"] = kind
    n = mine["n"].to_numpy(dtype=float)
    c["volume"] = n
    for name in SUMS:
        if name in mine:
            c[name] = mine[name]

    def mask(values) -> np.ndarray:
        return pd.Series(values).fillna(False).to_numpy(dtype=bool)

    if "sentiment" in mine:
        s = mine["sentiment"].astype("string")
        for label in ("positive", "neutral", "negative"):
            c[f"n_{label}"] = n * mask(s == label)
        c["n_sentiment"] = n * s.notna().to_numpy(dtype=bool)
        neg = mask(s == "negative")
    flags = {f: mask(mine[f]) for f in FLAGS if f in mine}
    if "replied" in flags:
        c["n_replied"] = n * flags["replied"]
    if "sentiment" in mine:
        if "replied" in flags:
            c["n_negative_replied"] = n * (neg & flags["replied"])
        if "resolved" in flags:
            c["n_negative_resolved"] = n * (neg & flags["resolved"])
        if "replied" in flags and "satisfied" in mine:
            sat = mine["satisfied"].astype("boolean")
            c["n_negative_replied_satisfaction_known"] = n * (neg & flags["replied"] & sat.notna().to_numpy(bool))
            c["n_negative_replied_satisfied"] = n * (neg & flags["replied"] & mask(sat))
    limits = thresholds(policy)
    for stage, flag in (("acknowledge", "replied"), ("resolve", "resolved")):
        if flag not in flags or "intent" not in mine:
            continue
        due, met = np.zeros(len(inner)), np.zeros(len(inner))
        for k, clock in policy.sla.items():
            minutes = limit_minutes(clock, stage)
            if minutes is None:
                continue
            i = limits.index((stage, clock.clock, minutes))
            of_kind = mask(kind == k)
            met += np.where(of_kind, mine[f"met_{i}"], 0)
            due += np.where(of_kind, mine[f"met_{i}"] + mine[f"late_{i}"], 0)
        c[f"sla_{stage}_due"], c[f"sla_{stage}_met"] = due, met
    return c


def rollup(c: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counters summed per group of ``keys`` (all rows when empty)."""
    counters = [x for x in COUNTERS if x in c]
    if not keys:
        if not len(c):
            return pd.DataFrame([dict.fromkeys(counters, 0)])
        return c[counters].sum(min_count=1).to_frame().T
    return c.groupby(keys, dropna=False, sort=True)[counters].sum(min_count=1).reset_index()


def assemble(inner: pd.DataFrame, quantiles: pd.DataFrame, *, period: str | None, by: list[str],
             policy: Policy, as_of, rules=None, daily: pd.DataFrame | None = None, covered_to=None):
    """The result of ``indicators`` from an engine's inner table and response quantiles
    (one row per output group: ``period``, ``by`` columns and the QUANTILES columns), the posts' kinds by the
    kind ``rules`` (``kinds_of``); with a ``period``, the posts per ``by`` group and day (``DAY``, ``own('n')``) of
    the ``edge_periods`` and the user's ``as_of`` (``covered_to``, None when not given) for the periods' coverage
    (``period_grid``)."""
    c = derive(inner, policy, rules)
    quantiles = quantiles.copy()
    for name in QUANTILES:  # every engine's quantiles rounded here, in one place (QUANTILE_DECIMALS)
        if name in quantiles:
            quantiles[name] = pd.to_numeric(quantiles[name]).astype(float).round(QUANTILE_DECIMALS)
    if period is None and not by:
        whole = rollup(c, [])
        for name in QUANTILES:
            whole[name] = quantiles[name].iloc[0] if name in quantiles and len(quantiles) else np.nan
        parts = {key: finish(rollup(c, cols)) if set(cols) <= set(c.columns) else None
                 for key, cols in (("topic", ["topic"]), ("kind", ["post_kind"]),
                                   ("operator_topic", ["operator", "topic"]))}
        return summary(finish(whole), parts["topic"], parts["kind"], parts["operator_topic"], policy, as_of)
    keys = (["period"] if period is not None else []) + by
    sums = rollup(c, keys)
    if len(quantiles):
        sums = sums.merge(quantiles[keys + [q for q in QUANTILES if q in quantiles]], on=keys, how="left")
    table = finish(period_grid(sums, period, keys, daily, covered_to))
    for col in by:  # --by created_at was Beijing time from pandas, UTC from DuckDB
        if pd.api.types.is_datetime64_any_dtype(table[col]):
            table[col] = beijing(table[col])
    return table


def beijing(times: pd.Series) -> pd.Series:
    """Times as Beijing time, tz-aware, as ``read_posts`` gives them: an aware time converted, a naive one read as
    Beijing time (as by every wbcs reader; one of the hours Beijing's clocks skipped or repeated in 1986-91 is no
    time, null)."""
    times = times.dt.as_unit("ns")  # (DuckDB's are µs, read_posts' ns: one table, one type)
    if times.dt.tz is not None:
        return times.dt.tz_convert(TIMEZONE)
    return times.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")


# --------------------------------------------------------------------------- pandas engine


def local_as_of(as_of, name: str = "--as-of") -> pd.Timestamp:
    """A user's ``as_of`` (``--as-of``; or another time, ``name`` in the error) as Beijing wall-clock time
    (naive = already local), read as every time option is (``wbcs.io.times.option_time``: year first);
    InputError when it is not a date or time (notadate, 2024-02-30): the SLA clocks would be read at no
    time, or when it could be read two ways (09/05/2024)."""
    return option_time(as_of, name).tz_localize(None)


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


def kinds_of(routes=None) -> list[tuple[dict[str, str], str | None]]:
    """The post kind rules of ``routes`` (a routes file's path, as ``wbcs triage --routes`` takes it, or
    ``wbcs.triage.load_routes``' result; None: the default routes, ``KIND_RULES``): a post's kind is the kind of
    the route triage gives it, so the KPIs count it with the clock triage gives it."""
    if routes is None:
        return KIND_RULES
    return kind_rules(routes if isinstance(routes, Rules) else load_routes(routes))


def post_kind(posts: pd.DataFrame, *, rules=None) -> pd.Series:
    """The policy post kind of each post by the kind ``rules`` (``kinds_of``; None: ``KIND_RULES``), null where
    none applies."""
    frame(posts, "post_kind: posts")
    conds, kinds = [], []
    for rule, kind in KIND_RULES if rules is None else rules:
        ok = pd.Series(True, index=posts.index)
        for col, value in rule.items():
            ok &= (posts[col].astype("string") == value).fillna(False) if col in posts else False
        conds.append(ok.to_numpy(dtype=bool))
        kinds.append(kind)
    return pd.Series(np.select(conds, kinds, default=None), index=posts.index, dtype="string")


def prepare(posts: pd.DataFrame, source: str = "posts") -> pd.DataFrame:
    """``read_times`` of a posts table whose post ids are each given once and whose labels are all in the
    taxonomy (``refuse_repeated_ids``, ``refuse_unknown_labels``): what every count over the posts needs."""
    refuse_repeated_ids(posts, source)
    refuse_unknown_labels(posts, source)
    return read_times(posts, source)


def default_as_of(times: pd.DataFrame):
    return times.max().max() if len(times) else None


def _inner(posts: pd.DataFrame, times: pd.DataFrame, keys: pd.DataFrame, policy: Policy,
           as_of) -> pd.DataFrame:
    """The inner table (see the module docstring) with pandas: one groupby."""
    k = keys.copy()
    for col in LABELS:
        if col in posts:
            k[own(col)] = _plain(posts[col]).astype("string").astype(object)
    if "satisfied" in posts:
        k[own("satisfied")] = read_flags(posts, "satisfied").astype(object)
    for flag, col in FLAGS.items():
        if col in times:
            k[own(flag)] = times[col].notna()
    k = k.where(k.notna(), None)
    v = pd.DataFrame({own("n"): np.ones(len(posts), dtype=np.int64)}, index=posts.index)
    for name, col in SUMS.items():
        if col in posts:
            v[own(name)] = pd.to_numeric(posts[col], errors="coerce").astype(float)
    if "intent" in posts:
        elapsed = {}  # (stage, clock) → (minutes to done, minutes waited until as_of)
        for i, (stage, clock, minutes) in enumerate(thresholds(policy)):
            col = STAGES[stage]
            if col not in times:
                continue
            done = times[col]
            if (stage, clock) not in elapsed:
                created = times["created_at"]
                now = pd.Series(pd.NaT if as_of is None else as_of, index=posts.index, dtype=created.dtype)
                if clock == "business":
                    tz = [t.dt.tz_localize(TIMEZONE) for t in (created, done.fillna(now), now)]
                    elapsed[stage, clock] = (policy.duty.business_minutes(tz[0], tz[1]),
                                             policy.duty.business_minutes(tz[0], tz[2]))
                else:
                    elapsed[stage, clock] = (((done - created) / pd.Timedelta(minutes=1)).to_numpy(),
                                             ((now - created) / pd.Timedelta(minutes=1)).to_numpy())
            to_done, waited = elapsed[stage, clock]
            # done by as_of: a reply or resolution after it is not known then (a post resolved in time after
            # as_of was counted met while one never resolved was pending, so the reading depended on the future)
            met = (done <= (pd.NaT if as_of is None else as_of)).to_numpy() & (to_done <= minutes)
            v[own(f"met_{i}")] = met.astype(np.int64)
            v[own(f"late_{i}")] = (~met & (waited > minutes)).astype(np.int64)
    frame = pd.concat([k, v], axis=1)
    group = list(k.columns)
    if not group:
        return frame.sum(min_count=1).to_frame().T if len(frame) else frame
    return frame.groupby(group, dropna=False, sort=False).sum(min_count=1).reset_index()


def _quantiles(times: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    if "reply_at" not in times:
        return pd.DataFrame(columns=list(keys.columns))
    r = ((times["reply_at"] - times["created_at"]) / pd.Timedelta(minutes=1)).rename("r")
    if keys.columns.empty:
        r = r.dropna()
        return pd.DataFrame([{name: r.quantile(q) if len(r) else np.nan for name, q in QUANTILES.items()}])
    g = r.groupby([keys[c] for c in keys.columns], dropna=False, observed=True)
    return pd.DataFrame({name: g.quantile(q) for name, q in QUANTILES.items()}).reset_index()


def indicators(posts: pd.DataFrame, *, period: str | None = None, by=None,
               policy: Policy | None = None, as_of=None, routes=None):
    """The indicators of a labelled posts table.

    With neither ``period`` nor ``by``: one dict for the whole table (scalars,
    ``topic_share``, ``sla`` per post kind, ``competitor_lead``, ``as_of``). Otherwise a
    DataFrame with one row per period (``day``/``week``/``month``, Beijing time, weeks
    start on Monday; empty periods included) and breakdown group (``by``: column name
    or list; ``post_kind`` is available as a column too). A post's kind, which picks its SLA clocks, is the
    kind of the route ``routes`` gives it (``kinds_of``: a routes file, as ``wbcs triage --routes`` takes it;
    None: the default routes).
    """
    frame(posts, "indicators: posts")
    policy = check_policy(policy)
    by = check_request([*posts.columns, "post_kind"], period, by)
    rules = kinds_of(routes)
    times = prepare(posts)
    if "complaint" in posts:  # a yes/no label as read_posts writes it (True, 是 are 'yes'), as the archive engines read it
        posts = posts.assign(complaint=read_flags(posts, "complaint").map({True: "yes", False: "no"}).astype("string"))
    given = local_as_of(as_of) if as_of is not None else None
    as_of = given if as_of is not None else default_as_of(times)
    keys = pd.DataFrame(index=posts.index)
    if period is not None:
        keys["period"] = period_start(times["created_at"], period)
    for col in by:  # categoricals as plain values: groups sort as DuckDB sorts them; satisfied as read_posts reads it
        keys[col] = post_kind(posts, rules=rules) if col == "post_kind" else read_flags(posts, col) if col == "satisfied" \
            else _plain(posts[col])
    if by and len(posts):  # a table too big to build is refused before it is computed
        table_periods(len(keys[by].drop_duplicates()), times["created_at"], period, by)
    inner_by = keys.copy()
    if period is None and not by:
        for col in ("operator", "topic"):
            if col in posts:
                inner_by[col] = _plain(posts[col])
    daily = None
    if period is not None:
        edge = keys["period"].isin(edge_periods(keys["period"], period)) if len(keys) else keys["period"].notna()
        day = keys.loc[edge, by].assign(**{DAY: times.loc[edge, "created_at"].dt.floor("D")})
        daily = day.groupby([*by, DAY], dropna=False).size().rename(own("n")).reset_index()
    return assemble(_inner(posts, times, inner_by, policy, as_of), _quantiles(times, keys),
                    period=period, by=by, policy=policy, as_of=as_of, rules=rules, daily=daily, covered_to=given)
