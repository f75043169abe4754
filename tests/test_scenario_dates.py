"""A scenario's times are written year first: '06/01/2025' was read as 1 June (month first) and '13/01/2025' as
13 January (day first), one file read both ways; now both are refused with the rule the CLI's time options use
(wbcs.io.times.option_time), naming the file, the key path and the value."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.sim.scenario import Scenario, shipped_scenarios

MANAGER = data_file("scenarios/manager_example.yaml").read_text(encoding="utf-8")
BURST = '    - {start: "2025-01-08 10:00", hours: 2, posts: 500, kind: complaint}\n'


def _written(tmp_path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_day_month_start_is_refused_by_simulate_in_one_line(tmp_path):
    # the auditor's repro: start 06/01/2025 (meant 6 January, a Monday) ran from Sunday 1 June, exit 0
    text = "".join(line for line in MANAGER.splitlines(keepends=True) if "bursts:" not in line and "- {start:" not in line)
    path = _written(tmp_path, text.replace("start: 2025-01-06 ", "start: 06/01/2025 "))
    r = run_cli("simulate", "--scenario", str(path), "--replications", "2", "--json")
    assert one_error(r, "simulate") == (
        f"wbcs simulate: error: {path}: start '06/01/2025' is read two ways (6 January or 1 June); write it year "
        "first as YYYY-MM-DD HH:MM, e.g. 2025-01-06 for the first")


@pytest.mark.parametrize(("old", "new", "said"), [
    # '08/01/2025 10:00' was a burst on 1 August, outside the horizon, or inside it for a longer one
    ('"2025-01-08 10:00"', '"08/01/2025 10:00"', "arrivals.bursts[0].start '08/01/2025 10:00' is read two ways (8 "
     "January or 1 August); write it year first as YYYY-MM-DD HH:MM, e.g. 2025-01-08 for the first"),
    # 13/01/2025 was read as 13 January: a file whose other dates are month first reads it the other way
    ("start: 2025-01-06 ", "start: 13/01/2025 ", "start '13/01/2025' is not written year first; write it as "
     "YYYY-MM-DD HH:MM, e.g. 2024-05-04 or '2024-05-04 21:30'"),
])
def test_a_day_month_time_is_refused_naming_its_key_path(tmp_path, old, new, said):
    path = _written(tmp_path, MANAGER.replace(old, new))
    with pytest.raises(InputError) as e:
        Scenario.from_yaml(path)
    assert str(e.value) == f"{path}: {said}"


def test_sweep_values_go_through_the_same_rule(tmp_path):
    path = _written(tmp_path, MANAGER)
    r = run_cli("sweep", "--scenario", str(path), "--replications", "1", "--vary", "start=2025-01-06,06/01/2025")
    line = one_error(r, "sweep")
    assert "start '06/01/2025' is read two ways (6 January or 1 June)" in line, line


@pytest.mark.parametrize("start, burst", [
    ("2025-01-13", '"2025-01-15 10:00"'),  # YAML-native: PyYAML reads an unquoted date as a datetime.date
    ('"2025-01-13"', "2025-01-15 10:00:00"),  # and an unquoted date and time as a datetime.datetime
    ('"2025-01-13 00:00"', '"2025-01-15 10:00:30"'),  # text, with hours, minutes, seconds
])
def test_year_first_dates_load_as_text_or_yaml_dates(tmp_path, start, burst):
    text = MANAGER.replace("start: 2025-01-06 ", f"start: {start} ").replace('"2025-01-08 10:00"', burst)
    s = Scenario.from_yaml(_written(tmp_path, text))
    assert s.start == pd.Timestamp("2025-01-13")
    assert s.bursts[0].start_minute == 2 * 1440 + 10 * 60 + (0.5 if burst.endswith(':30"') else 0)


def test_a_date_picker_s_date_or_datetime_still_works():
    base = Scenario.from_yaml("manager_example")
    bursts = [{"start": dt.datetime(2025, 1, 16, 9, 30), "hours": 1, "posts": 50}]
    moved = base.updated({"start": dt.date(2025, 1, 13), "arrivals": {"bursts": bursts}})
    assert moved.start == pd.Timestamp("2025-01-13")
    assert moved.bursts[0].start_minute == 3 * 1440 + 9 * 60 + 30


@pytest.mark.parametrize("name, bursts", [
    ("default", [(9 * 24 + 10) * 60]),  # 2025-01-15 10:00 from Monday 2025-01-06
    ("manager_example", [(2 * 24 + 10) * 60]),  # 2025-01-08 10:00
    ("mmc_10086", []),
])
def test_every_shipped_scenario_still_loads(name, bursts):
    assert name in shipped_scenarios()
    s = Scenario.from_yaml(name)
    assert s.start == pd.Timestamp("2025-01-06")
    assert [b.start_minute for b in s.bursts] == bursts


def test_no_shipped_scenario_is_left_out():
    assert shipped_scenarios() == ["default", "manager_example", "mmc_10086"]
