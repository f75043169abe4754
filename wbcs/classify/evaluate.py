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

from wbcs.checks import level as check_level
from wbcs.checks import whole
from wbcs.classify.baseline import predict_kinds
from wbcs.classify.splits import group_folds, group_train_test_split
from wbcs.errors import InputError
from wbcs.progress import bar
from wbcs.text import has_text


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


def _percentiles(level) -> list[float]:
    """The two percentiles of a central ``level`` interval (0 < level < 1)."""
    level = check_level(level)
    return [(1 - level) / 2 * 100, (1 + level) / 2 * 100]


def _labelled(y_true, **paired) -> np.ndarray:
    """True where ``y_true`` holds a label: a missing (None, NaN, pd.NA) or blank one (``has_text``: zero-width
    characters alone too) is left out, as ``wbcs evaluate`` does, rather than scored as a class "nan" or "\u200b".
    ``paired`` (name=array) must have one row per true label."""
    t = pd.Series(np.asarray(y_true, dtype=object).ravel())
    for name, a in paired.items():
        if a is not None and len(a) != len(t):
            raise InputError(f"{name} has {len(a)} rows for {len(t)} true labels (y_true); give one per row")
    return has_text(t)


def metrics(y_true, y_pred, *, proba=None, classes=None) -> dict:
    """accuracy, macro_f1, per_class {label: precision, recall, f1, support}, confusion
    (labels and matrix, rows = truth), n, and ece when probabilities are given. Rows whose true label is
    missing or blank are left out (as ``wbcs evaluate`` does): ``left_out`` counts them, ``n`` the rest."""
    keep = _labelled(y_true, y_pred=y_pred, proba=proba)
    y_true = np.asarray(y_true, dtype=object)[keep].astype(str)
    y_pred = np.asarray(y_pred, dtype=object)[keep].astype(str)
    if len(y_true) == 0:
        raise InputError("no rows to evaluate" + (f": all {len(keep)} true labels are missing" if len(keep) else ""))
    if proba is not None:
        proba = np.asarray(proba, dtype=float)[keep]
    labels = sorted(set(y_true) | set(y_pred) | set(map(str, classes if classes is not None else [])))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = [lab for lab in labels if lab in set(y_true)]
    out = {
        "n": int(len(y_true)),
        "left_out": int((~keep).sum()),
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
    n_boot = whole(n_boot, "n_boot", 1)
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups) for _ in range(n_boot)])


def group_codes(groups, keep: np.ndarray) -> tuple[np.ndarray, int]:
    """Each kept row's group as a code 0 … n_groups − 1, and n_groups: without ``groups`` each row is a group of its
    own, and so is a row whose group is missing (None, NaN, blank), as in ``splits.training_groups``."""
    if groups is None:
        n = int(keep.sum())
        return np.arange(n), n
    g = pd.Series(np.asarray(groups, dtype=object)[keep]).astype("string").str.strip()
    given = (g.notna() & g.ne("")).to_numpy()
    codes = np.empty(len(g), dtype=int)
    codes[given] = np.unique(g[given].to_numpy(dtype=str), return_inverse=True)[1]
    n_given = int(codes[given].max()) + 1 if given.any() else 0
    codes[~given] = n_given + np.arange(int((~given).sum()))
    return codes, n_given + int((~given).sum())


def bootstrap_ci(y_true, y_pred, *, groups=None, n_boot: int = 1000, level: float = 0.95, seed=0) -> dict:
    """Percentile bootstrap intervals of accuracy and macro-F1 (rows resampled with
    replacement, ``n_boot`` times, seeded): ``{"accuracy": [lo, hi], "macro_f1": [lo, hi]}``.
    With ``groups`` (one per row, e.g. each row's dialogue or thread), whole groups are resampled (a cluster
    bootstrap): rows of one group are not independent, and resampling them one by one narrows the interval as if
    they were. Macro-F1 of a resample averages over the classes present in its truth, as ``metrics``, and rows
    without a true label are left out as there."""
    keep = _labelled(y_true, y_pred=y_pred, groups=groups)
    q = _percentiles(level)
    (t, p), k = _codes(np.asarray(y_true, dtype=object)[keep], np.asarray(y_pred, dtype=object)[keep])
    group, n_groups = group_codes(groups, keep)
    acc, f1 = _resampled(_counts(t, p, group, n_groups, k), _draws(n_groups, n_boot, seed))
    return {"accuracy": np.percentile(acc, q).tolist(), "macro_f1": np.percentile(f1, q).tolist()}


def paired_bootstrap_delta(y_true, pred_a, pred_b, *, groups=None, n_boot: int = 1000, level: float = 0.95,
                           seed=0) -> dict:
    """How much better predictions ``pred_b`` are than ``pred_a`` on the same items, with a paired percentile
    bootstrap interval: both scored on the same resamples, so what the items share cancels out. With ``groups``
    (e.g. each item's dialogue), whole groups are resampled, as items of one dialogue are not independent.
    Returns {"macro_f1": {"delta", "ci"}, "accuracy": {"delta", "ci"}}; a ``ci`` that excludes 0 says the
    difference is more than the test items' luck of the draw. Rows without a true label are left out, as in
    ``metrics``."""
    keep = _labelled(y_true, pred_a=pred_a, pred_b=pred_b, groups=groups)
    q = _percentiles(level)
    (t, a, b), k = _codes(*(np.asarray(x, dtype=object)[keep] for x in (y_true, pred_a, pred_b)))
    group, n_groups = group_codes(groups, keep)
    draws = np.vstack([np.ones(n_groups), _draws(n_groups, n_boot, seed)])  # row 0: the items as they are
    acc_a, f1_a = _resampled(_counts(t, a, group, n_groups, k), draws)
    acc_b, f1_b = _resampled(_counts(t, b, group, n_groups, k), draws)
    return {name: {"delta": float(d[0]), "ci": np.percentile(d[1:], q).tolist()}
            for name, d in (("macro_f1", f1_b - f1_a), ("accuracy", acc_b - acc_a))}


def evaluate(model, texts, y, *, ci: bool = False, seed=0, kind=None) -> dict:
    """``metrics`` of a fitted model on texts with true labels (probabilities included);
    with ``ci``, also ``ci95``: bootstrap intervals of accuracy and macro-F1. ``kind``: the texts' kind of item (one,
    or one per text), for a model with a class bias of a kind's own (``baseline.predict_kinds``)."""
    proba = predict_kinds(model, texts, kind)
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
    whole(n_splits, "n_splits (folds)", 2)
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    classes = np.unique(y)
    oof = np.zeros((len(y), len(classes)))
    rows = []
    folds = group_folds(y, groups, n_splits=n_splits, seed=seed)
    for k, (tr, te) in enumerate(bar(folds, desc="cross-validation", leave=False)):
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


def learning_curve(estimator, texts, y, *, sizes=(100, 200, 500, 1000, 2000), groups=None, test=None,
                   repeats: int = 1, test_size: float = 0.2, seed=0, fit=None) -> pd.DataFrame:
    """Quality against the number of training labels, on one fixed test set.

    ``test``: (texts, labels) of a fixed test part to score every fit on (the gold set's: its dialogues are not among
    the training rows), or (texts, labels, kinds) to predict each as its kind of item as the held-out estimate does;
    without it, a hold-out of ``test_size`` that keeps ``groups`` whole. Each size takes
    ``repeats`` stratified random subsets of the training rows (seeded); sizes larger than the training rows are
    capped, and the whole set is drawn once. Returns one row per size: n_labels, accuracy, macro_f1, ece (means over
    the draws), macro_f1_sd and accuracy_sd (their spread: how much of a step is the luck of the subset) and draws;
    ``attrs["draws"]`` keeps every draw (a list of records). ``fit(estimator, texts, y)``: how a draw is fitted (default
    ``estimator.fit``), e.g. with a field's out-of-domain rows next to every subset.
    """
    from sklearn.model_selection import train_test_split

    if repeats < 1:
        raise InputError(f"repeats must be at least 1, got {repeats}")
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(str)
    if test is None:
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        tr, te = group_train_test_split(y, groups, test_size=test_size, seed=seed)
        test_texts, test_y, test_kinds = list(texts[te]), y[te], None
    else:
        tr = np.arange(len(y))
        test_texts, test_y = list(test[0]), np.asarray(test[1]).astype(str)
        test_kinds = None if len(test) < 3 or test[2] is None else np.asarray(test[2]).astype(str)
    rng = np.random.default_rng(seed)
    draws = []
    steps = [(n, d) for n in sorted({min(int(s), len(tr)) for s in sizes}) for d in range(repeats if n < len(tr) else 1)]
    for n, d in bar(steps, desc="learning curve", leave=False):
        if n < len(tr):
            sub, _ = train_test_split(tr, train_size=n, stratify=y[tr] if n >= len(np.unique(y[tr])) else None,
                                      random_state=int(rng.integers(2**31 - 1)))
        else:
            sub = tr
        if len(np.unique(y[sub])) < 2:
            continue
        model = (fit or _plain_fit)(clone(estimator), list(texts[sub]), y[sub])
        m = evaluate(model, test_texts, test_y, kind=test_kinds)
        draws.append({"n_labels": int(len(sub)), "draw": d, "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                      "ece": m["ece"]})
    draws = pd.DataFrame(draws, columns=["n_labels", "draw", "accuracy", "macro_f1", "ece"])
    by = draws.groupby("n_labels")
    curve = by[["accuracy", "macro_f1", "ece"]].mean().join(
        by[["macro_f1", "accuracy"]].std(ddof=1).fillna(0.0).add_suffix("_sd")).assign(draws=by.size()).reset_index()
    curve.attrs["draws"] = draws.to_dict("records")  # records, not a frame: pandas compares attrs when concatenating
    return curve


def _plain_fit(estimator, texts, y):
    return estimator.fit(texts, y)


def labels_to_reach(curve: pd.DataFrame, target: float, metric: str = "macro_f1", *, last: int = 3) -> dict:
    """How many training labels the curve's recent trend needs to reach ``target``: ``metric`` fitted as a straight
    line in log2(labels) through its ``last`` points (least squares), solved for ``target``. Returns n_labels (None
    when the trend does not rise), met (the last point reaches it), per_doubling (the slope), points and now (the
    last point's labels).

    A straight line in log(labels) is what a learning curve looks like over a few doublings; farther out curves flatten,
    so the count is a lower bound: the labels needed are at least this many."""
    c = curve.sort_values("n_labels").tail(last)
    if len(c) < 2:
        raise InputError(f"labels_to_reach needs at least 2 points of the curve, got {len(c)}")
    n_now = int(c["n_labels"].iloc[-1])
    slope, intercept = np.polyfit(np.log2(c["n_labels"].to_numpy(float)), c[metric].to_numpy(float), 1)
    met = bool(c[metric].iloc[-1] >= target)
    if met:
        n = n_now
    elif slope <= 0:
        n = None
    else:  # a line above the last point may cross the target before it: never fewer labels than today's
        n = max(n_now, int(np.ceil(2 ** ((target - intercept) / slope))))
    return {"n_labels": n, "met": met, "per_doubling": float(slope), "points": int(len(c)), "now": n_now}


def worst_confusions(y_true, y_pred, texts, *, top: int = 5, examples: int = 3, seed=0) -> pd.DataFrame:
    """The most frequent confusions (true → predicted, off the diagonal), each with its count,
    its share of the true class and a few PII-masked example texts (seeded choice). Rows without a true
    label are left out, as in ``metrics``."""
    from wbcs.text import mask_pii

    top, examples = whole(top, "top", 0), whole(examples, "examples", 0)
    texts = list(texts)
    keep = _labelled(y_true, y_pred=y_pred, texts=texts)
    y_true = np.asarray(y_true, dtype=object)[keep].astype(str)
    y_pred = np.asarray(y_pred, dtype=object)[keep].astype(str)
    texts = np.asarray(texts, dtype=object)[keep]
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


def more_labels_verdict(curve: pd.DataFrame, metric: str = "macro_f1", *, threshold: float = 0.01,
                        target: float | None = None) -> str:
    """What a learning curve says: the gain of ``metric`` over its last doubling of labels (or the last
    step), and whether more labels still pay (a gain above ``threshold`` per doubling). With ``target``, also how many
    labels the recent trend needs to reach it (``labels_to_reach``: a lower bound)."""
    c = curve.sort_values("n_labels")
    if len(c) < 2:
        return "too few points to tell"
    last, prev = c.iloc[-1], c.iloc[-2]
    doublings = np.log2(last["n_labels"] / prev["n_labels"]) or 1.0
    gain = (last[metric] - prev[metric]) / doublings
    verdict = "more labels still help" if gain > threshold else "more labels help little now"
    out = (f"{verdict}: {metric} {prev[metric]:.3f} → {last[metric]:.3f} from {int(prev['n_labels']):,} to "
           f"{int(last['n_labels']):,} labels ({gain:+.3f} per doubling)")
    if target is None:
        return out
    need = labels_to_reach(c, target, metric)
    if need["met"]:
        return f"{out}; the target {target:g} is met"
    if need["n_labels"] is None:
        return f"{out}; the trend of the last {need['points']} points does not rise: more labels alone will not reach {target:g}"
    return (f"{out}; at the trend of the last {need['points']} points ({need['per_doubling']:+.3f} per doubling) "
            f"{metric} {target:g} needs at least ~{need['n_labels']:,} labels ({need['n_labels'] / need['now']:.1f}× today's)")
