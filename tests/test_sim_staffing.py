"""Staffing: Erlang C per interval, the simulated plan, and what the plan is made of."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, erlang, plan_staffing
from wbcs.sim.replicate import spawn_seeds
from wbcs.sim.staffing import (
    _interval_attainment,
    erlang_agents,
    erlang_service_level,
    interval_rates,
    watched_hours,
    workload_minutes,
)


def test_workload_counts_first_handling_answers_and_reopens():
    sc = Scenario.from_dict({
        "arrivals": {"rate_per_hour": 1}, "agents": 1, "mix": {"complaint": 1, "praise": 1},
        "service_minutes": {"default": {"distribution": "deterministic", "mean": 4},
                            "praise": {"distribution": "deterministic", "mean": 1}},
        "tickets": {"share": {"default": 0, "complaint": 0.5},
                    "answer_minutes": {"distribution": "deterministic", "mean": 10}},
        "satisfaction": {"probability": 0.5, "reopen_probability": 0.5, "max_reopens": 2}})
    # complaint: 4 + 10·(0.5·(1 + r) + 0.5·r) with r = q + q² = 0.25 + 0.0625, q = 0.5·0.5
    r = 0.25 + 0.0625
    complaint = 4 + 10 * (0.5 * (1 + r) + 0.5 * r)
    # praise: no resolution clock in the policy → its handling only
    assert workload_minutes(sc) == pytest.approx(0.5 * complaint + 0.5 * 1)


def test_erlang_per_interval_counts_the_reply_at_the_end_of_the_first_handling():
    sc = Scenario.from_dict({"arrivals": {"rate_per_hour": 200}, "agents": 14,
                             "service_minutes": {"distribution": "exponential", "mean": 3},
                             "sla": {"first_response_seconds": 20}})
    # the golden case's 14 agents pick up 88.8% within 20 s but reply within 20 s to 9.04% (test_sim_erlang), of
    # the 1 − e^{−1/9} = 10.5% whose 3-minute (mean) handling ends within 20 s at all, the only posts agents can
    # answer in time, and those the simulation's attainment counts: 0.0904 / 0.1052 = 0.860
    share = erlang.response_level(14, 200, 0.05, 20 / 3600) / (1 - np.exp(-1 / 9))
    assert erlang_service_level(14, 200, sc) == pytest.approx(share) == pytest.approx(0.860, abs=5e-4)
    assert erlang_agents(200, sc, 0.85) == 14 and erlang_agents(200, sc, 0.87) == 15 and erlang_agents(0, sc, 0.8) == 0
    # two kinds on different clocks: each kind's replies in time after its own first handling, over the posts
    # of the mix whose handling fits their clock
    mixed = Scenario.from_dict({"arrivals": {"rate_per_hour": 200}, "agents": 14,
                                "mix": {"complaint": 0.5, "consultation": 0.5},
                                "draft_factor": {"default": 1, "complaint": 0.5},
                                "service_minutes": {"distribution": "exponential", "mean": 3},
                                "sla": {"complaint": {"acknowledge_minutes": 1 / 3},
                                        "consultation": {"acknowledge_minutes": 2}}})
    aht = (0.5 * 1.5 + 0.5 * 3) / 60
    met = (0.5 * erlang.response_level(14, 200, aht, 20 / 3600, handling=1.5 / 60)
           + 0.5 * erlang.response_level(14, 200, aht, 2 / 60, handling=3 / 60))
    fits = 0.5 * (1 - np.exp(-(1 / 3) / 1.5)) + 0.5 * (1 - np.exp(-2 / 3))
    assert erlang_service_level(14, 200, mixed) == pytest.approx(met / fits)
    nothing = sc.updated({"sla": {"first_response_seconds": 0}})
    with pytest.raises(InputError, match="no post kind of the mix has one above 0 minutes"):  # was ZeroDivisionError
        erlang_agents(60, nothing, 0.9)


def test_interval_rates_spread_a_burst_over_its_hours():
    # two weeks from Monday; 300 posts from Wednesday 10:30 for 2 hours: 75 in 10:00, 150 in 11:00, 75 in 12:00,
    # each hour of the week occurring twice in the horizon → +37.5, +75, +37.5 posts an hour on average
    sc = Scenario.from_dict({"horizon_days": 14, "arrivals": {"rate_per_hour": 10, "bursts": [
        {"start": "2025-01-08 10:30", "hours": 2, "posts": 300}]}, "agents": 1, "service_minutes": {"mean": 3}})
    r = interval_rates(sc)
    wed = 2 * 24
    np.testing.assert_allclose(r[wed + 9: wed + 14], [10, 47.5, 85, 47.5, 10])
    assert r.sum() == pytest.approx(10 * 168 + 300 / 2)


def test_watched_hours_follow_the_duty_calendar():
    sc = Scenario.from_dict({"arrivals": {"rate_per_hour": 1}, "agents": 1, "duty": {"start": "08:30"},
                             "service_minutes": {"mean": 3}})
    w = watched_hours(sc)
    # Monday 08:00 (partly on duty) to 19:00; nothing at the weekend
    assert w[8] and w[19] and not w[7] and not w[20] and not w[5 * 24 + 10] and w.sum() == 5 * 12
    assert watched_hours(sc.updated({"duty": {"on_call": True}})).all()


@pytest.mark.slow
def test_simulated_plan_matches_erlang_on_a_steady_queue():
    # always on duty, constant rate: per-interval attainment should need about Erlang C's agents
    sc = Scenario.from_dict({"horizon_days": 7, "arrivals": {"rate_per_hour": 60}, "agents": 1,
                             "service_minutes": {"distribution": "exponential", "mean": 4},
                             "sla": {"acknowledge_minutes": 4}})
    plan = plan_staffing(sc, 0.8, replications=4, seed=2)
    t = plan.table
    assert plan.converged and len(t) == 168 and (t["erlang_agents"] == erlang_agents(60, sc, 0.8)).all()
    assert (t["sim_attainment"] >= 0.8).all()
    # the plan stays within one agent of Erlang C in nine hours out of ten
    assert (abs(t["sim_agents"] - t["erlang_agents"]) <= 1).mean() >= 0.9
    assert plan.scenario.pools[0].week[0] == t["sim_agents"].iloc[0]
    d = plan.to_dict()
    assert d["sim_agent_hours_per_week"] == t["sim_agents"].sum() and len(d["intervals"]) == 168


@pytest.mark.slow
def test_patrol_and_duty_hours_need_more_agents_than_erlang_says():
    sc = Scenario.from_dict({"horizon_days": 7, "arrivals": {"rate_per_hour": 12}, "agents": 1,
                             "duty": "policy", "patrol_minutes": 30,
                             "service_minutes": {"distribution": "exponential", "mean": 5},
                             "sla": {"acknowledge_minutes": 60}})
    plan = plan_staffing(sc, 0.9, replications=3, seed=1)
    t = plan.table
    assert plan.converged
    assert (t.loc[~t["watched"], "sim_agents"] == 0).all() and (t.loc[~t["watched"], "erlang_agents"] == 0).all()
    # the posts the closing check finds at 20:00 count for 19:00, whose leaving shift answers them: no post
    # counts in an hour off duty, where no agent could be added
    assert (t.loc[~t["watched"], "attainable_posts"] == 0).all()
    # 08:00 on Monday: the night's posts arrive in one batch at the first patrol
    monday_8 = t[(t["weekday"] == "mon") & (t["hour"] == 8)].iloc[0]
    assert monday_8["sim_agents"] > monday_8["erlang_agents"]
    assert t["sim_agents"].sum() > t["erlang_agents"].sum()


@pytest.mark.slow
def test_trimming_takes_back_agents_without_missing_the_target():
    sc = Scenario.from_dict({"horizon_days": 2, "arrivals": {"rate_per_hour": 12}, "agents": 1,
                             "duty": "policy", "patrol_minutes": 30,
                             "service_minutes": {"distribution": "exponential", "mean": 5},
                             "sla": {"acknowledge_minutes": 60}})
    plain = plan_staffing(sc, 0.9, replications=2, seed=1).table
    trimmed = plan_staffing(sc, 0.9, replications=2, seed=1, trim=True).table
    assert trimmed["sim_agents"].sum() <= plain["sim_agents"].sum()
    assert (trimmed.loc[trimmed["attainable_posts"] > 0, "sim_attainment"] >= 0.9).all()


def test_the_plan_holds_on_runs_it_was_not_fitted_on(tmp_path):
    """An M/M/c queue (Erlang C exact: 3 agents reply to 0.69, 4 to 0.91 of the posts whose handling fits a
    4-minute clock): a plan fitted on its 5 replications alone left hours one agent short shown as meeting 0.8
    (on the pick-up within 2 minutes, 0.68 and 0.91: 645 agent-hours against 672, and 38 of 168 hours missed 0.8
    on 30 other runs). Verified on independent runs, it holds there."""
    path = tmp_path / "mmc.yaml"
    path.write_text("horizon_days: 7\nwarmup_days: 0\narrivals: {rate_per_hour: 20}\nmix: {complaint: 1.0}\n"
                    "agents: 3\npatrol_minutes: 0\nservice_minutes: {distribution: exponential, mean: 6}\n"
                    "priority: fifo\nsla: {acknowledge_minutes: 4}\n", encoding="utf-8")
    plan = plan_staffing(str(path), 0.8, replications=5, seed=0)
    t = plan.table
    assert plan.converged and (t["erlang_agents"] == 4).all()
    assert t["sim_agents"].sum() >= t["erlang_agents"].sum() - 5
    # the verification runs'; 20 posts an hour, 49% of them handled within 4 minutes
    assert (t["sim_attainment"] >= 0.8).all() and (t["attainable_posts"] > 5).all()
    met, attainable = _interval_attainment(plan.scenario, spawn_seeds(12345, 30), 0)
    unseen = met.sum(axis=0) / attainable.sum(axis=0)
    assert (unseen >= 0.8).sum() >= 160
    # the same seed gives the same plan
    assert (plan_staffing(str(path), 0.8, replications=5, seed=0).table["sim_agents"] == t["sim_agents"]).all()


def test_staffing_refuses_what_it_cannot_plan():
    sc = Scenario.from_dict({"arrivals": {"rate_per_hour": 1}, "service_minutes": {"mean": 3},
                             "agents": {"pools": [{"name": "a", "agents": 1}, {"name": "b", "agents": 1}]}})
    with pytest.raises(InputError, match="staffing plans one pool"):
        plan_staffing(sc)
    with pytest.raises(InputError, match="between 0 and 1"):
        plan_staffing(sc.updated({"agents": 1}), target=90)
    with pytest.raises(InputError, match=r"between 0 and 1 \(e.g. 0.9\), got '0.9'"):  # was a TypeError
        plan_staffing(sc.updated({"agents": 1}), target="0.9")
    with pytest.raises(InputError, match="max_iterations must be a whole number ≥ 1"):
        plan_staffing(sc.updated({"agents": 1}), max_iterations=0)
    with pytest.raises(InputError, match="seed must be a whole number ≥ 0"):
        plan_staffing(sc.updated({"agents": 1}), seed=-3)
    with pytest.raises(InputError, match="replications must be a whole number ≥ 1, got 2.5"):
        plan_staffing(sc.updated({"agents": 1}), replications=2.5)
    with pytest.raises(InputError, match=r"verify_replications \(--verify-replications\) must be a whole number ≥ 2, got 1"):
        plan_staffing(sc.updated({"agents": 1}), verify_replications=1)
    assert np.isclose(workload_minutes(sc), 3)
