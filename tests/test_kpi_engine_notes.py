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

from tests.helpers import CLI_ENGINES, one_error, run_cli, written_for


@pytest.mark.parametrize("engine", CLI_ENGINES)
def test_json_input_notes_count_the_unreadable_satisfied_cells(tmp_path, engine):
    # three labelled complaints replied after 30 minutes: satisfied 是, 'perhaps' (unreadable), 否
    created = pd.to_datetime(["2024-05-05 10:00", "2024-05-05 11:00", "2024-05-05 12:00"])
    path = written_for(engine, pd.DataFrame({
        "post_id": ["p1", "p2", "p3"], "created_at": created, "text": ["宽带又断了", "信号太差", "话费多扣"],
        "reply_at": created + pd.Timedelta(minutes=30), "satisfied": ["是", "perhaps", "否"],
        "sentiment": "negative", "intent": "complaint", "topic": "network"}), tmp_path)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["input"]["notes"] == ["1 satisfied cell(s) unreadable, left unknown"]
    assert out["reply_satisfaction_rate_of_known"] == 0.5  # 是 of 是 and 否


@pytest.mark.parametrize("engine", CLI_ENGINES)
def test_json_input_notes_are_empty_when_every_cell_was_read(tmp_path, engine):
    created = pd.to_datetime(["2024-05-05 10:00", "2024-05-05 11:00"])
    path = written_for(engine, pd.DataFrame({
        "post_id": ["p1", "p2"], "created_at": created, "text": ["宽带又断了", "信号太差"],
        "satisfied": ["是", "否"], "sentiment": "negative", "intent": "complaint", "topic": "network"}), tmp_path)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["input"]["notes"] == []


@pytest.mark.parametrize("engine", CLI_ENGINES)
def test_every_engine_refuses_a_file_of_rejected_rows_in_one_wording(tmp_path, engine):
    # 1,200 complaints, each replied an hour before it was posted: every row rejected (time before post)
    created = pd.Timestamp("2024-05-01 10:00") + pd.to_timedelta(range(1200), unit="min")
    path = written_for(engine, pd.DataFrame({
        "post_id": [f"p{i}" for i in range(1200)], "created_at": created, "text": "宽带又断了",
        "reply_at": created - pd.Timedelta(hours=1), "sentiment": "negative", "intent": "complaint",
        "topic": "network"}), tmp_path)
    line = one_error(run_cli("kpi", "--posts", str(path), "--engine", engine), "kpi")
    # the count as every other count is written (1,200, not 1200), on every engine
    assert line.startswith(f"wbcs kpi: error: {path}: no posts (all 1,200 rows were rejected): time before post: "
                           f"1,200; row 1, time before post: column 'reply_at': 2024-05-01 09:00:00 is before ")
    assert line.endswith(f"; and 1,197 more; run 'wbcs ingest {path} --out OUT.parquet --rejects REJECTS.csv' to "
                         f"see them all")
