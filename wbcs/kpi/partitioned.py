"""The KPI set over a partitioned Parquet archive, one task per file, on a cluster or in process.

``indicators(source, ..., client=None)`` returns what ``wbcs.kpi.duck.indicators`` returns
for the same files, and the same numbers. ``source`` is a folder, a glob
(``archive/**/*.parquet``) or a list of files; hive partition folders
(``month=2025-01/province=广东/``) are columns, as DuckDB reads them. Each file is one task;
with a ``client`` (``wbcs.distributed``) the tasks run on the cluster's workers, each
reading its own file, and only small tables come back:

0. **Rejected rows**: a ``post_id`` given twice is seen only over every file, so the client runs one
   DuckDB query over the archive's ``post_id`` column (``wbcs.kpi.duck``'s ``_Archive.repeats``), after
   one over the rows ``read_posts`` rejects (``_Archive.screen``), which also gives the posts without a
   ``created_at`` their mids' times; each task leaves out its file's rejected rows and gives its posts those
   times, as DuckDB does over the whole archive.
1. **as_of** (unless given): each file's latest time, from the Parquet statistics; the
   maximum is the time the SLA clocks are read at, as for the whole archive.
2. **Mergeable statistics**: each file's inner table (``wbcs.kpi.indicators``: posts,
   sums and SLA threshold counts per output group and label combination, computed by
   ``wbcs.kpi.duck`` on that file), and a histogram of its response minutes per output
   group over fixed log-spaced buckets (``EDGES``: 32 per doubling, from 2⁻²⁷ to 2²⁷
   minutes). The client adds the tables: counts and sums are integers (exact in any
   order), so the merged inner table is the one DuckDB builds over all files, and the
   indicators are derived from it by the same code.
3. **Exact quantiles** (median and p90 of the response minutes, linear interpolation
   between order statistics as DuckDB's ``quantile_cont``): from the merged histogram the
   client knows, per group, the bucket holding each order statistic it needs and its rank
   inside the bucket; each file sends back only its values in those buckets, and the
   client picks the exact order statistics. No sketch, no error bound: the numbers equal
   DuckDB's. The extra pass reads two time columns; what crosses the network is about a
   bucket's share of the values (≤ 2.2 % of a group's range per bucket).

A column some files lack is read as null in them (each task is given the archive's columns), as DuckDB reads
it over the whole archive.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.kpi.duck import (
    C,
    R,
    _Archive,
    check_labelled,
    leave_out_rejected,
    masked,
    output_keys,
    request_columns,
    some_posts,
)
from wbcs.kpi.indicators import (
    OWN,
    QUANTILES,
    assemble,
    check_request,
    edge_periods,
    kinds_of,
    local_as_of,
    own,
    summed,
    table_periods,
)
from wbcs.policy import Policy
from wbcs.text import mask_frame

EDGES = np.concatenate([[0.0], np.exp2(np.arange(-27 * 32, 27 * 32 + 1) / 32)])
BUCKET, MINUTES = OWN + "bucket", OWN + "minutes"  # named apart from the keys (``wbcs.kpi.indicators.own``)


HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # a null partition value's folder (key=__HIVE_DEFAULT_PARTITION__)
_local = threading.local()


def _connection(threads: int | None):
    """One DuckDB connection per thread, reused by the tasks it runs (opening one costs ~0.1 s)."""
    import duckdb

    cons = _local.__dict__.setdefault("cons", {})
    if threads not in cons:
        cons[threads] = duckdb.connect(config={} if threads is None else {"threads": threads})
    return cons[threads]


def _archive(file: str, policy: Policy, threads: int | None, left_out: pd.DataFrame, schema: dict,
             mid_times: pd.DataFrame) -> _Archive:
    """One file of the archive with the archive's columns ``schema``, without its rows in ``left_out`` (those
    ``read_posts`` rejects, the archive's repeated ids) and with its posts' times in ``mid_times``
    (``wbcs.kpi.duck.leave_out_rejected``)."""
    return _Archive(_connection(threads), [file], policy, schema).leave_out(
        left_out[left_out["filename"] == file]).fill_times(mid_times[mid_times["filename"] == file])


def _latest(file: str, *, policy: Policy, threads: int | None, left_out: pd.DataFrame, schema: dict,
            mid_times: pd.DataFrame):
    return _archive(file, policy, threads, left_out, schema, mid_times).latest()


def _responses(a: _Archive, keys: dict[str, str]) -> pd.DataFrame | None:
    """Output keys and response minutes of the replied posts of a file, with their bucket."""
    if "reply_at" not in a.types:
        return None
    select = [f'{expr} AS "{name}"' for name, expr in keys.items()]
    out = a.con.execute(
        f"WITH src0 AS (SELECT *, {a.us('created_at')} AS {C}, {a.us('reply_at')} AS {R} FROM {a.scan}) "
        f"SELECT {', '.join([*select, f'({R} - {C}) / 60e6 AS {MINUTES}'])} FROM src0 WHERE {R} IS NOT NULL").df()
    out[BUCKET] = np.searchsorted(EDGES, out[MINUTES].to_numpy(), side="right")
    return out


def _request(file: str, policy: Policy, period, by, threads, left_out, schema, mid_times, rules
             ) -> tuple[_Archive, dict, tuple]:
    a = _archive(file, policy, threads, left_out, schema, mid_times)
    keys, extra = output_keys(a, period, check_labelled(a, period, by), rules)
    return a, keys, extra


def _partial(file: str, *, policy: Policy, period, by, as_of, threads, left_out, schema, mid_times, rules
             ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(inner table, response-minute histogram per output group and bucket) of one file."""
    a, keys, extra = _request(file, policy, period, by, threads, left_out, schema, mid_times, rules)
    inner = a.inner(keys, as_of, extra)
    r = _responses(a, keys)
    hist = None if r is None else \
        r.groupby([*keys, BUCKET], dropna=False, sort=False).size().rename("count").reset_index()
    return inner, hist


def _selected(file: str, *, policy: Policy, period, by, targets: pd.DataFrame, threads, left_out, schema,
              mid_times, rules) -> pd.DataFrame:
    """The response minutes of one file that fall in the target (group, bucket) cells."""
    a, keys, _ = _request(file, policy, period, by, threads, left_out, schema, mid_times, rules)
    r = _responses(a, keys)
    return r.merge(targets, on=[*keys, BUCKET], how="inner")[[*keys, BUCKET, MINUTES]]


def _daily(file: str, *, edges, policy: Policy, period, by, threads, left_out, schema, mid_times, rules
           ) -> pd.DataFrame:
    """The posts per group and day of the periods starting at ``edges`` of one file (``_Archive.daily``)."""
    a, keys, _ = _request(file, policy, period, by, threads, left_out, schema, mid_times, rules)
    return a.daily(keys, edges)


def _merge(parts: list[pd.DataFrame], values: list[str]) -> pd.DataFrame:
    """Tables of the files added up per their other columns (nulls are a group too)."""
    table = pd.concat(parts, ignore_index=True)
    groups = [c for c in table.columns if c not in values]
    if not groups:
        return table[values].sum(min_count=1).to_frame().T
    return table.groupby(groups, dropna=False, sort=False).sum(min_count=1).reset_index()


def _ranks(hist: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group and quantile: the 0-based ranks (lo, hi) of the order statistics it
    interpolates, their buckets and their ranks inside those buckets."""
    rows = []
    groups = hist.groupby(keys, dropna=False, sort=False) if keys else [((), hist)]
    for key, g in groups:
        g = g.sort_values(BUCKET)
        counts = g["count"].to_numpy()
        cum = np.cumsum(counts)
        n = int(cum[-1])
        key = key if isinstance(key, tuple) else (key,)
        for name, q in QUANTILES.items():
            rn = (n - 1) * q  # DuckDB's quantile_cont: RN = (n − 1)·q, FRN = ⌊RN⌋, CRN = ⌈RN⌉
            for side, rank in (("lo", int(np.floor(rn))), ("hi", int(np.ceil(rn)))):
                i = int(np.searchsorted(cum, rank, side="right"))
                rows.append((*key, name, rn, side, int(g[BUCKET].iloc[i]), rank - int(cum[i] - counts[i])))
    return pd.DataFrame(rows, columns=[*keys, "quantile", "rn", "side", BUCKET, "rank_in_bucket"])


def _quantiles(ranks: pd.DataFrame, values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The exact quantiles per group from the values of the target buckets."""
    cells = {}
    for key, g in values.groupby([*keys, BUCKET], dropna=False, sort=False):
        cells[_key(key)] = np.sort(g[MINUTES].to_numpy())
    out = {}
    for r in ranks.to_dict("records"):
        group = tuple(r[k] for k in keys)
        x = cells[_key((*group, r[BUCKET]))][r["rank_in_bucket"]]
        out.setdefault(_key(group), {}).setdefault(r["quantile"], {"rn": r["rn"]})[r["side"]] = x
    rows = []
    for group, qs in out.items():
        row = dict(zip(keys, group, strict=True))
        for name, v in qs.items():
            row[name] = (v["lo"], v["hi"], v["rn"] - np.floor(v["rn"]))
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*keys, *QUANTILES])
    for name in QUANTILES:
        table[name] = _interpolate(table[name].tolist())
    return table


def _interpolate(cells: list[tuple[float, float, float]]) -> list[float]:
    """``lo`` + a fraction of the way to ``hi``, computed by DuckDB's own ``quantile_cont``
    over [lo, hi]: its rounding of the interpolation (how the build fuses the multiply-add)
    is not the obvious formula's, and the numbers must be DuckDB's to the last bit."""
    out = [lo if frac == 0 or lo == hi else None for lo, hi, frac in cells]
    todo = [i for i, v in enumerate(out) if v is None]
    con = _connection(None)
    for start in range(0, len(todo), 500):
        part = todo[start:start + 500]
        sql = " UNION ALL ".join(
            f"SELECT {i} AS i, list_aggregate([CAST('{float(cells[i][0])!r}' AS DOUBLE), CAST('{float(cells[i][1])!r}' AS DOUBLE)], "
            f"'quantile_cont', CAST('{float(cells[i][2])!r}' AS DOUBLE)) AS v" for i in part)
        for i, v in con.execute(sql).fetchall():
            out[i] = v
    return out


def _key(key) -> tuple:
    """A group key as a hashable tuple with every null as None."""
    key = key if isinstance(key, tuple) else (key,)
    return tuple(None if (v is None or (not isinstance(v, str) and pd.isna(v))) else v for v in key)


def write_archive(posts: pd.DataFrame, folder, partition_by=("month",), *, mask: bool = True) -> Path:
    """Write a posts table as a hive-partitioned Parquet archive (``month=2025-01/…/part-0.parquet``;
    the partition columns live in the folder names only, percent-encoded as pyarrow writes
    them), the layout this engine, DuckDB and ``wbcs predict`` read. ``month`` is derived
    from ``created_at`` when asked for; a null partition value is written as hive's null (``HIVE_NULL``), which
    DuckDB and pyarrow read as null: written as ``unknown``, a post without a topic was refused by both engines
    (no such label) and one without a province was from the province 'unknown'.
    Each partition goes through the one safe writer (``wbcs.io.write_table``): atomic (a
    partition written again is replaced whole), PII-masked unless ``mask=False`` — the folder
    names too (``province=广东 138****5678``: values that mask alike share a folder)."""
    from urllib.parse import quote

    from wbcs.io import write_table

    partition_by = list(partition_by)
    if "month" in partition_by and "month" not in posts:
        posts = posts.assign(month=posts["created_at"].dt.strftime("%Y-%m"))
    keys = posts[partition_by].astype("string")
    if mask:
        keys = mask_frame(keys)
    keys = keys.fillna(HIVE_NULL)
    folder = Path(folder)
    for values, rows in posts.drop(columns=partition_by).groupby([keys[c] for c in partition_by], sort=True):
        values = values if isinstance(values, tuple) else (values,)
        where = folder.joinpath(*(f"{c}={quote(str(v), safe='')}" for c, v in zip(partition_by, values, strict=True)))
        write_table(rows.reset_index(drop=True), where / "part-0.parquet", mask=mask)
    return folder


def indicators(source, *, period: str | None = None, by=None, policy: Policy | None = None, as_of=None,
               client=None, progress: bool = False, quiet: bool = False, routes=None,
               notes: list[str] | None = None):
    """``wbcs.kpi.indicators`` over a partitioned Parquet archive (see the module docstring). A row
    ``read_posts`` rejects, and a row whose ``post_id`` an earlier row has (in this file or an earlier one), are
    left out, as by ``wbcs.kpi.duck``, and said on stderr unless ``quiet``; a post without ``created_at`` has
    its mid's time. ``notes``: a list the notes of how the files were read are added to (``duck.indicators``)."""
    from wbcs.distributed import parquet_files, run_tasks

    policy = checks.policy(policy)
    rules = kinds_of(routes)  # (the posts' kinds by the routes file, as the pandas engine counts them)
    files, _ = parquet_files(source)
    threads = 1 if client is not None else None  # on a cluster the workers are the parallelism
    by = [by] if isinstance(by, str) else list(by or [])
    # a post repeated across files is seen only over all of them: DuckDB here reads their post_id column
    whole = _Archive(_connection(None), files, policy)
    # the request against the archive's columns (a file may lack one, read as null) before any task reads a time
    check_request(request_columns(whole), period, by, source=whole.source)
    (left_out, mid_times), schema = leave_out_rejected(whole, quiet, notes), whole.types
    given = None if as_of is None else local_as_of(as_of)  # (a later one than the last post extends its coverage)
    if as_of is None:
        latest = [t for t in run_tasks(_latest, files, client=client, policy=policy, threads=threads,
                                       left_out=left_out, schema=schema, mid_times=mid_times, desc="as_of",
                                       unit="file", progress=progress) if t is not None]
        as_of = max(latest) if latest else None
    else:
        as_of = given
    request = {"policy": policy, "period": period, "by": by, "threads": threads, "left_out": left_out,
               "schema": schema, "mid_times": mid_times, "rules": rules}
    parts = run_tasks(_partial, files, client=client, as_of=as_of, desc="KPI statistics", unit="file",
                      progress=progress, **request)
    first, _, _ = _request(files[0], policy, period, by, threads, left_out, schema, mid_times, rules)
    keys = list(output_keys(first, period, by, rules)[0])
    inner = some_posts(_merge([p[0] for p in parts], summed(parts[0][0])), whole.source)
    if "period" in inner:
        inner["period"] = pd.to_datetime(inner["period"])
    if by:  # a table too big to build is refused before the quantiles' pass (each file's inner table is its size)
        table_periods(len(inner[by].drop_duplicates()), inner.get("period"), period, by)
    hists = [p[1] for p in parts if p[1] is not None and len(p[1])]
    if hists:
        ranks = _ranks(_merge(hists, ["count"]), keys)
        targets = ranks[[*keys, BUCKET]].drop_duplicates()
        chosen = run_tasks(_selected, files, client=client, targets=targets, desc="exact quantiles",
                           unit="file", progress=progress, **request)
        quantiles = _quantiles(ranks, pd.concat(chosen, ignore_index=True), keys)
    else:
        quantiles = pd.DataFrame(columns=keys)
    if "period" in quantiles:
        quantiles["period"] = pd.to_datetime(quantiles["period"])
    daily = None
    if period is not None:  # the posts per group and day of the first and last periods, for a like-for-like change
        daily = _merge(run_tasks(_daily, files, client=client, edges=edge_periods(inner["period"], period),
                                 desc="days", unit="file", progress=progress, **request), [own("n")])
    return masked(assemble(inner, quantiles, period=period, by=by, policy=policy, as_of=as_of, rules=rules,
                           daily=daily, covered_to=given), by)
