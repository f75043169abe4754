"""The CLI against an existing cluster: a `dask scheduler` and a `dask worker` that the test
launches as separate processes and stops; the sweep table, the KPIs and the archive's
predictions and hot issues equal the in-process ones."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.config import data_file
from wbcs.kpi.partitioned import write_archive

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a running `dask scheduler` with one `dask worker` (own processes)."""
    from dask.distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    file = folder / "scheduler.json"
    dask = str(Path(sys.executable).parent / "dask")
    procs = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(file), "--port", "0",
                               "--dashboard-address", ":0"], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 120
        while not file.exists():  # the scheduler writes its address when it listens
            assert procs[0].poll() is None and time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.2)
        procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(file), "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard"], cwd=folder,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(scheduler_file=str(file), timeout=60) as c:
            c.wait_for_workers(1, timeout=120)
            address = c.scheduler.address
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


@pytest.mark.slow
def test_sweep_and_kpis_through_a_running_scheduler_equal_in_process(scheduler, tmp_path):
    from wbcs.synth import generate_posts

    scenario = tmp_path / "short.yaml"
    scenario.write_text(data_file("scenarios/manager_example.yaml").read_text(encoding="utf-8")
                        .replace("horizon_days: 7", "horizon_days: 3"), encoding="utf-8")
    args = ["sweep", "--scenario", str(scenario), "--vary", "patrol_minutes=10,60", "--replications", "2",
            "--seed", "3", "--json"]
    here = run_cli(*args)
    there = run_cli(*args, "--scheduler", scheduler)
    assert here.returncode == 0 and there.returncode == 0, here.stderr + there.stderr
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert f"dask: {scheduler} with 1 worker(s)" in there.stderr and "dashboard http" in there.stderr

    posts = generate_posts(days=20, start="2025-02-20", posts_per_day=40, seed=1)
    archive = write_archive(posts, tmp_path / "archive")
    glob = f"{archive}/**/*.parquet"
    duck = run_cli("kpi", "--posts", glob, "--engine", "duckdb", "--period", "week", "--json")
    assert duck.returncode == 0, duck.stderr
    # env instead of the flag: the same cluster
    there = run_cli("kpi", "--posts", glob, "--engine", "dask", "--period", "week", "--json",
                    env={"WBCS_DASK_SCHEDULER": scheduler})
    assert there.returncode == 0, there.stderr
    a, b = json.loads(duck.stdout), json.loads(there.stdout)
    assert a.pop("input")["engine"] == "duckdb" and b.pop("input")["engine"] == "dask"
    assert a == b and a["volume"] == len(posts) and len(a["table"]) >= 3

    # predictions of the archive by the separate worker equal this process's, file by file
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier, save_model
    from wbcs.distributed.predict import predict_archive

    model = save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}), tmp_path / "tiny")
    r = run_cli("predict", "--model", str(model), "--input", str(archive), "--out", str(tmp_path / "there"),
                "--scheduler", scheduler)
    assert r.returncode == 0, r.stderr
    predict_archive(archive, tmp_path / "here", model=model, progress=False)
    layout = sorted(p.relative_to(archive) for p in archive.rglob("*.parquet"))
    for out in ("here", "there"):
        assert sorted(p.relative_to(tmp_path / out) for p in (tmp_path / out).rglob("*.parquet")) == layout
    for name in layout:
        a, b = pd.read_parquet(tmp_path / "here" / name), pd.read_parquet(tmp_path / "there" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert {"sentiment_pred", "sentiment_proba"} <= set(a.columns)

    # hot issues of the archive through the running scheduler (near-duplicate join and its shuffles
    # on the separate worker) equal the in-process tables of the archive as one table
    from wbcs.cli.analytics import records, to_json
    from wbcs.kpi.hot import hot_issues
    from wbcs.kpi.partitioned_hot import read_archive

    r = run_cli("hot", "--posts", glob, "--engine", "dask", "--scheduler", scheduler, "--top", "0", "--json")
    assert r.returncode == 0, r.stderr
    got, want = json.loads(r.stdout), hot_issues(read_archive(glob))
    assert len(want["alerts"]) > 0 and (want["alerts"]["cluster_kind"] == "near_duplicate").any()
    for name in ("incidents", "alerts", "spikes"):
        assert got[name] == json.loads(to_json(records(want[name])))
