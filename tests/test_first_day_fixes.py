"""A new user's first day, from a folder of their own (not the repository's): the README's commands name the
shipped files by their data/... paths, a new clone has no label store yet, long work shows progress, and every
command says what it covered."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import TEAM_COMPLAINTS, TEAM_THANKS, run_cli, run_cli_on_terminal, team_export
from tests.test_kpi_indicators import crafted
from wbcs.config import DATA_DIR
from wbcs.errors import InputError


def test_a_missing_default_store_is_built_by_label_rebuild(tmp_path, monkeypatch):
    from wbcs.cli import labeling

    monkeypatch.setattr(labeling, "STORE", tmp_path / "store.sqlite")  # a new clone: no default store yet
    with pytest.raises(InputError) as e:
        labeling._open(labeling.STORE)
    assert "'wbcs label rebuild'" in str(e.value)  # not "import labels first": the committed passes make it
    with pytest.raises(InputError) as e:
        labeling._open(tmp_path / "mine.sqlite")
    assert f"'wbcs label rebuild --store {tmp_path / 'mine.sqlite'}'" in str(e.value)
    assert "wbcs label import FILE" in str(e.value)


def test_label_inputs_named_by_their_data_path_are_the_packages_from_any_folder(tmp_path, monkeypatch, capsys):
    from wbcs.cli.labeling import _shipped_inputs

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "labels").mkdir(parents=True)
    own = Path("data/labels/my_sample.csv")
    own.write_text("item_id\n1\n")
    args = argparse.Namespace(sample=Path("data/labels/gold_sample.csv"), exclude=[own, Path("data/labels/none.csv")],
                              files=[Path("data/labels/passes/ann1/batch_001.csv")], passes=Path("data/labels/passes"),
                              parts=Path("data/labels/split.csv"), out=Path("data/labels/split.csv"),
                              store=Path("data/labels/store.sqlite"))
    _shipped_inputs(args)
    assert args.sample == DATA_DIR / "labels" / "gold_sample.csv"
    assert args.exclude == [own, Path("data/labels/none.csv")]  # here, or nowhere: as given
    assert args.files == [DATA_DIR / "labels" / "passes" / "ann1" / "batch_001.csv"]
    assert args.passes == DATA_DIR / "labels" / "passes" and args.parts == DATA_DIR / "labels" / "split.csv"
    # nothing is ever written into the package, and the store is the user's
    assert args.out == Path("data/labels/split.csv") and args.store == Path("data/labels/store.sqlite")
    assert f"reading the package's {DATA_DIR / 'labels' / 'gold_sample.csv'}" in capsys.readouterr().err


def test_label_import_of_a_committed_pass_from_another_folder(tmp_path):
    store = tmp_path / "labels.sqlite"
    r = run_cli("label", "import", "data/labels/passes/ann1/batch_001.csv", "--annotator", "ann1",
                "--store", str(store), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "reading the package's" in r.stderr and "recorded" in r.stdout


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


def test_label_split_says_the_dialogues_it_rejected(tmp_path, mirror):
    r = run_cli("label", "split", "--out", str(tmp_path / "split.csv"), "--test-frac", "0.2", "--seed", "0")
    assert r.returncode == 0, r.stderr
    written = len(pd.read_csv(tmp_path / "split.csv"))
    assert f"wrote {written} dialogues" in r.stdout
    assert f"; {3700 - written} rejected (implausible ids" in r.stdout  # STC-3's training part: 3,700


def test_label_issues_shows_its_steps_and_folds_on_a_terminal(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(team_export(), encoding="utf-8")
    posts = tmp_path / "posts.parquet"
    assert run_cli("ingest", str(export), "--out", str(posts), cwd=tmp_path).returncode == 0
    table = pd.read_parquet(posts)
    ids = dict(zip(table["text"], table["post_id"], strict=True))
    sample, store = tmp_path / "sample.csv", tmp_path / "store.sqlite"
    fields = "sentiment intent negative_subtype"
    pd.DataFrame({"item_id": [ids[t] for t in TEAM_COMPLAINTS + TEAM_THANKS], "fields": fields}).to_csv(
        sample, index=False)
    labels = pd.DataFrame({"item_id": [ids[t] for t in TEAM_COMPLAINTS + TEAM_THANKS],
                           "sentiment": ["negative"] * 8 + ["positive"] * 8,
                           "intent": ["complaint"] * 8 + ["praise"] * 8,
                           "negative_subtype": ["concrete_complaint"] * 8 + [""] * 8})
    for ann in ("ann1", "ann2"):
        labels.to_csv(tmp_path / f"{ann}.csv", index=False)
        r = run_cli("label", "import", str(tmp_path / f"{ann}.csv"), "--annotator", ann, "--store", str(store),
                    "--sample", str(sample), "--identical")
        assert r.returncode == 0, r.stderr
    r, shown = run_cli_on_terminal("label", "issues", "--store", str(store), "--sample", str(sample), "--posts",
                                   str(posts), "--field", "sentiment", "--folds", "3",
                                   "--out", str(tmp_path / "issues.csv"), cwd=tmp_path)
    assert r.returncode == 0, shown
    for step in ("label issues: resolving the labels", "label issues: reading the texts",
                 "label issues: out-of-fold models", "out-of-fold models:"):
        assert step in shown, shown
    # the folds' bar counts to 3 (its first frame "0/3 [" is drawn at once; a fast run closes a leave=False bar
    # before tqdm's 0.1 s redraw interval shows "3/3", so that frame is not asserted)
    assert "/3 [" in shown
    assert "among 16 sentiment labels" in r.stdout


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
