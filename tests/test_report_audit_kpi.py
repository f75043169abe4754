"""The report against ``wbcs kpi`` and the dashboard (an audit's findings): a zone-aware --end, the time the SLA
clocks are read at, the corrected shares' bootstrap."""

from __future__ import annotations

import re

import pandas as pd

from tests.helpers import run_cli
from wbcs.kpi import indicators, quantify
from wbcs.report import build_report, clocks_as_of, report_window
from wbcs.viz import kpi as vk

COLUMNS = ["post_id", "created_at", "text", "platform", "operator", "province", "sentiment", "intent", "topic",
           "reply_at", "resolved_at"]


def week_posts() -> pd.DataFrame:
    """Four posts of the week 2024-04-29 (Mon) – 05-05, Beijing time; the latest time in any column is p1's
    resolution, 05-03 12:00, an hour after the latest post.

    id  created      kind          reply (min)    resolved
    p1  05-02 10:00  complaint     10:20 (20)     05-03 12:00 (26 h)
    p2  05-03 11:00  complaint     -              -
    p3  05-02 09:00  praise        -              -
    p4  05-01 08:00  consultation  08:30 (30)     -

    Read at 05-03 12:00 (data/policy.yaml: acknowledge complaints in 30 min, praise and consultations in 120 min;
    resolve complaints and consultations in 48 h), acknowledge: p1 met, p2 late (60 min > 30), p3 late, p4 met:
    2 of 4. Read at the latest post (11:00), p2 waited 0 min and was pending: 2 of 3. Resolve: p1 met, p2 pending,
    p4 late (52 h > 48): 1 of 2 either way."""
    rows = [("p1", "2024-05-02 10:00", "宽带坏了", "negative", "complaint", "broadband", "2024-05-02 10:20",
             "2024-05-03 12:00"),
            ("p2", "2024-05-03 11:00", "网络差", "negative", "complaint", "network", None, None),
            ("p3", "2024-05-02 09:00", "点赞", "positive", "praise", "tariff", None, None),
            ("p4", "2024-05-01 08:00", "套餐怎么改", "neutral", "consultation", "tariff", "2024-05-01 08:30", None)]
    return aware(pd.DataFrame([(i, t, x, "sina_weibo", "china_mobile", "北京", s, n, tp, r, d)
                               for i, t, x, s, n, tp, r, d in rows], columns=COLUMNS))


def aware(posts: pd.DataFrame) -> pd.DataFrame:
    """The times as ``read_posts`` gives them (Beijing time)."""
    return posts.assign(**{c: pd.to_datetime(posts[c]).dt.tz_localize("Asia/Shanghai")
                           for c in ("created_at", "reply_at", "resolved_at")})


def card(page: str, label: str) -> str:
    return re.search(re.escape(label) + r"</div><div class='wbcs-value'>([^<]*)", page).group(1)


def test_a_zone_aware_end_is_read_as_beijing_time():
    # 2024-05-05 20:00 UTC is Monday 05-06 04:00 in Beijing: the next week (it was the UTC week, tz-aware)
    assert report_window(None, "week", "2024-05-05T20:00:00Z") == (pd.Timestamp("2024-05-06"),
                                                                  pd.Timestamp("2024-05-13"))
    assert report_window(None, "week", "2024-05-02 08:00+08:00") == (pd.Timestamp("2024-04-29"),
                                                                    pd.Timestamp("2024-05-06"))
    assert report_window(None, "month", "2024-04-30T16:30:00Z") == (pd.Timestamp("2024-05-01"),
                                                                   pd.Timestamp("2024-06-01"))
    posts = week_posts()
    # it compared naive Beijing times with an aware window: a TypeError after the posts were read
    aware = build_report(posts, end="2024-05-01T20:00:00Z")
    assert card(aware, "Posts 声量") == "4" and "2024-04-29 – 2024-05-05" in aware


def test_the_cli_reports_the_week_of_a_zone_aware_end(tmp_path):
    path = tmp_path / "posts.csv"
    week_posts().to_csv(path, index=False)
    r = run_cli("report", "--posts", str(path), "--out", str(tmp_path / "r.html"), "--end", "2024-05-01T20:00:00Z")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "the week 2024-04-29 to 2024-05-05, 4 posts" in r.stdout


def test_the_report_reads_the_sla_clocks_when_wbcs_kpi_does():
    posts = week_posts()
    kpi = indicators(posts)  # wbcs kpi's pandas engine, no --as-of
    assert kpi["as_of"] == "2024-05-03T12:00:00"
    assert kpi["sla_acknowledge_attainment"] == 2 / 4  # by hand, in week_posts
    page = build_report(posts, end="2024-05-03")
    assert card(page, "SLA acknowledge 响应达标") == "50.0%"  # was 66.7%: p2 pending at 11:00
    assert "50.0% of 2" in page and "pending, not counted, if its deadline was still ahead at 2024-05-03 12:00" in page
    # a period that ends before the data do is read at its end, as before
    later = pd.concat([posts, aware(pd.DataFrame([("p5", "2024-05-08 09:00", "网络差", "sina_weibo", "china_mobile",
                                                    "北京", "negative", "complaint", "network", None, None)],
                                                  columns=COLUMNS))])
    assert clocks_as_of(later, pd.Timestamp("2024-05-06")) == pd.Timestamp("2024-05-06")
    assert clocks_as_of(posts, pd.Timestamp("2024-05-06")) == pd.Timestamp("2024-05-03 12:00")


def test_the_dashboard_the_report_and_kpi_draw_the_same_bootstrap(monkeypatch, tmp_path):
    calls = []
    real = quantify.corrected_summary

    def spy(posts, **kw):
        calls.append((kw.get("n_boot"), kw.get("seed")))
        return real(posts, **kw)

    monkeypatch.setattr(quantify, "corrected_summary", spy)
    posts = week_posts()
    vk.KpiDashboard(posts).tabs.content("corrected")  # the tab drew 300 resamples, the others 1000
    build_report(posts, end="2024-05-03")
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    from wbcs.cli import main

    assert main(["kpi", "--posts", str(path), "--json"]) == 0
    assert calls == [(None, None)] * 3  # corrected_summary's own defaults, in all three
