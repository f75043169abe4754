"""A complaint that gave its phone number is identifiable after masking as before (DOMAIN.md: number known →
ticket). `wbcs datasets export` writes texts masked and no has_phone column; has_phone('…130****0310') was
False, so every such complaint was asked for the number it had given (complaint_reply_dm, 0 tickets)."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.io.ingest import read_posts
from wbcs.text import has_phone, mask_pii
from wbcs.triage import route_posts

T = pd.Timestamp("2024-01-03 10:00", tz="Asia/Shanghai")

RAW = ["太坑人了吧. 13012340310", "报障号0532-84401736", "电话：010-12345678 谢谢", "(021)12345678",
       "+86 138 1234 5678", "单号：TS16012342020,5-", "身份证110101199003071234", "邮箱 alice@example.com",
       "订单号 201601230000123456789", "没有号码", "1861****620 这是我自己打的星号"]


@pytest.mark.parametrize("text", RAW)
def test_a_masked_number_is_a_phone_given_as_the_number_written_out(text):
    assert has_phone(mask_pii(text)) == has_phone(text)


@pytest.mark.parametrize("text", ["130****0310", "我的号码186****0654.谢谢", "报障号0532-****1736", "010-****5678",
                                  "TS160****2020"])
def test_the_shapes_mask_pii_writes(text):
    assert has_phone(text)


@pytest.mark.parametrize("text", ["110***********002X", "1861****620", "138*****5678", "2138****5678",
                                  "138****56789", "120****5678", "0532-***1736", "1234-****5678", "****5678",
                                  "a***@example.com", None])
def test_other_stars_are_no_phone(text):
    assert not has_phone(text)


def _complaints(**cols) -> pd.DataFrame:
    n = len(cols["text"])
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(n)], "created_at": [T] * n, "sentiment": ["negative"] * n,
                         "intent": ["complaint"] * n, "negative_subtype": ["concrete_complaint"] * n, **cols})


def test_a_masked_number_routes_to_a_ticket_beside_ingests_has_phone_column():
    out = route_posts(_complaints(text=["太坑人了吧. 130****0310", "宽带坏了", "宽带坏了"],
                                  has_phone=[False, False, True]))
    assert out["route"].tolist() == ["ticket", "complaint_reply_dm", "ticket"]
    assert out["identifiable_source"].tolist() == ["phone number in text", "has_phone column", "has_phone column"]


def test_an_exported_masked_file_read_as_every_command_reads_it_routes_to_tickets(tmp_path):
    path = tmp_path / "stc3.csv"  # as `wbcs datasets export` writes it: masked text, no has_phone column
    _complaints(text=["这是什么情况,太坑人了吧.\n130****0310", "报障号0532-****1736", "宽带又断了"]
                ).drop(columns=["created_at"]).assign(created_at="2024-01-03 10:00").to_csv(path, index=False)
    posts, _ = read_posts(path, quiet=True)
    assert not posts["has_phone"].any()  # nothing left for ingest to find
    assert route_posts(posts)["route"].tolist() == ["ticket", "ticket", "complaint_reply_dm"]
