"""The KPI dashboard's filters and the SLA charts' value labels, as an audit saw them in Chromium: a filter of one
value drawn as a collapsed dropdown ("0 selected", the value unseen), four 300 px filters wider than an 800 px page,
value labels under the error whiskers, an error in the console when another data set was chosen."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.test_kpi_indicators import crafted
from tests.test_report_audit_kpi import week_posts
from tests.test_sim_viz import WEEK
from wbcs.kpi import indicators
from wbcs.sim import Scenario, replicate
from wbcs.viz import kpi as vk
from wbcs.viz import sim as vs


def test_a_filter_of_one_value_is_a_list_that_shows_it():
    """Chromium draws a one-row <select multiple> as a dropdown reading '0 selected': a list shows two rows at least."""
    dash = vk.KpiDashboard(week_posts())  # one platform, operator and province; three topics
    for col in ("platform", "operator", "province"):
        assert len(dash.filters[col].options) == 1 and dash.filters[col].rows == 2, col
    assert dash.filters["topic"].rows == 3


def test_the_filters_wrap_onto_a_second_row_in_a_narrow_window():
    dash = vk.KpiDashboard(week_posts())
    (row,) = [box for box in dash.widget.children if getattr(box, "children", None) == tuple(dash.filters.values())]
    assert row.layout.flex_flow == "row wrap"
    assert {f.layout.width for f in dash.filters.values()} == {"300px"}  # two to a row at 800 px, four at 1366


def test_sla_bar_labels_stand_above_the_whiskers():
    """crafted(): acknowledge consultation 1 of 1, complaint 1 of 2, vague negativity 0 of 1, abuse 1 of 1, praise
    0 of 2; resolve consultation 1 of 1, complaint 1 of 2, vague negativity 0 of 1. Clopper–Pearson 95% upper ends:
    1 of 2 → √0.975, 0 of 1 → 0.975, 0 of 2 → 1 − √0.025, n of n → 1."""
    fig = vk.sla_bar(indicators(crafted()))
    top = {"acknowledge": [1, math.sqrt(0.975), 0.975, 1, 1 - math.sqrt(0.025)],
           "resolve": [1, math.sqrt(0.975), 0.975, math.nan, math.nan]}
    text = {"acknowledge": ["100% of 1", "50% of 2", "0% of 1", "100% of 1", "0% of 2"],
            "resolve": ["100% of 1", "50% of 2", "0% of 1", "", ""]}
    for stage in ("acknowledge", "resolve"):
        bar, label = [t for t in fig.data if t.legendgroup == stage]
        assert bar.text is None and bar.showlegend is not False  # the bar: value and whiskers, no label
        ends = np.asarray(bar.y, dtype=float) + np.asarray(bar.error_y.array, dtype=float)
        np.testing.assert_allclose(ends, top[stage])
        # the label on a bar of no height standing on the whisker's top, in the bar's own slot of the group
        assert label.offsetgroup == bar.offsetgroup and label.showlegend is False and label.hoverinfo == "skip"
        np.testing.assert_allclose(np.asarray(label.base, dtype=float), top[stage])
        assert list(label.y) == [0] * 5 and list(label.text) == text[stage]
        assert label.textposition == "outside" and label.cliponaxis is False


@pytest.fixture(scope="module")
def two_policies():
    base = Scenario.from_dict(WEEK)
    return {"A": replicate(base, 2, seed=1), "B": replicate(base.updated({"patrol_minutes": 0}), 2, seed=1)}


def test_attainment_labels_stand_above_the_whiskers(two_policies):
    """Inside the bar at its base, a label was crossed by a whisker reaching down to 0 (abuse: 51%, 0–99%)."""
    fig = vs.attainment_figure(two_policies)
    bars = [t for t in fig.data if t.type == "bar" and t.error_y.array is not None]
    labels = [t for t in fig.data if t.type == "bar" and t.error_y.array is None]
    assert len(bars) == len(labels) == 4  # two policies, two panels
    for bar, label in zip(bars, labels, strict=True):
        assert bar.text is None
        assert (label.offsetgroup, label.legendgroup, label.xaxis) == (bar.offsetgroup, bar.legendgroup, bar.xaxis)
        assert label.offsetgroup == bar.legendgroup  # A's and B's labels in A's and B's slots
        ends = np.asarray(bar.y) + np.asarray(bar.error_y.array)
        np.testing.assert_allclose(np.asarray(label.base, dtype=float), ends)
        assert list(label.text) == [f"{v:.0%}" for v in bar.y] and list(label.y) == [0] * len(bar.y)
        assert label.textposition == "outside" and label.cliponaxis is False and label.hoverinfo == "skip"
        assert label.showlegend is False
    overall = two_policies["A"].table.loc["first_response_attainment"]
    assert labels[0].base[0] == pytest.approx(overall["ci_high"])  # A's overall: its interval's top
    assert fig.layout.uniformtext.mode == "hide"  # a label too small to read still left to the hover


def test_a_dashboard_not_chosen_stays_on_the_page_hidden():
    """Taken off the page, a dashboard's charts lost their views, but plotly's (7.1) went on listening: a chart's next
    update (its width, fitted to the window) hit a removed view, "Error setting state: Cannot read properties of
    undefined (reading 'map')" in Voilà. Hidden instead, its views stay."""
    app = vk.DashboardChooser({"first": crafted(), "second": week_posts()})
    first = app.dashboards["first"].widget
    app.choice.value = "second"
    second = app.dashboards["second"].widget
    assert app.holder.children == (first, second)
    assert (first.layout.display, second.layout.display) == ("none", None)
    app.choice.value = "first"
    assert app.holder.children == (first, second)
    assert (first.layout.display, second.layout.display) == (None, "none")
