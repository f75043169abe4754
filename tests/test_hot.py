"""Hot issues: the spike detector on crafted timelines, hand-computed baselines, and the
aggregation rules reported next to it."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from scipy.stats import poisson

from wbcs.errors import InputError
from wbcs.kpi.hot import SPIKE_COLUMNS, check_spike_request, fold_spikes, hot_issues, spikes

OUTAGE = "北京朝阳这边4G完全没信号了，打不了电话也上不了网，用户{}"


def timeline(burst_hours=(9,), burst_day="2025-03-12", per_hour=20) -> pd.DataFrame:
    """14 days from Sat 2025-03-01: billing 2 posts an hour 08:00-21:59, network posts at
    10:00 and 15:00 each day; on ``burst_day`` ``per_hour`` outage posts in each burst hour."""
    rows = []
    for day in pd.date_range("2025-03-01", periods=14, freq="D"):
        for h in range(8, 22):
            for i in range(2):
                rows.append((day + pd.Timedelta(hours=h, minutes=10 + 20 * i), "billing",
                             f"第{day.day}天{h}点的账单扣费{i}元不对劲，请核实"))
        for h in (10, 15):
            rows.append((day + pd.Timedelta(hours=h, minutes=5), "network", f"{day.day}号{h}点信号有点弱"))
    for h in burst_hours:
        for i in range(per_hour):
            rows.append((pd.Timestamp(burst_day) + pd.Timedelta(hours=h, minutes=2 * i + 1), "network",
                         OUTAGE.format(i)))
    df = pd.DataFrame(rows, columns=["created_at", "topic", "text"]).sort_values("created_at")
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    df["post_id"] = [f"p{i}" for i in range(len(df))]
    df["author_id"] = [f"u{i}" for i in range(len(df))]
    df["platform"] = "sina_weibo"
    return df.reset_index(drop=True)


def test_outage_hour_is_a_spike_with_the_hand_computed_baseline():
    s = spikes(timeline())
    assert list(s.columns) == SPIKE_COLUMNS
    net = s[s["key"] == "topic:network"]
    assert len(net) == 1 and set(s["key"]) <= {"topic:network"} | set(s.loc[s["series"] == "near_duplicate", "key"])
    e = net.iloc[0]
    assert e["start"] == pd.Timestamp("2025-03-12 09:00") and e["end"] == pd.Timestamp("2025-03-12 10:00")
    assert e["detected_at"] == pd.Timestamp("2025-03-12 10:00")  # when the hour is complete
    # level: 14 network posts in the previous 168 h, +1 → 15; shape: all posts at 09:00 over the
    # previous 7 days = 14 (billing), of 7 × 30 = 210 → share (14 + 1) / (210 + 24)
    expected = 15 * 15 / 234
    assert e["observed"] == 20 and e["expected"] == pytest.approx(expected)
    assert e["p_value"] == pytest.approx(poisson.sf(19, expected))
    assert e["n_posts"] == 20 and e["n_users"] == 20 and e["platforms"] == ["sina_weibo"]
    assert e["sample_text"] == OUTAGE.format(0)


def test_near_duplicate_cluster_of_the_outage_spikes_too():
    s = spikes(timeline())
    dup = s[s["series"] == "near_duplicate"]
    assert len(dup) == 1
    first = timeline().query("text == @OUTAGE.format(0)")["post_id"].iloc[0]
    assert dup.iloc[0]["key"] == f"near_duplicate:{first}" and dup.iloc[0]["observed"] == 20


def test_an_outage_in_many_wordings_shows_as_one_topic_spike_with_its_clusters_folded_in():
    """Issue 13: one outage spiked once per near-duplicate cluster (21–24 rows ahead of its topic)."""
    from wbcs.kpi.hot import fold_spikes

    df = timeline(per_hour=24)
    wordings = ["北京朝阳这边4G完全没信号了，打不了电话也上不了网，用户{}", "家里宽带从早上断到现在，光猫红灯一直闪，编号{}",
                "小区基站是不是坏了？一格信号都没有，第{}次反映"]
    burst = df["text"].str.startswith("北京朝阳这边4G")
    df.loc[burst, "text"] = [wordings[i % 3].format(i) for i in range(int(burst.sum()))]
    raw = spikes(df)
    clusters = raw[raw["series"] == "near_duplicate"]
    assert len(clusters) >= 2 and (raw["series"] == "topic").sum() == 1
    shown = fold_spikes(raw)
    assert list(shown["key"]) == ["topic:network"] and shown["clusters_inside"].tolist() == [len(clusters)]
    # a cluster spike outside any topic spike stays, with nothing folded into it
    alone = fold_spikes(clusters)
    assert len(alone) == len(clusters) and (alone["clusters_inside"] == 0).all()
    assert fold_spikes(raw.iloc[:0]).empty


def test_steady_background_gives_no_spike():
    assert spikes(timeline(burst_hours=())).empty


def test_hourly_detection_is_hours_ahead_of_the_daily_count():
    df = timeline(burst_hours=(9, 10))
    hourly = spikes(df)
    daily = spikes(df, freq="D")
    h = hourly[hourly["key"] == "topic:network"].iloc[0]
    d = daily[daily["key"] == "topic:network"].iloc[0]
    assert h["buckets"] == 2 and h["observed"] == 20 + 21  # 10:00 holds the background post too
    assert d["start"] == pd.Timestamp("2025-03-12") and d["detected_at"] == pd.Timestamp("2025-03-13")
    assert d["detected_at"] - h["detected_at"] == pd.Timedelta(hours=14)
    # the daily baseline: 14 network posts in 7 days (+1) over 7 days
    assert d["expected"] == pytest.approx(15 / 7) and d["observed"] == 42


def test_no_baseline_no_test_and_small_counts_are_not_spikes():
    early = timeline(burst_day="2025-03-05")  # inside the first 7 days: no baseline yet
    assert spikes(early).empty
    tiny = timeline(per_hour=4)  # fewer than min_posts
    assert spikes(tiny, min_posts=5).empty
    assert not spikes(tiny, min_posts=3).empty


def test_a_burst_in_synthetic_posts_is_found_within_its_first_hour():
    from wbcs.synth import generate_posts

    start = "2025-01-12 19:00"
    df = generate_posts(days=14, posts_per_day=400, seed=11,
                        bursts=[{"start": start, "hours": 2, "posts": 150, "topic": "network",
                                 "operator": "china_unicom", "province": "广东"}])
    s = spikes(df)
    net = s[s["key"] == "topic:network"]
    assert (net["start"] == pd.Timestamp(start)).any()
    assert net["detected_at"].min() == pd.Timestamp("2025-01-12 20:00")


def test_hot_issues_reports_rules_and_spikes_and_checks_its_input():
    df = timeline()
    df["intent"] = "complaint"
    out = hot_issues(df)
    assert set(out) == {"alerts", "spikes", "incidents"}
    top = out["incidents"].iloc[0]  # the outage hour: the incident behind the alerts
    assert top["status"] == "surge" and top["topic"] == "network" and top["observed"] == 22
    a = out["alerts"]
    # the 20 outage posts: 20 customers within 7 days in one near-duplicate cluster
    assert ((a["cluster_kind"] == "near_duplicate") & (a["n_users"] >= 3)).any()
    assert not out["spikes"].empty
    with pytest.raises(InputError, match="freq must be"):
        spikes(df, freq="w")
    with pytest.raises(InputError, match="missing column 'text'"):
        spikes(df.drop(columns=["text"]))
    assert spikes(df.iloc[:0]).empty


@pytest.mark.parametrize("change, named", [
    ({"baseline_days": 0}, "baseline_days must be a whole number ≥ 1"), ({"alpha": 1.5}, "alpha must be between 0 and 1"),
    ({"alpha": float("nan")}, "alpha must be between 0 and 1"), ({"min_posts": 0}, "min_posts must be a whole number ≥ 1"),
    ({"threshold": 0.0}, "threshold must be above 0 and at most 1"),
    # no TypeError from a comparison, no 36-hour window from 1.5 days
    ({"min_posts": "5"}, "min_posts must be a whole number ≥ 1"), ({"alpha": "0.01"}, "alpha must be between 0 and 1"),
    ({"baseline_days": 1.5}, "baseline_days must be a whole number ≥ 1"), ({"freq": ["h"]}, "freq must be"),
    ({"threshold": "0.8"}, "threshold must be above 0 and at most 1")])
def test_each_bad_detector_parameter_is_named_with_its_value(change, named):
    """One message for all four ("baseline_days ≥ 1, 0 < alpha < 1 and min_posts ≥ 1 are needed") left the user
    to guess which was wrong; the command line names its option."""
    request = {"freq": "h", "baseline_days": 7, "alpha": 1e-3, "min_posts": 5, "threshold": 0.8, **change}
    with pytest.raises(InputError, match=f"^{named}.*got {re.escape(repr(next(iter(change.values()))))}$"):
        check_spike_request(**request)
    with pytest.raises(InputError, match=f"^--{named.replace('_', '-')}"):
        check_spike_request(**request, flags=True)
    if "threshold" not in change:
        with pytest.raises(InputError, match=f"^{named}"):
            spikes(timeline(), **{k: v for k, v in request.items() if k != "threshold"})


def test_a_table_that_is_no_dataframe_or_no_spikes_table_is_named():
    """A list of rows was refused as a table without 'post_id' (it has one, per row), the posts given to fold_spikes a
    KeyError 'series'."""
    rows = timeline().head(3).to_dict("records")
    for call in (lambda: spikes(rows), lambda: hot_issues(rows)):
        with pytest.raises(InputError, match=r"posts must be a pandas DataFrame, got list .*pd.DataFrame\(rows\)"):
            call()
    with pytest.raises(InputError, match="fold_spikes: table must be the spikes of hot_issues.*no column 'series'"):
        fold_spikes(timeline())
    with pytest.raises(InputError, match="fold_spikes: table must be a pandas DataFrame, got list"):
        fold_spikes([])


def test_a_post_given_twice_is_refused_naming_both_rows_not_counted_as_a_spike():
    df = timeline()
    df["intent"] = "complaint"
    twice = pd.concat([df, df[df["created_at"].dt.hour == 9].head(20)])  # 20 rows pasted again
    with pytest.raises(InputError, match=r"^posts: row \d+ \(index \d+\), column 'post_id': '.+' is also the "
                                         r"post_id of row \d+ \(index \d+\); .*remove the repeated row"):
        hot_issues(twice)
