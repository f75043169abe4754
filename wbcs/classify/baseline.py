"""The baseline text classifier: a scikit-learn estimator on raw post texts.

normalised text (``wbcs.text.normalize_series``) → TF-IDF of character 1–3-grams
(+ optionally jieba words) → logistic regression → probabilities calibrated by
cross-validation (``CalibratedClassifierCV``). It follows scikit-learn's estimator
rules (``__init__`` only stores parameters, ``fit`` returns ``self``, learned state
ends in ``_``), so it can be cloned, grid-searched and put in a ``Pipeline``.

jieba words are off by default: on SMP2020 and COCC they did not raise macro-F1 over
character n-grams (BENCHMARKS.md), and segmentation runs at ~3,500 posts/s, below the
10,000 posts/s prediction target. Turn them on with ``words=True``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from wbcs.checks import is_number, is_whole
from wbcs.classify.features import CharNgramVectorizer, jieba_words, memo, pii_placeholders
from wbcs.errors import InputError


def as_texts(texts) -> list[str]:
    """A list of str from a list/array/Series of texts; missing values (None, NaN, pd.NA, NaT) become '', not the
    text "<NA>" a model would label."""
    if isinstance(texts, str):
        raise InputError("texts must be a list of strings, not one string; wrap it: [text]")
    if isinstance(texts, pd.DataFrame):
        raise InputError("texts must be a list or Series of strings, not a table; pass df['text']")
    return [t if isinstance(t, str) else "" if pd.api.types.is_scalar(t) and pd.isna(t) else str(t) for t in texts]


def shift(proba: np.ndarray, classes, bias) -> np.ndarray:
    """Probabilities with ``bias[label]`` added to each class's log-probability, renormalised. ``bias``: None,
    {label: offset}, or an array of offsets (one per class, or one row of them per row of ``proba``)."""
    if isinstance(bias, np.ndarray):
        b = bias
    elif not bias:
        return proba
    else:
        b = np.array([float(bias.get(str(c), 0.0)) for c in classes])
    logits = np.log(np.clip(proba, 1e-12, None)) + b
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def shift_by_kind(proba: np.ndarray, classes, biases: dict[str, dict], kinds, default: dict | None = None) -> np.ndarray:
    """``shift`` with each row's own kind's bias ({kind: {label: offset}}, e.g. ``configs.fit_kind_bias``); a row
    of a kind without one takes ``default`` (None: left as it is)."""
    kinds = np.asarray(kinds).astype(str)
    out = shift(proba, classes, default).copy()
    for kind, bias in biases.items():
        here = kinds == kind
        if here.any():
            out[here] = shift(proba[here], classes, bias)
    return out


def predict_kinds(estimator, texts, kind=None) -> np.ndarray:
    """``estimator.predict_proba(texts)``, told the texts' kind of item (one, or one per text) where the estimator
    has kinds' own biases (``TextClassifier.kind_bias``); other estimators (the quality ensemble, a transformer)
    take no kind."""
    if kind is not None and getattr(estimator, "kind_bias", None):
        return estimator.predict_proba(texts, kind=kind)
    return estimator.predict_proba(texts)


def unbiased(estimator):
    """An unfitted copy of ``estimator`` without its class bias and its kinds' biases (where it has them): its
    probabilities as the model learnt them, on which a bias is (re)fitted, or with which a teacher labels a pool."""
    from sklearn.base import clone

    est = clone(estimator)
    return est.set_params(**{p: None for p in ("class_bias", "kind_bias") if p in est.get_params()})


def bias_names(estimator) -> str:
    """What biases ``estimator`` applies, for a CV table's row name: " + class bias" and " + own class bias of
    <kind>" per kind of its ``kind_bias``."""
    return ((" + class bias" if getattr(estimator, "class_bias", None) else "")
            + "".join(f" + own class bias of {k}" for k in (getattr(estimator, "kind_bias", None) or {})))


def with_biases(proba: np.ndarray, classes, class_bias, kind_bias, kind=None) -> np.ndarray:
    """A model's probabilities after its biases: ``class_bias`` on every row, or on the rows of a kind (``kind``:
    one for all rows, or one per row; ``kinds_of``) with one of its own in ``kind_bias``, that one."""
    kinds = kinds_of(kind, len(proba))
    if kinds is None or not kind_bias:
        return shift(proba, classes, class_bias)
    return shift_by_kind(proba, classes, kind_bias, kinds, default=class_bias)


def kinds_of(kind, n: int):
    """``predict_proba``'s ``kind`` as one kind per row: None, one kind for every row, or one per row."""
    if kind is None:
        return None
    if isinstance(kind, str):
        return np.full(n, kind)
    kinds = np.asarray(kind).astype(str)
    if len(kinds) != n:
        raise InputError(f"kind: {len(kinds)} kinds of item for {n} texts; give one kind, or one per text")
    return kinds


BIAS_GRID = tuple(np.linspace(-3, 3, 25))


def fit_class_bias(proba: np.ndarray, y, classes, *, grid=BIAS_GRID, rounds: int = 3, kinds=None) -> dict:
    """Per-class log-probability offsets that maximise macro-F1 on (out-of-fold) predictions; with
    ``kinds`` (one kind of item per row), the mean of the kinds' macro-F1 (``evaluate.kind_mean_macro_f1``).

    Coordinate ascent: each round tries every offset of ``grid`` for each class in turn, keeping
    the best (ties: the smallest change). Written here because scikit-learn tunes decision
    thresholds for binary problems only (``TunedThresholdClassifierCV``)."""
    from sklearn.metrics import f1_score

    from wbcs.classify.evaluate import kind_mean_macro_f1

    classes = np.asarray(classes).astype(str)
    y = np.asarray(y).astype(str)
    present = [c for c in classes if c in set(y)]
    logp = np.log(np.clip(proba, 1e-12, None))
    b = np.zeros(len(classes))

    def score(bias):
        pred = classes[(logp + bias).argmax(axis=1)]
        if kinds is not None:
            return kind_mean_macro_f1(y, pred, kinds)
        return f1_score(y, pred, labels=present, average="macro", zero_division=0)

    best = score(b)
    for _ in range(rounds):
        changed = False
        for k in range(len(classes)):
            for v in sorted(grid, key=abs):
                trial = b.copy()
                trial[k] = v
                f = score(trial)
                if f > best + 1e-9:
                    best, b, changed = f, trial, True
        if not changed:
            break
    return {str(c): round(float(v), 4) for c, v in zip(classes, b, strict=True) if v != 0}


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Chinese short-text classifier: character n-grams, linear model, calibrated probabilities.

    Parameters
    ----------
    ngram_range : character n-gram orders (1 ≤ lo ≤ hi ≤ 3).
    min_df : an n-gram (or word) must occur in at least this many training texts.
    max_features : keep only the most frequent n-grams (None: all); smaller models.
    words : add TF-IDF of jieba words to the character n-grams.
    C : inverse regularisation strength of the logistic regression.
    model : "logreg" (multinomial logistic regression), "nb-logreg" (NB-SVM-style
        log-count-ratio features, one logistic regression per class; ``wbcs.classify.strong``)
        or "vote" (the mean of both on the same features, ``strong.SoftVote``).
    class_weight : "balanced" (default) or None.
    calibration : "sigmoid", "isotonic" or None (the logistic regression's own probabilities).
    cv : folds for the calibration (reduced to the smallest class size when needed).
    remove : items ``wbcs.text.normalize`` removes before featurising (e.g. ("urls",)).
    lexicon : None, or {label: [keyword, ...]} (e.g. the taxonomy's topic keywords): one
        feature per label, ``lexicon_weight`` where the text names it (``wbcs.classify.lexicon``).
    lexicon_weight : the keyword features' value; TF-IDF rows have unit length, so an unscaled
        0/1 column outweighs every n-gram (0.15: measured on the gold topic, ``train.LEXICON_FIELDS``).
    class_bias : None, or {label: b}: added to the log-probabilities before they are normalised
        again, a prior shift that trades precision of the common classes for recall of the rare
        ones; ``configs.select`` fits it on out-of-fold predictions to maximise macro-F1.
    kind_bias : None, or {kind: {label: b}}: for the texts ``predict_proba`` is told are of that kind of item
        (``kind="first_post"``: a telecom customer's first post), that kind's own bias instead of ``class_bias``;
        ``configs.select`` keeps one where the kind's own macro-F1 gains without costing the others (a
        first post asks differently from a follow-up turn: BENCHMARKS.md, "A bias of telecom first posts' own").
    pii : "placeholder" (default) replaces every phone number, ID number and e-mail, masked
        or not, by one placeholder character before featurising, so a model predicts the
        same for a post and its masked copy and never learns digits of a number; None keeps them.
    random_state : seed for the calibration folds and the solver.
    """

    def __init__(self, *, ngram_range=(1, 3), min_df=2, max_features=None, words=False, C=4.0,
                 model="logreg", class_weight="balanced", calibration="sigmoid", cv=3, remove=(),
                 pii="placeholder", lexicon=None, lexicon_weight=0.15, class_bias=None, kind_bias=None,
                 random_state=0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.words = words
        self.C = C
        self.model = model
        self.class_weight = class_weight
        self.calibration = calibration
        self.cv = cv
        self.remove = remove
        self.pii = pii
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight
        self.class_bias = class_bias
        self.kind_bias = kind_bias
        self.random_state = random_state

    def __setstate__(self, state):
        # a model saved before the PII placeholder existed was fitted on raw numbers: keep it so
        state.setdefault("pii", None)
        state.setdefault("class_bias", None)
        state.setdefault("kind_bias", None)
        state.setdefault("lexicon", None)
        state.setdefault("lexicon_weight", 0.15)
        super().__setstate__(state)

    def _normalize(self, texts) -> list[str]:
        return memo(("normalize", tuple(self.remove or ()), self.pii), texts, lambda: self._normalize_now(texts))

    def _normalize_now(self, texts) -> list[str]:
        from wbcs.text import normalize_series

        out = normalize_series(pd.Series(as_texts(texts), dtype=object), remove=self.remove).tolist()
        if self.pii == "placeholder":
            return pii_placeholders(out)
        if self.pii is not None:
            raise InputError(f"pii {self.pii!r}: use 'placeholder' or None")
        return out

    def _features(self) -> FeatureUnion:
        parts = [("char", Pipeline([
            ("count", CharNgramVectorizer(self.ngram_range, self.min_df, self.max_features)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]))]
        if self.lexicon:
            from wbcs.classify.lexicon import KeywordFeatures

            parts.append(("lexicon", KeywordFeatures(dict(self.lexicon), weight=self.lexicon_weight)))
        if self.words:
            parts.append(("words", TfidfVectorizer(analyzer=jieba_words, min_df=self.min_df,
                                                   sublinear_tf=True)))
        return FeatureUnion(parts)

    def _labels(self, texts, y) -> np.ndarray:
        y = np.asarray(y, dtype=object)
        if len(texts) != len(y):
            raise InputError(f"fit: {len(texts)} texts but {len(y)} labels")
        if pd.isna(y).any():
            i = int(np.flatnonzero(pd.isna(y))[0])
            raise InputError(f"fit: label {i} is missing; drop unlabelled rows first")
        y = y.astype(str)
        if len(np.unique(y)) < 2:
            raise InputError(f"fit: need at least 2 classes, got {list(np.unique(y))}")
        return y

    def _head(self, y: np.ndarray):
        """The (unfitted) model on top of the features, calibrated when asked and possible."""
        classes, counts = np.unique(y, return_counts=True)
        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        # newton-cg: same optimum as lbfgs here, in ~6 instead of ~50 iterations (5-6x faster
        # fits on SMP2020 and COCC, measured), and deterministic
        if self.model == "nb-logreg":
            from wbcs.classify.strong import NBLogisticRegression

            model = NBLogisticRegression(C=self.C, class_weight=self.class_weight)
        elif self.model == "vote":
            from wbcs.classify.strong import SoftVote

            model = SoftVote(C=self.C, class_weight=self.class_weight)
        elif self.model == "logreg":
            model = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="newton-cg",
                                       max_iter=1000)
        else:
            raise InputError(f"model {self.model!r}: use 'logreg', 'nb-logreg' or 'vote'")
        folds = min(self.cv, int(counts.min()))
        if self.calibration and folds >= 2:
            model = CalibratedClassifierCV(
                model, method=self.calibration, ensemble=False,
                cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
        elif self.calibration:
            warnings.warn(f"TextClassifier: class {classes[counts.argmin()]!r} has "
                          f"{counts.min()} example(s); probabilities are not calibrated",
                          stacklevel=2)
        return model

    def _check_params(self) -> None:
        """The numeric parameters, each named in an InputError (sklearn's and the counter's errors were
        raised deep in the fit, without saying which argument of TextClassifier)."""
        def whole(x, least: int) -> bool:
            return is_whole(x, floats=True) and x >= least

        ngram = self.ngram_range
        if not (isinstance(ngram, tuple | list) and len(ngram) == 2 and all(whole(n, 1) for n in ngram)
                and ngram[0] <= ngram[1] <= 3):
            raise InputError(f"TextClassifier: ngram_range must be (lo, hi) with 1 ≤ lo ≤ hi ≤ 3, got {ngram!r}")
        if not (is_number(self.C) and self.C > 0):
            raise InputError(f"TextClassifier: C must be a finite number > 0, got {self.C!r}")
        if not whole(self.min_df, 1):
            raise InputError(f"TextClassifier: min_df must be a whole number ≥ 1, got {self.min_df!r}")
        if not whole(self.cv, 2):
            raise InputError(f"TextClassifier: cv must be a whole number ≥ 2, got {self.cv!r}")

    def fit(self, texts, y, sample_weight=None):
        """``sample_weight`` (one per text, e.g. a domain weight: ``train.fit_weighted``) weighs the
        rows in the model on top of the features, its calibration and its balanced class weights;
        the vocabulary and IDF are counted on the distinct rows, unweighted."""
        self._check_params()
        texts = self._normalize(texts)
        y = self._labels(texts, y)
        model = self._head(y)
        self.calibrated_ = isinstance(model, CalibratedClassifierCV)
        self.pipeline_ = Pipeline([("features", self._features()), ("model", model)])
        self.pipeline_.fit(texts, y, **({} if sample_weight is None else {"model__sample_weight": sample_weight}))
        self.classes_ = self.pipeline_.classes_
        return self

    def char_vectorizer(self) -> CharNgramVectorizer:
        """The fitted character n-gram counter (``PostClassifier`` counts a batch's n-grams once
        for all its fields' counters: ``features.NgramUnion``)."""
        return self.pipeline_.named_steps["features"].named_transformers["char"].named_steps["count"]

    def predict_proba(self, texts, kind=None) -> np.ndarray:
        """Probabilities, one column per class of ``classes_``; each row sums to 1. ``kind``: the kind of item of
        every text (one str) or of each: a kind with a bias of its own in ``kind_bias`` takes it instead of
        ``class_bias``; no texts give no rows."""
        texts = self._normalize(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        proba = self.pipeline_.predict_proba(texts)
        return with_biases(proba, self.classes_, self.class_bias, self.kind_bias, kind)

    def predict(self, texts, kind=None) -> np.ndarray:
        return self.classes_[self.predict_proba(texts, kind=kind).argmax(axis=1)]
