"""Domain knowledge where labels are thin: the taxonomy's keyword lexicon as features.

Topics are named by a small vocabulary (宽带, 光猫, 流量, 信号, 话费, 漫游, 携号转网 …), kept per
topic in ``data/taxonomy.yaml`` (``keywords``); intents and negative subtypes have cues there too
(请问/怎么 for a consultation, 谢谢 for praise, 呵呵/无语 for vague negativity), each field's list a
candidate that ``configs.select`` keeps only where cross-validation says it helps. ``KeywordFeatures`` gives one column per label,
set when the text holds any of its keywords (after removing @mentions: account names such as
某某电信宽带 are not what a post is about). Joined to the character n-grams, it lets a linear
model see "this post names broadband" even for a topic with a few dozen training posts.
(Snorkel's label model over the same keywords as labelling functions was tried as a source of
weak labels and gave no label with confidence ≥ 0.7 on the unlabelled turns: not kept.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_MENTION = re.compile(r"@[^\s@:：,，。!！?？]+")


def _patterns(lexicon: dict) -> list[tuple[str, str]]:
    """(label, regular expression of its keywords, longest first), labels sorted, empty ones left out."""
    return [(label, "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True)))
            for label, words in sorted(lexicon.items()) if words]


def _searchable(texts) -> pd.Series:
    # Arrow strings: the mention removal and each label's search run in C (RE2) over the whole
    # batch; a Python loop over texts × labels was a quarter of the shipped model's prediction time
    s = pd.Series([str(t or "") for t in texts], dtype="string[pyarrow]")
    return s.str.replace(_MENTION.pattern, " ", regex=True).str.lower()


def keyword_hits(texts, lexicon: dict) -> tuple[list[str], np.ndarray]:
    """(labels, hits): hits[i, j] is True when text i holds a keyword of labels[j]."""
    from wbcs.classify.features import memo

    pats = _patterns(lexicon)
    # several fields with a lexicon search the same batch: it is prepared once (inside shared_text())
    s = memo(("lexicon text",), texts, lambda: _searchable(texts))
    hits = np.zeros((len(s), len(pats)), dtype=bool)
    for j, (_, pat) in enumerate(pats):
        hits[:, j] = s.str.contains(pat, regex=True).to_numpy(dtype=bool, na_value=False)
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
        _, hits = keyword_hits(texts, self.lexicon or {})
        return sp.csr_matrix(hits.astype(np.float64) * self.weight)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"lexicon:{label}" for label in self.labels_], dtype=object)

