"""A report ranks the incidents of its period by what happened in it (``rank_incidents(days=...)``) and shows the
day it ranks by: ranked by an incident's whole span, a weekly report put a routine incident whose most surprising
day was weeks before the week above one that surged in it, and showed neither day."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import poisson

from tests.test_incidents_rank import START, routine_and_small_surge
from wbcs.aggregate import aggregation_alerts
from wbcs.kpi.incidents import COLUMNS, in_days, incidents, rank_incidents
from wbcs.report import incident_table

D0 = pd.Timestamp("2025-03-03")  # a Monday; the report's week is D14..D20 (Mon 03-17 – Sun 03-23)
WEEK = (D0 + pd.Timedelta(days=14), D0 + pd.Timedelta(days=21))


def day(n: int) -> pd.Timestamp:
    return D0 + pd.Timedelta(days=n)


def tail(k: int, lam: float) -> float:
    """−log10 P(X ≥ k | Poisson(lam)), by scipy: the hand-computed reference."""
    return -poisson.logsf(k - 1, lam) / math.log(10)


def two_incidents() -> pd.DataFrame:
    """``long``: a routine incident counted on D0..D20, 1 post against 1.0 expected a day but 6 on D2 (its most
    surprising day, two weeks before the week); in the week 1 a day (7 against 7.0). ``week``: a routine incident
    of D15..D17, 1, 4, 1 posts against 0.5 a day (its most surprising day D16, in the week)."""
    long_posts = [1] * 21
    long_posts[2] = 6
    rows = [dict(issue="a|long", name="long", status="routine", start=day(0), end=day(21), counted_days=[day(n) for n in range(21)],
                 day_posts=long_posts, day_expected=[1.0] * 21),
            dict(issue="b|week", name="week", status="routine", start=day(15), end=day(18),
                 counted_days=[day(15), day(16), day(17)], day_posts=[1, 4, 1], day_expected=[0.5] * 3)]
    for t in rows:  # as describe sums them over all the incident's days
        obs, exp = sum(t["day_posts"]), sum(t["day_expected"])
        scores = [tail(k, e) for k, e in zip(t["day_posts"], t["day_expected"], strict=True)]
        peak = max(range(len(scores)), key=scores.__getitem__)
        t.update(observed=obs, expected=exp, excess=obs - exp, day_score=max(scores), score=tail(obs, exp),
                 peak_day=t["counted_days"][peak], peak_posts=t["day_posts"][peak],
                 peak_expected=t["day_expected"][peak])
    table = pd.DataFrame(rows)
    return table.assign(rank=0, n_alerts=[3, 1], actions=[["致歉与解决方案"]] * 2, sample_text=["x", "y"],
                        ratio=table["observed"] / table["expected"], p_value=10.0 ** -table["score"])


def test_over_all_days_the_long_incident_ranks_first_by_a_day_two_weeks_before_the_week():
    ranked = rank_incidents(two_incidents())
    assert ranked["name"].tolist() == ["long", "week"]
    assert ranked.loc[0, "day_score"] == pytest.approx(tail(6, 1.0))  # 3.23 on D2 > tail(4, 0.5) = 2.76
    assert ranked.loc[0, "peak_day"] == day(2)


def test_over_the_weeks_days_the_incident_that_surged_in_it_ranks_first():
    ranked = rank_incidents(two_incidents(), days=WEEK)
    assert ranked["name"].tolist() == ["week", "long"] and ranked["rank"].tolist() == [1, 2]
    week, long = ranked.iloc[0], ranked.iloc[1]
    assert week["day_score"] == pytest.approx(tail(4, 0.5)) and week["peak_day"] == day(16)
    assert (week["observed"], week["expected"], week["peak_posts"], week["peak_expected"]) == (6, 1.5, 4, 0.5)
    assert week["score"] == pytest.approx(tail(6, 1.5))
    # the long one on D14..D20 alone: 7 posts against 7.0, each day 1 against 1.0 (the first of equal days)
    assert (long["observed"], long["expected"], long["peak_day"], long["peak_posts"]) == (7, 7.0, day(14), 1)
    assert long["day_score"] == pytest.approx(tail(1, 1.0)) and long["score"] == pytest.approx(tail(7, 7.0))
    assert long["counted_days"] == [day(n) for n in range(14, 21)] and long["p_value"] == pytest.approx(
        10 ** -tail(7, 7.0))


def test_an_incident_with_no_counted_day_in_the_period_is_left_out():
    assert in_days(two_incidents(), day(21), day(28)).empty
    assert in_days(two_incidents(), day(18), day(21))["name"].tolist() == ["long"]


def test_the_reports_table_ranks_by_the_period_and_shows_the_day():
    table, n = incident_table(two_incidents(), *WEEK)
    assert n == 2 and table["incident"].tolist() == ["week", "long"]
    assert table["most unusual day: posts (expected)"].tolist() == ["03-19: 4 (0.5)", "03-17: 1 (1.0)"]
    assert table["posts this period (expected)"].tolist() == ["6 (1.5)", "7 (7.0)"]
    assert table["its days"].tolist() == ["03-18 – 03-20", "03-03 – 03-23"]


def test_an_incidents_peak_is_the_day_it_ranks_by_with_the_days_it_is_counted_on():
    """billing's routine incident of ``routine_and_small_surge``: 4 posts on each of D0..D14, its least expected
    days D3..D14 (60/565 · (70 + m)/8 ≈ 1.063 each, m = 565/56): its most surprising day is D3, the first of them;
    the peak was the day of most posts, D0 (the first of fifteen equal ones), not the day it ranked by."""
    df = routine_and_small_surge()
    routine = incidents(df, aggregation_alerts(df)).iloc[1]
    start = START.tz_localize(None)
    lam = 60 / 565 * (70 + 565 / 56) / 8
    assert (routine["peak_day"], routine["peak_posts"]) == (start + pd.Timedelta(days=3), 4)
    assert routine["peak_expected"] == pytest.approx(lam) and routine["day_score"] == pytest.approx(tail(4, lam))
    assert routine["counted_days"] == [start + pd.Timedelta(days=n) for n in range(15)]
    assert routine["day_posts"] == [4] * 15 and sum(routine["day_expected"]) == pytest.approx(routine["expected"])
    assert list(incidents(df, aggregation_alerts(df)).columns) == COLUMNS
