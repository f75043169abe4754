"""``make demo``: the workbench end to end on the default data.

Each stage is a function ``stage(out: Path, ctx: dict) -> list[Path]`` that runs one
step of the pipeline through the package's public API and returns the files it
wrote; ``ctx`` carries results from earlier stages (e.g. the posts table). The run
prints, for every stage, what it did and where its outputs are.

Usage: python -m wbcs.demo [--out out/demo] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

STAGES: list = []


def stage(fn):
    """Register a demo stage (in the order stages are defined)."""
    STAGES.append(fn)
    return fn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wbcs.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--smoke", action="store_true", help="small sample, for CI")
    args = parser.parse_args(argv)
    if args.smoke:
        os.environ["WBCS_SMOKE"] = "1"
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ctx: dict = {}
    written: list[tuple[str, Path]] = []
    for fn in STAGES:
        name = fn.__name__.removeprefix("stage_")
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        files = fn(out, ctx) or []
        written += [(name, p) for p in files]
        print(f"   done in {time.perf_counter() - t0:.1f} s", flush=True)
    print("\nOutputs:")
    for name, p in written:
        print(f"  {name:<10} {p}")
    return 0


# Stages are added below, in pipeline order, by each part of the workbench.


if __name__ == "__main__":
    sys.exit(main())
