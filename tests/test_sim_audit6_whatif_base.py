"""The what-if app's untouched policy is its base scenario: the controls rewrote the scenario in their own terms,
so an always-on-duty mmc_10086 was put on duty 00–23 (mean wait 0.119 → 4.17 min), a 0-minute complaint clock made
30 (``or 30``), patrols {default: 30, complaint: 10} made 10 for every kind and resolution clocks of 24 and 48
hours made 24. The patch now holds only the controls moved, and duty hours reach 24:00 (round the clock)."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, replicate
from wbcs.sim.scenario import shipped_scenarios
from wbcs.viz import sim as vs

KINDS = {"arrivals": {"rate_per_hour": 10, "bursts": [{"start": 60, "hours": 2, "posts": 40},
                                                      {"start": 64, "hours": 1, "posts": 20, "kind": "praise"}]},
         "mix": {"complaint": 1, "consultation": 1}, "service_minutes": {"distribution": "exponential", "mean": 3},
         "agents": 3, "horizon_days": 3, "duty": "policy", "patrol_minutes": {"default": 30, "complaint": 10},
         "sla": {"complaint": {"acknowledge_minutes": 0, "resolve_hours": 24},
                 "consultation": {"acknowledge_minutes": 300, "resolve_hours": 48}}}


def untouched(sc: Scenario) -> dict:
    """The values of controls made for ``sc`` as the app makes them (a widget clamps a value outside its range)."""
    return {name: c.value for name, c in vs.WhatIfApp._controls(vs.controls_from(sc)).items()}


@pytest.mark.parametrize("name", [*shipped_scenarios(), "kinds"])
def test_untouched_controls_are_the_scenario(name):
    sc = Scenario.from_dict(KINDS) if name == "kinds" else Scenario.from_yaml(name)
    assert vs.policy_patch(untouched(sc), sc) == {}
    assert sc.updated(vs.policy_patch(untouched(sc), sc)) == sc


def test_the_apps_untouched_policy_simulates_as_its_base():
    sc = Scenario.from_yaml("mmc_10086").updated({"horizon_days": 2})  # always on duty
    app = vs.WhatIfApp(sc, replications=2, seed=1)
    assert app.scenario("A") == sc and app.controls["A"]["duty_hours"].value == (0, 24)
    pd.testing.assert_frame_equal(app.summaries["policy A 方案A"].table, replicate(sc, 2, 1).table)


def test_a_moved_control_changes_its_part_only():
    sc = Scenario.from_dict(KINDS)
    values = untouched(sc)
    assert vs.policy_patch({**values, "priority": "kind"}, sc) == {"priority": "kind"}
    patched = sc.updated(vs.policy_patch({**values, "burst_posts": 100, "complaint_ack": 15}, sc))
    assert [b.posts for b in patched.bursts] == [100, 20] and patched.bursts[1:] == sc.bursts[1:]
    assert patched.sla["complaint"] == sc.sla["complaint"].__class__("complaint", 15, 24)
    assert patched.sla["consultation"] == sc.sla["consultation"] and patched.patrol_minutes == sc.patrol_minutes
    resolved = sc.updated(vs.policy_patch({**values, "resolve_hours": 12}, sc))
    assert {k: resolved.sla[k].resolve_hours for k in ("complaint", "consultation")} == {"complaint": 12,
                                                                                      "consultation": 12}


def test_duty_hours_reach_midnight_round_the_clock_only():
    always = Scenario.from_yaml("mmc_10086")
    values = untouched(always)
    day = always.updated(vs.policy_patch({**values, "duty_hours": (8, 20)}, always))
    assert (day.duty.start.hour, day.duty.end.hour) == (8, 20) and day.duty.on_call
    back = vs.policy_patch({**vs.controls_from(day), "duty_hours": (0, 24), "weekends": True}, day)
    assert back["duty"] == "always" and day.updated(back).duty is None
    with pytest.raises(InputError, match="duty hours 08–24 end at midnight: only round the clock"):
        vs.policy_patch({**values, "duty_hours": (8, 24)}, always)
