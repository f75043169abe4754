"""Incidents are ranked by their most surprising day (``rank_incidents``), so a small surge outranks a routine
incident that holds many posts over its alerts' windows.

Before, the rank was the Poisson tail of an incident's total: a routine incident's total grows with the days of
its alerts' 7-day windows (on STC-3 a 38-day routine incident of data complaints, 32 posts against 8.7, was
first, above a surge of 3 posts against 0.04 in a day)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import poisson

from wbcs.aggregate import aggregation_alerts
from wbcs.kpi.incidents import RANK_BY, incidents, rank_incidents

START = pd.Timestamp("2025-03-03", tz="Asia/Shanghai")  # a Monday


def _noise(i: int) -> str:
    """Characters that make each post unlike every other (no near-duplicate clusters)."""
    return "".join(chr(0x4E00 + (i * 7919 + j * 104729) % 20000) for j in range(8))


def routine_and_small_surge() -> pd.DataFrame:
    """56 days (D0 = Mon 2025-03-03), one operator, every post its own author.

    - service: 10 praise posts a day (no rule counts praise: traffic, never an incident);
    - billing: 4 complaints a day on D0..D14 (60 posts; 09:00–12:00). The complaint rule fires at the third on
      D0 (11:00), then after its quiet week at D7 11:00 and D14 11:00: one routine incident of the windows
      D0..D14, 60 posts;
    - roaming: 4 complaints on D35 (10:00–13:00; the rule fires at the third) and 1 praise post on D49.

    billing's traffic (the others: 10 a day, 4 more on D35 and 1 on D49, 565 in all, mean m = 565/56 a day) over
    the 7 days centred on d, plus m as one more day, is (10·n + m)/(n + 1) with n = 4, 5, 6 on D0, D1, D2 and 7
    on D3..D14 (no roaming post in those weeks). Its share is 60/565 (no billing day is a surge: 4 against
    ~1.06), so it expects 60/565 · [(40 + m)/5 + (50 + m)/6 + (60 + m)/7 + 12·(70 + m)/8] ≈ 15.95 over D0..D14,
    and each of D3..D14, its least expected days, 60/565 · (70 + m)/8 ≈ 1.063.

    roaming's traffic (service and billing, 620 in all, mean 620/56) on D35 is (70 + 620/56)/8. Its share over
    all days (5/620) makes D35's 4 posts a surge (P ≈ 2e-6 < 1e-4), so the share is counted again without D35:
    1 post of 620 − 10 others, and D35 expects (70 + 620/56)/8/610 ≈ 0.0166.
    """
    rows = []
    for d in range(56):
        day = START + pd.Timedelta(days=d)
        for h in range(10):
            rows.append((day + pd.Timedelta(hours=8, minutes=30 + h), "service", "praise", "谢谢客服"))
        if d <= 14:
            for h in (9, 10, 11, 12):
                rows.append((day + pd.Timedelta(hours=h), "billing", "complaint", "话费扣错了"))
        if d == 35:
            for h in (10, 11, 12, 13):
                rows.append((day + pd.Timedelta(hours=h), "roaming", "complaint", "漫游费太贵"))
        if d == 49:
            rows.append((day + pd.Timedelta(hours=15), "roaming", "praise", "漫游开通了谢谢"))
    df = pd.DataFrame(rows, columns=["created_at", "topic", "intent", "text"])
    df["text"] = [t + _noise(i) for i, t in enumerate(df["text"])]
    return df.assign(post_id=[f"p{i}" for i in range(len(df))], author_id=[f"u{i}" for i in range(len(df))],
                     platform="sina_weibo", operator="china_mobile",
                     sentiment=["positive" if i == "praise" else "negative" for i in df["intent"]])


def test_a_small_surge_outranks_a_routine_incident_with_many_posts():
    df = routine_and_small_surge()
    alerts = aggregation_alerts(df)
    assert [(r.topic, f"{r.triggered_at:%m-%d %H}") for r in alerts.itertuples()] == [
        ("billing", "03-03 11"), ("billing", "03-10 11"), ("billing", "03-17 11"), ("roaming", "04-07 12")]
    inc = incidents(df, alerts)
    assert inc["rank"].tolist() == [1, 2]
    surge, routine = inc.iloc[0], inc.iloc[1]

    lam = (70 + 620 / 56) / 8 / 610
    assert (surge["status"], surge["topic"], surge["observed"]) == ("surge", "roaming", 4)
    assert surge["start"] == START.tz_localize(None) + pd.Timedelta(days=35)
    assert surge["expected"] == pytest.approx(lam)
    surge_score = -poisson.logsf(3, lam) / math.log(10)  # P(X ≥ 4) = P(X > 3), ≈ 8.5
    assert surge["day_score"] == pytest.approx(surge_score) and surge["score"] == pytest.approx(surge_score)

    m = 565 / 56
    expected = 60 / 565 * ((40 + m) / 5 + (50 + m) / 6 + (60 + m) / 7 + 12 * (70 + m) / 8)
    assert (routine["status"], routine["topic"], routine["observed"], routine["n_alerts"]) == (
        "routine", "billing", 60, 3)
    assert (routine["end"] - routine["start"]).days == 15 and routine["expected"] == pytest.approx(expected)
    # the whole incident's tail is far smaller than the surge's (60 against ~15.95: ≈ 1e-16), which ranked it first
    total = -poisson.logsf(59, expected) / math.log(10)
    assert routine["score"] == pytest.approx(total) and total > surge_score + 5
    # but none of its days is unusual: its most surprising day is 4 posts against 60/565 · (70 + m)/8 ≈ 1.06
    assert routine["day_score"] == pytest.approx(-poisson.logsf(3, 60 / 565 * (70 + m) / 8) / math.log(10))
    assert routine["day_score"] < 2 < 4 < surge["day_score"]  # 4 = −log10 of the surge level alpha 1e-4


def test_ties_are_ranked_the_same_whatever_order_the_incidents_come_in():
    """Equal day_score, score and excess: the earlier start, then the issue, ranks first."""
    rows = pd.DataFrame({"rank": 0, "issue": ["b|x", "a|x", "a|y", "c|z"], "day_score": [2.0, 2.0, 2.0, 3.0],
                         "score": [5.0, 5.0, 5.0, 1.0], "excess": [1.0, 1.0, 1.0, 0.5],
                         "start": pd.to_datetime(["2025-01-02", "2025-01-02", "2025-01-01", "2025-03-01"])})
    want = ["c|z", "a|y", "a|x", "b|x"]
    for seed in range(5):
        got = rank_incidents(rows.sample(frac=1, random_state=seed))
        assert got["issue"].tolist() == want and got["rank"].tolist() == [1, 2, 3, 4]
    assert list(RANK_BY) == ["day_score", "score", "excess", "start", "issue"]
