"""The simulator's utilisation and reply-time charts, on hand-computed series and posts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.test_sim_viz import WEEK
from wbcs.sim import Scenario, replicate, simulate
from wbcs.sim.metrics import run_metrics
from wbcs.sim.model import run
from wbcs.sim.replicate import Summary
from wbcs.viz import sim as vs


@pytest.fixture(scope="module")
def week():
    return Scenario.from_dict({**WEEK, "warmup_days": 0})


def _summary(scenario: Scenario, hours: dict[int, tuple[float, float]], n_hours: int = 168, records=None) -> Summary:
    """A Summary whose mean hourly series is 0 but for ``hours``: hour → (agents on shift, busy agents)."""
    agents, busy = np.zeros(n_hours), np.zeros(n_hours)
    for h, (a, b) in hours.items():
        agents[h], busy[h] = a, b
    hourly = pd.DataFrame({"hour": np.arange(n_hours), "agents": agents, "busy_agents": busy})
    return Summary(scenario=scenario, seed=0, per_run=pd.DataFrame(), hourly=hourly, records=records)


# Monday 19:00: two agents on the late shift, busy 1.5 agent-hours. Monday 20:00, nobody on shift: one of the leaving
# shift answers a post of the closing patrol until 20:15 (0.25 agent-hours). Tuesday 20:00: the on-call agent is busy
# all hour and a leaving agent finishes a post until 20:15 (1.25 agent-hours by 1 agent on shift: 125 % before).
ONE_WEEK = {19: (2, 1.5), 20: (0, 0.25), 44: (1, 1.25)}


def test_utilisation_counts_the_agents_who_work_past_their_shift(week):
    g = vs._by_hour_of_week(_summary(week, ONE_WEEK))
    assert g.loc[19, "utilization"] == pytest.approx(0.75) and g.loc[19, "overtime_agents"] == 0
    # 0.25 agent-hours past the shift's end: present 0 + 0.25, all of it busy (was NaN: the work did not show)
    assert g.loc[20, ["overtime_agents", "utilization"]].tolist() == pytest.approx([0.25, 1.0])
    assert g.loc[44, ["overtime_agents", "utilization"]].tolist() == pytest.approx([0.25, 1.0])  # was 1.25
    assert g.loc[21, "overtime_agents"] == 0 and np.isnan(g.loc[21, "utilization"])  # nobody there: no figure
    assert g["utilization"].max() <= 1

    fig = vs.utilization_figure({"A": _summary(week, ONE_WEEK)})
    on_shift, late, util = fig.data
    assert late.name == "A: past shift end 超时" and list(late.x) == ["Mon 20", "Tue 20"]
    assert list(late.y) == pytest.approx([0.25, 1.25]) and list(late.customdata) == pytest.approx([0.25, 0.25])
    assert np.nanmax(np.asarray(util.y, dtype=float)) == pytest.approx(1.0)

    # the summary's utilisation counts the same agents: busy 3.0 over 3 on shift + 0.5 past its end (was 3/3)
    records = simulate(week, seed=1)
    hourly = _summary(week, ONE_WEEK).hourly
    assert run_metrics(records, hourly, week)["utilization"] == pytest.approx(3.0 / 3.5)


def test_overtime_is_taken_hour_by_hour_before_the_weeks_are_averaged(week):
    """Tuesday 20:00 with 1.25 busy in week 1 and 0.5 in week 2: 0.25 past the shift's end in one week of two, so
    the hour averages 1 on shift + 0.125 past its end, 0.875 busy: 0.778 (0.875 / 1 from the averages alone)."""
    two = week.updated({"horizon_days": 14})
    g = vs._by_hour_of_week(_summary(two, {44: (1, 1.25), 168 + 44: (1, 0.5)}, n_hours=336))
    assert g.loc[44, ["agents", "overtime_agents", "busy_agents"]].tolist() == pytest.approx([1, 0.125, 0.875])
    assert g.loc[44, "utilization"] == pytest.approx(0.875 / 1.125)


def test_simulated_utilisation_stays_within_the_agents_present(week):
    """The late shift leaves at 20:00 with the closing patrol's posts in hand: their work past 20:00 is shown."""
    s = replicate(week, 2, seed=1)
    g = vs._by_hour_of_week(s)
    assert (g["utilization"].dropna() <= 1 + 1e-12).all()
    assert g.loc[20, "agents"] == 0 and g.loc[20, "overtime_agents"] > 0  # Monday 20:00
    assert 0 < s.table.loc["utilization", "mean"] <= 1
    # the run's own hourly series says the same: never above 1, and the hour after the shift's end is all overtime
    hourly = run(week, seed=1).hourly
    assert (hourly["utilization"].dropna() <= 1 + 1e-12).all()
    late = hourly[(hourly["agents"] == 0) & (hourly["busy_agents"] > 0)]
    assert len(late) and (late["utilization"] == 1).all()


def test_the_waits_chart_reads_the_reply_against_the_clocks(week):
    """Post 1: picked up after 5 minutes, replied to after 9 (a 4-minute handling); post 2 never picked up. The
    acknowledgement clock stops at the reply: the solid line is at 9 minutes, the pick-up (dotted) at 5."""
    t0 = pd.Timestamp("2025-01-06 10:00", tz="Asia/Shanghai")
    at = [t0 + pd.Timedelta(minutes=m) for m in (5, 9)]
    records = pd.DataFrame({"arrival": [t0, t0], "picked_up": [at[0], pd.NaT], "handled": [at[1], pd.NaT],
                            "wait_minutes": [5.0, np.nan]})
    fig = vs.wait_figure({"A": _summary(week, {}, records=records)})
    reply, picked_up = fig.data
    assert (reply.name, list(reply.x), list(reply.y)) == ("A", pytest.approx([9.0]), [0.5])
    assert (picked_up.name, list(picked_up.x), list(picked_up.y)) == ("A: picked up 接单", [5.0], [0.5])
    assert reply.line.dash is None and picked_up.line.dash == "dot"
    assert {a.text for a in fig.layout.annotations} == {"clock 30 min", "clock 2 h"}
    assert "first public reply" in fig.layout.xaxis.title.text
    # a business clock counts duty minutes only, which the calendar axis does not show: its line says so
    business = week.updated({"sla": {"complaint": {"acknowledge_minutes": 30, "clock": "business"}}})
    fig = vs.wait_figure({"A": _summary(business, {}, records=records)})
    assert {a.text for a in fig.layout.annotations} == {"clock 30 min of duty 值班时间", "clock 2 h"}


def test_the_reply_line_crosses_a_clock_at_its_attainment(week):
    """One kind, one clock (complaints, 30 minutes): the chart's share at the clock line is the attainment."""
    only = Scenario.from_dict({**WEEK, "warmup_days": 0, "mix": {"complaint": 1}})
    s = replicate(only, 1, seed=2, keep_records=True)
    (reply, _) = vs.wait_figure({"A": s}).data
    share = float(np.mean(vs.reply_minutes(s.records) <= 30))
    assert share == pytest.approx(s.table.loc["first_response_attainment", "mean"])
    x, y = np.asarray(reply.x), np.asarray(reply.y)
    assert y[x <= 30].max() == pytest.approx(share, abs=2 / len(s.records))  # 400 points of the ECDF
