"""Leakage-guarded splits: exact and near-duplicate texts never straddle train and test.

Groups come from ``wbcs.dedup.near_duplicate_groups`` (normalised character n-gram
Jaccard ≥ threshold, exact duplicates always together); scikit-learn's
``StratifiedGroupKFold`` then keeps each group on one side while balancing classes.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from wbcs.errors import InputError


def leakage_groups(texts, *, threshold: float = 0.8, seed: int = 0) -> np.ndarray:
    """A group id per text: exact and near duplicates share one."""
    from wbcs.dedup import near_duplicate_groups

    return np.asarray(near_duplicate_groups(list(texts), threshold=threshold, seed=seed))


def _seed(seed) -> int:
    return int(np.random.default_rng(seed).integers(2**31 - 1))


def group_folds(y, groups, *, n_splits: int = 5, seed=0,
                strict: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep every group whole: a list of (train index, test index).

    ``strict``: every class needs at least ``n_splits`` examples (so each test fold can
    hold one); a single hold-out (``group_train_test_split``) does not need that.
    """
    y = np.asarray(y)
    groups = np.asarray(groups)
    _, counts = np.unique(y, return_counts=True)
    if len(np.unique(groups)) < n_splits:
        raise InputError(f"only {len(np.unique(groups))} distinct text groups for {n_splits} folds; "
                         "use fewer folds or more data")
    if strict and counts.min() < n_splits:
        raise InputError(f"the smallest class has {counts.min()} example(s), fewer than the "
                         f"{n_splits} folds; use fewer folds or label more")
    if counts.max() < n_splits:  # scikit-learn's StratifiedGroupKFold refuses it with a ValueError
        raise InputError(f"every class has fewer than {n_splits} examples (the largest {counts.max()}), too few to "
                         f"split {n_splits} ways; label more (or use fewer folds)")
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=_seed(seed))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")  # checked above
        return [(tr, te) for tr, te in cv.split(np.zeros(len(y)), y, groups)]


def group_train_test_split(y, groups, *, test_size: float = 0.2, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """One stratified, group-respecting hold-out: (train index, test index).

    The test part is one fold of ``round(1 / test_size)`` folds, so its share is
    ``test_size`` up to group sizes.
    """
    if not 0 < test_size < 1:
        raise InputError(f"test_size must be between 0 and 1, got {test_size}")
    n_splits = max(2, round(1 / test_size))
    return group_folds(y, groups, n_splits=n_splits, seed=seed, strict=False)[0]


def straddling_groups(groups, train_idx, test_idx) -> np.ndarray:
    """Group ids present on both sides (empty when the split does not leak)."""
    groups = np.asarray(groups)
    return np.intersect1d(groups[train_idx], groups[test_idx])
