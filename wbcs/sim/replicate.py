"""Replications: independent runs from spawned seeds, warm-up removed, 95% confidence intervals.

Each replication gets its own ``numpy.random.Generator`` spawned from ``SeedSequence(seed)``
(no global seed, Ciw's practice without its global state). A figure's interval is the
Student-t interval over the replications' values: mean ± t(0.975, n−1)·s/√n.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.checks import level as check_level
from wbcs.checks import seed as check_seed
from wbcs.checks import whole
from wbcs.errors import InputError
from wbcs.sim.engine import plan
from wbcs.sim.metrics import run_metrics
from wbcs.sim.model import run
from wbcs.sim.scenario import Scenario, as_scenario

SHARES = ("attainment", "satisfaction", "_share", "utilization")  # fractions: their intervals stay in [0, 1]


@functools.lru_cache
def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile (0.5 < p < 1) of Student's t with ``df`` (an integer) degrees of freedom.

    Hand-written because importing scipy for it costs ~0.3 s of a ~1 s command: Newton's method
    on the t distribution's closed form for integer df (Abramowitz & Stegun 26.7.3–4: a finite
    series in θ = atan(t/√df)) from the normal quantile, which lies below t: the CDF is concave there,
    so the iterates rise to t without overshooting; agrees with ``scipy.special.stdtrit``
    to ~1e-12 relative (tests check df 1–10,000), far below the 6 digits a summary prints."""
    target = 2 * p - 1  # P(|T| ≤ t)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    t, last = statistics.NormalDist().inv_cdf(p), math.inf
    for _ in range(200):
        theta = math.atan(t / math.sqrt(df))
        c2, term, total = math.cos(theta) ** 2, 1.0, 1.0
        if df % 2 == 0:  # sinθ (1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(df−3))/(2·4⋯(df−2))cos^(df−2)θ)
            for j in range(1, df // 2):
                term *= c2 * (2 * j - 1) / (2 * j)
                total += term
            central = math.sin(theta) * total
        else:  # 2/π (θ + sinθ cosθ (1 + ⅔cos²θ + … + (2·4⋯(df−3))/(3·5⋯(df−2))cos^(df−3)θ)); θ alone for df 1
            for j in range(1, (df - 1) // 2):
                term *= c2 * (2 * j) / (2 * j + 1)
                total += term
            central = 2 / math.pi * (theta + (math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0))
        step = (central - target) / (2 * math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df)))
        t -= step
        if abs(step) <= 1e-15 * t or last <= abs(step) <= 1e-12 * t:  # converged, or at the sum's rounding
            break
        last = abs(step)
    return t


def confidence_interval(values, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of ``values`` (NaNs ignored; (nan, nan) below two values)."""
    level = check_level(level, "confidence level")
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2:
        return (math.nan, math.nan)
    half = t_quantile(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return (float(v.mean() - half), float(v.mean() + half))


@dataclass(frozen=True)
class Summary:
    """What ``replicate`` returns: one row of figures per run, their means and 95% intervals,
    the mean hourly series, and (if asked) every run's records with a ``replication`` column."""

    scenario: Scenario
    seed: int
    per_run: pd.DataFrame
    hourly: pd.DataFrame
    records: pd.DataFrame | None = None

    @property
    def table(self) -> pd.DataFrame:
        rows = []
        for metric in self.per_run.columns:
            lo, hi = confidence_interval(self.per_run[metric])
            lo = max(lo, 0.0)  # every figure is ≥ 0, and a share's interval stays within [0, 1]
            if metric.endswith(SHARES):
                hi = min(hi, 1.0)
            rows.append({"metric": metric, "mean": self.per_run[metric].mean(), "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows).set_index("metric")

    def to_dict(self) -> dict:
        """JSON-ready: every figure and ``<figure>_ci``; per-kind figures under ``by_kind``."""
        def clean(x):
            return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)

        out: dict = {"scenario": self.scenario.name, "replications": len(self.per_run), "seed": self.seed,
                     "horizon_days": self.scenario.horizon_days, "warmup_days": self.scenario.warmup_days}
        by_kind: dict = {}
        for metric, row in self.table.iterrows():
            value, ci = clean(row["mean"]), [clean(row["ci_low"]), clean(row["ci_high"])]
            if "." in metric:
                kind, name = metric.split(".", 1)
                by_kind.setdefault(kind, {})[name] = value
                by_kind[kind][f"{name}_ci"] = ci
            else:
                out[metric], out[f"{metric}_ci"] = value, ci
        out["by_kind"] = by_kind
        return out


def spawn_seeds(seed: int | None, n: int) -> list[np.random.SeedSequence]:
    """The seeds of ``n`` replications: the children of ``SeedSequence(seed)`` (every caller's, so runs
    with the same seed are the same runs). ``seed`` None draws fresh entropy; the children's ``entropy``
    is then the seed that repeats them (``replicate`` and ``sweep`` record it)."""
    if isinstance(seed, np.random.Generator | np.random.SeedSequence):
        raise InputError(f"seed must be a whole number ≥ 0 or None for replications, not a {type(seed).__name__}")
    seed = check_seed(seed)
    return np.random.SeedSequence(seed).spawn(whole(n, "replications", 1))


def replication(task: tuple, *, keep_records: bool = False) -> tuple[dict, pd.DataFrame, pd.DataFrame | None]:
    """One run of ``task = (scenario, SeedSequence child, index)``: its figures, hourly series
    and (if asked) observed records. A task of its own so a cluster can run it."""
    scenario, child, i = task
    r = run(scenario, np.random.default_rng(child))
    records = r.records[r.records["observed"]].assign(replication=i) if keep_records else None
    return run_metrics(r.records, r.hourly, scenario), r.hourly, records


def summarise(scenario: Scenario, seed: int, runs: list) -> Summary:
    """The ``Summary`` of ``replication`` results, in replication order."""
    rows = [m for m, _, _ in runs]
    mean_hourly = pd.concat([h.drop(columns=["time"]) for _, h, _ in runs]).groupby("hour").mean()
    mean_hourly.insert(0, "time", runs[-1][1].set_index("hour")["time"])
    records = [r for _, _, r in runs if r is not None]
    return Summary(scenario=scenario, seed=seed, per_run=pd.DataFrame(rows), hourly=mean_hourly.reset_index(),
                   records=pd.concat(records, ignore_index=True) if records else None)


def replicate(scenario: Scenario, n: int = 10, seed: int = 0, *, warmup_days: float | None = None,
              keep_records: bool = False, progress: bool = False, client=None) -> Summary:
    """Run ``scenario`` (as ``simulate`` takes it) ``n`` times and summarise; ``warmup_days`` overrides the
    scenario's. ``seed`` None draws fresh entropy, recorded in the summary's ``seed`` to repeat the runs.

    ``client`` (a ``dask.distributed.Client``, see ``wbcs.distributed``) runs the
    replications on a cluster; the seeds are the same, so is the summary."""
    from wbcs.distributed import run_tasks

    scenario = as_scenario(scenario)
    children = spawn_seeds(seed, n)
    seed = children[0].entropy  # the seed given, or the fresh entropy drawn for None
    if warmup_days is not None:
        scenario = scenario.updated({"warmup_days": warmup_days})
    if client is None:  # long work here runs the compiled engine from the start
        plan(n * scenario.expected_posts)
    runs = run_tasks(replication, [(scenario, child, i) for i, child in enumerate(children)], client=client,
                     desc=f"simulating {scenario.name}", unit="run", progress=progress, keep_records=keep_records,
                     chunk=None)  # a few tasks per worker thread: one short run per task would wait on the scheduler
    return summarise(scenario, seed, runs)
