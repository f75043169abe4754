"""Every table the model labels names it per field (``FIELD_model``, ``wbcs.kpi.labels.model_column``) on the rows it
gave the field a label, as ``wbcs predict``'s file does: ``predict_posts`` writes it, so ``wbcs triage``'s file
carries it too, and ``wbcs kpi`` reads the model's card back from it (``model_card_of``) and corrects the shares as on
the unlabelled posts. Triage's file had no such column: kpi took its labels for a person's and said "Nothing to
correct". (Older wbcs wrote one name per row, ``label_model``: test_kpi_field_models.)"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.classify import load_model, predict_posts
from wbcs.kpi.labels import MODEL_COLUMN, ensure_labels, model_column


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_predict_posts_names_the_model_on_the_rows_it_labelled_only(model):
    posts = pd.DataFrame({"text": ["网速太慢，一直掉线", "请问怎么查话费", "   ", "信号太差"],
                          "sentiment": ["negative", None, None, "negative"],
                          "intent": ["complaint", None, None, "complaint"],
                          "topic": ["network", None, None, "network"],
                          "negative_subtype": ["concrete_complaint", None, None, "concrete_complaint"]})
    out = predict_posts(posts, model, verbose=False)
    # a person's labels (row 0) and a row without text (row 2) name no model
    for f in ("sentiment", "intent", "topic"):
        assert out[model_column(f)].isna().tolist() == [True, False, True, True]
        assert out.loc[1, model_column(f)] == model.name
    assert MODEL_COLUMN not in out  # one name per field, not per row
    # an earlier model's name beside the labels it gave and that are kept stays theirs, field by field
    earlier = posts.assign(sentiment_source=["label", None, None, "model"],
                           sentiment_model=[None, None, None, "wbcs-default/13"])
    again = predict_posts(earlier, model, verbose=False)
    assert again["sentiment_model"].tolist()[1:] == [model.name, pd.NA, "wbcs-default/13"]
    assert again["intent_model"].tolist()[1:] == [model.name, pd.NA, pd.NA]  # row 3's intent is a person's


def test_ensure_labels_carries_the_name_of_the_rows_it_classified(model):
    posts = pd.DataFrame({"post_id": ["1", "2"], "text": ["网速太慢", "谢谢客服"],
                          "sentiment": ["negative", None], "intent": ["complaint", None],
                          "topic": ["network", None]})
    out = ensure_labels(posts, model=model, quiet=True)
    for f in ("sentiment", "intent", "topic"):
        assert out[model_column(f)].isna().tolist() == [True, False] and out.loc[1, model_column(f)] == model.name


def test_kpi_on_triage_output_corrects_as_on_the_unlabelled_posts(tmp_path):
    from wbcs.io import write_table
    from wbcs.synth import generate_posts

    posts = generate_posts(days=1, posts_per_day=300, seed=1)[["post_id", "created_at", "text"]]
    write_table(posts, tmp_path / "posts.csv")
    r = run_cli("triage", "--posts", str(tmp_path / "posts.csv"), "--out", str(tmp_path / "routed.csv"))
    assert r.returncode == 0, r.stderr
    kpi = {}
    for name in ("posts", "routed"):
        r = run_cli("kpi", "--posts", str(tmp_path / f"{name}.csv"), "--json", "--no-cache")
        assert r.returncode == 0, r.stderr
        kpi[name] = json.loads(r.stdout)
    assert kpi["routed"].get("corrected"), "triage's labels read as a person's: nothing corrected"
    assert kpi["routed"]["corrected"] == kpi["posts"]["corrected"]
    routed = pd.read_csv(tmp_path / "routed.csv", dtype=str)
    # every synthetic post has text: the model labelled all
    assert all(routed[model_column(f)].eq(load_model().name).all() for f in ("sentiment", "intent", "topic"))
