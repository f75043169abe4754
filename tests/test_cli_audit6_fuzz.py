"""Fuzzed flag values an audit found slipping past the CLI's checks (a traceback or a silent exit 0):
each is now one line naming the flag and exit 2, before any work or cluster starts."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli

SCENARIO = "data/scenarios/manager_example.yaml"
POSTS = "data/examples/labelled.csv"


def _refused(r, *words: str) -> None:
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


@pytest.mark.parametrize("args", [
    ["simulate", "--scenario", SCENARIO, "--replications", "1", "--json"],
    ["kpi", "--posts", POSTS, "--engine", "dask", "--json"],
])
def test_huge_workers_refused_before_a_cluster_starts(args):
    # the old code tried to start the workers and died of a MemoryError after ~40 s: the timeout catches it
    r = run_cli(*args, "--workers", "99999999999999999999", timeout=30)
    _refused(r, "--workers 99999999999999999999", "at most", "per CPU")


@pytest.mark.parametrize("args", [
    ["kpi", "--posts", POSTS, "--json"],
    ["hot", "--posts", POSTS],
])
def test_workers_zero_without_dask_engine_refused(args):
    _refused(run_cli(*args, "--workers", "0"), "--workers must be ≥ 1")


@pytest.mark.parametrize("args", [
    ["simulate", "--scenario", SCENARIO, "--replications", "1", "--json"],
    ["kpi", "--posts", POSTS, "--json"],
])
def test_empty_scheduler_refused(args):
    _refused(run_cli(*args, "--scheduler", ""), "--scheduler ''")


@pytest.mark.parametrize("args", [
    ["ingest", "data/examples/weibo_export.csv"],
    ["datasets", "export", "stc3"],
])
def test_empty_out_name_is_one_line(args):
    _refused(run_cli(*args, "--out", ""), "is a folder")


def test_synth_empty_start_refused(tmp_path):
    r = run_cli("synth", "--days", "2", "--out", str(tmp_path / "x.parquet"), "--start", "")
    _refused(r, "start '' is not a date or time")
    assert not (tmp_path / "x.parquet").exists()


def test_report_account_posts_without_created_at_refused(tmp_path):
    posts = tmp_path / "posts.parquet"
    assert run_cli("synth", "--days", "8", "--posts-per-day", "20", "--out", str(posts)).returncode == 0
    r = run_cli("report", "--posts", str(posts), "--out", str(tmp_path / "r.html"), "--end", "2025-01-08",
                "--account-posts", POSTS)  # a labelled posts file: no created_at
    _refused(r, POSTS, "missing column 'created_at'")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("budget", ["nan", "inf"])
def test_train_non_finite_budget_refused(tmp_path, budget):
    # nan passed 'budget < 0' and card.json then held NaN, which is no JSON
    out = tmp_path / "m" / "1"
    r = run_cli("train", "--task", "sentiment", "--data", POSTS, "--out", str(out), "--budget", budget)
    _refused(r, f"--budget {budget}", "0: no limit")
    assert not out.exists()


def test_select_non_finite_budget_refused():
    from wbcs.classify.configs import select
    from wbcs.errors import InputError

    with pytest.raises(InputError, match="budget nan"):
        select(["好", "差"] * 10, ["positive", "negative"] * 10, budget=float("nan"))


@pytest.mark.parametrize("posts", ["missing", "", "folder", "/dev/null"])
@pytest.mark.parametrize("cmd", ["disagreements", "consensus"])
def test_label_posts_checked_without_disputes(tmp_path, cmd, posts):
    # --posts was read only for disputed (or gold) items: with none, a path that is no file exited 0. One item
    # the annotators agree on gives no dispute; one they dispute gives no gold item
    from wbcs.labeling.store import LabelStore

    sample, store = tmp_path / "sample.csv", tmp_path / "s.sqlite"
    sample.write_text("item_id,fields\n101,sentiment\n")
    with LabelStore(store) as s:
        s.record("101", "sentiment", "neutral", "ann1")
        s.record("101", "sentiment", "neutral" if cmd == "disagreements" else "negative", "ann2")
    posts = {"missing": str(tmp_path / "zz.parquet"), "folder": str(tmp_path)}.get(posts, posts)
    r = run_cli("label", cmd, "--store", str(store), "--sample", str(sample), "--out", str(tmp_path / "o.csv"),
                "--posts", posts)
    _refused(r, *(["a folder, not a file"] if posts == str(tmp_path) else ["--posts", "no such file"]))
    assert not (tmp_path / "o.csv").exists()
