"""A time column's day/month order is settled over the whole file before any row is read: a file read in
chunks once read 06/05/2024 as ambiguous in its first chunk, then took day first from 13/05/2024 in a later one
(or read day first, then met 05/13/2024 and refused the rest), and its summary told one rule of both."""

import pandas as pd
import pytest

import wbcs.io.read
from tests.helpers import run_cli
from wbcs.io.ingest import ingest

TZ = "Asia/Shanghai"


def _write(path, dates):
    pd.DataFrame({"post_id": [str(i + 1) for i in range(len(dates))], "text": "信号不好",
                  "created_at": dates}).to_csv(path, index=False)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(wbcs.io.read, "CHUNK_ROWS", 50)


def test_a_day_first_date_in_a_later_chunk_decides_the_first_chunk_too(tmp_path, small_chunks):
    dates = ["06/05/2024 10:00"] * 50 + ["07/05/2024 11:00"] * 10
    dates[55] = "13/05/2024 10:00"
    _write(tmp_path / "dm.csv", dates)
    res = ingest(tmp_path / "dm.csv", export_time="2024-06-01 00:00")
    assert len(res.posts) == 60 and len(res.rejects) == 0
    assert res.summary["files"][str(tmp_path / "dm.csv")]["day_month"] == {"created_at": "day first (13/05/2024)"}
    expected = [pd.Timestamp("2024-05-06 10:00", tz=TZ)] * 50 + [pd.Timestamp("2024-05-07 11:00", tz=TZ)] * 10
    expected[55] = pd.Timestamp("2024-05-13 10:00", tz=TZ)
    assert list(res.posts["created_at"]) == expected


def test_a_month_first_date_in_a_later_chunk_refuses_the_first_chunk_too(tmp_path, small_chunks):
    dates = ["13/05/2024 10:00"] + ["06/05/2024 10:00"] * 49 + ["05/13/2024 10:00"] + ["07/05/2024 11:00"] * 9
    _write(tmp_path / "dm.csv", dates)
    res = ingest(tmp_path / "dm.csv", export_time="2024-06-01 00:00")
    said = "day first (13/05/2024) and month first (05/13/2024): ambiguous dates refused"
    assert res.summary["files"][str(tmp_path / "dm.csv")]["day_month"] == {"created_at": said}
    # the two dates that say their order are kept, the 58 that could be either refused, each saying both rules
    assert sorted(res.posts["created_at"]) == [pd.Timestamp("2024-05-13 10:00", tz=TZ)] * 2
    assert len(res.rejects) == 58 and set(res.rejects["reason"]) == {"ambiguous day/month"}
    assert res.rejects["detail"].str.contains(said, regex=False).all()


def test_wbcs_ingest_reads_a_60000_row_file_by_one_rule(tmp_path):
    dates = ["06/05/2024 10:00"] * 50_000 + ["07/05/2024 11:00"] * 10_000
    dates[55_000] = "13/05/2024 10:00"
    _write(tmp_path / "dm.csv", dates)
    r = run_cli("ingest", str(tmp_path / "dm.csv"), "--out", str(tmp_path / "dm.parquet"),
                "--export-time", "2024-06-01 00:00")
    assert r.returncode == 0, r.stderr
    assert "created_at: day first (13/05/2024)" in r.stdout
    posts = pd.read_parquet(tmp_path / "dm.parquet")
    assert len(posts) == 60_000
    assert (posts["created_at"].dt.tz_convert(TZ).dt.day.value_counts().to_dict()
            == {6: 50_000, 7: 9_999, 13: 1})
