"""The what-if app's controls as the browser lays them out."""

from __future__ import annotations

from tests.test_sim_viz import WEEK
from wbcs.sim import Scenario
from wbcs.viz import sim as vs


def test_every_control_takes_its_policy_columns_width():
    """The checkboxes indent by the 220 px description width: at ipywidgets' default 300 px their labels were cut
    to "week…" and "patrol…" in the browser. Every control spans its policy's column."""
    controls = vs.WhatIfApp._controls(vs.controls_from(Scenario.from_dict(WEEK)))
    assert {name: c.layout.width for name, c in controls.items() if c.layout.width != "100%"} == {}
