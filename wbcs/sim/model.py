"""``simulate(scenario, seed)``: draw everything, run the engine, return one record per post.

Order of work: arrivals (vectorised NHPP) → detection (patrol/duty, vectorised) → every
random duration and outcome drawn up front from one Generator → the event loop of
``wbcs.sim.engine`` → records with SLA flags.

A record's ``picked_up`` is when an agent picks the post up (``wait_minutes`` ends there: the
queue's figure, Erlang C's wait); ``handled`` is when that first handling ends and its public reply goes
out, the first response (acknowledgement): ``first_response_met`` is measured there, at the instant the KPIs read as
``reply_at``, and a waiting customer's escalation reposts stop there. ``run`` also returns the hourly
series (agents, busy agents, backlog) the charts and the utilisation figure need.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.checks import rng as rng_from
from wbcs.config import TIMEZONE
from wbcs.policy import POST_KINDS
from wbcs.sim.arrivals import draw_arrivals
from wbcs.sim.engine import run_engine
from wbcs.sim.metrics import agents_present
from wbcs.sim.scenario import Scenario, as_scenario
from wbcs.sim.schedule import agents_by_minute, detect, duty_windows, staffing_changes, to_datetimes

K = len(POST_KINDS)


@dataclass(frozen=True)
class SimRun:
    """One simulated run: ``records`` (one row per post) and ``hourly`` (one row per hour)."""

    scenario: Scenario
    records: pd.DataFrame
    hourly: pd.DataFrame


def _per_kind(scenario: Scenario, attr: str) -> np.ndarray:
    return np.array([getattr(scenario, attr)[k] for k in POST_KINDS], dtype=float)


@functools.cache
def _say(note: str) -> None:
    """``note`` on stderr, once a process: replications run the same scenario many times (a warning repeated
    itself as often, in two lines each, the filter's memory being reset by any library's catch_warnings)."""
    print(note, file=sys.stderr)


def _local(scenario: Scenario, minutes: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(to_datetimes(scenario, minutes)).tz_localize(TIMEZONE)


def run(scenario: Scenario, seed=0) -> SimRun:
    """Simulate ``scenario`` (a ``Scenario``, or a scenario file or mapping: ``as_scenario``) once; ``seed`` is
    a whole number ≥ 0, a ``numpy.random.Generator``, or None for fresh entropy (a run that cannot be repeated)."""
    from wbcs.sim.metrics import sla_met

    scenario = as_scenario(scenario)
    if note := scenario.unstaffed_note():  # a run of unserved posts is said, not silent
        _say(note)
    rng = rng_from(seed)
    arrival, kinds = draw_arrivals(scenario, rng)
    n = arrival.size
    followers = np.round(scenario.followers.sample(rng, n))
    reposts = rng.poisson(followers / 1000 * scenario.reposts_per_1000_followers)
    days = int(np.ceil(scenario.horizon_days + scenario.drain_days))
    win_start, win_end = duty_windows(scenario, days)
    detection = detect(scenario, arrival, kinds, (win_start, win_end))

    svc0 = np.empty(n)
    for i, k in enumerate(POST_KINDS):
        m = kinds == i
        svc0[m] = scenario.service[k].sample(rng, int(m.sum())) * scenario.draft_factor[k]
    ticket = rng.random(n) < _per_kind(scenario, "ticket_share")[kinds]
    S = scenario.stages
    bo_delay = scenario.back_office.sample(rng, n * S).reshape(n, S)
    ans_svc = scenario.answer.sample(rng, n * S).reshape(n, S)
    sat_u, reopen_u = rng.random((n, S)), rng.random((n, S))
    reopen_lag = scenario.reopen_after.sample(rng, n * S).reshape(n, S)
    if scenario.priority == "kind":
        key = np.array([scenario.priority_order.index(k) for k in POST_KINDS], dtype=float)[kinds]
    elif scenario.priority == "influence":  # most followers and reposts first
        key = -(np.log1p(followers) + np.log1p(reposts))
    else:
        key = np.zeros(n)

    by_minute = agents_by_minute(scenario, days)
    change_t, change_pool, change_n = staffing_changes(by_minute)
    pool_max = by_minute.max(axis=1)
    pool_can = np.array([[k in p.kinds for k in POST_KINDS] for p in scenario.pools])
    resolves = np.array([scenario.sla[k].resolve_hours is not None for k in POST_KINDS])

    order = np.argsort(detection, kind="stable")
    out = run_engine(
        detection[order], kinds[order], key[order], svc0[order], ticket[order], resolves,
        _per_kind(scenario, "satisfaction"), scenario.reopen_probability, scenario.max_reopens,
        bo_delay[order], ans_svc[order], sat_u[order], reopen_u[order], reopen_lag[order],
        pool_can, np.concatenate([[0], np.cumsum(pool_max)[:-1]]).astype(np.int64), pool_max,
        change_t, change_pool, change_n, scenario.back_office_capacity,
        scenario.back_office_clock == "business", win_start, win_end, days * 24)
    back = np.empty(n, np.int64)
    back[order] = np.arange(n)
    start0, end0, agent0, bo_first, res_first, res_final, satisfied, reopens = (a[back] for a in out[:8])
    busy = out[8]

    end_of_run = days * 1440.0
    # a customer reposts while nobody has answered in public: until the reply at the end of the first handling
    # (end0), which is all they can see; an agent's pick-up (start0) is invisible to them
    unanswered = np.where(np.isnan(end0), end_of_run, end0) - arrival
    escalating = np.isin(kinds, [POST_KINDS.index(k) for k in scenario.escalation_kinds])
    esc_reposts = np.where(escalating, rng.poisson(scenario.reposts_per_hour * unanswered / 60), 0)
    # the acknowledgement is the public reply, which goes out when the first handling ends (end0), not when an
    # agent picks the post up (start0): the policy's "acknowledge = first public reply or DM", the instant the KPIs
    # read as reply_at (wbcs.kpi.indicators); start0 is the queue's answer time, Erlang C's wait
    ack_met, res_met = sla_met(scenario, arrival, end0, res_first, kinds)
    seen = np.where(np.isfinite(detection), detection, np.nan)  # inf: no duty period left in the run

    pool_of = np.where(agent0 >= 0, np.searchsorted(np.cumsum(pool_max), agent0, side="right"), -1)
    records = pd.DataFrame({
        "post_id": np.arange(n),
        "kind": pd.Categorical.from_codes(kinds, POST_KINDS),
        "arrival": _local(scenario, arrival),
        "detection": _local(scenario, seen),
        "picked_up": _local(scenario, start0),
        "handled": _local(scenario, end0),
        "agent": agent0,
        "pool": pd.Categorical.from_codes(pool_of, [p.name for p in scenario.pools]),
        "ticket": ticket & resolves[kinds],
        "back_office_done": _local(scenario, bo_first),
        "resolution": _local(scenario, res_first),
        "final_resolution": _local(scenario, res_final),
        "satisfied": pd.arrays.BooleanArray(satisfied == 1, satisfied < 0),
        "reopened": reopens,
        "followers": followers.astype(np.int64),
        "reposts": reposts + esc_reposts,
        "escalation_reposts": esc_reposts,
        "escalated": esc_reposts >= scenario.escalation_threshold,
        "detection_minutes": seen - arrival,
        "wait_minutes": start0 - arrival,
        "queue_minutes": start0 - detection,
        "resolution_hours": (res_first - arrival) / 60,
        "first_response_met": ack_met,
        "resolution_met": res_met,
        "observed": (arrival >= scenario.warmup_days * 1440) & (arrival < scenario.horizon_minutes),
    })

    hours = days * 24
    edges = 60.0 * np.arange(1, hours + 1)
    responded = np.sort(start0[~np.isnan(start0)])
    agents = by_minute.sum(axis=0).reshape(hours, 60).mean(axis=1)
    busy_agents = busy.sum(axis=0) / 60
    hourly = pd.DataFrame({
        "hour": np.arange(hours),
        "time": _local(scenario, edges - 60),
        "arrivals": np.bincount((arrival // 60).astype(np.int64), minlength=hours)[:hours],
        "agents": agents,
        "busy_agents": busy_agents,
        # posts arrived by the end of the hour and not yet picked up by an agent
        "backlog": np.searchsorted(arrival, edges, side="right") - np.searchsorted(responded, edges, side="right"),
    })
    # busy over the agents present (``agents_present``); busy / on shift went above 1 in the hour after a shift's end
    present = agents_present(hourly)
    hourly.insert(hourly.columns.get_loc("busy_agents") + 1, "utilization", hourly["busy_agents"] / present.where(present > 0))
    return SimRun(scenario, records, hourly)


def simulate(scenario: Scenario, seed=0) -> pd.DataFrame:
    """One record per post (see ``run`` for the hourly series as well, ``scenario`` and ``seed``)."""
    return run(scenario, seed).records
