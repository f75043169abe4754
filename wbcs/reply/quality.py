"""A reply-quality model: the NTCIR-14 STC-3 dialogue-quality (DQ) subtask on our data.

STC-3 judges each customer–helpdesk dialogue on three scales from −2 to 2: A (task
accomplished), S (customer satisfaction) and E (dialogue effectiveness), by 19 annotators.
``QualityModel`` predicts the annotators' mean of each from the customer's text and the
helpdesk's text (their first ``MAX_CHARS`` characters, as the index's): character 1–3-gram
TF-IDF of each side (the project's ``CharNgramVectorizer``) and a ridge regression per scale. It ranks candidate replies
(``wbcs.reply.index``) and flags weak replies in a team's own log (``flag_weak``).

``evaluate_quality`` measures it on a grouped hold-out of the dialogues (near-duplicate
posts stay on one side) against the task's two data-defined baselines: BL-uniform (a uniform
distribution over the five grades, whose mean is 0) and BL-popularity (the training set's
average distribution, whose mean is the training mean). The task's official measures, NMD and
RSNOD, compare *distributions* of the 19 annotators' grades; the mirror keeps only their means,
so we report what the means allow: RMSE, MAE, Pearson and Spearman correlation, and
``nmd_lower_bound`` = mean |predicted − true mean| / 4, a lower bound of NMD (the match
distance between two distributions on a 5-point scale is at least the gap between their means
divided by 4; equal when one distribution dominates the other).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.checks import is_number
from wbcs.errors import InputError
from wbcs.reply.index import MAX_CHARS

SCALES = ("A", "S", "E")
TARGETS = [f"quality_{s}" for s in SCALES]


class QualityModel:
    """Ridge regression of A/S/E on the TF-IDF of two text columns (scikit-learn habits)."""

    def __init__(self, columns=("post", "reply"), alpha: float = 3.0, min_df: int = 2):
        self.columns = columns
        self.alpha = alpha
        self.min_df = min_df

    def _pipeline(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline

        from wbcs.classify.features import CharNgramVectorizer

        sides = [(c, make_pipeline(CharNgramVectorizer((1, 3), min_df=self.min_df),
                                   TfidfTransformer(sublinear_tf=True)), c) for c in self.columns]
        return make_pipeline(ColumnTransformer(sides), Ridge(alpha=self.alpha))

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise InputError(f"quality model: missing column {missing[0]!r} (needs {', '.join(self.columns)})")
        # cut like the index's texts (MAX_CHARS says why): a document-sized text costs gigabytes of n-grams
        return X[list(self.columns)].astype("string").fillna("").apply(lambda c: c.str.slice(0, MAX_CHARS)).astype(object)

    def fit(self, X: pd.DataFrame, y) -> QualityModel:
        y = np.asarray(y, dtype=float)
        self.pipeline_ = self._pipeline().fit(self._frame(X), y)
        self.train_mean_ = y.mean(axis=0)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted A, S, E means (n × 3), clipped to the scale −2..2."""
        if not len(X):
            return np.zeros((0, len(SCALES)))
        return np.clip(self.pipeline_.predict(self._frame(X)), -2, 2)

    def score01(self, X: pd.DataFrame) -> np.ndarray:
        """The mean of the predicted A, S, E mapped to 0..1 (the index's quality scale)."""
        return self.predict(X).mean(axis=1) / 4 + 0.5


def metrics(pred: np.ndarray, true: np.ndarray) -> dict[str, dict[str, float]]:
    """Per scale: rmse, mae, pearson, spearman, nmd_lower_bound (see the module docstring)."""
    from scipy.stats import pearsonr, spearmanr

    out = {}
    for j, s in enumerate(SCALES):
        p, t = pred[:, j], true[:, j]
        constant = np.ptp(p) == 0
        out[s] = {"rmse": float(np.sqrt(np.mean((p - t) ** 2))), "mae": float(np.mean(np.abs(p - t))),
                  "pearson": float("nan") if constant else float(pearsonr(p, t)[0]),
                  "spearman": float("nan") if constant else float(spearmanr(p, t)[0]),
                  "nmd_lower_bound": float(np.mean(np.abs(p - t)) / 4)}
    return out


def dialogue_frame(*, telecom_only: bool = False) -> pd.DataFrame:
    """The STC-3 dialogues for the DQ task: ``id``, ``post`` (first customer turn), ``reply``
    (first helpdesk turn), ``customer`` and ``helpdesk`` (all turns of each side) and the
    A/S/E means."""
    from wbcs.datasets import dataset_path, read_jsonl

    rows = []
    for r in read_jsonl(dataset_path("stc3")):
        if telecom_only and not r["telecom"]:
            continue
        side = {"customer": [], "helpdesk": []}
        for t in r["turns"]:
            side[t["sender"]].append(t["text"])
        rows.append({"id": str(r["id"]), "post": side["customer"][0] if side["customer"] else "",
                     "reply": side["helpdesk"][0] if side["helpdesk"] else "",
                     "customer": " ".join(side["customer"]), "helpdesk": " ".join(side["helpdesk"]),
                     **{f"quality_{s}": r["quality_mean"][s] for s in SCALES}})
    return pd.DataFrame(rows)


def evaluate_quality(dialogues: pd.DataFrame, *, columns=("post", "reply"), test_size: float = 0.2,
                     seed: int = 0, alpha: float = 3.0) -> dict:
    """Fit on a grouped part of ``dialogues`` and measure on the rest, next to the baselines.

    Groups are near-duplicate first posts (``wbcs.classify.splits.leakage_groups``); the split
    is stratified by quintile of the mean quality. Returns {"n_train", "n_test", "model",
    "bl_uniform", "bl_popularity"} with ``metrics`` each."""
    from wbcs.classify.splits import group_train_test_split, leakage_groups

    y = dialogues[TARGETS].to_numpy(float)
    groups = leakage_groups(dialogues["post"].astype(str).tolist(), seed=seed)
    strata = pd.qcut(y.mean(axis=1), 5, labels=False, duplicates="drop")
    train, test = group_train_test_split(strata, groups, test_size=test_size, seed=seed)
    model = QualityModel(columns, alpha=alpha).fit(dialogues.iloc[train], y[train])
    pred = model.predict(dialogues.iloc[test])
    return {"n_train": int(len(train)), "n_test": int(len(test)), "columns": list(columns),
            "model": metrics(pred, y[test]),
            "bl_uniform": metrics(np.zeros_like(y[test]), y[test]),
            "bl_popularity": metrics(np.tile(y[train].mean(axis=0), (len(test), 1)), y[test])}


_MODEL: dict = {}


def stc3_quality_model() -> QualityModel:
    """The model fitted on every STC-3 dialogue's first exchange (post, first reply); fitted once
    per process (a second or two). Raises ``DatasetMissing`` without the dataset mirror."""
    if "stc3" not in _MODEL:
        d = dialogue_frame()
        from wbcs.reply.index import clean_posts, to_slots

        X = pd.DataFrame({"post": clean_posts(d["post"]).to_numpy(), "reply": d["reply"].map(to_slots)})
        _MODEL["stc3"] = QualityModel().fit(X, d[TARGETS].to_numpy(float))
    return _MODEL["stc3"]


def flag_weak(log: pd.DataFrame, model: QualityModel | None = None, *, threshold: float = 0.0) -> pd.DataFrame:
    """A team's reply log (``post``, ``reply``) with predicted ``quality_A/S/E``, their mean
    ``quality_mean`` and ``weak`` (mean below ``threshold`` on the −2..2 scale). A missing or
    blank reply is weak, with no predicted quality (NaN): no reply is not a reply of some quality."""
    from wbcs.reply.index import clean_posts, to_slots

    if not is_number(threshold) or not -2 <= threshold <= 2:
        raise InputError(f"flag_weak: threshold must be a number on the quality scale −2..2, got {threshold!r}")
    missing = [c for c in ("post", "reply") if c not in log.columns]
    if missing:
        raise InputError(f"flag_weak: the reply log has no column {missing[0]!r} (needs post, reply)")
    model = model or stc3_quality_model()
    reply = log["reply"].astype("string").fillna("")
    X = pd.DataFrame({"post": clean_posts(log["post"]).to_numpy(), "reply": reply.map(to_slots).to_numpy()})
    pred = model.predict(X)
    pred[(reply.str.strip() == "").to_numpy()] = np.nan
    out = log.copy()
    for j, s in enumerate(SCALES):
        out[f"quality_{s}"] = pred[:, j]
    out["quality_mean"] = pred.mean(axis=1)
    out["weak"] = ~(out["quality_mean"] >= threshold)  # NaN (no reply) is weak
    return out
