"""Text features for the baseline: character n-grams (numpy) and jieba words.

``CharNgramVectorizer`` gives the same counts as scikit-learn's
``CountVectorizer(analyzer="char", lowercase=False)`` but builds them with numpy
instead of a Python loop over n-grams. Why hand-written: scikit-learn's analyzer and
vocabulary lookup run in Python per n-gram and manage ~7,000 Weibo posts/s on this
machine, below the 10,000 posts/s target; here every n-gram of the whole batch is a
64-bit key (up to three 21-bit code points) computed at once, and the vocabulary is
a sorted key array looked up through a pandas hash index (exact, no hashing
collisions, and small to store: 8 bytes a feature).
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_BITS = 21  # every Unicode code point fits in 21 bits, so three fit in an int64 key

# Why a per-call memo: a PostClassifier runs each field's model on the same batch, and each
# would normalise the texts, replace PII and key every n-gram again (about half of the
# prediction time with four fields, profiled). Inside ``shared_text()`` those steps run once
# per batch; outside it nothing is cached, so a fit or a lone model never sees stale results.
_SHARED: ContextVar[dict | None] = ContextVar("wbcs_shared_text", default=None)


@contextmanager
def shared_text(union: NgramUnion | None = None):
    """Within the block, text preparation is computed once per batch object and setting; with
    ``union``, the n-grams of its vectorizers are counted once for all of them."""
    token = _SHARED.set({_UNION: union})
    try:
        yield
    finally:
        _SHARED.reset(token)


_UNION = "union"  # the key of the shared_text() union in the memo


def memo(key: tuple, source, compute):
    """``compute()``, once per ``key`` and ``source`` object inside ``shared_text()``. The memo
    keeps ``source`` alive, so its ``id`` cannot be reused by another object meanwhile."""
    cache = _SHARED.get()
    if cache is None:
        return compute()
    k = (id(source), *key)
    if k not in cache:
        cache[k] = (source, compute())
    return cache[k][1]


def _codes(texts) -> tuple[np.ndarray, np.ndarray]:
    """Code points of all texts joined, and the start offset of each text (len n+1)."""
    texts = ["" if t is None else str(t) for t in texts]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return codes, offsets


def _ngram_keys(codes: np.ndarray, offsets: np.ndarray, n_min: int, n_max: int):
    """(doc index, key) of every n-gram, n_min ≤ n ≤ n_max, that lies inside one text.

    A key packs the n code points (each + 1), the first in the highest bits.
    """
    doc_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    # +1 so that no code point is 0: then a key of order n is ≥ 2**(21*(n-1)) and orders never collide
    c = codes + 1
    docs, keys = [], []
    for n in range(n_min, n_max + 1):
        m = len(c) - n + 1
        if m <= 0:
            continue
        key = c[:m].copy()
        for j in range(1, n):
            key = (key << _BITS) | c[j:j + m]
        inside = doc_of[:m] == doc_of[n - 1:n - 1 + m]
        docs.append(doc_of[:m][inside])
        keys.append(key[inside])
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(docs), np.concatenate(keys)


def decode_key(key: int) -> str:
    """The n-gram string of a key (for showing features)."""
    chars = []
    key = int(key)
    while key:
        chars.append(chr((key & ((1 << _BITS) - 1)) - 1))
        key >>= _BITS
    return "".join(reversed(chars))


class CharNgramVectorizer(TransformerMixin, BaseEstimator):
    """Character n-gram counts as a sparse matrix; the vocabulary is a sorted key array.

    Parameters mirror ``CountVectorizer``: ``ngram_range`` (1 ≤ n ≤ 3), ``min_df``
    (documents), ``max_features`` (most frequent in the corpus).
    """

    def __init__(self, ngram_range=(1, 3), min_df=1, max_features=None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def _check(self):
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= 3:
            raise ValueError(f"ngram_range must satisfy 1 ≤ lo ≤ hi ≤ 3, got {self.ngram_range}")

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        self._check()
        codes, offsets = _codes(texts)
        docs, keys = _ngram_keys(codes, offsets, *self.ngram_range)
        uniq, inverse = np.unique(keys, return_inverse=True)
        counts = sp.csr_matrix((np.ones(len(keys), np.int64), (docs, inverse)),
                               shape=(len(offsets) - 1, len(uniq)))
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(uniq))
        keep = df >= self.min_df
        if self.max_features is not None and keep.sum() > self.max_features:
            total = np.asarray(counts.sum(axis=0)).ravel()
            # most frequent first; ties broken by key so the result does not depend on sort stability
            order = np.lexsort((uniq, -np.where(keep, total, -1)))
            keep = np.zeros(len(uniq), bool)
            keep[order[: self.max_features]] = True
        self.keys_ = uniq[keep]
        return counts[:, np.flatnonzero(keep)]

    def _lookup(self) -> pd.Index:
        # a hash index over the keys: 4x faster than np.searchsorted on large vocabularies;
        # built on first use and not saved with the model (see __getstate__)
        if getattr(self, "_index", None) is None:
            self._index = pd.Index(self.keys_)
        return self._index

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_index", None)
        return state

    def transform(self, texts):
        shared = _SHARED.get()
        union = shared.get(_UNION) if shared else None
        if union is not None and union.covers(self):
            return union.counts_for(self, texts)
        docs, keys = memo(("ngrams", *self.ngram_range), texts,
                          lambda: _ngram_keys(*_codes(texts), *self.ngram_range))
        idx = self._lookup().get_indexer(keys)
        known = idx >= 0
        out = sp.csr_matrix((np.ones(int(known.sum()), np.int64), (docs[known], idx[known])),
                            shape=(len(texts), len(self.keys_)))
        out.sum_duplicates()
        return out

    def get_feature_names_out(self, input_features=None):
        return np.array([decode_key(k) for k in self.keys_], dtype=object)


class NgramUnion:
    """One count of a batch's n-grams for several fitted ``CharNgramVectorizer`` (the fields of a
    ``PostClassifier``), each vectorizer's counts taken from it by column.

    Why: each field's vectorizer would look every n-gram of the batch up in its own vocabulary
    and build its own sparse matrix — the same n-grams once per field, about 45 % of the shipped
    model's prediction time (profiled). Here the batch is counted once over the union of the
    vocabularies (every n-gram order any of them uses), and a vectorizer's matrix is the union
    matrix's columns it knows, renumbered by a precomputed index array. Both vocabularies are
    sorted key arrays, so the renumbering keeps each row's columns in order and the result is
    exactly the vectorizer's own ``transform`` (a vectorizer whose keys are not sorted is left
    to its own ``transform``). Used inside ``shared_text(union)``, where the union count is
    memoised per batch and dropped when the block ends.
    """

    def __init__(self, vectorizers):
        self.vectorizers = list(vectorizers)
        sorted_ = [v for v in self.vectorizers if np.all(np.diff(v.keys_) > 0)]
        ranges = [v.ngram_range for v in sorted_] or [(1, 1)]
        self._count = CharNgramVectorizer((min(lo for lo, _ in ranges), max(hi for _, hi in ranges)))
        self._count.keys_ = np.unique(np.concatenate([v.keys_ for v in sorted_] or [[]])).astype(np.int64)
        self._columns = {}
        for v in sorted_:
            col = np.full(len(self._count.keys_), -1, np.int64)
            col[np.searchsorted(self._count.keys_, v.keys_)] = np.arange(len(v.keys_))
            self._columns[id(v)] = col

    def covers(self, vectorizer) -> bool:
        return id(vectorizer) in self._columns  # ids stay valid: self.vectorizers holds them

    def counts_for(self, vectorizer, texts) -> sp.csr_matrix:
        """``vectorizer.transform(texts)``, from the union's count of the batch."""
        counts = memo(("union counts", id(self)), texts, lambda: self._count.transform(texts))
        col = self._columns[id(vectorizer)][counts.indices]
        known = col >= 0
        kept = np.zeros(len(known) + 1, np.int64)
        np.cumsum(known, out=kept[1:])
        return sp.csr_matrix((counts.data[known], col[known], kept[counts.indptr]),
                             shape=(counts.shape[0], len(vectorizer.keys_)))


def jieba_words(text: str) -> list[str]:
    """jieba's words of a text (precise mode, no HMM for new words: faster, and the
    character n-grams already cover unseen words). Whitespace tokens are dropped."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text, HMM=False) if w.strip()]


PII_PLACEHOLDER = "\ue000"  # a private-use character: no real text contains it
# a masked item as wbcs.text.mask_pii writes it (138****5678, 010-****5678, a***@qq.com) or a
# platform wrote it (COCC's ******): letters, digits and separators around a run of stars
_MASKED = re.compile(r"[0-9A-Za-z.@_+\-]*\*{3,}[0-9A-Za-z.@_+\-]*")


def pii_placeholders(texts) -> list[str]:
    """Texts with every phone number, ID number and e-mail, masked or not, replaced by
    ``PII_PLACEHOLDER``: masking a post must not change what a model predicts for it."""
    from wbcs.text import mask_pii

    texts = list(texts)
    out = list(texts)
    for i in np.flatnonzero(may_hold_pii(texts)):
        out[i] = _MASKED.sub(PII_PLACEHOLDER, mask_pii(texts[i]))
    return out


# What wbcs.pii needs before it looks further (its _DIGITS_HINT and _AT_HINT), widened and
# written for RE2: seven number characters (\p{N}, which holds Python's \d, and wbcs.pii's
# ranges of super-/subscripts and circled digits as it writes them, unassigned code points too) ...
_NUMBER = r"\p{N}\x{b2}\x{b3}\x{b9}\x{2070}-\x{2089}\x{2460}-\x{249b}\x{24ea}-\x{24ff}\x{2776}-\x{2793}"
_MAY_DIGITS = rf"(?s)^(?:[^{_NUMBER}]*[{_NUMBER}]){{7}}"
# ... or an at sign, a letter or digit on each side (invisible characters aside; NFKC makes
# full-width and mathematical letters ASCII), or a masked run of stars (_MASKED).
_ALNUM = r"A-Za-z0-9\x{ff10}-\x{ff19}\x{ff21}-\x{ff3a}\x{ff41}-\x{ff5a}\x{1d400}-\x{1d7ff}"
_INVISIBLE = r"\x{ad}\x{180e}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{feff}"
_MAY_AT = rf"[{_ALNUM}._%+\-．＿－][{_INVISIBLE}]*[@＠﹫][{_INVISIBLE}]*[{_ALNUM}]"


def may_hold_pii(texts) -> np.ndarray:
    """True for each text that could hold a phone number, ID number, e-mail or masked item.

    Why a batch pre-filter: ``mask_pii`` runs Python per text (~40 µs even when it finds
    nothing), a quarter of the shipped model's prediction time once its n-grams are counted once, while about 4 % of Weibo posts
    pass its own quick tests. Arrow's RE2 tests the whole batch in C; only the texts that pass
    go through ``mask_pii``. The tests are wider than wbcs.pii's, never narrower
    (``tests/test_classify_union.py``), so every other text is one ``mask_pii`` leaves as it is."""
    s = pd.Series(["" if t is None else str(t) for t in texts], dtype="string[pyarrow]")
    hit = s.str.contains(_MAY_DIGITS, regex=True) | s.str.contains(_MAY_AT, regex=True)
    hit |= s.str.contains("***", regex=False)
    return hit.to_numpy(dtype=bool, na_value=False)
