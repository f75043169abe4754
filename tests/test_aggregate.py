"""Aggregation rules (统一答复) on crafted timelines: who, where, when, and the evidence."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from wbcs.aggregate import COLUMNS, aggregation_alerts
from wbcs.columns import local_times
from wbcs.errors import InputError
from wbcs.policy import load_policy

Q = "请问流量包怎么退订？"  # one consultation, asked again and again
C = "宽带又断网了，已经三天了，怎么回事？"  # one complaint


def posts(rows, **defaults) -> pd.DataFrame:
    """rows: (time, author, platform, text, intent[, topic]) tuples."""
    out = []
    for i, r in enumerate(rows):
        t, author, platform, text, intent, *rest = r
        row = {"post_id": f"p{i}", "created_at": t, "author_id": author, "platform": platform,
               "text": text, "intent": intent, **defaults}
        if rest:
            row["topic"] = rest[0]
        out.append(row)
    df = pd.DataFrame(out)
    df["created_at"] = pd.to_datetime(df["created_at"]).dt.tz_localize("Asia/Shanghai")
    return df


def only(alerts: pd.DataFrame, kind: str) -> pd.DataFrame:
    return alerts[alerts["cluster_kind"] == kind].reset_index(drop=True)


def test_question_from_three_users_in_one_day_gives_one_answer_post():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation"),
                ("2025-03-03 11:30", "u2", "sina_weibo", Q, "consultation"),
                ("2025-03-03 11:40", "u2", "sina_weibo", Q, "consultation"),  # same user again
                ("2025-03-03 15:00", "u3", "sina_weibo", Q, "consultation"),
                ("2025-03-03 21:00", "u4", "sina_weibo", Q, "consultation")])
    a = aggregation_alerts(df)
    assert list(a.columns) == COLUMNS
    assert len(a) == 1  # no topic column: near-duplicate clusters only
    r = a.iloc[0]
    assert r["rule"] == "question_same_day" and r["cluster_kind"] == "near_duplicate"
    assert r["cluster_key"] == "near_duplicate:p0"  # keyed by the earliest post
    assert "answer" in r["action"]
    # the third distinct user (u3) arrives at 15:00: that is when the rule fires
    assert r["triggered_at"] == pd.Timestamp("2025-03-03 15:00")
    assert r["window_start"] == pd.Timestamp("2025-03-03")
    assert r["window_end"] == pd.Timestamp("2025-03-04")
    # evidence: the whole day of the cluster, 5 posts from 4 users on 1 platform
    assert (r["n_posts"], r["n_users"], r["n_platforms"]) == (5, 4, 1)
    assert r["post_ids"] == ["p0", "p1", "p2", "p3", "p4"]
    assert r["author_ids"] == ["u1", "u2", "u2", "u3", "u4"]
    assert r["platforms"] == ["sina_weibo"]
    assert r["reason"] == "4 users (≥ 3) in one day"


def test_question_two_users_fire_only_when_on_two_platforms_the_same_day():
    two_users_one_platform = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation"),
                                    ("2025-03-03 10:00", "u2", "sina_weibo", Q, "consultation")])
    assert aggregation_alerts(two_users_one_platform).empty
    two_platforms = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation"),
                           ("2025-03-03 10:00", "u1", "forum", Q, "consultation")])
    a = aggregation_alerts(two_platforms)
    assert len(a) == 1 and a.loc[0, "reason"] == "2 platforms (≥ 2) in one day"
    assert a.loc[0, "triggered_at"] == pd.Timestamp("2025-03-03 10:00")
    assert a.loc[0, "platforms"] == ["forum", "sina_weibo"]


def test_question_day_is_the_calendar_day_in_beijing_time():
    # 3 users within 2 hours, but across midnight: 2 on the 3rd, 1 on the 4th → no alert
    df = posts([("2025-03-03 23:00", "u1", "sina_weibo", Q, "consultation"),
                ("2025-03-03 23:50", "u2", "sina_weibo", Q, "consultation"),
                ("2025-03-04 00:30", "u3", "sina_weibo", Q, "consultation")])
    assert aggregation_alerts(df).empty


def test_days_and_weeks_are_beijing_whatever_zone_the_times_are_given_in():
    """UTC-aware times counted UTC days: three questions at 23:00, 23:30 and 01:00 Beijing time gave an
    alert for the UTC day 2024-05-06 (the docstring promises Beijing days); Shanghai-aware or naive, none."""
    beijing = posts([("2024-05-06 23:00", "u1", "sina_weibo", Q, "consultation"),
                     ("2024-05-06 23:30", "u2", "sina_weibo", Q, "consultation"),
                     ("2024-05-07 01:00", "u3", "sina_weibo", Q, "consultation"),
                     ("2024-05-07 09:00", "u4", "sina_weibo", Q, "consultation"),
                     ("2024-05-07 10:00", "u5", "sina_weibo", Q, "consultation"),  # 3rd user of the 7th
                     ("2024-05-08 10:00", "c1", "sina_weibo", C, "complaint"),
                     ("2024-05-09 10:00", "c2", "sina_weibo", C, "complaint"),
                     ("2024-05-10 07:00", "c3", "sina_weibo", C, "complaint")])
    utc = beijing["created_at"].dt.tz_convert("UTC")
    given = {"Shanghai-aware": beijing, "UTC-aware": beijing.assign(created_at=utc),
             "naive Beijing": beijing.assign(created_at=beijing["created_at"].dt.tz_localize(None)),
             "UTC text": beijing.assign(created_at=utc.astype(str))}
    a = aggregation_alerts(given["UTC-aware"])
    assert a[["rule", "window_start", "window_end", "triggered_at"]].values.tolist() == [
        ["question_same_day", pd.Timestamp("2024-05-07"), pd.Timestamp("2024-05-08"),
         pd.Timestamp("2024-05-07 10:00")],
        ["complaint_same_week", pd.Timestamp("2024-05-03 07:00"), pd.Timestamp("2024-05-10 07:00"),
         pd.Timestamp("2024-05-10 07:00")]]
    assert a["post_ids"].tolist() == [["p2", "p3", "p4"], ["p5", "p6", "p7"]]
    for zone, df in given.items():
        pd.testing.assert_frame_equal(aggregation_alerts(df), a, obj=zone)


def test_a_created_at_that_is_no_time_is_named_not_dropped():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation")] * 3).astype({"created_at": str})
    df.loc[2, "created_at"] = "yesterday"
    with pytest.raises(InputError, match=r"posts: index 2, column 'created_at': cannot read 'yesterday' as a time"):
        aggregation_alerts(df)


def test_complaint_week_is_rolling_and_then_quiet_for_seven_days():
    df = posts([("2025-03-02 10:00", "c1", "sina_weibo", C, "complaint"),   # Sunday
                ("2025-03-03 10:00", "c2", "sina_weibo", C, "complaint"),   # Monday
                ("2025-03-04 10:00", "c3", "sina_weibo", C, "complaint"),   # Tuesday → fires
                ("2025-03-06 10:00", "c4", "sina_weibo", C, "complaint"),   # quiet period
                ("2025-03-12 10:00", "c5", "sina_weibo", C, "complaint"),   # still < 7 days after
                ("2025-03-13 09:00", "c6", "sina_weibo", C, "complaint"),   # window (03-06, 03-13]
                ])
    a = aggregation_alerts(df)
    assert list(a["rule"]) == ["complaint_same_week", "complaint_same_week"]
    first, second = a.iloc[0], a.iloc[1]
    assert first["triggered_at"] == pd.Timestamp("2025-03-04 10:00")
    assert first["window_start"] == pd.Timestamp("2025-02-25 10:00")
    assert first["post_ids"] == ["p0", "p1", "p2"] and first["n_users"] == 3
    assert "apology" in first["action"]
    # the quiet period ends 2025-03-11 10:00; on 03-13 09:00 the 7-day window holds c4, c5, c6
    assert second["triggered_at"] == pd.Timestamp("2025-03-13 09:00")
    assert second["post_ids"] == ["p3", "p4", "p5"]
    assert second["reason"] == "3 customers (≥ 3) within 7 days"


def test_complaint_three_customers_over_more_than_a_week_do_not_fire():
    df = posts([("2025-03-01 10:00", "c1", "sina_weibo", C, "complaint"),
                ("2025-03-05 10:00", "c2", "sina_weibo", C, "complaint"),
                ("2025-03-08 10:00", "c3", "sina_weibo", C, "complaint")])  # 7 days after c1: out
    assert aggregation_alerts(df).empty


def test_complaint_on_three_platforms_fires_even_from_one_customer():
    df = posts([("2025-03-01 10:00", "c1", "sina_weibo", C, "complaint"),
                ("2025-03-01 10:05", "c1", "tencent_weibo", C, "complaint"),
                ("2025-03-02 08:00", "c1", "forum", C, "complaint")])
    a = aggregation_alerts(df)
    assert len(a) == 1
    assert (a.loc[0, "n_users"], a.loc[0, "n_platforms"]) == (1, 3)
    assert a.loc[0, "reason"] == "3 platforms (≥ 3) within 7 days"


def test_same_topic_clusters_catch_differently_worded_posts():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", "流量怎么这么快就用完了？", "consultation", "data"),
                ("2025-03-03 10:00", "u2", "sina_weibo", "请问国内流量包含不含港澳？", "consultation", "data"),
                ("2025-03-03 11:00", "u3", "sina_weibo", "定向流量是哪些应用可以用", "consultation", "data"),
                ("2025-03-03 12:00", "u4", "sina_weibo", "宽带什么时候能装好", "consultation", "broadband")])
    a = aggregation_alerts(df)
    assert list(a["cluster_kind"]) == ["topic"]  # three different texts: no near-duplicate cluster
    assert a.loc[0, "cluster_key"] == "topic:data" and a.loc[0, "topic"] == "data"
    assert a.loc[0, "post_ids"] == ["p0", "p1", "p2"]


def test_clusters_are_per_operator():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation"),
                ("2025-03-03 10:00", "u2", "sina_weibo", Q, "consultation"),
                ("2025-03-03 11:00", "u3", "sina_weibo", Q, "consultation")])
    df["operator"] = ["china_mobile", "china_mobile", "china_unicom"]
    assert aggregation_alerts(df).empty
    df["operator"] = "china_mobile"
    a = aggregation_alerts(df)
    assert len(a) == 1 and a.loc[0, "operator"] == "china_mobile"


def test_near_duplicates_not_only_exact_copies_share_a_cluster():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", "请问流量包怎么退订？在线等，谢谢", "consultation"),
                ("2025-03-03 10:00", "u2", "sina_weibo", "请问流量包怎么退订？在线等,谢谢!", "consultation"),
                ("2025-03-03 11:00", "u3", "sina_weibo", "请问流量包怎么退订？在线等，谢谢。", "consultation")])
    a = aggregation_alerts(df)
    assert len(a) == 1 and a.loc[0, "n_users"] == 3


def test_other_intents_are_ignored_and_unknown_authors_count_as_distinct_users():
    df = posts([("2025-03-03 09:00", None, "sina_weibo", Q, "consultation"),
                ("2025-03-03 10:00", None, "sina_weibo", Q, "consultation"),
                ("2025-03-03 11:00", None, "sina_weibo", Q, "other"),
                ("2025-03-03 12:00", None, "sina_weibo", Q, "praise")])
    assert aggregation_alerts(df).empty  # only 2 consultations
    df.loc[2, "intent"] = "consultation"
    a = aggregation_alerts(df.drop(columns=["author_id", "platform"]))
    assert len(a) == 1 and a.loc[0, "n_users"] == 3 and a.loc[0, "n_platforms"] == 0
    assert a.loc[0, "author_ids"] == [] and a.loc[0, "platforms"] == []
    # the reason says the "users" are unsigned posts, which may be one person's
    assert a.loc[0, "reason"] == ("3 users (≥ 3) in one day (all of them posts without an author id, each counted "
                                  "as one)")
    df.loc[0, "author_id"] = "u1"
    b = aggregation_alerts(df)
    assert b.loc[0, "reason"] == ("3 users (≥ 3) in one day (2 of them posts without an author id, each counted as "
                                  "one)")


def test_sample_text_is_pii_masked():
    text = "流量包怎么退订？我的号码13812345678"
    df = posts([(f"2025-03-03 0{h}:00", f"u{h}", "sina_weibo", text, "consultation") for h in (1, 2, 3)])
    sample = aggregation_alerts(df).loc[0, "sample_text"]
    assert "13812345678" not in sample and "138****5678" in sample


def test_thresholds_come_from_the_policy():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation"),
                ("2025-03-03 10:00", "u2", "sina_weibo", Q, "consultation")])
    pol = load_policy()
    strict = dataclasses.replace(pol, aggregation={
        "question": {"min_users_per_day": 2, "min_platforms_per_day": 5},
        "complaint": {"min_customers_per_week": 3, "min_platforms_per_week": 3}})
    assert aggregation_alerts(df, policy=pol).empty
    assert len(aggregation_alerts(df, policy=strict)) == 1
    broken = dataclasses.replace(pol, aggregation={"question": {"min_users_per_day": "three"}})
    with pytest.raises(InputError, match=r"aggregation\.question\.min_users_per_day"):
        aggregation_alerts(df, policy=broken)


def test_a_wrong_argument_is_named_not_an_attribute_error():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation")])
    with pytest.raises(InputError, match=r"aggregation_alerts: posts must be a pandas DataFrame, got list .*DataFrame\(rows\)"):
        aggregation_alerts(df.to_dict("records"))
    with pytest.raises(InputError, match="near_duplicate_keys must be a pandas Series aligned with the posts .*got list"):
        aggregation_alerts(df, near_duplicate_keys=["k"])
    with pytest.raises(InputError, match=r"policy must be a wbcs.policy.Policy .*got str"):
        aggregation_alerts(df, policy="policy.yaml")


def test_missing_intent_is_a_clear_error_and_empty_input_gives_no_alerts():
    df = posts([("2025-03-03 09:00", "u1", "sina_weibo", Q, "consultation")])
    with pytest.raises(InputError, match="missing column 'intent'.*classify"):
        aggregation_alerts(df.drop(columns=["intent"]))
    a = aggregation_alerts(df.iloc[:0])
    assert a.empty and list(a.columns) == COLUMNS


def test_every_alert_on_synthetic_posts_meets_its_rule_and_its_evidence_is_in_the_window():
    from wbcs.synth import generate_posts

    df = generate_posts(days=10, posts_per_day=150, seed=3)
    a = aggregation_alerts(df)
    assert len(a) > 0
    by_id = df.set_index("post_id")
    for r in a.itertuples():
        day = r.rule == "question_same_day"
        assert r.n_users >= 3 or r.n_platforms >= (2 if day else 3)
        times = local_times(by_id.loc[r.post_ids, "created_at"])  # the alerts' times are Beijing wall-clock times
        if day:
            assert (times >= r.window_start).all() and (times < r.window_end).all()
        else:
            assert (times > r.window_start).all() and (times <= r.triggered_at).all()
        assert set(by_id.loc[r.post_ids, "intent"]) == {"consultation" if day else "complaint"}


RANT = "中国移动就是一群骗子，垃圾公司！"


def test_an_alerts_topic_is_what_most_of_its_posts_are_about_and_a_rant_is_about_none():
    """A user saw "中国移动就是一群骗子，垃圾公司！" answered with 【致歉说明】…网络信号问题: the rants' topic labels
    (network twice, billing once) made the cluster a network complaint. A rant names no concrete issue, so its
    answer post takes the general wording; concrete complaints keep their topic only where most of them carry it."""
    from wbcs.reply.drafts import unified_drafts

    rants = posts([(f"2025-03-03 0{h}:00", f"u{h}", "sina_weibo", RANT, "complaint", t)
                   for h, t in ((1, "network"), (2, "network"), (3, "billing"))], operator="china_mobile")
    rants["negative_subtype"] = "abuse"
    a = only(aggregation_alerts(rants), "near_duplicate")
    assert len(a) == 1 and a.loc[0, "topic"] is None
    draft = unified_drafts(a).loc[0, "draft"]
    assert draft.startswith("【致歉说明】近期部分用户反映相关问题") and "网络" not in draft and "10086" in draft

    concrete = rants.assign(negative_subtype="concrete_complaint")
    assert only(aggregation_alerts(concrete), "near_duplicate").loc[0, "topic"] == "network"  # 2 of 3
    concrete["topic"] = ["network", "billing", "data"]  # no topic most of them carry
    assert only(aggregation_alerts(concrete), "near_duplicate").loc[0, "topic"] is None


def test_posts_at_the_same_time_give_the_same_alerts_in_any_row_order():
    # exports give many posts the same minute: the earliest post names the cluster and opens the evidence,
    # so ties must be broken by post id, not by where the rows happen to sit in the file
    question = "请问流量包怎么退订？营业厅说不清楚，app里也找不到入口"
    rows = [("2025-03-03 09:00", f"u{i}", "sina_weibo", f"{question} 第{i}次", "consultation", "traffic_pack")
            for i in range(4)]
    rows += [("2025-03-03 09:00", f"c{i}", "sina_weibo", f"{C} 编号{i}", "complaint", "broadband")
             for i in range(4)]
    df = posts(rows)
    want = aggregation_alerts(df)
    assert len(want) == 4  # a question and a complaint alert, each from its near-duplicates and its topic
    assert set(want["cluster_key"]) == {"near_duplicate:p0", "topic:traffic_pack",
                                        "near_duplicate:p4", "topic:broadband"}
    assert want.loc[want["cluster_key"] == "topic:broadband", "post_ids"].item() == ["p4", "p5", "p6"]
    for seed in range(5):
        shuffled = df.sample(frac=1, random_state=seed)
        pd.testing.assert_frame_equal(aggregation_alerts(shuffled), want)
    pd.testing.assert_frame_equal(aggregation_alerts(df.iloc[::-1]), want)
