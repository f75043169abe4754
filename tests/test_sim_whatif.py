"""The what-if app's outage slider changes what is counted (issue 13, item 3): the burst lands after
the warm-up of the default scenario, so its posts reach the figures."""

from __future__ import annotations

from wbcs.config import data_file
from wbcs.sim import Scenario
from wbcs.viz import sim as vs


def test_the_outage_slider_changes_the_counted_posts():
    default = Scenario.from_yaml(data_file("scenarios/default.yaml"))
    app = vs.WhatIfApp(default, replications=2, seed=1)
    assert app.controls["A"]["burst_posts"].value == 300  # the default scenario's outage

    def posts() -> float:
        return next(iter(app.summaries.values())).table.loc["posts", "mean"]

    before = posts()
    app.controls["A"]["burst_posts"].value = 1300  # slider released: re-simulated, same seeds
    scenario = next(iter(app.summaries.values())).scenario
    (burst,) = scenario.bursts
    assert burst.start_minute >= scenario.warmup_days * 1440 and burst.posts == 1300
    assert 900 < posts() - before < 1100  # 1,000 more outage posts, all counted
    app.controls["A"]["burst_posts"].value = 0
    assert not next(iter(app.summaries.values())).scenario.bursts
    assert before - posts() > 200
