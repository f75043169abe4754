"""``wbcs kpi --json`` says in ``input.notes`` how many ``satisfied`` cells it could not read, on every engine, in
the words the pandas engine (``read_posts``) uses; and the line refusing a file whose every row is rejected is built
once (``wbcs.io.ingest.all_rejected_line``) for the pandas engine and the archive engines.

Before: only the pandas engine's ``input`` had ``notes``; the DuckDB and Dask engines said the count on stderr only,
so a reader of the JSON never saw it. The refusal's reasons and its one-row/all-rows wording were written twice
(``no_posts_error`` and ``duck.all_rejected``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli

ENGINES = ("pandas", "duckdb", "dask")


def _written(df: pd.DataFrame, tmp_path, engine: str):
    """``df`` as a CSV for the pandas engine (as a team exports it), as Parquet for the archive engines."""
    if engine == "pandas":
        df.to_csv(path := tmp_path / "posts.csv", index=False)
    else:
        df.to_parquet(path := tmp_path / "posts.parquet")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_json_input_notes_count_the_unreadable_satisfied_cells(tmp_path, engine):
    # three labelled complaints replied after 30 minutes: satisfied 是, 'perhaps' (unreadable), 否
    created = pd.to_datetime(["2024-05-05 10:00", "2024-05-05 11:00", "2024-05-05 12:00"])
    path = _written(pd.DataFrame({
        "post_id": ["p1", "p2", "p3"], "created_at": created, "text": ["宽带又断了", "信号太差", "话费多扣"],
        "reply_at": created + pd.Timedelta(minutes=30), "satisfied": ["是", "perhaps", "否"],
        "sentiment": "negative", "intent": "complaint", "topic": "network"}), tmp_path, engine)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["input"]["notes"] == ["1 satisfied cell(s) unreadable, left unknown"]
    assert out["reply_satisfaction_rate_of_known"] == 0.5  # 是 of 是 and 否


@pytest.mark.parametrize("engine", ENGINES)
def test_json_input_notes_are_empty_when_every_cell_was_read(tmp_path, engine):
    created = pd.to_datetime(["2024-05-05 10:00", "2024-05-05 11:00"])
    path = _written(pd.DataFrame({
        "post_id": ["p1", "p2"], "created_at": created, "text": ["宽带又断了", "信号太差"],
        "satisfied": ["是", "否"], "sentiment": "negative", "intent": "complaint", "topic": "network"}),
        tmp_path, engine)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["input"]["notes"] == []
