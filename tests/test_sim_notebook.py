"""Notebook 04 runs end to end, headless, in smoke mode."""

from __future__ import annotations

import pytest

from tests.helpers import run_notebook


@pytest.mark.notebook
def test_notebook_04_runs(tmp_path):
    run_notebook("04-simulate-sla.ipynb", tmp_path)
    charts = tmp_path / "04-simulate-sla"
    assert {p.name for p in charts.glob("*.html")} == {"attainment.html", "waits.html", "backlog.html",
                                                         "utilization.html", "staffing.html"}
