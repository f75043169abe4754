"""The DuckDB and Dask engines keep, fill in and reject the rows ``read_posts`` (``wbcs ingest``) keeps, fills in
and rejects for the pandas engine: a post without ``created_at`` has the time its Weibo mid carries, one whose
post_id is no mid (or decodes to no time Weibo had) is left out and said; so is a post without a text or with a
time out of range, for ``wbcs kpi`` and ``wbcs hot`` alike.

Before: the pandas engine filled the time from the mid (ingest's rule) where DuckDB and Dask refused the whole
file ("row 2, column 'created_at' is empty or not a time"); DuckDB counted a post without a text the pandas
engine rejects; ``wbcs hot --engine dask`` refused the archive for a row the pandas engine leaves out and says."""

from __future__ import annotations

import json
import math

import duckdb
import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_duck import same, same_table
from tests.test_kpi_indicators import crafted
from wbcs import checks
from wbcs.io import ingest, read_posts
from wbcs.kpi import duck, indicators, partitioned
from wbcs.weibo import MID_EPOCH_OFFSET

ENGINES = (duck.indicators, partitioned.indicators)


def _mid(t: pd.Timestamp, low: int = 12345) -> str:
    """A Weibo mid whose time is ``t`` (``wbcs.weibo``: seconds since its epoch in the bits above the 22nd)."""
    return str(((int(t.timestamp()) - MID_EPOCH_OFFSET) << 22) + low)


def _posts() -> pd.DataFrame:
    """crafted()'s 8 posts with Weibo mids for ids; p2's and p7's created_at empty (their mids carry it), p6's empty
    with an id that is no mid (no time), and a ninth post, p4's copy, whose mid decodes to a month from now
    (implausible)."""
    df = crafted()
    df["post_id"] = [_mid(t) for t in df["created_at"]]
    soon = _mid(pd.Timestamp.now(tz="Asia/Shanghai") + pd.Timedelta(days=30))
    df = pd.concat([df, df.iloc[[3]].assign(post_id=soon)], ignore_index=True)
    df.loc[[1, 6, 8], "created_at"] = pd.NaT
    df.loc[5, ["post_id", "created_at"]] = ["p6", pd.NaT]
    return df


def _rejected(path) -> list[tuple[int, str]]:
    """(1-based row, reason) of the rows ``wbcs ingest`` rejects."""
    r = ingest([path]).rejects
    return list(zip(r["source_row"].astype(int), r["reason"], strict=True))


def test_an_empty_created_at_is_the_mids_time_and_a_row_without_one_is_left_out_in_every_engine(tmp_path, capsys):
    df = _posts()
    # nanoseconds (TIMESTAMPTZ_NS, as pandas writes its default times: a naive time cast to it was 8 h late)
    df.astype({"created_at": "datetime64[ns, Asia/Shanghai]"}).to_parquet(tmp_path / "p.parquet")
    # the archive as two files, of microseconds and of naive Beijing times: the mid's time is filled in each type
    (tmp_path / "arch").mkdir()
    df.iloc[:5].to_parquet(tmp_path / "arch" / "a.parquet")
    df.iloc[5:].assign(created_at=df["created_at"].iloc[5:].dt.tz_localize(None)).to_parquet(
        tmp_path / "arch" / "b.parquet")
    posts, info = read_posts(tmp_path / "p.parquet", quiet=True)
    assert info["reject_reasons"] == {"no time": 1, "implausible mid time": 1}
    assert posts["post_id"].tolist()[1] == df["post_id"][1] and posts["time_from_mid"].sum() == 2
    want, table = indicators(posts), indicators(posts, period="day", by="topic")
    assert want["volume"] == 7 and want["sla_acknowledge_due"] == indicators(crafted().drop(index=5))[
        "sla_acknowledge_due"]  # p2's and p7's times are theirs
    expected = _rejected(tmp_path / "p.parquet")
    assert expected == [(6, "no time"), (9, "implausible mid time")]

    capsys.readouterr()
    for engine in ENGINES:
        for source in (tmp_path / "p.parquet", tmp_path / "arch"):
            duck._REPEATS_SEEN.clear()
            same(want, engine(source))
            same_table(table, engine(source, period="day", by="topic", quiet=True))
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "2 row(s) rejected (no time: 1, implausible mid time: 1), left out of every " \
                "count" in err[0], err
            assert err[0].startswith(f"{source / 'b.parquet' if source.is_dir() else source}: row "
                                     f"{1 if source.is_dir() else 6}, column 'created_at' is empty and post_id 'p6' "
                                     f"is not a Weibo mid to decode it from"), err
    # the rows rejected, and why, are ingest's; the posts given their mids' times are p2 and p7
    rejects, times = duck._Archive(duckdb.connect(), [str(tmp_path / "p.parquet")], checks.policy(None)).screen()
    assert list(zip(rejects["file_row_number"] + 1, rejects["reason"], strict=True)) == expected
    assert sorted(times["file_row_number"] + 1) == [2, 7]


def test_a_post_without_a_text_or_with_a_time_out_of_range_is_left_out_and_said(tmp_path, capsys):
    """read_posts rejects a post whose text is empty (a full-width space is none) or whose time is before 1990:
    DuckDB counted both, silently."""
    df = crafted()
    df.loc[2, "text"] = "\u3000 "
    df.loc[4, "reply_at"] = pd.Timestamp("2120-01-01", tz="Asia/Shanghai")
    df.to_parquet(tmp_path / "p.parquet")
    posts, info = read_posts(tmp_path / "p.parquet", quiet=True)
    assert info["reject_reasons"] == {"empty text": 1, "time out of range": 1}
    assert _rejected(tmp_path / "p.parquet") == [(3, "empty text"), (5, "time out of range")]
    capsys.readouterr()
    for engine in ENGINES:
        duck._REPEATS_SEEN.clear()
        same(indicators(posts), engine(tmp_path / "p.parquet"))
        assert capsys.readouterr().err.strip() == (
            f"{tmp_path / 'p.parquet'}: row 3, column 'text' is empty; 2 row(s) rejected (empty text: 1, time out "
            f"of range: 1), left out of every count; correct the rows (wbcs ingest rejects them)")


def _close(a, b, path="") -> None:
    """Equal JSON, floats to 1e-9 relative (DuckDB's sums and quantiles round apart from pandas' in the last bit)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _json(r) -> dict:
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return json.loads(r.stdout)


@pytest.mark.slow  # five CLI runs: ~40 s
def test_the_cli_engines_give_the_same_figures_and_say_the_same_rows(tmp_path):
    """`wbcs kpi` and `wbcs hot` on one file with every engine: exit 0, the same figures, the same rejected rows
    (their count and reasons) said on stderr."""
    from wbcs.synth import generate_posts

    posts = generate_posts(days=10, start="2025-01-25", posts_per_day=40, seed=4, bursts=[
        {"start": "2025-01-31 22:30", "hours": 3, "posts": 80, "topic": "network", "operator": "china_unicom"}])
    for col in ("text", "sentiment", "post_id"):
        posts[col] = posts[col].astype(object)
    posts.loc[5, "text"] = "  "
    posts.loc[9, "sentiment"] = "angry"
    posts.loc[[12, 15], "created_at"] = pd.NaT  # 12: its mid's time; 15: no mid, no time
    posts.loc[15, "post_id"] = "w15"
    path = tmp_path / "posts.parquet"
    posts.to_parquet(path)
    said = "3 row(s) rejected (empty text: 1, bad value: 1, no time: 1)"

    kpi = {}
    for engine in ("pandas", "duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--period", "week", "--by", "topic", "--json")
        kpi[engine] = _json(r)
        assert said in r.stderr, r.stderr
        kpi[engine].pop("input")  # how each read the file; every other key is compared, corrected_note too
    assert kpi["pandas"]["volume"] == len(posts) - 3
    for engine in ("duckdb", "dask"):
        _close(kpi["pandas"], kpi[engine])

    hot = {}
    for engine in ("pandas", "dask"):
        r = run_cli("hot", "--posts", str(path), "--engine", engine, "--topics-only", "--top", "0", "--json")
        hot[engine] = _json(r)
        assert said in r.stderr, r.stderr
        hot[engine].pop("input"), hot[engine].pop("topic_label_reliability")
    assert hot["pandas"] == hot["dask"] and hot["pandas"]["n_incidents"] > 0
