"""A new user's first day, from a folder of their own (not the repository's): the README's commands name the
shipped files by their data/... paths, a new clone has no label store yet, long work shows progress, and every
command says what it covered."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_indicators import crafted
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


def test_report_says_which_period_it_covers_and_on_how_many_posts(tmp_path):
    posts = crafted()  # 8 posts of Monday 2025-03-03 .. Thursday 03-06
    later = posts.iloc[[6]].assign(post_id="p9", created_at=pd.Timestamp("2025-03-10 11:00"))
    path = tmp_path / "posts.csv"
    pd.concat([posts, later]).to_csv(path, index=False)
    r = run_cli("report", "--posts", str(path), "--out", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stderr
    assert ("the week 2025-03-03 to 2025-03-09 (the last complete week of the data; --end DATE reports another), "
            "8 posts of the 9 read (they run from 2025-03-03 to 2025-03-10)") in r.stdout


def test_kpi_duckdb_says_why_an_indicator_is_null_as_pandas_does(tmp_path):
    path = tmp_path / "no_replies.parquet"
    crafted().drop(columns=["reply_at"]).to_parquet(path)
    lines = {}
    for engine in ("pandas", "duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(path), "--engine", engine)
        assert r.returncode == 0, r.stderr
        lines[engine] = [line for line in r.stdout.splitlines() if line.startswith("  ") and "null" in line]
    assert "  negative_handling_rate                 null (no reply times in this data)" in lines["pandas"]
    assert lines["duckdb"] == lines["pandas"] == lines["dask"]
