"""Evaluation: metrics, calibration (ECE), cross-validation, learning curve.

Every function takes an estimator with ``fit(texts, y)``, ``predict_proba(texts)``
and ``classes_`` (the baseline or the transformer path) and respects leakage
groups (``wbcs.classify.splits``) when given.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from tqdm.auto import tqdm

from wbcs.classify.splits import group_folds, group_train_test_split
from wbcs.errors import InputError


def expected_calibration_error(y_true, proba, classes, *, n_bins: int = 15) -> float:
    """Top-label ECE: Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)| over equal-width
    confidence bins (Guo et al. 2017)."""
    table = reliability_table(y_true, proba, classes, n_bins=n_bins)
    n = table["count"].sum()
    return float((table["count"] / n * (table["accuracy"] - table["confidence"]).abs()).sum()) if n else float("nan")


def reliability_table(y_true, proba, classes, *, n_bins: int = 15) -> pd.DataFrame:
    """Per confidence bin (non-empty only): lower/upper edge, count, mean confidence, accuracy."""
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    conf = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == np.asarray(y_true)
    edges = np.linspace(0, 1, n_bins + 1)
    # bin b holds lo < conf ≤ hi (conf = 0 goes to the first bin)
    b = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    df = pd.DataFrame({"bin": b, "confidence": conf, "correct": correct})
    out = df.groupby("bin").agg(count=("correct", "size"), confidence=("confidence", "mean"),
                                accuracy=("correct", "mean")).reset_index()
    out["lower"] = edges[out["bin"]]
    out["upper"] = edges[out["bin"] + 1]
    return out[["bin", "lower", "upper", "count", "confidence", "accuracy"]]


def metrics(y_true, y_pred, *, proba=None, classes=None) -> dict:
    """accuracy, macro_f1, per_class {label: precision, recall, f1, support}, confusion
    (labels and matrix, rows = truth), n, and ece when probabilities are given."""
    y_true = np.asarray(y_true).astype(str)
    y_pred = np.asarray(y_pred).astype(str)
    if len(y_true) == 0:
        raise InputError("no rows to evaluate")
    labels = sorted(set(y_true) | set(y_pred) | set(map(str, classes if classes is not None else [])))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = [lab for lab in labels if lab in set(y_true)]
    out = {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        # macro over the classes present in the truth (a class the model knows but the
        # test set lacks would add a meaningless 0)
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                            "support": int(s[i])} for i, lab in enumerate(labels)},
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if proba is not None:
        out["ece"] = expected_calibration_error(y_true, proba, classes)
    return out


def kind_mean_macro_f1(y_true, y_pred, kinds) -> float:
    """The mean over kinds of item (``kinds``, one per row) of each kind's macro-F1 over the classes present in
    that kind's truth: every kind counts once, whatever its share of the rows. The trainer selects on it when
    asked (``fit_task(weigh_kinds=True)``, ``wbcs train --weigh-kinds``) for rows that mix kinds users read apart
    (a post table's first posts, a dialogue's later turns)."""
    y_true, y_pred, kinds = (np.asarray(a).astype(str) for a in (y_true, y_pred, kinds))
    scores = []
    for kind in np.unique(kinds):
        m = kinds == kind
        present = np.unique(y_true[m])
        scores.append(f1_score(y_true[m], y_pred[m], labels=present, average="macro", zero_division=0))
    return float(np.mean(scores))


def _codes(*labels) -> tuple[list[np.ndarray], int]:
    """Each label array as integer codes over the labels of all of them, and how many labels there are."""
    arrays = [np.asarray(a).astype(str) for a in labels]
    names, codes = np.unique(np.concatenate(arrays), return_inverse=True)
    return np.split(codes, np.cumsum([len(a) for a in arrays])[:-1]), len(names)


def _counts(t: np.ndarray, p: np.ndarray, group: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """Per group, each class's true positives, support and predictions: an array (3, n_groups, k)."""
    out = np.zeros((3, n_groups, k))
    hit = t == p
    np.add.at(out[0], (group[hit], t[hit]), 1)
    np.add.at(out[1], (group, t), 1)
    np.add.at(out[2], (group, p), 1)
    return out


def _resampled(counts: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro-F1 of each resample (``weights``: how often each group is drawn, one row per resample;
    per-class counts summed with a matrix product: ~50x faster than f1_score on 1,000 resamples). Macro-F1
    averages over the classes present in the resample's truth, as ``metrics``."""
    tp, support, predicted = (weights @ c for c in counts)
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    present = support > 0
    return tp.sum(axis=1) / support.sum(axis=1), (f1 * present).sum(axis=1) / present.sum(axis=1)


def _draws(n_groups: int, n_boot: int, seed) -> np.ndarray:
    """``n_boot`` resamples of ``n_groups`` groups with replacement, as draw counts per group (n_boot, n_groups)."""
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups) for _ in range(n_boot)])


def bootstrap_ci(y_true, y_pred, *, n_boot: int = 1000, level: float = 0.95, seed=0) -> dict:
    """Percentile bootstrap intervals of accuracy and macro-F1 (rows resampled with
    replacement, ``n_boot`` times, seeded): ``{"accuracy": [lo, hi], "macro_f1": [lo, hi]}``.
    Macro-F1 of a resample averages over the classes present in its truth, as ``metrics``."""
    (t, p), k = _codes(y_true, y_pred)
    acc, f1 = _resampled(_counts(t, p, np.arange(len(t)), len(t), k), _draws(len(t), n_boot, seed))
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return {"accuracy": np.percentile(acc, q).tolist(), "macro_f1": np.percentile(f1, q).tolist()}


def paired_bootstrap_delta(y_true, pred_a, pred_b, *, groups=None, n_boot: int = 1000, level: float = 0.95,
                           seed=0) -> dict:
    """How much better predictions ``pred_b`` are than ``pred_a`` on the same items, with a paired percentile
    bootstrap interval: both scored on the same resamples, so what the items share cancels out. With ``groups``
    (e.g. each item's dialogue), whole groups are resampled, as items of one dialogue are not independent.
    Returns {"macro_f1": {"delta", "ci"}, "accuracy": {"delta", "ci"}}; a ``ci`` that excludes 0 says the
    difference is more than the test items' luck of the draw."""
    (t, a, b), k = _codes(y_true, pred_a, pred_b)
    group = np.arange(len(t)) if groups is None else np.unique(np.asarray(groups).astype(str), return_inverse=True)[1]
    n_groups = int(group.max()) + 1 if len(group) else 0
    draws = np.vstack([np.ones(n_groups), _draws(n_groups, n_boot, seed)])  # row 0: the items as they are
    acc_a, f1_a = _resampled(_counts(t, a, group, n_groups, k), draws)
    acc_b, f1_b = _resampled(_counts(t, b, group, n_groups, k), draws)
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return {name: {"delta": float(d[0]), "ci": np.percentile(d[1:], q).tolist()}
            for name, d in (("macro_f1", f1_b - f1_a), ("accuracy", acc_b - acc_a))}


def evaluate(model, texts, y, *, ci: bool = False, seed=0) -> dict:
    """``metrics`` of a fitted model on texts with true labels (probabilities included);
    with ``ci``, also ``ci95``: bootstrap intervals of accuracy and macro-F1."""
    proba = model.predict_proba(texts)
    pred = np.asarray(model.classes_)[proba.argmax(axis=1)]
    out = metrics(y, pred, proba=proba, classes=model.classes_)
    if ci:
        out["ci95"] = bootstrap_ci(y, pred, seed=seed)
    return out


def per_class_table(report: dict) -> pd.DataFrame:
    """The per-class part of a metrics report as a table."""
    return pd.DataFrame(report["per_class"]).T.rename_axis("label").reset_index()


def held_out(estimator, texts, y, *, groups=None, test_size: float = 0.2, seed=0) -> dict:
    """Fit a clone on a group-respecting train part, evaluate on the rest.

    Returns the metrics plus ``model`` (the fitted clone), ``train_size``,
    ``fit_seconds`` and the test part (``test_index``, ``proba``) for plots.
    """
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    tr, te = group_train_test_split(y, groups, test_size=test_size, seed=seed)
    model = clone(estimator)
    t0 = time.perf_counter()
    model.fit(list(texts[tr]), y[tr])
    fit_s = time.perf_counter() - t0
    proba = model.predict_proba(list(texts[te]))
    pred = np.asarray(model.classes_)[proba.argmax(axis=1)]
    return {**metrics(y[te], pred, proba=proba, classes=model.classes_), "model": model,
            "train_size": int(len(tr)), "fit_seconds": fit_s, "test_index": te, "proba": proba}


def cross_validate(estimator, texts, y, *, groups=None, n_splits: int = 5, seed=0) -> pd.DataFrame:
    """Stratified (group) k-fold: one row per fold with accuracy, macro_f1, ece, n_train, n_test;
    ``df.attrs["oof_proba"]``/``["classes"]`` hold the out-of-fold probabilities."""
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    classes = np.unique(y)
    oof = np.zeros((len(y), len(classes)))
    rows = []
    folds = group_folds(y, groups, n_splits=n_splits, seed=seed)
    for k, (tr, te) in enumerate(tqdm(folds, desc="cross-validation", leave=False)):
        model = clone(estimator).fit(list(texts[tr]), y[tr])
        proba = model.predict_proba(list(texts[te]))
        cols = np.searchsorted(classes, model.classes_)
        oof[np.ix_(te, cols)] = proba
        m = metrics(y[te], np.asarray(model.classes_)[proba.argmax(axis=1)], proba=proba,
                    classes=model.classes_)
        rows.append({"fold": k, "n_train": len(tr), "n_test": len(te), "accuracy": m["accuracy"],
                     "macro_f1": m["macro_f1"], "ece": m["ece"]})
    df = pd.DataFrame(rows)
    df.attrs["oof_proba"] = oof
    df.attrs["classes"] = classes
    return df


def learning_curve(estimator, texts, y, *, sizes=(100, 200, 500, 1000, 2000), groups=None,
                   test_size: float = 0.2, seed=0) -> pd.DataFrame:
    """Quality against the number of training labels, on one fixed group-respecting test set.

    Each size takes a stratified random subset of the training part (seeded); sizes
    larger than the training part are capped. Returns n_labels, accuracy, macro_f1, ece.
    """
    from sklearn.model_selection import train_test_split

    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    tr, te = group_train_test_split(y, groups, test_size=test_size, seed=seed)
    rng = np.random.default_rng(seed)
    rows = []
    for n in tqdm(sorted({min(int(s), len(tr)) for s in sizes}), desc="learning curve", leave=False):
        if n < len(tr):
            sub, _ = train_test_split(tr, train_size=n, stratify=y[tr] if n >= len(np.unique(y[tr])) else None,
                                      random_state=int(rng.integers(2**31 - 1)))
        else:
            sub = tr
        if len(np.unique(y[sub])) < 2:
            continue
        model = clone(estimator).fit(list(texts[sub]), y[sub])
        m = evaluate(model, list(texts[te]), y[te])
        rows.append({"n_labels": int(len(sub)), "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                     "ece": m["ece"]})
    return pd.DataFrame(rows)


def worst_confusions(y_true, y_pred, texts, *, top: int = 5, examples: int = 3, seed=0) -> pd.DataFrame:
    """The most frequent confusions (true → predicted, off the diagonal), each with its count,
    its share of the true class and a few PII-masked example texts (seeded choice)."""
    from wbcs.text import mask_pii

    y_true, y_pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    texts = np.asarray(list(texts), dtype=object)
    wrong = pd.DataFrame({"true": y_true, "predicted": y_pred, "i": np.arange(len(y_true))})
    wrong = wrong[wrong["true"] != wrong["predicted"]]
    support = pd.Series(y_true).value_counts()
    rng = np.random.default_rng(seed)
    rows = []
    for (t, p), grp in sorted(wrong.groupby(["true", "predicted"]), key=lambda kv: -len(kv[1]))[:top]:
        pick = rng.choice(grp["i"].to_numpy(), size=min(examples, len(grp)), replace=False)
        rows.append({"true": t, "predicted": p, "count": len(grp), "share_of_true": len(grp) / support[t],
                     "examples": " ‖ ".join(mask_pii(str(x))[:80] for x in texts[pick])})
    return pd.DataFrame(rows, columns=["true", "predicted", "count", "share_of_true", "examples"])


def more_labels_verdict(curve: pd.DataFrame, metric: str = "macro_f1", *, threshold: float = 0.01) -> str:
    """What a learning curve says: the gain of ``metric`` over its last doubling of labels (or the last
    step), and whether more labels still pay (a gain above ``threshold`` per doubling)."""
    c = curve.sort_values("n_labels")
    if len(c) < 2:
        return "too few points to tell"
    last, prev = c.iloc[-1], c.iloc[-2]
    doublings = np.log2(last["n_labels"] / prev["n_labels"]) or 1.0
    gain = (last[metric] - prev[metric]) / doublings
    verdict = "more labels still help" if gain > threshold else "more labels help little now"
    return (f"{verdict}: {metric} {prev[metric]:.3f} → {last[metric]:.3f} from {int(prev['n_labels']):,} to "
            f"{int(last['n_labels']):,} labels ({gain:+.3f} per doubling)")
