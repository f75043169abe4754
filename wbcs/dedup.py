"""Near-duplicate groups of short texts (reposts, copy-paste complaints, templates).

Two texts are near duplicates when the Jaccard similarity of their sets of character
n-grams (after ``wbcs.text.normalize``) reaches ``threshold``. Groups are the
connected components of that relation; exact duplicates after normalisation always
share a group, and every other text gets a group of its own.

How: MinHash signatures with LSH banding propose candidate pairs, and every
candidate is verified with the exact Jaccard similarity, so no group is joined by a
false positive. A pair at exactly the threshold is missed by the banding with
probability below 1% (the band size is chosen for that), pairs above it much less.

Why hand-written rather than ``datasketch``: datasketch builds one Python MinHash
object per text and queries its LSH index text by text; on the 66,867 weibo_senti_100k
posts it took about 20 times as long as this module (BENCHMARKS.md), and it does not
verify its candidates. Here all n-grams of all texts are hashed in one vectorised pass
and the signatures, banding and exact verification run in numba loops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numba
import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.text import normalize_series

_P = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: polynomial base for n-gram hashes
_MISS = 0.01  # largest accepted chance that a pair exactly at the threshold is not proposed
_REPOST_MARKS = re.compile(r"^(?:\s*//@[\w\-]{1,30}\s*:\s*)+")  # '//@user: ' before a repost's text (text._RETWEET's)


def _as_series(texts: Sequence[str] | pd.Series) -> pd.Series:
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    return s.astype("string").fillna("")


def _first_seen_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel so that group ids are 0, 1, 2, ... in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


def normalized(texts: Sequence[str] | pd.Series) -> pd.Series:
    """The texts as this module compares them: ``normalize``d, missing = empty."""
    return normalize_series(_as_series(texts))


def leakage_text(texts: Sequence[str] | pd.Series) -> pd.Series:
    """The texts as leakage groups compare them (``wbcs.classify.splits.leakage_groups``): ``normalized``, without
    links, and without the ``//@user:`` marks a repost with no comment of its own starts with. A copy that differs by
    a t.cn short link or was reposted unchanged is then an exact duplicate: as n-grams a link or a mark weighs
    enough against a short post to keep it under the threshold, and the copies would straddle folds. A text that is
    nothing else keeps its normalised self (all such texts as one empty text would make one huge group). For
    grouping only: the texts trained on keep their links and marks."""
    plain = normalized(texts)
    bare = plain.copy()
    linked = plain.str.contains("://", regex=False).to_numpy() | plain.str.contains("www.", regex=False).to_numpy()
    bare[linked] = normalize_series(plain[linked], remove=("urls",)).to_numpy()  # the rest has no link to look for
    bare = bare.str.replace(_REPOST_MARKS, "", regex=True).str.strip()
    return bare.where(bare.ne(""), plain)


def exact_duplicate_groups(texts: Sequence[str] | pd.Series) -> np.ndarray:
    """A group id per text; texts equal after ``normalize`` share one (missing = empty)."""
    codes, _ = pd.factorize(normalized(texts))
    return codes.astype(np.int64)  # factorize numbers values in order of first appearance


def _shingle_hashes(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every character n-gram of every text, concatenated, with offsets.

    Vectorised over all texts: the code points of the joined texts are combined as a
    polynomial in ``_P`` (wrapping uint64 arithmetic); windows that cross a text's end
    are dropped. A text shorter than ``n`` has one shingle, itself.
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    total = len(cps)
    with np.errstate(over="ignore"):
        h = np.zeros(max(total - n + 1, 0), dtype=np.uint64)
        for k in range(n if total >= n else 0):
            h = h * _P + cps[k:total - n + 1 + k]
    counts = np.maximum(lengths - n + 1, 0)
    window_starts = np.repeat(starts, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    short = (lengths > 0) & (lengths < n)
    final = np.where(short, 1, counts)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(final)
    hashes = np.empty(offsets[-1], dtype=np.uint64)
    from_windows = np.repeat(~short, final)
    hashes[from_windows] = h[window_starts]
    whole = np.zeros(int(short.sum()), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, i in enumerate(np.flatnonzero(short)):  # few: texts shorter than n
            for c in cps[starts[i]:ends[i]]:
                whole[j] = whole[j] * _P + c
    hashes[~from_windows] = whole
    return hashes, offsets


@numba.njit(cache=True)
def _sorted_sets(hashes, offsets):
    """Per text: its distinct shingle hashes, sorted (for exact Jaccard by merging)."""
    out = np.empty_like(hashes)
    new_off = np.zeros_like(offsets)
    w = 0
    for i in range(len(offsets) - 1):
        seg = np.sort(hashes[offsets[i]:offsets[i + 1]])
        for k in range(len(seg)):
            if k == 0 or seg[k] != seg[k - 1]:
                out[w] = seg[k]
                w += 1
        new_off[i + 1] = w
    return out[:w], new_off


@numba.njit(cache=True)
def _signatures(hashes, offsets, a, b):
    """MinHash signature per text with multiply-shift hashes ((a*x + b) mod 2^64) >> 32."""
    n, k = len(offsets) - 1, len(a)
    sig = np.full((n, k), np.uint64(0xFFFFFFFF), dtype=np.uint64)
    for i in range(n):
        for p in range(offsets[i], offsets[i + 1]):
            x = hashes[p]
            for j in range(k):
                v = (a[j] * x + b[j]) >> np.uint64(32)
                if v < sig[i, j]:
                    sig[i, j] = v
    return sig


@numba.njit(cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@numba.njit(cache=True)
def roots(parent):
    """The component (smallest member) of every element of a union-find ``parent``."""
    return np.array([_find(parent, i) for i in range(len(parent))])


@numba.njit(cache=True)
def _jaccard(sets, offsets, i, j):
    p, pe, q, qe = offsets[i], offsets[i + 1], offsets[j], offsets[j + 1]
    na, nb = pe - p, qe - q
    if na + nb == 0:
        return 1.0
    inter = 0
    while p < pe and q < qe:
        if sets[p] == sets[q]:
            inter += 1
            p += 1
            q += 1
        elif sets[p] < sets[q]:
            p += 1
        else:
            q += 1
    return inter / (na + nb - inter)


@numba.njit(cache=True)
def _join_runs(members, starts, ends, sets, offsets, parent, threshold):
    """Union every pair of texts inside one run ``members[starts[k]:ends[k]]`` (the texts of
    one band bucket) whose exact Jaccard reaches threshold. Pairs already in one component
    are skipped, so a large bucket of near-identical texts costs few Jaccard computations."""
    for k in range(len(starts)):
        for x in range(starts[k], ends[k]):
            for y in range(x + 1, ends[k]):
                i, j = members[x], members[y]
                ri, rj = _find(parent, i), _find(parent, j)
                if ri != rj and _jaccard(sets, offsets, i, j) >= threshold:
                    parent[max(ri, rj)] = min(ri, rj)


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, starts, ends): ``order`` sorts ``keys`` stably; ``order[starts[k]:ends[k]]`` are the
    runs of equal keys with at least two members (a bucket of one proposes no pair)."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]])) if len(k) else np.zeros(0, np.int64)
    ends = np.append(starts[1:], len(k)).astype(np.int64)
    big = ends - starts >= 2
    return order, starts[big].astype(np.int64), ends[big]


def _band_shape(num_perm: int, threshold: float) -> tuple[int, int]:
    """Rows per band r (bands = num_perm // r): the largest r whose chance of missing a
    pair at exactly ``threshold``, (1 - t^r)^b, stays below ``_MISS``."""
    best = 1
    for r in range(1, num_perm + 1):
        if (1 - threshold**r) ** (num_perm // r) <= _MISS:
            best = r
    return best, num_perm // best


def check_request(threshold: float, ngram: int, num_perm: int) -> None:
    if not 0 < threshold <= 1:
        raise InputError(f"near_duplicate_groups: threshold must be in (0, 1], got {threshold!r}")
    if int(ngram) < 1 or int(num_perm) < 1:
        raise InputError(f"near_duplicate_groups: ngram and num_perm must be >= 1, got {ngram!r}, {num_perm!r}")


def shingle_sets(uniques: list[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """(sets, offsets): each normalised text's distinct n-gram hashes, sorted, for ``jaccard``."""
    return _sorted_sets(*_shingle_hashes(uniques, int(ngram)))


def band_keys(sets: np.ndarray, offsets: np.ndarray, *, threshold: float, seed, num_perm: int) -> np.ndarray:
    """The LSH bucket of each text in each band, ``(texts, bands)``: texts sharing a bucket in
    some band are the candidate pairs. The MinHash functions come from ``seed`` alone, so the
    same text gets the same keys in any batch (what ``wbcs.kpi.partitioned_dedup`` relies on)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    sig = _signatures(sets, offsets, a, b)
    rows, bands = _band_shape(int(num_perm), float(threshold))
    keys = np.zeros((len(sig), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            for col in sig[:, band * rows:(band + 1) * rows].T:
                keys[:, band] = keys[:, band] * _P + col
    return keys


def join_runs(members, starts, ends, sets, offsets, parent, threshold: float) -> None:
    """``_join_runs`` (numba) on int64 arrays: unions in ``parent`` in place."""
    _join_runs(np.asarray(members, np.int64), np.asarray(starts, np.int64), np.asarray(ends, np.int64),
               sets, offsets, parent, float(threshold))


def near_duplicate_groups(texts: Sequence[str] | pd.Series, *, threshold: float = 0.8,
                          ngram: int = 3, seed: int | np.random.Generator = 0,
                          num_perm: int = 128, compare=normalized) -> np.ndarray:
    """A group id per text (0, 1, ... in order of first appearance); see the module docstring.

    ``seed`` fixes the MinHash functions; with the exact verification it can only
    change which borderline pairs the banding proposes, never join dissimilar texts.
    ``compare`` maps the texts to the strings compared (``leakage_text``: without links and repost marks).
    """
    check_request(threshold, ngram, num_perm)
    exact, uniques = pd.factorize(compare(texts))
    if len(exact) == 0:
        return exact.astype(np.int64)
    sets, offsets = shingle_sets(list(uniques), ngram)
    keys = band_keys(sets, offsets, threshold=threshold, seed=seed, num_perm=num_perm)
    parent = np.arange(len(uniques), dtype=np.int64)
    for band in range(keys.shape[1]):
        join_runs(*runs(keys[:, band]), sets, offsets, parent, threshold)
    return _first_seen_labels(roots(parent)[exact])
