"""The scenario's calendar in simulation minutes: patrol detection, agents on shift, duty windows.

Simulation time is minutes (float) from the scenario's start, local midnight. Which days are
duty days is asked of ``wbcs.policy.Duty.on_duty`` once per day (weekmask and holidays live
there); the patrol tick, which Duty does not know, is added here: during duty hours the account is checked every k minutes on a grid that
starts at the duty start, and once more at the duty end; a post waits for the next check, and outside duty hours it waits
for the next duty period (or, on call, patrols continue through the night on the same grid).

Why a check at the duty end: the standard staffs 08:00–20:00 and patrols at least every 30 minutes
(DOMAIN.md, "Service levels"), so nothing that arrives while someone is on duty waits more than one
interval to be seen. With the grid alone (08:00, ..., 19:30) a post at 19:31 was first seen at 08:00 the
next duty day; the closing check at 20:00 is the leaving shift's, and the engine lets that shift take
what it finds (``wbcs.sim.engine``: detections before staffing changes at the same minute).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.policy import POST_KINDS
from wbcs.sim.scenario import MINUTES_PER_WEEK, Scenario

MINUTE_NS = 60_000_000_000


def to_datetimes(scenario: Scenario, minutes) -> np.ndarray:
    """Local naive datetime64[ns] of simulation minutes (NaN → NaT)."""
    m = np.asarray(minutes, dtype=float)
    ns = np.where(np.isnan(m), 0, np.round(m * MINUTE_NS)).astype(np.int64)
    out = scenario.start.to_datetime64().astype("datetime64[ns]") + ns.astype("timedelta64[ns]")
    return np.where(np.isnan(m), np.datetime64("NaT"), out)


def to_minutes(scenario: Scenario, times) -> np.ndarray:
    t = pd.DatetimeIndex(times)
    if t.tz is not None:
        t = t.tz_localize(None)
    return np.asarray((t - scenario.start) / pd.Timedelta(minutes=1), dtype=float)


def detect(scenario: Scenario, arrival: np.ndarray, kinds: np.ndarray, windows=None) -> np.ndarray:
    """The minute each post is first seen by the team (patrol or continuous monitoring);
    ``inf`` when no duty period follows before the end of the run. ``windows``: the run's
    ``duty_windows`` if already computed."""
    k = np.array([scenario.patrol_minutes[x] for x in POST_KINDS])[kinds]
    step = np.where(k > 0, k, 1.0)
    duty = scenario.duty
    if duty is None or duty.on_call:  # watched around the clock; each day's grid starts at the duty start
        s = 0 if duty is None else duty.start.hour * 60 + duty.start.minute
        anchor = np.floor((arrival - s) / 1440) * 1440 + s
        tick = np.minimum(anchor + np.ceil((arrival - anchor) / step) * step, anchor + 1440)
        return np.where(k > 0, tick, arrival)
    starts, ends = windows or duty_windows(scenario, int(np.ceil(scenario.horizon_days + scenario.drain_days)))
    starts, ends = np.append(starts, np.inf), np.append(ends, np.inf)
    i = np.searchsorted(ends, arrival, side="right")  # the duty period ending after the arrival
    seen = np.maximum(arrival, starts[i])
    # the next check on the grid, or the closing check at the duty end (see the module docstring); fmin:
    # with no duty period left the grid is NaN (inf − inf) and the post is never seen (inf)
    tick = np.fmin(starts[i] + np.ceil((seen - starts[i]) / step) * step, ends[i])
    return np.where(k > 0, tick, seen)


def _holiday_days(scenario: Scenario, days: int) -> np.ndarray:
    if scenario.duty is None or not scenario.duty.holidays:
        return np.array([], dtype=np.int64)
    d = (np.array(scenario.duty.holidays, dtype="datetime64[D]")
         - scenario.start.to_datetime64().astype("datetime64[D]")).astype(np.int64)
    return d[(d >= 0) & (d < days)]


def agents_by_minute(scenario: Scenario, days: int) -> np.ndarray:
    """Agents on shift in every minute of ``days`` days, one row per pool."""
    week_minute = (scenario.start.day_of_week * 1440 + np.arange(days * 1440)) % MINUTES_PER_WEEK
    out = np.empty((len(scenario.pools), days * 1440), dtype=np.int64)
    holidays = _holiday_days(scenario, days)
    for p, pool in enumerate(scenario.pools):
        out[p] = np.asarray(pool.week, dtype=np.int64)[week_minute]
        for d in holidays:
            out[p, d * 1440:(d + 1) * 1440] = pool.on_call_agents
    return out


def staffing_changes(by_minute: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(minute, pool, agents) at every change of the number on shift, time-ordered."""
    prev = np.concatenate([np.full((by_minute.shape[0], 1), -1), by_minute[:, :-1]], axis=1)
    pool, minute = np.nonzero(by_minute != prev)
    order = np.lexsort((pool, minute))
    return (minute[order].astype(np.float64), pool[order].astype(np.int64),
            by_minute[pool[order], minute[order]].astype(np.int64))


def duty_windows(scenario: Scenario, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end minutes of each duty period (one endless window when always on duty)."""
    duty = scenario.duty
    if duty is None:
        return np.array([0.0]), np.array([np.inf])
    s = duty.start.hour * 60 + duty.start.minute
    starts = np.arange(days) * 1440.0 + s
    starts = starts[duty.on_duty(to_datetimes(scenario, starts))]
    return starts, starts + duty.minutes_per_day
