"""Layout flaws seen in Chromium screenshots of `wbcs report` (and the dashboard, which draws the same charts):
a trend chart's legend over the x axis's year label, and the response-time axis's tick labels run together."""

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

import wbcs.viz.kpi as vk
from wbcs.kpi import indicators
from wbcs.report import HALF_WIDTH
from wbcs.synth import generate_posts
from wbcs.viz.figure import text_width

PLOTLY_SIDE_MARGIN = 80  # plotly's default l and r margins, which these charts keep
MIN_CLEARANCE = 6  # px between two tick labels


@pytest.fixture(scope="module")
def posts():
    return generate_posts(days=28, start="2025-02-01", posts_per_day=60, seed=9)


def test_trend_legends_hang_below_the_axis_labels(posts):
    """At y = -0.15 of the plot the legend sat 20 px under the axis in a 416 px chart (six entries on six lines
    shrink its plot to 143 px) and covered "2025" under "Feb 2". Hung from the figure's bottom edge (yref container),
    plotly.js reserves the legend's height below the axis's labels, whatever the plot's height."""
    table = indicators(posts, period="day")
    for fig in (vk.volume_trend(table), vk.favorability_trend(table), vk.rates_trend(table)):
        legend = fig.layout.legend
        assert (legend.yref, legend.y, legend.yanchor, legend.orientation) == ("container", 0, "bottom", "h")


def _tick_clearances(fig, width: float) -> list[float]:
    """Pixels between neighbouring tick labels of ``fig``'s x axis in a chart ``width`` px wide (12 px labels); an axis
    without a range of its own spans the bars (plotly's autorange, about)."""
    axis = fig.layout.xaxis
    lo, hi = axis.range or (min(fig.data[0].x), max(fig.data[0].x))
    per_unit = (width - 2 * PLOTLY_SIDE_MARGIN) / (hi - lo)
    ticks = sorted(zip(axis.tickvals, axis.ticktext, strict=True))
    return [(b - a) * per_unit - (text_width(ta, 12) + text_width(tb, 12)) / 2
            for (a, ta), (b, tb) in pairwise(ticks)]


def _replies(minutes) -> pd.DataFrame:
    created = pd.Timestamp("2025-02-01 09:00")
    return pd.DataFrame({"created_at": [created] * len(minutes),
                         "reply_at": [created + pd.Timedelta(minutes=m) for m in minutes]})


@pytest.mark.parametrize("minutes", [
    None,  # the report's posts: 6 s … 2 d, where "1.0 h2.0 h" and "1.0 d2.0 d" ran together
    [0, 0.5, 3, 40, 200, 3000, 30_000, 60_000],  # 0 s … 6 weeks: the widest span
    [12, 14, 15, 20],  # all within minutes: the axis still spans 1 min … 1 d and has ticks
])
def test_response_ticks_keep_clear_at_the_reports_half_width(posts, minutes):
    fig = vk.response_time_histogram(posts if minutes is None else _replies(minutes))
    gaps = _tick_clearances(fig, HALF_WIDTH)
    assert len(gaps) >= 2 and min(gaps) >= MIN_CLEARANCE
    lo, hi = fig.layout.xaxis.range
    assert lo <= 0 and hi >= np.log10(1440)  # 1 min … 1 d at least
    data = np.asarray(fig.data[0].x, dtype=float)
    assert lo < data.min() and data.max() < hi  # no bar cut at an edge


def test_response_ticks_are_the_round_durations_in_reach(posts):
    fig = vk.response_time_histogram(posts)
    assert list(fig.layout.xaxis.ticktext) == ["1 min", "10 min", "1 h", "6 h", "1 d"]
    wide = vk.response_time_histogram(_replies([0, 0.5, 3, 40, 200, 3000, 30_000, 60_000]))
    assert {"1 h", "1 d"} <= set(wide.layout.xaxis.ticktext)  # the most telling are kept first


def test_narrowest_plot_is_the_reports_half_chart():
    assert vk.NARROWEST_PLOT == HALF_WIDTH - 2 * PLOTLY_SIDE_MARGIN
