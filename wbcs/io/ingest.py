"""Ingest: real exports in, one validated posts table and a rejects table out.

``ingest(paths)`` maps headers to the schema (``wbcs.io.headers``, or an explicit
``mapping``), checks every row, and returns the valid posts plus a rejects table with a
reason for every row it could not use; ``ingest_to(paths, out, rejects)`` does the same
chunk by chunk straight into files (memory stays flat with file size: the CLI uses it).
Decisions:

- A row without ``post_id`` gets a derived id, ``"h"`` + 16 hex digits of a BLAKE2b
  hash of its (masked) text and raw time: stable across files and re-exports, so the
  same post exported twice is caught as a duplicate (a file+row id would not be). The
  hash is of the text as written out, PII masked: a hash of the raw text would let
  anyone holding the output try the hidden digits of a masked number against it.
- A row without ``created_at`` gets the time decoded from its Weibo mid
  (``time_from_mid`` is True, and the summary's ``notes`` say how many); a mid that decodes to an implausible
  time is rejected. A file with no time column whose ids are no Weibo mids (not one in its first chunk decodes
  to a plausible time: ids 1, 2, 3) is one ``InputError`` line naming its headers and ``--map created_at=``
  (for a caller without --map, ``map_option=None``: the ``wbcs ingest`` command to run with it), as is one without text.
- Times: see ``wbcs.io.times``; a time out of range (before 1990, from 2100) rejects its
  row, in ``created_at`` and every other time column; so does a ``reply_at`` or ``resolved_at`` before the post's
  ``created_at`` ("time before post"), which kpi and triage refuse (``wbcs.columns.read_times``). Weibo's relative forms (``5分钟前``,
  ``昨天 10:22``, ``5月4日 21:17``) are read against the export time: ``export_time``
  when given, else the file's modification time (the summary says which).
- Counts accept ``1,234``, ``1.2万`` and ``3亿`` up to a billion (a larger count is a
  phone or ID number in the wrong column); label columns accept the taxonomy's ids and
  Chinese names.
- ``has_phone`` is computed from the text before masking (or read back from an earlier
  ingest's output); every column but ``post_id`` is then masked unless ``mask=False``.
  Rejected rows are masked too.
- ``source_row`` is the 1-based position of the record among the file's data records
  (the header is not counted; for JSON Lines it is the line number).
- Columns that map to no schema column are kept as they are (``extra_columns`` in the summary), PII masked
  like the rest, their names too; a Parquet column keeps its type (whole numbers as Int64, yes/no as boolean;
  as text when the file gives the column two types or, masked, a number in it is a phone or ID number). Not
  kept (``ignored_columns``, and a line from ``read_posts``): a column whose header means a column the output
  has (``Text`` beside ``text``, ``text`` beside ``--map text=content``, a ``source_row`` without
  ``source_file``), which another column fills: two columns of one name, or of names Parquet and DuckDB do
  not tell apart, cannot be written. The same file given twice is refused (its rows would all be duplicates).
  A caller that never shows them reads none (``keep=False``) or only those it names (``kpi --by``),
  besides those commands read back (a label's companions: ``wbcs.kpi.labels.companion_columns``); the others are named
  (``unread_columns``), neither held nor masked.
- ``operator`` holds the codes of ``wbcs.schema.OPERATORS``: a name written for one (中国移动, 移动,
  China Mobile, CMCC) is read as its code; any other value is kept as written and counted per value in the
  summary (``unknown_operators``). An empty operator cell, or every cell when the file has no operator column,
  is filled with the operator the text names (an @mention such as @中国移动 first, ``wbcs.weibo.operator_of``),
  counted (``operators_from_text``).
- ``platform`` holds the codes of ``wbcs.schema.PLATFORMS`` as ``operator`` does (新浪微博, Sina Weibo, weibo are
  sina_weibo); any other value is kept as written and counted per value (``unknown_platforms``).
- Rows of only empty cells are no posts: skipped, and counted in the summary
  (``empty_rows``).
- ``satisfied`` reads yes/no words and a survey's (``SURVEY``: 非常满意 yes, 一般 unknown, 不满意 no); a cell it
  still cannot read leaves the post's ``satisfied`` unknown, counted (``satisfied_unreadable``), not rejected.
- An .xlsx workbook's sheets with the first one's columns are all read (``wbcs.io.read``); the rows of a workbook of
  several sheets name their sheet in ``source_file`` ("file.xlsx, sheet 6月"), and rejects and duplicates with it.
- The summary's ``notes`` (per file) say in words what a person must know of how it was read: times decoded from
  mids, sheets skipped and why, formula cells read as their text, satisfied cells left unknown.
- Unless ``mask=False``, file and column names are masked too, wherever they leave:
  the summary, the rejects' header, the progress bar, ``read_posts``' lines.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.columns import local_times
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.io.headers import (
    EXTRA_COLUMNS,
    HEADER_ALIASES,
    TARGETS,
    header_key,
    resolve_columns,
    shown_columns,
)
from wbcs.io.read import CHUNK_ROWS, Table, open_table
from wbcs.io.times import (
    AFTER_EXPORT,
    AMBIGUOUS,
    OUT_OF_RANGE,
    UNREADABLE,
    DayMonth,
    read_time_cells,
)
from wbcs.io.times import export_time as export_time_of
from wbcs.io.write import TableWriter, identity, mask_names
from wbcs.pii import mask_and_find, mask_ids, mask_pii
from wbcs.progress import bar
from wbcs.schema import (
    BOOLEAN_WORDS,
    COLUMNS,
    DATETIME_COLUMNS,
    LABEL_FIELDS,
    OPERATORS,
    PLATFORMS,
    load_taxonomy,
    operator_code,
    platform_code,
    validate_posts,
)
from wbcs.text import has_text, mask_frame
from wbcs.weibo import ip_province, mid_to_datetime, operator_of

__all__ = ["HEADER_ALIASES", "IngestResult", "ingest", "ingest_to", "no_posts_error", "read_posts"]

MAX_COUNT = 1_000_000_000
_COUNT_COLUMNS = [c.name for c in COLUMNS.values() if c.dtype == "Int64"]
REJECT_COLUMNS = ["source_file", "source_row", "reason", "detail", "raw_line"]
BEFORE_POST = "time before post"  # a reply_at or resolved_at before the post's created_at: the reason it is rejected
TRACE_COLUMNS = ["source_file", "source_row"]  # where each post was read; a wbcs output's trace to the first export
_BOOLS = {**BOOLEAN_WORDS, True: True, False: False}


@dataclass
class IngestResult:
    posts: pd.DataFrame
    rejects: pd.DataFrame
    summary: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- cells


def _parse_count(value):
    """A whole count from 0 to a billion; accepts '1,234', '1.2万', '3亿', '10万+'. None if not."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        number = float(value)
    else:
        v = str(value).strip().replace(",", "").rstrip("+")
        scale = {"万": 10_000, "亿": 100_000_000}.get(v[-1:], 1)
        try:
            number = float(v[:-1] if scale > 1 else v) * scale
        except ValueError:
            return None
    if not (0 <= number <= MAX_COUNT) or abs(number - round(number)) >= 1e-6:
        return None
    return int(round(number))


def by_unique(values: pd.Series, fn) -> pd.Series:
    """``fn`` over the non-missing values of a Series, each distinct value once (object dtype)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last slot answers missing (-1)
    results[:-1] = [fn(u) for u in uniques]
    return pd.Series(results[codes], index=values.index, dtype=object)


def as_bool(v):
    """A yes/no cell as ingest reads it (yes/no, 是/否, true/false, 1/0, booleans; any case, spaces around):
    True or False, None for what is none of them. The DuckDB engine reads a Parquet file's yes/no labels with
    it, as ``read_posts`` reads them for the pandas engine."""
    return _BOOLS.get(v.strip().lower() if isinstance(v, str) else v)


def _shown(value):
    """A value as a reject's detail shows it: a time past year 9999 (pandas holds one in seconds) as numpy's, for a
    Timestamp of it has no isoformat, which str() and format() call."""
    return value.to_datetime64() if isinstance(value, pd.Timestamp) and value.year > 9999 else value


class _Rows:
    """The rows of one chunk, each rejected at most once, with the first reason found."""

    def __init__(self, index: pd.Index):
        self.reason = pd.Series(None, index=index, dtype=object)
        self.detail = pd.Series(None, index=index, dtype=object)

    def reject(self, mask: pd.Series, reason: str, template: str, *columns: pd.Series) -> None:
        """Reject the rows of ``mask`` not rejected yet; their detail is ``template``
        formatted with their values in ``columns``."""
        new = mask.reindex(self.reason.index, fill_value=False).to_numpy(dtype=bool) & self.reason.isna().to_numpy()
        if not new.any():
            return
        index = self.reason.index[new]
        self.reason[index] = reason
        values = zip(*(c.reindex(index).tolist() for c in columns), strict=True) if columns else [()] * len(index)
        self.detail[index] = [template.format(*map(_shown, v)) for v in values]

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()


def label_maps() -> dict[str, dict[str, str]]:
    """Per label field, every spelling a reader takes (the id, the Chinese name, the English name in lower case)
    → the label's id: what ingest reads, and what the DuckDB and Dask engines read the same way."""
    tax = load_taxonomy()
    maps = {}
    for name in LABEL_FIELDS:
        if name in tax.fields:
            maps[name] = {}
            for lab in tax[name].labels:
                maps[name].update({lab.id: lab.id, lab.zh: lab.id, lab.en.lower(): lab.id})
    return maps


def label_id(spellings: dict[str, str], value) -> str | None:
    """The label id ``value`` spells (``label_maps``' field map: the id, the Chinese or the English name, any case,
    surrounding spaces), None when it spells none."""
    v = str(value).strip()
    return spellings.get(v.lower(), spellings.get(v))


def label_ids(values: pd.Series, field: str) -> pd.Series:
    """``values`` (a column of ``field``'s labels) as the label ids they spell, as ingest reads them: for a field of
    ``label_maps`` the id, the Chinese or the English name, any case, spaces around (``label_id``: 负面 and NEGATIVE
    are negative); for any other (identifiable, complaint) yes/no as ``as_bool`` reads it (是/否, true/false, 1/0).
    Object dtype, ``values``' index; None for a missing cell and for a value that spells no label: the caller keeps
    it as written or refuses it."""
    spellings = label_maps().get(field)
    if spellings is None:
        return by_unique(values, lambda v: {True: "yes", False: "no"}.get(as_bool(v)))
    return by_unique(values, lambda v: label_id(spellings, v))


class _SeenIds:
    """Post ids already kept, as 64-bit hashes in one sorted array with where each was
    first seen: 16 bytes an id, where a dict of strings costs ~150 (the memory of a
    10-million-row ingest stays small). Two distinct ids share a hash with probability
    ~n²/2⁶⁵ (10⁻⁶ for 6 million ids): then the second is reported as a duplicate."""

    def __init__(self, sources: list[str]):
        self.sources = sources
        self.keys = np.empty(0, dtype=np.uint64)
        self.where = np.empty(0, dtype=np.int64)  # file number << 40 | row

    @staticmethod
    def hashes(ids: pd.Series) -> np.ndarray:
        return np.array([int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest(), "little")
                         for i in ids], dtype=np.uint64)

    def earlier(self, keys: np.ndarray) -> list[str | None]:
        """Where each key was first seen ('FILE row N'), None for new keys."""
        pos = np.searchsorted(self.keys, keys).clip(max=max(len(self.keys) - 1, 0))
        hit = (self.keys[pos] == keys) if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return [f"{self.sources[w >> 40]} row {w & (2**40 - 1)}" if h else None
                for h, w in zip(hit, self.where[pos] if len(self.keys) else np.zeros(len(keys), dtype=np.int64),
                                strict=True)]

    def add(self, keys: np.ndarray, source: str, rows: np.ndarray) -> None:
        if source not in self.sources:  # a sheet of a workbook: a source of its own, its rows numbered in it
            self.sources.append(source)
        keys = np.concatenate([self.keys, keys])
        where = np.concatenate([self.where, (np.int64(self.sources.index(source)) << 40) | rows.astype(np.int64)])
        order = np.argsort(keys, kind="stable")
        self.keys, self.where = keys[order], where[order]


# --------------------------------------------------------------------------- one chunk


@dataclass
class _File:
    """What ingest knows about one input while it reads it."""

    no: int
    source: str  # the path, masked unless mask=False
    table: Table
    cols: dict[str, str]
    now: pd.Timestamp
    now_from: str
    mask: bool
    extras: dict[str, str] = field(default_factory=dict)  # file column kept as it is → its (masked) name
    ignored: list[str] = field(default_factory=list)  # (masked) names of the file columns not kept
    unread: list[str] = field(default_factory=list)  # file columns left unread: the caller has no use for them
    stats: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    unknown_operators: Counter = field(default_factory=Counter)
    unknown_platforms: Counter = field(default_factory=Counter)
    day_month: dict[str, DayMonth] = field(default_factory=dict)  # time column → how its 06/05/2024 dates read
    map_option: str | None = "--map"  # the caller's option that names a file's column (``_how_to_map``)


def _read_times(raw: pd.Series, col: str, f: _File) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``read_time_cells`` of a time column, its day/month order one for all the file's chunks."""
    return read_time_cells(raw, now=f.now, order=f.day_month.setdefault(col, DayMonth()))


def _settle_day_month(f: _File) -> None:
    """Settle how each time column of ``f`` reads its 06/05/2024 dates over the whole file before any row is read:
    chunk by chunk, a 13/05/2024 in a later chunk set day first after an earlier chunk's 06/05/2024 had been
    refused (or a 05/13/2024 made "both" after they had been read day first), and the summary told the last rule.
    A first pass over the file's text time columns alone (Parquet: only those read; CSV: only those decoded), a
    chunk at a time. It stops as soon as every column reads both ways, when no later cell can change a rule, and
    after the first chunk when none of its time cells is a date of that form: re-reading a file of ISO times
    whole cost ingest 15-20 % of its time (300,000 posts, the CSV split twice) for a case that needs a file
    switching to 06/05/2024 dates after its first 50,000 rows, whose later chunks then decide chunk by chunk."""
    times = {t: c for t, c in f.cols.items()
             if t in DATETIME_COLUMNS and f.table.dtypes.get(c, "object") in ("object", "string")}  # text only
    if not times:
        return
    orders = {t: f.day_month.setdefault(t, DayMonth()) for t in times}
    for i, (raw, _) in enumerate(open_table(f.table.path).chunks(list(dict.fromkeys(times.values())))):
        found = [orders[t].see(raw[c]) for t, c in times.items()]
        if all(order.rule == "both" for order in orders.values()) or (i == 0 and not any(found)):
            break


def _reject_times(rows: _Rows, problem: pd.Series, raw: pd.Series, col: str, f: _File) -> None:
    """Reject the time cells ``read_time_cells`` could not use, saying why."""
    for why in (OUT_OF_RANGE, UNREADABLE):
        rows.reject(problem == why, why, col + " {!r}", raw)
    said = f.day_month[col].said() or "no date of the column has a day or a month over 12 to tell"
    rows.reject(problem == AMBIGUOUS, AMBIGUOUS, col + " {!r} could be day or month first (" + said
                + "); write the dates year first, e.g. 2024-05-06 10:00", raw)
    rows.reject(problem == AFTER_EXPORT, AFTER_EXPORT, col + " {!r} would be after the export time "
                + f"{f.now:%Y-%m-%d %H:%M} ({f.now_from}): give the moment of the export with --export-time", raw)


def _check_chunk(raw: pd.DataFrame, f: _File, seen: _SeenIds, mask: bool, source: str) -> tuple[pd.DataFrame, _Rows]:
    """The posts of one chunk, with the rejections in the returned rows; ``source``: where its rows are (the file,
    and its sheet in a workbook of several)."""
    cols = f.cols
    rows = _Rows(raw.index)
    df = pd.DataFrame({t: raw[c].astype(object) for t, c in cols.items()}, index=raw.index)

    text = by_unique(df["text"], lambda v: v if isinstance(v, str) else str(v))
    # has_text: a text of only zero-width characters is none, as predict and the archive engines find it
    rows.reject(pd.Series(~has_text(text), index=text.index), "empty text", "no text")
    # each distinct text once: masked, and whether it held a phone number (before masking)
    found = by_unique(text, mask_and_find)
    phone = found.map(lambda f: isinstance(f, tuple) and bool(f[1] & {"mobile", "landline"})).astype(bool)
    shown = found.map(lambda f: f[0] if isinstance(f, tuple) else None) if mask else text
    df["text"] = shown

    # post ids: as text ("123.0" from a spreadsheet number becomes "123"); derived when missing
    pid = df["post_id"] if "post_id" in df else pd.Series(None, index=df.index, dtype=object)
    pid = by_unique(pid, lambda v: (str(int(v)) if isinstance(v, float) and v.is_integer()
                                     else str(v).strip()) or None)
    time_raw = df["created_at"] if "created_at" in df else pd.Series(None, index=df.index, dtype=object)
    derived = pid.isna()
    pid[derived] = ["h" + hashlib.blake2b(f"{t}\x1f{c}".encode(), digest_size=8).hexdigest()
                    for t, c in zip(shown[derived], time_raw[derived], strict=True)]
    df["post_id"] = pid

    if "created_at" not in cols and not f.stats["mids"]:  # a file's times from its ids: only if they are mids
        _, plausible = mid_to_datetime(pid[~derived])
        if len(pid) and not plausible.any():
            raise _no_time(f.source, f.table, f"its post_id column {cols['post_id']!r} holds no Weibo mid to "
                           "decode times from", f.map_option, f.now if f.now_from == "--export-time" else None)
        f.stats["mids"] += int(plausible.sum())

    # created_at: parsed from the file, else decoded from the mid
    created, problem, relative = _read_times(time_raw, "created_at", f)
    _reject_times(rows, problem, time_raw, "created_at", f)
    from_mid = time_raw.isna()
    if from_mid.any():
        decoded, plausible = mid_to_datetime(pid[from_mid])
        is_mid = decoded.notna() & ~derived[from_mid]  # a number the mid code decodes, not an id ingest made
        rows.reject(from_mid & ~is_mid.reindex(df.index, fill_value=True), "no time",
                    "created_at is empty and post_id is not a Weibo mid to decode it from")
        bad_mid = is_mid & ~plausible
        rows.reject(bad_mid.reindex(df.index, fill_value=False), "implausible mid time",
                    "post_id {} decodes to {}", pid[from_mid], decoded)
        created[from_mid] = decoded.where(plausible)
    df["created_at"] = created.where(rows.ok)
    f.stats["relative_times"] += int((relative & rows.ok).sum())

    for col in [c for c in DATETIME_COLUMNS if c in df and c != "created_at"]:
        parsed, problem, relative = _read_times(df[col], col, f)
        _reject_times(rows, problem, df[col], col, f)
        df[col] = parsed.where(rows.ok)
        # a reply or resolution before its post, as kpi and triage refuse it (wbcs.columns.read_times), and said so
        before = df[col] < df["created_at"]
        rows.reject(before, BEFORE_POST, f"column {col!r}: {{}} is before the post's created_at {{}}",
                    local_times(df[col]), local_times(df["created_at"]))
    for col in [c for c in _COUNT_COLUMNS if c in df]:
        parsed = by_unique(df[col], _parse_count)
        rows.reject(df[col].notna() & parsed.isna(), "bad value",
                    col + " {!r} is not a count (0 to a billion)", df[col])
        df[col] = pd.array(parsed.where(rows.ok), dtype="Int64")
    unread = pd.Series(False, index=df.index)
    for col in [c for c in ("satisfied", "has_phone", "time_from_mid") if c in df]:
        parsed = by_unique(df[col], as_bool if col != "satisfied" else satisfied_value)
        if col == "satisfied":  # one answer not read is no reason to lose the post from every KPI: unknown, counted
            neutral = by_unique(df[col], lambda v: str(v).strip() in NEUTRAL).astype(bool)
            unread = df[col].notna() & parsed.isna() & ~neutral
        else:
            rows.reject(df[col].notna() & parsed.isna(), "bad value", col + " {!r} is not yes/no", df[col])
        df[col] = pd.array(parsed.where(rows.ok), dtype="boolean")
    for col in [c for c in ("identifiable", "complaint") if c in df]:  # yes/no labels, as the routes compare them
        parsed = label_ids(df[col], col)
        rows.reject(df[col].notna() & parsed.isna(), "bad value", col + " {!r} is not yes/no", df[col])
        df[col] = pd.array(parsed.where(rows.ok), dtype="string")
    for col in [c for c in label_maps() if c in df]:
        parsed = label_ids(df[col], col)
        rows.reject(df[col].notna() & parsed.isna(), "bad value", col + " {!r} is not a label", df[col])
        df[col] = parsed
    for col in ("author_name", "ip_location", "client", "author_id", "province"):
        if col in df:
            df[col] = by_unique(df[col], lambda v: v if isinstance(v, str) else str(v))
    if "author_name" in df and "author_id" not in cols:  # the nickname identifies the author
        df["author_id"] = df["author_name"]
    if "ip_location" in df and "province" not in cols:
        df["province"] = by_unique(df["ip_location"], ip_province)
    if "platform" in df:  # the aggregation rules count platforms: 新浪微博, Sina Weibo and weibo are one, sina_weibo
        df["platform"] = by_unique(df["platform"], lambda v: as_code(v, platform_code))
    op, from_text = read_operators(df.get("operator"), text)
    df["operator"] = op

    # duplicates last, so that only usable rows claim an id
    ids = df.loc[rows.ok, "post_id"]
    keys = seen.hashes(ids)
    earlier = pd.Series(seen.earlier(keys), index=ids.index, dtype=object)
    first_row = pd.Series(ids.index, index=ids.index).groupby(ids.to_numpy()).transform("first")
    within = ids.duplicated(keep="first") & earlier.isna()
    earlier[within] = [f"{source} row {r}" for r in first_row[within]]
    rows.reject(earlier.notna().reindex(df.index, fill_value=False), "duplicate id",
                "post_id {!r} first seen in {}", ids, earlier)
    new = earlier.isna().to_numpy()
    seen.add(keys[new], source, ids.index.to_numpy()[new])

    df["has_phone"] = phone | (df["has_phone"].fillna(False).astype(bool) if "has_phone" in df else False)
    df["time_from_mid"] = from_mid | (df["time_from_mid"].fillna(False).astype(bool) if "time_from_mid" in df
                                      else False)
    f.stats["ids_derived"] += int(derived[rows.ok].sum())
    f.stats["satisfied_unreadable"] += int((unread & rows.ok).sum())
    f.stats["operators_from_text"] += int((from_text & op.notna() & rows.ok).sum())
    f.unknown_operators.update(op[op.notna() & ~op.isin(list(OPERATORS)) & rows.ok])
    if "platform" in df:
        plat = df["platform"]
        f.unknown_platforms.update(plat[plat.notna() & ~plat.isin(list(PLATFORMS)) & rows.ok])
    return df, rows


def read_operators(cells: pd.Series | None, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(operator, from_text)``: the ``operator`` column of posts from a file's operator ``cells`` (None: the file
    has none) and their ``text``, and where it was read from the text. The KPIs compare operators
    (competitor_lead): 移动, China Mobile and CMCC are one, china_mobile (``as_code``); where no cell gives it, the
    operator's account the post @mentions (reply drafts sign as it, KPIs group by it: ``operator_of``). The archive
    engines read a Parquet file's operators with it, as ``read_posts`` reads them for the pandas engine."""
    op = pd.Series(None, index=text.index, dtype=object) if cells is None else \
        by_unique(cells, lambda v: as_code(v, operator_code))
    from_text = op.isna()
    op[from_text] = by_unique(text[from_text], operator_of)
    return op, from_text


def as_code(value, code) -> str:
    """An operator or platform cell as its column holds it: the code ``code`` (``operator_code``,
    ``platform_code``) reads in it, else the value as written (the engines over Parquet read cells alike)."""
    return code(value) or (value if isinstance(value, str) else str(value))


# A survey's answers (a 5-level scale). DOMAIN.md: reply satisfaction = replied topics with *positive* feedback after
# the reply / replied topics. So the answers above the middle are yes, those below it no, and the middle (一般, 中立)
# is neither: left unknown (NEUTRAL, read by ingest as known words, not as unreadable cells), not counted as a no.
SURVEY = {"非常满意": True, "很满意": True, "比较满意": True, "满意": True,
          "不满意": False, "比较不满意": False, "很不满意": False, "非常不满意": False}
NEUTRAL = {"一般", "中立", "中等", "一般满意"}


def satisfied_value(v):
    """A ``satisfied`` cell as ingest reads it (``SURVEY``'s words, else ``validate_posts``): True, False, NA
    (empty), None for a value it does not read (ingest leaves it unknown). The DuckDB engine reads a Parquet file's
    cells with it, as ``read_posts`` reads them for pandas."""
    if isinstance(v, str) and v.strip() in SURVEY:
        return SURVEY[v.strip()]
    try:
        return validate_posts(pd.DataFrame({"satisfied": [v]}), required=(), check_labels=False)["satisfied"].iloc[0]
    except InputError:
        return None


# --------------------------------------------------------------------------- files


def _open_files(paths: list[Path], mapping: dict | None, export_time, mask: bool, keep=True,
                map_option: str | None = "--map") -> list[_File]:
    if not paths:
        raise InputError("ingest: no input files given")
    files, seen = [], {}
    for no, path in enumerate(paths):
        key = identity(path)
        if key in seen:
            raise InputError(f"{path}: given twice (also as {seen[key]}); give each file once")
        seen[key] = path
        table = open_table(path)
        source = mask_pii(str(path)) if mask else str(path)
        if any(f.source == source for f in files):  # two names masked alike (客户138****5678.csv): told apart
            source = f"{source} (file {no + 1})"
        cols = resolve_columns(table.columns, mapping, source)
        columns = shown_columns(table.columns)
        if "text" not in cols:
            raise InputError(f"{source}: missing required column 'text' (a header such as 内容/正文/"
                             f"微博内容); columns are: {columns}; {_how_to_map(table, 'text', map_option, export_time)}")
        if "created_at" not in cols and "post_id" not in cols:
            raise _no_time(source, table, "no id column holding Weibo mids to decode times from", map_option,
                           export_time)
        for target, col in cols.items():
            if col in table.nested:
                raise InputError(f"{source}: column {col!r} ({target}) holds {table.nested[col]}, not text; "
                                 "write it as one string per post")
        if export_time is not None:
            now, how = export_time_of(export_time), "--export-time"
        else:
            now = pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC").tz_convert(TIMEZONE)
            how = "the file's modification time"
        files.append(_File(no, source, table, cols, now, how, mask, *_extras(table, cols, mask, keep),
                           map_option=map_option))
    return files


def _no_time(source: str, table: Table, why: str, map_option: str | None, export_time=None) -> InputError:
    return InputError(f"{source}: missing required column 'created_at' (no header that means the post's time, such "
                      f"as 发布时间/发表时间/日期/created_at, and {why}); columns are: {shown_columns(table.columns)}; "
                      + _how_to_map(table, "created_at", map_option, export_time))


def _how_to_map(table: Table, target: str, map_option: str | None, export_time=None) -> str:
    """How to name the file column that holds ``target``: with the caller's ``map_option`` (``wbcs ingest``'s
    --map), else (None: kpi, hot, triage, ... have none) through an ingest of the file, whose output they read,
    at the caller's ``export_time`` (``_ingest_command``)."""
    if map_option:
        return f"map one with {map_option} {target}=COLUMN"
    return f"map one: run {_ingest_command(table.path, f'--map {target}=COLUMN', export_time)} and use OUT.parquet"


def _ingest_command(path: Path, options: str, export_time=None) -> str:
    """The ``wbcs ingest`` command to run on ``path`` (writing OUT.parquet), quoted: a name masked (a customer's
    phone number in it) is none to run, so the file is said another way. ``export_time``: the one the caller read
    the file at, carried as --export-time: the relative times read against it, and the rows rejected as after it,
    are those the command must give."""
    if export_time is not None:
        t = export_time_of(export_time).tz_localize(None)  # Beijing time, as the option reads a naive time
        options += f' --export-time "{t:%Y-%m-%d %H:%M}"' if t == t.floor("min") else f' --export-time "{t}"'
    name = mask_pii(str(path))
    if name == str(path):
        return f"'wbcs ingest {name} --out OUT.parquet {options}'"
    return f"'wbcs ingest FILE --out OUT.parquet {options}' on this file"


def _extras(table: Table, cols: dict[str, str], mask: bool, keep=True
            ) -> tuple[dict[str, str], list[str], list[str]]:
    """The file's columns that map to no output column: those kept (file column → name, masked unless ``mask``
    is False), the names of those not kept: a header meaning a column the output has (``header_key``: Parquet
    and DuckDB do not tell ``Text`` from ``text``) that another column fills, and the names of those not read
    (``keep``: ``ingest``'s)."""
    raw = [str(c) for c in table.columns]
    names = dict(zip(raw, mask_names(raw) if mask else raw, strict=True))
    used = set(cols.values()) | (set(TRACE_COLUMNS) if set(TRACE_COLUMNS) <= set(raw) else set())
    taken = {header_key(c) for c in (*TARGETS, *TRACE_COLUMNS)}
    extras = {c: names[c] for c in raw if c not in used and header_key(c) not in taken}
    ignored = [names[c] for c in raw if c not in used and c not in extras]
    if keep is True:
        return extras, ignored, []
    # the columns a label brings beside it are read back whatever keep says: kpi corrects a model's shares with them
    # (imported here: wbcs.kpi reads posts through this module)
    from wbcs.kpi.labels import companion_columns

    wanted = companion_columns(LABEL_FIELDS) | (set() if keep is False else {str(k) for k in keep})  # file's name or kept
    unread = [c for c, name in extras.items() if c not in wanted and name not in wanted]
    return {c: name for c, name in extras.items() if c not in unread}, ignored, unread


def _extra_types(files: list[_File]) -> dict[str, str]:
    """Output name → the pandas type of each kept column in every chunk of every file ("object": as read): a
    Parquet column's own type (``Table.dtypes``), text where two files give it two types, or where masking makes
    a number column text (a phone number kept as a number): one type per column, as Parquet needs."""
    types: dict[str, str] = {}
    for f in files:
        pii = _numbers_with_pii(f.table, list(f.extras)) if f.mask else set()
        for col, name in f.extras.items():
            kind = "string" if col in pii else f.table.dtypes.get(col, "object")
            types[name] = kind if types.get(name, kind) == kind else "string"
    return types


def _numbers_with_pii(table: Table, columns: list[str]) -> set[str]:
    """The number columns among ``columns`` of a Parquet ``table`` that hold a phone or ID number in some row,
    which masking turns into text (``mask_frame``); a first pass, over those columns alone."""
    kinds = {c: pd.api.types.pandas_dtype(table.dtypes[c]) for c in columns if c in table.dtypes}
    numbers = [c for c, t in kinds.items() if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)]
    if not numbers:
        return set()
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(table.path)
    stored = set(pf.schema_arrow.names)
    found = {c for c in numbers if c not in stored}  # a renamed twin (x.1): text, to be safe
    for batch in pf.iter_batches(columns=[c for c in numbers if c in stored], batch_size=CHUNK_ROWS):
        frame = batch.to_pandas()
        left = [c for c in frame.columns if c not in found]
        if not left:
            break
        masked = mask_frame(frame, columns=left)
        found |= {c for c in left if masked[c].dtype != frame[c].dtype}
    return found


def _post_columns(files: list[_File]) -> list[str]:
    mapped = {t for f in files for t in f.cols} | {"operator"}  # from the text when no column gives it
    if any("ip_location" in f.cols for f in files):
        mapped.add("province")
    if any("author_name" in f.cols for f in files):
        mapped.add("author_id")
    schema = [c for c in COLUMNS if c in mapped or c in ("post_id", "created_at", "text")]
    extra = [c for c in EXTRA_COLUMNS if c in mapped or c in ("time_from_mid", "has_phone")]
    kept = dict.fromkeys(name for f in files for name in f.extras.values())  # every file's, in order
    return [*TRACE_COLUMNS, *schema, *extra, *kept]


def _reject_columns(files: list[_File]) -> list[str]:
    raw = {}
    for f in files:
        raw.update(dict.fromkeys(_raw_name(c) for c in _read(f)))
    return [*REJECT_COLUMNS, *raw]


def _read(f: _File) -> list[str]:
    """The columns of ``f``'s file that are read: all but those the caller left unread (``keep``)."""
    return [c for c in f.table.columns if c not in f.unread]


def _raw_name(column) -> str:
    return f"raw_{column}" if column in REJECT_COLUMNS else str(column)


def _typed(posts: pd.DataFrame, columns: list[str], kept: dict[str, str]) -> pd.DataFrame:
    """``posts`` with every output column, in order and with its type (missing ones empty); ``kept``: the types
    of the file columns kept as they are (``_extra_types``)."""
    for col in columns:
        if col not in posts:
            posts[col] = None
    posts = validate_posts(posts[columns], source="ingest", check_labels=False)
    for col, kind in EXTRA_COLUMNS.items():
        if col in posts:
            posts[col] = posts[col].astype(kind) if kind != "boolean" else posts[col].fillna(False).astype(bool)
    for col, kind in kept.items():
        if kind != "object":
            posts[col] = posts[col].astype(kind)
    return posts


def _chunks(files: list[_File], mask: bool) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """(posts, rejects) of every chunk of every file, checked and masked."""
    seen = _SeenIds([f.source for f in files])
    post_cols, reject_cols, kept = _post_columns(files), _reject_columns(files), _extra_types(files)
    reject_names = mask_names(reject_cols) if mask else reject_cols  # a header can be a phone number too
    sizes = [f.table.path.stat().st_size for f in files]
    # Progress in bytes read, for several files or a large one
    meter = bar(total=sum(sizes), desc="ingest", unit="B", unit_scale=True,
                progress=len(files) > 1 or sum(sizes) >= 20_000_000)
    for f, size in zip(files, sizes, strict=True):
        meter.set_postfix_str(Path(f.source).name)
        done = 0
        _settle_day_month(f)
        for raw, bad in f.table.chunks(_read(f) if f.unread else None):
            sheet = f.table.sheet
            source = f.source if sheet is None else f"{f.source}, sheet {mask_pii(sheet) if mask else sheet}"
            df, rows = _check_chunk(raw, f, seen, mask, source)
            posts = df[rows.ok].copy()
            for col, name in f.extras.items():
                posts[name] = raw.loc[posts.index, col]
            posts.insert(0, "source_row", posts.index.astype("int64"))
            posts.insert(0, "source_file", source)
            if set(TRACE_COLUMNS) <= set(raw.columns):  # a wbcs output: its rows trace to the first export
                orig = raw.loc[posts.index]
                row = pd.to_numeric(orig["source_row"], errors="coerce")
                known = orig["source_file"].notna().to_numpy() & row.notna().to_numpy()
                posts.loc[known, "source_file"] = orig.loc[known, "source_file"].astype(str)
                posts.loc[known, "source_row"] = row[known].astype("int64")
            posts = _typed(posts.reset_index(drop=True), post_cols, kept)
            rej = raw[~rows.ok].astype(object).rename(columns=_raw_name)
            rej.insert(0, "detail", rows.detail[~rows.ok])
            rej.insert(0, "reason", rows.reason[~rows.ok])
            rej = rej.reset_index()
            if bad:
                lines = pd.DataFrame([{"source_row": b.row, "reason": b.reason, "detail": b.detail,
                                       "raw_line": (f.table.delimiter or " ").join(map(str, b.cells))}
                                      for b in bad])
                rej = pd.concat([rej, lines], ignore_index=True).sort_values("source_row", kind="stable",
                                                                             ignore_index=True)
            rej.insert(0, "source_file", source)
            rej = rej.reindex(columns=reject_cols).astype(object)
            rej.columns = reject_names
            rej = rej.where(rej.notna(), None)
            rej["source_row"] = rej["source_row"].astype("Int64")
            f.stats["read"] += len(raw) + len(bad)
            f.stats["kept"] += len(posts)
            f.stats["rejected"] += len(rej)
            f.stats["times_from_mid"] += int(posts["time_from_mid"].sum())
            f.reasons.update(rej["reason"])
            if mask:  # the key by the post-id rule (wbcs.io.write.mask_table); texts are masked already
                posts = mask_frame(posts, columns=[c for c in posts.columns if c not in ("post_id", "text")])
                posts = mask_frame(posts, columns=["post_id"], mask=mask_ids)
                rej = mask_frame(rej)
            yield posts, rej
            now = min(f.table.tell(), size)
            meter.update(now - done)
            done = now
        meter.update(size - done)
    meter.close()


def _summary(files: list[_File]) -> dict:
    out = {}
    for f in files:
        s = f.stats
        columns = [str(c) for c in f.table.columns]
        names = dict(zip(columns, mask_names(columns) if f.mask else columns, strict=True))
        out[f.source] = {
            "format": f.table.format, "encoding": f.table.encoding, "delimiter": f.table.delimiter,
            "read": s["read"], "kept": s["kept"], "rejected": s["rejected"], "reasons": dict(f.reasons),
            "empty_rows": f.table.empty_rows,
            "columns": {t: names[c] for t, c in f.cols.items()},
            "extra_columns": list(f.extras.values()), "ignored_columns": f.ignored,
            "unread_columns": [names[c] for c in f.unread],
            "ids_derived": s["ids_derived"], "times_from_mid": s["times_from_mid"],
            "relative_times": s["relative_times"], "operators_from_text": s["operators_from_text"],
            "unknown_operators": dict(_masked_counts(f.unknown_operators, f.mask).most_common()),
            "unknown_platforms": dict(_masked_counts(f.unknown_platforms, f.mask).most_common()),
        }
        day_month = {col: order.said() for col, order in f.day_month.items() if order.said()}
        if day_month:  # how the dates with the day and month first were read
            out[f.source]["day_month"] = day_month
        if s["relative_times"]:
            out[f.source]["relative_to"] = {"time": f.now.isoformat(), "from": f.now_from}
        out[f.source]["satisfied_unreadable"] = s["satisfied_unreadable"]
        out[f.source]["formula_cells"] = f.table.formula_cells
        out[f.source]["skipped_sheets"] = {mask_pii(k) if f.mask else k: mask_pii(why) if f.mask else why
                                           for k, why in f.table.skipped_sheets}  # (why names the sheet's headers)
        out[f.source]["notes"] = _notes(out[f.source], f)
    reasons = Counter()
    for f in files:
        reasons.update(f.reasons)
    return {**{k: sum(v[k] for v in out.values()) for k in ("read", "kept", "rejected", "empty_rows")},
            "reasons": dict(reasons), "files": out}


def _notes(s: dict, f: _File) -> list[str]:
    """What a person must know of how the file was read, one phrase each, for the summary line."""
    notes = []
    if s["times_from_mid"]:
        notes.append(f"{s['times_from_mid']:,} post time(s) decoded from the Weibo mids in post_id "
                     + ("(no time column)" if "created_at" not in f.cols else "(created_at empty)"))
    notes += [f"sheet {k!r} skipped: {why}" for k, why in s["skipped_sheets"].items()]
    if s["formula_cells"]:
        notes.append(f"{s['formula_cells']:,} formula cell(s) without a saved value read as their formula text")
    if s["satisfied_unreadable"]:
        notes.append(satisfied_unreadable_note(s["satisfied_unreadable"]))
    return notes


def satisfied_unreadable_note(n: int) -> str:
    """The phrase for ``n`` satisfied cells that could not be read, in every engine's notes and stderr line."""
    return f"{n:,} satisfied cell(s) unreadable, left unknown"


def _masked_counts(counts: Counter, mask: bool) -> Counter:
    """``counts`` by their values masked (two values can mask alike: their counts add up)."""
    out = Counter()
    for v, n in counts.items():
        out[mask_pii(v) if mask else v] += n
    return out


def _paths(paths) -> list[Path]:
    return [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]


def ingest(paths: str | Path | Iterable[str | Path], *, mapping: dict | None = None, mask: bool = True,
           export_time=None, keep=True, map_option: str | None = "--map") -> IngestResult:
    """Read exports into one validated posts table, in memory (see the module docstring). ``keep``: the columns
    that map to no schema column kept, True for all (as ``wbcs ingest`` writes them), False for none but those
    commands read back (a label's companions: ``wbcs.kpi.labels.companion_columns``), or those and the ones named (by
    the file's name or the name kept); the others are left unread, named in the summary (``unread_columns``), and
    their cells in no reject either. ``map_option``: the caller's option naming a file's column (``mapping``), which
    the line refusing a file without a text or time column advises; None: the caller has none, the line advises
    an ingest of the file (``wbcs ingest``'s --map)."""
    files = _open_files(_paths(paths), mapping, export_time, mask, keep, map_option)
    posts, rejects = [], []
    for p, r in _chunks(files, mask):
        posts.append(p)
        rejects.append(r)
    posts = pd.concat(posts, ignore_index=True) if len(posts) > 1 else posts[0]
    rejects = pd.concat(rejects, ignore_index=True) if len(rejects) > 1 else rejects[0]
    return IngestResult(posts, rejects, _summary(files))


def ingest_to(paths: str | Path | Iterable[str | Path], out: str | Path, rejects: str | Path, *,
              mapping: dict | None = None, mask: bool = True, export_time=None) -> dict:
    """``ingest`` chunk by chunk into files: the posts to ``out``, the rejects to ``rejects``
    (each written only when there are any: no post kept is no table, ``no_posts_error`` says why). Returns the
    summary."""
    files = _open_files(_paths(paths), mapping, export_time, mask)
    with TableWriter(out, mask=False) as posts_out, TableWriter(rejects, mask=False) as rejects_out:
        for p, r in _chunks(files, mask):
            posts_out.write(p)
            if len(r) or not rejects_out.rows:
                rejects_out.write(r)
        if not rejects_out.rows:
            rejects_out.discard()
        if not posts_out.rows:
            posts_out.discard()
    return _summary(files)


SHOWN_REJECTS = 3  # rejected rows read_posts names in its line


def no_posts_error(name: str, s: dict, rejected_rows: str) -> InputError:
    """The one line refusing ``name`` (a file, or the files of one ingest) when no row of it is a post: every command
    would answer with empty tables and null figures, ``wbcs ingest`` with an empty posts table (the DuckDB and Dask
    engines' too, ``wbcs.kpi.duck.all_rejected``). ``s``: its summary (``ingest``'s, or a file's in it: ``read``,
    ``rejected``, ``empty_rows`` and ``reasons``) says why: only a header, or every row rejected, how many for each
    reason; ``rejected_rows``: where to see the rejected rows."""
    n = s["read"]
    why = "only a header" if not n else "its one row was rejected" if n == 1 else f"all {n:,} rows were rejected"
    if s["empty_rows"]:
        why += f", {s['empty_rows']:,} empty row(s) skipped"
    return InputError(f"{name}: no posts ({why}): {_reasons(s['reasons'])}; {rejected_rows}" if s["rejected"] else
                      f"{name}: no posts ({why}); give a file with posts")


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in counts.items())


def read_posts(path: str | Path, *, export_time=None, quiet: bool = False, keep=True) -> tuple[pd.DataFrame, dict]:
    """The posts of one file as every command reads them: through ``ingest`` (header
    mapping, Weibo's forms, row checks, masking), whatever wrote the file — a user's
    export or the CSV, JSON Lines, .xlsx or Parquet output of another wbcs command.

    Returns ``(posts, info)``; info says how many rows were read, rejected and why, and how many were empty,
    which columns were kept besides the schema's and which not, how many operators were read from the text
    and which operator (platform) values are none of ``OPERATORS`` (``PLATFORMS``); a file without a usable
    post is an ``InputError``, one line that says why (rows rejected: how many per reason, the first three, how
    to see them all). Unless ``quiet``, a line on stderr says how many rows were rejected, names the
    first three (row, column and value, as the rejects table's detail says them) and how to see them all, one how many empty rows were skipped, one which columns were not kept, one which operators and one
    which platforms are unknown, one how many empty operator cells were filled from the text, and one with the
    summary's ``notes`` (times decoded from mids, sheets skipped, formula cells, satisfied cells left unknown). The file's name is masked in them as in the summary.

    ``keep``: the file's columns besides the schema's to keep (``ingest``'s): all of them for a command whose output
    carries them (triage), only those commands read back (False: a label's companions, ``companion_columns``) or those
    and the ones a request names (``kpi --by``) for one that never shows them, so an export's columns no command
    reads are neither held nor masked (``info["unread_columns"]``)."""
    import sys

    result = ingest([path], export_time=export_time, keep=keep, map_option=None)  # the commands have no --map
    name, s = next(iter(result.summary["files"].items()))
    info = {"file": name, "read": s["read"], "kept": s["kept"], "rejected": s["rejected"],
            "reject_reasons": s["reasons"], "empty_rows": s["empty_rows"], "relative_times": s["relative_times"],
            "relative_to": s.get("relative_to"), "extra_columns": s["extra_columns"],
            "ignored_columns": s["ignored_columns"], "unread_columns": s["unread_columns"],
            "operators_from_text": s["operators_from_text"],
            "unknown_operators": s["unknown_operators"], "unknown_platforms": s["unknown_platforms"],
            "notes": s["notes"]}

    at_export = '--export-time "YYYY-MM-DD HH:MM"'  # (Python 3.11: no quotes inside an f-string's braces)

    # the first few rejected named (row, column, value), so most can be fixed from here
    shown = [f"{'' if r.source_file == name else r.source_file.removeprefix(name + ', ') + ', '}row "
             f"{r.source_row}, {r.reason}: {r.detail}" for r in result.rejects.head(SHOWN_REJECTS).itertuples()]
    more = s["rejected"] - len(shown)
    rows = "; ".join(shown) + (f"; and {more:,} more" if more else "") + \
        f"; run {_ingest_command(path, '--rejects REJECTS.csv', export_time)} to see them all"
    if not s["kept"]:  # every command would answer with empty tables and null figures: say why instead, in one line
        raise no_posts_error(name, s, rows)
    if s["rejected"] and not quiet:
        print(f"{name}: {s['rejected']:,} row(s) rejected ({_reasons(s['reasons'])}); {rows}", file=sys.stderr)
    if s["empty_rows"] and not quiet:
        print(f"{name}: {s['empty_rows']:,} row(s) of only empty cells skipped (no posts)", file=sys.stderr)
    if s["notes"] and not quiet:  # times from ids, sheets skipped, formula cells, satisfied unknown: never unsaid
        print(f"{name}: " + "; ".join(s["notes"]), file=sys.stderr)
    if s["ignored_columns"] and not quiet:  # kept are all the others: one left out must be said
        print(f"{name}: column(s) {shown_columns(s['ignored_columns'])} not kept: each has the name of a column "
              f"the posts table fills from another column of the file (a header differing in case, spaces or '_', "
              f"or a source_row/source_file without the other); rename it to keep it", file=sys.stderr)
    for what, table in (("operator", OPERATORS), ("platform", PLATFORMS)):
        if s[f"unknown_{what}s"] and not quiet:  # one of its own in every comparison of operators (platforms)
            values = list(s[f"unknown_{what}s"].items())
            known = "; ".join(f"{o.code} ({', '.join((o.zh, o.en, *o.aliases))})" for o in table.values())
            print(f"{name}: {what}(s) "
                  + ", ".join(f"{v!r} ({n:,} row(s))" for v, n in values[:5])
                  + (f" and {len(values) - 5:,} more" if len(values) > 5 else "")
                  + f" not known, kept as written; the {what}s known and the names read as them: {known}",
                  file=sys.stderr)
    if s["operators_from_text"] and "operator" in s["columns"] and not quiet:  # the file's own cells were empty
        print(f"{name}: {s['operators_from_text']:,} empty operator cell(s) filled with the operator the post's "
              f"text names (an @mention such as @中国移动, else its words)", file=sys.stderr)
    if s["relative_times"] and s["relative_to"]["from"] != "--export-time" and not quiet:
        # 5分钟前 or 昨天 10:22 mean nothing without the moment of the export: a guess must not pass unsaid
        print(f"{name}: {s['relative_times']:,} relative time(s) (5分钟前, 昨天 10:22, ...) read against the file's "
              f"modification time {s['relative_to']['time'][:16].replace('T', ' ')}; if the export was made at "
              f"another time, run {_ingest_command(path, at_export)} and use OUT.parquet", file=sys.stderr)
    return result.posts, info
