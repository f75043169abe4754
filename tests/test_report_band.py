"""The volume chart's "this period" band covers the period's dates, and the period's point stands inside it (an
audit's finding): the band was centred on the period's first day, where the point stood, so the week 29 Apr – 5 May
shaded ~26 Apr – 2 May on the axis's dates, and January's band ran from mid-December to mid-January."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from wbcs.report import build_report
from wbcs.synth import generate_posts

WEEK_MS = 7 * 86_400_000


def volume_chart(page: str) -> tuple[list[dict], dict]:
    """The traces and layout of the report's volume chart."""
    decoder = json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        traces, end = decoder.raw_decode(page, m.end())
        layout, _ = decoder.raw_decode(page, re.compile(r",\s*").match(page, end).end())
        if layout["title"]["text"].startswith("Volume"):
            return traces, layout
    raise AssertionError("no volume chart")


def band(layout: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    (shape,) = [s for s in layout["shapes"] if s["type"] == "rect"]
    return pd.Timestamp(shape["x0"]), pd.Timestamp(shape["x1"])


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    return generate_posts(days=75, start="2024-11-01", posts_per_day=3, seed=4)  # 2024-11-01 – 2025-01-14


@pytest.mark.parametrize(("period", "end", "start", "stop", "xperiod"), [
    ("week", "2025-01-05", "2024-12-30", "2025-01-06", WEEK_MS),  # Monday to Sunday
    ("month", "2024-12-31", "2024-12-01", "2025-01-01", "M1"),
])
def test_the_band_covers_the_period_and_each_point_stands_over_its_period(posts, period, end, start, stop, xperiod):
    traces, layout = volume_chart(build_report(posts, period=period, end=end))
    start, stop = pd.Timestamp(start), pd.Timestamp(stop)
    assert band(layout) == (start, stop)  # was (12-26 12:00, 01-02 12:00) and (11-15 12:00, 12-16 12:00)
    line = next(t for t in traces if t["name"] == "posts")
    assert pd.Timestamp(line["x"][-1]) == start  # the period's point is its first day ...
    for t in traces:  # ... drawn, as the partial and spike marks on it, in the middle of its period's dates
        assert (t["xperiod"], pd.Timestamp(t["xperiod0"]), t["xperiodalignment"]) == (xperiod, start, "middle")
    assert "range" not in layout.get("xaxis", {})  # plotly spans the periods


def test_a_lone_period_spans_the_axis(posts):
    traces, layout = volume_chart(build_report(posts.iloc[:20], period="month", end="2024-11-30"))
    start, stop = pd.Timestamp("2024-11-01"), pd.Timestamp("2024-12-01")
    assert band(layout) == (start, stop)
    # the axis spans the month, its point in the middle where the tick names it (the axis was centred on 11-01,
    # where the point now is not)
    assert [pd.Timestamp(x) for x in layout["xaxis"]["range"]] == [start, stop]
    assert [pd.Timestamp(x) for x in layout["xaxis"]["tickvals"]] == [start + (stop - start) / 2]
    assert layout["xaxis"]["ticktext"] == ["2024-11"]
    assert all(t["xperiodalignment"] == "middle" for t in traces)
