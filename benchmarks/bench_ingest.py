"""Ingest's peak memory against file size: flat, because CSV is read in chunks.

For CSV exports of growing size (real weibo_senti_100k texts when the dataset mirror is
there, else generated text; unique mids, times, counts, some phone numbers), each run in
its own process, peak resident memory (``ru_maxrss``) is measured for:

- ``wbcs ingest FILE --out posts.parquet`` (chunks streamed into Parquet, rejects file,
  masking, every check);
- the peer: ``pandas.read_csv(FILE, dtype=str)``, which only parses;
- the floor: a process that imports wbcs and pandas and reads nothing.

Usage: python -m benchmarks.bench_ingest [--sizes 25,100,400]   (MB of CSV)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import data_mirror

CHILD = """
import json, resource, sys, time
t = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
BODIES = {
    "floor": "import pandas, wbcs.io, wbcs.cli",
    "wbcs ingest": "from wbcs.cli import main\nmain(['ingest', {path!r}, '--out', {out!r}])",
    "pandas.read_csv": "import pandas as pd\ndf = pd.read_csv({path!r}, dtype=str)",
}


def _texts() -> list[str]:
    mirror = data_mirror()
    if mirror is not None and (mirror / "weibo_senti_100k" / "posts.jsonl").is_file():
        with open(mirror / "weibo_senti_100k" / "posts.jsonl", encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f]
    rng = np.random.default_rng(0)
    words = ["信号", "太差", "宽带", "断了", "话费", "不对", "客服", "投诉", "流量", "套餐", "为什么", "还不修"]
    return ["".join(rng.choice(words, 12)) for _ in range(100_000)]


def _write_export(path: Path, megabytes: int, texts: list[str]) -> int:
    """A CSV export of about ``megabytes`` MB; returns its rows."""
    rng = np.random.default_rng(1)
    rows, block = 0, 100_000
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("微博ID,内容,发布时间,转发数,用户昵称\n")
        while f.tell() < megabytes * 1_000_000:
            n = np.arange(rows, rows + block)
            text = np.asarray(texts, dtype=object)[n % len(texts)]
            phone = n % 50 == 0  # one post in 50 leaves a number
            text[phone] = text[phone] + " 电话13812345678"
            stamps = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, block), unit="s")
            pd.DataFrame({"mid": 3_830_401_296_796_826 + n * 7, "text": text,
                          "time": stamps.strftime("%Y-%m-%d %H:%M:%S"), "reposts": rng.integers(0, 1000, block),
                          "nick": [f"用户{i % 5000}" for i in n]}).to_csv(f, index=False, header=False)
            rows += block
    return rows


def _measure(what: str, path: Path, out: Path) -> dict:
    code = CHILD.format(body=BODIES[what].format(path=str(path), out=str(out)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{what} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,100,400", help="CSV sizes in MB, comma-separated")
    args = parser.parse_args(argv)
    texts = _texts()
    print("| CSV | rows | wbcs ingest peak | ingest s | pandas.read_csv peak | read_csv s | "
          "peak ÷ file: wbcs | peak ÷ file: pandas | floor (imports) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        floor = _measure("floor", Path(tmp), Path(tmp))
        for mb in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"export_{mb}.csv"
            rows = _write_export(path, mb, texts)
            size = path.stat().st_size / 1e6
            ours = _measure("wbcs ingest", path, Path(tmp) / "posts.parquet")
            peer = _measure("pandas.read_csv", path, Path(tmp) / "unused")
            print(f"| {size:,.0f} MB | {rows:,} | {ours['peak_mb']:,.0f} MB | {ours['seconds']:.1f} | "
                  f"{peer['peak_mb']:,.0f} MB | {peer['seconds']:.1f} | {ours['peak_mb'] / size:.2f} | "
                  f"{peer['peak_mb'] / size:.2f} | {floor['peak_mb']:,.0f} MB |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
