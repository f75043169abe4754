"""The same indicators from DuckDB over Parquet files, for archives too big for pandas.

``indicators(source, ...)`` takes a Parquet path, a glob (``archive/*.parquet``) or a
list of them, and returns what ``wbcs.kpi.indicators`` returns for the same posts. One
scan builds the engines' shared inner table (posts grouped by the requested keys and a
few label columns, with the SLA threshold counts; see ``wbcs.kpi.indicators``) and, in
the same ``GROUPING SETS`` query, the response-time quantiles per output group; the
indicators are then derived by the same pandas code as the pandas engine. Business-hour
SLA clocks join a small table of duty minutes per calendar day built with
``wbcs.policy.Duty``, so the calendar logic is not written twice. As ``read_posts`` does for the
pandas engine, a row with a count it refuses (``_Archive.bad_counts``: -3, 2.5, inf) and a row whose
``post_id`` an earlier row has (``_Archive.repeats``) are left out and said, and a yes/no column is read
with ``read_flags``' words (``_Archive.flag``).
"""

from __future__ import annotations

import itertools
import os
import sys

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.columns import DATETIMES, read_flags
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.io.ingest import MAX_COUNT, label_id, label_maps
from wbcs.kpi.indicators import (
    FLAGS,
    QUANTILES,
    STAGES,
    SUMS,
    assemble,
    check_request,
    inner_keys,
    local_as_of,
    table_periods,
    thresholds,
)
from wbcs.kpi.labels import NEEDED
from wbcs.policy import Policy
from wbcs.text import mask_frame, mask_pii
from wbcs.triage import KIND_RULES

# Beijing wall-clock time as integer microseconds: UTC + 8 h. Asia/Shanghai has kept this
# fixed offset (no daylight saving) since 1991, long before Weibo, and integer arithmetic
# is about ten times faster in DuckDB than ICU's AT TIME ZONE on every row.
OFFSET_US = int(pd.Timestamp("2020-01-01", tz=TIMEZONE).utcoffset() / pd.Timedelta(microseconds=1))
DAY_US = 86_400_000_000
MINUTE_US = 60_000_000


def _us(minutes):
    """Minutes (a number or an array) as whole microseconds."""
    return np.rint(np.asarray(minutes, dtype=float) * MINUTE_US).astype(np.int64)
US = {"created_at": "_c", "reply_at": "_r", "resolved_at": "_s"}  # local µs columns in the SQL
REPEATS = ["filename", "file_row_number", "post_id", "first_file", "first_row"]  # Archive.repeats' columns
BAD_COUNTS = ["filename", "file_row_number", "column", "value"]  # Archive.bad_counts' columns
FLOATS = ("FLOAT", "DOUBLE")
NUMBERS = (*FLOATS, "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
           "UBIGINT", "UHUGEINT")
_TABLES = itertools.count()  # names of the tables registered per archive
# The repeated rows of the archives read last, by their files' (path, size, modification time): the check scans
# every id (10 M posts: 1.91 s → 4.09 s for weekly × topic), and the same archive is asked for its summary and
# its table in one command, or again from a notebook. A file written since is another key.
_REPEATS_SEEN: dict[tuple, pd.DataFrame] = {}


def _stamp(file: str) -> tuple[int, int]:
    st = os.stat(file)
    return st.st_size, st.st_mtime_ns


def _files(source) -> list[str]:
    """The Parquet files of ``source``: a file, a folder, a glob (``archive/**/*.parquet``) or a list, as every
    engine reads them (``distributed.parquet_files``)."""
    from wbcs.distributed import parquet_files

    return parquet_files(source)[0]


def count_where(cond: str) -> str:
    # count(*) FILTER counts a NULL condition as false (count_if over NULLs gives NULL)
    return f"count(*) FILTER (WHERE {cond})"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class _Archive:
    """One set of Parquet files: its columns, local-time SQL, the inner-table query."""

    def __init__(self, con, files: list[str], policy: Policy, schema: dict[str, str] | None = None):
        """``schema``: the columns (name → type) of the whole archive these files are part of; one it has and
        these files lack is read as null, as DuckDB reads it over the whole archive (``union_by_name``)."""
        self.con, self.policy, self.files = con, policy, files
        # union_by_name reads a naive created_at of one file as TIMESTAMPTZ when another file's is tz-aware, in
        # the session's zone: that of the machine (8 h off on a UTC server). Naive times are Beijing time to
        # every wbcs reader (read_posts); the session's zone is used for nothing else (us() works in epoch µs)
        con.execute(f"SET TimeZone = {_lit(TIMEZONE)}")
        listed = f"[{', '.join(_lit(f) for f in files)}]"
        self.scan = f"read_parquet({listed}, union_by_name=true)"
        # the same rows with their file and 0-based row number in it, for messages that name a row
        self.numbered = f"read_parquet({listed}, union_by_name=true, filename=true, file_row_number=true)"
        self.order = f"list_position({listed}, filename), file_row_number"  # the rows in the files' order
        rows = con.execute(f"DESCRIBE SELECT * FROM {self.scan}").fetchall()
        self.types = {row[0]: row[1] for row in rows}
        missing = {c: t for c, t in (schema or {}).items() if c not in self.types}
        if missing:  # a file without resolved_at had no resolve clock: its late posts were no posts (Dask)
            nulls = ", ".join(f"CAST(NULL AS {t}) AS {_q(c)}" for c, t in missing.items())
            self.scan, self.numbered = (f"(SELECT *, {nulls} FROM {self.scan})",
                                        f"(SELECT *, {nulls} FROM {self.numbered})")
            self.types.update(missing)
        self.columns = list(self.types)
        self.source = files[0] if len(files) == 1 else f"{files[0]} (+{len(files) - 1} files)"
        for col in DATETIMES:
            if col in self.types and "TIMESTAMP" not in self.types[col]:
                raise InputError(f"{self.source}: column {col!r} is {self.types[col]}, not a timestamp; "
                                 f"write the file with wbcs ingest or pandas datetimes")
        self.times = {c: US[c] for c in DATETIMES if c in self.types}

    def leave_out(self, rows: pd.DataFrame) -> _Archive:
        """The archive without ``rows`` (their ``filename`` and ``file_row_number``, as ``repeats`` gives them)
        in every later query."""
        if len(rows):
            table = f"wbcs_left_out_{next(_TABLES)}"
            self.con.register(table, rows[["filename", "file_row_number"]])
            self.numbered = f"(SELECT * FROM {self.numbered} ANTI JOIN {table} USING (filename, file_row_number))"
            self.scan = f"(SELECT * EXCLUDE (filename, file_row_number) FROM {self.numbered})"
        return self

    def bad_counts(self) -> pd.DataFrame:
        """The rows ``read_posts`` rejects for a count it refuses (``BAD_COUNTS``' columns: the first such column
        of the row and its value): negative, over a billion, not whole (2.5), infinite, or true/false. Counted,
        an infinite author_followers made the reach Infinity (invalid JSON) and a negative one lowered it. A
        count column of text ('1.2万', 'many') is refused in one line: ``read_posts`` reads its forms, which
        ``wbcs ingest`` writes as whole numbers for this engine."""
        cols = [c for c in SUMS.values() if c in self.types]
        bad = {}
        for c in cols:
            t = self.types[c]
            x = f"CAST({_q(c)} AS DOUBLE)"
            if t == "BOOLEAN":  # read_posts refuses true/false as a count
                bad[c] = f"{_q(c)} IS NOT NULL"
            elif t in NUMBERS or t.startswith("DECIMAL"):  # NaN is an empty cell to read_posts: not rejected
                bad[c] = (f"(NOT isnan({x}) AND ({x} < 0 OR {x} > {MAX_COUNT} OR abs({x} - round({x})) >= 1e-6))"
                          if t in FLOATS else f"({x} < 0 OR {x} > {MAX_COUNT})")
            else:  # text (or another type): the first row whose value is no plain whole number, else the first
                row = self.con.execute(
                    f"SELECT filename, file_row_number, CAST({_q(c)} AS VARCHAR) FROM {self.numbered} WHERE {_q(c)} "
                    f"IS NOT NULL ORDER BY TRY_CAST({_q(c)} AS BIGINT) IS NOT NULL, {self.order} LIMIT 1").fetchall()
                if row:
                    file, at, value = row[0]
                    raise InputError(f"{file}: row {at + 1}, column {c!r}: {value!r}: the column holds {t} values, "
                                     f"not counts; write the file with wbcs ingest (it reads 1,234 and 1.2万 and "
                                     f"rejects the rest) or use the pandas engine")
        if not bad:
            return pd.DataFrame(columns=BAD_COUNTS)
        which = " ".join(f"WHEN {cond} THEN {_lit(c)}" for c, cond in bad.items())
        value = " ".join(f"WHEN {cond} THEN CAST({_q(c)} AS VARCHAR)" for c, cond in bad.items())
        return self.con.execute(
            f"SELECT filename, file_row_number, CASE {which} END AS column, CASE {value} END AS value "
            f"FROM {self.numbered} WHERE {' OR '.join(bad.values())} ORDER BY {self.order}").df()

    def repeats(self) -> pd.DataFrame:
        """The rows whose ``post_id`` an earlier row (in the files' order) already has, with that first row
        (``REPEATS``), as ``read_posts`` rejects them for the pandas engine: counted twice, a post inflates
        every count. A check of the archive's ids (their count against the count of their distinct 64-bit
        hashes, cheaper in time and memory than of the ids: a collision only costs the next query), then,
        only when some repeat, a scan of the repeated ids' rows."""
        if "post_id" not in self.types:
            return pd.DataFrame(columns=REPEATS)
        key = tuple((f, *_stamp(f)) for f in self.files)
        if key not in _REPEATS_SEEN:  # a command asks twice (the summary, then the table): one scan of the ids
            if len(_REPEATS_SEEN) >= 8:
                _REPEATS_SEEN.pop(next(iter(_REPEATS_SEEN)))
            _REPEATS_SEEN[key] = self._repeats()
        return _REPEATS_SEEN[key].copy()

    def _repeats(self) -> pd.DataFrame:
        # hash(NULL) is a value of its own: counted among the distinct hashes, an empty post_id made up for a
        # repeated one and the repeat went unseen (read_posts derives an id for an empty one, never equal to a post's)
        n, distinct = self.con.execute(f"SELECT count(post_id), count(DISTINCT hash(post_id)) FILTER "
                                       f"(WHERE post_id IS NOT NULL) FROM {self.scan}").fetchall()[0]
        if n == distinct:
            return pd.DataFrame(columns=REPEATS)
        return self.con.execute(
            f"WITH r AS (SELECT filename, file_row_number, post_id FROM {self.numbered} WHERE post_id IN "
            f"(SELECT post_id FROM {self.scan} GROUP BY post_id HAVING count(*) > 1)), "
            f"o AS (SELECT *, row_number() OVER w AS k, first_value(filename) OVER w AS first_file, "
            f"first_value(file_row_number) OVER w AS first_row FROM r "
            f"WINDOW w AS (PARTITION BY post_id ORDER BY {self.order})) "
            f"SELECT filename, file_row_number, CAST(post_id AS VARCHAR) AS post_id, first_file, first_row "
            f"FROM o WHERE k > 1 ORDER BY {self.order}").df()

    def first_row(self, where: str, *columns: str) -> tuple:
        """(file, 0-based row, *``columns``) of the first row, in the files' order, where ``where`` holds: what a
        message names (``read_posts`` numbers rows 1-based in their file)."""
        return self.con.execute(f"SELECT {', '.join(['filename', 'file_row_number', *columns])} FROM {self.numbered} "
                                f"WHERE {where} ORDER BY {self.order} LIMIT 1").fetchall()[0]

    def us(self, col: str, value: str | None = None) -> str:
        """Local wall-clock microseconds of a datetime column (naive = already local)."""
        value = value or _q(col)
        if "TZ" in self.types[col] or "TIME ZONE" in self.types[col]:
            return f"(epoch_us(CAST({value} AS TIMESTAMPTZ)) + {OFFSET_US})"
        return f"epoch_us(CAST({value} AS TIMESTAMP))"

    def span(self):
        """(the first post's created_at, the latest time in any time column), local; (None, None) without posts
        (min and max per column, which DuckDB reads from the Parquet statistics)."""
        row = self.con.execute("SELECT " + ", ".join([self.us("created_at", "min(created_at)"), *(
            self.us(c, f"max({_q(c)})") for c in self.times)]) + f" FROM {self.scan}").fetchall()[0]
        values = [v for v in row[1:] if v is not None]
        return (None, None) if row[0] is None else (pd.Timestamp(row[0], unit="us"),
                                                    pd.Timestamp(max(values), unit="us"))

    def latest(self):
        """The latest time in the archive."""
        return self.span()[1]

    def kind_name(self) -> str:
        """The post kind (``KIND_RULES``) as SQL. Cells compare as text, as the pandas engine and triage compare
        them: DuckDB reads 'yes' as true against a BOOLEAN column, which pandas' "yes" never equals."""
        whens = []
        for rule, kind in KIND_RULES:
            if all(c in self.types for c in rule):
                cond = " AND ".join(f"CAST({_q(c)} AS VARCHAR) = {_lit(v)}" for c, v in rule.items()) or "TRUE"
                whens.append(f"WHEN {cond} THEN {'NULL' if kind is None else _lit(kind)}")
        return f"CAST(CASE {' '.join(whens)} END AS VARCHAR)" if whens else "CAST(NULL AS VARCHAR)"

    # -- SLA clocks: calendar minutes, or duty minutes through a table of days
    def _days(self, as_of: pd.Timestamp) -> str:
        """Register a table (day number → duty minutes before that day, duty day or not) of every day a time
        of the archive or ``as_of`` falls on: a reply after ``as_of`` without its day would be NULL minutes."""
        first, last = self.span()
        days = pd.date_range(min(first or as_of, as_of).normalize(), max(last or as_of, as_of).normalize(),
                             freq="D")
        duty = self.policy.duty
        start = days.tz_localize(TIMEZONE)
        # whole microseconds, as the calendar clock counts: float minutes put a reply exactly at a 20-second
        # limit ~1e-9 minutes over it, where the pandas engine and triage count it met
        self.con.register("wbcs_duty_days", pd.DataFrame({
            "day": days.to_numpy().astype("datetime64[D]").astype(np.int64),
            "cum": _us(duty.business_minutes(start[:1].repeat(len(days)), start)),
            "bus": duty.on_duty(start + pd.Timedelta(hours=duty.start.hour, minutes=duty.start.minute)
                                ).astype(np.int64),
        }))
        self.now_business = int(_us(duty.business_minutes(start[:1], pd.DatetimeIndex([as_of]).tz_localize(TIMEZONE)))[0])
        return "wbcs_duty_days"

    def _f(self, alias: str, us: str) -> str:
        """Duty microseconds from the first day to the time ``us`` (Duty.business_minutes' F)."""
        duty = self.policy.duty
        start = (duty.start.hour * 60 + duty.start.minute) * MINUTE_US
        return (f"({alias}.cum + {alias}.bus * least(greatest(({us} % {DAY_US}) - {start}, 0), "
                f"{int(_us(duty.minutes_per_day))}))")

    def threshold_counts(self, as_of: pd.Timestamp) -> tuple[list[str], str]:
        """``met_i`` / ``late_i`` aggregates for each distinct SLA limit, and the joins the
        business clocks need."""
        if "intent" not in self.types or as_of is None:
            return [], ""
        limits = thresholds(self.policy)
        days = self._days(as_of) if any(clock == "business" for _, clock, _ in limits) else None
        joins = f" LEFT JOIN {days} d_c ON d_c.day = _c // {DAY_US}" if days else ""
        now_us = (as_of - pd.Timestamp(0)) // pd.Timedelta(microseconds=1)
        out = []
        for i, (stage, clock, minutes) in enumerate(limits):
            col = STAGES[stage]
            if col not in self.types:
                continue
            done = US[col]
            if clock == "calendar":  # integer µs, as the business clock: no float rounding at the limit
                limit = int(_us(minutes))
                to_done, waited = f"{done} - _c", f"{now_us} - _c"
            else:
                alias = f"d{done}"
                if alias not in joins:
                    joins += f" LEFT JOIN {days} {alias} ON {alias}.day = {done} // {DAY_US}"
                limit = int(_us(minutes))
                # every time has its day in the table (_days): no NULL reaches greatest(), which would skip it
                to_done = f"greatest({self._f(alias, done)} - {self._f('d_c', '_c')}, 0)"
                waited = f"greatest({self.now_business} - {self._f('d_c', '_c')}, 0)"
            out.append(f"{count_where(f'{done} IS NOT NULL AND {to_done} <= {limit}')} AS met_{i}")
            out.append(f"{count_where(f'{done} IS NULL AND {waited} > {limit}')} AS late_{i}")
        return out, joins

    def inner(self, keys: dict[str, str], as_of, extra: tuple[str, ...] = ()) -> pd.DataFrame:
        """The inner table; ``keys`` are the output keys (name → SQL over the raw columns
        and ``_c``), ``extra`` more raw columns to keep in the inner table. Raises
        ``InputError`` naming file and row for impossible times."""
        inner = {k: _q(k) for k in (*extra, *inner_keys(self.columns)) if k in self.types}
        inner.update({f: f"({US[c]} IS NOT NULL)" for f, c in FLAGS.items() if c in self.types})
        if "satisfied" in inner:
            inner["satisfied"] = self.flag("satisfied")
        inner = {k: v for k, v in inner.items() if k not in keys}
        # NaN is an empty cell, and 3.0000001 is 3, as read_posts reads them (bad_counts left out the rest)
        sums = [f"sum(round(nullif(CAST({_q(col)} AS DOUBLE), 'nan'))) AS {_q(name)}" for name, col in SUMS.items()
                if col in self.types]
        counts, joins = self.threshold_counts(as_of)
        bad = [f"{count_where(f'{US[c]} < _c')} AS _bad_{c}" for c in ("reply_at", "resolved_at") if c in self.types]
        bad.append(f"{count_where('_c IS NULL')} AS _bad_created_at")
        times = ", ".join(f"{self.us(c)} AS {u}" for c, u in self.times.items())
        names = [_q(k) for k in {**keys, **inner}]
        select = [f"{expr} AS {_q(name)}" for name, expr in {**keys, **inner}.items()]
        clash = [_q(k) for k in {**keys, **inner} if k in self.types]
        rest = f"src0.* EXCLUDE ({', '.join(clash)})" if clash else "src0.*"
        rows = self.con.execute(
            f"WITH src0 AS (SELECT *, {times} FROM {self.scan}), "
            f"src AS (SELECT {', '.join(select + [rest])} FROM src0) "
            f"SELECT {', '.join(names + ['count(*) AS n'] + sums + counts + bad)} FROM src{joins}"
            + (f" GROUP BY {', '.join(names)}" if names else "")).df()
        for c in ("created_at", "reply_at", "resolved_at"):
            if f"_bad_{c}" in rows and rows[f"_bad_{c}"].sum():
                self._raise_bad(c)
        return rows.drop(columns=[c for c in rows if c.startswith("_bad_")])

    def quantiles(self, keys: dict[str, str]) -> pd.DataFrame:
        """Response-time quantiles per output group, both from one sort, in a narrow scan
        (inside the main query they would be sorted per inner group too: twice the work)."""
        if "reply_at" not in self.types:
            return pd.DataFrame(columns=list(keys))
        names = [_q(k) for k in keys]
        select = [f"{expr} AS {_q(name)}" for name, expr in keys.items()]
        quantile = f"quantile_cont((_r - _c) / 60e6, {list(QUANTILES.values())}) AS _q"
        out = self.con.execute(
            f"WITH src0 AS (SELECT *, {self.us('created_at')} AS _c, {self.us('reply_at')} AS _r "
            f"FROM {self.scan}), src AS (SELECT {', '.join(select + ['_c', '_r'])} FROM src0) "
            f"SELECT {', '.join(names + [quantile])} FROM src"
            + (f" GROUP BY {', '.join(names)}" if names else "")).df()
        values = out.pop("_q")
        for j, name in enumerate(QUANTILES):
            out[name] = [v[j] if isinstance(v, (list, np.ndarray)) else np.nan for v in values]
        return out

    def check_size(self, keys: dict[str, str], period: str | None, by: list[str]) -> None:
        """Refuse a table too big to build (``table_periods``) before it is computed: one scan of the ``by``
        columns for their distinct groups and of created_at for its first and last time."""
        select = ", ".join(f"{keys[k]} AS {_q(k)}" for k in by)
        groups, first, last = self.con.execute(
            f"WITH src AS (SELECT {select}, {self.us('created_at')} AS _c FROM {self.scan}) "
            f"SELECT (SELECT count(*) FROM (SELECT DISTINCT {', '.join(map(_q, by))} FROM src)), min(_c), max(_c) "
            f"FROM src").fetchall()[0]
        if groups:
            table_periods(groups, pd.Series(pd.to_datetime([first, last], unit="us")), period, by)

    def check_labels(self) -> None:
        """Refuse a label that is not in the taxonomy (``NEGATIVE``, ``angry``) as the pandas engine does
        (``refuse_unknown_labels``), and a post without a sentiment or an intent: one scan of the label columns'
        distinct values and empty cells, then the first row that has an unknown or empty one (file and 1-based
        row)."""
        from wbcs.schema import LABEL_FIELDS, load_taxonomy

        tax = load_taxonomy()
        fields = [f for f in LABEL_FIELDS if f in self.types and f in tax.fields]
        needed = [f for f in NEEDED if f in self.types]
        if not fields and not needed:
            return
        row = self.con.execute("SELECT " + ", ".join(
            [*(f"list(DISTINCT CAST({_q(f)} AS VARCHAR))" for f in fields),
             *(f"count(*) - count({_q(f)})" for f in needed)]) + f" FROM {self.scan}").fetchall()[0]
        seen, empty = row[:len(fields)], dict(zip(needed, row[len(fields):], strict=True))
        # a label as read_posts reads it (COMPLAINT, 投诉, Complaint are complaint): the pandas engine counted such
        # posts where this one refused them
        spellings = label_maps()
        read = []
        for field, values in zip(fields, seen, strict=True):
            ids = {v: label_id(spellings[field], v) for v in values or [] if v is not None}
            self.relabel(field, {v: i for v, i in ids.items() if i is not None and i != v})
            read.append(sorted({i or v for v, i in ids.items()}))  # what is no label stays, to be named below
        seen = read
        # the pandas engine labels such posts with the shipped model (ensure_labels); counted here they were posts
        # without a sentiment, silently, and the engines gave different figures
        for field, n in empty.items():
            if n:
                file, at = self.first_row(f"{_q(field)} IS NULL")
                raise InputError(f"{file}: row {at + 1}, column {field!r}: no label ({n:,} post(s) in all without "
                                 f"one): classify the posts first (wbcs predict), or use the pandas engine, which "
                                 f"labels them with the shipped model")
        for field, values in zip(fields, seen, strict=True):
            unknown = sorted(set(v for v in values or [] if v is not None) - set(tax.ids(field)))
            if unknown:
                where = f"CAST({_q(field)} AS VARCHAR) IN ({', '.join(_lit(v) for v in unknown)})"
                file, row, value = self.first_row(where, f"CAST({_q(field)} AS VARCHAR)")
                raise InputError(f"{file}: row {row + 1}, column {field!r}: unknown label {value!r} "
                                 f"(unknown: {', '.join(map(repr, unknown[:5]))}; known: {', '.join(tax.ids(field))}): "
                                 f"correct the labels, or classify the posts again (wbcs predict)")

    def relabel(self, col: str, ids: dict[str, str]) -> None:
        """Read column ``col``'s values in ``ids`` (a spelling → the label's id) as those ids in every later query."""
        if ids:
            case = f"CASE CAST({_q(col)} AS VARCHAR) {' '.join(f'WHEN {_lit(v)} THEN {_lit(i)}' for v, i in ids.items())} " \
                   f"ELSE CAST({_q(col)} AS VARCHAR) END"
            self.scan, self.numbered = (f"(SELECT * REPLACE ({case} AS {_q(col)}) FROM {self.scan})",
                                        f"(SELECT * REPLACE ({case} AS {_q(col)}) FROM {self.numbered})")
            self.types[col] = "VARCHAR"

    def flag(self, col: str) -> str:
        """SQL reading yes/no column ``col`` as the pandas engine reads it (``read_flags``: booleans, 1/0,
        true/false, 是/否, ...): ``read_flags`` itself reads the column's distinct values, and the first row
        holding a value it refuses gets its error (file and 1-based row)."""
        if self.types[col] == "BOOLEAN":
            return _q(col)
        values = [v for v in self.con.execute(f"SELECT list(DISTINCT {_q(col)}) FROM {self.scan}").fetchall()[0][0]
                  or [] if v is not None]
        read = {}
        for v in values:
            try:
                read[v] = read_flags(pd.DataFrame({col: [v]}), col).iloc[0]
            except InputError:
                file, row, value = self.first_row(f"{_q(col)} = {_lit(v)}", _q(col))
                read_flags(pd.DataFrame({col: [value], "source_file": [file], "source_row": [row + 1]}), col)
                raise  # (read_flags raised above, naming the row)
        whens = [f"WHEN {_lit(v)} THEN {str(bool(b)).lower()}" for v, b in read.items() if not pd.isna(b)]
        return f"CASE {_q(col)} {' '.join(whens)} END" if whens else "CAST(NULL AS BOOLEAN)"

    def _raise_bad(self, col: str):
        cond = "created_at IS NULL" if col == "created_at" else f"{self.us(col)} < {self.us('created_at')}"
        bad = self.first_row(cond)
        what = "column 'created_at' is empty or not a time" if col == "created_at" else \
            f"column {col!r} is before the post's created_at; fix or remove the row"
        raise InputError(f"{bad[0]}: row {bad[1] + 1}, {what}")  # 1-based, as read_posts numbers it


def report_repeats(repeats: pd.DataFrame) -> None:
    """One line on stderr for the rows ``_Archive.repeats`` found (left out of every count), naming the first,
    as ``read_posts`` says what it rejects for the pandas engine; masked (``wbcs.pii``)."""
    if len(repeats):
        r = repeats.iloc[0]
        first = f"row {r.first_row + 1}" + ("" if r.first_file == r.filename else f" of {r.first_file}")
        print(mask_pii(f"{r.filename}: row {r.file_row_number + 1}, column 'post_id': {r.post_id!r} is also the "
                       f"post_id of {first}; {len(repeats):,} row(s) rejected (duplicate id: {len(repeats):,}), "
                       f"each post counted once, at its first row; remove the repeated rows "
                       f"(wbcs ingest rejects them)"), file=sys.stderr)


def report_bad_counts(rows: pd.DataFrame) -> None:
    """One line on stderr for the rows ``_Archive.bad_counts`` found (left out of every count), naming the first,
    as ``read_posts`` says what it rejects for the pandas engine."""
    if len(rows):
        r = rows.iloc[0]
        print(mask_pii(f"{r.filename}: row {r.file_row_number + 1}, column {r.column!r}: {r.value} is not a count "
                       f"(0 to a billion); {len(rows):,} row(s) rejected (bad value: {len(rows):,}), left out of "
                       f"every count; correct the rows (wbcs ingest rejects them)"), file=sys.stderr)


def leave_out_rejected(a: _Archive, quiet: bool) -> pd.DataFrame:
    """Leave out of ``a`` the rows ``read_posts`` would reject: a bad count, then a repeated post_id (only the
    rows kept claim an id, as in ``read_posts``); said on stderr unless ``quiet``. Returns them (``filename``,
    ``file_row_number``)."""
    bad = a.bad_counts()
    a.leave_out(bad)
    repeats = a.repeats()
    if not quiet:
        report_bad_counts(bad)
        report_repeats(repeats)
    a.leave_out(repeats)
    return pd.concat([bad[["filename", "file_row_number"]], repeats[["filename", "file_row_number"]]],
                     ignore_index=True)


def check_labelled(a: _Archive, period, by) -> list[str]:
    """``by`` as a list, after checking the request and that the posts are labelled with the taxonomy's labels."""
    by = check_request([*a.columns, "post_kind"], period, by, source=a.source)
    for col in ("sentiment", "intent"):
        if col not in a.types:
            raise InputError(f"{a.source}: no {col!r} column: classify the posts first "
                             f"(wbcs predict) or use the pandas engine, which labels them with the shipped model")
    a.check_labels()
    return by


def some_posts(inner: pd.DataFrame, source: str) -> pd.DataFrame:
    """``inner`` (the inner table of all the files), refused when it counts no post, as ``read_posts`` refuses
    a file without posts for the pandas engine: an empty Parquet file was a KeyError ('met_0')."""
    if not inner["n"].sum():
        raise InputError(f"{source}: no posts; give a file (or files) with posts")
    return inner


def output_keys(a: _Archive, period: str | None, by: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(output key name → SQL, extra raw columns the inner table keeps) of a request."""
    keys = {}
    if period is not None:
        keys["period"] = f"date_trunc({_lit(period)}, make_timestamp(_c))"
    for col in by:
        keys[col] = a.kind_name() if col == "post_kind" else _q(col)
    # the summary's roll-ups need operator and topic on each inner row
    return keys, ("operator", "topic") if period is None and not by else ()


def indicators(source, *, period: str | None = None, by=None, policy: Policy | None = None,
               as_of=None, con=None, quiet: bool = False):
    """``wbcs.kpi.indicators`` computed by DuckDB over Parquet ``source`` (path, glob or list). A row with a
    count ``read_posts`` rejects, and a row whose ``post_id`` an earlier row has, are left out, and said on
    stderr unless ``quiet`` (``leave_out_rejected``)."""
    import duckdb

    policy = checks.policy(policy)
    con = con or duckdb.connect()
    a = _Archive(con, _files(source), policy)
    leave_out_rejected(a, quiet)
    by = check_labelled(a, period, by)
    as_of = a.latest() if as_of is None else local_as_of(as_of)
    keys, extra = output_keys(a, period, by)
    if by:
        a.check_size(keys, period, by)
    inner = some_posts(a.inner(keys, as_of, extra), a.source)
    quantiles = a.quantiles(keys)
    if "period" in inner:
        inner["period"] = pd.to_datetime(inner["period"])
        quantiles["period"] = pd.to_datetime(quantiles["period"])
    return masked(assemble(inner, quantiles, period=period, by=by, policy=policy, as_of=as_of), by)


def masked(result, by: list[str]):
    """``result`` (``assemble``'s) fit to leave the package. The engines read Parquet files as written, and
    a file written unmasked (``--no-mask``) holds phone numbers where the pandas engine's ``read_posts``
    would have masked them: the values a result names — the ``by`` columns of a table, the operators of a
    summary (its topics are the taxonomy's, checked) — are masked here (``wbcs.text``), on the result's few
    rows, not on the archive's."""
    if isinstance(result, pd.DataFrame):
        return mask_frame(result, columns=by)
    result["competitor_lead"] = {topic: {mask_pii(op): v for op, v in lead.items()}
                                 for topic, lead in result["competitor_lead"].items()}
    return result
