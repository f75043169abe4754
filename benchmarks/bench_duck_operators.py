"""What filling operators from the post text costs each KPI engine, on real STC-3 texts.

A Parquet archive of STC-3's first customer turns (every dialogue of
``../shared/datasets/stc3_weibo_helpdesk``, repeated to ``--rows`` posts, each with its own id and time) is
written twice: without an ``operator`` column (every operator read from the text: ``@中国移动`` first, else the
words) and with the column the texts give (nothing to fill). With ``--unique`` each copy's text gets a tag of
letters, so every text is distinct (an export's texts mostly are; the Python work per distinct text grows). The
files are written in row groups of ``--row-group`` posts (``wbcs ingest`` writes one per chunk of 50,000; DuckDB
reads row groups in parallel, so one group of every post runs on one core).

Timed, each the median of ``--repeat`` runs after one warm-up, the engines alternating in one process:

- ``duckdb fill``: ``wbcs.kpi.duck.indicators`` on the archive without operators minus the same on the
  archive with them (the fill's cost inside the engine: it joins or computes the operator in every query);
- ``pandas fill``: ``wbcs.io.ingest.read_operators(None, text)`` on the same texts, what ``read_posts``
  does for the pandas engine.

Both engines must give the same operators (checked: the competitor lead and a table by operator).
Usage: python -m benchmarks.bench_duck_operators [--rows 400000] [--repeat 5] [--unique] [--row-group 50000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import string
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import data_mirror


def stc3_texts() -> list[str]:
    path = data_mirror() / "stc3_weibo_helpdesk" / "dialogues.jsonl"
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["turns"][0]["text"] for line in f]


def _tag(i: int) -> str:
    """Letters only: a tag of digits could spell 10086 or 10010, an operator's number."""
    out = ""
    while True:
        i, r = divmod(i, 26)
        out += string.ascii_lowercase[r]
        if not i:
            return f" [{out}]"


def archive(rows: int, unique: bool) -> pd.DataFrame:
    texts = stc3_texts()
    n = np.arange(rows)
    text = [texts[i % len(texts)] + (_tag(i) if unique else "") for i in n]
    rng = np.random.default_rng(0)
    created = pd.Timestamp("2024-01-01", tz="Asia/Shanghai") + pd.to_timedelta(rng.integers(0, 90 * 86400, rows),
                                                                                unit="s")
    return pd.DataFrame({
        "post_id": [f"s{i}" for i in n], "created_at": created, "text": text,
        "reply_at": created + pd.to_timedelta(rng.integers(60, 7200, rows), unit="s"),
        "sentiment": np.array(["negative", "neutral", "positive"])[n % 3],
        "intent": np.array(["complaint", "consultation", "praise", "other"])[n % 4],
        "topic": np.array(["network", "broadband", "billing", "service"])[n % 4],
    })


def main(argv: list[str] | None = None) -> None:
    from wbcs.io.ingest import read_operators
    from wbcs.kpi import duck

    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=400_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--unique", action="store_true")
    p.add_argument("--row-group", type=int, default=50_000)
    args = p.parse_args(argv)
    posts = archive(args.rows, args.unique)
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        bare, filled = Path(tmp) / "bare.parquet", Path(tmp) / "filled.parquet"
        posts.to_parquet(bare, index=False, row_group_size=args.row_group)
        op, _ = read_operators(None, posts["text"])
        posts.assign(operator=op.astype("string")).to_parquet(filled, index=False, row_group_size=args.row_group)

        def clock(fn):
            t0 = time.perf_counter()
            out = fn()
            return time.perf_counter() - t0, out

        runs = {"duckdb, without operators": [], "duckdb, with operators": [], "pandas read_operators": []}
        for i in range(args.repeat + 1):  # the first is a warm-up (caches, imports)
            t_bare, a = clock(lambda: duck.indicators(bare, quiet=True))
            t_filled, b = clock(lambda: duck.indicators(filled, quiet=True))
            t_pandas, (ops, _) = clock(lambda: read_operators(None, posts["text"]))
            if i:
                runs["duckdb, without operators"].append(t_bare)
                runs["duckdb, with operators"].append(t_filled)
                runs["pandas read_operators"].append(t_pandas)
        assert a["competitor_lead"] == b["competitor_lead"], "the engines read different operators"
        table = duck.indicators(bare, by="operator", quiet=True)
        counts = ops.value_counts(dropna=False)
        assert {(k if isinstance(k, str) else None): v for k, v in zip(table["operator"], table["volume"],
                                                                        strict=True)} == \
            {(k if isinstance(k, str) else None): v for k, v in counts.items()}, "operator counts differ"
    med = {k: statistics.median(v) for k, v in runs.items()}
    fill = med["duckdb, without operators"] - med["duckdb, with operators"]
    print(f"{args.rows:,} posts ({posts['text'].nunique():,} distinct texts), row groups of {args.row_group:,}, "
          f"median of {args.repeat}:")
    for k, v in med.items():
        print(f"  {k:<28} {v:7.3f} s   (runs: {', '.join(f'{x:.3f}' for x in runs[k])})")
    print(f"  duckdb fill (difference)     {fill:7.3f} s   pandas fill {med['pandas read_operators']:.3f} s   "
          f"duckdb / pandas {fill / med['pandas read_operators']:.2f}")


if __name__ == "__main__":
    main()
