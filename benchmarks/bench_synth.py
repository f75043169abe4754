"""Synthetic posts at scale: ``wbcs.synth.generate_posts`` for the 10 M-post KPI benchmark.

Measured in the same run:

- ``generate_posts`` (every schema column, labels, replies by SLA kind and duty
  calendar, texts from the template pool) for ``--posts`` posts over 30 days;
- a bare numpy floor: the same number of Poisson arrivals and one ``Generator.choice``
  per label column into plain object arrays (no replies, no texts, no consistency);
- the naive per-row generator (Python loop, ``random.choice`` per column, an f-string
  text per post) on a sample, extrapolated linearly to ``--posts``.

Usage: python -m benchmarks.bench_synth [--posts 10000000] [--naive 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np
import pandas as pd

from wbcs.synth import INTENT_SHARES, OPERATOR_SHARES, generate_posts

DAYS = 30


def _floor(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.poisson(n)
    start = pd.Timestamp("2025-01-01", tz="Asia/Shanghai").value
    times = np.sort(start + (rng.random(k) * DAYS * 86_400e9).astype(np.int64))
    cols = {"created_at": pd.to_datetime(times, utc=True)}
    for name, shares in (("operator", OPERATOR_SHARES), ("intent", INTENT_SHARES)):
        keys = np.asarray(list(shares), dtype=object)
        cols[name] = rng.choice(keys, k, p=np.asarray(list(shares.values())) / sum(shares.values()))
    cols["sentiment"] = rng.choice(np.asarray(["positive", "neutral", "negative"], dtype=object), k)
    return pd.DataFrame(cols)


def _naive(n: int, seed: int = 0) -> pd.DataFrame:
    r = random.Random(seed)
    ops, intents = list(OPERATOR_SHARES), list(INTENT_SHARES)
    start = pd.Timestamp("2025-01-01", tz="Asia/Shanghai")
    rows = []
    for i in range(n):
        op, intent = r.choices(ops, list(OPERATOR_SHARES.values()))[0], r.choices(intents, list(INTENT_SHARES.values()))[0]
        sentiment = "positive" if intent == "praise" else r.choice(["neutral", "negative"])
        created = start + pd.Timedelta(seconds=r.random() * DAYS * 86_400)
        reply = created + pd.Timedelta(minutes=r.lognormvariate(np.log(30), 0.9)) if r.random() < 0.9 else pd.NaT
        rows.append({"post_id": str(i), "created_at": created, "operator": op, "intent": intent,
                     "sentiment": sentiment, "reply_at": reply,
                     "text": f"@{op} 第{r.randint(2, 10)}次反映了，{intent}，请处理[怒]"})
    return pd.DataFrame(rows)


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_synth")
    parser.add_argument("--posts", type=int, default=10_000_000, help="posts to generate (default 10 M)")
    parser.add_argument("--naive", type=int, default=100_000, help="sample for the per-row baseline")
    args = parser.parse_args(argv)

    generate_posts(days=1, posts_per_day=100, seed=0)  # warm caches (profile, templates, policy)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    t_wbcs, df = _timed(generate_posts, days=DAYS, posts_per_day=args.posts / DAYS, seed=1)
    n, mem = len(df), df.memory_usage(deep=True).sum() / 1e9
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    del df
    t_floor, f = _timed(_floor, args.posts)
    mem_floor = f.memory_usage(deep=True).sum() / 1e9
    del f
    t_naive, _ = _timed(_naive, args.naive)
    t_naive_full = t_naive * n / args.naive

    print(f"{n:,} posts over {DAYS} days; process peak RSS {peak:.1f} GB (before: {rss0:.1f} GB)\n")
    print("| generator | what it makes | time | posts/s | frame memory | vs wbcs |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| wbcs.synth.generate_posts | all schema columns, consistent labels, replies, texts | "
          f"{t_wbcs:.1f} s | {n / t_wbcs:,.0f} | {mem:.2f} GB | 1.0 |")
    print(f"| numpy floor | times + 3 label columns (object strings) | {t_floor:.1f} s | "
          f"{n / t_floor:,.0f} | {mem_floor:.2f} GB | {t_floor / t_wbcs:.2f} |")
    print(f"| naive per-row loop ({args.naive:,} posts, extrapolated) | 7 columns | {t_naive_full:,.0f} s | "
          f"{args.naive / t_naive:,.0f} | – | {t_naive_full / t_wbcs:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
