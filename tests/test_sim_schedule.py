"""Patrols, duty hours, shifts and holidays on hand-checked times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.policy import POST_KINDS
from wbcs.sim import Scenario, simulate
from wbcs.sim.schedule import agents_by_minute, detect, duty_windows, staffing_changes, to_minutes

# 2025-01-06 is a Monday; simulation minute 0 is its midnight (Beijing time)
BASE = {"start": "2025-01-06", "horizon_days": 14, "arrivals": {"rate_per_hour": 10}, "agents": 2,
        "service_minutes": {"distribution": "exponential", "mean": 3}}
COMPLAINT = POST_KINDS.index("complaint")


def minutes(sc, *stamps):
    return to_minutes(sc, pd.DatetimeIndex(stamps))


def seen(sc, *stamps, kind=COMPLAINT):
    t = minutes(sc, *stamps)
    return list(pd.DatetimeIndex(sc.start + pd.to_timedelta(detect(sc, t, np.full(t.size, kind)), unit="min")))


def T(s):
    return pd.Timestamp(s)


def test_friday_evening_post_without_on_call_waits_for_monday():
    sc = Scenario.from_dict({**BASE, "duty": "policy", "patrol_minutes": 30})
    # duty ends on Friday 2025-01-10 at 20:00: after the 19:30 patrol, the closing check at 20:00 sees 19:55
    # (it waited for Monday 08:00, though someone was on duty for five more minutes); 20:00 itself and later
    # arrive off duty and wait for Monday 08:00
    assert seen(sc, "2025-01-10 19:55", "2025-01-10 19:31") == [T("2025-01-10 20:00")] * 2
    assert seen(sc, "2025-01-10 20:00", "2025-01-10 20:01") == [T("2025-01-13 08:00")] * 2
    assert seen(sc, "2025-01-10 19:30") == [T("2025-01-10 19:30")]
    assert seen(sc, "2025-01-10 19:29") == [T("2025-01-10 19:30")]
    # Saturday night and Monday before duty: the first patrol at 08:00
    assert seen(sc, "2025-01-11 23:00", "2025-01-13 06:10") == [T("2025-01-13 08:00")] * 2
    # continuous monitoring sees 19:55 at once but 20:05 only on Monday
    cont = Scenario.from_dict({**BASE, "duty": "policy", "patrol_minutes": 0})
    assert seen(cont, "2025-01-10 19:55", "2025-01-10 20:05") == [T("2025-01-10 19:55"), T("2025-01-13 08:00")]


def test_patrol_grid_starts_at_the_duty_start_and_on_call_patrols_through_the_night():
    sc = Scenario.from_dict({**BASE, "duty": {"start": "08:15", "end": "20:00"}, "patrol_minutes": 30})
    # checks at 08:15, 08:45, ..., 19:45, and the closing check at 20:00 (15 minutes after the last on the grid)
    assert seen(sc, "2025-01-07 08:10", "2025-01-07 08:20", "2025-01-07 08:45", "2025-01-07 19:50",
                "2025-01-07 20:10") == [T("2025-01-07 08:15"), T("2025-01-07 08:45"), T("2025-01-07 08:45"),
                                        T("2025-01-07 20:00"), T("2025-01-08 08:15")]
    night = Scenario.from_dict({**BASE, "duty": {"on_call": True}, "patrol_minutes": 30})
    # on call: the 08:00 grid continues through the night and the weekend
    assert seen(night, "2025-01-10 20:05", "2025-01-11 03:10", "2025-01-12 23:50") == [
        T("2025-01-10 20:30"), T("2025-01-11 03:30"), T("2025-01-13 00:00")]


def test_holidays_and_per_kind_patrols():
    sc = Scenario.from_dict({**BASE, "duty": {"holidays": ["2025-01-13"]},
                             "patrol_minutes": {"default": 30, "complaint": 10}})
    assert seen(sc, "2025-01-10 20:05") == [T("2025-01-14 08:00")]  # Monday is a holiday
    assert seen(sc, "2025-01-10 19:55") == [T("2025-01-10 20:00")]  # the closing check, every kind
    assert seen(sc, "2025-01-07 09:01") == [T("2025-01-07 09:10")]
    assert seen(sc, "2025-01-07 09:01", kind=POST_KINDS.index("praise")) == [T("2025-01-07 09:30")]


def test_continuous_arrivals_under_patrol_wait_half_the_interval():
    # always on duty, patrol every k minutes from midnight: delay = k − (t mod k), mean k/2
    for k in (10, 30, 60):
        sc = Scenario.from_dict({**BASE, "patrol_minutes": k})
        t = np.arange(0, 7 * 1440, 0.01) + 0.005  # a fine uniform grid of arrival times
        delay = detect(sc, t, np.full(t.size, COMPLAINT)) - t
        assert delay.min() >= 0 and delay.max() <= k
        assert delay.mean() == pytest.approx(k / 2, abs=1e-6)
        # and on Poisson arrivals, through the whole simulation (ample agents: no queue)
        rec = simulate(sc.updated({"agents": 50}), seed=3)
        mean = rec["detection_minutes"].mean()
        se = k / np.sqrt(12) / np.sqrt(len(rec))  # uniform(0, k) delays
        assert abs(mean - k / 2) < 4 * se
        assert (rec["queue_minutes"] == 0).all()


def test_posts_of_the_last_patrol_interval_are_answered_by_the_leaving_shift():
    """Duty 08:00–20:00, patrols every 30 minutes, ample agents, 5-minute handling: a post arriving
    19:30–20:00 on a weekday is seen at the closing check at 20:00 and picked up then by the shift that
    leaves at 20:00 (it finishes at 20:05). Before, it was first seen and answered at 08:00 the next duty day."""
    sc = Scenario.from_dict({**BASE, "horizon_days": 7, "duty": "policy", "patrol_minutes": 30, "agents": 50,
                             "service_minutes": {"distribution": "deterministic", "mean": 5}})
    rec = simulate(sc, seed=2)
    a = rec["arrival"].dt
    last = rec[(a.day_of_week < 5) & (a.hour == 19) & (a.minute >= 30)]
    assert len(last) > 10
    closing = last["arrival"].dt.normalize() + pd.Timedelta(hours=20)
    assert (last["detection"] == closing).all() and (last["picked_up"] == closing).all()
    assert (last["handled"] == closing + pd.Timedelta(minutes=5)).all()


def test_agents_by_minute_follow_shifts_holidays_and_on_call():
    sc = Scenario.from_dict({**BASE, "duty": {"holidays": ["2025-01-08"]}, "agents": 3, "on_call_agents": 1})
    by = agents_by_minute(sc, 14)[0]
    day = 1440
    assert by[8 * 60] == 3 and by[20 * 60] == 1 and by[7 * 60 + 59] == 1
    assert (by[2 * day: 3 * day] == 1).all()  # Wednesday 2025-01-08 is a holiday: on-call only
    assert by[5 * day + 12 * 60] == 1  # Saturday
    t, pool, n = staffing_changes(by[None, :])
    # first day: 0 → 1 at 00:00, 3 at 08:00, 1 at 20:00
    assert list(zip(t[:3], n[:3], strict=True)) == [(0, 1), (480, 3), (1200, 1)] and (pool == 0).all()
    # a scenario starting on a Wednesday reads the week from its own weekday
    wed = Scenario.from_dict({**BASE, "start": "2025-01-08", "duty": "policy", "agents": 3})
    assert agents_by_minute(wed, 7)[0][3 * day + 12 * 60] == 0  # the 4th day is a Saturday


def test_duty_windows():
    sc = Scenario.from_dict({**BASE, "duty": {"holidays": ["2025-01-07"]}})
    start, end = duty_windows(sc, 7)
    # Mon, Wed, Thu, Fri (Tuesday is a holiday, the weekend is off)
    np.testing.assert_array_equal(start, [480, 2 * 1440 + 480, 3 * 1440 + 480, 4 * 1440 + 480])
    np.testing.assert_array_equal(end - start, [720] * 4)
    always = Scenario.from_dict(BASE)
    assert duty_windows(always, 7)[1][0] == np.inf
