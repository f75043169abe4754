"""Choosing what to label next.

- ``random_sample`` and ``stratified_sample`` (proportional allocation over strata)
  pick items without a model: the gold set's sample and the cold start;
- ``uncertainty`` ranks unlabelled items by the model's entropy or margin;
- ``diversity`` spreads a batch over clusters of a text embedding;
- ``query`` chooses the next batch for the active-learning loop (cold start without
  labels, then uncertainty or diversity), and ``stopping_signal`` says when more
  labels stop changing the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wbcs.errors import InputError


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def random_sample(ids: Sequence[str], n: int, *, seed=0) -> list[str]:
    """``n`` ids drawn without replacement (all of them, shuffled, when ``n`` ≥ their count)."""
    ids = list(ids)
    rng = _rng(seed)
    return [ids[i] for i in rng.permutation(len(ids))[: max(0, n)]]


def allocate(sizes: pd.Series, n: int) -> pd.Series:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder,
    ties to the larger stratum), never more than a stratum holds."""
    n = min(int(n), int(sizes.sum()))
    exact = sizes / sizes.sum() * n
    take = np.floor(exact).astype(int)
    order = (exact - take).sort_values(ascending=False, kind="stable").index
    for key in order[: n - int(take.sum())]:
        take[key] += 1
    return take.clip(upper=sizes)


def stratified_sample(frame: pd.DataFrame, n: int, *, by: Sequence[str], id_col: str = "post_id",
                      seed=0) -> pd.DataFrame:
    """``n`` rows of ``frame`` with each stratum (the values of ``by``, missing values a
    stratum of their own) in proportion to its size; rows come back shuffled."""
    missing = [c for c in [id_col, *by] if c not in frame.columns]
    if missing:
        raise InputError(f"stratified_sample: no column {missing[0]!r}; columns are "
                         f"{', '.join(map(str, frame.columns))}")
    rng = _rng(seed)
    # column by column: DataFrame-wide ops would compare frame.attrs (which may hold frames)
    keys = pd.Series("", index=frame.index)
    for col in by:
        keys = keys + "|" + frame[col].astype("string").fillna("<missing>")
    take = allocate(keys.value_counts().sort_index(), n)
    picked = []
    for key, k in take.items():
        rows = np.flatnonzero((keys == key).to_numpy())
        picked.append(rng.choice(rows, size=int(k), replace=False))
    rows = np.concatenate(picked) if picked else np.array([], dtype=int)
    return frame.iloc[rng.permutation(rows)].reset_index(drop=True)
