"""Bank cards in two more forms. A 19-digit UnionPay card written as banks' SMS and apps write it, its six-digit
issuer number apart from the rest (卡号622202 1234567890128), was left as written, while the same digits in one piece
or in groups of four were masked. A Visa or Mastercard in one piece with no card or account word stays as written:
Weibo mids of 2016-07 to 2024-02 start as a Visa (4...), those since 2024-11 as a Mastercard (51-55), and the only
such numbers in the mirror's 96,820 texts are service tickets. The Luhn-valid numbers were completed by hand (every
second digit from the right doubled, the sum a multiple of 10): 6222021234567890128 (80), 6217000010012345677 (50),
4392261234567890120 (80), 2503121234567890124 (70); and the real ones below: 5151105766522836 (50),
4003988258449482 (80)."""

import pandas as pd
import pytest

from wbcs.pii import find_pii, mask_ids, mask_pii
from wbcs.text import mask_frame


@pytest.mark.parametrize(("text", "masked"), [
    ("卡号622202 1234567890128", "卡号***************0128"),
    ("622202 1234567890128", "***************0128"),                      # Luhn-valid, no card word
    ("622202-1234567890128", "***************0128"),
    ("您尾号的卡621700 0010012345677于12月5日入账", "您尾号的卡***************5677于12月5日入账"),
    ("６２２２０２　１２３４５６７８９０１２８", "***************0128"),       # full width
    ("退款到 439226 1234567890120，谢谢", "退款到 ***************0120，谢谢"),  # a Visa so written, after a word
    ("卡号622202 1234567890127", "卡号***************0127"),                # mistyped, after a card word
    ("13812345678 622202 1234567890128", "138****5678 ***************0128"),
])
def test_a_card_written_six_and_thirteen_is_masked(text, masked):
    assert mask_pii(text) == masked
    assert "bank_card" in [k for k, _, _ in find_pii(text)]
    assert mask_pii(masked) == masked


@pytest.mark.parametrize(("text", "masked", "kinds"), [
    # a Gansu ID starts 62 as UnionPay does; split after its region it is read as an ID first, even one that passes
    # the Luhn check too (620102199003071109: check character 9, 212 % 11 = 3; Luhn sum 50) after a card word
    ("银行卡号 620102 199003071109", "银行卡号 620***********1109", ["id_card"]),
    ("银行卡号和身份证：620102 19900307 1232", "银行卡号和身份证：620***********1232", ["id_card"]),
    ("620102-1990-0307-1232", "620***********1232", ["id_card"]),
])
def test_an_id_split_after_its_region_is_still_an_id(text, masked, kinds):
    assert mask_pii(text) == masked
    assert [k for k, _, _ in find_pii(text)] == kinds


@pytest.mark.parametrize("text", [
    "622202 1234567890127",                 # fails the check, no card word
    "订单号 622202 1234567890127",
    "250312-1234567890124", "439226 1234567890120",  # Luhn-valid, 6 + 13, not 62: a date and a serial as often
    "5151105766522836  这么晚了,还回复.多谢了",  # an STC-3 service ticket, Mastercard's range, Luhn-valid
    "https://m.weibo.cn/status/4003988258449482",  # an STC-3 mid (2016), Visa's range, Luhn-valid
    "4003988258449482",
])
def test_what_is_no_card_stays(text):
    assert find_pii(text) == [] and mask_pii(text) == text


def test_an_id_column_masks_a_card_so_written_and_keeps_a_mid():
    assert mask_ids("622202 1234567890128") == "***************0128"
    frame = pd.DataFrame({"mid": ["4003988258449482"], "text": ["卡号622202 1234567890128"]})
    assert mask_frame(frame).to_dict("list") == {"mid": ["4003988258449482"], "text": ["卡号***************0128"]}
