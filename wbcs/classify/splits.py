"""Leakage-guarded splits: exact and near-duplicate texts never straddle train and test, nor do rows of one group
(a dialogue, a thread, a customer) when the rows say which.

Groups come from ``wbcs.dedup.near_duplicate_groups`` (normalised character n-gram
Jaccard ≥ threshold, exact duplicates always together, links and repost marks left out: ``dedup.leakage_text``), merged with the rows' own ``group`` column where they have
one (``training_groups``); scikit-learn's ``StratifiedGroupKFold`` then keeps each group on one side while balancing
classes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from wbcs.errors import InputError


class TooFewExamples(InputError):
    """A label with fewer examples than the folds: the caller that knows the file and column adds them."""


def leakage_groups(texts, *, threshold: float = 0.8, seed: int = 0) -> np.ndarray:
    """A group id per text: exact and near duplicates share one, compared without their links and repost marks
    (``wbcs.dedup.leakage_text``: a post and its copy with a t.cn link are one group)."""
    from wbcs.dedup import leakage_text, near_duplicate_groups

    return np.asarray(near_duplicate_groups(list(texts), threshold=threshold, seed=seed, compare=leakage_text))


def merge_groups(*groupings) -> np.ndarray:
    """One group id per row such that rows sharing a group in any of ``groupings`` (each one id per row) share one:
    the connected components (scipy's) of a graph linking each row to a node per group of each grouping."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n, rows, nodes, offset = len(groupings[0]), [], [], len(groupings[0])
    for g in groupings:
        _, ids = np.unique(np.asarray(g).astype(str), return_inverse=True)
        rows.append(np.arange(n))
        nodes.append(offset + ids)
        offset += int(ids.max()) + 1 if n else 0
    r, c = np.concatenate(rows), np.concatenate(nodes)
    graph = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    return connected_components(graph, directed=False)[1][:n]


def training_groups(rows, *, seed: int = 0) -> np.ndarray:
    """The groups every split and fold of ``rows`` (a table with ``text``, and maybe ``group``) keeps whole: near
    duplicates (``leakage_groups``), and rows of one ``group`` (e.g. the turns of one dialogue: a customer's follow-up
    repeats their first post's words and problem, so a fold that holds one and trains on the other scores memory);
    a row without a group is a group of its own."""
    near = leakage_groups(rows["text"], seed=seed)
    if "group" not in rows.columns:
        return near
    own = own_groups(rows).fillna(pd.Series([f"\0row{i}" for i in range(len(rows))], index=rows.index, dtype="string"))
    return merge_groups(near, own.to_numpy())


def own_groups(rows) -> pd.Series:
    """The rows' ``group`` column as text, <NA> for a row without one (missing or blank): such a row shares no group."""
    own = rows["group"].astype("string")
    return own.where(own.notna() & own.str.strip().ne(""))


def groups_in(rows, test) -> np.ndarray:
    """True for each row of ``rows`` whose own group (``own_groups``: a dialogue, a thread, a customer) ``test`` has
    rows of too; all False unless both tables have a ``group`` column. A fit on such a row that is measured on
    ``test`` scores the rest of a dialogue it has read (a follow-up repeats its first post's words and problem)."""
    if "group" not in rows.columns or "group" not in test.columns:
        return np.zeros(len(rows), dtype=bool)
    return own_groups(rows).isin(own_groups(test).dropna()).to_numpy(dtype=bool)


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
    labels, counts = np.unique(y, return_counts=True)
    if len(np.unique(groups)) < n_splits:
        raise InputError(f"only {len(np.unique(groups))} distinct text groups for {n_splits} folds; "
                         "use fewer folds or more data")
    if strict and counts.min() < n_splits:
        rare = labels[counts.argmin()]
        raise TooFewExamples(f"label {str(rare)!r} has {counts.min()} example(s) among the rows cross-validated, "
                             f"fewer than the {n_splits} folds (each needs one): label at least "
                             f"{n_splits - counts.min()} more of it, or leave its rows out (or merge it into another "
                             "label)")
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
