"""The artificial-prevalence protocol (APP) of ``wbcs.kpi.quantify``: samples at a chosen prevalence, flat
Dirichlet prevalences, prevalences at a bounded shift (what the trainer's CV uses), error by amount of shift; and what the protocol shows on cases worked out by hand
(a perfect classifier's ACC is exact on every sample; CC's error under a known confusion is (M − I)ᵀp)."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.errors import InputError
from wbcs.kpi.quantify import (
    MAX_SHIFT,
    VARIANTS,
    app_counts,
    app_prevalences,
    app_sample,
    bounded_prevalences,
    choose_methods,
    cv_quantifiers,
    estimate,
    quantifier_cv,
    shift_bucket,
    training_stats,
    tv,
)


def test_app_counts_hold_the_prevalence_in_whole_items():
    assert app_counts([0.3, 0.7], 100).tolist() == [30, 70]
    # 33.33 each: the one item left goes to the first of the equal remainders, every time
    assert app_counts([1 / 3, 1 / 3, 1 / 3], 100).tolist() == [34, 33, 33]
    # 2.5 / 7.5 of 10: floors 2 and 7, the item left to the first tie
    assert app_counts([0.25, 0.75], 10).tolist() == [3, 7]
    # 0.35 · 20 = 7, 0.45 · 20 = 9, 0.2 · 20 = 4: exact, nothing to deal
    assert app_counts([0.35, 0.45, 0.2], 20).tolist() == [7, 9, 4]
    assert app_counts([0.0, 1.0], 7).tolist() == [0, 7]


@pytest.mark.parametrize("bad", [[0.5, 0.6], [-0.1, 1.1], [[0.5, 0.5]]])
def test_app_counts_refuse_what_is_not_a_prevalence(bad):
    with pytest.raises(InputError):
        app_counts(bad, 10)


def test_app_sample_draws_each_class_from_its_own_items():
    y = np.array([0] * 5 + [1] * 12 + [2] * 3)
    idx = app_sample(y, [0.3, 0.7, 0.0], 100, seed=1)
    assert len(idx) == 100
    assert np.bincount(y[idx], minlength=3).tolist() == [30, 70, 0]
    # with replacement: 30 draws from 5 items of class 0 repeat them, and only them
    assert set(idx[y[idx] == 0]) <= set(range(5))
    assert len(set(idx[y[idx] == 0])) <= 5
    # seeded: the same seed gives the same sample, another seed another one
    assert np.array_equal(idx, app_sample(y, [0.3, 0.7, 0.0], 100, seed=1))
    assert not np.array_equal(idx, app_sample(y, [0.3, 0.7, 0.0], 100, seed=2))
    # shuffled: the classes are not in blocks
    assert (y[idx][:30] == 0).sum() < 30


def test_app_sample_refuses_a_class_it_cannot_draw():
    y = np.array([0, 0, 1, 1])
    with pytest.raises(InputError, match="class 2"):
        app_sample(y, [0.2, 0.3, 0.5], 10, seed=0)
    # asked for none of it, an empty class is fine
    assert np.bincount(y[app_sample(y, [0.5, 0.5, 0.0], 10, seed=0)]).tolist() == [5, 5]


def test_app_prevalences_are_flat_over_the_simplex():
    p = app_prevalences(3, 4000, seed=0)
    assert p.shape == (4000, 3)
    assert np.allclose(p.sum(axis=1), 1) and (p >= 0).all()
    assert np.array_equal(p, app_prevalences(3, 4000, seed=0))
    # flat Dirichlet(1, 1, 1): each share has mean 1/3 and P(share > ½) = (1 − ½)² = ¼
    assert p.mean(axis=0) == pytest.approx([1 / 3] * 3, abs=0.02)
    assert (p[:, 0] > 0.5).mean() == pytest.approx(0.25, abs=0.03)


def test_bounded_prevalences_spread_their_shift_evenly_up_to_the_bound():
    # two labels: TV from (0.8, 0.2) is |p_a − 0.8|; 10 samples up to 0.3, the i-th in [0.03·i, 0.03·(i + 1))
    p = bounded_prevalences([0.8, 0.2], 10, max_shift=0.3, seed=0)
    assert p.shape == (10, 2) and np.allclose(p.sum(axis=1), 1) and (p >= 0).all()
    shift = np.abs(p[:, 0] - 0.8)
    assert (shift <= 0.3).all()
    assert all(0.03 * i - 1e-12 <= s < 0.03 * (i + 1) for i, s in enumerate(shift))
    assert np.array_equal(p, bounded_prevalences([0.8, 0.2], 10, max_shift=0.3, seed=0))
    assert not np.array_equal(p, bounded_prevalences([0.8, 0.2], 10, max_shift=0.3, seed=1))
    # many samples over four labels, one absent: the absent one stays at 0, the TV is uniform on [0, MAX_SHIFT]
    base = np.array([0.6, 0.25, 0.15, 0.0])
    q = bounded_prevalences(base, 3000, seed=2)
    assert MAX_SHIFT == 0.15
    assert (q[:, 3] == 0).all() and (q >= -1e-15).all() and np.allclose(q.sum(axis=1), 1)
    d = np.abs(q - base).sum(axis=1) / 2
    assert d.max() <= MAX_SHIFT + 1e-12 and d.min() < 0.001
    assert np.histogram(d, bins=3, range=(0, MAX_SHIFT))[0].tolist() == [1000, 1000, 1000]
    # the flat Dirichlet, by contrast, lies beyond 0.3 for most vectors from that mix
    flat = np.abs(app_prevalences(3, 3000, seed=2) - base[:3]).sum(axis=1) / 2
    assert (flat > 0.3).mean() > 0.5


def test_bounded_prevalences_move_around_the_mix_not_toward_the_flat_one():
    # telecom first posts' intent mix: complaints 84 %. Leaning toward the flat mix (the rule of 2026-12-05), every
    # sample shrinks them; centred (Dirichlet(k·base) directions, mean = base), within a TV of 0.1 about as many
    # samples swell them as shrink them; past 0.16 (the most they can swell: 1 − 0.84) every sample shrinks them
    base = np.array([0.84, 0.08, 0.06, 0.013, 0.007])
    flat = bounded_prevalences(base, 3000, max_shift=0.3, seed=0, centred=False)
    centred = bounded_prevalences(base, 3000, max_shift=0.3, seed=0)
    near = np.abs(centred - base).sum(axis=1) / 2 < 0.1
    assert (flat[:, 0] < base[0]).all()
    assert 0.3 < (centred[near, 0] < base[0]).mean() < 0.6
    far = np.abs(centred - base).sum(axis=1) / 2 > 0.16
    assert far.any() and (centred[far, 0] < base[0]).all()
    # the same TVs either way: only the directions differ
    tvs = [np.abs(p - base).sum(axis=1) / 2 for p in (flat, centred)]
    assert np.histogram(tvs[0], bins=3, range=(0, 0.3))[0].tolist() == [1000] * 3
    assert np.histogram(tvs[1], bins=3, range=(0, 0.3))[0].tolist() == [1000] * 3
    # from a flat mix, Dirichlet(k·base) is the flat Dirichlet: the same draws, the same vectors
    assert np.array_equal(bounded_prevalences([0.25] * 4, 50, seed=3),
                          bounded_prevalences([0.25] * 4, 50, seed=3, centred=False))


@pytest.mark.parametrize("base, bound", [([1.0, 0.0], 0.1), ([0.5, 0.5], 0.5), ([0.5, 0.6], 0.1)])
def test_bounded_prevalences_refuse_a_shift_the_simplex_cannot_hold(base, bound):
    with pytest.raises(InputError):
        bounded_prevalences(base, 3, max_shift=bound)


def test_shift_bucket_by_total_variation_from_the_training_prevalence():
    got = shift_bucket([[0.5, 0.5], [0.6, 0.4], [0.75, 0.25], [0.95, 0.05], [1.0, 0.0], [0.0, 1.0]], [0.5, 0.5])
    # TV: 0, 0.1 (an edge: the upper interval), 0.25, 0.45, 0.5, 0.5
    assert list(got) == ["0.0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.5", "0.5–1.0", "0.5–1.0"]
    # TV 1 (all mass moved) is in the last interval, not outside it
    assert list(shift_bucket([1.0, 0.0], [0.0, 1.0])) == ["0.5–1.0"]
    assert list(shift_bucket([[0.2, 0.8]], [0.5, 0.5], edges=(0, 0.5, 1))) == ["0.0–0.5"]


def _onehot(codes, k):
    return np.eye(k)[codes]


def test_a_perfect_classifiers_acc_is_exact_on_every_app_sample():
    # posteriors one-hot on the true label, in training and test: M = I, so ACC (and CC, EMQ) return the
    # sample's true shares, at every prevalence however far from the training one
    labels = ["a", "b", "c"]
    y_tr = np.repeat([0, 1, 2], [60, 30, 10])
    stats = training_stats(np.array(labels)[y_tr], _onehot(y_tr, 3), labels)
    y_te = np.repeat([0, 1, 2], [20, 20, 20])
    proba = _onehot(y_te, 3)
    for i, prev in enumerate(app_prevalences(3, 50, seed=3)):
        idx = app_sample(y_te, prev, 100, seed=i)
        truth = np.bincount(y_te[idx], minlength=3) / 100
        for method in ("CC", "ACC", "EMQ"):
            assert tv(estimate(method, proba[idx], stats), truth) == pytest.approx(0, abs=1e-6), method


def test_cc_error_under_a_known_confusion_is_hand_computed_and_grows_with_shift():
    # class a: 8 of 10 items predicted a; class b: 1 of 10 predicted a. M = [[0.8, 0.2], [0.1, 0.9]], so at a
    # share p of a, CC counts 0.8p + 0.1(1 − p) = 0.1 + 0.7p: its error 0.1 − 0.3p, zero at p = 1/3
    labels = ["a", "b"]
    y = np.repeat([0, 1], 10)
    pred = np.array([0] * 8 + [1] * 2 + [0] * 1 + [1] * 9)
    proba = np.where(_onehot(pred, 2) == 1, 0.9, 0.1)
    stats = training_stats(np.array(labels)[y], proba, labels)
    assert stats["confusion"] == [[8, 2], [1, 9]]
    for p, err in ((0.3, 0.01), (0.9, 0.17), (0.1, 0.07)):
        # the mean over many samples (1,000 items each): each sample's count of a is the sum of two binomials
        # (sd ≈ 0.012); the mean of 400 is within ±0.002 of 0.1 + 0.7p
        cc_a, acc_a = [], []
        for s in range(400):
            idx = app_sample(y, [p, 1 - p], 1000, seed=s)
            cc_a.append(estimate("CC", proba[idx], stats)[0])
            acc_a.append(estimate("ACC", proba[idx], stats)[0])
        assert abs(np.mean(cc_a) - p) == pytest.approx(err, abs=0.002)
        # ACC undoes the confusion: unbiased within the same noise
        assert np.mean(acc_a) == pytest.approx(p, abs=0.003)


def test_pcc_and_pacc_on_samples_whose_posteriors_are_their_classs():
    # every item of a class has the same posterior, so a sample's mean posterior is fixed by its counts:
    # at (0.3, 0.7) PCC says 0.3·(0.8, 0.2) + 0.7·(0.1, 0.9) = (0.31, 0.69), TV 0.01, and PACC, whose M holds
    # those two rows, recovers (0.3, 0.7) exactly
    labels = ["a", "b"]
    y = np.repeat([0, 1], [5, 5])
    proba = np.array([[0.8, 0.2]] * 5 + [[0.1, 0.9]] * 5)
    stats = training_stats(np.array(labels)[y], proba, labels)
    idx = app_sample(y, [0.3, 0.7], 100, seed=0)
    assert estimate("PCC", proba[idx], stats) == pytest.approx([0.31, 0.69])
    assert tv(estimate("PCC", proba[idx], stats), [0.3, 0.7]) == pytest.approx(0.01)
    assert estimate("PACC", proba[idx], stats) == pytest.approx([0.3, 0.7], abs=1e-9)


def test_training_stats_full_keeps_the_whole_posteriors():
    # two rows predicted a, of true labels a and b, their other mass split (0.3, 0.1) and (0.1, 0.3): a posts
    # table keeps only 0.6, so both become (0.6, 0.2, 0.2) (the split of rows predicted a, on average); the
    # whole vectors tell the two labels apart, which is what PACC's M is made of
    labels = ["a", "b", "c"]
    proba = np.array([[0.6, 0.3, 0.1], [0.6, 0.1, 0.3]])
    top = training_stats(["a", "b"], proba, labels)
    whole = training_stats(["a", "b"], proba, labels, full=True)
    assert np.allclose(top["posterior_sum"], [[0.6, 0.2, 0.2], [0.6, 0.2, 0.2], [0, 0, 0]])
    assert np.allclose(whole["posterior_sum"], [[0.6, 0.3, 0.1], [0.6, 0.1, 0.3], [0, 0, 0]])
    assert whole["confusion"] == top["confusion"] == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]


# ---------------------------------------------------------------------------------------------
# The trainer's choice under shift: each validation fold quantified at its own mix and at shifted ones


def _biased(n_folds=5, copies=1):
    """Out-of-fold rows of a classifier with a strong, stable bias, every fold alike: per fold (``copies`` times)
    72 a's predicted a and 8 predicted b, 8 b's predicted a and 12 predicted b, so M = [[0.9, 0.1], [0.4, 0.6]] in
    every fold and in the rest. At the training mix (0.8, 0.2) the counts are exact: 0.9·0.8 + 0.4·0.2 = 0.8 (a
    loses 0.08 and gains 0.08); at a share p of a they say 0.4 + 0.5p, off by 0.5·|p − 0.8|, half the shift."""
    block = [("a", "a")] * 72 + [("a", "b")] * 8 + [("b", "a")] * 8 + [("b", "b")] * 12
    y = np.array([t for t, _ in block] * n_folds * copies)
    pred = np.array([p for _, p in block] * n_folds * copies)
    proba = np.where(pred[:, None] == np.array(["a", "b"]), 0.7, 0.3)
    fold = np.repeat(np.arange(n_folds), len(block) * copies)
    return y, proba, fold


def test_shifted_samples_keep_the_folds_own_rows_as_sample_0_and_are_seeded():
    y, proba, fold = _biased()
    folds = [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(5)]
    cv = cv_quantifiers(y, proba, ["a", "b"], np.full(len(y), "all"), folds, n_boot=20, app=4, variants=VARIANTS[:3])
    assert sorted(cv["sample"].unique()) == [0, 1, 2, 3, 4]
    assert len(cv) == 5 * 5 * 3 and (cv["items"] == 100).all()  # 5 folds × 5 samples × 3 methods, 100 items each
    own = cv[cv["sample"] == 0]
    # the fold's own rows: the training mix, where the counts are exact and the shift is nil
    assert np.allclose(np.vstack(own["truth"]), [0.8, 0.2]) and np.allclose(own["shift"], 0)
    assert np.allclose(own[own["method"] == "CC"]["tv"], 0)
    # the bootstrap on the fold's own rows only
    assert own["held"].notna().all() and cv[cv["sample"] > 0]["held"].isna().all()
    # the 4 shifted samples of each fold lie at a TV from its mix (0.8, 0.2) in [0, 0.0375), [0.0375, 0.075),
    # [0.075, 0.1125), [0.1125, 0.15] (``bounded_prevalences``), up to whole items: 100 items, 2 labels, ≤ 0.005
    shifted = cv[(cv["sample"] > 0) & (cv["method"] == "CC")]
    assert np.allclose(shifted["max_shift"], 0.15) and shifted["fold_shift"].max() <= 0.15 + 0.005
    assert (shifted["directions"] == "centred").all()
    for _, g in shifted.groupby("fold"):
        assert all(0.0375 * i - 0.005 <= s <= 0.0375 * (i + 1) + 0.005 for i, s in enumerate(g["fold_shift"]))
    assert np.allclose(own["fold_shift"], 0)
    # the flat-Dirichlet samples (the earlier rule) go farther
    flat = cv_quantifiers(y, proba, ["a", "b"], np.full(len(y), "all"), folds, n_boot=0, app=4, variants=VARIANTS[:1],
                          max_shift=None)
    assert flat["fold_shift"].max() > 0.3 and flat["max_shift"].isna().all() and flat["directions"].isna().all()
    again = cv_quantifiers(y, proba, ["a", "b"], np.full(len(y), "all"), folds, n_boot=0, app=4, variants=VARIANTS[:3])
    assert np.array_equal(again["tv"].to_numpy(), cv["tv"].to_numpy())
    other = cv_quantifiers(y, proba, ["a", "b"], np.full(len(y), "all"), folds, n_boot=0, app=4, app_seed=1,
                           variants=VARIANTS[:3])
    assert not np.array_equal(other["tv"].to_numpy(), cv["tv"].to_numpy())


def test_a_label_absent_from_the_fold_is_not_drawn():
    y, proba, fold = _biased()
    keep = ~((fold == 0) & (y == "b"))  # fold 0 has no b
    folds = [(np.flatnonzero(fold[keep] != k), np.flatnonzero(fold[keep] == k)) for k in range(5)]
    cv = cv_quantifiers(y[keep], proba[keep], ["a", "b"], np.full(keep.sum(), "all"), folds, n_boot=0, app=3,
                        variants=VARIANTS[:1])
    # one label: no prevalence to shift, so fold 0 keeps its own rows only
    assert cv[cv["fold"] == 0]["sample"].tolist() == [0]
    assert cv[cv["fold"] == 1]["sample"].tolist() == [0, 1, 2, 3]


def test_under_shift_the_rule_corrects_a_stable_bias_the_training_mix_hides():
    # 400 rows a fold: ACC divides the sample's noise in the predicted shares by det M = 0.5, and at 100 rows
    # (sd ≈ 0.035 → ≈ 0.07) that noise nearly matches the counts' bias within a shift of 0.3 (mean 0.15 → 0.075):
    # there ACC wins 4 or 5 folds of 5 by seed; at 400 it halves and ACC wins all 5
    y, proba, fold = _biased(copies=4)
    labels = ["a", "b"]
    # the grouped folds only (random re-partitions would not be alike): at the training mix alone (the old
    # CV) the counts are exact in every fold, so no correction can win
    old = choose_methods(quantifier_cv(y, proba, labels, fold, n_boot=0, repeats=1, app=0))["all"]
    assert old["method"] == "CC" and old["cv_tv"]["CC"] == pytest.approx(0, abs=1e-12)
    assert old["wins"]["ACC (pooled)"] == 0
    # the bound of 2026-12-05 (0.3), where these figures were worked out; the default's (0.15) halves every shift
    cv = quantifier_cv(y, proba, labels, fold, n_boot=0, repeats=1, app=20, max_shift=0.3)
    new = choose_methods(cv)["all"]
    assert (new["folds"], new["samples"], new["max_shift"]) == (5, 21, 0.3)
    # within the bound: the counts' error, half the shift, is at most 0.15 + whole items; the mean shift is 0.15
    assert cv["fold_shift"].max() <= 0.3 + 0.005
    assert cv[cv["sample"] > 0]["fold_shift"].mean() == pytest.approx(0.15, abs=0.02)
    # ACC undoes M: it wins every fold, by far; PACC's statistics are a linear image of the same counts here
    # (each row's posterior is fixed by its predicted label), so it is ACC again
    assert new["estimator"] in ("ACC", "PACC") and new["wins"]["ACC (pooled)"] == 5
    assert new["cv_tv"]["ACC (pooled)"] < new["cv_tv"]["CC"] / 2
    # at the training mix it costs nothing: its M, from 4 folds alike, is the fold's own, so it is exact too
    assert new["natural_tv"]["CC"] == pytest.approx(0, abs=1e-12)
    assert new["natural_tv"][new["method"]] == pytest.approx(0, abs=1e-9)
    # the counts' error on a shifted sample is half its shift (0.5·|p − 0.8|), up to the sampling of each
    # label's items (sd ≈ 0.03 per sample): on average over the 100 shifted samples within 0.01; it grows with
    # the shift (samples past 0.2 against those within 0.1), and ACC's does not
    counts = cv[(cv["method"] == "CC") & (cv["sample"] > 0)]
    assert counts["tv"].mean() == pytest.approx(0.5 * counts["shift"].mean(), abs=0.01)
    far, near = counts[counts["fold_shift"] > 0.2]["tv"].mean(), counts[counts["fold_shift"] < 0.1]["tv"].mean()
    assert far > near + 0.05
    corr = cv[(cv["method"] == "ACC (pooled)") & (cv["sample"] > 0)]
    assert corr[corr["fold_shift"] > 0.2]["tv"].mean() < far / 2


def test_under_shift_a_perfect_classifier_keeps_the_counts():
    # every row's top label is its true one (posterior 0.8 on it, 0.1 on each other): CC is exact at every
    # mix, ACC (M = I) and PACC tie with it, PCC and EMQ say 0.8 where the truth is 1: the counts are kept
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    y = rng.choice(3, 600, p=[0.6, 0.3, 0.1])
    proba = np.full((600, 3), 0.1)
    proba[np.arange(600), y] = 0.8
    kinds = np.where(np.arange(600) % 3, "first_post", "follow_up")
    for max_shift in (MAX_SHIFT, None):  # bounded, and flat Dirichlet
        cv = quantifier_cv(np.array(labels)[y], proba, labels, np.arange(600) % 5, kinds, n_boot=0, repeats=2, app=5,
                           max_shift=max_shift)
        _all_keep_the_counts(choose_methods(cv))


def _all_keep_the_counts(chosen):
    assert set(chosen) == {"all", "first_post", "follow_up"}
    for c in chosen.values():
        assert c["method"] == "CC" and c["cv_tv"]["CC"] == pytest.approx(0, abs=1e-12)
        assert all(w == 0 for w in c["wins"].values())
        assert c["cv_tv"]["PCC"] > 0.05
