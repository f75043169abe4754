"""Small distribution objects (Ciw's habit): a ``mean`` and ``sample(rng, size)``.

Written by hand because the scenario format needs only four shapes, parametrised the way
a manager thinks (mean and spread in the scenario's own unit), and the engine wants
plain numpy arrays drawn from the caller's ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wbcs.errors import InputError

SHAPES = ("exponential", "lognormal", "deterministic", "empirical")
LARGE = 1e9  # bound of values with no natural one (means, spreads, followers, weights): finite, and far
# below where a sample could overflow the arithmetic downstream (Poisson reposts, time sums)
MAX_VALUES = 100_000


@dataclass(frozen=True)
class Dist:
    """A non-negative duration or count distribution.

    ``exponential(mean)``, ``lognormal(mean, sd)`` (the mean and standard deviation of the
    values themselves, not of their logarithm), ``deterministic(mean)``, ``empirical(values)``
    (resampled with replacement).
    """

    shape: str
    mean: float
    sd: float = 0.0
    values: tuple[float, ...] = ()

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.shape == "exponential":
            return rng.exponential(self.mean, size)
        if self.shape == "lognormal":
            sigma2 = np.log1p((self.sd / self.mean) ** 2)
            return rng.lognormal(np.log(self.mean) - sigma2 / 2, np.sqrt(sigma2), size)
        if self.shape == "deterministic":
            return np.full(size, self.mean)
        return rng.choice(np.asarray(self.values), size)

    def scaled(self, factor: float) -> Dist:
        """The same shape in another unit (e.g. hours → minutes)."""
        return Dist(self.shape, self.mean * factor, self.sd * factor,
                    tuple(v * factor for v in self.values))


def parse_dist(raw, key: str, source: str) -> Dist:
    """A Dist from ``{distribution: exponential, mean: 3}`` and friends; errors name ``key``."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: {key} must be a mapping like {{distribution: exponential, mean: 3}}, got {raw!r}")
    unknown = set(raw) - {"distribution", "mean", "sd", "values"}
    if unknown:
        raise InputError(f"{source}: {key}.{sorted(unknown)[0]} is not a distribution key (distribution, mean, sd, values)")
    shape = raw.get("distribution", "exponential")
    if shape not in SHAPES:
        raise InputError(f"{source}: {key}.distribution must be one of {', '.join(SHAPES)}, got {shape!r}")

    def ok(v, positive: bool = False) -> bool:
        return (not isinstance(v, bool) and isinstance(v, (int, float)) and 0 <= v <= LARGE
                and not (positive and v == 0))

    def number(name: str, positive: bool) -> float:
        v = raw.get(name)
        if not ok(v, positive):
            raise InputError(f"{source}: {key}.{name} must be a number {'> 0' if positive else '≥ 0'} "
                             f"and ≤ {LARGE:,.0f}, got {v!r}")
        return float(v)

    if shape == "empirical":
        values = raw.get("values")
        if not isinstance(values, list) or not values or len(values) > MAX_VALUES or not all(map(ok, values)):
            raise InputError(f"{source}: {key}.values must be a non-empty list of numbers ≥ 0 and ≤ {LARGE:,.0f} "
                             f"(at most {MAX_VALUES:,})")
        return Dist("empirical", float(np.mean(values)), float(np.std(values)), tuple(float(v) for v in values))
    mean = number("mean", positive=shape != "deterministic")
    sd = number("sd", positive=True) if shape == "lognormal" else 0.0
    return Dist(shape, mean, sd)
