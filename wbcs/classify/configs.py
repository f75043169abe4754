"""Choosing the classifier's configuration by grouped cross-validation, inside ``wbcs train``.

No single setting wins everywhere (BENCHMARKS.md): stronger regularisation suits a few
hundred gold posts, a large C suits 10,000 reviews, NB-LR and a soft vote gain on Weibo
sentiment and complaint orders, jieba words help formal agent wording and hurt Weibo
posts. So the trainer tries a small, documented set on the training rows and keeps the
best mean macro-F1 over grouped folds (near duplicates stay in one fold; when the rows carry kinds of
item, the mean over the kinds of each kind's macro-F1, so that a kind with few rows counts as much as one
with many):

| name | what |
|---|---|
| ``lr C=1`` / ``lr C=4`` / ``lr C=16`` | character 1–3-gram TF-IDF + logistic regression |
| ``nb-lr`` | the same features scaled by NB log-count ratios, one LR per class |
| ``vote`` | the mean of ``lr`` (at the best C) and ``nb-lr`` on the same features |
| ``lr+words`` / ``vote+words`` | + TF-IDF of jieba words (slower: ~4,000 posts/s) |

then, when the field has keyword lexicons (``lexicons``: e.g. the taxonomy's topic names, the
intents' question and thanks cues), the winner **with each lexicon as features**
(``lexicon.KeywordFeatures`` at the base's ``lexicon_weight``): the best kept when it gains
macro-F1 beyond ``tol``; then the winner with **character 1–2-grams** instead of 1–3 (``SHORTER_NGRAMS``), kept
when it gains beyond ``tol``; then **calibration** on or off for the winner (sigmoid,
cross-validated): kept when it lowers the folds' expected calibration error without costing
macro-F1; then a **class bias**
(``baseline.fit_class_bias``: per-class offsets of the log-probabilities that maximise
macro-F1, fitted on the other folds' out-of-fold predictions and scored on each fold): kept
when it gains macro-F1, which it does where rare classes are drowned by a common one; last, when
the field has **out-of-domain rows** (``extra``: e.g. SMP2020's sentiment labels next to the gold
set's), the winner fitted with them added to every fold's training part — never to a validation
fold, which holds only the field's own rows — at each domain weight (``EXTRA_WEIGHTS``: the own rows
count 1 or 3 times an out-of-domain row), its class bias refitted: kept when it gains macro-F1.

Candidates run in this order (cheap first) until the time budget is spent (a budget of 0: no limit); the ones
not tried are listed, and ``table.attrs["budget_cut"]`` says how many were tried: a choice the budget cut depends on
the machine's speed, so the card and ``wbcs train`` say so. A candidate must beat the best so far by more than ``tol`` macro-F1 to
replace it, so the simpler model wins ties. The whole table goes into the model card.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone

from wbcs import checks
from wbcs.classify.baseline import (
    TextClassifier,
    fit_class_bias,
    shift,
    shift_by_kind,
    unbiased,
    with_biases,
)
from wbcs.errors import InputError
from wbcs.progress import bar, finish

TOL = 0.002  # macro-F1: a more complex candidate must gain more than this to be chosen
# domain weights tried for out-of-domain rows (``select(extra=...)``): the own rows counted as 1 or 3 out-of-domain
# rows each; 3 is the weight bench_telecom --part sentiment_mix measured (gold ×3 + SMP2020), 1 the plain pool
EXTRA_WEIGHTS = (1, 3)
WORDS = ("lr+words", "vote+words")
# character n-gram orders tried on the winner instead of the base's (1–3): on the gold topic's training part (1,572
# first posts, 13 topics) 1–2 gained +0.019 ± 0.007 macro-F1 over 2 × 5 grouped folds (BENCHMARKS.md); a words
# candidate keeps its own
SHORTER_NGRAMS = ((1, 2),)


class Steps:
    """One bar over a run of named steps (``wbcs.progress.bar``: a terminal or a notebook, never a log): ``steps(name)``
    ends the step under way and names the next, so a long step shows what runs instead of a bar that seems stuck. As a
    context: a run that skipped steps it counted ends complete (``progress.finish``), one that failed closes as it
    stands (red in a notebook) before the error is said."""

    def __init__(self, total: int, desc: str):
        # no rate nor time left: steps differ in length by tenfold, so an estimate from the ones done says nothing
        self.meter = bar(total=total, desc=desc, unit="step", leave=False,
                         bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")
        self.started = False

    def __call__(self, name: str) -> None:
        if self.started:
            self.meter.update()
        self.started = True
        self.meter.set_postfix_str(name)

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, failed, *_) -> None:
        if failed:
            self.meter.close()
            return
        self.meter.update(self.started)
        finish(self.meter)


def candidates(base: TextClassifier, best_c: float = 4.0) -> dict[str, TextClassifier]:
    """The documented set, each a clone of ``base`` (its n-grams, vocabulary size, seed)
    with calibration off (decided afterwards)."""
    def with_(**p):
        return clone(base).set_params(calibration=None, **p)

    return {
        "lr C=1": with_(model="logreg", C=1.0, words=False),
        "lr C=4": with_(model="logreg", C=4.0, words=False),
        "lr C=16": with_(model="logreg", C=16.0, words=False),
        "nb-lr": with_(model="nb-logreg", C=4.0, words=False),
        "vote": with_(model="vote", C=best_c, words=False),
        "lr+words": with_(model="logreg", C=best_c, words=True),
        "vote+words": with_(model="vote", C=best_c, words=True),
    }


def summary(scores: list[dict]) -> dict:
    """A CV table row's figures from per-fold metrics: macro_f1 (mean, sd over folds), accuracy, ece."""
    f1 = np.array([m["macro_f1"] for m in scores])
    out = {"macro_f1": float(f1.mean()), "macro_f1_sd": float(f1.std(ddof=1)) if len(f1) > 1 else 0.0,
           "accuracy": float(np.mean([m["accuracy"] for m in scores])),
           "ece": float(np.mean([m["ece"] for m in scores]))}
    if "pooled_macro_f1" in scores[0]:  # macro_f1 is then the kinds' mean (``_Folds``)
        out["pooled_macro_f1"] = float(np.mean([m["pooled_macro_f1"] for m in scores]))
    return out


def _row(name: str, est, scores: list[dict], seconds: float) -> dict:
    return {"config": name, **summary(scores), "seconds": round(seconds, 1), "skipped": None,
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in est.get_params().items()
                       if k in ("model", "C", "words", "calibration", "class_bias", "ngram_range")}
            | {"lexicon": sorted(est.lexicon) if est.lexicon else None}}


def fold_count(y, n_splits: int) -> int:
    """``n_splits`` grouped folds, fewer when the smallest class has fewer rows (never under 2)."""
    return max(2, min(n_splits, int(pd.Series(y).value_counts().min())))


class _Folds:
    """The folds' feature matrices, built once and shared by every candidate.

    Why not ``cross_validate`` per candidate: the candidates differ only in the model on top of
    the features, and featurising (normalising, n-grams, jieba) is most of a fit's time; here
    each fold's character features (and, when a words candidate runs, its word features) are
    fitted once (measured on COCC: the 7-candidate search ~4x faster)."""

    def __init__(self, base: TextClassifier, texts, y, groups, n_splits: int, seed, extra=None, kinds=None):
        from wbcs.classify.splits import group_folds

        self.base, self.y = base, np.asarray(y).astype(str)
        # the kind of item of every row: with two kinds or more, a fold's macro_f1 is the kinds' mean
        # (``kind_mean_macro_f1``) and the pooled figure is kept as pooled_macro_f1; the class bias maximises the
        # same mean. One kind is the pooled case, so it is dropped here for select, the quality step and distillation
        kinds = None if kinds is None else np.asarray(kinds).astype(str)
        self.kinds = kinds if kinds is not None and len(np.unique(kinds)) > 1 else None
        self.texts = np.asarray(base._normalize(list(texts)), dtype=object)
        self.folds = group_folds(self.y, groups, n_splits=n_splits, seed=seed)
        # out-of-domain rows (texts, labels): appended to every fold's training part, never part of
        # the folds themselves, so no validation fold ever holds one
        ex_texts, ex_y = extra if extra is not None else ([], [])
        self.extra_texts = np.asarray(base._normalize(list(ex_texts)), dtype=object)
        self.extra_y = np.asarray(ex_y).astype(str)
        self._features: dict[tuple, tuple] = {}
        self._lexicon: dict[tuple, object] = {}
        self._scored: dict[str, tuple] = {}

    def _fit(self, k: int, words: bool, extra: bool, ngrams: tuple | None = None):
        """Fold k's (training, validation) features: character ``ngrams`` (the base's when None) or jieba
        ``words``; with ``extra`` the training rows are followed by the out-of-domain rows, and the
        vocabulary is fitted on both."""
        ngrams = tuple(ngrams or self.base.ngram_range) if not words else None
        if (k, words, extra, ngrams) not in self._features:
            tr, te = self.folds[k]
            union = (dict(clone(self.base).set_params(words=True)._features().transformer_list)["words"] if words
                     else clone(self.base).set_params(words=False, lexicon=None, ngram_range=ngrams)._features())
            x_tr = union.fit_transform(list(self.texts[tr]) + (list(self.extra_texts) if extra else []))
            self._features[k, words, extra, ngrams] = (x_tr, union.transform(list(self.texts[te])))
        return self._features[k, words, extra, ngrams]

    def _keywords(self, est: TextClassifier):
        """The lexicon columns of every row and of every out-of-domain row (a keyword search needs
        no fitting), one pair per lexicon."""
        from wbcs.classify.lexicon import KeywordFeatures

        key = (repr(sorted((k, tuple(v)) for k, v in dict(est.lexicon).items())), est.lexicon_weight)
        if key not in self._lexicon:
            f = KeywordFeatures(dict(est.lexicon), weight=est.lexicon_weight).fit(self.texts)
            self._lexicon[key] = (f.transform(self.texts).tocsr(), f.transform(self.extra_texts).tocsr())
        return self._lexicon[key]

    def matrices(self, k: int, est: TextClassifier, extra: bool = False):
        x_tr, x_te = self._fit(k, False, extra, est.ngram_range)
        if est.lexicon:
            kw, kw_extra = self._keywords(est)
            tr, te = self.folds[k]
            kw_tr = sp.vstack([kw[tr], kw_extra]) if extra else kw[tr]
            x_tr, x_te = sp.hstack([x_tr, kw_tr]).tocsr(), sp.hstack([x_te, kw[te]]).tocsr()
        if est.words:
            w_tr, w_te = self._fit(k, True, extra)
            x_tr, x_te = sp.hstack([x_tr, w_tr]).tocsr(), sp.hstack([x_te, w_te]).tocsr()
        return x_tr, x_te

    def _metrics(self, te: np.ndarray, proba: np.ndarray, classes) -> dict:
        """The metrics of probabilities ``proba`` (columns ``classes``) on the rows ``te``."""
        from wbcs.classify.evaluate import kind_mean_macro_f1, metrics

        classes = np.asarray(classes)
        pred = classes[proba.argmax(axis=1)]
        out = metrics(self.y[te], pred, proba=proba, classes=classes)
        if self.kinds is not None:
            out["pooled_macro_f1"] = out["macro_f1"]
            out["macro_f1"] = kind_mean_macro_f1(self.y[te], pred, self.kinds[te])
        return out

    def scores(self, est: TextClassifier, weight: float | None = None) -> list[dict]:
        """Per fold, the metrics of ``est`` fitted on the other folds (and, with a domain ``weight``,
        on the out-of-domain rows too, each fold's own rows weighted ``weight`` against 1 for an
        out-of-domain row); ``self.oof`` keeps the out-of-fold probabilities (columns
        ``self.classes``) of the last estimator scored."""
        key = repr((sorted(est.get_params().items()), weight))
        if key in self._scored:  # the chosen one is scored again for its bias and confusion
            out, self.oof = self._scored[key]
            return out
        self.classes = np.unique(self.y)
        self.oof = np.zeros((len(self.y), len(self.classes)))
        out = []
        for k, (tr, te) in enumerate(self.folds):
            x_tr, x_te = self.matrices(k, est, extra=weight is not None)
            if weight is None:
                head = est._head(self.y[tr]).fit(x_tr, self.y[tr])
            else:
                y_tr = np.concatenate([self.y[tr], self.extra_y])
                w = np.concatenate([np.full(len(tr), float(weight)), np.ones(len(self.extra_y))])
                head = est._head(y_tr).fit(x_tr, y_tr, sample_weight=w)
            proba = head.predict_proba(x_te)
            self.oof[np.ix_(te, np.searchsorted(self.classes, head.classes_))] = proba
            out.append(self._metrics(te, proba, head.classes_))
        self._scored[key] = (out, self.oof)
        return out

    def fold_scores(self, proba: np.ndarray) -> list[dict]:
        """Per fold, the metrics of out-of-fold probabilities ``proba`` (columns ``self.classes``) on its rows."""
        return [self._metrics(te, proba[te], self.classes) for _, te in self.folds]

    def bias_scores(self, kinds=None, proba: np.ndarray | None = None) -> tuple[list[dict], dict]:
        """Cross-fitted class biases on out-of-fold probabilities (``proba``, by default the last estimator's
        ``self.oof``): per fold, the metrics with the bias fitted on the other folds' predictions; and the bias
        fitted on all. ``self.biased_oof`` keeps the cross-fitted shifted probabilities.

        ``kinds``: the kind of item of every row (e.g. telecom first post, follow-up turn): one bias per
        kind (``fit_kind_bias``), and the bias fitted on all is then {kind: bias}. Without it, one bias for
        every row, fitted for the folds' own score (with ``self.kinds``, the kinds' mean macro-F1)."""
        proba = self.oof if proba is None else proba
        one = kinds is None
        kinds = np.full(len(self.y), "") if one else np.asarray(kinds).astype(str)
        def fit(rows):
            if one:
                return {"": fit_class_bias(proba[rows], self.y[rows], self.classes,
                                           kinds=None if self.kinds is None else self.kinds[rows])}
            return fit_kind_bias(proba[rows], self.y[rows], self.classes, kinds[rows])

        self.biased_oof = np.zeros_like(proba)
        for _, te in self.folds:
            self.biased_oof[te] = shift_by_kind(proba[te], self.classes, fit(np.setdiff1d(np.arange(len(self.y)), te)),
                                                kinds[te])
        biases = fit(np.arange(len(self.y)))
        return self.fold_scores(self.biased_oof), biases[""] if one else biases

    def kind_scores(self, proba: np.ndarray, kinds, kind: str) -> list[float]:
        """Per fold, the macro-F1 of out-of-fold probabilities ``proba`` on the fold's rows of kind ``kind``
        (``kinds``: every row's)."""
        from wbcs.classify.evaluate import kind_mean_macro_f1

        kinds = np.asarray(kinds).astype(str)
        return [kind_mean_macro_f1(self.y[te][kinds[te] == kind], self.classes[proba[te].argmax(axis=1)][kinds[te] == kind],
                                   kinds[te][kinds[te] == kind]) for _, te in self.folds if (kinds[te] == kind).any()]

    def own_bias(self, plain: np.ndarray, current: np.ndarray, row_kinds, kind: str) -> tuple[dict, np.ndarray, float, float]:
        """A class bias of kind ``kind``'s own on out-of-fold probabilities ``plain`` (before any bias), cross-fitted
        on that kind's rows of the other folds; its rows replace theirs in ``current`` (the same probabilities after
        the model's other biases). Returns (the bias fitted on all that kind's rows, the result, that kind's
        fold-mean macro-F1 with it, its gain over ``current``)."""
        row_kinds = np.asarray(row_kinds).astype(str)
        _, biases = self.bias_scores(kinds=np.where(row_kinds == kind, kind, ""), proba=plain)
        after = np.where((row_kinds == kind)[:, None], self.biased_oof, current)
        f1 = float(np.mean(self.kind_scores(after, row_kinds, kind)))
        return biases[kind], after, f1, f1 - float(np.mean(self.kind_scores(current, row_kinds, kind)))

    def biased(self, plain: np.ndarray, est, row_kinds=None) -> tuple[list[dict], np.ndarray]:
        """Per fold, the metrics of ``est``'s biases on its out-of-fold probabilities ``plain`` (before any bias),
        each cross-fitted as the step that chose it fitted it: its class bias on every row, then each kind of its
        ``kind_bias`` (with ``row_kinds``, every row's kind) its own; and those probabilities."""
        current = plain
        if getattr(est, "class_bias", None):
            self.bias_scores(proba=plain)
            current = self.biased_oof.copy()
        for kind in (getattr(est, "kind_bias", None) or {}) if row_kinds is not None else ():
            current = self.own_bias(plain, current, row_kinds, kind)[1]
        return self.fold_scores(current), current

    def cv_record(self, proba: np.ndarray, bias: dict | None, aligned: bool = True, kind_bias: dict | None = None,
                  kinds=None) -> tuple[dict, dict]:
        """The card's (``cv_confusion``, ``cv_oof``) of a chosen model: its out-of-fold probabilities before
        any class bias (``proba``) shifted by its ``bias`` (rows of a kind in ``kind_bias``, by that kind's:
        ``kinds`` gives every row's). ``cv_oof`` keeps them with each row's fold: the
        trainer chooses a quantifier per kind of item on them (``wbcs.kpi.quantify.card_entry``); ``aligned``
        False says the rows are not the input's (a subsample)."""
        from sklearn.metrics import confusion_matrix

        proba = with_biases(proba, self.classes, bias, kind_bias, kinds)
        labels = [str(c) for c in self.classes]
        fold = np.zeros(len(self.y), dtype=int)
        for k, (_, te) in enumerate(self.folds):
            fold[te] = k
        confusion = confusion_matrix(self.y, self.classes[proba.argmax(axis=1)], labels=self.classes).tolist()
        return ({"labels": labels, "matrix": confusion},
                {"labels": labels, "proba": proba.tolist(), "y": self.y.tolist(), "fold": fold.tolist(), "bias": bias,
                 "aligned": aligned, **({"kind_bias": kind_bias, "kind": np.asarray(kinds).astype(str).tolist()}
                                        if kind_bias else {})})


def own_bias_step(folds: _Folds, chosen, plain: np.ndarray, row_kinds, own_bias_kinds, score: float, tol: float,
                  name: str, row) -> tuple[object, list[tuple[dict, bool, object]]]:
    """The trainer's last step on a chosen estimator with a ``kind_bias`` parameter (``select``, the quality
    ensemble, a distilled student): ``chosen`` (out-of-fold probabilities ``plain`` before any bias; ``score`` its
    fold-mean ranking score; ``name`` its row's name) tried with a class bias of each kind's own, for every kind
    of ``own_bias_kinds`` that is some but not all of ``row_kinds`` (a kind that is every row has the class bias
    for its own). Kept when that kind's fold-mean macro-F1 gains beyond ``tol`` and the ranking score falls by no
    more than ``tol``. Returns (the chosen estimator, [(its row: ``row(name, est, fold metrics)`` with
    kind_macro_f1 and kind_gain, kept, estimator) per kind tried])."""
    tried = []
    if row_kinds is None:
        return chosen, tried
    row_kinds = np.asarray(row_kinds).astype(str)
    current = folds.biased(plain, chosen, row_kinds)[1]
    for kind in [k for k in own_bias_kinds if 0 < (row_kinds == k).sum() < len(row_kinds)]:
        bias, after, f1, gain = folds.own_bias(plain, current, row_kinds, kind)
        est = clone(chosen).set_params(kind_bias={**(chosen.kind_bias or {}), kind: bias})
        name = f"{name} + own class bias of {kind}"
        r = {**row(name, est, folds.fold_scores(after)), "kind_macro_f1": f1, "kind_gain": gain}
        r["params"]["kind_bias"] = est.kind_bias
        kept = gain > tol and r["macro_f1"] >= score - tol
        tried.append((r, kept, est))
        if kept:
            chosen, current, score = est, after, r["macro_f1"]
    return chosen, tried


# offsets tried for a recall floor (``recall_floor_step``), smallest first: the class bias's step (0.25, ``BIAS_GRID``),
# up to a shift that makes almost any row the floored class
FLOOR_GRID = tuple(np.arange(0.0, 6.01, 0.25))
FLOOR_MIN_SUPPORT = 10  # a kind of item is held to a floor on its own when it has at least this many rows of the class


def floor_offset(proba: np.ndarray, y, classes, label: str, floor: float, kinds=None) -> float:
    """The smallest offset of ``FLOOR_GRID`` that, added to ``label``'s log-probability, gives ``label`` a recall of
    at least ``floor`` on the rows (``proba``, ``y``), and on each kind of item of ``kinds`` (one per row) that has
    at least ``FLOOR_MIN_SUPPORT`` rows of it; the largest offset when none does. Raising one class's
    log-probability only adds rows predicted as it, so recall grows with the offset and the smallest offset that
    meets the floor costs the other classes the least."""
    classes = np.asarray(classes).astype(str)
    j = int(np.flatnonzero(classes == label)[0])
    truth = np.asarray(y).astype(str) == label
    if not truth.any():
        return 0.0
    kinds = np.full(len(truth), "") if kinds is None else np.asarray(kinds).astype(str)
    parts = [truth, *(truth & (kinds == k) for k in np.unique(kinds) if (truth & (kinds == k)).sum() >= FLOOR_MIN_SUPPORT)]
    logp = np.log(np.clip(proba, 1e-12, None))
    for d in FLOOR_GRID:
        logp_d = logp.copy()
        logp_d[:, j] += d
        hit = logp_d.argmax(axis=1) == j
        if all(hit[p].mean() >= floor for p in parts):
            return float(d)
    return float(FLOOR_GRID[-1])


def check_floors(floors: dict | None, labels) -> dict[str, float]:
    """``min_recall`` as {label: floor}: every label one of ``labels`` (the training rows'), every floor in (0, 1]."""
    labels = sorted(set(map(str, labels)))
    out = {}
    for label, floor in (floors or {}).items():
        if str(label) not in labels:
            raise InputError(f"min_recall: label {label!r} is not among the training rows' labels ({', '.join(labels)})")
        if not 0 < float(floor) <= 1:
            raise InputError(f"min_recall: the floor of {label!r} is {floor}; give a recall in (0, 1], e.g. 0.6")
        out[str(label)] = float(floor)
    return out


def recall_floor_step(folds: _Folds, chosen, plain: np.ndarray, row_kinds, floors: dict | None, name: str,
                      row) -> tuple[object, dict | None]:
    """The trainer's very last step when the user sets a **recall floor** (``min_recall``: {label: recall}), e.g.
    consultations, where a missed question is a customer left unanswered: to each set of rows that share one bias
    of ``chosen`` (each kind of its ``kind_bias``, and the rest, which take its class bias) the smallest extra
    offset of the label's log-probability that gives it that recall on the set's out-of-fold rows and on each of
    its kinds of item (``row_kinds``; ``floor_offset``). Cross-fitted as the class bias is (each fold shifted by the
    offset fitted on the other folds), so the row's figures are what the floor costs and gains on rows it was not
    fitted on; the estimator's offsets are fitted on all rows. Always kept: a floor is a requirement, not a
    candidate. Floors are met in the order given (raising one class can lower another's recall).

    Returns (the estimator with the offsets added to its biases, its row: ``row(name, est, fold metrics)`` with
    ``floor_recall``: {label: {kind: {"before": out-of-fold recall, "after": the same with the floor}}}; kind "" when
    the rows have no kinds), or (``chosen``, None) without floors."""
    floors = check_floors(floors, folds.y)
    if not floors:
        return chosen, None
    y, classes = folds.y, np.asarray(folds.classes).astype(str)
    kinds = np.full(len(y), "") if row_kinds is None else np.asarray(row_kinds).astype(str)
    current = folds.biased(plain, chosen, None if row_kinds is None else kinds)[1]
    kind_bias = {k: dict(v) for k, v in (getattr(chosen, "kind_bias", None) or {}).items()}
    class_bias = dict(getattr(chosen, "class_bias", None) or {})
    before = classes[current.argmax(axis=1)]
    own = [k for k in kind_bias if (kinds == k).any()]
    sets = [(kind_bias[k], kinds == k) for k in own] + [(class_bias, ~np.isin(kinds, own))]
    for label, floor in floors.items():
        shifted = current.copy()
        for bias, rows in [(b, r) for b, r in sets if r.any()]:
            for _, te in folds.folds:
                fit_rows = rows.copy()
                fit_rows[te] = False
                d = floor_offset(current[fit_rows], y[fit_rows], classes, label, floor, kinds[fit_rows])
                part = te[rows[te]]
                shifted[part] = shift(current[part], classes, {label: d})
            d = floor_offset(current[rows], y[rows], classes, label, floor, kinds[rows])
            if d:
                bias[label] = round(bias.get(label, 0.0) + d, 4)
        current = shifted
    est = clone(chosen).set_params(class_bias=class_bias or None, **({"kind_bias": kind_bias} if kind_bias else {}))
    after = classes[current.argmax(axis=1)]
    recall = {label: {str(k): {"before": float((before[m] == label).mean()), "after": float((after[m] == label).mean())}
                      for k in np.unique(kinds) if (m := (y == label) & (kinds == k)).any()} for label in floors}
    floors_name = ", ".join(f"{label} ≥ {floor:g}" for label, floor in floors.items())
    r = {**row(f"{name} + recall floor {floors_name}", est, folds.fold_scores(current)), "floor_recall": recall}
    r["params"] = {**r.get("params", {}), "class_bias": est.class_bias, "kind_bias": getattr(est, "kind_bias", None)}
    return est, r


def last_steps(folds: _Folds, chosen, plain: np.ndarray, row_kinds, own_bias_kinds, min_recall: dict | None,
               score: float, tol: float, name: str, row) -> tuple[object, list[tuple[dict, bool, object]]]:
    """The trainer's last steps on a chosen estimator (``select``, the quality ensemble, a distilled student): its
    kinds' own class biases (``own_bias_step``), then the recall floors of ``min_recall`` on what that kept
    (``recall_floor_step``). Returns (the chosen estimator, [(row, kept, estimator)] per row tried; the floor's row
    is always kept)."""
    chosen, tried = own_bias_step(folds, chosen, plain, row_kinds, own_bias_kinds, score, tol, name, row)
    name = next((r["config"] for r, kept, _ in reversed(tried) if kept), name)
    chosen, r = recall_floor_step(folds, chosen, plain, row_kinds, min_recall, name, row)
    return chosen, tried + ([(r, True, chosen)] if r is not None else [])


def fit_kind_bias(proba: np.ndarray, y, classes, kinds) -> dict[str, dict]:
    """One class bias per kind of item ({kind: {label: offset}}), each fitted (``fit_class_bias``) on
    that kind's rows only, so it maximises the macro-F1 of that kind alone."""
    y, kinds = np.asarray(y).astype(str), np.asarray(kinds).astype(str)
    return {str(k): fit_class_bias(proba[kinds == k], y[kinds == k], classes) for k in np.unique(kinds)}


def select(texts, y, *, groups=None, base: TextClassifier | None = None, budget: float = 600.0,
           n_splits: int = 5, words: bool = True, max_rows: int | None = 20_000, seed=0,
           tol: float = TOL, lexicons: dict | None = None, extra: tuple | None = None,
           extra_name: str = "extra data", extra_weights=EXTRA_WEIGHTS, kinds=None, weigh_kinds: bool = True,
           own_bias_kinds=(), min_recall: dict | None = None) -> tuple[TextClassifier, pd.DataFrame]:
    """The chosen (unfitted) estimator and the table of every candidate: config, macro_f1
    (mean ± sd over folds), accuracy, ece, seconds, params, chosen, and ``skipped`` (why a
    candidate was not tried: the ``budget`` in seconds was spent, or ``words=False``). The first candidate is always
    tried; a ``budget`` of 0 sets no limit. When the budget left some out, ``table.attrs["budget_cut"]`` is {"tried":
    the rows scored, "of": those and the rows the budget left out, "skipped": their names}: the choice then depends
    on the machine's speed (the same data and seed choose the same anywhere only with a budget none reaches).

    ``lexicons``: {name: {label: [keyword, ...]}}, each tried as keyword features on the
    winning configuration (row "<winner> + <name>").

    ``extra``: (texts, labels) of out-of-domain rows, e.g. SMP2020's for the gold sentiment. Last, the
    chosen configuration is scored with them added to every fold's training part (never to a
    validation fold: the folds are made of the training rows alone), at each domain weight of
    ``extra_weights`` (row "<chosen> + <extra_name> (own rows ×k)"), and kept when it gains beyond
    ``tol``; ``table.attrs["extra"]["chosen_weight"]`` is the weight chosen (None: the rows alone).

    ``kinds``: the kind of item of every row (e.g. telecom first post, later message). With two kinds or more,
    every figure above is the **mean over the kinds of each kind's macro-F1** (the pooled one is kept as
    ``pooled_macro_f1``), and the class bias maximises the same mean: a kind that is a small part of the
    training rows counts as much as a large one (``table.attrs["score"]`` says which score ranked). With
    ``weigh_kinds=False`` the kinds rank nothing: they serve ``own_bias_kinds`` only.

    ``own_bias_kinds``: kinds of item (of ``kinds``) each tried last with a **class bias of its own** (row
    "<chosen> + own class bias of <kind>"): fitted on that kind's out-of-fold rows only (cross-fitted, as the
    class bias), the other rows keeping the chosen bias. Kept (the estimator's ``kind_bias``, used when
    ``predict_proba`` is told the kind) when that kind's fold-mean macro-F1 gains beyond ``tol`` and the ranking
    score falls by no more than ``tol``: a telecom first post asks differently from a follow-up turn, and one bias
    fitted on all rows, mostly follow-up turns, under-calls its consultations (BENCHMARKS.md, "A bias of telecom
    first posts' own"). The row's ``kind_macro_f1`` is that kind's figure, ``kind_gain`` its gain.

    ``min_recall``: {label: recall}, a **recall floor** for each label given, met last (``recall_floor_step``: the
    smallest extra offset of the label that reaches the floor out of fold, on every set of rows that shares a bias
    and on each kind of item): row "<chosen> + recall floor <label> ≥ <recall>", always kept, its ``floor_recall``
    the out-of-fold recall per kind of item.

    ``max_rows``: select on a stratified subsample of this many rows (the chosen
    configuration is then fitted on all of them)."""
    from wbcs.classify.train import subsample

    floors = check_floors(min_recall, y)
    if not checks.is_number(budget) or budget < 0:  # nan passed '< 0', and 'spent' below is never true for it
        raise InputError(f"budget {budget!r}: give the seconds for choosing the configuration (0: no limit)")
    base = base if base is not None else TextClassifier(random_state=seed)
    data = pd.DataFrame({"text": list(texts), "label": np.asarray(y).astype(str),
                         "group": np.arange(len(y)) if groups is None else np.asarray(groups),
                         "kind": "" if kinds is None else np.asarray(kinds).astype(str)})
    data = subsample(data, max_rows, seed)
    n_splits = fold_count(data["label"], n_splits)
    started = time.perf_counter()
    folds = _Folds(base, data["text"], data["label"], data["group"].to_numpy(), n_splits, seed, extra=extra,
                   kinds=data["kind"].to_numpy() if weigh_kinds else None)
    rows, best, best_name = [], None, None
    row_kinds = data["kind"].to_numpy() if kinds is not None else None
    own_kinds = own_bias_kinds if kinds is not None else ()

    def spent() -> bool:
        """The time budget is spent (never with a budget of 0, never before a first candidate is scored)."""
        return 0 < budget < time.perf_counter() - started and best is not None

    cut = f"time budget ({budget:g} s) spent"
    # every step below is one on the bar, named as it starts (the n-gram step is counted even where a words winner
    # skips it): the candidates are a third of a selection's time, and the steps after them were once run unseen
    with Steps(len(candidates(base)) + len(lexicons or {}) + len([g for g in SHORTER_NGRAMS if g[1] < base.ngram_range[1]])
               + bool(base.calibration) + 1 + (len(extra_weights) if extra is not None else 0)
               + bool(own_kinds or floors), "choosing a configuration") as step:
        for name in candidates(base):
            step(name)
            best_c = next((r["params"]["C"] for r in sorted(rows, key=lambda r: -r.get("macro_f1", -1))
                           if r["config"].startswith("lr C=")), 4.0)
            est = candidates(base, best_c)[name]
            if name in WORDS and not words:
                rows.append({"config": name, "skipped": "words off (prediction speed)"})
                continue
            if spent():
                rows.append({"config": name, "skipped": cut})
                continue
            t0 = time.perf_counter()
            rows.append(_row(name, est, folds.scores(est), time.perf_counter() - t0))
            if best is None or rows[-1]["macro_f1"] > rows[best]["macro_f1"] + tol:
                best, best_name = len(rows) - 1, name
        chosen = candidates(base, rows[best]["params"]["C"])[best_name]
        def gains(name: str, est) -> bool:
            """Row ``name`` scores ``est`` (or says it was skipped once the budget is spent); True when it beats the
            best row so far by more than ``tol``."""
            step(name)
            if spent():
                rows.append({"config": name, "skipped": cut})
                return False
            t0 = time.perf_counter()
            rows.append(_row(name, est, folds.scores(est), time.perf_counter() - t0))
            return rows[-1]["macro_f1"] > rows[best]["macro_f1"] + tol

        # keyword lexicons: each on the winner, the best kept when it gains beyond tol
        head = chosen
        for lex_name, lexicon in (lexicons or {}).items():
            est = clone(head).set_params(lexicon=dict(lexicon))
            if gains(f"{best_name} + {lex_name}", est):
                chosen, best = est, len(rows) - 1
        # shorter character n-grams on the winner: fewer, denser features, which a few hundred rows per class fill
        for ngrams in [g for g in SHORTER_NGRAMS if g[1] < base.ngram_range[1] and not chosen.words]:
            est = clone(chosen).set_params(ngram_range=ngrams)
            if gains(f"{rows[best]['config']} + character {ngrams[0]}–{ngrams[1]}-grams", est):
                chosen, best = est, len(rows) - 1
        cal_name = f"{rows[best]['config']} + {base.calibration} calibration"
        # calibration: kept when it lowers ECE without costing macro-F1 (beyond tol)
        if base.calibration:
            step(cal_name)
            if spent():
                rows.append({"config": cal_name, "skipped": cut})
            else:
                cal = clone(chosen).set_params(calibration=base.calibration)
                t0 = time.perf_counter()
                rows.append(_row(cal_name, cal, folds.scores(cal), time.perf_counter() - t0))
                if rows[-1]["ece"] < rows[best]["ece"] and rows[-1]["macro_f1"] >= rows[best]["macro_f1"] - tol:
                    chosen, best = cal, len(rows) - 1
        # class bias for macro-F1: kept when its cross-fitted gain is real (beyond tol)
        base_row = best
        step(f"{rows[best]['config']} + class bias")
        if not spent():
            folds.scores(chosen)
            t0 = time.perf_counter()
            scores, bias = folds.bias_scores()
            biased = clone(chosen).set_params(class_bias=bias or None)
            rows.append(_row(f"{rows[best]['config']} + class bias", biased, scores, time.perf_counter() - t0))
            if rows[-1]["macro_f1"] > rows[best]["macro_f1"] + tol:
                chosen, best = biased, len(rows) - 1
        else:
            rows.append({"config": f"{rows[best]['config']} + class bias", "skipped": cut})
        weight, biased = None, bool(chosen.class_bias)
        for w in extra_weights if extra is not None else ():
            # out-of-domain rows on the chosen configuration, at each domain weight; its class bias (when it
            # has one) refitted on the new out-of-fold predictions, since the extra rows shift the priors
            name = f"{rows[base_row]['config']} + {extra_name} (own rows ×{w:g})" + (" + class bias" if biased else "")
            step(name)
            if spent():
                # its weight kept, as a scored row's: the card says which weights were never tried (card.extra_outcome)
                rows.append({"config": name, "skipped": cut, "params": {"extra_weight": w}})
                continue
            t0 = time.perf_counter()
            est = unbiased(chosen)
            scores = folds.scores(est, weight=w)
            if biased:
                scores, bias = folds.bias_scores()
                est = clone(est).set_params(class_bias=bias or None)
            rows.append(_row(name, est, scores, time.perf_counter() - t0))
            rows[-1]["params"]["extra_weight"] = w
            if rows[-1]["macro_f1"] > rows[best]["macro_f1"] + tol:
                chosen, best, weight = est, len(rows) - 1, w
        if own_kinds or floors:
            step(f"{rows[best]['config']} + " + ("own class bias" if own_kinds else "recall floor"))
        if own_kinds and spent():
            rows.append({"config": f"{rows[best]['config']} + own class bias", "skipped": cut})
            own_kinds = ()
        if own_kinds or floors:  # a floor is a requirement, so never skipped for the budget (it fits no model)
            t0 = time.perf_counter()
            folds.scores(unbiased(chosen), weight=weight)
            chosen, tried = last_steps(folds, chosen, folds.oof.copy(), row_kinds, own_kinds, floors,
                                       rows[best]["macro_f1"], tol, rows[best]["config"],
                                       lambda n, e, s: _row(n, e, s, time.perf_counter() - t0))
            for r, kept, _ in tried:
                rows.append(r)
                best = len(rows) - 1 if kept else best
    # the chosen model's out-of-fold confusion (what wbcs.kpi.quantify corrects shares with) and probabilities
    folds.scores(unbiased(chosen), weight=weight)
    cv_confusion, cv_oof = folds.cv_record(folds.oof, chosen.class_bias, aligned=len(data) == len(y),
                                           kind_bias=chosen.kind_bias, kinds=row_kinds)
    table = pd.DataFrame(rows)
    table["chosen"] = np.arange(len(table)) == best
    table = table.astype(object).where(table.notna(), None)
    score = (f"mean over kinds of item of each kind's macro-F1 ({', '.join(np.unique(folds.kinds))})"
             if folds.kinds is not None else "macro-F1")
    table.attrs.update(rows=int(len(data)), folds=n_splits, budget=budget, score=score, cv_confusion=cv_confusion,
                       cv_oof=cv_oof)
    if left_out := [r["config"] for r in rows if r.get("skipped") == cut]:
        tried = sum(not r.get("skipped") for r in rows)
        table.attrs.update(budget_cut={"tried": tried, "of": tried + len(left_out), "skipped": left_out})
    if extra is not None:
        table.attrs.update(extra={"name": extra_name, "rows": int(len(folds.extra_y)),
                                  "weights": [float(w) for w in extra_weights], "chosen_weight": weight})
    return chosen, table
