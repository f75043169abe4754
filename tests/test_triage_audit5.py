"""Audit 5 of triage: a post's route and clocks are its own (not its file's), routes files of any YAML value type
give one error line, long triages show progress, and triage's output triaged again keeps its provenance."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli, run_cli_on_terminal
from tests.test_classify_baseline import LABELS, NEG, TEXTS
from wbcs.errors import InputError
from wbcs.triage import parse_routes, route_posts

C1 = {"post_id": "c1", "created_at": "2026-12-07 09:00:00", "text": "网络太差了投诉", "sentiment": "negative",
      "intent": "complaint", "reply_at": "2026-12-07 10:00:00"}
# a post without labels: the shipped model classifies it, and (old code) every other post of the file with it
UNLABELLED = {"post_id": "z9", "created_at": "2026-12-07 09:05:00", "text": "请问怎么查话费", "sentiment": None,
              "intent": None, "reply_at": "2026-12-07 09:30:00"}
DEADLINES = ["route", "kind", "acknowledge_by", "resolve_by", "clock"]


@pytest.fixture(scope="module")
def subtype_model(tmp_path_factory):
    """A model whose intent and negative_subtype fields call every complaint text vague."""
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    intents = ["complaint" if y == "negative" else "consultation" for y in LABELS]
    subtypes = ["vague_negativity" if y == "negative" else "concrete_complaint" for y in LABELS]
    model = PostClassifier({"intent": TextClassifier().fit(TEXTS, intents),
                            "negative_subtype": TextClassifier().fit(TEXTS, subtypes)})
    return save_model(model, tmp_path_factory.mktemp("m") / "subtype")


def test_a_labelled_complaint_keeps_its_route_whatever_else_is_in_the_table(subtype_model):
    """The model ran for the whole table when one post lacked a label and gave every negative post a subtype, the
    labelled ones too: the team's complaint (negative, complaint) went to ask_reason (vague_negative, ack 11:00
    instead of 09:30) only because an unlabelled post shared its file."""
    alone = pd.DataFrame([{**C1, "text": NEG[0]}])
    shared = pd.DataFrame([{**C1, "text": NEG[0]}, {**UNLABELLED, "text": NEG[1], "sentiment": "negative"}])
    a = route_posts(alone, model=subtype_model).iloc[0]
    b = route_posts(shared, model=subtype_model)
    assert (a["route"], a["kind"], str(a["acknowledge_by"])) == ("complaint_reply_dm", "complaint",
                                                                 "2026-12-07 09:30:00+08:00")
    assert b.iloc[0][DEADLINES].tolist() == a[DEADLINES].tolist()
    # the post without an intent gets the model's intent and subtype, as before
    assert (b.iloc[1]["route"], b.iloc[1]["kind"]) == ("ask_reason", "vague_negative")


def test_predict_posts_adds_no_subtype_to_a_given_intent_and_keeps_a_given_one(subtype_model):
    from wbcs.classify import predict_posts

    df = pd.DataFrame({"text": [NEG[0], NEG[1], NEG[2]], "sentiment": ["negative"] * 3,
                       "intent": ["complaint", None, "complaint"],
                       "negative_subtype": [None, None, "concrete_complaint"]})
    out = predict_posts(df, subtype_model, verbose=False)
    assert pd.isna(out["negative_subtype"].iloc[0]) and pd.isna(out["negative_subtype_source"].iloc[0])
    assert out["negative_subtype"].iloc[1:].tolist() == ["vague_negativity", "concrete_complaint"]
    assert out["negative_subtype_source"].iloc[1:].tolist() == ["model", "label"]
    assert out.attrs["classified"]["filled"] == {"intent": 1, "negative_subtype": 1}


def test_a_model_label_read_back_stays_the_models():
    """A file wbcs wrote carries <field>_source: its model labels, kept when the model runs for another row, were
    marked "label" (a person's) and lost their probability."""
    from wbcs.classify import predict_posts

    df = pd.DataFrame({"text": ["宽带又断了", "谢谢客服", "请问怎么办理套餐"],
                       "sentiment": ["negative", "positive", None], "sentiment_proba": [0.91, np.nan, np.nan],
                       "sentiment_source": ["model", "label", None]})
    out = predict_posts(df, verbose=False)
    assert out["sentiment_source"].tolist() == ["model", "label", "model"]
    assert out["sentiment_proba"].iloc[0] == 0.91 and np.isnan(out["sentiment_proba"].iloc[1])
    assert out["sentiment"].iloc[:2].tolist() == ["negative", "positive"]


def _triage(tmp_path, name: str, rows: list[dict], *args: str) -> pd.DataFrame:
    posts, out = tmp_path / f"{name}.csv", tmp_path / f"{name}_out.csv"
    pd.DataFrame(rows).to_csv(posts, index=False)
    r = run_cli("triage", "--posts", str(posts), "--out", str(out), *args)
    assert r.returncode == 0, r.stderr
    return pd.read_csv(out, dtype=str).set_index("post_id")


def _kpi_kinds(tmp_path, name: str) -> dict:
    r = run_cli("kpi", "--posts", str(tmp_path / f"{name}.csv"), "--no-cache", "--json")
    assert r.returncode == 0, r.stderr
    return {k: (v["posts"], v["acknowledge_met"]) for k, v in json.loads(r.stdout)["sla"].items() if v["posts"]}


def test_the_same_post_in_two_files_gets_the_same_route_and_kpi_kind(tmp_path):
    """The audit's files: c1 alone → complaint_reply_dm, ack 09:30; with one unlabelled post beside it → ask_reason,
    ack 11:00; and `wbcs kpi` counted c1 vague_negative (met by a reply at 10:00) while triage said complaint (late).
    A labelled complaint without a subtype is a complaint, in both commands, whatever else the file holds."""
    alone = _triage(tmp_path, "alone", [C1])
    shared = _triage(tmp_path, "shared", [C1, UNLABELLED])
    assert alone.loc["c1", DEADLINES].tolist() == ["complaint_reply_dm", "complaint", "2026-12-07 09:30:00+08:00",
                                                   "2026-12-09 09:00:00+08:00", "calendar"]
    assert shared.loc["c1", DEADLINES].tolist() == alone.loc["c1", DEADLINES].tolist()
    assert pd.isna(shared.loc["c1", "negative_subtype"])  # the team gave none; the model adds none
    assert shared.loc["z9", "kind"] == "consultation"
    # kpi classifies both files (no topic column): c1 is a complaint there too, late (10:00 > 09:30)
    assert _kpi_kinds(tmp_path, "alone") == {"complaint": (1, 0)}
    assert _kpi_kinds(tmp_path, "shared") == {"complaint": (1, 0), "consultation": (1, 1)}


def test_a_route_that_is_a_list_is_one_error_line(tmp_path):
    routes = tmp_path / "route_list.yaml"
    routes.write_text("routes: {a: {kind: null, action: x}}\nrules:\n  - {route: [a]}\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    pd.DataFrame([C1]).to_csv(posts, index=False)
    r = run_cli("triage", "--posts", str(posts), "--out", str(tmp_path / "o.csv"), "--routes", str(routes))
    assert r.returncode == 2, r.stderr  # was a TypeError traceback: unhashable type: 'list'
    assert r.stderr.strip().splitlines() == [
        f"wbcs triage: error: {routes}: rules[0].route ['a'] (list) is not one of the routes (a)"]


GOOD = {"routes": {"a": {"kind": "praise", "action": "thank", "zh": "致谢"}},
        "rules": [{"route": "a", "when": {"province": "北京"}}, {"route": "a"}]}


@pytest.mark.parametrize("change, message", [
    ({"rules": [{"route": {"a": 1}}, {"route": "a"}]}, r"rules\[0\].route \{'a': 1\} \(dict\) is not one of"),
    ({"rules": [{"route": None}, {"route": "a"}]}, r"rules\[0\].route None \(null\) is not one of the routes"),
    ({"rules": ["a", {"route": "a"}]}, r"rules\[0\] must be a mapping .* got 'a' \(str\)"),
    ({"rules": [{"route": "a", "when": []}, {"route": "a"}]}, r"rules\[0\].when must be a mapping"),
    # a free column's value is compared as text: these matched no post, in silence
    ({"rules": [{"route": "a", "when": {"province": {"x": 1}}}, {"route": "a"}]},
     r"when.province has \{'x': 1\} \(dict\): give a value as text"),
    ({"rules": [{"route": "a", "when": {"operator": True}}, {"route": "a"}]}, r"when.operator has True \(bool\)"),
    ({"rules": [{"route": "a", "when": {"province": [None]}}, {"route": "a"}]}, r"when.province has None \(null\)"),
    ({"rules": [{"route": "a", "when": {"platform": [["weibo"]]}}, {"route": "a"}]},
     r"when.platform has \['weibo'\] \(list\)"),
    ({"rules": [{"route": "a", "when": {"province": 1.5}}, {"route": "a"}]}, r"when.province has 1.5 \(float\)"),
    # an action or a name that is no text was shown to the team as a Python repr
    ({"routes": {"a": {"kind": "praise", "action": ["thank", "them"]}}}, r"routes.a.action must be text, got \["),
    ({"routes": {"a": {"kind": "praise", "action": "x", "zh": {"t": 1}}}}, r"routes.a.zh must be text, got \{"),
    ({"routes": {"a": {"kind": "praise", "action": None}}}, r"routes.a.action must be text, got None \(null\)"),
    ({"routes": {"a": {"kind": ["praise"], "action": "x"}}}, r"routes.a.kind \['praise'\] is not a post kind"),
])
def test_every_value_type_of_a_routes_file_is_an_input_error(change, message):
    assert parse_routes(GOOD).rules[0] == ("a", (("province", ("北京",)),))
    assert parse_routes({**GOOD, "rules": [{"route": "a", "when": {"province": 11}}, {"route": "a"}]}).rules[0] == \
        ("a", (("province", ("11",)),))  # a number is its text, as a cell holds it
    with pytest.raises(InputError, match=message):
        parse_routes({**GOOD, **change}, "r.yaml")


def test_triage_shows_its_progress_on_a_terminal(tmp_path):
    """196,400 posts: 64 s classifying and 27 s of aggregation with nothing on the screen."""
    posts = tmp_path / "posts.csv"
    pd.DataFrame([{**UNLABELLED, "post_id": f"p{i}"} for i in range(30)]).to_csv(posts, index=False)
    r, shown = run_cli_on_terminal("triage", "--posts", str(posts), "--out", str(tmp_path / "o.csv"),
                                   "--alerts", str(tmp_path / "alerts.csv"))
    assert r.returncode == 0, shown
    assert "classifying: " in shown
    assert "triage: looking for aggregation alerts among 30 posts ..." in r.stdout
    assert "Traceback" not in shown


def test_predict_shows_its_progress_on_a_terminal(tmp_path):
    posts = tmp_path / "posts.csv"
    pd.DataFrame([{**UNLABELLED, "post_id": f"p{i}"} for i in range(30)]).to_csv(posts, index=False)
    r, shown = run_cli_on_terminal("predict", "--input", str(posts), "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 0, shown
    assert "labelling: " in shown


def test_triage_of_its_own_output_keeps_where_identifiable_came_from(tmp_path):
    """The derived identifiable written back was read as a person's label: every row's source became "label"."""
    rows = [{**C1, "post_id": "d1"}, {**C1, "post_id": "d2", "text": "宽带断了 13812345678"},
            {**C1, "post_id": "h1", "identifiable": "yes"}, {**C1, "post_id": "h2", "identifiable": "no",
                                                            "text": "宽带断了 13812345678"}]
    first = _triage(tmp_path, "first", rows)
    expected = {"d1": ("complaint_reply_dm", "has_phone column"), "d2": ("ticket", "has_phone column"),
                "h1": ("ticket", "label"), "h2": ("complaint_reply_dm", "label")}
    assert {p: (r.route, r.identifiable_source) for p, r in first.iterrows()} == expected
    # the file's identifiable is the team's label; where the routes derived it, has_phone (in the file) says it
    assert first["identifiable"].fillna("").to_dict() == {"d1": "", "d2": "", "h1": "yes", "h2": "no"}
    assert first["has_phone"].to_dict() == {"d1": "False", "d2": "True", "h1": "False", "h2": "True"}
    again = tmp_path / "again.csv"
    r = run_cli("triage", "--posts", str(tmp_path / "first_out.csv"), "--out", str(again))
    assert r.returncode == 0, r.stderr
    second = pd.read_csv(again, dtype=str).set_index("post_id")
    assert {p: (r.route, r.identifiable_source) for p, r in second.iterrows()} == expected
    assert second[["identifiable", *DEADLINES]].equals(first[["identifiable", *DEADLINES]])
