"""The DuckDB engine reads the empty operators of posts whose texts repeat from a table of the distinct texts
(``duck._Archive.read_names``: each text matched once, joined back on the text), giving what ``read_posts`` gives
the pandas engine. Before, DuckDB pushed the regexes below the DISTINCT and matched every post; the operators were
the same, and are held so here on a real Parquet file, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.test_kpi_duck import same, same_table
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators

TEXTS = [
    "@广东移动 网速太慢了",  # an account's 移动 is China Mobile
    "联通的宽带又断了，电信的也不好",  # two named: the first one
    "今天天气不错",  # none
    "打了10000号没人接",  # China Telecom's number
    "移动支付很方便",  # 移动 alone in the words is no operator
]


def _posts(n: int = 40) -> pd.DataFrame:
    i = np.arange(n)
    operator = np.full(n, None, dtype=object)
    operator[0] = "中国电信"  # given (text 0 would say China Mobile): kept, as its code
    operator[1] = "  "  # blank: read from the text (text 1: China Unicom)
    return pd.DataFrame({
        "post_id": [f"p{k}" for k in i],
        "created_at": pd.Timestamp("2024-03-01", tz="Asia/Shanghai") + pd.to_timedelta(i * 11, unit="min"),
        "text": [TEXTS[k % len(TEXTS)] for k in i],  # each text 8 times
        "operator": operator,
        "sentiment": np.array(["negative", "neutral", "positive"])[i % 3],
        "intent": np.array(["complaint", "consultation", "praise"])[i % 3],
        "topic": np.array(["network", "broadband", "billing", "service"])[i % 4],
    })


def test_repeated_texts_get_the_operators_read_by_hand(tmp_path):
    path = tmp_path / "repeated.parquet"
    _posts().to_parquet(path, index=False)
    table = duck.indicators(path, by="operator", quiet=True)
    got = {(k if isinstance(k, str) else None): v for k, v in zip(table["operator"], table["volume"], strict=True)}
    # text 0: 7 China Mobile + row 0 given China Telecom; text 1: 8 China Unicom (row 1 blank, read from the
    # text); text 3: 8 China Telecom; texts 2 and 4: 16 without an operator
    assert got == {"china_mobile": 7, "china_unicom": 8, "china_telecom": 9, None: 16}
    posts, _ = read_posts(path, quiet=True)
    same(indicators(posts), duck.indicators(path, quiet=True))
    same_table(indicators(posts, by="operator"), table)
