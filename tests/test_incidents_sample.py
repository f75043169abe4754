"""An incident is named and shown by the posts its alerts fired on, not by every post of its topic and days: an
incident under "publish an apology" showed a praise post (今天营业厅的小姐姐特别耐心，必须点个赞) as its sample."""

from __future__ import annotations

import pandas as pd

from tests.test_report_alert_rows import _noise
from wbcs.aggregate import aggregation_alerts
from wbcs.kpi.incidents import incidents

PRAISE = "今天营业厅的小姐姐特别耐心，必须点个赞"
COMPLAINTS = ["家里4G一格信号都没有" + _noise(1), "手机一直显示无服务" + _noise(2), "地下室完全打不了电话" + _noise(3)]


def praise_before_three_complaints() -> pd.DataFrame:
    """Mon 2025-03-03 – Sun 03-16, china_unicom, 6 praise posts a day (service); on Wed 03-05 a network post that
    praises (09:00), then three network complaints of three customers, each worded otherwise (10:00, 10:20,
    10:40): the complaint rule fires at 10:40 over the three complaints. The praise post is the first post of
    the network topic that day, and no phrase is in two of the complaints."""
    rows = [(pd.Timestamp("2025-03-03") + pd.Timedelta(days=d, hours=8 + h), "service", "praise", "positive",
             "谢谢客服" + _noise(100 + d * 10 + h)) for d in range(14) for h in range(6)]
    rows.append((pd.Timestamp("2025-03-05 09:00"), "network", "praise", "positive", PRAISE))
    rows += [(pd.Timestamp(f"2025-03-05 10:{m:02d}"), "network", "complaint", "negative", text)
             for m, text in zip((0, 20, 40), COMPLAINTS, strict=True)]
    df = pd.DataFrame(rows, columns=["created_at", "topic", "intent", "sentiment", "text"])
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    df = df.sort_values("created_at", kind="stable").reset_index(drop=True)
    return df.assign(post_id=[f"p{i}" for i in range(len(df))], author_id=[f"u{i}" for i in range(len(df))],
                     platform="sina_weibo", operator="china_unicom")


def test_the_sample_is_a_post_the_alert_fired_on_while_the_counts_hold_every_post():
    df = praise_before_three_complaints()
    alerts = aggregation_alerts(df)
    assert alerts["rule"].unique().tolist() == ["complaint_same_week"] and set(alerts["topic"]) == {"network"}
    (inc,) = [r for _, r in incidents(df, alerts).iterrows() if r["topic"] == "network"]
    assert inc["sample_text"] == COMPLAINTS[0]  # the praise post, first of the topic's posts that day, was it
    # the counts keep their definition: every post of the issue in its days, the praise post too
    assert inc["observed"] == 4 and inc["n_users"] == 4
    assert PRAISE in df.loc[df["post_id"].isin(inc["post_ids"]), "text"].tolist()
