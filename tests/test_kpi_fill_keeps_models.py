"""Filling a file's missing labels keeps what its model gave it (``wbcs.kpi.labels.ensure_labels``).

The defects, both real CLI runs: (1) a user's model's labels lost their model's card whenever kpi, hot or report
filled another field with the shipped model: its sentiments were missing from ``corrected`` and
``classified.models`` named the shipped model, which labelled none of them; hot and the report read the shipped
card's reliability for them. (2) A file's model labels on the rows kpi did not classify became a person's (their
``_source`` "label", probability and learnt mark dropped): filling 100 intents turned 874 sentiments "given"."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli

# the user's model's cards, hand-made: what its labels are corrected with and how far they are said to hold
SENTIMENTS = ["negative", "neutral", "positive"]
SENTIMENT_CONFUSION = [[6, 3, 1], [2, 8, 0], [1, 4, 5]]  # rows true, columns predicted
TOPIC_HIT, TOPIC_MISS = 3, 1  # every topic's diagonal cell and every other cell


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """mine.csv: posts whose sentiment and topic a user's model (a folder outside the registry) gave, as ``wbcs
    predict`` writes them, intent left to kpi; shipped.parquet: every label the shipped model's."""
    from wbcs.classify import PostClassifier, TextClassifier, save_model
    from wbcs.io import write_table
    from wbcs.synth import generate_posts

    d = tmp_path_factory.mktemp("fill_keeps_models")
    train = generate_posts(days=2, posts_per_day=150, seed=11)  # texts other than the posts': none of them learnt
    topics = sorted(train["topic"].unique())
    topic_confusion = np.full((len(topics), len(topics)), TOPIC_MISS) + np.eye(len(topics), dtype=int) * (
        TOPIC_HIT - TOPIC_MISS)
    card = {"name": "mine", "fields": {
        "sentiment": {"cv_confusion": {"labels": SENTIMENTS, "matrix": SENTIMENT_CONFUSION}},
        "topic": {"cv_confusion": {"labels": topics, "matrix": topic_confusion.tolist()}}}}
    mine = save_model(PostClassifier({f: TextClassifier().fit(train["text"].tolist(), train[f].tolist())
                                      for f in ("sentiment", "topic")}, card=card), d / "mine" / "1")
    write_table(generate_posts(days=3, posts_per_day=100, seed=5)[["post_id", "created_at", "text"]],
                d / "posts.csv")
    for model, out in ((["--model", str(mine)], "mine.csv"), ([], "shipped.parquet")):
        r = run_cli("predict", *model, "--input", str(d / "posts.csv"), "--out", str(d / out))
        assert r.returncode == 0, r.stderr
    return d, str(mine.resolve()), len(topics)


def _run(*args) -> dict:
    r = run_cli(*args, "--json", "--no-cache")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_user_model_s_labels_keep_its_card_when_kpi_fills_the_intents(files):
    d, mine, _ = files
    got = _run("kpi", "--posts", str(d / "mine.csv"))
    c, n = got["input"]["classified"], len(pd.read_csv(d / "posts.csv"))
    # before: corrected held topic and intent only, and said the shipped model (0 sentiments filled) gave sentiment
    assert c["models"]["sentiment"] == c["models"]["topic"] == mine
    assert c["models"]["intent"] == "wbcs-default/14"
    assert c["cv_confusion"]["sentiment"]["matrix"] == SENTIMENT_CONFUSION
    sentiment = got["corrected"]["sentiment"]
    assert (sentiment["by_model"], sentiment["given"]) == (n, 0)
    assert sentiment["method"] == "ACC (pooled)"  # the user's card holds a confusion only
    assert got["corrected"]["intent"]["by_model"] == n


def test_hot_reads_the_topic_reliability_of_the_model_that_gave_the_topics(files):
    d, _, k = files
    reliability = _run("hot", "--posts", str(d / "mine.csv"))["topic_label_reliability"]
    # every topic: 3 hits of 3 + (k - 1) calls (precision) and of 3 + (k - 1) posts (recall); before, the shipped card's
    expected = TOPIC_HIT / (TOPIC_HIT + (k - 1) * TOPIC_MISS)
    assert reliability and all(r == pytest.approx({"precision": expected, "recall": expected})
                               for r in reliability.values()), reliability


def test_a_field_two_models_labelled_keeps_the_card_of_the_one_that_gave_more(files, tmp_path):
    """50 sentiments blanked: kpi fills them with the shipped model; the user's card still corrects its 250, the
    shipped model's 50 are counted, said so."""
    d, mine, _ = files
    table = pd.read_csv(d / "mine.csv", dtype=str)
    table.loc[:49, [c for c in table if c.startswith("sentiment")]] = None
    table.to_csv(tmp_path / "mixed.csv", index=False)
    got = _run("kpi", "--posts", str(tmp_path / "mixed.csv"))
    assert got["input"]["classified"]["models"]["sentiment"] == mine
    sentiment = got["corrected"]["sentiment"]
    assert (sentiment["by_model"], sentiment["given"]) == (len(table) - 50, 50)
    assert "50 labels of another model (wbcs-default/14)" in sentiment["note"]


def test_the_rows_kpi_does_not_classify_keep_their_model_labels(files, tmp_path):
    """The shipped model's file, 100 intents blanked and 15 sentiments marked as its training texts: kpi classifies
    the 100 posts; every sentiment stays the model's (before: 100 by the model, the rest given), learnt marks and
    all."""
    d, _, _ = files
    table = pd.read_parquet(d / "shipped.parquet")
    table.loc[:99, [c for c in table if c.startswith("intent")]] = None
    table.loc[95:109, "sentiment_learnt"] = True  # 5 of the posts kpi classifies (their sentiment kept), 10 not
    table.to_parquet(tmp_path / "blanked.parquet", index=False)
    got = _run("kpi", "--posts", str(tmp_path / "blanked.parquet"))["corrected"]
    n = len(table)
    for field in ("sentiment", "topic", "intent"):
        assert (got[field]["by_model"], got[field]["given"]) == (n, 0), (field, got[field])
    assert got["sentiment"]["learnt"] == int(table["sentiment_learnt"].sum()) >= 15
