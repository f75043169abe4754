"""Round 2 of the audit of ``wbcs evaluate`` and ``wbcs kpi`` reading back a model's labels.

The defects: ``wbcs evaluate --drop-seen`` hashed the raw texts against the trainer's ``seen_rows_``, so a training
text whose phone number a file holds masked (everything wbcs writes is masked) was not seen, where the file's
``<field>_learnt`` said it was; ``wbcs evaluate`` refused the label spellings kpi and triage read (负面, NEGATIVE); the
kpi label cache kept the card of a model the file names after its folder went away; and a file the oldest
``wbcs predict`` wrote (``<field>``, ``<field>_proba``, no ``<field>_source``) had its model labels counted and shown
as a person's."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.pii import mask_pii

WORDS = {"negative": ["信号太差", "网速太慢", "乱扣费", "客服不理人", "老是掉线", "套餐坑人"],
         "neutral": ["请问怎么", "想咨询下", "在哪里办理", "几点营业", "如何查询", "能不能改"],
         "positive": ["谢谢客服", "服务很好", "网速很快", "解决得快", "点个赞", "很满意"]}
FILLER = ["今天", "昨天下午", "我家这边", "单位里", "刚才", "这几天"]
SPELLED = {"negative": "负面", "neutral": "中性", "positive": "POSITIVE"}  # as kpi and triage read them


def _texts(offset: int, per_word: int, phone: bool = False):
    """(text, label) rows; with ``phone``, each word's first text starts with a mobile number of its own."""
    rows = []
    for label, words in WORDS.items():
        for i, w in enumerate(words):
            for k in range(per_word):
                t = f"{FILLER[(i + k + offset) % 6]}{w}第{offset + k}次@中国移动"
                rows.append((f"我的号码139{len(rows):08d}，{t}" if phone and k == 0 else t, label))
    return rows


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny sentiment model (model/) fitted on 72 texts, 18 of them holding a phone number (train.csv)."""
    d = tmp_path_factory.mktemp("evaluate_kpi_round2")
    pd.DataFrame(_texts(0, 4, phone=True), columns=["text", "sentiment"]).to_csv(d / "train.csv", index=False)
    r = run_cli("train", "--task", "sentiment", "--data", str(d / "train.csv"), "--no-words", "--config", "lr C=4",
                "--out", str(d / "model"), "--json")
    assert r.returncode == 0, r.stderr
    return d


def _evaluate(files, rows, name, *extra):
    path = files / name
    pd.DataFrame(rows, columns=["text", "sentiment"]).to_csv(path, index=False)
    return run_cli("evaluate", "--model", str(files / "model"), "--data", str(path), "--field", "sentiment", "--json",
                   *extra)


def test_drop_seen_tells_a_training_text_whose_phone_number_is_masked(files):
    learnt = [(mask_pii(t), s) for t, s in _texts(0, 4, phone=True)]  # as a file wbcs wrote holds them
    assert sum("****" in t for t, _ in learnt) == 18
    new = _texts(20, 1)  # 18 texts the model never saw
    r = _evaluate(files, learnt + new, "seen.csv", "--drop-seen")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    # the raw hashes took the 18 masked texts for new ones: 54 of 90 seen, n=36
    assert report["seen_rows"] == 72 and report["n"] == 18, r.stderr
    assert "72 of 90 labelled row(s) were in" in r.stderr


def test_evaluate_reads_the_label_spellings_kpi_reads(files):
    new = _texts(20, 1)
    ids = _evaluate(files, new, "ids.csv")
    spelled = _evaluate(files, [(t, SPELLED[s]) for t, s in new], "spelled.csv")
    # "label '负面' the model has never seen", exit 2
    assert ids.returncode == 0 and spelled.returncode == 0, spelled.stderr
    assert json.loads(spelled.stdout) == json.loads(ids.stdout)
    assert json.loads(ids.stdout)["n"] == 18
    wrong = _evaluate(files, [(new[0][0], "负面的")] + new[1:], "wrong.csv")
    assert wrong.returncode == 2 and "label '负面的' the model has never seen" in wrong.stderr, wrong.stderr
