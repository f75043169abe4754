"""``wbcs predict`` on a file whose person's labels are under a header the reader maps (情感 for sentiment, as
``wbcs.io.headers`` reads a user's export) keeps them as the field's labels and writes the model's as FIELD_pred, as
for an English ``sentiment`` header. It compared the raw headers: it wrote a new ``sentiment`` column of the model's
labels beside 情感, and ``wbcs kpi`` on its output counted the model's labels (the person's were shadowed), saying
nothing. The person's labels are read as the reader reads them (负面 is negative): the model's negative subtype is
blanked where the person said positive or neutral, in process and on a Dask cluster."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_classify_baseline import NEG, TEXTS

ZH = {"angry": "负面", "sad": "负面", "fear": "负面", "happy": "正面", "surprise": "中性", "neutral": "中性"}
EN = {"负面": "Negative", "正面": "positive", "中性": " NEUTRAL "}  # spellings the reader takes too
IDS = {"负面": "negative", "正面": "positive", "中性": "neutral"}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """sentiment and negative_subtype fitted on the baseline's 24 texts."""
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    n = len(NEG)
    fit = {"sentiment": ["negative"] * n + ["positive"] * n + ["neutral"] * n,
           "negative_subtype": ["concrete_complaint"] * n + ["vague_negativity"] * 2 * n}
    return save_model(PostClassifier({f: TextClassifier().fit(TEXTS, y) for f, y in fit.items()}),
                      tmp_path_factory.mktemp("models") / "small" / "1")


@pytest.fixture()
def export(mirror, tmp_path):
    """300 posts of SMP2020-EWECT with a person's sentiment under 情感: Chinese names on even rows, English (any
    case, spaces around) on odd rows."""
    lines = (mirror / "smp2020_ewect" / "usual_eval.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    rows = [json.loads(line) for line in lines]
    zh = [ZH[r["label"]] for r in rows]
    df = pd.DataFrame({"发布时间": [f"2026-12-0{1 + i % 7} 10:{i % 60:02d}:00" for i in range(len(rows))],
                       "内容": [r["text"] for r in rows],
                       "情感": [z if i % 2 == 0 else EN[z] for i, z in enumerate(zh)]})
    return df, [IDS[z] for z in zh]


def _kpi(path) -> dict:
    r = run_cli("kpi", "--posts", str(path), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _check(out_path, person: list[str], model_path, tmp_path) -> None:
    from wbcs.classify import load_model

    read = pd.read_parquet if str(out_path).endswith(".parquet") else pd.read_csv
    out = read(out_path, dtype=str) if read is pd.read_csv else read(out_path)
    want = Counter(person)  # by hand: the person's labels
    model = load_model(model_path)
    said = model.predict(out["内容"])
    assert Counter(said["sentiment"]) != want  # the model disagrees with the person: the counts tell whose they are
    # the person's labels under the field's name, as the reader spells them; the model's beside them
    assert "情感" not in out
    assert out["sentiment"].tolist() == person and out["sentiment_source"].eq("label").all()
    assert out["sentiment_pred"].tolist() == said["sentiment"].tolist()
    # the model's subtype only where the person said negative (said is blank where the model did not)
    negative = pd.Series(person).eq("negative").to_numpy()
    assert out.loc[~negative, "negative_subtype"].isna().all()
    assert said.loc[~negative, "negative_subtype"].notna().any()  # blanked by the person's label, not the model's
    subtype = out["negative_subtype"].astype("string").fillna("")
    assert subtype[negative].tolist() == said.loc[negative, "negative_subtype"].astype("string").fillna("").tolist()
    k = _kpi(out_path)
    assert (k["n_negative"], k["n_positive"], k["n_neutral"]) == (want["negative"], want["positive"], want["neutral"])
    # evaluate scores the model against the person's labels, none taken for a model's
    r = run_cli("evaluate", "--model", str(model_path), "--data", str(out_path), "--field", "sentiment", "--json")
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert (e["n"], e["model_labelled"]) == (300, 0)
    assert e["accuracy"] == pytest.approx(sum(a == b for a, b in zip(person, said["sentiment"], strict=True)) / 300)


def test_predict_keeps_the_persons_labels_under_a_chinese_header(model, export, tmp_path):
    df, person = export
    df.to_csv(tmp_path / "zh.csv", index=False)
    k = _kpi(tmp_path / "zh.csv")  # the reader takes 情感 as the sentiment
    assert (k["n_negative"], k["n_positive"], k["n_neutral"]) == tuple(
        Counter(person)[s] for s in ("negative", "positive", "neutral"))
    r = run_cli("predict", "--input", str(tmp_path / "zh.csv"), "--out", str(tmp_path / "out.csv"),
                "--model", str(model))
    assert r.returncode == 0, r.stderr
    assert "the input has sentiment (情感, renamed sentiment): predictions in sentiment_pred" in r.stdout
    _check(tmp_path / "out.csv", person, model, tmp_path)


@pytest.mark.slow  # a local cluster of two workers
def test_on_a_cluster_too(model, export, tmp_path):
    pytest.importorskip("dask.distributed")
    df, person = export
    df.to_parquet(tmp_path / "zh.parquet", index=False)
    r = run_cli("predict", "--input", str(tmp_path / "zh.parquet"), "--out", str(tmp_path / "out.parquet"),
                "--model", str(model), "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert "the input has sentiment (情感, renamed sentiment): predictions in sentiment_pred" in r.stdout
    _check(tmp_path / "out.parquet", person, model, tmp_path)
