"""Scenario audit fixes: a time with a zone is converted to Beijing time (it was dropped: 10:00+00:00 read as
10:00 Beijing), the memory cap counts every post's pre-drawn stages (979k posts of 12 stages, 1.32 GB, passed a
cap of 3 M posts), and a scenario with no agent for posts that arrive says so instead of running silently."""

from __future__ import annotations

import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, replicate, simulate
from wbcs.sim.scenario import MAX_POSTS, post_weight

BASE = {"start": "2025-01-06", "horizon_days": 7, "arrivals": {"rate_per_hour": 1}, "agents": 2,
        "service_minutes": {"distribution": "exponential", "mean": 3}}


def _with(**patch) -> dict:
    return {**BASE, **patch}


@pytest.mark.parametrize("written, hours", [
    ("2025-01-08 10:00+00:00", 2 * 24 + 18),  # 10:00 UTC is 18:00 in Beijing, on 8 January
    ("2025-01-08T02:00Z", 2 * 24 + 10),
    ("2025-01-08 10:00+08:00", 2 * 24 + 10),
    ("2025-01-08 10:00", 2 * 24 + 10),  # no zone: Beijing time already
])
def test_a_burst_time_with_a_zone_is_beijing_time_after_conversion(written, hours):
    s = Scenario.from_dict(_with(arrivals={"rate_per_hour": 1,
                                           "bursts": [{"start": written, "hours": 1, "posts": 10}]}))
    assert s.bursts[0].start_minute == hours * 60


def test_a_start_with_a_zone_is_converted_too():
    assert Scenario.from_dict(_with(start="2025-01-05T16:00:00Z")).start == Scenario.from_dict(BASE).start
    # midnight in UTC is 08:00 in Beijing: no midnight there, refused as any start inside a day is
    with pytest.raises(InputError, match="start must be a date"):
        Scenario.from_dict(_with(start="2025-01-06T00:00:00+00:00"))


def test_the_volume_cap_counts_each_post_s_stages():
    # 2.5 M posts passed the 3 M-post cap whatever their stages; with tickets and up to 10 reopens a post keeps 12
    # stages of draws, ~1.5 times a one-stage post's memory (the audit's 979k posts of 12 stages: 1.32 GB)
    heavy = _with(horizon_days=300, arrivals={"rate_per_hour": 350}, agents=30, tickets={"share": 1},
                  satisfaction={"probability": 0.5, "reopen_probability": 0.9, "max_reopens": 10})
    with pytest.raises(InputError, match=r"arrivals\.rate_per_hour gives 2,520,000 posts in 300 days, each kept as 12 "
                                         r"agent tasks .*the memory of 4,252,500 one-task posts, more than the "
                                         r"3,000,000 .*lower satisfaction\.max_reopens"):
        Scenario.from_dict(heavy)
    assert post_weight(12) == 1 + 11 / 16 and post_weight(1) == 1
    fewer = Scenario.from_dict({**heavy, "satisfaction": {**heavy["satisfaction"], "max_reopens": 1}})
    assert fewer.stages == 3 and fewer.expected_posts * post_weight(fewer.stages) <= MAX_POSTS
    # posts of one stage keep the whole cap, and a burst is named when it brings the run over
    assert Scenario.from_dict({**heavy, "tickets": {"share": 0}, "satisfaction": {"probability": 1}}).stages == 1
    with pytest.raises(InputError, match=r"arrivals\.bursts\[0\]\.posts brings the run to .* each kept as 4"):
        Scenario.from_dict(_with(horizon_days=100, arrivals={"rate_per_hour": 1000, "bursts": [
            {"start": 24, "hours": 1, "posts": 400_000}]}, tickets={"share": 1}))


def test_no_agent_for_arriving_posts_is_said_once(capsys):
    nobody = Scenario.from_dict(_with(horizon_days=1, agents=0), source="nobody.yaml")
    assert nobody.unstaffed_note() == ("nobody.yaml: no agent is on duty at any time of the week for complaint posts "
                                       "(agents, on_call_agents): every one of them goes unserved")
    records = replicate(nobody, 3, seed=1).per_run
    simulate(nobody, 2)
    assert capsys.readouterr().err == nobody.unstaffed_note() + "\n"  # one line, once
    assert (records["unserved"] > 0).all()
    simulate(Scenario.from_dict(_with(horizon_days=1), source="staffed.yaml"), 1)
    assert capsys.readouterr().err == ""  # staffed, or no posts: nothing to say
    assert Scenario.from_dict(_with(arrivals={"rate_per_hour": 0}, agents=0)).unstaffed_note() is None
    # on-call agents at night are agents
    assert Scenario.from_dict(_with(duty="policy", agents=0, on_call_agents=1)).unstaffed_note() is None
