"""``read_posts``' peak memory on an export with many columns wbcs never uses.

A CSV export of ``--rows`` posts (real weibo_senti_100k texts when the dataset mirror is there, else generated
text; unique mids, times, nicknames) is written twice: with ``--extra`` more text columns (half of them a value
per row, such as a URL or a note, half one of a few hundred values, such as a city; with ``--width N``, each a
long text of N characters, a post's text repeated) and without them. Each
measurement runs in its own process (peak = its ``VmHWM``), ``--repeat`` times, alternating:

- ``read_posts`` on the export with the extra columns, keeping them (the default: triage writes them out) and
  with ``keep=False`` (what a command that never shows them asks), and on the export without them (the floor:
  what the posts themselves cost);
- with ``--tree DIR`` (a git worktree of an earlier commit), ``read_posts`` of that tree on the same files, in
  the same run (``PYTHONPATH=DIR``), for a before/after ratio (``keep=False`` too, when that tree's read_posts
  takes it);
- with ``--formats csv,parquet``, the same exports written as Parquet too: a Parquet file's columns are read one
  by one, so with ``keep=False`` those not kept need not be read at all (before: every column decoded, then
  dropped).

Usage: python -m benchmarks.bench_read_extras [--rows 200000] [--extra 30] [--repeat 2] [--dir /tmp/fe]
                                               [--tree /tmp/fe/wt] [--formats csv,parquet] [--width 0]
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

# the peak: Linux's VmHWM, this program's own (ru_maxrss keeps the benchmark's, across exec: the exports it wrote)
CHILD = """
import json, re, resource, time
t = time.perf_counter()
from wbcs.io import read_posts
posts, info = read_posts({path!r}, quiet=True{kw})
try:
    with open("/proc/self/status") as f:
        peak = int(re.search(r"VmHWM:\\s*(\\d+)", f.read()).group(1))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": len(posts), "columns": len(posts.columns),
                  "peak_mb": peak / 1024}}))
"""


def write_exports(folder: Path, rows: int, extra: int, suffix: str = ".csv", width: int = 0) -> tuple[Path, Path]:
    texts = _texts()
    rng = np.random.default_rng(1)
    n = np.arange(rows)
    stamps = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, rows), unit="s")
    base = pd.DataFrame({"mid": 3_830_401_296_796_826 + n * 7,
                         "text": np.asarray(texts, dtype=object)[n % len(texts)],
                         "time": stamps.strftime("%Y-%m-%d %H:%M:%S"), "nick": [f"用户{i % 5000}" for i in n]})
    cities = np.array([f"城市{i}" for i in range(300)], dtype=object)
    long = [(t * (width // max(len(t), 1) + 1))[:width] for t in texts] if width else []
    wide = base.assign(**{f"extra_{k}": ([long[(i + k) % len(long)] for i in n] if width else
                                         [f"https://example.com/p/{k}/{i}" for i in n] if k % 2 else
                                         cities[rng.integers(0, len(cities), rows)]) for k in range(extra)})
    narrow_path, wide_path = folder / f"export_{rows}{suffix}", folder / f"export_{rows}_extra{extra}{suffix}"
    for frame, path in ((base, narrow_path), (wide, wide_path)):
        if suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    return narrow_path, wide_path


def measure(path: Path, tree: str | None, kw: str = "") -> dict | None:
    """One run; None when ``tree``'s read_posts does not take ``keep``."""
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    r = subprocess.run([sys.executable, "-c", CHILD.format(path=str(path), kw=kw)], capture_output=True, text=True,
                       env=env, cwd=tree or None)
    if r.returncode != 0 and tree and "unexpected keyword argument 'keep'" in r.stderr:
        return None
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
    p.add_argument("--formats", default="csv", help="csv, parquet or both (comma-separated)")
    p.add_argument("--width", type=int, default=0, help="extra columns of long text, this many characters each")
    args = p.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    exports = {fmt: write_exports(folder, args.rows, args.extra, f".{fmt}", args.width)
               for fmt in args.formats.split(",")}
    runs: dict[str, list[dict]] = {}
    trees = [("before", args.tree)] if args.tree else []
    for _ in range(args.repeat):
        for fmt, (narrow, wide) in exports.items():
            for label, tree in [*trees, ("this tree", None)]:
                for name, path, kw in [("extra columns", wide, ""), ("extra columns, keep=False", wide, ", keep=False"),
                                       ("no extra columns", narrow, "")]:
                    run = measure(path, tree, kw)
                    if run is not None:
                        runs.setdefault(f"{fmt}, {label}, {name}", []).append(run)
    for fmt, (narrow, wide) in exports.items():
        print(f"{args.rows:,} posts; {wide.stat().st_size / 1e6:.0f} MB {fmt} with {args.extra} extra columns, "
              f"{narrow.stat().st_size / 1e6:.0f} MB without; median of {args.repeat} runs each")
    print("| read_posts | columns kept | peak RSS (MB) | runs | seconds |")
    print("|---|---:|---:|---|---:|")
    for key, rs in runs.items():
        peaks = [r["peak_mb"] for r in rs]
        print(f"| {key} | {rs[0]['columns']} | {statistics.median(peaks):,.0f} | "
              f"{', '.join(f'{x:,.0f}' for x in peaks)} | {statistics.median(r['seconds'] for r in rs):.1f} |")


if __name__ == "__main__":
    main()
