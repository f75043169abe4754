"""``read_posts(keep=...)`` reads only the file's columns a command uses: an export's columns no command reads are
neither held, masked nor cleaned, and named in ``info["unread_columns"]``; those a request names (``kpi --by``)
are kept, and every column by default (triage writes them back out).

Before: every extra column of the export was held, in every chunk and in the posts: on 200,000 posts with 30 text
columns no command reads, ``read_posts`` peaked at ~1 GB against ~0.7 GB without them, and took 4× as long
(``benchmarks/bench_read_extras.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.io import ingest, read_posts
from wbcs.io.read import open_table


def _export(tmp_path, rows: int = 4):
    df = pd.DataFrame({
        "微博ID": [f"p{i}" for i in range(rows)],
        "发布时间": [f"2024-05-06 1{i}:00" for i in range(rows)],
        "内容": ["宽带又断了", "谢谢客服", "", "流量怎么算"][:rows],  # one row rejected: no text
        "split": ["train", "test", "train", "test"][:rows],
        "note 13812345678": ["call 13812345678", "x", "y", "z"][:rows],
        **{f"unused_{k}": [f"u{k}-{i}" for i in range(rows)] for k in range(5)},
    })
    path = tmp_path / "export.csv"
    df.to_csv(path, index=False)
    return path


def test_no_extra_column_is_read_when_none_is_kept(tmp_path):
    posts, info = read_posts(_export(tmp_path), keep=False, quiet=True)
    assert not [c for c in posts.columns if c.startswith(("unused_", "split", "note"))]
    assert info["extra_columns"] == []
    # named, masked as every name that leaves (a phone number in a header)
    assert info["unread_columns"] == ["split", "note 138****5678", *[f"unused_{k}" for k in range(5)]]
    assert posts["text"].tolist() == ["宽带又断了", "谢谢客服", "流量怎么算"]
    assert info["rejected"] == 1


def test_the_columns_a_request_names_are_kept(tmp_path):
    posts, info = read_posts(_export(tmp_path), keep=["split", "note 138****5678"], quiet=True)
    assert posts["split"].tolist() == ["train", "test", "test"]
    assert posts["note 138****5678"].tolist() == ["call 138****5678", "x", "z"]  # by the name kept (masked)
    assert info["unread_columns"] == [f"unused_{k}" for k in range(5)]


def test_every_column_is_kept_by_default(tmp_path):
    path = _export(tmp_path)
    posts, info = read_posts(path, quiet=True)
    assert {"split", "note 138****5678", *[f"unused_{k}" for k in range(5)]} <= set(posts.columns)
    assert info["unread_columns"] == []
    full = ingest([path])  # a reject keeps the row's every cell
    assert "unused_0" in full.rejects.columns
    assert "unused_0" not in ingest([path], keep=False).rejects.columns


def test_kpi_by_a_column_only_the_file_has_still_groups(tmp_path):
    from wbcs.kpi import indicators

    df = pd.DataFrame({"post_id": ["a", "b", "c"], "created_at": pd.date_range("2024-05-06", periods=3, freq="h",
                                                                               tz="Asia/Shanghai"),
                       "text": ["信号差", "谢谢", "没网"], "sentiment": ["negative", "positive", "negative"],
                       "intent": ["complaint", "praise", "complaint"], "topic": "network", "split": ["x", "x", "y"],
                       "unused": ["1", "2", "3"]})
    df.to_parquet(tmp_path / "p.parquet", index=False)
    posts, info = read_posts(tmp_path / "p.parquet", keep=["split"], quiet=True)
    assert "unused" not in posts and info["unread_columns"] == ["unused"]
    table = indicators(posts, by="split")
    assert dict(zip(table["split"], table["volume"], strict=True)) == {"x": 2, "y": 1}


@pytest.mark.parametrize("columns", [None, ["内容"]])
def test_a_table_gives_the_columns_asked_for(tmp_path, columns):
    table = open_table(_export(tmp_path))
    frame, _ = next(table.chunks(columns))
    assert list(frame.columns) == (columns or table.columns)


def test_the_columns_commands_read_back_are_kept(tmp_path):
    """A labelled file's label companions (wbcs predict's): the shares are corrected with the named model's card."""
    df = pd.DataFrame({"post_id": ["a", "b"], "created_at": ["2024-05-06 10:00", "2024-05-06 11:00"],
                       "text": ["信号差", "谢谢"], "sentiment": ["negative", "positive"],
                       "sentiment_proba": [0.9, 0.8], "sentiment_source": ["model", "label"],
                       "sentiment_model": ["wbcs-default/14", None], "label_model": ["wbcs-default/14", None],
                       "unused": ["1", "2"]})
    df.to_csv(tmp_path / "labelled.csv", index=False)
    posts, info = read_posts(tmp_path / "labelled.csv", keep=False, quiet=True)
    assert {"sentiment_proba", "sentiment_source", "sentiment_model", "label_model"} <= set(posts.columns)
    assert info["unread_columns"] == ["unused"]
