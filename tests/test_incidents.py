"""Incidents: aggregation alerts merged per issue and window, ranked by their most surprising day (see test_incidents_rank.py).

The crafted timeline's numbers are worked out by hand in ``outage_timeline``'s docstring; the
synthetic quarter checks the issue's known answer (one outage must be the top incident, not
dozens of near-duplicates)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import poisson

from wbcs.aggregate import aggregation_alerts
from wbcs.kpi.incidents import COLUMNS, incidents, issue_keys

OUTAGE = "北京朝阳这边4G完全没信号了，打不了电话也上不了网，用户{}"


def _noise(i: int) -> str:
    """Eight characters that make each background post unlike every other (no near-duplicates)."""
    return "".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(8))


def outage_timeline() -> pd.DataFrame:
    """14 days from Sat 2025-03-01, one operator, complaints only, every post its own author.

    billing: 4 posts a day (09:00–12:00); network: 2 a day (10:00, 15:00); on Mon 03-10 an outage
    adds 20 near-identical network complaints from 14:00. The complaint rule (≥ 3 customers in 7
    days, then quiet for 7 days) fires for billing on 03-01 and 03-08, for network on 03-02 and
    03-09, and for the outage's near-duplicate cluster on 03-10.

    Shares: network 14·2 + 20 = 48 posts, billing 56, all 104. The traffic around a day is the
    other issue's posts over the 7 days centred on it plus their mean day (one more day). Billing
    is 4 every day, so network's traffic is 4 and it expects 4 · 48/56 = 24/7 a day: 22 observed
    on 03-10 is a surge. Its share counted again without that day is 26/52, so it expects 4 · 1/2 = 2
    a day (22 on 03-10; 03-01..03-09, one routine incident of 9 days, its first alert's window from 03-01: 18
    observed, 18 expected; with the outage in the share they expected 216/7 and read as a quiet spell).
    Billing has no surge day,
    so its share stays 56/48. Network is 2 a day but 22 on 03-10 (mean 24/7), so billing's traffic on 03-01..03-08
    is (8 + 24/7)/5, (10 + 24/7)/6, (12 + 24/7)/7, three days of (14 + 24/7)/8, and two of
    (34 + 24/7)/8 (their week holds 03-10), times 56/48: 32 observed.
    """
    rows = []
    for day in pd.date_range("2025-03-01", periods=14, freq="D"):
        for h in (9, 10, 11, 12):
            rows.append((day + pd.Timedelta(hours=h), "billing", "话费扣错了" + _noise(len(rows))))
        for h in (10, 15):
            rows.append((day + pd.Timedelta(hours=h), "network", "信号不好" + _noise(len(rows))))
    for i in range(20):
        rows.append((pd.Timestamp("2025-03-10 14:00") + pd.Timedelta(minutes=2 * i), "network", OUTAGE.format(i)))
    df = pd.DataFrame(rows, columns=["created_at", "topic", "text"]).sort_values("created_at", kind="stable")
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    df["post_id"] = [f"p{i}" for i in range(len(df))]
    df["author_id"] = [f"u{i}" for i in range(len(df))]
    df["platform"] = "sina_weibo"
    df["operator"] = "china_mobile"
    df["intent"] = "complaint"
    df["sentiment"] = "negative"
    return df.reset_index(drop=True)


def test_the_outage_is_the_top_incident_with_the_hand_computed_expectation():
    df = outage_timeline()
    alerts = aggregation_alerts(df)
    days = alerts["triggered_at"].dt.strftime("%m-%d").tolist()
    assert days == ["03-01", "03-02", "03-08", "03-09", "03-10"]  # as worked out in the docstring
    inc = incidents(df, alerts)
    assert list(inc.columns) == COLUMNS and inc["rank"].tolist() == [1, 2, 3]
    top = inc.iloc[0]
    assert (top["status"], top["issue"], top["topic"], top["operator"]) == ("surge", "china_mobile|network",
                                                                            "network", "china_mobile")
    assert top["start"] == pd.Timestamp("2025-03-10") and top["end"] == pd.Timestamp("2025-03-11")
    assert top["observed"] == 22 and top["expected"] == pytest.approx(2)
    assert top["score"] == pytest.approx(-poisson.logsf(21, 2) / math.log(10))
    assert top["excess"] == pytest.approx(20) and top["n_alerts"] == 1
    assert top["alert_index"] == [4] and alerts.loc[4, "cluster_kind"] == "near_duplicate"
    outage_ids = df.loc[df["text"].str.startswith("北京朝阳"), "post_id"].tolist()
    assert set(outage_ids) <= set(top["post_ids"]) and len(top["post_ids"]) == 22
    assert top["name"].startswith("网络/信号（中国移动）：") and top["topic_zh"] == "网络/信号"
    assert top["phrases"] and all(p in OUTAGE for p in top["phrases"])
    assert top["sample_text"].startswith("北京朝阳这边4G完全没信号了")
    billing, network = inc.iloc[1], inc.iloc[2]
    assert (billing["issue"], billing["status"], billing["n_alerts"]) == ("china_mobile|billing", "routine", 2)
    m = 24 / 7
    traffic = (8 + m) / 5 + (10 + m) / 6 + (12 + m) / 7 + 3 * (14 + m) / 8 + 2 * (34 + m) / 8
    assert billing["observed"] == 32 and billing["expected"] == pytest.approx(traffic * 56 / 48)
    assert (network["issue"], network["status"], network["alert_days"]) == ("china_mobile|network", "routine", 2)
    # its usual 2 a day, from the first day its 03-02 alert counted (the rule's 7-day window)
    assert network["observed"] == 18 and network["expected"] == pytest.approx(18)
    assert network["start"] == pd.Timestamp("2025-03-01") and network["end"] == pd.Timestamp("2025-03-10")
    # every alert is in exactly one incident
    assert sorted(i for ids in inc["alert_index"] for i in ids) == list(alerts.index)


def test_without_the_outage_nothing_surges_and_quiet_data_gives_no_incident():
    df = outage_timeline()
    quiet = df[~df["text"].str.startswith("北京朝阳")]
    inc = incidents(quiet)
    assert set(inc["status"]) == {"routine"} and len(inc) == 2
    assert incidents(quiet.iloc[:0]).empty
    assert incidents(quiet[quiet["created_at"] < "2025-03-01 09:30+08:00"]).empty  # one post: no rule fires


def test_posts_without_a_topic_are_an_issue_by_their_near_duplicate_cluster():
    df = outage_timeline()
    df.loc[df["text"].str.startswith("北京朝阳"), "topic"] = None
    keys = issue_keys(df)
    first = df.loc[df["text"].str.startswith("北京朝阳"), "post_id"].iloc[0]
    assert set(keys[df["topic"].isna()]) == {f"china_mobile|~{first}"}
    top = incidents(df).iloc[0]
    assert top["issue"] == f"china_mobile|~{first}" and pd.isna(top["topic"])
    assert top["observed"] == 20 and top["name"].startswith("相似帖子（中国移动）")


@pytest.mark.slow  # a synthetic quarter: ~45,000 posts and their ~6,500 aggregation alerts
def test_a_synthetic_quarter_with_one_outage_gives_that_outage_first_not_a_flood():
    from wbcs.synth import generate_posts

    df = generate_posts(days=90, posts_per_day=500, seed=0, bursts=[
        {"start": "2025-02-12 19:00", "hours": 2, "posts": 500, "topic": "network", "operator": "china_unicom"}])
    alerts = aggregation_alerts(df)
    inc = incidents(df, alerts)
    assert len(alerts) > 5000 and len(inc) < 100  # thousands of alerts, a few dozen incidents
    top = inc.iloc[0]
    assert (top["status"], top["issue"], top["start"]) == ("surge", "china_unicom|network",
                                                          pd.Timestamp("2025-02-12"))
    burst = set(df.loc[df["burst"].notna(), "post_id"].astype(str))
    assert len(burst) > 450 and burst <= set(top["post_ids"])
    assert top["n_alerts"] >= 20  # the near-duplicate and topic alerts of the outage, merged
    assert (inc["status"] == "surge").sum() <= 3  # ~1 false surge expected in 4,000 issue-days at 1e-4
    assert inc.iloc[1]["score"] < top["score"] / 10


@pytest.mark.parametrize("change, says", [
    ({"alpha": float("nan")}, "incidents: alpha must be between 0 and 1 .*got nan"),
    ({"alpha": "0.01"}, "incidents: alpha must be between 0 and 1 .*got '0.01'"),  # was a TypeError
    ({"gap_days": 1.5}, "incidents: gap_days must be a whole number ≥ 0, got 1.5"),  # was read as 1
    ({"gap_days": -1}, "incidents: gap_days must be a whole number ≥ 0, got -1"),
    ({"sample": "5"}, "incidents: sample must be a whole number ≥ 1, got '5'"),  # was a TypeError
    ({"seed": -1}, r"seed must be a whole number ≥ 0 \(--seed\), got -1"),  # was numpy's bare ValueError
    ({"alerts": []}, "incidents: alerts must be a pandas DataFrame, got list"),
    ({"alerts": pd.DataFrame({"rule": []})}, "incidents: alerts must be the table .*aggregation_alerts"),
])
def test_each_bad_parameter_is_named_with_its_value(change, says):
    from wbcs.errors import InputError

    with pytest.raises(InputError, match=says):
        incidents(outage_timeline(), **change)


def test_a_list_of_rows_is_refused_saying_what_to_pass():
    from wbcs.errors import InputError

    rows = outage_timeline().head(3).to_dict("records")  # was AttributeError: 'list' object has no attribute 'columns'
    with pytest.raises(InputError, match=r"incidents: posts must be a pandas DataFrame, got list .*pd.DataFrame\(rows\)"):
        incidents(rows)
    with pytest.raises(InputError, match=r"aggregation_alerts: posts must be a pandas DataFrame, got list"):
        aggregation_alerts(rows)


def test_a_complaint_alert_s_incident_holds_the_posts_its_rule_counted():
    """Three customers complain about billing on Sun, Mon and Tue (one a day): the complaint rule fires on Tuesday
    over the 7 days before it, so its incident spans Sun–Tue with the 3 posts, not Tuesday's 1 post under "publish
    an apology" (as 136 of STC-3's 143 incidents read). Expected: billing keeps its usual share, 3 of the 6 other
    posts, of the 2 network posts a day (mean 2): 3/6 · 2 a day over 3 days = 3."""
    rows = [(f"2025-03-0{d} 10:00", "billing", f"话费扣错了{d}", "complaint") for d in (2, 3, 4)]
    rows += [(f"2025-03-0{d} {h}:00", "network", f"咨询一下网络{d}{h}", "consultation")
             for d in (2, 3, 4) for h in (11, 15)]
    df = pd.DataFrame(rows, columns=["created_at", "topic", "text", "intent"])
    df["created_at"] = pd.to_datetime(df["created_at"]).dt.tz_localize("Asia/Shanghai")
    df = df.assign(post_id=[f"p{i}" for i in range(len(df))], author_id=[f"u{i}" for i in range(len(df))],
                   platform="sina_weibo", operator="china_mobile", sentiment="negative")
    alerts = aggregation_alerts(df)
    assert alerts["rule"].tolist() == ["complaint_same_week"] and alerts.loc[0, "n_users"] == 3
    inc = incidents(df, alerts)
    assert len(inc) == 1
    one = inc.iloc[0]
    assert (one["status"], one["observed"], one["n_users"], one["alert_days"]) == ("routine", 3, 3, 1)
    assert one["start"] == pd.Timestamp("2025-03-02") and one["end"] == pd.Timestamp("2025-03-05")
    assert sorted(one["post_ids"]) == ["p0", "p1", "p2"] and one["expected"] == pytest.approx(3)
