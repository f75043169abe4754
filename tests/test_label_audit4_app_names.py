"""The labelling app labels each person under their own name (notebook 02 recorded everyone as "me")."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from wbcs.config import ROOT
from wbcs.labeling.store import LabelStore
from wbcs.labeling.widget import LabelingApp, annotator_name

ITEMS = pd.DataFrame({"item_id": ["a", "b"], "text": ["宽带断网三天了", "谢谢客服"]})


def key(k, **mods):
    return {"event": "keydown", "key": k, "shiftKey": False, "ctrlKey": False, **mods}


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


def test_the_app_takes_each_browsers_name_from_its_url(monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.8")
    monkeypatch.setenv("WBCS_ANNOTATOR", "server-wide")  # the server's environment names nobody in the app
    monkeypatch.setenv("QUERY_STRING", "annotator=ann2&x=1")
    assert annotator_name() == "ann2"
    monkeypatch.setenv("QUERY_STRING", "")
    assert annotator_name() is None
    monkeypatch.delenv("SERVER_SOFTWARE")
    assert annotator_name() == "server-wide"  # a notebook has one user


def test_two_app_users_label_under_their_own_names(store):
    alice, bob = LabelingApp(ITEMS, store, "alice"), LabelingApp(ITEMS, store, "bob")
    alice.handle_key(key("1"))
    bob.handle_key(key("3"))
    cur = store.current()
    assert set(zip(cur["annotator"], cur["value"], strict=True)) == {("alice", "positive"), ("bob", "negative")}


def test_without_a_name_the_app_asks_first_and_records_nothing(store):
    app = LabelingApp(ITEMS, store, None)
    assert app.controller is None and app.widget.children[0].children[0] is app.name
    app.handle_key(key("1"))
    assert store.history().empty
    app.open("  ")
    assert app.controller is None and "annotator name" in app.status.value
    app.name.value = "张三"
    app.start.click()
    assert app.controller.annotator == "张三" and app.widget.children == (app.annotator.widget,)
    app.handle_key(key("1"))
    assert store.current()["annotator"].tolist() == ["张三"]


def test_the_notebook_names_no_one_me():
    nb = nbformat.read(ROOT / "notebooks" / "02-label-posts.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert '"me"' not in code and "annotator_name()" in code and "LabelingApp(" in code
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
