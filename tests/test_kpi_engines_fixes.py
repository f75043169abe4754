"""The DuckDB and Dask engines give the pandas engine's numbers (``read_posts`` + ``wbcs.kpi.indicators``) and its
refusals, on the archives an audit found them apart: an empty post_id beside a repeated one, files that do not
share a schema or a time zone, bad counts, an empty file, too many groups."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_duck import same, same_table
from tests.test_kpi_indicators import crafted
from wbcs.errors import InputError
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators, partitioned

ENGINES = (duck.indicators, partitioned.indicators)


def test_a_repeated_id_is_seen_when_another_row_has_no_post_id(tmp_path, capsys):
    """count(post_id) against count(DISTINCT hash(post_id)): hash(NULL) counted as one more distinct id and made
    up for the repeat (p1 given twice, p5's id empty): 9 posts counted where read_posts keeps 8, silently."""
    df = crafted()
    df.loc[4, "post_id"] = None
    pd.concat([df, df.iloc[[0]]], ignore_index=True).to_parquet(tmp_path / "p.parquet")
    posts, _ = read_posts(tmp_path / "p.parquet")
    assert "1 row(s) rejected (duplicate id: 1)" in capsys.readouterr().err
    want = indicators(posts)
    assert want["volume"] == 8
    for engine in ENGINES:
        duck._REPEATS_SEEN.clear()
        same(want, engine(tmp_path / "p.parquet"))
        assert "row 9, column 'post_id': 'p1' is also the post_id of row 1; 1 row(s) rejected" \
            in capsys.readouterr().err


def test_files_that_do_not_share_a_schema_give_duckdbs_and_pandas_numbers_with_dask(tmp_path):
    """A column a file lacks is null in its rows, as DuckDB reads the whole archive: Dask left the file without
    resolved_at out of the resolve clock (its late posts were no posts: 12,340 due where DuckDB and pandas count
    23,706), and refused --by topic when one file had no topic."""
    df = crafted()
    (tmp_path / "arch").mkdir()
    df.iloc[4:].to_parquet(tmp_path / "arch" / "a.parquet")
    df.iloc[:4].drop(columns=["resolved_at", "satisfied", "topic"]).to_parquet(tmp_path / "arch" / "b.parquet")
    b = df.index < 4
    whole = pd.concat([df[~b], df[b].assign(resolved_at=pd.NaT, satisfied=pd.NA, topic=None)], ignore_index=True)
    want = indicators(whole, as_of="2025-03-20")
    assert want["sla_resolve_due"] > indicators(df[~b], as_of="2025-03-20")["sla_resolve_due"]  # p1, p2 are late
    for engine in ENGINES:
        same(want, engine(tmp_path / "arch", as_of="2025-03-20"))
        same_table(indicators(whole, by="topic", period="day"), engine(tmp_path / "arch", by="topic", period="day"))


def test_an_empty_file_is_no_posts_not_a_key_error(tmp_path):
    crafted().head(0).to_parquet(tmp_path / "e.parquet")
    for engine in ENGINES:
        with pytest.raises(InputError, match=r"e\.parquet: no posts; give a file \(or files\) with posts"):
            engine(tmp_path / "e.parquet")
    for engine in ("duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(tmp_path / "e.parquet"), "--engine", engine)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "no posts" in r.stderr


def test_dask_refuses_an_archive_without_created_at_in_one_line(tmp_path):
    """Dask read each file's latest time before it checked the request: a KeyError from _Archive.span."""
    crafted().drop(columns=["created_at"]).to_parquet(tmp_path / "n.parquet")
    r = run_cli("kpi", "--posts", str(tmp_path / "n.parquet"), "--engine", "dask")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "n.parquet: no column 'created_at'" in r.stderr


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_naive_times_beside_tz_aware_files_are_beijing_time_whatever_the_machines_zone(tmp_path, zone):
    """union_by_name read the naive file's times as TIMESTAMPTZ in DuckDB's session zone (the machine's): on a
    UTC server every naive time was 8 h late, posts moved to the next day and the response clocks moved."""
    import duckdb

    df = crafted()
    (tmp_path / "arch").mkdir()
    df.iloc[:4].to_parquet(tmp_path / "arch" / "a.parquet")
    naive = df.iloc[4:].copy()
    for c in ("created_at", "reply_at", "resolved_at"):
        naive[c] = naive[c].dt.tz_localize(None)
    naive.to_parquet(tmp_path / "arch" / "b.parquet")
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    got = duck.indicators(tmp_path / "arch", period="day", con=con)
    same_table(indicators(df, period="day"), got)
    same(indicators(df), duck.indicators(tmp_path / "arch", con=con))


def test_every_engine_refuses_a_table_of_too_many_groups_before_building_it(tmp_path, monkeypatch):
    """MAX_GRID_ROWS held only for a table per period: --by post_id on 501,024 posts took 4.4 GB and 164 s."""
    import sys

    monkeypatch.setattr(sys.modules["wbcs.kpi.indicators"], "MAX_GRID_ROWS", 7)
    df = crafted()
    df.to_parquet(tmp_path / "p.parquet")
    built = []
    quantiles = duck._Archive.quantiles
    monkeypatch.setattr(duck._Archive, "quantiles", lambda self, keys: built.append(keys) or quantiles(self, keys))
    for engine in (indicators, *ENGINES):
        source = df if engine is indicators else tmp_path / "p.parquet"
        with pytest.raises(InputError, match=r"^a table by post_id would have 8 rows \(one per group\), more than 7: "
                                             r"break the posts down by fewer or coarser columns \(--by"):
            engine(source, by="post_id")
        with pytest.raises(InputError, match=r"^a table by operator per day would have 8 rows \(2 groups × 4 days\)"):
            engine(source, by="operator", period="day")
        assert len(engine(source, by="operator")) == 2
    assert len(built) == 1  # DuckDB refused before its queries: only the allowed table got to its quantiles
    assert indicators(df.head(0), by="operator", period="week").empty  # no posts: nothing to refuse (no NaT range)
    r = run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", "duckdb", "--by", "post_id", "--json")
    assert r.returncode == 0  # 8 rows are allowed by default


def test_rows_with_a_count_read_posts_rejects_are_left_out_and_said(tmp_path, capsys):
    """An infinite author_followers, a negative repost count, 2.5 likes: read_posts rejects the rows; DuckDB and
    Dask counted them (the reach was Infinity, invalid JSON from --json). A rejected row claims no id: the later
    row with its post_id is kept, as read_posts keeps it."""
    df = crafted()
    df[["author_followers", "likes"]] = df[["author_followers", "likes"]].astype(float)
    df.loc[1, "author_followers"] = float("inf")
    df.loc[2, "likes"] = 2.5
    df.loc[4, "reposts"] = -1
    df = pd.concat([df, crafted().iloc[[1]]], ignore_index=True)  # p2 again, with good counts
    df.to_parquet(tmp_path / "p.parquet")
    posts, _ = read_posts(tmp_path / "p.parquet")
    assert "3 row(s) rejected (bad value: 3)" in capsys.readouterr().err
    want = indicators(posts)
    assert want["volume"] == 6 and want["followers"] == 100 + 50 + 20 + 40 + 0 + 1000
    for engine in ENGINES:
        same(want, engine(tmp_path / "p.parquet"))
        assert "p.parquet: row 2, column 'author_followers': inf is not a count (0 to a billion); 3 row(s) rejected " \
               "(bad value: 3)" in capsys.readouterr().err
        same_table(indicators(posts, by="topic"), engine(tmp_path / "p.parquet", by="topic", quiet=True))
    r = run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", "duckdb", "--json")
    assert r.returncode == 0 and "Infinity" not in r.stdout and '"followers": 1210' in r.stdout


def test_a_count_column_of_text_is_refused_in_one_line_naming_the_row(tmp_path):
    """A text reposts column ('many') was a DuckDB ConversionException traceback."""
    df = crafted()
    df["reposts"] = ["3", "0", "1", "many", "0", "0", "0", "5"]
    df.to_parquet(tmp_path / "p.parquet")
    for engine in ("duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(tmp_path / "p.parquet"), "--engine", engine)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert "p.parquet: row 4, column 'reposts': 'many': the column holds VARCHAR values, not counts; write the " \
               "file with wbcs ingest" in r.stderr



def test_a_table_by_a_label_column_is_given_by_every_engine(tmp_path):
    """The label columns of the inner table were dropped with it, also when the table was by one of them:
    --by intent (or sentiment, complaint) was a KeyError from every engine."""
    df = crafted()
    df.to_parquet(tmp_path / "p.parquet")
    by_intent = indicators(df, by="intent")
    assert list(by_intent["intent"]) == ["complaint", "consultation", "other", "praise"]
    assert list(by_intent["volume"]) == [3, 2, 1, 2] and list(by_intent["n_replied"]) == [3, 1, 0, 1]
    for engine in ENGINES:
        same_table(by_intent, engine(tmp_path / "p.parquet", by="intent"))
        same_table(indicators(df, by=["sentiment", "operator"], period="week"),
                   engine(tmp_path / "p.parquet", by=["sentiment", "operator"], period="week"))


def test_labels_are_read_in_the_spellings_read_posts_reads_and_a_table_by_a_label_column(tmp_path, capsys):
    """read_posts reads COMPLAINT, ' Negative' as complaint, negative: DuckDB and Dask refused them as unknown
    labels. And a table by a label column (--by intent) was a KeyError from every engine."""
    df = crafted()
    df.loc[[0, 7], "intent"] = "COMPLAINT"
    df.loc[1, "sentiment"] = " Negative"
    df.to_parquet(tmp_path / "p.parquet")
    posts, _ = read_posts(tmp_path / "p.parquet")
    want = indicators(posts)
    same(indicators(crafted()), want)
    by_intent = indicators(posts, by="intent")
    assert list(by_intent["intent"]) == ["complaint", "consultation", "other", "praise"]
    assert list(by_intent["volume"]) == [3, 2, 1, 2]
    for engine in ENGINES:
        same(want, engine(tmp_path / "p.parquet"))
        same_table(by_intent, engine(tmp_path / "p.parquet", by="intent"))
        same_table(indicators(posts, by=["sentiment", "operator"], period="week"),
                   engine(tmp_path / "p.parquet", by=["sentiment", "operator"], period="week"))
    df.loc[2, "intent"] = "angry"  # not a spelling of a label: rejected by read_posts, left out and said
    df.to_parquet(tmp_path / "p.parquet")
    posts, info = read_posts(tmp_path / "p.parquet", quiet=True)
    assert info["reject_reasons"] == {"bad value": 1}
    capsys.readouterr()
    for engine in ENGINES:
        same(indicators(posts), engine(tmp_path / "p.parquet"))
        assert "p.parquet: row 3, column 'intent': 'angry' is not a label; 1 row(s) rejected (bad value: 1)" \
            in capsys.readouterr().err
