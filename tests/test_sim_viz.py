"""The simulation charts and the what-if app, driven headlessly."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, replicate
from wbcs.viz import sim as vs

WEEK = {"name": "week", "horizon_days": 7, "arrivals": {"posts_per_day": 120, "profile": "stc3"},
        "mix": {"complaint": 0.5, "consultation": 0.4, "praise": 0.1}, "duty": "policy", "patrol_minutes": 30,
        "agents": {"shifts": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "14:00", "agents": 2},
                              {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "14:00", "end": "20:00", "agents": 1}]},
        "service_minutes": {"distribution": "exponential", "mean": 5}, "priority": "kind",
        "tickets": {"share": {"default": 0, "complaint": 0.5}}}


def _widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _widgets(child)


@pytest.fixture(scope="module")
def base():
    return Scenario.from_dict(WEEK)


def test_controls_round_trip_through_the_patch(base):
    values = vs.controls_from(base)
    assert values["duty_hours"] == (8, 20) and values["early_agents"] == 2 and values["late_agents"] == 1
    assert values["patrol"] == 30 and not values["weekends"] and not values["on_call"]
    again = base.updated(vs.policy_patch(values, base))
    assert again.pools[0].week == base.pools[0].week  # the same shifts come back
    assert again.patrol_minutes == base.patrol_minutes and again.duty == base.duty
    changed = base.updated(vs.policy_patch({**values, "weekends": True, "on_call": True, "on_call_agents": 1,
                                            "duty_hours": (9, 17), "burst_posts": 300, "complaint_ack": 15,
                                            "resolve_hours": 24, "priority": "influence"}, base))
    week = np.asarray(changed.pools[0].week)
    # Saturday 09:00 early shift (2), 13:00 late shift (1; the duty day splits at 13:00), 20:00 on call (1)
    assert week[5 * 1440 + 9 * 60] == 2 and week[5 * 1440 + 13 * 60] == 1 and week[5 * 1440 + 20 * 60] == 1
    assert changed.duty.on_call and changed.sla["complaint"].acknowledge_minutes == 15
    assert changed.sla["consultation"].resolve_hours == 24 and changed.sla["praise"].resolve_hours is None
    (burst,) = changed.bursts
    assert (burst.start_minute, burst.posts, burst.kind) == ((2 * 24 + 10) * 60, 300, "complaint")


def test_figures_show_both_policies(base):
    summaries = {"A": replicate(base, 2, seed=1, keep_records=True),
                 "B": replicate(base.updated({"patrol_minutes": 0}), 2, seed=1, keep_records=True)}
    figs = vs.figures(summaries)
    assert set(figs) == {"attainment", "waits", "backlog", "utilization"}
    bars = [t for t in figs["attainment"].data if t.type == "bar"]
    assert {t.name for t in bars} == {"A", "B"}
    overall = next(t for t in bars if t.name == "A" and t.xaxis == "x")
    assert overall.y[0] == pytest.approx(summaries["A"].table.loc["first_response_attainment", "mean"])
    # a value label on a bar too narrow for it is hidden (hover keeps it), not turned on end under the whiskers
    # (the labels on traces of their own, above the whiskers: tests/test_dashboard_layout.py)
    assert {t.textangle for t in bars if t.text} == {0} and figs["attainment"].layout.uniformtext.mode == "hide"
    # continuous monitoring answers sooner: B's median wait is below A's
    waits = {t.name: t for t in figs["waits"].data}
    assert np.interp(0.5, waits["B"].y, waits["B"].x) < np.interp(0.5, waits["A"].y, waits["A"].x)
    # the backlog runs over the horizon's 168 hours
    assert len(figs["backlog"].data[0].x) == 168
    table = vs.summary_table(summaries)
    assert list(table.columns) == ["A", "B"] and "%" in table.iloc[1, 0]
    with pytest.raises(InputError, match="keep_records=True"):
        vs.wait_figure({"A": replicate(base, 1, seed=1)})
    # one Summary instead of a dict of them was AttributeError: 'Summary' object has no attribute 'items'
    for make in (vs.attainment_figure, vs.wait_figure, vs.backlog_figure, vs.utilization_figure, vs.summary_table):
        with pytest.raises(InputError, match=r"give the summaries as a dict label → Summary, e.g. \{'policy A': "
                                             r"summary\}, not one Summary$"):
            make(summaries["A"])
    with pytest.raises(InputError, match="summaries must be a dict label → Summary .*got a list"):
        vs.figures([summaries["A"]])
    with pytest.raises(InputError, match="summaries must be a dict label → Summary .*got a value that is no Summary"):
        vs.summary_table({"A": summaries["A"].table})
    with pytest.raises(InputError, match="staffing_figure: plan must be the StaffingPlan plan_staffing.*got DataFrame"):
        vs.staffing_figure(summaries["A"].table)


def test_the_app_takes_a_scenario_file_or_mapping_as_simulate_does():
    """A mapping was an AttributeError ('dict' object has no attribute 'updated'); anything else is named."""
    app = vs.WhatIfApp(WEEK, replications=1, seed=3)
    assert isinstance(app.base, Scenario) and set(app.summaries) == {"policy A 方案A", "policy B 方案B"}
    with pytest.raises(InputError, match="scenario must be a Scenario .*got list"):
        vs.WhatIfApp([WEEK])


def test_app_follows_its_sliders(base, tmp_path):
    app = vs.WhatIfApp(base, b={"patrol": 0}, replications=2, seed=3)
    assert not [x for x in _widgets(app.widget) if getattr(x, "icon", "")]  # icons come from a CDN: none
    from wbcs.viz.figure import text_width

    for control in app.controls["A"].values():  # every label fits its 13 px description column
        assert text_width(control.description, 13) <= int(control.style.description_width.removesuffix("px"))
    a, b = app.summaries.values()
    assert a.scenario.patrol_minutes["complaint"] == 30 and b.scenario.patrol_minutes["complaint"] == 0
    before = a.table.loc["first_response_attainment", "mean"]
    app.controls["A"]["early_agents"].value = 0  # slider released: re-simulated at once
    app.controls["A"]["late_agents"].value = 0
    a = next(iter(app.summaries.values()))
    assert a.table.loc["first_response_attainment", "mean"] < before and a.table.loc["unserved", "mean"] > 0
    assert "simulating" not in app.status.value and "<table" in app.table.value
    # an impossible duty window is reported in the status line, not raised
    app.controls["B"]["duty_hours"].value = (10, 10)
    assert "duty.end" in app.status.value
    app.controls["B"]["duty_hours"].value = (8, 20)
    # each chart is a FigureWidget in its tab: both policies drawn, the last change shown
    attainment = app.tabs.figure("attainment")
    assert {t.name for t in attainment.data} >= {"policy A 方案A", "policy B 方案B"}
    assert app.tabs.figure("staffing") is None
    plan = app.plan()
    assert plan.table["sim_agents"].sum() > 0 and "agent-hours" in app.status.value
    assert app.tabs.figure("staffing") is not None and app.tabs.figure("staffing").data
    paths = app.write(tmp_path)
    assert sorted(p.name for p in paths) == ["attainment.html", "backlog.html", "staffing.html",
                                            "utilization.html", "waits.html"]
    assert (tmp_path / "plotly.min.js").is_file()  # once, beside the charts: the folder opens offline


def test_staffing_chart_is_readable_over_the_week_when_one_hour_dominates():
    import pandas as pd

    from wbcs.sim.staffing import StaffingPlan

    sim_agents = np.array([2] * 168)
    sim_agents[8] = 102  # Monday 08:00, the weekend's pile
    table = pd.DataFrame({"sim_agents": sim_agents, "erlang_agents": [3] * 168, "sim_attainment": [0.9] * 168,
                          "attainable_posts": [10.0] * 168, "arrivals_per_hour": [12.0] * 168})
    fig = vs.staffing_figure(StaffingPlan(table, 0.9, 1, True, None))
    top = fig.layout.yaxis.range[1]
    assert top < 10  # the other 167 hours fill the chart
    assert [a.text for a in fig.layout.annotations if a.text.endswith("↑")] == ["102 ↑"]
    assert "1 hour(s) above" in fig.layout.title.text
