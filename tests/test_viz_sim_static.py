"""The simulation charts as a static page shows them (notebook 04 exported to HTML): titles that fit an 800 px
window, kind names left to slant, and the what-if app's current charts as plain figures in place of its widgets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import plotly.graph_objects as go
import pytest

from tests.test_sim_viz import WEEK
from wbcs.config import ROOT
from wbcs.sim import Scenario, replicate
from wbcs.viz import sim as vs
from wbcs.viz.figure import fit_title

# a chart's width in notebook 04 exported to HTML (nbconvert's lab template) and shown in an 800 px window, measured
# in Chromium: 670 px
EXPORTED_AT_800 = 670


@pytest.fixture(scope="module")
def summaries():
    week = Scenario.from_dict(WEEK)
    return {"policy A": replicate(week, 2, seed=1, keep_records=True),
            "policy B": replicate(week.updated({"patrol_minutes": 10}), 2, seed=1, keep_records=True)}


def test_every_title_fits_a_chart_at_an_800_px_window(summaries):
    # the waits chart's title was cut after "dotted: picked up" (730 px of text), the attainment's nearly (690 px)
    for name, fig in vs.figures(summaries).items():
        assert fit_title(go.Figure(fig), EXPORTED_AT_800).layout.title.text == fig.layout.title.text, name


def test_kind_names_slant_when_they_would_run_together(summaries):
    # tickangle 0 kept them level at any width: "all postsconsultationcomplaint…" at 800 px; unset, plotly slants
    # them only when they would touch
    fig = vs.attainment_figure(summaries)
    assert fig.layout.xaxis.tickangle is None and fig.layout.xaxis2.tickangle is None


def test_the_apps_current_charts_are_plain_figures():
    app = vs.WhatIfApp(Scenario.from_dict(WEEK), replications=2, seed=3)
    shown = app.current_figures()
    assert list(shown) == ["attainment", "waits", "backlog", "utilization"]
    assert all(type(f) is go.Figure for f in shown.values())
    assert {t.name for t in shown["attainment"].data} >= {"policy A 方案A", "policy B 方案B"}
    app.plan()
    assert "staffing" in app.current_figures()
    app.controls["A"]["patrol"].value = 10  # the plan was made with other settings: not shown as current
    assert "staffing" not in app.current_figures()


@pytest.mark.notebook
def test_notebook_04_exported_to_html_holds_plotly_js_once_and_shows_the_apps_charts(tmp_path):
    """The auditor's export: 20.7 MB, plotly.js in it four times (three FigureWidgets of the what-if apps in the
    saved widget state, ~5 MB each), and the app's cell blank offline."""
    shutil.copy(ROOT / "notebooks" / "04-simulate-sla.ipynb", tmp_path)
    env = {**os.environ, "WBCS_SMOKE": "1", "WBCS_OUT": str(tmp_path / "out"),
           "PLOTLY_RENDERER": "plotly_mimetype+notebook", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html",
                        "--ExecutePreprocessor.timeout=900", "04-simulate-sla.ipynb"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1100)
    assert r.returncode == 0, r.stderr[-4000:]
    page = (tmp_path / "04-simulate-sla.html").read_text(encoding="utf-8")
    assert page.count("* plotly.js v") == 1
    state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', page, re.S)
    models = json.loads(state.group(1))["state"].values() if state else []
    # a FigureWidget's model carries plotly.js in its code (~5 MB): none made where no browser watches
    assert all(len(json.dumps(m)) < 100_000 for m in models)
    assert len(page) < 7_000_000  # plotly.js (~4.6 MB) and the notebook
    assert "The what-if app's charts as they stand" in page  # the static copy, for a page without widgets


def test_the_clocks_names_stand_either_side_of_their_lines(summaries):
    # centred on their lines, "clock 30 min" and "clock 2 h" (about 55 px apart at 800 px) ran into one another
    fig = vs.wait_figure(summaries)
    assert [(a.text, a.xanchor) for a in fig.layout.annotations] == [("clock 30 min", "right"), ("clock 2 h", "left")]
