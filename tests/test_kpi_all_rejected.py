"""``wbcs kpi`` on a file whose every row is rejected ends in one line that says why, on every engine; and every
engine says how many ``satisfied`` cells it could not read.

Before: each engine printed its rejects line, then ended with a second, "FILE: no posts; give a file (or files) with
posts" (pandas: "no posts (all 3 rows were rejected)"), two lines where a refusal is one; and only the pandas engine
(``read_posts``) said "2 satisfied cell(s) unreadable, left unknown": DuckDB and Dask left those posts' satisfaction
unknown in silence."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import CLI_ENGINES, one_error, run_cli, written_for


def _replied_before_posted() -> pd.DataFrame:
    """Three negative complaints, each replied to an hour (the third half an hour) before it was posted."""
    created = pd.to_datetime(["2024-05-01 10:00", "2024-05-01 11:00", "2024-05-01 12:00"])
    return pd.DataFrame({"post_id": ["p1", "p2", "p3"], "created_at": created, "text": ["宽带又断了", "信号太差", "话费多扣"],
                         "reply_at": created - pd.to_timedelta([60, 60, 30], unit="min"), "sentiment": "negative",
                         "intent": "complaint", "topic": "network"})



@pytest.mark.parametrize("engine", CLI_ENGINES)
def test_every_row_rejected_is_one_line_that_says_why(tmp_path, engine):
    path = written_for(engine, _replied_before_posted(), tmp_path)
    line = one_error(run_cli("kpi", "--posts", str(path), "--engine", engine), "kpi")
    assert f"{path}: no posts (all 3 rows were rejected): time before post: 3; " in line
    assert ("row 1, time before post: column 'reply_at': 2024-05-01 09:00:00 is before the post's created_at "
            "2024-05-01 10:00:00") in line
    assert line.endswith("--out OUT.parquet --rejects REJECTS.csv' to see them all")


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_an_archive_whose_every_row_is_rejected_names_the_file_of_each_row_shown(tmp_path, engine):
    (archive := tmp_path / "archive").mkdir()
    posts = _replied_before_posted()
    posts.iloc[:1].to_parquet(archive / "a.parquet")
    posts.iloc[1:].to_parquet(archive / "b.parquet")
    line = one_error(run_cli("kpi", "--posts", str(archive), "--engine", engine), "kpi")
    assert line.startswith(f"wbcs kpi: error: {archive / 'a.parquet'} (+1 files): no posts (all 3 rows were "
                           f"rejected): time before post: 3; {archive / 'a.parquet'}, row 1, time before post: ")
    assert f"; {archive / 'b.parquet'}, row 2, time before post: column 'reply_at': 2024-05-01 11:30:00 is " in line
    assert line.endswith("; run 'wbcs ingest FILES --out OUT.parquet --rejects REJECTS.csv' to see them all")


def test_every_created_at_unreadable_is_one_line_that_says_why(tmp_path):
    path = tmp_path / "posts.csv"
    _replied_before_posted().drop(columns="reply_at").assign(created_at=["yesterday-ish", "2024-13-45", "soon"]) \
        .to_csv(path, index=False)
    line = one_error(run_cli("kpi", "--posts", str(path)), "kpi")
    assert f"{path}: no posts (all 3 rows were rejected): unparseable time: 3; row 1, unparseable time: " in line
    assert line.endswith(f"run 'wbcs ingest {path} --out OUT.parquet --rejects REJECTS.csv' to see them all")


def _satisfaction() -> pd.DataFrame:
    """Six negative complaints replied to after 30 minutes: satisfied 是, 'maybe' and '??' (unreadable), 一般 (a
    survey's middle answer: unknown, but read), 否; the sixth, 'what' (unreadable too), has no text: rejected, not
    counted."""
    created = pd.to_datetime([f"2024-05-05 1{h}:00" for h in range(6)])
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(1, 7)], "created_at": created,
                         "text": ["x", "y", "z", "w", "v", ""], "reply_at": created + pd.Timedelta(minutes=30),
                         "satisfied": ["是", "maybe", "??", "一般", "否", "what"], "sentiment": "negative",
                         "intent": "complaint", "topic": "network"})


@pytest.mark.parametrize("engine", CLI_ENGINES)
def test_every_engine_says_how_many_satisfied_cells_it_could_not_read(tmp_path, engine):
    path = written_for(engine, _satisfaction(), tmp_path)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    assert f"{path}: 2 satisfied cell(s) unreadable, left unknown" in r.stderr.splitlines()
    out = json.loads(r.stdout)
    assert out["volume"] == 5
    assert out["reply_satisfaction_rate"] == pytest.approx(1 / 5)  # 是 of five replied
    assert out["reply_satisfaction_rate_of_known"] == pytest.approx(1 / 2)  # 是 of 是 and 否
