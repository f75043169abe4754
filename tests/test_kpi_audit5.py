"""The DuckDB and Dask engines give the pandas engine's numbers where a fifth audit found them apart: a --by column
named like an engine's own column (a CRM's yes/no 'replied'), a --by on a column of the table itself, a raw
'complaint' column, a null partition value, a --by time column, and times of Beijing's summer time (1986-91)."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_duck import same, same_table
from tests.test_kpi_indicators import crafted
from wbcs.errors import InputError
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators, partitioned
from wbcs.kpi.partitioned import write_archive

ENGINES = (duck.indicators, partitioned.indicators)


def table(r: subprocess.CompletedProcess) -> list[dict]:
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["table"]


def refused(r) -> str:
    """The one line of a refusal (exit 2, no traceback)."""
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_a_by_column_named_replied_or_resolved_is_the_users_column_not_the_engines_flag(tmp_path):
    """A CRM's yes/no 'replied' grouped by: DuckDB dropped its own replied flag for the user's strings, and 'no' is
    a true string: the 'no' group, where nobody was replied, showed every post replied. The pandas engine wrote its
    flag over the user's column. Hand-computed: p1-p4 are 'no' (p1, p2, p4 replied; p1-p3 negative, p1, p2 of them
    replied, p1 resolved), p5-p8 'yes' (p5, p8 replied; p8 negative and replied, not resolved)."""
    df = crafted().assign(replied=["no"] * 4 + ["yes"] * 4, resolved=["no"] * 4 + ["yes"] * 4)
    df.to_parquet(tmp_path / "crm.parquet")
    for col in ("replied", "resolved"):
        want = indicators(df, by=col)
        assert want[col].tolist() == ["no", "yes"]
        assert want["n_replied"].tolist() == [3, 2]
        assert want["negative_handling_rate"].tolist() == pytest.approx([2 / 3, 1.0])
        assert want["negative_resolution_rate"].tolist() == pytest.approx([1 / 3, 0.0])
        for engine in ENGINES:
            same_table(want, engine(tmp_path / "crm.parquet", by=col))
    for engine in ("duckdb", "dask"):
        rows = table(run_cli("kpi", "--posts", str(tmp_path / "crm.parquet"), "--engine", engine, "--by", "replied",
                             "--json"))
        assert [(r["replied"], r["volume"], r["n_replied"]) for r in rows] == [("no", 4, 3), ("yes", 4, 2)]


def test_a_by_column_named_like_an_engines_inner_column_is_a_key(tmp_path):
    """'n' (the inner table's post count in the old code) and '_c' (its SQL name of the local created time) are the
    user's columns: --by n was 'could not convert string to float'; a column '_c' was read as the posts' times."""
    df = crafted().assign(n=list("abababab"), _c=list("xxyyxxyy"))
    df.to_parquet(tmp_path / "p.parquet")
    for by in ("n", "_c"):
        want = indicators(df, by=by, period="day")
        for engine in ENGINES:
            same_table(want, engine(tmp_path / "p.parquet", by=by, period="day"))
    same(indicators(df), duck.indicators(tmp_path / "p.parquet"))
    rows = table(run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", "duckdb", "--by", "n", "--json"))
    assert [(r["n"], r["volume"]) for r in rows] == [("a", 4), ("b", 4)]


@pytest.mark.parametrize("col", ["reposts", "volume", "period", "share", "sla_acknowledge_due",
                                 "median_response_minutes", "wbcs_n"])
def test_a_by_on_a_column_the_table_computes_is_refused_in_one_line_by_every_engine(tmp_path, col):
    """The table cannot hold a key beside its own column of one name: --by reposts was 'Grouper not 1-dimensional'
    (pandas) or 'cannot insert' (DuckDB), --by share printed the share as the group, --by period read the values as
    dates; exit 1 with a traceback, or wrong groups."""
    df = crafted()
    if col not in df:
        df[col] = "s"
    df.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(InputError, match=f"cannot break the table down by '{col}': the table has "):
        indicators(df, by=col)
    for engine in ENGINES:
        with pytest.raises(InputError, match=f"cannot break the table down by '{col}'"):
            engine(tmp_path / "p.parquet", by=col)
    for engine in ("pandas", "duckdb", "dask"):
        line = refused(run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", engine, "--by", col))
        assert f"cannot break the table down by '{col}'" in line


def test_a_raw_complaint_column_is_read_as_ingest_reads_it(tmp_path):
    """'是', 'YES', True are complaint 'yes' to read_posts (ingest's yes/no reading); DuckDB compared the raw text
    with 'yes': the complaint 是 was a vague negative post and the True ones no complaint at all. A value that is no
    yes/no is rejected per row, as ingest rejects it, and said."""
    base = crafted().head(6).assign(sentiment="negative", intent="other", negative_subtype=pd.NA)
    for values in (["是", "yes", "否", "no", None, "YES"], [True, True, False, False, None, True]):
        df = base.assign(complaint=pd.array(values, dtype="boolean" if values[0] is True else "object"))
        df.to_parquet(tmp_path / "c.parquet")
        posts, _ = read_posts(tmp_path / "c.parquet")
        want = indicators(posts, by=["post_kind", "complaint"])
        assert want[["post_kind", "complaint", "volume"]].fillna("-").values.tolist() == [
            ["complaint", "yes", 3], ["vague_negative", "no", 2], ["vague_negative", "-", 1]]
        for engine in ENGINES:
            same_table(want, engine(tmp_path / "c.parquet", by=["post_kind", "complaint"]))
    base.assign(complaint=["是", "maybe", "否", "no", None, "YES"]).to_parquet(tmp_path / "bad.parquet")
    for engine in ("duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(tmp_path / "bad.parquet"), "--engine", engine, "--by", "complaint", "--json")
        assert "row 2, column 'complaint': 'maybe' is not yes/no; 1 row(s) rejected (bad value: 1)" in r.stderr
        assert [(r["complaint"], r["volume"]) for r in table(r)] == [("no", 2), ("yes", 2), (None, 1)]


def test_a_null_partition_value_is_null_again_to_both_engines(tmp_path):
    """write_archive wrote a null partition value as the folder 'unknown': both engines then rejected the posts
    without a topic ("topic 'unknown' is not a label": 7 posts of 8) and a post without a province was from the
    province 'unknown'. Hive's null folder reads as null."""
    df = crafted().assign(province=["北京", None, "广东", "北京", None, "广东", "北京", "广东"])
    assert df["topic"].isna().sum() == 1  # p7
    by_topic = write_archive(df, tmp_path / "t", ("topic",))
    by_province = write_archive(df, tmp_path / "p", ("month", "province"))
    for engine in ENGINES:
        same(indicators(df), engine(by_topic))
        got = engine(by_province, by="province")
        assert got["province"].tolist()[:2] == ["北京", "广东"] and got["province"].isna().tolist() == [False, False, True]
        same_table(indicators(df, by="province"), got)
    assert (by_topic / "topic=__HIVE_DEFAULT_PARTITION__" / "part-0.parquet").is_file()  # hive's null, as DuckDB's
    for engine in ("duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(by_topic), "--engine", engine, "--json")
        assert r.returncode == 0 and "rejected" not in r.stderr, r.stderr
        assert json.loads(r.stdout)["volume"] == 8


def test_a_table_by_a_time_column_gives_beijing_time_in_every_engine(tmp_path):
    """--by created_at was Beijing time from pandas and UTC (naive) from DuckDB and Dask; a naive time in a file is
    Beijing time to every engine, as to read_posts."""
    df = crafted()
    df.to_parquet(tmp_path / "aware.parquet")
    df.assign(**{c: df[c].dt.tz_localize(None) for c in ("created_at", "reply_at")}).to_parquet(
        tmp_path / "naive.parquet")
    posts, _ = read_posts(tmp_path / "aware.parquet")
    want = indicators(posts, by=["created_at", "reply_at"])
    assert want["created_at"].iloc[0] == pd.Timestamp("2025-03-03 09:00", tz="Asia/Shanghai")
    for name in ("aware", "naive"):
        for engine in ENGINES:
            same_table(want, engine(tmp_path / f"{name}.parquet", by=["created_at", "reply_at"]))
    for engine in ("pandas", "duckdb", "dask"):
        rows = table(run_cli("kpi", "--posts", str(tmp_path / "aware.parquet"), "--engine", engine,
                             "--by", "created_at", "--json"))
        assert rows[0]["created_at"] == "2025-03-03T09:00:00+08:00"


def test_times_of_beijing_summer_time_are_read_with_the_zone(tmp_path):
    """Asia/Shanghai kept summer time (+9 h) until 1991: DuckDB's fixed +8 h put 1990-06-01T15:30Z on 1 June
    23:30, the pandas engine on 2 June 00:30, and the engines gave other days and other SLA clocks."""
    df = crafted().head(2)
    df["created_at"] = pd.to_datetime(["1990-06-01T15:30Z", "1990-06-03T10:00Z"]).tz_convert("Asia/Shanghai")
    df["reply_at"] = pd.to_datetime(["1990-06-01T15:50Z", None]).tz_convert("Asia/Shanghai")
    df["resolved_at"] = pd.NaT
    df.to_parquet(tmp_path / "dst.parquet")
    want = indicators(df, period="day", by="created_at")
    assert want.loc[want["volume"] > 0, "period"].tolist() == [pd.Timestamp("1990-06-02"), pd.Timestamp("1990-06-03")]
    for engine in ENGINES:
        same_table(want, engine(tmp_path / "dst.parquet", period="day", by="created_at"))
        same(indicators(df, as_of="1990-06-04"), engine(tmp_path / "dst.parquet", as_of="1990-06-04"))
    for engine in ("duckdb", "dask"):
        rows = table(run_cli("kpi", "--posts", str(tmp_path / "dst.parquet"), "--engine", engine, "--period", "day",
                             "--json"))
        assert [r["period"] for r in rows] == ["1990-06-02T00:00:00", "1990-06-03T00:00:00"]
