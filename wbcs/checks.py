"""Parameter checks the modules share: a whole number and a seed, each an ``InputError`` naming the parameter
(numpy's and scikit-learn's own errors name none: a negative seed was a bare ValueError, "a" or 1.5 a TypeError)."""

from __future__ import annotations

import numpy as np

from wbcs.errors import InputError


def whole(value, name: str, least: int = 0) -> int:
    """``value`` as an int when it is a whole number ≥ ``least``; else an InputError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise InputError(f"{name} must be a whole number ≥ {least}, got {value!r}")
    return int(value)


def seed(value):
    """``value`` if a random stream can start from it: a whole number ≥ 0, None (fresh entropy: runs differ every
    time), a ``numpy.random.SeedSequence`` or a ``Generator``; else an InputError."""
    if value is None or isinstance(value, np.random.Generator | np.random.SeedSequence):
        return value
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InputError(f"seed must be a whole number ≥ 0 (--seed), got {value!r}")
    return int(value)


def rng(value) -> np.random.Generator:
    """A generator from a ``seed``-able value (a Generator is used as it is)."""
    value = seed(value)
    return value if isinstance(value, np.random.Generator) else np.random.default_rng(value)
