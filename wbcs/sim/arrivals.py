"""Arrivals: a non-homogeneous Poisson process by hour, incident bursts on top, a mix of kinds.

The rate is constant within each hour, so the process is drawn exactly by inversion of its
piecewise-constant intensity: a Poisson count per hour, then that many uniform times inside
the hour (the order statistics of uniforms), all vectorised. A burst adds a Poisson number of
posts spread evenly over its window.
"""

from __future__ import annotations

import numpy as np

from wbcs.policy import POST_KINDS
from wbcs.sim.scenario import Scenario


def hourly_rates(scenario: Scenario, hours: int) -> np.ndarray:
    """Arrivals per hour for each hour from the scenario's start (which is at midnight)."""
    first = scenario.start.day_of_week * 24  # hour of week of the start, Monday 00:00 = 0
    return np.asarray(scenario.rate_week)[(first + np.arange(hours)) % 168]


def draw_arrivals(scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Arrival minutes (sorted, from the start) and kind codes (indexes into POST_KINDS)."""
    horizon = scenario.horizon_minutes
    hours = int(np.ceil(horizon / 60))
    width = np.minimum(60.0, horizon - 60.0 * np.arange(hours))  # the last hour may be partial
    counts = rng.poisson(hourly_rates(scenario, hours) * width / 60)
    times = np.repeat(60.0 * np.arange(hours), counts) + rng.random(counts.sum()) * np.repeat(width, counts)
    p = np.array([scenario.mix[k] for k in POST_KINDS])
    kinds = rng.choice(len(POST_KINDS), size=times.size, p=p)
    parts_t, parts_k = [times], [kinds]
    for b in scenario.bursts:
        n = rng.poisson(b.posts)
        parts_t.append(b.start_minute + rng.random(n) * b.hours * 60)  # within the horizon (Scenario checks)
        parts_k.append(np.full(n, POST_KINDS.index(b.kind)) if b.kind else rng.choice(len(POST_KINDS), size=n, p=p))
    times, kinds = np.concatenate(parts_t), np.concatenate(parts_k)
    order = np.argsort(times, kind="stable")
    return times[order], kinds[order].astype(np.int64)
