"""Notebook 02 served by Voilà in smoke mode: a page load keeps the labels of its store (the widget cell deleted
labels-smoke.sqlite* on every load, so a reload wiped every label given in the app)."""

from __future__ import annotations

import pytest

from tests.test_kpi_notebook import voila_page
from wbcs.labeling.store import LabelStore


@pytest.mark.notebook
def test_a_page_load_of_the_app_keeps_the_labels_given(tmp_path, mirror):
    out = tmp_path / "02-label-posts"
    out.mkdir()
    with LabelStore(out / "labels-smoke.sqlite") as store:  # given in the app before the reload
        store.record("3625623433953202", "topic", "network", "ann1", source="widget")
    page = voila_page("02-label-posts.ipynb", tmp_path)
    assert "Traceback" not in page
    with LabelStore(out / "labels-smoke.sqlite") as store:
        assert store.labels_of("ann1", "3625623433953202") == {"topic": "network"}
