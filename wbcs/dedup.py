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

from collections.abc import Sequence

import numba
import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.text import normalize_series

_P = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: polynomial base for n-gram hashes
_MISS = 0.01  # largest accepted chance that a pair exactly at the threshold is not proposed


def _as_series(texts: Sequence[str] | pd.Series) -> pd.Series:
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    return s.astype("string").fillna("")


def _first_seen_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel so that group ids are 0, 1, 2, ... in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


def exact_duplicate_groups(texts: Sequence[str] | pd.Series) -> np.ndarray:
    """A group id per text; texts equal after ``normalize`` share one (missing = empty)."""
    codes, _ = pd.factorize(normalize_series(_as_series(texts)))
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
def _roots(parent):
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
def _join_buckets(order, keys, sets, offsets, parent, threshold):
    """Union every pair sharing a band bucket whose exact Jaccard reaches threshold.

    ``order`` sorts ``keys`` (one band); pairs already in one component are skipped,
    so a large bucket of near-identical texts costs few Jaccard computations.
    """
    m = len(order)
    start = 0
    while start < m:
        end = start + 1
        while end < m and keys[order[end]] == keys[order[start]]:
            end += 1
        for x in range(start, end):
            for y in range(x + 1, end):
                i, j = order[x], order[y]
                ri, rj = _find(parent, i), _find(parent, j)
                if ri != rj and _jaccard(sets, offsets, i, j) >= threshold:
                    parent[max(ri, rj)] = min(ri, rj)
        start = end


def _band_shape(num_perm: int, threshold: float) -> tuple[int, int]:
    """Rows per band r (bands = num_perm // r): the largest r whose chance of missing a
    pair at exactly ``threshold``, (1 - t^r)^b, stays below ``_MISS``."""
    best = 1
    for r in range(1, num_perm + 1):
        if (1 - threshold**r) ** (num_perm // r) <= _MISS:
            best = r
    return best, num_perm // best


def near_duplicate_groups(texts: Sequence[str] | pd.Series, *, threshold: float = 0.8,
                          ngram: int = 3, seed: int | np.random.Generator = 0,
                          num_perm: int = 128) -> np.ndarray:
    """A group id per text (0, 1, ... in order of first appearance); see the module docstring.

    ``seed`` fixes the MinHash functions; with the exact verification it can only
    change which borderline pairs the banding proposes, never join dissimilar texts.
    """
    if not 0 < threshold <= 1:
        raise InputError(f"near_duplicate_groups: threshold must be in (0, 1], got {threshold!r}")
    if int(ngram) < 1 or int(num_perm) < 1:
        raise InputError(f"near_duplicate_groups: ngram and num_perm must be >= 1, got {ngram!r}, {num_perm!r}")
    exact, uniques = pd.factorize(normalize_series(_as_series(texts)))
    if len(exact) == 0:
        return exact.astype(np.int64)
    uniques = list(uniques)
    hashes, offsets = _shingle_hashes(uniques, int(ngram))
    sets, set_offsets = _sorted_sets(hashes, offsets)
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    sig = _signatures(sets, set_offsets, a, b)
    rows, bands = _band_shape(int(num_perm), float(threshold))
    parent = np.arange(len(uniques), dtype=np.int64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = sig[:, band * rows:(band + 1) * rows]
            keys = np.zeros(len(uniques), dtype=np.uint64)
            for col in block.T:
                keys = keys * _P + col
            order = np.argsort(keys, kind="stable")
            _join_buckets(order, keys, sets, set_offsets, parent, float(threshold))
    roots = _roots(parent)
    return _first_seen_labels(roots[exact])
