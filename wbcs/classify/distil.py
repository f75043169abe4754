"""A slow teacher's labels in the fast model, with cross-validation deciding whether they help.

The student is a field's chosen fast configuration (a ``TextClassifier``); it learns its own labelled rows
plus unlabelled in-domain texts (a *pool*) labelled by a teacher (e.g. the quality ensemble,
``embedding.EmbeddingEnsemble``), each pseudo-labelled row weighted ``weight`` × the teacher's top
probability, so an unsure label counts less. ``select_student`` scores students at a few weights against the
fast model alone by the trainer's grouped CV (``configs._Folds``) and its tolerance.

In every fold the teacher is refitted on that fold's training rows only. A teacher fitted once on every
labelled row (a saved model) would pass the validation rows' labels to the student through its pseudo-labels
and flatter it. For the same reason the teacher labels without its class bias (``unbiased``): that bias was
fitted on every training row, and cross-fitting one inside each fold would need a nested CV. Pseudo-labels are
hard (the teacher's top label): ``TextClassifier`` fits a logistic regression, which takes one label per row.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from wbcs.classify.baseline import TextClassifier, as_texts, bias_names, unbiased
from wbcs.errors import InputError

WEIGHTS = (0.25, 0.5, 1.0)  # a pseudo-labelled row's weight (× the teacher's confidence) against 1 for a labelled row


def pseudo_labels(teacher, pool, classes) -> tuple[np.ndarray, np.ndarray]:
    """The fitted ``teacher``'s top label on each pool text and its probability, restricted to ``classes``
    (a teacher's class the student's rows lack cannot be learnt by it)."""
    from wbcs.classify.embedding import spread_columns

    proba = spread_columns(teacher.predict_proba(as_texts(pool)), teacher.classes_, np.asarray(classes))
    return np.asarray(classes)[proba.argmax(axis=1)], proba.max(axis=1)


def fit_student(student, teacher, texts, y, pool, weight: float):
    """``student`` fitted on (texts, y) and the pool labelled by the fitted ``teacher``, each pool row
    weighted ``weight`` × the teacher's confidence. Returns the student with ``n_pseudo_`` set."""
    from wbcs.classify.train import fit_weighted

    y = np.asarray(y).astype(str)
    labels, conf = pseudo_labels(teacher, pool, np.unique(y))
    fit_weighted(student, [*as_texts(texts), *as_texts(pool)], np.concatenate([y, labels]),
                 np.concatenate([np.ones(len(y)), weight * conf]))
    student.n_pseudo_ = len(labels)
    return student


def select_student(fast: TextClassifier, teacher, texts, y, pool, *, groups=None, n_splits: int = 5, seed=0,
                   weights=WEIGHTS, tol: float | None = None, kinds=None, row_kinds=None,
                   own_bias_kinds=(), min_recall: dict | None = None) -> tuple[TextClassifier | None, float | None, pd.DataFrame]:
    """Whether ``fast`` (unfitted) gains from learning the unfitted ``teacher``'s labels on ``pool``, by grouped
    ``n_splits``-fold CV on (texts, y): returns the student (``fast`` with the student's class bias, unfitted;
    None when the fast model alone is kept), the chosen pool weight, and the CV table (config, macro_f1 ± sd,
    accuracy, ece, seconds, weight, chosen; ``attrs["cv_confusion"]``/``["cv_oof"]`` the chosen student's, as
    ``configs.select`` keeps them, for the card and the quantifiers).

    Rows: the fast model; the teacher without its class bias (``unbiased``; for reference, scored with a class
    bias cross-fitted on its out-of-fold probabilities, never chosen: it is the slow model); a student per
    weight. Each student is scored as the fast model is, with its class bias cross-fitted when ``fast`` has one. A
    student is chosen only when its fold-mean macro-F1 beats the fast model's by more than ``tol``
    (``configs.TOL``). ``kinds``: as ``configs.select`` (every row's kind of item: the kinds' mean macro-F1
    ranks). ``row_kinds`` and ``own_bias_kinds``: as in ``embedding.select_ensemble``: the fast model is scored
    with its kinds' own biases, and the chosen student learns its own (``configs.last_steps``). ``min_recall``:
    as ``configs.select``'s, met last by the chosen student (the fast model has its own already)."""
    from wbcs.classify.configs import TOL, Steps, _Folds, fold_count, last_steps, summary
    from wbcs.classify.embedding import spread_columns

    tol = TOL if tol is None else tol
    pool = as_texts(pool)
    if not pool:
        raise InputError("distillation: the pool of unlabelled texts is empty")
    texts, y = as_texts(texts), np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    base = unbiased(fast)
    # the pool rides along as out-of-domain rows: every fold's vocabulary is fitted on its rows and the pool,
    # as the student's own fit will be; the pool's labels are replaced per fold below
    folds = _Folds(base, texts, y, groups, fold_count(y, n_splits), seed, extra=(pool, np.full(len(pool), y[0])),
                   kinds=kinds)
    classes = np.unique(y)

    def scored(proba):
        return summary(folds.bias_scores(proba=proba)[0] if fast.class_bias else folds.fold_scores(proba))

    raw = {}  # each student's out-of-fold probabilities before any class bias

    k = len(folds.folds)
    # every fold's fit named as it starts (the teacher is the quality ensemble, refitted and reading the pool in each
    # fold): a distillation once showed only its phase's name, for minutes
    with Steps(1 + k * (1 + len(weights)) + 1, "distillation") as step:
        rows, t0 = [], time.perf_counter()
        step("fast model")
        folds.scores(base)
        rows.append({"config": "fast model" + bias_names(fast), **summary(folds.biased(folds.oof, fast, row_kinds)[0]),
                     "seconds": round(time.perf_counter() - t0, 1), "weight": None})
        t0 = time.perf_counter()
        teacher_oof, pseudo = np.zeros_like(folds.oof), []
        for n, (tr, te) in enumerate(folds.folds, 1):
            step(f"teacher, fold {n}/{k}")
            t = unbiased(teacher).fit([texts[i] for i in tr], y[tr])
            teacher_oof[te] = spread_columns(t.predict_proba([texts[i] for i in te]), t.classes_, classes)
            pseudo.append(pseudo_labels(t, pool, np.unique(y[tr])))
        rows.append({"config": "teacher (reference)", **summary(folds.bias_scores(proba=teacher_oof)[0]),
                     "seconds": round(time.perf_counter() - t0, 1), "weight": None})
        for w in weights:
            t0, oof = time.perf_counter(), np.zeros_like(folds.oof)
            for j, (tr, te) in enumerate(folds.folds):
                step(f"student: pool × {w:g}, fold {j + 1}/{k}")
                x_tr, x_te = folds.matrices(j, base, extra=True)
                labels, conf = pseudo[j]
                y_tr = np.concatenate([y[tr], labels])
                head = base._head(y_tr).fit(x_tr, y_tr, sample_weight=np.concatenate([np.ones(len(tr)), w * conf]))
                oof[np.ix_(te, np.searchsorted(classes, head.classes_))] = head.predict_proba(x_te)
            raw[w] = oof
            rows.append({"config": f"student: pool × {w:g} × teacher's confidence", **scored(oof),
                         "seconds": round(time.perf_counter() - t0, 1), "weight": w})
        students = [i for i, r in enumerate(rows) if r["weight"] is not None]
        best = students[int(np.argmax([rows[i]["macro_f1"] for i in students]))]
        chosen = best if rows[best]["macro_f1"] > rows[0]["macro_f1"] + tol else 0
        student = None
        if chosen:  # else the bar ends complete one step short (``Steps``)
            step(f"{rows[chosen]['config']}: its class biases and recall floors")
            w = float(rows[chosen]["weight"])
            bias = (folds.bias_scores(proba=raw[w])[1] or None) if fast.class_bias else None
            # the student's biases are its own: the fast model's kinds' biases were fitted on the fast model's
            # predictions
            student = clone(fast).set_params(class_bias=bias, kind_bias=None)
            t0 = time.perf_counter()

            def row(name, est, scores):
                return {"config": name, **summary(scores), "seconds": round(time.perf_counter() - t0, 1), "weight": w,
                        "params": {}}

            student, tried = last_steps(folds, student, raw[w], row_kinds, own_bias_kinds, min_recall,
                                        rows[chosen]["macro_f1"], tol, rows[chosen]["config"], row)
            for r, kept, _ in tried:
                rows.append(r)
                chosen = len(rows) - 1 if kept else chosen
    table = pd.DataFrame(rows)
    table["chosen"] = table.index == chosen
    table = table.astype(object).where(table.notna(), None)
    table.attrs.update(rows=int(len(y)), pool=len(pool), folds=len(folds.folds), tol=tol)
    if student is None:
        return None, None, table
    cv_confusion, cv_oof = folds.cv_record(raw[w], student.class_bias, kind_bias=student.kind_bias, kinds=row_kinds)
    table.attrs.update(cv_confusion=cv_confusion, cv_oof=cv_oof)
    return student, w, table
