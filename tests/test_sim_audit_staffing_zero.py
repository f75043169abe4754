"""A watched hour without work gets no agent, as Erlang C says: every watched hour started at one agent, so a
scenario without arrivals was planned at 168 agent-hours a week against Erlang C's 0."""

from __future__ import annotations

from wbcs.sim import Scenario, plan_staffing

QUIET = {"horizon_days": 7, "agents": 2, "service_minutes": {"distribution": "exponential", "mean": 3}}


def test_no_arrivals_no_agents():
    plan = plan_staffing(Scenario.from_dict({**QUIET, "arrivals": {"rate_per_hour": 0}}), 0.9, replications=1,
                         verify_replications=2, seed=1)
    assert plan.converged and plan.table["sim_agents"].sum() == 0 == plan.table["erlang_agents"].sum()


def test_hours_without_arrivals_are_empty_and_the_others_staffed():
    rates = [0] * 8 + [6] * 12 + [0] * 4  # posts from 08:00 to 20:00 only, continuous monitoring
    plan = plan_staffing(Scenario.from_dict({**QUIET, "arrivals": {"rate_per_hour": rates}}), 0.8, replications=1,
                         verify_replications=2, seed=1)
    t = plan.table
    quiet = t["arrivals_per_hour"] == 0
    assert (t.loc[quiet, "sim_agents"] == 0).all() and (t.loc[quiet, "erlang_agents"] == 0).all()
    assert (t.loc[~quiet, "sim_agents"] >= 1).all()
