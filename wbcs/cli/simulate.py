"""``wbcs simulate`` and ``wbcs staff``: SLA what-ifs and staffing plans from a scenario file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wbcs.errors import InputError

SIMULATE_EXAMPLE = """Example:
  wbcs simulate --scenario data/scenarios/manager_example.yaml --replications 20 --seed 1 --json

Prints the posts, SLA attainment (first response and resolution) with 95% confidence
intervals over the replications, waits, utilisation and per-kind figures. The first response
is the public reply, posted when an agent's first handling of the post ends (the instant
'wbcs kpi' reads as reply_at); a wait ends when an agent picks the post up."""

SWEEP_EXAMPLE = """Example:
  wbcs sweep --scenario data/scenarios/manager_example.yaml --vary patrol_minutes=10,60 --vary agents=3,4 --replications 5 --seed 1 --out out/sweep.csv --workers 2

One row per policy (every combination of the --vary values, or of a --grid YAML file's
lists; a key is a path into the scenario file such as duty.end): its overrides, then the
mean and 95% interval of every figure of 'wbcs simulate'. Every policy is run with the same
seeds (common random numbers), so 1 process or a cluster of 20 workers give the same table."""

STAFF_EXAMPLE = """Example:
  wbcs staff --scenario data/scenarios/manager_example.yaml --target 0.9 --json

For every hour of the week: the fewest agents the simulation needs to meet the target on the
posts that can still make their clock (not one found after it ran out, or whose own first
handling outlasts what is left of it: the clock ends at the reply), next to the per-interval
Erlang C answer."""


MIX_EPILOG = """
A scenario's mix is relative weights of the post kinds, scaled to sum to 1 ({complaint: 5,
consultation: 3} is 0.625 / 0.375; a kind left out gets none); when they do not sum to 1, a
line on stderr gives the shares simulated."""

POSTS_EPILOG = """
With --posts: the scenario's arrivals (posts per hour of week) and mix of post kinds come from a
posts file (your own last weeks), the rest from the scenario; the mix corrects the classifier's
intent shares as 'wbcs kpi' does (--mix counted: the labels as they are)."""


def _posts_arguments(p) -> None:
    g = p.add_argument_group("your own posts (arrivals and mix; default: the scenario's)")
    g.add_argument("--posts", type=Path, default=None,
                   help="posts file (CSV, JSON Lines, XLSX or Parquet) of at least a week: its posts per hour of "
                        "week and its mix of post kinds replace the scenario's arrivals and mix (bursts stay)")
    g.add_argument("--model", default=None, help="model for unlabelled posts (default: the shipped model)")
    g.add_argument("--mix", choices=("corrected", "counted"), default="corrected",
                   help="the post kinds' shares: intent corrected for the model's errors as its card's CV chose "
                        "(default), or counted")


def _find_scenario(args: argparse.Namespace) -> None:
    """--scenario as ``find_scenario`` finds it (a shipped one by name, or by its data/scenarios path from any
    folder), before any check compares an output with it; said on stderr when it is not the path given."""
    from wbcs.sim.scenario import find_scenario

    found = find_scenario(args.scenario)
    if found != args.scenario:
        print(f"--scenario {args.scenario}: reading the shipped scenario {found}", file=sys.stderr)
    args.scenario = found


def _scenario(args: argparse.Namespace):
    """The scenario file, with the arrivals and mix of --posts when given; (scenario, workload or None). The
    workload's two lines go to stderr, so a manager sees what the simulated week rests on."""
    from wbcs.sim import Scenario

    scenario = Scenario.from_yaml(args.scenario)
    if args.posts is None:
        if args.model is not None:
            raise InputError("--model labels the posts of --posts: add --posts FILE (or leave --model out)")
        if note := scenario.mix_note():  # weights scaled to sum to 1: said, not done silently
            print(note, file=sys.stderr)
        return scenario, None
    from wbcs.cli.analytics import read_labelled
    from wbcs.kpi.workload import workload

    posts, _ = read_labelled(args.posts, args.model)
    work = workload(posts, correct=args.mix == "corrected")
    print(f"arrivals and mix from {args.posts}: {work.summary()}", file=sys.stderr)
    source = f"{args.scenario} with the arrivals and mix of {args.posts}"
    return Scenario.from_dict(work.patch(dict(scenario.raw)), source=source), work


def register(sub) -> None:
    from wbcs.cli import HelpFormatter
    from wbcs.distributed import add_arguments

    p = sub.add_parser("simulate", help="simulate a scenario: SLA attainment with confidence intervals",
                       description="Simulate the queue and SLA clocks of a scenario file, with replications.",
                       epilog=SIMULATE_EXAMPLE + MIX_EPILOG + POSTS_EPILOG, formatter_class=HelpFormatter)
    p.add_argument("--scenario", required=True, type=Path,
                   help="scenario YAML, or a shipped scenario's name (manager_example, default, mmc_10086: "
                        "data/scenarios/)")
    p.add_argument("--replications", type=int, default=10, help="independent runs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the replications' SeedSequence (default 0)")
    p.add_argument("--warmup-days", type=float, default=None, help="override the scenario's warmup_days")
    p.add_argument("--records", type=Path, default=None,
                   help="also write every replication's post records (.csv or .parquet): arrival, detection, "
                        "picked_up (an agent takes the post: the wait ends), handled (the first public reply: "
                        "first_response_met is measured here), resolution, ...")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    _posts_arguments(p)
    add_arguments(p)
    p.set_defaults(func=cmd_simulate)

    w = sub.add_parser("sweep", help="simulate a grid of policies: one row of SLA figures per policy",
                       description="Replicate every combination of scenario overrides with the same seeds.",
                       epilog=SWEEP_EXAMPLE + MIX_EPILOG + POSTS_EPILOG, formatter_class=HelpFormatter)
    w.add_argument("--scenario", required=True, type=Path, help="the base scenario YAML")
    w.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a scenario key and all its values (repeat for more keys; each key once)")
    w.add_argument("--grid", type=Path, default=None, help="a YAML file: key → list of values")
    w.add_argument("--replications", type=int, default=10, help="runs per policy (default 10)")
    w.add_argument("--seed", type=int, default=0, help="seed of the replications' SeedSequence (default 0)")
    w.add_argument("--out", type=Path, default=None, help="write the table (.csv, .parquet, .xlsx, .jsonl)")
    w.add_argument("--json", action="store_true", help="print the table as JSON records on stdout")
    _posts_arguments(w)
    add_arguments(w)
    w.set_defaults(func=cmd_sweep)

    s = sub.add_parser("staff", help="agents per hour of the week that meet an SLA target",
                       description="Plan staffing by simulation (iterative staffing algorithm) next to Erlang C.",
                       epilog=STAFF_EXAMPLE + MIX_EPILOG + POSTS_EPILOG, formatter_class=HelpFormatter)
    s.add_argument("--scenario", required=True, type=Path, help="scenario YAML with one agent pool")
    s.add_argument("--target", type=float, default=0.9, help="share of posts acknowledged in time (default 0.9)")
    s.add_argument("--replications", type=int, default=5, help="runs per evaluation, common random numbers (default 5)")
    s.add_argument("--verify-replications", type=int, default=None,
                   help="independent runs the plan is checked on, and sim_attainment measured on (default: "
                        "max(20, 4 x --replications)); an hour that misses the target there gets one more agent")
    s.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    s.add_argument("--max-iterations", type=int, default=100, help="staffing iterations before giving up (default 100)")
    s.add_argument("--trim", action="store_true", help="then try taking back one agent per hour (slower)")
    s.add_argument("--write-scenario", type=Path, default=None,
                   help="write the scenario with the simulated plan as its agents to this YAML")
    s.add_argument("--json", action="store_true", help="print the plan as JSON on stdout")
    _posts_arguments(s)
    add_arguments(s)
    s.set_defaults(func=cmd_staff)


# Rows --records may hold in memory: every run's records are kept, then joined into one table and written, ~610 bytes
# a record at the peak (measured 2026-12-07, a year at 200 posts an hour, 1.75 M records a run: 1, 3 and 6 runs
# peaked at 1.33, 3.32 and 6.44 GB, 583-608 bytes a record more; with tickets and 10 reopens, 430). 20 M records,
# "~200 bytes each", let ~12 GB through; 6 M keep the peak under ~4 GB.
MAX_RECORDS = 6_000_000
RECORD_BYTES = 610
MAX_REPLICATIONS = 10_000


def _check_replications(args: argparse.Namespace) -> None:
    if not 1 <= args.replications <= MAX_REPLICATIONS:
        raise InputError(f"--replications must be between 1 and {MAX_REPLICATIONS:,}, got {args.replications}")
    # staff's runs the plan is verified on are replications too: 100,000 of them were accepted (the lower bound, 2,
    # is plan_staffing's)
    verify = getattr(args, "verify_replications", None)
    if verify is not None and verify > MAX_REPLICATIONS:
        raise InputError(f"--verify-replications must be at most {MAX_REPLICATIONS:,}, got {verify}")


def cmd_simulate(args: argparse.Namespace) -> int:
    from wbcs.distributed import from_args
    from wbcs.sim import replicate

    _check_replications(args)
    _find_scenario(args)
    from wbcs.io import check_outputs

    # before the run: an unwritable place or the scenario itself is refused now, not after minutes of work
    check_outputs({"--records": args.records}, inputs={"--scenario": args.scenario, "--posts": args.posts},
                  formats=(".csv", ".parquet"))
    scenario, work = _scenario(args)
    records = args.replications * scenario.expected_posts
    if args.records and records > MAX_RECORDS:
        # a run holds at most MAX_POSTS (3 M) posts, so two runs always fit
        raise InputError(f"--records: {args.replications} replications of ~{scenario.expected_posts:,.0f} posts "
                         f"would hold more than {MAX_RECORDS:,} records in memory (~{records:,.0f}, "
                         f"~{records * RECORD_BYTES / 1e9:.1f} GB); lower --replications (at most "
                         f"{int(MAX_RECORDS // scenario.expected_posts)} here)")
    with from_args(args) as client:
        summary = replicate(scenario, args.replications, args.seed, warmup_days=args.warmup_days,
                            keep_records=args.records is not None, progress=True, client=client)
    if args.records:
        from wbcs.io import write_table

        write_table(summary.records, args.records)  # atomic, formula-safe
        print(f"wrote {len(summary.records)} records to {args.records}", file=sys.stderr)
    result = summary.to_dict()
    if work is not None:
        result["workload"] = work.to_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"{scenario.name}: {result['replications']} replications, seed {args.seed}, "
          f"{scenario.horizon_days:g} days (warm-up {summary.scenario.warmup_days:g})")
    for key in ("posts", "unserved", "first_response_attainment", "resolution_attainment", "mean_wait_minutes",
                "p90_wait_minutes", "mean_detection_minutes", "utilization", "satisfaction", "escalated"):
        lo, hi = result[f"{key}_ci"]
        ci = f"  [{lo:.4g}, {hi:.4g}]" if lo is not None else ""
        value = result[key]
        print(f"  {key:<28} {'n/a' if value is None else f'{value:.4g}'}{ci}")
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from wbcs.distributed import from_args
    from wbcs.sim import plan_staffing

    _check_replications(args)
    _find_scenario(args)
    from wbcs.io import check_outputs

    # before the run: never over the scenario read (its comments would be lost), always a YAML name
    check_outputs({"--write-scenario": args.write_scenario}, inputs={"--scenario": args.scenario, "--posts": args.posts},
                  formats=(".yaml", ".yml"))
    scenario, work = _scenario(args)
    with from_args(args) as client:
        plan = plan_staffing(scenario, args.target, replications=args.replications, seed=args.seed,
                             max_iterations=args.max_iterations, trim=args.trim, progress=True, client=client,
                             **({} if args.verify_replications is None else
                                {"verify_replications": args.verify_replications}))
    if plan.note:  # hours the runs never measure keep Erlang C's agents: said, never a silently unmeasured plan
        print(f"note: {plan.note}", file=sys.stderr)
    if args.write_scenario:
        from wbcs.io import write_text

        write_text(args.write_scenario, plan.scenario.to_yaml())  # atomic
        print(f"wrote the planned scenario to {args.write_scenario}"
              + (" (its unmeasured hours at Erlang C's agents, see the note)" if plan.note else ""), file=sys.stderr)
    result = plan.to_dict()
    if work is not None:
        result["workload"] = work.to_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"target {args.target:.0%}: simulation {result['sim_agent_hours_per_week']} agent-hours a week, "
          f"Erlang C {result['erlang_agent_hours_per_week']} "
          f"({'converged' if plan.converged else 'NOT converged'} after {plan.iterations} iterations"
          + (f" on the {int((plan.table['watched'] & plan.table['measured']).sum())} hours simulated" if plan.note else "")
          + ")")
    shown = plan.table[plan.table["watched"]]
    print(shown[["weekday", "hour", "arrivals_per_hour", "erlang_agents", "sim_agents", "sim_attainment"]]
          .to_string(index=False))
    # an hour right after time off duty: the simulation meets the posts that queued meanwhile, Erlang C sees only
    # the hour's own arrivals — a manager seeing 53 against 2 needs the reason
    t = plan.table.reset_index(drop=True)
    after_off = t["watched"] & ~t["watched"].shift(1, fill_value=bool(t["watched"].iloc[-1]))
    big = t[after_off & (t["sim_agents"] >= 2 * t["erlang_agents"] + 3)]
    if len(big):
        hours = ", ".join(f"{r.weekday} {r.hour:02d}:00 ({r.sim_agents} vs {r.erlang_agents})" for r in big.itertuples())
        print(f"note: {hours}: the first hour on duty also answers the posts that arrived while nobody was on duty "
              "(the night, a weekend); Erlang C counts only the hour's own arrivals")
    return 0


def _grid(args) -> dict:
    """The sweep grid of --grid FILE and --vary KEY=V1,V2 (values read as YAML scalars)."""
    from wbcs.yamlsafe import load_yaml

    grid: dict = {}
    if args.grid:
        grid = load_yaml(args.grid) or {}  # bounded: a user's file may be an anchor bomb
        if not isinstance(grid, dict):
            raise InputError(f"{args.grid}: a grid is a mapping of scenario keys to lists of values")
    given = set(grid)
    for item in args.vary:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise InputError(f"--vary {item!r}: write KEY=V1,V2,... (e.g. patrol_minutes=10,30)")
        key = key.strip()
        if key in grid:  # the later values silently replaced the earlier ones
            where = "another --vary" if key not in given else f"--grid {args.grid}"
            raise InputError(f"--vary {item!r}: {key} is also given by {where}; give each key once, with all its "
                             f"values: --vary {key}=V1,V2,...")
        grid[key] = [load_yaml(f"--vary {key}", text=v) for v in values.split(",")]
    return grid


def _varied_mix_notes(base, grid: dict) -> None:
    """``mix_note`` of every mix the grid varies (--vary mix.complaint=0), on stderr once per distinct note:
    ``_scenario`` says the base scenario's, and a varied mix was rescaled unsaid."""
    from wbcs.sim.sweep import patch, policies

    mixes = {}
    for combo in policies(grid):
        mix = {k: v for k, v in combo.items() if str(k).split(".")[0] == "mix"}
        mixes.setdefault(repr(mix), mix)  # each distinct mix read once, not once per policy
    said = set()
    for mix in mixes.values():
        try:
            note = base.updated(patch(mix)).mix_note() if mix else None
        except InputError:
            continue  # sweep refuses that policy, naming it, before any run
        if note and note not in said:
            said.add(note)
            print(f"sweep policy {', '.join(f'{k}={v}' for k, v in mix.items())}: {note}", file=sys.stderr)


def cmd_sweep(args: argparse.Namespace) -> int:
    from wbcs.distributed import from_args
    from wbcs.sim.sweep import sweep

    _check_replications(args)  # 10^8 of them would spawn 10^8 seeds before the first run
    grid = _grid(args)
    _find_scenario(args)
    if args.out is not None:
        from wbcs.io import check_outputs

        check_outputs({"--out": args.out}, inputs={"--scenario": args.scenario, "--grid": args.grid,
                                                   "--posts": args.posts})
    scenario, _ = _scenario(args)
    _varied_mix_notes(scenario, grid)
    with from_args(args) as client:
        table = sweep(scenario, grid, args.replications, args.seed, progress=True, client=client)
    if args.out is not None:
        from wbcs.io import write_table

        write_table(table, args.out)  # atomic, formula-safe, masked like every output
        print(f"wrote {len(table)} policies to {args.out}", file=sys.stderr)
    if args.json:
        rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=float))
        return 0
    shown = [*grid, "first_response_attainment", "resolution_attainment", "mean_wait_minutes", "utilization"]
    print(f"{scenario.name}: {len(table)} policies × {args.replications} replications, seed {args.seed}")
    print(table[[c for c in shown if c in table]].to_string(index=False))
    return 0
