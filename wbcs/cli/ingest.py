"""``wbcs ingest``: read real exports (CSV/GBK, JSON Lines, .xlsx, Parquet) into a posts table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wbcs.errors import InputError

EXAMPLE = """Example:
  wbcs ingest data/examples/weibo_export.csv --out out/posts.parquet --export-time "2024-05-04 21:30"

Headers such as 内容/正文/微博内容, 发布时间/时间, 用户昵称, IP属地, 来源 (the app), 省份/地区,
粉丝数 map to the posts schema by themselves; --map target=source names the others (e.g.
--map text=帖子正文). Weibo's relative times (5分钟前, 昨天 10:22, 5月4日 21:17) are read
against --export-time, else the file's modification time. Rows that cannot be used (empty
text, unreadable or out-of-range time, duplicate id, implausible mid time, bad value, bad
encoding, malformed line) go to the rejects file with their reason (default: OUT's name +
.rejects.csv). PII is masked in both files unless --no-mask. No output may be an input."""


def register(sub) -> None:
    from wbcs.cli import HelpFormatter

    p = sub.add_parser("ingest", help="read exports into a validated, PII-masked posts table",
                       description="Read CSV (any Chinese encoding), JSON Lines, .xlsx or Parquet "
                                   "exports into one posts table; unusable rows go to a rejects file.",
                       epilog=EXAMPLE, formatter_class=HelpFormatter)
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="export files")
    p.add_argument("--out", required=True, type=Path,
                   help="posts table to write (.parquet, .csv, .jsonl or .xlsx)")
    p.add_argument("--map", dest="mapping", action="append", default=[], metavar="TARGET=SOURCE",
                   help="schema column TARGET comes from file column SOURCE (repeatable)")
    p.add_argument("--rejects", type=Path, default=None,
                   help="where rejected rows go (default: OUT with .rejects.csv)")
    p.add_argument("--export-time", default=None, metavar="TIME",
                   help="when the export was made: Weibo's relative times (5分钟前, 昨天 10:22, 5月4日 21:17) "
                        "are read against it, written year first: 2024-05-04 21:30, 2024/05/04, ISO with a zone "
                        "or 2024年5月4日 21:30 (default: each file's modification time)")
    p.add_argument("--no-mask", action="store_true",
                   help="keep phone numbers, ID numbers, bank card numbers and e-mails unmasked (stay inside the team)")
    p.add_argument("--json", action="store_true", help="also print the full summary as JSON on stdout")
    p.set_defaults(func=cmd_ingest)


def parse_mapping(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        target, sep, source = item.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(f"--map {item!r}: write it as TARGET=SOURCE, e.g. --map text=帖子正文")
        mapping[target.strip()] = source.strip()
    return mapping


def cmd_ingest(args: argparse.Namespace) -> int:
    from wbcs.cli import shipped_input
    from wbcs.io import check_outputs, ingest_to
    from wbcs.io.ingest import no_posts_error

    args.inputs = [shipped_input(p) for p in args.inputs]  # EXAMPLE's data/examples/... from any folder, said on stderr
    check_outputs({"--out": args.out})  # first: a folder or an empty name has no name to put '.rejects' after
    rejects = args.rejects or args.out.with_name(args.out.stem + ".rejects.csv")
    # fail before the work, not after it: no output may be an input or the other output
    check_outputs({"--out": args.out, "--rejects": rejects}, inputs=args.inputs)
    s = ingest_to(args.inputs, args.out, rejects, mapping=parse_mapping(args.mapping), mask=not args.no_mask,
                  export_time=args.export_time)
    if not s["kept"]:  # an empty posts table and exit 0, where kpi refuses the file: the same line, and the rejects
        raise no_posts_error(", ".join(s["files"]), s, f"rejects in {rejects}")
    line = (f"ingest: read {s['read']} rows from {len(s['files'])} file(s), kept {s['kept']}, "
            f"rejected {s['rejected']}")
    if s["rejected"]:
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(s["reasons"].items(), key=lambda x: -x[1]))
        line += f" ({reasons}); rejects in {rejects}"
    elif rejects.is_file():  # a previous run's rejects would describe rows this run kept
        rejects.unlink()
        line += f"; removed the previous run's {rejects}"
    if s.get("empty_rows"):  # not posts, but never silently away
        line += f"; skipped {s['empty_rows']:,} rows of only empty cells"
    line += f"; posts in {args.out}"
    for name, f in s["files"].items():
        if f.get("day_month"):
            line += f"; {name}: dates with the day and month first read " + ", ".join(
                f"{col}: {said}" for col, said in f["day_month"].items())
        if f.get("relative_to"):
            at = f["relative_to"]
            line += (f"; {name}: {f['relative_times']} relative time(s) (5分钟前, 昨天 10:22, ...) read against "
                     f"{at['from']} {at['time'][:16].replace('T', ' ')}" +
                     (" (set it with --export-time)" if at["from"] != "--export-time" else ""))
        for note in f.get("notes", []):  # times from mids, sheets skipped, formula cells, satisfied left unknown
            line += f"; {name}: {note}"
    print(line, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
    return 0
