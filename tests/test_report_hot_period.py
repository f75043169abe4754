"""The report's hot-issues section of a period: what happened in it, not in the trend window around it."""

from __future__ import annotations

import html as html_lib
import re

import pandas as pd

from tests.test_report_alert_rows import _noise, week_with_one_complaint_written_three_times
from wbcs.report import build_report


def with_a_quiet_week() -> pd.DataFrame:
    """The two weeks of ``week_with_one_complaint_written_three_times`` (alerts on 03-05 and 03-13) and a third,
    Mon 2025-03-17 – Sun 03-23, of praise posts alone: no rule fires in it."""
    df = week_with_one_complaint_written_three_times()
    quiet = [(pd.Timestamp("2025-03-17") + pd.Timedelta(days=d, hours=8 + h), "service", "praise", "positive",
              "谢谢客服" + _noise(900 + d * 10 + h)) for d in range(7) for h in range(6)]
    extra = pd.DataFrame(quiet, columns=["created_at", "topic", "intent", "sentiment", "text"])
    extra["created_at"] = extra["created_at"].dt.tz_localize("Asia/Shanghai")
    extra = extra.assign(post_id=[f"q{i}" for i in range(len(extra))], author_id=[f"v{i}" for i in range(len(extra))],
                         platform="sina_weibo", operator="china_unicom")
    return pd.concat([df, extra], ignore_index=True)


def test_a_period_without_alerts_says_so_while_the_trend_window_has_some():
    # the alerts of 03-05 and 03-13 are in the trend window, none in the week of 03-17: the merged rows' post ids
    # were NaN there and the report stopped on "'float' object is not subscriptable"
    page = build_report(with_a_quiet_week(), period="week", end="2025-03-20")
    part = page[page.index("Aggregation-rule alerts 聚合规则触发"):]
    assert part.startswith("Aggregation-rule alerts 聚合规则触发 (0)</h3><p>No rule fired this period.</p>")
    assert "No aggregation rule fired this period" in page  # the unified drafts agree


WORDINGS = {"sina_weibo": "联通4G又没信号了，电话打不出去，已经一整天了，快修！",
            "forum": "宽带断网三个小时了还没人来修，联通你们到底管不管",
            "tencent_weibo": "手机流量用不了网页打不开，联通客服电话也打不通"}


def one_outage_in_three_wordings() -> pd.DataFrame:
    """Mon 2025-03-03 – Sun 03-16, china_unicom, 6 praise posts a day; on Wed 03-05 nine customers complain of
    the network, three in each of three wordings, each wording on a platform of its own (10:00–10:40 on
    sina_weibo, 11:00–11:40 on forum, 12:00–12:40 on tencent_weibo). The complaint rule fires four times, each
    over three posts of 3 users on 1 platform: for the topic at 10:40 and for each wording's near-duplicates; one
    incident, one rule, one day: one row of 9 users on 3 platforms."""
    rows = [(pd.Timestamp("2025-03-03") + pd.Timedelta(days=d, hours=8 + h), "service", "praise", "positive",
             "谢谢客服" + _noise(d * 10 + h), "sina_weibo") for d in range(14) for h in range(6)]
    rows += [(pd.Timestamp(f"2025-03-05 1{g}:{m:02d}"), "network", "complaint", "negative", text, platform)
             for g, (platform, text) in enumerate(WORDINGS.items()) for m in (0, 20, 40)]
    df = pd.DataFrame(rows, columns=["created_at", "topic", "intent", "sentiment", "text", "platform"])
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    df = df.sort_values("created_at", kind="stable").reset_index(drop=True)
    return df.assign(post_id=[f"p{i}" for i in range(len(df))], author_id=[f"u{i}" for i in range(len(df))],
                     operator="china_unicom")


def alert_table(page: str) -> list[dict]:
    """The rows of the report's alerts table as {header: cell text}."""
    part = page[page.index("Aggregation-rule alerts 聚合规则触发"):]
    part = part[:part.index("</details>")]
    header, *rows = [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(
        r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)] for r in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)]
    return [dict(zip(header, r, strict=True)) for r in rows]


def test_a_merged_alert_row_counts_the_users_and_platforms_of_all_its_alerts():
    page = build_report(one_outage_in_three_wordings(), period="week", end="2025-03-05")
    assert "4 alerts in 1 row." in page
    (row,) = alert_table(page)
    assert row["users / platforms"] == "9 / 3"  # the broadest alert's alone: "3 / 1"


def test_alert_rows_follow_the_incidents_rank_and_name_a_few_clusters():
    """Billing complaints of three customers on Mon 03-03 (each worded otherwise: a topic alert) and the network
    outage of Wed 03-05 (4 alerts, one row). In time order billing's row came first, and 30 rows of a busy week
    were its first day and a half; now the outage, the week's first incident, leads. Its row names 3 of its 4
    clusters and how many more, as its post ids."""
    df = one_outage_in_three_wordings()
    billing = pd.DataFrame({"created_at": pd.to_datetime([f"2025-03-03 1{h}:30" for h in range(3)]).tz_localize(
        "Asia/Shanghai"), "topic": "billing", "intent": "complaint", "sentiment": "negative",
        "text": ["话费扣错了" + _noise(700 + h) for h in range(3)], "platform": "sina_weibo",
        "post_id": [f"b{h}" for h in range(3)], "author_id": [f"w{h}" for h in range(3)], "operator": "china_unicom"})
    page = build_report(pd.concat([df, billing], ignore_index=True), period="week", end="2025-03-05")
    rows = alert_table(page)
    assert [(r["incident"], r["triggered"][:10], r["users / platforms"]) for r in rows] == [
        ("1", "2025-03-05", "9 / 3"), ("2", "2025-03-03", "3 / 1")]
    assert "Rows follow the incidents above" in page
    inc = page[page.index("Incidents 事件"):page.index("Spikes 突增")]
    assert inc.index("网络/信号") < inc.index("话费/扣费")  # the incidents table's order
    cluster = rows[0]["cluster"]
    assert cluster.count("; ") == 2 and cluster.count("near-duplicates of post") + cluster.count("(topic)") == 3
    assert cluster.endswith(" … 1 more") and rows[0]["post ids"].endswith(" … 4 more")
