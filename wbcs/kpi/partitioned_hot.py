"""Hot issues over a partitioned Parquet archive, one task per file, on a cluster or in process.

``hot_issues(source, ..., client=None)`` returns what ``wbcs.kpi.hot.hot_issues(posts)`` returns
for the archive's posts (``read_archive(source)``, in any order: both read the posts in order of
time and post id, ``wbcs.aggregate.chronological``), the same tables to the last bit
(``near_duplicates=False``: topic clusters and series only, as there). ``source`` is a folder,
a glob (``archive/**/*.parquet``) or a list of files; hive partition folders (``month=2025-01/``)
are columns. The posts carry their labels (``intent``, ``topic``), as for
``wbcs kpi --engine dask``: label an archive with ``wbcs predict`` first.

Each file is one task per pass, and what comes back is small or is the evidence the result
lists anyway:

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
   returns the posts of every incident's issue and days and those of the background sample
   (drawn by a hash of the post ids, ``wbcs.kpi.incidents.background``: each file's draw in
   pass 1, their draw on the client), and the incidents are described by the same code.

Near-duplicate clusters link posts anywhere in the archive (a cluster's key is its first post by
time and post id), so they are no sum of per-file counts. ``wbcs.kpi.partitioned_dedup`` finds
them (a distributed MinHash-LSH join); then each file returns its posts per (cluster, bucket or day),
shuffled by cluster between the workers so that only the clusters that can spike (``min_posts``
in a bucket) or fire a rule (enough posts of one operator) reach the client, with their first
posts (the keys). They join the detectors and the candidate cells of pass 2 as the topics do;
for pass 3 the clusters of the alerts' posts without a topic (their issues) are counted and
named in one more pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.columns import local_times
from wbcs.errors import InputError
from wbcs.policy import Policy
from wbcs.text import mask_frame

ISSUE = "wbcs_issue"
DUP = ["dup_all", "dup_intent", "dup_loose"]
# negative_subtype: a rant's or abuse's posts give an alert no topic (aggregate), as in process
COLUMNS = ["post_id", "created_at", "text", "author_id", "platform", "topic", "operator", "intent",
           "negative_subtype"]
LABELS = ("intent", "topic")
HOUR = "wbcs_hour"
# what ``wbcs.kpi.incidents.describe`` reads of an incident's posts: its evidence is most of a busy archive's
# posts (438,097 of 501,024), and the columns it does not read were half of their memory (218 MB → 109 MB)
EVIDENCE = ["post_id", "created_at", "text", "author_id", "platform", ISSUE]
KEYS = [HOUR, "intent", "operator", "topic"]


# --------------------------------------------------------------------------- reading files


def _hive(file: str, base: str) -> dict[str, str]:
    """The partition columns of a file from its folders (``month=2025-01`` → month)."""
    parts = Path(file).resolve().relative_to(Path(base).resolve()).parts[:-1]
    return {k: unquote(v) for k, _, v in (p.partition("=") for p in parts if "=" in p)}


@dataclass(frozen=True)
class _Source:
    """Where the archive's files are (their partition columns are folders under ``base``) and, per file,
    the 0-based rows every pass leaves out: those ``read_posts`` rejects for the pandas engine (``_left_out``)."""

    base: str
    left_out: dict = field(default_factory=dict)


def _read(file: str, src: _Source, offset: int = 0, columns=COLUMNS) -> pd.DataFrame:
    """A file's posts with its partition columns, indexed by row number in the archive (``offset`` + the
    row in the file), without its rows ``src.left_out``; labels as ``read_posts`` reads them (the
    taxonomy's ids, whatever case or language wrote them; None for missing) and ``created_at`` as Beijing
    wall-clock time, whatever zone each file wrote it in, or, empty, the time of the post's mid as ``read_posts``
    gives it (``wbcs.kpi.duck.times_from_mids``). A label outside the taxonomy or a post without a time (rows
    ``src.left_out`` holds when the tasks read them; ``read_archive`` reads every row) is an error naming its file
    and row (1-based, as ``read_posts`` and ``wbcs kpi`` number them)."""
    import pyarrow.parquet as pq

    names = set(pq.read_schema(file).names)
    df = pd.read_parquet(file, columns=None if columns is None else [c for c in columns if c in names])
    for key, value in _hive(file, src.base).items():
        if key not in df and (columns is None or key in columns):
            df[key] = value
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype) or col in ("topic", "operator", "intent", "negative_subtype"):
            df[col] = df[col].astype("string").astype(object).where(df[col].notna(), None)
    df.index = pd.RangeIndex(offset, offset + len(df))
    if (skip := src.left_out.get(file)) is not None:
        df = df.drop(index=offset + skip)
    where = pd.Index(df.index - offset + 1, name="source_row")  # the rows as the file numbers them, for messages
    _labels(df, where, file)
    _names(df, columns)
    if "created_at" in df:
        # one zone for every file: concatenated, a UTC file and a Beijing one made an object column of both
        df["created_at"] = local_times(df["created_at"])
        if "post_id" in df and (empty := df["created_at"].isna().to_numpy()).any():
            from wbcs.kpi.duck import times_from_mids

            df.loc[empty, "created_at"] = local_times(times_from_mids(df.loc[empty, "post_id"])[0])
        if (empty := df["created_at"].isna().to_numpy()).any():
            raise InputError(f"{file}: row {where[np.flatnonzero(empty)[0]]}, column 'created_at' is empty or not a "
                             f"time ({int(empty.sum()):,} row(s) in all)")
    return df


def _labels(df: pd.DataFrame, where: pd.Index, file: str) -> None:
    """The labels of ``df`` as the taxonomy's ids, in place, read as ``read_posts`` reads them (``COMPLAINT``,
    ``投诉`` → complaint): an upper-cased label selected no rule and no topic here, silently. One that is no
    label is an error naming its row (``refuse_unknown_labels``)."""
    from wbcs.columns import refuse_unknown_labels
    from wbcs.io.ingest import label_ids, label_maps

    cols = [col for col in label_maps() if col in df]
    for col in cols:
        ids = label_ids(df[col], col)
        df[col] = ids.where(ids.notna(), df[col])  # what is no label stays as written, to be named below
    if cols:
        refuse_unknown_labels(df[cols].set_axis(where), file)


def _names(df: pd.DataFrame, columns) -> None:
    """Operators and platforms as ``read_posts`` reads them, in place: a name for one (中国移动, CMCC; 新浪微博,
    weibo) as its code, an empty operator (every one, without the column) as the operator the text names
    (``wbcs.io.ingest.read_operators``). Compared as written, one platform written two ways was two platforms to
    the ≥ 2 platforms rule, and one operator two clusters."""
    from wbcs.io.ingest import as_code, by_unique, read_operators
    from wbcs.schema import platform_code

    if "platform" in df:
        df["platform"] = by_unique(df["platform"], lambda v: as_code(v, platform_code))
    if (columns is None or "operator" in columns) and "text" in df:
        df["operator"] = read_operators(df.get("operator"), df["text"])[0]


def _check(df: pd.DataFrame, file: str) -> None:
    """Pass 1's refusals (it reads each file from offset 0: the index is the row in the file)."""
    for col in ("post_id", "created_at", "text"):
        if col not in df:
            raise InputError(f"{file}: no {col!r} column, which hot issues need")
    for col in LABELS:
        if col not in df:
            raise InputError(f"{file}: no {col!r} column: label the archive first (wbcs predict --input "
                             f"ARCHIVE --out LABELLED) or run wbcs hot on one file (it classifies)")
    # a post without an intent is classified by the in-process run; here it went uncounted, silently
    if (empty := df["intent"].isna().to_numpy()).any():
        raise InputError(f"{file}: row {int(df.index[empty][0]) + 1}, column 'intent': no label "
                         f"({int(empty.sum()):,} post(s) in the file without one): label the archive first (wbcs "
                         f"predict --input ARCHIVE --out LABELLED) or run wbcs hot on one file (it classifies)")


def _operator(df: pd.DataFrame) -> pd.Series:
    """The operator of each post, empty when unknown (clusters are formed per operator)."""
    return df["operator"].fillna("") if "operator" in df else pd.Series("", index=df.index, dtype=object)


def read_archive(source, columns=None) -> pd.DataFrame:
    """Every post of the archive in file order (files sorted by path), with the partition
    columns: the posts the in-process run reads, for archives that fit in memory."""
    from wbcs.distributed import parquet_files

    files, base = parquet_files(source)
    frames, offset = [], 0
    for f in files:
        frames.append(_read(f, _Source(base), offset, columns))
        offset += len(frames[-1])
    return pd.concat(frames) if frames else pd.DataFrame(columns=COLUMNS)


# --------------------------------------------------------------------------- the tasks


@dataclass
class _Dup:
    """What the files' tasks need to place a post in its near-duplicate clusters: the clusters
    (``wbcs.kpi.partitioned_dedup``) and the first post of the loose clusters the incidents name."""

    clusters: object
    loose_names: dict = field(default_factory=dict)


def _counts(file: str, *, src: _Source) -> tuple[int, pd.DataFrame, pd.Series]:
    """Pass 1: (its rows, the left-out ones too: they number the next file's, posts per Beijing hour,
    intent, operator and topic, the ids of its background sample) of one file."""
    from wbcs.kpi import incidents as inc

    # the sentiment is read here only to be checked: a post read_posts rejects is no post of the pandas engine's
    df = _read(file, src, columns=["created_at", *LABELS, "operator", "post_id", "text", "sentiment"])
    _check(df, file)
    keys = pd.DataFrame({HOUR: df["created_at"].dt.floor("h"), "intent": df["intent"], "operator": _operator(df),
                         "topic": df["topic"]})
    n = keys.groupby(KEYS, dropna=False, sort=False).size().rename("n").reset_index()
    return len(df) + len(src.left_out.get(file, ())), n, inc.background(df["post_id"], inc.SAMPLE, inc.SEED)


def _dup_columns(df: pd.DataFrame, dup: _Dup, columns=tuple(DUP)) -> pd.DataFrame:
    """Per post its near-duplicate cluster id among all posts (``dup_all``), among the posts of
    its intent (``dup_intent``: consultations, complaints) and, without a topic, among the posts
    without one (``dup_loose``); only the ``columns`` asked for are computed."""
    from wbcs.kpi.partitioned_dedup import cluster_ids, scope_masks, text_ids

    ids, masks = text_ids(df), scope_masks(df)
    out = pd.DataFrame(dict.fromkeys(columns), index=df.index, dtype=object)
    scopes = {"dup_all": ("all",), "dup_intent": ("consultation", "complaint"), "dup_loose": ("loose",)}
    for col in columns:
        for scope in scopes[col]:
            if masks[scope].any():
                out.loc[masks[scope], col] = cluster_ids(ids[masks[scope]], dup.clusters, scope)
    return out


def _dup_counts(job: tuple[str, int], *, src: _Source, dup: _Dup, first: pd.Timestamp, freq: str,
                first_day: pd.Timestamp) -> pd.DataFrame:
    """Pass 2a: posts per (scope, cluster, operator, bucket) of one file, with each cluster's
    first post here by (time, post id) (``chronological``): spike buckets for all posts, days for
    the consultations and the complaints."""
    from wbcs.kpi.hot import FREQS

    file, offset = job
    df = _read(file, src, offset)
    local = df["created_at"]
    c = _dup_columns(df, dup, ["dup_all", "dup_intent"])
    base_cols = {"time": local.to_numpy(), "post_id": df["post_id"].astype(str).to_numpy()}
    every = pd.DataFrame({"scope": "all", "cid": c["dup_all"].to_numpy(), "op": "",
                          "t": ((local.dt.floor(freq) - first) // FREQS[freq]).to_numpy(), **base_cols})
    intent = c["dup_intent"].notna().to_numpy()
    rules = pd.DataFrame({"scope": df["intent"].to_numpy()[intent], "cid": c["dup_intent"].to_numpy()[intent],
                          "op": _operator(df).to_numpy()[intent],
                          "t": ((local.dt.floor("D") - first_day).dt.days).to_numpy()[intent],
                          **{k: v[intent] for k, v in base_cols.items()}})
    x = pd.concat([every, rules], ignore_index=True)
    n = x.groupby(["scope", "cid", "op", "t"], sort=False).size().rename("n").reset_index()
    return n.merge(_firsts(x, ["scope", "cid"])[["scope", "cid", "time", "post_id"]], on=["scope", "cid"])


def _firsts(x: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The first row of each ``by`` group of ``x`` by (``time``, ``post_id``): the post the in-process run
    reads first (``chronological``)."""
    from wbcs.aggregate import chronological

    return x.iloc[chronological(x["time"], x["post_id"])].drop_duplicates(by)


def _busy(part: pd.DataFrame, min_posts: int, need: dict) -> pd.DataFrame:
    """Pass 2b, per shuffled partition (every row of a cluster in it): the counts of the clusters
    that can spike (≥ ``min_posts`` in a bucket) or fire a rule (≥ ``need[intent]`` posts of one
    operator), each with its first post (the cluster's key)."""
    n = part.groupby(["scope", "cid", "op", "t"], sort=False)["n"].sum().reset_index()
    first = _firsts(part, ["scope", "cid"])
    every = n["scope"] == "all"
    top = n.groupby(["scope", "cid"], sort=False)["n"].transform("max")
    total = n.groupby(["scope", "cid", "op"], sort=False)["n"].transform("sum")
    keep = (every & (top >= min_posts)) | (~every & (total >= n["scope"].map(need).fillna(np.inf)))
    return n[keep.to_numpy()].merge(first[["scope", "cid", "post_id"]], on=["scope", "cid"])


def _loose_counts(job: tuple[str, int], *, src: _Source, dup: _Dup, first_day: pd.Timestamp, wanted: set) -> pd.DataFrame:
    """Pass 3b: posts per (loose cluster, operator, day) of the ``wanted`` clusters, and each
    one's first post here (``_firsts``)."""
    file, offset = job
    df = _read(file, src, offset)
    c = _dup_columns(df, dup, ["dup_loose"])["dup_loose"]
    keep = c.isin(wanted).to_numpy()
    local = df["created_at"]
    x = pd.DataFrame({"cid": c[keep], "op": _operator(df)[keep], "t": ((local.dt.floor("D") - first_day).dt.days)[keep],
                      "time": local[keep], "post_id": df["post_id"].astype(str)[keep]})
    n = x.groupby(["cid", "op", "t"], sort=False).size().rename("n").reset_index()
    return n.merge(_firsts(x, ["cid"])[["cid", "time", "post_id"]], on="cid")


def _candidates(job: tuple[str, int], *, src: _Source, cells: pd.DataFrame, spans: pd.DataFrame,
                dup: _Dup | None = None, dup_cells: pd.DataFrame | None = None,
                dup_spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pass 2: the posts of file ``job = (file, its first row's number)`` in the (intent,
    operator, topic, day) ``cells`` or in a spike episode's (topic, [lo, hi)) ``spans``; with
    ``dup``, also those in the near-duplicate ``dup_cells`` (intent, operator, cluster, day) and
    ``dup_spans`` (cluster, [lo, hi)), with their cluster ids (``_dup_columns``)."""
    file, offset = job
    df = _read(file, src, offset)
    local = df["created_at"]
    op = _operator(df)
    day = local.dt.floor("D")
    keep = _in_cells([df["intent"], op, df["topic"], day], cells)
    keep |= _in_spans(df["topic"], local, spans, "topic")
    if dup is not None:
        df = df.join(_dup_columns(df, dup))
        keep |= _in_cells([df["intent"], op, df["dup_intent"], day], dup_cells)
        keep |= _in_spans(df["dup_all"], local, dup_spans, "cid")
    return df[keep]


def _in_cells(columns: list, cells: pd.DataFrame) -> np.ndarray:
    here = pd.MultiIndex.from_arrays(columns)
    return here.isin(pd.MultiIndex.from_frame(cells)) if len(cells) else np.zeros(len(here), bool)


def _in_spans(key: pd.Series, local: pd.Series, spans: pd.DataFrame, name: str) -> np.ndarray:
    keep = np.zeros(len(key), bool)
    for s in spans.itertuples():
        keep |= ((key == getattr(s, name)) & (local >= s.lo) & (local < s.hi)).to_numpy(dtype=bool)
    return keep


def _evidence(job: tuple[str, int], *, src: _Source, cells: pd.DataFrame, ids: pd.Series,
              dup: _Dup | None = None) -> pd.DataFrame:
    """Pass 3: the posts of file ``job`` of an (issue, day) in ``cells``, or whose post id is in
    ``ids``, with their issue (``ISSUE``) and what the incidents read of them (``EVIDENCE``)."""
    file, offset = job
    df = _read(file, src, offset)
    df[ISSUE] = _issues(df, dup)
    keep = _in_cells([df[ISSUE], df["created_at"].dt.floor("D")], cells)
    keep |= df["post_id"].astype(str).isin(ids).to_numpy()
    return df.loc[keep, [c for c in EVIDENCE if c in df]]


def _issues(df: pd.DataFrame, dup: _Dup | None) -> pd.Series:
    """The issue of each post (``wbcs.kpi.incidents.issue_keys``): with ``dup``, a post without a
    topic is its cluster's (``dup_loose``, computed here unless ``df`` carries it), named by its
    first post where the client found it."""
    from wbcs.kpi.incidents import issue_keys

    if dup is None:
        return issue_keys(df, near_duplicates=False)
    loose = (df if "dup_loose" in df else _dup_columns(df, dup, ["dup_loose"]))["dup_loose"]
    # a cluster the client did not name is no alert's issue: any key unlike a post id will do
    return issue_keys(df, loose_clusters=loose.map(lambda c: None if c is None else dup.loose_names.get(c, "#" + c.hex())))


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


def _rule_cells(daily: pd.DataFrame, policy: Policy, first_day: pd.Timestamp, n_days: int,
                key: str) -> pd.DataFrame:
    """The (intent, operator, ``key``, day) cells whose posts the aggregation rules may need, from
    the posts per (intent, operator, ``key``, ``bucket`` day) in ``daily`` (column ``n``)."""
    from wbcs.aggregate import rules

    day = pd.Timedelta(days=1)
    out = []
    for rule in rules(policy):
        m = min(rule.min_users, rule.min_platforms)  # fewer posts can never fire
        sub = daily[(daily["intent"] == rule.intent) & daily[key].notna()]
        if sub.empty:
            continue
        sub = sub.assign(cluster=list(zip(sub["operator"], sub[key], strict=True)))
        clusters = list(dict.fromkeys(sub["cluster"]))
        c = _matrix(sub, "cluster", clusters, first_day, day, n_days)
        if rule.window == "day":
            need = c >= m
        else:  # posts of the rolling week: a day whose last 8 days hold m, and the 7 days before it
            cs = np.concatenate([np.zeros((len(clusters), 1)), np.cumsum(c, axis=1)], axis=1)
            lo = np.maximum(np.arange(n_days) - 7, 0)
            fire = (cs[:, 1:] - cs[:, lo]) >= m
            need = np.zeros_like(fire)
            for back in range(min(8, n_days)):  # a later start than the last day is no day: 2 days crashed
                need[:, :n_days - back] |= fire[:, back:]
        r, t = np.nonzero(need & (c > 0))
        out.append(pd.DataFrame({"intent": rule.intent, "operator": [clusters[i][0] for i in r],
                                 key: [clusters[i][1] for i in r], "day": first_day + t * day}))
    cols = ["intent", "operator", key, "day"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def _concat(parts: list[pd.DataFrame], columns: list[str] = COLUMNS) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts) if parts else pd.DataFrame(columns=columns)


def _near_duplicates(jobs: list, src: _Source, *, threshold: float, min_posts: int, need: dict, first: pd.Timestamp,
                     freq: str, first_day: pd.Timestamp, client) -> tuple[_Dup, pd.DataFrame]:
    """The archive's near-duplicate clusters (``wbcs.kpi.partitioned_dedup``) and the counts of
    the clusters that can spike or fire (``_busy``): scope, cid, op, t, n, post_id (the
    cluster's first post)."""
    import dask
    import dask.dataframe as dd

    from wbcs.kpi.partitioned_dedup import clusters, compute, partitions, shuffles

    dup = _Dup(clusters(jobs, partial(_read_texts, src=src), threshold=threshold, client=client))
    ref = client.scatter(dup, broadcast=True) if client is not None else dup
    meta = pd.DataFrame({"scope": pd.Series(dtype=object), "cid": pd.Series(dtype=object),
                         "op": pd.Series(dtype=object), "t": pd.Series(dtype=np.int64), "n": pd.Series(dtype=np.int64),
                         "time": pd.Series(dtype="datetime64[ns]"), "post_id": pd.Series(dtype=object)})
    parts = [dask.delayed(_dup_counts, pure=False)(job, src=src, dup=ref, first=first, freq=freq,
                                                   first_day=first_day) for job in jobs]
    with shuffles(client):
        counts = dd.from_delayed(parts, meta=meta, verify_meta=False).shuffle(on=["scope", "cid"],
                                                                               npartitions=partitions(len(jobs), client))
        busy = counts.map_partitions(_busy, min_posts, need, meta=meta.drop(columns=["time"]))
        return dup, compute(busy, client)


def _read_texts(job: tuple[str, int], *, src: _Source) -> pd.DataFrame:
    file, offset = job
    return _read(file, src, offset, columns=["text", "intent", "topic"])


def hot_issues(source, *, policy: Policy | None = None, threshold: float = 0.8, freq: str = "h",
               baseline_days: int = 7, alpha: float = 1e-3, min_posts: int = 5, near_duplicates: bool = True,
               client=None, progress: bool = False, quiet: bool = False) -> dict[str, pd.DataFrame]:
    """``wbcs.kpi.hot.hot_issues`` over a partitioned archive (see the module docstring);
    ``near_duplicates=False`` keeps the topic clusters and series only; ``client`` runs the
    files' tasks on a Dask cluster. A row ``read_posts`` rejects (``_left_out``) or whose ``post_id`` an
    earlier row has (in this file or an earlier one) is left out, as ``read_posts`` and ``wbcs kpi --engine
    dask`` leave it out, and said on stderr unless ``quiet``; an archive without posts is an error, as a file
    without posts is."""
    from wbcs.aggregate import COLUMNS as ALERT_COLUMNS
    from wbcs.aggregate import aggregation_alerts, chronological, rules
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
    policy = checks.policy(policy)
    files, base = parquet_files(source)
    src = _Source(base, _left_out(files, policy, quiet))
    run = {"client": client, "unit": "file", "progress": progress}

    # 1. counts, merged
    parts = run_tasks(_counts, files, src=src, desc="hot issues: counts", **run)
    sizes = np.array([n for n, _, _ in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    empty = {"incidents": pd.DataFrame(columns=inc.COLUMNS), "alerts": pd.DataFrame(columns=ALERT_COLUMNS),
             "spikes": pd.DataFrame(columns=SPIKE_COLUMNS)}
    merged = pd.concat([t for _, t, _ in parts], ignore_index=True)
    if not merged["n"].sum():  # every table empty and exit 0 said nothing of why: read_posts refuses such a file
        raise InputError(f"{source}: no posts in its {len(files):,} file(s) ({int(sizes.sum()):,} row(s)); "
                         f"give an archive with posts")
    merged = merged.groupby(KEYS, dropna=False, sort=False)["n"].sum().reset_index()
    for col in ("intent", "topic"):
        merged[col] = merged[col].astype(object).where(merged[col].notna(), None)
    jobs = list(zip(files, offsets.tolist(), strict=True))
    step = FREQS[freq]
    bucket = merged[HOUR].dt.floor(freq)
    first = bucket.min()
    first_day = merged[HOUR].min().floor("D")
    n_days = int((merged[HOUR].max().floor("D") - first_day).days) + 1
    day = pd.Timedelta(days=1)

    # 1b. near-duplicate clusters, and the counts of those that can spike or fire
    dup = None
    if near_duplicates:
        need = {r.intent: min(r.min_users, r.min_platforms) for r in rules(policy)}
        dup, busy = _near_duplicates(jobs, src, threshold=threshold, min_posts=min_posts, need=need,
                                     first=first, freq=freq, first_day=first_day, client=client)
        name = dict(zip(pd.MultiIndex.from_frame(busy[["scope", "cid"]]), "near_duplicate:" + busy["post_id"],
                        strict=True))

    # spikes on the merged series per topic (and near-duplicate cluster)
    t = ((bucket - first) // step).to_numpy()
    total = np.bincount(t, weights=merged["n"].to_numpy(dtype=float), minlength=int(t.max()) + 1)
    topics = merged["topic"].notna().to_numpy()
    cells = {"topic": pd.DataFrame({"key": ("topic:" + merged["topic"][topics]).to_numpy(), "t": t[topics],
                                    "n": merged["n"][topics].to_numpy()}).groupby(["key", "t"], sort=False)["n"]
             .sum().reset_index()}
    if near_duplicates:
        every = busy[busy["scope"] == "all"]
        cells["near_duplicate"] = pd.DataFrame({"key": "near_duplicate:" + every["post_id"], "t": every["t"],
                                                "n": every["n"]})
    hits = spike_hits(cells, total, freq=freq, baseline_days=baseline_days, alpha=alpha, min_posts=min_posts)
    spans = episode_spans(hits)
    cid_of = {v: c for (scope, c), v in name.items() if scope == "all"} if near_duplicates else {}
    span_rows = [{"series": e["series"].iloc[0], "key": e["key"].iloc[0], "lo": first + int(e["t"].min()) * step,
                  "hi": first + (int(e["t"].max()) + 1) * step} for e in spans]
    span_table = pd.DataFrame([{"topic": r["key"].removeprefix("topic:"), "lo": r["lo"], "hi": r["hi"]}
                               for r in span_rows if r["series"] == "topic"], columns=["topic", "lo", "hi"])

    # 2. the candidate posts: alerts on them, spike evidence from them
    daily = merged[merged["topic"].notna()].assign(bucket=merged[HOUR].dt.floor("D"))
    rule_cells = _rule_cells(daily, policy, first_day, n_days, "topic")
    extra = {}
    if near_duplicates:
        rule_daily = busy[busy["scope"] != "all"].rename(columns={"scope": "intent", "op": "operator"})
        extra = {"dup": dup,
                 "dup_cells": _rule_cells(rule_daily.assign(bucket=first_day + rule_daily["t"] * day), policy,
                                          first_day, n_days, "cid"),
                 "dup_spans": pd.DataFrame([{"cid": cid_of[r["key"]], "lo": r["lo"], "hi": r["hi"]} for r in span_rows
                                            if r["series"] == "near_duplicate"], columns=["cid", "lo", "hi"])}
    rows = _concat(run_tasks(_candidates, jobs, src=src, cells=rule_cells, spans=span_table,
                             desc="hot issues: candidates", **extra, **run), [*COLUMNS, *DUP])
    rows = rows.iloc[chronological(local_times(rows["created_at"]), rows["post_id"])]  # as the in-process run reads them
    series = series_keys(rows, threshold, near_duplicates=False)
    keys_given = None
    if near_duplicates:
        keys_given = pd.Series([name.get((i, c)) for i, c in zip(rows["intent"], rows["dup_intent"], strict=True)],
                               index=rows.index, dtype=object)
        series["near_duplicate"] = pd.Series([name.get(("all", c)) for c in rows["dup_all"]], index=rows.index,
                                             dtype=object)
    alerts = aggregation_alerts(rows, policy=policy, threshold=threshold, near_duplicates=near_duplicates,
                                near_duplicate_keys=keys_given)
    pos = ((local_times(rows["created_at"]).dt.floor(freq) - first) // step).to_numpy()
    found = episodes(spans, rows, series, pos, first, step)

    # 3. incidents: expectations from the merged counts, evidence from the files
    if alerts.empty:
        return _masked({**empty, "alerts": alerts, "spikes": found})
    loose_daily = []
    if near_duplicates:  # the loose clusters of the alerts' posts: their first posts and daily counts
        evidence_ids = {str(i) for ids in alerts["post_ids"] for i in ids}
        wanted = set(rows.loc[rows["topic"].isna() & rows["post_id"].astype(str).isin(evidence_ids), "dup_loose"])
        lc = _concat(run_tasks(_loose_counts, jobs, src=src, dup=dup, first_day=first_day, wanted=wanted,
                               desc="hot issues: loose clusters", **run))
        if len(lc):
            firsts = _firsts(lc, ["cid"])
            dup.loose_names = dict(zip(firsts["cid"], firsts["post_id"], strict=True))
            lc = lc.groupby(["cid", "op", "t"], sort=False)["n"].sum().reset_index()
            loose_daily = [pd.DataFrame({"issue": lc["op"] + "|~" + lc["cid"].map(dup.loose_names),
                                         "bucket": first_day + lc["t"] * day, "n": lc["n"]})]
    issue_of = dict(zip(rows["post_id"].astype(str), _issues(rows, dup), strict=True))
    a = inc.alert_days(alerts, issue_of)
    # the candidates are most of a busy archive's consultations and complaints (370,748 of 501,024 posts):
    # not held beside the incidents' evidence, which is most of its posts too
    del rows, issue_of, series, pos, keys_given
    keys = list(dict.fromkeys(a["issue"]))
    daily = pd.concat([merged.assign(bucket=merged[HOUR].dt.floor("D"),
                                     issue=inc.issue_keys(merged, near_duplicates=False))[["issue", "bucket", "n"]],
                       *loose_daily], ignore_index=True)
    counts = _matrix(daily, "issue", keys, first_day, day, n_days)
    day_total = np.bincount(((merged[HOUR].dt.floor("D") - first_day).dt.days).to_numpy(),
                            weights=merged["n"].to_numpy(dtype=float), minlength=n_days)
    expected, surge = inc.expectation(counts, day_total, inc.ALPHA)
    groups = inc.incident_groups(a, {k: i for i, k in enumerate(keys)}, surge, first_day, inc.GAP_DAYS)
    bg_ids = inc.background(pd.concat([ids for _, _, ids in parts], ignore_index=True), inc.SAMPLE, inc.SEED)
    wanted_days = pd.DataFrame([(keys[r], first_day + pd.Timedelta(days=int(c))) for _, r, _, _, cols in groups
                                for c in cols], columns=["issue", "day"]).drop_duplicates()
    evidence = _concat(run_tasks(_evidence, jobs, src=src, cells=wanted_days, ids=bg_ids, dup=dup,
                                 desc="hot issues: evidence", **run), EVIDENCE)
    local = local_times(evidence["created_at"])
    order = chronological(local, evidence["post_id"])
    evidence = evidence.iloc[order]
    d = ((local.iloc[order].dt.floor("D") - first_day).dt.days).to_numpy()
    table = inc.describe(groups, a, keys, counts, expected, first_day, evidence, evidence[ISSUE], d, bg_ids, inc.SEED,
                         inc.SAMPLE, progress)
    return _masked({"incidents": table, "alerts": alerts, "spikes": found})


def _left_out(files: list[str], policy: Policy, quiet: bool) -> dict[str, np.ndarray]:
    """Per file, its 0-based rows ``read_posts`` would reject, said on stderr unless ``quiet``: an empty text, a
    time out of range, an empty created_at without a Weibo mid to read it from, a count or a label it refuses, then
    a ``post_id`` an earlier row has (``wbcs.kpi.duck.leave_out_rejected``, as ``wbcs kpi --engine dask`` leaves
    them out). Counted twice, a copied part file made spikes, alerts and incidents out of nothing; refused, a
    post without a text stopped the command where the pandas engine leaves it out and says so. A time column
    that is no timestamp is refused first, naming its file (DuckDB reads the files as one and would name the
    first)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from wbcs.columns import DATETIMES
    from wbcs.kpi.duck import _Archive, leave_out_rejected
    from wbcs.kpi.partitioned import _connection

    for f in files:
        schema = pq.read_schema(f)
        for col in (c for c in DATETIMES if c in schema.names):
            if not pa.types.is_timestamp(schema.field(col).type):
                raise InputError(f"{f}: column {col!r} is {schema.field(col).type}, not a timestamp; write the "
                                 f"file with wbcs ingest or pandas datetimes")
    rows, _ = leave_out_rejected(_Archive(_connection(None), files, policy), quiet)  # (_read reads the mids)
    return {f: np.sort(r["file_row_number"].to_numpy(dtype=np.int64)) for f, r in rows.groupby("filename")}


def _masked(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The result fit to leave the package. The files are read as written, and a file written unmasked
    (``--no-mask``) holds phone numbers where ``read_posts`` masks them for the in-process run: what the
    tables quote of the posts (author ids, operators, platforms, texts) is masked here (``wbcs.text``), on
    the result's rows, not on the archive's. Post ids stay as they are, as everywhere (``KEY_COLUMNS``)."""
    return {name: mask_frame(t, columns=[c for c in t.columns if c != "post_ids"]) for name, t in tables.items()}
