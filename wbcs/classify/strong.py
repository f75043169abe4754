"""Stronger classical models to compare with the baseline (measured in benchmarks/bench_classify.py).

- ``NBLogisticRegression``: NB-SVM (Wang & Manning 2012) with a logistic loss: features
  scaled by each class's naive-Bayes log-count ratio, one binary model per class.
  Used as ``TextClassifier(model="nb-logreg")``.
- ``SelfTraining``: self-training on unlabelled posts for any estimator on raw texts.
  scikit-learn's ``SelfTrainingClassifier`` validates X as a numeric array and so
  refuses texts; this is the same loop (fit, pseudo-label what the model is sure of,
  refit) on lists of strings.
- ``tfidf_logreg``: the plain scikit-learn peer every model is compared with.
- ``SoftVote``: the mean of a logistic regression's and NB-LR's probabilities on the
  same features (``TextClassifier(model="vote")``): the ensemble's gain at the cost of
  one featurisation (``sklearn.ensemble.VotingClassifier`` over ``TextClassifier``
  members would featurise every text once per member).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression

from wbcs.classify.baseline import as_texts
from wbcs.progress import bar, finish


def tfidf_logreg(C: float = 4.0, solver: str = "newton-cg"):
    """The bar of the dataset README: character 1-3-gram TF-IDF + logistic regression in plain
    scikit-learn, on raw texts (no normalisation, no calibration). ``C`` and ``solver`` for the
    benchmarks that sweep the peer's regularisation (the loss is convex: solvers differ only in
    convergence)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=C, max_iter=1000, solver=solver))


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regressions on NB-scaled features; probabilities normalised to 1."""

    def __init__(self, C=4.0, alpha=1.0, class_weight="balanced"):
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        """``sample_weight`` weighs each row's feature counts in the log-count ratios and its loss,
        as if the row were repeated that many times."""
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        binary = (X > 0).astype(np.float64)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.ratios_, self.models_ = [], []
        for c in self.classes_:
            pos = np.asarray(binary.T @ (w * (y == c))).ravel() + self.alpha
            neg = np.asarray(binary.T @ (w * (y != c))).ravel() + self.alpha
            r = np.log((pos / pos.sum()) / (neg / neg.sum()))
            model = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="newton-cg",
                                       max_iter=1000)
            model.fit(X.multiply(r).tocsr(), (y == c).astype(int), sample_weight=sample_weight)
            self.ratios_.append(r)
            self.models_.append(model)
        return self

    def predict_proba(self, X):
        scores = np.column_stack([m.predict_proba(X.multiply(r).tocsr())[:, 1]
                                  for r, m in zip(self.ratios_, self.models_, strict=True)])
        return scores / scores.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class SoftVote(ClassifierMixin, BaseEstimator):
    """Mean probabilities of a multinomial logistic regression (``C``) and an
    ``NBLogisticRegression`` (``nb_C``) fitted on the same feature matrix."""

    def __init__(self, C=4.0, nb_C=4.0, class_weight="balanced"):
        self.C = C
        self.nb_C = nb_C
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        self.lr_ = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="newton-cg",
                                      max_iter=1000).fit(X, y, sample_weight=sample_weight)
        self.nb_ = NBLogisticRegression(C=self.nb_C, class_weight=self.class_weight).fit(X, y, sample_weight)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return (self.lr_.predict_proba(X) + self.nb_.predict_proba(X)) / 2

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class SelfTraining(ClassifierMixin, BaseEstimator):
    """Self-training on raw texts: ``fit(texts, y, unlabelled=...)``.

    Each round fits a clone of ``estimator`` on the labelled texts plus the pseudo-labelled
    ones so far, then adds the unlabelled texts whose top probability ≥ ``threshold``
    (at most ``max_per_round`` of them, the most confident first), for ``max_rounds``
    rounds or until nothing new passes.
    """

    def __init__(self, estimator=None, *, threshold=0.9, max_rounds=3, max_per_round=None):
        self.estimator = estimator
        self.threshold = threshold
        self.max_rounds = max_rounds
        self.max_per_round = max_per_round

    def fit(self, texts, y, unlabelled=()):
        from wbcs.classify.baseline import TextClassifier

        texts, y = as_texts(texts), np.asarray(y).astype(str)
        pool = np.asarray(as_texts(unlabelled), dtype=object)
        taken = np.zeros(len(pool), bool)
        pseudo = np.empty(len(pool), dtype=object)
        self.added_ = []
        base = self.estimator if self.estimator is not None else TextClassifier()
        rounds = bar(total=self.max_rounds + 1, desc="self-training", leave=False)
        for _ in range(self.max_rounds + 1):
            model = clone(base).fit(texts + list(pool[taken]), np.concatenate([y, pseudo[taken].astype(str)]))
            rounds.update()
            free = np.flatnonzero(~taken)
            if len(self.added_) == self.max_rounds or not len(free):
                break
            proba = model.predict_proba(list(pool[free]))
            conf = proba.max(axis=1)
            sure = np.flatnonzero(conf >= self.threshold)
            sure = sure[np.argsort(-conf[sure], kind="stable")][: self.max_per_round]
            if not len(sure):
                break
            pseudo[free[sure]] = np.asarray(model.classes_)[proba[sure].argmax(axis=1)]
            taken[free[sure]] = True
            self.added_.append(int(len(sure)))
        finish(rounds)  # nothing left to add ends it early: done, not a bar left short (red in a notebook)
        self.model_ = model
        self.classes_ = model.classes_
        return self

    def predict_proba(self, texts):
        return self.model_.predict_proba(texts)

    def predict(self, texts):
        return self.model_.predict(texts)
