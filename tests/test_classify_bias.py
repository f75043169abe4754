"""One class bias per kind of item (``configs.fit_kind_bias``) on crafted probabilities where the two
kinds need opposite offsets, so no single bias can serve both."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from wbcs.classify.baseline import fit_class_bias, shift, shift_by_kind
from wbcs.classify.configs import fit_kind_bias

CLASSES = np.array(["a", "b"])


def crafted(seed: int):
    """Per kind 200 rows, a quarter of class b. First posts: the model says P(b) 0.2–0.4 for a b and 0–0.15
    for an a (b drowned); follow-ups: 0.85–1 for a b and 0.6–0.8 for an a (b over-called). Any single
    threshold on P(b) between the two kinds' ranges misreads one kind's rows."""
    rng = np.random.default_rng(seed)
    p, y, kinds = [], [], []
    for kind, (b_lo, b_hi), (a_lo, a_hi) in (("first_post", (0.2, 0.4), (0.0, 0.15)),
                                             ("follow_up", (0.85, 1.0), (0.6, 0.8))):
        is_b = rng.random(200) < 0.25
        p.append(np.where(is_b, rng.uniform(b_lo, b_hi, 200), rng.uniform(a_lo, a_hi, 200)))
        y.append(np.where(is_b, "b", "a"))
        kinds.append(np.full(200, kind))
    pb = np.concatenate(p)
    return np.column_stack([1 - pb, pb]).clip(1e-6, 1 - 1e-6), np.concatenate(y), np.concatenate(kinds)


def macro_f1(proba, y):
    return f1_score(y, CLASSES[proba.argmax(axis=1)], average="macro")


def test_a_bias_per_kind_separates_both_kinds_where_one_global_bias_cannot():
    fit_p, fit_y, fit_kinds = crafted(0)
    p, y, kinds = crafted(1)  # fitted on one draw, scored on another, as the cross-fitting does
    biases = fit_kind_bias(fit_p, fit_y, CLASSES, fit_kinds)
    assert set(biases) == {"first_post", "follow_up"}
    lift = {kind: b.get("b", 0.0) - b.get("a", 0.0) for kind, b in biases.items()}  # b's offset against a's
    assert lift["first_post"] > 0 > lift["follow_up"]
    per_kind = shift_by_kind(p, CLASSES, biases, kinds)
    one = shift(p, CLASSES, fit_class_bias(fit_p, fit_y, CLASSES))
    for kind in ("first_post", "follow_up"):
        here = kinds == kind
        assert macro_f1(per_kind[here], y[here]) == 1.0
    assert macro_f1(one, y) < 0.9 < macro_f1(per_kind, y) == 1.0
    # a kind the biases do not name keeps its probabilities
    np.testing.assert_array_equal(shift_by_kind(p, CLASSES, {"first_post": biases["first_post"]}, kinds)[kinds == "follow_up"],
                                  p[kinds == "follow_up"])


def test_kind_mean_macro_f1_weighs_each_kind_once_by_hand():
    from wbcs.classify.evaluate import kind_mean_macro_f1

    y = ["a", "a", "b", "b", "a", "b"]
    pred = ["a", "b", "b", "b", "a", "a"]
    kinds = ["x", "x", "x", "x", "z", "z"]
    # x: F1(a) = 2/3 (P 1, R 1/2), F1(b) = 0.8 (P 2/3, R 1); z: F1(a) = 2/3 (P 1/2, R 1), F1(b) = 0
    assert kind_mean_macro_f1(y, pred, kinds) == np.mean([(2 / 3 + 0.8) / 2, (2 / 3 + 0) / 2])
    assert np.isclose(f1_score(y, pred, average="macro"), 2 / 3)  # pooled: another figure
    # a kind's macro-F1 is over the classes present in its own truth
    assert kind_mean_macro_f1(["a", "a", "b"], ["a", "a", "b"], ["x", "x", "z"]) == 1.0


def test_a_global_bias_fitted_for_the_kinds_mean_serves_a_small_kind_the_pooled_one_drowns():
    """100 first posts (P(b) 0.3–0.45 for a b, 0–0.25 for an a: b drowned) beside 800 follow-ups (0.55–1 for a b,
    0–0.5 for an a: right as they are). The pooled macro-F1 follows the follow-ups and leaves the first posts'
    b unseen; the kinds' mean is best with b lifted past the first posts' a, at some cost to the follow-ups."""
    from wbcs.classify.evaluate import kind_mean_macro_f1

    def uneven(seed):
        rng = np.random.default_rng(seed)
        p, y, kinds = [], [], []
        for kind, n, (b_lo, b_hi), (a_lo, a_hi) in (("first_post", 100, (0.3, 0.45), (0.0, 0.25)),
                                                    ("follow_up", 800, (0.55, 1.0), (0.0, 0.5))):
            is_b = rng.random(n) < 0.25
            p.append(np.where(is_b, rng.uniform(b_lo, b_hi, n), rng.uniform(a_lo, a_hi, n)))
            y.append(np.where(is_b, "b", "a"))
            kinds.append(np.full(n, kind))
        pb = np.concatenate(p)
        return np.column_stack([1 - pb, pb]), np.concatenate(y), np.concatenate(kinds)

    fit_p, fit_y, fit_kinds = uneven(0)
    p, y, kinds = uneven(1)
    pooled = shift(p, CLASSES, fit_class_bias(fit_p, fit_y, CLASSES))
    by_kinds = shift(p, CLASSES, fit_class_bias(fit_p, fit_y, CLASSES, kinds=fit_kinds))
    first = kinds == "first_post"
    assert macro_f1(by_kinds[first], y[first]) > macro_f1(pooled[first], y[first]) + 0.3
    assert (kind_mean_macro_f1(y, CLASSES[by_kinds.argmax(axis=1)], kinds)
            > kind_mean_macro_f1(y, CLASSES[pooled.argmax(axis=1)], kinds) + 0.05)
    assert macro_f1(pooled, y) > macro_f1(by_kinds, y)  # what the pooled rule maximises, it keeps


def test_shift_by_kind_gives_a_kind_without_its_own_bias_the_default():
    p, _, kinds = crafted(2)
    own = {"first_post": {"b": 1.0}}
    out = shift_by_kind(p, CLASSES, own, kinds, default={"a": 0.5})
    np.testing.assert_allclose(out[kinds == "first_post"], shift(p[kinds == "first_post"], CLASSES, {"b": 1.0}))
    np.testing.assert_allclose(out[kinds == "follow_up"], shift(p[kinds == "follow_up"], CLASSES, {"a": 0.5}))
    # by hand: P = (0.8, 0.2) shifted by b +1 → (0.8, 0.2e) / (0.8 + 0.2e)
    e = np.exp(1.0)
    np.testing.assert_allclose(shift(np.array([[0.8, 0.2]]), CLASSES, {"b": 1.0}),
                               [[0.8 / (0.8 + 0.2 * e), 0.2 * e / (0.8 + 0.2 * e)]])
    # an array of offsets per row is the same shift
    np.testing.assert_allclose(shift(p, CLASSES, np.where((kinds == "first_post")[:, None], [0.0, 1.0], [0.5, 0.0])),
                               out)


def test_a_text_classifier_uses_its_kinds_own_bias_only_when_told_the_kind():
    import pytest

    from wbcs.classify.baseline import TextClassifier, predict_kinds
    from wbcs.errors import InputError

    texts = ["流量不够用了吗", "宽带坏了投诉", "话费怎么扣的", "信号太差了", "套餐能改吗", "网速慢死了"] * 5
    y = ["consultation", "complaint", "consultation", "complaint", "consultation", "complaint"] * 5
    plain = TextClassifier(min_df=1, calibration=None).fit(texts, y)
    own = {"first_post": {"consultation": 2.0}}
    m = TextClassifier(min_df=1, calibration=None, class_bias={"complaint": 0.5}, kind_bias=own).fit(texts, y)
    raw = plain.predict_proba(texts[:6])
    np.testing.assert_allclose(m.predict_proba(texts[:6]), shift(raw, m.classes_, {"complaint": 0.5}))
    np.testing.assert_allclose(m.predict_proba(texts[:6], kind="first_post"), shift(raw, m.classes_, own["first_post"]))
    np.testing.assert_allclose(m.predict_proba(texts[:6], kind="follow_up"), m.predict_proba(texts[:6]))
    per_row = ["first_post", "follow_up"] * 3
    mixed = m.predict_proba(texts[:6], kind=per_row)
    np.testing.assert_allclose(mixed[::2], shift(raw, m.classes_, own["first_post"])[::2])
    np.testing.assert_allclose(mixed[1::2], m.predict_proba(texts[:6])[1::2])
    with pytest.raises(InputError, match="2 kinds of item for 6 texts"):
        m.predict_proba(texts[:6], kind=["first_post", "follow_up"])
    # an estimator without kinds' biases is never told a kind (a quality ensemble, a transformer)
    np.testing.assert_allclose(predict_kinds(plain, texts[:6], "first_post"), raw)
    np.testing.assert_allclose(predict_kinds(m, texts[:6], "first_post"), m.predict_proba(texts[:6], kind="first_post"))
