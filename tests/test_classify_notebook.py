"""notebooks/03-train-classifier.ipynb runs headless in smoke mode."""

from __future__ import annotations

import pytest

from tests.helpers import run_notebook


@pytest.mark.notebook
def test_notebook_03_runs(tmp_path, mirror):
    run_notebook("03-train-classifier.ipynb", tmp_path)
    card = tmp_path / "03-train-classifier" / "models" / "wbcs-default" / "1" / "MODEL_CARD.md"  # OUT/<notebook>
    assert card.is_file() and "smoke build" in card.read_text(encoding="utf-8")
