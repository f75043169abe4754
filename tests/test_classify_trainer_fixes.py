"""The trainer on a user's files (``tasks.task_from_table``, ``train.fit_task``/``held_out_report``, the card): a
--test file that repeats training rows, held-out intervals that resample whole groups, numeric labels stored as
floats, the card's refit sentence, and a --test file without a usable row."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wbcs.classify.card import card_markdown
from wbcs.classify.evaluate import bootstrap_ci
from wbcs.classify.tasks import NEAR_TEST, label_text, task_from_table
from wbcs.errors import InputError

CHARS = list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥")


def _texts(n: int, seed: int) -> list[str]:
    """n random 12-character texts: no two near duplicates of each other."""
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(CHARS, 12)) for _ in range(n)]


def _table(n: int, seed: int, labels=("pos", "neg")) -> pd.DataFrame:
    """A table as ``io.read_table`` returns it: its index is each record's 1-based source row."""
    df = pd.DataFrame({"text": _texts(n, seed), "mood": [labels[i % len(labels)] for i in range(n)]})
    df.index = pd.RangeIndex(1, n + 1, name="source_row")
    return df


def test_training_rows_a_test_file_repeats_are_left_out_said_and_noted():
    """The audit's leak: ``head -201 train.csv > test.csv`` scored 0.975 held-out accuracy (honest ≈ 0.76), no word."""
    data = _table(120, 0)
    test = pd.concat([data.iloc[:20], _table(20, 1)])  # 20 training rows, 20 new ones
    test.loc[test.index[0], "text"] = test["text"].iloc[0] + "啊"  # a near duplicate, not a copy
    task, rejects = task_from_table(data, "mood", source="train.csv", test=test, test_source="test.csv")
    assert len(task.train) == 100 and not set(task.train["text"]) & set(data["text"].iloc[:20])
    assert len(task.test) == 40
    near = rejects[rejects["reason"] == NEAR_TEST]
    assert near["source"].eq("train.csv").all() and near["source_row"].tolist() == list(range(1, 21))
    assert "20 training row(s) of train.csv left out as near duplicates of test.csv's rows" in " ".join(task.notes)
    assert not any("without text or label" in n for n in task.notes)  # the leaked rows are not empty rows
    # a test file that is the training data: nothing is left to learn from, and the error says why
    with pytest.raises(InputError, match="train.csv: column 'mood' needs at least 2 different labels once its 120 "
                                         "near duplicate"):
        task_from_table(data, "mood", source="train.csv", test=data, test_source="test.csv")


def test_a_test_file_without_a_usable_row_is_refused_before_any_training():
    data = _table(40, 0)
    for bad in (data.assign(mood=np.nan), data.assign(text="  ")):
        with pytest.raises(InputError, match=r"^empty.csv: no row with both a text and a label in columns 'text', "
                                             r"'mood': nothing to measure the model on \(--test\)$"):
            task_from_table(data, "mood", test=bad, test_source="empty.csv")


def test_integral_float_labels_are_the_integer_classes():
    """A numeric label column with a missing value is stored as floats (Parquet 0.0, a pandas-written CSV "0.0")."""
    assert label_text(pd.Series([0.0, 1.0, np.nan])).tolist() == ["0", "1", pd.NA]
    assert label_text(pd.Series(["0.0", " 1.0", None, "2"])).tolist() == ["0", "1", pd.NA, "2"]
    assert label_text(pd.Series(["-1.0", "+3.00"])).tolist() == ["-1", "3"]
    # not every label a whole number: left as written
    assert label_text(pd.Series(["1.0", "2.5"])).tolist() == ["1.0", "2.5"]
    assert label_text(pd.Series(["pos", "neg"])).tolist() == ["pos", "neg"]
    floats = _table(40, 0, labels=(0.0, 1.0))
    floats.loc[3, "mood"] = np.nan  # why the column is float
    ints = _table(20, 1, labels=(0, 1))
    task, rejects = task_from_table(floats, "mood", test=ints, test_source="ws_small.csv")
    assert set(task.train["label"]) == {"0", "1"} and set(task.test["label"]) == {"0", "1"}
    assert rejects["reason"].tolist() == ["empty label"]
    task, _ = task_from_table(floats.astype({"mood": str}).replace("nan", ""), "mood")  # a CSV read as text
    assert set(task.train["label"]) == {"0", "1"}


def test_grouped_bootstrap_resamples_whole_groups():
    """20 threads of 10 rows, each thread all right or all wrong: the rows are not 200 independent draws."""
    y = ["a", "b"] * 100
    right = np.repeat(np.arange(20) % 2 == 0, 10)  # threads 0, 2, ... right; 1, 3, ... wrong
    pred = np.where(right, y, np.where(np.asarray(y) == "a", "b", "a"))
    threads = np.repeat([f"t{i}" for i in range(20)], 10)
    rows = bootstrap_ci(y, pred, n_boot=20_000, seed=0)
    grouped = bootstrap_ci(y, pred, groups=threads, n_boot=20_000, seed=0)
    # by hand: a resample's accuracy is the share of right threads among the 20 drawn, Binomial(20, 1/2)/20:
    # P(X ≤ 5) = 0.021 and P(X ≤ 14) = 0.979, so its central 95 % is [6/20, 14/20]; rows drawn one by one:
    # Binomial(200, 1/2)/200, P(X ≤ 86) = 0.027, P(X ≤ 85) = 0.020: [86/200, 114/200]
    assert grouped["accuracy"] == pytest.approx([0.30, 0.70], abs=0.01)
    assert rows["accuracy"] == pytest.approx([0.43, 0.57], abs=0.006)
    assert np.diff(grouped["macro_f1"])[0] > 2.5 * np.diff(rows["macro_f1"])[0]
    # rows without a group (missing, blank) are each a group of their own: the row bootstrap, not one big group
    assert bootstrap_ci(y, pred, groups=[None, " "] * 100, n_boot=20_000, seed=0) == rows


class _Fixed:
    """A fitted 'model' that predicts the test rows' fixed answers (by text)."""

    classes_ = np.array(["a", "b"])

    def __init__(self, answers: dict):
        self.answers = answers

    def predict_proba(self, texts):
        return np.array([[1.0, 0.0] if self.answers[t] == "a" else [0.0, 1.0] for t in texts])


def test_held_out_intervals_resample_the_tasks_groups_and_the_card_says_so():
    from wbcs.classify.train import held_out_report

    y = ["a", "b"] * 100
    right = np.repeat(np.arange(20) % 2 == 0, 10)
    pred = np.where(right, y, np.where(np.asarray(y) == "a", "b", "a"))
    texts = _texts(200, 3)
    test = pd.DataFrame({"post_id": [str(i) for i in range(200)], "text": texts, "label": y,
                         "group": np.repeat([f"t{i}" for i in range(20)], 10)})
    report = held_out_report(_Fixed(dict(zip(texts, pred, strict=True))), test, seed=0)
    assert report["ci95"] == bootstrap_ci(y, pred, groups=test["group"], seed=0) != bootstrap_ci(y, pred, seed=0)
    assert report["ci95_groups"] == 20
    card = card_markdown({"fields": {"mood": {"metrics": {"split": "test", **report}}}})
    assert "95% bootstrap intervals resampling whole groups, 20 of them" in card
    # no group column, ids of rows of their own: rows resampled, as before
    alone = held_out_report(_Fixed(dict(zip(texts, pred, strict=True))), test.drop(columns="group"), seed=0)
    assert alone["ci95"] == bootstrap_ci(y, pred, seed=0) and "ci95_groups" not in alone


@pytest.mark.parametrize("entry, says", [
    ({"refit_rows": 150, "train_rows": 120, "refit_test": True, "refit_of": 150},
     "refitted on all 150 labelled rows after the held-out estimate (its 120 training rows + the held-out part)"),
    ({"refit_rows": 50, "train_rows": 50, "refit_test": True, "refit_of": 150},
     "refitted after the held-out estimate on a stratified sample of 50 of the 150 labelled rows"),
    ({"refit_rows": 120, "train_rows": 120, "refit_test": False, "refit_of": 120},
     "fitted on its 120 training rows, the rows of the held-out estimate; the test part is not among them"),
    ({"refit_rows": 50, "train_rows": 50, "refit_test": False, "refit_of": 120},
     "fitted on a stratified sample of 50 of its 120 training rows (a smoke build's cap, --max-train)"),
    # an entry carried over from a model trained before the refit was recorded: such refits took every row
    ({"refit_rows": 150, "train_rows": 120}, "refitted on all 150 labelled rows after the held-out estimate"),
])
def test_the_card_says_which_rows_the_shipped_model_was_fitted_on(entry, says):
    card = card_markdown({"fields": {"mood": entry}})
    assert says in card
    assert ("refitted on all" in card) == (entry["refit_rows"] == entry.get("refit_of", entry["refit_rows"])
                                           and entry.get("refit_test", True))


@pytest.mark.parametrize("refit_test, max_train, rows, of", [(False, None, 80, 80), (False, 40, 40, 80),
                                                               (True, 40, 40, 120), (True, None, 120, 120)])
def test_fit_task_records_what_the_refit_took(refit_test, max_train, rows, of):
    from wbcs.classify.baseline import TextClassifier
    from wbcs.classify.train import fit_task

    task, _ = task_from_table(_table(80, 0), "mood", test=_table(40, 1), test_source="test.csv")
    _, entry = fit_task(task, TextClassifier(random_state=0), refit_test=refit_test, max_train=max_train)
    assert (entry["refit_rows"], entry["refit_test"], entry["refit_of"]) == (rows, refit_test, of)


def test_cli_refuses_an_unusable_test_file_in_one_line(tmp_path):
    data, empty = tmp_path / "mine.csv", tmp_path / "empty_test.csv"
    _table(60, 0).to_csv(data, index=False)
    _table(10, 1).assign(mood="").to_csv(empty, index=False)
    out = subprocess.run([sys.executable, "-m", "wbcs", "train", "--task", "mood", "--data", str(data), "--test",
                          str(empty), "--config", "lr C=4", "--out", str(tmp_path / "m" / "1")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and f"{empty}: no row with both a text and a label" in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()
