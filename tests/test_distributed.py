"""wbcs.distributed on a real LocalCluster of 2 worker processes (one cluster for the module):
archive predictions, KPIs, replications, staffing and sweeps equal the in-process results; a
worker killed mid-job neither loses nor duplicates a partition."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.kpi.partitioned import write_archive

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    from wbcs.distributed import cluster

    with cluster(workers=2, quiet=True) as c:
        yield c


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from wbcs.synth import generate_posts

    posts = generate_posts(days=45, start="2025-01-20", posts_per_day=60, seed=3)
    return write_archive(posts, tmp_path_factory.mktemp("archive") / "posts", ("month", "operator"))


# --------------------------------------------------------------------------- the client


def test_neither_flag_is_the_in_process_path_and_both_flags_are_an_error(monkeypatch):
    from wbcs.distributed import cluster, connect

    monkeypatch.delenv("WBCS_DASK_SCHEDULER", raising=False)
    assert connect() is None
    with cluster() as c:
        assert c is None
    with pytest.raises(InputError, match="give one of them"):
        connect(workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="--workers must be ≥ 1"):
        connect(workers=0)


@pytest.mark.slow  # two CLI start-ups / worker imports: ~7-20 s on a shared 2-core machine
def test_a_wrong_scheduler_address_is_one_clear_line_and_exit_2(archive):
    r = run_cli("kpi", "--posts", str(archive), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
                env={"WBCS_DASK_TIMEOUT": "1"})
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "dask scheduler 'tcp://127.0.0.1:9': cannot connect" in lines[0] and "dask scheduler" in lines[0]
    # the environment variable is read the same way
    r = run_cli("simulate", "--scenario", str(data_file("scenarios/manager_example.yaml")),
                env={"WBCS_DASK_SCHEDULER": "tcp://127.0.0.1:9", "WBCS_DASK_TIMEOUT": "1"})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_parquet_files_and_their_base(archive, tmp_path):
    from wbcs.distributed import parquet_files

    files, base = parquet_files(f"{archive}/**/*.parquet")
    assert base == str(archive) and len(files) == 9  # 3 months × 3 operators
    assert all(Path(f).relative_to(archive).parts[0].startswith("month=") for f in files)
    assert parquet_files(archive) == (files, base)
    with pytest.raises(InputError, match="no Parquet file there"):
        parquet_files(tmp_path / "nothing" / "*.parquet")


def test_run_tasks_keeps_the_order_and_raises_the_tasks_error(client):
    from wbcs.distributed import chunk_size, run_tasks

    assert run_tasks(float, ["3", "1", "2"], client=client) == [3.0, 1.0, 2.0]
    items = [str(i) for i in range(11)]
    for chunk in (2, 4, 11, None):  # batched tasks, a short last one: the same list in the same order
        assert run_tasks(float, items, client=client, chunk=chunk) == [float(i) for i in range(11)]
    # chunk=None: 4 tasks per worker thread (2 here), at least one item each
    assert chunk_size(4000, client, None) == 500 and chunk_size(3, client, None) == 1
    # repeated: when both results arrive in one batch the failed one is second, and dask's
    # batches() does not raise for it (it did not, once in ~20 runs, before run_tasks checked)
    for _ in range(10):
        with pytest.raises(ValueError, match="'x'"):
            run_tasks(float, ["1", "x"], client=client)


def _dot(i: int, *, big: np.ndarray) -> float:
    return float(big[i])


def test_run_tasks_with_a_large_shared_argument_twice(client):
    """Left in the call, a large keyword argument went into the graph under a fixed key 'kwargs'
    and a second call collided with it (distributed's "assert ts.priority")."""
    from wbcs.distributed import run_tasks

    big = np.arange(2_000_000, dtype=float)  # 16 MB
    for _ in range(2):
        assert run_tasks(_dot, [3, 1, 4], client=client, big=big) == [3.0, 1.0, 4.0]


def test_run_tasks_waits_on_its_own_clients_loop_when_another_client_is_newer(client):
    """Dask's as_completed follows the *default* client's event loop (the newest one) unless
    told: with a second cluster open (a notebook with two, or bench_dask's rounds) run_tasks
    then awaited the first client's futures on the second's loop, across threads, and hung
    once in a 200-policy sweep. Here the newer client's loop is held busy: run_tasks on the
    older client must finish without it."""
    import threading

    from wbcs.distributed import cluster, run_tasks

    with cluster(workers=1, quiet=True) as newer:
        release, state = threading.Event(), {}

        def hold():  # runs on the newer client's loop thread and blocks it
            state["released"] = release.wait(timeout=60)

        newer.loop.add_callback(hold)
        try:
            assert run_tasks(float, ["1", "2", "3"], client=client) == [1.0, 2.0, 3.0]
        finally:
            release.set()
        newer.submit(int, "1").result(timeout=60)  # the newer loop has run hold() to its end
        assert state["released"] is True  # run_tasks returned while the newer loop was held


# --------------------------------------------------------------------------- KPIs


def test_kpis_of_a_hand_computed_archive(tmp_path, client):
    from wbcs.kpi import partitioned

    t0 = pd.Timestamp("2025-03-03 09:00", tz="Asia/Shanghai")
    # response minutes 10, 20 | 30, 40 | 50, 60, 70 (and one unanswered post) in three files
    minutes = [10, 20, 30, 40, 50, 60, 70, None]
    posts = pd.DataFrame({
        "post_id": [str(i) for i in range(8)],
        "created_at": [t0 + pd.Timedelta(hours=i) for i in range(8)],
        "reply_at": [t0 + pd.Timedelta(hours=i, minutes=m) if m else pd.NaT for i, m in enumerate(minutes)],
        "sentiment": ["negative", "positive", "negative", "neutral", "negative", "positive", "positive", "negative"],
        "intent": ["complaint", "praise", "complaint", "other", "complaint", "praise", "praise", "complaint"],
        "part": ["a", "a", "b", "b", "c", "c", "c", "c"],
    })
    folder = write_archive(posts, tmp_path / "hand", ("part",))
    k = partitioned.indicators(folder, client=client)
    assert k["volume"] == 8
    # 7 answers: median = 40, p90 at rank 0.9·6 = 5.4 → 60 + 0.4·(70 − 60) = 64
    assert k["median_response_minutes"] == 40
    assert k["p90_response_minutes"] == pytest.approx(64)
    # 3 positive, 4 negative → (3 − 4) / 7; 3 of the 4 negative posts answered
    assert k["net_favorability"] == pytest.approx(-1 / 7)
    assert k["negative_handling_rate"] == pytest.approx(3 / 4)
    by_part = partitioned.indicators(folder, by="part", client=client)
    assert by_part["volume"].tolist() == [2, 2, 4]
    assert by_part["median_response_minutes"].tolist() == [15, 35, 60]


@pytest.mark.parametrize("request_", [{}, {"period": "week", "by": ["topic"]}, {"by": ["month", "post_kind"]}],
                         ids=["summary", "week-topic", "month-kind"])
def test_kpis_on_the_cluster_equal_duckdb_on_the_same_files(archive, client, request_):
    from wbcs.distributed import parquet_files
    from wbcs.kpi import duck, partitioned

    files, _ = parquet_files(archive)
    expected = duck.indicators(files, **request_)
    got = partitioned.indicators(f"{archive}/**/*.parquet", client=client, **request_)
    if isinstance(expected, dict):
        assert json.dumps(got, sort_keys=True, default=str) == json.dumps(expected, sort_keys=True, default=str)
    else:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # and in process: the same tasks, the same numbers
    again = partitioned.indicators(archive, **request_)
    if isinstance(expected, dict):
        assert again == got
    else:
        pd.testing.assert_frame_equal(again, got, check_exact=True)


# --------------------------------------------------------------------------- hot issues


@pytest.fixture(scope="module")
def outage_archive(tmp_path_factory):
    """24 days across a month boundary, a China Unicom network outage 22:30 on 31 January to
    01:30 on 1 February, partitioned by month and operator (6 files); a seventh of the other
    posts have no topic (their issues are near-duplicate clusters)."""
    from wbcs.synth import generate_posts

    posts = generate_posts(days=24, start="2025-01-15", posts_per_day=60, seed=4, bursts=[
        {"start": "2025-01-31 22:30", "hours": 3, "posts": 120, "topic": "network", "operator": "china_unicom"}])
    loose = (np.random.default_rng(0).random(len(posts)) < 1 / 7) & posts["burst"].isna().to_numpy()
    posts["topic"] = posts["topic"].astype(object).where(~loose, None)
    return write_archive(posts, tmp_path_factory.mktemp("outage") / "posts", ("month", "operator"))


def _assert_same_hot(got: dict, want: dict) -> None:
    assert list(got) == list(want) == ["incidents", "alerts", "spikes"]
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)


@pytest.mark.slow  # the in-process references and the cluster's run: ~20-40 s on a shared 2-core machine
def test_hot_issues_of_an_archive_on_the_cluster_equal_in_process(outage_archive, client):
    from wbcs.kpi.hot import hot_issues
    from wbcs.kpi.partitioned_hot import hot_issues as archive_hot_issues
    from wbcs.kpi.partitioned_hot import read_archive

    posts = read_archive(outage_archive)
    assert posts["post_id"].is_unique and len(posts) > 1_500
    want = hot_issues(posts)
    got = archive_hot_issues(f"{outage_archive}/**/*.parquet", client=client)
    _assert_same_hot(got, want)
    _assert_same_hot(archive_hot_issues(outage_archive), want)  # and the same tasks in process
    topics_only = hot_issues(posts, near_duplicates=False)
    _assert_same_hot(archive_hot_issues(outage_archive, near_duplicates=False, client=client), topics_only)

    # near-duplicate clusters link posts across files: alerts and issues of them are there
    assert {"topic", "near_duplicate"} <= set(got["alerts"]["cluster_kind"])
    assert (topics_only["alerts"]["cluster_kind"] == "topic").all()
    assert got["incidents"]["issue"].str.contains("|~", regex=False).any()
    # the outage is one topic spike across the month boundary: its February hours are tested
    # against a baseline that lies in the January files
    spikes = got["spikes"][got["spikes"]["series"] == "topic"]
    assert spikes["key"].tolist() == ["topic:network"]
    s = spikes.iloc[0]
    assert s["start"] <= pd.Timestamp("2025-01-31 23:00") and s["end"] >= pd.Timestamp("2025-02-01 01:00")
    assert s["n_posts"] >= 120 and set(s["post_ids"]) <= set(posts["post_id"])
    # the February file alone has no baseline for its first week: no spike there
    february = archive_hot_issues(f"{outage_archive}/month=2025-02/**/*.parquet", near_duplicates=False)
    assert not (february["spikes"]["key"] == "topic:network").any()
    # and one surge incident spanning both days, not one per partition
    top = got["incidents"].iloc[0]
    assert (top["status"], top["issue"]) == ("surge", "china_unicom|network")
    assert (top["start"], top["end"]) == (pd.Timestamp("2025-01-31"), pd.Timestamp("2025-02-02"))
    assert top["observed"] >= 120 and top["observed"] > 5 * top["expected"]


def test_hot_issues_of_an_archive_need_its_labels(tmp_path):
    from wbcs.kpi.partitioned_hot import hot_issues

    posts = pd.DataFrame({"post_id": ["1", "2"], "text": ["a", "b"], "intent": ["complaint", "other"],
                          "created_at": pd.to_datetime(["2025-03-01 10:00", "2025-03-02 10:00"]).tz_localize(
                              "Asia/Shanghai")})
    folder = write_archive(posts, tmp_path / "a", ("month",))
    with pytest.raises(InputError, match=r"month=2025-03.*no 'topic' column: label the archive first"):
        hot_issues(folder)
    with pytest.raises(InputError, match="no Parquet file there"):
        hot_issues(tmp_path / "missing")


@pytest.mark.slow  # a CLI start-up that starts a 2-worker cluster: ~10-30 s on a shared machine
def test_hot_cli_on_a_cluster_equals_the_in_process_run(outage_archive):
    from wbcs.cli.analytics import records, to_json
    from wbcs.kpi.hot import hot_issues
    from wbcs.kpi.partitioned_hot import read_archive

    r = run_cli("hot", "--posts", str(outage_archive), "--engine", "dask", "--workers", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert "dask: " in r.stderr and "with 2 worker(s)" in r.stderr
    got = json.loads(r.stdout)
    want = hot_issues(read_archive(outage_archive))
    assert got["input"] == {"file": str(outage_archive), "engine": "dask", "series": "topic, near_duplicate"}
    assert got["n_incidents"] == len(want["incidents"]) > 10
    assert got["incidents"] == json.loads(to_json(records(want["incidents"].head(10))))
    assert got["alerts"] == json.loads(to_json(records(want["alerts"])))
    assert got["spikes"] == json.loads(to_json(records(want["spikes"])))


def test_hot_cli_with_a_bad_archive_is_one_line_and_exit_2(tmp_path):
    r = run_cli("hot", "--posts", str(tmp_path / "no-archive"), "--engine", "dask")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-archive: no Parquet file there" in lines[0], r.stderr


# --------------------------------------------------------------------------- predictions


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A small sentiment model (the shipped one takes seconds to load in every worker)."""
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    return save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}),
                      tmp_path_factory.mktemp("model") / "tiny")


def _read_all(folder: Path) -> dict[str, pd.DataFrame]:
    return {str(p.relative_to(folder)): pd.read_parquet(p) for p in sorted(folder.rglob("*.parquet"))}


@pytest.mark.slow  # workers import the classifier stack: ~20 s on a shared 2-core machine
def test_archive_predictions_on_the_cluster_equal_in_process(archive, client, tmp_path, model_dir):
    from wbcs.classify import load_model
    from wbcs.distributed.predict import predict_archive

    cluster_run = predict_archive(f"{archive}/**/*.parquet", tmp_path / "cluster", model=model_dir,
                                  client=client, progress=False)
    local_run = predict_archive(archive, tmp_path / "local", model=model_dir, progress=False)
    a, b = _read_all(tmp_path / "cluster"), _read_all(tmp_path / "local")
    inputs = _read_all(archive)
    assert list(a) == list(b) == list(inputs)  # the same layout: month=…/operator=…/part-0.parquet
    model = load_model(model_dir)
    for name, frame in a.items():
        pd.testing.assert_frame_equal(frame, b[name], check_exact=True)
        # the labels are the model's on the rows of that file
        labels = model.predict(inputs[name]["text"])
        assert (frame["sentiment_pred"].to_numpy() == labels["sentiment"].to_numpy()).all()
    assert cluster_run["rows"] == local_run["rows"] == sum(len(f) for f in inputs.values())
    # the worker processes, not this one, did the cluster run's work
    assert os.getpid() not in {p["worker_pid"] for p in cluster_run["partitions"]}
    # a folder that is not a model fails on the workers, and the client gets that one error
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(InputError, match="not a model folder"):
        predict_archive(archive, tmp_path / "nothing", model=tmp_path / "not-a-model", client=client, progress=False)


def test_predict_refuses_to_write_over_its_input(archive, model_dir):
    from wbcs.distributed.predict import predict_archive

    with pytest.raises(InputError, match="inside the archive"):  # a re-run would read its outputs
        predict_archive(archive, archive / "labelled", model=model_dir, progress=False)
    files = sorted(str(p) for p in Path(archive).rglob("*.parquet"))
    with pytest.raises(InputError, match="writing it would destroy the input"):  # the same layout, same folder
        predict_archive(files, archive, model=model_dir, progress=False)


class KillOnce:
    """A worker plugin: the first task that starts on a worker after it is added kills that
    worker's process (SIGKILL, as an OOM killer would), once for the whole cluster."""

    name = "wbcs-test-kill-once"

    def __init__(self, marker: str):
        self.marker = marker

    def setup(self, worker):
        pass

    def teardown(self, worker):
        pass

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing":
            return
        # claim the kill atomically: with a check-then-write, both workers starting a task at once both killed
        # themselves (CI, 2026-12-05), the scattered arguments died with them and the job was cancelled
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_killed_mid_job_loses_and_duplicates_no_partition(archive, client, tmp_path, model_dir):
    from dask.distributed import WorkerPlugin

    from wbcs.distributed.predict import predict_archive

    plugin = type("Kill", (KillOnce, WorkerPlugin), {})(str(tmp_path / "killed"))
    client.register_plugin(plugin, name=KillOnce.name)
    try:
        pids = set(client.run(os.getpid).values())
        result = predict_archive(archive, tmp_path / "out", model=model_dir, client=client, progress=False)
    finally:
        client.unregister_worker_plugin(KillOnce.name)
    killed = int((tmp_path / "killed").read_text())
    assert killed in pids  # a worker of the cluster died while running a partition
    done = [p["file"] for p in result["partitions"]]
    inputs = _read_all(archive)
    assert len(done) == len(set(done)) == len(inputs)
    assert killed not in {p["worker_pid"] for p in result["partitions"]}
    expected = predict_archive(archive, tmp_path / "expected", model=model_dir, progress=False)
    assert expected["rows"] == result["rows"]
    got, want = _read_all(tmp_path / "out"), _read_all(tmp_path / "expected")
    assert list(got) == list(want)  # every partition once, nothing half-written beside them
    for name, frame in got.items():
        pd.testing.assert_frame_equal(frame, want[name], check_exact=True)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it: the next tests have 2 workers


# --------------------------------------------------------------------------- simulations


@pytest.fixture(scope="module")
def short():
    from wbcs.sim import Scenario

    return Scenario.from_yaml(data_file("scenarios/manager_example.yaml")).updated(
        {"horizon_days": 2, "warmup_days": 0, "arrivals": {"bursts": []}})


def test_replications_on_the_cluster_equal_in_process(short, client):
    from wbcs.sim import replicate

    a = replicate(short, 4, seed=5, keep_records=True, client=client)
    b = replicate(short, 4, seed=5, keep_records=True)
    pd.testing.assert_frame_equal(a.per_run, b.per_run, check_exact=True)
    pd.testing.assert_frame_equal(a.records, b.records, check_exact=True)
    pd.testing.assert_frame_equal(a.hourly, b.hourly, check_exact=True)
    assert a.to_dict() == b.to_dict()


def test_sweep_rows_are_the_replicate_summaries_and_equal_on_the_cluster(short, client):
    from wbcs.sim import replicate
    from wbcs.sim.sweep import patch, sweep

    grid = {"patrol_minutes": [10, 60], "agents": [2, 4]}
    table = sweep(short, grid, 3, seed=7, client=client)  # 12 runs: 2 per task on 2 workers
    pd.testing.assert_frame_equal(table, sweep(short, grid, 3, seed=7), check_exact=True)
    # any batching of the runs into tasks (one per task, 5 with a short last one): the same table
    for chunk in (1, 5):
        pd.testing.assert_frame_equal(sweep(short, grid, 3, seed=7, client=client, chunk=chunk), table,
                                      check_exact=True)
    with pytest.raises(InputError, match="chunk must be a whole number"):
        sweep(short, grid, 3, chunk=0)
    assert table[["patrol_minutes", "agents"]].values.tolist() == [[10, 2], [10, 4], [60, 2], [60, 4]]
    # a row is replicate()'s summary of that policy with the same seed (common random numbers)
    one = replicate(short.updated({"patrol_minutes": 60, "agents": 4}), 3, seed=7).table
    row = table.iloc[3]
    for metric in ("first_response_attainment", "mean_wait_minutes", "posts"):
        assert row[metric] == one.loc[metric, "mean"]
        assert row[f"{metric}_ci_low"] == one.loc[metric, "ci_low"]
    # more agents, shorter waits (same arrivals in every policy)
    assert table.loc[1, "mean_wait_minutes"] < table.loc[0, "mean_wait_minutes"]
    assert patch({"duty.end": "18:00", "agents": 3}) == {"duty": {"end": "18:00"}, "agents": 3}
    with pytest.raises(InputError, match="sweep policy"):
        sweep(short, {"patrol_minutes": [-5]}, 2)


@pytest.mark.slow
def test_staffing_plan_on_the_cluster_equals_in_process(short, client):
    from wbcs.sim import plan_staffing

    a = plan_staffing(short, 0.8, replications=2, seed=1, max_iterations=4, client=client)
    b = plan_staffing(short, 0.8, replications=2, seed=1, max_iterations=4)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert (a.iterations, a.converged) == (b.iterations, b.converged)
    assert np.array_equal(a.table["sim_agents"], b.table["sim_agents"])


@pytest.mark.slow  # two what-if apps with their widgets: ~5-30 s on a shared 2-core machine
def test_the_what_if_app_replicates_on_the_cluster_as_in_process(short, client):
    from wbcs.viz import sim as vs

    here = vs.WhatIfApp(short, b={"patrol": 10}, replications=2, seed=1)
    there = vs.WhatIfApp(short, b={"patrol": 10}, replications=2, seed=1, client=client)
    assert list(there.summaries) == list(here.summaries) and len(here.summaries) == 2
    for label, summary in here.summaries.items():
        pd.testing.assert_frame_equal(there.summaries[label].per_run, summary.per_run, check_exact=True)
        pd.testing.assert_frame_equal(there.summaries[label].records, summary.records, check_exact=True)



def test_an_archive_partitioned_by_a_column_holding_pii_has_masked_folder_names(tmp_path):
    """A folder name leaves the package like a cell: a partition value is masked before it names a folder
    (unless mask=False), and the archive reads back with the masked values as its column."""
    from tests.test_kpi_indicators import crafted
    from wbcs.kpi import duck
    from wbcs.kpi.partitioned_hot import read_archive

    posts = crafted().assign(province=["广东 13812345678", "广东 13812345678", "北京", "a.b@example.com"] * 2)
    folder = write_archive(posts, tmp_path / "arch", ("province",))
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["province=%E5%8C%97%E4%BA%AC", "province=%E5%B9%BF%E4%B8%9C%20138%2A%2A%2A%2A5678",
                     "province=a%2A%2A%2A%40example.com"]
    back = read_archive(folder, columns=["post_id", "province"]).sort_values("post_id")
    assert back["province"].tolist() == ["广东 138****5678", "广东 138****5678", "北京", "a***@example.com"] * 2
    assert set(duck.indicators(folder, by="province")["province"]) == {"广东 138****5678", "北京", "a***@example.com"}
    raw = write_archive(posts, tmp_path / "raw", ("province",), mask=False)  # asked for: as written
    assert (raw / "province=a.b%40example.com").is_dir()
