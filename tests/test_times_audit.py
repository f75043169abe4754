"""How wbcs reads times (audit): a long number is no Weibo mid, a day/month order is one rule for a whole
column (never guessed cell by cell), and the forms Chinese-locale spreadsheets write (下午3:00, 15时00分) read."""

import numpy as np
import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from wbcs.io import times as T
from wbcs.io.times import UNREADABLE, read_time_cells
from wbcs.weibo import mid_to_datetime

TZ = "Asia/Shanghai"
NOW = pd.Timestamp("2026-01-01", tz=TZ)


def test_only_a_mid_weibo_could_have_made_decodes():
    # (5012345678901234 >> 22) + 515483463 = 1710519797 = 2024-03-15 16:23:17 UTC
    # 7234567890123456789 (19 digits) would be year 56644, 9999999999999999999 overflows int64,
    # 123 (an old-format id) 1986 and 99999999999999999 (17 digits) 2061: none is a Weibo mid
    times, ok = mid_to_datetime(["5012345678901234", "7234567890123456789", "9999999999999999999", "123",
                                 "99999999999999999"], now=NOW)
    assert times.iloc[0] == pd.Timestamp("2024-03-16 00:23:17", tz=TZ)
    assert times.iloc[1:].isna().all()
    assert ok.tolist() == [True, False, False, False, False]


def test_a_19_digit_id_with_an_empty_time_is_the_ordinary_no_time_reject(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("post_id,created_at,text\n7234567890123456789,,宽带断了\n"
                   "7234567890123456790,2024-05-06 10:00,信号差\n", encoding="utf-8")
    r = run_cli("ingest", str(src), "--out", str(tmp_path / "x.parquet"))
    assert r.returncode == 0, r.stderr
    assert "kept 1, rejected 1 (no time 1)" in r.stdout
    rej = pd.read_csv(tmp_path / "x.rejects.csv")
    assert rej["reason"].tolist() == ["no time"] and rej["source_row"].tolist() == [1]


def test_a_parquet_time_past_year_9999_is_out_of_range_not_a_crash(tmp_path):
    far = pd.Series(np.array(["56644-01-01T00:00:00", "2024-05-06T10:00:00"], dtype="datetime64[s]"))
    pd.DataFrame({"post_id": ["a", "b"], "created_at": far, "text": ["宽带断了", "信号差"]}).to_parquet(
        tmp_path / "far.parquet")
    r = run_cli("ingest", str(tmp_path / "far.parquet"), "--out", str(tmp_path / "out.parquet"))
    assert r.returncode == 0 and "kept 1, rejected 1 (time out of range 1)" in r.stdout, r.stdout + r.stderr


def _read(cells):
    times, problem, _ = read_time_cells(pd.Series(cells, dtype=object))
    return times, problem


def test_a_column_with_a_day_over_12_reads_every_slash_date_day_first():
    times, problem = _read(["13/05/2024 10:00", "06/05/2024 10:00", "2024-05-07 09:00"])
    assert times.tolist() == [pd.Timestamp("2024-05-13 10:00", tz=TZ), pd.Timestamp("2024-05-06 10:00", tz=TZ),
                              pd.Timestamp("2024-05-07 09:00", tz=TZ)]
    assert problem.isna().all()


def test_a_column_with_a_month_first_date_reads_every_slash_date_month_first():
    times, _ = _read(["05/13/2024 10:00", "06/05/2024 10:00"])
    assert times.tolist() == [pd.Timestamp("2024-05-13 10:00", tz=TZ), pd.Timestamp("2024-06-05 10:00", tz=TZ)]


@pytest.mark.parametrize("cells", [["2024-05-07 09:00", "06/05/2024 10:00"],  # nothing decides
                                   ["13/05/2024", "05/13/2024", "06/05/2024 10:00"]])  # both orders in one column
def test_an_undecided_day_month_cell_is_refused_not_guessed(cells):
    times, problem = _read([*cells, "05/05/2024 10:00"])  # the same day either way round: read
    assert problem.iloc[-2] == T.AMBIGUOUS and pd.isna(times.iloc[-2])
    assert times.drop(index=len(cells) - 1).notna().all()
    assert times.iloc[-1] == pd.Timestamp("2024-05-05 10:00", tz=TZ)


def test_the_order_is_one_rule_across_the_chunks_of_a_column():
    order = T.DayMonth()
    read_time_cells(pd.Series(["13/05/2024 10:00"], dtype=object), order=order)
    times, _, _ = read_time_cells(pd.Series(["06/05/2024 10:00"], dtype=object), order=order)
    assert times.iloc[0] == pd.Timestamp("2024-05-06 10:00", tz=TZ) and order.rule == "day first"


@pytest.mark.parametrize("cell, expected", [
    ("2024/5/6 下午3:00", "2024-05-06 15:00"),  # what Chinese-locale Excel writes to CSV
    ("2024-05-06 上午10:00", "2024-05-06 10:00"),
    ("2024年05月06日 15时00分", "2024-05-06 15:00"),
    ("2024年5月6日 下午3点05分", "2024-05-06 15:05"),
    ("2024/5/6 上午12:30", "2024-05-06 00:30"),  # 12 a.m. is midnight, as Excel writes it
    ("2024/5/6 下午12:30", "2024-05-06 12:30"),
    ("2024/5/6 中午1:00", "2024-05-06 13:00"),
    ("2024/5/6 凌晨2:15", "2024-05-06 02:15"),
    ("2024/5/6 晚上8:00:30", "2024-05-06 20:00:30"),
    ("2024/5/6 下午15:00", "2024-05-06 15:00"),
])
def test_chinese_morning_and_afternoon_forms_read(cell, expected):
    times, problem = _read([cell])
    assert times.iloc[0] == pd.Timestamp(expected, tz=TZ) and problem.isna().all()


@pytest.mark.parametrize("cell", ["2024/5/6 上午15:00", "2024/5/6 晚上12:00", "2024/5/6 凌晨9:00"])
def test_a_time_its_word_contradicts_is_unreadable(cell):
    assert _read([cell])[1].tolist() == [UNREADABLE]


def test_excel_chinese_times_ingest(tmp_path):
    src = tmp_path / "excel.csv"
    src.write_text("created_at,text\n2024/5/6 下午3:00,宽带断了\n2024年05月06日 15时00分,信号差\n",
                   encoding="utf-8")
    out = tmp_path / "p.parquet"
    r = run_cli("ingest", str(src), "--out", str(out))
    assert r.returncode == 0 and "rejected 0" in r.stdout, r.stdout + r.stderr
    assert pd.read_parquet(out)["created_at"].tolist() == [pd.Timestamp("2024-05-06 15:00", tz=TZ)] * 2


@pytest.fixture
def posts_csv(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("post_id,created_at,text\np1,2024-05-06 10:00,宽带断了\n", encoding="utf-8")
    return path


def test_a_day_month_as_of_is_refused(posts_csv, tmp_path):
    line = one_error(run_cli("kpi", "--posts", str(posts_csv), "--model", str(tmp_path / "no-model"),
                              "--as-of", "09/05/2024"), "kpi")
    assert "--as-of '09/05/2024'" in line and "9 May or 5 September" in line and "2024-05-09" in line


def test_a_day_month_report_end_is_refused(posts_csv, tmp_path):
    out = tmp_path / "r.html"
    line = one_error(run_cli("report", "--posts", str(posts_csv), "--model", str(tmp_path / "no-model"),
                              "--out", str(out), "--end", "08/05/2024"), "report")
    assert "--end '08/05/2024'" in line and "8 May or 5 August" in line
    assert not out.exists()


def test_ingest_rejects_an_undecided_day_month_cell_and_says_how_a_column_was_read(tmp_path):
    """Needs /tmp/times/other.patch (wbcs/io/ingest.py, wbcs/cli/ingest.py)."""
    src = tmp_path / "dm.csv"
    src.write_text("post_id,created_at,reply_at,text\nb1,13/05/2024 10:00,,宽带断了\nb2,06/05/2024 10:00,,信号差\n"
                   "b3,2024-05-06 11:00,06/05/2024 12:00,网速慢\n", encoding="utf-8")
    out = tmp_path / "dm.parquet"
    r = run_cli("ingest", str(src), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    posts = pd.read_parquet(out)
    assert posts["created_at"].tolist() == [pd.Timestamp("2024-05-13 10:00", tz=TZ),
                                            pd.Timestamp("2024-05-06 10:00", tz=TZ)]
    assert "created_at: day first (13/05/2024)" in r.stderr
    rej = pd.read_csv(tmp_path / "dm.rejects.csv")
    assert rej["reason"].tolist() == [T.AMBIGUOUS]
    assert rej["detail"].iloc[0].startswith("reply_at '06/05/2024 12:00'") and "year first" in rej["detail"].iloc[0]
