"""The report's alerts table lists a near-duplicate cluster's alert and its topic's over the same posts once, as
the incidents merge them (``wbcs.kpi.incidents.alert_rows``), saying which kinds fired: they were two rows, two
answer posts to publish for one complaint."""

from __future__ import annotations

import html as html_lib
import re

import pandas as pd

from wbcs.aggregate import aggregation_alerts
from wbcs.kpi.incidents import alert_rows, incidents
from wbcs.report import build_report

SAME = "联通4G又没信号了，电话打不出去，已经一整天了，快修！"  # three customers write it on Wed 2025-03-05


def _noise(i: int) -> str:
    return "".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(8))


def week_with_one_complaint_written_three_times() -> pd.DataFrame:
    """Mon 2025-03-03 – Sun 03-16, china_unicom: 6 praise posts a day (service); on Wed 03-05 three customers post
    the same network complaint (10:00, 10:20, 10:40: near-duplicates, and the only network posts): the complaint
    rule fires at 10:40 for the near-duplicate cluster and for the network topic over the same three posts. On
    Thu 03-13 three billing complaints, each worded otherwise: a topic alert alone."""
    rows = []
    for d in range(14):
        day = pd.Timestamp("2025-03-03") + pd.Timedelta(days=d)
        rows += [(day + pd.Timedelta(hours=8 + h), "service", "praise", "positive", "谢谢客服" + _noise(d * 10 + h))
                 for h in range(6)]
    rows += [(pd.Timestamp(f"2025-03-05 10:{m:02d}"), "network", "complaint", "negative", SAME) for m in (0, 20, 40)]
    rows += [(pd.Timestamp(f"2025-03-13 1{h}:00"), "billing", "complaint", "negative", "话费扣错了" + _noise(500 + h))
             for h in range(3)]
    df = pd.DataFrame(rows, columns=["created_at", "topic", "intent", "sentiment", "text"]).sort_values("created_at")
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    return df.assign(post_id=[f"p{i}" for i in range(len(df))], author_id=[f"u{i}" for i in range(len(df))],
                     platform="sina_weibo", operator="china_unicom").reset_index(drop=True)


def test_alert_rows_put_the_near_duplicate_and_topic_alerts_of_one_incident_and_day_in_one_row():
    df = week_with_one_complaint_written_three_times()
    alerts = aggregation_alerts(df)
    assert [(k, f"{t:%m-%d %H:%M}", n) for k, t, n in zip(alerts["cluster_kind"], alerts["triggered_at"],
                                                          alerts["n_posts"], strict=True)] == [
        ("near_duplicate", "03-05 10:40", 3), ("topic", "03-05 10:40", 3), ("topic", "03-13 12:00", 3)]
    assert set(alerts.loc[0, "post_ids"]) == set(alerts.loc[1, "post_ids"])
    table = incidents(df, alerts)
    assert sorted(map(sorted, table["alert_index"])) == [[0, 1], [2]]  # the incidents merge them
    assert alert_rows(alerts, table).tolist() == [0, 0, 2]


def test_the_reports_alerts_table_shows_them_once_with_the_kinds_that_fired():
    page = build_report(week_with_one_complaint_written_three_times(), period="week", end="2025-03-05")
    part = page[page.index("Aggregation-rule alerts 聚合规则触发"):]
    part = part[:part.index("</details>")]
    assert "Aggregation-rule alerts 聚合规则触发 (2)" in part and "2 alerts in 1 row." in part
    header, *rows = [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(
        r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)] for r in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["alerts fired"] == "near-duplicates 相似帖子 + topic 话题"
    assert "网络/信号 (topic)" in row["cluster"] and "near-duplicates of post" in row["cluster"]
    assert row["users / platforms"] == "3 / 1" and row["post ids"].count("p") == 3
    # the next week's billing alert is a topic alert alone, in a row of its own
    page = build_report(week_with_one_complaint_written_three_times(), period="week", end="2025-03-13")
    part = page[page.index("Aggregation-rule alerts 聚合规则触发"):]
    assert "Aggregation-rule alerts 聚合规则触发 (1)" in part and " row." not in part[:part.index("</details>")]
    assert "<td>topic 话题</td>" in part[:part.index("</details>")]
