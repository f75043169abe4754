"""Ingest keeps a file's columns that map to no schema column, as ``wbcs.schema`` promises ("Extra columns are
kept as they are"), PII masked, each with one type; it says which it cannot keep and why.

Before: ``read_posts`` and ``wbcs ingest`` kept only the schema's columns, unsaid in ``read_posts``, so
``wbcs kpi --posts stc3_pred.parquet --by split`` answered "posts: no column 'split'" for a file that has one
(the DuckDB and Dask engines, which read the file itself, grouped by it)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.io import ingest, ingest_to, read_posts
from wbcs.io import read as read_module


def _labelled(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n)],
        "created_at": pd.date_range("2024-05-06 10:00", periods=n, freq="h", tz="Asia/Shanghai"),
        "text": ["宽带又断了", "谢谢客服", "信号差", "流量怎么算"][:n],
        "sentiment": ["negative", "positive", "negative", "neutral"][:n],
        "intent": ["complaint", "praise", "complaint", "consultation"][:n],
        "topic": ["broadband", "service", "network", "data"][:n],
    })


def test_kpi_groups_by_a_column_only_the_file_has(tmp_path):
    posts = _labelled().assign(split=["train", "train", "test", "train"])
    src = tmp_path / "pred.parquet"
    posts.to_parquet(src, index=False)
    r = run_cli("kpi", "--posts", str(src), "--by", "split", "--json")
    assert r.returncode == 0, r.stderr
    table = {row["split"]: row for row in json.loads(r.stdout)["table"]}
    # train: p0 negative, p1 positive, p3 neutral → (1 − 1) / (1 + 1) = 0; test: p2 negative → −1
    assert {k: (v["volume"], v["net_favorability"]) for k, v in table.items()} == {"train": (3, 0.0),
                                                                                  "test": (1, -1.0)}
    assert "no column" not in r.stderr


def test_extra_columns_kept_masked_with_one_type_in_every_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "CHUNK_ROWS", 2)  # chunks of 2 rows: each chunk is typed on its own
    posts = _labelled().assign(
        n_turns=pd.array([1, None, 3, 4], dtype="Int64"),  # empty in chunk 1 only: float there, int in chunk 2
        quality=[0.5, 0.25, None, 1.0],
        telecom=pd.array([True, None, False, True], dtype="boolean"),
        callback=pd.array([5, 6, 13812345678, 7], dtype="Int64"),  # a phone number kept as a number, in chunk 2
        note=["好", None, "回电13912345678", "x"],
        备注13700001111=["a", "b", "c", "d"],  # a header holding a phone number
    )
    src = tmp_path / "in.parquet"
    posts.to_parquet(src, index=False)
    summary = ingest_to([src], tmp_path / "out.parquet", tmp_path / "rejects.csv")
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert summary["files"][str(src)]["extra_columns"] == ["n_turns", "quality", "telecom", "callback", "note",
                                                           "备注137****1111"]
    assert summary["files"][str(src)]["ignored_columns"] == []
    assert out["n_turns"].dtype == "Int64" and out["n_turns"].tolist()[2:] == [3, 4] and pd.isna(out["n_turns"][1])
    assert out["quality"].tolist()[:2] == [0.5, 0.25] and out["telecom"].dtype == "boolean"
    # masked, the phone number is text: the whole column is text, in the chunk without one too
    assert out["callback"].tolist() == ["5", "6", "138****5678", "7"]
    assert out["note"].tolist()[2] == "回电139****5678" and out["备注137****1111"].tolist() == ["a", "b", "c", "d"]
    unmasked = ingest([src], mask=False).posts
    assert unmasked["callback"].tolist() == [5, 6, 13812345678, 7] and "备注13700001111" in unmasked


def test_csv_extra_columns_and_several_files(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("内容,发布时间,渠道,评分\n宽带坏了,2024-05-06 10:00,app,3\n", encoding="utf-8")
    b = tmp_path / "b.parquet"
    pd.DataFrame({"text": ["信号差"], "created_at": ["2024-05-06 11:00"], "评分": [4], "批次": ["b1"]}).to_parquet(b)
    posts = ingest([a, b]).posts
    # 评分 is text in one file and a number in the other: text in both; a column one file lacks is empty there
    assert posts[["渠道", "评分", "批次"]].astype(object).where(posts[["渠道", "评分", "批次"]].notna(), None) \
        .values.tolist() == [["app", "3", None], [None, "4", "b1"]]
    assert posts["评分"].dtype == "string"


def test_a_column_named_like_one_the_output_has_is_said_not_kept(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_text("text,Text,created_at,渠道\n宽带坏了,别的,2024-05-06 10:00,app\n", encoding="utf-8")
    posts, info = read_posts(src)
    assert posts["text"].tolist() == ["宽带坏了"] and posts["渠道"].tolist() == ["app"] and "Text" not in posts
    assert info["ignored_columns"] == ["Text"] and info["extra_columns"] == ["渠道"]
    assert "e.csv: column(s) Text not kept" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_read_back_keeps_them(tmp_path, fmt):
    # a wbcs output read again (every command reads its input this way) keeps its extra columns once
    src = tmp_path / "e.csv"
    src.write_text("内容,发布时间,渠道\n宽带坏了,2024-05-06 10:00,app\n", encoding="utf-8")
    out = tmp_path / f"o.{fmt}"
    r = run_cli("ingest", str(src), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"][str(src)]["extra_columns"] == ["渠道"]
    posts, info = read_posts(out)
    assert posts["渠道"].tolist() == ["app"] and info["ignored_columns"] == []
    assert posts["source_file"].tolist() == [str(src)]  # the trace columns are used, not kept twice
