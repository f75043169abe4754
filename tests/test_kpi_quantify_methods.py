"""The quantifiers besides ACC (PCC, PACC, EMQ), the posteriors a posts table implies, the per-kind choice by
grouped CV and the card's ``cv_quantify``: values worked out by hand, and synthetic mixes with known shares."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wbcs.kpi.quantify import (
    card_entry,
    choose_methods,
    corrected_summary,
    corrected_table,
    emq,
    estimate,
    misfit,
    pacc,
    pcc,
    percentile_interval,
    quantified_shares,
    top1,
    training_stats,
    unshift,
)


def test_pcc_and_pacc_by_hand():
    proba = np.array([[0.6, 0.4], [0.3, 0.7]])
    assert pcc(proba) == pytest.approx([0.45, 0.55])
    # training rows of true A average posteriors (0.7, 0.3), of true B (0.2, 0.8): with A's share p,
    # 0.7 p + 0.2 (1 - p) = 0.45, so p = 0.5
    assert pacc(proba, [[0.7, 0.3], [0.2, 0.8]]) == pytest.approx([0.5, 0.5])


def test_emq_reaches_the_fixed_point_worked_out_by_hand():
    # half the posts at posterior (0.9, 0.1), half at (0.3, 0.7), learnt under the prior (0.5, 0.5). EM's fixed
    # point p = ½·0.9p / (0.9p + 0.1(1-p)) + ½·0.3p / (0.3p + 0.7(1-p)) gives 0.64p² - 1.16p + 0.52 = 0:
    # p = (1.16 ± 0.12) / 1.28, i.e. 1 or 13/16; from 0.5 EM climbs to 13/16 (PCC says 0.6)
    proba = np.array([[0.9, 0.1], [0.3, 0.7]] * 50)
    assert pcc(proba) == pytest.approx([0.6, 0.4])
    assert emq(proba, [0.5, 0.5]) == pytest.approx([13 / 16, 3 / 16], abs=1e-4)


def test_emq_recovers_a_shifted_prior_from_calibrated_posteriors():
    # x | A ~ N(1, 1), x | B ~ N(-1, 1): under the prior (0.5, 0.5) P(A | x) = sigmoid(2x) exactly
    rng = np.random.default_rng(0)
    y = rng.random(20000) < 0.8
    x = np.where(y, rng.normal(1, 1, len(y)), rng.normal(-1, 1, len(y)))
    a = 1 / (1 + np.exp(-2 * x))
    proba = np.column_stack([a, 1 - a])
    assert abs(pcc(proba)[0] - 0.8) > 0.08  # the mean posterior stays near the training prior
    assert emq(proba, [0.5, 0.5])[0] == pytest.approx(0.8, abs=0.02)


def test_top1_rebuilds_the_rest_as_the_training_rows_shared_it():
    # rows predicted "a" gave, on the training rows, 3 to "b" for every 1 to "c"
    split = [[5.0, 3.0, 1.0], [0.0, 4.0, 4.0], [0.0, 0.0, 2.0]]
    got = top1([[0.6, 0.3, 0.1], [0.1, 0.5, 0.4], [0.2, 0.2, 0.6]], split)
    assert got[0] == pytest.approx([0.6, 0.3, 0.1])
    assert got[1] == pytest.approx([0.0, 0.5, 0.5])
    assert got[2] == pytest.approx([0.2, 0.2, 0.6])  # nothing learnt for "c": the rest shared evenly


def test_training_stats_and_the_class_bias_are_undone_by_hand():
    labels = ["a", "b"]
    bias = {"a": np.log(3)}  # the model triples a's odds
    raw = np.array([[0.5, 0.5], [0.25, 0.75], [0.8, 0.2]])
    model = np.array([[0.75, 0.25], [0.5, 0.5], [12 / 13, 1 / 13]])  # what the model gives: odds x3
    assert unshift(model, labels, bias) == pytest.approx(raw)
    st = training_stats(["a", "b", "a"], model, labels, bias)
    assert st["confusion"] == [[2, 0], [1, 0]] and st["rows"] == [2, 1]
    # every row is predicted "a", so with two labels top1 is exact and the sums are the raw posteriors'
    np.testing.assert_allclose(st["posterior_sum"], [[1.3, 0.7], [0.25, 0.75]])
    # CC counts the model's labels; PCC averages the probabilities without the bias
    assert estimate("CC", model, st, bias=bias) == pytest.approx([1, 0])
    assert estimate("PCC", model, st, bias=bias) == pytest.approx(raw.mean(axis=0))


def _mix(rng, p, n, m_true):
    """n posts of true shares p, with posteriors a noisy model gives: row t of m_true is the mean posterior
    of a post of true label t (Dirichlet draws around it)."""
    truth = rng.choice(len(p), n, p=p)
    return truth, np.vstack([rng.dirichlet(m_true[t] * 4) for t in truth])


def test_acc_and_pacc_recover_a_known_mix_within_two_points_where_counts_do_not():
    rng = np.random.default_rng(5)
    labels = ["broadband", "data", "roaming"]
    m_true = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.15, 0.25, 0.6]])
    y_tr, p_tr = _mix(rng, [1 / 3] * 3, 3000, m_true)
    st = training_stats(np.array(labels)[y_tr], p_tr, labels)
    p_true = np.array([0.5, 0.2, 0.3])
    _, proba = _mix(rng, p_true, 20000, m_true)
    for method in ("CC", "PCC"):  # counting labels or posteriors is off by more than 5 points
        assert np.abs(estimate(method, proba, st, full=True) - p_true).max() > 0.05, method
    for method in ("ACC", "PACC"):
        assert np.abs(estimate(method, proba, st, full=True) - p_true).max() < 0.02, method
    point, lo, hi, draws = estimate("PACC", proba, st, n_boot=100, full=True)
    assert draws.shape == (100, 3) and ((lo <= p_true + 0.005) & (p_true - 0.005 <= hi)).all()


def _cv(tvs: dict) -> pd.DataFrame:
    rows = []
    for method, values in tvs.items():
        for f, v in enumerate(values):
            rows.append({"fold": f, "kind": "first_post", "method": method, "items": 100, "tv": v,
                         "err": np.array([v, -v]), "held_wide": 2, "labels": 2})
    return pd.DataFrame(rows)


def test_a_correction_is_chosen_only_when_it_beats_the_counts_in_four_folds_of_five():
    cc = [0.10] * 5
    three = choose_methods(_cv({"CC": cc, "ACC (kind)": [0.01, 0.01, 0.01, 0.2, 0.2]}))["first_post"]
    assert three["method"] == "CC" and three["wins"]["ACC (kind)"] == 3  # mean 0.086 < 0.1, but 3 of 5
    # ACC (kind): closer in 4 folds, mean 0.08; PCC: closer in all 5, mean 0.09; EMQ: mean 0.02 but closer in
    # 3 folds only (mean 0.048). Among those closer in 4 of 5, the lower mean is chosen
    four = choose_methods(_cv({"CC": cc, "ACC (kind)": [0.05, 0.05, 0.05, 0.05, 0.2], "PCC": [0.09] * 5,
                               "EMQ": [0.0, 0.0, 0.0, 0.12, 0.12]}))["first_post"]
    assert four["wins"] == {"CC": 0, "ACC (kind)": 4, "PCC": 5, "EMQ": 3}
    assert (four["method"], four["estimator"], four["scope"]) == ("ACC (kind)", "ACC", "kind")
    assert four["rmse"] == pytest.approx([np.sqrt((4 * 0.05 ** 2 + 0.2 ** 2) / 5)] * 2)


def _cv_samples(tvs: dict) -> pd.DataFrame:
    """tvs[method][fold] = that fold's TV per sample (sample 0: the fold's own rows)."""
    rows = []
    for method, folds in tvs.items():
        for f, samples in enumerate(folds):
            for s, v in enumerate(samples):
                rows.append({"fold": f, "kind": "first_post", "sample": s, "method": method, "items": 100, "tv": v,
                             "err": np.array([v, -v]), "held_wide": np.nan, "labels": 2})
    return pd.DataFrame(rows)


def test_under_shift_a_fold_is_won_on_its_mean_over_its_samples():
    # CC: exact at the fold's own mix, 0.3 off at each of its two shifted mixes (fold mean 0.2). ACC: 0.04 off at
    # the own mix and 0.01 at the shifted ones in 4 folds (mean 0.02: won, though it loses sample 0 to the
    # counts), 0.5 off in the fifth (lost): 4 of 5, mean TV (4·0.02 + 0.5) / 5 = 0.116 < 0.2: chosen; its cost at
    # the training mix, (4·0.04 + 0.5) / 5 = 0.132, is kept, and its error there is what widens its intervals
    cc = [[0.0, 0.3, 0.3]] * 5
    acc = [[0.04, 0.01, 0.01]] * 4 + [[0.5] * 3]
    got = choose_methods(_cv_samples({"CC": cc, "ACC (kind)": acc}))["first_post"]
    assert got["wins"] == {"CC": 0, "ACC (kind)": 4} and (got["folds"], got["samples"]) == (5, 3)
    assert got["method"] == "ACC (kind)" and got["cv_tv"]["ACC (kind)"] == pytest.approx(0.116)
    assert got["natural_tv"] == pytest.approx({"CC": 0.0, "ACC (kind)": 0.132})
    assert got["rmse"] == pytest.approx([np.sqrt((4 * 0.04 ** 2 + 0.5 ** 2) / 5)] * 2, abs=1e-4)
    # won in 3 folds of 5 only, though its mean TV ((3·0.02 + 2·0.45) / 5 = 0.192) is lower: the counts are kept
    three = choose_methods(_cv_samples({"CC": cc, "ACC (kind)": [[0.02] * 3] * 3 + [[0.45] * 3] * 2}))["first_post"]
    assert three["cv_tv"]["ACC (kind)"] == pytest.approx(0.192) and three["cv_tv"]["CC"] == pytest.approx(0.2)
    assert three["method"] == "CC" and three["wins"]["ACC (kind)"] == 3


def _info():
    """A card's cv_quantify by hand: first posts use ACC with their own confusion (the model calls every
    second positive post negative); other kinds fall back to all rows, where the counts were kept."""
    def stats(conf):
        return {"labels": ["negative", "positive"], "confusion": conf, "split": [[1, 0], [0, 1]],
                "posterior_sum": conf, "rows": [sum(r) for r in conf]}
    chosen = {"first_post": {"method": "ACC (kind)", "estimator": "ACC", "scope": "kind", "rmse": [0.0, 0.0],
                             "cv_tv": {"CC": 0.1, "ACC (kind)": 0.02}, "folds": 5, "min_items": 40},
              "all": {"method": "CC", "estimator": "CC", "scope": "pooled", "rmse": [0.05, 0.05],
                      "cv_tv": {"CC": 0.05, "ACC (pooled)": 0.08}, "folds": 5}}
    return {"labels": ["negative", "positive"], "bias": None, "chosen": chosen,
            "stats": {"first_post": stats([[100, 0], [50, 50]]), "all": stats([[90, 10], [10, 90]])}}


def test_posts_use_the_kind_s_choice_and_say_when_the_counts_were_kept():
    posts = pd.DataFrame({"sentiment": ["negative"] * 45 + ["positive"] * 15, "sentiment_source": "model",
                          "sentiment_proba": 0.9})
    posts.attrs["classified"] = {"quantify": {"sentiment": _info()},
                                 "cv_confusion": {"sentiment": {"labels": ["negative", "positive"],
                                                                "matrix": [[1, 0], [0, 1]]}}}
    t = corrected_table(posts, "sentiment", n_boot=50)
    assert t.set_index("label")["corrected_share"].to_numpy() == pytest.approx([0.5, 0.5])  # 45/15 → 30/30
    assert (t.attrs["method"], t.attrs["corrected"], t.attrs["kind"]) == ("ACC (kind)", True, "first_post")
    kept = corrected_table(posts, "sentiment", kind="follow_up", n_boot=200)
    assert kept.attrs["kind"] == "all" and not kept.attrs["corrected"] and kept.attrs["method"] == "CC"
    assert kept["corrected_share"].to_numpy() == pytest.approx(kept["raw_share"].to_numpy())
    assert kept.attrs["note"] == (  # a sentence a manager reads: not "in 4 of 5 of its 5 validation folds"
        "not corrected: when the model was tested on its training posts (all kinds), in 5 validation folds, no "
        "correction came closer to the true shares than the plain counts in at least 4 of every 5 folds; so the "
        "counts are the estimate, and their interval includes the counts' own error in that test")
    # the interval holds the counts' own error in CV (rmse 0.05): wider than the bootstrap's alone
    alone = quantified_shares(posts["sentiment"], posts["sentiment_proba"],
                              {**_info(), "chosen": {"all": {**_info()["chosen"]["all"], "rmse": [0, 0]}}},
                              "follow_up", n_boot=200)
    assert (kept["hi"] - kept["lo"]).to_numpy().min() > (alone["hi"] - alone["lo"]).to_numpy().max()
    s = corrected_summary(posts, n_boot=50)["sentiment"]
    assert (s["method"], s["corrected"]) == ("ACC (kind)", True) and "CV" in s["note"]


def test_an_old_card_falls_back_to_the_pooled_confusion_and_says_so():
    posts = pd.DataFrame({"sentiment": ["negative"] * 45 + ["positive"] * 15, "sentiment_source": "model"})
    posts.attrs["classified"] = {"cv_confusion": {"sentiment": {"labels": ["negative", "positive"],
                                                                "matrix": [[100, 0], [50, 50]]}}}
    t = corrected_table(posts, "sentiment", n_boot=50)
    assert t["corrected_share"].to_numpy() == pytest.approx([0.5, 0.5])
    assert t.attrs["method"] == "ACC (pooled)" and "pooled confusion" in t.attrs["note"]


def test_card_entry_chooses_per_kind_and_survives_json():
    rng = np.random.default_rng(2)
    labels = ["complaint", "consultation", "praise"]
    m_true = np.array([[0.8, 0.15, 0.05], [0.3, 0.6, 0.1], [0.2, 0.1, 0.7]])
    kinds = np.array(["first_post"] * 900 + ["follow_up"] * 600)
    p = np.where(kinds[:, None] == "first_post", [0.8, 0.15, 0.05], [0.3, 0.3, 0.4])
    y = np.array([rng.choice(3, p=r) for r in p])
    proba = np.vstack([rng.dirichlet(m_true[t] * 20) for t in y])
    entry = card_entry(np.array(labels)[y], proba, labels, np.arange(len(y)) % 5, kinds, n_boot=20)
    assert set(entry["stats"]) == set(entry["chosen"]) == {"all", "first_post", "follow_up"}
    back = json.loads(json.dumps(entry))
    assert back == entry
    new = np.vstack([rng.dirichlet(m_true[t] * 20) for t in rng.choice(3, 500, p=[0.8, 0.15, 0.05])])
    pred = np.array(labels)[new.argmax(axis=1)]
    a = quantified_shares(pred, new.max(axis=1), entry, "first_post", n_boot=30)
    b = quantified_shares(pred, new.max(axis=1), back, "first_post", n_boot=30)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["kind"] == "first_post"
    # the card says how far its CV shifted the folds, and the note tells the reader
    assert all(c["max_shift"] == 0.15 and c["samples"] == 11 and c["directions"] == "centred"
               for c in entry["chosen"].values())
    assert ("10 mixes shifted by up to 0.15 in total variation, each label as likely to swell as to shrink"
            in a.attrs["note"])


LABELS3 = ["complaint", "consultation", "praise"]
M_TRUE = np.array([[0.8, 0.15, 0.05], [0.3, 0.6, 0.1], [0.2, 0.1, 0.7]])  # P(the model's top label | true label)


def _two_kinds():
    """900 first posts (80 % complaints) and 600 later messages (a third of each label), whose posteriors are drawn
    around M_TRUE's rows: (rng, labels, M_TRUE, kinds, y codes, probabilities)."""
    rng = np.random.default_rng(2)
    kinds = np.array(["first_post"] * 900 + ["follow_up"] * 600)
    y = np.array([rng.choice(3, p=r) for r in np.where(kinds[:, None] == "first_post", [0.8, 0.15, 0.05], 1 / 3)])
    return rng, LABELS3, M_TRUE, kinds, y, np.vstack([rng.dirichlet(M_TRUE[t] * 20) for t in y])


def test_misfit_by_hand():
    # two labels, confusion rows (0.8, 0.2) and (0.3, 0.7): every predicted share of the first label in
    # [0.3, 0.8] is some mix of the two, so fits exactly; 0.9 is beyond them: the nearest mix is all of the
    # first label, (0.8, 0.2), at total variation 0.1
    stats = {"labels": ["a", "b"], "confusion": [[8, 2], [3, 7]], "rows": [10, 10],
             "split": [[1.0, 0.0], [0.0, 1.0]], "posterior_sum": [[8.0, 2.0], [3.0, 7.0]]}
    inside = np.array([[0.9, 0.1]] * 5 + [[0.2, 0.8]] * 5)  # predicted shares (0.5, 0.5)
    beyond = np.array([[0.9, 0.1]] * 9 + [[0.2, 0.8]])
    assert misfit("ACC", inside, stats) == pytest.approx(0)
    assert misfit("ACC", beyond, stats) == pytest.approx(0.1)
    # PACC sees the mean posterior: (0.9·9 + 0.2) / 10 = 0.83 for "a" against the rows' means 0.8 and 0.3
    assert misfit("PACC", beyond, stats) == pytest.approx(0.03)
    assert np.isnan(misfit("CC", beyond, stats))


def test_posts_unlike_every_training_mix_are_counted_not_corrected():
    """Posts no mix of the training labels explains (the misfit beyond every sample the CV measured the chosen
    correction at: the card's max_misfit) are counted and the note says why; posts of the same kind at a shifted
    mix are corrected. Here the model calls 30 % of real consultations complaints, so posts it is sure are all
    consultations are no mix of the labels it was trained on."""
    rng, labels, m_true, kinds, y, proba = _two_kinds()
    entry = card_entry(np.array(labels)[y], proba, labels, np.arange(len(y)) % 5, kinds, n_boot=20)
    chosen = entry["chosen"]["first_post"]
    assert chosen["method"] != "CC" and 0 <= chosen["max_misfit"] < 0.01

    def shares(p):
        return quantified_shares(np.array(labels)[p.argmax(axis=1)], p.max(axis=1), entry, "first_post", n_boot=30)

    same = shares(np.vstack([rng.dirichlet(m_true[t] * 20) for t in rng.choice(3, 500, p=[0.5, 0.35, 0.15])]))
    assert same.attrs["corrected"] and same.attrs["misfit"] <= chosen["max_misfit"]
    unlike = shares(np.vstack([rng.dirichlet(np.eye(3)[1] * 30 + 1) for _ in range(500)]))
    assert not unlike.attrs["corrected"] and unlike.attrs["method"] == "CC"
    assert unlike.attrs["misfit"] > 0.05 and "unlike the training rows" in unlike.attrs["note"]
    assert unlike["corrected_share"].to_numpy() == pytest.approx(unlike["raw_share"].to_numpy())
    # a card from before the misfit was recorded corrects as it did
    del entry["chosen"]["first_post"]["max_misfit"]
    assert shares(np.vstack([rng.dirichlet(np.eye(3)[1] * 30 + 1) for _ in range(500)])).attrs["corrected"]


def test_kinds_not_drawn_at_random_keep_the_counts():
    """Rows chosen by uncertainty sampling do not teach the model's errors on their kind: that kind and "all" keep
    the counts and say why; the other kinds may only use their own kind's statistics."""
    rng, labels, m_true, kinds, y, proba = _two_kinds()
    args = (np.array(labels)[y], proba, labels, np.arange(len(y)) % 5, kinds)
    free = card_entry(*args, n_boot=20)["chosen"]
    entry = card_entry(*args, n_boot=20, unsampled=["follow_up"])
    chosen = entry["chosen"]
    assert {k: (c["method"], c.get("unsampled", False)) for k, c in chosen.items() if k != "first_post"} == \
        {"all": ("CC", True), "follow_up": ("CC", True)}
    assert not chosen["first_post"].get("unsampled") and chosen["first_post"]["method"] in ("CC", "ACC (kind)",
                                                                                            "PACC (kind)")
    assert free["follow_up"]["cv_tv"] == chosen["follow_up"]["cv_tv"]  # measured all the same, for the record
    t = quantified_shares(["complaint"] * 150 + ["praise"] * 150, [0.9] * 300, entry, "follow_up", n_boot=20)
    assert not t.attrs["corrected"] and "not drawn at random" in t.attrs["note"]
    assert t["corrected_share"].to_numpy() == pytest.approx([0.5, 0, 0.5])


def test_with_unsampled_rows_a_kind_uses_only_its_own_statistics():
    """A hand-made CV: on first posts ACC with the pooled statistics is best, PACC with the kind's next; with
    unsampled later messages among the pooled rows the choice falls to PACC (kind)."""
    rows = []
    for fold in range(5):
        for method, tv in (("CC", 0.10), ("ACC (pooled)", 0.04), ("PACC (kind)", 0.06), ("PCC", 0.08)):
            rows.append({"kind": "first_post", "method": method, "fold": fold, "sample": 0, "tv": tv,
                         "err": np.array([tv, -tv]), "items": 100, "held_wide": 2, "labels": 2})
    cv = pd.DataFrame(rows)
    assert choose_methods(cv)["first_post"]["method"] == "ACC (pooled)"
    assert choose_methods(cv, unsampled=["follow_up"])["first_post"]["method"] == "PACC (kind)"


def _crafted_kinds(sampled) -> tuple:
    """fit_task on a small crafted sentiment task with two kinds (a third of the rows ``follow_up``); row i is
    drawn at random when ``sampled(i)``: (task, card entry)."""
    from wbcs.classify import TextClassifier
    from wbcs.classify.tasks import TaskData
    from wbcs.classify.train import fit_task

    rng = np.random.default_rng(0)
    words = {"neg": ["信号差", "扣费乱", "网速慢", "投诉你们"], "pos": ["谢谢", "很满意", "点赞", "速度快"]}
    filler = ["今天", "营业厅", "我家", "昨天", "客服", "宽带", "流量", "手机"]
    rows = []
    for i in range(240):
        label = "neg" if rng.random() < 0.6 else "pos"
        w = words[label][i % 4] if rng.random() < 0.8 else words["pos" if label == "neg" else "neg"][i % 4]
        rows.append({"post_id": str(i), "text": f"{rng.choice(filler)}{w}{rng.choice(filler)}{i}", "label": label,
                     "kind": "first_post" if i % 3 else "follow_up", "sampled": sampled(i)})
    data = pd.DataFrame(rows)
    task = TaskData("crafted", "sentiment", "crafted", data[:200].reset_index(drop=True),
                    data[200:].reset_index(drop=True))
    _, entry = fit_task(task, seed=0, budget=30, words=False, refit=False,
                        base=TextClassifier(min_df=1, calibration=None, random_state=0))
    return task, entry


def test_a_kind_with_some_random_rows_learns_its_correction_from_them_only():
    """Half the later messages drawn at random, half chosen by uncertainty sampling: the kind's statistics and CV
    come from its random rows only, so it may be corrected; all kinds pooled keep the counts (their mix was not
    drawn at random), and the card says so."""
    from wbcs.classify.card import card_markdown

    task, entry = _crafted_kinds(lambda i: bool(i % 3) or i % 2 == 0)
    q = json.loads(json.dumps(entry["cv_quantify"]))
    train = task.train
    random_follow_ups = int(((train["kind"] == "follow_up") & train["sampled"]).sum())
    assert 0 < random_follow_ups < int((train["kind"] == "follow_up").sum())
    assert sum(q["stats"]["follow_up"]["rows"]) == random_follow_ups
    assert sum(q["stats"]["all"]["rows"]) == int(train["sampled"].sum())
    assert [k for k, c in q["chosen"].items() if c.get("unsampled")] == ["all"]
    assert all(c["method"] == "CC" or c["scope"] == "kind" for c in q["chosen"].values())
    md = card_markdown({"fields": {"sentiment": {"cv_quantify": q}}})
    assert "all: the counts (not every training row was drawn at random)" in md


def test_the_trainer_writes_cv_quantify_per_kind_and_posts_use_it():
    """fit_task on a small crafted task whose rows say their kind: the card entry holds the per-kind
    statistics and choice, survives JSON, and corrected_table on posts labelled by the model uses it."""
    task, entry = _crafted_kinds(lambda i: bool(i % 3))
    q = json.loads(json.dumps(entry["cv_quantify"]))
    assert set(q["chosen"]) == set(q["stats"]) == {"all", "first_post", "follow_up"}
    assert sum(q["stats"]["first_post"]["rows"]) == int((task.train["kind"] == "first_post").sum())
    # the later messages were not drawn at random (column sampled): they and "all" keep the counts, and the
    # Markdown card says how each kind's shares are estimated
    assert [k for k, c in q["chosen"].items() if c.get("unsampled")] == ["all", "follow_up"]
    from wbcs.classify.card import card_markdown

    md = card_markdown({"fields": {"sentiment": {"cv_quantify": q}}})
    assert "follow_up: the counts (training rows of it not drawn at random)" in md
    first = q["chosen"]["first_post"]["method"]
    assert f"first_post: {first if first != 'CC' else 'the counts (no correction beat them'}" in md
    assert "cv_oof" not in entry["selection"]
    posts = pd.DataFrame({"sentiment": ["neg"] * 30 + ["pos"] * 10, "sentiment_source": "model",
                          "sentiment_proba": 0.8})
    posts.attrs["classified"] = {"quantify": {"sentiment": q}, "cv_confusion": {"sentiment": entry["cv_confusion"]}}
    t = corrected_table(posts, "sentiment", n_boot=50)
    chosen = q["chosen"]["first_post"]
    assert (t.attrs["kind"], t.attrs["method"], t.attrs["corrected"]) == \
        ("first_post", chosen["method"], chosen["method"] != "CC")
    assert t["corrected_share"].sum() == pytest.approx(1) and (t["lo"] <= t["hi"]).all()


def test_posts_without_probabilities_are_counted_and_say_why():
    info = _info()
    info["chosen"]["first_post"] = {**info["chosen"]["first_post"], "method": "PCC", "estimator": "PCC",
                                    "scope": "pooled"}
    t = quantified_shares(["negative"] * 3 + ["positive"], [np.nan] * 4, info, n_boot=20)
    assert (t.attrs["method"], t.attrs["corrected"]) == ("CC", False) and "probability" in t.attrs["note"]
    assert t["corrected_share"].to_numpy() == pytest.approx([0.75, 0.25])


def test_fewer_posts_than_the_smallest_validation_fold_are_counted():
    """A correction is applied to no fewer posts than its CV measured it on (the card's min_items; 100 for a card
    without it): on 9 posts a PACC once turned 4 negative posts into a 0 % negative share."""
    info = _info()
    posts = ["negative"] * 30 + ["positive"] * 9  # 39 posts: one fewer than the smallest fold (40)
    t = quantified_shares(posts, [0.9] * 39, info, n_boot=20)
    assert (t.attrs["method"], t.attrs["corrected"]) == ("CC", False)
    assert t.attrs["note"].startswith("not corrected: 39 posts are too few to correct; the correction chosen for "
                                      "this field (ACC (kind)) was tested on at least 40 posts at a time")
    one = quantified_shares(["negative"], [0.9], info, n_boot=20)
    assert one.attrs["note"].startswith("not corrected: 1 post is too few to correct")
    assert t["corrected_share"].to_numpy() == pytest.approx([30 / 39, 9 / 39])
    t = quantified_shares(posts + ["positive"], [0.9] * 40, info, n_boot=20)  # 40: corrected by ACC
    assert t.attrs["corrected"] and t["corrected_share"].to_numpy() == pytest.approx([0.5, 0.5])
    del info["chosen"]["first_post"]["min_items"]  # a card from before: at least 100 posts
    t = quantified_shares(posts + ["positive"], [0.9] * 40, info, n_boot=20)
    assert not t.attrs["corrected"] and "tested on at least 100 posts at a time" in t.attrs["note"]


def test_an_undefined_net_favorability_reads_as_such():
    """When a correction leaves no positive and no negative share, the title and the CLI say so, not '+nan'."""
    from wbcs.kpi.quantify import signed
    from wbcs.viz.figure import ems, fit_title
    from wbcs.viz.kpi import corrected_share_bar

    assert signed(-0.4371) == "-0.44" and signed(float("nan")).startswith("undefined")
    t = pd.DataFrame({"label": ["negative", "neutral", "positive"], "n": [24, 66, 10], "raw_share": [0.24, 0.66, 0.1],
                      "corrected_share": [0.0, 1.0, 0.0], "lo": [0.0, 0.7, 0.0], "hi": [0.06, 1.0, 0.25]})
    nf = {"raw": -0.41, "corrected": float("nan"), "interval": [-1.0, 1.0]}
    title = corrected_share_bar(t, "sentiment", summary={"net_favorability": nf}).layout.title.text
    assert "undefined (no positive or negative share) corrected (-0.41 as counted)" in title and "nan" not in title
    # a long summary line is wrapped at the width it is drawn (fit_title: 760 px, 60.7 em of subtitle), not cut off at
    # the chart's edge in the browser (tests/test_corrected_subtitle.py)
    nf = {"raw": -0.8912, "corrected": -0.8034, "interval": [-1.0, -0.6321]}
    summary = {"net_favorability": nf, "negative_share": {"raw": 0.851, "corrected": 0.746, "interval": [0.629, 0.839]}}
    title = fit_title(corrected_share_bar(t, "sentiment", summary=summary), 760).layout.title.text
    lines = title.split("<br>")[1:]
    assert len(lines) >= 2 and all(ems(line) <= 760 * 0.95 / 11.9 for line in lines)


def test_favorability_text_says_when_the_counts_were_kept():
    """Kept counts are not called corrected: one wording for wbcs kpi and the chart."""
    from wbcs.kpi.quantify import favorability_text

    summary = {"net_favorability": {"raw": -0.4371, "corrected": -0.4371, "interval": [-0.646, -0.172]},
               "negative_share": {"raw": 0.24, "corrected": 0.24, "interval": [0.167, 0.304]},
               "sentiment": {"corrected": False}}
    assert favorability_text(summary) == ("net favorability -0.44 [-0.65, -0.17] as counted, not corrected; "
                                          "negative share 24.0% [16.7%, 30.4%] as counted, not corrected")
    summary["sentiment"]["corrected"] = True
    summary["net_favorability"]["corrected"] = -0.2
    assert favorability_text(summary, "+.4g", "+.3g").startswith(
        "net favorability -0.2 [-0.646, -0.172] corrected (-0.4371 as counted); negative share 24.0%")


def test_rows_of_a_kind_with_its_own_bias_are_unshifted_by_their_own():
    """A model with first posts' own class bias (``TextClassifier.kind_bias``) shifts each row by its kind's bias:
    the statistics un-shift each by the same, so their posteriors before the bias are those of a model without
    one, and a card records the kinds' biases for the posts it will correct."""
    from wbcs.classify.baseline import shift_by_kind
    from wbcs.kpi.quantify import row_bias

    rng, labels, _, kinds, y, raw = _two_kinds()
    bias, own = {"consultation": 0.7}, {"first_post": {"consultation": 1.5, "praise": -0.5}}
    shifted = shift_by_kind(raw, labels, own, kinds, default=bias)
    rb = row_bias(labels, bias, own, kinds)
    assert rb.shape == (len(kinds), 3)
    np.testing.assert_allclose(rb[kinds == "first_post"][0], [0.0, 1.5, -0.5])
    np.testing.assert_allclose(rb[kinds == "follow_up"][0], [0.0, 0.7, 0.0])
    np.testing.assert_allclose(unshift(shifted, labels, rb), raw, atol=1e-9)
    assert row_bias(labels, bias, None, kinds) is bias  # no kind of its own: the one bias
    # pooled statistics sum each kind's own, each un-shifted by its bias
    truth = np.array(labels)[y]
    pooled = training_stats(truth, shifted, labels, rb, full=True)
    first, rest = kinds == "first_post", kinds != "first_post"
    parts = (training_stats(truth[first], shifted[first], labels, own["first_post"], full=True),
             training_stats(truth[rest], shifted[rest], labels, bias, full=True))
    np.testing.assert_allclose(pooled["posterior_sum"], np.add(parts[0]["posterior_sum"], parts[1]["posterior_sum"]),
                               atol=1e-5)
    entry = card_entry(truth, shifted, labels, np.arange(len(y)) % 5, kinds, bias=bias, kind_bias=own,
                       bias_kinds=kinds, n_boot=20, repeats=2)
    assert entry["bias"] == bias and entry["kind_bias"] == own
    # the kind's statistics are those of a model without bias on the same rows: the bias is undone exactly
    plain = training_stats(truth[first], raw[first], labels, None, full=True)
    np.testing.assert_allclose(parts[0]["posterior_sum"], plain["posterior_sum"], atol=1e-5)


def test_an_interval_always_holds_its_own_estimate():
    """A week of one topic post read 100.0% [88.6%, 98.6%] in the report: the counts' draws widened by their CV
    error (noise clipped at 0, renormalised) put every draw below 100 %, so the percentile interval missed the
    estimate. By hand: 8 topics, 1 post, the counts kept with an error of 0.02 per topic."""
    labels = [f"t{i}" for i in range(8)]
    conf = (np.eye(8) * 90 + 10 / 7 * (1 - np.eye(8))).tolist()
    stats = {"labels": labels, "confusion": conf, "split": np.eye(8).tolist(), "posterior_sum": conf,
             "rows": [100] * 8}
    info = {"labels": labels, "bias": None, "stats": {"all": stats},
            "chosen": {"all": {"method": "CC", "estimator": "CC", "scope": "pooled", "rmse": [0.02] * 8,
                               "cv_tv": {"CC": 0.05}, "folds": 5}}}
    t = quantified_shares(["t1"], [0.9], info, n_boot=500)
    assert t["corrected_share"].to_numpy() == pytest.approx(np.eye(8)[1])
    # [lo, 100 %]: one post says little about a share (Dirichlet(counts + 1/2) draws), and the draws' spread is kept
    assert t.loc[1, "hi"] == 1.0 and 0 <= t.loc[1, "lo"] < 0.5
    assert (t["lo"] <= t["corrected_share"]).all() and (t["corrected_share"] <= t["hi"]).all()
    assert (t.loc[t.index != 1, "lo"] == 0).all() and (t.loc[t.index != 1, "hi"] > 0).all()
    # the rule itself: draws all on one side of the estimate (as a ratio's at −1), and an undefined estimate
    lo, hi = percentile_interval(np.array([[-0.9, 0.2], [-0.5, 0.4], [-0.7, np.nan]]), 0.95, np.array([-1.0, np.nan]))
    assert lo[0] == -1 and hi[0] == pytest.approx(-0.51) and (lo[1], hi[1]) == pytest.approx((0.205, 0.395))
