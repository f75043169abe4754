"""notebooks/02-label-posts.ipynb runs headless in smoke mode."""

from __future__ import annotations

import pytest

from tests.helpers import run_notebook


@pytest.mark.notebook
def test_label_posts_notebook_runs(tmp_path, mirror):
    run_notebook("02-label-posts.ipynb", tmp_path)
    out = tmp_path / "02-label-posts"
    for ext in ("jsonl", "csv", "parquet"):
        assert (out / f"labels_test-notebook.{ext}").stat().st_size > 0
    from wbcs.labeling.store import LabelStore

    with LabelStore(out / "labels.sqlite") as store:
        hist = store.history()
    # the headless key presses: 5 labels, 2 undos, 2 redos, 1 skip
    assert hist["action"].value_counts().to_dict() == {"label": 5, "undo": 2, "redo": 2, "skip": 1}
