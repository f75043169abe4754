"""The report's hot-issues section of a period: what happened in it, not in the trend window around it."""

from __future__ import annotations

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
