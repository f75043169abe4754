"""Domain knowledge where labels are thin: the taxonomy's keyword lexicon as features and as weak labels.

Topics are named by a small vocabulary (宽带, 光猫, 流量, 信号, 话费, 漫游, 携号转网 …), kept per
topic in ``data/taxonomy.yaml`` (``keywords``). Two uses:

- ``KeywordFeatures``: one column per label, 1 when the text holds any of its keywords
  (after removing @mentions: account names such as 某某电信宽带 are not what a post is about).
  Joined to the character n-grams, it lets a linear model see "this post names broadband"
  even for a topic with a few dozen training posts.
- ``weak_labels``: each label's keywords are a labelling function (vote for that label, or
  abstain); Snorkel's ``LabelModel`` learns how far to trust each one from their agreements
  and conflicts on unlabelled posts and turns the votes into probabilistic labels, as in
  Snorkel (Ratner et al. 2017). The classifier can then train on them next to the gold labels.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_MENTION = re.compile(r"@[^\s@:：,，。!！?？]+")


def _patterns(lexicon: dict) -> list[tuple[str, re.Pattern]]:
    return [(label, re.compile("|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))))
            for label, words in sorted(lexicon.items()) if words]


def keyword_hits(texts, lexicon: dict) -> tuple[list[str], np.ndarray]:
    """(labels, hits): hits[i, j] is True when text i holds a keyword of labels[j]."""
    pats = _patterns(lexicon)
    hits = np.zeros((len(texts), len(pats)), dtype=bool)
    for i, t in enumerate(texts):
        t = _MENTION.sub(" ", str(t or "")).lower()
        for j, (_, pat) in enumerate(pats):
            hits[i, j] = pat.search(t) is not None
    return [label for label, _ in pats], hits


class KeywordFeatures(TransformerMixin, BaseEstimator):
    """One column per lexicon label (``lexicon``: {label: [keyword, ...]}): ``weight`` where the
    text names the label, else 0."""

    def __init__(self, lexicon=None, weight=1.0):
        self.lexicon = lexicon
        self.weight = weight

    def fit(self, texts, y=None):
        self.labels_ = [label for label, _ in _patterns(self.lexicon or {})]
        return self

    def transform(self, texts):
        _, hits = keyword_hits(list(texts), self.lexicon or {})
        return sp.csr_matrix(hits.astype(np.float64) * self.weight)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"lexicon:{label}" for label in self.labels_], dtype=object)


def weak_labels(texts, lexicon: dict, *, seed=0, epochs: int = 500) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Probabilistic labels from the lexicon's labelling functions, combined by Snorkel's
    ``LabelModel``: (labels, proba of shape n × len(labels), covered) where ``covered`` marks
    the texts at least one function voted on (the others have no weak label)."""
    from snorkel.labeling.model import LabelModel

    labels, hits = keyword_hits(list(texts), lexicon)
    # one labelling function per label: vote for its label or abstain (-1)
    votes = np.where(hits, np.arange(len(labels))[None, :], -1)
    covered = hits.any(axis=1)
    model = LabelModel(cardinality=len(labels), verbose=False)
    model.fit(votes[covered], n_epochs=epochs, seed=int(np.random.default_rng(seed).integers(2**31 - 1)),
              progress_bar=False)
    proba = np.full((len(texts), len(labels)), np.nan)
    if covered.any():
        proba[covered] = model.predict_proba(votes[covered])
    return labels, proba, covered
