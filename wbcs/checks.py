"""Parameter checks the modules share: a whole number, a finite number, a seed and a table, each an ``InputError``
naming the parameter (numpy's and scikit-learn's own errors name none: a negative seed was a bare ValueError, "a" or
1.5 a TypeError; pandas' name none either: a list of dicts given as a table was an AttributeError from deep inside).
``is_whole`` and ``is_number`` are the same tests as predicates, for a check whose message says more."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wbcs.errors import InputError


def is_number(value) -> bool:
    """A finite real number (not a bool, a string, NaN or infinity)."""
    return (not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
            and math.isfinite(value))


def is_whole(value, *, floats: bool = False) -> bool:
    """An int (numpy's too; not a bool); with ``floats``, also a float that is one (3.0)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    return floats and is_number(value) and float(value).is_integer()


def whole(value, name: str, least: int = 0, *, floats: bool = False) -> int:
    """``value`` as an int when it is a whole number ≥ ``least`` (``floats``: 3.0 counts as 3); else an InputError
    naming ``name``."""
    if not is_whole(value, floats=floats) or value < least:
        raise InputError(f"{name} must be a whole number ≥ {least}, got {value!r}")
    return int(value)


def number(value, name: str, *, positive: bool = False) -> float:
    """``value`` as a float when it is a finite number ≥ 0 (> 0 when ``positive``); else an InputError naming
    ``name`` (NaN compared as no number at all and passed every range check)."""
    if not is_number(value) or value < 0 or (positive and value == 0):
        raise InputError(f"{name} must be a finite number {'> 0' if positive else '≥ 0'}, got {value!r}")
    return float(value)


def level(value, name: str = "level") -> float:
    """``value`` as a float when it is a number strictly between 0 and 1 (an interval's level, e.g. 0.95); else an
    InputError naming ``name``."""
    if not is_number(value) or not 0 < value < 1:
        raise InputError(f"{name} must be between 0 and 1 (e.g. 0.95), got {value!r}")
    return float(value)


def frame(value, name: str = "posts") -> pd.DataFrame:
    """``value`` when it is a pandas DataFrame; else an InputError naming ``name`` and what to pass instead."""
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        hint = "a Series (one column) is not accepted: pass the whole table"
    elif isinstance(value, list | tuple):
        hint = "a list of dicts is not accepted: pass pd.DataFrame(rows)"
    else:
        hint = "e.g. wbcs.io.read_posts(path)"
    raise InputError(f"{name} must be a pandas DataFrame, got {type(value).__name__} ({hint})")


def policy(value):
    """``value`` when it is a ``wbcs.policy.Policy``, the default policy (``data/policy.yaml``) when it is None;
    else an InputError saying how to load one (a path was an AttributeError from deep inside)."""
    from wbcs.policy import Policy, load_policy

    if value is None:
        return load_policy()
    if not isinstance(value, Policy):
        raise InputError(f"policy must be a wbcs.policy.Policy (wbcs.policy.load_policy('policy.yaml')) or None "
                         f"(the default policy), got {type(value).__name__}")
    return value


def seed(value):
    """``value`` if a random stream can start from it: a whole number ≥ 0, None (fresh entropy: runs differ every
    time), a ``numpy.random.SeedSequence`` or a ``Generator``; else an InputError."""
    if value is None or isinstance(value, np.random.Generator | np.random.SeedSequence):
        return value
    if not is_whole(value) or value < 0:
        raise InputError(f"seed must be a whole number ≥ 0 (--seed), got {value!r}")
    return int(value)


def rng(value) -> np.random.Generator:
    """A generator from a ``seed``-able value (a Generator is used as it is)."""
    value = seed(value)
    return value if isinstance(value, np.random.Generator) else np.random.default_rng(value)
