"""The DuckDB engine reads an empty operator from the post's text in SQL (``duck.fill_operators``), giving what
``wbcs.weibo.operator_of`` gives, as ``read_posts`` reads it for the pandas engine.

Before: the distinct texts went to Python (``operator_of`` on each) and the operators were joined back on the text
in every query: on 200,000 distinct STC-3 texts that cost the engine 1.5× the pandas engine's ``read_operators``
(``benchmarks/bench_duck_operators.py``). The results were already equal; these tests hold them equal."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_kpi_duck import same, same_table
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators
from wbcs.weibo import NAMES_OPERATOR, operator_of


def _sql_operators(texts: list) -> list:
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"text": pd.Series(texts, dtype=object)}))
    rows = duck.fill_operators("(SELECT text, CAST(NULL AS VARCHAR) AS operator FROM t)")
    return [v if isinstance(v, str) else None for v in con.execute(f"SELECT operator FROM {rows}").df()["operator"]]


def _stc3_turns(mirror) -> list[str]:
    with open(mirror / "stc3_weibo_helpdesk" / "dialogues.jsonl", encoding="utf-8") as f:
        return [t["text"] for line in f for t in json.loads(line)["turns"]]


def test_sql_reads_every_stc3_turn_as_operator_of(mirror):
    texts = _stc3_turns(mirror)
    want = [operator_of(t) for t in texts]
    assert _sql_operators(texts) == want
    assert len({w for w in want if w}) == 3 and sum(w is None for w in want) > 100  # every case is there
    # several operators @mentioned, the words naming the later one first: the place decides, as in operator_of
    assert sum(len({m for m in re.findall(r"@\S*?(移动|联通|电信)", t)}) > 1 for t in texts) > 50


# pieces that make the hard cases: names inside and across @mentions, separators Python's \s knows and RE2's does
# not (ideographic space, NEL), letters and marks for 移动\w{0,4}客服, numbers that come close to 10086/10010/10000号
PIECES = ["@", "@中国移动", "@广东", "移动", "客服", "宽带", "中国", "电信", "联通", "天翼", "10010", "1008", "6", "10000",
          "号", "移动公司", " ", "\u3000", "\x85", "\n", ":", "，", "!", "a", "_", "é", "\u0301", "①", "二", "x"]


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_sql_reads_any_mix_of_names_as_operator_of(text):
    assert _sql_operators([text]) == [operator_of(text)]
    # the filter both engines may use: a text gives an operator exactly where it matches
    assert bool(re.search(NAMES_OPERATOR, text)) == (operator_of(text) is not None)


def test_sql_reads_no_text_as_no_operator():
    assert _sql_operators([None, "", " ", "@", "移动", "@移动"]) == [None, None, None, None, None, "china_mobile"]


@pytest.mark.parametrize("copies", [1, 3])  # texts all distinct (read per post), or each three times (per text)
def test_engines_agree_on_stc3_posts_without_operators(mirror, tmp_path, copies):
    """Real STC-3 first turns without an operator column, and with one half empty: the same operators, counts and
    competitor lead from both engines."""
    with open(mirror / "stc3_weibo_helpdesk" / "dialogues.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f] * copies
    n = np.arange(len(records))
    df = pd.DataFrame({
        "post_id": [f"s{i}" for i in n],
        "created_at": pd.Timestamp("2024-03-01", tz="Asia/Shanghai") + pd.to_timedelta(n * 7, unit="min"),
        "text": [r["turns"][0]["text"] for r in records],
        "sentiment": np.array(["negative", "neutral", "positive"])[n % 3],
        "intent": np.array(["complaint", "consultation", "praise"])[n % 3],
        "topic": np.array(["network", "broadband", "billing", "service"])[n % 4],
    })
    half = df.assign(operator=np.where(n % 2 == 0, "中国联通", None))  # the other half from the text
    for name, frame in (("bare", df), ("half", half)):
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        posts, _ = read_posts(path, quiet=True)
        assert posts["operator"].notna().sum() > len(posts) / 2
        same(indicators(posts), duck.indicators(path, quiet=True))
        same_table(indicators(posts, by="operator"), duck.indicators(path, by="operator", quiet=True))
        same_table(indicators(posts, period="week", by=["operator", "topic"]),
                   duck.indicators(path, period="week", by=["operator", "topic"], quiet=True))
