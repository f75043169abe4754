"""What ranking the period's incidents costs ``wbcs report``, and the whole report around it.

A synthetic labelled posts table (``wbcs.synth.generate_posts``: ``--days`` days from 2025-01-06 at
``--per-day`` posts a day, seeded, with an outage burst in the last period) is reported for its last complete
``--period`` (``wbcs.report.build_report``), ``--repeat`` times after one warm-up. Timed: the whole report (median
wall time), and the calls of ``rank_incidents`` it made (``wbcs.kpi.incidents.rank_incidents`` as the report module
calls it: counted and timed around the call) with their total time, median over the runs. The report ranked its
period's incidents twice, for the incident table and again for the order of the alert rows; it ranks them once.

Usage: python -m benchmarks.bench_report [--days 91] [--per-day 400] [--period month] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd


def main(argv: list[str] | None = None) -> None:
    import wbcs.report as report
    from wbcs.synth import generate_posts

    p = argparse.ArgumentParser()
    p.add_argument("--days", type=int, default=91)
    p.add_argument("--per-day", type=float, default=400)
    p.add_argument("--period", choices=["week", "month"], default="month")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    start = pd.Timestamp("2025-01-06")
    outage = start + pd.Timedelta(days=args.days - 10, hours=10)
    posts = generate_posts(days=args.days, start=f"{start:%Y-%m-%d}", posts_per_day=args.per_day, seed=0, bursts=[
        {"start": f"{outage:%Y-%m-%d %H:%M}", "hours": 3, "posts": 300, "topic": "network",
         "operator": "china_unicom", "province": "广东"}])

    rank = report.rank_incidents
    calls: list[float] = []

    def timed(*a, **k):
        t = time.perf_counter()
        out = rank(*a, **k)
        calls.append(time.perf_counter() - t)
        return out

    report.rank_incidents = timed
    try:
        runs = []
        for i in range(args.repeat + 1):  # the first a warm-up
            calls.clear()
            t = time.perf_counter()
            report.build_report(posts, period=args.period)
            if i:
                runs.append((time.perf_counter() - t, len(calls), sum(calls)))
    finally:
        report.rank_incidents = rank
    total, n_calls, ranking = (statistics.median(r[k] for r in runs) for k in range(3))
    print(f"{len(posts):,} posts, the last complete {args.period}; median of {args.repeat} runs\n")
    print("| rank_incidents calls | ranking (ms) | report (s) |\n|---|---|---|")
    print(f"| {n_calls:g} | {ranking * 1e3:.1f} | {total:.2f} |")


if __name__ == "__main__":
    main()
