"""Metrics, calibration error, leakage-guarded splits, CV, learning curve, stronger models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, NEU, TEXTS
from wbcs.classify import TextClassifier
from wbcs.classify.evaluate import (
    bootstrap_ci,
    cross_validate,
    evaluate,
    expected_calibration_error,
    held_out,
    learning_curve,
    metrics,
    paired_bootstrap_delta,
    reliability_table,
    worst_confusions,
)
from wbcs.classify.splits import group_train_test_split, leakage_groups, straddling_groups
from wbcs.classify.strong import SelfTraining
from wbcs.errors import InputError


def test_ece_hand_computed():
    y = ["a", "a", "b", "b"]
    proba = [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.8, 0.2]]
    # predictions a, a, b, a → correct, correct, correct, wrong; confidences .9 .6 .7 .8
    # 10 bins: one post per bin → (|1-.9| + |1-.6| + |1-.7| + |0-.8|) / 4 = 0.4
    assert expected_calibration_error(y, proba, ["a", "b"], n_bins=10) == pytest.approx(0.4)
    # 2 bins: all in (0.5, 1]: accuracy 3/4, mean confidence 3/4 → 0
    assert expected_calibration_error(y, proba, ["a", "b"], n_bins=2) == pytest.approx(0.0)
    t = reliability_table(y, proba, ["a", "b"], n_bins=2)
    np.testing.assert_allclose(t[["count", "accuracy", "confidence"]].to_numpy(), [[4, 0.75, 0.75]])


def test_metrics_hand_computed():
    m = metrics(["a", "a", "b", "c"], ["a", "b", "b", "b"])
    assert m["n"] == 4 and m["accuracy"] == 0.5
    # a: P 1/1, R 1/2, F 2/3; b: P 1/3, R 1, F 1/2; c: never predicted → 0
    assert m["per_class"]["a"] == pytest.approx({"precision": 1, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert m["per_class"]["b"]["precision"] == pytest.approx(1 / 3)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert m["confusion"] == {"labels": ["a", "b", "c"], "matrix": [[1, 1, 0], [0, 1, 0], [0, 1, 0]]}
    with pytest.raises(InputError, match="no rows"):
        metrics([], [])


def test_rows_without_a_true_label_are_left_out_and_counted():
    """They were scored as classes "nan" and "None"; wbcs evaluate leaves them out, so does the API."""
    m = metrics([np.nan, "a", None, " ", "b"], ["a", "a", "a", "b", "a"],
                proba=[[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9], [0.6, 0.4]], classes=["a", "b"])
    assert m["n"] == 2 and m["left_out"] == 3 and m["accuracy"] == 0.5
    assert m["confusion"]["labels"] == ["a", "b"]
    assert m["ece"] == pytest.approx(metrics(["a", "b"], ["a", "a"], proba=[[0.8, 0.2], [0.6, 0.4]],
                                             classes=["a", "b"])["ece"])
    assert metrics(["a"], ["a"])["left_out"] == 0
    assert bootstrap_ci([None, "a", "b"], ["b", "a", "b"], n_boot=20) == {"accuracy": [1.0, 1.0], "macro_f1": [1.0, 1.0]}
    d = paired_bootstrap_delta([None, "a", "b"], ["a", "a", "a"], ["b", "a", "b"], n_boot=20)
    assert d["accuracy"]["delta"] == pytest.approx(0.5)
    with pytest.raises(InputError, match="no rows to evaluate: all 2 true labels are missing"):
        metrics([None, np.nan], ["a", "a"])


@pytest.mark.parametrize("call, says", [
    (lambda: metrics(["a", "b"], ["a"]), "y_pred has 1 rows for 2 true labels"),
    (lambda: metrics(["a"], ["a"], proba=[[1, 0], [0, 1]], classes=["a", "b"]), "proba has 2 rows for 1 true labels"),
    (lambda: bootstrap_ci(["a", "b", "c"], ["a", "b"]), "y_pred has 2 rows for 3"),
    (lambda: paired_bootstrap_delta(["a", "b"], ["a", "b"], ["a", "b"], groups=[1]), "groups has 1 rows for 2"),
])
def test_lengths_that_differ_are_refused(call, says):
    with pytest.raises(InputError, match=says):
        call()


@pytest.mark.parametrize("call, says", [
    (lambda: bootstrap_ci(["a", "b"], ["a", "b"], n_boot=0), "n_boot must be a whole number ≥ 1, got 0"),
    (lambda: bootstrap_ci(["a", "b"], ["a", "b"], level=2), r"level must be between 0 and 1 \(e.g. 0.95\), got 2"),
    (lambda: paired_bootstrap_delta(["a"], ["a"], ["a"], level=0), "level must be between 0 and 1"),
    (lambda: cross_validate(TextClassifier(), TEXTS, LABELS, n_splits=1), r"n_splits \(folds\) must be a whole number ≥ 2"),
    (lambda: worst_confusions(["a", "a", "b"], ["b", "b", "a"], ["x"]), "texts has 1 rows for 3 true labels"),
    (lambda: worst_confusions(["a", "b"], ["b", "a"], ["x", "y"], top=-1), "top must be a whole number ≥ 0, got -1"),
])
def test_counts_and_levels_that_mean_nothing_are_refused(call, says):
    """numpy/sklearn errors before; worst_confusions(top=-1) silently dropped the last confusion (head(-1))."""
    with pytest.raises(InputError, match=says):
        call()


def test_worst_confusions_leave_out_rows_without_a_true_label():
    w = worst_confusions([None, "a", "b"], ["b", "b", "a"], ["x", "y", "z"])
    assert w[["true", "predicted", "count"]].values.tolist() == [["a", "b", 1], ["b", "a", 1]]


def test_near_duplicates_never_straddle():
    # 12 families of 3 near-identical posts (one character differs) → 12 groups
    base = ["中国移动的信号在我们小区一直很差打电话断断续续", "宽带已经断了三天了师傅还没有来修理真是急死人",
            "请问国际漫游套餐应该怎么开通需要去营业厅吗", "这个月话费莫名其妙多扣了五十元请帮忙查一下",
            "客服小姐姐态度非常好问题很快解决了谢谢你们", "流量用超了为什么没有短信提醒我这样合理吗",
            "携号转网被各种理由拒绝到底要怎样才能办理", "营业厅排队两个小时工作人员还在聊天玩手机",
            "每天收到好几个骚扰电话和诈骗短信能不能管管", "手机充值以后还是停机状态已经过了两个小时",
            "新买的合约机用了一周就坏了售后说不能换", "建议营业厅周末也延长营业时间方便上班族"]
    texts, labels = [], []
    for i, t in enumerate(base):
        texts += [t, t + "！", t[:-1] + "啊"]
        labels += [("neg", "pos", "neu")[i % 3]] * 3
    groups = leakage_groups(texts)
    assert len(set(groups)) == 12
    assert all(len(set(groups[3 * i:3 * i + 3])) == 1 for i in range(12))
    for seed in range(5):
        tr, te = group_train_test_split(labels, groups, test_size=0.25, seed=seed)
        assert len(straddling_groups(groups, tr, te)) == 0
        assert len(tr) + len(te) == 36 and len(te) % 3 == 0


def test_cross_validate_and_learning_curve():
    cv = cross_validate(TextClassifier(calibration=None), TEXTS, LABELS, n_splits=4, seed=0)
    assert len(cv) == 4 and cv["n_test"].sum() == 24
    assert (cv["n_train"] + cv["n_test"] == 24).all()
    np.testing.assert_allclose(cv.attrs["oof_proba"].sum(axis=1), 1.0)
    assert cv["accuracy"].between(0, 1).all()
    lc = learning_curve(TextClassifier(calibration=None), TEXTS, LABELS, sizes=(6, 12, 100), test_size=0.25)
    assert lc["n_labels"].tolist() == [6, 12, 18]  # 100 capped at the 18 training texts
    with pytest.raises(InputError, match="fewer than the 10 folds"):
        cross_validate(TextClassifier(), TEXTS, LABELS, n_splits=10)


def test_held_out_returns_model_and_scores():
    r = held_out(TextClassifier(), TEXTS, LABELS, test_size=0.25, seed=1)
    assert r["train_size"] + r["n"] == 24 and r["proba"].shape == (r["n"], 3)
    assert evaluate(r["model"], NEU, ["neutral"] * 8)["accuracy"] >= 0.75


def test_nb_logreg_variant():
    clf = TextClassifier(model="nb-logreg").fit(TEXTS, LABELS)
    proba = clf.predict_proba(["信号太差打不了电话", "谢谢很满意", "请问怎么办理套餐"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(clf.classes_[proba.argmax(axis=1)]) == ["negative", "positive", "neutral"]
    with pytest.raises(InputError, match="model 'svm'"):
        TextClassifier(model="svm").fit(TEXTS, LABELS)


def test_self_training_adds_confident_posts():
    pool = ["谢谢客服很满意", "请问套餐怎么办理", "信号太差太坑了", "谢谢耐心解答点赞", "今天天气"]
    st = SelfTraining(TextClassifier(calibration=None), threshold=0.5, max_rounds=2).fit(TEXTS, LABELS, unlabelled=pool)
    assert 1 <= sum(st.added_) <= len(pool) and len(st.added_) <= 2
    assert st.predict(["谢谢很满意"])[0] == "positive"
    none = SelfTraining(TextClassifier(calibration=None), threshold=1.01).fit(TEXTS, LABELS, unlabelled=pool)
    assert none.added_ == []


@pytest.mark.slow
def test_real_tasks_do_not_leak(mirror):
    from wbcs.classify.tasks import load_task
    from wbcs.text import normalize_series

    for name in ("sentiment", "complaint", "cocc"):
        task = load_task(name, seed=0)
        train = set(normalize_series(task.train["text"]))
        test = set(normalize_series(task.test["text"]))
        assert not train & test, name  # no exact (normalised) text on both sides
        groups = leakage_groups(list(task.train["text"]) + list(task.test["text"]))
        n = len(task.train)
        assert not set(groups[:n]) & set(groups[n:]), name  # nor a near duplicate


def test_worst_confusions_count_share_and_mask_examples():
    from wbcs.classify.evaluate import worst_confusions

    y_true = ["consultation"] * 4 + ["complaint"] * 6
    y_pred = ["complaint"] * 3 + ["consultation"] + ["complaint"] * 5 + ["consultation"]
    texts = [f"请问 13912345678 第{i}条" for i in range(10)]
    w = worst_confusions(y_true, y_pred, texts, top=2, examples=2)
    assert w[["true", "predicted", "count"]].values.tolist() == [["consultation", "complaint", 3],
                                                                  ["complaint", "consultation", 1]]
    assert w["share_of_true"].tolist() == [0.75, 1 / 6]
    assert "13912345678" not in w["examples"].iloc[0] and "139****5678" in w["examples"].iloc[0]


def test_the_learning_curve_verdict_reads_the_last_doubling():
    from wbcs.classify.evaluate import more_labels_verdict

    curve = pd.DataFrame({"n_labels": [100, 200, 400], "macro_f1": [0.40, 0.50, 0.56]})
    assert more_labels_verdict(curve).startswith("more labels still help: macro_f1 0.500 → 0.560")
    flat = curve.assign(macro_f1=[0.40, 0.50, 0.505])
    assert more_labels_verdict(flat).startswith("more labels help little now") and "+0.005 per doubling" in \
        more_labels_verdict(flat)


def test_paired_bootstrap_delta_on_hand_computed_items():
    from wbcs.classify.evaluate import bootstrap_ci, paired_bootstrap_delta

    y = ["a", "a", "b", "b"]
    # all "a": F1(a) = 2·2/(2 + 4) = 2/3, F1(b) = 0, macro 1/3, accuracy 1/2; the truth: 1 and 1
    d = paired_bootstrap_delta(y, ["a"] * 4, y, n_boot=200, seed=0)
    assert abs(d["macro_f1"]["delta"] - 2 / 3) < 1e-12 and abs(d["accuracy"]["delta"] - 0.5) < 1e-12
    same = paired_bootstrap_delta(y, y, y, n_boot=200, seed=0)
    assert same["macro_f1"] == {"delta": 0.0, "ci": [0.0, 0.0]}  # paired: identical predictions never differ

    # 200 items, B right on all, A wrong on 20: a real gain, the interval above 0
    rng = np.random.default_rng(0)
    truth = rng.choice(["x", "y"], 200)
    a = truth.copy()
    a[:20] = np.where(truth[:20] == "x", "y", "x")
    gain = paired_bootstrap_delta(truth, a, truth, n_boot=500, seed=1)
    assert gain["accuracy"]["delta"] == pytest.approx(0.1) and 0 < gain["accuracy"]["ci"][0] < 0.1 < gain["accuracy"]["ci"][1]

    # items of one dialogue share their fate: resampling dialogues widens the interval; one dialogue, no spread
    groups = np.repeat(np.arange(20), 10)
    a_grouped = truth.copy()
    a_grouped[groups < 2] = np.where(truth[groups < 2] == "x", "y", "x")  # A wrong on two whole dialogues
    rows = paired_bootstrap_delta(truth, a_grouped, truth, n_boot=500, seed=1)["accuracy"]["ci"]
    dialogues = paired_bootstrap_delta(truth, a_grouped, truth, groups=groups, n_boot=500, seed=1)["accuracy"]["ci"]
    assert dialogues[1] - dialogues[0] > 1.5 * (rows[1] - rows[0])
    one = paired_bootstrap_delta(truth, a_grouped, truth, groups=np.zeros(200), n_boot=50, seed=1)["accuracy"]
    assert one["ci"] == pytest.approx([one["delta"]] * 2) and one["delta"] == pytest.approx(0.1)

    # the unpaired interval of one model is unchanged by the shared counting (same draws as before)
    ci = bootstrap_ci(truth, a, n_boot=300, seed=2)
    assert ci["accuracy"][0] < 0.9 < ci["accuracy"][1]


def test_learning_curve_on_a_fixed_test_part_repeats_each_size():
    from wbcs.classify.evaluate import learning_curve

    lc = learning_curve(TextClassifier(calibration=None), TEXTS[:18], LABELS[:18], sizes=(6, 12, 100),
                        test=(TEXTS[18:], LABELS[18:]), repeats=3, seed=0)
    assert lc["n_labels"].tolist() == [6, 12, 18] and lc["draws"].tolist() == [3, 3, 1]  # the whole set once
    draws = pd.DataFrame(lc.attrs["draws"])
    assert len(draws) == 7 and (draws.groupby("n_labels")["macro_f1"].mean().to_numpy() == lc["macro_f1"]).all()
    assert lc.loc[2, "macro_f1_sd"] == 0 and (lc["macro_f1_sd"] >= 0).all()
    again = learning_curve(TextClassifier(calibration=None), TEXTS[:18], LABELS[:18], sizes=(6, 12, 100),
                           test=(TEXTS[18:], LABELS[18:]), repeats=3, seed=0)
    pd.testing.assert_frame_equal(lc, again)  # seeded draws
    assert len(pd.concat([lc.assign(model="a"), again.assign(model="b")])) == 6  # curves of two models concatenate
    with pytest.raises(InputError, match="repeats must be at least 1"):
        learning_curve(TextClassifier(), TEXTS, LABELS, repeats=0)


def test_labels_to_reach_extends_the_log_linear_trend_by_hand():
    from wbcs.classify.evaluate import labels_to_reach, more_labels_verdict

    curve = pd.DataFrame({"n_labels": [50, 100, 200, 400], "macro_f1": [0.1, 0.40, 0.50, 0.56]})
    # the last 3 points against log2(n): slope (0.56 − 0.40) / 2 = 0.08 per doubling through their mean (0.48667 at
    # 200 labels); 0.65 is 0.16333 / 0.08 = 2.0417 doublings past 200: 200 × 2^2.0417 = 823.6 → 824 labels
    need = labels_to_reach(curve, 0.65)
    assert need["n_labels"] == 824 and need["per_doubling"] == pytest.approx(0.08) and not need["met"]
    assert need["now"] == 400 and need["points"] == 3
    assert "0.65 needs at least ~824 labels (2.1× today's)" in more_labels_verdict(curve, target=0.65)
    assert labels_to_reach(curve, 0.5)["met"] and "target 0.5 is met" in more_labels_verdict(curve, target=0.5)
    falling = curve.assign(macro_f1=[0.1, 0.50, 0.49, 0.48])
    assert labels_to_reach(falling, 0.65)["n_labels"] is None
    assert "does not rise: more labels alone will not reach 0.65" in more_labels_verdict(falling, target=0.65)
    # a trend line above a last point that misses the target: never fewer labels than today's
    assert labels_to_reach(pd.DataFrame({"n_labels": [100, 200, 400], "macro_f1": [0.40, 0.70, 0.64]}), 0.65)[
        "n_labels"] == 400
