"""A new user's first day, from a folder of their own (not the repository's): the README's commands name the
shipped files by their data/... paths, a new clone has no label store yet, long work shows progress, and every
command says what it covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli
from wbcs.config import DATA_DIR
from wbcs.errors import InputError


def test_a_shipped_scenario_by_name_or_data_path_from_any_folder(tmp_path, monkeypatch):
    from wbcs.sim import Scenario
    from wbcs.sim.scenario import find_scenario

    monkeypatch.chdir(tmp_path)
    shipped = DATA_DIR / "scenarios" / "manager_example.yaml"
    for given in ("manager_example", "manager_example.yaml", "data/scenarios/manager_example.yaml"):
        assert find_scenario(given) == shipped
    assert Scenario.from_yaml("data/scenarios/manager_example.yaml").source == str(shipped)
    own = tmp_path / "manager_example.yaml"  # a file of the user's own goes first
    own.write_text("name: mine\narrivals: {rate_per_hour: 1}\nagents: 1\nservice_minutes: {mean: 1}\n")
    assert find_scenario("manager_example.yaml") == Path("manager_example.yaml")
    with pytest.raises(InputError) as e:
        find_scenario("manger_example")
    assert "default, manager_example, mmc_10086" in str(e.value)
    with pytest.raises(InputError):
        find_scenario("data/scenarios/../policy.yaml")  # a name, never a path out of data/scenarios


def test_simulate_says_which_shipped_scenario_it_read(tmp_path):
    r = run_cli("simulate", "--scenario", "manager_example", "--replications", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"reading the shipped scenario {DATA_DIR / 'scenarios' / 'manager_example.yaml'}" in r.stderr
    r = run_cli("sweep", "--scenario", "nothere", "--vary", "agents=3", cwd=tmp_path)
    assert r.returncode == 2 and "default, manager_example, mmc_10086" in r.stderr
