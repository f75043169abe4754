"""``wbcs reply``: a checked reply draft in the standard wording for every routed post."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPLY_EXAMPLE = """Example:
  wbcs reply --posts out/posts.parquet --out out/drafts.csv --k 3

Routes every post (as wbcs triage does), fills the route's standard wording from
data/replies.yaml (per topic where the wording differs) and checks it: at most 140
characters, no unmasked phone/ID/e-mail, no live broadcast of the handling, no compensation
promised before the ticket, no handling time but the policy's and, for a consultation or a
complaint, that time said rather than 尽快, the private message where the route needs one. Next to it, the k
best real helpdesk replies to similar posts (STC-3, plus your team's accepted replies with
--store), each with its source dialogue id, predicted quality (-2..2) and check result.
Columns: post_id, route, kind, topic, draft, private, checks, passes, alt1..k (+ _source,
_quality, _checks), text. Exit code 1 when a draft fails its checks."""


# posts classified, then drafted, at a time: memory bounded by a chunk's scores and features, a progress step each
CHUNK = 2000


def register(sub) -> None:
    from wbcs.cli import HelpFormatter

    p = sub.add_parser("reply", help="draft checked replies in the standard wording for routed posts",
                       description="Draft a reply for every post: the route's standard wording, checked, "
                                   "and the best real replies to similar posts.",
                       epilog=REPLY_EXAMPLE, formatter_class=HelpFormatter)
    p.add_argument("--posts", required=True, type=Path, help="posts table (CSV, JSON Lines, XLSX or Parquet)")
    p.add_argument("--out", required=True, type=Path, help="drafts file to write (.csv, .jsonl, .parquet, .xlsx)")
    p.add_argument("--k", type=int, default=3, help="alternatives per post (default 3)")
    p.add_argument("--replies", type=Path, help="reply wording file (default data/replies.yaml)")
    p.add_argument("--routes", type=Path, help="routes file (default data/routes.yaml)")
    p.add_argument("--policy", type=Path, help="policy file (default data/policy.yaml)")
    p.add_argument("--model", default=None, help="model for unlabelled posts (default: the shipped model)")
    p.add_argument("--store", type=Path, help="label store whose accepted replies are retrievable too")
    p.add_argument("--no-stc3", action="store_true", help="do not retrieve STC-3 replies (templates and --store only)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_reply)


def _say(args, line: str) -> None:
    print(line, file=sys.stderr if args.json else sys.stdout)


def _open_store(path):
    """The label store at ``path``, read-only (None without ``--store``): a missing, empty or damaged store
    is an InputError before any slow step."""
    from wbcs.errors import InputError
    from wbcs.labeling.store import LabelStore

    if path is None:
        return None
    if not path.is_file():  # reading only: do not leave an empty store behind
        raise InputError(f"{path}: label store not found; give the store the reply desk wrote to")
    return LabelStore(path, readonly=True)


def _chunks(n: int) -> list[slice]:
    """Slices of ``CHUNK`` rows covering ``n`` rows; one (empty) for none, so an empty table goes through."""
    return [slice(lo, lo + CHUNK) for lo in range(0, max(n, 1), CHUNK)]


def cmd_reply(args: argparse.Namespace) -> int:
    import pandas as pd

    from wbcs.cli import shipped_inputs
    from wbcs.errors import InputError
    from wbcs.io import check_outputs, read_posts, write_table
    from wbcs.policy import load_policy
    from wbcs.progress import bar
    from wbcs.reply.drafts import draft_replies, make_drafter
    from wbcs.reply.templates import load_replies
    from wbcs.triage import load_routes, needs_labels, route_posts

    # every input (--store too: read only here) through shipped_input: the data/... files from any folder, said on
    # stderr; never --out, nothing is written into the package
    shipped_inputs(args, ("posts", "replies", "routes", "policy", "store"))
    if not 0 <= args.k <= 10:
        raise InputError(f"--k must be between 0 and 10, got {args.k}")
    check_outputs({"--out": args.out}, inputs={"--posts": args.posts, "--store": args.store})
    routes = load_routes(args.routes)
    book = load_replies(args.replies, routes=routes)  # a bad wording file fails before the slow steps
    policy = load_policy(args.policy)
    store = _open_store(args.store)  # as does a missing or damaged store
    try:
        posts, _ = read_posts(args.posts)  # a user's export or any wbcs output, rejects reported
        # the drafts promise the resolve time of the policy the posts are routed with, not the default's
        drafter = make_drafter(replies=book, routes=routes, store=store, k=args.k, stc3=not args.no_stc3,
                               policy=policy)
    finally:
        if store is not None:
            store.close()
    if needs_labels(posts):
        from wbcs.classify import load_model, predict_posts

        model = load_model(args.model)
        parts = [predict_posts(posts.iloc[c], model, verbose=False)
                 for c in bar(_chunks(len(posts)), desc="classifying", unit="chunk", leave=False)]
        filled = {f: sum(p.attrs["classified"]["filled"][f] for p in parts) for f in model.fields}
        posts = pd.concat(parts)
        _say(args, f"reply: unlabelled posts classified with {model.name}: "
                   + ", ".join(f"{f} {n}" for f, n in filled.items()))
    routed = route_posts(posts, policy=policy, routes=routes, classify=False)
    if drafter.note:
        _say(args, f"reply: {drafter.note}; drafts use the templates only")
    # chunk by chunk: the index's scores and the quality model's features of a chunk, not of every post at once
    drafts = pd.concat([draft_replies(posts.iloc[c], routed.iloc[c], drafter)
                        for c in bar(_chunks(len(posts)), desc="drafting", unit="chunk", leave=False)])
    drafts = drafts.assign(text=posts["text"])
    write_table(drafts, args.out)
    failing = drafts[~drafts["passes"]]
    counts = drafts["route"].value_counts().to_dict()
    summary = {"posts": int(len(drafts)), "routes": {k: int(v) for k, v in counts.items()},
               "drafts": int((drafts["draft"] != "").sum()), "failing": int(len(failing)),
               "index": 0 if drafter.index is None else len(drafter.index), "out": str(args.out)}
    _say(args, f"reply: {summary['drafts']} drafts for {summary['posts']} posts "
               f"({', '.join(f'{k} {v}' for k, v in counts.items())}); {summary['failing']} fail their checks; "
               f"alternatives from {summary['index']} indexed replies; written to {args.out}")
    for r in failing.head(5).itertuples():
        _say(args, f"  post {r.post_id} ({r.route}): {r.checks}")
    ops = posts["operator"] if "operator" in posts else pd.Series(None, index=posts.index, dtype=object)
    unnamed = int((~ops.isin(list(book.operators)) & (drafts["draft"] != "").to_numpy()).sum())
    if unnamed:  # the default is one operator's: a team of another must not sign as it unawares
        name = book.operators[book.default_operator]["name"]
        _say(args, f"reply: {unnamed} draft(s) for posts that name no operator sign as {name} "
                   f"({book.default_operator}, operators.default of {args.replies or 'data/replies.yaml'}); "
                   "set it to your own operator in a copy given with --replies")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 1 if len(failing) else 0
