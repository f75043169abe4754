"""The what-if app never shows or saves a staffing plan of other settings: after policy A's controls move, its
Staffing tab showed the old plan as current ("simulation 564 vs Erlang C 190" for duty 8–20 after 8–18 was
chosen) and ``write`` saved it as staffing.html. The planner is replaced by a stand-in that records what it was
asked for: the app's bookkeeping is under test, not the plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, StaffingPlan
from wbcs.viz import sim as vs

WEEK = {"name": "week", "horizon_days": 2, "arrivals": {"rate_per_hour": 4}, "duty": "policy",
        "agents": {"shifts": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "14:00", "agents": 2},
                              {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "14:00", "end": "20:00", "agents": 1}]},
        "service_minutes": {"distribution": "exponential", "mean": 5}}


@pytest.fixture
def app(monkeypatch):
    planned = []

    def fake_plan(scenario, target, **_):
        planned.append(scenario)
        table = pd.DataFrame({"sim_agents": np.full(168, len(planned)), "erlang_agents": np.ones(168, int),
                              "sim_attainment": np.full(168, 0.95), "attainable_posts": np.ones(168),
                              "arrivals_per_hour": np.full(168, 4.0)})
        return StaffingPlan(table, target, 1, True, scenario)

    monkeypatch.setattr(vs, "plan_staffing", fake_plan)
    app = vs.WhatIfApp(Scenario.from_dict(WEEK), replications=1, seed=2)
    app.planned = planned
    return app


def _tab_text(app) -> str:
    return "".join(getattr(x, "value", "") for x in app.tabs.slots["staffing"].children)


def test_the_staffing_tab_says_how_to_get_a_plan(app):
    assert app.tabs.figure("staffing") is None and "No staffing plan yet" in _tab_text(app)
    assert vs.PLAN_BUTTON in _tab_text(app)


def test_moving_a_control_of_policy_a_takes_its_plan_down(app, tmp_path):
    app.plan()
    assert app.tabs.figure("staffing") is not None
    assert "staffing.html" in {p.name for p in app.write(tmp_path / "planned")}
    app.controls["A"]["duty_hours"].value = (8, 18)  # the slider released
    assert app.plan_result is None and app.tabs.figure("staffing") is None
    assert "Policy A has changed since its staffing plan" in _tab_text(app) and vs.PLAN_BUTTON in _tab_text(app)
    written = {p.name for p in app.write(tmp_path / "after")}
    assert "staffing.html" not in written and "attainment.html" in written
    app.plan()  # planned again, for the settings on screen
    assert app.planned[-1].duty.end.hour == 18 and app.tabs.figure("staffing") is not None
    assert "staffing.html" in {p.name for p in app.write(tmp_path / "replanned")}


def test_policy_b_does_not_touch_policy_a_s_plan(app):
    plan = app.plan()
    app.controls["B"]["patrol"].value = 10
    assert app.plan_result is plan and app.tabs.figure("staffing") is not None


def test_settings_that_cannot_be_simulated_write_nothing(app, tmp_path):
    app.controls["B"]["duty_hours"].value = (10, 10)  # no duty at all: refused, the charts on hand are older
    assert "duty.end" in app.status.value
    with pytest.raises(InputError, match="current settings could not be simulated .*duty.end.*nothing written"):
        app.write(tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
    app.controls["B"]["duty_hours"].value = (8, 20)
    assert app.write(tmp_path)


def test_no_agent_at_all_is_said_in_the_status_line(app):
    for name in ("early_agents", "late_agents"):
        app.controls["A"][name].value = 0
    assert "no agent is on duty at any time of the week for complaint posts" in app.status.value
    app.controls["A"]["early_agents"].value = 1
    assert "no agent" not in app.status.value
