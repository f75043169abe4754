"""Audit 5: the policy file is checked whole when it is loaded, by every command that loads it.

Each case writes a copy of the shipped ``data/policy.yaml`` with one defect into tmp_path and runs the real
CLI (``wbcs.cli.main``; one case in a subprocess): exit code 2 and one line naming the file and the key,
before anything is written. Before: a single holiday date was a TypeError traceback, a quoted one was read
character by character ('Invalid isoformat string: 2'), ``weekdays: []`` was numpy's weekmask ValueError, a
misspelt patrol kind fell back to the default unseen, a bad aggregation threshold failed after triage had
written --out (as "policy:", no file), bad presets and posting norms passed every command but `wbcs norms`,
and a duty start of '08:00:30' was read as 08:00.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.helpers import run_cli
from wbcs.aggregate import rules
from wbcs.cli import main
from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.policy import clock_minutes, load_policy, parse_policy
from wbcs.sim.scenario import Scenario, shipped_scenarios
from wbcs.yamlsafe import load_yaml

SHIPPED = data_file("policy.yaml").read_text(encoding="utf-8")
KINDS = "default, consultation, complaint, vague_negative, abuse, praise"


def policy_file(tmp_path, *changes: tuple[str, str], name: str = "policy.yaml"):
    """The shipped policy with each (old, new) text replaced, written to tmp_path/name."""
    text = SHIPPED
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def posts_file(tmp_path):
    """Three users asking the same question on one Friday: an aggregation alert under the shipped thresholds."""
    path = tmp_path / "posts.csv"
    path.write_text("post_id,created_at,text,author_id,sentiment,intent\n"
                    "a,2026-12-04 10:00:00,请问套餐怎么改,u1,neutral,consultation\n"
                    "b,2026-12-04 11:00:00,请问套餐怎么改,u2,neutral,consultation\n"
                    "c,2026-12-04 12:00:00,请问套餐怎么改,u3,neutral,consultation\n", encoding="utf-8")
    return path


def cli(capsys, *args) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.splitlines()


def refused_by_triage(capsys, tmp_path, policy, message: str) -> None:
    """triage --alerts with ``policy``: exit 2, the one line ``{policy}: {message}``, no output file."""
    out, alerts = tmp_path / "out.csv", tmp_path / "alerts.csv"
    code, err = cli(capsys, "triage", "--posts", posts_file(tmp_path), "--out", out, "--alerts", alerts,
                    "--policy", policy)
    assert (code, err) == (2, [f"wbcs triage: error: {policy}: {message}"])
    assert not out.exists() and not alerts.exists()


def scenario_file(tmp_path, policy):
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: audit5\nstart: 2026-11-30\nhorizon_days: 7\nwarmup_days: 0\npolicy: {policy}\n"
                    "arrivals:\n  rate_per_hour: 3\nmix: {complaint: 0.5, consultation: 0.5}\nduty: policy\n"
                    "agents: 1\npatrol_minutes: policy\nservice_minutes: {distribution: exponential, mean: 20}\n"
                    "sla: policy\n", encoding="utf-8")
    return path


def refused_by_simulate(capsys, tmp_path, policy, message: str) -> None:
    scenario = scenario_file(tmp_path, policy)
    code, err = cli(capsys, "simulate", "--scenario", scenario, "--replications", 1)
    assert (code, err) == (2, [f"wbcs simulate: error: {scenario}: policy: {policy}: {message}"])


# --- 1a: holidays must be a list of dates ---------------------------------------------------------------------

HOLIDAYS = "holidays: []"


@pytest.mark.parametrize("written, message", [
    ("holidays: 2026-10-01", "duty.holidays must be a list of dates like [2026-10-01, 2026-10-02], got 2026-10-01"),
    ('holidays: "2026-10-01"', "duty.holidays must be a list of dates like [2026-10-01, 2026-10-02], "
                               "got '2026-10-01'"),
    ("holidays: national day", "duty.holidays must be a list of dates like [2026-10-01, 2026-10-02], "
                               "got 'national day'"),
    ("holidays: [2026-10-01, 20261002]", "duty.holidays[1] must be a date (YYYY-MM-DD), got 20261002"),
    ("holidays: [2026-10-01 08:00]", "duty.holidays[0] must be a date (YYYY-MM-DD), got '2026-10-01 08:00'"),
    ("holidays: [2026-10-01 08:00:00]", "duty.holidays[0] must be a date (YYYY-MM-DD), got 2026-10-01T08:00:00"),
])
def test_holidays_not_a_list_of_dates_is_one_line(capsys, tmp_path, written, message):
    refused_by_triage(capsys, tmp_path, policy_file(tmp_path, (HOLIDAYS, written)), message)


def test_holidays_in_a_scenario_policy_and_in_a_real_subprocess(capsys, tmp_path):
    policy = policy_file(tmp_path, (HOLIDAYS, "holidays: 2026-10-01"))
    refused_by_simulate(capsys, tmp_path, policy, "duty.holidays must be a list of dates like "
                                                  "[2026-10-01, 2026-10-02], got 2026-10-01")
    r = run_cli("triage", "--posts", str(posts_file(tmp_path)), "--out", str(tmp_path / "o.csv"), "--policy",
                str(policy))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"wbcs triage: error: {policy}: duty.holidays must be a list of "
                                             "dates like [2026-10-01, 2026-10-02], got 2026-10-01"]


def test_a_list_of_holidays_is_read_as_dates(tmp_path):
    policy = load_policy(policy_file(tmp_path, (HOLIDAYS, "holidays: [2026-10-01, '2026-10-02']")))
    assert policy.duty.holidays == (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    assert load_policy(policy_file(tmp_path, (HOLIDAYS, "holidays:"))).duty.holidays == ()


# --- 1b: at least one duty weekday ----------------------------------------------------------------------------

def test_no_duty_weekday_is_one_line_not_numpys_weekmask_error(capsys, tmp_path):
    policy = policy_file(tmp_path, ("weekdays: [mon, tue, wed, thu, fri]", "weekdays: []"),
                         ("clock: calendar", "clock: business"))
    message = "duty.weekdays must be a list of weekdays (mon..sun) with at least one day, got []"
    refused_by_triage(capsys, tmp_path, policy, message)
    refused_by_simulate(capsys, tmp_path, policy, message)


# --- 2a: patrol keys are 'default' or post kinds ----------------------------------------------------------------

PATROL = "patrol_minutes:\n  default: 30\n  complaint: 30\n"


def test_a_misspelt_patrol_kind_is_refused_naming_the_known_kinds(capsys, tmp_path):
    policy = policy_file(tmp_path, (PATROL, "patrol_minutes:\n  default: 30\n  complaints: 10\n"))
    message = f"patrol_minutes.complaints is not a known key (known: {KINDS})"
    refused_by_triage(capsys, tmp_path, policy, message)
    refused_by_simulate(capsys, tmp_path, policy, message)


def test_patrol_minutes_of_a_kind_apply_to_that_kind_only(tmp_path):
    policy = load_policy(policy_file(tmp_path, (PATROL, "patrol_minutes:\n  default: 30\n  complaint: 10\n")))
    assert (policy.patrol_for("complaint"), policy.patrol_for("praise")) == (10, 30)


# --- 2b: aggregation thresholds, at load ------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["many", "-3", "0", "2.5", "true"])
def test_a_bad_aggregation_threshold_is_refused_before_triage_writes(capsys, tmp_path, value):
    policy = policy_file(tmp_path, ("min_users_per_day: 3", f"min_users_per_day: {value}"))
    shown = {"many": "'many'", "true": "True"}.get(value, value)
    refused_by_triage(capsys, tmp_path, policy,
                      f"aggregation.question.min_users_per_day must be a whole number ≥ 1, got {shown}")


def test_aggregation_rules_name_the_policy_file_of_a_policy_changed_in_python(tmp_path):
    path = policy_file(tmp_path)
    policy = load_policy(path)
    assert [(r.min_users, r.min_platforms) for r in rules(policy)] == [(3, 2), (3, 3)]
    broken = dataclasses.replace(policy, aggregation={**policy.aggregation,
                                                      "complaint": {"min_customers_per_week": 3}})
    with pytest.raises(InputError, match=rf"^{path}: aggregation\.complaint\.min_platforms_per_week must be a "
                                         r"whole number ≥ 1, got None$"):
        rules(broken)


# --- 2c: presets and posting norms, checked by every command that loads the policy ---------------------------

@pytest.mark.parametrize("change, message", [
    (("reply_rate: 1.0", "reply_rate: 5"), "presets.cmcc_10086_2018.reply_rate must be a number ≥ 0 and ≤ 1, got 5"),
    (("first_response_seconds: 20", "first_response_seconds: fast"),
     "presets.cmcc_10086_2018.first_response_seconds must be a number ≥ 0 and ≤ 31622400, got 'fast'"),
    (("  cmcc_10086_2018:              # China Mobile 10086 Weibo: 100% replies, first reply within 20 s\n"
      "    first_response_seconds: 20\n    reply_rate: 1.0\n", "  cmcc_10086_2018: 20\n"),
     "presets.cmcc_10086_2018 must be a mapping of first_response_seconds, reply_rate, got 20"),
    (("posts_per_day: [10, 20]", "posts_per_day: lots"), "posting_norms.posts_per_day must be [low, high], got 'lots'"),
    (("morning_post: \"08:30\"", "morning_post: \"25:00\""),
     "posting_norms.morning_post must be a time of day like '08:30' (hours 00–23, minutes 00–59), got '25:00'"),
])
def test_presets_and_posting_norms_are_refused_alike_by_triage_and_norms(capsys, tmp_path, change, message):
    policy = policy_file(tmp_path, change)
    refused_by_triage(capsys, tmp_path, policy, message)
    code, err = cli(capsys, "norms", "--posts", data_file("examples/account_posts.csv"), "--policy", policy)
    assert (code, err) == (2, [f"wbcs norms: error: {policy}: {message}"])


# --- 3: clock times in whole minutes ---------------------------------------------------------------------------

@pytest.mark.parametrize("written", ['start: "08:00:30"', "start: 08:00:30"])
def test_seconds_in_a_duty_time_are_refused_not_dropped(capsys, tmp_path, written):
    policy = policy_file(tmp_path, ('start: "08:00"', written))
    refused_by_triage(capsys, tmp_path, policy, "duty.start must be a time in whole minutes like '08:00', got "
                                                "'08:00:30' (duty hours, SLA clocks and the simulator count minutes; "
                                                "seconds are not kept)")


def test_whole_minutes_with_zero_seconds_still_read(tmp_path):
    policy = load_policy(policy_file(tmp_path, ('start: "08:00"', 'start: "08:00:00"'),
                                     ('end: "20:00"', 'end: "20:30:00"')))
    assert (policy.duty.start, policy.duty.end, policy.duty.minutes_per_day) == (dt.time(8), dt.time(20, 30), 750)
    assert clock_minutes("24:00:00", "end", allow_24=True) == 1440
    raw = load_yaml(data_file("policy.yaml"))
    raw["duty"]["start"] = dt.time(8, 0, 30)  # a mapping built in Python
    with pytest.raises(InputError, match=r"^policy: duty\.start must be a time in whole minutes like '08:00', "
                                         r"got '08:00:30'"):
        parse_policy(raw)


def test_seconds_in_a_scenario_shift_are_refused(tmp_path):
    scenario = scenario_file(tmp_path, data_file("policy.yaml"))
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        "agents: 1\n", "agents: {shifts: [{days: [mon], start: '08:00:30', end: '20:00', agents: 1}]}\n"),
        encoding="utf-8")
    with pytest.raises(InputError, match=r"agents\.shifts\[0\]\.start must be a time in whole minutes"):
        Scenario.from_yaml(scenario)


# --- the shipped files ---------------------------------------------------------------------------------------

def test_the_shipped_policy_and_scenarios_still_load():
    policy = load_policy()
    assert policy.duty.holidays == () and policy.patrol_for("complaint") == 30
    assert policy.presets["cmcc_10086_2018"] == {"first_response_seconds": 20, "reply_rate": 1.0}
    assert shipped_scenarios()
    for name in shipped_scenarios():
        Scenario.from_yaml(name)
