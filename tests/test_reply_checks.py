"""Every check of a draft fails on a draft crafted to break it, and says why."""

from __future__ import annotations

import pytest

from wbcs.reply.checks import check_draft, reason_codes

GOOD = "您好，给您带来不便深表歉意！请私信提供联系电话，我们会尽快为您处理。"
DM = "您好，请告知您的姓名和联系电话。"


def test_a_compliant_draft_passes():
    assert check_draft(GOOD, DM, needs_dm=True) == []
    assert check_draft(GOOD) == []
    # masked numbers are fine, and so are service numbers that are no one's phone
    assert check_draft("您好，您的号码138****5678已登记，也可拨打10000或12321。") == []


@pytest.mark.parametrize("public, private, needs_dm, code, words", [
    ("", None, False, "empty", "no public reply"),
    ("好" * 141, None, False, "too_long", "over 140 characters (141)"),
    ("您好，请拨打13812345678联系张师傅。", None, False, "pii_public", "unmasked mobile"),
    (GOOD, "已为您登记，回执发到alice@example.com", False, "pii_private", "unmasked email"),
    ("您好，处理进度会在评论区实时更新，请关注。", None, False, "live_broadcast", "实时更新"),
    ("您好，维修进展我们会在此逐条通报。", None, False, "live_broadcast", "进展我们会在此逐条通报"),
    ("非常抱歉，我们会给您补偿。", None, False, "compensation", "补偿"),
    (GOOD, "核实后会为您退还多扣的话费。", False, "compensation", "退还多扣的话费"),
    ("送您1G流量表示歉意。", None, False, "compensation", "送您1G流量"),
    (GOOD, None, True, "missing_dm", "needs a private message"),
    ("{customer}您好，请拨打{hotline}。", None, False, "unfilled_slot", "{customer}"),
])
def test_each_failure_reason_on_a_crafted_draft(public, private, needs_dm, code, words):
    reasons = check_draft(public, private, needs_dm=needs_dm)
    assert reason_codes(reasons) == [code], reasons
    assert words in reasons[0]


def test_140_characters_exactly_passes_and_several_reasons_come_together():
    assert check_draft("好" * 140) == []
    reasons = check_draft("好" * 150 + "直播处理过程，补偿100元，电话13812345678", None, needs_dm=True)
    assert reason_codes(reasons) == ["too_long", "pii_public", "live_broadcast", "compensation", "missing_dm"]


def test_a_missing_draft_is_empty_and_a_non_text_one_is_refused():
    import math

    from wbcs.errors import InputError

    assert reason_codes(check_draft(math.nan)) == reason_codes(check_draft(None)) == ["empty"]
    with pytest.raises(InputError, match="the public draft must be text, got int"):  # was an AttributeError
        check_draft(123)
    with pytest.raises(InputError, match="the private draft must be text, got list"):
        check_draft("您好", ["x"])
