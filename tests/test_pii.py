"""wbcs.pii on numbers that are values, not phone or ID numbers: the CLI masks all it prints, JSON and tables
included, so a float's digits or a list of counts must come out as they went in, while a phone number next to
a point, a comma or in a path is still masked, and so is an ID number whatever its check character."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbcs.pii import find_pii, mask_pii


@pytest.mark.parametrize("text", [
    "5.828059131936",                        # the float the first stdout mask turned into 5.828****3605-like text
    '{"x": 0.1381234567891}', "0.13812345678", "-0.13812345678", "[13, -8.12345678]",
    "1.3812345678e+10", "1.3812345678E-05", "-1.3812345678e+10",
    "0.614679\n2025-02-04    48.116667",     # a table's last column glued to the next row's date
    '  "p90_response_minutes": 697.8633333333333,\n   "volume": 3',
    "[1, 5, 2, 0, 3, 1, 4, 0, 2, 1, 1]",     # a list of counts, as Python and json.dumps write it
    "[\n 1,\n 5,\n 2,\n 0,\n 3,\n 1,\n 4,\n 0,\n 2,\n 1,\n 1\n]",  # and json.dumps(indent=1)
    "余额5.13812345678",                      # a decimal is one value
])
def test_numbers_that_are_values_are_not_masked(text):
    assert mask_pii(text) == text and find_pii(text) == []


@pytest.mark.parametrize("text, masked", [
    ("电话13812345678。", "电话138****5678。"),
    ("tel:13812345678", "tel:138****5678"),
    ("/data/13812345678/x.csv", "/data/138****5678/x.csv"),
    ("客户13812345678.csv", "客户138****5678.csv"),            # '.csv' after digits is no decimal
    ("手机13812345678.谢谢", "手机138****5678.谢谢"),
    ("电话13812345678。3点联系", "电话138****5678。3点联系"),    # '。' ends a sentence, it is no decimal point
    ("电话13812345678，3点联系", "电话138****5678，3点联系"),
    ("13812345678.5", "138****5678.5"),                       # a decimal's integer part alone is still read
    ("138.1234.5678", "138****5678"), ("１３８．１２３４．５６７８", "138****5678"), ("+86.10.12345678", "010-****5678"),
    ("138,1234,5678", "138****5678"), ("13812345678, 5", "138****5678, 5"),
    ("wrote /tmp/a@example.com/r.html", "wrote /tmp/a***@example.com/r.html"),
    ("0.5 13812345678", "0.5 138****5678"),
])
def test_phone_numbers_next_to_points_commas_and_in_paths_are_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    ("我的邮箱 jolly0220@live•cn", "我的邮箱 j***@live.cn"),  # a real address of the gold test part, shown by notebook 03
    ("abc123@qq·com", "a***@qq.com"), ("abc@qq。com", "a***@qq.com"), ("abc@qq・com", "a***@qq.com"),
    ("138·1234·5678", "138****5678"),
    ("郑州·河南", "郑州·河南"), ("分享自@中国移动·北京", "分享自@中国移动·北京"),  # a place, a mention: no address
])
def test_an_email_with_its_dot_written_as_a_middle_dot_or_bullet_is_masked(text, masked):
    assert mask_pii(text) == masked


FLOATS = st.floats(allow_nan=False, allow_infinity=False)
JSONS = st.recursive(st.none() | st.booleans() | st.integers(-10**9, 10**9) | FLOATS,
                     lambda inner: st.lists(inner, max_size=12) | st.dictionaries(st.sampled_from("abc"), inner),
                     max_leaves=40)


@given(JSONS, st.sampled_from([None, 1, 2]))
def test_json_numbers_come_out_byte_for_byte(data, indent):
    # an 11-digit integer that looks like a mobile would rightly be masked, hence the bounds
    text = json.dumps(data, indent=indent)
    assert mask_pii(text) == text


# 110101199003071234: the weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 give 174; 174 % 11 = 9 -> it should end in 3
@pytest.mark.parametrize("text, masked", [
    ("身份证110101199003071234，宽带", "身份证110***********1234，宽带"),
    ("110105194912310021", "110***********0021"),               # the check character should be 'X'
    ("11010519900307123x", "110***********123X"),
    ("１１０１０１１９９００３０７１２３４", "110***********1234"),  # full width
    ("110101 19900307 1234", "110***********1234"),             # split after the region and the birth date
    ("110101-1990-0307-1234", "110***********1234"),
])
def test_an_id_number_with_a_wrong_check_character_is_masked(text, masked):
    # one mistyped digit leaves the region and the birth date readable
    assert mask_pii(text) == masked
    assert [k for k, _, _ in find_pii(text)] == ["id_card"]


@given(st.sampled_from(["110105", "310104", "440305", "510112", "650102", "820000"]),
       st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
       st.from_regex(r"[0-9]{3}[0-9Xx]", fullmatch=True))
def test_any_region_birth_date_and_last_four_make_a_masked_id(region, born, last):
    number = f"{region}{born:%Y%m%d}{last}"
    assert mask_pii(f"证件号{number}。") == f"证件号{number[:3]}{'*' * 11}{last.upper()}。"


@pytest.mark.parametrize("text", [
    "110105194913310028",            # month 13
    "990105199003071234",            # no province 99
    "110105209901011234",            # born in the future
    "110105189912311234",            # born before 1900
    "订单号201603071234561234",       # an 18-digit order number stamped YYYYMMDDhhmmss: no province 20
    "150628080521123",               # a 15-digit one stamped YYMMDDhhmmss: the hour 08 is no birth year
    "220907120131456",               # 2022-09-07 12:01:31
    # a count, a date and a number in a row line up as 510112|2016-03-07|1234, which no one writes an ID as:
    # without its check character (it should be 0) it is no ID
    "510112  2016-03-07  1234", "510112,2016-03-07,1234",
])
def test_numbers_that_only_look_like_an_id_stay(text):
    assert find_pii(text) == [] and mask_pii(text) == text


def test_a_first_generation_id_is_read_from_1924_on():
    # 15 digits: region, YYMMDD, sequence. An order number stamped YYMMDDhhmmss puts the hour (00-23) where
    # the birth year is, so the years 1900-1923 (IDs void since 2013, holders over 100) are left to it
    assert mask_pii("老身份证510112860628423") == "老身份证510********8423"
    assert mask_pii("110105240101002") == "110********1002"
    assert mask_pii("110105230101002") == "110105230101002"
