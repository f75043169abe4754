"""A first day's audit of reading posts: the missing-column line of a command without --map (kpi, hot, ...) advised
--map all the same, and ``wbcs ingest`` of a file whose every row was rejected wrote an empty posts table and exited
0 where kpi refuses the file. Real files, real ``wbcs`` subprocesses."""

from __future__ import annotations

import re
import shlex

import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from wbcs.config import ROOT

ENV = {"PYTHONPATH": str(ROOT)}  # this checkout's wbcs, from tmp_path too
NO_TEXT = "用户昵称,帖子正文,发布时间\n甲,宽带断了,2024-05-06 10:00\n"
AMBIGUOUS = "内容,发布时间\n宽带断了,04/05/2024 10:00\n信号差,03/05/2024 11:00\n"


def wbcs(*args, cwd):
    return run_cli(*map(str, args), cwd=cwd, env=ENV)


def _advised(line: str) -> list[str]:
    """The ingest command a line advises, as a user would type it."""
    found = re.search(r"run '(wbcs ingest [^']+)' and use OUT\.parquet", line)
    assert found, line
    return shlex.split(found.group(1))


# ------------------------------------------------------------------ 1. --map only where there is one


@pytest.mark.parametrize("command", [["kpi"], ["hot"], ["triage", "--out", "t.csv"], ["reply", "--out", "r.csv"],
                                     ["report", "--out", "r.html"]])
def test_a_command_without_map_advises_no_map_of_its_own(tmp_path, command):
    (tmp_path / "c.csv").write_text(NO_TEXT, encoding="utf-8")
    line = one_error(wbcs(command[0], "--posts", "c.csv", *command[1:], cwd=tmp_path), command[0])
    assert line.endswith("columns are: 用户昵称, 帖子正文, 发布时间; map one: run "
                         "'wbcs ingest c.csv --out OUT.parquet --map text=COLUMN' and use OUT.parquet"), line


@pytest.mark.parametrize(("export", "column"), [
    ("编号,内容,日子\nA1,宽带断了,2024-05-06 10:00\n", "日子"),  # no id column either (_open_files)
    ("id,内容,日子\n1,宽带断了,2024-05-06 10:00\n", "日子"),  # ids that are no Weibo mids (the first chunk)
    (NO_TEXT, "帖子正文"),
])
def test_the_ingest_kpi_advises_works_as_printed(tmp_path, export, column):
    (tmp_path / "c.csv").write_text(export, encoding="utf-8")
    line = one_error(wbcs("kpi", "--posts", "c.csv", cwd=tmp_path), "kpi")
    assert " with --map" not in line, line
    argv = [a.replace("COLUMN", column) for a in _advised(line)]
    assert argv[:2] == ["wbcs", "ingest"], argv
    done = wbcs(*argv[1:], cwd=tmp_path)
    assert done.returncode == 0 and "kept 1, rejected 0" in done.stdout, done.stderr
    r = wbcs("kpi", "--posts", "OUT.parquet", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_ingest_still_says_its_own_map(tmp_path):
    (tmp_path / "c.csv").write_text(NO_TEXT, encoding="utf-8")
    line = one_error(wbcs("ingest", "c.csv", "--out", "o.parquet", cwd=tmp_path), "ingest")
    assert line == ("wbcs ingest: error: c.csv: missing required column 'text' (a header such as 内容/正文/微博内容); "
                    "columns are: 用户昵称, 帖子正文, 发布时间; map one with --map text=COLUMN")
    (tmp_path / "t.csv").write_text("编号,内容,日子\nA1,宽带断了,2024-05-06 10:00\n", encoding="utf-8")
    line = one_error(wbcs("ingest", "t.csv", "--out", "o.parquet", cwd=tmp_path), "ingest")
    assert line.endswith("columns are: 编号, 内容, 日子; map one with --map created_at=COLUMN"), line


# ------------------------------------------------------------------ 2. nothing kept is no posts table


def test_ingest_of_a_file_whose_every_row_is_rejected_is_refused(tmp_path):
    (tmp_path / "amb.csv").write_text(AMBIGUOUS, encoding="utf-8")
    r = wbcs("ingest", "amb.csv", "--out", "o/a.parquet", "--json", cwd=tmp_path)
    assert one_error(r, "ingest") == ("wbcs ingest: error: amb.csv: no posts (all 2 rows were rejected): "
                                      "ambiguous day/month: 2; rejects in o/a.rejects.csv")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["a.rejects.csv"]  # no posts, no partial file
    rejects = pd.read_csv(tmp_path / "o" / "a.rejects.csv")
    assert rejects["source_row"].tolist() == [1, 2] and set(rejects["reason"]) == {"ambiguous day/month"}
    # the same line as kpi's, up to where the rejected rows are
    kpi = one_error(wbcs("kpi", "--posts", "amb.csv", cwd=tmp_path), "kpi")
    assert kpi.startswith("wbcs kpi: error: amb.csv: no posts (all 2 rows were rejected): ambiguous day/month: 2; ")


def test_the_rejects_go_where_asked_and_every_file_is_named(tmp_path):
    (tmp_path / "amb.csv").write_text(AMBIGUOUS, encoding="utf-8")
    (tmp_path / "b.csv").write_text("内容,发布时间\n,2024-05-06 10:00\n", encoding="utf-8")
    r = wbcs("ingest", "amb.csv", "b.csv", "--out", "a.parquet", "--rejects", "why.csv", cwd=tmp_path)
    assert one_error(r, "ingest") == ("wbcs ingest: error: amb.csv, b.csv: no posts (all 3 rows were rejected): "
                                      "ambiguous day/month: 2, empty text: 1; rejects in why.csv")
    assert not (tmp_path / "a.parquet").exists()
    assert len(pd.read_csv(tmp_path / "why.csv")) == 3


def test_ingest_of_only_a_header_is_refused(tmp_path):
    (tmp_path / "h.csv").write_text("内容,发布时间\n", encoding="utf-8")
    r = wbcs("ingest", "h.csv", "--out", "h.parquet", cwd=tmp_path)
    assert one_error(r, "ingest") == "wbcs ingest: error: h.csv: no posts (only a header); give a file with posts"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv"]
