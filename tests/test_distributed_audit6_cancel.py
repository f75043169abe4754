"""A failed run on a cluster returns only once the tasks still running have ended (audit 6): Dask cannot stop a
running task, and ``predict_archive``'s task finishing after the failed run removed its temporary folder wrote a
partition there again, leaving a hidden ``.OUT.<host>-<pid>-….tmp/`` beside --out."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wbcs.errors import InputError

pytest.importorskip("dask.distributed")


def _job(item: str, *, folder: str) -> str:
    if item == "fail":  # fails once the other task runs, as a truncated partition does beside a long one
        deadline = time.monotonic() + 60
        while not Path(folder, "slow.started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise InputError("part-1.parquet: damaged Parquet file")
    Path(folder, "slow.started").touch()
    time.sleep(2)
    Path(folder, "slow.ended").touch()  # what predict_archive's task writes last: the labelled partition
    return item


@pytest.mark.slow  # a cluster of two workers: ~5-10 s on a shared 2-core machine
def test_a_failed_task_returns_after_the_running_ones_have_ended(tmp_path):
    from wbcs.distributed import cluster, run_tasks

    with cluster(workers=2, quiet=True) as client:
        with pytest.raises(InputError, match="damaged Parquet file"):
            run_tasks(_job, ["slow", "fail"], client=client, folder=str(tmp_path))
        assert (tmp_path / "slow.started").exists()
        assert (tmp_path / "slow.ended").exists()  # it ended before run_tasks raised (it was written after)
        assert run_tasks(_job, ["again"], client=client, folder=str(tmp_path)) == ["again"]  # the cluster still works
