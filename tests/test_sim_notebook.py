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
    # section 8: the real STC-3 posts' mix, counted and corrected, simulated next to the example's
    import nbformat

    cells = nbformat.read(tmp_path / "04-simulate-sla.ipynb", as_version=4).cells
    shown = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
                    for c in cells if c.cell_type == "code" for o in c.outputs)
    # the shipped card's choice for telecom first posts' intent: the counts (wbcs-default/13), or a correction
    assert "posts, 20" in shown and ("mix (counted)" in shown or "mix (intent corrected by" in shown)
    # section 3: the simulated attainment (counted at the public reply) against the reply's theory, and the
    # pick-up share against Erlang C's service level, each named for what it is
    assert all(name in shown for name in ("replied within 20 s (first_response_attainment)", "erlang.response_level",
                                          "picked up within 20 s (records' wait)", "erlang.service_level"))
    assert all(name in shown for name in ("example mix", "counted mix", "corrected mix"))
