"""PII masking throughput (``wbcs.pii.mask_pii``) on every real text of the mirror's Weibo sets.

Timed next to, in the same run (best of ``--repeats``, interleaved so the machine's noise falls on both):

- a plain-regex peer: one ``re.sub`` per kind (mobile, 18-character ID, e-mail, 16-19 digit card) on the text as
  written, what a per-locale regex tool does; it misses the written forms ``mask_pii`` reads (full-width digits,
  separators, 〇 numerals) and masks digits glued to others (mids, order numbers), so it is a floor, not a peer
  in quality;
- ``--against REV``: ``wbcs/pii.py`` as it was at a git revision (the cost of a change to masking), with the
  count of texts whose masked form differs.

Usage: python -m benchmarks.bench_pii [--against bb1939e] [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wbcs.config import data_mirror
from wbcs.pii import mask_pii

_PEER = [re.compile(p) for p in (r"1[3-9]\d{9}", r"\d{17}[\dXx]", r"[\w.+-]+@[\w-]+\.[\w.]+", r"\d{16,19}")]


def peer_mask(text: str) -> str:
    for p in _PEER:
        text = p.sub(lambda m: "*" * len(m.group()), text)
    return text


def _texts() -> dict[str, list[str]]:
    mirror = data_mirror()
    if mirror is None:
        raise SystemExit("no dataset mirror: set WBCS_DATA_MIRROR or place ../shared/datasets")
    with open(mirror / "weibo_senti_100k" / "posts.jsonl", encoding="utf-8") as f:
        senti = [json.loads(line)["text"] for line in f]
    with open(mirror / "stc3_weibo_helpdesk" / "dialogues.jsonl", encoding="utf-8") as f:
        turns = [t["text"] for line in f for t in json.loads(line)["turns"]]
    return {"weibo_senti_100k": senti, "STC-3 turns": turns}


def _at_revision(rev: str):
    """``wbcs/pii.py`` at ``rev``, imported as a module of its own (it imports nothing of wbcs)."""
    source = subprocess.run(["git", "show", f"{rev}:wbcs/pii.py"], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout
    path = Path(tempfile.mkdtemp()) / "pii_at_rev.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("pii_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.mask_pii


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision whose wbcs/pii.py to time beside today's")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    funcs = {"wbcs": mask_pii, "plain regex": peer_mask}
    if args.against:
        funcs[args.against] = _at_revision(args.against)
    for name, texts in _texts().items():
        best = dict.fromkeys(funcs, float("inf"))
        for _ in range(args.repeats):
            for label, f in funcs.items():
                start = time.perf_counter()
                for t in texts:
                    f(t)
                best[label] = min(best[label], time.perf_counter() - start)
        line = f"{name}: {len(texts):,} texts; wbcs {best['wbcs']:.3f} s ({len(texts) / best['wbcs']:,.0f} texts/s)"
        line += "".join(f"; {k} {v:.3f} s (wbcs/{k} {best['wbcs'] / v:.2f})" for k, v in best.items() if k != "wbcs")
        if args.against:
            old = funcs[args.against]
            line += f"; texts masked differently from {args.against}: {sum(mask_pii(t) != old(t) for t in texts):,}"
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
