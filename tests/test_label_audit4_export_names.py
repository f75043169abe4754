"""An export masks contact data in every column but the ids: annotator names that are contact data are refused
when new, masked names are refused on import, and a reply given back masked is the reply the store holds."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.labeling.store import LabelStore


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


@pytest.mark.parametrize("name", ["alice@corp.com", "13812345678", "ann 010-12345678"])
def test_a_new_annotator_name_that_is_contact_data_is_refused(store, name):
    with pytest.raises(InputError, match=r"item p1, column 'annotator': .* is contact data .*use a name or initials"):
        store.record("p1", "sentiment", "neutral", name)
    assert store.history().empty


def test_an_existing_contact_data_name_stays_writable(tmp_path):
    path = tmp_path / "old.sqlite"
    with LabelStore(path) as s:  # written before names were checked: its labels are not stranded
        s._db.execute("INSERT INTO events (action, annotator, item_id, field, value, labelled_at, recorded_at) "
                      "VALUES ('label', 'alice@corp.com', 'p1', 'sentiment', 'neutral', '2026-01-01T00:00:00+00:00',"
                      " '2026-01-01T00:00:00+00:00')")
    with LabelStore(path) as s:
        s.record("p2", "sentiment", "negative", "alice@corp.com")
        assert len(s.current("alice@corp.com")) == 2


def test_an_export_with_masked_annotators_is_refused_by_name_and_row(store, tmp_path):
    f = tmp_path / "exp.csv"
    pd.DataFrame({"item_id": ["p1", "p2"], "field": ["sentiment"] * 2, "value": ["neutral", "negative"],
                  "annotator": ["ann1", "a***@corp.com"],
                  "labelled_at": ["2026-01-01T00:00:00+00:00"] * 2}).to_csv(f, index=False)
    with pytest.raises(InputError, match=r"exp.csv: row 2 \(item p2\), column 'annotator': 'a\*\*\*@corp.com' is a "
                                         r"masked name"):
        store.import_labels(f)
    assert store.history().empty  # nothing of the file recorded
    f.write_text("item_id,field,value,annotator,labelled_at\np3,sentiment,neutral,138****5678,"
                 "2026-01-01T00:00:00+00:00\n")
    with pytest.raises(InputError, match="masked name"):
        store.import_labels(f)


def test_a_reply_exported_masked_comes_back_unchanged(store, tmp_path):
    store.record("p1", "reply", "请拨打13812345678联系我们", "agent1")
    store.record("p1", "sentiment", "neutral", "ann1")
    out = store.export(tmp_path / "exp.csv")
    assert "138****5678" in out.read_text(encoding="utf-8-sig")  # the export masks it
    summary = store.import_labels(out)
    assert (summary.recorded, summary.unchanged) == (0, 2)
    assert store.labels_of("agent1", "p1") == {"reply": "请拨打13812345678联系我们"}  # never replaced by the mask
    assert sorted(store.annotators()) == ["agent1", "ann1"]


def test_label_import_refuses_an_annotator_named_by_contact_data_by_its_option(tmp_path, capsys):
    from wbcs.cli import main

    sample, labels = tmp_path / "sample.csv", tmp_path / "b1.csv"
    sample.write_text("post_id\n101\n")
    labels.write_text("item_id,sentiment,intent,topic,negative_subtype,identifiable\n101,neutral,other,other,,no\n")
    args = ["label", "import", str(labels), "--store", str(tmp_path / "s.sqlite"), "--sample", str(sample)]
    assert main([*args, "--annotator", "客户13812345678"]) == 2
    err = capsys.readouterr().err
    assert "--annotator: '客户138****5678' is contact data" in err and "13812345678" not in err, err
    assert not (tmp_path / "s.sqlite").exists()
    assert main([*args, "--annotator", "ann1"]) == 0
