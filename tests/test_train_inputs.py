"""What ``wbcs train`` reads from a user's labelled files: a taxonomy field's labels as ingest reads them (负面, NEGATIVE),
a typo refused rather than learnt as a class, a --test file's Chinese headers, a label lost to near duplicates of
--test said as such, a learning curve too small refused before the training, and a card that says which fields learnt
a team's own posts. Real files, real subprocesses."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from wbcs.classify.tasks import OwnPosts, task_from_table
from wbcs.config import ROOT
from wbcs.errors import InputError

LABELLED = ROOT / "data" / "examples" / "labelled.csv"  # 44 posts: neutral 23, negative 11, positive 10


def labelled() -> pd.DataFrame:
    df = pd.read_csv(LABELLED, dtype=str)
    df.index = pd.RangeIndex(1, len(df) + 1, name="source_row")  # as read_table numbers the rows
    return df


def test_own_posts_read_chinese_and_upper_case_labels_as_ids():
    df = pd.DataFrame({"text": ["宽带又断了", "谢谢客服", "请问怎么改套餐", "信号太差"],
                       "sentiment": ["负面", " Positive ", "中性", "NEGATIVE"], "intent": ["投诉", "表扬", "咨询", "complaint"],
                       "identifiable": ["是", "no", "否", None]})
    own, rejects = OwnPosts.from_table(df, source="mine.csv")
    assert rejects.empty
    assert own.rows["sentiment"].tolist() == ["negative", "positive", "neutral", "negative"]
    assert own.rows["intent"].tolist() == ["complaint", "praise", "consultation", "complaint"]
    assert own.rows["identifiable"].fillna("(none)").tolist() == ["yes", "no", "no", "(none)"]


def test_a_taxonomy_field_reads_its_labels_as_ids_and_a_free_task_keeps_them():
    df = labelled()
    zh = df.assign(sentiment=df["sentiment"].map({"negative": "负面", "positive": "POSITIVE", "neutral": "中性"}))
    task, _ = task_from_table(zh, "sentiment", source="zh.csv")
    assert sorted(set(task.train["label"]) | set(task.test["label"])) == ["negative", "neutral", "positive"]
    typo = df.assign(sentiment=df["sentiment"].where(~df.index.isin([2, 5, 9]), "negtive"))
    with pytest.raises(InputError) as e:
        task_from_table(typo, "sentiment", source="typo.csv")
    assert str(e.value) == ("typo.csv: row 2, column 'sentiment': 'negtive' is not a sentiment label (3 row(s): 2, 5, 9); "
                            "the sentiment labels: positive, neutral, negative; closest: 'negative'")
    free, _ = task_from_table(typo, "mood", label_col="sentiment", source="typo.csv")  # not a taxonomy field
    assert "negtive" in set(free.train["label"]) | set(free.test["label"])


def test_cli_refuses_a_typo_label_of_a_taxonomy_field(tmp_path):
    df = pd.read_csv(LABELLED, dtype=str)
    df.loc[[0, 3, 6], "sentiment"] = "negtive"  # rows 1, 4, 7 of the file
    df.to_csv(tmp_path / "typo3.csv", index=False)
    r = run_cli("train", "--task", "sentiment", "--data", str(tmp_path / "typo3.csv"), "--config", "lr C=4",
                "--out", str(tmp_path / "m"), cwd=tmp_path)
    assert one_error(r) == (f"wbcs train: error: {tmp_path / 'typo3.csv'}: row 1, column 'sentiment': 'negtive' is "
                                 "not a sentiment label (3 row(s): 1, 4, 7); the sentiment labels: positive, neutral, "
                                 "negative; closest: 'negative'")
    assert not (tmp_path / "m").exists()


def test_cli_says_a_test_label_was_lost_to_near_duplicates_of_test_rows(tmp_path):
    df = pd.read_csv(LABELLED, dtype=str)
    df[["text", "sentiment"]].to_csv(tmp_path / "train.csv", index=False)
    # the test file holds every positive post of train.csv: all 10 are left out of the training rows
    df.loc[df["sentiment"] == "positive", ["text", "sentiment"]].to_csv(tmp_path / "test.csv", index=False)
    r = run_cli("train", "--task", "sentiment", "--data", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
                "--config", "lr C=4", "--out", str(tmp_path / "m"), cwd=tmp_path)
    line = one_error(r)
    assert line.startswith(f"wbcs train: error: {tmp_path / 'test.csv'}: column 'sentiment': label 'positive' is not in "
                           f"{tmp_path / 'train.csv'}'s training rows: its 10 row(s) there were all left out as near "
                           f"duplicates of {tmp_path / 'test.csv'}'s rows"), line


def test_cli_reads_a_test_file_with_chinese_headers(tmp_path):
    df = pd.read_csv(LABELLED, dtype=str)
    df.iloc[:30][["text", "sentiment"]].to_csv(tmp_path / "train.csv", index=False)
    test = df.iloc[30:][["text", "sentiment"]].rename(columns={"text": "内容", "sentiment": "情感"})
    test["情感"] = test["情感"].map({"negative": "负面", "positive": "正面", "neutral": "中性"})
    test.to_csv(tmp_path / "test_zh.csv", index=False)
    r = run_cli("train", "--task", "sentiment", "--data", str(tmp_path / "train.csv"), "--test",
                str(tmp_path / "test_zh.csv"), "--config", "lr C=4", "--out", str(tmp_path / "m"), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)["fields"]["sentiment"]
    assert card["test_rows"] == 14 and card["metrics"]["split"] == f"user test file {tmp_path / 'test_zh.csv'}"
    assert card["classes"] == ["negative", "neutral", "positive"]


def test_cli_refuses_a_learning_curve_too_small_before_training(tmp_path):
    # 44 rows: a 20 % hold-out leaves ~35 training rows of 3 labels, and a curve of two points needs 60
    r = run_cli("train", "--task", "sentiment", "--data", str(LABELLED), "--budget", "1", "--curve", "--target", "0.8",
                "--out", str(tmp_path / "m"), cwd=tmp_path)
    line = one_error(r)
    assert line.startswith("wbcs train: error: --curve: sentiment (sentiment from ") and (
        "training rows of 3 labels; a learning curve needs at least 60 (20 per label, so that its half holds 10 of "
        "each) for two points: label more rows or leave out --curve") in line, line
    assert "configuration" not in r.stdout  # refused before the selection and the held-out fit
    assert not (tmp_path / "m").exists()


def test_cli_add_card_says_which_fields_learnt_the_teams_posts(tmp_path, mirror):
    from wbcs.classify.tasks import load_task

    gold = load_task("gold_topic")
    first = gold.train[gold.train["kind"] == "first_post"].sample(17, random_state=0)
    near = gold.test[gold.test["kind"] == "first_post"].sample(3, random_state=0)  # near duplicates of test items
    add = pd.concat([first, near])[["text", "label"]].rename(columns={"label": "topic"})
    add.to_csv(tmp_path / "add.csv", index=False)
    keep = ROOT / "models" / "wbcs-default" / "14"
    r = run_cli("train", "--task", "default", "--add", str(tmp_path / "add.csv"), "--fields", "topic", "--keep",
                str(keep), "--config", "lr C=4", "--max-train", "300", "--out", str(tmp_path / "m"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    own = [x for x in card["limits"] if "team's own" in x]
    assert own == [f"Also learnt from a team's own labelled posts ({tmp_path / 'add.csv'}: 20 rows), added to the "
                   "training part as telecom first posts where they have the field's label: topic learnt 17 of them "
                   "(3 left out as near duplicates of its test items); sentiment, intent, negative_subtype (carried "
                   f"over unchanged from {card['fields']['sentiment']['carried_from']}) did not learn from them; the "
                   "held-out figures are the gold set's test part's, not those posts'."]
