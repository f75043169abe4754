"""LabelStore: every labelling action as an appended event in SQLite (WAL).

The ``events`` table is append-only (triggers refuse UPDATE and DELETE): a label, an
undo, a redo and a skip are each one row, so the history is complete and auditable and
the current labels are derived from it:

- a ``label`` event is *active* while the undos that target it equal the redos that
  target it;
- an annotator's current label for (item, field) is their latest active label event.

Every write checks its labels against the taxonomy: a field the taxonomy knows holds one of its
labels (a cell's surrounding spaces stripped, as ``read_annotations`` reads a file); the only
other fields are the ones the reply team keeps beside labels (``REPLY_FIELDS``, ``wbcs.reply.team``). A
conditional field (negative_subtype, only when sentiment is negative) is refused while its
condition fails on the annotator's labels of the item, and *retracted* when a later label makes
it fail (sentiment changed to neutral): an undo event of the store's own (source
``retracted: ...``), which the annotator's redo never replays and which undoing the label that
caused it takes back.

The ``imports`` table notes every import of a file's content (``import_source``) and for whom, even one that
recorded nothing: the same content imported again is said to be so, not recorded twice.

Durability: the connection runs in autocommit mode, so ``record`` returns only after
SQLite has committed its transaction, and ``synchronous=FULL`` makes that commit
fsync the WAL. NORMAL would already survive a killed process (``kill -9``: the WAL is
in the OS cache) but can lose the last commits on power loss; a person labels about
one post a second, so FULL's fsync per label (a few milliseconds, see
``benchmarks/bench_labeling.py``) costs nothing they would notice.

Several annotators (or kernels) may share one store: writers wait for each other
(``busy_timeout``) and undo/redo read and write inside one ``BEGIN IMMEDIATE``
transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.io.read import not_a_folder
from wbcs.labeling.fields import applies, conditional_fields, taxonomy
from wbcs.pii import find_pii, mask_pii
from wbcs.schema import Taxonomy

SCHEMA_VERSION = 1
LABEL_COLUMNS = ["item_id", "field", "value", "annotator", "labelled_at"]
HISTORY_COLUMNS = ["id", "action", "annotator", "item_id", "field", "value", "target",
                   "labelled_at", "recorded_at", "source"]
FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# The fields kept beside labels, free text: the reply team's accepted replies (``wbcs.reply.team``, which
# depends on the store, not the other way round): the public reply, the DM, the route and the post's text.
REPLY_FIELDS = ("reply", "reply_private", "reply_route", "reply_post")

_SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL CHECK (action IN ('label', 'undo', 'redo', 'skip')),
        annotator TEXT NOT NULL,
        item_id TEXT,
        field TEXT,
        value TEXT,
        target INTEGER REFERENCES events(id),
        labelled_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        source TEXT)""",
    "CREATE INDEX events_by_annotator ON events(annotator, action, id)",
    "CREATE INDEX events_by_target ON events(target)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END""",
]
# Added to schema version 1 after stores were made with it (events_by_key by d64ea95; imports, which records
# every import of a file's content, even one that recorded nothing): a new store is made with them, an older
# one gets them when it is opened for writing (without the index it could not be written at all: "no such
# index: events_by_key"), and the imports made before are read back from their label events' sources.
_ADDED = {
    "events_by_key": "CREATE INDEX IF NOT EXISTS events_by_key ON events(annotator, item_id, field, id)",
    "imports": """CREATE TABLE IF NOT EXISTS imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content TEXT NOT NULL,
        annotator TEXT NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL)""",
    "imports_by_content": "CREATE INDEX IF NOT EXISTS imports_by_content ON imports(content, annotator, id)",
}
_BACKFILL = """INSERT INTO imports (content, annotator, source, imported_at)
    SELECT content, annotator, source, recorded_at FROM (
        SELECT substr(source, -23) AS content, annotator, source, recorded_at, MIN(id) AS first FROM events
        WHERE action = 'label' AND source LIKE '% sha256:%' GROUP BY content, annotator)
    ORDER BY first"""


def _is_active(until: str = "") -> str:
    """The condition that a label event ``e`` is active: as many redos as undos target it (one index probe per
    label event; most have no undo at all). ``until``: a condition on those undos and redos (``u``), to read
    whether it was active at some time."""
    return f"""COALESCE((
    SELECT SUM(CASE u.action WHEN 'undo' THEN 1 ELSE -1 END)
    FROM events u WHERE u.target = e.id{until}), 0) = 0"""


_IS_ACTIVE = _is_active()
_ACTIVE = f"SELECT e.* FROM events e WHERE e.action = 'label' AND {_IS_ACTIVE}"
# The events of one annotator's items: without statistics SQLite picks events_by_annotator for "annotator = ? AND
# item_id = ? AND action = 'label'" and scans every label of the annotator (26,000 in the gold set) per key press.
_BY_KEY = "events e INDEXED BY events_by_key"  # (a read-only store made before the index: ``_by_key``)
# The source of the undo events the store writes itself when a conditional field stops applying.
RETRACTED = "retracted"
_CONTENT = re.compile(r" (sha256:[0-9a-f]{16})$")  # the content part of ``import_source``
# A number or an e-mail as wbcs masks them (``wbcs.pii``: 138****5678, 010-****5678, 110***********002X,
# a***@corp.com): an export's annotator column holds these where a name was contact data.
MASKED_NUMBER = re.compile(r"\d{2,4}-?\*{4,}\w{2,4}")
MASKED = re.compile(rf"{MASKED_NUMBER.pattern}|[^\W_]\*{{3}}@")
ANNOTATOR = re.compile(r"^[^\W_][\w.-]{0,40}$")  # \w is Unicode: 张三 is a name too


@dataclass(frozen=True)
class Event:
    """One label event (what ``undo``/``redo`` return)."""

    id: int
    item_id: str
    field: str
    value: str
    annotator: str
    labelled_at: pd.Timestamp


@dataclass(frozen=True)
class ImportSummary:
    recorded: int  # new labels appended
    unchanged: int  # the store already had this value
    stale: int  # the store holds a newer, different label (or none, undone since): kept
    retracted: int = 0  # labels of a field whose condition the recorded labels made fail
    already: str | None = None  # the same content was imported before (this source): nothing recorded
    # rows without a time of a file imported before (by its name) that still give what it gave then, whose labels
    # were changed in the store since (a correction in the widget, an undo): kept, as ``stale`` ones are
    newer: int = 0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _iso(value, where: str) -> str:
    """A timestamp as the store writes it (UTC ISO 8601, microseconds)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"{where}: cannot read {value!r} as a time") from None
    if pd.isna(ts):
        raise InputError(f"{where}: empty time")
    if ts.tzinfo is None:
        raise InputError(f"{where}: time {value!r} has no time zone; write it with an offset")
    return ts.tz_convert("UTC").to_pydatetime().isoformat(timespec="microseconds")


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", utc=True).dt.tz_convert(TIMEZONE)


def _at(where: str | None, item: str) -> str:
    """Where a label came from, for a message: the file and row (when it came from one) and the item."""
    return f"{where} (item {mask_pii(item)})" if where else f"item {mask_pii(item)}"


def _text(value, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{name} must be a non-empty string, got {value!r}")
    return value


def store_file(path: str | Path) -> Path:
    """``path`` as a label store's file: a folder refused with the file name to give instead."""
    try:
        return not_a_folder(path)
    except InputError as e:
        raise InputError(f"{e}; give the label store's file name, e.g. {Path(path) / 'store.sqlite'}") from None


def read_records(path: str | Path) -> list[dict]:
    """Rows of a .jsonl/.csv/.parquet file as dicts of strings (empty cells → '').

    Not ``pandas.read_*``: ids like 3830401296796826 and labels like "no" must come back
    exactly as written (no type guessing), and errors must name the row. A CSV is read as
    ingest reads an export (``wbcs.io.read``): its encoding (UTF-8, GBK/GB18030, UTF-16)
    and delimiter detected (an annotator's Excel may save GBK), and a cell wbcs's writer
    guarded against spreadsheets (``'@x``) read back as it was (``@x``), so that the ids of
    a sample or a batch template we wrote match the posts'.
    """
    p = not_a_folder(path)  # before its suffix: a folder named d.csv was "file not found", dd "unknown format ''"
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        raise InputError(f"{p}: unknown format {p.suffix!r}; use one of {', '.join(FORMATS)}")
    if not p.is_file():
        raise InputError(f"{p}: file not found")
    if kind == "jsonl":
        rows, n = [], 0
        with p.open(encoding="utf-8-sig") as f:
            try:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputError(f"{p}: row {n}: not valid JSON ({e.msg})") from None
                    if not isinstance(row, dict):
                        raise InputError(f"{p}: row {n}: expected a JSON object, got {type(row).__name__}")
                    rows.append({k: "" if v is None else str(v) for k, v in row.items()})
            except UnicodeDecodeError:
                raise InputError(f"{p}: line {n + 1}: not UTF-8 text (JSON Lines are UTF-8); "
                                 "save the file as UTF-8") from None
        return rows
    if kind == "csv":
        from wbcs.io.read import open_table

        rows = []
        for frame, bad in open_table(p).chunks():
            if bad:  # a row that cannot be read stops the file: a label is never dropped silently
                raise InputError(f"{p}: row {bad[0].row}: {bad[0].reason} ({bad[0].detail})")
            rows += [{k: "" if v is None else str(v) for k, v in r.items()} for r in frame.to_dict("records")]
        return rows
    df = pd.read_parquet(p)
    return [{k: "" if pd.isna(v) else (v.isoformat() if isinstance(v, pd.Timestamp) else str(v))
             for k, v in row.items()} for row in df.to_dict("records")]


def write_records(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table of ids and labels as .jsonl/.csv/.parquet (by the suffix), through
    wbcs's safe writer (atomic, formula-safe, texts PII-masked)."""
    from wbcs.io.write import output_format, write_table

    output_format(path, FORMATS)
    return write_table(df, path)


class LabelStore:
    """Labels as an append-only event log in one SQLite file (created when missing).

    A store is created whole or not at all (its schema is written to a temporary file
    beside it and linked into place), so an existing 0-byte file is never a new store
    but a damaged one. A store the user cannot write (file or folder read-only), or
    ``readonly=True``, opens read-only: reading works, recording says it is read-only.
    Opening checks the file (``PRAGMA quick_check``): zeroed or torn pages are one
    clear line, not a traceback later. Labels are checked against ``tax`` (default the
    project's taxonomy)."""

    def __init__(self, path: str | Path, *, readonly: bool = False, tax: Taxonomy | None = None):
        self.path = store_file(path)
        self.tax = taxonomy(tax)
        self._labels = {f: frozenset(self.tax.ids(f)) for f in self.tax.fields}
        self._others = frozenset(REPLY_FIELDS)  # the only fields kept beside labels: the reply team's, free text
        self._names_ok: set[str] = set()  # annotator names checked (``_check_annotator``)
        self._conditional = conditional_fields(self.tax)
        # the fields whose labels decide whether a conditional field applies (sentiment)
        self._conditions = {k for f in self._conditional for k, _ in self.tax[f].applies_when}
        if not self.path.exists():
            if readonly:
                raise InputError(f"{self.path}: no label store there")
            self._create_file()
        elif self.path.stat().st_size == 0:
            raise InputError(f"{self.path}: an empty file (0 bytes), not a label store; restore it from a "
                             "backup, or delete it to start a new store there")
        folder_ok = os.access(self.path.parent, os.W_OK | os.X_OK)
        self.readonly = readonly or not (os.access(self.path, os.W_OK) and folder_ok)
        try:
            if self.readonly:  # WAL readers need the -shm file: immutable when the folder is locked
                uri = f"{self.path.resolve().as_uri()}?{'mode=ro' if folder_ok else 'immutable=1'}"
                self._db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            else:
                self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as e:
            raise InputError(f"{self.path}: cannot open the label store ({e})") from None
        try:
            self._db.execute("PRAGMA busy_timeout = 30000")
            tables = {r[0] for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables or "events" not in tables:
                raise InputError(f"{self.path}: an SQLite file but not a wbcs label store "
                                 f"(tables: {', '.join(sorted(tables)) or 'none'}); choose another --store path")
            found = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if found is None or found[0] != str(SCHEMA_VERSION):
                raise InputError(
                    f"{self.path}: label store schema version {found[0] if found else 'missing'}, "
                    f"this wbcs reads version {SCHEMA_VERSION}; export the labels with the wbcs "
                    f"that wrote it and import them into a new store")
            check = [r[0] for r in self._db.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise InputError(f"{self.path}: the label store is damaged ({check[0]}); restore it from a "
                                 "backup or rebuild it ('wbcs label rebuild')")
            if not self.readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = FULL")
                self._migrate()
            have = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            self._by_key = _BY_KEY if "events_by_key" in have else "events e"
        except sqlite3.DatabaseError as e:
            self._db.close()
            raise InputError(f"{self.path}: not a wbcs label store, or a damaged one ({e})") from None
        except InputError:
            self._db.close()
            raise

    def _migrate(self) -> None:
        """Add what schema version 1 gained since a store was made (``_ADDED``), in one write transaction."""
        def missing():
            have = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            return [name for name in _ADDED if name not in have]

        if not missing():  # the common case: no write lock taken on open
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                todo = missing()  # again inside the transaction: another process may have just done it
                for name in todo:
                    self._db.execute(_ADDED[name])
                if "imports" in todo:
                    self._db.execute(_BACKFILL)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as e:
            raise InputError(f"{self.path}: cannot bring the label store up to date ({e}); open it where it can "
                             "be written") from None

    def _create_file(self) -> None:
        """Write the schema to a temporary file beside the store and link it into place:
        two processes creating the same store both end with the one that landed first."""
        from wbcs.io.write import new_temp

        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = new_temp(self.path)  # a killed creation's leftovers are removed here
        except OSError as e:
            raise InputError(f"{self.path}: cannot create a label store in {folder} ({e.strerror}); "
                             "choose a --store path in a folder you can write") from None
        try:
            db = sqlite3.connect(tmp, isolation_level=None)
            try:
                db.execute("BEGIN")
                for statement in [*_SCHEMA, *_ADDED.values()]:
                    db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('schema_version', ?), ('created_at', ?)",
                           (str(SCHEMA_VERSION), _now()))
                db.execute("COMMIT")
                db.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
            finally:
                db.close()
            try:
                os.link(tmp, self.path)  # fails if another process created the store first: fine
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: rename unless it appeared meanwhile
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except OSError as e:
            raise InputError(f"{self.path}: cannot create the label store ({e.strerror})") from None
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    def _writable(self) -> None:
        if self.readonly:
            raise InputError(f"{self.path}: the label store is read-only (permission denied); nothing was "
                             "recorded: copy it to a folder you can write, or ask its owner")

    def _write(self, fn):
        """Run a write, turning SQLite's own refusals into one clear line."""
        self._writable()
        try:
            return fn()
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # the caller's mistake (a closed store), not the file's
        except sqlite3.OperationalError as e:
            if "readonly" in str(e) or "read-only" in str(e):
                self.readonly = True
                self._writable()
            raise InputError(f"{self.path}: cannot write the label store ({e})") from None
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: the label store is damaged ({e}); restore it from a backup "
                             "or rebuild it ('wbcs label rebuild')") from None

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LabelStore({str(self.path)!r})"

    # ------------------------------------------------------------------ writing

    def _transaction(self, fn):
        """``fn()`` inside one write transaction (other writers wait): all of it or nothing."""
        def run():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                out = fn()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return out
        return self._write(run)

    def _insert(self, action, annotator, item_id=None, field=None, value=None, target=None,
                labelled_at=None, source=None) -> int:
        now = _now()
        cur = self._db.execute(
            "INSERT INTO events (action, annotator, item_id, field, value, target, labelled_at,"
            " recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (action, annotator, item_id, field, value, target, labelled_at or now, now, source))
        return int(cur.lastrowid)

    def _valid(self, row: dict, where: str | None = None) -> dict:
        """A label row as the store keeps it (``where``: the file and row it came from, for the message).

        Names and ids are stripped, and so is a taxonomy field's value (as ``read_annotations`` reads a
        cell), which must then be one of the field's labels: ' negative ' is negative, 'Negatve' or
        'negative\u200b' a refusal, not a label that stops ``agreement`` until it is undone. The only
        other fields are the reply team's (free text, kept as given)."""
        item, field, annotator = (_text(row.get(c), c).strip() for c in ("item_id", "field", "annotator"))
        value = _text(row.get("value"), "value")
        if field in self._labels:
            value = value.strip()
            if value not in self._labels[field]:
                raise InputError(f"{_at(where, item)}, field {field!r}: unknown label {mask_pii(value)!r} "
                                 f"(known: {', '.join(self.tax.ids(field))})")
        elif field not in self._others:
            raise InputError(f"{_at(where, item)}: unknown field {mask_pii(field)!r} "
                             f"(label fields: {', '.join(self.tax.fields)})")
        self._check_annotator(annotator, item, where)
        return {**row, "item_id": item, "field": field, "value": value, "annotator": annotator, "where": where}

    def _check_annotator(self, name: str, item: str, where: str | None) -> None:
        """``check_annotator_name`` once per name, the store's own names known."""
        if name not in self._names_ok:
            check_annotator_name(name, f"{_at(where, item)}, column 'annotator'", known=lambda n: self._db.execute(
                "SELECT 1 FROM events WHERE annotator = ? LIMIT 1", (n,)).fetchone() is not None)
            self._names_ok.add(name)

    def _append(self, rows: Iterable[dict], source: str | None) -> list[int]:
        ids = []
        for r in rows:
            when = r.get("labelled_at")
            ids.append(self._insert(
                "label", r["annotator"], r["item_id"], r["field"], r["value"],
                labelled_at=_iso(when, "labelled_at") if when is not None else None, source=source))
        return ids

    def _settle(self, given: list[dict]) -> int:
        """Inside a write transaction, after ``given`` (valid rows) was applied: keep each annotator's
        labels of each item they touch consistent with the taxonomy's conditions.

        A given conditional label whose condition fails on the annotator's labels of the item is refused
        (the transaction rolls back); a conditional label a given one made fail (sentiment now neutral)
        is retracted. Returns the labels retracted."""
        # the given rows grouped by (annotator, item) first: a loop over every given row per key made
        # record_many quadratic (8,000 rows 21.5 s)
        touched: dict[tuple[str, str], list[dict]] = {}
        for r in given:
            if r["field"] in self._conditions or r["field"] in self._conditional:
                touched.setdefault((r["annotator"], r["item_id"]), []).append(r)
        retracted = 0
        for (annotator, item), rows in sorted(touched.items()):
            labels = self.labels_of(annotator, item)
            for r in rows:
                if r["field"] in self._conditional and applies(r["field"], labels, self.tax) is False:
                    raise self._ruled_out(r, labels)
            retracted += self._retract(annotator, item, labels)
        return retracted

    def _ruled_out(self, row: dict, labels: dict[str, str]) -> InputError:
        """The refusal of a conditional label whose condition fails on the annotator's ``labels`` of the item."""
        because = ", ".join(f"{row['annotator']}'s {k} is {labels.get(k)!r}" for k, _ in self.tax[row["field"]].applies_when)
        return InputError(f"{_at(row['where'], row['item_id'])}, field {row['field']!r}: {mask_pii(row['value'])!r} "
                          f"given but {because}; leave it out")

    def _retract(self, annotator: str, item: str, labels: dict[str, str]) -> int:
        """Undo (the store's own undo events) every active label of the conditional fields that no longer
        apply to these ``labels`` of the annotator's; returns how many fields were retracted."""
        gone = 0
        for field in self._conditional:
            if field not in labels or applies(field, labels, self.tax) is not False:
                continue
            why = f"{RETRACTED}: " + ", ".join(f"{k} is {labels.get(k)}" for k, _ in self.tax[field].applies_when)
            # a relabelled field has several active label events: all go, or undoing the latest would show an older
            for eid, value in self._db.execute(
                    f"SELECT e.id, e.value FROM {self._by_key} WHERE e.annotator = ? AND e.item_id = ? AND e.field = ?"
                    f" AND e.action = 'label' AND {_IS_ACTIVE} ORDER BY e.id", (annotator, item, field)).fetchall():
                self._insert("undo", annotator, item, field, value, target=eid, source=why)
            gone += 1
        return gone

    def _restore(self, annotator: str, item: str, after: int) -> None:
        """After an undo of event ``after``: take back the retractions made since then of the item's conditional
        fields that apply again (undoing "sentiment neutral" brings back the subtype it retracted), unless
        the annotator has undone the label meanwhile (the retraction is no longer the last word on it)."""
        labels = self.labels_of(annotator, item)
        for field in self._conditional:
            if field in labels or applies(field, labels, self.tax) is False:
                continue
            for target, value in self._db.execute(
                    "SELECT u.target, u.value FROM events u WHERE u.annotator = ? AND u.item_id = ? AND u.field = ?"
                    " AND u.action = 'undo' AND u.id > ? AND u.source LIKE ? AND u.id = "
                    "(SELECT MAX(x.id) FROM events x WHERE x.target = u.target) ORDER BY u.id",
                    (annotator, item, field, after, f"{RETRACTED}:%")).fetchall():
                self._insert("redo", annotator, item, field, value, target=target, source=f"{RETRACTED}: undone")

    def record(self, item_id: str, field: str, value: str, annotator: str, *,
               labelled_at=None, source: str | None = None) -> int:
        """Append a label; returns its event id once the transaction is committed. A conditional label
        its own sentiment no longer allows is retracted in the same transaction (module docstring)."""
        row = self._valid({"item_id": item_id, "field": field, "value": value, "annotator": annotator,
                           "labelled_at": labelled_at})

        def run():
            [event] = self._append([row], source)
            self._settle([row])
            return event
        return self._transaction(run)

    def record_many(self, rows: Iterable[dict], *, source: str | None = None) -> list[int]:
        """Append many labels (dicts with item_id, field, value, annotator[, labelled_at])
        in one transaction: all are recorded or none."""
        rows = [self._valid(r) for r in rows]

        def run():
            events = self._append(rows, source)
            self._settle(rows)
            return events
        return self._transaction(run)

    def skip(self, item_id: str, annotator: str, *, source: str | None = None) -> int:
        """Note that the annotator skipped an item (kept in the history, no label)."""
        args = (_text(annotator, "annotator"), _text(item_id, "item_id"))
        return self._write(lambda: self._insert("skip", *args, source=source))

    def _event(self, row) -> Event:
        return Event(int(row[0]), row[1], row[2], row[3], row[4],
                     pd.Timestamp(row[5]).tz_convert(TIMEZONE))

    def _scope(self, items: Iterable[str] | None) -> str:
        """The SQL condition keeping undo/redo to ``items`` (a widget's own; None: every item)."""
        return "" if items is None else f" AND e.item_id IN ({self._wanted(items)})"

    def undo(self, annotator: str, *, items: Iterable[str] | None = None) -> Event | None:
        """Undo the annotator's latest active label (of ``items`` only, when given: a widget undoes its own
        items' labels, never a file's imported earlier); returns it, or None if nothing is left. What the
        undone label retracted comes back; what the label it uncovers (an older sentiment) rules out is
        retracted."""
        def run():
            row = self._db.execute(
                f"SELECT id, item_id, field, value, annotator, labelled_at FROM ({_ACTIVE}{self._scope(items)})"
                " WHERE annotator = ? ORDER BY id DESC LIMIT 1", (annotator,)).fetchone()
            if row is not None:
                self._insert("undo", annotator, row[1], row[2], row[3], target=row[0])
                if row[2] in self._conditions:
                    self._restore(annotator, row[1], row[0])
                    self._retract(annotator, row[1], self.labels_of(annotator, row[1]))
            return row
        row = self._transaction(run)
        return None if row is None else self._event(row)

    def redo(self, annotator: str, *, items: Iterable[str] | None = None) -> Event | None:
        """Redo the annotator's latest undo made since their last new label, if any (of ``items`` only, when
        given: a label recorded elsewhere meanwhile, another session's or an import's, leaves this one's redo
        as it was); never the store's own retractions (redoing "sentiment neutral" retracts the subtype
        again)."""
        def run():
            scope = self._scope(items)
            last = self._db.execute(
                f"SELECT COALESCE(MAX(e.id), 0) FROM events e WHERE e.annotator = ? AND e.action = 'label'{scope}",
                (annotator,)).fetchone()[0]
            row = self._db.execute(
                f"""SELECT e.id, e.item_id, e.field, e.value, e.annotator, e.labelled_at
                FROM events u JOIN events e ON e.id = u.target
                WHERE u.annotator = ? AND u.action = 'undo' AND u.id > ?{scope}
                  AND COALESCE(u.source, '') NOT LIKE ?
                  AND NOT {_IS_ACTIVE}
                ORDER BY u.id DESC LIMIT 1""", (annotator, last, f"{RETRACTED}:%")).fetchone()
            if row is not None:
                self._insert("redo", annotator, row[1], row[2], row[3], target=row[0])
                if row[2] in self._conditions or row[2] in self._conditional:
                    self._retract(annotator, row[1], self.labels_of(annotator, row[1]))
            return row
        row = self._transaction(run)
        return None if row is None else self._event(row)

    # ------------------------------------------------------------------ reading

    def current(self, annotator: str | None = None, *, items: Iterable[str] | None = None) -> pd.DataFrame:
        """Current labels: one row per (item_id, field, annotator), the latest active one; ``items``: of those
        items only (an import touches a few of the store's items)."""
        where, args = (" AND e.annotator = ?", (annotator,)) if annotator is not None else ("", ())
        if items is not None:
            where += f" AND e.item_id IN ({self._wanted(items)})"
        # SQLite takes bare columns from the row holding the MAX(id) of each group.
        rows = self._db.execute(
            f"""SELECT item_id, field, value, annotator, labelled_at, MAX(id) FROM ({_ACTIVE}{where})
                GROUP BY annotator, item_id, field ORDER BY annotator, item_id, field""",
            args).fetchall()
        rows = [r[:5] for r in rows]
        df = pd.DataFrame(rows, columns=LABEL_COLUMNS)
        for col in LABEL_COLUMNS[:-1]:
            df[col] = df[col].astype("string")
        df["labelled_at"] = _times(df["labelled_at"])
        return df

    def _wanted(self, items: Iterable[str]) -> str:
        """A subquery of these item ids: a temporary table, not "IN (?, ?, …)": an import may hold more ids than
        SQLite takes parameters."""
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_items (item_id TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM wanted_items")
        self._db.executemany("INSERT OR IGNORE INTO wanted_items VALUES (?)", ((str(i),) for i in items))
        return "SELECT item_id FROM wanted_items"

    def history(self) -> pd.DataFrame:
        """Every event (labels, undos, redos, skips) in the order they were appended."""
        rows = self._db.execute(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM events ORDER BY id")
        df = pd.DataFrame(rows.fetchall(), columns=HISTORY_COLUMNS)
        for col in ["action", "annotator", "item_id", "field", "value", "source"]:
            df[col] = df[col].astype("string")
        df["target"] = df["target"].astype("Int64")
        for col in ["labelled_at", "recorded_at"]:
            df[col] = _times(df[col])
        return df

    def annotators(self) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT annotator FROM events ORDER BY annotator")]

    def skipped(self, annotator: str) -> set[str]:
        """Items the annotator skipped (and has not labelled since)."""
        return {r[0] for r in self._db.execute(
            f"""SELECT s.item_id FROM events s WHERE s.annotator = ? AND s.action = 'skip'
               AND NOT EXISTS (SELECT 1 FROM {self._by_key} WHERE e.annotator = s.annotator AND e.item_id = s.item_id
                               AND e.action = 'label' AND e.id > s.id)""", (annotator,))}

    def labels_of(self, annotator: str, item_id: str) -> dict[str, str]:
        """An annotator's current labels of one item, field → value (an index probe: cheap per key press)."""
        rows = self._db.execute(
            f"SELECT e.field, e.value FROM {self._by_key} WHERE e.annotator = ? AND e.item_id = ? AND e.action = 'label'"
            f" AND {_IS_ACTIVE} ORDER BY e.id", (annotator, item_id))
        return dict(rows.fetchall())  # the latest active label of each field wins

    # ------------------------------------------------------------------ files

    def export(self, path: str | Path, *, annotator: str | None = None) -> Path:
        """Write the current labels (ids and labels only) as .jsonl, .csv or .parquet."""
        return write_records(self.current(annotator), path)

    def import_labels(self, path: str | Path, *, source: str | None = None, again: bool = False,
                      identical: bool = False) -> ImportSummary:
        """Read labels exported by ``export`` (any format) back, in one transaction.

        Rows go through ``record_changes``: re-importing a file duplicates nothing, labels
        keep their original ``labelled_at``, the same content imported again records
        nothing unless ``again``, and content imported for another annotator is refused
        unless ``identical``.
        """
        p = Path(path)
        rows = read_records(p)
        if rows:
            missing = [c for c in LABEL_COLUMNS if c not in rows[0]]
            if missing:
                raise InputError(f"{p}: missing column {missing[0]!r} "
                                 f"(a label export has {', '.join(LABEL_COLUMNS)})")
        for n, row in enumerate(rows, 1):
            for col in LABEL_COLUMNS:
                if not row[col].strip():
                    raise InputError(f"{p}: row {n}, column {col!r} is empty")
            row["labelled_at"] = pd.Timestamp(
                _iso(row["labelled_at"], f"{p}: row {n}, column 'labelled_at'"))
            row["where"] = f"{p}: row {n}"
        return self.record_changes(rows, source=source or import_source(p), again=again, identical=identical)

    def record_changes(self, rows: Iterable[dict], *, source: str | None = None,
                       again: bool = False, identical: bool = False) -> ImportSummary:
        """Record the rows (item_id, field, value, annotator[, labelled_at][, where: the file and
        row, for messages]) that change the current labels, in one transaction.

        A row equal to the current label is not recorded again (``unchanged``); a row
        older than a different current label is kept out (``stale``), and so is a conditional
        label older than the label that rules it out (an old subtype of a post now neutral); the
        rest are appended (``recorded``), and the conditional labels they rule out are retracted
        (``retracted``). A newer conditional label that its item's labels rule out is refused.

        A row without a time of a file imported before under the same name for its annotator (an edited
        batch file) that gives what the file gave then is kept out (``newer``) when the annotator's label was
        changed since by something else than that file (a correction in the widget, an undo): only the rows
        edited in the file are recorded, unless ``again`` (a batch row has no time for the ``stale`` guard).

        A ``source`` naming a file's content (``import_source``) that the store already holds
        for an annotator of the rows is not recorded again unless ``again``: the summary says
        so (``already``) and counts as ``stale`` the rows that differ from the current labels,
        the corrections made since, which re-recording the file would revert. A content the store
        holds only for other annotators is refused unless ``identical``: a batch file has no
        annotator column, and one byte for byte like another annotator's is almost surely theirs,
        imported under the wrong name (it replaced this annotator's labels and made κ perfect). The
        current labels are read inside the same write transaction, so two processes importing the
        same file at once record it once.
        """
        rows = [self._valid(r, r.get("where")) for r in rows]
        content = _CONTENT.search(source or "")

        def run():
            # only the rows' items: reading the whole store on every call made importing every pass quadratic
            # (352 files: 163 s, most of it here)
            now: dict[tuple[str, str], dict[str, tuple[str, pd.Timestamp]]] = {}
            for r in self.current(items={row["item_id"] for row in rows}).itertuples():
                now.setdefault((r.item_id, r.annotator), {})[r.field] = (r.value, r.labelled_at)
            if content:
                mine = {row["annotator"] for row in rows}
                imports = self._db.execute("SELECT annotator, source FROM imports WHERE content = ? ORDER BY id",
                                           (content.group(1),)).fetchall()
                earlier = next((src for who, src in imports if who in mine), None)
                if earlier is not None and not again:
                    same = sum(self._same(r, now.get((r["item_id"], r["annotator"]), {}).get(r["field"], (None,))[0])
                               for r in rows)
                    return ImportSummary(0, same, len(rows) - same, already=earlier)
                if earlier is None and not identical:  # (a file accepted for them before was theirs)
                    for other, theirs in imports:
                        if other not in mine:
                            raise InputError(
                                f"{rows[0].get('where') or source}: the same content, byte for byte, was imported for {mask_pii(other)!r} "
                                f"({theirs}); nothing was recorded for {', '.join(map(mask_pii, sorted(mine)))}: "
                                f"import their own file, or add --identical if their labels really are identical")
            kept = set() if again or not content else self._changed_since(
                [r for r in rows if r.get("labelled_at") is None
                 and not self._same(r, now.get((r["item_id"], r["annotator"]), {}).get(r["field"], (None,))[0])],
                source[:content.start()])
            todo, unchanged, stale = [], 0, 0
            # the conditional fields last: whether they apply is decided on the item's labels after the others
            for row in sorted(rows, key=lambda r: r["field"] in self._conditional):
                labels = now.setdefault((row["item_id"], row["annotator"]), {})
                when = row.get("labelled_at")
                have = labels.get(row["field"])
                if have is not None and self._same(row, have[0]):
                    unchanged += 1
                    continue
                if have is not None and when is not None and have[1] > when:
                    stale += 1
                    continue
                if (row["annotator"], row["item_id"], row["field"]) in kept:
                    continue
                if row["field"] in self._conditional:
                    values = {f: v for f, (v, _) in labels.items()}
                    if applies(row["field"], values, self.tax) is False:
                        ruling = [labels[k][1] for k, _ in self.tax[row["field"]].applies_when if k in labels]
                        if when is not None and all(t > when for t in ruling):
                            stale += 1
                            continue
                        raise self._ruled_out(row, values)
                todo.append({c: row[c] for c in LABEL_COLUMNS[:-1]} | {"labelled_at": when})
                labels[row["field"]] = (row["value"], when if when is not None else pd.Timestamp.now(tz="UTC"))
            self._append(todo, source)
            touched = {(r["item_id"], r["annotator"]) for r in todo if r["field"] in self._conditions}
            retracted = sum(self._retract(annotator, item, {f: v for f, (v, _) in now[(item, annotator)].items()})
                            for item, annotator in sorted(touched))
            if content:  # said, even when nothing was recorded: a second import is then "already imported"
                # after every event of the import: the labels as of imported_at are the ones it left (``_changed_since``)
                self._db.executemany("INSERT INTO imports (content, annotator, source, imported_at) VALUES (?, ?, ?, ?)",
                                     [(content.group(1), who, source, _now()) for who in sorted(mine)])
            return ImportSummary(len(todo), unchanged, stale, retracted, newer=len(kept))

        return self._transaction(run)

    def _changed_since(self, rows: list[dict], name: str) -> set[tuple[str, str, str]]:
        """Of ``rows`` (without a time, each unlike its annotator's current label) of a file named ``name`` (its
        source without the content: ``import:batch_001.csv``), the (annotator, item, field) whose value the
        file gave at an earlier import of that name for the annotator and whose current label did not come from
        that file (or is gone): changed in the store since, by a correction in the widget or an undo. The file
        edited elsewhere and imported again would revert them; re-recording them would be a guess, as a batch row
        has no time. Read in the import's write transaction."""
        kept = set()
        for annotator in sorted({r["annotator"] for r in rows}):
            mine = [r for r in rows if r["annotator"] == annotator]
            imports = self._db.execute(
                "SELECT source, imported_at FROM imports WHERE annotator = ? AND substr(source, 1, ?) = ? ORDER BY id",
                (annotator, len(name), name)).fetchall()
            if not imports:
                continue
            items = {r["item_id"] for r in mine}
            given: dict[tuple[str, str], set[str]] = {}  # what the file gave at each earlier import
            for earlier, at in imports:
                # an import the store backfilled (made before the imports table) is dated by its first label event:
                # it ends with its last
                (last,) = self._db.execute("SELECT MAX(recorded_at) FROM events WHERE annotator = ? AND action = 'label'"
                                           " AND source = ?", (annotator, earlier)).fetchone()
                for key, (value, _) in self._labels_at(annotator, items, max(at, last or at)).items():
                    given.setdefault(key, set()).add(value)
            current = self._labels_at(annotator, items)
            for r in mine:
                key = (r["item_id"], r["field"])
                source = current.get(key, (None, None))[1] or ""
                from_file = (m := _CONTENT.search(source)) is not None and source[:m.start()] == name
                if r["value"] in given.get(key, ()) and not from_file:  # from the file: the file was edited
                    kept.add((annotator, *key))
        return kept

    def _labels_at(self, annotator: str, items: Iterable[str], at: str | None = None,
                   ) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(item, field) → (value, source) of the annotator's label of ``items`` as it was at ``at`` (a
        ``recorded_at``; None: now)."""
        until = "" if at is None else " AND e.recorded_at <= ?"
        rows = self._db.execute(
            f"""SELECT e.item_id, e.field, e.value, e.source, MAX(e.id) FROM {self._by_key}
                WHERE e.annotator = ? AND e.action = 'label' AND e.item_id IN ({self._wanted(items)}){until}
                  AND {_is_active("" if at is None else " AND u.recorded_at <= ?")}
                GROUP BY e.item_id, e.field""", (annotator,) if at is None else (annotator, at, at))
        return {(item, field): (value, source) for item, field, value, source, _ in rows}

    def _same(self, row: dict, have: str | None) -> bool:
        """Whether a row gives the current value ``have``: the same, or for free text (a reply) its masked form,
        as an export writes it (re-importing an export replaced a reply's phone number with 138****5678)."""
        return have is not None and (have == row["value"] or (row["field"] in self._others
                                                              and mask_pii(have) == row["value"]))


def check_annotator_name(name: str, where: str, *, known=lambda name: False) -> str:
    """The one check of an annotator's name, wherever it is given (the app's field or URL, the command line, a
    folder of passes, a row the store records); returns it. Refused: a masked name (``a***@corp.com``: an
    export's, whose labels belong to the unmasked name; re-imported it merged alice@ and amy@ into one annotator,
    or added a second one for alice), and a new name (``known(name)`` False) that is contact data (an e-mail, a
    phone or ID number: exports mask it) or not a name (``ANNOTATOR``). Said masked, as everything that leaves the
    package. A store's existing names stay writable: their labels are never stranded."""
    if MASKED.search(name):
        raise InputError(f"{where}: {name!r} is a masked name (an export masks e-mails and phone numbers); import "
                         "the labels under the annotator's own name")
    if known(name):
        return name
    if find_pii(name):
        raise InputError(f"{where}: {mask_pii(name)!r} is contact data (an e-mail, a phone or an ID number), which "
                         "exports mask; use a name or initials (e.g. ann1, 张三)")
    if not ANNOTATOR.match(name):
        raise InputError(f"{where}: {name!r} is not an annotator name: use letters (Chinese too), digits, '_', '-' "
                         "or '.', starting with a letter or digit (e.g. ann1, test-alice, 张三), at most 41 characters")
    return name


def import_source(path: str | Path) -> str:
    """How the history names an imported file: its name and the SHA-256 of its content
    (the same content imported twice is recognisable as such)."""
    p = Path(path)
    with open(p, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return f"import:{p.name} sha256:{digest[:16]}"
