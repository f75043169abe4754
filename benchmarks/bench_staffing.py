"""Does a `wbcs staff` plan hold on runs it was not fitted on? An M/M/c week where Erlang C is exact.

λ = 20 posts an hour every hour, exponential handling with a 6-minute mean, always on duty, continuous patrol,
acknowledge within 2 minutes, target 0.8: Erlang C needs 4 agents every hour, 672 agent-hours a week. Since the
acknowledgement is the reply at the end of the first handling (420ac41), attainment counts the posts whose own
handling fits the clock, and among them Erlang C's replies in time are P(W + H ≤ t) / P(H ≤ t)
(``erlang.response_level``): 3 agents give 0.6255, 4 give 0.8754 (picked up in time: 0.6815, 0.9107). For each plan seed: the agents per hour the simulated plan (`plan_staffing`, 5 replications,
`--trim` or not) gives, its agent-hours, the seconds it took, and the hours meeting 0.8 on 30 runs of seeds the
plan never saw (`spawn_seeds(12345, 30)`), with the worst hour.

Usage: python -m benchmarks.bench_staffing [--seeds 0 1 2 3] [--trim]
"""

from __future__ import annotations

import argparse
import inspect
import time

import numpy as np

from wbcs.sim import Scenario, plan_staffing
from wbcs.sim.replicate import spawn_seeds
from wbcs.sim.staffing import _interval_attainment

SCENARIO = {"name": "mmc-small", "horizon_days": 7, "warmup_days": 0, "arrivals": {"rate_per_hour": 20},
            "mix": {"complaint": 1.0}, "agents": 3, "patrol_minutes": 0,
            "service_minutes": {"distribution": "exponential", "mean": 6}, "priority": "fifo",
            "sla": {"acknowledge_minutes": 2}}


def measure(seed: int, trim: bool) -> dict:
    scenario = Scenario.from_dict(SCENARIO)
    start = time.perf_counter()
    plan = plan_staffing(scenario, 0.8, replications=5, seed=seed, trim=trim)
    seconds = time.perf_counter() - start
    t = plan.table
    first = plan.scenario.start.day_of_week * 24
    # per run (rows × 168) or summed over the runs (168), whichever this version returns
    met, attainable = (np.asarray(x).reshape(-1, 168).sum(axis=0)
                       for x in _interval_attainment(plan.scenario, spawn_seeds(12345, 30), first))
    share = met / attainable
    counts = t["sim_agents"].value_counts().sort_index()
    return {"seed": seed, "trim": trim, "agents per hour (hours)": ", ".join(f"{k}: {v}" for k, v in counts.items()),
            "agent-hours": int(t["sim_agents"].sum()), "Erlang C": int(t["erlang_agents"].sum()),
            "hours ≥ 0.8 on 30 unseen runs": int((share >= 0.8).sum()), "worst hour": f"{share.min():.3f}",
            "seconds": f"{seconds:.1f}",
            "verified": "verify_replications" in inspect.signature(plan_staffing).parameters}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.bench_classify import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--trim", action="store_true")
    args = parser.parse_args(argv)
    rows = [measure(s, args.trim) for s in args.seeds]
    print(table(rows, list(rows[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
