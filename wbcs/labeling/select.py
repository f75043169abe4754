"""Choosing which customer turns of the training dialogues to label: class balance first.

Most later messages are complaints or acknowledgements; the classes a team needs to find
(consultations, praise, suggestions, vague negativity, abuse) are rare, and a random
sample of a few hundred turns holds a handful of each. ``balanced_turns`` splits a
labelling budget three ways:

- **rare**: round-robin over the rare classes of each field, the pool item the model
  thinks most likely to be that class (class-balance sampling);
- **uncertain**: the items whose labels the models are least sure of (mean normalised
  entropy over the fields, ``sampling.uncertainty``);
- **random**: a uniform share, so the labelled turns also show the pool as it is and the
  models are not only taught their own blind spots.

The models are the project's ``TextClassifier`` fitted on labels of the training part
only; the test part is never a pool and never a source of labels here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.checks import rng as rng_from
from wbcs.errors import InputError
from wbcs.labeling.sampling import random_sample, uncertainty
from wbcs.progress import bar

RARE = {"intent": ("consultation", "suggestion", "praise", "other"),
        "sentiment": ("positive", "neutral"),
        "negative_subtype": ("vague_negativity", "abuse")}
SHARES = {"rare": 0.5, "uncertain": 0.25, "random": 0.25}
# a label with fewer labelled examples than this is rare (the bar for a class a model can learn)
RARE_BELOW = 100


def rare_labels(labelled: pd.DataFrame, fields, *, below: int = RARE_BELOW) -> dict[str, tuple[str, ...]]:
    """Per field of ``fields``, the labels with fewer than ``below`` labelled examples in ``labelled`` (one column per
    field), rarest first: what a class-balance selection looks for when nobody says (``balanced_turns``' ``rare``).
    A label of the taxonomy that ``labelled`` never holds is not a class its selection model can rank for."""
    out = {}
    for field in fields:
        counts = labelled[field].dropna().astype(str).value_counts()
        thin = counts[counts < below].sort_values(kind="stable")
        if len(thin):
            out[field] = tuple(thin.index)
    return out


def _proba(labelled: pd.DataFrame, pool_texts: list[str], field: str, seed) -> pd.DataFrame:
    from wbcs.classify.baseline import TextClassifier

    rows = labelled[labelled[field].notna() & (labelled[field].astype(str) != "")]
    if rows[field].nunique() < 2:
        raise InputError(f"select: the labelled items have fewer than 2 {field} labels; label more first")
    model = TextClassifier(model="nb-logreg", random_state=int(rng_from(seed).integers(2**31 - 1)))
    model.fit(rows["text"].tolist(), rows[field].astype(str).to_numpy())
    return pd.DataFrame(model.predict_proba(pool_texts), columns=model.classes_)


def balanced_turns(pool: pd.DataFrame, n: int, *, labelled: pd.DataFrame, seed=0,
                   rare: dict[str, tuple[str, ...]] | None = None,
                   shares: dict[str, float] | None = None) -> pd.DataFrame:
    """``n`` rows of ``pool`` (item_id, text, ...) to label, with a ``reason`` column
    (``rare:intent=consultation``, ``uncertain`` or ``random``); ``labelled`` holds the
    training labels (text + one column per field of ``rare``)."""
    rare = rare or RARE
    shares = shares or SHARES
    rng = rng_from(seed)
    pool = pool.reset_index(drop=True)
    n = min(int(n), len(pool))
    texts = pool["text"].astype(str).tolist()
    probas = {f: _proba(labelled, texts, f, rng) for f in bar(list(rare), desc="selection models", leave=False)}
    reason = pd.Series(pd.NA, index=pool.index, dtype="string")

    # rare classes, round-robin: each (field, class) in turn takes its most probable free item
    queues = [(f, c, probas[f][c].to_numpy()) for f, classes in rare.items() for c in classes
              if c in probas[f].columns]
    orders = {(f, c): list(np.argsort(-p, kind="stable")) for f, c, p in queues}
    budget = round(n * shares["rare"])
    while budget > 0 and any(orders.values()):
        for f, c, _ in queues:
            order = orders[(f, c)]
            while order and reason.iloc[order[0]] is not pd.NA:
                order.pop(0)
            if order and budget > 0:
                reason.iloc[order.pop(0)] = f"rare:{f}={c}"
                budget -= 1

    # the least certain of what is left (mean entropy over the fields, each scaled to 0..1)
    entropy = np.mean([uncertainty(p.to_numpy(), "entropy") / np.log(p.shape[1]) for p in probas.values()],
                      axis=0)
    free = np.flatnonzero(reason.isna().to_numpy())
    take = free[np.argsort(-entropy[free], kind="stable")][: round(n * shares["uncertain"])]
    reason.iloc[take] = "uncertain"

    # and a uniform share of the rest, up to n
    free = list(np.flatnonzero(reason.isna().to_numpy()))
    left = max(0, n - int(reason.notna().sum()))
    reason.iloc[random_sample(free, left, seed=rng)] = "random"
    out = pool.assign(reason=reason)
    return out[out["reason"].notna()].reset_index(drop=True)


def choose_posts(pool: pd.DataFrame, n: int, *, strategy: str = "balanced", rare: dict | None = None,
                 seed=0) -> pd.DataFrame:
    """``n`` posts of a team's own ``pool`` (item_id, text) to label in the full schema, with a ``reason`` column:
    ``strategy`` "random" (uniform) or "balanced" (``balanced_turns``, its models fitted on the gold set's training
    first posts — never the fixed test part —, looking for ``rare``: by default ``rare_labels`` of those posts, every
    label with fewer than ``RARE_BELOW`` examples). ``attrs["rare"]`` holds the classes looked for."""
    from wbcs.goldset import load_gold_items

    if strategy not in ("random", "balanced"):
        raise InputError(f"strategy {strategy!r}: use 'random' or 'balanced'")
    missing = [c for c in ("item_id", "text") if c not in pool.columns]
    if missing:
        raise InputError(f"pool: no column {missing[0]!r} (needs item_id, text); columns: "
                         f"{', '.join(map(str, pool.columns))}")
    twice = pool["item_id"][pool["item_id"].duplicated()]
    if len(twice):  # its labels could not be told apart (a drawn id came back once per row)
        raise InputError(f"pool: item_id {twice.iloc[0]!r} is on {int((pool['item_id'] == twice.iloc[0]).sum())} "
                         "rows; keep one row per post")
    if strategy == "random":
        keep = random_sample(range(len(pool)), n, seed=seed)
        out = pool.iloc[keep].reset_index(drop=True).assign(reason="random")
        out.attrs["rare"] = {}
        return out
    gold = load_gold_items(turns=False)
    gold = gold[gold["part"] == "train"]
    rare = rare or rare_labels(gold, ["sentiment", "intent", "topic", "negative_subtype"])
    out = balanced_turns(pool[["item_id", "text"]], n, labelled=gold, seed=seed, rare=rare)
    out.attrs["rare"] = rare
    return out
