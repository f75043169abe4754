"""A greeting or a delivery is no gift: "给你送上祝福" and "为您送上门" were flagged as compensation promises (a gift to
你), while a gift of value said with a greeting (送您100M流量表示感谢, 为表歉意送您一副筷子) stays one. On the 6,318
distinct STC-3 helpdesk replies the compensation check flags 39 before and after the greeting change, and after the
delivery one (measured 2026-12-07; 38 since the instalment change, test_reply_fix3_instalment)."""

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


@pytest.mark.parametrize("text", ["工作人员会为您送上门", "快递会给您送到家", "我们会帮您送修", "师傅会给您送过去新的光猫",
                                  "给您送检", "帮您送件"])
def test_a_delivery_or_a_repair_to_you_is_no_gift(text):
    assert check_draft(text) == [], text


def test_a_gift_brought_to_you_is_still_one():
    assert reason_codes(check_draft("为您送来100M流量")) == ["compensation"]
