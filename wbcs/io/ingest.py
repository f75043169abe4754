"""Reading real exports into the posts table, and writing tables out (PII-masked).

``read_table(path)`` reads CSV/TSV, JSON Lines (or a JSON array of records), Excel
``.xlsx`` and Parquet. The format comes from the content: Parquet and xlsx by their
magic bytes, JSON by its first record, anything else is delimited text whose
encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030/GBK) and delimiter
(comma, tab, semicolon, pipe) are detected; the extension only breaks ties. Every
cell is kept as read (text stays text: ids are never turned into floats).

``ingest(paths)`` maps headers to the schema (``HEADER_ALIASES``, or an explicit
``mapping``), checks every row, and returns the valid posts plus a rejects table with
a reason for every row it could not use. Decisions:

- A row without ``post_id`` gets a derived id, ``"h"`` + 16 hex digits of a BLAKE2b
  hash of its text and raw time: stable across files and re-exports, so the same
  post exported twice is caught as a duplicate (a file+row id would not be).
- A row without ``created_at`` gets the time decoded from its Weibo mid
  (``time_from_mid`` is True); a mid that decodes to an implausible time is rejected.
- Counts accept ``1,234``, ``1.2万`` and ``3亿``; label columns accept the taxonomy's
  ids and Chinese names.
- ``has_phone`` is computed from the text before masking; text and every other string
  column are then masked unless ``mask=False``. Rejected rows are masked too.
- ``source_row`` is the 1-based position of the record among the file's data records
  (the header is not counted; for JSON Lines it is the line number).
- Columns that map to nothing are not carried over; the summary lists them.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.schema import COLUMNS, DATETIME_COLUMNS, LABEL_FIELDS, load_taxonomy, validate_posts
from wbcs.text import has_phone, mask_frame, mask_pii, normalize
from wbcs.weibo import mid_to_datetime

# Schema column -> accepted headers, in priority order (the first one present wins).
# Headers are compared after normalize(), lower-casing and dropping spaces/underscores.
_ALIASES: dict[str, list[str]] = {
    "post_id": ["微博id", "mid", "微博编号", "帖子id", "id"],
    "text": ["内容", "正文", "微博内容", "博文", "微博正文", "帖子内容", "评论内容", "投诉内容",
             "文本", "content"],
    "created_at": ["发布时间", "发博时间", "发帖时间", "创建时间", "时间", "日期时间", "created",
                   "time", "publish_time", "post_time", "date"],
    "platform": ["平台", "来源", "来源平台", "媒体", "source", "site"],
    "province": ["省份", "地区", "省", "所在地", "region"],
    "author_id": ["用户id", "作者", "用户", "用户名", "昵称", "发布者", "uid", "user_id", "author", "user"],
    "author_followers": ["粉丝数", "粉丝", "粉丝量", "followers", "followers_count"],
    "reposts": ["转发数", "转发量", "转发", "reposts_count", "retweets"],
    "comments": ["评论数", "评论量", "comments_count"],
    "likes": ["点赞数", "点赞", "点赞量", "赞", "attitudes_count"],
    "reply_at": ["回复时间", "首次回复时间"],
    "resolved_at": ["解决时间", "办结时间", "处理完成时间"],
    "satisfied": ["是否满意", "满意度", "满意"],
    "operator": ["运营商"],
    "sentiment": ["情感", "情感倾向", "情绪"],
    "intent": ["意图", "诉求类型"],
    "topic": ["业务类型", "业务分类", "投诉分类"],
    "negative_subtype": ["负面类型", "负面子类"],
}
# Alias header -> schema column; every schema column is also its own alias.
HEADER_ALIASES: dict[str, str] = {a: col for col, names in _ALIASES.items() for a in [col, *names]}

_COUNT_COLUMNS = [c.name for c in COLUMNS.values() if c.dtype == "Int64"]
_DELIMITERS = [",", "\t", ";", "|"]
_REJECT_COLUMNS = ("source_file", "source_row", "reason", "detail", "raw_line")


def _header_key(header) -> str:
    return re.sub(r"[\s_]", "", normalize(str(header)).lower())


_ALIAS_KEYS = {_header_key(a): col for a, col in HEADER_ALIASES.items()}
_PRIORITY = {_header_key(a): i for names in _ALIASES.values() for i, a in enumerate(names, 1)}

# --------------------------------------------------------------------------- reading


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding name. Trial order: BOMs, strict UTF-8, GB18030 (a superset of
    GBK and GB2312), then charset-normalizer. Trials come first because short Chinese
    samples are where statistical detectors go wrong (GBK read as Big5 or cp1252),
    while a GBK file practically never passes strict UTF-8 decoding."""
    for bom, enc in [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")]:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError as e:
                raise InputError(f"{path}: starts with a {enc} byte-order mark but is not {enc} "
                                 f"(byte {e.start}); re-save it as UTF-8") from None
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path}: binary content, not a table; give a CSV, JSON Lines, .xlsx "
                         "or Parquet file")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few damaged bytes stays UTF-8 (the damage is replaced by U+FFFD
    # and reported) instead of turning wholesale into GB18030 mojibake: its valid
    # multi-byte characters far outnumber the errors, whereas GBK text read as UTF-8 is
    # nearly all errors.
    lenient = raw.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", errors="ignore"))
    if non_ascii - damaged >= 20 * damaged:
        return lenient, f"utf-8 ({damaged} damaged characters replaced by U+FFFD)"
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError(f"{path}: cannot tell the text encoding (not UTF-8 nor GB18030/GBK); "
                         "re-save it as UTF-8")
    return str(best), best.encoding


def _sniff_delimiter(text: str, hint: str) -> str:
    """The candidate that splits the first rows into the most columns, consistently."""
    sample = text[:65536]
    best, best_score = ",", (0.0, 1, False)
    for d in _DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d)][:50]
        if len(rows) > 1 and len(sample) == 65536:
            rows = rows[:-1]  # possibly cut short
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width, d == "\t" and hint == ".tsv")
        if score > best_score:
            best, best_score = d, score
    return best


def _read_delimited(text: str, delimiter: str, path: Path) -> tuple[pd.DataFrame, list]:
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(r for r in rows if any(c.strip() for c in r))
    except StopIteration:
        raise InputError(f"{path}: empty file (no header row)") from None
    except csv.Error as e:
        raise InputError(f"{path}: cannot read the header row ({e})") from None
    names = _unique_names(header)
    records, bad = [], []
    try:
        for row in rows:
            if not row or not any(c.strip() for c in row):
                continue  # blank line: not a record
            if len(row) > len(names):  # cells beyond the header would be lost
                bad.append((len(records) + len(bad) + 1, row,
                            f"{len(row)} fields, the header has {len(names)}"))
                continue
            records.append(row + [""] * (len(names) - len(row)))
    except csv.Error as e:
        raise InputError(f"{path}: line {rows.line_num}: {e}") from None
    frame = pd.DataFrame(records, columns=names, dtype=object)
    frame.index = _positions(len(records) + len(bad), [b[0] for b in bad])
    return frame, bad


def _positions(total: int, bad_rows: list[int]) -> pd.Index:
    """1-based record numbers of the good records, skipping the bad ones."""
    skip = set(bad_rows)
    return pd.Index([i for i in range(1, total + 1) if i not in skip], name="source_row")


def _unique_names(header: Sequence) -> list[str]:
    names, seen = [], Counter()
    for i, h in enumerate(header):
        name = str(h).strip().lstrip("\ufeff") or f"column_{i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return names


def _read_json(text: str, path: Path) -> tuple[pd.DataFrame, list]:
    def flat(v):  # nested values stay readable as JSON text
        return json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v

    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
        lines = list(enumerate(items, 1))
    else:
        lines = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    records, index, bad = [], [], []
    for lineno, item in lines:
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except json.JSONDecodeError as e:
                bad.append((lineno, [item], f"not valid JSON ({e.msg})"))
                continue
        if not isinstance(item, dict):
            bad.append((lineno, [json.dumps(item, ensure_ascii=False)], "not a JSON object"))
            continue
        records.append({str(k): flat(v) for k, v in item.items()})
        index.append(lineno)
    frame = pd.DataFrame.from_records(records).astype(object) if records else pd.DataFrame()
    frame = frame.where(frame.notna(), None)
    frame.index = pd.Index(index, name="source_row")
    return frame, bad


def _looks_like_json(text: str) -> bool:
    """A JSON array of records, or JSON Lines whose first line is an object."""
    if re.match(r"\s*\[\s*[{\]]", text):
        return True
    if not text.lstrip().startswith("{"):
        return False
    line = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one export; the format is detected from the content (see the module docstring).

    Cells are kept as read (strings for text formats, empty cells as None). The index
    holds each record's 1-based position (``source_row``). ``df.attrs`` tells what was
    detected: ``format``, ``encoding``, ``delimiter``, and ``bad_lines``, a list of
    ``(source_row, raw cells, problem)`` for records that could not be split into the
    header's columns (``ingest`` turns them into rejects).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if not raw.strip():
        raise InputError(f"{path}: empty file")
    attrs = {"encoding": None, "delimiter": None, "bad_lines": []}
    if raw.startswith(b"PAR1"):
        try:
            frame = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise InputError(f"{path}: damaged Parquet file ({type(e).__name__}: {e})") from None
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="source_row")
        attrs["format"] = "parquet"
    elif raw.startswith(b"PK\x03\x04"):
        frame = _read_xlsx(path)
        attrs["format"] = "xlsx"
    elif raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: old Excel .xls format; save it as .xlsx or CSV (UTF-8)")
    else:
        text, attrs["encoding"] = _decode(raw, path)
        if _looks_like_json(text):
            frame, attrs["bad_lines"] = _read_json(text, path)
            attrs["format"] = "jsonl"
        else:
            attrs["delimiter"] = _sniff_delimiter(text, path.suffix.lower())
            frame, attrs["bad_lines"] = _read_delimited(text, attrs["delimiter"], path)
            attrs["format"] = "csv"
    for col in frame.columns:  # blank cells are missing values, whatever the format
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            blank = frame[col].astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
            if blank.any():
                frame[col] = frame[col].astype(object).where(~blank, None)
    frame.attrs.update(attrs)
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(path) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise InputError(f"{path}: a zip archive, not an .xlsx workbook")
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    except zipfile.BadZipFile:
        raise InputError(f"{path}: damaged .xlsx file (bad zip archive)") from None
    frame.columns = _unique_names(frame.columns)
    frame = frame.where(frame.notna(), None)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="source_row")
    return frame


# --------------------------------------------------------------------------- ingest


@dataclass
class IngestResult:
    posts: pd.DataFrame
    rejects: pd.DataFrame
    summary: dict = field(default_factory=dict)


def resolve_columns(columns: Iterable, mapping: dict | None, source: str) -> dict[str, str]:
    """Schema column -> file column: ``HEADER_ALIASES``, overridden by an explicit
    ``mapping`` (target -> source). Raises ``InputError`` for an unknown target or a
    source column the file does not have."""
    columns = [str(c) for c in columns]
    chosen: dict[str, tuple[int, str]] = {}
    for col in columns:
        key = _header_key(col)
        target = _ALIAS_KEYS.get(key)
        if target:
            rank = 0 if key == _header_key(target) else _PRIORITY.get(key, 99)
            if target not in chosen or rank < chosen[target][0]:
                chosen[target] = (rank, col)
    resolved = {t: c for t, (_, c) in chosen.items()}
    for target, src in (mapping or {}).items():
        if target not in COLUMNS:
            raise InputError(f"mapping {target}={src}: unknown schema column {target!r}; "
                             f"choose from {', '.join(COLUMNS)}")
        match = [c for c in columns if c == src] or [c for c in columns
                                                      if _header_key(c) == _header_key(src)]
        if not match:
            raise InputError(f"{source}: mapping {target}={src}: no column {src!r}; "
                             f"columns are: {', '.join(columns)}")
        resolved[target] = match[0]
    return resolved


_CHINESE_TIME = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?秒?)?")


def _to_shanghai(ts: pd.Timestamp):
    if ts is None or pd.isna(ts):
        return None
    return ts.tz_localize(TIMEZONE) if ts.tzinfo is None else ts.tz_convert(TIMEZONE)


def _parse_one_time(v: str):
    """Slow path for one string: Chinese dates ('2016年1月2日 8:30'), then pandas/dateutil."""
    m = _CHINESE_TIME.fullmatch(v)
    if m:
        y, mo, d, h, mi, sec = (int(x or 0) for x in m.groups())
        v = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}"
    try:
        return _to_shanghai(pd.Timestamp(v))
    except (ValueError, OverflowError, TypeError):
        return None


def parse_times(values: pd.Series) -> pd.Series:
    """Cells as tz-aware Beijing times (naive times are Beijing time); NaT where missing or
    unreadable. Accepts ISO and common date formats, the Weibo API's
    'Tue May 31 17:46:55 +0800 2011', '2016年1月2日 8:30', Unix seconds or milliseconds
    (10 or 13 digits) and datetime cells. A value without a 4-digit year ('12:30',
    '5分钟前') is unreadable: it has no date to anchor it."""
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    if pd.api.types.is_datetime64_any_dtype(values):
        s = values.dt.tz_localize(TIMEZONE) if values.dt.tz is None else values.dt.tz_convert(TIMEZONE)
        return s.astype(out.dtype)
    cells = values[values.notna().to_numpy(dtype=bool)]
    stamps = [i for i, c in cells.items() if not isinstance(c, str) and hasattr(c, "year")]
    for i in stamps:  # datetime cells (xlsx)
        out[i] = _to_shanghai(pd.Timestamp(cells[i]))
    texts = pd.Series([str(v).strip() for v in cells.drop(stamps).tolist()],
                      index=cells.index.drop(stamps), dtype=object)
    epoch = texts.str.fullmatch(r"\d{10}|\d{13}").fillna(False).astype(bool)
    for digits, unit in ((10, "s"), (13, "ms")):
        sel = texts[epoch & (texts.str.len() == digits)]
        if len(sel):
            out[sel.index] = pd.to_datetime(sel.astype("int64"), unit=unit, utc=True).dt.tz_convert(TIMEZONE)
    rest = texts[~epoch & texts.str.contains(r"\d{4}", regex=True).fillna(False).astype(bool)]
    if len(rest):
        try:  # fast, vectorised: all ISO-like, one time zone or none
            fast = pd.to_datetime(rest, errors="coerce", format="ISO8601")
            fast = fast.dt.tz_localize(TIMEZONE) if fast.dt.tz is None else fast.dt.tz_convert(TIMEZONE)
        except (ValueError, TypeError):
            fast = pd.Series(pd.NaT, index=rest.index, dtype=out.dtype)
        ok = fast.notna()
        out[fast.index[ok]] = fast[ok]
        slow = rest[~ok]
        codes, uniques = pd.factorize(slow)
        parsed = [_parse_one_time(v) for v in uniques]
        for i, code in zip(slow.index, codes, strict=True):
            if parsed[code] is not None:
                out[i] = parsed[code]
    return out


def _parse_count(value):
    """A whole non-negative count; accepts '1,234', '1.2万', '3亿', '10万+'. None if not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value) if value >= 0 else None
    v = str(value).strip().replace(",", "").rstrip("+")
    scale = {"万": 10_000, "亿": 100_000_000}.get(v[-1:], 1)
    try:
        number = float(v[:-1] if scale > 1 else v) * scale
    except ValueError:
        return None
    return int(round(number)) if number >= 0 and abs(number - round(number)) < 1e-6 else None


def _by_unique(values: pd.Series, fn) -> pd.Series:
    """``fn`` over the non-missing values of a Series, each distinct value once (object dtype)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last slot answers missing (-1)
    results[:-1] = [fn(u) for u in uniques]
    return pd.Series(results[codes], index=values.index, dtype=object)


class _Rows:
    """The rows of one file, each rejected at most once, with the first reason found."""

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
        self.detail[index] = [template.format(*v) for v in values]

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()


def _label_maps() -> dict[str, dict[str, str]]:
    tax = load_taxonomy()
    maps = {}
    for name in LABEL_FIELDS:
        if name in tax.fields:
            maps[name] = {}
            for lab in tax[name].labels:
                maps[name].update({lab.id: lab.id, lab.zh: lab.id, lab.en.lower(): lab.id})
    return maps


def _check_file(raw: pd.DataFrame, cols: dict[str, str], source: str, seen: dict, mask: bool) -> tuple:
    """Build the posts of one file; returns (posts, rows) with the rejections in rows."""
    rows = _Rows(raw.index)
    df = pd.DataFrame({t: raw[c].astype(object) for t, c in cols.items()}, index=raw.index)

    text = _by_unique(df["text"], str)
    rows.reject(text.isna() | (text.fillna("").str.strip() == ""), "empty text", "no text")
    df["text"] = text

    # post ids: as text ("123.0" from a spreadsheet number becomes "123"); derived when missing
    pid = df["post_id"] if "post_id" in df else pd.Series(None, index=df.index, dtype=object)
    pid = _by_unique(pid, lambda v: (str(int(v)) if isinstance(v, float) and v.is_integer()
                                     else str(v).strip()) or None)
    time_raw = df["created_at"] if "created_at" in df else pd.Series(None, index=df.index, dtype=object)
    derived = pid.isna()
    # derived from the text as it is written out: a hash of the unmasked text would let
    # anyone holding the output try the 10^4 hidden digits of a masked number against it
    shown = _by_unique(text[derived], mask_pii) if mask else text[derived]
    pid[derived] = [
        "h" + hashlib.blake2b(f"{t}\x1f{c}".encode(), digest_size=8).hexdigest()
        for t, c in zip(shown, time_raw[derived], strict=True)]
    df["post_id"] = pid

    # created_at: parsed from the file, else decoded from the mid
    created = parse_times(time_raw)
    unreadable = time_raw.notna() & created.isna()
    rows.reject(unreadable, "unparseable time", "created_at {!r}", time_raw)
    from_mid = time_raw.isna()
    if from_mid.any():
        decoded, plausible = mid_to_datetime(pid[from_mid])
        is_mid = pid[from_mid].str.fullmatch(r"\d{1,19}").fillna(False) & ~derived[from_mid]
        rows.reject(from_mid & ~is_mid.reindex(df.index, fill_value=True), "no time",
                    "created_at is empty and post_id is not a Weibo mid to decode it from")
        bad_mid = is_mid & ~plausible
        rows.reject(bad_mid.reindex(df.index, fill_value=False), "implausible mid time",
                    "post_id {} decodes to {}", pid[from_mid], decoded)
        created[from_mid] = decoded.where(plausible)
    df["created_at"] = created.where(rows.ok)
    df["time_from_mid"] = from_mid

    for col in [c for c in DATETIME_COLUMNS if c in df and c != "created_at"]:
        parsed = parse_times(df[col])
        rows.reject(df[col].notna() & parsed.isna(), "unparseable time", col + " {!r}", df[col])
        df[col] = parsed.where(rows.ok)
    for col in [c for c in _COUNT_COLUMNS if c in df]:
        parsed = _by_unique(df[col], _parse_count)
        rows.reject(df[col].notna() & parsed.isna(), "bad value",
                    col + " {!r} is not a count", df[col])
        df[col] = pd.array(parsed.where(rows.ok), dtype="Int64")
    if "satisfied" in df:
        def as_bool(v):
            try:
                return validate_posts(pd.DataFrame({"satisfied": [v]}), required=(),
                                      check_labels=False)["satisfied"].iloc[0]
            except InputError:
                return None
        parsed = _by_unique(df["satisfied"], as_bool)
        rows.reject(df["satisfied"].notna() & parsed.isna(), "bad value",
                    "satisfied {!r} is not yes/no", df["satisfied"])
        df["satisfied"] = pd.array(parsed.where(rows.ok), dtype="boolean")
    for col, known in _label_maps().items():
        if col in df:
            parsed = _by_unique(df[col], lambda v, k=known: k.get(str(v).strip().lower(),
                                                                 k.get(str(v).strip())))
            rows.reject(df[col].notna() & parsed.isna(), "bad value",
                        col + " {!r} is not a label", df[col])
            df[col] = parsed

    # duplicates last, so that only usable rows claim an id
    ids = df.loc[rows.ok, "post_id"]
    earlier = _by_unique(ids, lambda k: f"{seen[k][0]} row {seen[k][1]}" if k in seen else None)
    first_row = pd.Series(ids.index, index=ids.index).groupby(ids.to_numpy()).transform("first")
    within = ids.duplicated(keep="first") & earlier.isna()
    earlier[within] = [f"{source} row {r}" for r in first_row[within]]
    rows.reject(earlier.notna().reindex(df.index, fill_value=False), "duplicate id",
                "post_id {!r} first seen in {}", ids, earlier)
    for row, key in ids[earlier.isna()].items():
        seen[key] = (source, int(row))
    df["has_phone"] = _by_unique(df["text"], has_phone).fillna(False).astype(bool)
    return df, rows, int(derived[rows.ok].sum())


def ingest(paths: str | Path | Iterable[str | Path], *, mapping: dict | None = None,
           mask: bool = True) -> IngestResult:
    """Read exports into one validated posts table (see the module docstring)."""
    from tqdm.auto import tqdm

    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not paths:
        raise InputError("ingest: no input files given")
    seen: dict = {}
    kept, rejected, files = [], [], {}
    sizes = [p.stat().st_size if p.is_file() else 0 for p in paths]
    # Progress in bytes read, for several files or a large one (tqdm hides it off a terminal).
    bar = tqdm(total=sum(sizes), desc="ingest", unit="B", unit_scale=True,
               disable=(len(paths) < 2 and sum(sizes) < 20_000_000) or None)
    for path, size in zip(paths, sizes, strict=True):
        source = str(path)
        bar.set_postfix_str(path.name)
        raw = read_table(path)
        cols = resolve_columns(raw.columns, mapping, source)
        if "text" not in cols:
            raise InputError(f"{source}: missing required column 'text' (a header such as 内容/正文/"
                             f"微博内容); columns are: {', '.join(map(str, raw.columns))}; "
                             "map one with --map text=COLUMN")
        if "created_at" not in cols and "post_id" not in cols:
            raise InputError(f"{source}: missing required column 'created_at' (no time column and no "
                             f"Weibo mid to decode it from); columns are: {', '.join(map(str, raw.columns))}; "
                             "map one with --map created_at=COLUMN")
        df, rows, n_derived = _check_file(raw, cols, source, seen, mask)
        posts = df[rows.ok].copy()
        posts.insert(0, "source_row", posts.index.astype("int64"))
        posts.insert(0, "source_file", source)
        kept.append(posts.reset_index(drop=True))
        rej = raw[~rows.ok].astype(object).rename(columns=lambda c: f"raw_{c}" if c in _REJECT_COLUMNS else c)
        rej.insert(0, "detail", rows.detail[~rows.ok])
        rej.insert(0, "reason", rows.reason[~rows.ok])
        bad = [{"source_row": r, "reason": "malformed line", "detail": why,
                "raw_line": (raw.attrs["delimiter"] or "").join(cells)}
               for r, cells, why in raw.attrs["bad_lines"]]
        rej = pd.concat([rej.reset_index(), pd.DataFrame(bad)], ignore_index=True)
        rej = rej.sort_values("source_row", kind="stable", ignore_index=True) if len(rej) else rej
        rej.insert(0, "source_file", source)
        rejected.append(rej)
        reasons = Counter(rej["reason"]) if len(rej) else Counter()
        files[source] = {
            "format": raw.attrs.get("format"), "encoding": raw.attrs.get("encoding"),
            "delimiter": raw.attrs.get("delimiter"), "read": len(raw) + len(bad),
            "kept": len(posts), "rejected": len(rej), "reasons": dict(reasons),
            "columns": cols, "ignored_columns": [str(c) for c in raw.columns if c not in cols.values()],
            "ids_derived": n_derived, "times_from_mid": int(posts["time_from_mid"].sum()),
        }
        bar.update(size)
    bar.close()
    posts = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    posts = validate_posts(posts, source="ingest")
    rejects = pd.concat(rejected, ignore_index=True).astype(object)
    rejects = rejects.where(rejects.notna(), None)
    rejects["source_row"] = rejects["source_row"].astype("Int64")
    if mask:  # every column but the key (see wbcs.io.write.KEY_COLUMNS)
        posts = mask_frame(posts, columns=[c for c in posts.columns if c != "post_id"])
        rejects = mask_frame(rejects)
    reasons = Counter()
    for f in files.values():
        reasons.update(f["reasons"])
    summary = {"read": sum(f["read"] for f in files.values()), "kept": len(posts),
               "rejected": len(rejects), "reasons": dict(reasons), "files": files}
    return IngestResult(posts, rejects, summary)
