"""Every chart whose x axis is a period draws a period in the middle of its dates, as the report's volume chart does
(an audit's finding): the favorability, rates and topic-share trends drew a week's point on its Monday and a month's
on its 1st, half a period left of the volume chart's point and of the "this period" band beside them. And the
report's SLA chart: at 800 px its slanted kind names ran over its legend."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from wbcs.kpi import indicators
from wbcs.report import build_report
from wbcs.synth import generate_posts
from wbcs.viz import kpi as vk

DAY_MS = 86_400_000
XPERIOD = {"day": DAY_MS, "week": 7 * DAY_MS, "month": "M1"}


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    return generate_posts(days=75, start="2024-11-01", posts_per_day=30, seed=4)  # 2024-11-01 – 2025-01-14


def trends(posts: pd.DataFrame, period: str, covered: bool) -> dict:
    """Every period chart of ``posts`` by ``period``, from tables with ``period_coverage``'s columns (as the report
    and the dashboard draw them) or without (as a notebook may)."""
    def table(**by):
        t = indicators(posts, period=period, **by)
        return vk.period_coverage(t, period, "2024-11-01", "2025-01-14") if covered else t

    t = table()
    return {"volume": vk.volume_trend(t), "favorability": vk.favorability_trend(t), "rates": vk.rates_trend(t),
            "topics": vk.topic_share_trend(table(by="topic"))}


@pytest.mark.parametrize("covered", [True, False])
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_every_trend_draws_a_period_in_the_middle_of_its_dates(posts, period, covered):
    starts = set(pd.to_datetime(indicators(posts, period=period)["period"]))
    for name, fig in trends(posts, period, covered).items():
        assert fig.data, name
        for trace in fig.data:
            assert (trace.xperiod, trace.xperiodalignment) == (XPERIOD[period], "middle"), (name, trace.name)
            if name != "rates":  # counted from a period's start (a Monday, a 1st); the rates' below
                assert pd.Timestamp(trace.xperiod0) in starts, (name, trace.name)
            # the table's x is the period's first day, which the hover names
            assert {pd.Timestamp(x) for x in trace.x} <= starts or name == "rates", (name, trace.name)


@pytest.mark.parametrize("period", ["week", "month"])
def test_a_periods_rates_stand_beside_each_other_from_the_middle_of_its_dates(posts, period):
    """The rates are dodged (their intervals would cover each other): each rate's x is its period's start moved on by
    its dodge, and its periods are counted from a period's start moved on by the same, so plotly draws the first in the
    middle of the period's dates, where the other trends draw it, and the others after it, within the period."""
    t = vk.period_coverage(indicators(posts, period=period), period, "2024-11-01", "2025-01-14")
    fig = vk.rates_trend(t)
    starts = list(pd.to_datetime(t["period"]))
    step = pd.Timedelta(days=7 if period == "week" else 30)  # the shortest gap between two periods' starts
    assert len(fig.data) >= 4
    for j, trace in enumerate(fig.data):
        dodge = step * vk.DODGE * j / (len(fig.data) - 1)
        assert [pd.Timestamp(x) for x in trace.x] == [s + dodge for s in starts]
        assert pd.Timestamp(trace.xperiod0) - dodge in starts
        assert (trace.xperiod, trace.xperiodalignment) == (XPERIOD[period], "middle")


def test_a_lone_period_spans_its_dates_with_its_tick_in_the_middle():
    one = generate_posts(days=20, start="2025-03-05", posts_per_day=30, seed=4)  # 03-05 – 03-24: one month
    month = vk.period_coverage(indicators(one, period="month"), "month", "2025-03-05", "2025-03-24")
    topics = vk.period_coverage(indicators(one, period="month", by="topic"), "month", "2025-03-05", "2025-03-24")
    for fig in (vk.volume_trend(month), vk.favorability_trend(month), vk.rates_trend(month),
                vk.topic_share_trend(topics)):
        axis = fig.layout.xaxis
        assert [pd.Timestamp(x) for x in axis.range] == [pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01")]
        assert [pd.Timestamp(x) for x in axis.tickvals] == [pd.Timestamp("2025-03-16 12:00")]
        assert list(axis.ticktext) == ["2025-03"]
        assert {tr.xperiodalignment for tr in fig.data} == {"middle"}


def report_figure(page: str, title: str) -> tuple[list[dict], dict]:
    """The traces and layout of the report's chart whose title starts with ``title``."""
    decoder = json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        traces, end = decoder.raw_decode(page, m.end())
        layout, _ = decoder.raw_decode(page, re.compile(r",\s*").match(page, end).end())
        if layout["title"]["text"].startswith(title):
            return traces, layout
    raise AssertionError(f"no chart {title!r}")


@pytest.mark.parametrize(("period", "end", "start", "xperiod"), [
    ("week", "2025-01-05", "2024-12-30", 7 * DAY_MS), ("month", "2024-12-31", "2024-12-01", "M1")])
def test_the_reports_trends_stand_where_the_volume_chart_stands(posts, period, end, start, xperiod):
    page = build_report(posts, period=period, end=end)
    for title in ("Volume", "Net favorability", "Handling", "Topic share"):
        traces, _ = report_figure(page, title)
        assert {(t["xperiod"], t["xperiodalignment"]) for t in traces} == {(xperiod, "middle")}, title
        if title != "Handling":  # each period counted from this period's start, as the band is drawn from it
            assert {pd.Timestamp(t["xperiod0"]) for t in traces} == {pd.Timestamp(start)}, title


def test_the_sla_legend_hangs_below_the_slanted_kind_names(posts):
    """The legend sat at y = -0.2 of the plot: at 800 px (a 744 px chart) plotly slants the kind names, which reach
    further down than that, and ran over it. Hung from the figure's bottom edge, plotly.js reserves its height below
    the axis's labels however far they reach."""
    legend = vk.sla_bar(indicators(posts)).layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
