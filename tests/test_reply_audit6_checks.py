"""The draft checks' gaps an audit found: a gift or refund to 你/亲 or "to your account", a live broadcast said
as "在微博更新" or "在评论里告诉您", and a handling time said as "一般24小时内会有结果" or "预计需要24小时" all passed."""

from __future__ import annotations

import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes, time_limit

COMPLAINT = time_limit(load_policy(), "complaint")  # 48 hours on the calendar


@pytest.mark.parametrize("text", ["我们送你1G流量", "为你赠送10元话费", "多扣的钱会退给你", "给亲赠送10元话费",
                                  "送亲100M流量表示歉意", "给你免了这个月的月租", "多扣的费用会退到您的账户",
                                  "核实后会为您免收本月月租"])
def test_compensation_to_you_or_your_account_is_flagged(text):
    assert reason_codes(check_draft(text, limit=COMPLAINT)) == ["compensation"]
    assert reason_codes(check_draft("您好，已登记。", text, limit=COMPLAINT)) == ["compensation"]  # the DM too


@pytest.mark.parametrize("text", [
    "你可以到营业厅申请退款",  # the customer's step
    "你的话费无法退还",  # negated
    "亲，请问您的号码是多少？",  # 亲 as a greeting, no gift
    "亲爱的顾客,您是可以选择原渠道退款的",
    "我们亲自为您处理",
    "给亲人送流量的活动已结束",
    "为您免费开通来电显示",  # a free service, no waiver of a charge
])
def test_no_promise_to_you_is_not_flagged(text):
    assert check_draft(text, limit=COMPLAINT) == [], text


@pytest.mark.parametrize("text", ["后续进展会在微博更新，请关注", "处理进度会在评论里告诉您",
                                  "有进展我们会第一时间在微博上告诉大家", "处理进度会在这条微博下面告诉大家"])
def test_a_live_broadcast_on_weibo_or_told_in_the_comments_is_flagged(text):
    assert reason_codes(check_draft(text, limit=COMPLAINT)) == ["live_broadcast"]


@pytest.mark.parametrize("text", [
    "您好，这里是中国电信客服，处理进度我们会通知您",  # 这里: the account itself, not a public place
    "有进展会在微博私信告诉您",  # a private channel
    "处理结果会在评论里回复您",  # the final result may be published where the post was
    "我们会48小时内处理，有问题可在评论里回复我们",  # the customer's step (48小时内: the clock, no vague 尽快)
])
def test_telling_in_private_or_the_result_is_no_live_broadcast(text):
    assert check_draft(text, limit=COMPLAINT) == [], text


@pytest.mark.parametrize("text, phrase", [("请耐心等待，一般24小时内会有结果", "24小时内会有结果"),
                                          ("预计需要24小时", "预计需要24小时"),
                                          ("处理需要三天左右", "处理需要三天")])
def test_a_handling_time_said_as_a_result_or_an_estimate_is_flagged(text, phrase):
    assert check_draft(text, limit=COMPLAINT) == [
        f"time_promise: promises a time the policy does not give ({phrase}; "
        f"the policy's resolve clock for complaint: 48小时内)"]


@pytest.mark.parametrize("text", ["预计需要48小时", "处理需要两天左右",  # the policy's own clock
                                  "预计24小时内生效",  # a product's timing
                                  "您需要24小时后再试",  # the customer's step
                                  "预计需要多久？"])
def test_the_policys_clock_or_no_estimate_passes(text):
    assert check_draft(text, limit=COMPLAINT) == [], text
