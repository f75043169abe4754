"""Choosing what to label next.

- ``random_sample`` and ``stratified_sample`` (proportional allocation over strata)
  pick items without a model: the gold set's sample and the cold start;
- ``uncertainty`` ranks unlabelled items by the model's entropy or margin (numpy);
- ``diversity`` spreads a batch over clusters of a text embedding;
- ``query`` chooses the next batch for the active-learning loop (cold start without
  labels, then uncertainty or diversity), and ``StoppingSignal`` (small-text's
  KappaAverage) says when more labels stop changing the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from wbcs.checks import rng as rng_from
from wbcs.checks import whole
from wbcs.errors import InputError


def random_sample(ids: Sequence[str], n: int, *, seed=0) -> list[str]:
    """``n`` ids drawn without replacement (all of them, shuffled, when ``n`` ≥ their count)."""
    ids = list(ids)
    n = whole(n, "n")
    rng = rng_from(seed)
    return [ids[i] for i in rng.permutation(len(ids))[:n]]


def allocate(sizes: pd.Series, n: int) -> pd.Series:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder,
    ties to the larger stratum), never more than a stratum holds."""
    n = min(int(n), int(sizes.sum()))
    exact = sizes / sizes.sum() * n
    take = np.floor(exact).astype(int)
    order = (exact - take).sort_values(ascending=False, kind="stable").index
    for key in order[: n - int(take.sum())]:
        take[key] += 1
    return take.clip(upper=sizes)


def stratified_sample(frame: pd.DataFrame, n: int, *, by: str | Sequence[str], id_col: str = "post_id",
                      seed=0) -> pd.DataFrame:
    """``n`` rows of ``frame`` with each stratum (the values of ``by``: a column or a list of
    them, missing values a stratum of their own) in proportion to its size; rows come back shuffled."""
    by = [by] if isinstance(by, str) else list(by)
    n = whole(n, "stratified_sample: n")
    missing = [c for c in [id_col, *by] if c not in frame.columns]
    if missing:
        raise InputError(f"stratified_sample: no column {missing[0]!r}; columns are "
                         f"{', '.join(map(str, frame.columns))}")
    rng = rng_from(seed)
    # column by column: DataFrame-wide ops would compare frame.attrs (which may hold frames)
    keys = pd.Series("", index=frame.index)
    for col in by:
        keys = keys + "|" + frame[col].astype("string").fillna("<missing>")
    take = allocate(keys.value_counts().sort_index(), n)
    picked = []
    for key, k in take.items():
        rows = np.flatnonzero((keys == key).to_numpy())
        picked.append(rng.choice(rows, size=int(k), replace=False))
    rows = np.concatenate(picked) if picked else np.array([], dtype=int)
    return frame.iloc[rng.permutation(rows)].reset_index(drop=True)


# --------------------------------------------------------------------------- uncertainty

UNCERTAINTY = ("entropy", "margin", "least_confidence")


def uncertainty(proba, method: str = "entropy") -> np.ndarray:
    """Uncertainty per row of a probability table, higher = less sure, 0 = certain:
    ``entropy`` (nats), ``margin`` (1 − (p₁ − p₂), "breaking ties") or
    ``least_confidence`` (1 − p₁).

    Hand-written in numpy rather than small-text's PredictionEntropy / BreakingTies /
    LeastConfidence: those score row by row (``np.apply_along_axis``) and measured
    about 1,600× slower on 20,000 × 13 probabilities (benchmarks/bench_labeling.py),
    and importing small-text pulls in torch. The formulas are the same (tests pin
    them to hand values).
    """
    if method not in UNCERTAINTY:
        raise InputError(f"unknown uncertainty method {method!r}; use one of {', '.join(UNCERTAINTY)}")
    p = np.asarray(proba, dtype=float)
    if p.ndim != 2 or p.shape[1] < 2:
        raise InputError(f"probabilities must be a table with ≥ 2 label columns, got shape {p.shape}")
    if not np.isfinite(p).all():  # NaN sorted as "most certain" and ranked rows silently
        row = int(np.flatnonzero(~np.isfinite(p).all(axis=1))[0])
        raise InputError(f"probabilities: row {row} is not a number (NaN or inf); give a model's probabilities")
    if method == "entropy":
        return -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=1)
    top2 = -np.partition(-p, 1, axis=1)[:, :2]  # the two largest per row, largest first
    return 1.0 - (top2[:, 0] - top2[:, 1] if method == "margin" else top2[:, 0])


def most_uncertain(proba, n: int, *, method: str = "entropy") -> np.ndarray:
    """Row positions of the ``n`` most uncertain rows, most uncertain first (stable ties)."""
    scores = uncertainty(proba, method)
    return np.argsort(-scores, kind="stable")[: max(0, n)]


# --------------------------------------------------------------------------- diversity

def embed(texts: Sequence[str], *, dim: int = 64, seed=0) -> np.ndarray:
    """A dense text embedding: TF-IDF of character 1–3-grams reduced by truncated SVD,
    rows L2-normalised. Cheap, no model needed (cold start)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as l2

    from wbcs.text import normalize_series

    cleaned = normalize_series(pd.Series(list(texts), dtype=object)).fillna("").tolist()
    if not any(cleaned):  # scikit-learn's "empty vocabulary" said nothing about what to do
        raise InputError(f"the {len(cleaned)} texts to choose from are all empty (after normalisation): a text "
                         "embedding cannot spread them; give the posts' texts (a 'text' column), or use "
                         "strategy='random'")
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    x = tfidf.fit_transform(cleaned)
    k = max(1, min(dim, x.shape[1] - 1, x.shape[0] - 1))
    state = int(rng_from(seed).integers(2**31 - 1))
    z = TruncatedSVD(n_components=k, random_state=state).fit_transform(x) if k > 1 else x.toarray()
    return l2(z)


def diversity(embeddings: np.ndarray, n: int, *, seed=0) -> np.ndarray:
    """``n`` row positions spread over the embedding: k-means with ``n`` clusters, the
    row nearest each centre (largest clusters first).

    Written here rather than small-text's EmbeddingKMeans, which builds its KMeans
    without a random_state (global random state, irreproducible batches).
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    x = np.asarray(embeddings, dtype=float)
    n = min(max(0, n), len(x))
    if n == 0:
        return np.array([], dtype=int)
    state = int(rng_from(seed).integers(2**31 - 1))
    with warnings.catch_warnings():
        # Fewer distinct points than n (duplicate texts): some clusters come out empty;
        # the loop below still returns n distinct rows.
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = KMeans(n_clusters=n, n_init=4, random_state=state).fit(x)
    dist = km.transform(x)  # distance of every row to every centre
    sizes = np.bincount(km.labels_, minlength=n)
    picked: list[int] = []
    for c in np.argsort(-sizes, kind="stable"):
        for row in np.argsort(dist[:, c], kind="stable"):
            if row not in picked:
                picked.append(int(row))
                break
    return np.array(picked, dtype=int)


# --------------------------------------------------------------------------- batch queries

STRATEGIES = ("random", "cold_start", "diversity", *UNCERTAINTY, "entropy_diversity")


def query(texts: Sequence[str], n: int, *, strategy: str = "entropy", proba=None,
          labelled: Sequence[bool] | None = None, seed=0, pool_factor: int = 4) -> np.ndarray:
    """Positions (in ``texts``) of the next ``n`` unlabelled items to label.

    - ``random``: uniform; ``cold_start``/``diversity``: spread over the text embedding
      (no model needed, so this is how a project starts);
    - ``entropy``/``margin``/``least_confidence``: the model's least sure items
      (``proba``: one row per text);
    - ``entropy_diversity``: the ``pool_factor × n`` most uncertain, then spread over
      the embedding, so one batch does not ask the same question ``n`` times.
    Without ``proba`` every model-based strategy falls back to ``cold_start``.
    """
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if isinstance(texts, str):  # its characters would be the texts
        raise InputError("query: texts must be a list of texts, not one string")
    texts = list(texts)
    n, pool_factor = whole(n, "query: n"), whole(pool_factor, "query: pool_factor", 1)
    mask = np.zeros(len(texts), bool) if labelled is None else np.asarray(labelled, bool)
    if mask.shape != (len(texts),):
        raise InputError(f"query: labelled has {mask.size} flags for {len(texts)} texts; give one True/False per text")
    if proba is not None and len(proba) != len(texts):
        raise InputError(f"query: proba has {len(proba)} rows for {len(texts)} texts; give one row per text")
    pool = np.flatnonzero(~mask)
    n = min(n, len(pool))
    if n <= 0:
        return np.array([], dtype=int)
    if strategy == "random":
        return np.array(random_sample(list(pool), n, seed=seed), dtype=int)
    if proba is None or strategy in ("cold_start", "diversity"):
        emb = embed([texts[i] for i in pool], seed=seed)
        return pool[diversity(emb, n, seed=seed)]
    p = np.asarray(proba, dtype=float)[pool]
    if strategy in UNCERTAINTY:
        return pool[most_uncertain(p, n, method=strategy)]
    top = pool[most_uncertain(p, n * pool_factor, method="entropy")]
    emb = embed([texts[i] for i in top], seed=seed)
    return top[diversity(emb, n, seed=seed)]


# --------------------------------------------------------------------------- stopping

class StoppingSignal:
    """When to stop labelling: the model's predictions on a fixed set of unlabelled
    items stop changing (small-text's KappaAverage: the mean Cohen's κ between
    consecutive rounds over the last ``window`` rounds reaches ``kappa``).

    Call ``update(predicted_labels)`` after each retraining; it returns True to stop.
    """

    def __init__(self, labels: Sequence[str], *, window: int = 3, kappa: float = 0.99):
        from small_text.stopping_criteria import KappaAverage

        self.labels = list(labels)
        self._code = {lab: i for i, lab in enumerate(self.labels)}
        self._criterion = KappaAverage(len(self.labels), window_size=window, kappa=kappa)
        self.recent_kappa: list[float] = []  # κ between consecutive rounds, last `window`
        self.stop = False

    def update(self, predicted: Sequence[str]) -> bool:
        try:
            codes = np.array([self._code[p] for p in predicted])
        except KeyError as e:
            raise InputError(f"StoppingSignal: unknown label {e.args[0]!r}; known: "
                             f"{', '.join(self.labels)}") from None
        self.stop = bool(self._criterion.stop(predictions=codes))
        self.recent_kappa = list(self._criterion.kappa_history)
        return self.stop
