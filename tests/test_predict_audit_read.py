"""The reader after the audit of 2026-12-07: ids kept as a Parquet file's pandas index stay with their rows, and a
CSV cell whose quote is never closed is one line naming its line, not every later row read into it in silence."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.errors import InputError
from wbcs.io import open_table, read_table


def test_a_named_index_is_read_as_columns(tmp_path):
    """df.set_index('id').to_parquet(...): the reader put its row numbers over the index pyarrow restored."""
    df = pd.DataFrame({"id": ["u7", "u9", "u3"], "text": ["宽带断了", "好评", "信号差"]})
    df.set_index("id").to_parquet(tmp_path / "idx.parquet")
    got = read_table(tmp_path / "idx.parquet")
    assert got["id"].tolist() == ["u7", "u9", "u3"] and got.index.tolist() == [1, 2, 3]
    # a two-level named index: both, first as pandas showed them; an unnamed one (an earlier table's row numbers)
    # is no column; the header the reader announces is the chunks' own
    df.assign(n=[1, 2, 3]).set_index(["id", "n"]).to_parquet(tmp_path / "two.parquet")
    df.iloc[[2, 0]].to_parquet(tmp_path / "rows.parquet")
    df.set_index(pd.Index([5, 8, 9])).to_parquet(tmp_path / "numbers.parquet")
    for name, columns in [("two", ["id", "n", "text"]), ("rows", ["id", "text"]), ("numbers", ["id", "text"])]:
        assert list(read_table(tmp_path / f"{name}.parquet").columns) == columns, name
        assert open_table(tmp_path / f"{name}.parquet").columns == columns, name
    empty = tmp_path / "empty.parquet"
    df.iloc[:0].set_index("id").to_parquet(empty)
    assert list(read_table(empty).columns) == ["id", "text"]


def test_a_quote_never_closed_is_one_line_naming_its_line(tmp_path):
    """It swallowed every later row into one cell: '2 rows labelled', exit 0."""
    bad = tmp_path / "bad.csv"
    bad.write_text('id,text\n1,联通信号差\n2,"未闭合的引号\n3,正常,多余,字段\n4,好评\n', encoding="utf-8")
    with pytest.raises(InputError, match=r'bad.csv: line 3: a cell opens with a quote \(\"\) that is never closed, '
                                         r"so the 2 line\(s\) after it would be read as its text"):
        read_table(bad)
    # ingest reads through the same reader
    r = run_cli("ingest", str(bad), "--out", str(tmp_path / "posts.parquet"))
    assert r.returncode == 2 and "line 3: a cell opens with a quote" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "posts.parquet").exists()
    # a quoted cell over two lines, a quote inside a cell, a last line without a newline: read as before
    (tmp_path / "ok.csv").write_text('id,text\n1,"宽带\n断了"\n2,他说"好\n3,"好评"', encoding="utf-8")
    assert read_table(tmp_path / "ok.csv")["text"].tolist() == ["宽带\n断了", '他说"好', "好评"]
    (tmp_path / "last.csv").write_text('id,text\n1,好评\n2,"末行', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: a cell opens with a quote \(\"\) that is never closed; close"):
        read_table(tmp_path / "last.csv")
