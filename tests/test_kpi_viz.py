"""KPI figures, the drill-down and the dashboard, driven headlessly."""

from __future__ import annotations

import numpy as np
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
    # complaints only: p1 p2 (广东); p3 (北京, vague negativity) is asked its reason and p8 (北京, abuse) set aside
    assert dict(zip(bar.data[0].y, bar.data[0].x, strict=True)) == {"广东": 2}
    # whole-number ticks at 2 complaints: plotly stepped by 0.5 and ",d" wrote 0 0 0 1 1 1 (the README's report)
    assert (bar.layout.xaxis.tick0, bar.layout.xaxis.dtick, bar.layout.xaxis.tickformat) == (0, 1, ",d")
    assert vk.volume_trend(t).layout.yaxis.dtick == 1  # 3 posts a day at most
    sla = vk.sla_bar(indicators(crafted()))  # post kinds by the taxonomy's names of the labels that make them
    assert list(sla.data[0].x) == ["咨询 consultation", "投诉 complaint", "笼统负面 vague negativity",
                                   "恶意抹黑/粗俗 abuse", "表扬 praise"]
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
    for col in ("operator", "platform"):  # by the names the filters show, not ids
        if col in df:
            assert set(only_network[col].dropna()) <= set(vk.display_names(col).values()), only_network[col]
    assert "&lt;b&gt;" in vk.table_html(pd.DataFrame({"text": ["<b>x</b>"]}))


def test_dashboard_filters_drive_every_view(synthetic):
    dash = vk.KpiDashboard(synthetic)
    assert dash.period.value == "day" and "posts selected" in dash.status.value
    # the range is written out beside the slider, not in its readout (which cut it off)
    assert not dash.dates.readout and "2025-01-01 – 2025-01-21" in dash.dates_label.value
    assert dash.table["volume"].sum() == len(synthetic)
    assert set(dash.figures) == {"volume", "topics", "favorability", "rates", "response", "rhythm", "provinces", "corrected"}
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
    assert dash.drill_topic.options[0] == ("all 全部", "") and dash.drill_topic.value == ""  # shown, not blank
    dash.drill_topic.value = "network"
    assert set(dash.drill_rows["topic"].astype(str)) <= {"网络/信号"}  # the taxonomy's display name
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


def _stc3_like(n_days=10):
    """Posts as STC-3 and a model give them: labels from the model, no reply times."""
    from wbcs.synth import generate_posts

    df = generate_posts(days=n_days, posts_per_day=30, seed=4)
    df = df.drop(columns=["reply_at", "resolved_at", "satisfied"])
    for f in ("sentiment", "intent", "topic"):
        df[f"{f}_source"] = "model"
    df.loc[df.index[:7], "sentiment_source"] = "label"
    df.attrs["classified"] = {"model": "wbcs-default/2"}
    return df


def test_dashboard_says_why_sections_are_empty_and_which_labels_are_the_models():
    df = _stc3_like()
    dash = vk.KpiDashboard(df)
    cards = dash.cards.value
    assert "Posts 声量" in cards and "Handling rate" not in cards.split("Not shown")[0]
    assert "Not shown — no reply times in this data: Handling rate 处理率, Satisfaction 满意率, " \
           "Median response 响应, SLA acknowledge 响应达标." in cards.replace("&#x27;", "'")
    assert "–" not in cards  # no bare dashes
    assert dash.tabs.content("response") == "No response times: no reply times in this data."
    assert "no reply times in this data" in dash.tabs.content("rates")
    assert dash.tabs.figure("response") is None and "no reply times" in dash.figures["response"].children[0].value
    note = dash.labels_note.value
    assert "Labels from the model wbcs-default/2" in note
    assert f"sentiment {len(df) - 7:,} by model, 7 given" in note and f"intent {len(df):,} by model" in note
    given = vk.KpiDashboard(df.drop(columns=["sentiment_source", "intent_source", "topic_source"]))
    assert "as given in the data" in given.labels_note.value


def test_only_the_tab_on_screen_is_drawn_and_a_tab_can_be_added(synthetic):
    dash = vk.KpiDashboard(synthetic)
    assert not [n for n, slot in dash.figures.items() if slot.children]  # no browser shows it: nothing drawn
    dash.tabs.probe.width = 900  # a browser shows the tabs
    drawn = [n for n, slot in dash.figures.items() if slot.children]
    assert drawn == ["volume"]
    dash.tabs.tab.selected_index = 3  # opening a tab draws it
    assert dash.figures["rates"].children and dash.tabs.figure("rates").data
    dash.add_tab("corrected", "Corrected 校正", lambda d, posts: f"{len(posts):,} posts")
    assert dash.tabs.tab.titles[-1] == "Corrected 校正"
    assert dash.tabs.content("corrected") == f"{len(synthetic):,} posts"


def test_partial_first_and_last_periods_are_marked():
    from wbcs.synth import generate_posts

    df = generate_posts(days=17, start="2025-01-01", posts_per_day=20, seed=1)  # Wed 01-01 .. Fri 01-17
    t = vk.period_coverage(indicators(df, period="week"), "week", "2025-01-01 08:00", "2025-01-17 23:00")
    assert list(t["days_covered"]) == [5, 7, 5] and list(t["days_in_period"]) == [7, 7, 7]
    fig = vk.volume_trend(t)
    part = next(tr for tr in fig.data if tr.name == "partial period 不完整周期")
    assert list(part.text) == ["5 of 7 days", "5 of 7 days"] and len(part.x) == 2
    month = vk.period_coverage(indicators(df, period="month"), "month", "2025-01-01", "2025-01-17")
    assert list(month["days_covered"]) == [17] and list(month["days_in_period"]) == [31]
    full = vk.period_coverage(indicators(df, period="day"), "day", "2025-01-01", "2025-01-17")
    assert not any(tr.name == "partial period 不完整周期" for tr in vk.volume_trend(full).data)


def test_topic_shares_leave_out_tiny_periods_and_use_chinese_names():
    df = crafted()  # 8 posts over four days
    by = indicators(df, period="day", by="topic")
    fig = vk.topic_share_trend(by, min_posts=3)
    days = {str(x)[:10] for tr in fig.data for x in tr.x}
    assert days == {"2025-03-03"}  # the only day with 3 posts
    assert "3 periods under 3 posts not shown" in fig.layout.title.text
    names = {tr.name for tr in fig.data}
    assert names <= set(vk.display_names("topic").values()) | {"(none 无)"} and "network" not in names
    assert all(tr.type == "bar" for tr in fig.data)  # bars, not areas that draw between periods
    first = fig.data[0]
    assert "of %{customdata[1]:,} posts" in first.hovertemplate and first.customdata[0][1] == 3
    # every period too small (a narrow filter, STC-3 by day): the chart says so instead of empty axes
    empty = vk.topic_share_trend(by, min_posts=100)
    assert not empty.data and empty.layout.annotations[0].text.startswith(
        "Every period has fewer than 100 posts: choose a longer period")


def test_rates_carry_their_counts_and_95_percent_intervals():
    lo, hi = vk.rate_interval([0, 5, 10], [10, 10, 10])
    # Clopper-Pearson by hand (scipy.stats.beta): 0/10 → [0, 0.3085]; 5/10 → [0.1871, 0.8129]; 10/10 → [0.6915, 1]
    np.testing.assert_allclose(lo, [0, 0.18709, 0.69150], atol=1e-4)
    np.testing.assert_allclose(hi, [0.30850, 0.81291, 1], atol=1e-4)
    assert np.isnan(vk.rate_interval([0], [0])[0][0])
    t = indicators(crafted(), period="day")
    fig = vk.rates_trend(t)
    handling = next(tr for tr in fig.data if tr.name == "handling 处理率")
    assert handling.error_y.array is not None and "of %{customdata[1]:,}" in handling.hovertemplate
    sla = vk.sla_bar(indicators(crafted()))
    # the labels on a trace of their own, above the whiskers (tests/test_dashboard_layout.py)
    assert sla.data[0].error_y.array is not None and any(" of " in tx for tx in sla.data[1].text)


def test_changes_show_their_counts_and_volumes_are_integers():
    assert vk.change_text(16, 5) == "+220% (5 → 16)"
    assert vk.change_text(3, 0) == "new (0 → 3)" and vk.change_text(0, 0) == ""
    cards = vk.kpi_cards_html({"volume": 16}, {"volume": 5})
    assert "+220% (5 → 16) vs previous" in cards
    k = indicators(crafted())
    table = vk.indicator_table(k)
    assert table.loc["volume", "value"] == "8" and "." not in table.loc["n_negative", "value"]
    # each key with its name beside it; a time's name carries no unit its value contradicts ("…_minutes 2.5 h")
    assert table.loc["median_response_minutes", "name"] == "median response 响应时间中位数"
    assert table["name"].notna().all() and not table["name"].str.contains("_").any()
    sla = vk.sla_table(k)
    assert all("." not in p for p in sla["posts"])
    big = vk.indicator_table({**k, "volume": 183837})
    assert big.loc["volume", "value"] == "183,837"


def test_a_median_response_and_its_change_are_in_one_unit():
    """The headline read "Median response 2.5 h, -412 min vs previous"."""
    cards = vk.kpi_cards_html({"median_response_minutes": 150}, {"median_response_minutes": 562})
    assert ">2.5 h<" in cards and "-6.9 h vs previous" in cards and "min" not in cards
    cards = vk.kpi_cards_html({"median_response_minutes": 25}, {"median_response_minutes": 40})
    assert ">25 min<" in cards and "-15 min vs previous" in cards


def test_the_two_satisfaction_rates_say_why_each_is_missing():
    """Reply satisfaction is out of the replied negative posts (DOMAIN.md); the rate among those who gave
    feedback is a second, named indicator: each null says its own reason."""
    posts = crafted().assign(satisfied=pd.NA)  # replied negative posts, none with feedback
    k = indicators(posts)
    assert k["reply_satisfaction_rate"] == 0.0 and k["reply_satisfaction_rate_of_known"] is None
    assert vk.missing_reasons(posts, k)["reply_satisfaction_rate_of_known"] == "no satisfaction feedback in this data"
    praise = crafted().iloc[[4, 5]].assign(satisfied=True)  # no negative posts
    why = vk.missing_reasons(praise, indicators(praise))
    assert why["reply_satisfaction_rate"] == "no replied negative posts"
    assert why["reply_satisfaction_rate_of_known"] == "no feedback on replied negative posts"


def test_ids_are_shown_by_their_names():
    ids = pd.Series(["china_unicom", None, "x"])
    assert vk.shown(ids, "operator").tolist()[::2] == ["中国联通 China Unicom", "x"]
    assert vk.shown(pd.Series(["sina_weibo", "forum"]), "platform").tolist() == ["新浪微博 Sina Weibo", "论坛 forum"]
    assert vk.shown(pd.Series(["vague_negative", "consultation"]), "kind").tolist() == [
        "笼统负面 vague negativity", "咨询 consultation"]
    # every kind is named by its label, now that the kind rules (triage's routes) also test two columns at once
    assert vk.display_names("kind") == {"abuse": "恶意抹黑/粗俗 abuse", "complaint": "投诉 complaint",
                                        "vague_negative": "笼统负面 vague negativity", "praise": "表扬 praise",
                                        "consultation": "咨询 consultation"}
    assert vk.shown(pd.Series(["complaint_same_week"]), "rule").tolist() == ["一周同类投诉 same complaint within 7 days"]
    assert vk.shown(pd.Series(["topic:broadband", "near_duplicate:5118438255100112"]), "cluster").tolist() == [
        "宽带 (topic)", "相似帖子 near-duplicates of post 5118438255100112"]


def test_the_chooser_builds_a_dashboard_when_its_table_is_chosen():
    calls = []

    def later():
        calls.append(1)
        return crafted()

    def broken():
        raise InputError("no dataset mirror")

    app = vk.DashboardChooser({"first": crafted(), "later": later, "broken": broken})
    assert list(app.dashboards) == ["first"] and calls == []  # the first answers without loading the rest
    app.choice.value = "later"
    # one shown, the other hidden on the page (tests/test_dashboard_layout.py)
    assert calls == [1] and [d.widget.layout.display for d in app.dashboards.values()] == ["none", None]
    app.choice.value = "first"
    app.choice.value = "later"
    assert calls == [1]  # built once
    app.choice.value = "broken"
    assert "broken: no dataset mirror" in app.status.value
    assert {d.widget.layout.display for d in app.dashboards.values()} == {"none"}


def test_a_replaced_figure_widget_is_closed(synthetic):
    dash = vk.KpiDashboard(synthetic)
    old = dash.tabs.figure("volume")
    dash.filters["operator"].value = ("china_unicom",)
    new = dash.tabs.figure("volume")
    assert new is not old and old.comm is None and new.comm is not None  # closed: gone from the kernel
    assert old._view_count is None and new._view_count == 0  # not counted off through its closed comm


def test_dashboard_shows_topic_shares_corrected_for_the_models_errors():
    df = _stc3_like()
    topics = sorted(df["topic"].dropna().unique())
    k = len(topics)
    # a model that is right 80 % of the time and spreads its errors evenly
    matrix = (np.full((k, k), 20 / (k - 1)) + np.eye(k) * (80 - 20 / (k - 1))).round().astype(int).tolist()
    df.attrs["classified"] = {"model": "wbcs-default/3", "cv_confusion": {"topic": {"labels": topics, "matrix": matrix}}}
    dash = vk.KpiDashboard(df)
    fig = dash.tabs.content("corrected")
    assert fig.data[0].name.startswith("as counted") and fig.data[1].name.startswith("corrected")
    assert len(fig.data[1].x) == k and fig.data[1].error_y.array is not None
    assert abs(sum(fig.data[1].y) - 1) < 1e-6 and f"{len(df):,} model labels" in fig.layout.title.text
    below = dash.tabs.slots["corrected"].children[1].value  # every field's shares, in a table under the chart
    assert "estimated share (95% interval)" in below and "ACC (pooled)" in below
    # labels given by people: nothing to correct, and the tab says so
    plain = vk.KpiDashboard(df.drop(columns=["topic_source"]))
    assert plain.tabs.content("corrected").startswith("No corrected shares")


def test_shares_kept_as_counted_are_not_titled_corrected():
    """When the card's grouped CV kept the counts (no correction came closer), the chart says so and why."""
    t = pd.DataFrame({"label": ["network", "billing"], "n": [6, 4], "raw_share": [0.6, 0.4],
                      "corrected_share": [0.6, 0.4], "lo": [0.3, 0.1], "hi": [0.9, 0.7]})
    t.attrs.update(by_model=10, given=0, method="CC", corrected=False,
                   note="not corrected: on the training rows (first_post) no correction came closer to the true "
                        "shares than the counts in enough folds")
    fig = vk.corrected_share_bar(t, "topic")
    title = fig.layout.title.text
    assert "as counted, not corrected" in title and "corrected for the model's errors" not in title
    assert "no correction came closer" in title and fig.data[1].name.startswith("estimate")
    assert "corrected" not in fig.data[1].hovertemplate
    t.attrs.update(method="PCC", corrected=True, note="PCC: chosen by grouped CV")
    assert "corrected for the model's errors 模型误差校正 (PCC)" in vk.corrected_share_bar(t, "topic").layout.title.text


def test_figures_take_the_width_the_browser_reports_for_the_tabs(synthetic):
    import plotly.graph_objects as go

    from wbcs.viz.widgets import PANEL_INSET, FigureTabs

    dash = vk.KpiDashboard(synthetic)
    volume = dash.tabs.figure("volume")
    assert volume.layout.width is None  # no browser yet: plotly's own sizing
    dash.tabs.probe.width = 1240  # what WidthProbe's script sends when the page lays the tabs out
    assert volume.layout.width == 1240 - PANEL_INSET
    dash.tabs.tab.selected_index = 1  # a tab opened later is drawn at the width already known
    assert dash.tabs.figure("topics").layout.width == 1240 - PANEL_INSET
    dash.tabs.probe.width = 900  # the window narrowed: every drawn figure follows
    assert volume.layout.width == dash.tabs.figure("topics").layout.width == 900 - PANEL_INSET

    tabs = FigureTabs({"fixed": "Fixed"})
    tabs.probe.width = 1240
    tabs.show({"fixed": go.Figure(layout={"width": 520})})
    assert tabs.figure("fixed").layout.width == 520  # a figure with a width of its own keeps it


def test_a_title_is_wrapped_to_the_width_on_screen_and_back():
    """plotly cuts a long title at the chart's edge: the tabs wrap it to the width the browser reports, from the
    figure as made, so widening the window again puts it back on one line at the figure's own height."""
    import plotly.graph_objects as go

    from wbcs.viz.widgets import FigureTabs

    title = "Negative handling and resolution 负面处理与解决 · 12 weeks under 20 posts not shown"  # ~45 em
    tabs = FigureTabs({"rates": "Rates"})
    tabs.show({"rates": go.Figure(layout={"title": {"text": title}, "height": 400, "margin": {"t": 80}})})
    tabs.probe.width = 440  # a 400 px chart: its 17 px title font gets ~22 em a line
    shown = tabs.figure("rates")
    assert shown.layout.title.text.count("<br>") >= 1 and shown.layout.height > 400 and shown.layout.margin.t > 80
    tabs.probe.width = 1640
    assert shown.layout.title.text == title and shown.layout.height == 400 and shown.layout.margin.t == 80


def test_the_label_note_says_how_far_the_models_negative_holds():
    """By hand: of the 115 posts CV saw called negative, 90 were (78 %); of the 100 negative posts it found 90 (90 %)."""
    from wbcs.kpi.quantify import label_reliability

    df = _stc3_like()
    df.attrs["classified"] = {"model": "wbcs-default/12", "cv_confusion": {"sentiment": {
        "labels": ["negative", "neutral", "positive"], "matrix": [[90, 6, 4], [20, 70, 10], [5, 5, 90]]}}}
    note = vk.label_note_html(df, "wbcs-default/12", label_reliability(df, "sentiment"))
    assert "Its “negative” in cross-validation: precision 78%, recall 90%" in note
    assert "negative handling and resolution rates count the posts it calls negative" in note
    assert "cross-validation" not in vk.label_note_html(df.drop(columns=["sentiment_source"]), "wbcs-default/12",
                                                        label_reliability(df.drop(columns=["sentiment_source"]),
                                                                          "sentiment"))
    dash = vk.KpiDashboard(df)
    assert "precision 78%, recall 90%" in dash.labels_note.value
    given = df.assign(sentiment_source="label")  # the topic still the model's, the sentiment given: nothing to say
    assert "cross-validation" not in vk.label_note_html(given, "wbcs-default/12", label_reliability(df, "sentiment"))


def test_the_dashboard_refuses_a_post_without_a_time_as_indicators_does():
    df = crafted()
    df.loc[5, "created_at"] = pd.NaT
    with pytest.raises(InputError, match=r"^posts: index 5, column 'created_at' is empty or not a time"):
        indicators(df)
    with pytest.raises(InputError, match=r"^posts: index 5, column 'created_at' is empty or not a time"):
        vk.KpiDashboard(df)  # it used to show the 7 others, the 8th dropped without a word
    with pytest.raises(InputError, match=r"^posts: no column 'created_at'; columns are post_id, "):
        vk.KpiDashboard(df.drop(columns=["created_at"]))


def test_posts_behind_takes_a_tz_aware_start_and_refuses_an_unknown_period():
    df = crafted()
    naive = vk.posts_behind(df, period="day", start="2025-03-03")
    assert len(naive) == 3
    for start in (pd.Timestamp("2025-03-03", tz="Asia/Shanghai"), pd.Timestamp("2025-03-02 16:00", tz="UTC"),
                  df["created_at"].iloc[0].normalize()):
        pd.testing.assert_frame_equal(vk.posts_behind(df, period="day", start=start), naive)
    with pytest.raises(InputError, match="period must be one of day, week, month, got 'year'"):
        vk.posts_behind(df, period="year", start="2025-03-01")
    with pytest.raises(InputError, match=r"^start 'notadate' is not a date or time"):
        vk.posts_behind(df, period="day", start="notadate")


def test_response_times_read_aware_and_naive_columns_as_indicators_do():
    df = crafted()
    mixed = df.assign(reply_at=df["reply_at"].dt.tz_localize(None))  # naive: Beijing wall time
    assert indicators(mixed)["median_response_minutes"] == indicators(df)["median_response_minutes"]
    assert list(vk.response_time_histogram(mixed).data[0].x) == list(vk.response_time_histogram(df).data[0].x)
    dash = vk.KpiDashboard(mixed)
    assert not isinstance(dash.current["response"], str)


def test_filter_options_show_values_masked_and_filter_by_the_values():
    df = crafted().assign(province=["广东", "13812345678", "北京", None, None, None, None, "北京"])
    dash = vk.KpiDashboard(df)
    options = dash.filters["province"].options
    assert not any("13812345678" in label for label, _ in options)
    assert ("13812345678" in [value for _, value in options])


@pytest.mark.parametrize("call, says", [
    # the audit's cases: AttributeError / KeyError / ValueError from inside pandas or dict()
    (lambda rows, posts: vk.KpiDashboard(rows), r"^KpiDashboard: posts must be a pandas DataFrame, got list "
                                                r"\(a list of dicts is not accepted: pass pd.DataFrame\(rows\)\)$"),
    (lambda rows, posts: vk.DashboardChooser([posts]), r"^DashboardChooser: sources must be a dict name → posts "
                                                       r"table .*e.g. \{'March': posts\}; got list$"),
    (lambda rows, posts: vk.sla_table({}), r"^sla_table: summary must be the dict indicators\(posts\) returns "
                                           r"\(no period, no by\), got a dict without 'sla'$"),
    (lambda rows, posts: vk.sla_bar(posts), "^sla_bar: summary must be the dict indicators.*got DataFrame$"),
    (lambda rows, posts: vk.indicator_table([]), "^indicator_table: summary must be the dict .*got list$"),
    (lambda rows, posts: vk.kpi_cards_html(indicators(posts), previous=[]), "^kpi_cards_html \\(previous\\): summary"),
    # a posts table where a period table belongs: favorability_trend was KeyError 'n_positive', rates_trend drew an
    # empty chart
    (lambda rows, posts: vk.favorability_trend(posts), r"^favorability_trend needs a table of indicators\(posts, "
                                                       r"period=...\) \(it has no column 'period'\)$"),
    (lambda rows, posts: vk.rates_trend(posts), "^rates_trend needs a table of indicators"),
    (lambda rows, posts: vk.volume_trend(rows), "^volume_trend: table must be a pandas DataFrame, got list"),
    (lambda rows, posts: vk.volume_trend(indicators(posts, period="day"), spikes=[]),
     "^volume_trend: spikes must be a pandas DataFrame, got list"),
    (lambda rows, posts: vk.period_coverage(rows, "day", "2025-03-03", "2025-03-06"), "^period_coverage: table must be"),
    (lambda rows, posts: vk.response_time_histogram(rows), "^response_time_histogram: posts must be a pandas DataFrame"),
    (lambda rows, posts: vk.province_bar(posts["province"]), "^complaint_bar: posts must be a pandas DataFrame, got Series"),
    (lambda rows, posts: vk.complaint_bar(posts, ["topic"]), r"^complaint_bar: column must be one column name .*\['topic'\]$"),
    (lambda rows, posts: vk.complaint_bar(posts, "topic", top=-1), "^complaint_bar: top must be a whole number ≥ 1, got -1$"),
    (lambda rows, posts: vk.posts_behind(rows, period="day", start="2025-03-03"), "^posts_behind: posts must be a"),
    # None passed the period check and gave the posts of a month
    (lambda rows, posts: vk.posts_behind(posts, period=None, start="2025-03-03"), "^posts_behind: period must be one of"),
    (lambda rows, posts: vk.label_note_html(rows), "^label_sources: posts must be a pandas DataFrame, got list"),
    (lambda rows, posts: vk.missing_reasons(rows, {}), "^missing_reasons: posts must be a pandas DataFrame"),
    (lambda rows, posts: vk.table_html(rows), "^table_html: df must be a pandas DataFrame, got list"),
    (lambda rows, posts: vk.shown(["network"], "topic"), r"^shown: values must be a pandas Series \(e.g. table\['topic'\]\)"),
])
def test_a_wrong_argument_is_one_line_naming_it(call, says):
    posts = crafted().assign(province="广东")
    with pytest.raises(InputError, match=says):
        call(posts.to_dict("records"), posts)


def test_a_chooser_table_given_as_rows_says_so_in_its_status():
    chooser = vk.DashboardChooser({"rows": crafted().to_dict("records"), "posts": crafted()})
    assert "rows: KpiDashboard: posts must be a pandas DataFrame, got list" in chooser.status.value
    assert chooser.show("posts") is not None


def test_the_chooser_shows_a_tables_error_and_name_masked():
    """An error may quote a cell (an unknown label '13812345678'): the widget masks it as the CLI masks its line;
    a table named by a phone number is shown masked, and chosen by its name as given."""
    bad = crafted()
    bad.loc[2, "sentiment"] = "13812345678"
    app = vk.DashboardChooser({"客户13812345678": bad, "good": crafted()})
    assert "unknown label &#x27;138****5678&#x27;" in app.status.value and "13812345678" not in app.status.value
    assert app.choice._options_labels == ("客户138****5678", "good") and app.choice.value == "客户13812345678"
    app.choice.value = "good"
    assert app.holder.children == (app.dashboards["good"].widget,)
    named = vk.KpiDashboard(crafted(), title="KPI dashboard · 客户13812345678")
    assert "客户138****5678" in named.widget.children[0].value and "13812345678" not in named.widget.children[0].value


def test_a_trend_of_one_period_has_a_date_axis_that_spans_the_period():
    """A month of posts by month: plotly spanned the lone date by a millisecond (23:59:59.999 … 00:00:00.001)."""
    t = vk.period_coverage(indicators(crafted(), period="month"), "month", "2025-03-03", "2025-03-06")
    by_topic = vk.period_coverage(indicators(crafted(), period="month", by="topic"), "month", "2025-03-03",
                                  "2025-03-06")
    for fig in (vk.volume_trend(t), vk.favorability_trend(t), vk.rates_trend(t),
                vk.topic_share_trend(by_topic, min_posts=1)):
        axis = fig.layout.xaxis
        # the month's dates, its point in their middle (tests/test_viz_period_positions.py), where the tick names it
        assert axis.type == "date" and list(axis.range) == ["2025-03-01 00:00:00", "2025-04-01 00:00:00"]
        assert list(axis.ticktext) == ["2025-03"] and list(axis.tickvals) == ["2025-03-16 12:00:00"]
    assert vk.topic_share_trend(by_topic, min_posts=1).data[0].width == pytest.approx(0.6 * 31 * 86_400_000)
    week = vk.volume_trend(vk.period_coverage(indicators(crafted(), period="week"), "week", "2025-03-03",
                                              "2025-03-06"))
    assert list(week.layout.xaxis.ticktext) == ["week of 2025-03-03"]
    day = vk.volume_trend(indicators(crafted().iloc[:3], period="day"))  # no coverage columns: a day
    assert list(day.layout.xaxis.range) == ["2025-03-03 00:00:00", "2025-03-04 00:00:00"]
    assert vk.volume_trend(indicators(crafted(), period="day")).layout.xaxis.range is None  # plotly's own


def test_every_topic_legend_entry_fits_beside_the_plot():
    """A legend beside the plot scrolls past the plot's height: 13 topics need 257 px in Chromium (19 px an entry,
    10 px padding), and the largest topics, listed last, were hidden under the scroll bar."""
    for n in (3, 13, 14, 30):
        table = pd.DataFrame({"period": pd.Timestamp("2025-03-03"), "topic": [f"topic {k}" for k in range(n)],
                              "volume": 10, "share": 1 / n})
        fig = vk.topic_share_trend(table)
        margin = fig.layout.margin
        plot = fig.layout.height - (100 if margin.t is None else margin.t) - (80 if margin.b is None else margin.b)
        assert len(fig.data) == n and plot >= 19 * n + 10, (n, plot)


def test_complaints_are_the_posts_of_the_complaint_flow_and_say_so():
    """'Complaints by province' counted negative posts (vague grumbles and abuse too) while the SLA table's
    投诉 complaint row and the intent shares count complaints: now the complaint flow's posts, as triage routes them."""
    df = crafted().assign(province=["广东", "广东", "北京", None, None, None, None, "北京"])
    assert list(vk.complaints(df)["post_id"]) == ["p1", "p2"] and vk.no_complaints_reason(df) is None
    assert int(indicators(df)["sla"]["complaint"]["posts"]) == 2  # the SLA table's complaint row counts the same
    bar = vk.province_bar(df)
    assert bar.layout.title.text == "Complaints by province 各省投诉 · n = 2"
    assert "complaints" in bar.data[0].hovertemplate
    # the public-data model's labels: complaint (states a problem) with a negative sentiment
    public = df.drop(columns=["intent", "negative_subtype"]).assign(complaint=["yes", "no", "yes", "yes", "no", "no",
                                                                               "no", "no"])
    assert list(vk.complaints(public)["post_id"]) == ["p1", "p3"]  # p2 states no problem, p4 is not negative
    only_sentiment = df.drop(columns=["intent", "negative_subtype"])
    why = vk.no_complaints_reason(only_sentiment)
    assert why == ("no labels that make a post a complaint in this data (it needs intent or negative_subtype or "
                   "complaint with sentiment)")
    assert vk.province_bar(only_sentiment).layout.annotations[0].text == why
    assert vk.no_complaints_reason(df[df["intent"] != "complaint"]) == "no complaints among these posts"
    dash = vk.KpiDashboard(df)
    assert dash.tabs.figure("provinces") is not None
    assert "complaint flow" in dash.figures["provinces"].children[1].value
    dash = vk.KpiDashboard(only_sentiment)
    assert dash.tabs.content("provinces") == f"No complaints by province: {why}."
