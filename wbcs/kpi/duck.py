"""The same indicators from DuckDB over Parquet files, for archives too big for pandas.

``indicators(source, ...)`` takes a Parquet path, a glob (``archive/*.parquet``) or a
list of them, and returns what ``wbcs.kpi.indicators`` returns for the same posts. One
scan builds the engines' shared inner table (posts grouped by the requested keys and a
few label columns, with the SLA threshold counts; see ``wbcs.kpi.indicators``) and, in
the same ``GROUPING SETS`` query, the response-time quantiles per output group; the
indicators are then derived by the same pandas code as the pandas engine. Business-hour
SLA clocks join a small table of duty minutes per calendar day built with
``wbcs.policy.Duty``, so the calendar logic is not written twice. As ``read_posts`` does for the
pandas engine, the rows it rejects (``_Archive.screen``: an empty text, a time out of range, an empty
``created_at`` whose ``post_id`` is no Weibo mid, a reply or resolution before its post, a count it refuses, a
complaint or identifiable that is no yes/no, a label outside the taxonomy) and a row whose ``post_id`` an earlier row has (``_Archive.repeats``) are left out
and said; an empty ``created_at`` is the time of the post's mid, as ``wbcs ingest`` gives it (``times_from_mids``);
the yes/no labels are read as ingest reads them ('是', True are 'yes': ``YES_NO``), and so is ``satisfied``
(``_Archive.flag``; a value it does not read is unknown, as ingest leaves it). A time before 1992 is read with Beijing's summer time of 1986-91, as
pandas reads it (``FIXED_SINCE``).
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections import Counter
from functools import cache

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.columns import DATETIMES
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.io.ingest import (
    BEFORE_POST,
    MAX_COUNT,
    NEUTRAL,
    SHOWN_REJECTS,
    as_bool,
    as_code,
    label_id,
    label_maps,
    no_posts_error,
    satisfied_unreadable_note,
    satisfied_value,
)
from wbcs.io.times import EARLIEST, LATEST, OUT_OF_RANGE
from wbcs.kpi.indicators import (
    DAY,
    FLAGS,
    LABELS,
    QUANTILES,
    STAGES,
    SUMS,
    assemble,
    check_request,
    edge_periods,
    kinds_of,
    local_as_of,
    own,
    table_periods,
    thresholds,
)
from wbcs.kpi.labels import NEEDED
from wbcs.policy import Policy
from wbcs.schema import operator_code, platform_code
from wbcs.text import BLANK, mask_frame, mask_pii
from wbcs.triage import KIND_RULES
from wbcs.weibo import MENTIONS, NAMES_OPERATOR, OPERATOR_WORDS, mentions, mid_to_datetime

# Beijing wall-clock time as integer microseconds: UTC + 8 h. Asia/Shanghai has kept this
# fixed offset since its last summer time ended on 1991-09-15 (tz database), and integer arithmetic
# is about ten times faster in DuckDB than ICU's zone conversion on every row; a time before FIXED_SINCE
# (1986-91 had summer time, +9 h, which the pandas engine applies) is converted with the zone.
OFFSET_US = int(pd.Timestamp("2020-01-01", tz=TIMEZONE).utcoffset() / pd.Timedelta(microseconds=1))
FIXED_SINCE = pd.Timestamp("1992-01-01", tz=TIMEZONE)
DAY_US = 86_400_000_000
MINUTE_US = 60_000_000


def _us(minutes):
    """Minutes (a number or an array) as whole microseconds."""
    return np.rint(np.asarray(minutes, dtype=float) * MINUTE_US).astype(np.int64)
# local µs columns in the SQL, beside the posts' own columns: named apart from them (a file's column '_c' was read
# as the posts' times, silently: DuckDB takes the first of two columns of one name)
US = {"created_at": own("c"), "reply_at": own("r"), "resolved_at": own("s")}
C, R = US["created_at"], US["reply_at"]
REPEATS = ["filename", "file_row_number", "post_id", "first_file", "first_row"]  # Archive.repeats' columns
REJECTS = ["filename", "file_row_number", "reason", "detail"]  # Archive.screen's rejected rows
MID_TIMES = ["filename", "file_row_number", "_mid_us"]  # Archive.screen's times of posts from their mids
# ingest's reasons (wbcs.io.ingest), in the order it checks a row: a row is rejected for the first that applies
EMPTY_TEXT, NO_TIME, BAD_MID, BAD_VALUE = "empty text", "no time", "implausible mid time", "bad value"
# ingest's empty text (wbcs.text.has_text) in SQL, from the same set (BLANK): the code points a text of no text can
# start with, and a character that makes it a text, in RE2's syntax (whose \s is ASCII only)
_BLANK_STARTS = ", ".join(str(c) for lo, hi in BLANK for c in range(lo, hi + 1))
_VISIBLE = "[^" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in BLANK) + "]"
# the yes/no labels ingest reads (``as_bool``: yes/no, 是/否, true/false, 1/0, booleans) as 'yes'/'no', as the routes
# compare them, and rejects otherwise, before the taxonomy's labels; read here as there, or a complaint '是' was no
# complaint to this engine and a complaint to the pandas engine
YES_NO = ("identifiable", "complaint")
FLOATS = ("FLOAT", "DOUBLE")
NUMBERS = (*FLOATS, "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
           "UBIGINT", "UHUGEINT")
_TABLES = itertools.count()  # names of the tables registered per archive
# The repeated rows of the archives read last, by their files' (path, size, modification time): the check scans
# every id (10 M posts: 1.91 s → 4.09 s for weekly × topic), and the same archive is asked for its summary and
# its table in one command, or again from a notebook. A file written since is another key.
_REPEATS_SEEN: dict[tuple, pd.DataFrame] = {}
_SCREENED: dict[tuple, tuple[pd.DataFrame, pd.DataFrame]] = {}  # the same for Archive.screen (1 M posts: ~0.1 s)


def times_from_mids(post_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """What ``wbcs ingest`` makes of a post without ``created_at``: the time its ``post_id`` carries as a Weibo mid
    (``wbcs.weibo.mid_to_datetime``, Beijing time), and, where it gives none, why: ``NO_TIME`` (no id, or one that
    is no mid) or ``BAD_MID`` (a time before Weibo or in the future). ``(times, why)``, ``why`` None where the
    time is the mid's. The archive engines read an empty ``created_at`` with it, as ``read_posts`` reads it for
    the pandas engine."""
    times, plausible = mid_to_datetime(post_ids.astype("string").str.strip())
    why = np.select([times.isna().to_numpy(), ~plausible.to_numpy(dtype=bool)], [NO_TIME, BAD_MID], None)
    return times.where(plausible), pd.Series(why, index=post_ids.index, dtype=object)


def _stamp(file: str) -> tuple[int, int]:
    st = os.stat(file)
    return st.st_size, st.st_mtime_ns


def _per_state(seen: dict, files: list[str], compute):
    """``compute()``, kept in ``seen`` per state of ``files`` (their paths, sizes and modification times): a command
    asks twice (the summary, then the table), a notebook again; the last 8 states are kept."""
    key = tuple((f, *_stamp(f)) for f in files)
    if key not in seen:
        if len(seen) >= 8:
            seen.pop(next(iter(seen)))
        seen[key] = compute()
    return seen[key]


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

    def _count_checks(self) -> dict[str, str]:
        """Per count column, SQL true where ``read_posts`` refuses the count: negative, over a billion, not whole
        (2.5), infinite, or true/false. Counted, an infinite author_followers made the reach Infinity (invalid
        JSON) and a negative one lowered it. A count column of text ('1.2万', 'many') is refused in one line:
        ``read_posts`` reads its forms, which ``wbcs ingest`` writes as whole numbers for this engine."""
        bad = {}
        for c in (c for c in SUMS.values() if c in self.types):
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
        return bad

    def label_values(self) -> dict[str, dict]:
        """Per label column (the yes/no labels ``YES_NO``, then ``label_maps``' fields, in ingest's order), each
        value it holds (as text) → the label ``read_posts`` reads it as (``label_id``: COMPLAINT, 投诉 and
        ' Complaint' are complaint; ``as_bool``: 是, YES and true are yes), None for one it rejects."""
        spellings = label_maps()
        fields = [f for f in (*YES_NO, *spellings) if f in self.types]
        if not fields:
            return {}
        # each value as it is (a BOOLEAN true, a 1.0, a '是') and as the text later queries compare
        seen = self.con.execute("SELECT " + ", ".join(
            f"list(DISTINCT CAST({_q(f)} AS VARCHAR))" if f in spellings else
            f"list(DISTINCT struct_pack(v := {_q(f)}, t := CAST({_q(f)} AS VARCHAR)))" for f in fields)
            + f" FROM {self.scan}").fetchall()[0]
        out = {}
        for f, values in zip(fields, seen, strict=True):
            if f in spellings:
                out[f] = {v: label_id(spellings[f], v) for v in values or [] if v is not None}
            else:
                out[f] = {v["t"]: {True: "yes", False: "no"}.get(as_bool(v["v"])) for v in values or []
                          if v["v"] is not None}
        return out

    def screen(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``_screen`` of the archive as read (before ``leave_out``), kept per state of its files (``_per_state``)."""
        rejects, times = _per_state(_SCREENED, self.files, self._screen)
        return rejects.copy(), times.copy()

    def _screen(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(rejects, mid_times)``: the rows ``read_posts`` rejects for the pandas engine (``REJECTS``: the first
        reason in ingest's order, in its words, and what is wrong), and the times it gives the posts without a
        ``created_at`` from their mids (``MID_TIMES``: local microseconds; ``times_from_mids``). The checks: an
        empty text, a time out of range, an empty created_at, a count it refuses (``_count_checks``), a label it
        does not read (``label_values``); one scan returns the rows that fail those that hold somewhere. Counted,
        such a row made this engine's figures differ from the pandas engine's; refused, it stopped the command
        where ``read_posts`` leaves it out and says so."""
        checks = []  # (reason, SQL true where it applies, SQL of the value the detail shows, detail)
        if "text" in self.types:
            # only a text that starts with a blank character can be blank: the search alone on every text cost a
            # quarter more (1 M posts: 0.15 s, 0.12 s with this test first)
            text = "CAST(text AS VARCHAR)"
            checks.append((EMPTY_TEXT, f"text IS NULL OR {text} = '' OR (unicode({text}) IN ({_BLANK_STARTS}) "
                           f"AND NOT regexp_matches({text}, {_lit(_VISIBLE)}))", "NULL", "column 'text' is empty"))
        for col in self.times:  # created_at first, then its mid, then the others, as ingest checks them
            # bounds of the column's type, which DuckDB checks against the Parquet statistics, not row by row
            lo, hi = (f"CAST({_lit(t.isoformat() if self.zoned(col) else t.tz_localize(None).isoformat())} AS "
                      f"{'TIMESTAMPTZ' if self.zoned(col) else 'TIMESTAMP'})" for t in (EARLIEST, LATEST))
            checks.append((OUT_OF_RANGE, f"{_q(col)} < {lo} OR {_q(col)} >= {hi}",
                           f"CAST({_q(col)} AS VARCHAR)", f"column {col!r}: {{}} is out of range (1990 to 2099)"))
            if col == "created_at":
                checks.append((NO_TIME, "created_at IS NULL",
                               "CAST(post_id AS VARCHAR)" if "post_id" in self.types else "NULL", None))
            elif "created_at" in self.times:  # a reply or resolution before its post, as ingest rejects it
                shown = [f"strftime(make_timestamp({self.us(c)}), '%Y-%m-%d %H:%M:%S')" for c in (col, "created_at")]
                checks.append((BEFORE_POST, f"{self.us(col)} < {self.us('created_at')}",
                               f"{shown[0]} || ' is before the post''s created_at ' || {shown[1]}",
                               f"column {col!r}: {{}}"))
        for col, cond in self._count_checks().items():
            checks.append((BAD_VALUE, cond, f"CAST({_q(col)} AS VARCHAR)",
                           f"column {col!r}: {{}} is not a count (0 to a billion)"))
        for col, ids in self.label_values().items():
            if unknown := [v for v, i in ids.items() if i is None]:
                checks.append((BAD_VALUE, f"CAST({_q(col)} AS VARCHAR) IN ({', '.join(map(_lit, unknown))})",
                               f"CAST({_q(col)} AS VARCHAR)",
                               f"column {col!r}: {{!r}} is " + ("not yes/no" if col in YES_NO else "not a label")))
        # each check alone first: most hold nowhere, and DuckDB answers them from the Parquet statistics, where
        # their OR was half a second on 1 M posts
        checks = [c for c in checks if self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {self.scan} WHERE {c[1]})"
                                                        ).fetchone()[0]]
        if not checks:
            return pd.DataFrame(columns=REJECTS), pd.DataFrame(columns=MID_TIMES)
        rows = self.con.execute(
            "SELECT " + ", ".join(["filename", "file_row_number", *(
                f"coalesce({cond}, false) AS _k{i}, {value} AS _v{i}" for i, (_, cond, value, _) in enumerate(checks))])
            + f" FROM {self.numbered} WHERE {' OR '.join(f'({c[1]})' for c in checks)} ORDER BY {self.order}").df()
        hit = rows[[f"_k{i}" for i in range(len(checks))]].to_numpy(dtype=bool, copy=True)
        reason = np.empty(hit.shape, dtype=object)
        detail = np.empty(hit.shape, dtype=object)
        for i, (why, _, _, template) in enumerate(checks):
            reason[:, i] = why
            if template is not None:
                detail[:, i] = [template.format(v) for v in rows[f"_v{i}"]]
        mid_us = pd.Series(np.nan, index=rows.index)
        if (m := next((i for i, c in enumerate(checks) if c[0] == NO_TIME), None)) is not None:
            empty = hit[:, m].copy()  # (a view would change with the next line)
            times, why = times_from_mids(rows.loc[empty, f"_v{m}"])
            hit[empty, m] = why.notna().to_numpy()  # a post with its mid's time is no reject for its time
            reason[empty, m] = why.to_numpy()
            detail[empty, m] = [f"column 'created_at' is empty and post_id {v!r} is not a Weibo mid to decode it from"
                                if w == NO_TIME else f"column 'created_at' is empty and post_id {v} decodes to no "
                                f"time Weibo had (before 2009-08, or in the future)"
                                for v, w in zip(rows.loc[empty, f"_v{m}"], why, strict=True)]
            mid_us[empty] = (times.dt.tz_localize(None) - pd.Timestamp(0)) // pd.Timedelta(microseconds=1)
        out, first = hit.any(axis=1), hit.argmax(axis=1)
        at = np.arange(len(rows))
        rejects = pd.DataFrame({"filename": rows["filename"], "file_row_number": rows["file_row_number"],
                                "reason": reason[at, first], "detail": detail[at, first]})[out]
        times = rows.assign(_mid_us=mid_us)[~out & mid_us.notna().to_numpy()][MID_TIMES]
        return rejects.reset_index(drop=True), times.astype({"_mid_us": "int64"}).reset_index(drop=True)

    def fill_times(self, times: pd.DataFrame) -> _Archive:
        """The archive with the posts of ``times`` (``screen``'s times from their mids) at those times in every
        later query, in its ``created_at``'s type (naive is Beijing time)."""
        if len(times):
            table = f"wbcs_mid_times_{next(_TABLES)}"
            self.con.register(table, times[MID_TIMES])
            # the local time as the instant it is (a cast of a naive time to TIMESTAMPTZ_NS ignores the session's
            # zone: 8 h late), or as it is, naive
            time = f"(make_timestamp(_mid_us - {OFFSET_US}) AT TIME ZONE 'UTC')" if self.zoned("created_at") else \
                "make_timestamp(_mid_us)"
            time = f"CAST({time} AS {self.types['created_at']})"
            self.numbered = (f"(SELECT * EXCLUDE (_mid_us) REPLACE (coalesce(created_at, {time}) AS created_at) "
                             f"FROM {self.numbered} LEFT JOIN {table} USING (filename, file_row_number))")
            self.scan = f"(SELECT * EXCLUDE (filename, file_row_number) FROM {self.numbered})"
        return self

    def repeats(self) -> pd.DataFrame:
        """The rows whose ``post_id`` an earlier row (in the files' order) already has, with that first row
        (``REPEATS``), as ``read_posts`` rejects them for the pandas engine: counted twice, a post inflates
        every count. A check of the archive's ids (their count against the count of their distinct 64-bit
        hashes, cheaper in time and memory than of the ids: a collision only costs the next query), then,
        only when some repeat, a scan of the repeated ids' rows."""
        if "post_id" not in self.types:
            return pd.DataFrame(columns=REPEATS)
        return _per_state(_REPEATS_SEEN, self.files, self._repeats).copy()

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

    def zoned(self, col: str) -> bool:
        """Whether time column ``col`` holds instants (TIMESTAMPTZ), not naive (local) times."""
        return "TZ" in self.types[col] or "TIME ZONE" in self.types[col]

    def us(self, col: str, value: str | None = None) -> str:
        """Local wall-clock microseconds of a datetime column (naive = already local)."""
        value = value or _q(col)
        if self.zoned(col):
            t = f"CAST({value} AS TIMESTAMPTZ)"
            return (f"(CASE WHEN {t} < CAST({_lit(FIXED_SINCE.isoformat())} AS TIMESTAMPTZ) "
                    f"THEN epoch_us(timezone({_lit(TIMEZONE)}, {t})) ELSE epoch_us({t}) + {OFFSET_US} END)")
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

    def kind_name(self, rules=None) -> str:
        """The post kind (by the kind ``rules``, ``wbcs.kpi.indicators.kinds_of``; None: ``KIND_RULES``) as SQL.
        Cells compare as text, as the pandas engine and triage compare them: DuckDB reads 'yes' as true against a
        BOOLEAN column, which pandas' "yes" never equals."""
        whens = []
        for rule, kind in KIND_RULES if rules is None else rules:
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
        # (its columns are joined beside the posts' columns and the keys: named apart from them, as US)
        self.con.register("wbcs_duty_days", pd.DataFrame({
            own("day"): days.to_numpy().astype("datetime64[D]").astype(np.int64),
            own("cum"): _us(duty.business_minutes(start[:1].repeat(len(days)), start)),
            own("bus"): duty.on_duty(start + pd.Timedelta(hours=duty.start.hour, minutes=duty.start.minute)
                                ).astype(np.int64),
        }))
        self.now_business = int(_us(duty.business_minutes(start[:1], pd.DatetimeIndex([as_of]).tz_localize(TIMEZONE)))[0])
        return "wbcs_duty_days"

    def _f(self, alias: str, us: str) -> str:
        """Duty microseconds from the first day to the time ``us`` (Duty.business_minutes' F)."""
        duty = self.policy.duty
        start = (duty.start.hour * 60 + duty.start.minute) * MINUTE_US
        return (f"({alias}.{own('cum')} + {alias}.{own('bus')} * least(greatest(({us} % {DAY_US}) - {start}, 0), "
                f"{int(_us(duty.minutes_per_day))}))")

    def threshold_counts(self, as_of: pd.Timestamp) -> tuple[list[str], str]:
        """``met_i`` / ``late_i`` aggregates for each distinct SLA limit, and the joins the
        business clocks need."""
        if "intent" not in self.types or as_of is None:
            return [], ""
        limits = thresholds(self.policy)
        days = self._days(as_of) if any(clock == "business" for _, clock, _ in limits) else None
        joins = f" LEFT JOIN {days} d_c ON d_c.{own('day')} = {C} // {DAY_US}" if days else ""
        now_us = (as_of - pd.Timestamp(0)) // pd.Timedelta(microseconds=1)
        out = []
        for i, (stage, clock, minutes) in enumerate(limits):
            col = STAGES[stage]
            if col not in self.types:
                continue
            done = US[col]
            if clock == "calendar":  # integer µs, as the business clock: no float rounding at the limit
                limit = int(_us(minutes))
                to_done, waited = f"{done} - {C}", f"{now_us} - {C}"
            else:
                alias = f"d_{col}"
                if alias not in joins:
                    joins += f" LEFT JOIN {days} {alias} ON {alias}.{own('day')} = {done} // {DAY_US}"
                limit = int(_us(minutes))
                # every time has its day in the table (_days): no NULL reaches greatest(), which would skip it
                to_done = f"greatest({self._f(alias, done)} - {self._f('d_c', C)}, 0)"
                waited = f"greatest({self.now_business} - {self._f('d_c', C)}, 0)"
            # done by as_of, as the pandas engine reads it: an outcome after as_of is not known then
            met = f"{done} IS NOT NULL AND {done} <= {now_us} AND {to_done} <= {limit}"
            out.append(f"{count_where(met)} AS {own(f'met_{i}')}")
            out.append(f"{count_where(f'NOT coalesce({met}, FALSE) AND {waited} > {limit}')} AS {own(f'late_{i}')}")
        return out, joins

    def inner(self, keys: dict[str, str], as_of, extra: tuple[str, ...] = ()) -> pd.DataFrame:
        """The inner table; ``keys`` are the output keys (name → SQL over the raw columns
        and ``US``' local times), ``extra`` more raw columns to keep in it as keys. Raises
        ``InputError`` naming file and row for impossible times."""
        keys = {**keys, **{k: _q(k) for k in extra if k in self.types}}
        inner = {own(k): _q(k) for k in LABELS if k in self.types}
        if "satisfied" in self.types:
            inner[own("satisfied")] = self.flag("satisfied")
        inner.update({own(f): f"({US[c]} IS NOT NULL)" for f, c in FLAGS.items() if c in self.types})
        # NaN is an empty cell, and 3.0000001 is 3, as read_posts reads them (bad_counts left out the rest)
        sums = [f"sum(round(nullif(CAST({_q(col)} AS DOUBLE), 'nan'))) AS {own(name)}" for name, col in SUMS.items()
                if col in self.types]
        counts, joins = self.threshold_counts(as_of)
        bad = {c: own(f"bad_{c}") for c in ("reply_at", "resolved_at") if c in self.types}
        checks = [f"{count_where(f'{US[c]} < {C}')} AS {name}" for c, name in bad.items()]
        n = f"count(*) AS {own('n')}"
        times = ", ".join(f"{self.us(c)} AS {u}" for c, u in self.times.items())
        names = [_q(k) for k in {**keys, **inner}]
        select = [f"{expr} AS {_q(name)}" for name, expr in {**keys, **inner}.items()]
        clash = [_q(k) for k in {**keys, **inner} if k in self.types]
        rest = f"src0.* EXCLUDE ({', '.join(clash)})" if clash else "src0.*"
        rows = self.con.execute(
            f"WITH src0 AS (SELECT *, {times} FROM {self.scan}), "
            f"src AS (SELECT {', '.join(select + [rest])} FROM src0) "
            f"SELECT {', '.join(names + [n] + sums + counts + checks)} FROM src{joins}"
            + (f" GROUP BY {', '.join(names)}" if names else "")).df()
        for c, b in bad.items():  # (an empty created_at was left out or filled in: screen)
            if rows[b].sum():
                self._raise_bad(c)
        return rows.drop(columns=list(bad.values()))

    def quantiles(self, keys: dict[str, str]) -> pd.DataFrame:
        """Response-time quantiles per output group, both from one sort, in a narrow scan
        (inside the main query they would be sorted per inner group too: twice the work)."""
        if "reply_at" not in self.types:
            return pd.DataFrame(columns=list(keys))
        names = [_q(k) for k in keys]
        select = [f"{expr} AS {_q(name)}" for name, expr in keys.items()]
        quantile = f"quantile_cont(({R} - {C}) / 60e6, {list(QUANTILES.values())}) AS {own('q')}"
        out = self.con.execute(
            f"WITH src0 AS (SELECT *, {self.us('created_at')} AS {C}, {self.us('reply_at')} AS {R} "
            f"FROM {self.scan}), src AS (SELECT {', '.join([*select, C, R])} FROM src0) "
            f"SELECT {', '.join(names + [quantile])} FROM src"
            + (f" GROUP BY {', '.join(names)}" if names else "")).df()
        values = out.pop(own("q"))
        for j, name in enumerate(QUANTILES):
            out[name] = [v[j] if isinstance(v, (list, np.ndarray)) else np.nan for v in values]
        return out

    def daily(self, keys: dict[str, str], edges: list[pd.Timestamp]) -> pd.DataFrame:
        """The posts per ``by`` group of the output ``keys`` and day (``DAY``) of the periods starting at ``edges``
        (``wbcs.kpi.indicators.edge_periods``): what a like-for-like volume change needs."""
        by = {k: expr for k, expr in keys.items() if k != "period"}
        names = [*map(_q, by), DAY]
        select = [*(f"{expr} AS {_q(k)}" for k, expr in by.items()), f"date_trunc('day', make_timestamp({C})) AS {DAY}"]
        starts = ", ".join(f"CAST({_lit(str(t))} AS TIMESTAMP)" for t in edges)
        return self.con.execute(
            f"WITH src0 AS (SELECT *, {self.us('created_at')} AS {C} FROM {self.scan}), "
            f"src AS (SELECT {', '.join(select)} FROM src0 WHERE {keys['period']} IN ({starts})) "
            f"SELECT {', '.join(names)}, count(*) AS {own('n')} FROM src GROUP BY {', '.join(names)}").df()

    def check_size(self, keys: dict[str, str], period: str | None, by: list[str]) -> None:
        """Refuse a table too big to build (``table_periods``) before it is computed: one scan of the ``by``
        columns for their distinct groups and of created_at for its first and last time."""
        select = ", ".join(f"{keys[k]} AS {_q(k)}" for k in by)
        groups, first, last = self.con.execute(
            f"WITH src AS (SELECT {select}, {self.us('created_at')} AS {C} FROM {self.scan}) "
            f"SELECT (SELECT count(*) FROM (SELECT DISTINCT {', '.join(map(_q, by))} FROM src)), min({C}), max({C}) "
            f"FROM src").fetchall()[0]
        if groups:
            table_periods(groups, pd.Series(pd.to_datetime([first, last], unit="us")), period, by)

    def check_labels(self) -> None:
        """Read the labels in every spelling ``read_posts`` reads (``relabel``: COMPLAINT, 投诉 are complaint; the
        pandas engine counted such posts where this one refused them), and refuse a post without a sentiment or an
        intent, naming its file and 1-based row. A value that is no label is left out before (``screen``), as
        ``read_posts`` rejects it."""
        for field, ids in self.label_values().items():
            self.relabel(field, {v: i for v, i in ids.items() if i is not None and i != v})
        needed = [f for f in NEEDED if f in self.types]
        if not needed:
            return
        empty = self.con.execute("SELECT " + ", ".join(f"count(*) - count({_q(f)})" for f in needed)
                                 + f" FROM {self.scan}").fetchall()[0]
        # the pandas engine labels such posts with the shipped model (ensure_labels); counted here they were posts
        # without a sentiment, silently, and the engines gave different figures
        for field, n in zip(needed, empty, strict=True):
            if n:
                file, at = self.first_row(f"{_q(field)} IS NULL")
                raise InputError(f"{file}: row {at + 1}, column {field!r}: no label ({n:,} post(s) in all without "
                                 f"one): classify the posts first (wbcs predict), or use the pandas engine, which "
                                 f"labels them with the shipped model")

    def read_names(self) -> None:
        """Read operators and platforms as ``read_posts`` reads them (``wbcs.io.ingest.read_operators``): a name
        for one (中国移动, CMCC; 新浪微博, weibo) as its code, and an empty operator (every one, without the column)
        as the operator the text names (``operator_of``'s patterns in SQL: ``fill_operators``, on each post, or on
        each distinct text when the texts repeat). Compared as
        written, one operator written two ways was two in competitor_lead, where the pandas engine had one."""
        for col, code in (("operator", operator_code), ("platform", platform_code)):
            if col in self.types:
                values = self.con.execute(f"SELECT list(DISTINCT CAST({_q(col)} AS VARCHAR)) FROM {self.scan}"
                                          ).fetchall()[0][0] or []
                # a blank cell is an empty one to read_posts (wbcs.io.read): an operator to read from the text
                self.relabel(col, {v: as_code(v, code) if v.strip() else None for v in values
                                   if v is not None and (not v.strip() or as_code(v, code) != v)})
        if "text" not in self.types:
            return
        if "operator" not in self.types:
            self.scan, self.numbered = (f"(SELECT *, CAST(NULL AS VARCHAR) AS operator FROM {self.scan})",
                                        f"(SELECT *, CAST(NULL AS VARCHAR) AS operator FROM {self.numbered})")
            self.types["operator"] = "VARCHAR"
            self.columns.append("operator")
        text = "CAST(text AS VARCHAR)"
        # no regex here: one over every post cost as much as the fill itself (0.29 s of 200,000 STC-3 posts)
        posts, texts = self.con.execute(f"SELECT count(*), approx_count_distinct({text}) FROM {self.scan} "
                                        f"WHERE operator IS NULL").fetchone()
        if texts * 2 > posts:
            # texts mostly distinct, as an export's are: each post's in SQL, in DuckDB's threads (operator_of on each
            # distinct text in Python, joined back on the text, took 1.4-2× the pandas engine's time for 200,000)
            if self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {self.scan} WHERE operator IS NULL AND "
                                f"{names_operator(text)})").fetchone()[0]:
                self.scan, self.numbered = fill_operators(self.scan), fill_operators(self.numbered)
        elif posts:  # each text many times over (copies of one post): each once, joined back on the text
            # the distinct texts in a table first: in one query DuckDB pushed the regexes below the DISTINCT, onto
            # every post (200,000 posts of 3,700 texts: 0.94-1.02× the pandas engine's time, so 0.17-0.26×)
            table = f"wbcs_text_operators_{next(_TABLES)}"
            self.con.execute(f"CREATE TEMP TABLE {table} AS SELECT DISTINCT {text} AS text, CAST(NULL AS VARCHAR) "
                             f"AS operator FROM {self.scan} WHERE operator IS NULL")
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT text AS {own('text')}, operator AS "
                             f"{own('op')} FROM {fill_operators(table)} WHERE operator IS NOT NULL")
            fill = (f"SELECT p.* REPLACE (coalesce(p.operator, o.{own('op')}) AS operator) FROM {{}} AS p "
                    f"LEFT JOIN {table} AS o ON o.{own('text')} = CAST(p.text AS VARCHAR)")
            self.scan, self.numbered = f"({fill.format(self.scan)})", f"({fill.format(self.numbered)})"

    def relabel(self, col: str, ids: dict[str, str]) -> None:
        """Read column ``col``'s values in ``ids`` (a spelling → the label's id, None: empty) as those ids in every
        later query."""
        if ids:
            then = {v: "NULL" if i is None else _lit(i) for v, i in ids.items()}
            case = f"CASE CAST({_q(col)} AS VARCHAR) {' '.join(f'WHEN {_lit(v)} THEN {t}' for v, t in then.items())} " \
                   f"ELSE CAST({_q(col)} AS VARCHAR) END"
            self.scan, self.numbered = (f"(SELECT * REPLACE ({case} AS {_q(col)}) FROM {self.scan})",
                                        f"(SELECT * REPLACE ({case} AS {_q(col)}) FROM {self.numbered})")
            self.types[col] = "VARCHAR"

    def satisfied_values(self) -> dict[str, bool | None]:
        """Each ``satisfied`` value (as text) → how ``read_posts`` reads it (``satisfied_value``: booleans, 1/0,
        true/false, 是/否, 非常满意, ...), None for one it does not read: unknown, as ``read_posts`` leaves it."""
        if "satisfied" not in self.types or self.types["satisfied"] == "BOOLEAN":
            return {}
        values = self.con.execute(f"SELECT list(DISTINCT struct_pack(v := satisfied, t := CAST(satisfied AS "
                                  f"VARCHAR))) FROM {self.scan}").fetchall()[0][0] or []
        # a blank cell is an empty one to read_posts (wbcs.io.read): NULL here, read as no value (no WHEN in flag)
        out = {v["t"]: satisfied_value(v["v"]) for v in values if v["v"] is not None and v["t"].strip()}
        return {t: None if b is None else bool(b) for t, b in out.items() if b is None or not pd.isna(b)}

    def satisfied_unreadable(self) -> int:
        """How many rows hold a ``satisfied`` value ``read_posts`` does not read (``satisfied_values``: None), left
        unknown and counted as ingest counts them; a survey's middle answer (``NEUTRAL``) is read, as unknown."""
        unread = [t for t, b in self.satisfied_values().items() if b is None and t.strip() not in NEUTRAL]
        return self.con.execute(f"SELECT count(*) FROM {self.scan} WHERE CAST(satisfied AS VARCHAR) IN "
                                f"({', '.join(map(_lit, unread))})").fetchall()[0][0] if unread else 0

    def flag(self, col: str) -> str:
        """SQL reading yes/no column ``col`` (``satisfied``) as the pandas engine reads it
        (``satisfied_values``); a value it does not read is NULL (unknown)."""
        if self.types[col] == "BOOLEAN":
            return _q(col)
        whens = [f"WHEN {_lit(v)} THEN {str(b).lower()}" for v, b in self.satisfied_values().items() if b is not None]
        return f"CASE CAST({_q(col)} AS VARCHAR) {' '.join(whens)} END" if whens else "CAST(NULL AS BOOLEAN)"

    def _raise_bad(self, col: str):
        bad = self.first_row(f"{self.us(col)} < {self.us('created_at')}")
        raise InputError(f"{bad[0]}: row {bad[1] + 1}, column {col!r} is before the post's created_at; fix or "
                         f"remove the row")  # 1-based, as read_posts numbers it


@cache
def _python_class(escape: str) -> str:
    """The code points Python's ``re`` matches with ``escape`` (``\\s``, ``\\w``) in a str, as the inside of an RE2
    character class: RE2's own \\s and \\w are ASCII only (移动\\w{0,4}客服 never matched 移动宽带客服 there)."""
    runs = []
    for lo, hi in ((0, 0xD800), (0xE000, 0x110000)):  # every code point but the surrogates, in one str each
        chars = np.arange(lo, hi, dtype="<u4").tobytes().decode("utf-32-le")
        runs += [(lo + m.start(), lo + m.end() - 1) for m in re.finditer(escape + "+", chars)]
    return "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in runs)


def re2(pattern: str) -> str:
    """A pattern of ``wbcs.weibo`` (literals, classes, \\s and \\w) in RE2's syntax, matching what Python matches."""
    out, inside, i = [], False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and pattern[i + 1:i + 2] in ("s", "w"):
            body = _python_class("\\" + pattern[i + 1])
            out.append(body if inside else f"[{body}]")
            i += 2
            continue
        if c == "\\":  # another escape, as it is
            out.append(pattern[i:i + 2])
            i += 2
            continue
        inside = (inside or c == "[") and not (inside and c == "]")
        out.append(c)
        i += 1
    return "".join(out)


def names_operator(text: str) -> str:
    """SQL true where the text ``text`` names an operator somewhere (``NAMES_OPERATOR``): those ``operator_of``
    may give one for."""
    return f"regexp_matches({text}, {_lit(re2(NAMES_OPERATOR))})"


def fill_operators(rows: str) -> str:
    """SQL of ``rows`` (a table with ``text`` and ``operator``) with each NULL operator ``wbcs.weibo.operator_of``
    gives its text (NULL where it gives None), from that function's patterns: the operators whose accounts the text
    @mentions (``MENTIONS``), else those its words name (``OPERATOR_WORDS``); of several, the one the words name
    first, the first in order on a tie. Only tests of a match, which RE2 answers in one pass without tracking
    groups (extracting the @mentions took twice as long), and the words' places only where several are found. Each
    pattern is written once or twice, in layers: written in every test that reads it, the exact \\w class made each
    query's SQL 100 kB, 0.3 s to plan."""
    ops, t = list(OPERATOR_WORDS), "CAST(text AS VARCHAR)"
    mentioned, accounts, found = _q(own("op_m")), [_q(own(f"op_a{k}")) for k in range(len(ops))], \
        [_q(own(f"op_f{k}")) for k in range(len(ops))]
    words = [re2(OPERATOR_WORDS[op].pattern) for op in ops]
    layers = [
        f"CASE WHEN operator IS NULL THEN regexp_matches({t}, {_lit(re2(MENTIONS))}) END AS {mentioned}",
        ", ".join(f"CASE WHEN {mentioned} THEN regexp_matches({t}, {_lit(re2(mentions(op)))}) END AS {a}"
                  for op, a in zip(ops, accounts, strict=True)),
        ", ".join(f"CASE WHEN {mentioned} THEN {a} WHEN operator IS NULL THEN regexp_matches({t}, {_lit(w)}) END AS {f}"
                  for a, w, f in zip(accounts, words, found, strict=True)),
    ]
    for layer in layers:
        rows = f"(SELECT *, {layer} FROM {rows})"
    # where the words name each first; an operator @mentioned but not named in the words goes last, as in operator_of
    at = [f"coalesce(strpos({t}, nullif(regexp_extract({t}, {_lit(w)}), '')), {2**62})" for w in words]
    first = " ".join(  # the first found that no later one found is named before
        f"WHEN {found[k]} " + "".join(f"AND (NOT {found[j]} OR {at[k]} <= {at[j]}) " for j in range(k + 1, len(ops)))
        + f"THEN {_lit(op)}" for k, op in enumerate(ops))
    fill = (f"CASE WHEN operator IS NOT NULL THEN operator WHEN {' + '.join(f'{f}::INT' for f in found)} = 1 THEN "
            f"(CASE {' '.join(f'WHEN {f} THEN {_lit(op)}' for f, op in zip(found, ops, strict=True))} END) "
            f"WHEN {' OR '.join(found)} THEN (CASE {first} END) END")
    return f"(SELECT * EXCLUDE ({', '.join([mentioned, *accounts, *found])}) REPLACE ({fill} AS operator) FROM {rows})"


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


def report_rejects(rows: pd.DataFrame) -> None:
    """One line on stderr for the rows ``_Archive.screen`` rejected (left out of every count): the first, and how
    many for each reason, as ``read_posts`` says what it rejects for the pandas engine; masked (``wbcs.pii``)."""
    if len(rows):
        r = rows.iloc[0]
        reasons = ", ".join(f"{k}: {n:,}" for k, n in Counter(rows["reason"]).items())
        print(mask_pii(f"{r.filename}: row {r.file_row_number + 1}, {r.detail}; {len(rows):,} row(s) rejected "
                       f"({reasons}), left out of every count; correct the rows (wbcs ingest rejects them)"),
              file=sys.stderr)


def all_rejected(a: _Archive, rows: pd.DataFrame) -> InputError:
    """The one line that refuses archive ``a`` when ``_Archive.screen`` rejected all its ``rows``, as ``read_posts``
    refuses such a file for the pandas engine (``no_posts_error``): how many, per reason, the first few (row, column,
    value), and the command that writes them all to a rejects file; masked (``wbcs.pii``)."""
    n = len(rows)
    shown = [f"{'' if r.filename == a.source else r.filename + ', '}row {r.file_row_number + 1}, {r.reason}: "
             f"{r.detail}" for r in rows.head(SHOWN_REJECTS).itertuples()]
    more = f"; and {n - len(shown):,} more" if n > len(shown) else ""
    files = a.files[0] if len(a.files) == 1 and mask_pii(a.files[0]) == a.files[0] else "FILES"
    s = {"read": n, "rejected": n, "empty_rows": 0, "reasons": Counter(rows["reason"])}
    return no_posts_error(mask_pii(a.source), s, mask_pii(f"{'; '.join(shown)}{more}; run 'wbcs ingest {files} "
                                                          f"--out OUT.parquet --rejects REJECTS.csv' to see them all"))


def leave_out_rejected(a: _Archive, quiet: bool, notes: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out of ``a`` the rows ``read_posts`` would reject (``_Archive.screen``; all of them: an InputError,
    ``all_rejected``), give its posts without a ``created_at`` the time of their mids (``fill_times``), then leave
    out a repeated post_id (only the rows kept claim an id, as in ``read_posts``); said on stderr unless ``quiet``,
    with the kept rows' ``satisfied`` cells left unknown (``satisfied_unreadable``), which are also added to
    ``notes`` (when given) in the words of ``read_posts``'s ``info["notes"]``. Returns the rows left out
    (``filename``, ``file_row_number``) and the times given (``MID_TIMES``): a task reading one file of the
    archive does the same with its rows of them."""
    rejects, times = a.screen()
    if len(rejects) and len(rejects) == a.con.execute(f"SELECT count(*) FROM {a.scan}").fetchall()[0][0]:
        raise all_rejected(a, rejects)
    a.leave_out(rejects).fill_times(times)
    repeats = a.repeats()
    a.leave_out(repeats)
    said = []
    if (not quiet or notes is not None) and (unread := a.satisfied_unreadable()):  # as read_posts notes it
        said.append(satisfied_unreadable_note(unread))
    if notes is not None:
        notes += said
    if not quiet:
        report_rejects(rejects)
        report_repeats(repeats)
        if said:
            print(mask_pii(f"{a.source}: " + "; ".join(said)), file=sys.stderr)
    return pd.concat([rejects[["filename", "file_row_number"]], repeats[["filename", "file_row_number"]]],
                     ignore_index=True), times


def request_columns(a: _Archive) -> list[str]:
    """The columns a request can name: the archive's, ``post_kind``, and ``operator``, which the posts' text gives
    where the archive has none (``read_names``)."""
    return [*a.columns, "post_kind", *(["operator"] if "text" in a.types and "operator" not in a.types else [])]


def check_labelled(a: _Archive, period, by) -> list[str]:
    """``by`` as a list, after checking the request and that the posts are labelled with the taxonomy's labels;
    operators and platforms read as their codes (``read_names``: an archive without operators has them too)."""
    a.read_names()
    by = check_request(request_columns(a), period, by, source=a.source)
    for col in ("sentiment", "intent"):
        if col not in a.types:
            raise InputError(f"{a.source}: no {col!r} column: classify the posts first "
                             f"(wbcs predict) or use the pandas engine, which labels them with the shipped model")
    a.check_labels()
    return by


def some_posts(inner: pd.DataFrame, source: str) -> pd.DataFrame:
    """``inner`` (the inner table of all the files), refused when it counts no post, as ``read_posts`` refuses
    a file without posts for the pandas engine: an empty Parquet file was a KeyError ('met_0')."""
    if not inner[own("n")].sum():
        raise InputError(f"{source}: no posts; give a file (or files) with posts")
    return inner


def output_keys(a: _Archive, period: str | None, by: list[str], rules=None
                ) -> tuple[dict[str, str], tuple[str, ...]]:
    """(output key name → SQL, extra raw columns the inner table keeps) of a request; ``post_kind`` by the kind
    ``rules`` (``kinds_of``)."""
    keys = {}
    if period is not None:
        keys["period"] = f"date_trunc({_lit(period)}, make_timestamp({C}))"
    for col in by:
        # satisfied as read_posts reads it (a file's 'yes'/'no' are True/False to the pandas engine); a time with its
        # zone as an instant (DuckDB gives a TIMESTAMPTZ_NS to pandas as naive UTC, a TIMESTAMPTZ in the session's zone)
        keys[col] = a.kind_name(rules) if col == "post_kind" else a.flag(col) if col == "satisfied" else \
            f"CAST({_q(col)} AS TIMESTAMPTZ)" if a.zoned(col) else _q(col)
    # the summary's roll-ups need operator and topic on each inner row
    return keys, ("operator", "topic") if period is None and not by else ()


def indicators(source, *, period: str | None = None, by=None, policy: Policy | None = None,
               as_of=None, con=None, quiet: bool = False, routes=None, notes: list[str] | None = None):
    """``wbcs.kpi.indicators`` computed by DuckDB over Parquet ``source`` (path, glob or list), the posts' kinds
    by ``routes`` as there (``kinds_of``). A row
    ``read_posts`` rejects, and a row whose ``post_id`` an earlier row has, are left out, and said on stderr
    unless ``quiet``; a post without ``created_at`` has its mid's time (``leave_out_rejected``). ``notes``: a list
    the notes of how the files were read are added to, as ``read_posts`` gives them (``info["notes"]``)."""
    import duckdb

    policy = checks.policy(policy)
    rules = kinds_of(routes)
    con = con or duckdb.connect()
    a = _Archive(con, _files(source), policy)
    leave_out_rejected(a, quiet, notes)
    by = check_labelled(a, period, by)
    given = None if as_of is None else local_as_of(as_of)  # (a later one than the last post extends its coverage)
    as_of = a.latest() if given is None else given
    keys, extra = output_keys(a, period, by, rules)
    if by:
        a.check_size(keys, period, by)
    inner = some_posts(a.inner(keys, as_of, extra), a.source)
    quantiles = a.quantiles(keys)
    if "period" in inner:
        inner["period"] = pd.to_datetime(inner["period"])
        quantiles["period"] = pd.to_datetime(quantiles["period"])
    daily = a.daily(keys, edge_periods(inner["period"], period)) if period is not None else None
    return masked(assemble(inner, quantiles, period=period, by=by, policy=policy, as_of=as_of, rules=rules,
                           daily=daily, covered_to=given), by)


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
