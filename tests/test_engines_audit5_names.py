"""The DuckDB and Dask engines read operators and platforms as ``read_posts`` reads them for the pandas engine:
a name for one (中国移动, CMCC, China Mobile; 新浪微博, weibo) as its code, an empty operator (or every one, in a file
without the column) as the operator the text names.

Before: on a Parquet file never through ``wbcs ingest``, ``wbcs kpi --engine duckdb`` (and dask) compared each
spelling with the others (competitor_lead {'CMCC': -2.0, 'China Mobile': -2.0, ...}) where the pandas engine gave
{'network': {'china_mobile': 0.8, 'china_telecom': -0.8}}, left a post '@中国移动 ...' without an operator without
one, and ``wbcs hot --engine dask`` counted sina_weibo and 新浪微博 as two platforms."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_kpi_duck import same, same_table
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators, partitioned

ENGINES = (duck.indicators, partitioned.indicators)


def _raw(with_operator: bool = True) -> pd.DataFrame:
    """Seven network posts from 2024-05-06 10:00, a minute apart. China Mobile, written six ways (one an empty cell
    whose text @mentions it): o2, o3 positive, o1, o4, o6, o7 negative; China Telecom (o5): negative."""
    df = pd.DataFrame({
        "post_id": [f"o{i}" for i in range(1, 8)],
        "created_at": pd.date_range("2024-05-06 10:00", periods=7, freq="min", tz="Asia/Shanghai"),
        "text": ["信号差", "好", "好", "没信号", "@中国电信 没信号", "信号差", "@中国移动 又没信号了"],
        "operator": ["中国移动", "移动", "china_mobile", "China Mobile", "中国电信", "CMCC", None],
        "platform": ["sina_weibo", "新浪微博", "Sina Weibo", "weibo", "SINA_WEIBO", "腾讯微博", "天涯"],
        "sentiment": ["negative", "positive", "positive", "negative", "negative", "negative", "negative"],
        "intent": ["complaint", "praise", "praise", "complaint", "complaint", "complaint", "complaint"],
        "topic": "network",
    })
    return df if with_operator else df.drop(columns="operator").assign(
        text=["中国移动信号差", "好", "好", "没信号", "@中国电信 没信号", "移动公司信号差", "@中国移动 又没信号了"])


@pytest.mark.parametrize("with_operator", [True, False])
def test_engines_read_operators_and_platforms_as_read_posts(tmp_path, with_operator):
    path = tmp_path / "raw.parquet"
    _raw(with_operator).to_parquet(path)
    posts, _ = read_posts(path, quiet=True)
    want = indicators(posts)
    if with_operator:
        # china_mobile: 2 positive, 4 negative → (2 − 4) / 6 = −1/3; china_telecom: 1 negative → −1
        # lead: −1/3 − (−1) = 2/3 and −2/3
        assert want["competitor_lead"] == {"network": pytest.approx({"china_mobile": 2 / 3, "china_telecom": -2 / 3})}
    else:  # o1, o6, o7 China Mobile (negative), o5 China Telecom; o2, o3, o4 none
        assert want["competitor_lead"] == {"network": pytest.approx({"china_mobile": 0.0, "china_telecom": 0.0})}
    for engine in ENGINES:
        same(want, engine(path, quiet=True))
        for by in ("operator", "platform", ["operator", "platform"]):
            same_table(indicators(posts, by=by), engine(path, by=by, quiet=True))


def test_kpi_cli_engines_agree_on_a_raw_parquet(tmp_path):
    path = tmp_path / "op.parquet"
    _raw().to_parquet(path)
    out = {}
    for engine in ("pandas", "duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(path), "--engine", engine, "--json")
        assert r.returncode == 0, r.stderr
        out[engine] = json.loads(r.stdout)
        out[engine].pop("input", None)  # (how each engine read the file); every other key, corrected_note too
    assert out["duckdb"]["competitor_lead"].keys() == {"network"}
    assert out["duckdb"]["competitor_lead"]["network"].keys() == {"china_mobile", "china_telecom"}
    same(out["pandas"], out["duckdb"])
    same(out["pandas"], out["dask"])


def _hot(tmp_path, engine: str, df: pd.DataFrame) -> dict:
    df.to_parquet(tmp_path / f"{engine}.parquet")
    r = run_cli("hot", "--posts", str(tmp_path / f"{engine}.parquet"), "--engine", engine, "--no-cache", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _questions(times, texts, platforms, operators, topics) -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": [str(i) for i in range(1, len(times) + 1)],
        "created_at": pd.to_datetime(times).tz_localize("Asia/Shanghai"), "text": texts,
        "author_id": [f"u{i}" for i in range(1, len(times) + 1)], "platform": platforms,
        "sentiment": "neutral", "intent": "consultation", "topic": topics, "operator": operators})


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_hot_reads_one_platform_written_two_ways_as_one(tmp_path, engine):
    # two questions a day on one platform, written two ways: neither ≥ 3 askers nor ≥ 2 platforms in one day
    df = _questions(["2024-05-04 09:00", "2024-05-04 12:00", "2024-05-05 09:00", "2024-05-05 12:00",
                     "2024-05-06 12:00", "2024-05-06 13:00"],
                    ["请问流量包怎么办理啊", "流量包在哪里办理", "宽带怎么续费", "宽带续费在哪", "话费怎么查", "话费在哪查"],
                    ["sina_weibo", "新浪微博", "Sina Weibo", "weibo", "sina_weibo", "SINA_WEIBO"], "china_mobile",
                    ["data", "data", "broadband", "broadband", "billing", "billing"])
    out = _hot(tmp_path, engine, df)
    assert out["alerts"] == [] and out["incidents"] == []


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_hot_reads_one_operator_written_three_ways_as_one(tmp_path, engine):
    # three China Mobile customers ask about data packs on one day: ≥ 3 askers, one alert of 3 users
    df = _questions(["2024-05-04 09:00", "2024-05-04 10:00", "2024-05-04 11:00"],
                    ["请问流量包怎么办理啊", "流量包在哪里办理", "流量包怎么开通"], "sina_weibo",
                    ["中国移动", "CMCC", "china_mobile"], "data")
    out = _hot(tmp_path, engine, df)
    assert [(a["rule"], a["operator"], a["n_users"]) for a in out["alerts"]] == \
        [("question_same_day", "china_mobile", 3)]


def test_a_blank_operator_cell_is_read_from_the_text_by_every_engine(tmp_path):
    # read_posts reads a blank cell as an empty one (wbcs.io.read), then the operator from the text
    df = _raw().assign(operator=["中国移动", " ", "china_mobile", "", "中国电信", "CMCC", None])
    df.loc[[1, 3], "text"] = ["@中国联通 好", "@中国联通 没信号"]
    df.to_parquet(tmp_path / "blank.parquet")
    posts, _ = read_posts(tmp_path / "blank.parquet", quiet=True)
    assert posts["operator"].tolist()[1:4:2] == ["china_unicom", "china_unicom"]
    want = indicators(posts, by="operator")
    for engine in ENGINES:
        same_table(want, engine(tmp_path / "blank.parquet", by="operator", quiet=True))
