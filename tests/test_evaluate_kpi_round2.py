"""Round 2 of the audit of ``wbcs evaluate`` and ``wbcs kpi`` reading back a model's labels.

The defects: ``wbcs evaluate --drop-seen`` hashed the raw texts against the trainer's ``seen_rows_``, so a training
text whose phone number a file holds masked (everything wbcs writes is masked) was not seen, where the file's
``<field>_learnt`` said it was; ``wbcs evaluate`` refused the label spellings kpi and triage read (负面, NEGATIVE); the
kpi label cache kept the card of a model the file names after its folder went away; and a file the oldest
``wbcs predict`` wrote (``<field>``, ``<field>_proba``, no ``<field>_source``) had its model labels counted and shown
as a person's."""

from __future__ import annotations

import json
import re
import shutil

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


def _posts(path, rows, **labels):
    """A posts file of ``rows``' texts (no sentiment), one post every 3 hours from 2024-04-29, with ``labels``."""
    pd.DataFrame({"post_id": [f"p{i}" for i in range(len(rows))],
                  "created_at": pd.date_range("2024-04-29 08:00", periods=len(rows), freq="3h").strftime(
                      "%Y-%m-%d %H:%M"),
                  "text": [t for t, _ in rows], "topic": "network", "operator": "china_mobile",
                  "platform": "sina_weibo", **labels}).to_csv(path, index=False)
    return path


def _kpi(path, *extra, env):
    r = run_cli("kpi", "--posts", str(path), "--json", *extra, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_kpi_cache_does_not_serve_the_card_of_a_model_gone_away(files, tmp_path):
    model = tmp_path / "mine"
    shutil.copytree(files / "model", model)
    posts = _posts(tmp_path / "posts.csv", _texts(20, 2))
    r = run_cli("predict", "--model", str(model), "--input", str(posts), "--out", str(tmp_path / "pred.csv"))
    assert r.returncode == 0, r.stderr
    env = {"WBCS_CACHE": str(tmp_path / "cache")}
    before, _ = _kpi(tmp_path / "pred.csv", env=env)  # the intents by the shipped model, cached
    assert before["input"]["classified"]["models"]["sentiment"] == str(model)  # its card read
    model.rename(tmp_path / "moved")
    cached, err = _kpi(tmp_path / "pred.csv", env=env)
    fresh, _ = _kpi(tmp_path / "pred.csv", "--no-cache", env=env)
    assert "not in the registry" in err and "reused" not in err, err
    # the cache served the moved model's card (its CV note and intervals, where its card has them) as if still there
    assert cached["input"]["classified"]["models"] == fresh["input"]["classified"]["models"] == {
        "intent": "wbcs-default/14", "negative_subtype": "wbcs-default/14"}
    assert cached["corrected"] == fresh["corrected"] and cached["corrected_note"] == fresh["corrected_note"]
    model.parent.joinpath("moved").rename(model)  # back: its card again, from the cache
    again, err = _kpi(tmp_path / "pred.csv", env=env)
    assert "reused" in err and again["input"]["classified"]["models"] == before["input"]["classified"]["models"]


def _notes(html_text: str) -> list[str]:
    return [re.sub("<[^>]+>", "", n) for n in re.findall(r"<p class='wbcs-note[^']*'>.*?</p>", html_text)
            if "Labels" in n]


def test_kpi_and_report_call_an_oldest_predict_file_s_labels_a_model_s(files, tmp_path):
    posts = _posts(tmp_path / "posts.csv", _texts(20, 2), intent="consultation")  # 36 posts, intents a person's
    r = run_cli("predict", "--model", str(files / "model"), "--input", str(posts), "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    oldest = pd.read_csv(tmp_path / "p.csv").drop(columns=["sentiment_source", "sentiment_model", "sentiment_learnt"])
    oldest.to_csv(tmp_path / "oldest.csv", index=False)  # the oldest predict's layout: the label, its probability
    env = {"WBCS_CACHE": str(tmp_path / "cache")}
    out, err = _kpi(tmp_path / "oldest.csv", env=env)
    said = [line for line in err.splitlines() if "counted, not corrected" in line]
    # nothing said: the model's sentiments were read as a person's
    assert len(said) == 1 and "no model named" in said[0] and "sentiment_proba" in said[0], err
    assert "oldest.csv" in said[0] and "(labels of sentiment)" in said[0]
    assert out["corrected"] is None and out["n_sentiment"] == 36
    r = run_cli("report", "--posts", str(tmp_path / "oldest.csv"), "--end", "2024-05-01",
                "--out", str(tmp_path / "r.html"), env=env)
    assert r.returncode == 0, r.stderr
    notes = _notes((tmp_path / "r.html").read_text(encoding="utf-8"))
    # "Labels: as given in the data (no model labels)."
    assert len(notes) == 1 and "sentiment 36 by model" in notes[0] and "given in the data: intent, topic" in notes[0]


def test_kpi_adds_up_one_model_s_labels_named_masked_and_unmasked(files, tmp_path):
    model = tmp_path / "runs" / "run_13812345678" / "1"  # a run id that reads as a mobile number: written masked
    shutil.copytree(files / "model", model)
    posts = _posts(tmp_path / "posts.csv", _texts(20, 2), intent="consultation")
    r = run_cli("predict", "--model", str(model), "--input", str(posts), "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False).replace("", None)
    assert set(table["sentiment_model"]) == {str(tmp_path / "runs" / "run_138****5678" / "1")}
    table.loc[:4, [c for c in table if c.startswith("sentiment")]] = None  # 5 posts for kpi to label
    table.to_csv(tmp_path / "p5.csv", index=False)
    out, err = _kpi(tmp_path / "p5.csv", "--model", str(model), env={"WBCS_CACHE": str(tmp_path / "cache")})
    assert "classified 5 of 36 posts" in err, err
    # the file's 31 and the run's 5 were two models' (masked name against the name as given): 31 kept, 5 another's
    assert out["input"]["classified"]["filled"]["sentiment"] == 36


def test_a_card_describes_its_model_s_labels_named_masked():
    from wbcs.kpi.quantify import label_reliability

    posts = pd.DataFrame({"sentiment": ["negative", "positive", "negative"], "sentiment_source": "model",
                          "sentiment_model": "/runs/run_138****5678/1"})  # as a file holds them
    posts.attrs["classified"] = {"models": {"sentiment": "/runs/run_13812345678/1"},  # as a run names it
                                 "cv_confusion": {"sentiment": {"labels": ["negative", "positive"],
                                                                "matrix": [[3, 1], [0, 4]]}}}
    got = label_reliability(posts, "sentiment")
    # None: the file's labels were taken for another model's, which this card does not describe
    assert got is not None
    assert got.loc["negative"].tolist() == [1.0, 0.75] and got.loc["positive"].tolist() == [0.8, 1.0]


def test_kpi_filling_a_field_keeps_an_oldest_predict_file_s_labels_a_model_s(files, tmp_path):
    posts = _posts(tmp_path / "posts.csv", _texts(20, 2))  # no intent: kpi fills it with the shipped model
    r = run_cli("predict", "--model", str(files / "model"), "--input", str(posts), "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    oldest = pd.read_csv(tmp_path / "p.csv").drop(columns=["sentiment_source", "sentiment_model", "sentiment_learnt"])
    oldest.to_csv(tmp_path / "oldest.csv", index=False)
    r = run_cli("report", "--posts", str(tmp_path / "oldest.csv"), "--end", "2024-05-01",
                "--out", str(tmp_path / "r.html"), env={"WBCS_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    notes = _notes((tmp_path / "r.html").read_text(encoding="utf-8"))
    # predict_posts wrote sentiment_source "label" beside the intents it filled: "given in the data: sentiment, topic"
    assert len(notes) == 1 and "sentiment 36 by model" in notes[0] and "given in the data: topic" in notes[0], notes
