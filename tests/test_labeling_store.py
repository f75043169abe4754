"""LabelStore: events, undo/redo, durability under kill -9, versions, export/import."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbcs.config import ROOT
from wbcs.errors import InputError
from wbcs.labeling.store import SCHEMA_VERSION, LabelStore


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


def _labels(store, annotator=None):
    cur = store.current(annotator)
    return {(r.item_id, r.field, r.annotator): r.value for r in cur.itertuples()}


def test_record_returns_increasing_ids_and_current_shows_the_latest(store):
    a = store.record("p1", "sentiment", "neutral", "ann")
    b = store.record("p1", "sentiment", "negative", "ann")  # relabel: the latest wins
    c = store.record("p1", "sentiment", "positive", "other")
    assert a < b < c
    cur = store.current()
    assert list(cur.columns) == ["item_id", "field", "value", "annotator", "labelled_at"]
    assert _labels(store) == {("p1", "sentiment", "ann"): "negative",
                              ("p1", "sentiment", "other"): "positive"}
    assert str(cur["labelled_at"].dt.tz) == "Asia/Shanghai"
    # An annotator's view holds only their own labels.
    assert set(store.current("ann")["annotator"]) == {"ann"}


def test_undo_is_an_event_and_redo_restores_across_fields(store):
    store.record("p1", "sentiment", "negative", "ann")
    store.record("p1", "negative_subtype", "abuse", "ann")
    store.record("p1", "intent", "complaint", "ann")
    store.record("p9", "intent", "praise", "someone_else")
    assert store.undo("ann").field == "intent"
    assert store.undo("ann").field == "negative_subtype"
    assert _labels(store, "ann") == {("p1", "sentiment", "ann"): "negative"}
    # redo in reverse order of the undos
    assert store.redo("ann").field == "negative_subtype"
    assert store.redo("ann").field == "intent"
    assert store.redo("ann") is None
    assert len(_labels(store, "ann")) == 3
    # the other annotator's labels were never touched
    assert _labels(store, "someone_else") == {("p9", "intent", "someone_else"): "praise"}
    hist = store.history()
    assert list(hist["action"]) == ["label"] * 4 + ["undo", "undo", "redo", "redo"]
    assert hist["target"].iloc[4] == hist["id"].iloc[2]  # the first undo targets the intent label


def test_undo_of_a_relabel_brings_back_the_previous_value(store):
    store.record("p1", "topic", "data", "ann")
    store.record("p1", "topic", "billing", "ann")
    store.undo("ann")
    assert _labels(store) == {("p1", "topic", "ann"): "data"}
    store.undo("ann")
    assert _labels(store) == {}
    assert store.undo("ann") is None


def test_a_new_label_clears_the_redo_stack(store):
    store.record("p1", "topic", "data", "ann")
    store.undo("ann")
    store.record("p2", "topic", "roaming", "ann")
    assert store.redo("ann") is None
    assert _labels(store) == {("p2", "topic", "ann"): "roaming"}


def test_skip_is_kept_in_the_history_without_a_label(store):
    store.skip("p3", "ann")
    assert store.skipped("ann") == {"p3"}
    assert store.current().empty
    assert store.history()["action"].tolist() == ["skip"]


def test_events_cannot_be_updated_or_deleted(store, tmp_path):
    store.record("p1", "topic", "data", "ann")
    db = sqlite3.connect(tmp_path / "labels.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET value = 'billing'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")
    db.close()


def test_wal_and_full_sync_are_on(store, tmp_path):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_incompatible_version_names_the_file_and_both_versions(tmp_path):
    path = tmp_path / "old.sqlite"
    LabelStore(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(InputError) as e:
        LabelStore(path)
    assert str(path) in str(e.value) and "99" in str(e.value) and f"version {SCHEMA_VERSION}" in str(e.value)


def test_other_files_are_refused_clearly(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(InputError, match="not a wbcs label store"):
        LabelStore(junk)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE posts (id TEXT)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="tables: posts"):
        LabelStore(other)


def test_record_refuses_empty_values(store):
    with pytest.raises(InputError, match="value"):
        store.record("p1", "topic", "", "ann")
    with pytest.raises(InputError, match="annotator"):
        store.record("p1", "topic", "data", " ")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_export_import_round_trip_is_exact_and_reimport_adds_nothing(tmp_path, store, suffix):
    # ids that pandas would turn into numbers, labels it would turn into booleans/NaN
    store.record("3830401296796826", "identifiable", "no", "ann")
    store.record("0012", "identifiable", "yes", "ann")
    store.record("3830401296796826", "topic", "other", "b")
    store.record("p-4", "sentiment", "neutral", "b")
    store.undo("b")
    out = store.export(tmp_path / f"labels{suffix}")
    with LabelStore(tmp_path / "copy.sqlite") as copy:
        first = copy.import_labels(out)
        assert (first.recorded, first.unchanged, first.stale) == (3, 0, 0)
        pd.testing.assert_frame_equal(copy.current(), store.current())
        again = copy.import_labels(out)
        assert (again.recorded, again.unchanged) == (0, 3)
        assert len(copy.history()) == 3


def test_import_keeps_newer_labels_and_records_changed_ones(tmp_path, store):
    store.record("p1", "topic", "data", "ann")
    old = store.export(tmp_path / "old.jsonl")
    store.record("p1", "topic", "billing", "ann")  # newer than the export
    summary = store.import_labels(old)
    assert (summary.recorded, summary.unchanged, summary.stale) == (0, 0, 1)
    assert _labels(store) == {("p1", "topic", "ann"): "billing"}
    # a file with a later time for a different value is recorded
    row = {"item_id": "p1", "field": "topic", "value": "roaming", "annotator": "ann",
           "labelled_at": "2100-01-01T00:00:00+08:00"}
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps(row) + "\n")
    assert store.import_labels(newer).recorded == 1
    assert _labels(store) == {("p1", "topic", "ann"): "roaming"}


def test_a_bad_import_file_records_nothing(tmp_path, store):
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,field,value,annotator,labelled_at\n"
                   "p1,topic,data,ann,2024-01-01T00:00:00+00:00\n"
                   "p2,topic,,ann,2024-01-01T00:00:00+00:00\n")
    with pytest.raises(InputError, match=r"bad.csv: row 2, column 'value' is empty"):
        store.import_labels(bad)
    assert store.history().empty
    missing = tmp_path / "missing.csv"
    missing.write_text("item_id,field,value\np1,topic,data\n")
    with pytest.raises(InputError, match="missing column 'annotator'"):
        store.import_labels(missing)
    naive = tmp_path / "naive.csv"
    naive.write_text("item_id,field,value,annotator,labelled_at\np1,topic,data,ann,2024-01-01 10:00\n")
    with pytest.raises(InputError, match="row 1, column 'labelled_at'.*no time zone"):
        store.import_labels(naive)


VALUES = {"topic": ["data", "billing"], "sentiment": ["negative", "neutral"],
          "negative_subtype": ["abuse", "vague_negativity"]}


@given(st.lists(st.one_of(
    st.tuples(st.just("label"), st.sampled_from(["p1", "p2"]), st.sampled_from(list(VALUES)), st.sampled_from([0, 1])),
    st.tuples(st.just("undo")), st.tuples(st.just("redo"))), max_size=25))
def test_store_matches_a_plain_undo_redo_stack(tmp_path_factory, actions):
    """Invariant: current() equals a reference model, an undo stack plus a redo stack, where a sentiment other
    than negative retracts the item's subtype (undoing that sentiment brings it back, redoing it retracts it
    again) and a subtype is refused while the item's sentiment is not negative."""
    path = tmp_path_factory.mktemp("h") / "s.sqlite"
    done, undone = [], []  # reference model: [item, field, value, retracted by (a label entry) or None]

    def active():
        return [e for e in done if e[3] is None]

    def current(item, field):
        return next((e[2] for e in reversed(active()) if e[:2] == [item, field]), None)

    def rule_out(entry):  # a sentiment other than negative retracts the item's active subtypes
        if entry[1] == "sentiment" and current(entry[0], "sentiment") != "negative":
            for e in active():
                if e[:2] == [entry[0], "negative_subtype"]:
                    e[3] = id(entry)

    with LabelStore(path) as s:
        for act in actions:
            if act[0] == "label":
                item, field, value = act[1], act[2], VALUES[act[2]][act[3]]
                if field == "negative_subtype" and current(item, "sentiment") not in (None, "negative"):
                    with pytest.raises(InputError, match="given but ann's sentiment is 'neutral'"):
                        s.record(item, field, value, "ann")
                    continue
                s.record(item, field, value, "ann")
                entry = [item, field, value, None]
                done.append(entry)
                undone.clear()
                rule_out(entry)
            elif act[0] == "undo":
                ev = s.undo("ann")
                assert (ev is None) == (not active())
                if ev is not None:
                    entry = active()[-1]
                    del done[next(i for i, e in enumerate(done) if e is entry)]
                    undone.append(entry)
                    if current(entry[0], "sentiment") in (None, "negative"):  # what it retracted comes back
                        for e in done:
                            if e[3] == id(entry):
                                e[3] = None
            else:
                ev = s.redo("ann")
                assert (ev is None) == (not undone)
                if undone:
                    entry = undone.pop()
                    done.append(entry)  # every label after it was undone before it: still the order of the ids
                    rule_out(entry)
        expected = {}
        for item, field, value, _ in active():
            expected[(item, field, "ann")] = value
        assert _labels(s) == expected


WRITER = textwrap.dedent("""
    import sys
    from wbcs.labeling.store import LabelStore
    store = LabelStore(sys.argv[1])
    i = 0
    while True:
        event_id = store.record(f"item-{i}", "sentiment", "negative", "durable")
        print(i, event_id, flush=True)
        i += 1
""")


def test_every_acknowledged_label_survives_kill_9(tmp_path):
    path = tmp_path / "labels.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                            text=True, env=env)
    acked = []
    try:
        for line in proc.stdout:
            acked.append(int(line.split()[0]))
            if len(acked) == 300:  # mid-run: the writer is still looping
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Complete lines already in the pipe were acknowledged too (a cut-off last line was not).
    acked += [int(line.split()[0]) for line in proc.stdout.read().splitlines(keepends=True)
              if line.endswith("\n")]
    with LabelStore(path) as s:
        have = set(s.current()["item_id"])
    missing = [i for i in acked if f"item-{i}" not in have]
    assert len(acked) >= 300 and missing == []


# --------------------------------------------------------------------------- damaged, read-only, concurrent


def _filled(path, n=200):
    with LabelStore(path) as s:
        s.record_many([{"item_id": f"i{i}", "field": "sentiment", "value": "negative", "annotator": "a"}
                       for i in range(n)])
    return path


def test_zeroed_pages_are_one_line(tmp_path):
    path = _filled(tmp_path / "s.sqlite", 2000)
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[3 * page:5 * page] = bytes(2 * page)  # two pages in the middle zeroed
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"s.sqlite: .*damaged") as e:
        with LabelStore(path) as s:
            s.current()
    assert "\n" not in str(e.value)


def test_an_empty_file_is_not_silently_a_new_store(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty file \(0 bytes\), not a label store"):
        LabelStore(path)
    assert path.stat().st_size == 0


def test_a_new_store_where_nothing_can_be_written(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create a label store in"):
        LabelStore(blocker / "store.sqlite")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(InputError, match="cannot create a label store in"):
            LabelStore(locked / "store.sqlite")



KILLED_CREATION = """import sqlite3, sys
from wbcs.labeling.store import LabelStore
connect = sqlite3.connect
def stalled(path, **kwargs):  # the schema's temporary file is made: stop there
    db = connect(path, **kwargs)
    db.execute("BEGIN IMMEDIATE")  # its journal beside it too
    print(path, flush=True)
    sys.stdin.readline()
sqlite3.connect = stalled
LabelStore(sys.argv[1])
"""


def test_creating_a_store_removes_what_a_killed_creation_left(tmp_path):
    from tests.test_io_write_leftovers import hidden, killed, start

    path = tmp_path / "store.sqlite"
    child, tmp = start(KILLED_CREATION, str(path))
    killed(child)
    assert hidden(tmp_path) == [tmp.name, f"{tmp.name}-journal"] and not path.exists()
    with LabelStore(path) as s:
        s.record("i1", "sentiment", "positive", "a")
    assert hidden(tmp_path) == []

def test_a_read_only_store_reads_and_says_read_only_when_written(tmp_path):
    path = _filled(tmp_path / "s.sqlite", 3)
    with LabelStore(path, readonly=True) as s:
        assert len(s.current()) == 3
        with pytest.raises(InputError, match="s.sqlite: the label store is read-only"):
            s.record("i9", "sentiment", "positive", "a")
    if os.geteuid() != 0:  # a file the user cannot write opens read-only by itself
        path.chmod(0o444)
        with LabelStore(path) as s:
            assert s.readonly and len(s.current()) == 3
            with pytest.raises(InputError, match="read-only"):
                s.import_labels(tmp_path / "none.csv")


IMPORTER = """
import sys
from wbcs.labeling.store import LabelStore
with LabelStore(sys.argv[1]) as s:
    print(s.import_labels(sys.argv[2]).recorded)
"""


def test_concurrent_imports_of_the_same_file_record_it_once(tmp_path):
    store = tmp_path / "s.sqlite"
    export = tmp_path / "labels.csv"
    _filled(tmp_path / "source.sqlite", 400)
    with LabelStore(tmp_path / "source.sqlite") as s:
        s.export(export)
    LabelStore(store).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(store), str(export)], stdout=subprocess.PIPE,
                              text=True, env=env) for _ in range(4)]
    recorded = sorted(int(p.communicate()[0]) for p in procs)
    assert recorded == [0, 0, 0, 400]
    with LabelStore(store) as s:
        h = s.history()
    assert len(h) == 400 and h["source"].str.fullmatch(r"import:labels.csv sha256:[0-9a-f]{16}").all()
