"""Reading a user's export, bounded: the format from the content, the rows in chunks.

``open_table(path)`` detects the format from the content — Parquet and xlsx by their
magic bytes, JSON by its first record, anything else is delimited text whose encoding
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030/GBK) and delimiter (comma, tab,
semicolon, pipe) are detected from the first megabyte; the extension only breaks
ties — and reads the header. ``Table.chunks()`` then yields the records a chunk at a
time (at most ``CHUNK_ROWS`` rows or about ``CHUNK_CHARS`` characters), so memory
stays flat with file size; ``Table.chunks(columns)`` decodes only those columns (a
Parquet file's others are not read, a CSV row's other cells go as it is split), what
``read_posts(keep=False)`` asks. ``read_table(path)`` is the whole table at once. Cells are
kept as read (text stays text: ids never become floats; empty cells are None); a
chunk's index is each record's 1-based position among the data records
(``source_row``; the line number for JSON Lines).

Bounds, each a record rejected with its reason or one ``InputError`` line:

- CSV: a cell may hold ``CELL_MAX`` characters (Python's csv allows 128 K); a longer
  one rejects its row. A line may hold ``LINE_MAX`` characters: a longer one is skipped
  unread (memory stays bounded) and rejects its row. A row of only empty cells is no
  post: it is skipped and counted (``Table.empty_rows``; .xlsx too). A lone CR inside a
  quoted cell is text. A row with bytes that are not in the file's encoding (a GBK row
  in a UTF-8 file) is rejected as "bad encoding" and shown as GB18030 text, never kept
  garbled. A cell starting with ``'`` and a formula character is read without the quote
  (wbcs's writer added it). A cell that opens a quote never closed is one ``InputError``
  line naming its line: every later line would be its text, no row could be told apart.
- JSON: a line may hold ``LINE_MAX`` characters (a longer one is rejected unread); a
  first record longer than the sample is JSON when it starts with ``{"`` or the file is
  named .jsonl, .ndjson or .json. A record nested too deeply for Python is rejected; a
  JSON array file (read whole) may be ``JSON_ARRAY_MAX`` bytes; convert larger ones to
  JSON Lines.
- xlsx: the archive may unpack to ``XLSX_MAX_UNPACKED`` bytes (a 4 MB zip bomb unpacks
  to 4 GiB) and the shared strings to ``XLSX_MAX_STRINGS``; the sheet streams row by
  row (openpyxl read-only, its XML through defusedxml), a damaged or hostile workbook
  is one line. The first sheet with a header row gives the header; every later sheet
  whose columns are the same after header mapping (内容 in one, text in another) is read
  as more rows, the others are named with why (``Table.skipped_sheets``); in a workbook of
  several sheets each chunk is of one sheet (``Table.sheet``), ``source_row`` counting in
  it. A formula cell without a saved value (a workbook pandas or openpyxl wrote) is read
  as its formula text, what was typed (``=1+1``), and counted (``Table.formula_cells``).
- Parquet: row groups stream; a named pandas index (ids saved as the index) is read as
  columns; list, struct and binary columns are read as JSON or UTF-8 text and named in
  ``attrs["nested"]`` (ingest refuses them as schema columns); so are JSON keys with an
  array or object value in some record. ``Table.dtypes`` gives the one pandas type each
  column has in every chunk (nullable Int64 and boolean where a chunk with an empty cell
  would give float or object). A file named .parquet or .xlsx without that
  format's magic bytes is refused, not read as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.io.headers import header_key, resolve_columns, shown_columns

CHUNK_ROWS = 50_000
CHUNK_CHARS = 64 << 20
CELL_MAX = 16 << 20
LINE_MAX = CELL_MAX * 4
JSON_ARRAY_MAX = 256 << 20
XLSX_MAX_UNPACKED = 1 << 30
XLSX_MAX_STRINGS = 256 << 20
XLSX_MAX_ROWS = 1_048_576
SAMPLE_BYTES = 1 << 20
_DELIMITERS = [",", "\t", ";", "|"]
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_NEUTRALISED = re.compile("^'[=+\\-@\t\r＝＋－＠]")


@dataclass
class BadLine:
    """A record that could not be read into the header's columns."""

    row: int
    cells: list
    reason: str
    detail: str


@dataclass
class Table:
    """An opened export: what was detected, the header, and its records in chunks."""

    path: Path
    format: str
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    nested: dict[str, str] = field(default_factory=dict)
    # Parquet: the pandas type every chunk gives a column (whole numbers and yes/no as nullable types: a chunk
    # with an empty cell would give float or object where another gives int or bool); none for the text formats
    dtypes: dict[str, str] = field(default_factory=dict)
    _chunks: Iterator | None = None
    _state: dict = field(default_factory=dict)

    def tell(self) -> int:
        """Bytes of the file read so far (for progress), as far as the format tells."""
        tell = self._state.get("tell")
        try:
            return int(tell()) if tell else 0
        except (OSError, ValueError):
            return 0

    @property
    def empty_rows(self) -> int:
        """Rows of only empty cells skipped so far: no posts, but never dropped uncounted."""
        return self._state.get("empty_rows", 0)

    @property
    def sheet(self) -> str | None:
        """The sheet of the chunk last yielded, in a workbook of several sheets (None otherwise)."""
        return self._state.get("sheet")

    @property
    def skipped_sheets(self) -> list[tuple[str, str]]:
        """(sheet, why) of every sheet of a workbook not read so far: empty, or other columns than the first's."""
        return list(self._state.get("skipped_sheets", []))

    @property
    def formula_cells(self) -> int:
        """.xlsx cells read so far as their formula text (no saved value)."""
        return self._state.get("formula_cells", 0)

    @property
    def attrs(self) -> dict:
        return {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "nested": dict(self.nested), "empty_rows": self.empty_rows, "skipped_sheets": self.skipped_sheets,
                "formula_cells": self.formula_cells}

    def chunks(self, columns: Sequence[str] | None = None) -> Iterator[tuple[pd.DataFrame, list[BadLine]]]:
        """``(records, bad lines)`` a chunk at a time; records have every header column, or only ``columns`` (of
        the header) when given: the others are not decoded (Parquet: not read from the file; CSV: their cells go
        with their row as it is split; JSON and .xlsx: they leave with their chunk). An export's 40 columns of text
        a command never reads were decoded, held and cleaned in every chunk."""
        self._state["columns"] = None if columns is None else list(columns)  # read as the first chunk is made
        for frame, bad in self._chunks:
            yield _blanks_to_none(frame if columns is None else frame[list(columns)]), bad


# --------------------------------------------------------------------------- helpers


def _unique_names(header: Sequence) -> list[str]:
    names, seen = [], Counter()
    for i, h in enumerate(header):
        name = ("" if h is None else str(h)).strip().lstrip("\ufeff") or f"column_{i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return names


def _frame(records: list[list], names: list[str], index: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=names, dtype=object) if records else \
        pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    frame.index = pd.Index(index, name="source_row", dtype="int64")
    return frame


def _blanks_to_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank text cells are missing values, whatever the format."""
    for col in frame.columns:
        s = frame[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            blank = s.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
            if blank.any():
                frame[col] = s.astype(object).where(~blank, None)
    return frame


# --------------------------------------------------------------------------- text files


def _sample(path: Path) -> bytes:
    """The first megabyte, extended (up to 64 MB) while it is plain ASCII: the encoding
    shows only in non-ASCII bytes."""
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
        while raw.isascii() and len(raw) < 64 * SAMPLE_BYTES:
            more = f.read(SAMPLE_BYTES)
            if not more:
                break
            raw += more
    return raw


def _private_use(text: str) -> bool:
    """More than 1 in 200 of the non-ASCII characters in Unicode's private-use area (U+E000–U+F8FF): no
    Chinese text has them, bytes decoded with the wrong Chinese codec do."""
    wide = [c for c in text if ord(c) > 127]
    return sum("\ue000" <= c <= "\uf8ff" for c in wide) * 200 > len(wide)


def _detect_encoding(raw: bytes, path: Path, complete: bool) -> str:
    """Trial order: BOMs, strict UTF-8, GB18030 (a superset of GBK and GB2312) unless it
    gives private-use characters, Big5-HKSCS (traditional Chinese), then charset-normalizer. Trials come first because short Chinese samples are where
    statistical detectors go wrong (GBK read as Big5 or cp1252), while a GBK file
    practically never passes strict UTF-8 decoding. A UTF-8 file with a few damaged
    lines (or a GBK row pasted in) stays UTF-8 when at least half its non-ASCII lines
    are valid UTF-8 (the damaged rows are rejected), instead of turning wholesale into
    GB18030 mojibake: a GBK line is practically never valid UTF-8."""
    for bom, enc in [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")]:
        if raw.startswith(bom):
            return enc
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path}: binary content, not a table; give a CSV, JSON Lines, .xlsx "
                         "or Parquet file")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(raw, final=complete)  # a sample may end inside a character
        return "utf-8"
    except UnicodeDecodeError:
        pass
    lines = [line for line in raw.split(b"\n")[:-1 if not complete else None] if not line.isascii()]
    valid = 0
    for line in lines:
        try:
            line.decode("utf-8")
            valid += 1
        except UnicodeDecodeError:
            pass
    if valid and valid >= len(lines) - valid:  # mostly UTF-8 lines: a GBK file has next to none
        return "utf-8"
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(raw, final=complete)
        if not _private_use(text):
            return "gb18030"
        # nearly any byte string decodes as GB18030: a Big5 (traditional Chinese) export did, into
        # private-use characters and rare ones, and was kept as mojibake; Big5 gives none of those
        text = codecs.getincrementaldecoder("big5hkscs")().decode(raw, final=complete)
        if not _private_use(text):
            return "big5hkscs"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError(f"{path}: cannot tell the text encoding (not UTF-8 nor GB18030/GBK); "
                         "re-save it as UTF-8")
    return best.encoding


def _sniff_delimiter(sample: str, hint: str) -> str:
    """The candidate that splits the first rows into the most columns, consistently."""
    best, best_score = ",", (0.0, 1, False)
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d)][:50]
        except csv.Error:  # e.g. a field over the limit in the sample: not this delimiter's fault
            continue
        if len(rows) > 1:
            rows = rows[:-1]  # possibly cut short
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width, d == "\t" and hint == ".tsv")
        if score > best_score:
            best, best_score = d, score
    return best


_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape


def _show_bytes(cells: list[str], encoding: str) -> list[str]:
    """Cells whose bytes were not ``encoding``, as GB18030 text when they read as such."""
    out = []
    for c in cells:
        raw = c.encode(encoding if encoding.startswith("utf-8") else "gb18030", errors="surrogateescape")
        out.append(raw.decode("gb18030", errors="replace"))
    return out


def _text_stream(path: Path, encoding: str):
    errors = "strict" if encoding == "utf-16" else "surrogateescape"
    return open(path, encoding=encoding, errors=errors, newline="")


class _LongLine(Exception):
    """A line longer than ``LINE_MAX`` characters, skipped unread."""


class _Lines:
    """The lines of a text file, each read at most ``LINE_MAX`` characters long: a longer
    line is skipped a piece at a time (never held whole) and ``_LongLine`` raised in its
    place; reading goes on at the next line (csv.reader starts a new record on each call).
    ``number`` counts the lines read, skipped ones included. ``end``: a last line given after the file's own
    (``_END_OF_FILE``)."""

    def __init__(self, f, end: str | None = None):
        self.readline = f.readline
        self.number = 0
        self.end = end

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.readline(LINE_MAX)
        if not line:
            if self.end is None:
                raise StopIteration
            line, self.end = self.end, None
            return line
        self.number += 1
        if len(line) >= LINE_MAX and line[-1] not in "\r\n":
            while (more := self.readline(CELL_MAX)) and more[-1] not in "\r\n":
                pass
            raise _LongLine
        return line


# Given as the CSV file's last line: Python's csv reader ends a cell whose quote is never closed silently at the end
# of the file (strict=True would say so, but also refuse the cells Weibo text often has, "联通"太差 read as 联通太差),
# with every later line in it; the cell that holds this line is that one. A noncharacter: no text has it.
_END_OF_FILE = "\ufdd0wbcs-end-of-file"


def _csv_chunks(path: Path, encoding: str, delimiter: str, chunk_rows: int, state: dict):
    if csv.field_size_limit() < CELL_MAX:
        csv.field_size_limit(CELL_MAX)  # process-wide: Python's csv keeps one limit
    with _text_stream(path, encoding) as f:
        state["tell"] = f.buffer.tell
        lines = _Lines(f, end=_END_OF_FILE)
        rows = csv.reader(lines, delimiter=delimiter)
        names: list[str] | None = None
        records, index, bad, chars, n = [], [], [], 0, 0
        while True:
            first = lines.number + 1  # the record's first line
            try:
                row = next(rows)
            except StopIteration:
                break
            except (csv.Error, _LongLine) as e:
                why = (f"longer than {LINE_MAX:,} characters" if isinstance(e, _LongLine)
                       else f"a cell longer than {CELL_MAX:,} characters" if "field limit" in str(e) else str(e))
                if names is None:
                    raise InputError(f"{path}: cannot read the header row (line {lines.number}: {why})") from None
                n += 1
                bad.append(BadLine(n, [], "malformed line", f"line {lines.number}: {why}"))
                continue
            except UnicodeDecodeError as e:
                raise InputError(f"{path}: line {lines.number + 1}: not {encoding} ({e.reason}); "
                                 "re-save it as UTF-8") from None
            if row == [_END_OF_FILE]:
                break
            if row and row[-1].endswith(_END_OF_FILE):  # the rows after it cannot be told apart: none is read
                after = lines.number - first
                raise InputError(f"{path}: line {first}: a cell opens with a quote (\") that is never closed"
                                 + (f", so the {after} line(s) after it would be read as its text" if after else "")
                                 + "; close the quote, or double it (\"\") where it is part of the text")
            if not row or not any(c.strip() for c in row):
                if names is not None:  # no record, but not dropped uncounted
                    state["empty_rows"] = state.get("empty_rows", 0) + 1
                continue
            joined = "".join(row)
            if names is None:
                if _SURROGATE.search(joined):
                    raise InputError(f"{path}: the header row is not {encoding}; re-save the file as UTF-8")
                names = _unique_names(row)
                yield names
                picked = state.get("columns")  # given by Table.chunks, once the header is out
                picked = None if picked is None else [names.index(c) for c in picked]
                shown = names if picked is None else [names[i] for i in picked]
                continue
            n += 1
            if _SURROGATE.search(joined):
                bad.append(BadLine(n, _show_bytes(row, encoding), "bad encoding",
                                   f"line {lines.number}: bytes that are not {encoding} like the rest "
                                   "of the file (shown as GB18030); fix the row or re-save the file"))
                continue
            if len(row) > len(names):  # cells beyond the header would be lost
                bad.append(BadLine(n, row, "malformed line", f"{len(row)} fields, the header has {len(names)}"))
                continue
            row += [""] * (len(names) - len(row))
            if picked is not None:  # the other cells go now: a chunk of a wide export held them all
                row = [row[i] for i in picked]
            if "'" in joined:
                row = [c[1:] if c[:1] == "'" and _NEUTRALISED.match(c) else c for c in row]
            records.append(row)
            index.append(n)
            chars += len(joined)
            if len(records) >= chunk_rows or chars >= CHUNK_CHARS:
                yield _frame(records, shown, index), bad
                records, index, bad, chars = [], [], [], 0
        if names is None:
            raise InputError(f"{path}: empty file (no header row)")
        yield _frame(records, shown, index), bad


def _json_lines(path: Path, encoding: str) -> Iterator[tuple[int, str | None]]:
    """(line number, text) of the non-blank lines; text None for a line too long to read."""
    with _text_stream(path, encoding) as f:
        lines = _Lines(f)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except _LongLine:
                yield lines.number, None
                continue
            if line.strip():
                yield lines.number, line


def _json_records(path: Path, encoding: str, array: bool) -> Iterator[tuple[int, object]]:
    """(record number, parsed value or BadLine) of a JSON array or JSON Lines file."""
    if array:
        if path.stat().st_size > JSON_ARRAY_MAX:
            raise InputError(f"{path}: a JSON array of {path.stat().st_size:,} bytes (at most "
                             f"{JSON_ARRAY_MAX:,} are read whole); write it as JSON Lines, one record a line")
        with _text_stream(path, encoding) as f:
            text = f.read()
        decoder, pos, n = json.JSONDecoder(), text.index("[") + 1, 0
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                return
            n += 1
            try:
                item, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
            except RecursionError:
                raise InputError(f"{path}: record {n} is nested too deeply to read") from None
            yield n, item
    for lineno, line in _json_lines(path, encoding):
        if line is None:
            yield lineno, BadLine(lineno, [], "malformed line", f"a line longer than {LINE_MAX:,} characters")
            continue
        if _SURROGATE.search(line):
            yield lineno, BadLine(lineno, _show_bytes([line.rstrip()], encoding), "bad encoding",
                                  f"bytes that are not {encoding} like the rest of the file (shown as GB18030)")
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as e:
            yield lineno, BadLine(lineno, [line.rstrip("\r\n")], "malformed line", f"not valid JSON ({e.msg})")
        except RecursionError:
            yield lineno, BadLine(lineno, [line[:200]], "malformed line", "nested too deeply to read")


def _flat(v):
    """Nested values stay readable as JSON text."""
    return json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v


def _json_chunks(path: Path, encoding: str, array: bool, keys: list[str], chunk_rows: int):
    names = _unique_names(keys)
    records, index, bad = [], [], []
    for n, item in _json_records(path, encoding, array):
        if isinstance(item, BadLine):
            bad.append(item)
            continue
        if not isinstance(item, dict):
            bad.append(BadLine(n, [json.dumps(item, ensure_ascii=False)[:1000]], "malformed line",
                               "not a JSON object"))
            continue
        try:
            records.append([_flat(item.get(k)) for k in keys])
        except RecursionError:
            bad.append(BadLine(n, [], "malformed line", "nested too deeply to read"))
            continue
        index.append(n)
        if len(records) >= chunk_rows:
            yield _frame(records, names, index), bad
            records, index, bad = [], [], []
    yield _frame(records, names, index), bad


def _json_columns(path: Path, encoding: str, array: bool) -> tuple[list[str], dict[str, str]]:
    """Every key of every record, in order of first appearance (a first pass: records
    may differ in their keys, and the header must be known before the first chunk), and
    the keys with an array or object value somewhere, as Parquet's ``nested`` columns (a
    ``"text": ["宽带坏了"]`` is not a post's text; ingest refuses such a schema column). A
    file of which no record could be read is one line saying why."""
    keys: dict[str, None] = {}
    nested: dict[str, str] = {}
    first_bad = None
    for n, item in _json_records(path, encoding, array):
        if isinstance(item, dict):
            keys.update(dict.fromkeys(map(str, item)))
            for k, v in item.items():
                if isinstance(v, dict | list) and str(k) not in nested:
                    nested[str(k)] = f"JSON {'arrays' if isinstance(v, list) else 'objects'} (record {n})"
            if len(keys) > 10_000:
                raise InputError(f"{path}: more than 10,000 different keys; not a table of records")
        elif first_bad is None:
            first_bad = item if isinstance(item, BadLine) else BadLine(n, [], "malformed line", "not a JSON object")
    if not keys and first_bad is not None:
        raise InputError(f"{path}: no JSON record could be read (line {first_bad.row}: {first_bad.detail}); "
                         "write one JSON object per line")
    return list(keys), nested


def _looks_like_json(text: str, complete: bool, suffix: str) -> bool | None:
    """True for a JSON array of records, False for JSON Lines whose first line is an
    object, None for neither. A first line that goes on beyond the sample (a record
    over a megabyte) is JSON Lines when it starts like an object (``{"``) or the file is
    named so (read as CSV, the whole record became one header name); so is a first line
    that does not parse in a file named so."""
    if re.match(r"\s*\[\s*[{\]]", text):
        return True
    if not text.lstrip().startswith("{"):
        return None
    line, newline, _ = text.lstrip().partition("\n")
    named = False if suffix in _JSON_SUFFIXES else None
    if not newline and not complete:
        return False if re.match(r'\{\s*"', line) else named
    try:
        return False if isinstance(json.loads(line), dict) else named
    except (json.JSONDecodeError, RecursionError):
        return named


# --------------------------------------------------------------------------- xlsx


def _check_xlsx(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise InputError(f"{path}: damaged .xlsx file (bad zip archive)") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise InputError(f"{path}: a zip archive, not an .xlsx workbook")
    # the declared sizes bound what unpacking yields: zipfile stops at them (CRC error beyond)
    unpacked = sum(i.file_size for i in infos)
    if unpacked > XLSX_MAX_UNPACKED:
        raise InputError(f"{path}: unpacks to {unpacked / 2**30:.1f} GiB (at most {XLSX_MAX_UNPACKED / 2**30:.0f} "
                         "GiB); save the sheet as CSV, which wbcs reads in chunks")
    strings = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    if strings > XLSX_MAX_STRINGS:
        raise InputError(f"{path}: its shared strings unpack to {strings / 2**20:,.0f} MiB (at most "
                         f"{XLSX_MAX_STRINGS >> 20} MiB are held in memory); save the sheet as CSV")


def _xlsx_fail(path: Path, e: Exception) -> InputError:
    what = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
    return InputError(f"{path}: damaged or unreadable .xlsx workbook ({type(e).__name__}: {what}); "
                      "open it in Excel and save it again, or save the sheet as CSV")


def _filled(values) -> bool:
    return any(v is not None and str(v).strip() for v in values)


def _has_formulas(path: Path) -> bool:
    """Whether a worksheet of the workbook holds a formula (an ``<f>`` element): a byte scan of its XML, far cheaper
    than the second reading of the workbook that gives formulas."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with z.open(name) as f:
                    tail = b""
                    while block := f.read(1 << 20):
                        if re.search(rb"<(?:\w+:)?f[ >/]", tail + block):
                            return True
                        tail = block[-16:]
    return False


def _sheet_rows(wb, formulas, i: int, state: dict) -> Iterator[tuple]:
    """The rows of sheet ``i`` as values; a formula cell without a saved value (a workbook written by pandas or
    openpyxl: no program computed it) is its formula text, what was typed (``=1+1``), counted in
    ``state["formula_cells"]``: read as empty, a post's text was lost. ``formulas``: the workbook read for its
    formulas (None when it has none)."""
    ws = wb.worksheets[i]
    ws.reset_dimensions()  # a <dimension> that lies must not make rows wider or longer
    if formulas is None:
        yield from ws.iter_rows(values_only=True)
        return
    fs = formulas.worksheets[i]
    fs.reset_dimensions()
    for values, typed in zip(ws.iter_rows(values_only=True), fs.iter_rows(values_only=True), strict=False):
        lost = [j for j, (v, t) in enumerate(zip(values, typed, strict=False))
                if v is None and t is not None and str(getattr(t, "text", t)).startswith("=")]
        if lost:
            values = list(values)
            for j in lost:
                values[j] = str(getattr(typed[j], "text", typed[j]))
            state["formula_cells"] = state.get("formula_cells", 0) + len(lost)
        yield values


def _sheet_header(rows: Iterator) -> list[str] | None:
    """The first row with a cell as column names (trailing unnamed, empty cells left out); None for an empty sheet."""
    for values in rows:
        if _filled(values):
            header = _unique_names(list(values))
            while header and header[-1].startswith("column_"):
                header.pop()
            return header
    return None


def _column_keys(header: list[str]) -> list[str]:
    """Each column as the posts table reads it: the column its header maps to, else its header's key; two sheets
    whose keys are the same columns hold the same table (内容 in one, text in the other)."""
    target = {col: t for t, col in resolve_columns(header, None, "").items()}
    return [target.get(c, header_key(c)) for c in header]


def _open_xlsx(path: Path, state: dict):
    """The workbook, its first sheet with a header row (index, rows left, header) and the workbook read for its
    formulas (None without any); sheets before it are skipped as empty (``state["skipped_sheets"]``)."""
    from openpyxl import load_workbook

    _check_xlsx(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        if not wb.worksheets:
            raise InputError(f"{path}: the workbook has no worksheet")
        formulas = load_workbook(path, read_only=True, data_only=False) if _has_formulas(path) else None
        for i, ws in enumerate(wb.worksheets):
            rows = _sheet_rows(wb, formulas, i, state)
            header = _sheet_header(rows)
            if header:
                return wb, formulas, (i, rows, header)
            state.setdefault("skipped_sheets", []).append((ws.title, "empty"))
    except InputError:
        raise
    except Exception as e:  # openpyxl and defusedxml raise many types for a damaged or hostile file
        raise _xlsx_fail(path, e) from None
    wb.close()
    if formulas is not None:
        formulas.close()
    raise InputError(f"{path}: empty worksheet (no header row)")


def _xlsx_chunks(path: Path, wb, formulas, first, chunk_rows: int, state: dict):
    """The records of the first sheet with a header and then of every later sheet with the same columns
    (``_column_keys``: a workbook of one sheet a month), reordered as the first sheet's; a sheet with other
    columns, or none, is skipped and named in ``state["skipped_sheets"]`` with why. A chunk holds rows of one
    sheet, named in ``state["sheet"]`` when the workbook has several; ``source_row`` counts within the sheet."""
    try:
        for title, rows, order in _xlsx_sheets(wb, formulas, first, state):
            if len(wb.worksheets) > 1:
                state["sheet"] = title
            yield from _sheet_chunks(path, rows, first[2], order, chunk_rows, state)
    except InputError:
        raise
    except Exception as e:
        raise _xlsx_fail(path, e) from None
    finally:
        wb.close()
        if formulas is not None:
            formulas.close()


def _xlsx_sheets(wb, formulas, first, state: dict) -> Iterator[tuple[str, Iterator, list[int] | None]]:
    """(title, rows, the positions of the first sheet's columns in them) of each sheet read, the first one first."""
    start, rows, header = first
    yield wb.worksheets[start].title, rows, None
    keys = _column_keys(header)
    for i in range(start + 1, len(wb.worksheets)):
        title = wb.worksheets[i].title
        rows = _sheet_rows(wb, formulas, i, state)
        theirs = _sheet_header(rows)
        found = _column_keys(theirs) if theirs else []
        if not theirs:
            state.setdefault("skipped_sheets", []).append((title, "empty"))
        elif sorted(found) != sorted(keys) or len(set(found)) < len(found):
            state.setdefault("skipped_sheets", []).append(
                (title, f"its columns ({shown_columns(theirs, most=8)}) are not the first sheet's"))
        else:
            yield title, rows, [found.index(k) for k in keys]


def _sheet_chunks(path: Path, rows, names: list[str], order: list[int] | None, chunk_rows: int, state: dict):
    """One sheet's records under ``names`` (its cells taken in ``order`` when given) and bad lines, in chunks."""
    records, index, bad, n = [], [], [], 0
    width = len(names)
    for values in rows:
        if not _filled(values):
            state["empty_rows"] = state.get("empty_rows", 0) + 1
            continue
        n += 1
        if n > XLSX_MAX_ROWS:
            raise InputError(f"{path}: more than {XLSX_MAX_ROWS:,} rows, more than an .xlsx sheet holds")
        values = list(values)
        if _filled(values[width:]):
            bad.append(BadLine(n, ["" if v is None else str(v) for v in values[:width + 50]],
                               "malformed line", f"cells beyond the header's {width} columns"))
            continue
        values = values[:width] + [None] * (width - len(values))
        records.append(values if order is None else [values[j] for j in order])
        index.append(n)
        if len(records) >= chunk_rows:
            yield _frame(records, names, index), bad
            records, index, bad = [], [], []
    yield _frame(records, names, index), bad


# --------------------------------------------------------------------------- Parquet


def _parquet(path: Path, chunk_rows: int) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise InputError(f"{path}: damaged Parquet file ({type(e).__name__}: {str(e)[:200]})") from None
    nested = {}
    for f in schema:
        t = f.type
        if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            nested[f.name] = "binary values (bytes)"
        elif pa.types.is_nested(t):
            nested[f.name] = f"{t} values"

    empty = _index_as_columns(schema.empty_table().to_pandas())
    columns = _unique_names(empty.columns)
    dtypes = {name: "boolean" if pd.api.types.is_bool_dtype(t) else t.name.replace("int", "Int").replace("uInt", "UInt")
              if pd.api.types.is_integer_dtype(t) else str(t) for name, t in zip(columns, empty.dtypes, strict=True)}
    # what a file without rows yields: built from the names alone, every column was text, and an empty partition
    # labelled by ``wbcs predict`` was written with text times beside the archive's timestamps (DuckDB and Dask refused
    # the archive)
    typed = empty.astype({col: object for col in nested if col in empty.columns})
    typed.columns, typed.index = columns, pd.RangeIndex(1, 1, name="source_row")
    stored = _stored_names(schema, empty.columns, columns)
    state: dict = {}

    def chunks():
        asked = state.get("columns")  # given by Table.chunks
        alone = asked is not None and all(c in stored for c in asked)  # else every column, as the header was read
        start = 0
        try:
            for batch in pf.iter_batches(batch_size=chunk_rows, columns=[stored[c] for c in asked] if alone else None):
                frame = _index_as_columns(batch.to_pandas())
                for col in nested:
                    if col in frame.columns:
                        frame[col] = frame[col].map(_nested_text).astype(object)
                if alone:  # (a named pandas index the file keeps in its metadata comes too: left out)
                    frame = frame[[stored[c] for c in asked]].set_axis(asked, axis=1)
                else:
                    frame.columns = _unique_names(frame.columns)
                frame.index = pd.RangeIndex(start + 1, start + len(frame) + 1, name="source_row")
                start += len(frame)
                yield frame, []
        except Exception as e:
            raise InputError(f"{path}: damaged Parquet file ({type(e).__name__}: {str(e)[:200]})") from None
        if start == 0:  # no rows: the schema's columns with their types (a chunk of rows would have them)
            yield typed, []

    return Table(path, "parquet", columns, nested=nested, dtypes=dtypes, _chunks=chunks(), _state=state)


def _stored_names(schema, read: pd.Index, columns: list[str]) -> dict[str, str]:
    """Header column → the name of the Parquet field it is read from alone (``iter_batches(columns=...)``), for the
    columns that can be: read under the field's own name (not a pandas index's ``__index_level_0__``, not a number
    as a name), no other field or column of that name (pyarrow would give both), no other field a nested path of
    which it could be (``a.b`` beside a struct ``a``: pyarrow selects nested fields by dotted path)."""
    fields = Counter(schema.names)
    names = Counter(read)
    return {col: name for col, name in zip(columns, read, strict=True)
            if isinstance(name, str) and fields[name] == 1 and names[name] == 1
            and not any(name.startswith(f"{other}.") for other in fields)}


def _index_as_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the levels of the pandas index its file's metadata restored that have a name as columns:
    posts' ids saved as the index (``df.set_index("id").to_parquet(...)``) stay with their rows (the chunk's index
    becomes ``source_row``); an unnamed index (an earlier table's row numbers) is dropped with it."""
    named = [i for i, name in enumerate(frame.index.names) if name is not None]
    return frame.reset_index(level=named) if named else frame


def _nested_text(v):
    if v is None:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, np.ndarray):
        v = v.tolist()
    return json.dumps(v, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- entry points


def not_a_folder(path: str | Path) -> Path:
    """``path``, refused in one line when it is a folder where a file is expected: else its suffix or absence said
    something misleading ("file not found", "unknown format ''"). The export reader, the label store and the label
    CLI all say it this way."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: a folder, not a file")
    return p


def open_table(path: str | Path, *, chunk_rows: int | None = None) -> Table:
    """Open one export: detect its format, read its header (see the module docstring);
    chunks hold ``chunk_rows`` records (default ``CHUNK_ROWS``)."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    try:
        path = not_a_folder(path)
        with open(path, "rb") as f:
            head = f.read(8)
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if head.startswith(b"PAR1"):
        return _parquet(path, chunk_rows)
    if head.startswith(b"PK\x03\x04"):
        state: dict = {}
        wb, formulas, first = _open_xlsx(path, state)
        return Table(path, "xlsx", first[2], _chunks=_xlsx_chunks(path, wb, formulas, first, chunk_rows, state),
                     _state=state)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: old Excel .xls format; save it as .xlsx or CSV (UTF-8)")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".xlsx") and size:  # read as CSV, its first line became the header
        kind = "a Parquet file (no PAR1 at its start)" if suffix == ".parquet" else "an .xlsx workbook (not a zip)"
        raise InputError(f"{path}: named {suffix} but not {kind}: a damaged or renamed file; give the file "
                         f"itself, or rename it to what it holds (.csv, .jsonl)")
    raw = _sample(path)
    if not raw.strip():
        raise InputError(f"{path}: empty file")
    complete = len(raw) >= size
    encoding = _detect_encoding(raw, path, complete)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw, final=complete)
    text = text.lstrip("\ufeff")
    array = _looks_like_json(text, complete, path.suffix.lower())
    if array is not None:
        keys, nested = _json_columns(path, encoding, array)
        return Table(path, "jsonl", _unique_names(keys), encoding=encoding, nested=nested,
                     _chunks=_json_chunks(path, encoding, array, keys, chunk_rows))
    if not complete:  # the sample may end inside a record
        text = text[:max(text.rfind("\n"), 0)] or text
    delimiter = _sniff_delimiter(text, path.suffix.lower())
    state: dict = {}
    chunks = _csv_chunks(path, encoding, delimiter, chunk_rows, state)
    names = next(chunks)
    return Table(path, "csv", names, encoding=encoding, delimiter=delimiter, _chunks=chunks, _state=state)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one export whole (see the module docstring); for files too large for memory,
    ``open_table(path).chunks()``.

    The index holds each record's 1-based position (``source_row``). ``df.attrs`` tells
    what was detected: ``format``, ``encoding``, ``delimiter``, ``nested`` columns, and
    ``bad_lines``, the ``BadLine`` records that could not be read (``ingest`` turns them
    into rejects)."""
    table = open_table(path)
    frames, bad = [], []
    for frame, b in table.chunks():
        frames.append(frame)
        bad += b
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    frame.attrs.update(table.attrs, bad_lines=bad)
    return frame
