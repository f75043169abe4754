"""Notebook 01 promises synthetic posts when no dataset is reachable: it ran its loading cell on them and then failed
(KeyError 'is_complaint', a column only the real STC-3 table had). The synthetic table now carries the flag too."""

from __future__ import annotations

import pytest

from tests.helpers import cell_with, executed_cells, html_of, run_notebook, text_of
from wbcs.synth import generate_posts

NAME = "01-explore-complaints.ipynb"


def test_synthetic_posts_flag_their_complaints():
    posts = generate_posts(days=2, posts_per_day=200, seed=0)
    assert posts["is_complaint"].dtype == "boolean"  # as wbcs.datasets.load_stc3 gives it
    assert posts["is_complaint"].equals(posts["intent"].eq("complaint").astype("boolean"))
    assert posts["is_complaint"].any() and not posts["is_complaint"].all()


@pytest.mark.notebook
def test_notebook_01_runs_on_synthetic_posts_without_datasets(tmp_path, monkeypatch):
    for env in ("WBCS_DATA_MIRROR", "WBCS_RAW_DIR"):  # no mirror and no downloads: nothing to read
        monkeypatch.setenv(env, str(tmp_path / "nowhere"))
    run_notebook(NAME, tmp_path)  # fails on any cell's error
    cells = executed_cells(tmp_path, NAME)
    loading = text_of(cell_with(cells, "datasets.load_stc3"))
    assert "NO REAL DATA" in loading and "300 SYNTHETIC posts\n" in loading
    assert "dialogues in all" not in loading  # synthetic posts are no dialogues (it said "3,000 dialogues in all")
    shares = html_of(cell_with(cells, '"complaint share"'))
    assert "complaint share" in shares
    assert "complaint 投诉" in html_of(cell_with(cells, "pd.crosstab"))
    assert len(list((tmp_path / "01-explore").glob("*.html"))) == 5
