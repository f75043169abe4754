"""A group (a dialogue, a thread) with rows in both the training file and a user's --test file: its training rows are
left out of the configuration's choice and the held-out fit, counted in the card and on the terminal, and learnt by
the refit (``splits.groups_in``, ``train.fit_task``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.classify import TextClassifier

CHARS = list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒日月盈昃辰宿列张")


def _tables(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows of 30 dialogues (d0..d29, 4 turns each) and test rows of 10 other dialogues plus the last turn of
    each of d0 and d1, which the training file also holds 2 turns of: 6 training rows of 2 shared dialogues."""
    rng = np.random.default_rng(seed)

    def text() -> str:
        return "".join(rng.choice(CHARS, 14))

    train = pd.DataFrame({"text": [text() for _ in range(120)], "mood": ["pos", "neg", "neg", "pos"] * 30,
                          "dialogue": [f"d{i // 4}" for i in range(120)]})
    train = train.drop(index=[3, 7]).reset_index(drop=True)  # d0 and d1's last turns are in the test file
    test = pd.DataFrame({"text": [text() for _ in range(22)], "mood": ["pos", "neg"] * 11,
                         "dialogue": [f"t{i // 2}" for i in range(20)] + ["d0", "d1"]})
    return train, test


class Recording(TextClassifier):
    """A TextClassifier that keeps the texts of each fit (``fits``, shared by its clones)."""

    fits: list[list[str]] = []

    def fit(self, texts, y, sample_weight=None):
        Recording.fits.append(list(texts))
        return super().fit(texts, y, sample_weight=sample_weight)


def _task(train: pd.DataFrame, test: pd.DataFrame):
    from wbcs.classify.tasks import task_from_table

    return task_from_table(train, "mood", test=test, group_col="dialogue")[0]


def test_groups_in_matches_a_rows_own_group_and_never_a_blank_one():
    from wbcs.classify.splits import groups_in

    rows = pd.DataFrame({"text": list("abcde"), "group": ["x", None, " ", "y", "z"]})
    test = pd.DataFrame({"text": list("abcd"), "group": ["y", None, " ", "x"]})
    assert list(groups_in(rows, test)) == [True, False, False, True, False]
    assert not groups_in(rows, test.drop(columns="group")).any()
    assert not groups_in(rows.drop(columns="group"), test).any()


@pytest.mark.parametrize("refit", [True, False])
def test_the_held_out_fit_leaves_out_the_training_rows_of_dialogues_the_test_file_holds(refit):
    from wbcs.classify.train import fit_task

    train, test = _tables()
    task = _task(train, test)
    shared = train.loc[train["dialogue"].isin(["d0", "d1"]), "text"].tolist()
    assert len(shared) == 6 and len(task.train) == 118  # no near duplicate of a test text: every row trains
    Recording.fits.clear()
    est, entry = fit_task(task, Recording(calibration=None, random_state=0), seed=0, refit=refit, refit_test=False)
    assert len(Recording.fits) == 1 + refit  # the held-out fit, then the refit
    assert not set(shared) & set(Recording.fits[0]) and len(Recording.fits[0]) == 112
    assert entry["train_rows"] == 112 and entry["shared_with_test"] == {"rows": 6, "groups": 2}
    note = next(n for n in entry["notes"] if "group(s) the test part also holds" in n)
    assert note.startswith("6 training row(s) of 2 group(s)")
    if refit:  # the saved model learns from every training row, the shared dialogues' too
        assert sorted(Recording.fits[1]) == sorted(task.train["text"]) and entry["refit_rows"] == 118
        assert "refit learns from them" in note
    else:
        assert "refit" not in note


def test_a_label_only_the_shared_dialogues_have_twice_is_named():
    from wbcs.classify.splits import TooFewExamples
    from wbcs.classify.train import fit_task

    train, test = _tables()
    train.loc[[0, 1], "mood"] = "mixed"  # d0's first two turns: the only training rows of "mixed"
    with pytest.raises(TooFewExamples, match=r"label 'mixed' has 0 row\(s\) once the 6 training row\(s\) of groups"):
        fit_task(_task(train, test), TextClassifier(calibration=None), refit=False)


def test_train_says_the_rows_left_out_and_refuses_a_test_file_without_the_group_column(tmp_path):
    train, test = _tables()
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    test.drop(columns="dialogue").to_csv(tmp_path / "plain.csv", index=False)
    args = ("train", "--task", "mood", "--data", str(tmp_path / "train.csv"), "--group-col", "dialogue",
            "--config", "lr C=16")
    r = run_cli(*args, "--test", str(tmp_path / "test.csv"), "--out", str(tmp_path / "m" / "1"))
    assert r.returncode == 0, r.stderr
    assert "train: mood: 6 training rows of 2 groups also in --test left out of the held-out fit; the saved model's " \
           "refit learns from them" in r.stdout.splitlines()
    assert "train: mood: 112 training rows;" in r.stdout and "refitted on all 118 training rows" in r.stdout
    card = json.loads((tmp_path / "m" / "1" / "card.json").read_text(encoding="utf-8"))["fields"]["mood"]
    assert card["shared_with_test"] == {"rows": 6, "groups": 2} and card["refit_rows"] == 118
    assert "- note: 6 training row(s) of 2 group(s) the test part also holds" in (
        tmp_path / "m" / "1" / "MODEL_CARD.md").read_text(encoding="utf-8")
    r = run_cli(*args, "--test", str(tmp_path / "plain.csv"), "--out", str(tmp_path / "n" / "1"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert f"{tmp_path / 'plain.csv'}: no column 'dialogue' (--group-col)" in r.stderr
