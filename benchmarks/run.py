"""Run every benchmark (``benchmarks/bench_*.py``) and print its markdown table.

Each module has ``main(argv=None)`` that measures wbcs next to a peer or baseline in
the same run and prints the table that goes into BENCHMARKS.md.

Usage: python -m benchmarks.run [NAME ...]   (e.g. python -m benchmarks.run sim kpi)
"""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    found = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    for name in names or found:
        if name not in found:
            print(f"unknown benchmark {name!r}; known: {', '.join(found)}", file=sys.stderr)
            return 2
    print(f"# machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}; date {date.today()}")
    for name in names or found:
        print(f"\n## {name}\n", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
