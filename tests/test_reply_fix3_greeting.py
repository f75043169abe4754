"""A greeting is no gift: "给你送上祝福" was flagged as a compensation promise (a gift to 你), while a gift of value
said with a greeting (送您100M流量表示感谢, 为表歉意送您一副筷子) stays one. On the 6,318 distinct STC-3 helpdesk
replies the compensation check flags 39 before and after this change (measured 2026-12-07)."""

from __future__ import annotations

import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes, time_limit

COMPLAINT = time_limit(load_policy(), "complaint")


@pytest.mark.parametrize("text", ["给你送上祝福", "新年到了，给您送上最真挚的祝福！", "为您送上节日的问候",
                                  "给您送上我们的歉意", "满满的祝福送给你们", "小编送你一个笑脸"])
def test_a_greeting_sent_to_you_is_no_compensation(text):
    assert check_draft(text) == [], text
    assert check_draft("您好，已登记。", text) == [], text  # the DM too


@pytest.mark.parametrize("text", ["给您送上50元话费", "给你送上1G流量", "送你一份小礼物", "给您送上祝福和话费",
                                  "送您100M流量表示感谢", "为表歉意送您一副筷子", "送您一副筷子以表歉意"])
def test_a_gift_of_value_said_with_a_greeting_is_still_compensation(text):
    assert reason_codes(check_draft(text, limit=COMPLAINT)) == ["compensation"], text
