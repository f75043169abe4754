"""Scale out on Dask: one way to get a cluster, one way to run tasks on it (issue 11).

Three places outgrow one process — scoring an archive with a slow model, KPIs over a
national archive, policy sweeps — and each takes a ``client`` argument: ``None`` runs in
this process exactly as before; a ``dask.distributed.Client`` sends the same tasks to a
cluster. Where the client comes from:

- ``connect(workers=N)`` starts a ``LocalCluster`` of N worker processes (one thread each);
- ``connect(scheduler="tcp://HOST:8786")``, or ``$WBCS_DASK_SCHEDULER``, connects to a
  running scheduler (``dask scheduler`` + ``dask worker``, Kubernetes, YARN, HPC: whatever
  Dask deploys);
- neither: ``None``, the in-process path.

``cluster(...)`` is the same as a context manager that closes what it opened (an
existing cluster is left running). The CLI's ``--workers`` and ``--scheduler`` flags
(``add_arguments``) go through it. ``run_tasks(fn, items, client=...)`` maps a function
over items on the cluster or in process, with a progress bar, and returns the results in
the items' order, so both paths give the same table; ``chunk`` batches many short items
per task (a task costs the scheduler ~30 ms, a one-week simulation ~70 ms).

Workers read files (archives, models) by path: on a real cluster they must see the same
filesystem as the client. Dask itself is imported only when a cluster is asked for.

Layer: this module needs only ``wbcs.errors``; ``wbcs.distributed.predict`` (scoring an
archive) sits with ``wbcs.classify``.
"""

from __future__ import annotations

import contextlib
import copyreg
import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from types import MappingProxyType

from wbcs.errors import InputError
from wbcs.progress import bar

ENV_SCHEDULER = "WBCS_DASK_SCHEDULER"
ENV_TIMEOUT = "WBCS_DASK_TIMEOUT"  # seconds to wait for a scheduler (default 10)
DEFAULT_TIMEOUT = 10.0
TASKS_PER_THREAD = 4  # chunk=None: enough tasks to balance the workers, no more
# --workers N starts N processes on this machine: a huge N tried to allocate them all and died with a
# MemoryError after ~40 s. Beyond a few per CPU, workers only wait for a CPU; refuse before any start.
WORKERS_PER_CPU = 4


def _read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


# Tasks ship their arguments (a scenario, a policy) to the workers by pickle, and pickle
# refuses read-only mappings (MappingProxyType), which those objects use to stay
# immutable: pickle them as the mapping they show, rebuilt read-only on the worker.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to connect to: the argument, else ``$WBCS_DASK_SCHEDULER``, else None."""
    if scheduler is not None and not scheduler.strip():  # '' fell through to the in-process path, unsaid
        raise InputError(f"--scheduler {scheduler!r}: give the address of a running Dask scheduler, "
                         f"e.g. tcp://HOST:8786")
    return scheduler or os.environ.get(ENV_SCHEDULER) or None


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return float(timeout)
    raw = os.environ.get(ENV_TIMEOUT)
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:  # nan, inf and -5 are floats too
        raise InputError(f"${ENV_TIMEOUT}={raw!r}: give the seconds to wait for the scheduler, e.g. 30")
    return seconds


def check_cluster(workers: int | None = None, scheduler: str | None = None) -> str | None:
    """The scheduler's address (``scheduler_address``) once ``connect``'s arguments are checked: a command checks
    them before its other checks, so that a bad flag is the error said, whatever else is wrong."""
    address = scheduler_address(scheduler)
    if workers is not None and address:
        raise InputError(f"--workers {workers} and --scheduler {address}: give one of them (a local cluster "
                         f"of N workers, or the address of a running scheduler)")
    if workers is not None and int(workers) < 1:
        raise InputError(f"--workers must be ≥ 1, got {workers}")
    cap = WORKERS_PER_CPU * (os.cpu_count() or 1)
    if workers is not None and int(workers) > cap:
        raise InputError(f"--workers {workers}: at most {cap} here ({WORKERS_PER_CPU} per CPU; each worker is a "
                         f"process that runs one task at a time, so more only wait for a CPU and use memory); "
                         f"for more, start a cluster across machines and give --scheduler ADDRESS")
    return address


def connect(workers: int | None = None, scheduler: str | None = None, *, threads_per_worker: int = 1,
            timeout: float | None = None, quiet: bool = False):
    """A ``dask.distributed.Client``, or None for the in-process path (see the module docstring).

    ``workers`` starts a local cluster of that many processes; ``scheduler`` (or
    ``$WBCS_DASK_SCHEDULER``) connects to a running one, waiting at most ``timeout``
    seconds (``$WBCS_DASK_TIMEOUT``, default 10). A scheduler that cannot be reached is an
    ``InputError`` in one line. The dashboard link is printed on stderr unless ``quiet``.
    The caller closes the client (and a local cluster with it: ``client.close();
    client.cluster.close()``), or uses ``cluster(...)``.
    """
    address = check_cluster(workers, scheduler)
    if workers is None and not address:
        return None
    from dask.distributed import Client, LocalCluster

    if address:
        wait = _timeout(timeout)  # outside the try: a bad $WBCS_DASK_TIMEOUT was said as a connection failure
        try:
            client = Client(address, timeout=wait)
        except (OSError, ValueError, TypeError) as e:  # refused, timed out, unparsable address
            reason = " ".join(str(e).split()) or type(e).__name__
            raise InputError(f"dask scheduler {address!r}: cannot connect ({reason}); check the address "
                             f"(e.g. tcp://HOST:8786) and that 'dask scheduler' runs there, or use "
                             f"--workers N for a local cluster") from None
    else:
        import dask

        # dashboard on a free port: several clusters (tests, notebooks) may run on one machine.
        # The workers' statistical profiler (a stack sample of the running task every 10 ms) is
        # off: it cost ~35 % more CPU per simulation run (measured: 40 one-week runs, 4.3-4.6 s
        # of CPU on a profiled worker, 3.1-3.4 s unprofiled, 2.1-2.9 s in process).
        # Logs below CRITICAL are silent: a failed task's error (a file without the text column) reaches the caller
        # as its exception, one line; the worker's own "Compute Failed" log printed the task's traceback first.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            local = LocalCluster(n_workers=int(workers), threads_per_worker=threads_per_worker, processes=True,
                                 dashboard_address=":0", silence_logs=logging.CRITICAL)
        client = Client(local)
    if not quiet:
        print(describe(client), file=sys.stderr)
    return client


def describe(client) -> str:
    """One line: the scheduler, its workers and threads, and the dashboard link."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    return (f"dask: {info.get('address', client.scheduler.address)} with {len(workers)} worker(s), "
            f"{threads} thread(s); dashboard {client.dashboard_link}")


@contextlib.contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None, **kwargs) -> Iterator:
    """``connect(...)`` as a context manager: yields the client (or None) and closes what it
    started: the client always, the local cluster if it made one."""
    client = connect(workers, scheduler, **kwargs)
    try:
        yield client
    finally:
        if client is not None:
            local = client.cluster  # None for a client of an existing scheduler
            client.close()
            if local is not None:
                local.close()


def add_arguments(parser) -> None:
    """The CLI flags ``--workers N`` and ``--scheduler ADDRESS``."""
    group = parser.add_argument_group("cluster (Dask; default: this process)")
    group.add_argument("--workers", type=int, default=None, metavar="N",
                       help="start a local Dask cluster of N worker processes")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help=f"connect to a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                            f"${ENV_SCHEDULER} when set)")


def from_args(args):
    """``cluster(...)`` from the ``--workers``/``--scheduler`` flags of ``add_arguments``."""
    return cluster(getattr(args, "workers", None), getattr(args, "scheduler", None))


def parquet_files(source, *, instead: str | None = None) -> tuple[list[str], str]:
    """(the Parquet files of ``source``, sorted; their base folder).

    ``source`` is a folder (every ``*.parquet`` below it), a glob (``**`` crosses folders,
    as in ``archive/**/*.parquet``), a file, or a list of them. The base is the folder the
    partition layout (``month=…/province=…/``) is relative to. ``instead``: what the caller's user can do with a
    file that is not Parquet, besides converting it (default: the KPI commands' pandas engine)."""
    import glob as globmod
    from pathlib import Path

    items = [source] if isinstance(source, (str, Path)) else list(source)
    files: list[str] = []
    bases: list[str] = []
    for item in items:
        text = str(item)
        if Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).rglob("*.parquet"))
            bases.append(text)
        elif any(ch in text for ch in "*?["):
            found = sorted(globmod.glob(text, recursive=True))
            parts = Path(text).parts
            fixed = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
            bases.append(str(Path(*parts[:fixed])) if fixed else ".")
        else:
            found = [text] if Path(text).is_file() else []
            bases.append(str(Path(text).parent))
        found = [f for f in found if Path(f).is_file()]
        if not found:
            raise InputError(f"{text}: no Parquet file there; give a file, a folder, or a glob such as "
                             f"'archive/**/*.parquet'")
        for f in found:  # a CSV or export given to a Parquet engine, or a damaged part of an archive
            with open(f, "rb") as fh:
                if fh.read(4) != b"PAR1":
                    raise InputError(f"{f}: not a Parquet file; convert an export first (wbcs ingest {f} --out "
                                     f"posts.parquet) or " + (instead or "use the pandas engine, which reads CSV, "
                                                                         "JSON Lines and XLSX"))
        files += found
    files = sorted(dict.fromkeys(files))
    return files, os.path.commonpath([os.path.abspath(b) for b in bases])


def chunk_size(n_items: int, client, chunk: int | None) -> int:
    """Items per task: ``chunk``, or (None) ``ceil(n_items / (TASKS_PER_THREAD × the
    cluster's worker threads))`` so that every thread gets a few tasks (balance) and no
    more (each task costs the scheduler a round trip)."""
    if chunk is not None:
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise InputError(f"chunk must be a whole number ≥ 1 (items per task), got {chunk!r}")
        return chunk
    threads = sum(client.nthreads().values()) if client is not None else 1
    return max(1, math.ceil(n_items / (TASKS_PER_THREAD * max(threads, 1))))


def _run_chunk(chunk: list, fn: Callable, kwargs: dict) -> list:
    return [fn(item, **kwargs) for item in chunk]


def _running(dask_worker, keys: frozenset) -> bool:
    return any(key in keys for key in dask_worker.state.tasks)


def _wait_stopped(client, keys: set) -> None:
    """Wait until no worker holds one of the tasks ``keys``. A cancelled task that was running goes on to its end (Dask
    cannot stop a worker's thread) and a worker forgets it only then: without the wait, a task of ``predict_archive``
    still finishing wrote its partition into the temporary folder the failed run had just removed, and left it."""
    import time

    keys = frozenset(keys)
    while True:
        try:
            if not any(client.run(_running, keys=keys).values()):
                return
        except Exception:  # noqa: BLE001 - the cluster is gone (closed, lost): nothing of ours runs there any more
            return
        time.sleep(0.1)


def run_tasks(fn: Callable, items: Iterable, *, client=None, desc: str | None = None, unit: str = "task",
              progress: bool = False, chunk: int | None = 1, **kwargs) -> list:
    """``[fn(item, **kwargs) for item in items]`` in this process (``client`` None) or on the
    cluster, ``chunk`` items per task (None: ``chunk_size``), results in the items' order.

    On a cluster the tasks are not pure (each runs), the bar counts finished items, and a
    task's exception is raised here after the other tasks are cancelled and those already running have ended. A task whose
    worker dies is run again on another worker by the scheduler (up to its
    ``allowed-failures``), so ``fn`` must be safe to run twice (write outputs atomically
    to a fixed path).
    """
    items = list(items)
    if client is None:
        chunk_size(len(items), None, chunk)  # the same check as on a cluster
        return [fn(item, **kwargs) for item in bar(items, desc=desc, unit=unit, progress=progress)]
    from dask.distributed import as_completed

    size = chunk_size(len(items), client, chunk)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    # the shared arguments travel once, as one value scattered to every worker: left in the
    # call, large ones are put in the graph under a fixed key 'kwargs' that the next call
    # collides with (distributed's "assert ts.priority", seen with hot issues' cells). Every
    # worker holds a copy, so a killed worker does not take the only one with it.
    [shared] = client.scatter([kwargs], hash=False, broadcast=True) if kwargs else [kwargs]
    futures = client.map(_run_chunk, chunks, pure=False, fn=fn, kwargs=shared)
    where = {f.key: i for i, f in enumerate(futures)}
    out: list = [None] * len(chunks)
    meter = bar(total=len(items), desc=desc, unit=unit, progress=progress)
    try:
        # results are fetched in batches of whatever has finished: one round trip per
        # result would cost more than a small task itself. Errors are checked here for
        # every future: as_completed's batches() raises only for the first of a batch
        # and hands the others' (type, exception, traceback) back as their result.
        # loop=client.loop: as_completed otherwise waits on the newest client's loop, which
        # with two clusters open is another thread's (it hung once in a sweep).
        done = as_completed(futures, loop=client.loop, with_results=True, raise_errors=False)
        for batch in done.batches():
            for future, result in batch:
                if future.status == "error":
                    raise result[1].with_traceback(result[2])
                if future.status == "cancelled":
                    raise result if isinstance(result, BaseException) else RuntimeError(f"{desc}: task cancelled")
                out[where[future.key]] = result
                meter.update(len(result))
    except BaseException:
        client.cancel(futures)
        _wait_stopped(client, {f.key for f in futures})
        raise
    finally:
        meter.close()
        client.cancel(futures)  # the results are here: free the workers' copies
    return [r for part in out for r in part]
