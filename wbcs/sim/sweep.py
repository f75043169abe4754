"""Policy sweeps: a grid of scenario overrides, each policy replicated with the same seeds.

A manager compares dozens of policies (duty hours × patrol intervals × staffing), each
with its replications. ``sweep(base, {"patrol_minutes": [10, 30], "agents": [4, 5]}, n=20,
seed=1)`` builds the Cartesian product of the grid (a key is a dotted path into the
scenario file, e.g. ``duty.end``; values are what the file would hold), and gives one
table row per policy: its overrides, then the mean and 95% interval of every figure of
``replicate``.

Every policy is replicated with the children of ``SeedSequence(seed)``, exactly as
``replicate(policy, n, seed)`` would (common random numbers: the policies are compared
on the same arrivals, which sharpens their differences), so a row equals that call's
summary. The policy × replication runs are independent: with a ``client``
(``wbcs.distributed``) they run on a cluster, ``chunk`` runs per task (default: a few
tasks per worker thread, ``wbcs.distributed.chunk_size``; a one-week run takes ~70 ms
and a task costs the scheduler ~30 ms, so one run per task would keep the workers
waiting). Every run keeps its own seed wherever it runs, so 1 process or 20 workers, any
chunk, give the same table.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.sim.replicate import replication, spawn_seeds, summarise
from wbcs.sim.scenario import Scenario, as_scenario
from wbcs.text import mask_frame

MAX_POLICIES = 10_000


def patch(overrides: Mapping[str, object]) -> dict:
    """``{"duty.end": "18:00"}`` → ``{"duty": {"end": "18:00"}}`` (a ``Scenario.updated`` patch)."""
    out: dict = {}
    for key, value in overrides.items():
        parts = str(key).split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError(f"sweep grid: key {key!r} goes inside {part!r}, which another key sets to a value")
        node[parts[-1]] = value
    return out


def policies(grid: Mapping[str, list]) -> list[dict]:
    """The Cartesian product of ``grid`` (key → list of values) as override dicts, in order."""
    if not grid:
        raise InputError("sweep grid is empty: give at least one key with a list of values")
    for key, values in grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise InputError(f"sweep grid: {key!r} needs a non-empty list of values, got {values!r}")
    count = int(np.prod([len(v) for v in grid.values()]))
    if count > MAX_POLICIES:
        raise InputError(f"sweep grid: {count:,} policies (the product of the lists); at most {MAX_POLICIES:,}")
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def sweep(base: Scenario, grid: Mapping[str, list], n: int = 10, seed: int = 0, *,
          warmup_days: float | None = None, progress: bool = False, client=None,
          chunk: int | None = None) -> pd.DataFrame:
    """One row per policy of ``grid`` (see the module docstring; ``base`` as ``simulate`` takes it, ``seed``
    None: fresh entropy, policies still compared on the same runs): the override columns, then
    ``<figure>``, ``<figure>_ci_low`` and ``<figure>_ci_high`` for every figure of ``replicate``."""
    from wbcs.distributed import run_tasks

    base = as_scenario(base)
    children = spawn_seeds(seed, n)
    if warmup_days is not None:
        base = base.updated({"warmup_days": warmup_days})
    combos = policies(grid)
    scenarios = []
    for combo in combos:  # validated here, one clear error naming the policy, before any run
        try:
            scenarios.append(base.updated(patch(combo)))
        except InputError as e:
            raise InputError(f"sweep policy {combo}: {e}") from None
    tasks = [(sc, child, i) for sc in scenarios for i, child in enumerate(children)]
    runs = run_tasks(replication, tasks, client=client, desc=f"sweeping {len(combos)} policies", unit="run",
                     progress=progress, chunk=chunk)
    rows = []
    for p, (combo, sc) in enumerate(zip(combos, scenarios, strict=True)):
        table = summarise(sc, seed, runs[p * n:(p + 1) * n]).table
        row = {"policy": p, **combo}
        for metric, r in table.iterrows():
            row[metric], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = r["mean"], r["ci_low"], r["ci_high"]
        rows.append(row)
    # the overrides as given (a scenario's name among them): masked as the scenario's own name is
    return mask_frame(pd.DataFrame(rows), columns=list(grid))
