"""Tried for the topic, not kept (BENCHMARKS.md, "Two more ways to read the topic"): on the training part only, the
trainer's grouped 5-fold CV (two fold seeds), wbcs-default/12's topic configuration (class bias left out, its
written posts at the card's weight) against (a) the same with pairwise co-occurrence columns of the taxonomy's
keyword lexicon (宽带 and 资费 in one post: a linear model cannot AND two columns) and (b) other linear heads on the
same features: a linear SVM (sigmoid-calibrated margins), ComplementNB, one-vs-rest logistic regressions.

    PYTHONPATH=. .venv/bin/python -W ignore benchmarks/tried/topic_heads.py
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

import wbcs.classify.lexicon as lx
from benchmarks.bench_telecom import _fold_mean_f1, _oof_fast
from wbcs.classify import load_model
from wbcs.classify.baseline import TextClassifier, unbiased
from wbcs.classify.tasks import load_task
from wbcs.classify.train import card_extra

PAIRS = {"weight": 0.0}
_transform, _head = lx.KeywordFeatures.transform, TextClassifier._head


def transform(self, texts):  # the lexicon's columns, and each pair of them ANDed at PAIRS["weight"]
    if not PAIRS["weight"]:
        return _transform(self, texts)
    _, hits = lx.keyword_hits(texts, self.lexicon or {})
    i, j = np.triu_indices(hits.shape[1], 1)
    return sp.csr_matrix(np.hstack([hits * self.weight, (hits[:, i] & hits[:, j]) * PAIRS["weight"]]).astype(float))


def head(self, y):
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    if self.model == "svm":
        return CalibratedClassifierCV(LinearSVC(C=self.C, class_weight=self.class_weight, max_iter=5000),
                                      method="sigmoid", ensemble=False, cv=folds)
    if self.model == "cnb":
        return ComplementNB(alpha=self.C)
    if self.model == "ovr":
        return CalibratedClassifierCV(OneVsRestClassifier(LogisticRegression(C=self.C, class_weight=self.class_weight,
                                                                             solver="liblinear")),
                                      method="sigmoid", ensemble=False, cv=folds)
    return _head(self, y)


lx.KeywordFeatures.transform, TextClassifier._head = transform, head
shipped = load_model("models/wbcs-default/12")
task = load_task("gold_topic", seed=0)
written, weight = card_extra(shipped, "topic", task, 0)
extra = (written["text"].tolist(), np.asarray(list(written["label"]), dtype=object), [1 / weight] * len(written))
base = unbiased(shipped.models["topic"])
variants = {"shipped": (base, 0.0)} | {f"+ lexicon pairs ×{w}": (base, w) for w in (0.1, 0.15, 0.3)}
variants |= {f"svm C={c}": (clone(base).set_params(model="svm", C=c), 0.0) for c in (0.1, 0.3, 1.0, 3.0, 10.0)}
variants |= {f"complement NB alpha={a}": (clone(base).set_params(model="cnb", C=a, calibration=None), 0.0)
             for a in (0.1, 0.3, 1.0)}
variants["one-vs-rest LR C=4"] = (clone(base).set_params(model="ovr", C=4.0), 0.0)
for fold_seed in (0, 1):
    for name, (est, w) in variants.items():
        PAIRS["weight"] = w
        proba, classes, y, folds = _oof_fast(est, task, fold_seed, extra)
        pred = classes[proba.argmax(1)]
        print(f"fold seed {fold_seed} | {name} | {_fold_mean_f1(y, pred, folds):.4f} | {np.mean(pred == y):.4f}",
              flush=True)
