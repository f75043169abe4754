"""``read_posts``' peak memory on an export with many columns wbcs never uses.

A CSV export of ``--rows`` posts (real weibo_senti_100k texts when the dataset mirror is there, else generated
text; unique mids, times, nicknames) is written twice: with ``--extra`` more text columns (half of them a value
per row, such as a URL or a note, half one of a few hundred values, such as a city) and without them. Each
measurement runs in its own process (peak = ``ru_maxrss``), ``--repeat`` times, alternating:

- ``read_posts`` on the export with the extra columns, keeping them (the default: triage writes them out) and
  with ``keep=False`` (what a command that never shows them asks), and on the export without them (the floor:
  what the posts themselves cost);
- with ``--tree DIR`` (a git worktree of an earlier commit), ``read_posts`` of that tree on the same files, in
  the same run (``PYTHONPATH=DIR``), for a before/after ratio.

Usage: python -m benchmarks.bench_read_extras [--rows 200000] [--extra 30] [--repeat 2] [--dir /tmp/fe]
                                               [--tree /tmp/fe/wt]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_ingest import _texts

CHILD = """
import json, resource, time
t = time.perf_counter()
from wbcs.io import read_posts
posts, info = read_posts({path!r}, quiet=True{kw})
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": len(posts), "columns": len(posts.columns),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def write_exports(folder: Path, rows: int, extra: int) -> tuple[Path, Path]:
    texts = _texts()
    rng = np.random.default_rng(1)
    n = np.arange(rows)
    stamps = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, rows), unit="s")
    base = pd.DataFrame({"mid": 3_830_401_296_796_826 + n * 7,
                         "text": np.asarray(texts, dtype=object)[n % len(texts)],
                         "time": stamps.strftime("%Y-%m-%d %H:%M:%S"), "nick": [f"用户{i % 5000}" for i in n]})
    cities = np.array([f"城市{i}" for i in range(300)], dtype=object)
    wide = base.assign(**{f"extra_{k}": ([f"https://example.com/p/{k}/{i}" for i in n] if k % 2 else
                                         cities[rng.integers(0, len(cities), rows)]) for k in range(extra)})
    narrow_path, wide_path = folder / f"export_{rows}.csv", folder / f"export_{rows}_extra{extra}.csv"
    base.to_csv(narrow_path, index=False)
    wide.to_csv(wide_path, index=False)
    return narrow_path, wide_path


def measure(path: Path, tree: str | None, kw: str = "") -> dict:
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    r = subprocess.run([sys.executable, "-c", CHILD.format(path=str(path), kw=kw)], capture_output=True, text=True,
                       env=env, cwd=tree or None)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--extra", type=int, default=30)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--dir", default="/tmp/fe")
    p.add_argument("--tree", default=None, help="a worktree of an earlier commit, measured beside this one")
    args = p.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    narrow, wide = write_exports(folder, args.rows, args.extra)
    runs: dict[str, list[dict]] = {}
    trees = [("before", args.tree)] if args.tree else []
    for _ in range(args.repeat):
        for label, tree in [*trees, ("this tree", None)]:
            cases = [("extra columns", wide, ""), ("no extra columns", narrow, "")]
            if tree is None:  # (an earlier tree's read_posts may not take keep)
                cases.insert(1, ("extra columns, keep=False", wide, ", keep=False"))
            for name, path, kw in cases:
                runs.setdefault(f"{label}, {name}", []).append(measure(path, tree, kw))
    print(f"{args.rows:,} posts; {wide.stat().st_size / 1e6:.0f} MB CSV with {args.extra} extra columns, "
          f"{narrow.stat().st_size / 1e6:.0f} MB without; median of {args.repeat} runs each")
    print("| read_posts | columns kept | peak RSS (MB) | runs | seconds |")
    print("|---|---:|---:|---|---:|")
    for key, rs in runs.items():
        peaks = [r["peak_mb"] for r in rs]
        print(f"| {key} | {rs[0]['columns']} | {statistics.median(peaks):,.0f} | "
              f"{', '.join(f'{x:,.0f}' for x in peaks)} | {statistics.median(r['seconds'] for r in rs):.1f} |")


if __name__ == "__main__":
    main()
