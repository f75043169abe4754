"""``wbcs hot --engine dask`` (``wbcs.kpi.partitioned_hot``) reads an archive as ``read_posts`` reads a file
for the pandas engine: a post given twice is counted once (and said), labels in another case are the
taxonomy's, a UTC file and a Beijing one are one clock, a post without created_at has its mid's time; a post
read_posts rejects (no text, a label outside the taxonomy, no time) is left out and said, naming the file, row
and column, as read_posts says it; what it cannot read at all is one such line, as the pandas engine's refusals are.

Before: a copied part file counted every post in it twice in silence (more spikes, alerts and incidents),
upper-cased labels selected nothing (no alert, no incident, exit 0), a UTC file beside a Beijing one was
refused with a message naming no file, an int64 created_at was a traceback, an empty archive was
"0 incident(s)" with exit 0, rows were numbered from 0, and an archive of 2 to 7 days crashed; a post the
pandas engine leaves out and says (no text, an unknown label, no created_at) stopped the whole archive."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.errors import InputError
from wbcs.io import read_posts
from wbcs.kpi.hot import hot_issues
from wbcs.kpi.partitioned import write_archive
from wbcs.kpi.partitioned_hot import hot_issues as archive_hot_issues
from wbcs.kpi.partitioned_hot import read_archive


@pytest.fixture(scope="module")
def posts():
    """24 days with a 120-post China Unicom network outage across the month boundary; a seventh of the
    other posts without a topic (their issues are near-duplicate clusters)."""
    from wbcs.synth import generate_posts

    posts = generate_posts(days=24, start="2025-01-15", posts_per_day=60, seed=4, bursts=[
        {"start": "2025-01-31 22:30", "hours": 3, "posts": 120, "topic": "network", "operator": "china_unicom"}])
    loose = (np.random.default_rng(0).random(len(posts)) < 1 / 7) & posts["burst"].isna().to_numpy()
    posts["topic"] = posts["topic"].astype(object).where(~loose, None)
    return posts


@pytest.fixture(scope="module")
def archive(posts, tmp_path_factory):
    return write_archive(posts, tmp_path_factory.mktemp("hot") / "posts", ("month", "operator"))


@pytest.fixture(scope="module")
def want(archive):
    """The pandas engine's result on the archive's posts (topic clusters and series only)."""
    return hot_issues(read_archive(archive), near_duplicates=False)


def _assert_same(got: dict, want: dict) -> None:
    assert list(got) == list(want) == ["incidents", "alerts", "spikes"]
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)


def _files(folder) -> list:
    return sorted(folder.rglob("*.parquet"))


def _rewrite(archive, tmp_path, change) -> object:
    """A copy of ``archive`` with ``change(frame, i)`` applied to its ``i``-th file's rows."""
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    for i, f in enumerate(_files(copy)):
        change(pd.read_parquet(f), i).to_parquet(f)
    return copy


@pytest.mark.slow  # the pandas engine through read_posts and the archive engine, with near-duplicates: ~15 s
def _as_read_posts_reads(folder, tmp_path, capsys) -> tuple[dict, pd.DataFrame]:
    """What `wbcs hot` (pandas) finds in the archive's rows as one file (partition columns included), and what
    read_posts says it rejected (``reject_reasons``)."""
    from wbcs.kpi.partitioned_hot import _hive

    whole = tmp_path / "whole.parquet"
    pd.concat([pd.read_parquet(f).assign(**_hive(str(f), str(folder))) for f in _files(folder)],
              ignore_index=True).to_parquet(whole)
    posts, info = read_posts(whole, quiet=True)
    capsys.readouterr()
    return info["reject_reasons"], hot_issues(posts, near_duplicates=False)


def _said(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_a_copied_part_file_is_counted_once_and_said(archive, tmp_path, capsys):
    copy = tmp_path / "dup"
    shutil.copytree(archive, copy)
    first = _files(copy)[0]
    shutil.copy(first, first.with_name("part-1.parquet"))  # a part file copied inside the archive
    whole = tmp_path / "whole.parquet"
    read_archive(copy).to_parquet(whole)
    posts, info = read_posts(whole, quiet=True)  # what `wbcs hot` (pandas) counts: each post once
    n = len(pd.read_parquet(first))
    assert info["reject_reasons"] == {"duplicate id": n}

    capsys.readouterr()
    got = archive_hot_issues(copy)
    _assert_same(got, hot_issues(posts))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "part-1.parquet: row 1, column 'post_id'" in err[0], err
    assert f"{n:,} row(s) rejected (duplicate id: {n:,})" in err[0] and "part-0.parquet" in err[0]
    archive_hot_issues(copy, quiet=True, near_duplicates=False)
    assert capsys.readouterr().err == ""


def test_a_copied_part_file_leaves_the_topic_results_as_they_were(archive, want, tmp_path):
    copy = tmp_path / "dup"
    shutil.copytree(archive, copy)
    for f in _files(copy)[:2]:
        shutil.copy(f, f.with_name("part-1.parquet"))
    _assert_same(archive_hot_issues(copy, near_duplicates=False, quiet=True), want)


def test_labels_in_another_case_or_language_are_the_taxonomys(archive, want, tmp_path):
    zh = {"complaint": "投诉", "consultation": "咨询"}

    def shout(df, i):
        if i % 2:
            df["intent"] = df["intent"].astype(object).map(lambda v: zh.get(v, v))
        else:
            df["intent"] = df["intent"].astype(object).str.upper()
        df["topic"] = df["topic"].astype(object).map(lambda v: f" {v.capitalize()}" if isinstance(v, str) else v)
        return df

    _assert_same(archive_hot_issues(_rewrite(archive, tmp_path, shout), near_duplicates=False), want)
    assert len(want["alerts"]) and len(want["incidents"])


def test_a_label_outside_the_taxonomy_is_left_out_and_said_as_read_posts_rejects_it(archive, tmp_path, capsys):
    """read_posts rejects a post whose label is none of the taxonomy's ('bad value'): `wbcs hot` (pandas) leaves it
    out and says so. The archive engine refused the whole archive for it."""
    def wrong(df, i):
        if i == 1:
            df["topic"] = df["topic"].astype(object)
            df.loc[4, "topic"] = "weather"
        return df

    copy = _rewrite(archive, tmp_path, wrong)
    rejected, want = _as_read_posts_reads(copy, tmp_path, capsys)
    assert rejected == {"bad value": 1}
    _assert_same(archive_hot_issues(copy, near_duplicates=False), want)
    assert _said(capsys) == [f"{_files(copy)[1]}: row 5, column 'topic': 'weather' is not a label; 1 row(s) rejected "
                             f"(bad value: 1), left out of every count; correct the rows (wbcs ingest rejects them)"]


def test_a_utc_file_beside_a_beijing_one_is_read_on_one_clock(archive, want, tmp_path):
    def utc(df, i):
        if i % 2:
            df["created_at"] = df["created_at"].dt.tz_convert("UTC")
        elif i == 2:
            df["created_at"] = df["created_at"].dt.tz_localize(None)  # naive: Beijing time
        return df

    copy = _rewrite(archive, tmp_path, utc)
    assert {str(pd.read_parquet(f)["created_at"].dtype) for f in _files(copy)} == {
        "datetime64[ns, UTC]", "datetime64[ns, Asia/Shanghai]", "datetime64[ns]"}
    _assert_same(archive_hot_issues(copy, near_duplicates=False), want)


def test_a_time_that_is_no_timestamp_is_one_error_naming_file(archive, tmp_path):
    def numbers(df, i):
        if i == 1:
            df["created_at"] = df["created_at"].astype("int64")
        return df

    copy = _rewrite(archive, tmp_path, numbers)
    name = str(_files(copy)[1])
    with pytest.raises(InputError, match=rf"^{name}: column 'created_at' is int64, not a timestamp"):
        archive_hot_issues(copy, near_duplicates=False)


def test_an_empty_time_is_the_mids_or_its_row_is_left_out_and_said_as_read_posts_reads_it(archive, tmp_path,
                                                                                          capsys):
    """read_posts (ingest) gives a post without created_at the time its Weibo mid carries, and rejects it ('no
    time') when its post_id is no mid: the archive engine refused the whole archive for either."""
    def empty(df, i):
        if i == 1:
            df.loc[[3, 8], "created_at"] = pd.NaT  # its mid gives row 4 its time
            df.loc[8, "post_id"] = "x" + df.loc[8, "post_id"]  # row 9's id is no mid: no time
        return df

    copy = _rewrite(archive, tmp_path, empty)
    rejected, want = _as_read_posts_reads(copy, tmp_path, capsys)
    assert rejected == {"no time": 1}
    _assert_same(archive_hot_issues(copy, near_duplicates=False), want)
    said = _said(capsys)
    assert len(said) == 1 and said[0].startswith(f"{_files(copy)[1]}: row 9, column 'created_at' is empty and "
                                                 f"post_id 'x"), said
    assert said[0].endswith("is not a Weibo mid to decode it from; 1 row(s) rejected (no time: 1), left out of "
                            "every count; correct the rows (wbcs ingest rejects them)"), said


def test_an_archive_without_posts_is_an_error(posts, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    posts.head(0).to_parquet(folder / "part-0.parquet")  # a header only: read_posts refuses such a file
    with pytest.raises(InputError, match=r"no posts in its 1 file\(s\) \(0 row\(s\)\); give an archive with posts"):
        archive_hot_issues(folder)


def test_an_archive_of_two_days_is_read(posts, tmp_path):
    two = posts[posts["created_at"] < pd.Timestamp("2025-01-17", tz="Asia/Shanghai")]
    folder = write_archive(two, tmp_path / "two", ("operator",))
    _assert_same(archive_hot_issues(folder, near_duplicates=False), hot_issues(read_archive(folder),
                                                                                near_duplicates=False))


@pytest.mark.slow  # a CLI start-up: ~5 s
def test_the_cli_refuses_an_integer_time_with_one_line_and_exit_2(archive, tmp_path):
    def numbers(df, i):
        if i == 0:
            df["created_at"] = df["created_at"].astype("int64")
        return df

    copy = _rewrite(archive, tmp_path, numbers)
    r = run_cli("hot", "--posts", str(copy), "--engine", "dask", "--topics-only")
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.strip().splitlines() if line.startswith("wbcs hot: error")]
    assert lines == [f"wbcs hot: error: {_files(copy)[0]}: column 'created_at' is int64, not a timestamp; "
                     f"write the file with wbcs ingest or pandas datetimes"], r.stderr
    assert "Traceback" not in r.stderr


def test_a_post_read_posts_rejects_for_its_text_or_sentiment_is_left_out_and_said(archive, tmp_path, capsys):
    """read_posts rejects a post without a text or with a sentiment outside the taxonomy: `wbcs hot` (pandas)
    leaves it out and says so. The archive engine first counted it in silence (it does not read the sentiment),
    then refused the whole archive for it."""
    def bad(df, i):
        if i == 1:
            df["text"] = df["text"].astype(object)
            df.loc[6, "text"] = " \u3000"  # a full-width space: no text to str.strip(), as to ingest
            df["sentiment"] = df["sentiment"].astype(object)
            df.loc[2, "sentiment"] = "angry"
        elif i == 2:
            df["sentiment"] = df["sentiment"].astype(object).str.upper()  # read as read_posts reads it: kept
        return df

    copy = _rewrite(archive, tmp_path, bad)
    rejected, want = _as_read_posts_reads(copy, tmp_path, capsys)
    assert rejected == {"bad value": 1, "empty text": 1}
    _assert_same(archive_hot_issues(copy, near_duplicates=False), want)
    assert _said(capsys) == [f"{_files(copy)[1]}: row 3, column 'sentiment': 'angry' is not a label; 2 row(s) "
                             f"rejected (bad value: 1, empty text: 1), left out of every count; correct the rows "
                             f"(wbcs ingest rejects them)"]


def test_the_evidence_a_file_sends_is_what_the_incidents_read(archive):
    """The incidents' evidence is most posts of a busy archive (438,097 of 501,024): its labels, which
    ``describe`` does not read, were half of the client's memory for it (218 MB of the 1.15 GB peak)."""
    from wbcs.distributed import parquet_files
    from wbcs.kpi.partitioned_hot import EVIDENCE, ISSUE, _evidence, _Source

    files, base = parquet_files(archive)
    cells = pd.DataFrame({"issue": ["china_unicom|network"], "day": [pd.Timestamp("2025-02-01")]})
    got = pd.concat([_evidence((f, 0), src=_Source(base), cells=cells, ids=pd.Series([], dtype=object))
                     for f in files])
    assert list(got.columns) == EVIDENCE and (got[ISSUE] == "china_unicom|network").all() and len(got) > 30


def test_a_post_with_a_count_read_posts_rejects_is_left_out_and_said(archive, want, tmp_path, capsys):
    """read_posts rejects a negative, infinite or fractional count: the pandas engine never sees the post. The
    archive engine counted it (it does not read the counts); now it leaves it out, as wbcs kpi --engine dask."""
    extra = tmp_path / "extra"
    extra.mkdir()
    first = pd.read_parquet(_files(archive)[0])
    bad = first.head(40).assign(post_id=lambda d: "x" + d["post_id"].astype(str), reposts=-3)
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    bad.to_parquet(copy / "zz-extra.parquet")  # 40 more posts, each with a negative count

    capsys.readouterr()
    _assert_same(archive_hot_issues(copy, near_duplicates=False), want)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{copy / 'zz-extra.parquet'}: row 1, column 'reposts': -3 is not a "
                                               f"count (0 to a billion); 40 row(s) rejected (bad value: 40)"), err
