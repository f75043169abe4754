"""``wbcs train`` on a user's own label set: ``--task sentiment`` with labels 0/1 (none of them a sentiment label)
trains on the labels as written and says so in one line, as its help's example does (a typo beside real labels is
still refused: tests/test_train_inputs.py); ``--add`` reads Chinese headers (情感, 内容, 业务类型) as --data does; a subtype
blanked because the post is not negative keeps no source, mark or model name. Real files, real subprocesses."""

from __future__ import annotations

import csv
import json
import uuid
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from tests.helpers import run_cli
from wbcs.classify.api import merge_labels
from wbcs.classify.tasks import OwnPosts
from wbcs.datasets import dataset_path
from wbcs.io import read_table

SCRATCH = Path("/tmp/trainfree_scratch")


def scratch() -> Path:
    path = SCRATCH / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    return path


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_the_help_example_trains_on_labels_of_the_users_own(tmp_path):
    with open(dataset_path("weibo_senti"), encoding="utf-8") as f:  # weibo_senti_100k, labels 0/1
        rows = [json.loads(line) for line in islice(f, 400)]
    reviews = tmp_path / "reviews.csv"
    pd.DataFrame({"review": [r["text"] for r in rows], "label": [r["label"] for r in rows]}).to_csv(reviews, index=False)
    out = scratch() / "m1"
    r = run_cli("train", "--task", "sentiment", "--data", "reviews.csv", "--text-col", "review", "--label-col", "label",
                "--config", "lr C=4", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "reviews.csv" in line]
    assert said == ["reviews.csv: column 'label': none of its labels (0, 1) is a sentiment label (positive, neutral, "
                    "negative): the model learns them as written, a label set of your own, not the taxonomy's"]
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert sorted(card["fields"]["sentiment"]["metrics"]["per_class"]) == ["0", "1"]


def test_add_reads_chinese_headers_as_data_does(tmp_path):
    mine = tmp_path / "mine.csv"
    write(mine, [["text", "情感", "intent"], ["宽带又断了三天没人修", "负面", "complaint"], ["谢谢客服", "正面", "praise"]])
    own, rejects = OwnPosts.from_table(read_table(mine), source=str(mine))
    assert rejects.empty
    assert own.rows[["sentiment", "intent"]].to_dict("list") == {"sentiment": ["negative", "positive"],
                                                                  "intent": ["complaint", "praise"]}
    zh = tmp_path / "zh.csv"
    write(zh, [["内容", "业务类型", "意图"],
               ["宽带又断了三天没人修", "broadband", "complaint"],
               ["话费多扣了三十元", "billing", "complaint"],
               ["流量用完了还扣费", "", "complaint"]])  # no topic: the topic field does not learn it
    r = run_cli("train", "--task", "default", "--add", str(zh), "--fields", "topic", "--keep", "models/wbcs-default/14",
                "--config", "lr C=4", "--max-train", "300", "--budget", "5", "--out", str(scratch() / "m"))
    assert r.returncode == 0, r.stderr
    assert (f"train: 3 labelled post(s) of {zh}: topic learnt 2 of them; --max-train 300 then keeps at most 300 "
            "training rows per field, the gold set's and these alike") in r.stdout.splitlines()


def test_a_blanked_subtype_keeps_no_source_mark_or_model():
    # row 0: an earlier model's subtype on a post now labelled positive; row 1: the model's subtype of a neutral post;
    # row 2: the model's subtype of a negative post, kept
    table = pd.DataFrame({"text": ["a", "b", "c"], "sentiment": ["positive", "neutral", "negative"],
                          "negative_subtype": ["anger", None, None], "negative_subtype_source": ["model", None, None],
                          "negative_subtype_proba": [0.9, np.nan, np.nan],
                          "negative_subtype_learnt": [True, None, None],
                          "negative_subtype_model": ["old/1", None, None]})
    pred = pd.DataFrame({"negative_subtype": ["anxiety", "anger"], "negative_subtype_proba": [0.6, 0.7]}, index=[1, 2])
    keep = {"negative_subtype": pd.Series([True, False, False])}
    fill = {"negative_subtype": pd.Series([False, True, True])}
    out = merge_labels(table, pred, {"negative_subtype": pd.Series([True, False], index=[1, 2])}, keep, fill, "new/2")
    cols = ["negative_subtype", "negative_subtype_source", "negative_subtype_learnt", "negative_subtype_model"]
    assert out[cols].astype(object).where(out[cols].notna(), None).to_dict("list") == {
        "negative_subtype": [None, None, "anger"], "negative_subtype_source": [None, None, "model"],
        "negative_subtype_learnt": [None, None, False], "negative_subtype_model": [None, None, "new/2"]}
    assert out["negative_subtype_proba"].isna().tolist() == [True, True, False]
