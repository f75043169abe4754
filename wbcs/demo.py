"""``make demo``: the workbench end to end on the default data.

Each stage is a function ``stage(out: Path, ctx: dict) -> list[Path]`` that runs one
step of the pipeline through the package's public API and returns the files it
wrote; ``ctx`` carries results from earlier stages (e.g. the posts table). The run
prints, for every stage, what it did and where its outputs are.

Usage: python -m wbcs.demo [--out out/demo] [--smoke] [--format html|png|svg]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

STAGES: list = []


def stage(fn):
    """Register a demo stage (in the order stages are defined)."""
    STAGES.append(fn)
    return fn


# in every folder the demo writes: a folder without it that holds anything is not the demo's to replace
MARKER = ".wbcs-demo"
MARKED = "python -m wbcs.demo wrote this folder and replaces its files when run again\n"
# the marker's note of the label store the demo wrote: it is rebuilt only while it holds these events and no more
NOTED = re.compile(r"^labels\.sqlite: (\d+) label events$", re.M)
NEW_OUT = "give an empty or new --out folder (the default is out/demo)"


def _events(store: Path) -> int:
    """How many events (labels, undos, skips) the label store ``store`` holds; they are never deleted."""
    from wbcs.labeling.store import LabelStore

    with LabelStore(store, readonly=True) as s:
        return len(s.history())


def _not_ours(out: Path) -> str | None:
    """Why the demo must not write into ``out``, or None: it replaces its outputs (posts.parquet, report.html,
    gold.csv, labels.sqlite ...), so a folder that holds anything it did not write (no ``MARKER``: the quickstart's
    out/, an annotator's label store) is refused, and so is its own folder while its label store holds events
    beyond the ones the demo noted writing (labels recorded there since are never lost); absent, empty or the
    demo's own, it goes ahead."""
    from wbcs.errors import InputError

    store = out / "labels.sqlite"
    if not out.is_dir():
        return None
    if not (out / MARKER).exists():
        if store.exists():  # recorded labels are never lost
            return f"{store} is a label store the demo did not write; {NEW_OUT}"
        there = sorted(out.iterdir())
        return f"holds files the demo did not write ({there[0]}); {NEW_OUT}" if there else None
    if not store.exists():
        return None
    keep = f"move it out of {out} to keep them, or {NEW_OUT}"
    noted = NOTED.search((out / MARKER).read_text(encoding="utf-8"))
    if noted is None:
        return (f"{store}: the demo noted no store of its own there (an older demo's, or labels recorded by "
                f"someone); {keep}")
    try:
        n = _events(store)
    except InputError as e:  # damaged, or not a label store: not the demo's to replace either
        return f"{e}; {keep}"
    if n != int(noted[1]):
        return f"{store} holds {n} label events, the demo wrote {noted[1]} (labels were recorded there since); {keep}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wbcs.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--smoke", action="store_true", help="small sample, for CI")
    parser.add_argument("--format", choices=["html", "png", "svg"], default="html",
                        help="charts as HTML (plotly.js once per folder), or PNG/SVG images drawn by kaleido "
                             "(needs Chromium: apt-get install chromium)")
    args = parser.parse_args(argv)
    if args.smoke:
        os.environ["WBCS_SMOKE"] = "1"
    from wbcs.io import write_text

    out = Path(args.out).resolve()
    if theirs := _not_ours(Path(args.out)):
        print(f"python -m wbcs.demo: --out {args.out}: {theirs}", file=sys.stderr)
        return 2
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).exists():  # kept as it is: it notes the label store the demo wrote
            write_text(out / MARKER, MARKED)
    except OSError as e:  # a file of that name, a folder that cannot be made: one line, not a traceback
        print(f"python -m wbcs.demo: --out {args.out}: cannot make the output folder ({e.strerror})", file=sys.stderr)
        return 2
    ctx: dict = {"format": args.format}
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


@stage
def stage_ingest(out: Path, ctx: dict) -> list[Path]:
    """Real STC-3 telecom posts (or, with no dataset reachable, synthetic ones, said so),
    written PII-masked as parquet; ctx["posts"] holds the table for later stages."""
    import warnings

    from wbcs.datasets import DatasetMissing, load_stc3
    from wbcs.io import write_table
    from wbcs.synth import generate_posts

    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            posts = load_stc3(telecom_only=True)
            every = load_stc3(telecom_only=False, split=None)
        rejects = every.attrs["rejects"]
        print(f"   STC-3: {len(every):,} dialogues with plausible times, {len(rejects)} rejected "
              f"(implausible ids); {len(posts):,} telecom posts kept")
        print("   by operator: " + ", ".join(f"{k} {v}" for k, v in posts["operator"].value_counts().items()))
        ctx["source"] = "STC-3 telecom Weibo dialogues (real), times decoded from the Weibo ids"
    except DatasetMissing as e:
        print(f"   NO REAL DATA ({e})\n   using SYNTHETIC posts from wbcs.synth instead")
        posts, rejects = generate_posts(days=30, posts_per_day=100, seed=0), None
        ctx["source"] = "SYNTHETIC posts (wbcs.synth, seed 0): no real dataset was reachable"
    ctx["posts"] = posts
    files = [write_table(posts, out / "posts.parquet")]
    if rejects is not None and len(rejects):
        files.append(write_table(rejects, out / "posts.rejects.csv"))
    return files


@stage
def stage_explore(out: Path, ctx: dict) -> list[Path]:
    """The exploration figures of the posts (volumes, hour x weekday, text features) as HTML."""
    from wbcs.viz.explore import explore_figures
    from wbcs.viz.figure import write_figures

    posts = ctx["posts"]
    paths = write_figures(explore_figures(posts), out / "explore", format=ctx["format"])
    hours = posts["created_at"].dt.hour
    print(f"   {len(paths)} figures; {(~hours.between(8, 19)).mean():.0%} of posts arrive outside 08:00-20:00")
    return paths


@stage
def stage_label(out: Path, ctx: dict) -> list[Path]:
    """The gold set's tooling: annotation batches of the gold sample (masked texts) and,
    from the committed annotator passes, agreement per field and the consensus labels."""
    import json

    from wbcs.config import DATA_DIR, label_samples, smoke
    from wbcs.io import write_table, write_text
    from wbcs.io.write import atomic_path
    from wbcs.labeling.agreement import agreement, consensus, resolve
    from wbcs.labeling.batch import (
        export_batches,
        import_passes,
        items_for,
        read_sample,
        sample_fields,
    )
    from wbcs.labeling.store import LabelStore

    posts = ctx["posts"]
    sample = read_sample(DATA_DIR / "labels" / "gold_sample.csv")
    known = sample_fields(label_samples())
    present = set(posts["post_id"])
    ids = [i for i in sample if i in present][: 50 if smoke() else None]
    files = export_batches(items_for(posts, ids), out / "label_batches", size=50) if ids else []
    print(f"   {len(files)} annotation batches of the gold sample ({len(ids)} posts)")
    passes = DATA_DIR / "labels" / "passes"
    if not passes.is_dir():
        print(f"   no annotator passes committed under {passes} yet")
        return files
    store_path = out / "labels.sqlite"
    print(f"   importing the annotators' passes under {passes}", flush=True)
    with atomic_path(store_path) as tmp:  # built beside it, then replacing it (main checked it is the demo's)
        tmp.unlink()  # a label store is created where no file is
        with LabelStore(tmp) as store:
            import_passes(store, passes, known_ids=known)  # a bar over the files, on a terminal
            current = store.current()
            events = len(store.history())
        for old in (Path(f"{store_path}-wal"), Path(f"{store_path}-shm")):  # the replaced store's, never the new one's
            old.unlink(missing_ok=True)
    write_text(out / MARKER, f"{MARKED}labels.sqlite: {events} label events\n")
    if current["annotator"].nunique() < 2:
        print("   fewer than two annotator passes: no agreement yet")
        return files + [store_path]
    result = agreement(current)
    for field, r in result.items():
        print(f"   {field:<17} n {r['n']:>4}  kappa {r['kappa']:.3f}  alpha {r['alpha']:.3f}")
    write_text(out / "label_agreement.json", json.dumps(result, indent=2))
    first_posts = {i: f for i, f in known.items() if "topic" in f}
    gold = consensus(resolve(current[current["item_id"].isin(set(first_posts))], fields_for=first_posts))
    write_table(gold, out / "gold.csv")
    print(f"   consensus: {len(gold)} gold posts; unresolved: {gold.attrs['unresolved'] or 'none'}")
    return files + [store_path, out / "label_agreement.json", out / "gold.csv"]


@stage
def stage_classify(out: Path, ctx: dict) -> list[Path]:
    """Load the shipped model (training it into the output folder when the registry has
    none), classify the posts' missing labels, write them PII-masked with the model card
    and the held-out confusion matrices."""
    from wbcs.classify import load_model, predict_posts, save_model
    from wbcs.classify.registry import model_dir
    from wbcs.config import smoke
    from wbcs.errors import InputError
    from wbcs.io import write_table, write_text
    from wbcs.viz.classify import confusion_matrix
    from wbcs.viz.figure import write_figures

    try:
        path = model_dir(None)
    except InputError:
        from wbcs.classify.train import train_default

        print("   no shipped model in models/: training it (what 'make models' does)")
        path = save_model(train_default(seed=0, max_train=1000 if smoke() else None),
                          out / "models" / "wbcs-default" / "1", overwrite=True)
    model = load_model(path)
    print(f"   model {model.name} ({path})")
    posts = predict_posts(ctx["posts"], model)
    ctx["posts"] = posts
    for field in model.fields:
        shares = posts[field].value_counts(normalize=True)
        m = model.card["fields"][field].get("metrics", {})
        print(f"   {field:<10} held-out macro-F1 {m.get('macro_f1', float('nan')):.3f}; on these posts: "
              + ", ".join(f"{k} {v:.0%}" for k, v in shares.head(5).items()))
    figures = {f"confusion_{f}": confusion_matrix(info["metrics"], title=f"{f}: held-out confusion matrix")
               for f, info in model.card["fields"].items() if "confusion" in info.get("metrics", {})}
    files = [write_table(posts, out / "classified.parquet"),
             *write_figures(figures, out / "classify", format=ctx["format"])]
    card = write_text(out / "classify" / "MODEL_CARD.md", (path / "MODEL_CARD.md").read_text(encoding="utf-8"))
    return [*files, card]


@stage
def stage_triage(out: Path, ctx: dict) -> list[Path]:
    """Route the classified posts (data/routes.yaml) with their SLA deadlines, and the
    aggregation alerts (one answer for a question many ask, one apology for a shared complaint)."""
    from wbcs.io import write_table
    from wbcs.triage import aggregation_alerts_for, lists_as_text, route_posts

    posts = ctx["posts"]
    routed = route_posts(posts)
    alerts = aggregation_alerts_for(posts, routed)
    ctx["routes"] = routed
    print("   routes: " + ", ".join(f"{k} {v}" for k, v in routed["route"].value_counts().items()))
    print(f"   {len(alerts)} aggregation alerts: " + ", ".join(f"{k} {v}" for k, v in alerts["rule"].value_counts().items())
          + (f" ({alerts.attrs['intent_from_route']} posts' intent taken from their route)"
             if alerts.attrs["intent_from_route"] else ""))
    table = posts[["post_id", "text"]].join(routed.drop(columns="post_id"))
    return [write_table(table, out / "triage.csv"),
            write_table(lists_as_text(alerts), out / "aggregation_alerts.csv")]


@stage
def stage_simulate(out: Path, ctx: dict) -> list[Path]:
    """The default what-if scenario (policy duty hours and patrols, STC-3 arrival shape):
    SLA attainment with 95% CIs and a staffing plan next to Erlang C, as JSON and HTML charts."""
    import json

    from wbcs.config import data_file, smoke
    from wbcs.io import write_text
    from wbcs.sim import Scenario, plan_staffing, replicate
    from wbcs.viz.figure import write_figures
    from wbcs.viz.sim import figures

    scenario = Scenario.from_yaml(data_file("scenarios/default.yaml"))
    if smoke():
        scenario = scenario.updated({"horizon_days": 7, "warmup_days": 0, "arrivals": {"bursts": []}})
    summary = replicate(scenario, 3 if smoke() else 20, seed=0, keep_records=True)
    plan = plan_staffing(scenario, 0.9, replications=2 if smoke() else 5, seed=0)
    result = summary.to_dict()
    folder = out / "simulate"
    paths = write_figures(figures({"default": summary}, plan), folder, format=ctx["format"])
    summary_path = write_text(folder / "summary.json", json.dumps({**result, "staffing": plan.to_dict()},
                                                                  ensure_ascii=False, indent=2))
    for key in ("first_response_attainment", "resolution_attainment"):
        lo, hi = result[f"{key}_ci"]
        print(f"   {key}: {result[key]:.1%} [{lo:.1%}, {hi:.1%}] over {result['replications']} replications")
    print(f"   staffing for 90%: {int(plan.table['sim_agents'].sum())} agent-hours a week simulated, "
          f"{int(plan.table['erlang_agents'].sum())} by Erlang C")
    return [*paths, summary_path]


@stage
def stage_report(out: Path, ctx: dict) -> list[Path]:
    """KPIs by month, hot issues and the HTML operations report over the classified posts,
    for their busiest month (STC-3 has a few dozen posts in most months)."""
    from wbcs.cli.analytics import records, to_json
    from wbcs.columns import local_times
    from wbcs.io import write_text
    from wbcs.kpi import indicators
    from wbcs.kpi.hot import hot_issues
    from wbcs.report import write_report

    posts = ctx["posts"]
    months = local_times(posts["created_at"]).dt.to_period("M")
    busiest = months.value_counts().idxmax()
    summary = indicators(posts)
    table = indicators(posts, period="month")
    hot = hot_issues(posts)
    kpi_path = write_text(out / "kpi.json", to_json({**summary, "table": records(table)}))
    source = ctx.get("source", "the posts of the ingest stage")
    report = write_report(out / "report.html", posts, period="month", end=busiest.end_time.date(),
                          notes=[f"data: {source}; labels from the shipped classifier where missing"])
    print(f"   {summary['volume']:,} posts: net favorability {summary['net_favorability']:.2f}, "
          f"topics: " + ", ".join(f"{t} {v:.0%}" for t, v in sorted(summary["topic_share"].items(),
                                                                   key=lambda kv: -(kv[1] or 0))[:4]))
    print(f"   hot issues: {len(hot['incidents'])} incidents from {len(hot['alerts'])} aggregation alerts, "
          f"{len(hot['spikes'])} spikes; "
          f"report for {busiest} ({int((months == busiest).sum())} posts)")
    return [kpi_path, report]


if __name__ == "__main__":
    sys.exit(main())
