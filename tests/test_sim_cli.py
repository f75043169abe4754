"""`wbcs simulate` and `wbcs staff` in real subprocesses."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml

from tests.helpers import run_cli, run_cli_on_terminal

SMALL = {"name": "small", "horizon_days": 3, "warmup_days": 1, "arrivals": {"rate_per_hour": 30},
         "mix": {"complaint": 0.5, "consultation": 0.5}, "agents": 3,
         "service_minutes": {"distribution": "exponential", "mean": 4},
         "tickets": {"share": 0.3, "back_office": {"capacity": 2}}, "satisfaction": {"probability": 0.8}}


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    return path


def test_simulate_json_has_the_issue_keys_with_intervals(scenario_file, tmp_path):
    records = tmp_path / "out" / "records.csv"
    r = run_cli("simulate", "--scenario", str(scenario_file), "--replications", "4", "--seed", "3", "--json",
                "--records", str(records))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)  # progress went to stderr, stdout is pure JSON
    for key in ("posts", "first_response_attainment", "first_response_attainment_ci", "resolution_attainment",
                "mean_wait_minutes", "p90_wait_minutes", "utilization"):
        assert key in out
    lo, hi = out["first_response_attainment_ci"]
    assert 0 <= lo <= out["first_response_attainment"] <= hi <= 1
    assert out["replications"] == 4 and out["seed"] == 3 and out["scenario"] == "small"
    assert set(out["by_kind"]) >= {"complaint", "consultation"}
    # 30 posts an hour for the two observed days
    assert out["posts"] == pytest.approx(30 * 48, rel=0.1)
    saved = pd.read_csv(records)
    assert sorted(saved["replication"].unique()) == [0, 1, 2, 3]
    assert len(saved) == pytest.approx(4 * out["posts"])
    # the same seed gives the same answer
    again = run_cli("simulate", "--scenario", str(scenario_file), "--replications", "4", "--seed", "3", "--json")
    assert json.loads(again.stdout) == out


def test_simulate_prints_a_readable_table(scenario_file, tmp_path):
    r = run_cli("simulate", "--scenario", str(scenario_file), "--replications", "2")
    assert r.returncode == 0, r.stderr
    assert "first_response_attainment" in r.stdout and "small: 2 replications" in r.stdout
    assert re.search(r"^  unserved +\d", r.stdout, re.M)  # posts never answered: only --json said them
    nobody = tmp_path / "nobody.yaml"
    nobody.write_text(yaml.safe_dump({"horizon_days": 1, "arrivals": {"rate_per_hour": 20}, "agents": 0,
                                      "service_minutes": {"distribution": "exponential", "mean": 6}}))
    r = run_cli("simulate", "--scenario", str(nobody), "--replications", "2")
    assert r.returncode == 0 and float(re.search(r"^  unserved +([\d.]+)", r.stdout, re.M)[1]) > 400, r.stdout


def test_staff_json_has_erlang_next_to_the_simulated_plan(scenario_file, tmp_path):
    planned = tmp_path / "planned.yaml"
    r = run_cli("staff", "--scenario", str(scenario_file), "--target", "0.8", "--replications", "2", "--json",
                "--write-scenario", str(planned))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["target"] == 0.8 and out["converged"]
    row = out["intervals"][30]
    assert {"weekday", "hour", "erlang_agents", "sim_agents", "sim_attainment", "arrivals_per_hour"} <= set(row)
    assert out["erlang_agent_hours_per_week"] == sum(i["erlang_agents"] for i in out["intervals"])
    assert len(yaml.safe_load(planned.read_text())["agents"]) == 168
    # the runs the plan is verified on: a user's number, and one line for a number too small to verify on
    r = run_cli("staff", "--scenario", str(scenario_file), "--target", "0.8", "--replications", "2",
                "--verify-replications", "3", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["converged"], r.stderr
    r = run_cli("staff", "--scenario", str(scenario_file), "--verify-replications", "1")
    assert r.returncode == 2 and "--verify-replications) must be a whole number ≥ 2, got 1" in r.stderr, r.stderr


def test_staff_says_why_the_first_hour_on_duty_needs_more_than_erlang_c():
    # the shipped scenario's team is off duty at night and at the weekend: 08:00 meets the queue of the night
    from wbcs.config import ROOT

    r = run_cli("staff", "--scenario", str(ROOT / "data" / "scenarios" / "default.yaml"), "--replications", "1")
    assert r.returncode == 0, r.stderr
    note = r.stdout.strip().splitlines()[-1]
    assert note.startswith("note: mon 08:00 (") and note.endswith(
        "the first hour on duty also answers the posts that arrived while nobody was on duty (the night, a weekend); "
        "Erlang C counts only the hour's own arrivals")


@pytest.mark.parametrize("args, message", [
    (["--replications", "0"], "--replications must be between 1 and 10,000, got 0"),
    (["--records", "x.txt"], "x.txt: unknown output format '.txt'; use .csv, .parquet"),
    (["--records", "x.csv", "--replications", "10000"],
     "--records: 10000 replications of ~2,160 posts would hold more than 6,000,000 records"),
])
def test_bad_options_exit_2_with_one_line(scenario_file, args, message):
    r = run_cli("simulate", "--scenario", str(scenario_file), *args)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_outputs_are_checked_before_the_run(scenario_file, tmp_path):
    """--write-scenario over the --scenario file (its comments lost), a non-YAML name, or an output
    that cannot be written are refused in one line before any simulation (no progress bar)."""
    scenario_file.write_text("# the team's notes\n" + scenario_file.read_text())
    before = scenario_file.read_text()
    (tmp_path / "afile").write_text("")
    staff = ["staff", "--scenario", str(scenario_file), "--replications", "1", "--max-iterations", "1"]
    for args, message in [
        ([*staff, "--write-scenario", str(scenario_file)], "--write-scenario is the --scenario file"),
        ([*staff, "--write-scenario", str(tmp_path / "new.csv")], "unknown output format '.csv'; use .yaml, .yml"),
        ([*staff, "--write-scenario", str(tmp_path / "afile" / "x.yaml")], "afile is a file, not a folder"),
        (["simulate", "--scenario", str(scenario_file), "--records", str(tmp_path / "afile" / "x.csv")],
         "afile is a file, not a folder"),
        (["simulate", "--scenario", str(scenario_file), "--records", str(tmp_path / "small.parquet")], None),
    ]:
        r = run_cli(*args)
        if message is None:  # a good name still works
            assert r.returncode == 0, r.stderr
            continue
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert scenario_file.read_text() == before


def test_bad_scenario_exits_2_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**SMALL, "arrivals": {"rate_per_hour": [1] * 7}}))
    for command in ("simulate", "staff"):
        r = run_cli(command, "--scenario", str(bad))
        assert r.returncode == 2
        assert r.stderr.strip() == (f"wbcs {command}: error: {bad}: arrivals.rate_per_hour must have 1, 24 or 168 "
                                    "values, got 7")
    r = run_cli("staff", "--scenario", str(tmp_path / "missing.yaml"))
    assert r.returncode == 2 and "scenario file not found" in r.stderr
    r = run_cli("staff", "--scenario", str(bad), "--target", "90")
    assert r.returncode == 2


@pytest.mark.parametrize("command", ["simulate", "staff"])
def test_help_has_a_runnable_example(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0 and f"Example:\n  wbcs {command} --scenario data/scenarios/" in r.stdout


def test_simulate_json_equals_the_in_process_summary(monkeypatch):
    """The command line (a fresh process: the interpreted engine for one short week) prints the
    same figures as replicate() in this process, where the compiled engine runs."""
    from wbcs.config import data_file
    from wbcs.sim import Scenario, engine, replicate

    path = data_file("scenarios/manager_example.yaml")
    r = run_cli("simulate", "--scenario", str(path), "--replications", "2", "--seed", "5", "--json")
    assert r.returncode == 0, r.stderr
    monkeypatch.setattr(engine, "_compiled", engine._compile())  # this process: the compiled loop
    expected = replicate(Scenario.from_yaml(path), 2, 5).to_dict()
    assert json.loads(r.stdout) == json.loads(json.dumps(expected))


def test_an_impossible_date_anywhere_is_one_line_naming_file_line_and_value(scenario_file, tmp_path):
    """An unquoted 2025-02-30 (YAML types it a date) crashed with 'ValueError: day is out of range for month'."""
    from wbcs.config import data_file

    policy = tmp_path / "policy.yaml"
    policy.write_text(data_file("policy.yaml").read_text(encoding="utf-8")
                      .replace("holidays: []", "holidays: [2024-02-30]"), encoding="utf-8")
    bad_policy = tmp_path / "with_policy.yaml"
    bad_policy.write_text(scenario_file.read_text() + f"policy: {policy}\nduty: policy\n")
    bad_start = tmp_path / "bad_start.yaml"
    bad_start.write_text(scenario_file.read_text() + "start: 2025-02-30\n")
    grid = tmp_path / "grid.yaml"
    grid.write_text("start: [2025-02-30]\n")
    sweep = ["sweep", "--scenario", str(scenario_file), "--replications", "1"]
    for args, message in [
        (["simulate", "--scenario", str(bad_policy)], f"policy: {policy}: line 12, column 14: 2024-02-30 is not a "
                                                      "real date or time (day is out of range for month)"),
        (["simulate", "--scenario", str(bad_start)],
         f"{bad_start}: line {bad_start.read_text().count(chr(10))}, column 8: 2025-02-30 is not a real date"),
        ([*sweep, "--vary", "start=2025-02-30"], "--vary start: line 1, column 1: 2025-02-30 is not a real date"),
        ([*sweep, "--grid", str(grid)], f"{grid}: line 1, column 9: 2025-02-30 is not a real date"),
    ]:
        r = run_cli(*args)
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("args, message", [
    (["simulate", "--seed", "-1"], "seed must be a whole number ≥ 0 (--seed), got -1"),
    (["sweep", "--vary", "agents=3", "--seed", "-1"], "seed must be a whole number ≥ 0 (--seed), got -1"),
    (["sweep", "--vary", "agents=3", "--replications", "100000000"],
     "--replications must be between 1 and 10,000, got 100000000"),
    (["staff", "--seed", "-1"], "seed must be a whole number ≥ 0 (--seed), got -1"),
    (["staff", "--max-iterations", "0"], "max_iterations must be a whole number ≥ 1 (--max-iterations), got 0"),
    (["staff", "--max-iterations", "-1"], "max_iterations must be a whole number ≥ 1 (--max-iterations), got -1"),
])
def test_a_negative_seed_or_no_iterations_is_refused(scenario_file, args, message):
    """Were ValueError from SeedSequence and UnboundLocalError 'share' in plan_staffing."""
    r = run_cli(args[0], "--scenario", str(scenario_file), *args[1:])
    assert r.returncode == 2 and r.stderr.strip() == f"wbcs {args[0]}: error: {message}", r.stderr


def test_sweep_refuses_a_key_given_twice(scenario_file, tmp_path):
    """--vary agents=3 --vary agents=4 kept only the last values, silently."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("agents: [3]\n")
    sweep = ["sweep", "--scenario", str(scenario_file), "--replications", "1"]
    for args, where in [(["--vary", "agents=3", "--vary", "agents=4"], "another --vary"),
                        (["--grid", str(grid), "--vary", "agents=4"], f"--grid {grid}")]:
        r = run_cli(*sweep, *args)
        assert r.returncode == 2 and r.stderr.strip() == (
            f"wbcs sweep: error: --vary 'agents=4': agents is also given by {where}; give each key once, with all "
            "its values: --vary agents=V1,V2,..."), r.stderr
    r = run_cli(*sweep, "--vary", "agents=3,4", "--json")
    assert r.returncode == 0 and [row["agents"] for row in json.loads(r.stdout)] == [3, 4], r.stderr


def test_a_scenario_name_holding_a_phone_number_leaves_masked(tmp_path):
    """A scenario's name is shown in the progress bar, the summary, the sweep table and the YAML staff writes:
    masked in each, and a name given as an override is masked like it (formula-guarded in the CSV)."""
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "name": "=cmd 13812345678"}), encoding="utf-8")
    args = ["--scenario", str(path), "--replications", "1"]
    text, shown = run_cli_on_terminal("simulate", *args)  # the bar shows on a terminal only
    assert text.returncode == 0, shown
    assert "simulating =cmd 138****5678" in shown and "13812345678" not in shown
    assert text.stdout.startswith("=cmd 138****5678: 1 replications")
    assert json.loads(run_cli("simulate", *args, "--json").stdout)["scenario"] == "=cmd 138****5678"
    out = tmp_path / "sweep.csv"
    sweep = run_cli("sweep", *args, "--vary", "name==b 13900001111,c", "--out", str(out))
    assert sweep.returncode == 0, sweep.stderr
    assert sweep.stdout.startswith("=cmd 138****5678: 2 policies") and "=b 139****1111" in sweep.stdout
    assert pd.read_csv(out)["name"].tolist() == ["'=b 139****1111", "c"]
    rows = json.loads(run_cli("sweep", *args, "--vary", "name==b 13900001111,c", "--json").stdout)
    assert [r["name"] for r in rows] == ["=b 139****1111", "c"]
    planned = tmp_path / "planned.yaml"
    staff = run_cli("staff", *args, "--target", "0.8", "--write-scenario", str(planned))
    assert staff.returncode == 0, staff.stderr
    assert yaml.safe_load(planned.read_text(encoding="utf-8"))["name"] == "=cmd 138****5678"
    for r in (text, sweep, staff):  # (the terminal run's stderr is `shown`, checked above)
        assert "13812345678" not in r.stdout + (r.stderr or "") and "13900001111" not in r.stdout + (r.stderr or "")


def test_a_mix_that_does_not_sum_to_1_is_said_with_the_shares_simulated(tmp_path):
    """{complaint: 0.5, consultation: 0.3} was scaled to 0.625 / 0.375 silently (an auditor read it as leaving
    0.2 to the other kinds); a mix is relative weights, as --help says, and one line on stderr gives the shares."""
    small = {**SMALL, "horizon_days": 1, "warmup_days": 0}
    weights = tmp_path / "weights.yaml"
    weights.write_text(yaml.safe_dump({**small, "mix": {"complaint": 0.5, "consultation": 0.3}}))
    r = run_cli("simulate", "--scenario", str(weights), "--replications", "1", "--json")
    assert r.returncode == 0, r.stderr
    note = f"{weights}: mix weights sum to 0.8, not 1: simulated as relative weights, complaint 0.625, consultation 0.375"
    assert r.stderr.count(note) == 1, r.stderr
    assert json.loads(r.stdout)["by_kind"]["praise"]["posts"] == 0  # stdout stays JSON; nothing went elsewhere
    shares = tmp_path / "shares.yaml"  # shares that sum to 1: nothing to say
    shares.write_text(yaml.safe_dump({**small, "mix": {"complaint": 0.4, "consultation": 0.35, "vague_negative": 0.15,
                                                       "abuse": 0.04, "praise": 0.06}}))
    r = run_cli("simulate", "--scenario", str(shares), "--replications", "1")
    assert r.returncode == 0 and "mix weights" not in r.stderr, r.stderr
    for command in ("simulate", "sweep", "staff"):
        assert "A scenario's mix is relative weights of the post kinds, scaled to sum to 1" in run_cli(
            command, "--help").stdout
