"""Shares corrected for the classifier's errors: exact algebra by hand, and a synthetic mix with known shares."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.errors import InputError
from wbcs.kpi.quantify import acc, corrected_shares, misclassification, sentiment_indicators


def test_acc_inverts_a_known_misclassification_by_hand():
    # true shares 0.5 / 0.5; the model calls 20 % of A "B" and 10 % of B "A":
    # observed A = 0.5*0.8 + 0.5*0.1 = 0.45, B = 0.5*0.2 + 0.5*0.9 = 0.55
    m = np.array([[0.8, 0.2], [0.1, 0.9]])
    assert acc([0.45, 0.55], m) == pytest.approx([0.5, 0.5])
    # an impossible observation is projected onto the simplex, never negative
    p = acc([0.05, 0.95], m)
    assert p.min() >= 0 and p.sum() == pytest.approx(1) and p[1] == pytest.approx(1)


def test_misclassification_rows_sum_to_one_and_unseen_rows_are_left_alone():
    m = misclassification([[8, 2, 0], [1, 9, 0], [0, 0, 0]])
    assert m[0].tolist() == [0.8, 0.2, 0.0] and m[2].tolist() == [0.0, 0.0, 1.0]


def _simulate(rng, p_true, m, n):
    truth = rng.choice(len(p_true), n, p=p_true)
    pred = np.array([rng.choice(len(p_true), p=m[t]) for t in truth])
    return truth, pred


def test_corrected_topic_shares_recover_a_known_mix():
    rng = np.random.default_rng(7)
    labels = ["broadband", "data", "roaming"]
    m_true = np.array([[0.80, 0.15, 0.05], [0.20, 0.75, 0.05], [0.10, 0.30, 0.60]])
    # the model's cross-validated confusion: 3,000 labelled posts, 1,000 per topic
    _, cv_pred = _simulate(rng, [1 / 3] * 3, m_true, 3000)
    cv_truth = np.repeat([0, 1, 2], 1000)
    cv_pred = np.array([rng.choice(3, p=m_true[t]) for t in cv_truth])
    confusion = np.zeros((3, 3))
    np.add.at(confusion, (cv_truth, cv_pred), 1)
    # a new month of 20,000 posts with a different mix
    p_true = np.array([0.50, 0.20, 0.30])
    _, pred = _simulate(rng, p_true, m_true, 20000)
    shares = corrected_shares(np.array(labels)[pred], labels, confusion, n_boot=200, seed=1).set_index("label")
    raw_err = np.abs(shares["raw_share"].to_numpy() - p_true)
    cor_err = np.abs(shares["corrected_share"].to_numpy() - p_true)
    assert raw_err.max() > 0.05  # raw counts are off by more than 5 points (roaming: 0.30 → ~0.20)
    assert cor_err.max() < 0.02  # the corrected shares are within ±2 points of the truth
    assert (shares["lo"] <= p_true + 0.005).all() and (shares["hi"] >= p_true - 0.005).all()
    assert shares["n"].sum() == 20000


def test_sentiment_indicators_give_negative_share_and_net_favorability():
    rng = np.random.default_rng(3)
    labels = ["negative", "neutral", "positive"]
    m_true = np.array([[0.9, 0.08, 0.02], [0.35, 0.6, 0.05], [0.1, 0.1, 0.8]])
    cv_truth = np.repeat([0, 1, 2], 2000)
    confusion = np.zeros((3, 3))
    np.add.at(confusion, (cv_truth, [rng.choice(3, p=m_true[t]) for t in cv_truth]), 1)
    p_true = np.array([0.6, 0.3, 0.1])
    _, pred = _simulate(rng, p_true, m_true, 10000)
    out = sentiment_indicators(corrected_shares(np.array(labels)[pred], labels, confusion, n_boot=200, seed=0))
    assert out["negative_share"]["corrected"] == pytest.approx(0.6, abs=0.02)
    assert out["negative_share"]["raw"] > 0.62  # neutral posts read as negative inflate it
    nf_true = (0.1 - 0.6) / 0.7
    assert out["net_favorability"]["corrected"] == pytest.approx(nf_true, abs=0.03)
    lo, hi = out["net_favorability"]["interval"]
    assert lo <= nf_true <= hi


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(InputError, match="'spam' is not in the model's confusion matrix"):
        corrected_shares(["spam"], ["a", "b"], [[1, 0], [0, 1]])
    with pytest.raises(InputError, match="expected 2 x 2"):
        corrected_shares(["a"], ["a", "b"], [[1, 0, 0]])


def test_posts_mix_given_labels_exactly_and_corrects_only_the_models():
    import pandas as pd

    from wbcs.kpi.quantify import corrected_summary, corrected_table

    # 40 labelled by a person (20 negative, 20 positive); 60 by a model whose confusion says it calls
    # every second positive post negative: its 45 negative / 15 positive are 30 / 30 in truth
    posts = pd.DataFrame({
        "sentiment": ["negative"] * 20 + ["positive"] * 20 + ["negative"] * 45 + ["positive"] * 15,
        "sentiment_source": ["label"] * 40 + ["model"] * 60})
    posts.attrs["classified"] = {"cv_confusion": {"sentiment": {
        "labels": ["negative", "positive"], "matrix": [[100, 0], [50, 50]]}}}
    t = corrected_table(posts, "sentiment", n_boot=50).set_index("label")
    assert t.loc["negative", "raw_share"] == pytest.approx(65 / 100)
    assert t.loc["negative", "corrected_share"] == pytest.approx((20 + 30) / 100)
    assert (t.attrs["by_model"], t.attrs["given"]) == (60, 40)
    s = corrected_summary(posts, n_boot=50)
    assert s["net_favorability"]["raw"] == pytest.approx((35 - 65) / 100)
    assert s["net_favorability"]["corrected"] == pytest.approx(0.0)
    # the interval comes from the mixed draws: the 40 given labels are exact, and with two labels
    # NF = 1 - 2 * negative share is linear, so it is the model rows' interval scaled by their weight 60/100
    lo, hi = s["net_favorability"]["interval"]
    alone = sentiment_indicators(corrected_shares(posts["sentiment"][40:], ["negative", "positive"],
                                                  [[100, 0], [50, 50]], n_boot=50))
    a_lo, a_hi = alone["net_favorability"]["interval"]
    assert lo <= 0.0 <= hi and hi - lo == pytest.approx(0.6 * (a_hi - a_lo))
    assert s["negative_share"]["interval"] == pytest.approx([t.loc["negative", "lo"], t.loc["negative", "hi"]])
    # no model rows, or no confusion: nothing to correct
    assert corrected_table(posts.assign(sentiment_source="label"), "sentiment") is None
    posts.attrs = {}
    assert corrected_table(posts, "sentiment") is None and corrected_summary(posts) == {}
