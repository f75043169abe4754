"""``wbcs datasets`` (list / fetch / export the public datasets) and ``wbcs synth``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wbcs.errors import InputError

LIST_EXAMPLE = """Example:
  wbcs datasets list --json

Shows every registered file: rows, source repository and commit, terms, SHA-256 and
where it is available (the mirror $WBCS_DATA_MIRROR, data/raw, or missing)."""

FETCH_EXAMPLE = """Example:
  wbcs datasets fetch stc3 --url-base "file://$PWD/../shared/datasets"

Downloads the dataset's files from a folder laid out like the mirror into data/raw
($WBCS_RAW_DIR), checking each SHA-256 against the registry (default --url-base:
$WBCS_DATA_URL). Nothing is saved when a checksum does not match."""

EXPORT_EXAMPLE = """Example:
  wbcs datasets export stc3 --out out/stc3_telecom.parquet

Writes the loader's table (.parquet, .csv, .jsonl or .xlsx) with phone numbers, ID
numbers and e-mails masked. stc3 exports the telecom dialogues (--all for all 3,700)."""

SYNTH_EXAMPLE = """Example:
  wbcs synth --days 30 --posts-per-day 500 --seed 1 --out out/synthetic_posts.parquet

Synthetic posts (arrivals with the real STC-3 rhythm, labels, replies), PII-masked;
--burst adds an incident, --account writes a service account's posting log instead."""

POSTS_PER_DAY = 500  # synth's default volume of customer posts

LOADERS = {"stc3": "load_stc3", "cocc": "load_cocc", "smp2020": "load_smp2020",
           "weibo_senti": "load_weibo_senti"}


def register(sub) -> None:
    from wbcs.cli import HelpFormatter

    p = sub.add_parser("datasets", help="list, fetch and export the public datasets",
                       description="The public datasets wbcs reads: registry, download, export.",
                       epilog=LIST_EXAMPLE, formatter_class=HelpFormatter)
    dsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    lp = dsub.add_parser("list", help="registered files and where they are available",
                         description="List the registered dataset files.", epilog=LIST_EXAMPLE,
                         formatter_class=HelpFormatter)
    lp.add_argument("--json", action="store_true", help="print the table as JSON on stdout")
    lp.set_defaults(func=cmd_list)

    fp = dsub.add_parser("fetch", help="download a dataset into data/raw with checksums",
                         description="Download a dataset's files and check their SHA-256.",
                         epilog=FETCH_EXAMPLE, formatter_class=HelpFormatter)
    fp.add_argument("name", help="dataset name (see `wbcs datasets list`)")
    fp.add_argument("--url-base", default=None, help="http(s):// or file:// folder laid out like the mirror")
    fp.add_argument("--dest", type=Path, default=None, help="download folder (default data/raw)")
    fp.set_defaults(func=cmd_fetch)

    ep = dsub.add_parser("export", help="write a dataset's table, PII-masked",
                         description="Load a dataset with its loader and write the table.",
                         epilog=EXPORT_EXAMPLE, formatter_class=HelpFormatter)
    ep.add_argument("name", choices=list(LOADERS), help="dataset name")
    ep.add_argument("--out", required=True, type=Path, help="output file (.parquet, .csv, .jsonl, .xlsx)")
    ep.add_argument("--all", action="store_true", help="stc3: every dialogue, not only the telecom ones")
    ep.set_defaults(func=cmd_export)

    s = sub.add_parser("synth", help="generate synthetic posts (or an account's posting log)",
                       description="Generate a seeded synthetic posts table and write it PII-masked.",
                       epilog=SYNTH_EXAMPLE, formatter_class=HelpFormatter)
    s.add_argument("--days", type=int, default=30, help="days to cover (default 30)")
    s.add_argument("--start", default="2025-01-01", help="first day, Beijing time (default 2025-01-01)")
    s.add_argument("--posts-per-day", type=float, default=None,
                   help=f"mean posts a day (default {POSTS_PER_DAY:g}; not with --account)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--burst", action="append", default=[], metavar="START,HOURS,POSTS,TOPIC",
                   help="an incident burst, e.g. '2025-01-10 19:00,2,500,network' (repeatable; not with --account)")
    s.add_argument("--account", action="store_true",
                   help="write a service account's own posting log (posting norms) instead")
    s.add_argument("--out", required=True, type=Path, help="output file (.parquet, .csv, .jsonl, .xlsx)")
    s.set_defaults(func=cmd_synth)


def cmd_list(args: argparse.Namespace) -> int:
    from wbcs.datasets import list_datasets

    table = list_datasets()
    if args.json:
        print(json.dumps(table.to_dict("records"), ensure_ascii=False, indent=2))
    else:
        print(table[["name", "file", "rows", "available", "loader"]].to_string(index=False))
        print("\nSources, terms and SHA-256: wbcs datasets list --json", file=sys.stderr)
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from wbcs.datasets import fetch

    for path in fetch(args.name, url_base=args.url_base, dest=args.dest):
        print(f"datasets fetch: {path} (SHA-256 checked)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import warnings

    import wbcs.datasets as ds
    from wbcs.datasets import dataset_files
    from wbcs.io import check_outputs, write_table

    kwargs = {"telecom_only": not args.all} if args.name == "stc3" else {}
    if args.all and args.name != "stc3":
        raise InputError("--all only applies to stc3")
    # before loading: --out equal to the dataset's own file replaced it, and every later load failed its checksum
    check_outputs({"--out": args.out})  # first: a folder or an empty name has no name to put '.rejects' after
    rejects_path = args.out.with_name(args.out.stem + ".rejects.csv")
    outputs = {"--out": args.out, "its rejects file": rejects_path}
    check_outputs(outputs)
    for path in dataset_files(args.name):
        check_outputs(outputs, inputs={"dataset's own": path}, formats=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = getattr(ds, LOADERS[args.name])(**kwargs)
    for w in caught:
        print(f"datasets export: {w.message}", file=sys.stderr)
    out = write_table(df, args.out)
    rejects = df.attrs.get("rejects")
    line = f"datasets export: {len(df)} rows of {args.name} to {out} (PII masked)"
    if rejects is not None and len(rejects):
        rej_path = write_table(rejects, rejects_path)
        line += f"; {len(rejects)} rows left out, listed in {rej_path}"
    print(line)
    return 0


def _parse_burst(text: str) -> dict:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise InputError(f"--burst {text!r}: write START,HOURS,POSTS,TOPIC, e.g. '2025-01-10 19:00,2,500,network'")
    try:
        return {"start": parts[0], "hours": float(parts[1]), "posts": int(parts[2]), "topic": parts[3]}
    except ValueError:
        raise InputError(f"--burst {text!r}: HOURS must be a number and POSTS a whole number") from None


def cmd_synth(args: argparse.Namespace) -> int:
    from wbcs.io import check_outputs, write_table
    from wbcs.synth import generate_account_posts, generate_posts

    if args.account:  # options the account's log has no use for were ignored, an invalid burst too
        for option, given, why in (
                ("--posts-per-day", args.posts_per_day is not None, "its posts a day are the posting norms' "
                 "posts_per_day (data/policy.yaml)"),
                ("--burst", args.burst, "an account's own posting log has no incident bursts")):
            if given:
                raise InputError(f"{option} does not apply to --account: {why}; leave out {option}")
    check_outputs({"--out": args.out})  # before generating: millions of posts were made, then the name refused
    if args.account:
        df = generate_account_posts(days=args.days, start=args.start, seed=args.seed)
    else:
        per_day = POSTS_PER_DAY if args.posts_per_day is None else args.posts_per_day
        df = generate_posts(days=args.days, start=args.start, posts_per_day=per_day,
                            seed=args.seed, bursts=[_parse_burst(b) for b in args.burst])
    out = write_table(df, args.out)
    what = "account posts" if args.account else "posts"
    print(f"synth: {len(df)} SYNTHETIC {what} (seed {args.seed}) to {out} (PII masked)")
    return 0
