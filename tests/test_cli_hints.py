"""What the CLI answers a wrong --out, --export-time or --field, in real subprocesses: the hint must be
something the command then accepts, and a typo must be named as a typo."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import ROOT, run_cli
from wbcs.errors import InputError
from wbcs.io.times import export_time

EXPORT = str(ROOT / "data" / "examples" / "weibo_export.csv")


def _hint(stderr: str) -> str:
    assert "is a folder; give a file name, e.g. " in stderr, stderr
    return stderr.strip().rsplit("e.g. ", 1)[1]


def test_a_folder_for_the_report_hints_an_html_name_the_report_accepts(tmp_path):
    r = run_cli("report", "--posts", str(tmp_path / "posts.parquet"), "--out", str(tmp_path))
    assert r.returncode == 2
    hint = _hint(r.stderr)
    assert hint == str(tmp_path / "out.html")  # was out.csv, which report then refused
    again = run_cli("report", "--posts", str(tmp_path / "posts.parquet"), "--out", hint)
    assert again.returncode == 2 and "unknown output format" not in again.stderr  # past the name: no posts file


def test_a_folder_for_ingest_hints_a_name_ingest_writes(tmp_path):
    r = run_cli("ingest", EXPORT, "--out", str(tmp_path), "--export-time", "2024-05-04 21:30")
    assert r.returncode == 2
    hint = _hint(r.stderr)
    assert run_cli("ingest", EXPORT, "--out", hint, "--export-time", "2024-05-04 21:30").returncode == 0


def test_a_day_month_export_time_is_refused_not_read_month_first(tmp_path):
    out = tmp_path / "p2.parquet"
    r = run_cli("ingest", EXPORT, "--out", str(out), "--export-time", "04/05/2024 21:30")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--export-time '04/05/2024 21:30'" in lines[0] and "YYYY-MM-DD HH:MM" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("text", ["2024-05-04 21:30", "2024-05-04 21:30:00", "2024/05/04 21:30", "2024/5/4 21:30",
                                  "2024-05-04T21:30+08:00", "2024-05-04T13:30Z", "2024年5月4日 21:30"])
def test_year_first_export_times_are_4_may(text):
    assert export_time(text) == pd.Timestamp("2024-05-04 21:30", tz="Asia/Shanghai")


@pytest.mark.parametrize("text", ["04/05/2024 21:30", "4.5.2024", "May 4 2024", "2024-13-04 21:30", "soon"])
def test_other_export_times_are_refused(text):
    with pytest.raises(InputError, match="--export-time"):
        export_time(text)


def test_a_mistyped_field_is_named_as_unknown():
    r = run_cli("evaluate", "--model", "models/wbcs-default/14", "--data", "data/examples/labelled.csv",
                "--field", "sentimnet")
    assert r.returncode == 2
    assert "unknown field 'sentimnet'" in r.stderr
    assert "sentiment, intent, topic, negative_subtype" in r.stderr and "choose one with --field" not in r.stderr
