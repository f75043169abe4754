"""wbcs.io: reading exports in every encoding and format, header mapping, rejects, writing."""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.errors import InputError
from wbcs.io import (
    HEADER_ALIASES,
    ingest,
    parse_times,
    read_posts,
    read_table,
    resolve_columns,
    write_table,
)
from wbcs.weibo import MID_EPOCH_OFFSET

HEADER = ["微博ID", "内容", "发布时间", "粉丝数", "省份"]
ROWS = [
    ["3830401296796826", "信号太差了，电话13812345678", "2016-01-02 10:00", "1.2万", "广东"],
    ["3830772740080373", "宽带又断了; 客服说\t明天修", "2016/1/3 08:30", "1,234", "北京"],
    ["3830772740080374", "頭髮 #话题# [怒]", "2016年1月4日 9:05", "7", "上海"],
]


def write_csv(path, encoding="utf-8", delimiter=",", rows=ROWS, header=HEADER):
    import csv

    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


# --------------------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
    ("utf-16", "utf-16"),  # Excel's "Unicode text" export: UTF-16 with a BOM
])
def test_every_encoding_reads_the_same_table(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "export.csv", encoding=encoding)
    df = read_table(path)
    assert df.attrs["encoding"] == detected and df.attrs["format"] == "csv"
    assert list(df.columns) == HEADER
    assert df.values.tolist() == ROWS
    assert df.index.tolist() == [1, 2, 3]


def test_a_big5_export_is_read_as_big5_not_as_gb18030_mojibake(tmp_path):
    # nearly any byte string decodes as GB18030: this one did, into private-use characters, and was kept
    rows = [["1", "聯通信號很差，客服態度也不好，我要投訴", "2024-05-01 10:00"],
            ["2", "中華電信的網路很慢，打客服一直沒有人回覆，請儘快處理", "2024-05-01 11:00"]]
    path = write_csv(tmp_path / "big5.csv", header=["post_id", "text", "created_at"], rows=rows, encoding="big5")
    df = read_table(path)
    assert df.attrs["encoding"] == "big5hkscs"
    assert df["text"].tolist() == [r[1] for r in rows]


def test_damaged_utf8_stays_utf8(tmp_path):
    path = write_csv(tmp_path / "x.csv", rows=ROWS * 5)
    raw = path.read_bytes()
    cut = raw.index("信号".encode()) + 1  # inside the 3 bytes of 信: one stray byte
    path.write_bytes(raw[:cut] + b"\xff" + raw[cut:])
    df = read_table(path)
    # the file stays UTF-8; the damaged record is not kept garbled but set aside
    assert df.attrs["encoding"] == "utf-8"
    assert df.index.tolist() == list(range(2, 16)) and df["内容"].iloc[0] == ROWS[1][1]
    [bad] = df.attrs["bad_lines"]
    assert (bad.row, bad.reason) == (1, "bad encoding") and "not utf-8" in bad.detail


def test_gbk_file_named_txt(tmp_path):
    path = write_csv(tmp_path / "导出.txt", encoding="gbk")
    df = read_table(path)
    assert df.attrs["encoding"] == "gb18030" and df["内容"].iloc[0] == ROWS[0][1]


def test_utf8_csv_that_is_really_json_lines(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text('{"mid": "3830401296796826", "正文": "好", "extra": {"a": 1}}\n\n'
                    '{"mid": 3830772740080373, "正文": "差"}\n', encoding="utf-8")
    df = read_table(path)
    assert df.attrs["format"] == "jsonl"
    assert df.index.tolist() == [1, 3]  # line numbers; the blank line is no record
    assert df["正文"].tolist() == ["好", "差"]
    assert df["extra"].iloc[0] == '{"a": 1}' and df["extra"].iloc[1] is None


@pytest.mark.parametrize("delimiter", ["\t", ";", "|", ","])
def test_delimiter_is_detected(tmp_path, delimiter):
    # The texts hold commas, semicolons and tabs of their own (quoted by the writer).
    df = read_table(write_csv(tmp_path / "x.csv", delimiter=delimiter))
    assert df.attrs["delimiter"] == delimiter
    assert df.values.tolist() == ROWS


def test_xlsx_parquet_and_json_array(tmp_path):
    frame = pd.DataFrame(ROWS, columns=HEADER)
    frame.to_excel(tmp_path / "a.xlsx", index=False)
    frame.to_parquet(tmp_path / "b.parquet")
    (tmp_path / "c.json").write_text(json.dumps(frame.to_dict("records"), ensure_ascii=False),
                                     encoding="utf-8")
    for name, fmt in [("a.xlsx", "xlsx"), ("b.parquet", "parquet"), ("c.json", "jsonl")]:
        df = read_table(tmp_path / name)
        assert df.attrs["format"] == fmt
        assert df.astype(str).values.tolist() == ROWS, name
    # the magic bytes decide, not the extension
    (tmp_path / "b.parquet").rename(tmp_path / "b.csv")
    assert read_table(tmp_path / "b.csv").attrs["format"] == "parquet"


def test_a_file_named_for_a_format_it_does_not_hold_is_refused(tmp_path):
    # a text file named .parquet was read as CSV: "missing required column 'text'; columns are: not a parquet"
    for name in ("fake.parquet", "fake.xlsx"):
        (tmp_path / name).write_text("not a parquet\n1\n", encoding="utf-8")
        with pytest.raises(InputError, match=rf"{name}: named \.\w+ but not (a Parquet file|an \.xlsx workbook)"):
            read_table(tmp_path / name)


def test_json_lines_say_what_could_not_be_read_and_which_keys_are_not_text(tmp_path):
    # one truncated record: "missing required column 'text'; columns are: " (nothing) named no cause
    (tmp_path / "broken.jsonl").write_text('{"post_id": 1, "text": "宽带投诉"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.jsonl: no JSON record could be read \(line 1: not valid JSON"):
        read_table(tmp_path / "broken.jsonl")
    # a list or an object where a post's text belongs was flattened to '["宽带坏了"]' and ingested as the text
    lines = [{"post_id": "1", "text": "信号差", "created_at": "2024-05-04 10:00", "pics": ["a.jpg"]},
             {"post_id": "2", "text": ["宽带坏了"], "created_at": "2024-05-04 10:01"}]
    path = tmp_path / "nested.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    assert read_table(path).attrs["nested"] == {"pics": "JSON arrays (record 1)", "text": "JSON arrays (record 2)"}
    with pytest.raises(InputError, match=r"column 'text' \(text\) holds JSON arrays \(record 2\), not text"):
        ingest([path])
    lines[1]["text"] = "宽带坏了"  # an unmapped key holding lists (picture URLs) is no reason to refuse
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    assert ingest([path]).posts["text"].tolist() == ["信号差", "宽带坏了"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"  \n\n", "empty file"),
    (bytes(range(256)) * 4, "binary content"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
    (b"PAR1garbage", "damaged Parquet"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        read_table(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_zip_that_is_not_a_workbook_and_missing_file(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.xlsx", "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(InputError, match="not an .xlsx workbook"):
        read_table(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- header mapping


def test_chinese_headers_map_to_the_schema():
    cols = resolve_columns(["微博ID", "正文", "时间", "平台", "地区", "粉丝数", "转发", "评论数",
                            "点赞数", "作者", "回复时间", "解决时间", "是否满意", "运营商", "备注"],
                           None, "x.csv")
    assert cols == {"post_id": "微博ID", "text": "正文", "created_at": "时间", "platform": "平台",
                    "province": "地区", "author_followers": "粉丝数", "reposts": "转发",
                    "comments": "评论数", "likes": "点赞数", "author_id": "作者", "reply_at": "回复时间",
                    "resolved_at": "解决时间", "satisfied": "是否满意", "operator": "运营商"}
    assert HEADER_ALIASES["博文"] == "text" and HEADER_ALIASES["mid"] == "post_id"


def test_header_priority_and_spelling():
    # the schema name beats an alias; a more specific alias beats a general one
    assert resolve_columns(["时间", "发布时间", "Created_At "], None, "x")["created_at"] == "Created_At "
    assert resolve_columns(["时间", "发布时间"], None, "x")["created_at"] == "发布时间"
    assert resolve_columns(["ＭＩＤ", " 内容 "], None, "x") == {"post_id": "ＭＩＤ", "text": " 内容 "}


def test_explicit_mapping(tmp_path):
    assert resolve_columns(["帖子正文", "内容"], {"text": "帖子正文"}, "x")["text"] == "帖子正文"
    with pytest.raises(InputError, match="unknown column 'body'"):
        resolve_columns(["a"], {"body": "a"}, "x")
    with pytest.raises(InputError, match=r"x.csv: mapping text=正文X: no column '正文X'; columns are: 内容"):
        resolve_columns(["内容"], {"text": "正文X"}, "x.csv")


@pytest.mark.parametrize("name", ["mid.jsonl", "mid.txt"])
def test_json_lines_whose_first_record_is_longer_than_the_sample(tmp_path, name):
    # detection samples the first megabyte: a 1.5 MB first record was read as a CSV header, the whole
    # record one column name, and the error line quoting it was 1.5 MB long
    path = tmp_path / name
    path.write_text(json.dumps({"mid": "3830401296796826", "text": "好" * 500_000, "created_at": "2024-03-01"},
                               ensure_ascii=False) + '\n{"mid": "3830401296796827", "text": "差", '
                    '"created_at": "2024-03-01"}\n', encoding="utf-8")
    df = read_table(path)
    assert df.attrs["format"] == "jsonl" and df["text"].str.len().tolist() == [500_000, 1]
    assert ingest([path]).summary["kept"] == 2


def test_an_error_naming_the_columns_stays_one_short_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"col{i}_" + "x" * 200 for i in range(5000)) + "\n" + "," * 4999 + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="missing required column 'text'") as e:
        ingest([path])
    message = str(e.value)
    assert len(message) < 3000 and "and 4,970 more" in message and "col0_" + "x" * 40 in message, message[:500]
    with pytest.raises(InputError) as e:
        ingest([path], mapping={"text": "正文"})
    assert len(str(e.value)) < 3000 and "no column '正文'" in str(e.value)


def test_missing_required_columns_name_file_and_columns(tmp_path):
    path = write_csv(tmp_path / "a.csv", header=["编号", "帖子", "日子", "粉丝数", "省份"])
    with pytest.raises(InputError, match=r"a.csv: missing required column 'text'.*"
                                         r"columns are: 编号, 帖子, 日子, 粉丝数, 省份"):
        ingest([path])
    path = write_csv(tmp_path / "b.csv", header=["编号", "内容", "日子", "粉丝数", "省份"])
    with pytest.raises(InputError, match=r"b.csv: missing required column 'created_at'"):
        ingest([path])
    # with a mapping both are found
    result = ingest([path], mapping={"post_id": "编号", "created_at": "日子"})
    assert result.summary["kept"] == 3


# --------------------------------------------------------------------------- ingest


def test_rows_of_only_empty_cells_are_skipped_and_counted(tmp_path, capsys):
    # one post and 1,000 rows of "," said "read 1 rows, rejected 0": the rows vanished without a word
    path = tmp_path / "a.csv"
    path.write_text("微博ID,内容,发布时间\n3830401296796826,好,2024-03-01 10:00\n" + ",,\n" * 1000 + "\n \n"
                    "3830401296796827,差,2024-03-01 10:00\n", encoding="utf-8")
    df = read_table(path)
    assert df.attrs["empty_rows"] == 1002 and df.index.tolist() == [1, 2]
    summary = ingest([path]).summary
    assert (summary["read"], summary["kept"], summary["rejected"], summary["empty_rows"]) == (2, 2, 0, 1002)
    assert summary["files"][str(path)]["empty_rows"] == 1002
    _, info = read_posts(path)
    assert info["empty_rows"] == 1002 and "1,002 row(s) of only empty cells skipped" in capsys.readouterr().err
    only = tmp_path / "only.csv"
    only.write_text("微博ID,内容,发布时间\n,,\n,,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no posts \(only a header, 2 empty row\(s\) skipped\)"):
        read_posts(only)
    book = tmp_path / "a.xlsx"
    pd.DataFrame({"内容": ["好", None, None, "差"], "发布时间": ["2024-03-01 10:00", None, None, "2024-03-02"]}).to_excel(
        book, index=False)
    assert ingest([book]).summary["empty_rows"] == 2


def test_a_line_longer_than_the_bound_is_skipped_unread_and_rejected(tmp_path, monkeypatch):
    # a 300 MB line was read whole (508 MB of memory) before its row was rejected; lines are now read
    # at most LINE_MAX characters long: the row is rejected, numbered, and the rows after it stay right
    import wbcs.io.read as rd

    monkeypatch.setattr(rd, "LINE_MAX", 1000)
    path = tmp_path / "a.csv"
    path.write_text("微博ID,内容,发布时间\n"
                    '3830401296796826,"two\nlines",2024-03-01 10:00\n'
                    f"3830401296796827,{'长' * 5000},2024-03-01 10:00\n"
                    f"3830401296796828,{'x' * 999}\n"  # exactly the bound, without its line break: too long
                    '3830401296796829,"a ""quoted""\r\nthree\nlines",2024-03-01 10:00\n'
                    "3830401296796830,last,2024-03-01 10:00", encoding="utf-8")
    result = ingest([path])
    assert result.posts["text"].tolist() == ["two\nlines", 'a "quoted"\r\nthree\nlines', "last"]
    assert result.posts["source_row"].tolist() == [1, 4, 5]
    assert result.rejects["source_row"].tolist() == [2, 3]
    assert result.rejects["detail"].tolist() == ["line 4: longer than 1,000 characters",
                                                 "line 5: longer than 1,000 characters"]
    assert result.summary["read"] == 5
    (tmp_path / "h.csv").write_text("a" * 5000 + "\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"h.csv: cannot read the header row \(line 1: longer than 1,000"):
        read_table(tmp_path / "h.csv")


def test_ingest_a_clean_file(tmp_path):
    result = ingest([write_csv(tmp_path / "a.csv", encoding="gbk")])
    p = result.posts
    assert result.summary["read"] == 3 and result.summary["kept"] == 3 and result.rejects.empty
    assert p["post_id"].tolist() == [r[0] for r in ROWS]
    assert p["created_at"].dt.strftime("%Y-%m-%d %H:%M %z").tolist() == [
        "2016-01-02 10:00 +0800", "2016-01-03 08:30 +0800", "2016-01-04 09:05 +0800"]
    assert p["author_followers"].tolist() == [12000, 1234, 7]  # 1.2万 and 1,234
    assert p["has_phone"].tolist() == [True, False, False]      # found before masking
    assert p["text"].iloc[0] == "信号太差了，电话138****5678"    # then masked
    assert p["source_file"].unique().tolist() == [str(tmp_path / "a.csv")]
    assert p["source_row"].tolist() == [1, 2, 3]
    assert not p["time_from_mid"].any()
    info = result.summary["files"][str(tmp_path / "a.csv")]
    assert info["encoding"] == "gb18030" and info["ids_derived"] == 0


def test_no_mask_keeps_the_number(tmp_path):
    result = ingest([write_csv(tmp_path / "a.csv")], mask=False)
    assert result.posts["text"].iloc[0] == ROWS[0][1]


def test_every_rejection_reason(tmp_path):
    # a 16-digit mid of a month from now: a Weibo id, of a post not made yet
    soon = pd.Timestamp.now(tz="Asia/Shanghai").floor("s") + pd.Timedelta(days=30)
    future = str((int(soon.timestamp()) - MID_EPOCH_OFFSET) << 22)
    rows = [
        ["3830401296796826", "好的", "2016-01-02 10:00", "1", "广东"],        # 1 kept
        ["3830401296796827", "   ", "2016-01-02 10:00", "1", "广东"],         # 2 empty text
        ["3830401296796828", "好", "明天下午", "1", "广东"],                   # 3 unparseable time
        ["3830401296796826", "重复", "2016-01-02 11:00", "1", "广东"],         # 4 duplicate id
        [future, "老帖子", "", "1", "广东"],                                    # 5 implausible mid time
        ["user_abc", "没时间", "", "1", "广东"],                                # 6 no time
        ["3830401296796829", "好", "2016-01-02 10:00", "很多", "广东"],        # 7 bad value
        ["3830401296796830", "多一列", "2016-01-02 10:00", "1", "广东", "x"],  # 8 malformed line
        ["3830772740080373", "只有mid", "", "2", "北京"],                       # 9 kept, time from mid
    ]
    path = write_csv(tmp_path / "r.csv", rows=rows)
    result = ingest([path])
    rej = result.rejects
    assert rej["source_row"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert rej["reason"].tolist() == ["empty text", "unparseable time", "duplicate id",
                                      "implausible mid time", "no time", "bad value", "malformed line"]
    assert rej["detail"].iloc[2] == f"post_id '3830401296796826' first seen in {path} row 1"
    assert rej["detail"].iloc[3] == f"post_id {future} decodes to {soon}"
    assert rej["detail"].iloc[5] == "author_followers '很多' is not a count (0 to a billion)"
    assert rej["raw_line"].iloc[6] == "3830401296796830,多一列,2016-01-02 10:00,1,广东,x"
    assert rej["内容"].iloc[1] == "好" and rej["发布时间"].iloc[1] == "明天下午"  # raw values kept
    assert result.summary["read"] == 9 and result.summary["kept"] == 2
    assert result.summary["reasons"] == {"empty text": 1, "unparseable time": 1, "duplicate id": 1,
                                         "implausible mid time": 1, "no time": 1, "bad value": 1,
                                         "malformed line": 1}
    kept = result.posts.set_index("post_id")
    # mid 3830772740080373 >> 22 = 913327393; + 515483463 = 1428810856 s = 2015-04-12 03:54:16 UTC
    assert str(kept.loc["3830772740080373", "created_at"]) == "2015-04-12 11:54:16+08:00"
    assert kept["time_from_mid"].tolist() == [False, True]


def test_duplicates_across_files_and_derived_ids(tmp_path):
    a = write_csv(tmp_path / "a.csv", header=["内容", "时间"], rows=[["宽带又断了", "2016-01-03 08:30"],
                                                                    ["宽带又断了", "2016-01-03 09:30"]])
    b = write_csv(tmp_path / "b.csv", encoding="gbk", header=["内容", "时间"],
                  rows=[["宽带又断了", "2016-01-03 08:30"]])
    result = ingest([a, b])
    derived = "h" + hashlib.blake2b("宽带又断了\x1f2016-01-03 08:30".encode(), digest_size=8).hexdigest()
    assert result.posts["post_id"].iloc[0] == derived
    assert result.summary["kept"] == 2 and result.summary["files"][str(a)]["ids_derived"] == 2
    assert result.rejects["reason"].tolist() == ["duplicate id"]
    assert result.rejects["source_file"].tolist() == [str(b)]
    assert result.rejects["detail"].iloc[0] == f"post_id {derived!r} first seen in {a} row 1"


def test_labels_flags_and_other_times(tmp_path):
    header = ["mid", "text", "time", "sentiment", "是否满意", "回复时间", "赞"]
    rows = [["1", "好", "2016-01-02 10:00", "正面", "满意", "2016-01-02 10:30", "3"],
            ["2", "差", "2016-01-02 10:00", "negative", "否", "", ""],
            ["3", "嗯", "2016-01-02 10:00", "开心", "", "", ""],
            ["4", "嗯", "2016-01-02 10:00", "", "也许", "", ""],
            ["5", "嗯", "2016-01-02 10:00", "", "", "下午", ""]]
    result = ingest([write_csv(tmp_path / "l.csv", header=header, rows=rows)])
    p = result.posts
    assert p["sentiment"].tolist()[:2] == ["positive", "negative"] and pd.isna(p["sentiment"].iloc[2])
    # '也许' is no answer ingest reads: the post is kept, its satisfaction unknown and counted (audit 7)
    assert p["satisfied"].tolist()[:2] == [True, False] and pd.isna(p["satisfied"].iloc[2])
    assert result.summary["files"][next(iter(result.summary["files"]))]["satisfied_unreadable"] == 1
    assert p["likes"].iloc[0] == 3 and pd.isna(p["likes"].iloc[1])
    assert str(p["reply_at"].iloc[0]) == "2016-01-02 10:30:00+08:00"
    assert result.rejects["detail"].tolist() == ["sentiment '开心' is not a label", "reply_at '下午'"]


def test_rejects_are_masked(tmp_path):
    path = write_csv(tmp_path / "m.csv", rows=[["1", "", "2016-01-02", "1", "电话13812345678"]])
    assert ingest([path]).rejects["省份"].iloc[0] == "电话138****5678"
    assert ingest([path], mask=False).rejects["省份"].iloc[0] == "电话13812345678"


def test_parse_times_formats():
    values = pd.Series(["2016-01-02T12:00:00+08:00", "Tue May 31 17:46:55 +0800 2011",
                        "1451707200", "2016年1月2日 8:30", "12:30", "5分钟前", None], dtype=object)
    got = [None if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M:%S") for t in parse_times(values)]
    # 1451707200 s = 2016-01-02 04:00:00 UTC = 12:00 in Beijing
    assert got == ["2016-01-02 12:00:00", "2011-05-31 17:46:55", "2016-01-02 12:00:00",
                   "2016-01-02 08:30:00", None, None, None]


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_write_then_ingest_round_trip(tmp_path, ext):
    posts = ingest([write_csv(tmp_path / "a.csv")], mask=False).posts
    out = write_table(posts, tmp_path / f"out{ext}")
    if ext == ".csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    again = ingest([out], mask=False).posts
    assert again["post_id"].tolist() == posts["post_id"].tolist()
    assert again["text"].iloc[0] == "信号太差了，电话138****5678"  # masked on the way out
    assert (again["created_at"] == posts["created_at"]).all()
    assert again["author_followers"].tolist() == [12000, 1234, 7]


def test_write_unmasked_and_unknown_format(tmp_path):
    df = pd.DataFrame({"text": ["电话13812345678"]})
    write_table(df, tmp_path / "x.jsonl", mask=False)
    assert "13812345678" in (tmp_path / "x.jsonl").read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown output format '\.xls'"):
        write_table(df, tmp_path / "x.xls")


# --------------------------------------------------------------------------- real data


def test_real_stc3_export_in_gb18030_without_times(mirror, tmp_path):
    """The STC-3 customers' first posts as an operator would export them: GB18030 CSV,
    微博ID + 内容 only. Every time comes from the mid; the old-format ids are rejected."""
    with open(mirror / "stc3_weibo_helpdesk" / "dialogues.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    frame = pd.DataFrame({"微博ID": [r["id"] for r in records],
                          "内容": [r["turns"][0]["text"] for r in records]})
    path = tmp_path / "stc3_export.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    result = ingest([path])
    s = result.summary
    assert s["read"] == len(records) == s["kept"] + s["rejected"]
    assert set(s["reasons"]) <= {"no time", "duplicate id", "empty text"}
    # three old-format ids (e.g. 6219857921, which would decode to 1986) are no Weibo mid
    assert s["reasons"].get("no time") == 3
    years = result.posts["created_at"].dt.year
    assert years.min() >= 2011 and years.max() <= 2016 and years.between(2012, 2016).mean() > 0.99
    assert result.posts["time_from_mid"].all()
    assert result.posts["text"].str.contains(r"(?<!\d)1[3-9]\d{9}(?!\d)").sum() == 0
    assert result.posts["has_phone"].sum() > 10


# --------------------------------------------------------------------------- real Weibo exports

WEIBO_EXPORT = ("用户昵称,微博正文,发布时间,来源,IP属地,转发数\n"
                "小王,信号太差,5月4日 21:17,iPhone客户端,IP属地：广东,1\n"
                "小李,宽带断了,昨天 10:22,HUAWEI Mate 60,北京,2\n"
                "小张,话费不对,5分钟前,微博 weibo.com,美国,3\n"
                "小赵,好的,今天 08:30,,,\n"
                "小钱,投诉,刚刚,,,\n"
                "小孙,去年的,12月31日 08:00,,,\n")


def test_weibo_relative_times_read_against_the_export_time(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT, encoding="utf-8")
    result = ingest([path], export_time="2024-05-04 21:30")
    got = result.posts["created_at"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert got == ["2024-05-04 21:17", "2024-05-03 10:22", "2024-05-04 21:25", "2024-05-04 08:30",
                   "2024-05-04 21:30", "2023-12-31 08:00"]  # 12月31日 is last year's
    info = result.summary["files"][str(path)]
    assert info["relative_times"] == 6 and info["relative_to"]["from"] == "--export-time"
    # without --export-time: the file's modification time, and the summary says so
    stamp = pd.Timestamp("2024-05-04 21:30", tz="Asia/Shanghai").timestamp()
    os.utime(path, (stamp, stamp))
    result = ingest([path])
    assert result.posts["created_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == got
    assert result.summary["files"][str(path)]["relative_to"] == {
        "time": "2024-05-04T21:30:00+08:00", "from": "the file's modification time"}


def test_weibo_export_columns_are_kept_not_dropped(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT, encoding="utf-8")
    p = ingest([path], export_time="2024-05-04 21:30").posts
    assert p["author_name"].tolist()[:3] == ["小王", "小李", "小张"]
    assert p["author_id"].tolist()[:3] == ["小王", "小李", "小张"]  # no user id: the nickname stands in
    assert p["ip_location"].tolist()[:3] == ["IP属地：广东", "北京", "美国"]
    assert p["province"].tolist()[:2] == ["广东", "北京"] and pd.isna(p["province"].iloc[2])  # abroad: none
    assert p["client"].tolist()[:3] == ["iPhone客户端", "HUAWEI Mate 60", "微博 weibo.com"]
    assert "platform" not in p  # 来源 is the app, not the platform
    assert resolve_columns(["来源", "平台"], None, "x") == {"client": "来源", "platform": "平台"}


def test_cli_ingest_says_what_relative_times_were_read_against(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT, encoding="utf-8")
    r = run_cli("ingest", str(path), "--out", str(tmp_path / "p.parquet"), "--export-time", "2024-05-04 21:30")
    assert r.returncode == 0, r.stderr
    assert "6 relative time(s) (5分钟前, 昨天 10:22, ...) read against --export-time 2024-05-04 21:30" in r.stdout


def test_commands_reading_an_export_say_what_its_relative_times_were_read_against(tmp_path):
    # kpi/report/hot/triage/predict read an export as ingest does; without --export-time the file's modification
    # time stands in for the moment of the export, and a user must be told (stderr and the report's notes)
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT, encoding="utf-8")
    stamp = pd.Timestamp("2024-05-04 21:30", tz="Asia/Shanghai").timestamp()
    os.utime(path, (stamp, stamp))
    out = tmp_path / "r.html"
    r = run_cli("report", "--posts", str(path), "--out", str(out), "--end", "2024-05-04")
    assert r.returncode == 0, r.stderr
    assert (f"{path}: 6 relative time(s) (5分钟前, 昨天 10:22, ...) read against the file's modification time "
            f"2024-05-04 21:30; if the export was made at another time, run 'wbcs ingest {path} --out OUT.parquet "
            f"--export-time \"YYYY-MM-DD HH:MM\"'") in r.stderr
    assert ("6 relative time(s) (5分钟前, 昨天 10:22) read against the file&#x27;s modification time, 2024-05-04 21:30"
            in out.read_text(encoding="utf-8"))  # the report's notes (HTML-escaped)
    # the notes count the labels filled among every post read (the headline: the period's posts); "(9 posts)" read
    # as the report's, beside a headline of 6
    filled = re.search(r"negative_subtype \((\d+) of the (\d+) posts read\)", out.read_text(encoding="utf-8"))
    assert filled and int(filled[1]) < int(filled[2]), filled


def test_a_wbcs_output_read_again_keeps_the_rows_of_the_first_export(tmp_path):
    # triage/kpi/report read ingest's output through ingest: its rows must still trace to the user's export
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT, encoding="utf-8")
    first = ingest([path], export_time="2024-05-04 21:30").posts
    out = tmp_path / "posts.csv"
    first.to_csv(out, index=False)
    again = ingest([out]).posts
    assert again["source_file"].tolist() == [str(path)] * len(first)
    assert again["source_row"].tolist() == first["source_row"].tolist() == list(range(1, len(first) + 1))


def test_a_jsonl_written_in_chunks_has_one_line_per_row(tmp_path):
    from wbcs.io import TableWriter

    path = tmp_path / "out.jsonl"
    with TableWriter(path) as w:
        w.write(pd.DataFrame({"text": ["一", "二"]}))
        w.write(pd.DataFrame({"text": ["三"]}))
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines == ['{"text":"一"}', '{"text":"二"}', '{"text":"三"}', ""]  # no blank line between chunks


def test_a_value_repeated_across_chunks_is_masked_once_per_writer(tmp_path):
    from wbcs.io import TableWriter

    path = tmp_path / "out.csv"
    chunk = pd.DataFrame({"note": ["call 13812345678", "call 13812345678", "ok"]})
    with TableWriter(path) as w:
        for _ in range(3):
            w.write(chunk)
        seen = w._masker.cache_info()
    assert pd.read_csv(path)["note"].tolist() == ["call 138****5678", "call 138****5678", "ok"] * 3
    assert (seen.misses, seen.hits) == (2, 4)  # two distinct values, masked in the first chunk only


def test_a_relative_time_after_the_export_is_rejected_not_read(tmp_path):
    # 今天 23:00 in a file exported at 21:30 cannot be: the export time given (or the file's modification time
    # standing in for it) is wrong; reading it would put a post in the future of every SLA clock
    path = tmp_path / "export.csv"
    path.write_text(WEIBO_EXPORT + "小周,晚上的,今天 23:00,,,\n", encoding="utf-8")
    result = ingest([path], export_time="2024-05-04 21:30")
    assert len(result.posts) == 6
    rejects = result.rejects
    assert rejects["reason"].tolist() == ["time after the export"]
    assert "created_at '今天 23:00' would be after the export time 2024-05-04 21:30 (--export-time)" \
        in rejects["detail"].iloc[0]
    r = run_cli("ingest", str(path), "--out", str(tmp_path / "p.parquet"), "--export-time", "2024-05-04 23:30")
    assert r.returncode == 0 and "time after the export" not in r.stdout + r.stderr  # a later export: all 7 kept
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == 7
