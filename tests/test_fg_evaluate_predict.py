"""A model's labels are neither the truth ``wbcs evaluate`` scores against nor what decides ``wbcs predict``'s
subtypes where a person labelled the post.

The defects: ``wbcs evaluate`` on a ``wbcs triage`` file scored the shipped model on its own labels too (accuracy
0.862 on 974 rows, 487 of them the model's; the person's 487 alone gave 0.725); ``wbcs predict`` on the same file gave
56 posts a person called neutral or positive the model's negative subtype (``label_frame`` kept the subtype the model
gave under its own sentiment, where ``predict_posts`` blanks it by the final one)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.classify import load_model
from wbcs.io import write_table
from wbcs.kpi.labels import model_column

PERSON = 20  # posts the person labelled, the first ones


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """posts.csv (a person's sentiment "positive" on the first posts, none on the others), routed.csv (its
    ``wbcs triage`` output: the model's sentiment on the others) and routed_none.csv (triage of the posts without
    any person's label)."""
    from wbcs.synth import generate_posts

    d = tmp_path_factory.mktemp("fg_evaluate_predict")
    posts = generate_posts(days=1, posts_per_day=60, seed=3)[["post_id", "created_at", "text"]]
    write_table(posts, d / "bare.csv")
    # "positive" on complaints, where the model would rarely say it: its own labels beside agree with it
    posts["sentiment"] = ["positive"] * PERSON + [None] * (len(posts) - PERSON)
    write_table(posts, d / "posts.csv")
    for src, dst in (("posts.csv", "routed.csv"), ("bare.csv", "routed_none.csv")):
        r = run_cli("triage", "--posts", str(d / src), "--out", str(d / dst))
        assert r.returncode == 0, r.stderr
    return d


def _evaluate(path):
    r = run_cli("evaluate", "--data", str(path), "--field", "sentiment", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_evaluate_scores_only_the_labels_a_person_gave(files):
    routed = pd.read_csv(files / "routed.csv", dtype=str)
    person = routed["sentiment_source"].eq("label")
    assert person.sum() == PERSON and routed.loc[~person, "sentiment_source"].eq("model").all()
    report, err = _evaluate(files / "routed.csv")
    assert report["n"] == PERSON  # was every row, the model's own labels among them
    assert report["model_labelled"] == len(routed) - PERSON
    assert f"{len(routed) - PERSON} row(s) whose 'sentiment' a model labelled" in err
    # the same figures as on the person's rows alone
    routed[person].to_csv(files / "person.csv", index=False)
    alone, _ = _evaluate(files / "person.csv")
    for key in ("n", "accuracy", "macro_f1", "ece", "confusion"):
        assert report[key] == alone[key], key
    assert alone["model_labelled"] == 0


def test_evaluate_on_only_a_model_s_labels_is_one_line_and_exit_2(files):
    r = run_cli("evaluate", "--data", str(files / "routed_none.csv"), "--field", "sentiment")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "every label in 'sentiment' is a model's" in lines[0], r.stderr
    assert "routed_none.csv" in lines[0] and r.stdout == ""


def _negative_by_model(texts) -> pd.Series:
    return load_model().predict(texts.reset_index(drop=True))["sentiment"].eq("negative")


def _subtypes_follow(out: pd.DataFrame, sentiment: pd.Series) -> None:
    """No subtype, probability or model's name for it where the final ``sentiment`` is not negative."""
    off = sentiment.ne("negative").fillna(True)
    assert off.any() and (~off).any()
    for c in ("negative_subtype", "negative_subtype_proba", model_column("negative_subtype")):
        assert out.loc[off, c].isna().all(), (c, out.loc[off, ["sentiment", c]])
    assert out.loc[~off, "negative_subtype"].notna().any()  # the model's subtypes of negative posts stay


def test_predict_on_a_triage_file_gives_no_subtype_to_a_post_a_person_called_not_negative(files):
    routed = pd.read_csv(files / "routed.csv", dtype=str)
    # the model calls some of the person's "positive" posts negative: it would give them a subtype of its own
    assert _negative_by_model(routed["text"].iloc[:PERSON]).any()
    r = run_cli("predict", "--input", str(files / "routed.csv"), "--out", str(files / "again.csv"))
    assert r.returncode == 0, r.stderr
    again = pd.read_csv(files / "again.csv", dtype=str)
    assert again["sentiment"].iloc[:PERSON].eq("positive").all()
    assert again["sentiment_source"].iloc[:PERSON].eq("label").all()
    _subtypes_follow(again, again["sentiment"])


def test_predict_on_a_person_s_labels_decides_the_subtype_by_them_and_by_the_model_where_none(files):
    posts = pd.read_csv(files / "posts.csv", dtype=str)
    assert _negative_by_model(posts["text"].iloc[:PERSON]).any()
    r = run_cli("predict", "--input", str(files / "posts.csv"), "--out", str(files / "labelled.csv"))
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(files / "labelled.csv", dtype=str)
    assert out["sentiment"].iloc[:PERSON].eq("positive").all() and "sentiment_pred" in out
    # the person's sentiment where given, the model's (sentiment_pred) where the person gave none
    _subtypes_follow(out, out["sentiment"].fillna(out["sentiment_pred"]))
    assert out["negative_subtype"].iloc[PERSON:].notna().any()
