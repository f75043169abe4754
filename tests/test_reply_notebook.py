"""notebooks/06-reply-drafts.ipynb runs headless in smoke mode and writes its drafts."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_notebook


@pytest.mark.notebook
def test_notebook_runs_headless(tmp_path):
    run_notebook("06-reply-drafts.ipynb", tmp_path)
    drafts = pd.read_csv(tmp_path / "06-reply-drafts" / "drafts.csv", dtype=str, keep_default_na=False)
    routed = drafts["route"] != "monitor"
    assert routed.any() and drafts.loc[routed, "passes"].eq("True").all()
