"""Hot issues: the seeds' aggregation rules, the incidents behind them and a spike detector.

``hot_issues`` returns all three: the aggregation alerts of ``wbcs.aggregate`` (the same
question from ≥3 users in a day …, each with its posts, users and platforms), the
incidents of ``wbcs.kpi.incidents`` (those alerts merged per issue and window, ranked by how
surprising their most unusual day is against the issue's expectation, ``rank_incidents``: what an
analyst reads first) and the spikes of ``spikes``, per
topic and per near-duplicate cluster.

The spike detector (``spikes``) counts posts per series and bucket (hour by default)
and tests each count against a rolling baseline with a Poisson test:

- level: the series' posts in the previous ``baseline_days`` (add-one smoothed, so a
  brand-new cluster is judged as if it had one post in the baseline);
- shape: posts follow the day (quiet at night, peaks at 10:00 and 20:00), so the
  expected count of an hourly bucket is the level times the share of *all* posts that
  fell in the same hour of the day over the baseline (Laplace-smoothed over 24 hours);
  daily buckets share the level evenly;
- the bucket is a spike when its count is ≥ ``min_posts`` and
  P(X ≥ count | Poisson(expected)) < ``alpha``. The first ``baseline_days`` have no
  baseline and are not tested.

Consecutive spiking buckets of a series form one episode; ``detected_at`` is the end of
its first bucket, when the hourly count is complete. With hourly buckets an outage
burst is found within the hour, while a daily count can only see it at midnight.
Evidence (post ids, users, platforms, a PII-masked sample) comes with every episode.
The detectors read the posts in order of (time, post id) (``chronological``), not in the file's:
a cluster's key, an episode's evidence and sample are the same however the export is sorted.
``fold_spikes`` is what to show: an outage written in many wordings spikes once per
near-duplicate cluster as well as once for its topic; those cluster spikes are folded into
the topic spike that holds their posts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.aggregate import chronological, user_ids
from wbcs.checks import frame, is_number, is_whole
from wbcs.errors import InputError
from wbcs.kpi.indicators import prepare
from wbcs.policy import Policy
from wbcs.text import mask_pii

FREQS = {"h": pd.Timedelta(hours=1), "D": pd.Timedelta(days=1)}
SPIKE_COLUMNS = ["series", "key", "start", "end", "detected_at", "buckets", "observed", "expected",
                 "ratio", "p_value", "peak_observed", "peak_expected", "n_posts", "n_users",
                 "platforms", "post_ids", "sample_text"]


def in_time_order(posts: pd.DataFrame, what: str) -> tuple[np.ndarray, pd.Series]:
    """(the ``chronological`` order of ``posts``, their Beijing times in that order, index reset), after the
    checks every count needs (``prepare``: a post given twice, an unknown label, a time that is none; the
    errors name the rows as the caller's table has them); ``what`` needs the posts (a missing column's error)."""
    for col in ("post_id", "created_at", "text"):
        if col not in posts:
            raise InputError(f"posts: missing column {col!r} needed by the {what}")
    times = prepare(posts)["created_at"]
    order = chronological(times, posts["post_id"])
    return order, times.iloc[order].reset_index(drop=True)


def series_keys(posts: pd.DataFrame, threshold: float, near_duplicates: bool = True) -> dict[str, pd.Series]:
    """Series key per post: the topic and (unless ``near_duplicates`` is False) the
    near-duplicate cluster (its first post's id; the posts in ``chronological`` order)."""
    from wbcs.dedup import near_duplicate_groups

    out = {}
    if "topic" in posts and posts["topic"].notna().any():
        t = posts["topic"].astype("string")
        out["topic"] = ("topic:" + t).astype(object).where(t.notna(), None)
    if len(posts) and near_duplicates:
        groups = pd.Series(near_duplicate_groups(posts["text"].astype(str).tolist(), threshold=threshold),
                           index=posts.index)
        first = posts["post_id"].astype(str).groupby(groups).transform("first")
        out["near_duplicate"] = "near_duplicate:" + first
    return out


def _expected(counts: np.ndarray, total: np.ndarray, window: int, hourly: bool) -> np.ndarray:
    """Expected count per (series, bucket) from the previous ``window`` buckets (none: NaN, for the first
    ``window`` buckets, and for all of them when the window is as long as the data)."""
    n = counts.shape[1]
    if window >= n:  # no bucket has a baseline: nothing to compute, however long the window (numpy: int64)
        return np.full(counts.shape, np.nan)
    zero = np.zeros((counts.shape[0], 1))
    cs = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    level = np.full(counts.shape, np.nan)
    level[:, window:] = cs[:, window:-1] - cs[:, :-window - 1] + 1.0  # previous window, add-one
    if not hourly:
        return level / window
    # all posts at this hour of day over the previous window // 24 days: per hour of the day, a running sum over
    # the days (a loop over the baseline's days ran for ever on --baseline-days 10000000000000000000)
    n_days = -(-n // 24)
    by_day = np.zeros(n_days * 24)
    by_day[:n] = total
    cd = np.concatenate([np.zeros((1, 24)), np.cumsum(by_day.reshape(n_days, 24), axis=0)])
    day = np.arange(n_days)
    same_hour = (cd[day] - cd[np.maximum(day - window // 24, 0)]).reshape(-1)[:n]
    ct = np.concatenate([[0.0], np.cumsum(total)])
    recent = np.full(total.shape, np.nan)
    recent[window:] = ct[window:-1] - ct[:-window - 1]
    share = (same_hour + 1.0) / (recent + 24.0)  # Laplace over the 24 hours of the day
    return level * share


def check_spike_request(freq: str, baseline_days: int, alpha: float, min_posts: int,
                        threshold: float | None = None, *, flags: bool = False) -> None:
    """Refuse a bad parameter of the spike detector (and the near-duplicate ``threshold``, when given), naming
    it and its value; ``flags``: as the command line's option (``--baseline-days``), checked before any work."""
    def need(key, value, ok, what):
        if not ok:
            name = f"--{key.replace('_', '-')}" if flags else key
            raise InputError(f"{name} must be {what}, got {value!r}")

    # the type first: "5" was a TypeError, 1.5 baseline days a window of 36 hours
    need("freq", freq, isinstance(freq, str) and freq in FREQS, "'h' (hourly) or 'D' (daily)")
    need("baseline_days", baseline_days, is_whole(baseline_days) and baseline_days >= 1,
         "a whole number ≥ 1 (days of baseline)")
    need("alpha", alpha, is_number(alpha) and 0 < alpha < 1, "between 0 and 1 (the Poisson test level, e.g. 0.001)")
    need("min_posts", min_posts, is_whole(min_posts) and min_posts >= 1,
         "a whole number ≥ 1 (the smallest count that can be a spike)")
    if threshold is not None:
        need("threshold", threshold, is_number(threshold) and 0 < threshold <= 1,
             "above 0 and at most 1 (a Jaccard similarity, e.g. 0.8)")


def spike_hits(cells: dict[str, pd.DataFrame], total: np.ndarray, *, freq: str, baseline_days: int,
               alpha: float, min_posts: int) -> pd.DataFrame:
    """The spiking buckets: ``cells`` are, per series name, the posts per (``key``, bucket
    ``t``) as columns ``key, t, n``; ``total`` the posts of all series per bucket. Columns
    series, key, t, observed, expected, p, sorted. Counts are all the detector reads, so
    counts merged from the partitions of an archive give the same hits."""
    # Poisson's survival function; scipy.stats costs a second to import
    from scipy.special import pdtrc

    n_buckets = len(total)
    window = baseline_days * (24 if freq == "h" else 1)
    found = []
    for name, cell in cells.items():
        # only series that ever reach min_posts in one bucket can spike: keeps the matrix small
        busy = pd.unique(cell.loc[cell["n"] >= min_posts, "key"])
        if not len(busy):
            continue
        row = {k: i for i, k in enumerate(busy)}
        sel = cell[cell["key"].isin(row)]
        counts = np.zeros((len(busy), n_buckets))
        np.add.at(counts, (sel["key"].map(row).to_numpy(), sel["t"].to_numpy()), sel["n"].to_numpy(dtype=float))
        expected = _expected(counts, total, window, freq == "h")
        with np.errstate(invalid="ignore"):
            p = pdtrc(counts - 1, expected)  # P(X ≥ count) = P(X > count − 1), as poisson.sf
        hit = (counts >= min_posts) & (p < alpha) & ~np.isnan(expected)
        for r, t0 in zip(*np.nonzero(hit), strict=True):
            found.append((name, busy[r], int(t0), counts[r, t0], expected[r, t0], p[r, t0]))
    hits = pd.DataFrame(found, columns=["series", "key", "t", "observed", "expected", "p"])
    return hits.sort_values(["series", "key", "t"]).reset_index(drop=True)


def episode_spans(hits: pd.DataFrame) -> list[pd.DataFrame]:
    """The hits of each episode: consecutive spiking buckets of one series key."""
    new = (hits["series"] != hits["series"].shift()) | (hits["key"] != hits["key"].shift()) | \
        (hits["t"] != hits["t"].shift() + 1)
    return [e for _, e in hits.groupby(new.cumsum())]


def episodes(spans: list[pd.DataFrame], posts: pd.DataFrame, series: dict[str, pd.Series], pos: np.ndarray,
             first: pd.Timestamp, step: pd.Timedelta) -> pd.DataFrame:
    """One row per episode with its evidence: ``posts`` (any index, in ``chronological`` order) hold
    at least every post of every episode, ``series`` their keys and ``pos`` their buckets."""
    out = []
    for e in spans:
        name, key, t0, t1 = e["series"].iloc[0], e["key"].iloc[0], e["t"].min(), e["t"].max()
        mask = (series[name] == key).fillna(False).to_numpy(dtype=bool) & (pos >= t0) & (pos <= t1)
        ev = posts[mask]
        peak = e.loc[e["observed"].idxmax()]
        out.append({
            "series": name, "key": key, "start": first + t0 * step, "end": first + (t1 + 1) * step,
            "detected_at": first + (t0 + 1) * step, "buckets": int(t1 - t0 + 1),
            "observed": int(e["observed"].sum()), "expected": float(e["expected"].sum()),
            "ratio": float(e["observed"].sum() / e["expected"].sum()), "p_value": float(e["p"].min()),
            "peak_observed": int(peak["observed"]), "peak_expected": float(peak["expected"]),
            "n_posts": len(ev), "n_users": int(user_ids(ev).nunique()),
            "platforms": sorted(ev["platform"].dropna().astype(str).unique()) if "platform" in ev else [],
            "post_ids": ev["post_id"].astype(str).tolist(),
            "sample_text": mask_pii(str(ev["text"].iloc[0])),
        })
    if not out:
        return pd.DataFrame(columns=SPIKE_COLUMNS)
    return pd.DataFrame(out, columns=SPIKE_COLUMNS).sort_values(
        ["detected_at", "series", "key"], kind="stable").reset_index(drop=True)


def spikes(posts: pd.DataFrame, *, freq: str = "h", baseline_days: int = 7, alpha: float = 1e-3,
           min_posts: int = 5, threshold: float = 0.8, series: dict[str, pd.Series] | None = None,
           near_duplicates: bool = True) -> pd.DataFrame:
    """Spike episodes per topic and near-duplicate cluster (see the module docstring).

    ``series`` may give other keys per post (name → Series aligned with ``posts`` by position);
    ``near_duplicates=False`` leaves the near-duplicate clusters out (topics only).
    Columns: ``SPIKE_COLUMNS``; times are Beijing wall-clock times.
    """
    frame(posts, "spikes: posts")
    check_spike_request(freq, baseline_days, alpha, min_posts)
    order, times = in_time_order(posts, "spike detector")
    if posts.empty:
        return pd.DataFrame(columns=SPIKE_COLUMNS)
    posts = posts.iloc[order].reset_index(drop=True)
    bucket = times.dt.floor(freq)
    step = FREQS[freq]
    first = bucket.min()
    pos = ((bucket - first) // step).to_numpy()
    total = np.bincount(pos, minlength=int(pos.max()) + 1).astype(float)
    series = series_keys(posts, threshold, near_duplicates) if series is None else {
        name: pd.Series(np.asarray(k, dtype=object)[order], index=posts.index) for name, k in series.items()}
    cells = {}
    for name, keys in series.items():
        ok = keys.notna().to_numpy()
        cells[name] = pd.DataFrame({"key": keys[ok].to_numpy(), "t": pos[ok]}).groupby(
            ["key", "t"], sort=False).size().rename("n").reset_index()
    hits = spike_hits(cells, total, freq=freq, baseline_days=baseline_days, alpha=alpha, min_posts=min_posts)
    return episodes(episode_spans(hits), posts, series, pos, first, step)


def fold_spikes(table: pd.DataFrame) -> pd.DataFrame:
    """The spikes to show: each near-duplicate cluster's spike that overlaps a topic spike in
    time and has at least half of its posts in it is left out, and the topic spike counts it in
    ``clusters_inside``; the rest keep their order (notebook 05's synthetic outage: 23 spikes
    become 1 with 22 clusters inside)."""
    missing = [c for c in ("series", "start", "end", "post_ids") if c not in frame(table, "fold_spikes: table")]
    if missing:
        raise InputError(f"fold_spikes: table must be the spikes of hot_issues(posts)['spikes'] (it has no column "
                         f"{missing[0]!r})")
    out = table.assign(clusters_inside=0)
    if table.empty:
        return out
    topics = out.index[out["series"] == "topic"]
    ids = {i: set(out.at[i, "post_ids"]) for i in topics}
    folded = []
    for i in out.index[out["series"] == "near_duplicate"]:
        mine = set(out.at[i, "post_ids"])
        overlap = {t: len(mine & ids[t]) for t in topics
                   if out.at[t, "start"] <= out.at[i, "end"] and out.at[i, "start"] <= out.at[t, "end"]}
        best = max(overlap, key=overlap.get, default=None)
        if best is not None and 2 * overlap[best] >= len(mine):
            out.at[best, "clusters_inside"] += 1
            folded.append(i)
    return out.drop(index=folded).reset_index(drop=True)


def hot_issues(posts: pd.DataFrame, *, policy: Policy | None = None, threshold: float = 0.8,
               freq: str = "h", baseline_days: int = 7, alpha: float = 1e-3, min_posts: int = 5,
               near_duplicates: bool = True, progress: bool = False) -> dict[str, pd.DataFrame]:
    """``{"incidents": ranked incidents, "alerts": aggregation alerts, "spikes": spike episodes}``
    of a labelled posts table (``incidents["alert_index"]`` points into ``alerts``).

    ``near_duplicates=False`` keeps the topic clusters and series only (``wbcs.kpi.partitioned_hot``
    computes either over a partitioned archive); ``progress`` shows a bar over the incidents described."""
    from wbcs.aggregate import aggregation_alerts
    from wbcs.kpi.incidents import incidents

    # the spikes first: they refuse a post given twice, an unknown label or a time that is none (``prepare``)
    # before the rules count that post twice
    found = spikes(posts, freq=freq, baseline_days=baseline_days, alpha=alpha, min_posts=min_posts,
                   threshold=threshold, near_duplicates=near_duplicates)
    alerts = aggregation_alerts(posts, policy=policy, threshold=threshold, near_duplicates=near_duplicates)
    return {"incidents": incidents(posts, alerts, threshold=threshold, near_duplicates=near_duplicates,
                                   progress=progress),
            "alerts": alerts, "spikes": found}
