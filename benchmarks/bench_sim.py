"""Simulator speed: wbcs.sim against SimPy and Ciw on the same M/M/c scenario, numba compile
time apart, and the one-week what-if with the full model (tickets, reopening, patrols, duty).

The scenario is the issue's: 200 posts an hour, exponential handling with mean 3 minutes, 14
agents, FIFO, continuous monitoring. Each simulator runs the same horizon; the figure is posts
simulated per second of wall time (best of ``--repeat`` runs), and the mean wait is printed so
one can see they simulate the same queue. SimPy's model is the textbook one (a Resource with
14 servers, one process per post, ``random.expovariate`` draws).

End to end from the command line (issue 13): the wall time of ``wbcs simulate`` in a fresh
process for the one-week what-if (``manager_example.yaml``) and for five one-year replications
of the M/M/c queue, next to a fresh Python process running the same five years in SimPy; the
ratio of the two is the speed-up a user sees, start-up included.

Start-up of the one-week what-if (issue 13): the same command split into the interpreter, the
imports, the rest of the start-up, the first replication and the output, next to floors (an empty
Python, numpy + pandas, numba's import) and a peer (SimPy running the M/M/14 week), all fresh
processes interleaved round by round; ``--baseline DIR`` adds the same command from an earlier
checkout's ``wbcs`` (put first on PYTHONPATH) in the same rounds: before and after back to back.

Usage: python -m benchmarks.bench_sim [--days 30] [--repeat 3] [--startup-only] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

RATE, AHT, AGENTS = 200 / 60, 3.0, 14  # per minute, minutes
MMC = {"arrivals": {"rate_per_hour": 200}, "mix": {"complaint": 1.0}, "agents": AGENTS, "patrol_minutes": 0,
       "service_minutes": {"distribution": "exponential", "mean": AHT}, "priority": "fifo",
       "sla": {"first_response_seconds": 20}}


def simpy_mmc(minutes: float, seed: int) -> tuple[int, float]:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    waits: list[float] = []

    def post(env):
        arrived = env.now
        with agents.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1 / AHT))

    def source(env):
        while True:
            yield env.timeout(rng.expovariate(RATE))
            if env.now >= minutes:
                return
            env.process(post(env))

    env.process(source(env))
    env.run()
    return len(waits), float(np.mean(waits))


def ciw_mmc(minutes: float, seed: int) -> tuple[int, float]:
    import ciw

    ciw.seed(seed)
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(RATE)],
                             service_distributions=[ciw.dists.Exponential(1 / AHT)], number_of_servers=[AGENTS])
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(minutes)
    waits = [r.waiting_time for r in sim.get_all_records()]
    return len(waits), float(np.mean(waits))


def wbcs_mmc(days: float, seed: int) -> tuple[int, float]:
    from wbcs.sim import Scenario, simulate

    rec = simulate(Scenario.from_dict({**MMC, "horizon_days": days}), seed=seed)
    return len(rec), float(rec["wait_minutes"].mean())


def best(fn, repeat: int, *args) -> tuple[float, int, float]:
    """(seconds, posts, mean wait) of the fastest of ``repeat`` runs (different seeds)."""
    runs = []
    for seed in range(repeat):
        t = time.perf_counter()
        posts, wait = fn(*args, seed)
        runs.append((time.perf_counter() - t, posts, wait))
    return min(runs)


def first_call_seconds(cache_dir: str | None) -> float:
    """Seconds of the first simulate() in a fresh process (a new cache dir forces compilation)."""
    code = ("import time; from wbcs.sim import Scenario, engine, simulate; "
            "engine.plan(engine.INTERPRETED_POSTS + 1); "  # the compiled engine, even for one day
            f"sc = Scenario.from_dict({{**{MMC!r}, 'horizon_days': 1}}); "
            "t = time.perf_counter(); simulate(sc, seed=0); a = time.perf_counter() - t; "
            "t = time.perf_counter(); simulate(sc, seed=1); b = time.perf_counter() - t; print(a - b)")
    env = {**os.environ, **({"NUMBA_CACHE_DIR": cache_dir} if cache_dir else {})}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def what_if_seconds(repeat: int) -> tuple[float, float, int]:
    """One week of the default scenario (full model): one run, and the app's update (2 × 5 runs)."""
    from wbcs.config import data_file
    from wbcs.sim import Scenario, replicate, run

    sc = Scenario.from_yaml(data_file("scenarios/default.yaml")).updated(
        {"horizon_days": 7, "warmup_days": 0, "arrivals": {"bursts": []}})
    run(sc, 0)
    one = min(_timed(lambda s=s: run(sc, s)) for s in range(repeat))
    posts = len(run(sc, 0).records)
    other = sc.updated({"patrol_minutes": 10})
    update = min(_timed(lambda: (replicate(sc, 5, seed=1, keep_records=True),
                                 replicate(other, 5, seed=1, keep_records=True))) for _ in range(repeat))
    return one, update, posts


def _wall(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of ``repeat`` runs of ``cmd`` in a fresh
    process (the numba cache already warm). CPU time is what an idle machine's wall time would
    be for these single-threaded runs, and is far less disturbed by other jobs on a shared one."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def cli_rows(repeat: int) -> list[tuple[str, tuple[float, float]]]:
    """(what, (wall, CPU seconds)) of ``wbcs simulate`` and of SimPy, each in a fresh process."""
    import yaml

    from wbcs.config import data_file

    wbcs = [sys.executable, "-m", "wbcs", "simulate", "--json"]
    week = str(data_file("scenarios/manager_example.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        year = os.path.join(tmp, "mmc_year.yaml")
        with open(year, "w", encoding="utf-8") as f:
            yaml.safe_dump({**MMC, "name": "mmc-year", "horizon_days": 365, "warmup_days": 1}, f)
        simpy = [sys.executable, "-c", "from benchmarks.bench_sim import simpy_mmc\n"
                 "for seed in range(5): simpy_mmc(365 * 1440, seed)"]
        return [
            ("`wbcs --help` (Python, the CLI's imports)", _wall([sys.executable, "-m", "wbcs", "--help"], repeat)),
            ("`wbcs simulate` one-week what-if, 1 replication", _wall([*wbcs, "--scenario", week,
                                                                     "--replications", "1"], repeat)),
            ("`wbcs simulate` one-week what-if, 10 replications", _wall([*wbcs, "--scenario", week,
                                                                       "--replications", "10"], repeat)),
            ("`wbcs simulate` M/M/14, 5 one-year replications", _wall([*wbcs, "--scenario", year,
                                                                     "--replications", "5"], repeat)),
            ("SimPy 4, the same 5 years, one process", _wall(simpy, 1)),
        ]


# Runs `wbcs ARGS` in this process with time stamps (seconds since the parent spawned it):
# the interpreter is up, the CLI's and simulator's imports are done, the first replication
# starts and ends, the command returns. Only names both old and new checkouts have are used.
_PHASES = """
import sys, time
spawned = float(sys.argv[1])
marks = {"interpreter": time.time() - spawned}
import wbcs.cli, wbcs.sim.replicate
rep = sys.modules["wbcs.sim.replicate"]  # the package exports a function of the same name
marks["imports"] = time.time() - spawned
run = rep.run
def timed(*a, **k):
    marks.setdefault("first_start", time.time() - spawned)
    out = run(*a, **k)
    marks.setdefault("first_end", time.time() - spawned)
    return out
rep.run = timed
code = wbcs.cli.main(sys.argv[2:])
marks["done"] = time.time() - spawned
print(repr(marks), file=sys.stderr)
sys.exit(code)
"""


def _phases(args: list[str], pythonpath: str | None) -> dict:
    """One fresh run of ``wbcs ARGS`` with its phases, wall and CPU seconds (see _PHASES); from
    the checkout ``pythonpath`` if given (its own directory first on sys.path, as `-c` puts the cwd)."""
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _PHASES, repr(time.time()), *args], capture_output=True, text=True,
                       env=env, cwd=pythonpath, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks = eval(r.stderr.strip().splitlines()[-1])  # noqa: S307 (our own child's repr of a dict of floats)
    return {**marks, "wall": wall, "cpu": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime}


def startup_rows(repeat: int, baseline: str | None) -> tuple[list[tuple[str, dict]], tuple[float, float]]:
    """Best of ``repeat`` interleaved rounds of every start-up command; and the load average
    (1 min) before and after."""
    from wbcs.config import data_file

    week = ["simulate", "--scenario", str(data_file("scenarios/manager_example.yaml")), "--replications", "1",
            "--json"]
    with tempfile.TemporaryDirectory() as tmp:
        mmc_week = os.path.join(tmp, "mmc_week.yaml")
        with open(mmc_week, "w", encoding="utf-8") as f:
            import yaml

            yaml.safe_dump({**MMC, "name": "mmc-week", "horizon_days": 7, "warmup_days": 0}, f)
        phased = [("`wbcs simulate` one-week what-if (`manager_example.yaml`), 1 replication", week, None),
                  ("`wbcs simulate` M/M/14, one week, 1 replication", ["simulate", "--scenario", mmc_week,
                                                                       "--replications", "1", "--json"], None)]
        if baseline:
            phased.insert(0, (f"the same what-if, baseline `{baseline}`", week, baseline))
        plain = [("`python -c pass` (the interpreter)", [sys.executable, "-c", "pass"]),
                 ("`python -c 'import numpy, pandas'`", [sys.executable, "-c", "import numpy, pandas"]),
                 ("`python -c 'import numba'`", [sys.executable, "-c", "import numba"]),
                 ("SimPy 4, the M/M/14 week, fresh process", [sys.executable, "-c", "from benchmarks.bench_sim "
                                                              "import simpy_mmc; simpy_mmc(7 * 1440, 0)"])]
        load = os.getloadavg()[0]
        best: dict[str, dict] = {}
        for _ in range(repeat):
            for name, args, tree in phased:
                m = _phases(args, tree)
                best[name] = min(best.get(name, m), m, key=lambda x: x["wall"])
            for name, cmd in plain:
                wall, cpu = _wall(cmd, 1)
                best[name] = min(best.get(name, {"wall": wall, "cpu": cpu}), {"wall": wall, "cpu": cpu},
                                 key=lambda x: x["wall"])
        order = [name for name, _, _ in phased] + [name for name, _ in plain]
        return [(name, best[name]) for name in order], (load, os.getloadavg()[0])


def print_startup(rows, load) -> None:
    print(f"\nfresh processes, best wall of interleaved rounds; load average {load[0]:.1f} before, "
          f"{load[1]:.1f} after\n")
    print("| command | wall s | CPU s | interpreter + imports | start-up before the first replication "
          "| first replication | summary and output |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, m in rows:
        if "imports" in m:
            print(f"| {name} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['imports']:.2f} | {m['first_start']:.2f} "
                  f"| {m['first_end'] - m['first_start']:.2f} | {m['done'] - m['first_end']:.2f} |")
        else:
            print(f"| {name} | {m['wall']:.2f} | {m['cpu']:.2f} | | | | |")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=float, default=30, help="simulated days of the M/M/c queue (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per simulator, best kept (default 3)")
    parser.add_argument("--startup-only", action="store_true", help="only the command-line start-up table")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="a checkout (e.g. `git archive main wbcs data | tar -x -C DIR`) whose wbcs runs "
                             "the what-if in the same rounds")
    args = parser.parse_args(argv)
    if args.startup_only:
        print_startup(*startup_rows(args.repeat, args.baseline))
        return 0

    from wbcs.sim import engine

    engine.plan(engine.INTERPRETED_POSTS + 1)  # in this process, every run below is compiled
    wbcs_mmc(0.1, 0)  # load the compiled engine from numba's cache before timing
    minutes = args.days * 1440
    rows = [("wbcs.sim (numba engine, full records)", best(wbcs_mmc, args.repeat, args.days)),
            ("SimPy 4 (Resource, one process per post)", best(simpy_mmc, args.repeat, minutes)),
            ("Ciw 3 (one day only: slow)", best(ciw_mmc, 1, min(minutes, 1440)))]
    speed = {name: posts / secs for name, (secs, posts, _) in rows}
    ours = speed[rows[0][0]]
    print(f"M/M/c: 200 posts/h, AHT 3 min, 14 agents, {args.days:g} days "
          "(Erlang C mean wait 0.131 min); best of runs\n")
    print("| simulator | posts | seconds | posts per second | mean wait (min) | wbcs speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (secs, posts, wait) in rows:
        print(f"| {name} | {posts:,} | {secs:.3f} | {posts / secs:,.0f} | {wait:.3f} | {ours / speed[name]:.1f}× |")

    with tempfile.TemporaryDirectory() as empty:
        compile_s = first_call_seconds(empty)
    cached_s = first_call_seconds(None)
    one, update, posts = what_if_seconds(args.repeat)
    print("\n| what | seconds |")
    print("|---|---:|")
    print(f"| numba compilation, first call in a fresh process with an empty cache | {compile_s:.2f} |")
    print(f"| first call in a fresh process with the cache (cache=True) | {cached_s:.2f} |")
    print(f"| one-week what-if, full model (default scenario, {posts:,} posts), one run | {one:.3f} |")
    print(f"| what-if app update: two policies × 5 replications of that week | {update:.3f} |")

    rows = cli_rows(args.repeat)
    print("\n| from the command line, fresh process (best of runs) | wall seconds | CPU seconds |")
    print("|---|---:|---:|")
    for what, (wall, cpu) in rows:
        print(f"| {what} | {wall:.2f} | {cpu:.2f} |")
    (simpy_wall, simpy_cpu), (ours_wall, ours_cpu) = rows[-1][1], rows[-2][1]
    print(f"| end-to-end speed-up over SimPy, 5 one-year M/M/14 replications | {simpy_wall / ours_wall:.1f}× | "
          f"{simpy_cpu / ours_cpu:.1f}× |")
    print_startup(*startup_rows(args.repeat, args.baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
