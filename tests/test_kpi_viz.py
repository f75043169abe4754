"""KPI figures, the drill-down and the dashboard, driven headlessly."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_kpi_indicators import crafted
from wbcs.errors import InputError
from wbcs.kpi import indicators
from wbcs.viz import kpi as vk


@pytest.fixture(scope="module")
def synthetic():
    from wbcs.synth import generate_posts

    return generate_posts(days=21, posts_per_day=150, seed=2,
                          bursts=[{"start": "2025-01-15 10:00", "hours": 2, "posts": 80, "topic": "network"}])


def test_figures_carry_the_indicator_values():
    t = indicators(crafted(), period="day")
    fig = vk.volume_trend(t)
    assert list(fig.data[0].y) == [3, 2, 2, 1]
    nf = vk.favorability_trend(t)
    assert nf.data[0].y[0] == pytest.approx(-1.0) and nf.data[0].y[1] == pytest.approx(1.0)
    rates = vk.rates_trend(t)
    assert "handling 处理率" in [tr.name for tr in rates.data]
    hist = vk.response_time_histogram(crafted())
    assert len(hist.data[0].x) == 5  # five replied posts
    bar = vk.province_bar(crafted().assign(province=["广东", "广东", "北京", None, None, None, None, "北京"]))
    assert dict(zip(bar.data[0].y, bar.data[0].x, strict=True)) == {"广东": 2, "北京": 2}  # negatives only
    sla = vk.sla_bar(indicators(crafted()))
    assert list(sla.data[0].x) == ["consultation", "complaint", "vague_negative", "abuse", "praise"]
    with pytest.raises(InputError, match="period"):
        vk.volume_trend(indicators(crafted(), by="topic"))


def test_spikes_are_marked_on_the_volume_trend(synthetic):
    from wbcs.kpi.hot import spikes

    s = spikes(synthetic)
    t = indicators(synthetic, period="day")
    fig = vk.volume_trend(t, spikes=s)
    marks = [tr for tr in fig.data if tr.name == "spike 突增"]
    assert marks and pd.Timestamp("2025-01-15") in list(pd.to_datetime(marks[0].x))


def test_posts_behind_a_point_are_the_posts_of_that_period_masked():
    df = crafted()
    df.loc[0, "text"] = "我的号码是13812345678，网络太差"
    rows = vk.posts_behind(df, period="day", start="2025-03-03")
    assert len(rows) == 3 == indicators(df, period="day")["volume"].iloc[0]
    assert "138****5678" in rows["text"].iloc[-1] and "13812345678" not in rows.to_string()
    only_network = vk.posts_behind(df, period="week", start="2025-03-03", topic="network")
    assert len(only_network) == 4
    assert "&lt;b&gt;" in vk.table_html(pd.DataFrame({"text": ["<b>x</b>"]}))


def test_dashboard_filters_drive_every_view(synthetic):
    dash = vk.KpiDashboard(synthetic)
    assert dash.period.value == "day" and "posts selected" in dash.status.value
    assert dash.table["volume"].sum() == len(synthetic)
    assert set(dash.figures) == {"volume", "topics", "favorability", "rates", "response", "rhythm", "provinces"}
    # each tab holds a FigureWidget drawn from the current table
    bars = dash.tabs.figure("volume").data[0]
    assert int(sum(bars.y)) == len(synthetic)
    dash.filters["operator"].value = ("china_unicom",)
    n = int((synthetic["operator"] == "china_unicom").sum())
    assert dash.table["volume"].sum() == n and f"{n:,} posts selected" in dash.status.value
    assert int(sum(dash.tabs.figure("volume").data[0].y)) == n
    dash.period.value = "week"
    assert dash.table["period"].dt.day_of_week.eq(0).all()
    # drill-down: the first period offered is the latest; its rows are that period's posts
    start = dash.drill_period.options[0][1]
    expected = int(dash.table.loc[dash.table["period"] == start, "volume"].iloc[0])
    assert len(dash.drill_rows) == expected and "<table" in dash.drill.value
    dash.drill_topic.value = "network"
    assert set(dash.drill_rows["topic"].astype(str)) <= {"network"}
    dash.filters["operator"].value = ()
    lo = dash.dates.options[3][1]
    dash.dates.value = (lo, lo)
    assert dash.table["volume"].sum() == int((synthetic["created_at"].dt.normalize().dt.tz_localize(None) == lo).sum())


def test_dashboard_handles_filters_that_match_nothing():
    df = crafted().assign(province=["广东"] * 8)
    dash = vk.KpiDashboard(df)
    dash.dates.value = (dash.dates.options[2][1], dash.dates.options[2][1])  # 03-05: p6 p7
    dash.filters["topic"].value = ("billing",)  # no billing post that day
    assert "No posts match" in dash.cards.value and dash.drill_period.options == ()
    with pytest.raises(InputError, match="empty"):
        vk.KpiDashboard(df.iloc[:0])
