"""``wbcs predict`` on a file a model labelled beside a person's labels (``wbcs triage``'s output, any file
``predict_posts`` wrote, ``wbcs predict``'s own) keeps every label the person gave and replaces only the model's
cells. Triage files name their model (``label_model``, now ``FIELD_model``) since it was added there, and predict read such a field as
an earlier model's whole: a triage file with 20 person's sentiments kept 2 of them after ``wbcs predict``."""

from __future__ import annotations

import pandas as pd

from tests.helpers import run_cli
from wbcs.classify import load_model
from wbcs.io import write_table
from wbcs.kpi.labels import model_column


def test_predict_on_a_triage_file_keeps_the_persons_labels(tmp_path):
    from wbcs.synth import generate_posts

    posts = generate_posts(days=1, posts_per_day=60, seed=3)[["post_id", "created_at", "text"]]
    # the person's sentiment, on the first 20 posts: "positive" where the model would rarely say it
    posts["sentiment"] = ["positive"] * 20 + [None] * (len(posts) - 20)
    write_table(posts, tmp_path / "posts.csv")
    r = run_cli("triage", "--posts", str(tmp_path / "posts.csv"), "--out", str(tmp_path / "routed.csv"))
    assert r.returncode == 0, r.stderr
    routed = pd.read_csv(tmp_path / "routed.csv", dtype=str)
    assert routed["sentiment"].iloc[:20].eq("positive").all() and routed["sentiment_source"].iloc[:20].eq("label").all()
    r = run_cli("predict", "--input", str(tmp_path / "routed.csv"), "--out", str(tmp_path / "again.csv"))
    assert r.returncode == 0, r.stderr
    again = pd.read_csv(tmp_path / "again.csv", dtype=str)
    person = again["post_id"].isin(posts["post_id"].iloc[:20])
    assert again.loc[person, "sentiment"].eq("positive").all()  # kept: 2 of 20 before
    assert again.loc[person, "sentiment_source"].eq("label").all()
    # the model's cells are the model's again, named, and only they are
    name = load_model().name
    assert again.loc[~person, "sentiment_source"].eq("model").all()
    assert again.loc[~person, model_column("sentiment")].eq(name).all()
    assert list(again.columns).count("sentiment") == 1 and "sentiment_pred" not in again
