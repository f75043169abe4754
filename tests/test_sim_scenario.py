"""Scenario: the committed files load, the object is immutable, and every wrong key is named."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.sim import Scenario
from wbcs.sim.scenario import MINUTES_PER_WEEK

BASE = {
    "horizon_days": 7,
    "arrivals": {"rate_per_hour": 10},
    "agents": 2,
    "service_minutes": {"distribution": "exponential", "mean": 3},
}


def test_issue_example_means_an_always_open_mmc_queue():
    sc = Scenario.from_dict({"horizon_days": 30, "arrivals": {"rate_per_hour": 200}, "mix": {"complaint": 1.0},
                             "agents": 14, "patrol_minutes": 0,
                             "service_minutes": {"distribution": "exponential", "mean": 3},
                             "priority": "fifo", "sla": {"first_response_seconds": 20}})
    assert sc.duty is None and set(sc.pools[0].week) == {14}
    assert sc.rate_week == (200.0,) * 168
    assert sc.sla["complaint"].acknowledge_minutes == pytest.approx(1 / 3)
    assert sc.sla["complaint"].resolve_hours == 48  # kept from the policy
    assert sc.mix["complaint"] == 1.0 and sc.mix["praise"] == 0.0


@pytest.mark.parametrize("name", ["default", "manager_example", "mmc_10086"])
def test_committed_scenarios_load(name):
    sc = Scenario.from_yaml(data_file(f"scenarios/{name}.yaml"))
    assert sc.horizon_days > 0 and sum(sc.mix.values()) == pytest.approx(1.0)
    assert sc.mix_note() is None  # their shares sum to 1: no line about scaling


def test_a_mix_is_relative_weights_and_says_so_when_they_do_not_sum_to_1():
    sc = Scenario.from_dict({**BASE, "mix": {"consultation": 3, "complaint": 5}}, source="s.yaml")
    assert sc.mix["complaint"] == 0.625 and sc.mix["consultation"] == 0.375
    assert sc.mix_note() == "s.yaml: mix weights sum to 8, not 1: simulated as relative weights, consultation 0.375, complaint 0.625"
    assert Scenario.from_dict(BASE).mix_note() is None  # no mix: every post a complaint
    assert Scenario.from_dict({**BASE, "mix": {"complaint": 0.7, "consultation": 0.2, "praise": 0.1}}).mix_note() is None


def test_manager_example_has_the_issue_numbers():
    sc = Scenario.from_yaml(data_file("scenarios/manager_example.yaml"))
    assert sc.patrol_minutes["complaint"] == 30 and sc.patrol_minutes["consultation"] == 30
    assert sc.duty.weekdays == ("mon", "tue", "wed", "thu", "fri") and not sc.duty.on_call
    assert (sc.duty.start.hour, sc.duty.end.hour) == (8, 20)
    (burst,) = sc.bursts
    # Wednesday 2025-01-08 10:00 = 2 days 10 hours after Monday 00:00
    assert (burst.start_minute, burst.hours, burst.posts, burst.kind) == ((2 * 24 + 10) * 60, 2, 500, "complaint")
    assert all(c.acknowledge_minutes == 120 for c in sc.sla.values())
    # the 48-hour answer where the policy has one (not for praise or abuse)
    assert {k for k, c in sc.sla.items() if c.resolve_hours == 48} == {"complaint", "consultation", "vague_negative"}


def test_default_scenario_takes_profile_duty_patrol_and_clocks_from_the_policy():
    from wbcs.datasets import arrival_profile
    from wbcs.policy import load_policy

    sc = Scenario.from_yaml(data_file("scenarios/default.yaml"))
    policy = load_policy()
    assert sc.duty == policy.duty
    assert sc.patrol_minutes["complaint"] == policy.patrol_for("complaint")
    assert sc.sla == {k: policy.sla[k] for k in sc.sla}
    # 300 posts a day shaped by the STC-3 hour-of-week profile (mean 1)
    np.testing.assert_allclose(sc.rate_week, 300 / 24 * arrival_profile("hour_of_week"))


def test_sla_preset_and_per_kind_clocks():
    # the policy's 10086 preset: first reply within 20 s, for every kind
    sc = Scenario.from_dict({**BASE, "sla": {"preset": "cmcc_10086_2018"}})
    assert all(c.acknowledge_minutes == pytest.approx(20 / 60) for c in sc.sla.values())
    sc = Scenario.from_dict({**BASE, "sla": {"clock": "business", "complaint": {"acknowledge_minutes": 10}}})
    assert sc.sla["complaint"].acknowledge_minutes == 10 and sc.sla["consultation"].acknowledge_minutes == 120
    assert {c.clock for c in sc.sla.values()} == {"business"}


def test_scenario_is_frozen_and_updated_revalidates():
    sc = Scenario.from_dict(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.horizon_days = 3
    with pytest.raises(TypeError):
        sc.mix["complaint"] = 0.5
    with pytest.raises(TypeError):
        sc.raw["agents"] = 9
    more = sc.updated({"agents": 5, "arrivals": {"bursts": [{"start": 24, "hours": 1, "posts": 50}]}})
    assert set(more.pools[0].week) == {5} and more.rate_week == sc.rate_week and len(more.bursts) == 1
    assert set(sc.pools[0].week) == {2}  # the original is unchanged
    with pytest.raises(InputError, match="agents must be a whole number"):
        sc.updated({"agents": -1})
    assert Scenario.from_dict(yaml.safe_load(sc.to_yaml())).rate_week == sc.rate_week


def test_agents_on_duty_shifts_and_hour_lists_expand_by_minute():
    duty = {"weekdays": ["mon", "tue"], "start": "08:30", "end": "20:00"}
    sc = Scenario.from_dict({**BASE, "duty": duty, "agents": 3, "on_call_agents": 1})
    week = np.asarray(sc.pools[0].week)
    assert week.size == MINUTES_PER_WEEK
    # Monday 08:29 on call, 08:30–19:59 three agents, 20:00 on call; Wednesday on call all day
    assert week[8 * 60 + 29] == 1 and week[8 * 60 + 30] == 3 and week[19 * 60 + 59] == 3 and week[20 * 60] == 1
    assert week[2 * 1440 + 12 * 60] == 1
    # on-call agents are a floor outside duty hours whatever the schedule's form
    hours = [0] * 8 + [4] * 12 + [2] * 4
    week = np.asarray(Scenario.from_dict({**BASE, "duty": duty, "agents": hours, "on_call_agents": 1}).pools[0].week)
    assert week[7 * 60] == 1 and week[9 * 60] == 4 and week[21 * 60] == 2 and week[2 * 1440 + 21 * 60] == 2
    shifts = {"shifts": [{"days": ["mon"], "start": "08:00", "end": "14:00", "agents": 2},
                         {"days": ["mon"], "start": "12:00", "end": "20:00", "agents": 3},
                         {"days": ["sun"], "start": "22:00", "end": "02:00", "agents": 1}]}
    week = np.asarray(Scenario.from_dict({**BASE, "agents": shifts}).pools[0].week)
    assert (week[8 * 60], week[12 * 60], week[14 * 60], week[20 * 60]) == (2, 5, 3, 0)
    # the Sunday night shift runs past midnight into Monday 00:00–02:00 (the week wraps)
    assert week[6 * 1440 + 23 * 60] == 1 and week[60] == 1 and week[2 * 60] == 0
    hours = list(range(24))
    week = np.asarray(Scenario.from_dict({**BASE, "agents": hours}).pools[0].week)
    assert week[5 * 60 + 59] == 5 and week[1440 + 23 * 60] == 23


def test_rates_by_hour_of_day_repeat_and_per_day_profiles_keep_the_volume():
    day = list(range(24))
    sc = Scenario.from_dict({**BASE, "arrivals": {"rate_per_hour": day}})
    assert sc.rate_week[24 + 5] == 5
    flat = Scenario.from_dict({**BASE, "arrivals": {"posts_per_day": 240, "profile": "flat"}})
    assert flat.rate_week == (10.0,) * 168
    stc3 = Scenario.from_dict({**BASE, "arrivals": {"posts_per_day": 240, "profile": "stc3_hour_of_day"}})
    assert np.mean(stc3.rate_week) * 24 == pytest.approx(240)
    assert stc3.rate_week[10] > 5 * stc3.rate_week[4]  # busy mid-morning, quiet small hours


def _bad(change: dict) -> dict:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    for key, value in change.items():
        if value is _DROP:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


_DROP = object()
SHIFT = {"days": ["mon"], "start": "08:00", "end": "14:00", "agents": 2}
ERRORS = [
    ({"colour": "red"}, "colour is not a known key"),
    ({"arrivals": _DROP}, "arrivals is missing"),
    ({"agents": _DROP}, "agents is missing"),
    ({"service_minutes": _DROP}, "service_minutes is missing"),
    ({"policy": 3}, "policy must be 'default' or a path"),
    ({"policy": "nowhere/policy.yaml"}, "policy: .*nowhere/policy.yaml: policy file not found"),
    ({"start": "someday"}, "start 'someday' is not a date or time; give one like 2024-05-04"),
    ({"start": "2025-01-06 08:00"}, r"start must be a date \(the simulation starts at midnight\)"),
    ({"horizon_days": 0}, "horizon_days must be a number > 0"),
    ({"horizon_days": 400}, "horizon_days must be a number > 0 and ≤ 366"),
    ({"warmup_days": 7}, r"warmup_days must be shorter than horizon_days \(7\)"),
    ({"drain_days": -1}, "drain_days must be a number ≥ 0"),
    ({"arrivals": [10]}, "arrivals must be a mapping"),
    ({"arrivals": {"rate": 10}}, r"arrivals.rate is not a known key \(known: rate_per_hour"),
    ({"arrivals": {"rate_per_hour": 1, "posts_per_day": 24}}, "arrivals needs exactly one of rate_per_hour or posts_per_day"),
    ({"arrivals": {"bursts": []}}, "arrivals needs exactly one of"),
    ({"arrivals": {"rate_per_hour": 1, "profile": "stc3"}}, "arrivals.profile goes with posts_per_day"),
    ({"arrivals": {"rate_per_hour": [1] * 7}}, "arrivals.rate_per_hour must have 1, 24 or 168 values, got 7"),
    ({"arrivals": {"rate_per_hour": -2}}, "arrivals.rate_per_hour must be a number ≥ 0"),
    ({"arrivals": {"posts_per_day": "many"}}, "arrivals.posts_per_day must be a number"),
    ({"arrivals": {"posts_per_day": 100, "profile": "weekly"}}, "arrivals.profile must be one of stc3"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": 1, "hours": 1, "posts": 5, "size": 3}]}},
     r"arrivals.bursts\[0\].size is not a known key"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": "2025-03-01 10:00", "hours": 1, "posts": 5}]}},
     r"arrivals.bursts\[0\].start '2025-03-01 10:00' is outside the horizon"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": "soon", "hours": 1, "posts": 5}]}},
     r"arrivals.bursts\[0\].start 'soon' is not a date or time"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": 1, "hours": 0, "posts": 5}]}},
     r"arrivals.bursts\[0\].hours must be a number > 0"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": 1, "hours": 1, "posts": -5}]}},
     r"arrivals.bursts\[0\].posts must be a number ≥ 0"),
    ({"arrivals": {"rate_per_hour": 1, "bursts": [{"start": 1, "hours": 1, "posts": 5, "kind": "outage"}]}},
     r"arrivals.bursts\[0\].kind must be a post kind"),
    ({"mix": {"rant": 1}}, "mix.rant is not a known key"),
    ({"mix": {"complaint": -1}}, "mix.complaint must be a number ≥ 0"),
    ({"mix": {"complaint": 0}}, "mix needs at least one post kind with a share > 0"),
    ({"duty": "weekdays"}, "duty must be a mapping"),
    ({"duty": {"hours": 12}}, "duty.hours is not a known key"),
    ({"duty": {"start": "8 o'clock"}}, "duty.start must be a time"),
    ({"duty": {"start": "20:00", "end": "08:00"}}, r"duty.end \(08:00:00\) must be after duty.start"),
    ({"duty": {"weekdays": ["mon", "funday"]}}, "duty.weekdays has 'funday'; use mon..sun"),
    ({"agents": [1] * 10}, r"agents must have 24 or 168 values \(agents by hour\), got 10"),
    ({"agents": [1] * 23 + [-1]}, r"agents\[23\] must be a whole number ≥ 0"),
    ({"agents": 2.5}, "agents must be a whole number ≥ 0"),
    ({"agents": {"shift": []}}, "agents.shift is not a known key"),
    ({"agents": {"shifts": []}}, "agents.shifts must be a non-empty list"),
    ({"agents": {"shifts": [{**SHIFT, "lunch": 1}]}}, r"agents.shifts\[0\].lunch is not a known key"),
    ({"agents": {"shifts": [{**SHIFT, "days": ["someday"]}]}}, r"agents.shifts\[0\].days has 'someday'"),
    ({"agents": {"shifts": [{**SHIFT, "days": "mon"}]}}, r"agents.shifts\[0\].days must be a list"),
    ({"agents": {"shifts": [{**SHIFT, "start": "8am"}]}}, r"agents.shifts\[0\].start must be a time"),
    ({"agents": {"shifts": [{**SHIFT, "end": "08:00"}]}}, r"agents.shifts\[0\].end must differ from start"),
    ({"agents": {"shifts": [{**SHIFT, "agents": -2}]}}, r"agents.shifts\[0\].agents must be a whole number"),
    ({"agents": {"pools": {}}}, "agents.pools must be a non-empty list"),
    ({"agents": {"pools": [{"name": "a", "agents": 1, "skill": 2}]}}, r"agents.pools\[0\].skill is not a known key"),
    ({"agents": {"pools": [{"name": "a", "kinds": ["rants"], "agents": 1}]}}, r"agents.pools\[0\].kinds must be a post kind"),
    ({"agents": {"pools": [{"name": "a"}]}}, r"agents.pools\[0\].agents is missing"),
    ({"agents": {"pools": [{"name": "a", "kinds": ["praise"], "agents": 1}]}}, "agents.pools no pool handles 'complaint'"),
    ({"on_call_agents": -1}, "on_call_agents must be a whole number ≥ 0"),
    ({"patrol_minutes": -5}, "patrol_minutes must be a number ≥ 0"),
    ({"patrol_minutes": 2000}, "patrol_minutes must be a number ≥ 0 and ≤ 1440"),
    ({"patrol_minutes": {"complaint": 10}}, "patrol_minutes needs a 'default' or a value for every post kind"),
    ({"patrol_minutes": {"default": 30, "rant": 10}}, "patrol_minutes.rant must be a post kind"),
    ({"service_minutes": 3}, "service_minutes must be a mapping like"),
    ({"service_minutes": {"distribution": "gamma", "mean": 3}}, "service_minutes.distribution must be one of exponential"),
    ({"service_minutes": {"distribution": "exponential", "mean": 0}}, "service_minutes.mean must be a number > 0"),
    ({"service_minutes": {"distribution": "lognormal", "mean": 3}}, "service_minutes.sd must be a number > 0"),
    ({"service_minutes": {"distribution": "empirical", "values": []}}, "service_minutes.values must be a non-empty list"),
    ({"service_minutes": {"mean": 3, "median": 2}}, "service_minutes.median is not a distribution key"),
    ({"service_minutes": {"complaint": {"mean": 3}}}, "service_minutes needs a 'default'"),
    ({"service_minutes": {"default": {"mean": 3}, "praise": {"mean": -1}}}, "service_minutes.praise.mean must be a number > 0"),
    ({"priority": "vip"}, "priority must be one of fifo, kind, influence"),
    ({"priority_order": "complaint"}, "priority_order must be a list of post kinds"),
    ({"priority_order": ["complaint", "vip"]}, "priority_order must be a post kind"),
    ({"sla": {"ack": 3}}, "sla.ack is not a known key"),
    ({"sla": {"preset": "nokia"}}, "sla.preset 'nokia' is not a preset of the policy"),
    ({"sla": {"first_response_seconds": 20, "acknowledge_minutes": 1}}, "sla.first_response_seconds and sla.acknowledge_minutes say the same"),
    ({"sla": {"first_response_seconds": -20}}, "sla.first_response_seconds must be a number ≥ 0"),
    ({"sla": {"complaint": {"reply_minutes": 3}}}, "sla.complaint.reply_minutes is not a known key"),
    ({"sla": {"complaint": {"clock": "lunar"}}}, "sla.complaint.clock must be 'calendar' or 'business'"),
    ({"sla": {"complaint": {"acknowledge_minutes": "soon"}}}, "sla.complaint.acknowledge_minutes must be a number"),
    ({"tickets": {"shares": 0.5}}, "tickets.shares is not a known key"),
    ({"tickets": {"share": 1.5}}, "tickets.share must be a number ≥ 0 and ≤ 1"),
    ({"tickets": {"share": 0.5, "back_office": {"capacity": 0}}}, "tickets.back_office.capacity must be a whole number ≥ 1"),
    ({"tickets": {"share": 0.5, "back_office": {"clock": "lunar"}}}, "tickets.back_office.clock must be 'calendar' or 'business'"),
    ({"tickets": {"share": 0.5, "back_office": {"hours": {"mean": -1}}}}, "tickets.back_office.hours.mean must be a number > 0"),
    ({"tickets": {"share": 0.5, "answer_minutes": {"distribution": "deterministic", "mean": "x"}}},
     "tickets.answer_minutes.mean must be a number ≥ 0"),
    ({"satisfaction": {"probability": 1.2}}, "satisfaction.probability must be a number ≥ 0 and ≤ 1"),
    ({"satisfaction": {"reopen_probability": -0.1}}, "satisfaction.reopen_probability must be a number ≥ 0"),
    ({"satisfaction": {"max_reopens": 1.5}}, "satisfaction.max_reopens must be a whole number ≥ 0"),
    ({"satisfaction": {"reopen_after_hours": {"distribution": "empirical", "values": [-1]}}},
     "satisfaction.reopen_after_hours.values must be a non-empty list of numbers ≥ 0"),
    ({"escalation": {"kinds": "complaint"}}, "escalation.kinds must be a list of post kinds"),
    ({"escalation": {"kinds": ["outage"]}}, "escalation.kinds must be a post kind"),
    ({"escalation": {"reposts_per_hour": -1}}, "escalation.reposts_per_hour must be a number ≥ 0"),
    ({"escalation": {"threshold": 0}}, "escalation.threshold must be a whole number ≥ 1"),
    ({"influence": {"followers": {"distribution": "zipf"}}}, "influence.followers.distribution must be one of"),
    ({"influence": {"reposts_per_1000_followers": "lots"}}, "influence.reposts_per_1000_followers must be a number"),
]


@pytest.mark.parametrize("change, message", ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_every_validation_error_names_the_key(tmp_path, change, message):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(_bad(change), allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=f"^{path}: {message}") as err:
        Scenario.from_yaml(path)
    assert "\n" not in str(err.value)


def test_the_issue_message_word_for_word(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(_bad({"arrivals": {"rate_per_hour": [200] * 7}})))
    with pytest.raises(InputError) as err:
        Scenario.from_yaml(path)
    assert str(err.value) == f"{path}: arrivals.rate_per_hour must have 1, 24 or 168 values, got 7"


def test_file_level_errors(tmp_path):
    with pytest.raises(InputError, match="scenario file not found"):
        Scenario.from_yaml(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("arrivals: {rate_per_hour: [1, 2\n")
    with pytest.raises(InputError, match="broken.yaml: not valid YAML"):
        Scenario.from_yaml(tmp_path / "broken.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="list.yaml: a scenario must be a mapping of keys, got list"):
        Scenario.from_yaml(tmp_path / "list.yaml")


def test_a_policy_path_is_read_relative_to_the_scenario(tmp_path):
    policy = yaml.safe_load(data_file("policy.yaml").read_text(encoding="utf-8"))
    policy["sla"]["complaint"]["acknowledge_minutes"] = 15
    (tmp_path / "strict.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({**BASE, "policy": "strict.yaml"}))
    assert Scenario.from_yaml(tmp_path / "s.yaml").sla["complaint"].acknowledge_minutes == 15


# --- clock times: YAML 1.1 reads an unquoted 20:00 as the integer 1200 (issue 13, item 2) ----------------------

UNQUOTED = """\
name: unquoted
horizon_days: 7
arrivals: {rate_per_hour: 10}
duty: {weekdays: [mon, tue, wed, thu, fri], start: 08:00, end: 20:00}
agents:
  shifts:
    - {days: [mon, tue, wed, thu, fri], start: 8:00, end: 14:00, agents: 2}
    - {days: [mon, tue, wed, thu, fri], start: 14:00, end: 20:00, agents: 1}
service_minutes: {distribution: exponential, mean: 3}
"""


def test_unquoted_times_are_read_as_the_times_they_look_like(tmp_path):
    (tmp_path / "unquoted.yaml").write_text(UNQUOTED)
    (tmp_path / "quoted.yaml").write_text(UNQUOTED.replace("08:00", "'08:00'").replace("20:00", "'20:00'")
                                          .replace("8:00,", "'8:00',").replace("14:00", "'14:00'"))
    unquoted, quoted = (Scenario.from_yaml(tmp_path / f"{n}.yaml") for n in ("unquoted", "quoted"))
    assert (unquoted.duty.start.hour, unquoted.duty.end.hour) == (8, 20)  # not 12:00 from the integer 1200
    assert unquoted.duty == quoted.duty and unquoted.pools[0].week == quoted.pools[0].week
    week = np.asarray(unquoted.pools[0].week)
    assert (week[9 * 60], week[15 * 60], week[19 * 60 + 59], week[20 * 60]) == (2, 1, 1, 0)


def test_an_integer_time_is_refused_with_the_reason():
    # a mapping read elsewhere with YAML 1.1 still carries 1200 for 20:00: refused, not read as 12:00
    with pytest.raises(InputError, match=r"^scenario: duty.end must be a time like '08:00', got 1200 "
                                         r"\(YAML 1.1 reads an unquoted 20:00 as the number 1200"):
        Scenario.from_dict({**BASE, "duty": {"start": "08:00", "end": 1200}})
    with pytest.raises(InputError, match=r"agents.shifts\[0\].start must be a time like '08:00', got 480"):
        Scenario.from_dict({**BASE, "agents": {"shifts": [{"start": 480, "end": "12:00", "agents": 1}]}})
    with pytest.raises(InputError, match="duty.start must be a time like '08:00', got '0800'"):
        Scenario.from_dict({**BASE, "duty": {"start": "0800"}})


def test_to_yaml_quotes_every_time_and_round_trips_under_yaml_1_1(tmp_path):
    (tmp_path / "unquoted.yaml").write_text(UNQUOTED)
    sc = Scenario.from_yaml(data_file("scenarios/default.yaml")).updated(
        {"duty": {"start": "08:30", "end": "20:00"},
         "agents": {"shifts": [{"start": "8:30", "end": "24:00", "agents": 3}]}})
    for scenario in (sc, Scenario.from_yaml(tmp_path / "unquoted.yaml")):
        text = scenario.to_yaml()
        assert not re.search(r"(?<!')\b\d{1,2}:\d\d\b(?!')", text.replace("'2025-01-15 10:00'", "")), text
        again = Scenario.from_dict(yaml.safe_load(text))  # plain PyYAML (YAML 1.1) reads it back the same
        for f in dataclasses.fields(Scenario):
            if f.name not in ("raw", "source"):
                assert getattr(again, f.name) == getattr(scenario, f.name), f.name


def test_policy_file_with_unquoted_times(tmp_path):
    from wbcs.policy import load_policy

    text = data_file("policy.yaml").read_text(encoding="utf-8")
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace('start: "08:00"', "start: 08:00").replace('end: "20:00"', "end: 20:00"),
                    encoding="utf-8")
    assert "end: 20:00\n" in path.read_text(encoding="utf-8")
    assert load_policy(path).duty == load_policy().duty
    assert load_policy(path).duty.minutes_per_day == 12 * 60


# --- what a file can ask of the machine (issue 12, items 4 and 10) --------------------------------------------

BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
name: *h
"""

HUGE = [
    ("arrivals: {posts_per_day: 1000000000}",
     r"arrivals.posts_per_day must be a number ≥ 0 and ≤ 3,000,000, got 1000000000"),
    ("arrivals: {posts_per_day: 1000000}",
     r"arrivals.posts_per_day gives 7,000,000 posts in 7 days, more than the 3,000,000 posts a run"),
    ("arrivals: {rate_per_hour: .inf}", r"arrivals.rate_per_hour must be a number ≥ 0 and ≤ 3,000,000, got inf"),
    ("arrivals: {rate_per_hour: .nan}", r"arrivals.rate_per_hour must be a number ≥ 0 and ≤ 3,000,000, got nan"),
    ("arrivals: {rate_per_hour: 10, bursts: [{start: 30, hours: 2, posts: 1000000000000}]}",
     r"arrivals.bursts\[0\].posts must be a number ≥ 0 and ≤ 3,000,000"),
    ("arrivals: {rate_per_hour: 10, bursts: [{start: 30, hours: 2, posts: 2000000}, {start: 40, hours: 2, posts: 2000000}]}",
     r"arrivals.bursts\[1\].posts brings the run to 4,001,680 expected posts"),
    ("agents: 1000000000000", r"agents must be a whole number ≥ 0 and ≤ 10,000, got 1000000000000"),
    ("agents: {shifts: [{start: '08:00', end: '20:00', agents: 6000}, {start: '09:00', end: '10:00', agents: 6000}]}",
     r"agents.shifts put 12,000 agents on duty at once; at most 10,000"),
    ("on_call_agents: 100000", r"on_call_agents must be a whole number ≥ 0 and ≤ 10,000"),
    ("agents: {pools: [" + ", ".join(["{agents: 1}"] * 21) + "]}",
     r"agents.pools must be a non-empty list of \{name, kinds, agents\} \(at most 20\)"),
    ("start: 2262-04-12", r"start must be a date from 1970-01-01 to 2200-12-31, got 2262-04-12"),
    ("start: 2262-04-01", r"start must be a date from 1970-01-01 to 2200-12-31, got 2262-04-01"),
    ("start: 2262", r"start 2262 is not a date or time; give one like 2024-05-04"),
    ("service_minutes: {distribution: lognormal, mean: 3, sd: .inf}", r"service_minutes.sd must be a number > 0 and ≤ 1,000,000,000"),
    ("service_minutes: {distribution: empirical, values: [1, .inf]}", r"service_minutes.values must be a non-empty list"),
    ("satisfaction: {max_reopens: 1000000}", r"satisfaction.max_reopens must be a whole number ≥ 0 and ≤ 10"),
    ("escalation: {reposts_per_hour: 1.0e+300}", r"escalation.reposts_per_hour must be a number ≥ 0 and ≤ 10,000"),
    ("sla: {first_response_seconds: .inf}", r"sla.first_response_seconds must be a number ≥ 0"),
    ("sla: {complaint: {acknowledge_minutes: .inf}}", r"sla.complaint.acknowledge_minutes must be a number ≥ 0 and ≤ 527040"),
    ("name: [1, 2]", r"name must be a short text \(at most 200 characters\), got \[1, 2\]"),
]


@pytest.mark.parametrize("line, message", HUGE, ids=[m[:40] for _, m in HUGE])
def test_what_the_machine_cannot_hold_is_refused_naming_the_key(tmp_path, line, message):
    path = tmp_path / "s.yaml"
    base = {k: v for k, v in BASE.items() if k not in yaml.safe_load(line)}
    path.write_text(yaml.safe_dump(base) + line + "\n")
    with pytest.raises(InputError, match=f"^{path}: {message}") as err:
        Scenario.from_yaml(path)
    assert "\n" not in str(err.value)


def test_file_level_bombs_and_wrong_files(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml.safe_dump(BASE) + BOMB)  # 9^9 = 387 M strings once expanded
    with pytest.raises(InputError, match=r"bomb.yaml: expands to [\d,]+ values through its anchors and aliases"):
        Scenario.from_yaml(bomb)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes((yaml.safe_dump(BASE) + "name: 默认场景\n").encode("gbk"))
    with pytest.raises(InputError, match="gbk.yaml: not UTF-8"):
        Scenario.from_yaml(gbk)
    folder = tmp_path / "policies"
    folder.mkdir()
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({**BASE, "policy": "policies"}))
    with pytest.raises(InputError, match=r"s.yaml: policy: .*policies: a folder, not a YAML file"):
        Scenario.from_yaml(tmp_path / "s.yaml")
    with pytest.raises(InputError, match="scenario file not found"):
        Scenario.from_yaml(folder / "missing.yaml")


def test_cli_refuses_a_bomb_and_a_huge_volume_with_one_line_and_exit_2(tmp_path):
    from tests.helpers import run_cli

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml.safe_dump(BASE) + BOMB)
    r = run_cli("simulate", "--scenario", str(bomb), "--replications", "1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "anchors and aliases" in r.stderr, r.stderr


# --- bursts are counted: after the warm-up (issue 13, item 3) -------------------------------------------------

def test_a_burst_inside_the_warm_up_is_refused():
    burst = {"start": "2025-01-08 10:00", "hours": 2, "posts": 500, "kind": "complaint"}
    sc = {**BASE, "horizon_days": 14, "warmup_days": 7, "arrivals": {"rate_per_hour": 10, "bursts": [burst]}}
    with pytest.raises(InputError, match=r"^scenario: arrivals.bursts\[0\].start 2025-01-08 10:00 is inside the "
                                         r"warm-up \(the first 7 days, until 2025-01-13 00:00\), where posts are "
                                         r"not counted; move the burst later or shorten warmup_days$"):
        Scenario.from_dict(sc)
    assert Scenario.from_dict({**sc, "warmup_days": 2}).bursts[0].start_minute == (2 * 24 + 10) * 60


def test_the_default_outage_lands_in_the_measured_week_and_is_counted():
    from wbcs.sim import replicate

    sc = Scenario.from_yaml(data_file("scenarios/default.yaml"))
    (burst,) = sc.bursts
    assert sc.warmup_days * 1440 <= burst.start_minute < sc.horizon_minutes
    assert sc.burst_slot() == (burst.start_minute / 60, burst.hours)
    quiet = sc.updated({"arrivals": {"bursts": []}})
    # common random numbers: the same seeds draw the same background, so the difference is the burst
    with_burst = replicate(sc, 3, seed=5).table.loc["posts", "mean"]
    without = replicate(quiet, 3, seed=5).table.loc["posts", "mean"]
    assert 250 < with_burst - without < 350
    assert quiet.burst_slot() == (7 * 24 + 2 * 24 + 10, 2)  # the app's outage: Wednesday of the measured week


def test_a_utilisation_interval_stays_within_one():
    """An overloaded agent is busy 99.95 % of the time; the interval's upper end said 1.003."""
    from wbcs.sim.replicate import Summary

    runs = pd.DataFrame({"utilization": [0.9990, 1.0], "first_response_attainment": [0.1, 0.2], "posts": [960, 980]})
    t = Summary(scenario=None, seed=0, per_run=runs, hourly=pd.DataFrame()).table
    assert t.loc["utilization", "ci_high"] == 1.0 and t.loc["posts", "ci_high"] > 980
