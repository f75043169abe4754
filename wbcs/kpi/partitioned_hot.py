"""Hot issues over a partitioned Parquet archive, one task per file, on a cluster or in process.

``hot_issues(source, ..., client=None)`` returns what ``wbcs.kpi.hot.hot_issues(posts,
near_duplicates=False)`` returns for the archive's posts read in file order
(``read_archive(source)``), the same tables to the last bit. ``source`` is a folder, a glob
(``archive/**/*.parquet``) or a list of files; hive partition folders (``month=2025-01/``)
are columns. The posts carry their labels (``intent``, ``topic``), as for ``wbcs kpi
--engine dask``: label an archive with ``wbcs predict`` first.

Topic clusters and series only: a near-duplicate cluster links posts anywhere in the
archive (its key is its earliest post), so it is no sum of per-partition counts.

Three passes over the files; each file is one task, and what comes back is small or is
the evidence the result lists anyway:

1. **Counts.** Each file: its rows, and its posts per (Beijing hour, intent, operator,
   topic). The client adds them up (integers: exact in any order) and runs the detectors
   on the merged series, so windows that cross partitions (a spike's 7-day baseline
   reaching into last month's file, an outage from 23:00 on the 31st to 02:00 on the 1st,
   an incident's week of traffic) see what they would see in one table:
   - the spike detector (``wbcs.kpi.hot.spike_hits``) on posts per topic and bucket;
   - each aggregation rule's *candidate* days: a cluster (operator, topic) can fire the
     question rule on a day only with ≥ min(users, platforms) of its consultations that
     day, and the complaint rule at a post only with that many complaints in the 7 days
     before it, so only on a day whose last 8 days hold that many.
2. **Alerts and spike evidence.** Each file returns the posts of every spike episode and
   the consultations/complaints of every candidate cluster-day (for the complaint rule
   the 7 days before each candidate day too, the rolling window). The client runs
   ``wbcs.aggregate.aggregation_alerts`` on them: every alert that fires on the whole
   archive fires here with the same posts (its window is complete), and no other can.
3. **Incidents.** From the alerts and the merged posts per issue and day, the client
   computes the expectations, surge days and incidents (``wbcs.kpi.incidents``); each file
   returns the posts of every incident's issue and days and the background sample's rows
   (drawn by row number in the archive, as the in-process run draws them), and the
   incidents are described by the same code.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.kpi.indicators import local_times
from wbcs.policy import Policy, load_policy

COLUMNS = ["post_id", "created_at", "text", "author_id", "platform", "topic", "operator", "intent"]
LABELS = ("intent", "topic")
HOUR = "wbcs_hour"
KEYS = [HOUR, "intent", "operator", "topic"]


# --------------------------------------------------------------------------- reading files


def _hive(file: str, base: str) -> dict[str, str]:
    """The partition columns of a file from its folders (``month=2025-01`` → month)."""
    parts = Path(file).resolve().relative_to(Path(base).resolve()).parts[:-1]
    return {k: unquote(v) for k, _, v in (p.partition("=") for p in parts if "=" in p)}


def _read(file: str, base: str, offset: int = 0, columns=COLUMNS) -> pd.DataFrame:
    """A file's posts with its partition columns, indexed by row number in the archive; labels
    as plain strings (None for missing), whatever dtype wrote them."""
    import pyarrow.parquet as pq

    names = set(pq.read_schema(file).names)
    df = pd.read_parquet(file, columns=None if columns is None else [c for c in columns if c in names])
    for key, value in _hive(file, base).items():
        if key not in df and (columns is None or key in columns):
            df[key] = value
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype) or col in ("topic", "operator", "intent"):
            df[col] = df[col].astype("string").astype(object).where(df[col].notna(), None)
    df.index = pd.RangeIndex(offset, offset + len(df))
    return df


def _check(df: pd.DataFrame, file: str) -> None:
    for col in ("post_id", "created_at", "text"):
        if col not in df:
            raise InputError(f"{file}: no {col!r} column, which hot issues need")
    for col in LABELS:
        if col not in df:
            raise InputError(f"{file}: no {col!r} column: label the archive first (wbcs predict --input "
                             f"ARCHIVE --out LABELLED) or run wbcs hot on one file (it classifies)")


def _local(df: pd.DataFrame, file: str) -> pd.Series:
    """Beijing wall-clock times of the posts; an empty one is an error naming file and row."""
    t = local_times(df["created_at"])
    if t.isna().any():
        i = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise InputError(f"{file}: row {i}, column 'created_at' is empty or not a time")
    return t


def read_archive(source, columns=None) -> pd.DataFrame:
    """Every post of the archive in file order (files sorted by path), with the partition
    columns: the posts the in-process run reads, for archives that fit in memory."""
    from wbcs.distributed import parquet_files

    files, base = parquet_files(source)
    frames, offset = [], 0
    for f in files:
        frames.append(_read(f, base, offset, columns))
        offset += len(frames[-1])
    return pd.concat(frames) if frames else pd.DataFrame(columns=COLUMNS)


# --------------------------------------------------------------------------- the tasks


def _counts(file: str, *, base: str) -> tuple[int, pd.DataFrame]:
    """Pass 1: (rows, posts per Beijing hour, intent, operator and topic) of one file."""
    df = _read(file, base, columns=["created_at", *LABELS, "operator", "post_id", "text"])
    _check(df, file)
    keys = pd.DataFrame({HOUR: _local(df, file).dt.floor("h"), "intent": df["intent"],
                         "operator": df["operator"].fillna("") if "operator" in df else "",
                         "topic": df["topic"]})
    return len(df), keys.groupby(KEYS, dropna=False, sort=False).size().rename("n").reset_index()


def _candidates(job: tuple[str, int], *, base: str, cells: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Pass 2: the posts of file ``job = (file, its first row's number)`` in the (intent,
    operator, topic, day) ``cells`` or in a spike episode's (topic, [lo, hi)) ``spans``."""
    file, offset = job
    df = _read(file, base, offset)
    local = _local(df, file)
    op = df["operator"].fillna("") if "operator" in df else pd.Series("", index=df.index, dtype=object)
    topic = df["topic"]
    here = pd.MultiIndex.from_arrays([df["intent"], op, topic, local.dt.floor("D")])
    keep = here.isin(pd.MultiIndex.from_frame(cells)) if len(cells) else np.zeros(len(df), bool)
    for s in spans.itertuples():
        keep |= ((topic == s.topic) & (local >= s.lo) & (local < s.hi)).to_numpy(dtype=bool)
    return df[keep]


def _evidence(job: tuple[str, int], *, base: str, cells: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Pass 3: the posts of file ``job`` of an (issue, day) in ``cells``, or whose archive row is in ``rows``."""
    from wbcs.kpi.incidents import issue_keys

    file, offset = job
    df = _read(file, base, offset)
    here = pd.MultiIndex.from_arrays([issue_keys(df, near_duplicates=False), _local(df, file).dt.floor("D")])
    keep = here.isin(pd.MultiIndex.from_frame(cells)) if len(cells) else np.zeros(len(df), bool)
    keep |= np.isin(df.index.to_numpy(), rows)
    return df[keep]


# --------------------------------------------------------------------------- on the client


def _matrix(table: pd.DataFrame, key: str, keys: list, first: pd.Timestamp, step: pd.Timedelta,
            n: int) -> np.ndarray:
    """Posts per ``keys`` row and bucket from a merged table (``key``, ``bucket``, ``n``)."""
    row = {k: i for i, k in enumerate(keys)}
    sel = table[table[key].isin(row)]
    out = np.zeros((len(keys), n))
    np.add.at(out, (sel[key].map(row).to_numpy(), ((sel["bucket"] - first) // step).to_numpy()),
              sel["n"].to_numpy(dtype=float))
    return out


def _rule_cells(merged: pd.DataFrame, policy: Policy, first_day: pd.Timestamp, n_days: int) -> pd.DataFrame:
    """The (intent, operator, topic, day) cells whose posts the aggregation rules may need."""
    from wbcs.aggregate import rules

    day = pd.Timedelta(days=1)
    out = []
    for rule in rules(policy):
        m = min(rule.min_users, rule.min_platforms)  # fewer posts can never fire
        sub = merged[(merged["intent"] == rule.intent) & merged["topic"].notna()]
        if sub.empty:
            continue
        sub = sub.assign(bucket=sub[HOUR].dt.floor("D"), cluster=list(zip(sub["operator"], sub["topic"], strict=True)))
        clusters = list(dict.fromkeys(sub["cluster"]))
        c = _matrix(sub, "cluster", clusters, first_day, day, n_days)
        if rule.window == "day":
            need = c >= m
        else:  # posts of the rolling week: a day whose last 8 days hold m, and the 7 days before it
            cs = np.concatenate([np.zeros((len(clusters), 1)), np.cumsum(c, axis=1)], axis=1)
            lo = np.maximum(np.arange(n_days) - 7, 0)
            fire = (cs[:, 1:] - cs[:, lo]) >= m
            need = np.zeros_like(fire)
            for back in range(8):
                need[:, :n_days - back] |= fire[:, back:]
        r, t = np.nonzero(need & (c > 0))
        out.append(pd.DataFrame({"intent": rule.intent, "operator": [clusters[i][0] for i in r],
                                 "topic": [clusters[i][1] for i in r], "day": first_day + t * day}))
    cols = ["intent", "operator", "topic", "day"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts) if parts else pd.DataFrame(columns=COLUMNS)


def hot_issues(source, *, policy: Policy | None = None, threshold: float = 0.8, freq: str = "h",
               baseline_days: int = 7, alpha: float = 1e-3, min_posts: int = 5, client=None,
               progress: bool = False) -> dict[str, pd.DataFrame]:
    """``wbcs.kpi.hot.hot_issues`` (topic clusters and series) over a partitioned archive (see
    the module docstring); ``client`` runs the files' tasks on a Dask cluster."""
    from wbcs.aggregate import COLUMNS as ALERT_COLUMNS
    from wbcs.aggregate import aggregation_alerts
    from wbcs.distributed import parquet_files, run_tasks
    from wbcs.kpi import incidents as inc
    from wbcs.kpi.hot import (
        FREQS,
        SPIKE_COLUMNS,
        check_spike_request,
        episode_spans,
        episodes,
        series_keys,
        spike_hits,
    )

    check_spike_request(freq, baseline_days, alpha, min_posts)
    policy = policy or load_policy()
    files, base = parquet_files(source)
    run = {"client": client, "unit": "file", "progress": progress}

    # 1. counts, merged
    parts = run_tasks(_counts, files, base=base, desc="hot issues: counts", **run)
    sizes = np.array([n for n, _ in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n_posts = int(sizes.sum())
    empty = {"incidents": pd.DataFrame(columns=inc.COLUMNS), "alerts": pd.DataFrame(columns=ALERT_COLUMNS),
             "spikes": pd.DataFrame(columns=SPIKE_COLUMNS)}
    if not n_posts:
        return empty
    merged = pd.concat([t for _, t in parts], ignore_index=True)
    merged = merged.groupby(KEYS, dropna=False, sort=False)["n"].sum().reset_index()
    for col in ("intent", "topic"):
        merged[col] = merged[col].astype(object).where(merged[col].notna(), None)

    # spikes on the merged series per topic
    step = FREQS[freq]
    bucket = merged[HOUR].dt.floor(freq)
    first = bucket.min()
    t = ((bucket - first) // step).to_numpy()
    total = np.bincount(t, weights=merged["n"].to_numpy(dtype=float), minlength=int(t.max()) + 1)
    topics = merged["topic"].notna().to_numpy()
    cells = pd.DataFrame({"key": ("topic:" + merged["topic"][topics]).to_numpy(), "t": t[topics],
                          "n": merged["n"][topics].to_numpy()}).groupby(["key", "t"], sort=False)["n"].sum()
    hits = spike_hits({"topic": cells.reset_index()}, total, freq=freq, baseline_days=baseline_days,
                      alpha=alpha, min_posts=min_posts)
    spans = episode_spans(hits)
    span_table = pd.DataFrame([{"topic": e["key"].iloc[0].removeprefix("topic:"),
                                "lo": first + int(e["t"].min()) * step, "hi": first + (int(e["t"].max()) + 1) * step}
                               for e in spans], columns=["topic", "lo", "hi"])

    # 2. the candidate posts: alerts on them, spike evidence from them
    first_day = merged[HOUR].min().floor("D")
    n_days = int((merged[HOUR].max().floor("D") - first_day).days) + 1
    rule_cells = _rule_cells(merged, policy, first_day, n_days)
    jobs = list(zip(files, offsets.tolist(), strict=True))
    rows = _concat(run_tasks(_candidates, jobs, base=base,
                             cells=rule_cells, spans=span_table, desc="hot issues: candidates", **run))
    alerts = aggregation_alerts(rows, policy=policy, threshold=threshold, near_duplicates=False)
    series = series_keys(rows, threshold, near_duplicates=False)
    pos = ((local_times(rows["created_at"]).dt.floor(freq) - first) // step).to_numpy()
    found = episodes(spans, rows, series, pos, first, step)

    # 3. incidents: expectations from the merged counts, evidence from the files
    if alerts.empty:
        return {**empty, "alerts": alerts, "spikes": found}
    issue_of = dict(zip(rows["post_id"].astype(str), inc.issue_keys(rows, near_duplicates=False), strict=True))
    a = inc.alert_days(alerts, issue_of)
    keys = list(dict.fromkeys(a["issue"]))
    daily = merged.assign(bucket=merged[HOUR].dt.floor("D"),
                          issue=inc.issue_keys(merged, near_duplicates=False))
    counts = _matrix(daily, "issue", keys, first_day, pd.Timedelta(days=1), n_days)
    day_total = np.bincount(((daily["bucket"] - first_day).dt.days).to_numpy(),
                            weights=daily["n"].to_numpy(dtype=float), minlength=n_days)
    expected, surge = inc.expectation(counts, day_total, inc.ALPHA)
    groups = inc.incident_groups(a, {k: i for i, k in enumerate(keys)}, surge, first_day, inc.GAP_DAYS)
    rng = np.random.default_rng(inc.SEED)
    bg_rows = inc.background_rows(n_posts, inc.SAMPLE, rng)
    wanted = pd.DataFrame([(keys[r], first_day + pd.Timedelta(days=int(c))) for _, r, _, _, cols in groups
                           for c in cols], columns=["issue", "day"]).drop_duplicates()
    evidence = _concat(run_tasks(_evidence, jobs, base=base,
                                 cells=wanted, rows=np.sort(bg_rows), desc="hot issues: evidence", **run))
    issue = inc.issue_keys(evidence, near_duplicates=False)
    d = ((local_times(evidence["created_at"]).dt.floor("D") - first_day).dt.days).to_numpy()
    table = inc.describe(groups, a, keys, counts, expected, first_day, evidence, issue, d, bg_rows, rng,
                         inc.SAMPLE)
    return {"incidents": table, "alerts": alerts, "spikes": found}
