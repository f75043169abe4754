"""Hot issues, audit 5: a surge on a day no rule fired on, users of posts without an author, the incidents'
phrases looked up (not a copy of the background per incident), rows only for the alerts' issues, and
``incidents(near_duplicates=False)`` computing its alerts the same way (a baseline of any length:
test_hot_audit5_baseline.py).

Before: 40 complaints two days after the complaint rule fired (its quiet week) were no incident at all; an
incident or spike of posts without an author had 0 users where its alert had 3; each incident copied a Counter
of the background's ~200,000 n-grams (151 of 163 s on the STC-3 posts, no progress shown); the counts held a
row per issue × day (1 GB for a year of posts without a topic); ``incidents(posts, near_duplicates=False)``
found a bogus ``operator|~`` incident from near-duplicate alerts."""

from __future__ import annotations

import json
import math
import tracemalloc
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from tests.helpers import run_cli, run_cli_on_terminal
from wbcs.aggregate import aggregation_alerts
from wbcs.kpi import incidents as inc
from wbcs.kpi.hot import hot_issues

HEADER = "post_id,created_at,text,author_id,platform,sentiment,intent,topic,operator\n"


def surge_in_a_quiet_week() -> pd.DataFrame:
    """14 days from 2024-05-01 of China Unicom posts: 3 broadband complaints a day (40 on 05-10) and 10 billing
    praise posts a day, each post its own author.

    The complaint rule (≥ 3 customers in 7 days, then quiet 7 days) fires on 05-01 and 05-08, so 05-10 is in
    its quiet week: no alert that day. Broadband has 13·3 + 40 = 79 posts, billing 140; billing's traffic is 10
    every day, so broadband expects 10 · 79/140 a day: 40 on 05-10 is a surge (P ≈ 1e-19). Its share counted
    again without that day is 39/130, so it expects 10 · 39/130 = 3 a day: 40 on 05-10, and the routine incident
    05-01..05-08 has 24 posts and 24 expected."""
    rows, pid = [], 1
    for day in range(1, 15):
        for k in range(40 if day == 10 else 3):
            rows.append((pid, f"2024-05-{day:02d} {9 + k % 10:02d}:{k:02d}:00", f"宽带第{pid}次断网怎么回事" + "啊" * (pid % 7),
                         f"a{pid}", "negative", "complaint", "broadband"))
            pid += 1
        for k in range(10):
            rows.append((pid, f"2024-05-{day:02d} {8 + k:02d}:30:00", f"我想问一下话费账单{pid}号", f"b{pid}", "neutral",
                         "praise", "billing"))
            pid += 1
    df = pd.DataFrame(rows, columns=["post_id", "created_at", "text", "author_id", "sentiment", "intent", "topic"])
    return df.assign(platform="sina_weibo", operator="china_unicom")[HEADER.strip().split(",")]


def _hot_json(path, *extra, timeout: float = 600) -> dict:
    r = run_cli("hot", "--posts", str(path), "--no-cache", "--json", "--top", "0", *extra, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_burst_in_the_complaint_rules_quiet_week_is_a_surge_incident(tmp_path):
    path = tmp_path / "surge.csv"
    surge_in_a_quiet_week().to_csv(path, index=False)
    got = _hot_json(path)
    assert [a["triggered_at"][:10] for a in got["alerts"]] == ["2024-05-01", "2024-05-08"]
    assert [(i["status"], i["start"][:10]) for i in got["incidents"]] == [("surge", "2024-05-10"),
                                                                         ("routine", "2024-05-01")]
    surge, routine = got["incidents"]
    lam = 10 * 39 / 130  # the usual 3 a day: the surge day is not in the share
    assert surge["observed"] == 40 and surge["expected"] == pytest.approx(lam)
    assert surge["score"] == pytest.approx(-poisson.logsf(39, lam) / math.log(10))
    assert surge["end"][:10] == "2024-05-11" and surge["n_users"] == 40
    # no alert fired that day: the surge has none, and every alert is still in exactly one incident
    assert (surge["n_alerts"], surge["alert_days"], surge["alert_index"], surge["actions"]) == (0, 0, [], [])
    assert routine["alert_index"] == [0, 1] and routine["alert_days"] == 2
    assert routine["observed"] == 24 and routine["expected"] == pytest.approx(8 * lam)
    r = run_cli("hot", "--posts", str(path), "--no-cache")
    assert r.returncode == 0, r.stderr
    assert "2 incident(s) (1 surge(s)) from 2 aggregation alert(s)" in r.stdout
    assert "1. [surge] 2024-05-10  宽带（中国联通）" in r.stdout
    assert "40 posts vs 3.0 expected (x13.3), no aggregation alert on its day(s)" in r.stdout


def test_the_dask_engine_finds_the_same_surge_and_users_row_for_row(tmp_path):
    from wbcs.kpi.partitioned import write_archive
    from wbcs.kpi.partitioned_hot import hot_issues as archive_hot_issues
    from wbcs.kpi.partitioned_hot import read_archive

    posts = surge_in_a_quiet_week()
    posts.loc[posts["intent"] == "complaint", "author_id"] = None  # users counted as the rules count them
    posts["created_at"] = pd.to_datetime(posts["created_at"]).dt.tz_localize("Asia/Shanghai")
    posts["post_id"] = posts["post_id"].astype(str)
    archive = write_archive(posts, tmp_path / "archive", ("operator",))
    want = hot_issues(read_archive(archive))
    got = archive_hot_issues(archive)
    for name in ("incidents", "alerts", "spikes"):
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
    surge = want["incidents"].iloc[0]
    assert (surge["status"], surge["observed"], surge["n_users"]) == ("surge", 40, 40)


def test_users_of_posts_without_an_author_are_counted_as_the_rules_count_them(tmp_path):
    # 05-04: two posts by u1, one by u2, one without an author (3 users, as the rule counts them); 05-06: two
    # posts without an author on two platforms
    csv = HEADER + "".join(f"{i},2024-05-{d} {h}:00:00,请问流量包怎么办理{i},{a},{p},neutral,consultation,{t},china_mobile\n"
                           for i, d, h, a, p, t in [(1, "04", "09", "u1", "sina_weibo", "data"),
                                                    (2, "04", "10", "u1", "sina_weibo", "data"),
                                                    (3, "04", "11", "u2", "sina_weibo", "data"),
                                                    (4, "04", "12", "", "sina_weibo", "data"),
                                                    (5, "06", "10", "", "sina_weibo", "broadband"),
                                                    (6, "06", "11", "", "tencent_weibo", "broadband")])
    (tmp_path / "noauth.csv").write_text(csv, encoding="utf-8")
    got = _hot_json(tmp_path / "noauth.csv")
    users = {a["topic"]: a["n_users"] for a in got["alerts"]}
    assert users == {"data": 3, "broadband": 2}
    assert {i["topic"]: i["n_users"] for i in got["incidents"]} == users  # were 2 and 0

    # six complaints in an hour, none with an author, after a day of baseline: a spike of 6 users (was 0)
    rows = [("1", "2024-05-01 10:10:00", "信号差", "network"), ("2", "2024-05-01 10:20:00", "扣费了", "billing")]
    rows += [(str(10 + k), f"2024-05-02 10:1{k}:00", t, "network")
             for k, t in enumerate(["家里没信号", "地下室一格信号都没有", "打电话老是掉线", "网络断了吗", "4G变2G了", "手机无服务"])]
    (tmp_path / "spike.csv").write_text(HEADER + "".join(f"{i},{c},{t},,sina_weibo,negative,complaint,{topic},"
                                                         "china_mobile\n" for i, c, t, topic in rows), encoding="utf-8")
    spikes = _hot_json(tmp_path / "spike.csv", "--baseline-days", "1")["spikes"]
    assert [(s["key"], s["n_posts"], s["n_users"]) for s in spikes] == [("topic:network", 6, 6)]


def test_user_ids_is_the_author_or_the_post_itself():
    from wbcs.aggregate import user_ids

    posts = pd.DataFrame({"post_id": ["1", "2", "3", "4"], "author_id": ["u1", "u1", None, None]})
    assert user_ids(posts).tolist() == ["u1", "u1", "post:3", "post:4"]
    assert user_ids(posts.drop(columns="author_id")).nunique() == 4


def test_phrases_read_the_other_posts_by_lookup_as_the_subtraction_gave_them():
    rng = np.random.default_rng(0)
    chars = "没有信号宽带断网扣费话费流量"
    texts = ["".join(rng.choice(list(chars), 12)) for _ in range(300)]
    background = inc._doc_ngrams(texts)
    inside = inc._doc_ngrams(texts[:40])
    counts = inc._doc_ngrams(texts[:60])
    for k in (1, 3, 5):
        assert inc._phrases(counts, 60, background, inside, 260, [], k) == \
            inc._phrases(counts, 60, background - inside, Counter(), 260, [], k)


def test_each_incident_reads_the_background_without_copying_it(monkeypatch, tmp_path):
    """Counter - Counter copied the background's n-grams once per incident: 0.12 s each on the STC-3 posts."""
    def copied(*_):
        raise AssertionError("the background was copied")

    df = surge_in_a_quiet_week()
    df["created_at"] = pd.to_datetime(df["created_at"]).dt.tz_localize("Asia/Shanghai")
    monkeypatch.setattr(Counter, "__sub__", copied)
    assert len(inc.incidents(df)) == 2


def test_the_incidents_show_their_progress_on_a_terminal(tmp_path):
    path = tmp_path / "surge.csv"
    surge_in_a_quiet_week().to_csv(path, index=False)
    r, shown = run_cli_on_terminal("hot", "--posts", str(path), "--no-cache")
    assert r.returncode == 0 and "hot issues: incidents: 100%" in shown and "2/2" in shown


def test_counts_are_held_for_the_alerts_issues_only():
    """A year of 2,000 posts without a topic, each its own near-duplicate cluster (issue), and one outage of 3:
    a row per issue × day is 2,001 × 365 × 8 bytes = 5.8 MB, and the expectation's copies of it peaked at 42 MB;
    a row for the one issue that fired holds almost nothing."""
    n = 2000
    rng = np.random.default_rng(0)
    times = pd.Timestamp("2025-01-01", tz="Asia/Shanghai") + pd.to_timedelta(
        np.sort(rng.integers(0, 365 * 86400, n)), unit="s")
    texts = ["".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(8)) for i in range(n)]
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(n)], "created_at": times, "text": texts,
                          "author_id": [f"u{i}" for i in range(n)], "platform": "sina_weibo",
                          "operator": "china_mobile", "intent": "complaint", "sentiment": "negative",
                          "topic": None})
    posts.loc[1000:1002, "text"] = "北京朝阳这边4G完全没信号了打不了电话"
    posts.loc[1000:1002, "created_at"] = posts.loc[1000, "created_at"]
    alerts = aggregation_alerts(posts)
    assert len(alerts) == 1
    inc.incidents(posts, alerts)  # imports and caches first: what is measured is the incidents' own memory
    tracemalloc.start()
    try:
        found = inc.incidents(posts, alerts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(found) == 1 and found.loc[0, "observed"] == 3
    assert peak < 2 * 2001 * 365 * 8  # was 42 MB: seven copies of the issue × day matrix


def test_incidents_compute_their_alerts_without_near_duplicates_when_asked():
    # three near-identical questions without a topic: a near-duplicate alert, which near_duplicates=False leaves out
    times = pd.to_datetime(["2025-03-03 09:00", "2025-03-03 10:00", "2025-03-03 11:00"]).tz_localize("Asia/Shanghai")
    posts = pd.DataFrame({"post_id": ["1", "2", "3"], "created_at": times, "text": ["请问宽带怎么办理啊"] * 3,
                          "author_id": ["u1", "u2", "u3"], "platform": "sina_weibo", "operator": "china_mobile",
                          "intent": "consultation", "sentiment": "neutral", "topic": None})
    assert len(aggregation_alerts(posts)) == 1 and aggregation_alerts(posts, near_duplicates=False).empty
    assert inc.incidents(posts, near_duplicates=False).empty  # was one incident, issue 'china_mobile|~'
    assert len(inc.incidents(posts)) == 1
