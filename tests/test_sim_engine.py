"""The event loop on tiny hand-worked cases: FIFO, priorities, shifts, skills, back office, reopening."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.config import data_file
from wbcs.sim.engine import run_engine

K = 5  # kinds: 0 consultation, 1 complaint, 2 vague_negative, 3 abuse, 4 praise


def engine(avail, svc, *, kind=None, key=None, changes=((0.0, 0, 2),), pools=None, ticket=None,
           resolves=(True,) * K, p_sat=(1.0,) * K, p_reopen=0.0, max_reopens=0, S=1,
           bo_delay=0.0, ans=0.0, sat_u=0.5, reopen_u=0.5, lag=0.0, bo_capacity=0,
           windows=None, n_hours=48):
    n = len(avail)
    kind = np.zeros(n, np.int64) if kind is None else np.asarray(kind, np.int64)
    pools = np.ones((1, K), bool) if pools is None else np.asarray(pools, bool)
    ct = np.array([c[0] for c in changes], float)
    cp = np.array([c[1] for c in changes], np.int64)
    cn = np.array([c[2] for c in changes], np.int64)
    pool_max = np.array([max([c[2] for c in changes if c[1] == p] + [0]) for p in range(pools.shape[0])], np.int64)
    offset = np.concatenate([[0], np.cumsum(pool_max)[:-1]]).astype(np.int64)

    def per_stage(v):
        return np.broadcast_to(np.asarray(v, float), (n, S)).copy() if np.ndim(v) < 2 else np.asarray(v, float)

    ws, we = windows if windows else (np.array([0.0]), np.array([np.inf]))
    out = run_engine(np.asarray(avail, float), kind, np.zeros(n) if key is None else np.asarray(key, float),
                     np.asarray(svc, float), np.zeros(n, bool) if ticket is None else np.asarray(ticket, bool),
                     np.asarray(resolves, bool), np.asarray(p_sat, float), p_reopen, max_reopens,
                     per_stage(bo_delay), per_stage(ans), per_stage(sat_u), per_stage(reopen_u), per_stage(lag),
                     pools, offset, pool_max, ct, cp, cn, bo_capacity, windows is not None,
                     np.asarray(ws, float), np.asarray(we, float), n_hours)
    names = ["start", "end", "agent", "bo_first", "res_first", "res_final", "satisfied", "reopens", "busy"]
    return dict(zip(names, out, strict=True))


def test_fifo_two_agents():
    # posts at 0, 0, 0, 1 with 10, 10, 10, 5 minutes of work, two agents:
    # 0 and 1 start at 0; 2 starts at 10 (first free), 3 at 10 on the other agent
    r = engine([0, 0, 0, 1], [10, 10, 10, 5])
    np.testing.assert_allclose(r["start"], [0, 0, 10, 10])
    np.testing.assert_allclose(r["end"], [10, 10, 20, 15])
    assert set(r["agent"][:2]) == {0, 1} and r["agent"][2] != r["agent"][3]
    # busy minutes in the first hour: 10 + 10 + 10 + 5
    assert r["busy"][0, 0] == pytest.approx(35)
    np.testing.assert_allclose(r["res_first"], r["end"])  # answered at once, no ticket
    assert (r["satisfied"] == 1).all()


def test_priority_by_kind_lets_a_complaint_overtake():
    # one agent busy 0–10; a consultation (key 1) at 1 and a complaint (key 0) at 2:
    # the complaint goes first at 10, the consultation at 15
    r = engine([0, 1, 2], [10, 5, 5], kind=[0, 0, 1], key=[1, 1, 0], changes=((0.0, 0, 1),))
    np.testing.assert_allclose(r["start"], [0, 15, 10])
    fifo = engine([0, 1, 2], [10, 5, 5], kind=[0, 0, 1], changes=((0.0, 0, 1),))
    np.testing.assert_allclose(fifo["start"], [0, 10, 15])


def test_shifts_start_and_end_without_interrupting_work():
    # one agent from 0 to 60, none from 60 to 120, two from 120
    changes = ((0.0, 0, 1), (60.0, 0, 0), (120.0, 0, 2))
    r = engine([50, 55, 56], [30, 5, 5], changes=changes)
    # the first post runs past the shift end (50–80); the others wait for 120
    np.testing.assert_allclose(r["start"], [50, 120, 120])
    np.testing.assert_allclose(r["end"], [80, 125, 125])
    # posts nobody will ever handle stay unserved (NaN), not dropped
    r = engine([10, 20], [5, 5], changes=((0.0, 0, 1), (15.0, 0, 0)))
    assert r["start"][0] == 10 and np.isnan(r["start"][1])


def test_a_post_seen_at_a_shift_end_goes_to_the_leaving_shift():
    # one agent until 60, none until 120: the closing patrol at 60 finds two posts; the leaving agent takes the
    # first at 60 (and finishes it, 60–65), the second waits for 120. Shift changes went first: both waited.
    r = engine([60, 60], [5, 5], changes=((0.0, 0, 1), (60.0, 0, 0), (120.0, 0, 1)))
    np.testing.assert_allclose(r["start"], [60, 120])
    np.testing.assert_allclose(r["end"], [65, 125])
    # at a shift start the posts found at once queue, and the arriving agent takes the most urgent first
    r = engine([120, 120], [5, 5], kind=[0, 1], key=[1, 0], changes=((0.0, 0, 0), (120.0, 0, 1)))
    np.testing.assert_allclose(r["start"], [125, 120])


def test_skills_route_kinds_to_their_pool():
    # pool 0 takes complaints only, pool 1 everything; one agent each
    pools = [[False, True, False, False, False], [True] * K]
    r = engine([0, 0, 0], [10, 10, 10], kind=[0, 0, 1], pools=pools, changes=((0.0, 0, 1), (0.0, 1, 1)))
    # the complaint starts at once on pool 0 (agent 0); consultations queue for pool 1 (agent 1)
    np.testing.assert_allclose(r["start"], [0, 10, 0])
    assert list(r["agent"]) == [1, 1, 0]


def test_ticket_goes_through_the_back_office_and_back_to_an_agent():
    # handled 0–10, ticket: back office 30 min, answer 5 min → resolved at 45
    r = engine([0], [10], ticket=[True], S=2, bo_delay=30.0, ans=5.0)
    assert r["end"][0] == 10 and r["bo_first"][0] == 40 and r["res_first"][0] == 45
    # a back office with one handler queues the second ticket: 10–40 then 40–70
    r = engine([0, 0], [10, 10], ticket=[True, True], S=2, bo_delay=30.0, ans=5.0, bo_capacity=1)
    np.testing.assert_allclose(r["bo_first"], [40, 70])
    np.testing.assert_allclose(r["res_first"], [45, 75])
    # kinds without a resolution clock never become tickets
    r = engine([0], [10], ticket=[True], S=2, bo_delay=30.0, ans=5.0, resolves=(False,) * K)
    assert np.isnan(r["res_first"][0]) and np.isnan(r["bo_first"][0]) and r["satisfied"][0] == -1


def test_unsatisfied_customer_reopens_until_satisfied_or_out_of_reopens():
    # answered at 10 (no ticket), unsatisfied (u = 0.9 ≥ p 0.8) → reopens after 20 → back office 30
    # → answer 5 at 65, satisfied now (u = 0.1)
    sat_u = np.array([[0.9, 0.1, 0.1]])
    r = engine([0], [10], S=3, p_sat=(0.8,) * K, p_reopen=1.0, max_reopens=1, sat_u=sat_u,
               reopen_u=0.0, lag=20.0, bo_delay=30.0, ans=5.0)
    assert r["res_first"][0] == 10 and r["res_final"][0] == 65 and r["reopens"][0] == 1 and r["satisfied"][0] == 1
    # never satisfied: stops after max_reopens
    r = engine([0], [10], S=3, p_sat=(0.0,) * K, p_reopen=1.0, max_reopens=1, reopen_u=0.0,
               lag=20.0, bo_delay=30.0, ans=5.0)
    assert r["reopens"][0] == 1 and r["satisfied"][0] == 0 and r["res_final"][0] == 65


def test_business_clock_back_office_stops_outside_duty_windows():
    # duty 08:00–20:00 on days 0 and 1; a ticket leaves the agent at 19:00 with 2 hours of work:
    # 1 hour today, 1 hour from 08:00 tomorrow → back at day 1 09:00
    windows = (np.array([480.0, 1440 + 480.0]), np.array([1200.0, 1440 + 1200.0]))
    r = engine([19 * 60 - 10], [10], ticket=[True], S=2, bo_delay=120.0, ans=5.0, windows=windows)
    assert r["bo_first"][0] == 1440 + 9 * 60


@pytest.mark.parametrize("patch", [
    {},  # tickets on a business clock, reopening, a burst, weekday duty, patrols
    {"priority": "influence", "tickets": {"back_office": {"clock": "calendar"}}},
    {"priority": "kind", "duty": "always", "patrol_minutes": 0,  # skills: two pools, one for complaints
     "agents": {"pools": [{"name": "complaints", "kinds": ["complaint"], "agents": 1},
                          {"name": "all", "agents": [1] * 8 + [2] * 12 + [1] * 4}]}},
])
def test_interpreted_and_compiled_loops_give_the_same_records(monkeypatch, patch):
    """Short work runs the loop in the interpreter, long work compiled: the same numbers to the bit."""
    from wbcs.sim import Scenario, run
    from wbcs.sim import engine as eng

    scenario = Scenario.from_yaml(data_file("scenarios/manager_example.yaml")).updated(patch)
    monkeypatch.setattr(eng, "_compiled", None)
    monkeypatch.setattr(eng, "_interpreted", 0)
    interpreted = run(scenario, 7)
    assert eng._interpreted == len(interpreted.records) > 1000
    monkeypatch.setattr(eng, "_compiled", eng._compile())
    compiled = run(scenario, 7)
    assert eng._interpreted == len(interpreted.records)  # this run did not go through the interpreter
    pd.testing.assert_frame_equal(interpreted.records, compiled.records, check_exact=True)
    pd.testing.assert_frame_equal(interpreted.hourly, compiled.hourly, check_exact=True)


def test_the_engine_switches_to_the_compiled_loop_for_long_work(monkeypatch):
    from wbcs.sim import engine as eng

    monkeypatch.setattr(eng, "_compiled", None)
    monkeypatch.setattr(eng, "_interpreted", eng.INTERPRETED_POSTS - 10)
    eng.plan(5)
    assert eng._compiled is None
    eng.plan(11)
    assert eng._compiled is eng._compile()
