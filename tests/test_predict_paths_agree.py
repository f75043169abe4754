"""The two paths that fill a posts table's empty label cells with a model's labels write the same cells:
``wbcs.classify.predict_posts`` (``wbcs triage``, the notebooks) and ``wbcs.distributed.predict.label_frame``
(``wbcs predict``, in process, on a cluster). They had drifted apart:

- ``predict_posts`` dropped the input's ``<field>_learnt`` whole, so a label an earlier model gave (read back from a
  file wbcs wrote, kept) lost its mark, and ``wbcs.kpi.quantify`` corrected it as if that model had never seen the
  post;
- ``label_frame`` gave a post whose intent a person labelled the model's negative subtype (``REFINES_INTENT``: a
  complaint the team labelled stays in the complaint flow), and a person's label the probability of the model's own
  guess at it.

The table is a file wbcs wrote (each field with its probability, source, learnt mark and model's name): a person's
intent, a label this model gave on an earlier run, a label another model gave, empty cells, a blank text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_classify_baseline import NEG, TEXTS
from wbcs.classify import load_model, predict_posts
from wbcs.distributed.predict import label_frame
from wbcs.kpi.labels import model_column

FIELDS = ("sentiment", "intent", "negative_subtype")
COLUMNS = [c for f in FIELDS for c in (f, f"{f}_proba", f"{f}_source", f"{f}_learnt", model_column(f))]
NEW = "谢谢客服耐心解答很满意啊"  # a text the model was not fitted on (a training text with a word added)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """sentiment, intent and negative_subtype fitted on the baseline's 24 texts, with the fingerprint of them
    (``wbcs train`` keeps it): the model says which posts it learnt."""
    from wbcs.classify import PostClassifier, TextClassifier, save_model
    from wbcs.classify.multi import fingerprint

    n = len(NEG)
    labels = {"sentiment": ["negative"] * n + ["positive"] * n + ["neutral"] * n,
              "intent": ["complaint"] * n + ["praise"] * n + ["consultation"] * n,
              "negative_subtype": ["concrete_complaint"] * n + ["vague_negativity"] * 2 * n}
    models = {}
    for f, y in labels.items():
        models[f] = TextClassifier().fit(TEXTS, y)
        models[f].learnt_ = fingerprint(TEXTS)
    path = save_model(PostClassifier(models), tmp_path_factory.mktemp("models") / "small" / "1")
    return load_model(path), path


def _table(model) -> pd.DataFrame:
    """p0: a person's intent (complaint), nothing else; p1: the sentiment this model gave on an earlier run (it learnt
    the post); p2: the sentiment another model gave (positive, marked learnt by that model); p3: nothing, a text the
    model did not learnt; p4: a blank text."""
    texts = [NEG[0], NEG[1], NEG[2], NEW, "  "]
    earlier = model.predict(pd.Series([NEG[1]]))
    rows = pd.DataFrame({"post_id": [f"p{i}" for i in range(5)], "text": texts})
    for f in FIELDS:
        rows[f], rows[f"{f}_proba"], rows[f"{f}_source"] = None, np.nan, None
        rows[f"{f}_learnt"], rows[model_column(f)] = None, None
    rows.loc[0, ["intent", "intent_source"]] = ["complaint", "label"]
    rows.loc[1, ["sentiment", "sentiment_proba", "sentiment_source", "sentiment_learnt", "sentiment_model"]] = [
        earlier["sentiment"].iloc[0], earlier["sentiment_proba"].iloc[0], "model", True, model.name]
    rows.loc[2, ["sentiment", "sentiment_proba", "sentiment_source", "sentiment_learnt", "sentiment_model"]] = [
        "positive", 0.8, "model", True, "old-model"]
    return rows


def _cells(out: pd.DataFrame) -> pd.DataFrame:
    """The label and companion columns as text (a CSV's cells), probabilities rounded, learnt marks as True/False."""
    cells = pd.DataFrame(index=range(len(out)))
    for c in COLUMNS:
        v = out[c].reset_index(drop=True) if c in out else pd.Series(pd.NA, index=cells.index)
        if c.endswith("_proba"):
            v = pd.to_numeric(v).round(6).astype("string")
        elif c.endswith("_learnt"):
            v = v.map(lambda x: pd.NA if pd.isna(x) else str(x in (True, "True", "true")))
        cells[c] = v.astype("string")
    return cells


def _expected(model, name: str) -> pd.DataFrame:
    """By hand: the model gives its training labels back (asserted below); the subtype only where the final
    sentiment is negative and the intent is not a person's."""
    p = model.predict(pd.Series([NEG[0], NEG[1], NEG[2], NEW]))
    prob = {f: [str(round(x, 6)) for x in p[f"{f}_proba"]] for f in FIELDS}
    na = pd.NA
    e = {
        "sentiment": ["negative", "negative", "positive", "positive", na],
        "sentiment_proba": [prob["sentiment"][0], prob["sentiment"][1], "0.8", prob["sentiment"][3], na],
        "sentiment_source": ["model", "model", "model", "model", na],
        "sentiment_learnt": ["True", "True", "True", "False", na],
        "sentiment_model": [name, name, "old-model", name, na],
        "intent": ["complaint", "complaint", "complaint", "praise", na],
        "intent_proba": [na, prob["intent"][1], prob["intent"][2], prob["intent"][3], na],
        "intent_source": ["label", "model", "model", "model", na],
        "intent_learnt": [na, "True", "True", "False", na],
        "intent_model": [na, name, name, name, na],
        # p0: a person's intent, no subtype added; p2: the model's subtype, blanked under the kept positive; p3: positive
        "negative_subtype": [na, "concrete_complaint", na, na, na],
        "negative_subtype_proba": [na, prob["negative_subtype"][1], na, na, na],
        # a blanked subtype keeps no source or learnt mark (merge_labels)
        "negative_subtype_source": [na, "model", na, na, na],
        "negative_subtype_learnt": [na, "True", na, na, na],
        "negative_subtype_model": [na, name, na, na, na],
    }
    return pd.DataFrame(e).astype("string")


def _label_frame_expected(expected: pd.DataFrame, model, name: str) -> pd.DataFrame:
    """``wbcs predict`` labels again the cells another model labelled (a mixed field: a person's cells stay, the
    model's are this model's): p2 is this model's negative complaint, its subtype given."""
    p = model.predict(pd.Series([NEG[2]]))
    e = expected.copy()
    e.loc[2, ["sentiment", "sentiment_proba", "sentiment_model"]] = [
        "negative", str(round(p["sentiment_proba"].iloc[0], 6)), name]
    e.loc[2, ["negative_subtype", "negative_subtype_proba", "negative_subtype_source", "negative_subtype_learnt",
              "negative_subtype_model"]] = [
        "concrete_complaint", str(round(p["negative_subtype_proba"].iloc[0], 6)), "model", "True", name]
    return e


def test_predict_posts_label_frame_and_wbcs_predict_write_the_same_cells(model, tmp_path):
    model, path = model
    assert model.predict(pd.Series(TEXTS))["sentiment"].tolist() == ["negative"] * 8 + ["positive"] * 8 + ["neutral"] * 8
    table = _table(model)
    posts = _cells(predict_posts(table, model, verbose=False))
    frame = _cells(label_frame(model, table, None, "table")[0])
    table.to_csv(tmp_path / "table.csv", index=False)
    r = run_cli("predict", "--input", str(tmp_path / "table.csv"), "--out", str(tmp_path / "out.csv"),
                "--model", str(path))
    assert r.returncode == 0, r.stderr
    cli = _cells(pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False).replace("", pd.NA))
    expected = _expected(model, model.name)
    # every row but p2 alike, cell by cell, and as computed by hand
    same = [0, 1, 3, 4]
    for got in (posts, frame, cli):
        pd.testing.assert_frame_equal(got.loc[same], expected.loc[same], check_dtype=False)
    # p2, another model's label: predict_posts keeps it, with its probability, name and learnt mark; wbcs predict
    # labels it again (output_names: a mixed field's model cells are replaced)
    pd.testing.assert_frame_equal(posts.loc[[2]], expected.loc[[2]], check_dtype=False)
    again = _label_frame_expected(expected, model, model.name)
    for got in (frame, cli):
        pd.testing.assert_frame_equal(got.loc[[2]], again.loc[[2]], check_dtype=False)


def test_a_kept_model_label_keeps_its_mark_through_a_file(model, tmp_path):
    """The marks of a file wbcs wrote are text once read back ('True'): ``wbcs triage`` (``predict_posts``) on the
    table as a CSV file keeps each kept label's own, and kpi counts it as that model's training post instead of
    correcting it."""
    model, path = model
    table = _table(model).assign(created_at="2026-12-07 09:00:00")
    out = predict_posts(table.astype({"sentiment_learnt": "string"}), model, verbose=False)
    assert out["sentiment_learnt"].dtype == "boolean"
    assert out["sentiment_learnt"].tolist()[:4] == [True, True, True, False] and pd.isna(out["sentiment_learnt"][4])
    # the model's own fills counted as before: p0 and p3 (p1 and p2 keep their labels)
    assert out.attrs["classified"]["learnt"]["sentiment"] == 1
    assert out.attrs["classified"]["filled"]["sentiment"] == 2
    table.to_csv(tmp_path / "posts.csv", index=False)
    r = run_cli("triage", "--posts", str(tmp_path / "posts.csv"), "--out", str(tmp_path / "routed.csv"),
                "--model", str(path))
    assert r.returncode == 0, r.stderr
    routed = pd.read_csv(tmp_path / "routed.csv", dtype=str, keep_default_na=False).replace("", pd.NA)
    assert routed["post_id"].tolist() == ["p0", "p1", "p2", "p3"]  # ingest refuses the blank text, saying so
    pd.testing.assert_frame_equal(_cells(routed), _expected(model, model.name).loc[:3], check_dtype=False)
