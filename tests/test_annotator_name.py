"""One check of an annotator's name, wherever the name comes from: the app's field, its URL parameter, the command
line, a folder of passes, the store. The app took a phone number as a name, showed it in its header, then refused
every key with the store's "contact data" message, so nobody could label."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.labeling.batch import read_passes
from wbcs.labeling.store import LabelStore
from wbcs.labeling.widget import LabelingApp

ITEMS = pd.DataFrame({"item_id": ["a", "b"], "text": ["宽带断网三天了", "谢谢客服"]})
KEY_1 = {"event": "keydown", "key": "1", "shiftKey": False, "ctrlKey": False}
CONTACT = [("13812345678", "138****5678"), ("a@b.com", "a***@b.com"), ("110101199003074518", "110***********4518")]
# the store's own words for it
REFUSED = "is contact data (an e-mail, a phone or an ID number), which exports mask; use a name or initials"


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as s:
        yield s


@pytest.mark.parametrize(("raw", "masked"), CONTACT)
def test_the_app_refuses_contact_data_as_a_name_from_its_url_masked(store, raw, masked):
    app = LabelingApp(ITEMS, store, raw)  # ?annotator=13812345678
    assert app.controller is None and app.annotator is None
    assert app.status.value == f"<span style='color:#c00'>annotator: &#x27;{masked}&#x27; {REFUSED} (e.g. ann1, 张三)</span>"
    assert raw not in app.name.value  # the field is not filled in with it either
    app.handle_key(KEY_1)
    assert store.history().empty


@pytest.mark.parametrize(("raw", "masked"), CONTACT)
def test_the_app_refuses_contact_data_typed_into_its_field(store, raw, masked):
    app = LabelingApp(ITEMS, store, None)
    app.name.value = raw
    assert app.controller is None and f"&#x27;{masked}&#x27; {REFUSED}" in app.status.value
    assert raw not in app.status.value
    app.name.value = "ann1"  # a name then opens it
    app.handle_key(KEY_1)
    assert store.current()["annotator"].tolist() == ["ann1"]


def test_the_store_refuses_it_in_the_same_words(store):
    with pytest.raises(InputError, match=rf"^item a, column 'annotator': '138\*\*\*\*5678' {re.escape(REFUSED)}"):
        store.record("a", "sentiment", "neutral", "13812345678")


def test_a_name_that_is_no_name_is_said_so_everywhere(store, tmp_path):
    app = LabelingApp(ITEMS, store, "bad name!")
    assert app.controller is None and "annotator: &#x27;bad name!&#x27; is not an annotator name" in app.status.value
    with pytest.raises(InputError, match=r"^item a, column 'annotator': 'bad name!' is not an annotator name"):
        store.record("a", "sentiment", "neutral", "bad name!")
    assert store.history().empty


def test_an_existing_contact_data_name_opens_with_its_header_masked(tmp_path):
    path = tmp_path / "old.sqlite"
    with LabelStore(path) as s:  # written before names were checked: its labels are not stranded
        s._db.execute("INSERT INTO events (action, annotator, item_id, field, value, labelled_at, recorded_at) "
                      "VALUES ('label', '13812345678', 'x', 'sentiment', 'neutral', '2026-01-01T00:00:00+00:00',"
                      " '2026-01-01T00:00:00+00:00')")
    with LabelStore(path) as s:
        app = LabelingApp(ITEMS, s, "13812345678")
        assert app.annotator.header.value.startswith("<b>138****5678</b> · item 1 of 2")
        app.handle_key(KEY_1)
        assert "13812345678" not in app.annotator.header.value + app.annotator.status.value
        assert s.labels_of("13812345678", "a") == {"sentiment": "positive"}


def test_a_folder_of_passes_named_by_contact_data_is_refused_before_any_is_read(tmp_path):
    (tmp_path / "13812345678").mkdir()
    (tmp_path / "13812345678" / "b1.csv").write_text("item_id,sentiment\np1,neutral\n")
    with pytest.raises(InputError, match=rf"folder: '138\*\*\*\*5678' {re.escape(REFUSED)}") as e:
        read_passes(tmp_path)
    assert "13812345678" not in str(e.value)


def test_the_command_line_says_it_in_the_same_words(tmp_path, capsys):
    from wbcs.cli import main

    sample, labels = tmp_path / "sample.csv", tmp_path / "b1.csv"
    sample.write_text("post_id\n101\n")
    labels.write_text("item_id,sentiment,intent,topic,negative_subtype,identifiable\n101,neutral,other,other,,no\n")
    assert main(["label", "import", str(labels), "--store", str(tmp_path / "s.sqlite"), "--sample", str(sample),
                 "--annotator", "110101199003074518"]) == 2
    assert capsys.readouterr().err.strip().endswith(f"--annotator: '110***********4518' {REFUSED} (e.g. ann1, 张三)")
    assert not (tmp_path / "s.sqlite").exists()
