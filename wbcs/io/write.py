"""The one writer every table wbcs writes goes through.

``write_table(df, path)`` (or ``TableWriter`` for a table written chunk by chunk) writes
``.csv`` (UTF-8 with BOM, so Excel reads the Chinese), ``.jsonl``, ``.parquet`` or
``.xlsx`` by the extension, and guarantees:

- **No formula.** A CSV cell (and header) that starts with ``= + - @``, a tab or a
  carriage return gets a leading ``'`` (OWASP's rule for CSV injection; the full-width
  ``＝ ＋ － ＠`` too), so no spreadsheet runs it; ``.xlsx`` text cells are typed as
  strings, never formulas, whatever they start with.
- **No PII.** Phone numbers, ID numbers and e-mails are masked (``wbcs.text.mask_frame``)
  in every column, numbers included, unless ``mask=False`` (the user's ``--no-mask``).
  Post ids, in the key column (``post_id``, ``item_id``) and in a cell listing them (an
  alert's ``post_ids``), follow one rule (``mask_table``, ``wbcs.pii.mask_ids``): other
  files join on them and an old Weibo mid can have the shape of a mobile number (STC-3
  has 14503511086), so an id of bare digits is kept as it is, in both places; an e-mail
  or an ID number used as an id is masked.
- **Atomic.** The table goes to a temporary file in the same folder, is flushed to
  disk and then renamed over the target (``os.replace``): a killed or failed write
  leaves the previous file intact, never a truncated one. A write the system refuses
  (a full disk, a file size limit) is one ``InputError`` line naming the target. The
  temporary name records its writer (``new_temp``): the next write of the same target
  removes what a killed writer left.
- **Nothing is silently cut.** An ``.xlsx`` cell holds at most 32,767 characters and a
  sheet 1,048,576 rows: a longer text or more rows is an ``InputError`` naming the row
  and column (write CSV or Parquet instead), not a truncated cell. (The control
  characters XML cannot hold, U+0000-U+001F but tab and line breaks, become U+FFFD in
  ``.xlsx``; the other formats keep them.)

``check_outputs`` runs before the work: it refuses an unknown format, a folder, an
unwritable place, and an output that is one of the inputs or another output (compared
after resolving links, hard links included).
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.pii import mask_ids, mask_pii
from wbcs.text import mask_frame

WRITE_FORMATS = (".csv", ".jsonl", ".parquet", ".xlsx")
KEY_COLUMNS = ("post_id", "item_id")
# cells that list post ids: an alert's, an incident's or a norm breach's evidence (wbcs.kpi); joined on post_id
ID_LIST_COLUMNS = ("post_ids",)
FORMULA_START = tuple("=+-@\t\r＝＋－＠")
XLSX_MAX_CHARS = 32_767
XLSX_MAX_ROWS = 1_048_576
# A write refused for want of room: whatever the block was doing, it was writing.
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# Characters an .xlsx (XML 1.0) cannot hold; openpyxl refuses them.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# When an .xlsx says it was made (its properties and the times of its ZIP members): the ZIP epoch, the earliest time
# a ZIP holds, not the clock, so that the same table gives the same bytes (a checksum, a diff, a same-seed synth)
XLSX_TIME = datetime.datetime(1980, 1, 1)


# --------------------------------------------------------------------------- checks before the work


def output_format(path: str | Path, formats: Iterable[str] = WRITE_FORMATS) -> str:
    """The format for ``path`` ('csv', ...) from its extension; InputError if unknown."""
    formats = tuple(formats)
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        raise InputError(f"{path}: unknown output format {suffix!r}; use {', '.join(formats)}")
    return suffix[1:]


def identity(path: str | Path):
    """What makes two paths the same file: (device, inode) when it exists (hard links), else
    the resolved path (symbolic links and '..' followed)."""
    resolved = Path(path).resolve()
    try:
        st = resolved.stat()
        return (st.st_dev, st.st_ino)
    except OSError:
        return str(resolved)


def _writable_place(path: Path, name: str | None = None, formats: tuple[str, ...] | None = None) -> None:
    if path.is_dir():
        # the example must be a name this command accepts: its first format (report: .html, not .csv)
        suffix = formats[0] if formats else path.suffix
        if not suffix:
            raise InputError(f"{path}: is a folder; give a file name in it")
        example = path / ((name or "--out").lstrip("-") + suffix)
        raise InputError(f"{path}: is a folder; give a file name, e.g. {example}")
    parent = path.parent
    while not parent.exists():  # created at write time: the nearest existing folder decides
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {parent} (permission denied); choose another folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path}: the file is read-only; choose another name or make it writable")


def check_outputs(outputs, *, inputs=(), formats: Iterable[str] | None = WRITE_FORMATS) -> None:
    """Refuse, before any work, outputs that cannot be written or would destroy a file.

    ``outputs`` and ``inputs`` are lists of paths or dicts {option name: path} (None
    entries are skipped). Each output needs a known format (unless ``formats`` is None),
    a writable place, and must differ from every input and every other output."""
    def named(paths):
        items = paths.items() if isinstance(paths, dict) else ((None, p) for p in paths)
        return [(name, Path(p)) for name, p in items if p is not None]

    formats = None if formats is None else tuple(formats)
    seen_in = {identity(path): (name, path) for name, path in named(inputs)}
    seen_out: dict = {}
    for name, path in named(outputs):
        label = f"{path}: {name}" if name else f"{path}:"
        _writable_place(path, name, formats)
        if formats is not None:
            output_format(path, formats)
        key = identity(path)
        if key in seen_in:
            iname, ipath = seen_in[key]
            what = f"the {iname} file" if iname else f"the input file {ipath}"
            raise InputError(f"{label} is {what}; writing it would destroy the input; choose another name")
        if key in seen_out:
            raise InputError(f"{label} is also the {seen_out[key]} file; give each output its own file")
        seen_out[key] = name or str(path)


def check_output(path: str | Path) -> str:
    """``check_outputs`` for one path; returns its format."""
    check_outputs([path])
    return output_format(path)


# --------------------------------------------------------------------------- atomic files


def _errno(e: OSError) -> int | None:
    """The error number, also from pyarrow's text ('Error writing bytes to file. Detail: [errno 28] ...')."""
    found = re.search(r"\[errno (\d+)\]", str(e), re.IGNORECASE)
    return e.errno if e.errno is not None or not found else int(found.group(1))


def cannot_write(path: Path, e: OSError) -> InputError:
    """The one line for a write the system refused."""
    code = _errno(e)
    why = os.strerror(code) if code is not None else e.strerror or str(e)
    full = code in (errno.ENOSPC, errno.EDQUOT)
    return InputError(f"{path}: cannot write ({why}); "
                      + ("free space on that disk or write to another one" if full else "choose another place"))


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Writing ``path``'s temporary file: a write the system refuses is one ``InputError`` line."""
    try:
        yield
    except OSError as e:
        raise cannot_write(path, e) from None
    except Exception as e:  # lxml (openpyxl's sheets) says SerialisationError('IO_ENOSPC')
        code = getattr(errno, str(e)[3:], None) if type(e).__name__ == "SerialisationError" else None
        if not isinstance(code, int):
            raise
        raise cannot_write(path, OSError(code, os.strerror(code))) from None


# A write killed before its ``finally`` ran (SIGKILL, the OOM killer, a kernel restart) leaves its temporary file or
# folder (a predict output, a model: gigabytes) hidden beside the target, one more per retry. No library cleans up
# after a dead writer (tempfile and the atomic-write packages only clean up in the process itself), so the name
# records the writer, ``.NAME.<host>-<pid>-<start>.<random>.tmp``, and the next write of NAME removes the temporary
# files and folders of writers that are gone. A writer counts as gone only when that is certain: it ran on this
# machine (a shared folder may hold another machine's) and its pid is free, or is held by a process started at
# another time (the pid reused; without /proc that cannot be told, so a pid in use is taken as the writer). A live
# writer's temporary (two writers of one target: the later rename wins), a name that does not match exactly, a
# link, another machine's, and anything on Windows (where os.kill(pid, 0) would end the process) are left alone.
_TEMP_PART = r"\.([0-9a-f]{8})-([1-9][0-9]{0,9})-([0-9a-f]{8}|0)\.[0-9a-f]{8}\.(tmp|old)(?:-wal|-shm|-journal)?"


@lru_cache(maxsize=1)
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _started(pid: int) -> str:
    """What tells process ``pid`` from a later one given the same number: its start time (clock ticks since boot,
    proc(5)) and the boot, hashed to 8 hex digits; '0' where the system does not say (no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        boot = Path("/proc/sys/kernel/random/boot_id").read_bytes()
    except OSError:
        return "0"
    ticks = stat[stat.rindex(b")") + 2:].split()[19]  # field 22; the command name before ')' may hold spaces
    return hashlib.sha256(boot.strip() + b"/" + ticks).hexdigest()[:8]


def _writer_gone(host: str, pid: int, started: str) -> bool:
    if host != _host() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # alive, another user's
        return False
    return started != "0" and _started(pid) not in (started, "0")


def _remove_leftovers(path: Path) -> None:
    """Remove the temporary files and folders that writes of ``path`` by processes now gone left beside it (a set
    aside ``.old`` model only when ``path`` exists again: else it is the only copy)."""
    pattern = re.compile(r"\." + re.escape(path.name) + _TEMP_PART)
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or (found[4] == "old" and not path.exists()) \
                or not _writer_gone(found[1], int(found[2]), found[3]):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            elif entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:  # not ours to remove (another user's): the write goes on
            pass


def new_temp(path: Path, *, folder: bool = False) -> Path:
    """A new empty temporary file (or ``folder``) beside ``path``, for a write of ``path``, named after its writer;
    the leftovers of earlier writes of ``path`` whose writer is gone are removed first. ``path``'s folder exists."""
    _remove_leftovers(path)
    pid = os.getpid()
    tmp = path.parent / f".{path.name}.{_host()}-{pid}-{_started(pid)}.{secrets.token_hex(4)}.tmp"
    if folder:
        tmp.mkdir()
    else:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return tmp


def _temp_beside(path: Path) -> Path:
    """A new empty temporary file in ``path``'s folder (created if needed)."""
    _writable_place(path)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        return new_temp(path)


def _commit(tmp: Path, path: Path) -> None:
    """Flush ``tmp`` to disk and rename it onto ``path`` (atomic on one file system)."""
    try:
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        # keep the permissions of the file being replaced; a new file gets the umask's
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise cannot_write(path, e) from None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; on success it is flushed and renamed onto ``path``,
    on error it is removed and ``path`` is left as it was (a full disk or a file size limit
    is one ``InputError`` line)."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and _errno(e) in _NO_ROOM:
            raise cannot_write(path, e) from None
        raise
    _commit(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write a text file (HTML, YAML, JSON) atomically, UTF-8."""
    path = Path(path)
    with atomic_path(path) as tmp, _writing(path):
        tmp.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- cells


def _as_text(v):
    """One object cell as text: lists and dicts as JSON, bytes decoded, the rest str()."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, list | tuple | dict | set):
        return json.dumps(list(v) if isinstance(v, set) else v, ensure_ascii=False, default=str)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def prepare(df: pd.DataFrame, *, mask: bool = True, masker=mask_pii) -> pd.DataFrame:
    """A copy fit to leave the package: no attrs, object and categorical columns as text
    (one type per column, so every format can hold it), PII masked (by ``masker``) unless ``mask=False``."""
    out = df.copy()
    out.attrs = {}
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
            texts = np.array([_as_text(u) for u in np.asarray(uniques, dtype=object)] + [None], dtype=object)
            out[col] = pd.array(texts[codes], dtype="string")
    return mask_table(out, masker=masker) if mask else out


def mask_table(df: pd.DataFrame, *, masker=mask_pii) -> pd.DataFrame:
    """``df`` with PII masked in every cell (by ``masker``) and column name, post ids (``KEY_COLUMNS``,
    ``ID_LIST_COLUMNS``) by ``mask_ids``: a mid is kept alike in a key and in a list of them, so they join."""
    ids = [c for c in df.columns if c in KEY_COLUMNS + ID_LIST_COLUMNS]
    out = mask_frame(df, columns=[c for c in df.columns if c not in ids], mask=masker)
    if ids:
        out = mask_frame(out, columns=ids, mask=mask_ids)
    out.columns = mask_names(out.columns)
    return out


def mask_names(names: Iterable) -> list[str]:
    """Column names with PII masked (a header can be a phone number too), kept apart: a name
    that masks like an earlier one gets .1, .2, ... (备注13812345678 and 备注13800005678)."""
    out: list[str] = []
    taken: set[str] = set()
    for name in map(str, names):
        shown = base = mask_pii(name)
        i = 0
        while shown != name and shown in taken:
            i += 1
            shown = f"{base}.{i}"
        taken.add(shown)
        out.append(shown)
    return out


def neutralise(value):
    """OWASP's rule: a text that a spreadsheet would read as a formula gets a leading '."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            starts = s.astype("string").str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
            if starts.any():
                values = s.astype(object).to_numpy().copy()
                values[starts] = ["'" + v for v in values[starts]]
                out[col] = pd.array(values, dtype="string")
    return out


def _iso_times(df: pd.DataFrame) -> pd.DataFrame:
    """Times as ISO text with their +08:00 offset (pandas' to_json would turn them to UTC)."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda t: None if pd.isna(t) else t.isoformat()).astype(object)
    return out


# --------------------------------------------------------------------------- the writer


class TableWriter:
    """Write a table chunk by chunk (``write`` for each), atomically: the target appears
    only when the ``with`` block ends without an error.

    Every chunk must have the same columns (the first chunk fixes them)."""

    def __init__(self, path: str | Path, *, mask: bool = True):
        self.path = Path(path)
        self.kind = output_format(self.path)
        self.mask = mask
        # values repeated across chunks (a note, a source, a province) are masked once; bounded, whatever the file
        self._masker = lru_cache(maxsize=100_000)(mask_pii)
        self.rows = 0
        self._columns: list[str] | None = None
        self._tmp: Path | None = None
        self._handle = None
        self._discarded = False

    def discard(self) -> None:
        """Write nothing after all: the target is left as it was when the block ends."""
        self._discarded = True

    def __enter__(self) -> TableWriter:
        self._tmp = _temp_beside(self.path)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and not self._discarded:
                if self._columns is None:  # no chunk at all: an empty table with no columns
                    self.write(pd.DataFrame())
                with _writing(self.path):
                    self._finish()
                _commit(self._tmp, self.path)
        finally:
            self._abort()
            self._tmp.unlink(missing_ok=True)

    def write(self, df: pd.DataFrame) -> None:
        out = prepare(df, mask=self.mask, masker=self._masker)
        with _writing(self.path):
            if self._columns is None:
                self._columns = list(out.columns)
                self._open(out)
            elif list(out.columns) != self._columns:
                raise ValueError(f"{self.path}: chunk columns {list(out.columns)} differ from {self._columns}")
            getattr(self, f"_write_{self.kind}")(out)
        self.rows += len(out)

    # ---------------------------------------------------------------- formats

    def _open(self, first: pd.DataFrame) -> None:
        self._csv_header = True
        if self.kind in ("csv", "jsonl"):
            self._handle = open(self._tmp, "w", encoding="utf-8-sig" if self.kind == "csv" else "utf-8",
                                newline="")
        elif self.kind == "xlsx":
            from openpyxl import Workbook

            self._handle = Workbook(write_only=True)
            self._sheet = self._handle.create_sheet("posts" if "post_id" in first.columns else "table")
            self._xlsx_row([str(c) for c in first.columns], header=True)
        # parquet opens on the first chunk: pyarrow needs its schema

    def _write_csv(self, out: pd.DataFrame) -> None:
        # CRLF (RFC 4180): Python's csv quotes a cell holding any character of the line
        # terminator, so a lone CR inside a text is quoted only with "\r\n"
        _neutralise_frame(out).to_csv(self._handle, index=False, header=self._csv_header, lineterminator="\r\n")
        self._csv_header = False

    def _write_jsonl(self, out: pd.DataFrame) -> None:
        if len(out):
            # pandas ends the lines with a newline of its own (another one left a blank line after every chunk)
            _iso_times(out).to_json(self._handle, orient="records", lines=True, force_ascii=False)

    def _write_parquet(self, out: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._handle is None:
            table = pa.Table.from_pandas(out, preserve_index=False)
            self._schema = table.schema
            self._handle = pq.ParquetWriter(self._tmp, self._schema)
        else:
            table = pa.Table.from_pandas(out, schema=self._schema, preserve_index=False)
        self._handle.write_table(table)

    def _write_xlsx(self, out: pd.DataFrame) -> None:
        if self.rows + len(out) + 1 > XLSX_MAX_ROWS:
            raise InputError(f"{self.path}: {self.rows + len(out):,} rows, more than an .xlsx sheet holds "
                             f"({XLSX_MAX_ROWS - 1:,}); write .csv or .parquet instead")
        out = out.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.DatetimeTZDtype):  # Excel has no time zones: Beijing wall-clock
                out[col] = out[col].dt.tz_convert(TIMEZONE).dt.tz_localize(None)
        columns = list(out.columns)
        for i, row in enumerate(out.astype(object).itertuples(index=False, name=None)):
            for j, v in enumerate(row):
                if isinstance(v, str) and len(v) > XLSX_MAX_CHARS:
                    raise InputError(f"{self.path}: row {self.rows + i + 1}, column {columns[j]!r}: "
                                     f"{len(v):,} characters, more than an .xlsx cell holds "
                                     f"({XLSX_MAX_CHARS:,}); write .csv or .parquet to keep the whole text")
            self._xlsx_row(row)

    def _xlsx_row(self, values, header: bool = False) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for v in values:
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
                cells.append(None)
                continue
            if isinstance(v, str):
                cell = WriteOnlyCell(self._sheet, value=_XLSX_ILLEGAL.sub("\ufffd", v))
                cell.data_type = "s"  # a text, never a formula, whatever it starts with
            elif isinstance(v, np.generic):
                cell = WriteOnlyCell(self._sheet, value=v.item())
            else:
                cell = WriteOnlyCell(self._sheet, value=v)
            cells.append(cell)
        self._sheet.append(cells)

    def _finish(self) -> None:
        if self.kind == "xlsx":
            from openpyxl.writer.excel import ExcelWriter

            # openpyxl's ExcelWriter, not Workbook.save: save_workbook stamps the modified time with the clock
            self._handle.properties.created = self._handle.properties.modified = XLSX_TIME
            with _FixedTimeZip(self._tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                ExcelWriter(self._handle, archive).save()
        elif self._handle is not None:
            self._handle.close()
        self._handle = None

    def _abort(self) -> None:
        if self._handle is not None:
            try:  # an unsaved sheet still holds openpyxl's own temporary file
                (self._sheet if self.kind == "xlsx" else self._handle).close()
            except Exception:  # the temporary file is removed anyway
                pass
        self._handle = None


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP archive whose members are dated ``XLSX_TIME``: zipfile dates a member written from bytes with the clock
    and one copied from a file (openpyxl's write-only sheet) with the file's time."""

    def _member(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=XLSX_TIME.timetuple()[:6])
        info.compress_type = self.compression
        return info

    def writestr(self, name, data, *args, **kwargs):
        super().writestr(self._member(name) if isinstance(name, str) else name, data, *args, **kwargs)

    def write(self, filename, arcname):
        info = self._member(arcname)
        info.file_size = os.path.getsize(filename)  # open() decides on ZIP64 by the size
        with open(filename, "rb") as src, self.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)  # a sheet of a million rows is not read into memory at once


def write_table(df: pd.DataFrame, path: str | Path, *, mask: bool = True) -> Path:
    """Write ``df`` by extension, safely (see the module docstring). Returns the path."""
    path = Path(path)
    with TableWriter(path, mask=mask) as w:
        w.write(df)
    return path
