"""The KPI table per period says which periods the data cover in part (``days_covered`` of ``days_in_period``),
and its ``volume_change_ratio`` compares like with like: where a period or the one before it is covered in part,
the same days of both (``compared_days`` of them), as the report compares a period to date; every engine alike.

Before: ``wbcs kpi --period week`` on four weeks from a Thursday to a Tuesday gave the last week (Mon–Tue) a
change of 0.29 against the whole week before and the second week 1.46 against a 5-day first one, and neither the
table nor its JSON said a period was partial."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.kpi import duck, indicators, partitioned


def _posts(days: list[tuple[str, str]]) -> pd.DataFrame:
    """One post per (day, operator), at noon; the same labels for all."""
    return pd.DataFrame({
        "post_id": [f"p{i}" for i in range(len(days))],
        "created_at": pd.to_datetime([f"{d} 12:00" for d, _ in days]),
        "text": "信号不好", "operator": [op for _, op in days],
        "sentiment": "negative", "intent": "complaint", "topic": "network"})


# Wed 1 Jan 2025 to Tue 14 Jan: the week of 30 Dec has 5 days in the data (Wed–Sun), the week of 6 Jan all 7,
# the week of 13 Jan 2 (Mon–Tue)
WEEKS = _posts([
    ("2025-01-01", "A"), ("2025-01-03", "A"), ("2025-01-05", "B"), ("2025-01-05", "B"),
    ("2025-01-06", "A"), ("2025-01-06", "A"), ("2025-01-07", "A"), ("2025-01-08", "A"),
    ("2025-01-10", "A"), ("2025-01-10", "A"), ("2025-01-10", "A"), ("2025-01-06", "B"), ("2025-01-12", "B"),
    ("2025-01-13", "A"), ("2025-01-14", "A"), ("2025-01-14", "B")])


def _rows(table: pd.DataFrame, by: str | None = None) -> list[tuple]:
    cols = ["period", *([by] if by else []), "volume", "days_covered", "days_in_period", "compared_days"]
    out = table[cols].assign(period=table["period"].dt.strftime("%m-%d"))
    return [tuple(None if pd.isna(v) else v for v in row) for row in out.itertuples(index=False)]


def test_weeks_covered_in_part_are_said_and_compared_on_the_same_days():
    t = indicators(WEEKS, period="week", by="operator")
    assert _rows(t, "operator") == [
        ("12-30", "A", 2, 5, 7, None), ("12-30", "B", 2, 5, 7, None), ("01-06", "A", 7, 7, 7, 5),
        ("01-06", "B", 2, 7, 7, 5), ("01-13", "A", 2, 2, 7, 2), ("01-13", "B", 1, 2, 7, 2)]
    # A: 6 Jan week's Wed–Sun (8, 10, 10, 10 Jan) 4 / its first week's 2 = 2.0 (not 7 / 2); 13 Jan week's Mon–Tue
    # 2 / the week before's Mon–Tue (6, 6, 7 Jan) 3 (not 2 / 7)
    # B: Wed–Sun (12 Jan) 1 / 2 = 0.5; Mon–Tue (14 Jan) 1 / (6 Jan) 1 = 1.0
    np.testing.assert_allclose(t["volume_change_ratio"], [np.nan, np.nan, 2.0, 0.5, 2 / 3, 1.0])
    whole = indicators(WEEKS, period="week")
    np.testing.assert_allclose(whole["volume_change_ratio"], [np.nan, 5 / 4, 3 / 4])
    assert whole["days_covered"].tolist() == [5, 7, 2]


def test_an_as_of_after_the_last_post_covers_the_days_up_to_it():
    # read on Sunday 19 Jan: the week of 13 Jan is whole (no posts Wed–Sun), compared with the whole week before
    t = indicators(WEEKS, period="week", as_of="2025-01-19 12:00")
    assert t["days_covered"].tolist() == [5, 7, 7] and t["compared_days"].tolist()[1:] == [5, 7]
    np.testing.assert_allclose(t["volume_change_ratio"], [np.nan, 5 / 4, 3 / 9])


def test_months_compare_the_same_day_offsets():
    # 10 Jan – 5 Mar: January 22 of 31 days, February whole, March 5 of 31
    posts = _posts([("2025-01-10", "A"), ("2025-01-30", "A"), ("2025-02-01", "A"), ("2025-02-15", "A"),
                    ("2025-02-20", "A"), ("2025-03-02", "A"), ("2025-03-05", "A")])
    t = indicators(posts, period="month")
    assert _rows(t) == [("01-01", 2, 22, 31, None), ("02-01", 3, 28, 28, 19), ("03-01", 2, 5, 31, 5)]
    # February 10–28 (15, 20 Feb) 2 / January 10–28 (10 Jan) 1; March 1–5 (2, 5 Mar) 2 / February 1–5 (1 Feb) 1
    np.testing.assert_allclose(t["volume_change_ratio"], [np.nan, 2.0, 2.0])


@pytest.mark.parametrize(("period", "by", "as_of"), [("week", "operator", None), ("week", None, "2025-01-19"),
                                                      ("day", "operator", None), ("month", None, None)])
def test_every_engine_gives_the_same_table(tmp_path, period, by, as_of):
    WEEKS.to_parquet(tmp_path / "weeks.parquet")
    archive = partitioned.write_archive(WEEKS.assign(week=WEEKS["created_at"].dt.strftime("%W")),
                                        tmp_path / "archive", partition_by=["week"])
    want = indicators(WEEKS, period=period, by=by, as_of=as_of)
    for got in (duck.indicators(tmp_path / "weeks.parquet", period=period, by=by, as_of=as_of, quiet=True),
                partitioned.indicators(archive, period=period, by=by, as_of=as_of, quiet=True)):
        cols = ["period", *([by] if by else []), "volume", "volume_change_ratio", "days_covered", "days_in_period",
                "compared_days"]
        pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols], check_dtype=False)


def test_the_cli_says_which_periods_are_partial(tmp_path):
    path = tmp_path / "weeks.csv"
    WEEKS.to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--period", "week", "--by", "operator", "--json")
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout)["table"]
    assert [(row["days_covered"], row["days_in_period"], row["compared_days"], row["volume_change_ratio"])
            for row in table if row["operator"] == "A"] == [(5, 7, None, None), (7, 7, 5, 2.0), (2, 7, 2, 2 / 3)]
    for engine, source in (("duckdb", tmp_path / "weeks.parquet"), ("dask", tmp_path / "weeks.parquet")):
        WEEKS.to_parquet(source)
        r2 = run_cli("kpi", "--posts", str(source), "--period", "week", "--by", "operator", "--json",
                     "--engine", engine)
        assert r2.returncode == 0, r2.stderr
        assert json.loads(r2.stdout)["table"] == table, engine
    text = run_cli("kpi", "--posts", str(path), "--period", "week", "--by", "operator")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    row = next(line for line in lines if line.split()[:2] == ["2025-01-13", "A"])
    assert row.split()[3:5] == ["2/7", "0.67"]  # volume, days of the week, change
    assert any("covered in part" in line and "same days" in line for line in lines), text.stdout
