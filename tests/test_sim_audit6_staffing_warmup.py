"""`wbcs staff` on a scenario whose measured period does not cover the week: the hours only in the warm-up (or
after the horizon) had no post to measure, so they never missed the target and kept their starting agents (the
offered load, 1 agent at 100% occupancy, sim_attainment NaN) in a "converged" plan cheaper than Erlang C (294
agent-hours against 336). They keep Erlang C's agents now, and the plan, the CLI and the written scenario say so."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from tests.helpers import run_cli
from wbcs.sim import Scenario, plan_staffing
from wbcs.sim.staffing import measured_hours

WU = {"name": "mm1", "horizon_days": 7, "warmup_days": 2, "arrivals": {"rate_per_hour": 20},
      "mix": {"consultation": 1.0}, "agents": 3, "service_minutes": {"distribution": "exponential", "mean": 3},
      "sla": {"consultation": {"acknowledge_minutes": 30}}}


def test_hours_only_in_the_warm_up_keep_erlang_and_are_named():
    plan = plan_staffing(Scenario.from_dict(WU), 0.9, replications=1, verify_replications=2, seed=1)
    t = plan.table
    early = t["hour_of_week"] < 48  # Monday and Tuesday: the warm-up of a run starting on Monday
    assert (~t.loc[early, "measured"]).all() and t.loc[~early, "measured"].all()
    assert (t.loc[early, "sim_agents"] == t.loc[early, "erlang_agents"]).all()  # 2, not the load's 1
    assert t.loc[early, "sim_attainment"].isna().all() and (t.loc[~early, "sim_attainment"] >= 0.9).all()
    assert plan.note == ("scenario: hours Mon 00–Tue 23 of the week fall only in the warm-up or after the horizon "
                         "(warmup_days 2, horizon_days 7): no post is measured there, so they keep Erlang C's agents, "
                         "not simulated; to plan every hour, lengthen horizon_days to ≥ warmup_days + 7 (9)")
    assert plan.to_dict()["note"] == plan.note


def test_a_short_horizon_names_the_watched_hours_it_leaves_out():
    sc = Scenario.from_dict({**WU, "horizon_days": 2, "warmup_days": 0, "duty": "policy"})
    assert measured_hours(sc).sum() == 48
    plan = plan_staffing(sc, 0.9, replications=1, verify_replications=2, seed=1)
    assert "hours Wed 08–19, Thu 08–19, Fri 08–19 of the week" in plan.note


def test_a_full_week_measures_every_hour():
    plan = plan_staffing(Scenario.from_dict({**WU, "warmup_days": 0}), 0.9, replications=1, verify_replications=2,
                         seed=1)
    assert plan.table["measured"].all() and plan.note is None and plan.to_dict()["note"] is None


@pytest.mark.slow
def test_the_cli_says_it_and_writes_erlang_for_those_hours(tmp_path):
    scenario, planned = tmp_path / "wu.yaml", tmp_path / "planned.yaml"
    scenario.write_text(yaml.safe_dump(WU), encoding="utf-8")
    r = run_cli("staff", "--scenario", str(scenario), "--replications", "1", "--verify-replications", "2",
                "--json", "--write-scenario", str(planned))
    assert r.returncode == 0, r.stderr
    assert f"note: {scenario}: hours Mon 00–Tue 23 of the week fall only in the warm-up" in r.stderr
    assert "(its unmeasured hours at Erlang C's agents, see the note)" in r.stderr
    out = json.loads(r.stdout)
    assert out["note"].startswith(f"{scenario}: hours Mon 00–Tue 23")
    agents = np.array(yaml.safe_load(planned.read_text(encoding="utf-8"))["agents"])
    assert (agents[:48] == [i["erlang_agents"] for i in out["intervals"][:48]]).all()
