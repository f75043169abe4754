"""Bank card numbers (银行卡号) were left as written: STC-3 holds a customer's refund card, 19 digits after 邮费退到.
A card is 16-19 digits, in one piece or in groups of four, that passes the Luhn check and starts as a card issued
in China does (UnionPay's 62), or as a card of another scheme written in groups of four; or that follows a card word
(卡号, 银行卡, 信用卡, 储蓄卡, 借记卡, card), mistyped or not. What merely has 16-19 digits stays: Weibo mids, order and
service-ticket numbers, SMS ports, a SIM card's ICCID, amounts, dates. The Luhn-valid numbers below were completed by
hand (doubling every second digit from the right, the sum a multiple of 10)."""

import pandas as pd
import pytest

from wbcs.cli import main
from wbcs.labeling.controller import number_in_post
from wbcs.pii import find_pii, has_phone, mask_ids, mask_pii


@pytest.mark.parametrize(("text", "masked"), [
    ("邮费退到6222021234567890128 张三开户行是山西", "邮费退到***************0128 张三开户行是山西"),  # STC-3's form
    ("退款到 6222 0212 3456 7890 128，谢谢", "退款到 ***************0128，谢谢"),
    ("6222-0212-3456-7890-128", "***************0128"),
    ("６２２８ ４８００ １２３４ ５６７１", "************5671"),                 # full width
    ("我的卡4392 2600 1234 5672被盗刷", "我的卡************5672被盗刷"),       # a Visa written as cards are
    ("3530 1234 5678 9018", "************9018"),                           # a JCB, so written
    # a card word before it: masked whatever its check digit (one mistyped digit leaves the rest readable)
    ("银行卡号：6222021234567890127", "银行卡号：***************0127"),
    ("信用卡（招商银行）4392 2600 1234 5671", "信用卡（招商银行）************5671"),
    ("储蓄卡 6228480012345670", "储蓄卡 ************5670"), ("借记卡是6228480012345670", "借记卡是************5670"),
    ("卡号5150713686247087", "卡号************7087"), ("Card No. 4392260012345671", "Card No. ************5671"),
])
def test_a_bank_card_is_masked_but_for_its_last_four_digits(text, masked):
    assert mask_pii(text) == masked
    assert [k for k, _, _ in find_pii(text)] == ["bank_card"]
    assert mask_pii(masked) == masked


@pytest.mark.parametrize("text", [
    "5150713686247086",                       # a service-ticket number (STC-3) in Mastercard's range, Luhn-valid
    "4392260012345672",                       # so, in one piece and with no card word, is a Visa's shape
    "3830401296796824", "https://weibo.com/1642088277/3500000000000009",  # Weibo mids, Luhn-valid
    "6222021234567890127",                    # a 62 number that fails the check, no card word
    "订单号 6222021234567890127",
    "2015 2016 2017 2018",                    # years in a row, Luhn-valid
    "1065502006714710904",                    # an SMS port
    "SIM卡号89860112345678903",               # an ICCID is a SIM's (issuer 89: telecom), not a bank's
    "金额 6,222,021,234,567,894 元",           # an amount, in groups of three
    "银行卡已扣款。6222021234567890127",       # the card word is in another sentence
    "855005361-20140306-1238925468",          # an order number of STC-3
])
def test_numbers_that_are_no_card_stay(text):
    assert find_pii(text) == [] and mask_pii(text) == text


@pytest.mark.parametrize(("text", "masked", "kinds"), [
    ("620102199003071232", "620***********1232", ["id_card"]),  # a Gansu ID (62, as UnionPay), Luhn-valid too
    ("银行卡号和身份证：620102199003071232", "银行卡号和身份证：620***********1232", ["id_card"]),
    ("13812345678 6222 0212 3456 7890 128", "138****5678 ***************0128", ["mobile", "bank_card"]),
])
def test_an_id_and_a_phone_number_are_masked_as_before(text, masked, kinds):
    assert mask_pii(text) == masked
    assert [k for k, _, _ in find_pii(text)] == kinds


def test_a_card_is_no_phone_masked_or_not():
    # the route (has_phone) and the labelling rule for identifiable (number_in_post) read phone and ID numbers only,
    # and must say the same of a text and of its masked copy
    text = "退款到6222021234567890128"
    for t in (text, mask_pii(text)):
        assert not has_phone(t) and not number_in_post(t)


def test_an_id_column_keeps_a_number_of_a_cards_shape():
    assert mask_ids("6222021234567890128") == "6222021234567890128"
    assert mask_ids("6222 0212 3456 7890 128") == "***************0128"


def test_ingest_masks_a_card(tmp_path):
    src = tmp_path / "cards.csv"
    src.write_text("微博正文,发布时间\n@好乐买官方客服 邮费退到6222021234567890128 谢谢,2024-05-01 10:00\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["ingest", str(src), "--out", str(out), "--export-time", "2024-05-06 00:00"]) == 0
    got = pd.read_csv(out)
    assert [t.split(" ", 1)[1] for t in got["text"]] == ["邮费退到***************0128 谢谢"]  # ('@ is CSV-safe)
    assert list(got["has_phone"]) == [False]


# Luhn-valid numbers of any scheme, in one piece, after a word naming where money goes or a card word further than
# six characters (as Presidio's context enhancement reads the words of the clause before a number)
@pytest.mark.parametrize(("text", "masked"), [
    ("退款到5500000000000004", "退款到************0004"),                         # a Mastercard, in one piece
    ("card ending 4111111111111111", "card ending ************1111"),              # 'card' 8 characters before
    ("请退到我的工行储蓄卡里面：4111111111111111", "请退到我的工行储蓄卡里面：************1111"),
    ("汇到 5500000000000004 谢谢", "汇到 ************0004 谢谢"),
    ("收款账号：4111111111111111", "收款账号：************1111"),
    ("my account no. is 5500000000000004", "my account no. is ************0004"),
])
def test_a_luhn_valid_card_after_a_refund_word_is_masked(text, masked):
    assert mask_pii(text) == masked
    assert [k for k, _, _ in find_pii(text)] == ["bank_card"]
    assert mask_pii(masked) == masked


@pytest.mark.parametrize("text", [
    "5150713686247086",                                 # the Smartisan ticket alone (STC-3), Luhn-valid
    "转发3500000000000009", "转发微博 3500000000000009",  # Weibo mids after 转发, 微博
    "card ending 4111111111111112",                     # not Luhn-valid, the card word 8 characters before
    "退款到5500000000000005",                            # not Luhn-valid, no card word
    "退款到账了。5500000000000004",                       # the word is in another clause
    "呼转到 4111111111111111", "电话打到4111111111111111",  # calls, not money: no context
    "@江南Ricardo 4111111111111111",                     # card inside a name
    "信用卡还款的单号很长很长很长很长很长很长很长 4111111111111111",  # more than twelve characters after the word
])
def test_no_card_without_its_context(text):
    assert find_pii(text) == [] and mask_pii(text) == text


def test_a_column_header_is_context():
    # ingest masks cell by cell: a Visa in one piece under 银行卡号 is a card, read with its header as context
    assert mask_pii("4111111111111111", context="银行卡号") == "************1111"
    assert mask_pii("4111111111111111") == "4111111111111111"
    assert mask_pii("5150713686247086", context="工单号") == "5150713686247086"


def test_ingest_masks_a_visa_under_a_card_header(tmp_path):
    src = tmp_path / "cards.csv"
    src.write_text("微博正文,发布时间,银行卡号\n退款,2024-05-01 10:00,4111111111111111\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["ingest", str(src), "--out", str(out), "--export-time", "2024-05-06 00:00"]) == 0
    assert "4111111111111111" not in out.read_text(encoding="utf-8")
    assert "************1111" in out.read_text(encoding="utf-8")
