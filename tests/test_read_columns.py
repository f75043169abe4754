"""A command that keeps only some of a file's columns (``read_posts(keep=False)``: kpi, hot, report, simulate)
decodes only those: a Parquet file's other columns are never read from the file, a CSV's other cells are let go
as each row is split.

Before: every column was decoded, then dropped (``Table.chunks``), so a wide export's 40 columns of long text cost
their time and memory for nothing, and a damaged column no command reads made the whole file unreadable."""

from __future__ import annotations

import tracemalloc

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wbcs.errors import InputError
from wbcs.io import read_posts
from wbcs.io.read import open_table

ROWS = 6
KEPT = ["source_file", "source_row", "post_id", "created_at", "text", "operator", "time_from_mid", "has_phone",
        "sentiment_proba"]


def _wide(path, *, index: bool = False):
    """A wide Parquet export: Chinese headers (the text's with spaces around it), a label's companion column
    (kept whatever ``keep`` says), 40 columns of long text no command reads and ``poison``, whose bytes in the file
    are damaged when ``damage`` is called."""
    frame = pd.DataFrame({
        "微博ID": [f"p{i}" for i in range(ROWS)],
        "发布时间": [f"2024-05-06 1{i}:00" for i in range(ROWS)],
        " 内容 ": ["宽带又断了 13812345678", "谢谢@中国移动", "", "流量怎么算", "信号差", "  "],
        "sentiment_proba": [0.9, 0.2, None, 0.5, 0.7, 0.1],
        **{f"备注{k}": [f"{k}-{i} " + "长文本" * 200 for i in range(ROWS)] for k in range(40)},
        "poison": ["cannot be read once damaged"] * ROWS,
    })
    table = pa.Table.from_pandas(frame.set_index("微博ID") if index else frame, preserve_index=index or None)
    pq.write_table(table, path, compression="none")
    return path


def _damage(path, column: str) -> None:
    """Overwrite ``column``'s bytes in the file: reading it fails (pyarrow: cannot deserialize the page header)."""
    meta = pq.ParquetFile(path).metadata.row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == column)
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    with open(path, "r+b") as f:
        f.seek(start)
        f.write(b"\xff" * chunk.total_compressed_size)


def test_a_damaged_column_no_command_reads_is_never_decoded(tmp_path):
    whole = read_posts(_wide(tmp_path / "whole.parquet"), keep=True, quiet=True)[0]  # every column read
    path = _wide(tmp_path / "posts.parquet")
    _damage(path, "poison")
    with pytest.raises(InputError, match="damaged Parquet file"):  # read, the column fails
        read_posts(path, keep=True, quiet=True)
    posts, info = read_posts(path, keep=False, quiet=True)
    assert list(posts.columns) == KEPT
    assert info["unread_columns"] == [*(f"备注{k}" for k in range(40)), "poison"]
    assert (info["read"], info["kept"], info["rejected"]) == (ROWS, 4, 2)  # no text: rejected, not dropped
    assert posts["text"].tolist() == ["宽带又断了 138****5678", "谢谢@中国移动", "流量怎么算", "信号差"]
    assert posts["operator"].fillna("").tolist() == ["", "china_mobile", "", ""]
    assert posts["sentiment_proba"].tolist() == [0.9, 0.2, 0.5, 0.7]
    pd.testing.assert_frame_equal(posts.drop(columns="source_file"),
                                  whole[KEPT].drop(columns="source_file"))


def test_ids_saved_as_the_index_are_read_with_the_columns_kept(tmp_path):
    path = _wide(tmp_path / "posts.parquet", index=True)
    _damage(path, "poison")
    posts, _ = read_posts(path, keep=False, quiet=True)
    assert posts["post_id"].tolist() == ["p0", "p1", "p3", "p4"]
    assert posts["source_row"].tolist() == [1, 2, 4, 5]


def test_a_table_decodes_only_the_parquet_columns_asked_for(tmp_path):
    path = _wide(tmp_path / "posts.parquet")
    _damage(path, "poison")
    table = open_table(path, chunk_rows=4)
    assert table.columns[:4] == ["微博ID", "发布时间", "内容", "sentiment_proba"]  # the header as read
    frames = [frame for frame, _ in table.chunks(["内容", "微博ID"])]
    assert [list(f.columns) for f in frames] == [["内容", "微博ID"]] * 2
    assert [f.index.tolist() for f in frames] == [[1, 2, 3, 4], [5, 6]]
    assert frames[1]["内容"].tolist() == ["信号差", None]  # blank is missing, as before


def test_two_stored_columns_of_one_name_are_still_told_apart(tmp_path):
    """Read by name, pyarrow would give both columns of a name: the file is then read whole, as before."""
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.table([["a", "b"], ["2024-05-06 10:00", "2024-05-06 11:00"], ["宽带断了", "信号差"],
                             ["x", "y"], ["u", "v"]], names=["post_id", "created_at", "text", "note", "note"]), path)
    table = open_table(path)
    assert table.columns[3:] == ["note", "note.1"]
    frame, _ = next(table.chunks(["text", "note.1"]))
    assert frame.to_dict("list") == {"text": ["宽带断了", "信号差"], "note.1": ["u", "v"]}


def _wide_csv(path, rows: int = 400, extra: int = 40, width: int = 1000):
    """A CSV of ``rows`` posts with ``extra`` columns of ``width`` characters each (16 MB)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("微博ID,发布时间,内容," + ",".join(f"备注{k}" for k in range(extra)) + "\n")
        for i in range(rows):
            f.write(f"p{i},2024-05-06 10:00,宽带断了{i}," + ",".join(f"{k}" * width for k in range(extra)) + "\n")
    return path


def test_a_csv_holds_only_the_cells_kept(tmp_path):
    """The cells of the columns no command reads go with their row: a chunk holds only those kept."""
    table = open_table(_wide_csv(tmp_path / "wide.csv"))
    tracemalloc.start()
    try:
        frames = [frame for frame, _ in table.chunks(["内容", "微博ID"])]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak / 2**20:.1f} MB"  # read all, then dropped: above 16 MB
    assert [list(f.columns) for f in frames] == [["内容", "微博ID"]]
    assert frames[0]["内容"].tolist() == [f"宽带断了{i}" for i in range(400)]


def test_a_csv_read_in_part_gives_what_it_gave_whole(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("微博ID,发布时间, 内容 ,备注,sentiment_proba\n"
                    "p1,2024-05-06 10:00,'=1+1,x,0.5\n"
                    "p2,2024-05-06 11:00,短行\n"  # fewer cells than the header: the others empty
                    "p3,2024-05-06 12:00,太多,x,0.1,extra\n"  # more: rejected with every cell
                    "p4,2024-05-06 13:00,,x,0.2\n", encoding="utf-8")  # no text: rejected
    whole = read_posts(path, keep=True, quiet=True)[0]
    posts, info = read_posts(path, keep=False, quiet=True)
    assert info["unread_columns"] == ["备注"] and (info["read"], info["rejected"]) == (4, 2)
    assert posts["text"].tolist() == ["=1+1", "短行"]
    pd.testing.assert_frame_equal(posts, whole[list(posts.columns)])
