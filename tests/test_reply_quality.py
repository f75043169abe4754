"""The reply-quality model: metrics by hand, a learnable signal, weak replies flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.reply.quality import QualityModel, flag_weak, metrics


def test_metrics_by_hand():
    true = np.array([[1.0, 0.0, -1.0], [-1.0, 1.0, 1.0]])
    pred = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])
    m = metrics(pred, true)
    # A: errors 1, 0 → rmse sqrt(1/2), mae 1/2, NMD bound 1/8; predictions 0, −1 follow the truth 1, −1
    assert m["A"]["rmse"] == pytest.approx(np.sqrt(0.5))
    assert m["A"]["mae"] == pytest.approx(0.5)
    assert m["A"]["nmd_lower_bound"] == pytest.approx(0.125)
    assert m["A"]["pearson"] == pytest.approx(1.0)
    assert np.isnan(m["S"]["pearson"])  # a constant prediction has no correlation


def _toy(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    good = rng.random(n) < 0.5
    reply = np.where(good, "非常抱歉给您带来不便请私信号码我们马上处理", "知道了")
    X = pd.DataFrame({"post": ["宽带坏了怎么办"] * n, "reply": reply})
    y = np.where(good[:, None], 1.5, -1.5) + rng.normal(0, 0.2, (n, 3))
    return X, y


def test_the_model_learns_which_replies_annotators_liked():
    X, y = _toy(80, seed=1)
    model = QualityModel(min_df=1).fit(X, y)
    Xt, yt = _toy(20, seed=2)
    m = metrics(model.predict(Xt), yt)
    assert all(m[s]["pearson"] > 0.9 for s in "ASE")
    assert model.predict(Xt).min() >= -2 and model.predict(Xt).max() <= 2
    flagged = flag_weak(pd.DataFrame({"post": ["宽带坏了怎么办"] * 2,
                                      "reply": ["知道了", "非常抱歉给您带来不便请私信号码我们马上处理"]}), model)
    assert flagged["weak"].tolist() == [True, False]
    assert flagged["quality_mean"].iloc[0] < 0 < flagged["quality_mean"].iloc[1]
    # a missing reply was scored as the empty text (+0.07, not weak): it is weak, with no quality
    none = flag_weak(pd.DataFrame({"post": ["宽带坏了怎么办"] * 3,
                                   "reply": [None, "  ", "非常抱歉给您带来不便请私信号码我们马上处理"]}), model)
    assert none["weak"].tolist() == [True, True, False]
    assert none["quality_mean"].isna().tolist() == [True, True, False] and none["quality_A"].isna().sum() == 2
    with pytest.raises(InputError, match="no column 'reply'"):
        flag_weak(pd.DataFrame({"post": ["x"]}), model)
    with pytest.raises(InputError, match="threshold must be a number on the quality scale"):  # a TypeError
        flag_weak(pd.DataFrame({"post": ["x"], "reply": ["y"]}), model, threshold="0")
