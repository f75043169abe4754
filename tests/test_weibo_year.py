"""The year of a Weibo month-day time (``5月4日 21:17``). Weibo shows a post of the current year without its year,
so a month-day shortly after the export time is this year's and means the export time is wrong (the row is
rejected as after the export); only a date more than half a year after it is last year's (``12月31日`` in an
export of 2 January), the nearer of the two readings."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.io.times import AFTER_EXPORT, read_time_cells
from wbcs.weibo import relative_time


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="Asia/Shanghai")


@pytest.mark.parametrize("now, text, expected", [
    ("2024-05-03 09:00", "5月4日 21:17", "2024-05-04 21:17"),  # 1.5 days after the export: this year's, not 2023's
    ("2024-05-03 09:00", "5月3日 19:05", "2024-05-03 19:05"),
    ("2024-05-03 09:00", "5月2日 14:40", "2024-05-02 14:40"),
    ("2024-01-02 10:00", "1月5日 08:00", "2024-01-05 08:00"),  # 3 days after: this year's (the export time is wrong)
    ("2024-05-03 09:00", "11月1日 09:00", "2024-11-01 09:00"),  # 182 days after: still this year's
    ("2024-05-03 09:00", "11月4日 09:00", "2023-11-04 09:00"),  # 185 days after: 181 days before, last year's
    ("2024-01-02 10:00", "12月31日 08:00", "2023-12-31 08:00"),  # across New Year
    ("2024-05-04 21:30", "12月31日 08:00", "2023-12-31 08:00"),
    ("2024-03-01 10:00", "2月29日 12:00", "2024-02-29 12:00"),
])
def test_a_month_day_is_this_years_unless_over_half_a_year_after_the_export(now, text, expected):
    assert relative_time(text, T(now)) == T(expected)


def test_a_month_day_of_no_such_day_is_no_time():
    assert relative_time("2月29日 12:00", T("2025-03-01 10:00")) is None  # 2025 has no 29 February
    assert relative_time("13月1日 12:00", T("2025-03-01 10:00")) is None


def test_a_month_day_days_after_the_export_is_after_the_export_not_last_year():
    now = T("2024-05-03 09:00")
    times, problem, relative = read_time_cells(pd.Series(["5月4日 21:17", "5月2日 14:40", "12月31日 08:00"]), now=now)
    assert problem.tolist()[0] == AFTER_EXPORT and pd.isna(times.iloc[0])
    assert times.iloc[1:].tolist() == [T("2024-05-02 14:40"), T("2023-12-31 08:00")]
    assert relative.tolist() == [True, True, True]


def test_ingest_rejects_a_month_day_after_the_export_time_naming_row_and_reason(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("用户昵称,微博正文,发布时间\n"
                   "老张,请问5G套餐怎么改成低档的,5月4日 21:17\n"
                   "小李子,流量包到底怎么算的,5月3日 19:05\n"
                   "阿花,问题解决了,5月2日 14:40\n"
                   "小孙,去年的,12月31日 08:00\n", encoding="utf-8")
    out = tmp_path / "et.parquet"
    r = run_cli("ingest", str(src), "--out", str(out), "--export-time", "2024-05-03 09:00")
    assert r.returncode == 0, r.stderr
    assert "kept 2, rejected 2 (time after the export 2)" in r.stdout
    rejects = pd.read_csv(tmp_path / "et.rejects.csv", encoding="utf-8-sig")
    assert rejects["source_row"].tolist() == [1, 2]
    assert rejects["reason"].tolist() == ["time after the export"] * 2
    for detail, cell in zip(rejects["detail"], ["5月4日 21:17", "5月3日 19:05"], strict=True):
        assert detail.startswith(f"created_at '{cell}' would be after the export time 2024-05-03 09:00 (--export-time)")
    posts = pd.read_parquet(out)
    assert posts["source_row"].tolist() == [3, 4]
    assert posts["created_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2024-05-02 14:40", "2023-12-31 08:00"]
