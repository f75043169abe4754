"""One class bias per kind of item (``configs.fit_kind_bias``) on crafted probabilities where the two
kinds need opposite offsets, so no single bias can serve both."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from wbcs.classify.baseline import fit_class_bias, shift
from wbcs.classify.configs import fit_kind_bias, shift_by_kind

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
