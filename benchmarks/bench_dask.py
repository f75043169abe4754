"""Scale-out on Dask (issue 11): 1 vs 2 workers for scoring, a 200-policy sweep and the KPI set.

Parts (``--part``), each timed in one run with its in-process peer:

- ``overhead``: ``wbcs.distributed.run_tasks`` over ``--tasks`` no-op tasks on 2 workers:
  seconds per task (what a task costs beyond its work).
- ``kpi``: the full KPI set (summary, and the weekly table by topic) on a hive-partitioned
  synthetic archive (``month=YYYY-MM/province=…/``, built once under ``--archive`` with
  ``wbcs.synth.generate_posts``, one month at a time): DuckDB in one process over the same
  files (``wbcs.kpi.duck``, all threads), then ``wbcs.kpi.partitioned`` on 1 and 2 workers.
- ``sweep``: ``wbcs.sim.sweep`` over a 200-policy grid (10 patrol intervals × 5 agent
  counts × 4 duty ends) of the manager example, ``--replications`` each, in process and on
  1 and 2 workers with the default chunks, and on 2 workers one run per task (the tables
  are checked equal), timed in turn for ``--rounds`` rounds (the load of a shared machine
  drifts; ratios are medians of per-round ratios); per-task overhead = (cluster − in
  process) ÷ tasks.
- ``hot``: ``wbcs.kpi.partitioned_hot.hot_issues`` (incidents, alerts and spikes, near-duplicate
  clusters included) on a labelled synthetic archive (``--hot-posts`` a year, ``--hot-months``
  months, month=…/province=… files, built once under ``--hot-archive``): the archive read as one
  table and ``wbcs.kpi.hot.hot_issues`` in one process (the peer), the archive engine in process,
  and on 1 and 2 workers; every table is checked equal to the peer's.
- ``score``: ``wbcs.distributed.predict.predict_archive`` with a Gemma 3 270M model
  (``--gemma``: a model folder; by default one is made by fitting the transformer path's
  head and top layer on 16 posts, which costs the same per post to run as the fine-tuned
  one) over ``--score-posts`` posts in 8 files, on 1 and 2 workers.

Scaling efficiency = speed-up over 1 worker ÷ workers. Workers have one thread each (Dask
sets OMP/MKL threads to 1 in its worker processes). Usage:
python -m benchmarks.bench_dask --part overhead kpi sweep score hot [--posts 50000000]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path


class Seconds(float):
    """A measured time that remembers the machine's 1-minute load average when it ended
    (the machine is shared: every figure is printed with the load it was measured at)."""

    load: float


def timed(fn):
    import os

    t0 = time.perf_counter()
    out = fn()
    t = Seconds(time.perf_counter() - t0)
    t.load = os.getloadavg()[0]
    return t, out


def noop(x):
    return x


def replay(folder: Path, copies: int) -> Path:
    """``copies`` hard-linked copies of the generated archive under ``copy=K/`` beside it: a
    bigger archive to scan without hours of generating (every copy is read like new data)."""
    import os

    out = folder.with_name(folder.name + f"-x{copies}")
    for k in range(copies):
        for f in sorted(folder.rglob("*.parquet")):
            dst = out / f"copy={k}" / f.relative_to(folder)
            if not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(f, dst)
    return out


def build_archive(folder: Path, posts: int, months: int = 12, seed: int = 0) -> Path:
    """``posts`` synthetic posts over ``months`` months as month=…/province=… Parquet files
    (a year of ``posts`` per 365 days; months already written are kept)."""
    import pandas as pd

    from wbcs.kpi.partitioned import write_archive
    from wbcs.synth import generate_posts

    done = folder / "_complete.json"
    if done.exists() and json.loads(done.read_text())["months"] >= months:
        return folder
    total = 0
    for m in range(months):
        if (folder / f"month={(pd.Timestamp('2025-01-01') + pd.DateOffset(months=m)):%Y-%m}").exists() \
                and m < months - 1:
            continue  # written by an earlier run (the last one is written again: it may be partial)
        start = pd.Timestamp("2025-01-01") + pd.DateOffset(months=m)
        days = (start + pd.DateOffset(months=1) - start).days
        t0 = time.perf_counter()
        df = generate_posts(days=days, start=start.strftime("%Y-%m-%d"), posts_per_day=posts / 365, seed=seed + m)
        df = df[df["created_at"].dt.tz_localize(None) < start + pd.DateOffset(months=1)]
        write_archive(df, folder, ("month", "province"), mask=False)  # synthetic: no real numbers to mask
        total += len(df)
        print(f"  month {m + 1}/{months}: {len(df):,} posts in {time.perf_counter() - t0:.0f} s", flush=True)
        del df
    done.write_text(json.dumps({"months": months}))
    return folder


def part_overhead(n_tasks: int) -> list[str]:
    from wbcs.distributed import cluster, run_tasks

    rows = []
    with cluster(workers=2, quiet=True) as client:
        run_tasks(noop, range(20), client=client)  # warm
        t, _ = timed(lambda: run_tasks(noop, range(n_tasks), client=client))
        rows.append(f"| no-op tasks on 2 workers | {n_tasks:,} | {t:.2f} | {1000 * t / n_tasks:.2f} ms | {t.load:.1f} |")
    t, _ = timed(lambda: run_tasks(noop, range(n_tasks)))
    rows.append(f"| no-op tasks in process (peer) | {n_tasks:,} | {t:.4f} | {1e6 * t / n_tasks:.1f} µs | {t.load:.1f} |")
    return ["| what | tasks | seconds | per task | load |", "|---|---:|---:|---:|---:|", *rows]


def scaling_rows(label: str, unit: str, n: float, base: float, results: dict) -> list[str]:
    """Rows: engine, seconds, throughput, ×DuckDB/in-process, speed-up vs 1 worker, efficiency, load."""
    one = results.get("dask, 1 worker")
    out = []
    for engine, t in results.items():
        workers = int(engine.split(",")[1].split()[0]) if engine.startswith("dask") else None
        speed = f"{one / t:.2f}×" if workers else ""
        eff = f"{one / t / workers:.0%}" if workers else ""
        out.append(f"| {label} | {engine} | {t:.1f} | {n / t:,.0f} {unit}/s | {base / t:.2f}× | {speed} | {eff} "
                   f"| {t.load:.1f} |")
    return out


def part_kpi(archive: Path, posts: int, months: int, copies: int, sets: list[str]) -> list[str]:
    import duckdb

    from wbcs.distributed import cluster, parquet_files
    from wbcs.kpi import duck, partitioned

    build_archive(archive, posts, months)
    if copies > 1:
        archive = replay(archive, copies)
    files, _ = parquet_files(archive)
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet({files!r})").fetchall()[0][0]
    print(f"  archive: {n:,} posts in {len(files)} files", flush=True)
    rows = ["| what | engine | seconds | throughput | vs DuckDB | speed-up vs 1 worker | efficiency | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    requests = {"full": ("full set", {}), "weekly": ("weekly × topic", {"period": "week", "by": "topic"})}
    for label, kw in (requests[k] for k in sets):
        results = {}
        results["DuckDB, 1 process"], expected = timed(lambda kw=kw: duck.indicators(files, **kw))
        print(f"  {label}: duckdb {results['DuckDB, 1 process']:.1f} s", flush=True)
        for workers in (1, 2):
            with cluster(workers=workers, quiet=True) as client:
                t, got = timed(lambda kw=kw, c=client: partitioned.indicators(files, client=c, **kw))
            results[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = t
            print(f"  {label}: dask {workers} worker(s) {t:.1f} s", flush=True)
            same = got == expected if isinstance(got, dict) else got.equals(expected)
            assert same, f"{label}: the dask engine differs from DuckDB"
        rows += scaling_rows(label, "posts", n, results["DuckDB, 1 process"], results)
    return rows


def part_hot(archive: Path, posts: int, months: int) -> list[str]:
    import pandas as pd

    from wbcs.distributed import cluster, parquet_files
    from wbcs.kpi import hot, partitioned_hot

    build_archive(archive, posts, months)
    files, _ = parquet_files(archive)
    results = {}

    def peer():
        return hot.hot_issues(partitioned_hot.read_archive(files))

    results["one table, 1 process (read + wbcs.kpi.hot)"], want = timed(peer)
    n = len(partitioned_hot.read_archive(files, columns=["post_id"]))
    print(f"  {n:,} posts in {len(files)} files; peer {results['one table, 1 process (read + wbcs.kpi.hot)']:.1f} s: "
          + ", ".join(f"{len(v):,} {k}" for k, v in want.items()), flush=True)

    def same(got):
        for k in want:
            pd.testing.assert_frame_equal(got[k], want[k], check_exact=True)

    results["archive engine, in process"], got = timed(lambda: partitioned_hot.hot_issues(files))
    same(got)
    for workers in (1, 2):
        with cluster(workers=workers, quiet=True) as client:
            t, got = timed(lambda c=client: partitioned_hot.hot_issues(files, client=c))
        results[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = t
        print(f"  dask {workers} worker(s) {t:.1f} s, tables equal to the peer's", flush=True)
        same(got)
    return ["| what | engine | seconds | throughput | vs one table | speed-up vs 1 worker | efficiency | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *scaling_rows(f"hot issues, {n:,} posts in {len(files)} files", "posts", n,
                          results["one table, 1 process (read + wbcs.kpi.hot)"], results)]


def part_sweep(replications: int, rounds: int) -> list[str]:
    """The sweep in process, on 1 and 2 workers with the default chunks (a few tasks per worker
    thread), and on 2 workers one run per task (``chunk=1``, what ``sweep`` did before) as the
    peer that shows the per-task overhead. The machine is shared and its load drifts by
    minutes, so the four are timed in turn, ``rounds`` times, with both clusters kept running,
    and every ratio is the median of the rounds' ratios (each measured back to back).
    Per-task overhead = (cluster − in process) ÷ tasks, from the same round."""
    import statistics

    from wbcs.config import data_file
    from wbcs.distributed import chunk_size, cluster
    from wbcs.sim import Scenario
    from wbcs.sim.sweep import sweep

    base = Scenario.from_yaml(data_file("scenarios/manager_example.yaml"))
    grid = {"patrol_minutes": [5, 10, 15, 20, 30, 40, 60, 90, 120, 180], "agents": [2, 3, 4, 5, 6],
            "duty": [{"end": e} for e in ("18:00", "20:00", "22:00", "23:00")]}
    runs = 200 * replications
    sweep(base, {"agents": [4]}, 1)  # warm, as on the workers: numba's cache loaded
    expected = sweep(base, grid, replications, seed=1)
    names = ["in process", "dask, 1 worker", "dask, 2 workers", "dask, 2 workers, one run per task"]
    times: dict[str, list] = {n: [] for n in names}
    with cluster(workers=1, quiet=True) as one, cluster(workers=2, quiet=True) as two:
        setups = {names[1]: (one, None), names[2]: (two, None), names[3]: (two, 1)}
        for c in (one, two):
            sweep(base, {"agents": [4, 5]}, 1, client=c, chunk=1)  # warm: numba's cache loaded in each worker
        tasks = {names[0]: 0, **{n: math.ceil(runs / chunk_size(runs, c, k)) for n, (c, k) in setups.items()}}
        for r in range(rounds):
            for name in names:
                c, k = setups.get(name, (None, None))
                t, got = timed(lambda c=c, k=k: sweep(base, grid, replications, seed=1, client=c, chunk=k))
                assert got.equals(expected), f"the sweep differs: {name}"
                times[name].append(t)
                print(f"  round {r + 1}: {name} ({tasks[name]} tasks): {t:.1f} s, load {t.load:.1f}", flush=True)
    rows = []
    for name in names:
        ts = times[name]
        vs_in = statistics.median(a / b for a, b in zip(times[names[0]], ts, strict=True))
        speed = statistics.median(a / b for a, b in zip(times[names[1]], ts, strict=True))
        workers = 2 if "2 workers" in name else 1
        over = statistics.median((b - a) / tasks[name] for a, b in zip(times[names[0]], ts, strict=True)) \
            if tasks[name] else None
        rows.append(f"| 200 policies × {replications} runs | {name} | {statistics.median(ts):.1f} "
                    f"({min(ts):.1f}–{max(ts):.1f}) | {vs_in:.2f}× | "
                    + (f"{speed:.2f}× | {speed / workers:.0%} | {tasks[name]:,} | {1000 * over:.0f} ms" if tasks[name]
                       else " | | | ")
                    + f" | {min(t.load for t in ts):.1f}–{max(t.load for t in ts):.1f} |")
    return [f"| what | engine | seconds, median ({rounds} rounds: min–max) | vs in process | speed-up vs 1 worker "
            "| efficiency | tasks | overhead per task | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|", *rows]


def gemma_model(folder: Path) -> Path:
    """Gemma 3 270M through the transformer path, head and top layer fitted on 16 posts."""
    from wbcs.classify import PostClassifier, save_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.transformer import TransformerClassifier

    if (folder / "manifest.json").exists():
        return folder
    task = load_task("sentiment", seed=0)
    rows = task.train.groupby("label").head(6).head(16)
    est = TransformerClassifier("gemma3-270m", epochs=1, batch_size=8, max_length=96, train_top_layers=1,
                                random_state=0).fit(rows["text"].tolist(), rows["label"].tolist())
    return save_model(PostClassifier({"sentiment": est}), folder, overwrite=True)


def part_score(gemma: Path | None, n_posts: int, workdir: Path) -> list[str]:
    import pandas as pd

    from wbcs.distributed import cluster
    from wbcs.distributed.predict import loaded_model, predict_archive
    from wbcs.synth import generate_posts

    model = gemma or gemma_model(workdir / "gemma-model")
    posts = generate_posts(days=8, posts_per_day=n_posts / 8, seed=2).head(n_posts)
    archive = workdir / "score-archive"
    for i, part in enumerate(range(0, len(posts), math.ceil(len(posts) / 8))):
        path = archive / f"part={i}" / "posts.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        posts.iloc[part:part + math.ceil(len(posts) / 8)].astype({"text": "string"})[["post_id", "text"]] \
            .to_parquet(path)
    results = {}
    loaded_model(str(Path(model).resolve()))
    results["in process (1 process, all threads)"], _ = timed(
        lambda: predict_archive(archive, workdir / "out-local", model=model, progress=False))
    print(f"  score in process: {results['in process (1 process, all threads)']:.1f} s", flush=True)
    for workers in (1, 2):
        with cluster(workers=workers, quiet=True) as client:
            t, _ = timed(lambda c=client, w=workers: predict_archive(archive, workdir / f"out-{w}", model=model,
                                                                     client=c, progress=False))
        results[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = t
        print(f"  score {workers} worker(s): {t:.1f} s (model load included)", flush=True)
        # torch sums in a different order on 1 thread (a worker) than on 2 (in process): the
        # probabilities agree to float32 rounding, not to the bit; labels and ids must be equal
        a, b = (pd.read_parquet(workdir / d).sort_values("post_id", ignore_index=True)
                for d in ("out-local", f"out-{workers}"))
        floats = a.select_dtypes("float").columns
        pd.testing.assert_frame_equal(a.drop(columns=floats), b.drop(columns=floats))
        gap = float((a[floats] - b[floats]).abs().max().max()) if len(floats) else 0.0
        assert gap < 1e-4, f"cluster probabilities differ by {gap:.2g}"
        print(f"  {workers} worker(s): labels equal; largest probability difference {gap:.1e}", flush=True)
    return ["| what | engine | seconds | throughput | vs in process | speed-up vs 1 worker | efficiency | load |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *scaling_rows(f"Gemma 3 270M, {len(posts)} posts in 8 files", "posts", len(posts),
                          results["in process (1 process, all threads)"], results)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_dask", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", nargs="+", choices=["overhead", "kpi", "sweep", "score", "hot"],
                        default=["overhead", "kpi", "sweep", "score"])
    parser.add_argument("--posts", type=int, default=50_000_000, help="posts a year in the KPI archive")
    parser.add_argument("--months", type=int, default=12, help="months of the KPI archive to generate")
    parser.add_argument("--copies", type=int, default=1,
                        help="read the generated months as this many hard-linked copies (copy=K/)")
    parser.add_argument("--kpi-sets", nargs="+", choices=["full", "weekly"], default=["full", "weekly"],
                        help="KPI requests to time: the full summary set and/or the weekly table by topic")
    parser.add_argument("--archive", type=Path, default=Path(tempfile.gettempdir()) / "wbcs-bench-dask-archive",
                        help="where the KPI archive is built (kept for the next run)")
    parser.add_argument("--hot-posts", type=int, default=2_000_000, help="posts a year in the hot-issue archive")
    parser.add_argument("--hot-months", type=int, default=2, help="months of the hot-issue archive")
    parser.add_argument("--hot-archive", type=Path, default=Path(tempfile.gettempdir()) / "wbcs-bench-dask-hot",
                        help="where the hot-issue archive is built (kept for the next run)")
    parser.add_argument("--tasks", type=int, default=2000, help="no-op tasks of the overhead part")
    parser.add_argument("--replications", type=int, default=2, help="runs per policy of the sweep")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sweep part (each times all four)")
    parser.add_argument("--gemma", type=Path, default=None, help="a Gemma model folder to score with")
    parser.add_argument("--score-posts", type=int, default=240, help="posts the Gemma part scores")
    args = parser.parse_args(argv)
    tables = []
    with tempfile.TemporaryDirectory(prefix="wbcs-bench-dask-") as tmp:
        if "overhead" in args.part:
            tables.append(part_overhead(args.tasks))
        if "sweep" in args.part:
            tables.append(part_sweep(args.replications, args.rounds))
        if "score" in args.part:
            tables.append(part_score(args.gemma, args.score_posts, Path(tmp)))
        if "hot" in args.part:
            tables.append(part_hot(args.hot_archive, args.hot_posts, args.hot_months))
        if "kpi" in args.part:
            tables.append(part_kpi(args.archive, args.posts, args.months, args.copies, args.kpi_sets))
    for table in tables:
        print("\n" + "\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
