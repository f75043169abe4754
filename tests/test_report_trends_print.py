"""The report's trends and its print (an audit's findings, seen in Chromium on STC-3, ~1 post a day).

The weekly report's "Trends (last 8 weeks)" drew days: the topic-share chart was blank ("56 periods under 20 posts
not shown") and told the reader of a static page to "choose a longer period (week, month) or fewer filters", and
six daily rates with 95% intervals crossed between 0 and 100 % at every x. Printed (or saved as PDF), the report
showed "▶ 5 alert(s) this period: show them" and not the alerts."""

from __future__ import annotations

import pandas as pd

from tests.test_report_audit_kpi import COLUMNS, aware
from wbcs.kpi import indicators
from wbcs.report import build_report
from wbcs.viz import kpi as vk


def three_weeks() -> pd.DataFrame:
    """Nine posts, three a week on the weeks of 2024-04-15, 04-22 and 04-29 (Mondays), Beijing time: each a
    complaint replied to in 10 min and resolved in a day, except the third of each week, a praise."""
    rows = []
    for w, monday in enumerate(pd.date_range("2024-04-15", periods=3, freq="7D")):
        for d, (text, intent, topic) in enumerate([("宽带坏了", "complaint", "broadband"),
                                                   ("网络差", "complaint", "network"), ("点赞", "praise", "tariff")]):
            t = monday + pd.Timedelta(days=d, hours=10)
            done = intent == "complaint"
            rows.append((f"w{w}p{d}", t, text, "sina_weibo", "china_mobile", "北京",
                         "negative" if done else "positive", intent, topic,
                         t + pd.Timedelta(minutes=10) if done else None, t + pd.Timedelta(days=1) if done else None))
    return aware(pd.DataFrame(rows, columns=COLUMNS))


def test_the_weekly_reports_trends_have_one_point_a_week(monkeypatch):
    drawn = {}
    for name in ("volume_trend", "rates_trend", "favorability_trend"):
        real = getattr(vk, name)

        def spy(table, *a, _real=real, _name=name, **kw):
            drawn[_name] = list(pd.to_datetime(table["period"]))
            return _real(table, *a, **kw)

        monkeypatch.setattr(vk, name, spy)
    page = build_report(three_weeks(), end="2024-05-01")
    weeks = list(pd.date_range("2024-04-15", periods=3, freq="7D"))  # the trend window's weeks the data hold
    assert drawn == dict.fromkeys(("volume_trend", "favorability_trend", "rates_trend"), weeks)  # were 17 days
    assert "Trends 趋势 (last 8 weeks)" in page and "One point a week, the last one this week" in page


def test_topic_shares_of_too_small_weeks_are_a_note_for_a_static_page():
    page = build_report(three_weeks(), end="2024-05-01")
    assert ("Not shown — topic shares per week: every week has fewer than 20 posts (at most 3), too few for shares "
            "(one post would be 100 %); this period&#x27;s topics are counted under Complaints below.") in page
    assert "choose a longer period" not in page  # a static page has no period to choose


def test_a_periods_rates_stand_beside_each_other_not_on_each_other():
    table = indicators(three_weeks(), period="week")
    fig = vk.rates_trend(table)
    assert len(fig.data) >= 4
    week = pd.Timedelta(days=7)
    for k, start in enumerate(pd.to_datetime(table["period"])):
        xs = sorted(pd.Timestamp(tr.x[k]) for tr in fig.data)
        assert len(set(xs)) == len(xs)  # was one x for every rate
        assert xs[0] == start and xs[-1] == start + week * vk.DODGE  # the first where the other trends draw it
        assert {tr.text[k] for tr in fig.data} == {f"{start:%Y-%m-%d}"}  # the hover names the week, not the x
    assert all("%{text}: " in tr.hovertemplate for tr in fig.data)


def test_a_lone_rate_is_drawn_at_its_period():
    table = indicators(three_weeks(), period="week")[["period", "n_replied", "volume", "reply_rate"]]
    fig = vk.rates_trend(table)
    assert [tr.name for tr in fig.data] == ["reply rate 回复率"]
    assert [pd.Timestamp(x) for x in fig.data[0].x] == list(pd.to_datetime(table["period"]))


def test_a_printed_report_shows_the_alerts():
    posts = three_weeks()
    # three customers' broadband complaints in a week: the aggregation rule fires, its alerts go in a <details>
    shift = pd.to_timedelta([1, 2], unit="h")
    more = posts.iloc[[6, 6]].assign(post_id=["x1", "x2"], created_at=posts["created_at"].iloc[6] + shift,
                                     reply_at=posts["reply_at"].iloc[6] + shift,
                                     resolved_at=posts["resolved_at"].iloc[6] + shift)
    page = build_report(pd.concat([posts, more], ignore_index=True), end="2024-05-01")
    assert "<details><summary>" in page and "alert(s) this period<span class='screen-only'>: show them" in page
    css = page[page.index("@media print"):page.index("</style>")]
    # Chromium's print to PDF opens it by this rule (checked in its PDF); 'show them' and the marker are left out
    assert "details::details-content{content-visibility:visible;display:block}" in css
    assert ".screen-only{display:none}" in css and "details>summary{list-style:none}" in css
