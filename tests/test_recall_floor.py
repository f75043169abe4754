"""Recall floors (``configs.recall_floor_step``, ``wbcs train --min-recall``, the taxonomy's ``min_recall``): the
smallest offset that meets a floor, by hand; the trainer meets it last on every set of rows sharing a bias; bad
floors are one clear line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wbcs.classify import TextClassifier
from wbcs.classify.configs import FLOOR_GRID, check_floors, floor_offset, select
from wbcs.errors import InputError


def test_the_offset_is_the_smallest_of_the_grid_that_reaches_the_floor():
    # class b's rows: p(b) 0.4, 0.3, 0.1, so log p(a) - log p(b) = ln 1.5 = 0.405, ln 7/3 = 0.847, ln 9 = 2.197;
    # an a row at p(b) 0.2 never counts for b's recall
    proba = np.array([[0.6, 0.4], [0.7, 0.3], [0.9, 0.1], [0.8, 0.2]])
    y = ["b", "b", "b", "a"]
    assert floor_offset(proba, y, ["a", "b"], "b", 0.3) == 0.5  # one of three: > 0.405
    assert floor_offset(proba, y, ["a", "b"], "b", 0.6) == 1.0  # two of three: > 0.847
    assert floor_offset(proba, y, ["a", "b"], "b", 1.0) == 2.25  # all three: > 2.197
    assert floor_offset(proba, y, ["a", "b"], "a", 1.0) == 0.0  # a's one row is right already
    unreachable = np.array([[1 - 1e-9, 1e-9]] * 3)
    assert floor_offset(unreachable, ["b"] * 3, ["a", "b"], "b", 1.0) == FLOOR_GRID[-1]
    assert floor_offset(proba[3:], ["a"], ["a", "b"], "b", 0.6) == 0.0  # no row of b: nothing to reach


def test_each_kind_with_enough_rows_of_the_label_is_held_to_the_floor():
    # 10 rows of kind x found at offset 0.5 (margin ln 1.5), 10 of kind y only past ln 4 = 1.386: pooled, half the
    # rows reach 0.5 at 0.5; y alone needs 1.5
    proba = np.array([[0.6, 0.4]] * 10 + [[0.8, 0.2]] * 10)
    y, kinds = ["b"] * 20, ["x"] * 10 + ["y"] * 10
    assert floor_offset(proba, y, ["a", "b"], "b", 0.5) == 0.5
    assert floor_offset(proba, y, ["a", "b"], "b", 0.5, kinds=kinds) == 1.5
    # a kind with fewer than FLOOR_MIN_SUPPORT rows of it counts in the pooled figure only
    few = ["x"] * 11 + ["y"] * 9
    proba = np.array([[0.6, 0.4]] * 11 + [[0.8, 0.2]] * 9)
    assert floor_offset(proba, y, ["a", "b"], "b", 0.5, kinds=few) == 0.5


def test_bad_floors_name_the_label_and_what_to_give():
    with pytest.raises(InputError, match="'praise' is not among the training rows' labels"):
        check_floors({"praise": 0.6}, ["complaint", "consultation"])
    with pytest.raises(InputError, match=r"floor of 'consultation' is 1.5; give a recall in \(0, 1\]"):
        check_floors({"consultation": 1.5}, ["complaint", "consultation"])
    assert check_floors(None, ["a"]) == {}


def two_kinds(seed=0):
    """Consultations are a fifth of first posts and a tenth of follow-up turns, and their cue is right 65 % of the
    time: a model tuned for macro-F1 misses many of them."""
    rng = np.random.default_rng(seed)
    chars = np.array(list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"))
    texts, y, kinds = [], [], []
    for kind, n, share in (("first_post", 300, 0.2), ("follow_up", 900, 0.1)):
        for i in range(n):
            label = "consultation" if rng.random() < share else "complaint"
            cue = {"consultation": "问坏", "complaint": "坏问"}[label][0 if rng.random() < 0.65 else 1]
            filler = "".join(rng.choice(chars, 6))
            texts.append(f"{filler}{cue}{filler[::-1]}{i}")
            y.append(label)
            kinds.append(kind)
    return texts, np.array(y), np.array(kinds)


def test_the_trainer_meets_a_floor_last_on_each_set_of_rows_that_shares_a_bias():
    from wbcs.classify.card import card_markdown

    texts, y, kinds = two_kinds()
    base = TextClassifier(calibration=None, random_state=0)
    common = dict(kinds=kinds, weigh_kinds=False, own_bias_kinds=("first_post",), words=False, base=base, seed=0)
    plain, before = select(texts, y, **common)
    floored, table = select(texts, y, min_recall={"consultation": 0.9}, **common)
    last = table.iloc[-1]
    assert last["config"].endswith("+ recall floor consultation ≥ 0.9") and last["chosen"]
    assert table["chosen"].sum() == 1
    # the same configuration as without the floor; only the consultation offsets grow
    assert {k: v for k, v in floored.get_params().items() if not k.endswith("_bias")} == \
        {k: v for k, v in plain.get_params().items() if not k.endswith("_bias")}
    sets = [(floored.class_bias, plain.class_bias)] + [
        (floored.kind_bias[k], (plain.kind_bias or {}).get(k) or {}) for k in (floored.kind_bias or {})]
    grown = [(now or {}).get("consultation", 0) - (was or {}).get("consultation", 0) for now, was in sets]
    assert all(g >= 0 for g in grown) and any(g > 0 for g in grown)
    assert {k: v for k, v in (floored.class_bias or {}).items() if k != "consultation"} == \
        {k: v for k, v in (plain.class_bias or {}).items() if k != "consultation"}
    # its out-of-fold recall per kind, before and after, and what it cost the ranking score
    recall = last["floor_recall"]["consultation"]
    assert set(recall) == {"first_post", "follow_up"}
    assert all(r["after"] > r["before"] for r in recall.values())
    assert all(r["after"] >= 0.8 for r in recall.values())  # cross-fitted: near the floor, not above it by law
    assert last["macro_f1"] < before.loc[before["chosen"], "macro_f1"].iloc[0]  # recall bought with precision
    # the model's out-of-fold record (the quantifiers' input) carries the floored biases
    assert table.attrs["cv_oof"]["bias"] == floored.class_bias
    card = card_markdown({"fields": {"intent": {"selection": {"table": table.to_dict("records"), "rows": len(y),
                                                              "folds": 5}}}})
    assert "recall of consultation: first_post " in card and " → " in card
    # a floor the model meets already adds nothing
    met, table = select(texts, y, min_recall={"complaint": 0.5}, **common)
    assert met.class_bias == plain.class_bias and met.kind_bias == plain.kind_bias
    assert table.iloc[-1]["chosen"]


def test_field_floors_and_the_taxonomys_own():
    from wbcs.classify.train import default_fit_options, field_floors
    from wbcs.schema import parse_taxonomy

    labels = {"intent": {"consultation", "other"}, "topic": {"other", "tariff"}}
    assert field_floors({"other": 0.5}, labels) == {"intent": {"other": 0.5}, "topic": {"other": 0.5}}
    assert field_floors({"topic:other": 0.5}, labels) == {"intent": {}, "topic": {"other": 0.5}}
    with pytest.raises(InputError, match="no field 'sentiment' is trained here"):
        field_floors({"sentiment:neutral": 0.5}, labels)
    with pytest.raises(InputError, match="no label 'tariff' in the training rows of intent"):
        field_floors({"intent:tariff": 0.5}, labels)
    assert default_fit_options("intent")["min_recall"] == {"consultation": 0.6}
    assert default_fit_options("intent", cross_validated=False)["min_recall"] is None  # a given configuration
    assert default_fit_options("topic")["min_recall"] == {}
    raw = {"fields": {"intent": {"labels": [{"id": "consultation", "min_recall": 2}]}}}
    with pytest.raises(InputError, match=r"fields.intent.labels\[0\].min_recall must be a recall in \(0, 1\]"):
        parse_taxonomy(raw)


def test_the_cli_trains_with_a_floor_and_refuses_a_bad_one_in_one_line(tmp_path):
    import json

    texts, y, kinds = two_kinds(1)
    data = tmp_path / "mine.csv"
    pd.DataFrame({"text": texts[::2], "intent": y[::2]}).to_csv(data, index=False)
    cmd = [sys.executable, "-m", "wbcs", "train", "--task", "intent", "--data", str(data), "--budget", "60"]
    bad = subprocess.run([*cmd, "--min-recall", "consultation=1.5", "--out", str(tmp_path / "m" / "1")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "consultation=1.5" in bad.stderr and "(0, 1]" in bad.stderr
    unknown = subprocess.run([*cmd, "--min-recall", "praise=0.5", "--out", str(tmp_path / "m" / "1")],
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "no label 'praise'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    ok = subprocess.run([*cmd, "--min-recall", "consultation=0.9", "--out", str(tmp_path / "m" / "1")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    card = json.loads((tmp_path / "m" / "1" / "card.json").read_text(encoding="utf-8"))
    table = card["fields"]["intent"]["selection"]["table"]
    assert table[-1]["chosen"] and table[-1]["config"].endswith("recall floor consultation ≥ 0.9")
    assert "recall of consultation:" in (tmp_path / "m" / "1" / "MODEL_CARD.md").read_text(encoding="utf-8")


def test_one_field_retrained_carries_the_others_over_unchanged(tmp_path):
    from wbcs.classify import PostClassifier
    from wbcs.classify.card import card_markdown
    from wbcs.classify.registry import load_model, save_model
    from wbcs.classify.train import carry_over

    texts, y, kinds = two_kinds(2)
    tone = np.where(np.char.find(texts.astype(str) if isinstance(texts, np.ndarray) else np.array(texts), "问") >= 0,
                    "neutral", "negative")
    def fit(labels):
        return TextClassifier(calibration=None, random_state=0).fit(texts, labels)
    shipped = PostClassifier({"sentiment": fit(tone), "intent": fit(y)},
                             card={"name": "m", "fields": {"sentiment": {"task": "s", "notes": ["n"]},
                                                           "intent": {"task": "old intent"}}})
    folder = save_model(shipped, tmp_path / "m" / "1")
    retrained = PostClassifier({"intent": fit(y[::-1])}, card={"name": "m", "fields": {"intent": {"task": "new"}}})
    merged = carry_over(retrained, folder)
    assert merged.fields == ["sentiment", "intent"]  # the kept model's order
    assert merged.models["intent"] is retrained.models["intent"]
    assert merged.card["fields"]["intent"] == {"task": "new"}
    carried = merged.card["fields"]["sentiment"]
    # a folder outside the registry is named by its path (registry.model_name), which finds it again
    assert carried["carried_from"] == str(folder.resolve()) and carried["task"] == "s"
    assert carried["notes"][0] == "n" and f"carried over unchanged from {folder.resolve()}" in carried["notes"][1]
    again = load_model(save_model(merged, tmp_path / "m" / "2"))
    pd.testing.assert_frame_equal(again.predict(texts[:50])[["sentiment"]], shipped.predict(texts[:50])[["sentiment"]])
    assert f"carried over unchanged from {folder.resolve()}" in card_markdown(again.card)


def test_fields_and_keep_are_refused_in_one_line_where_they_mean_nothing(tmp_path):
    run = [sys.executable, "-m", "wbcs", "train", "--out", str(tmp_path / "x" / "1")]
    for args, message in ((["--task", "sentiment", "--fields", "intent"], "work with --task default"),
                          (["--task", "default", "--keep", "models/wbcs-default/10"], "say which fields to train"),
                          (["--task", "default", "--fields", "mood"], "no field 'mood' to train")):
        out = subprocess.run([*run, *args], capture_output=True, text=True)
        assert out.returncode == 2 and message in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
