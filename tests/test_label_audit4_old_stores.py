"""A version-1 store made before events_by_key (d64ea95 added it without a version bump) is brought up to date on
open (it could not be written: "no such index: events_by_key"), and an import that recorded nothing is remembered."""

from __future__ import annotations

import sqlite3

import pandas as pd

from wbcs.labeling.store import _SCHEMA, LabelStore

# the first version-1 schema, as wbcs wrote it before d64ea95
FIRST_V1 = [
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
T = "2026-11-01T00:00:00.000000+00:00"


def _first_v1_store(path, events=()):
    db = sqlite3.connect(path)
    for statement in FIRST_V1:
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('created_at', ?)", (T,))
    db.executemany("INSERT INTO events (action, annotator, item_id, field, value, labelled_at, recorded_at, source)"
                   " VALUES ('label', ?, ?, ?, ?, ?, ?, ?)", events)
    db.commit()
    db.close()


def test_the_schema_without_events_by_key_is_the_first_version_1():
    assert not any("events_by_key" in s for s in _SCHEMA)  # (the index moved to what an old store gets on open)
    assert [s for s in _SCHEMA if "events_by_key" not in s] == FIRST_V1


def test_a_store_of_the_first_version_1_is_written_after_open(tmp_path):
    path = tmp_path / "old.sqlite"
    _first_v1_store(path, [("ann1", "p1", "sentiment", "negative", T, T, "import:a.csv sha256:0123456789abcdef")])
    with LabelStore(path, readonly=True) as ro:  # read-only: nothing changed, and it still reads
        assert ro.labels_of("ann1", "p1") == {"sentiment": "negative"} and ro.skipped("ann1") == set()
    with LabelStore(path) as store:
        store.record("p1", "negative_subtype", "abuse", "ann1")
        store.record("p1", "sentiment", "neutral", "ann1")  # retracts the subtype: the index's queries
        assert store.undo("ann1").value == "neutral"
        assert store.labels_of("ann1", "p1") == {"sentiment": "negative", "negative_subtype": "abuse"}
    db = sqlite3.connect(path)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"events_by_key", "imports"} <= names
    # the import made before the imports table is known as such
    assert db.execute("SELECT content, annotator, source FROM imports").fetchall() == [
        ("sha256:0123456789abcdef", "ann1", "import:a.csv sha256:0123456789abcdef")]


def test_an_import_that_recorded_nothing_is_already_imported_the_second_time(tmp_path):
    f = tmp_path / "labels.csv"
    pd.DataFrame({"item_id": ["p1"], "field": ["sentiment"], "value": ["neutral"], "annotator": ["ann1"],
                  "labelled_at": [T]}).to_csv(f, index=False)
    with LabelStore(tmp_path / "s.sqlite") as store:
        store.record("p1", "sentiment", "neutral", "ann1")  # labelled in the widget first
        first = store.import_labels(f)
        assert (first.recorded, first.unchanged, first.already) == (0, 1, None)
        second = store.import_labels(f)
        assert second.already is not None and second.already.startswith("import:labels.csv sha256:")
