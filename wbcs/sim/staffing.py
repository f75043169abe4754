"""Staffing: the fewest agents per hour of the week that meet an SLA target, beside Erlang C.

Two answers per interval (hour of week):

- **Erlang C**, the planner's formula: the interval's expected arrival rate (bursts included),
  the mean agent work per post (first handling plus expected answers after the back office),
  and the mix-weighted FIFO share of replies in time P(wait + first handling ≤ acknowledge clock)
  (``erlang.response_level``: the acknowledgement is the public reply at the end of the first handling,
  as the simulation and the KPIs count it), among the posts whose first handling fits their clock, as
  the simulation's attainment below — blind to patrol batches, the backlog that piles up outside
  duty hours and the queue a burst leaves behind.
- **Simulation**, the iterative staffing algorithm (Feldman, Mandelbaum, Massey & Whitt,
  *Management Science* 2008): start every watched hour at its offered load (a lower bound),
  simulate with common random numbers, add one agent to every hour whose attainment misses the
  target, repeat until none does. Approaching from below keeps each hour near its fewest agents.
  A plan fitted on a few runs fits their noise (hours left one agent short because those runs
  happened to be quiet), so it is then *verified* on independent runs — ``verify_replications`` of
  them, from a stream of the same seed that neither the planning runs nor ``replicate``/``simulate``
  use — adding an agent to every hour that misses the target there, until none does; the reported
  attainment is the verification runs'. ``trim=True`` then tries taking back one agent per hour (one
  verification per hour, slower) in case raising neighbouring hours together overshot, keeping the
  removal only if the verification runs still meet the target everywhere and show the hour itself
  meeting it with 95% confidence (a point estimate just above the target would, tried on 168 hours,
  let a dozen under-staffed hours through). Attainment of an hour counts the posts *detected* in it whose
  clock could still be met by a reply begun at detection, its own first handling included (a post found
  Monday 08:00 after a weekend has already missed a 2-hour clock, and a 3-minute reply cannot meet a
  20-second one; no agent can change that, so it does not drive the plan); a post found by the
  closing check at a duty end (20:00) counts in the hour before, whose leaving shift takes it
  (``wbcs.sim.schedule``): the hour after is off duty and has no agent to add.

An hour of the week the measured period (warm-up to horizon) never reaches has no post to measure: it would never
miss the target, and kept its starting agents (the offered load, 100% occupancy) as a "converged" plan. Such an
hour is not simulated: it keeps Erlang C's agents (so the runs' warm-up queue is a staffed one) and the plan says
so (``StaffingPlan.note``, the table's ``measured`` column); a horizon of warm-up + 7 days measures every hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.checks import is_number, is_whole, whole
from wbcs.errors import InputError
from wbcs.policy import POST_KINDS, WEEKDAYS
from wbcs.progress import bar, finish
from wbcs.sim import erlang
from wbcs.sim.metrics import sla_met
from wbcs.sim.model import run
from wbcs.sim.replicate import spawn_seeds, t_quantile
from wbcs.sim.scenario import Scenario, as_scenario, duty_week
from wbcs.sim.schedule import duty_windows, to_minutes


def workload_minutes(scenario: Scenario) -> float:
    """Mean agent minutes per post: first handling + expected answers (ticket, reopens)."""
    total = 0.0
    for k in POST_KINDS:
        work = scenario.service[k].mean * scenario.draft_factor[k]  # reply drafts shorten the first handling
        if scenario.sla[k].resolve_hours is not None:
            q = (1 - scenario.satisfaction[k]) * scenario.reopen_probability  # an answer is reopened
            reopens = sum(q ** i for i in range(1, scenario.max_reopens + 1))
            share = scenario.ticket_share[k]
            work += scenario.answer.mean * (share * (1 + reopens) + (1 - share) * reopens)
        total += scenario.mix[k] * work
    return total


def watched_hours(scenario: Scenario) -> np.ndarray:
    """Which hours of the week (Monday 00:00 first) the account is watched at all."""
    duty = scenario.duty
    if duty is None or duty.on_call:
        return np.ones(168, dtype=bool)
    return duty_week(duty).reshape(168, 60).any(axis=1)


def measured_hours(scenario: Scenario) -> np.ndarray:
    """Which hours of the week (Monday 00:00 first) the measured period, warm-up to horizon, reaches at all."""
    hours = np.arange(math.floor(scenario.warmup_days * 24), math.ceil(scenario.horizon_days * 24))
    measured = np.zeros(168, dtype=bool)
    measured[(scenario.start.day_of_week * 24 + hours) % 168] = True
    return measured


def _hour_ranges(hours: np.ndarray) -> str:
    """'Mon 00–Tue 23, Thu 08–19' of the True hours of the week."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hours.astype(np.int8), [0]])))

    def span(a: int, b: int) -> str:
        start = f"{WEEKDAYS[a // 24].capitalize()} {a % 24:02d}"
        if a == b:
            return start
        return f"{start}–{'' if a // 24 == b // 24 else WEEKDAYS[b // 24].capitalize() + ' '}{b % 24:02d}"

    return ", ".join(span(a, b - 1) for a, b in zip(edges[::2], edges[1::2], strict=True))


def _unmeasured_note(scenario: Scenario, unmeasured: np.ndarray) -> str | None:
    """``StaffingPlan.note`` of the watched hours of the week that are ``unmeasured``."""
    if not unmeasured.any():
        return None
    return (f"{scenario.source}: hours {_hour_ranges(unmeasured)} of the week fall only in the warm-up or after the "
            f"horizon (warmup_days {scenario.warmup_days:g}, horizon_days {scenario.horizon_days:g}): no post is "
            "measured there, so they keep Erlang C's agents, not simulated; to plan every hour, lengthen horizon_days "
            f"to ≥ warmup_days + 7 ({scenario.warmup_days + 7:g})")


def interval_rates(scenario: Scenario) -> np.ndarray:
    """Expected arrivals per hour for each hour of the week over the horizon, bursts included
    (a burst's posts are spread over the occurrences of its hours in the horizon)."""
    hours = int(np.ceil(scenario.horizon_days * 24))
    how = (scenario.start.day_of_week * 24 + np.arange(hours)) % 168
    occurrences = np.bincount(how, minlength=168)
    rates = np.asarray(scenario.rate_week, dtype=float).copy()
    for b in scenario.bursts:
        edges = 60.0 * np.arange(hours + 1)
        overlap = np.clip(np.minimum(edges[1:], b.start_minute + b.hours * 60)
                          - np.maximum(edges[:-1], b.start_minute), 0, None)
        rates += np.bincount(how, weights=b.posts * overlap / (b.hours * 60), minlength=168) / np.maximum(occurrences, 1)
    return rates


def _first_handling(scenario: Scenario, kind: str) -> float:
    """Mean minutes from pick-up to the reply of a post of ``kind`` (reply drafts shorten them)."""
    return scenario.service[kind].mean * scenario.draft_factor[kind]


def erlang_service_level(agents: int, rate_per_hour: float, scenario: Scenario) -> float:
    """Erlang C's share of replies in time among the posts whose first handling fits their clock, FIFO, over
    the mix: Σ w_k·P(wait + H_k ≤ t_k) / Σ w_k·P(H_k ≤ t_k), the wait for the whole workload and H_k the kind's
    first handling, exponential with its mean as M/M/c has it. The simulation counts the same posts (a post whose
    own handling outlasts its clock is not one agents can answer in time), so both tend to 1 with more agents."""
    aht = workload_minutes(scenario) / 60
    met = fits = 0.0
    for k in POST_KINDS:
        clock = scenario.sla[k].acknowledge_minutes
        if scenario.mix[k] == 0 or clock is None:
            continue
        handling = _first_handling(scenario, k)
        met += scenario.mix[k] * erlang.response_level(agents, rate_per_hour, aht, clock / 60, handling / 60)
        fits += scenario.mix[k] * (-math.expm1(-clock / handling) if handling > 0 else 1.0)
    if fits == 0:  # was a ZeroDivisionError
        raise InputError(f"{scenario.source}: staffing meets the acknowledgement clocks, and no post kind of the mix "
                         "has one above 0 minutes (sla: acknowledge_minutes)")
    return met / fits


def erlang_agents(rate_per_hour: float, scenario: Scenario, target: float) -> int:
    aht = workload_minutes(scenario) / 60
    if rate_per_hour == 0:
        return 0
    c = math.floor(rate_per_hour * aht) + 1
    while erlang_service_level(c, rate_per_hour, scenario) < target:
        c += 1
    return c


@dataclass(frozen=True)
class StaffingPlan:
    table: pd.DataFrame  # one row per hour of the week
    target: float
    iterations: int
    converged: bool
    scenario: Scenario  # the input scenario with the simulated plan as its agents
    # one line naming the watched hours the measured period never reaches (kept at Erlang C's agents, not simulated)
    # and the horizon that would measure them; None when every watched hour is simulated
    note: str | None = None

    def to_dict(self) -> dict:
        t = self.table
        rows = t.assign(sim_attainment=t["sim_attainment"].round(4),
                        erlang_service_level=t["erlang_service_level"].round(4),
                        arrivals_per_hour=t["arrivals_per_hour"].round(3))
        rows = rows.astype(object).where(rows.notna(), None)
        return {"target": self.target, "iterations": self.iterations, "converged": self.converged,
                "erlang_agent_hours_per_week": int(t["erlang_agents"].sum()),
                "sim_agent_hours_per_week": int(t["sim_agents"].sum()),
                "workload_minutes_per_post": round(workload_minutes(self.scenario), 4),
                "note": self.note, "intervals": rows.to_dict(orient="records")}


def _seed_attainment(child, *, scenario: Scenario, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Met and attainable acknowledgement counts per hour of week (of detection) of one run;
    ``first`` is the scenario start's hour of the week."""
    rec = run(scenario, np.random.default_rng(child)).records
    rec = rec[rec["observed"] & rec["first_response_met"].notna()]
    kinds = rec["kind"].cat.codes.to_numpy()
    arrival = to_minutes(scenario, rec["arrival"])
    detection = to_minutes(scenario, rec["detection"])
    # could a reply be in time if an agent picked the post up when it is found? Its own first handling counts
    # (handled − picked_up; none for a post never picked up, which counts as one that could)
    handling = np.nan_to_num(to_minutes(scenario, rec["handled"]) - to_minutes(scenario, rec["picked_up"]))
    could, _ = sla_met(scenario, arrival, detection + handling, detection, kinds)
    could = could.to_numpy(dtype=bool, na_value=False)
    closing = np.isin(detection, duty_windows(scenario, int(np.ceil(scenario.horizon_days)))[1])
    h = ((first + np.floor(detection / 60).astype(np.int64) - closing) % 168)[could]
    return (np.bincount(h, weights=rec["first_response_met"].to_numpy(dtype=bool)[could], minlength=168),
            np.bincount(h, minlength=168))


def _interval_attainment(scenario: Scenario, seeds, first: int, client=None) -> tuple[np.ndarray, np.ndarray]:
    """Met and attainable acknowledgement counts per hour of week, one row per run in seed order
    (one task per run on a cluster)."""
    from wbcs.distributed import run_tasks

    met, attainable = zip(*run_tasks(_seed_attainment, seeds, client=client, scenario=scenario, first=first),
                          strict=True)
    return np.array(met), np.array(attainable)


# the spawn key of the verification runs' stream: no replication of ``spawn_seeds`` has it, so the plan is checked on
# runs that neither fitted it nor are the ones ``replicate``/``simulate`` make with the same seed
_VERIFY_STREAM = 2 ** 32 - 1


def plan_staffing(scenario: Scenario, target: float = 0.9, *, replications: int = 5, seed: int = 0,
                  verify_replications: int | None = None, max_iterations: int = 100, trim: bool = False,
                  progress: bool = False, client=None) -> StaffingPlan:
    """Agents per hour of the week: simulated plan (ISA) next to Erlang C, for one agent pool.
    ``scenario`` as ``simulate`` takes it; ``seed`` None draws fresh entropy (a plan that cannot be repeated).

    The plan is fitted on ``replications`` runs, then verified (and raised where it misses) on
    ``verify_replications`` other runs of the same seed (default max(20, 4 × replications)); the table's
    ``sim_attainment`` and ``attainable_posts`` are those verification runs' figures. ``max_iterations``
    bounds the fitting and verifying evaluations together; ``converged`` means the verification held. A watched
    hour the measured period never reaches keeps Erlang C's agents, unsimulated (``StaffingPlan.note``).

    ``client`` (see ``wbcs.distributed``) runs each evaluation's replications on a cluster;
    the plan is the same."""
    if not is_number(target) or not 0 < target < 1:  # "0.9" was a TypeError
        raise InputError(f"staffing target must be between 0 and 1 (e.g. 0.9), got {target!r}")
    scenario = as_scenario(scenario)
    seeds = spawn_seeds(seed, replications)
    verify_replications = whole(max(20, 4 * len(seeds)) if verify_replications is None else verify_replications,
                                "verify_replications (--verify-replications)", 2)
    verify_seeds = np.random.SeedSequence(seeds[0].entropy, spawn_key=(_VERIFY_STREAM,)).spawn(verify_replications)
    if not is_whole(max_iterations) or max_iterations < 1:
        # none would leave no plan to report
        raise InputError(f"max_iterations must be a whole number ≥ 1 (--max-iterations), got {max_iterations!r}")
    if len(scenario.pools) != 1:
        raise InputError(f"{scenario.source}: agents.pools: staffing plans one pool; merge the pools first")
    watched = watched_hours(scenario)
    measured = measured_hours(scenario)
    rates = interval_rates(scenario)
    load = rates * workload_minutes(scenario) / 60
    erl = np.array([erlang_agents(r, scenario, target) if w else 0 for r, w in zip(rates, watched, strict=True)])
    erl_sl = np.array([erlang_service_level(c, r, scenario) if w and r > 0 else np.nan
                       for c, r, w in zip(erl, rates, watched, strict=True)])

    first = scenario.start.day_of_week * 24

    def evaluate(agents, runs):
        """The scenario with ``agents``, its attainment and attainable posts per hour (mean a run) on ``runs``,
        the watched hours that miss the target and the lower one-sided 95% confidence bound of each hour's
        attainment (ratio estimator over the runs; none from one run)."""
        trial = scenario.updated({"agents": agents.tolist()})
        met_runs, attainable_runs = _interval_attainment(trial, runs, first, client)
        met, attainable = met_runs.sum(axis=0), attainable_runs.sum(axis=0)
        # an hour outside the measured period: what posts its drain finds there are not its week's posts
        attainable = np.where(measured, attainable, np.nan)
        share = np.divide(met, attainable, out=np.full(168, np.nan), where=attainable > 0)
        n = len(runs)
        low = np.full(168, np.nan)
        if n > 1:  # the planning runs may be one; the verification runs are at least two
            spread = np.sqrt(n / (n - 1) * ((met_runs - np.nan_to_num(share) * attainable_runs) ** 2).sum(axis=0))
            error = np.divide(spread, attainable, out=np.full(168, np.nan), where=attainable > 0)
            low = share - t_quantile(0.95, n - 1) * error
        return trial, share, attainable / n, watched & (attainable > 0) & (share < target), low

    # an hour with no work starts at 0, as Erlang C has it (it started at 1: 168 agent-hours a week for no posts);
    # one whose posts are found there all the same (a pile met at a duty start) misses the target and gets agents.
    # One never measured keeps Erlang C's agents: it cannot miss the target, and left at its load (100% occupancy)
    # it built a queue in the warm-up that the first measured hour was staffed to clear
    start = np.where(watched, np.where(measured, np.ceil(load), erl), 0).astype(int)
    agents = start.copy()
    runs = seeds  # fit on the planning runs, then verify on the others
    converged = False
    iterations = 0
    meter = bar(total=max_iterations, desc="staffing", unit="iteration", progress=progress)
    while iterations < max_iterations:
        iterations += 1
        trial, share, attainable, failing, _ = evaluate(agents, runs)
        meter.update()
        if failing.any():
            agents = agents + failing
        elif runs is verify_seeds:
            converged = True
            break
        else:
            runs = verify_seeds
    finish(meter)  # converged before max_iterations: done, not '80% 16/20'
    if not converged:  # report the plan's own figures, on the verification runs
        trial, share, attainable, *_ = evaluate(agents, verify_seeds)
    if converged and trim:  # adding to neighbouring hours at once may overshoot: take agents back
        for h in np.argsort(-np.nan_to_num(share - target, nan=np.inf)):
            if agents[h] <= start[h]:
                continue
            fewer = agents.copy()
            fewer[h] -= 1
            result = evaluate(fewer, verify_seeds)
            if not result[3].any() and result[4][h] >= target:
                agents = fewer
                trial, share, attainable, *_ = result
    table = pd.DataFrame({
        "hour_of_week": np.arange(168),
        "weekday": np.repeat(WEEKDAYS, 24),
        "hour": np.tile(np.arange(24), 7),
        "watched": watched,
        "measured": measured,
        "arrivals_per_hour": rates,
        "erlang_agents": erl,
        "erlang_service_level": erl_sl,
        "sim_agents": agents,
        "sim_attainment": share,
        "attainable_posts": attainable,
    })
    return StaffingPlan(table, target, iterations, converged, trial, _unmeasured_note(scenario, watched & ~measured))
