"""An edited batch file imported again records only its edited rows: a row it still gives as it gave at its
earlier import never reverts a label changed in the store since (a widget correction, an undo). A batch row has
no time, so the newer-label guard of timed exports never applied: one edited row reverted every correction."""

from __future__ import annotations

from tests.helpers import run_cli
from tests.test_label_audit4_old_stores import T, _first_v1_store
from wbcs.labeling.batch import import_annotations
from wbcs.labeling.store import LabelStore

HEADER = "item_id,sentiment,intent,topic,negative_subtype,identifiable\n"
FILE = HEADER + ("101,negative,complaint,broadband,concrete_complaint,no\n"
                 "102,positive,praise,broadband,,no\n")
IDS = ["101", "102"]


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _value(store, item, field, who="w1"):
    return store.labels_of(who, item).get(field)


def test_an_edited_file_records_its_edited_row_and_keeps_the_widget_correction(tmp_path):
    path = _write(tmp_path / "batch.csv", FILE)
    with LabelStore(tmp_path / "s.sqlite") as store:
        assert import_annotations(store, path, "w1", known_ids=IDS).recorded == 9
        store.record("101", "topic", "network", "w1", source="widget")  # a correction after the import
        _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,tariff"))
        s = import_annotations(store, path, "w1", known_ids=IDS)
        assert (s.recorded, s.unchanged, s.newer) == (1, 7, 1)
        assert _value(store, "101", "topic") == "network" and _value(store, "102", "topic") == "tariff"
        # edited once more (another row): the correction is still kept, the file's own earlier label replaced
        _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,service"))
        s = import_annotations(store, path, "w1", known_ids=IDS)
        assert (s.recorded, s.newer) == (1, 1) and _value(store, "101", "topic") == "network"
        assert _value(store, "102", "topic") == "service"
        # the corrected row edited in the file: the file's edit is recorded
        _write(path, FILE.replace("101,negative,complaint,broadband", "101,negative,complaint,billing"))
        s = import_annotations(store, path, "w1", known_ids=IDS)
        assert _value(store, "101", "topic") == "billing" and _value(store, "102", "topic") == "broadband"
        # --again: every row of the file, as before
        store.record("101", "topic", "network", "w1", source="widget")
        _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,tariff"))
        s = import_annotations(store, path, "w1", known_ids=IDS, again=True)
        assert (s.recorded, s.newer) == (2, 0) and _value(store, "101", "topic") == "broadband"
        history = store.history()
        assert len(history[(history["item_id"] == "101") & (history["field"] == "topic")]) == 5  # nothing lost


def test_a_sentiment_changed_in_the_widget_keeps_the_retraction_of_its_subtype(tmp_path):
    path = _write(tmp_path / "batch.csv", FILE)
    with LabelStore(tmp_path / "s.sqlite") as store:
        import_annotations(store, path, "w1", known_ids=IDS)
        store.record("101", "sentiment", "neutral", "w1", source="widget")  # retracts the subtype
        _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,tariff"))
        s = import_annotations(store, path, "w1", known_ids=IDS)  # was: the subtype given but sentiment neutral
        assert (s.recorded, s.newer) == (1, 2)
        assert store.labels_of("w1", "101") == {"sentiment": "neutral", "intent": "complaint",
                                                 "topic": "broadband", "identifiable": "no"}


def test_a_row_of_a_new_file_or_of_another_annotator_is_recorded(tmp_path):
    path = _write(tmp_path / "batch.csv", FILE)
    with LabelStore(tmp_path / "s.sqlite") as store:
        import_annotations(store, path, "w1", known_ids=IDS)
        store.record("101", "topic", "network", "w1", source="widget")
        other = _write(tmp_path / "other.csv", FILE.replace("102,positive,praise,broadband", "102,positive,praise,tariff"))
        s = import_annotations(store, other, "w1", known_ids=IDS)  # another file: it says broadband now
        assert (s.recorded, s.newer) == (2, 0) and _value(store, "101", "topic") == "broadband"


def test_a_store_made_before_the_imports_table_keeps_the_correction(tmp_path):
    path = _write(tmp_path / "batch.csv", HEADER + "101,positive,praise,broadband,,no\n")
    old = "import:batch.csv sha256:0123456789abcdef"
    later = "2026-11-01T00:00:00.000100+00:00"  # the old import's events are not all of one microsecond
    _first_v1_store(tmp_path / "old.sqlite", [("w1", "101", "sentiment", "positive", T, T, old),
                                              ("w1", "101", "intent", "praise", T, T, old),
                                              ("w1", "101", "topic", "broadband", T, later, old),
                                              ("w1", "101", "identifiable", "no", T, later, old)])
    with LabelStore(tmp_path / "old.sqlite") as store:
        store.record("101", "topic", "network", "w1", source="widget")
        s = import_annotations(store, _write(path, HEADER + "101,positive,praise,broadband,,yes\n"), "w1",
                               known_ids=IDS)
        assert (s.recorded, s.newer) == (1, 1) and store.labels_of("w1", "101")["topic"] == "network"


def test_cli_import_and_rebuild_say_what_they_kept(tmp_path):
    sample = _write(tmp_path / "sample.csv", "post_id\n101\n102\n")
    passes = tmp_path / "passes"
    (passes / "w1").mkdir(parents=True)
    path = _write(passes / "w1" / "batch_001.csv", FILE)
    store = tmp_path / "s.sqlite"
    args = ["--store", str(store), "--sample", str(sample)]
    r = run_cli("label", "import", str(path), "--annotator", "w1", *args)
    assert r.returncode == 0, r.stderr
    with LabelStore(store) as s:
        s.record("101", "topic", "network", "w1", source="widget")
    _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,tariff"))
    r = run_cli("label", "import", str(path), "--annotator", "w1", *args)
    assert r.returncode == 0 and "recorded 1 labels for w1, 7 already there, 1 as the file gave them" in r.stdout, \
        r.stdout + r.stderr
    _write(path, FILE.replace("102,positive,praise,broadband", "102,positive,praise,service"))
    r = run_cli("label", "rebuild", "--passes", str(passes), *args)
    assert r.returncode == 0 and "recorded 1 labels" in r.stdout and "w1/batch_001.csv: recorded 1 labels" in r.stdout, \
        r.stdout + r.stderr
    assert "1 as the file gave them when imported before" in r.stdout
    with LabelStore(store) as s:
        assert s.labels_of("w1", "101")["topic"] == "network" and s.labels_of("w1", "102")["topic"] == "service"
