"""A ``satisfied`` value that is no yes/no leaves its post's satisfaction unknown in the DuckDB and Dask engines,
as ``read_posts`` leaves it for the pandas engine; every row is counted.

Before: ``wbcs kpi --engine duckdb`` (and dask) on such a file stopped: "row 1, column 'satisfied': 'maybe' is not
true/false", where the pandas engine left the row out and said so; then (audit 5) every engine left the row out, so
one survey answer ingest could not read removed the post from every KPI (audit 7).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_duck import same, same_table
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators, partitioned


def _posts() -> pd.DataFrame:
    """Five negative complaints, each replied to after 30 minutes: satisfied 'maybe' (no yes/no), 是, no, 2 (no
    yes/no either) and ' ' (blank: unknown, as an empty cell)."""
    return pd.DataFrame({
        "post_id": ["p1", "p2", "p3", "p4", "p5"],
        "created_at": pd.to_datetime(["2024-05-05 10:00", "2024-05-05 11:00", "2024-05-05 12:00",
                                      "2024-05-05 13:00", "2024-05-05 14:00"]),
        "text": ["x", "y", "z", "w", "v"], "sentiment": "negative", "intent": "complaint", "topic": "network",
        "reply_at": pd.to_datetime(["2024-05-05 10:30", "2024-05-05 11:30", "2024-05-05 12:30", "2024-05-05 13:30",
                                    "2024-05-05 14:30"]),
        "satisfied": ["maybe", "是", "no", "2", " "],
    })


@pytest.mark.parametrize("engine", [duck.indicators, partitioned.indicators])
def test_a_bad_satisfied_leaves_it_unknown(tmp_path, engine, capsys):
    path = tmp_path / "badsat.parquet"
    _posts().to_parquet(path)
    posts, info = read_posts(path, quiet=True)
    assert info["reject_reasons"] == {}
    want = indicators(posts)
    # all 5 kept: 5 replied negative posts, 2 with a known satisfaction (是, no), 1 satisfied → 1/5 of the
    # replied, 1/2 of the known
    assert (want["volume"], want["n_negative_replied_satisfaction_known"], want["reply_satisfaction_rate"],
            want["reply_satisfaction_rate_of_known"]) == (5, 2, pytest.approx(1 / 5), 0.5)
    capsys.readouterr()
    same(want, engine(path))
    # no row rejected for it; said as read_posts says it for the pandas engine ('maybe' and '2')
    assert capsys.readouterr().err == f"{path}: 2 satisfied cell(s) unreadable, left unknown\n"
    same_table(indicators(posts, by="satisfied"), engine(path, by="satisfied", quiet=True))


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_kpi_cli_keeps_the_row_and_goes_on(tmp_path, engine):
    path = tmp_path / "badsat.parquet"
    _posts().to_parquet(path)
    r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
    assert r.returncode == 0, r.stderr
    assert "'maybe' is not yes/no" not in r.stderr
    out = json.loads(r.stdout)
    assert (out["volume"], out["reply_satisfaction_rate_of_known"]) == (5, 0.5)
