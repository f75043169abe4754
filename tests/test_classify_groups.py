"""Groups of rows a split must keep whole (``splits.training_groups``): near duplicates, and the rows' own groups —
the turns of one dialogue in the gold tasks, a user's ``--group-col``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from wbcs.classify.splits import group_folds, merge_groups, training_groups


def test_groups_linked_by_any_grouping_merge():
    # rows 0-1 share a near-duplicate group, 1-2 a dialogue: 0, 1, 2 are one group; 3 and 4 alone
    merged = merge_groups([0, 0, 1, 2, 3], ["a", "b", "b", "c", "d"])
    assert merged[0] == merged[1] == merged[2] and len({merged[2], merged[3], merged[4]}) == 3
    assert list(merge_groups(np.array([7, 8, 7]))) == [0, 1, 0]


def test_a_dialogue_stays_in_one_fold_and_a_row_without_a_group_is_its_own():
    rng = np.random.default_rng(0)
    chars = list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥")
    rows = pd.DataFrame({"text": ["".join(rng.choice(chars, 12)) for _ in range(120)],
                         "label": ["a", "b"] * 60,
                         "group": [f"d{i // 4}" for i in range(120)]})
    rows.loc[[5, 6], "group"] = [None, " "]  # no group: each alone, not one group of the blanks
    groups = training_groups(rows)
    assert len(np.unique(groups)) == 30 + 2  # 30 dialogues (d1 keeps rows 4 and 7), rows 5 and 6 alone
    assert groups[5] != groups[6] and groups[4] == groups[7]
    for _, te in group_folds(rows["label"], groups, n_splits=5):
        held = set(rows["group"].iloc[te].dropna()) - {" "}
        rest = set(rows["group"].drop(index=rows.index[te]).dropna()) - {" "}
        assert not held & rest  # no dialogue on both sides
    # without a group column: near duplicates only
    assert len(np.unique(training_groups(rows.drop(columns="group")))) == 120


def test_the_gold_tasks_group_by_dialogue_and_the_card_says_so():
    from wbcs.classify import TextClassifier
    from wbcs.classify.card import card_markdown
    from wbcs.classify.tasks import TaskData, load_task
    from wbcs.classify.train import fit_task
    from wbcs.goldset import dialogue_of

    task = load_task("gold_intent")
    assert (task.train["group"] == task.train["post_id"].map(dialogue_of)).all()
    assert task.train["group"].nunique() < len(task.train)  # follow-up turns share their first post's dialogue
    small = task.train[task.train["group"].isin(task.train["group"].drop_duplicates().iloc[:300])]
    _, entry = fit_task(TaskData("t", "intent", "", small, task.test.head(50)), refit=False, budget=5, words=False,
                        base=TextClassifier(calibration=None), seed=0)
    sel = entry["selection"]
    assert sel["grouped_by"] == "near-duplicate texts and the rows' groups (dialogues)"
    assert sel["groups"] <= small["group"].nunique()
    assert f"{sel['groups']:,} groups" in card_markdown({"fields": {"intent": entry}})


def test_a_users_group_column_keeps_threads_on_one_side_of_the_hold_out(tmp_path):
    from wbcs.classify.tasks import task_from_table

    rng = np.random.default_rng(1)
    chars = list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥")
    df = pd.DataFrame({"text": ["".join(rng.choice(chars, 12)) for _ in range(200)],
                       "mood": ["pos", "neg"] * 100, "thread": [f"t{i // 5}" for i in range(200)]})
    task, _ = task_from_table(df, "mood", group_col="thread")
    assert not set(task.train["group"]) & set(task.test["group"])
    csv = tmp_path / "mine.csv"
    df.to_csv(csv, index=False)
    run = [sys.executable, "-m", "wbcs", "train", "--task", "mood", "--out", str(tmp_path / "m" / "1")]
    for args, message in ((["--data", str(csv), "--group-col", "customer"], "no column 'customer' (--group-col)"),
                          (["--group-col", "thread"], "--group-col names a column of --data")):
        out = subprocess.run([*run, *args], capture_output=True, text=True)
        assert out.returncode == 2 and message in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    assert len(merge_groups(np.array([], dtype=int))) == 0
