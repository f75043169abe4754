"""``wbcs kpi``, ``wbcs hot``, ``wbcs norms`` and ``wbcs report``: the analysts' commands."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

KPI_EXAMPLE = """Example:
  wbcs kpi --posts out/posts.parquet --period week --by topic --json

Prints the indicators of the whole file (volume, net favorability, handling, resolution and
satisfaction rates, response minutes, topic shares, SLA attainment per post kind, lead over
competitors) and, with --period or --by, a table per period/group. Posts with labels are read
as labelled; only posts without them are classified with the shipped model, the output says
so, and their labels are reused on the next call on the same file (--no-cache: classify again).

A partitioned archive of labelled Parquet files (a folder or a glob such as
'archive/**/*.parquet') is computed file by file with --engine dask, on a Dask cluster
with --workers N or --scheduler ADDRESS (else in this process); the numbers equal
--engine duckdb's on the same files."""

HOT_EXAMPLE = """Example:
  wbcs hot --posts out/posts.parquet --top 10

Prints the incidents, best ranked first: the aggregation-rule alerts (the same question
from >=3 users a day or on >=2 platforms; the same complaint from >=3 customers in a week
or on >=3 platforms) merged per issue (operator and topic) and window, ranked by how
improbable their most unusual day is under the issue's usual share of the traffic (every
surge first), each named by its topic and the
phrases of its posts. --json adds every incident's evidence (post ids), every alert and the
hourly spikes per topic and near-duplicate cluster (texts PII-masked). Where the shipped model
gave the topics, each topic incident also says the model's cross-validated precision and
recall for that topic: how far its count can be trusted.

A partitioned archive of labelled Parquet files (a folder or 'archive/**/*.parquet') is
computed file by file with --engine dask, on a Dask cluster with --workers N or
--scheduler ADDRESS (else in this process), with the same results as one table: windows
that cross partitions count as in one file, and near-duplicate clusters link posts across
files (--topics-only skips them: faster on a large archive)."""

NORMS_EXAMPLE = """Example:
  wbcs norms --posts data/examples/account_posts.csv --json

Checks an account's own posting log (post_id, created_at, text, is_repost, category,
has_picture) against the posting norms of the policy file; lists every breach with its
day and posts."""

REPORT_EXAMPLE = """Example:
  wbcs report --posts out/posts.parquet --out out/report.html --period week --end 2024-05-04

Writes a self-contained HTML operations report (opens without network access) for the
week or month containing --end (default: the last complete one), compared with the
period before. Where the shipped model labelled the posts, their shares and net favorability
are also shown corrected for its errors, with 95% intervals."""


# what the duckdb and dask engines say of the corrected shares when their files hold a model's labels: only the pandas
# engine computes them (``corrected_note`` is null where there is nothing to say, as in the pandas engine's output)
ENGINE_NOTE = "corrected shares: --engine pandas"


def register(sub) -> None:
    from wbcs.cli import HelpFormatter

    def common(p, *, labelled=True):
        p.add_argument("--posts", required=True, type=Path,
                       help="posts file (CSV, JSON Lines, XLSX or Parquet)" if labelled else
                       "the account's posting log (CSV, JSON Lines, XLSX or Parquet)")
        p.add_argument("--policy", type=Path, default=None, help="policy YAML (default data/policy.yaml)")
        if labelled:
            p.add_argument("--model", default=None,
                           help="model for unlabelled posts (default: the shipped model)")
            p.add_argument("--no-cache", action="store_true",
                           help="classify unlabelled posts again instead of reusing the labels the model "
                                "gave this file before")

    k = sub.add_parser("kpi", help="KPI indicators of a posts file, whole and per period/group",
                       description="Compute every DOMAIN.md indicator of a posts file.",
                       epilog=KPI_EXAMPLE, formatter_class=HelpFormatter)
    common(k)
    k.add_argument("--period", choices=["day", "week", "month"], help="also a table per period")
    k.add_argument("--by", nargs="+", metavar="COL", help="also a table per value of these columns")
    k.add_argument("--as-of", default=None, help="time the SLA clocks are read at (default: latest in the data)")
    k.add_argument("--routes", type=Path, default=None,
                   help="routes file (default data/routes.yaml), as wbcs triage --routes takes it: a post's kind, "
                        "which picks its SLA clocks, is the kind of the route it gives the post")
    k.add_argument("--engine", choices=["pandas", "duckdb", "dask"], default="pandas",
                   help="duckdb reads labelled Parquet files (a path or a glob) without loading them; dask "
                        "computes a partitioned archive (a folder or 'archive/**/*.parquet') file by file, "
                        "on a cluster with --workers/--scheduler")
    k.add_argument("--json", action="store_true", help="print JSON on stdout")
    from wbcs.distributed import add_arguments

    add_arguments(k)
    k.set_defaults(func=cmd_kpi)

    h = sub.add_parser("hot", help="hot issues: incidents ranked by surprise, with their alerts and evidence",
                       description="Find hot issues: the aggregation rules of the seeds merged into "
                                   "incidents ranked by how surprising their most unusual day is, and an hourly Poisson "
                                   "spike detector per topic and near-duplicate cluster.",
                       epilog=HOT_EXAMPLE, formatter_class=HelpFormatter)
    common(h)
    h.add_argument("--top", type=int, default=10, help="incidents to show, best first (default 10; 0: all)")
    h.add_argument("--freq", choices=["h", "D"], default="h", help="spike buckets: hourly (h) or daily (D)")
    h.add_argument("--baseline-days", type=int, default=7, help="rolling baseline length (default 7)")
    h.add_argument("--alpha", type=float, default=1e-3, help="Poisson test level (default 0.001)")
    h.add_argument("--min-posts", type=int, default=5, help="smallest count that can be a spike (default 5)")
    h.add_argument("--threshold", type=float, default=0.8, help="near-duplicate Jaccard threshold (default 0.8)")
    h.add_argument("--topics-only", action="store_true",
                   help="topic clusters and series only: no near-duplicate grouping (faster on a large archive)")
    h.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="dask reads a partitioned archive of labelled Parquet files file by file, on a "
                        "cluster with --workers/--scheduler (the same results as one table)")
    h.add_argument("--json", action="store_true", help="print JSON on stdout")
    add_arguments(h)
    h.set_defaults(func=cmd_hot)

    n = sub.add_parser("norms", help="check an account's posting log against the posting norms",
                       description="Check an account's own posts against the posting norms (standard §4.1-4.2).",
                       epilog=NORMS_EXAMPLE, formatter_class=HelpFormatter)
    common(n, labelled=False)
    n.add_argument("--json", action="store_true", help="print JSON on stdout")
    n.set_defaults(func=cmd_norms)

    r = sub.add_parser("report", help="write the HTML operations report for a week or month",
                       description="Write a self-contained HTML operations report.",
                       epilog=REPORT_EXAMPLE, formatter_class=HelpFormatter)
    common(r)
    r.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    r.add_argument("--period", choices=["week", "month"], default="week", help="report period (default week)")
    r.add_argument("--end", default=None, help="a date inside the report period, Beijing time unless it names its "
                   "zone (default: the last complete one)")
    r.add_argument("--account-posts", type=Path, default=None,
                   help="the account's posting log, for the posting-norms section")
    r.add_argument("--title", default=None, help="report title")
    r.add_argument("--routes", type=Path, default=None,
                   help="routes file (default data/routes.yaml), as wbcs triage --routes takes it: the complaints "
                        "counted and each post's SLA clocks follow the kind of the route it gives the post")
    r.set_defaults(func=cmd_report)


# --------------------------------------------------------------------------- helpers


def _routes(args):
    """``--routes`` as triage reads it (None: the default routes); a file the KPIs cannot read the post kinds from
    is refused here, before the posts are read."""
    from wbcs.kpi.indicators import kinds_of
    from wbcs.triage import load_routes

    routes = load_routes(args.routes) if args.routes is not None else None
    kinds_of(routes)
    return routes


def _shipped_inputs(args) -> None:
    """Every input path option of the command (never --out: nothing is written into the package) through
    ``wbcs.cli.shipped_input``: the examples' data/... files from any folder, said on stderr."""
    from wbcs.cli import shipped_inputs

    shipped_inputs(args, ("posts", "policy", "routes", "account_posts"))


def _policy(args):
    from wbcs.policy import load_policy

    return load_policy(args.policy)


def read_labelled(path: Path, model=None, *, cache: bool = True, keep=False):
    """Read a posts file as every command does (``wbcs.io.read_posts``: rejects reported on
    stderr) and classify the posts that have no labels, reusing the labels the model gave the
    same file before (``wbcs.kpi.labels.labels_for_file``). Returns (posts, info): rows read,
    rejected and why, and what the classifier filled. A file without posts is an InputError.
    ``keep``: the file's other columns the command uses (``kpi --by``); the rest are never read (an export's 30
    unused columns cost ~300 MB and 4× the time on 200,000 posts)."""
    from wbcs.io import read_posts
    from wbcs.kpi.labels import labels_for_file

    posts, info = read_posts(path, keep=keep)
    posts = labels_for_file(path, posts, model=model, cache=cache)
    info["classified"] = posts.attrs.get("classified")
    return posts, info


def _counted(source: Path, columns, what: str = "count({})") -> dict[str, int]:
    """Of ``columns``, those the Parquet files ``source`` names (a file, folder or glob, as the duckdb and dask
    engines read it) have, each with ``what`` (an SQL aggregate of it, e.g. its non-null values) over every row:
    the files are counted, not loaded. ``columns`` are taxonomy/schema names, never a user's."""
    import duckdb

    from wbcs.distributed import parquet_files

    files = parquet_files(str(source))[0]
    con = duckdb.connect()
    scan = "read_parquet(?, union_by_name=true)"
    types = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {scan}", [files]).fetchall()}
    held = sorted(set(columns) & types)
    counts = con.execute(f"SELECT {', '.join(what.format(c) for c in held)} FROM {scan}",
                         [files]).fetchone() if held else ()
    return dict(zip(held, counts, strict=True))


def _columns_held(source: Path):
    """One row standing for the posts of the files ``source`` names: a column for each column ``missing_reasons``
    looks at that holds a value in some row. Only whether a column has a value matters to it."""
    import pandas as pd

    from wbcs.viz.kpi import NEEDS

    counts = _counted(source, {col for needs in NEEDS.values() for col, _ in needs})
    return pd.DataFrame({c: [True] for c, n in counts.items() if n}, index=[0])


def _model_labels_held(source: Path) -> bool:
    """Whether the files ``source`` names hold a label a model gave (a ``FIELD_source`` of 'model', as ``wbcs
    predict`` writes it): the labels whose shares the pandas engine corrects. Files of given labels have none to
    correct, and the archive engines' output then equals the pandas engine's, ``corrected_note`` null in both."""
    from wbcs.viz.kpi import LABEL_FIELDS

    counts = _counted(source, [f"{field}_source" for field in LABEL_FIELDS],
                      "count(*) FILTER (WHERE CAST({} AS VARCHAR) = 'model')")
    return any(counts.values())


def _json_default(v):
    import numpy as np
    import pandas as pd

    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def records(df) -> list[dict]:
    """A DataFrame as JSON-ready records (NaN → null, times → ISO strings)."""
    import pandas as pd

    out = df.astype(object).where(df.notna(), None)
    return [{k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in r.items()}
            for r in out.to_dict("records")]


def to_json(obj) -> str:
    """JSON text as the analytics commands print it (times as ISO strings, NaN as null)."""
    return json.dumps(_finite(obj), ensure_ascii=False, default=_json_default, indent=1, allow_nan=False)


def _finite(obj):
    """``obj`` with its float NaN and infinities as None: json.dumps writes a plain float NaN as ``NaN`` (never
    passing it to ``default``), which strict JSON readers refuse."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _dump(obj) -> None:
    print(to_json(obj))


# --------------------------------------------------------------------------- commands


def cmd_kpi(args: argparse.Namespace) -> int:
    from wbcs.distributed import check_cluster
    from wbcs.errors import InputError
    from wbcs.kpi.indicators import format_indicator, local_as_of
    from wbcs.pii import mask_pii

    _shipped_inputs(args)
    policy = _policy(args)
    routes = _routes(args)
    check_cluster(args.workers, args.scheduler)  # --workers 0 and --scheduler '' are refused, not taken as unset
    if (args.workers is not None or args.scheduler is not None) and args.engine != "dask":
        raise InputError("--workers/--scheduler run the dask engine: add --engine dask")
    if args.as_of is not None:
        local_as_of(args.as_of)  # a bad --as-of is refused before the posts are read or classified
    if args.engine == "duckdb":
        from wbcs.kpi import duck

        source, notes = str(args.posts), []
        summary = duck.indicators(source, policy=policy, as_of=args.as_of, routes=routes, notes=notes)
        table = duck.indicators(source, period=args.period, by=args.by, policy=policy, as_of=args.as_of,
                                quiet=True, routes=routes) \
            if args.period or args.by else None
        # the file's name and notes as read_posts gives them to the pandas engine (info['file']: masked)
        info, posts = {"file": mask_pii(source), "engine": "duckdb", "notes": notes}, None
    elif args.engine == "dask":
        from wbcs.distributed import from_args
        from wbcs.kpi import partitioned

        source, notes = str(args.posts), []
        with from_args(args) as client:
            def run(**kw):
                return partitioned.indicators(source, policy=policy, as_of=args.as_of, client=client,
                                              progress=True, routes=routes, **kw)

            summary = run(notes=notes)
            table = run(period=args.period, by=args.by, quiet=True) if args.period or args.by else None
        info, posts = {"file": mask_pii(source), "engine": "dask", "notes": notes}, None
    else:
        from wbcs.kpi import indicators

        posts, info = read_labelled(args.posts, args.model, cache=not args.no_cache, keep=args.by or False)
        summary = indicators(posts, policy=policy, as_of=args.as_of, routes=routes)
        table = indicators(posts, period=args.period, by=args.by, policy=policy, as_of=args.as_of, routes=routes) \
            if args.period or args.by else None
        info["engine"] = "pandas"
    if not summary["volume"]:  # (the pandas engine refused an empty file before classifying)
        raise InputError(f"{info['file']}: no posts; give a file (or files) with posts")
    out = {**summary, "input": info}
    corrected, note = {}, None  # every engine gives both keys: its output compares with another's key by key
    if posts is not None:
        from wbcs.kpi.quantify import corrected_summary, favorability_text

        # shares of the model's labels corrected for its errors (its card's cross-validated confusion), drawn as the
        # report and the dashboard draw them
        corrected = corrected_summary(posts)
    elif _model_labels_held(args.posts):  # the archive engines count the labels their files hold; correcting a
        note = ENGINE_NOTE                # model's labels needs the posts loaded
    out["corrected"], out["corrected_note"] = corrected or None, note
    if table is not None:
        from wbcs.kpi.indicators import COUNTERS

        # counts as counts (2368, not 2368.0), as the summary gives them; a column of another table stays
        whole = [c for c in COUNTERS if c in table and (table[c].dropna() % 1 == 0).all()]
        table = table.astype(dict.fromkeys(whole, "Int64"))
        out["table"] = records(table)
    if args.json:
        _dump(out)
        return 0
    print(f"{info['file']}: {summary['volume']:,} posts")
    if note:
        print(f"  ({note}: the shares of a model's labels corrected for its errors)")
    why = {}
    if any(v is None for v in summary.values()):
        # the reasons the dashboard and the report give, from one table; the duckdb and dask engines never load
        # the posts: the columns their files hold a value of stand for them
        from wbcs.viz.kpi import missing_reasons

        why = missing_reasons(posts if posts is not None else _columns_held(args.posts), summary)
    for key in ("net_favorability", "net_favorability_incl_neutral", "negative_handling_rate",
                "negative_resolution_rate", "negative_resolution_rate_as_written", "reply_satisfaction_rate",
                "reply_satisfaction_rate_of_known",
                "reply_rate", "median_response_minutes", "p90_response_minutes",
                "sla_acknowledge_attainment", "sla_resolve_attainment"):
        v = summary[key]  # written as the dashboard's cards and the report write it
        print(f"  {key:<38} {'null' + (f' ({why[key]})' if key in why else '') if v is None else format_indicator(key, v)}")
    shares = sorted(summary["topic_share"].items(), key=lambda kv: -(kv[1] or 0))
    if shares:
        print("  topic share: " + ", ".join(f"{t} {format_indicator('topic_share', s)}" for t, s in shares))
    if corrected.get("topic"):
        c = corrected["topic"]
        top = sorted(c["shares"], key=lambda r: -r["corrected_share"])
        how = f"corrected for the model's errors by {c['method']}" if c["corrected"] else "as counted, not corrected"
        print(f"  topic share {how} ({c['by_model']:,} model labels; 95% interval): "
              + ", ".join(f"{r['label']} {r['corrected_share']:.1%} [{r['lo']:.1%}, {r['hi']:.1%}]" for r in top))
    for field in ("topic", "sentiment", "intent"):
        if corrected.get(field, {}).get("note"):  # why this method, or why the counts were kept
            print(f"    {field}: {corrected[field]['note']}")
    if corrected.get("net_favorability"):
        print(f"  {favorability_text(corrected)}")
    if table is not None:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 12):
            shown = ("volume", "volume_change_ratio", "share", "net_favorability", "negative_handling_rate",
                     "median_response_minutes", "sla_acknowledge_attainment")
            cols = [c for c in ("period", *(args.by or []), *shown) if c in table]
            # written as the summary above writes them, missing as it says it
            text = table[cols].assign(**{c: table[c].map(lambda v, c=c: format_indicator(c, v, "null"))
                                         for c in shown if c in table})
            if "days_covered" in table:  # which periods the data cover in part, beside the change that allows for it
                text.insert(text.columns.get_loc("volume_change_ratio"), "days", [
                    f"{c}/{d}" for c, d in zip(table["days_covered"], table["days_in_period"], strict=True)])
            print(text.to_string(index=False, na_rep="null"))
            if "days_covered" in table and (table["days_covered"] < table["days_in_period"]).any():
                print(f"  days: the days of the {args.period} the data cover (from the first post to the last"
                      f"{' or --as-of' if args.as_of else ''}); where a {args.period} or the one before it is covered "
                      f"in part, volume_change_ratio compares the same days of both (compared_days in --json)")
    return 0


def cmd_hot(args: argparse.Namespace) -> int:
    from wbcs.distributed import check_cluster
    from wbcs.errors import InputError
    from wbcs.kpi.hot import check_spike_request, fold_spikes, hot_issues
    from wbcs.kpi.incidents import NO_ALERT
    from wbcs.pii import mask_pii

    _shipped_inputs(args)
    if args.top < 0:
        raise InputError(f"--top must be ≥ 0 (0: every incident), got {args.top}")
    check_spike_request(args.freq, args.baseline_days, args.alpha, args.min_posts, args.threshold, flags=True)
    check_cluster(args.workers, args.scheduler)  # --workers 0 and --scheduler '' are refused, not taken as unset
    if (args.workers is not None or args.scheduler is not None) and args.engine != "dask":
        raise InputError("--workers/--scheduler run the dask engine: add --engine dask")
    request = {"policy": _policy(args), "threshold": args.threshold, "freq": args.freq,
               "baseline_days": args.baseline_days, "alpha": args.alpha, "min_posts": args.min_posts,
               "near_duplicates": not args.topics_only}
    series = "topic" if args.topics_only else "topic, near_duplicate"
    if args.engine == "dask":
        from wbcs.distributed import from_args
        from wbcs.kpi import partitioned_hot

        with from_args(args) as client:
            hot = partitioned_hot.hot_issues(str(args.posts), client=client, progress=True, **request)
        info = {"file": mask_pii(str(args.posts)), "engine": "dask", "series": series}
    else:
        posts, info = read_labelled(args.posts, args.model, cache=not args.no_cache)
        hot = hot_issues(posts, progress=True, **request)
        info["series"] = series
    inc = hot["incidents"]
    shown = inc if args.top == 0 else inc.head(args.top)
    # where the model gave the topics: how far its label of each topic can be taken at its word (CV)
    reliability = None
    if args.engine != "dask":
        from wbcs.kpi.quantify import label_reliability, reliability_text

        reliability = label_reliability(posts, "topic")
    if args.json:
        _dump({"incidents": records(shown), "n_incidents": len(inc), "alerts": records(hot["alerts"]),
               "spikes": records(hot["spikes"]), "input": info,
               "topic_label_reliability": None if reliability is None else
               dict(zip(reliability.index, records(reliability), strict=True))})
        return 0
    surges = int((inc["status"] == "surge").sum()) if len(inc) else 0
    spikes = fold_spikes(hot["spikes"])
    inside = int(spikes["clusters_inside"].sum()) if len(spikes) else 0
    print(f"{info['file']}: {len(inc):,} incident(s) ({surges} surge(s)) from {len(hot['alerts']):,} "
          f"aggregation alert(s); {len(spikes):,} {'hourly' if args.freq == 'h' else 'daily'} spike(s)"
          + (f" (and {inside:,} near-duplicate cluster spike(s) inside them)" if inside else "")
          + (" (topic clusters and series only)" if args.topics_only else ""))
    for r in shown.itertuples():
        days = (r.end - r.start).days
        when = f"{r.start:%Y-%m-%d}" + (f" +{days - 1}d" if days > 1 else "")
        ratio = "" if r.expected <= 0 else f" (x{r.observed / r.expected:.1f})"
        # a surge on days no rule fired on (its quiet week after an alert) has no action of its own
        alerts = f"{r.n_alerts} alert(s) on {r.alert_days} day(s) → {'; '.join(r.actions)}" if r.n_alerts else NO_ALERT
        print(f"{r.rank:>3}. [{r.status}] {when}  {r.name}\n"
              f"     {r.observed:,} post{'' if r.observed == 1 else 's'} vs {r.expected:,.{3 if r.expected < 1 else 1}f}"
              f" expected{ratio}, {alerts}\n"
              f"     e.g. {r.sample_text[:60]}")
        if reliability is not None and (said := reliability_text(reliability, r.issue.partition("|")[2])):
            print(f"     the model's label of this topic in CV: {said}")
    if len(shown) < len(inc):
        print(f"({len(inc) - len(shown):,} more: --top 0 shows all; --json adds the evidence, alerts and spikes)")
    return 0


def cmd_norms(args: argparse.Namespace) -> int:
    from wbcs.io import read_table
    from wbcs.kpi.norms import check_norms
    from wbcs.pii import mask_pii

    _shipped_inputs(args)
    log = read_table(args.posts)
    report = check_norms(log, policy=_policy(args), source=str(args.posts))
    if args.json:
        _dump(report.to_dict())
        return 0
    counts = report.to_dict()["breaches_per_rule"]
    print(f"{mask_pii(str(args.posts))}: {report.posts} posts on {report.days} days, {len(report.breaches)} breach(es)")
    for rule, state in report.checked.items():
        print(f"  {rule:<16} {counts[rule]:>4} breach(es)" + ("" if state == "checked" else f"  ({state})"))
    for r in report.breaches.itertuples():
        print(f"  {r.day} {r.rule}: {r.detail}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import pandas as pd

    from wbcs.columns import local_times
    from wbcs.io import check_outputs, read_table
    from wbcs.kpi.indicators import local_as_of
    from wbcs.pii import mask_pii
    from wbcs.report import check_account_posts, report_window, write_report

    _shipped_inputs(args)
    # before the posts are read and classified: the output's place and suffix, and a bad --end
    check_outputs({"--out": args.out}, inputs={"--posts": args.posts, "--account-posts": args.account_posts},
                  formats=(".html", ".htm"))
    if args.end is not None:
        # refused before the posts are read, as report_window reads it (every time option: 08/05/2024 refused)
        args.end = local_as_of(args.end, "--end")
    routes = _routes(args)
    # before the posts are read and classified: a log the report cannot read its period from
    account_source = mask_pii(str(args.account_posts))
    account = check_account_posts(read_table(args.account_posts), account_source) if args.account_posts else None
    posts, info = read_labelled(args.posts, args.model, cache=not args.no_cache)
    notes = [f"Source: {info['file']} ({info['read']:,} rows read, {info['rejected']:,} rejected)."]
    if info["relative_times"]:
        rel = info["relative_to"]
        notes.append(f"{info['relative_times']:,} relative time(s) (5分钟前, 昨天 10:22) read against "
                     + ("the export time given" if rel["from"] == "--export-time" else "the file's modification time")
                     + f", {rel['time'][:16].replace('T', ' ')}.")
    if info.get("classified"):
        c = info["classified"]
        # of every post read: the headline counts the period's posts alone
        notes.append(f"Labels filled by the model {c['model']}: "
                     + ", ".join(f"{f} ({n:,} of the {len(posts):,} posts read)" for f, n in c["filled"].items())
                     + ".")
    path = write_report(args.out, posts, period=args.period, end=args.end, account_posts=account,
                        policy=_policy(args), title=args.title, notes=notes, routes=routes,
                        account_source=account_source)
    # which period the report covers and on how many posts: without --end the last complete one was chosen,
    # which may hold a single post of a file that runs for months
    start, stop = report_window(posts, args.period, args.end)
    t = local_times(posts["created_at"])
    n = int(((t >= start) & (t < stop)).sum())
    chosen = f" (the last complete {args.period} of the data; --end DATE reports another)" if args.end is None else ""
    print(f"wrote {path}: the {args.period} {start:%Y-%m-%d} to {stop - pd.Timedelta(days=1):%Y-%m-%d}{chosen}, "
          f"{n:,} post{'' if n == 1 else 's'} of the {len(posts):,} read (they run from {t.min():%Y-%m-%d} to "
          f"{t.max():%Y-%m-%d})")
    return 0
