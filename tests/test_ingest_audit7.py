"""Audit 7: how ingest reads a user's posts file — a missing time column, the other sheets of a workbook, formula
cells without a saved value, a reply before its post, a survey's satisfaction words. Real files, real ``wbcs``
subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]


def wbcs(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "wbcs", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def ingest_json(tmp_path: Path, name: str, *extra) -> tuple[subprocess.CompletedProcess, dict]:
    run = wbcs("ingest", name, "--out", "out.parquet", "--json", *extra, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return run, json.loads(run.stdout)


# ------------------------------------------------------------------ 1. time column


def test_common_time_headers_are_read(tmp_path):
    for header in ("发表时间", "日期", "发布日期", "评论时间", "created_time"):
        (tmp_path / "h.csv").write_text(f"id,{header},内容\n1,2024-05-06 10:00,宽带坏了\n2,2024-05-06 11:00,信号差\n",
                                        encoding="utf-8")
        _, s = ingest_json(tmp_path, "h.csv")
        assert (s["kept"], s["rejected"]) == (2, 0), header
        assert s["files"]["h.csv"]["columns"]["created_at"] == header
        posts = pd.read_parquet(tmp_path / "out.parquet")
        assert [str(t)[:16] for t in posts["created_at"]] == ["2024-05-06 10:00", "2024-05-06 11:00"]


def test_no_time_column_and_ids_that_are_no_mids_is_one_line_exit_2(tmp_path):
    (tmp_path / "h.csv").write_text("id,发帖心情,内容\n1,好,宽带坏了\n2,差,信号差\n", encoding="utf-8")
    run = wbcs("ingest", "h.csv", "--out", "out.parquet", cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "missing required column 'created_at'" in lines[0]
    assert "its post_id column 'id' holds no Weibo mid" in lines[0]
    assert "columns are: id, 发帖心情, 内容;" in lines[0]  # the headers seen
    assert "--map created_at=COLUMN" in lines[0]
    assert not (tmp_path / "out.parquet").exists()


def test_times_from_weibo_mids_are_said(tmp_path):
    # real Weibo mids (2024): no time column, the times come from the ids
    (tmp_path / "m.csv").write_text("mid,内容\n5030000000000000,宽带坏了\n5030000000000001,信号差\n", encoding="utf-8")
    _, s = ingest_json(tmp_path, "m.csv")
    assert (s["kept"], s["files"]["m.csv"]["times_from_mid"]) == (2, 2)
    assert any("2 post time(s) decoded from the Weibo mids" in n for n in s["files"]["m.csv"]["notes"])


# ------------------------------------------------------------------ 2. every sheet


def _two_sheets(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "5月"
    ws.append(["post_id", "created_at", "text"])
    ws.append(["a1", "2024-05-06 10:00", "宽带坏了"])
    ws.append(["a2", "2024-05-07 10:00", "信号差"])
    june = wb.create_sheet("6月")  # the same columns under Chinese headers, in another order
    june.append(["内容", "post_id", "发布时间"])
    june.append(["停机了", "b1", "2024-06-06 10:00"])
    june.append(["网速慢", "b2", "2024-06-07 10:00"])
    june.append(["坏了", "b3", "1980-01-01 10:00"])  # out of range: rejected, named by its sheet
    notes = wb.create_sheet("说明")
    notes.append(["备注"])
    notes.append(["导出自舆情系统"])
    wb.create_sheet("空")
    wb.save(path)


def test_every_sheet_with_the_same_columns_is_read(tmp_path):
    _two_sheets(tmp_path / "x.xlsx")
    run, s = ingest_json(tmp_path, "x.xlsx")
    assert (s["read"], s["kept"], s["rejected"]) == (5, 4, 1)
    posts = pd.read_parquet(tmp_path / "out.parquet")
    assert list(posts["post_id"]) == ["a1", "a2", "b1", "b2"]
    assert list(posts["text"]) == ["宽带坏了", "信号差", "停机了", "网速慢"]
    assert list(posts["source_file"]) == ["x.xlsx, sheet 5月"] * 2 + ["x.xlsx, sheet 6月"] * 2
    assert list(posts["source_row"]) == [1, 2, 1, 2]
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str)
    assert (rejects["source_file"].iloc[0], rejects["source_row"].iloc[0]) == ("x.xlsx, sheet 6月", "3")
    notes = s["files"]["x.xlsx"]["notes"]
    assert any("sheet '说明' skipped: its columns (备注) are not the first sheet's" in n for n in notes), notes
    assert any("sheet '空' skipped: empty" in n for n in notes), notes


def test_kpi_names_the_sheet_of_a_bad_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "5月"
    ws.append(["post_id", "created_at", "text", "sentiment", "intent", "topic", "reply_at"])
    ws.append(["a1", "2024-05-06 10:00", "a", "negative", "complaint", "broadband", "2024-05-06 10:30"])
    june = wb.create_sheet("6月")
    june.append(["post_id", "created_at", "text", "sentiment", "intent", "topic", "reply_at"])
    june.append(["b1", "2024-06-06 10:00", "b", "negative", "complaint", "broadband", "2024-06-06 10:30"])
    june.append(["a1", "2024-06-07 10:00", "c", "negative", "complaint", "broadband", "2024-06-07 10:30"])
    wb.save(tmp_path / "k.xlsx")
    run = wbcs("ingest", "k.xlsx", "--out", "out.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str)
    assert rejects["reason"].tolist() == ["duplicate id"]
    assert rejects["detail"].iloc[0] == "post_id 'a1' first seen in k.xlsx, sheet 5月 row 1"
    assert rejects["source_file"].iloc[0] == "k.xlsx, sheet 6月"


# ------------------------------------------------------------------ 3. formula cells


def test_formula_cells_without_a_saved_value_are_their_formula_text(tmp_path):
    wb = Workbook()  # openpyxl (as pandas) saves formulas without a cached value
    ws = wb.active
    ws.append(["post_id", "created_at", "text", "author"])
    ws.append(["f1", "2024-05-06 10:00", "=1+1", "李四"])
    ws.append(["f2", "2024-05-06 11:00", "=SUM(A1:A9) 信号差", '=HYPERLINK("http://x.cn","张三")'])
    ws.append(["f3", "2024-05-06 12:00", "宽带坏了", "王五"])
    wb.save(tmp_path / "f.xlsx")
    _, s = ingest_json(tmp_path, "f.xlsx")
    assert (s["kept"], s["rejected"]) == (3, 0)
    posts = pd.read_parquet(tmp_path / "out.parquet")
    assert list(posts["text"]) == ["=1+1", "=SUM(A1:A9) 信号差", "宽带坏了"]
    assert list(posts["author_id"]) == ["李四", '=HYPERLINK("http://x.cn","张三")', "王五"]
    assert any("3 formula cell(s)" in n for n in s["files"]["f.xlsx"]["notes"])
    # and escaped when written out as CSV
    run = wbcs("ingest", "f.xlsx", "--out", "out.csv", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "'=1+1" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


# ------------------------------------------------------------------ 4. reply before post


def test_reply_before_post_is_rejected_by_ingest_and_kpi_reads_the_rest(tmp_path):
    (tmp_path / "n.csv").write_text(
        "post_id,created_at,text,sentiment,intent,topic,reply_at\n"
        "n1,2024-05-06 10:00,a,negative,complaint,broadband,2024-05-06 09:00\n"
        "n2,2024-05-06 10:00,b,negative,complaint,broadband,2024-05-06 10:30\n", encoding="utf-8")
    run = wbcs("ingest", "n.csv", "--out", "n.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "kept 1, rejected 1 (time before post 1)" in run.stdout
    rejects = pd.read_csv(tmp_path / "n.rejects.csv", dtype=str)
    assert rejects["source_row"].tolist() == ["1"]
    assert rejects["detail"].iloc[0] == ("column 'reply_at': 2024-05-06 09:00:00 is before the post's created_at "
                                         "2024-05-06 10:00:00")
    kpi = wbcs("kpi", "--posts", "n.parquet", cwd=tmp_path)
    assert kpi.returncode == 0, kpi.stderr


# ------------------------------------------------------------------ 5. satisfied


def test_survey_words_and_an_unreadable_satisfied_cell_keep_the_post(tmp_path):
    (tmp_path / "s.csv").write_text(
        "post_id,created_at,text,satisfied\n"
        "s1,2024-05-06 10:00,a,非常满意\n"
        "s2,2024-05-06 10:00,b,一般\n"
        "s3,2024-05-06 10:00,c,非常不满意\n"
        "s4,2024-05-06 10:00,d,还没回访\n"
        "s5,2024-05-06 10:00,e,满意\n", encoding="utf-8")
    _, s = ingest_json(tmp_path, "s.csv")
    assert (s["kept"], s["rejected"]) == (5, 0)
    posts = pd.read_parquet(tmp_path / "out.parquet")
    assert posts["satisfied"].astype(object).where(posts["satisfied"].notna(), None).tolist() == \
        [True, None, False, None, True]
    assert s["files"]["s.csv"]["satisfied_unreadable"] == 1
    assert any("1 satisfied cell(s) unreadable, left unknown" in n for n in s["files"]["s.csv"]["notes"])


def test_the_summary_line_says_how_the_file_was_read(tmp_path):
    (tmp_path / "m.csv").write_text("mid,内容,满意度\n5030000000000000,宽带坏了,还没回访\n5030000000000001,信号差,满意\n",
                                    encoding="utf-8")
    run = wbcs("ingest", "m.csv", "--out", "out.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert ("; m.csv: 2 post time(s) decoded from the Weibo mids in post_id (no time column); m.csv: 1 satisfied "
            "cell(s) unreadable, left unknown") in run.stdout
    _two_sheets(tmp_path / "x.xlsx")
    run = wbcs("ingest", "x.xlsx", "--out", "out.parquet", cwd=tmp_path)
    assert ("; x.xlsx: sheet '说明' skipped: its columns (备注) are not the first sheet's; x.xlsx: sheet '空' "
            "skipped: empty") in run.stdout


def test_every_engine_leaves_a_reply_before_its_post_out_alike(tmp_path):
    pd.DataFrame({"post_id": ["n1", "n2"], "created_at": pd.to_datetime(["2024-05-06 10:00", "2024-05-06 10:00"]),
                  "text": ["a", "b"], "sentiment": "negative", "intent": "complaint", "topic": "broadband",
                  "reply_at": pd.to_datetime(["2024-05-06 09:00", "2024-05-06 10:30"])}).to_parquet(tmp_path / "r.parquet")
    for engine in ("pandas", "duckdb", "dask"):
        run = wbcs("kpi", "--posts", "r.parquet", "--engine", engine, "--json", cwd=tmp_path)
        assert run.returncode == 0, (engine, run.stderr)
        assert (json.loads(run.stdout)["volume"], json.loads(run.stdout)["negative_handling_rate"]) == (1, 1.0)
        assert ("column 'reply_at': 2024-05-06 09:00:00 is before the post's created_at 2024-05-06 10:00:00"
                in run.stderr), (engine, run.stderr)
