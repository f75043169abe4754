"""How ``wbcs evaluate`` and ``wbcs kpi`` read back which labels of a file a model gave, and which model.

The defects: ``wbcs evaluate`` left out the labels a model gave only where ``<field>_source`` said so; a file the
oldest ``wbcs predict`` wrote (``<field>`` and ``<field>_proba``, no ``<field>_source``) was scored as a person's
labels, the model against its own labels (accuracy 1.0). And a model folder whose path holds a phone-like run of
digits (``models/run_13812345678/1``) is written masked in ``<field>_model`` (everything wbcs writes is masked), so
``wbcs kpi`` did not find its card and left the file's shares uncorrected."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.cli import main

WORDS = {"negative": ["信号太差", "网速太慢", "乱扣费", "客服不理人", "老是掉线", "套餐坑人"],
         "neutral": ["请问怎么", "想咨询下", "在哪里办理", "几点营业", "如何查询", "能不能改"],
         "positive": ["谢谢客服", "服务很好", "网速很快", "解决得快", "点个赞", "很满意"]}
FILLER = ["今天", "昨天下午", "我家这边", "单位里", "刚才", "这几天"]
FOLDER = "run_13812345678"  # a run id that reads as a mobile number: masked wherever wbcs writes it
PERSON = 10  # the last rows: a person's labels, 7 the model's own label, 3 another
OTHER = {"negative": "positive", "neutral": "negative", "positive": "neutral"}


def _texts(offset: int, per_word: int):
    return [(f"{FILLER[(i + k + offset) % 6]}{w}第{offset + k}次@中国移动", label)
            for label, words in WORDS.items() for i, w in enumerate(words) for k in range(per_word)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny sentiment model in models/run_13812345678/1 (outside the registry), posts.csv (40 posts it never saw,
    no sentiment) and predicted.csv (``wbcs predict``'s output for them)."""
    d = tmp_path_factory.mktemp("evaluate_layouts")
    pd.DataFrame(_texts(0, 4), columns=["text", "sentiment"]).to_csv(d / "train.csv", index=False)
    model = d / "models" / FOLDER / "1"
    r = run_cli("train", "--task", "sentiment", "--data", str(d / "train.csv"), "--no-words", "--out", str(model),
                "--json")
    assert r.returncode == 0, r.stderr
    texts = _texts(20, 3)
    rows = [texts[i] for i in np.random.default_rng(0).permutation(len(texts))[:40]]  # the labels mixed
    pd.DataFrame({"post_id": [f"p{i}" for i in range(len(rows))],
                  "created_at": pd.date_range("2024-04-29 08:00", periods=len(rows), freq="3h").strftime(
                      "%Y-%m-%d %H:%M"),
                  "text": [t for t, _ in rows], "intent": "consultation", "topic": "network",
                  "operator": "china_mobile", "platform": "sina_weibo"}).to_csv(d / "posts.csv", index=False)
    r = run_cli("predict", "--model", str(model), "--input", str(d / "posts.csv"), "--out", str(d / "predicted.csv"))
    assert r.returncode == 0, r.stderr
    return d


def _model(files):
    return str(files / "models" / FOLDER / "1")


# the provenance columns of each layout predict wrote: the oldest none (the label and its probability only),
# e7ce2b4's one model's name per row, today's one per field
LAYOUTS = {"oldest": [], "label_model": ["sentiment_source", "sentiment_learnt", "label_model"],
           "field_model": ["sentiment_source", "sentiment_learnt", "sentiment_model"]}


def _layout(files, name: str, *, person: bool):
    """predicted.csv in ``name``'s layout; with ``person``, its last PERSON rows labelled by a person (7 as the model
    labelled them, 3 otherwise), as a person's label is written in that layout (no probability, source "label")."""
    table = pd.read_csv(files / "predicted.csv", dtype=str, keep_default_na=False).replace("", None)
    table = table.rename(columns={"sentiment_model": "label_model"}) if name == "label_model" else table
    table = table.drop(columns=[c for cols in LAYOUTS.values() for c in cols
                                if c in table and c not in LAYOUTS[name]])
    if person:
        rows = table.index[-PERSON:]
        model_said = table.loc[rows, "sentiment"]
        table.loc[rows, "sentiment"] = [OTHER[s] if i < 3 else s for i, s in enumerate(model_said)]
        table.loc[rows, [c for c in ("sentiment_proba", *LAYOUTS[name]) if c != "sentiment_source"]] = None
        if "sentiment_source" in table:
            table.loc[rows, "sentiment_source"] = "label"
    path = files / f"{name}{'_person' if person else ''}.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_evaluate_scores_a_person_s_labels_only_in_every_layout(files, layout):
    path = _layout(files, layout, person=True)
    r = run_cli("evaluate", "--model", _model(files), "--data", str(path), "--field", "sentiment", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    # the oldest layout's 30 model labels were scored as the truth: n=40, accuracy 37/40
    assert report["n"] == PERSON and report["accuracy"] == pytest.approx(0.7)
    assert report["model_labelled"] == 40 - PERSON and report["left_out"] == 40 - PERSON
    assert "30 row(s) whose 'sentiment' a model labelled" in r.stderr


def test_evaluate_on_an_oldest_predict_file_is_one_line_and_exit_2(files):
    path = _layout(files, "oldest", person=False)
    r = run_cli("evaluate", "--model", _model(files), "--data", str(path), "--field", "sentiment")
    # it scored the model against its own labels: accuracy 1.000, exit 0
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and r.stdout == "", r.stderr
    line = lines[0]
    assert "oldest.csv" in line and "field sentiment" in line and "every label in 'sentiment' is a model's" in line
    assert "sentiment_proba" in line and "--label-col" in line


def _kpi(*args, env=None):
    r = run_cli("kpi", *args, "--json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_kpi_reads_the_card_of_a_model_whose_folder_name_is_masked(files, tmp_path):
    written = (files / "predicted.csv").read_text(encoding="utf-8")
    assert "13812345678" not in written and "run_138****5678/1" in written  # masked, as everything wbcs writes
    env = {"WBCS_CACHE": str(tmp_path / "cache")}
    from_file, err = _kpi("--posts", str(files / "predicted.csv"), env=env)
    assert "not in the registry" not in err, err  # the card was not found: shares counted, not corrected
    assert from_file["corrected"] is not None
    assert from_file["input"]["classified"]["models"] == {"sentiment": str(files / "models" / "run_138****5678" / "1")}
    # the same labels and card as the posts classified on the fly: the same corrected shares
    on_the_fly, _ = _kpi("--posts", str(files / "posts.csv"), "--model", _model(files), env=env)
    assert on_the_fly["corrected"] is not None and from_file["corrected"] == on_the_fly["corrected"]


def test_kpi_does_not_guess_between_folders_whose_names_mask_alike(files, tmp_path):
    twin = tmp_path / "models" / FOLDER / "1"
    shutil.copytree(files / "models" / FOLDER / "1", twin)
    shutil.copytree(twin, tmp_path / "models" / "run_13899995678" / "1")  # masks as run_138****5678 too
    r = run_cli("predict", "--model", str(twin), "--input", str(files / "posts.csv"), "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    out, err = _kpi("--posts", str(tmp_path / "p.csv"), env={"WBCS_CACHE": str(tmp_path / "cache")})
    said = [line for line in err.splitlines() if "counted, not corrected" in line]
    assert out["corrected"] is None and len(said) == 1 and "2 model folders" in said[0], err
    assert "13812345678" not in err and "13899995678" not in err


def test_kpi_reads_a_masked_name_in_the_registry(files, tmp_path, monkeypatch, capsys):
    registry = tmp_path / "registry"
    shutil.copytree(files / "models" / FOLDER, registry / FOLDER)
    monkeypatch.setattr("wbcs.classify.registry.MODELS_DIR", registry)
    monkeypatch.setenv("WBCS_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "p.csv"
    assert main(["predict", "--model", f"{FOLDER}/1", "--input", str(files / "posts.csv"), "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["sentiment_model"]) == {"run_138****5678/1"}
    capsys.readouterr()
    assert main(["kpi", "--posts", str(out), "--json"]) == 0
    got, err = capsys.readouterr()
    assert "not corrected" not in err, err
    assert json.loads(got)["input"]["classified"]["models"] == {"sentiment": "run_138****5678/1"}
