"""The DuckDB engine gives the pandas engine's numbers, from Parquet files written here."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from tests.test_kpi_indicators import crafted, ts
from wbcs.errors import InputError
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators
from wbcs.policy import load_policy


def same(a, b, path=""):
    """Deep equality of two summaries, floats to 1e-9 relative."""
    if isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), \
            f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def same_table(a: pd.DataFrame, b: pd.DataFrame):
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False, rtol=1e-9)


REQUESTS = [(None, None), ("day", None), ("week", "topic"), ("month", ["operator", "post_kind"]),
            (None, "operator")]


@pytest.mark.parametrize("period,by", REQUESTS)
def test_engines_agree_on_the_crafted_table(tmp_path, period, by):
    df = crafted()
    path = tmp_path / "posts.parquet"
    df.to_parquet(path)
    a, b = indicators(df, period=period, by=by), duck.indicators(path, period=period, by=by)
    same(a, b) if isinstance(a, dict) else same_table(a, b)


def test_hand_computed_values_come_out_of_duckdb_too(tmp_path):
    crafted().to_parquet(tmp_path / "p.parquet")
    k = duck.indicators(tmp_path / "p.parquet")
    assert k["net_favorability"] == pytest.approx(-1 / 3)
    assert k["p90_response_minutes"] == pytest.approx(180)
    assert k["sla_acknowledge_attainment"] == pytest.approx(3 / 7)


def test_engines_agree_with_a_business_clock_missing_columns_and_empty_periods(tmp_path):
    pol = load_policy()
    business = dataclasses.replace(pol, sla={k: dataclasses.replace(c, clock="business")
                                             for k, c in pol.sla.items()})
    df = crafted()
    late = df.iloc[[1]].assign(post_id="p9", created_at=ts("2025-03-21 19:50"),
                               reply_at=ts("2025-03-24 08:15"))
    df = pd.concat([df, late], ignore_index=True)
    df.to_parquet(tmp_path / "a.parquet")
    for kw in ({}, {"period": "week"}, {"by": "post_kind"}):
        same_or = same if not kw else same_table
        same_or(indicators(df, policy=business, **kw), duck.indicators(tmp_path / "a.parquet",
                                                                       policy=business, **kw))
    slim = df.drop(columns=["reply_at", "satisfied", "likes", "topic"])
    slim.to_parquet(tmp_path / "slim.parquet")
    same(indicators(slim, as_of="2025-03-30"), duck.indicators(tmp_path / "slim.parquet", as_of="2025-03-30"))


def test_a_glob_of_files_is_one_archive(tmp_path):
    df = crafted()
    df.iloc[:4].to_parquet(tmp_path / "part-1.parquet")
    df.iloc[4:].to_parquet(tmp_path / "part-2.parquet")
    same(indicators(df), duck.indicators(str(tmp_path / "part-*.parquet")))


def test_a_partitioned_archive_is_read_through_a_recursive_glob_or_its_folder(tmp_path):
    df = crafted()
    for part, rows in (("month=2025-03/province=广东", df.iloc[:4]), ("month=2025-03/province=北京", df.iloc[4:])):
        (tmp_path / part).mkdir(parents=True)
        rows.to_parquet(tmp_path / part / "part-0.parquet")
    want = indicators(df)
    same(want, duck.indicators(str(tmp_path / "**" / "*.parquet")))
    same(want, duck.indicators(tmp_path))


def test_engines_agree_on_synthetic_posts(tmp_path):
    from wbcs.synth import generate_posts

    df = generate_posts(days=45, posts_per_day=300, seed=7)
    df.to_parquet(tmp_path / "syn.parquet")
    same(indicators(df), duck.indicators(tmp_path / "syn.parquet"))
    for period, by in (("day", "topic"), ("week", ["operator", "platform"])):
        same_table(indicators(df, period=period, by=by),
                   duck.indicators(tmp_path / "syn.parquet", period=period, by=by))


def test_bad_archives_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no Parquet file"):
        duck.indicators(tmp_path / "nothing-*.parquet")
    df = crafted()
    df.loc[5, "reply_at"] = ts("2025-03-05 09:00")  # before the post (10:00): left out, as read_posts leaves it out
    df.to_parquet(tmp_path / "bad.parquet")
    posts, _ = read_posts(tmp_path / "bad.parquet", quiet=True)
    assert len(posts) == len(df) - 1
    same(indicators(posts), duck.indicators(tmp_path / "bad.parquet", quiet=True))
    with pytest.raises(InputError, match=r"^--as-of '2024-02-30' is not a date or time"):
        duck.indicators(tmp_path / "bad.parquet", as_of="2024-02-30")
    crafted().drop(columns=["sentiment"]).to_parquet(tmp_path / "unlabelled.parquet")
    (tmp_path / "export.csv").write_text("text,created_at\n信号差,2025-03-05 10:00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"export\.csv: not a Parquet file; convert an export first \(wbcs ingest"):
        duck.indicators(tmp_path / "export.csv")
    with pytest.raises(InputError, match="no 'sentiment' column: classify"):
        duck.indicators(tmp_path / "unlabelled.parquet")
    crafted().astype({"created_at": str}).to_parquet(tmp_path / "text-times.parquet")
    with pytest.raises(InputError, match="'created_at' is VARCHAR, not a timestamp"):
        duck.indicators(tmp_path / "text-times.parquet")


@pytest.mark.parametrize("column, value", [("sentiment", "furious"), ("topic", "angry")])
def test_a_post_with_an_unknown_label_is_left_out_and_said_as_read_posts_rejects_it(tmp_path, column, value, capsys):
    """read_posts rejects a post whose label is none of the taxonomy's ('bad value'): `wbcs kpi` (pandas) leaves
    it out and says so. DuckDB refused the whole archive for it."""
    df = crafted()
    df.iloc[:4].to_parquet(tmp_path / "part-1.parquet")
    rest = df.iloc[4:].reset_index(drop=True)
    rest.loc[2, column] = value
    rest.to_parquet(tmp_path / "part-2.parquet")
    pd.concat([df.iloc[:4], rest], ignore_index=True).to_parquet(tmp_path / "whole.parquet")
    posts, info = read_posts(tmp_path / "whole.parquet", quiet=True)
    assert info["reject_reasons"] == {"bad value": 1} and len(posts) == 7
    same(indicators(posts), duck.indicators(str(tmp_path / "part-*.parquet")))
    assert (f"part-2.parquet: row 3, column '{column}': '{value}' is not a label; 1 row(s) rejected (bad value: 1)"
            in capsys.readouterr().err)
    with pytest.raises(InputError, match=rf"column '{column}': unknown label '{value}'"):
        indicators(pd.concat([df.iloc[:4], rest]))  # a table in memory, which no read_posts read: refused


def test_a_policy_file_path_is_named_not_an_attribute_error(tmp_path):
    from wbcs.kpi.norms import check_norms

    path = tmp_path / "posts.parquet"
    crafted().to_parquet(path)
    with pytest.raises(InputError, match="policy must be a wbcs.policy.Policy"):
        duck.indicators(str(path), policy="data/policy.yaml")
    with pytest.raises(InputError, match="policy must be a wbcs.policy.Policy"):
        check_norms(pd.DataFrame({"created_at": [ts("2024-05-01 10:00")]}), policy="data/policy.yaml")


def test_duckdb_and_dask_mask_what_they_give_of_an_unmasked_file(tmp_path):
    """A file written unmasked (ingest --no-mask) is read as it is written, with no read_posts to mask it: the
    groups and operators a result names come out masked, as the pandas engine gives them from read_posts."""
    from wbcs.io import read_posts
    from wbcs.kpi import partitioned

    df = crafted().assign(province=["广东 13812345678"] * 4 + ["北京"] * 4)
    df.loc[df["operator"] == "china_unicom", "operator"] = "=op a.b@example.com"
    (tmp_path / "arch").mkdir()
    df.to_parquet(tmp_path / "arch" / "raw.parquet")
    df.to_csv(tmp_path / "raw.csv", index=False)
    posts, _ = read_posts(tmp_path / "raw.csv")
    for engine in (duck.indicators, partitioned.indicators):
        table = engine(tmp_path / "arch", period="day", by=["province", "operator"])
        assert set(table["province"].dropna()) == {"广东 138****5678", "北京"}
        assert set(table["operator"].dropna()) == {"china_mobile", "=op a***@example.com"}
        lead = engine(tmp_path / "arch")["competitor_lead"]
        assert lead == indicators(posts)["competitor_lead"] and set(lead["network"]) == {
            "china_mobile", "=op a***@example.com"}


def test_a_repeated_post_id_is_left_out_and_said_by_duckdb_and_dask_as_by_pandas(tmp_path, capsys):
    """A post given twice (here p2, its repeat replied later, in the same file and in another file) counts once,
    at its first row, and a line says so: what read_posts does for the pandas engine. Counted twice it inflated
    every count, silently."""
    from wbcs.io import read_posts
    from wbcs.kpi import partitioned

    df = crafted()
    again = df.iloc[[1]].assign(reply_at=ts("2025-03-03 15:00"), satisfied=True)
    pd.concat([df, again], ignore_index=True).to_parquet(tmp_path / "one.parquet")
    posts, _ = read_posts(tmp_path / "one.parquet")
    want = indicators(posts)
    assert want == indicators(df) and capsys.readouterr().err.count("rejected (duplicate id: 1)") == 1
    for engine in (duck.indicators, partitioned.indicators):
        same(want, engine(tmp_path / "one.parquet"))
        assert "one.parquet: row 9, column 'post_id': 'p2' is also the post_id of row 2; 1 row(s) rejected " \
               "(duplicate id: 1)" in capsys.readouterr().err
    (tmp_path / "arch" / "month=2025-03").mkdir(parents=True)
    df.iloc[:4].to_parquet(tmp_path / "arch" / "a.parquet")
    pd.concat([df.iloc[4:], again, again], ignore_index=True).to_parquet(tmp_path / "arch" / "month=2025-03" / "b.parquet")
    for engine in (duck.indicators, partitioned.indicators):
        same(want, engine(tmp_path / "arch"))
        assert "b.parquet: row 5, column 'post_id': 'p2' is also the post_id of row 2 of " in capsys.readouterr().err
        same_table(indicators(df, period="day", by="topic"),
                   engine(tmp_path / "arch", period="day", by="topic", quiet=True))
        assert not capsys.readouterr().err


def test_the_repeated_ids_found_once_are_not_served_for_a_file_written_since(tmp_path, capsys):
    # the check of the ids is kept per file state (path, size, modification time): asked again it is not
    # scanned again, and a file rewritten without the repeat must not keep its old repeats
    df = crafted()
    path = tmp_path / "p.parquet"
    pd.concat([df, df.iloc[[1]]], ignore_index=True).to_parquet(path)
    first = duck.indicators(path)
    assert duck.indicators(path) == first and capsys.readouterr().err.count("duplicate id: 1") == 2
    pd.concat([df, df.iloc[[1, 2]]], ignore_index=True).to_parquet(path)  # now two repeats
    duck.indicators(path)
    assert "2 row(s) rejected (duplicate id: 2)" in capsys.readouterr().err
    df.to_parquet(path)  # none
    same(indicators(df), duck.indicators(path))
    assert "duplicate" not in capsys.readouterr().err


@pytest.mark.parametrize("as_of", ["2025-03-03 10:30", "2025-03-01", "2025-03-31"])
def test_business_clocks_with_replies_after_as_of_or_as_of_before_the_first_post(tmp_path, as_of):
    """The duty-day table ran from the first post to as_of: a reply after as_of had no day, NULL duty minutes,
    and was counted within its limit (p4's 90-minute reply, 08:00 → 09:30, is late on a 60-minute clock);
    as_of before the first post was an IndexError."""
    from wbcs.kpi import partitioned

    pol = load_policy()
    business = dataclasses.replace(pol, sla={k: dataclasses.replace(c, clock="business", acknowledge_minutes=60)
                                             for k, c in pol.sla.items()})
    crafted().to_parquet(tmp_path / "p.parquet")
    want = indicators(crafted(), policy=business, as_of=as_of)
    for engine in (duck.indicators, partitioned.indicators):
        same(want, engine(tmp_path / "p.parquet", policy=business, as_of=as_of))
        same_table(indicators(crafted(), policy=business, as_of=as_of, by="post_kind"),
                   engine(tmp_path / "p.parquet", policy=business, as_of=as_of, by="post_kind"))


@pytest.mark.parametrize("values", [["是", "否", None, "是"], [" Yes", "no", "", "满意"], [1, 0, None, 1],
                                    [1.0, 0.0, None, 1.0]])
def test_satisfied_is_read_in_every_spelling_pandas_reads(tmp_path, values):
    """A satisfied column written 是/否 (or yes/no, 1/0) was a ConversionException traceback from DuckDB."""
    from wbcs.kpi import partitioned

    df = crafted()
    df["satisfied"] = pd.Series(values * 2, dtype=object if isinstance(values[0], str) else None)
    df.to_parquet(tmp_path / "p.parquet")
    want = indicators(df)
    assert want["n_negative_replied_satisfied"] == 2
    for engine in (duck.indicators, partitioned.indicators):
        same(want, engine(tmp_path / "p.parquet"))


def test_a_satisfied_value_in_neither_list_given_as_a_table_is_an_error_naming_the_row(tmp_path):
    """A table handed to ``indicators`` has no rows to reject into a file: its bad value is an error naming the
    row. Read from a file, every engine rejects the row instead (tests/test_engines_audit5_satisfied.py)."""
    df = crafted()
    df["satisfied"] = df["satisfied"].map({True: "yes", False: "no"}).astype(object)
    df.loc[5, "satisfied"] = "maybe"
    with pytest.raises(InputError, match=r"p.parquet: row 6, column 'satisfied': 'maybe'"):
        indicators(df.assign(source_file=str(tmp_path / "p.parquet"), source_row=range(1, 9)))


def test_a_reply_exactly_at_a_twenty_second_business_clock_is_met_by_both_engines(tmp_path):
    """DuckDB counted duty time in float minutes: a reply exactly 20 s after the post came out ~1e-9 minutes over
    the limit (late), where the pandas engine and triage count it met; it counts whole microseconds now."""
    pol = load_policy()
    twenty = dataclasses.replace(pol, sla={k: dataclasses.replace(c, clock="business", acknowledge_minutes=1 / 3)
                                           for k, c in pol.sla.items()})
    at = [ts("2025-03-18 10:00:07"), ts("2025-03-18 11:13:41"), ts("2025-03-18 19:59:50")]
    df = pd.DataFrame({"post_id": ["a", "b", "c"], "created_at": at, "text": "套餐怎么改",
                       "reply_at": [t + pd.Timedelta(seconds=20) for t in at[:2]] + [ts("2025-03-19 08:00:10")],
                       "sentiment": "neutral", "intent": "consultation"})
    df.to_parquet(tmp_path / "t.parquet")
    want = indicators(df, policy=twenty)
    assert (want["sla_acknowledge_due"], want["sla_acknowledge_met"]) == (3, 3)  # c: 10 s + 10 s of duty
    same(want, duck.indicators(tmp_path / "t.parquet", policy=twenty))


def test_a_boolean_complaint_column_gives_the_kinds_pandas_gives(tmp_path):
    """The KPI kinds compare cells as text (``KIND_RULES``, from the routes' "yes"/"no"): DuckDB read 'yes' as
    true against a BOOLEAN column and gave those posts a kind pandas does not give them."""
    df = pd.DataFrame({"post_id": ["a", "b", "c"], "created_at": ts("2025-03-18 10:00"), "text": "宽带",
                       "reply_at": ts("2025-03-18 10:30"), "sentiment": ["negative", "neutral", "positive"],
                       "intent": "other", "complaint": [True, True, False]})
    df.to_parquet(tmp_path / "b.parquet")
    same_table(indicators(df, by="post_kind"), duck.indicators(tmp_path / "b.parquet", by="post_kind"))


def test_a_post_without_a_sentiment_is_refused_by_duckdb_and_dask_not_counted(tmp_path):
    """The pandas engine labels such posts with the shipped model; DuckDB and Dask counted them as posts without a
    sentiment, silently, and gave other figures (1,964 real posts, 60 unlabelled: net favorability -0.884 against
    -0.886)."""
    from wbcs.kpi import partitioned, partitioned_hot

    df = crafted()
    df.loc[[2, 5], "sentiment"] = None
    df.to_parquet(tmp_path / "u.parquet")
    for engine in (duck.indicators, partitioned.indicators):
        with pytest.raises(InputError, match=r"u\.parquet: row 3, column 'sentiment': no label \(2 post\(s\) in all "
                                             r"without one\): classify the posts first \(wbcs predict\)"):
            engine(tmp_path / "u.parquet")
    with pytest.raises(InputError, match=r"^f\.parquet: row 2, column 'intent': no label \(1 post"):
        partitioned_hot._check(df.assign(intent=[None if i == 1 else v for i, v in enumerate(df["intent"])]),
                               "f.parquet")
