"""A file `wbcs predict` labelled, read by `wbcs kpi` and `wbcs report` (audit 6): its labels were read as a person's
(no ``<field>_source``, no model card), so the shares corrected for the model's errors disappeared ("Nothing to
correct"). ``wbcs predict`` now writes where each label came from and the model's name (``label_model``); the
model's card is read back from the registry, and the corrected shares and the report's label note are those of the
same posts classified on the fly."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.cli import main

WORDS = {"negative": ["信号太差", "网速太慢", "乱扣费", "客服不理人", "老是掉线", "套餐坑人"],
         "neutral": ["请问怎么", "想咨询下", "在哪里办理", "几点营业", "如何查询", "能不能改"],
         "positive": ["谢谢客服", "服务很好", "网速很快", "解决得快", "点个赞", "很满意"]}
FILLER = ["今天", "昨天下午", "我家这边", "单位里", "刚才", "这几天"]


def _texts(offset: int, per_word: int):
    return [(f"{FILLER[(i + k + offset) % 6]}{w}第{offset + k}次@中国移动", label)
            for label, words in WORDS.items() for i, w in enumerate(words) for k in range(per_word)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A registry holding a tiny sentiment model ``tiny/1`` (with its fingerprint and CV card)."""
    d = tmp_path_factory.mktemp("registry")
    pd.DataFrame(_texts(0, 4), columns=["text", "sentiment"]).to_csv(d / "train.csv", index=False)
    r = run_cli("train", "--task", "sentiment", "--data", str(d / "train.csv"), "--no-words",
                "--out", str(d / "tiny" / "1"), "--json")
    assert r.returncode == 0, r.stderr
    return d


@pytest.fixture
def posts_file(registry, tmp_path, monkeypatch):
    monkeypatch.setattr("wbcs.classify.registry.MODELS_DIR", registry)
    monkeypatch.setenv("WBCS_CACHE", str(tmp_path / "cache"))
    # 8 of the model's training texts (counted, not corrected) and 30 it never saw; intent and topic a person's
    rows = _texts(0, 4)[::9] + _texts(20, 2)[:30]
    n = len(rows)
    pd.DataFrame({"post_id": [f"p{i}" for i in range(n)],
                  "created_at": pd.date_range("2024-04-29 08:00", periods=n, freq="3h").strftime("%Y-%m-%d %H:%M"),
                  "text": [t for t, _ in rows], "intent": "consultation", "topic": "network",
                  "operator": "china_mobile", "platform": "sina_weibo"}).to_csv(tmp_path / "posts.csv", index=False)
    return tmp_path / "posts.csv"


def _kpi(capsys, path) -> dict:
    capsys.readouterr()
    assert main(["kpi", "--posts", str(path), "--model", "tiny/1", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _label_note(path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.search(r"<p class='wbcs-note wbcs-model'>.*?</p>", html).group(0) + \
        re.search(r"Labels filled by the model[^<]*", html).group(0)


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_a_predicted_file_is_corrected_as_the_same_posts_classified_on_the_fly(posts_file, tmp_path, capsys, ext):
    labelled = tmp_path / f"labelled.{ext}"
    assert main(["predict", "--model", "tiny/1", "--input", str(posts_file), "--out", str(labelled)]) == 0
    table = pd.read_csv(labelled) if ext == "csv" else pd.read_parquet(labelled)
    assert set(table["sentiment_source"]) == {"model"} and set(table["sentiment_model"]) == {"tiny/1"}
    assert int(table["sentiment_learnt"].sum()) == 8

    on_the_fly, from_file = _kpi(capsys, posts_file), _kpi(capsys, labelled)
    assert on_the_fly["corrected"] is not None and on_the_fly["corrected"]["sentiment"]["learnt"] == 8
    assert from_file["corrected"] == on_the_fly["corrected"]  # same labels, same card, same seed: the same numbers
    assert from_file["input"]["classified"]["model"] == "tiny/1"

    for src, out in ((posts_file, tmp_path / "fly.html"), (labelled, tmp_path / "file.html")):
        assert main(["report", "--posts", str(src), "--model", "tiny/1", "--out", str(out),
                     "--end", "2024-04-30"]) == 0
    assert "tiny/1" in _label_note(tmp_path / "file.html")
    assert _label_note(tmp_path / "file.html") == _label_note(tmp_path / "fly.html")


@pytest.mark.parametrize("column", ["sentiment_model", "label_model"])  # this wbcs's file, an older wbcs's
def test_a_model_the_registry_does_not_hold_is_one_line_and_counts(posts_file, tmp_path, capsys, column):
    labelled = tmp_path / "labelled.csv"
    assert main(["predict", "--model", "tiny/1", "--input", str(posts_file), "--out", str(labelled)]) == 0
    pd.read_csv(labelled).drop(columns="sentiment_model").assign(**{column: "gone/3"}).to_csv(labelled, index=False)
    capsys.readouterr()
    assert main(["kpi", "--posts", str(labelled), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["corrected"] is None
    said = [line for line in err.splitlines() if "gone/3" in line]
    assert len(said) == 1 and "counted, not corrected" in said[0] and "Traceback" not in err


def test_predict_posts_and_wbcs_predict_mark_the_same_labels(registry, posts_file, tmp_path):
    from wbcs.classify import load_model, predict_posts
    from wbcs.distributed.predict import label_frame

    posts = pd.read_csv(posts_file)
    model = load_model(registry / "tiny" / "1")
    a = predict_posts(posts, model, verbose=False)
    b, _ = label_frame(model, posts, None, "posts.csv")
    for col in ("sentiment", "sentiment_proba", "sentiment_source", "sentiment_learnt"):
        pd.testing.assert_series_equal(b[col], a[col], check_dtype=False)


def test_the_archive_engines_say_they_do_not_correct(tmp_path):
    pd.DataFrame({"post_id": ["a", "b"], "created_at": pd.to_datetime(["2024-04-29 08:00", "2024-04-29 09:00"]),
                  "text": ["信号太差", "谢谢客服"], "sentiment": ["negative", "positive"], "intent": "consultation",
                  "topic": "network", "sentiment_source": ["model", "label"]}).to_parquet(tmp_path / "p.parquet")
    # (files of given labels have nothing to correct: there the note is null, as the pandas engine's)
    for engine in ("duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", engine, "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["corrected"] is None and out["corrected_note"] == "corrected shares: --engine pandas"
        r = run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", engine)
        assert "corrected shares: --engine pandas" in r.stdout
