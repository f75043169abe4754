"""The posts table and the taxonomy."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.schema import (
    COLUMNS,
    LABEL_FIELDS,
    REQUIRED,
    empty_posts,
    load_taxonomy,
    parse_taxonomy,
    validate_posts,
)


def _posts(**over):
    base = {"post_id": ["1", "2"], "created_at": ["2016-01-02 08:30", "2016-01-02 09:00"],
            "text": ["信号太差了", "谢谢客服"]}
    base.update(over)
    return pd.DataFrame(base)


def test_taxonomy_has_stable_ids_and_chinese_names():
    tax = load_taxonomy()
    assert tax.ids("sentiment") == ["positive", "neutral", "negative"]
    assert tax.ids("intent") == ["consultation", "complaint", "suggestion", "praise", "other"]
    assert tax.ids("negative_subtype") == ["concrete_complaint", "vague_negativity", "abuse"]
    assert "payment" in tax.ids("topic") and tax["topic"].zh_name("payment") == "充值/缴费"
    assert tax["negative_subtype"].applies_when == (("sentiment", "negative"),)
    assert set(LABEL_FIELDS) <= set(tax.fields)


@pytest.mark.parametrize("raw, key", [
    ({}, "'fields'"),
    ({"fields": {"s": {"zh": "x"}}}, "fields.s"),
    ({"fields": {"s": {"labels": [{"zh": "a"}]}}}, "fields.s.labels[0]"),
    ({"fields": {"s": {"labels": [{"id": "a"}, {"id": "a"}]}}}, "duplicate id 'a'"),
    ({"fields": {"s": {"labels": [{"id": "a"}], "applies_when": {"t": "b"}}}}, "applies_when"),
])
def test_taxonomy_errors_name_the_key(raw, key):
    with pytest.raises(InputError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_taxonomy(raw)


def test_taxonomy_file_errors(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("fields: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_taxonomy(bad)
    with pytest.raises(InputError, match="not found"):
        load_taxonomy(tmp_path / "missing.yaml")


def test_validate_coerces_types_and_timezone():
    df = validate_posts(_posts(likes=["3", None], satisfied=["是", None],
                               reply_at=["2016-01-02T01:00:00Z", None]))
    assert str(df["created_at"].dt.tz) == "Asia/Shanghai"
    assert df["created_at"].iloc[0].hour == 8  # naive times are Beijing time
    assert df["reply_at"].iloc[0].hour == 9  # UTC converted
    assert df["likes"].dtype == "Int64" and df["likes"].iloc[0] == 3 and pd.isna(df["likes"].iloc[1])
    assert df["satisfied"].dtype == "boolean" and bool(df["satisfied"].iloc[0])
    assert df["post_id"].dtype == "string"


def test_required_columns_and_empty_table():
    assert REQUIRED == ["post_id", "created_at", "text"]
    e = empty_posts()
    assert list(e.columns) == list(COLUMNS) and len(e) == 0


@pytest.mark.parametrize("df, message", [
    (_posts().drop(columns="text"), "missing required column 'text'"),
    (_posts(post_id=["1", "1"]), "row 1, column 'post_id': duplicate id '1'"),
    (_posts(created_at=["2016-01-02", "not a time"]), "row 1, column 'created_at'"),
    (_posts(likes=["3", "many"]), "row 1, column 'likes'"),
    (_posts(likes=[1.5, 2]), "row 0, column 'likes'"),
    (_posts(satisfied=["maybe", None]), "row 0, column 'satisfied'"),
    (_posts(sentiment=["negative", "angry"]), "row 1, column 'sentiment': unknown label 'angry'"),
    (_posts(text=["ok", None]), "row 1, column 'text' is empty"),
])
def test_validation_errors_name_row_and_column(df, message):
    with pytest.raises(InputError) as e:
        validate_posts(df, source="posts.csv")
    assert str(e.value).startswith("posts.csv: ") and message in str(e.value)
    assert "\n" not in str(e.value)


def test_text_only_corpora_can_relax_required_columns():
    df = validate_posts(pd.DataFrame({"post_id": ["a"], "text": ["x"]}), required=("post_id", "text"))
    assert len(df) == 1
    with pytest.raises(InputError, match="missing required column 'created_at'"):
        validate_posts(pd.DataFrame({"post_id": ["a"], "text": ["x"]}))
