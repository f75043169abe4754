"""Labels once recorded are never lost, and none the taxonomy does not allow becomes gold: the adjudication queue is
never written over rulings not imported, a file imported again does not revert later corrections, a subtype goes
when its post is no longer negative (undo brings it back), labels are checked against the taxonomy, a file of
another annotator's labels is refused, ``label issues`` checks every item of its samples and says what it leaves
out, a skipped item comes round again once labelled, and an unknown first item is named as such. Real files, a real
SQLite store, the CLI through real subprocesses."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from tests.helpers import TEAM_COMPLAINTS, TEAM_THANKS, run_cli, team_export
from wbcs.errors import InputError
from wbcs.labeling.agreement import consensus, resolve
from wbcs.labeling.batch import import_annotations, read_annotations
from wbcs.labeling.controller import LabelingController
from wbcs.labeling.store import LabelStore

HEADER = "item_id,sentiment,intent,topic,negative_subtype,identifiable\n"
ANN1 = HEADER + ("101,negative,complaint,broadband,concrete_complaint,yes\n"
                 "102,neutral,consultation,billing,,no\n")
ANN2 = ANN1.replace("broadband", "network")  # a topic dispute on 101


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _mine(store, annotator="ann1"):
    return {(r.item_id, r.field): r.value for r in store.current(annotator).itertuples()}


@pytest.fixture
def two_passes(tmp_path):
    """A sample of three posts, and ann1 and ann2's passes imported (they dispute 101's topic)."""
    sample = _write(tmp_path / "sample.csv", "post_id\n101\n102\n103\n")
    store = tmp_path / "store.sqlite"
    for name, body in (("ann1", ANN1), ("ann2", ANN2)):
        r = run_cli("label", "import", str(_write(tmp_path / f"{name}.csv", body)), "--annotator", name,
                    "--store", str(store), "--sample", str(sample))
        assert r.returncode == 0, r.stderr
    return sample, store


# --------------------------------------------------------------------------- 1. the adjudication queue


def test_the_queue_is_never_written_over_rulings_not_imported(tmp_path, two_passes):
    sample, store = two_passes
    queue = tmp_path / "queue.csv"
    args = ["label", "disagreements", "--store", str(store), "--sample", str(sample), "--no-text", "--out", str(queue)]
    r = run_cli(*args)
    assert r.returncode == 0 and "wrote 1 disputed fields of 1 items" in r.stdout, r.stderr
    ruled = pd.read_csv(queue, dtype=str, keep_default_na=False, encoding="utf-8-sig").assign(value="broadband")
    ruled.to_csv(queue, index=False)
    before = queue.read_bytes()
    r = run_cli(*args)  # the adjudicator's ruling is not imported yet: an empty queue would lose it
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{queue}: holds rulings not imported yet (row 1: item 101, topic = 'broadband')" in r.stderr
    assert "nothing was written: import it first ('wbcs label import" in r.stderr and "choose another --out" in r.stderr
    assert queue.read_bytes() == before
    r = run_cli("label", "import", str(queue), "--annotator", "adjudicator", "--store", str(store),
                "--sample", str(sample))
    assert r.returncode == 0 and "recorded 1 labels for adjudicator" in r.stdout, r.stderr
    r = run_cli(*args)  # imported: nothing to lose, the queue (now empty) is written
    assert r.returncode == 0 and "wrote 0 disputed fields" in r.stdout, r.stderr


# --------------------------------------------------------------------------- 2. importing a file again


def test_importing_a_file_again_keeps_the_corrections_made_since(tmp_path, two_passes):
    sample, store = two_passes
    with LabelStore(store) as s:  # a correction in the widget, after the import
        s.record("101", "topic", "service", "ann1", source="widget")
    args = ["--annotator", "ann1", "--store", str(store), "--sample", str(sample)]
    r = run_cli("label", "import", str(tmp_path / "ann1.csv"), *args)
    assert r.returncode == 0, r.stderr
    assert "already imported for ann1 (import:ann1.csv sha256:" in r.stdout, r.stdout
    assert "nothing recorded: 8 labels as in the file, 1 changed since (kept; --again would replace" in r.stdout
    copy = _write(tmp_path / "ann1_copy.csv", ANN1)  # the same content under another name is the same labels
    r = run_cli("label", "import", str(copy), *args)
    assert "already imported for ann1 (import:ann1.csv" in r.stdout, r.stdout
    with LabelStore(store) as s:
        assert _mine(s)[("101", "topic")] == "service"
    r = run_cli("label", "import", str(tmp_path / "ann1.csv"), "--again", *args)
    assert r.returncode == 0 and "recorded 1 labels for ann1, 8 already there" in r.stdout, r.stdout
    with LabelStore(store) as s:
        assert _mine(s)[("101", "topic")] == "broadband"
        assert len(s.history()) == 9 + 9 + 2  # two passes, the correction and the file's label again: nothing lost
    # an edited file is new content: its changes are recorded
    _write(tmp_path / "ann1.csv", ANN1.replace("billing", "tariff"))
    r = run_cli("label", "import", str(tmp_path / "ann1.csv"), *args)
    assert "recorded 1 labels for ann1, 8 already there" in r.stdout, r.stdout


# --------------------------------------------------------------------------- 3. a subtype whose condition fails


ITEMS = pd.DataFrame({"item_id": ["a", "b"], "text": ["宽带又断了", "谢谢"]})


def test_a_sentiment_no_longer_negative_retracts_the_subtype_and_undo_brings_it_back(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        c = LabelingController(ITEMS, store, "ann1", auto_advance=False)
        c.label("sentiment", "negative")
        c.label("negative_subtype", "abuse")
        c.label("sentiment", "neutral")
        assert _mine(store) == {("a", "sentiment"): "neutral"}  # the subtype is not ann1's label any more
        assert c.labels() == {"sentiment": "neutral"} and "abuse withdrawn" in c.message
        hist = store.history()
        last = hist.iloc[-1]  # an undo event of the store's own, the label kept in the history
        assert (last["action"], last["field"], last["value"]) == ("undo", "negative_subtype", "abuse")
        assert last["source"] == "retracted: sentiment is neutral"
        c.undo()  # undoing the neutral brings the subtype back
        assert _mine(store) == {("a", "sentiment"): "negative", ("a", "negative_subtype"): "abuse"}
        c.redo()  # and redoing it retracts it again; a redo never replays the retraction itself
        assert _mine(store) == {("a", "sentiment"): "neutral"}
        assert store.redo("ann1") is None
        c.label("intent", "other")
        assert store.undo("ann1").field == "intent" and store.undo("ann1").field == "sentiment"
        assert _mine(store) == {("a", "sentiment"): "negative", ("a", "negative_subtype"): "abuse"}
        # a subtype while the post is neutral: refused by the store too, not only by the widget
        store.record("b", "sentiment", "positive", "ann1")
        with pytest.raises(InputError, match="item b, field 'negative_subtype': 'abuse' given but ann1's sentiment "
                                             "is 'positive'; leave it out"):
            store.record("b", "negative_subtype", "abuse", "ann1")


def test_a_corrected_file_retracts_the_subtype_and_an_old_export_does_not_bring_it_back(tmp_path):
    path = _write(tmp_path / "ann1.csv", ANN1)
    with LabelStore(tmp_path / "s.sqlite") as store:
        import_annotations(store, path, "ann1", known_ids=["101", "102"])
        old = store.export(tmp_path / "old.csv")
        _write(path, ANN1.replace("101,negative,complaint,broadband,concrete_complaint",
                                  "101,neutral,complaint,broadband,"))
        s = import_annotations(store, path, "ann1", known_ids=["101", "102"])
        assert ("101", "negative_subtype") not in _mine(store)
        assert (s.recorded, s.unchanged, s.retracted) == (1, 7, 1)
        store.export(tmp_path / "now.csv")
        assert "negative_subtype" not in (tmp_path / "now.csv").read_text(encoding="utf-8-sig")
        # the export made before: its subtype is older than the neutral that ruled it out, so it is kept out
        # (its sentiment too: older than the store's)
        s = store.import_labels(old)
        assert (s.recorded, s.unchanged, s.stale) == (0, 7, 2)
        assert ("101", "negative_subtype") not in _mine(store)
        assert "negative_subtype" not in set(resolve(store.current(), min_annotators=1).query(
            "status != 'not_applicable'")["field"])


# --------------------------------------------------------------------------- 4. the adjudicator's subtype


def test_an_adjudication_cannot_give_a_subtype_to_a_post_it_calls_neutral(tmp_path, two_passes):
    sample, store = two_passes
    adj = _write(tmp_path / "adj.csv", "item_id,field,value\n101,sentiment,neutral\n101,intent,other\n"
                                       "101,negative_subtype,concrete_complaint\n")
    r = run_cli("label", "import", str(adj), "--annotator", "adjudicator", "--store", str(store),
                "--sample", str(sample))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert ("adj.csv: row 3 (item 101), column 'value': negative_subtype given but sentiment is 'neutral' (row 1); "
            "leave it blank") in r.stderr
    with LabelStore(store) as s:
        assert "adjudicator" not in s.annotators()
    # given in a file of its own, against a sentiment the annotators agreed on: no gold label either
    cur = pd.DataFrame([{"item_id": "102", "field": "negative_subtype", "value": "abuse", "annotator": "adjudicator"}])
    with LabelStore(store) as s:
        both = pd.concat([s.current(), cur.assign(labelled_at=pd.Timestamp.now(tz="UTC"))])
    resolved = resolve(both).set_index(["item_id", "field"])
    assert resolved.loc[("102", "negative_subtype"), "status"] == "not_applicable"
    assert pd.isna(consensus(resolve(both)).set_index("post_id").loc["102", "negative_subtype"])


# --------------------------------------------------------------------------- 5. whose labels a file holds


def test_a_file_of_another_annotators_labels_is_refused(tmp_path, two_passes):
    sample, store = two_passes
    theirs = tmp_path / "ann2_labels.csv"
    assert run_cli("label", "export", "--store", str(store), "--annotator", "ann2", "--out", str(theirs)).returncode == 0
    r = run_cli("label", "import", str(theirs), "--annotator", "ann1", "--store", str(store), "--sample", str(sample))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "ann2_labels.csv: row 1 (item 101), column 'annotator' says 'ann2', not 'ann1'; nothing was recorded" \
        in r.stderr and "--annotator ann2" in r.stderr
    with LabelStore(store) as s:
        assert _mine(s)[("101", "topic")] == "broadband" and len(s.history()) == 18
    r = run_cli("label", "import", str(theirs), "--annotator", "ann2", "--store", str(store), "--sample", str(sample))
    assert r.returncode == 0 and "recorded 0 labels for ann2, 9 already there" in r.stdout, r.stdout + r.stderr


def test_another_annotators_batch_file_under_the_wrong_name_is_refused(tmp_path, two_passes):
    """A batch file has no annotator column: ann1's file imported as ann2's replaced ann2's labels (κ 1.000)."""
    sample, store = two_passes
    args = ["--annotator", "ann2", "--store", str(store), "--sample", str(sample)]
    for wrong in (tmp_path / "ann1.csv", _write(tmp_path / "renamed.csv", ANN1)):  # any name: the same bytes
        r = run_cli("label", "import", str(wrong), *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
        assert f"{wrong}: the same content, byte for byte, was imported for 'ann1' (import:ann1.csv sha256:" \
            in r.stderr and "nothing was recorded for ann2" in r.stderr and "--identical" in r.stderr, r.stderr
    with LabelStore(store) as s:
        assert _mine(s, "ann2")[("101", "topic")] == "network" and len(s.history()) == 18
    r = run_cli("label", "agreement", "--store", str(store), "--sample", str(sample), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["topic"]["agreement"] == 0.5, r.stdout + r.stderr
    # their labels really are the same: said so, recorded
    r = run_cli("label", "import", str(tmp_path / "ann1.csv"), "--identical", *args)
    assert r.returncode == 0 and "recorded 1 labels for ann2, 8 already there" in r.stdout, r.stdout + r.stderr
    # the committed passes: the folder names whose a file is, and identical small batches are real (rebuild)
    for name in ("ann1", "ann2"):
        _write((tmp_path / "passes" / name).mkdir(parents=True) or tmp_path / "passes" / name / "b1.csv", ANN1)
    r = run_cli("label", "rebuild", "--passes", str(tmp_path / "passes"), "--store", str(tmp_path / "re.sqlite"),
                "--sample", str(sample))
    assert r.returncode == 0 and "2 files" in r.stdout and "recorded 18 labels" in r.stdout, r.stdout + r.stderr


def test_consensus_counts_the_sampled_items_nobody_labelled(tmp_path, two_passes):
    """150 of 200 sampled items unlabelled printed 'unresolved items: none'."""
    sample, store = two_passes  # 101 disputed, 102 agreed, 103 labelled by nobody
    r = run_cli("label", "consensus", "--store", str(store), "--sample", str(sample), "--out", str(tmp_path / "g.csv"))
    assert r.returncode == 0, r.stderr
    assert "wrote 1 gold items of the 3 sampled to" in r.stdout, r.stdout
    assert "unresolved items: 1 disputed, 1 not labelled yet" in r.stdout, r.stdout
    assert "not labelled yet: sampled items no annotator has labelled" in r.stdout, r.stdout


# --------------------------------------------------------------------------- 6. labels against the taxonomy


@pytest.mark.parametrize("field, value, says", [
    ("sentiment", "Negatve", r"item p1, field 'sentiment': unknown label 'Negatve' \(known: positive, neutral, "
                             r"negative\)"),
    ("sentiment", "negative\u200b", r"unknown label 'negative\\u200b'"),
    ("colour", "red", r"item p1: unknown field 'colour' \(label fields: sentiment, intent, topic"),
    ("topic", "13812345678", r"unknown label '138\*\*\*\*5678'"),  # echoed masked
])
def test_the_store_refuses_a_label_the_taxonomy_does_not_have(tmp_path, field, value, says):
    with LabelStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(InputError, match=says):
            store.record("p1", field, value, "ann1")
        with pytest.raises(InputError, match=says):
            store.record_many([{"item_id": "p1", "field": field, "value": value, "annotator": "ann1"}])
        assert store.history().empty


def test_labels_are_stripped_as_files_are_read_and_a_bad_export_row_is_named(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        store.record(" p1", "sentiment", " negative ", "ann1 ")
        assert _mine(store) == {("p1", "sentiment"): "negative"}
        store.record_many([{"item_id": "p1", "field": "reply", "value": "您好,请私信", "annotator": "desk"}])  # the reply team's
        bad = _write(tmp_path / "bad.csv", "item_id,field,value,annotator,labelled_at\n"
                                           "p2,sentiment, neutral ,ann1,2024-01-01T00:00:00+08:00\n"
                                           "p3,sentiment,Negatve,ann1,2024-01-01T00:00:00+08:00\n")
        with pytest.raises(InputError, match=r"bad.csv: row 2 \(item p3\), field 'sentiment': unknown label 'Negatve'"):
            store.import_labels(bad)
        assert len(store.history()) == 2  # nothing of the file
    sample = _write(tmp_path / "sample.csv", "post_id\np1\np2\n")
    store = tmp_path / "s.sqlite"
    good = _write(tmp_path / "ann2.csv", HEADER + "p1, negative ,complaint,data,concrete_complaint,no\n")
    assert run_cli("label", "import", str(good), "--annotator", "ann2", "--store", str(store),
                   "--sample", str(sample)).returncode == 0
    r = run_cli("label", "agreement", "--store", str(store), "--sample", str(sample), "--annotators", "ann1", "ann2")
    assert r.returncode == 0 and "sentiment              1   1.000" in r.stdout, r.stdout + r.stderr


# --------------------------------------------------------------------------- 7. label issues on every sample


def test_issues_resolves_each_item_on_its_own_fields_and_says_what_it_leaves_out(tmp_path):
    complaints, thanks = TEAM_COMPLAINTS, TEAM_THANKS
    export = _write(tmp_path / "export.csv", team_export())
    posts = tmp_path / "posts.parquet"
    r = run_cli("ingest", str(export), "--out", str(posts), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    table = pd.read_parquet(posts)
    ids = dict(zip(table["text"], table["post_id"], strict=True))
    order = complaints + thanks
    # customer-turn-like items: labelled for sentiment, intent and subtype only (no topic, no identifiable)
    sample = tmp_path / "sample.csv"
    pd.DataFrame({"item_id": [ids[t] for t in order[:-1]], "fields": "sentiment intent negative_subtype"}).to_csv(
        sample, index=False)
    store = tmp_path / "store.sqlite"
    for ann in ("ann1", "ann2"):
        with open(tmp_path / f"{ann}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "sentiment", "intent", "negative_subtype"])
            for k, t in enumerate(order[:-1]):
                intent = "other" if ann == "ann2" and k == 14 else "complaint" if k < 8 else "praise"
                w.writerow([ids[t], *(["negative", intent, "concrete_complaint"] if k < 8 else
                                      ["positive", intent, ""])])
        r = run_cli("label", "import", str(tmp_path / f"{ann}.csv"), "--annotator", ann, "--store", str(store),
                    "--sample", str(sample))
        assert r.returncode == 0, r.stderr
    with LabelStore(store) as s:  # an item of no sample given
        s.record(ids[order[-1]], "sentiment", "positive", "ann1")
    out = tmp_path / "issues.csv"
    r = run_cli("label", "issues", "--store", str(store), "--sample", str(sample), "--posts", str(posts),
                "--field", "sentiment", "--folds", "3", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "left out: 1 disputed items" in r.stdout and f"left out: 1 items of {store} in no --sample" in r.stdout
    found = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert len(found) == 14 and ids[order[14]] not in set(found["item_id"])  # 15 items, the disputed one left out
    assert "among 14 sentiment labels" in r.stdout


# --------------------------------------------------------------------------- 9. skipped, then labelled


def test_a_skipped_item_labelled_since_comes_round_again(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        items = pd.DataFrame({"item_id": ["a", "b", "c"], "text": ["宽带又断了", "谢谢", "请问怎么办理"]})
        c = LabelingController(items, store, "ann1")
        c.skip()
        assert c.item_id == "b" and store.skipped("ann1") == {"a"}
        c.goto("a")
        c.label("sentiment", "neutral")  # part of it: the item is open again, no longer skipped
        assert store.skipped("ann1") == set() and c.progress()["skipped"] == 0
        for item in ("b", "c"):
            c.goto(item)
            for field, value in (("sentiment", "neutral"), ("intent", "other"), ("topic", "other"),
                                 ("identifiable", "no")):
                c.label(field, value)
        assert c.item_id == "a" and "all 3 items" not in c.message  # it comes round, as the docstring promised
        c.skip()
        assert store.skipped("ann1") == {"a"} and c.message == "all 3 items labelled or skipped"


# --------------------------------------------------------------------------- 10. an unknown first item


def test_an_unknown_first_item_is_named_not_a_missing_column(tmp_path):
    known = {"100_t2": ("sentiment", "intent", "negative_subtype"), "100_t4": ("sentiment", "intent", "negative_subtype")}
    turns = _write(tmp_path / "turns.csv", "item_id,sentiment,intent,negative_subtype\nk99,neutral,other,\n")
    with pytest.raises(InputError, match=r"turns.csv: row 1, column 'item_id': unknown item id 'k99' "
                                         r"\(not in the sample\)"):
        read_annotations(turns, known_ids=known)
    blank = _write(tmp_path / "blank.csv", "item_id,sentiment,intent,negative_subtype\n,neutral,other,\n")
    with pytest.raises(InputError, match=r"row 1, column 'item_id' is empty"):
        read_annotations(blank, known_ids=known)
