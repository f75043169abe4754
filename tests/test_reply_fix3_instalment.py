"""A contract's instalments said across a sentence are no refund: STC-3's 在网有礼 reply (retrieved as an alternative
for 5 of 300 sampled telecom posts) was flagged as compensation for its last clause "也就是返还您的10元话费不会抵扣...",
the same 返还 as the sentence's "分24个月返还给您，每月返还10元". On the 6,318 distinct STC-3 helpdesk replies the
compensation check flags 38 (was 39; this reply the only change, measured 2026-12-07)."""

from __future__ import annotations

from wbcs.reply.checks import check_draft, reason_codes

ZAIWANG = ("您好,如您的宽带产品参加了在网有礼活动,您预存的240元,分24个月返还给您,每月返还10元,这10元费用,您可在礼包一、"
           "二、三中任选一种,礼包四、五、六可重复选择,也就是返还您的10元话费不会抵扣您参加礼包四的提速费用,在网有礼提速是免费的.")


def test_the_instalment_word_elsewhere_in_its_sentence_is_no_refund():
    assert check_draft(ZAIWANG) == []


def test_another_refund_word_beside_an_instalment_is_still_a_promise():
    assert reason_codes(check_draft("您的预存款每月返还10元，多扣的话费会退还给您。")) == ["compensation"]
    # in a sentence of its own the same word is a promise again
    assert reason_codes(check_draft("您的预存款每月返还10元。多扣的50元也返还给您。")) == ["compensation"]
