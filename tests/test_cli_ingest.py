"""`wbcs ingest` in real subprocesses: summary line, files written, exit code 2 on bad input."""

from __future__ import annotations

import json

import pandas as pd

from tests.helpers import run_cli, run_cli_on_terminal

HEADER = "微博ID,正文,发布时间,转发\n"
GOOD = "3830401296796826,信号差 电话13812345678,2016-01-02 10:00,3\n"
EMPTY = "3830401296796827,,2016-01-02 10:00,1\n"
DUP = "3830401296796826,又是我,2016-01-02 11:00,1\n"


def test_help_has_an_example():
    r = run_cli("ingest", "--help")
    assert r.returncode == 0
    assert "Example:\n  wbcs ingest " in r.stdout


def test_ingest_writes_posts_and_rejects(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(HEADER + GOOD + EMPTY, encoding="gbk")
    b = tmp_path / "b.jsonl"
    b.write_text(json.dumps({"mid": "3830401296796826", "内容": "重复", "时间": "2016-01-02"},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "posts.parquet"
    r = run_cli("ingest", str(a), str(b), "--out", str(out))
    assert r.returncode == 0, r.stderr
    rejects = tmp_path / "out" / "posts.rejects.csv"
    assert r.stdout.strip() == (
        f"ingest: read 3 rows from 2 file(s), kept 1, rejected 2 (empty text 1, duplicate id 1); "
        f"rejects in {rejects}; posts in {out}")
    posts = pd.read_parquet(out)
    assert posts["text"].tolist() == ["信号差 电话138****5678"] and posts["has_phone"].tolist() == [True]
    assert posts["reposts"].tolist() == [3]
    rej = pd.read_csv(rejects, encoding="utf-8-sig", dtype=str)
    assert rej["reason"].tolist() == ["empty text", "duplicate id"]
    assert rej["source_file"].tolist() == [str(a), str(b)]


def test_on_a_terminal_the_bar_shows_for_several_files_not_for_one_small_one(tmp_path):
    """ingest's bar is wbcs.progress.bar's: in bytes, named by the file being read, only where it is worth it."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + GOOD, encoding="utf-8")
    b.write_text(HEADER + EMPTY, encoding="utf-8")
    r, shown = run_cli_on_terminal("ingest", str(a), str(b), "--out", str(tmp_path / "two.parquet"))
    assert r.returncode == 0 and "ingest: 100%" in shown and "b.csv" in shown and "B/s" in shown, shown
    r, shown = run_cli_on_terminal("ingest", str(a), "--out", str(tmp_path / "one.parquet"))
    assert r.returncode == 0 and "%|" not in shown, shown


def test_map_rejects_path_no_mask_and_json(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("编号,帖子正文,日期\n1,电话13812345678,2016-01-02\n2,,2016-01-02\n", encoding="utf-8")
    out, rej = tmp_path / "p.jsonl", tmp_path / "bad.xlsx"
    r = run_cli("ingest", str(a), "--out", str(out), "--map", "post_id=编号", "--map", "text=帖子正文",
                "--map", "created_at=日期", "--rejects", str(rej), "--no-mask", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["files"][str(a)]["columns"] == {"post_id": "编号", "text": "帖子正文",
                                                   "created_at": "日期"}
    assert f"rejects in {rej}" in r.stderr
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["text"] == "电话13812345678"
    assert pd.read_excel(rej)["reason"].tolist() == ["empty text"]


def test_bad_input_exits_2_with_one_line(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("编号,帖子\n1,好\n", encoding="utf-8")
    cases = [
        ([str(a), "--out", str(tmp_path / "o.parquet")], "missing required column 'text'"),
        ([str(a), "--out", str(tmp_path / "o.parquet"), "--map", "text"], "write it as TARGET=SOURCE"),
        ([str(a), "--out", str(tmp_path / "o.parquet"), "--map", "text=正文"], "no column '正文'"),
        ([str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.parquet")], "file not found"),
        ([str(a), "--out", str(tmp_path / "o.txt"), "--map", "text=帖子", "--map", "post_id=编号"],
         "unknown output format"),
    ]
    for args, message in cases:
        r = run_cli("ingest", *args)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("wbcs ingest: error: ") and message in lines[0]
    binary = tmp_path / "junk.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    r = run_cli("ingest", str(binary), "--out", str(tmp_path / "o.parquet"))
    assert r.returncode == 2 and f"{binary}: binary content" in r.stderr


def test_operator_comes_from_the_account_a_post_mentions(tmp_path):
    # no operator column: each post's operator is the one whose service account it @mentions, else the one its
    # text names (reply drafts sign as it; the competitor indicators group by it); a given column is kept as given
    a = tmp_path / "a.csv"
    a.write_text(HEADER + "1,@广东移动 宽带又断了 电信都比你们强,2016-01-02 10:00,0\n"
                 "2,中国联通的信号太差,2016-01-02 10:05,0\n3,话费多扣了30元,2016-01-02 10:06,0\n", encoding="utf-8")
    out = tmp_path / "posts.parquet"
    assert run_cli("ingest", str(a), "--out", str(out)).returncode == 0
    assert pd.read_parquet(out)["operator"].fillna("?").tolist() == ["china_mobile", "china_unicom", "?"]
    b = tmp_path / "b.csv"
    b.write_text("微博ID,正文,发布时间,运营商\n1,@广东移动 宽带又断了,2016-01-02 10:00,china_telecom\n", encoding="utf-8")
    assert run_cli("ingest", str(b), "--out", str(tmp_path / "b.parquet")).returncode == 0
    assert pd.read_parquet(tmp_path / "b.parquet")["operator"].tolist() == ["china_telecom"]


def test_rows_of_only_empty_cells_are_counted_in_the_summary_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("post_id,text,created_at\n1,宽带断网了,2024-05-01 10:00\n" + ",,\n" * 5, encoding="utf-8")
    r = run_cli("ingest", str(path), "--out", str(tmp_path / "posts.parquet"))
    assert r.returncode == 0, r.stderr
    assert "kept 1, rejected 0; skipped 5 rows of only empty cells" in r.stdout
