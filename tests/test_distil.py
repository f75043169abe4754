"""Distillation decided by cross-validation (wbcs.classify.distil): a fast student learns a teacher's labels on
unlabelled texts, the teacher refitted in every fold; and the trainer's ``--quality --distil`` step."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wbcs.classify.baseline import TextClassifier
from wbcs.classify.distil import fit_student, pseudo_labels, select_student
from wbcs.errors import InputError

# two families of 40 two-character words each; a text holds one word of its class amid filler
_RNG = np.random.default_rng(0)
_CHARS = np.array(list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏"))
WORDS = {lab: ["".join(_RNG.choice(_CHARS, 2)) for _ in range(40)] for lab in ("a", "b")}
FILLER = "的了是在我有他这中大来上个国到说们为子和你地出道也时年"


def family_set(n: int, seed: int):
    """Texts labelled by the family of the one word each holds: with few labelled rows, a validation row's
    word is often unseen by the fold's training rows; a model given the families as a lexicon still knows it."""
    rng = np.random.default_rng(seed)
    texts, y = [], []
    for i in range(n):
        lab = "ab"[i % 2]
        fill = "".join(rng.choice(list(FILLER), 6))
        texts.append(fill[:3] + WORDS[lab][int(rng.integers(40))] + fill[3:])
        y.append(lab)
    return texts, y


def _fast():
    return TextClassifier(model="logreg", C=1.0, calibration=None, min_df=1, random_state=0)


def _teacher():
    return TextClassifier(model="logreg", C=1.0, calibration=None, min_df=1, lexicon=WORDS, lexicon_weight=1.0,
                          random_state=0)


def test_a_student_that_learns_the_teachers_labels_is_chosen():
    texts, y = family_set(60, seed=1)
    pool, _ = family_set(1200, seed=2)
    student, w, table = select_student(_fast(), _teacher(), texts, y, pool, seed=0)
    assert list(table["config"][:2]) == ["fast model", "teacher (reference)"] and len(table) == 5
    fast, teacher = table.iloc[0]["macro_f1"], table.iloc[1]["macro_f1"]
    assert teacher > fast + 0.1  # the lexicon knows the words a fold has not seen
    chosen = table[table["chosen"]].iloc[0]
    assert w == chosen["weight"] and chosen["macro_f1"] > fast + table.attrs["tol"]
    assert isinstance(student, TextClassifier) and student.lexicon is None  # the fast configuration, not the teacher
    assert table.attrs["pool"] == 1200 and table.attrs["cv_oof"]["labels"] == ["a", "b"]
    assert np.asarray(table.attrs["cv_confusion"]["matrix"]).sum() == 60


def test_a_teacher_that_knows_nothing_more_is_not_distilled():
    texts, y = family_set(200, seed=1)
    pool = ["的了是在我有"] * 300  # one filler text: the teacher gives all of it one label
    student, w, table = select_student(_fast(), _fast(), texts, y, pool, seed=0)
    assert student is None and w is None and table["chosen"].tolist() == [True, False, False, False, False]
    assert "cv_oof" not in table.attrs
    with pytest.raises(InputError, match="pool of unlabelled texts is empty"):
        select_student(_fast(), _fast(), texts, y, [], seed=0)


def test_fit_student_weighs_the_pool_by_the_teachers_confidence():
    texts, y = family_set(60, seed=1)
    pool, _ = family_set(400, seed=2)
    teacher = _teacher().fit(texts, y)
    labels, conf = pseudo_labels(teacher, pool, ["a", "b"])
    assert set(labels) == {"a", "b"} and ((conf >= 0.5) & (conf <= 1)).all()
    student = fit_student(_fast(), teacher, texts, y, pool, 0.5)
    assert student.n_pseudo_ == 400
    # it now knows words the labelled rows never held: it agrees with the teacher on new texts
    new, truth = family_set(300, seed=3)
    assert (student.predict(new) == teacher.predict(new)).mean() >= 0.9
    assert (_fast().fit(texts, y).predict(new) == np.asarray(truth)).mean() < 0.8


def test_distil_through_the_cli(tmp_path):
    """wbcs train --data --quality --distil FILE: errors name what to add; on texts labelled by length (the tiny
    backbone's mean hidden state reads it, test_embedding) the ensemble is kept by the quality step, the fast
    student learning its labels on the pool beats the configuration alone, and the saved field is that student."""
    from tests.test_embedding import length_set
    from wbcs.classify import load_model
    from wbcs.classify.transformer import tiny_backbone

    texts, y = length_set(200, seed=0)
    pool, _ = length_set(1200, seed=5)
    backbone = str(tiny_backbone(tmp_path / "bb", texts + pool, layers=2, hidden=32, seed=0))
    pd.DataFrame({"text": texts, "size": y}).to_csv(tmp_path / "labelled.csv", index=False)
    pd.DataFrame({"text": pool + ["", None]}).to_csv(tmp_path / "pool.csv", index=False)
    base = [sys.executable, "-m", "wbcs", "train", "--task", "size", "--data", str(tmp_path / "labelled.csv"),
            "--budget", "20"]

    def run(*args):
        return subprocess.run([*base, *args], capture_output=True, text=True)

    r = run("--distil", str(tmp_path / "pool.csv"), "--out", str(tmp_path / "m0"))
    assert r.returncode == 2 and "add --quality" in r.stderr
    r = run("--quality", backbone, "--distil", "--out", str(tmp_path / "m1"))
    assert r.returncode == 2 and "give a FILE of unlabelled texts" in r.stderr
    r = run("--quality", backbone, "--distil", str(tmp_path / "pool.csv"), "--out", str(tmp_path / "m2"))
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "m2" / "card.json").read_text())["fields"]["size"]
    assert not card["quality"]["table"][0]["chosen"]  # the quality step preferred the ensemble...
    assert card["kind"] == "sklearn"  # ...and the field is still a fast model: the student
    table = card["distil"]["table"]
    assert card["distil"]["pool"] == 1200 and table[1]["config"] == "teacher (reference)"  # the empty rows left out
    kept = [row for row in table if row["chosen"]]
    assert len(kept) == 1 and kept[0]["weight"] == card["distil"]["weight"] is not None
    assert kept[0]["macro_f1"] > table[0]["macro_f1"] + card["distil"]["tol"]
    assert f"distillation: {kept[0]['config']!r} kept" in r.stdout
    assert any(n.startswith("distilled: + 1,200 unlabelled texts") for n in card["notes"])
    assert card["cv_quantify"]["labels"] == ["long", "short"]  # chosen on the student's out-of-fold rows
    assert "Distillation:" in (tmp_path / "m2" / "MODEL_CARD.md").read_text()
    new, truth = length_set(100, seed=9)
    assert (load_model(tmp_path / "m2").predict(new)["size"] == truth).mean() >= 0.9


def test_a_saved_teacher_distils_a_field_of_the_trainer():
    """train_model's teachers (wbcs train --teacher): the field learns a fitted model's labels on the pool."""
    from wbcs.classify.multi import PostClassifier
    from wbcs.classify.tasks import task_from_table
    from wbcs.classify.train import train_model

    texts, y = family_set(100, seed=1)
    pool, _ = family_set(500, seed=2)
    task, rejects = task_from_table(pd.DataFrame({"text": texts, "family": y}), "family", seed=0)
    teacher = PostClassifier({"family": _teacher().fit(texts, y)}, card={"fields": {"family": {}}}, name="lexicon")
    model = train_model({"family": task}, estimator=_fast(), teachers={"family": (teacher, pool)})
    entry = model.card["fields"]["family"]
    assert rejects.empty and entry["distilled_from"]["model"] == "lexicon"
    assert entry["distilled_from"]["pseudo_labelled"] == 500 and entry["refit_rows"] == 100
    new, _ = family_set(300, seed=3)
    assert (model.models["family"].predict(new) == teacher.models["family"].predict(new)).mean() >= 0.9


def test_with_kinds_distillation_ranks_by_the_kinds_mean_and_keeps_the_pooled_figure():
    texts, y = family_set(60, seed=1)
    pool, _ = family_set(300, seed=2)
    kinds = ["first_post" if i % 3 == 0 else "follow_up" for i in range(len(y))]
    _, _, plain = select_student(_fast(), _teacher(), texts, y, pool, seed=0)
    _, _, weighed = select_student(_fast(), _teacher(), texts, y, pool, seed=0, kinds=kinds)
    assert "pooled_macro_f1" not in plain.columns
    # the fast model and the students carry no class bias here: their pooled figures are the plain run's
    own = weighed["config"] != "teacher (reference)"
    np.testing.assert_allclose(weighed.loc[own, "pooled_macro_f1"].astype(float), plain.loc[own, "macro_f1"].astype(float))
    assert (weighed["macro_f1"] != weighed["pooled_macro_f1"]).any()


def test_a_student_learns_its_own_biases_not_the_fast_models():
    """The fast model's first posts' bias was fitted on its own predictions: its row is scored with it, and the
    student drops it, trying a bias of first posts' own on its own out-of-fold predictions instead."""
    texts, y = family_set(60, seed=1)
    pool, _ = family_set(1200, seed=2)
    kinds = np.array(["first_post" if i % 3 == 0 else "follow_up" for i in range(len(y))])
    fast = _fast().set_params(kind_bias={"first_post": {"a": 3.0}})
    student, _, table = select_student(fast, _teacher(), texts, y, pool, seed=0, row_kinds=kinds,
                                       own_bias_kinds=("first_post",))
    assert table.iloc[0]["config"] == "fast model + own class bias of first_post"
    assert student is not None and student.kind_bias != fast.kind_bias
    tried = table[table["config"].str.endswith("own class bias of first_post") & table["weight"].notna()]
    assert len(tried) == 1 and bool(tried.iloc[0]["chosen"]) == (student.kind_bias is not None)
    assert table.attrs["cv_oof"].get("kind_bias") == student.kind_bias
    # a recall floor: the chosen student meets it last
    floored, _, table = select_student(fast, _teacher(), texts, y, pool, seed=0, row_kinds=kinds,
                                       own_bias_kinds=("first_post",), min_recall={"a": 1.0})
    last = table.iloc[-1]
    assert floored is not None and last["chosen"] and last["config"].endswith("recall floor a ≥ 1")
    assert table.attrs["cv_oof"]["bias"] == floored.class_bias
