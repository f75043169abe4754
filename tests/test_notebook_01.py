"""notebooks/01-explore-complaints.ipynb runs headless in smoke mode and writes its figures."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import cell_with, executed_cells, html_of, run_notebook, table_rows
from wbcs.config import ROOT


def test_notebook_is_committed_without_outputs():
    nb = json.loads((ROOT / "notebooks" / "01-explore-complaints.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.notebook
def test_notebook_01_runs(tmp_path, mirror):
    run_notebook("01-explore-complaints.ipynb", tmp_path)
    names = sorted(p.name for p in (tmp_path / "01-explore").iterdir())
    assert names == ["hour_weekday.html", "plotly.min.js", "text_features.html", "volume_by_month.html",
                     "volume_by_operator.html", "volume_by_year.html"]  # plotly.js once, beside the charts
    import nbformat

    executed = nbformat.read(tmp_path / "01-explore-complaints.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "300 real STC-3 telecom posts; 3,697 dialogues in all, 3 left out" in text
    assert "SYNTHETIC" not in text
    # the hourly rates: one row an hour, all 24 fit any width, two decimals (0.69, not 0.690000)
    rows = table_rows(html_of(cell_with(executed_cells(tmp_path, "01-explore-complaints.ipynb"),
                                        'arrival_profile("hour_of_day")')))
    body = [r for r in rows if r and r[0].isdigit()]
    assert [r[0] for r in body] == [str(h) for h in range(24)]
    assert all(re.fullmatch(r"\d\.\d\d", r[1]) for r in body), body
