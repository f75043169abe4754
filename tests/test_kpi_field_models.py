"""A label names its model field by field (``FIELD_model``, ``wbcs.kpi.labels.model_column``), not row by row.

The defect: a user's own model labelled sentiment only (its name in the row's one ``label_model``); ``wbcs kpi`` filled
intent and topic with the shipped model and the row kept the user's model's name, so the shipped model's intents were
taken for the user's model's labels and counted (absent from ``corrected``), never corrected with the shipped model's
card. Now each field names its own model, and a file of older wbcs (one ``label_model`` a row, the model of every model
label of the row) is read as before."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.kpi.labels import MODEL_COLUMN, field_models, model_card_of, model_column
from wbcs.kpi.quantify import corrected_table


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """posts.csv (no labels), mine.csv (sentiment by a user's model, a folder outside the registry, as this wbcs's
    ``wbcs predict`` writes it) and its older wbcs layout, mine_old.csv (the same labels, the name in label_model)."""
    from wbcs.classify import PostClassifier, TextClassifier, save_model
    from wbcs.io import write_table
    from wbcs.synth import generate_posts

    d = tmp_path_factory.mktemp("field_models")
    mine = save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}, card={"name": "mine"}),
                      d / "mine" / "1")
    write_table(generate_posts(days=2, posts_per_day=150, seed=5)[["post_id", "created_at", "text"]],
                d / "posts.csv")
    r = run_cli("predict", "--model", str(mine), "--input", str(d / "posts.csv"), "--out", str(d / "mine.csv"))
    assert r.returncode == 0, r.stderr
    older(pd.read_csv(d / "mine.csv", dtype=str)).to_csv(d / "mine_old.csv", index=False)
    return d


@pytest.fixture(scope="module")
def plain(files) -> dict:
    """``wbcs kpi``'s corrected shares of posts.csv, every label the shipped model's."""
    return _kpi(files / "posts.csv")


def older(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as older wbcs wrote it: one model name per row (``label_model``) on the rows a model labelled."""
    names = pd.concat([table[c] for c in table if c.endswith("_model")], axis=1).bfill(axis=1).iloc[:, 0]
    return table.drop(columns=[c for c in table if c.endswith("_model")]).assign(**{MODEL_COLUMN: names})


def _kpi(path) -> dict:
    r = run_cli("kpi", "--posts", str(path), "--json", "--no-cache")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["corrected"] or {}


@pytest.mark.parametrize("name", ["mine.csv", "mine_old.csv"])
def test_the_shipped_model_s_intents_beside_another_model_s_sentiment_are_corrected_with_its_card(files, plain,
                                                                                                  name):
    got = _kpi(files / name)
    n = len(pd.read_csv(files / "posts.csv"))
    # counted before (every intent taken for the user's model's): no intent in ``corrected``
    assert got.get("intent", {}).get("by_model") == n, got.get("intent")
    assert got["intent"] == plain["intent"] and got["topic"] == plain["topic"]
    assert "another model" not in got["intent"]["note"]
    # the user's model's sentiments are still not corrected with the shipped model's card
    assert "sentiment" not in got and "negative_share" not in got


def test_a_file_of_older_wbcs_naming_one_model_a_row_is_corrected_as_before(files, plain):
    """Labels of one model, named in label_model alone: the same corrected shares as this wbcs's file and as the
    posts classified on the fly."""
    r = run_cli("predict", "--input", str(files / "posts.csv"), "--out", str(files / "shipped.csv"))
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(files / "shipped.csv", dtype=str)
    assert MODEL_COLUMN not in table and table[model_column("intent")].notna().all()
    older(table).to_csv(files / "shipped_old.csv", index=False)
    new, old = _kpi(files / "shipped.csv"), _kpi(files / "shipped_old.csv")
    assert {"sentiment", "intent", "topic"} <= set(old)
    assert old == new == plain


def _two_models(tmp_path) -> tuple[pd.DataFrame, str]:
    """Sentiment by a user's model folder (its card has no errors to correct with), intent by the shipped model."""
    from wbcs.classify import PostClassifier, TextClassifier, load_model, save_model

    mine = save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}, card={"name": "mine"}),
                      tmp_path / "mine" / "1")
    n = 120
    posts = pd.DataFrame({"text": [f"第{i}条" for i in range(n)],
                          "sentiment": ["negative", "neutral", "positive"] * (n // 3), "sentiment_proba": 0.8,
                          "sentiment_source": "model", "sentiment_model": str(mine.resolve()),
                          "intent": ["complaint", "consultation", "other"] * (n // 3), "intent_proba": 0.7,
                          "intent_source": "model", "intent_model": load_model().name})
    return posts, load_model().name


def test_model_card_of_reads_each_field_s_model(tmp_path, capsys):
    posts, shipped = _two_models(tmp_path)
    out = model_card_of(posts, "two.csv")
    c = out.attrs["classified"]
    assert c["models"] == {"sentiment": posts.loc[0, "sentiment_model"], "intent": shipped}
    assert set(c["cv_confusion"]) == {"intent"}  # the user's card has none: its sentiments have nothing to correct
    t = corrected_table(out, "intent", n_boot=50)
    assert t is not None and t.attrs["by_model"] == len(posts) and "another model" not in t.attrs["note"]
    assert corrected_table(out, "sentiment", n_boot=50) is None
    assert capsys.readouterr().err == ""


def test_one_card_never_corrects_another_model_s_labels_of_a_field(tmp_path, capsys):
    """A field whose labels name two models is counted (one line), the other field still corrected with its card."""
    posts, shipped = _two_models(tmp_path)
    posts.loc[:9, "intent_model"] = "elsewhere/3"
    out = model_card_of(posts, "two.csv")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2 models named" in err and "labels of intent" in err
    assert "intent" not in out.attrs["classified"]["models"] and corrected_table(out, "intent", n_boot=50) is None
    # read with the shipped model's card (as after ``ensure_labels``), the other model's ten are counted, not corrected
    routed = posts.copy()
    routed.attrs["classified"] = {"model": shipped, **_errors(shipped)}
    t = corrected_table(routed, "intent", n_boot=50)
    assert t.attrs["by_model"] == len(posts) - 10 and t.attrs["given"] == 10 and "elsewhere/3" in t.attrs["note"]


def _errors(name: str) -> dict:
    from wbcs.classify.api import card_errors
    from wbcs.classify.registry import model_dir, read_card

    card = read_card(model_dir(name))
    return card_errors(card, list(card["fields"]))


def test_a_field_s_column_wins_over_the_row_s_older_name():
    table = pd.DataFrame({MODEL_COLUMN: ["mine/1", "mine/1", None], "intent_model": ["wbcs-default/14", None, None]})
    assert field_models(table, "intent").tolist() == ["wbcs-default/14", "mine/1", pd.NA]
    assert field_models(table, "sentiment").tolist() == ["mine/1", "mine/1", pd.NA]
    assert field_models(table.drop(columns=MODEL_COLUMN), "sentiment").isna().all()


@pytest.mark.parametrize("reverse", [False, True])
def test_a_bad_probability_is_named_by_its_post(files, reverse):
    """A cell of a model's labels that cannot be read names its post by id. It named the frame's 0-based index (the
    6th record was "row 5"), then its source_row, which in a file wbcs wrote is the row of the first export (a
    reversed predict output named record 969 "row 6")."""
    table = pd.read_csv(files / "mine.csv", dtype=str)
    table = table.iloc[::-1].reset_index(drop=True) if reverse else table
    table.loc[5, "sentiment_proba"] = "abc"
    table.to_csv(files / "bad_proba.csv", index=False)
    r = run_cli("kpi", "--posts", str(files / "bad_proba.csv"), "--no-cache")
    assert r.returncode == 2, r.stderr
    assert f"post {table.loc[5, 'post_id']}, column sentiment_proba: 'abc'" in r.stderr, r.stderr
