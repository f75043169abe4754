"""Near-duplicate clusters over a partitioned archive, without the texts on one machine.

``clusters(jobs, read, ...)`` gives what ``wbcs.dedup.near_duplicate_groups`` gives over the
texts of an archive's posts spread over many files, for each *scope* the hot issues need
(``SCOPES``: every post for the spike series, the consultations and the complaints for the
aggregation rules, the posts without a topic for the incidents' issues): which texts are one
cluster. A cluster links posts anywhere in the archive, so it is no sum of per-file results;
this is a distributed MinHash-LSH join (as Spark's ``MinHashLSH.approxSimilarityJoin``), with
the in-process module's exact verification, on ``dask.dataframe`` (its shuffles spill to disk
on the workers, so no machine holds the archive):

1. each file: its distinct normalised texts, each with a 128-bit id (two 64-bit hashes of
   ``pandas.util.hash_pandas_object`` under different keys), the scopes it occurs in and its
   LSH bucket in every band (``wbcs.dedup.band_keys``: seeded, so a text has the same buckets
   in every file);
2. the (band, bucket, text id) rows, shuffled by bucket: a bucket with two distinct texts or
   more keeps its rows (the candidates), the scopes of a text seen in several files united;
3. the candidates joined with their texts (shuffled by text id) and shuffled by bucket again:
   each partition verifies its buckets' pairs, scope by scope, with the exact Jaccard
   (``wbcs.dedup.join_runs``) and returns an edge from every text to its local component;
4. the client takes the connected components of the edges (scipy's ``connected_components``):
   it holds one entry per text that has a near duplicate, never the others.

Equal to the in-process groups: in both, a scope's candidate pairs are its texts sharing a
bucket in some band, each verified exactly, and the components of the verified pairs do not
depend on the order they are found in. Texts are told apart by their 128-bit id rather than
the string: two different texts share one with probability about n² / 2¹²⁹.

A text's cluster id is its component's smallest text id, or its own id (``cluster_ids``);
the posts' files compute it from the ``Clusters`` the client hands them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SCOPES = ("all", "consultation", "complaint", "loose")
_KEYS = ("wbcs-dedup-id-hi", "wbcs-dedup-id-lo")  # hash_pandas_object keys: 16 characters each
ID = ["hi", "lo"]


def scope_masks(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which posts of a file belong to each scope (intent and topic as plain strings or None)."""
    intent = df["intent"]
    return {"all": np.ones(len(df), dtype=bool),
            "consultation": (intent == "consultation").to_numpy(dtype=bool),
            "complaint": (intent == "complaint").to_numpy(dtype=bool),
            "loose": df["topic"].isna().to_numpy(dtype=bool)}


def text_ids(df: pd.DataFrame) -> pd.DataFrame:
    """Per post: its normalised text (as ``wbcs.dedup`` compares them: missing reads "None", as
    the in-process rules pass ``astype(str)``) and that text's 128-bit id."""
    from pandas.util import hash_pandas_object

    from wbcs.dedup import normalized

    norm = normalized(df["text"].astype(str)).astype(object)
    return pd.DataFrame({"text": norm.to_numpy(),
                         **{c: hash_pandas_object(norm, index=False, hash_key=k).to_numpy()
                            for c, k in zip(ID, _KEYS, strict=True)}}, index=df.index)


def _texts(job, read: Callable) -> pd.DataFrame:
    """Step 1: a file's distinct texts, with the scopes they occur in."""
    df = read(job)
    t = text_ids(df).assign(**scope_masks(df))
    return t.groupby(ID, sort=False).agg({"text": "first", **dict.fromkeys(SCOPES, "max")}).reset_index()


def _bands(texts: pd.DataFrame, threshold: float, ngram: int, seed, num_perm: int) -> pd.DataFrame:
    """Step 1: one row per text and band: (band, bucket key, text id, scopes)."""
    from wbcs.dedup import band_keys, shingle_sets

    if texts.empty:
        return _band_meta()
    keys = band_keys(*shingle_sets(texts["text"].tolist(), ngram), threshold=threshold, seed=seed, num_perm=num_perm)
    n, bands = keys.shape
    rows = np.tile(np.arange(n), bands)
    out = pd.DataFrame({"band": np.repeat(np.arange(bands, dtype=np.int16), n), "key": keys.T.ravel()})
    for c in [*ID, *SCOPES]:
        out[c] = texts[c].to_numpy()[rows]
    return out


def _band_meta() -> pd.DataFrame:
    return pd.DataFrame({"band": pd.Series(dtype=np.int16), "key": pd.Series(dtype=np.uint64),
                         **{c: pd.Series(dtype=np.uint64) for c in ID}, **{s: pd.Series(dtype=bool) for s in SCOPES}})


def _candidates(part: pd.DataFrame) -> pd.DataFrame:
    """Step 2: the rows of buckets holding ≥ 2 distinct texts, one per (bucket, text)."""
    rows = part.groupby(["band", "key", *ID], sort=False)[list(SCOPES)].max().reset_index()
    size = rows.groupby(["band", "key"], sort=False)["hi"].transform("size")
    return rows[size.to_numpy() >= 2].astype({s: bool for s in SCOPES})


def _edges_meta() -> pd.DataFrame:
    return pd.DataFrame({"scope": pd.Series(dtype=object),
                         **{c: pd.Series(dtype=np.uint64) for c in ["hi", "lo", "to_hi", "to_lo"]}})


def _verify(part: pd.DataFrame, threshold: float, ngram: int) -> pd.DataFrame:
    """Step 3: per scope, the verified near-duplicate pairs of the partition's buckets, as an
    edge from each text to the smallest text of its component here."""
    from wbcs.dedup import join_runs, roots, runs, shingle_sets

    if part.empty:  # one row per (bucket, text): _candidates made them so, and the texts joined are distinct
        return _edges_meta()
    member, uniq = pd.MultiIndex.from_frame(part[ID]).factorize()
    text = part.groupby(member)["text"].first()  # the texts in member order 0, 1, ...
    sets, offsets = shingle_sets(text.tolist(), ngram)
    bucket = pd.MultiIndex.from_frame(part[["band", "key"]]).factorize()[0]
    out = []
    for scope in SCOPES:
        inside = part[scope].to_numpy(dtype=bool)
        parent = np.arange(len(uniq), dtype=np.int64)
        order, starts, ends = runs(bucket[inside])
        join_runs(member[inside][order], starts, ends, sets, offsets, parent, threshold)
        r = roots(parent)
        moved = np.flatnonzero(r != np.arange(len(r)))
        if len(moved):
            frm, to = uniq[moved], uniq[r[moved]]
            out.append(pd.DataFrame({"scope": scope, "hi": frm.get_level_values(0).to_numpy(np.uint64),
                                     "lo": frm.get_level_values(1).to_numpy(np.uint64),
                                     "to_hi": to.get_level_values(0).to_numpy(np.uint64),
                                     "to_lo": to.get_level_values(1).to_numpy(np.uint64)}))
    return pd.concat(out, ignore_index=True) if out else _edges_meta()


@dataclass
class Clusters:
    """Per scope, the texts that have a near duplicate: (hi, lo) → their cluster's (c_hi, c_lo)."""

    members: dict[str, pd.DataFrame]

    def size(self) -> int:
        return sum(len(m) for m in self.members.values())


def _components(edges: pd.DataFrame) -> Clusters:
    """Step 4: the connected components of each scope's edges, each named by its smallest id."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    members = {}
    for scope in SCOPES:
        e = edges[edges["scope"] == scope]
        if e.empty:
            members[scope] = pd.DataFrame({c: pd.Series(dtype=np.uint64) for c in ["hi", "lo", "c_hi", "c_lo"]})
            continue
        ends = pd.DataFrame({"hi": np.concatenate([e["hi"], e["to_hi"]]).astype(np.uint64),
                             "lo": np.concatenate([e["lo"], e["to_lo"]]).astype(np.uint64)})
        code, uniq = pd.MultiIndex.from_frame(ends).factorize()
        n = len(uniq)
        graph = coo_matrix((np.ones(len(e)), (code[:len(e)], code[len(e):])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        ids = pd.DataFrame({"hi": uniq.get_level_values(0).to_numpy(np.uint64),
                            "lo": uniq.get_level_values(1).to_numpy(np.uint64), "label": label})
        name = ids.sort_values(ID).groupby("label")[ID].first()  # the smallest id of each component
        members[scope] = ids.join(name.rename(columns={"hi": "c_hi", "lo": "c_lo"}), on="label")[
            ["hi", "lo", "c_hi", "c_lo"]].reset_index(drop=True)
    return Clusters(members)


def shuffles(client):
    """The context to build and compute a collection in: on the cluster, shuffles peer to peer
    (spilled to the workers' disks); in this process, in-memory task shuffles. Set explicitly:
    dask picks p2p whenever some distributed client exists, which the synchronous in-process
    run cannot use. Object columns are left as they are (dask would make them Arrow strings)."""
    import dask

    return dask.config.set({"dataframe.shuffle.method": "tasks" if client is None else "p2p",
                            "dataframe.convert-string": False})  # cluster ids are bytes, texts stay objects


def compute(collection, client):
    """A dask collection's value: on the cluster, or in this process (synchronously)."""
    with shuffles(client):
        if client is None:
            return collection.compute(scheduler="sync")
        return client.compute(collection).result()


def clusters(jobs: list, read: Callable, *, threshold: float = 0.8, ngram: int = 3, seed=0,
             num_perm: int = 128, client=None) -> Clusters:
    """The near-duplicate clusters of the posts ``read(job)`` returns for every job (a file),
    per scope; see the module docstring. ``client`` runs it on a Dask cluster."""
    from wbcs.dedup import check_request

    check_request(threshold, ngram, num_perm)
    with shuffles(client):
        edges = _edges(jobs, read, threshold, ngram, seed, num_perm, partitions(len(jobs), client))
        return _components(compute(edges, client))


def partitions(n_jobs: int, client) -> int:
    """Partitions of a shuffle's output: a few per worker thread (one in process) and never more
    than the files: each partition costs a task per step, whatever rows it holds."""
    threads = sum(client.nthreads().values()) if client is not None else 0
    return max(1, min(n_jobs, 4 * threads)) if threads else 1


def _edges(jobs: list, read: Callable, threshold: float, ngram: int, seed, num_perm: int, n: int):
    """Steps 1-3 as a dask collection (the module docstring)."""
    import dask.dataframe as dd

    texts_meta = pd.DataFrame({"hi": pd.Series(dtype=np.uint64), "lo": pd.Series(dtype=np.uint64),
                               "text": pd.Series(dtype=object), **{s: pd.Series(dtype=bool) for s in SCOPES}})
    texts = dd.from_map(_texts, jobs, read=read, meta=texts_meta, enforce_metadata=False)
    bands = texts.map_partitions(_bands, threshold, int(ngram), seed, int(num_perm), meta=_band_meta())
    cand = bands.shuffle(on=["band", "key"], npartitions=n).map_partitions(_candidates, meta=_band_meta())
    unique_texts = texts[[*ID, "text"]].drop_duplicates(subset=ID, split_out=n)
    joined = cand.merge(unique_texts, on=ID, how="inner", npartitions=n)
    edges = joined.shuffle(on=["band", "key"], npartitions=n).map_partitions(
        _verify, float(threshold), int(ngram), meta=_edges_meta())
    return edges


def cluster_ids(ids: pd.DataFrame, clusters: Clusters, scope: str) -> pd.Series:
    """Each post's cluster in ``scope`` as 16 bytes: its text's component's id, or its own text
    id (``ids`` from ``text_ids``). Bytes, not hex strings: one vectorised view, ~16× faster."""
    members = clusters.members[scope]
    hi, lo = ids["hi"].to_numpy(np.uint64), ids["lo"].to_numpy(np.uint64)
    if len(members):
        at = pd.MultiIndex.from_frame(members[ID]).get_indexer(pd.MultiIndex.from_frame(ids[ID]))
        found = at >= 0
        hi, lo = hi.copy(), lo.copy()  # uint64 kept: a merge with missing rows would round through float
        hi[found] = members["c_hi"].to_numpy()[at[found]]
        lo[found] = members["c_lo"].to_numpy()[at[found]]
    packed = np.ascontiguousarray(np.stack([hi, lo], axis=1)).view("S16").ravel()
    return pd.Series(packed.astype(object), index=ids.index, dtype=object)
