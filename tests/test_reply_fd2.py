"""vague_time missed a team's 尽快 whenever 已 or a word asking the customer (请, 建议, 您需...) came anywhere earlier in
the clause: "您的问题我们已记录并将尽快反馈处理" (15 of the 288 telecom STC-3 helpdesk turns with 尽快 say exactly this)
passed while "我们已收到反馈，会尽快为您处理" was flagged. The guards now hold only when they govern the word itself:
已尽快为您处理 is a report, 请尽快办理 asks the customer; 已记录并将尽快反馈 and 请放心我们会尽快为您处理 promise.
Measured 2026-12-07 on the 6,318 distinct STC-3 helpdesk replies (complaint clock): vague_time 397 -> 415, 18 gained
(all read), none lost, no other check changed."""

import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes, time_limit, time_promise, vague_time

COMPLAINT = time_limit(load_policy(), "complaint")


@pytest.mark.parametrize("text, phrase", [
    ("您好，您的问题我们已记录并将尽快反馈处理，请保持电话畅通。", "尽快反馈"),  # STC-3
    ("请放心我们会尽快为您处理", "尽快为您处理"),
    ("您好已为您提交工单将尽快联系您处理", "尽快联系"),
    ("好的,我们已催促工作人员尽快处理", "尽快处理"),  # STC-3: 已 governs the urging, the handling is to come
    ("您好,小沃已催促工作人员尽快核实,请您保持手机畅通,谢谢.", "尽快核实"),  # STC-3
    ("亲,请私信提供一下手机号码尽快为您核实.", "尽快为您核实"),  # STC-3: 为您, the team acts
    ("我们会请分店尽快跟您联系.谢谢.", "尽快跟您联系"),  # STC-3: the team asks a third party
    ("亲,非常感谢您提出的问题,我们会反馈并请上级部门尽快处理,敬请您再关注哦~", "尽快处理"),  # STC-3
    ("您好,非常抱歉,建议您留下联系方式会尽快联系您补给您的", "尽快联系"),  # STC-3: 会, the team again
])
def test_a_team_promise_after_an_earlier_already_or_please_is_vague(text, phrase):
    assert vague_time(text) == phrase
    assert reason_codes(check_draft(text, "私信", limit=COMPLAINT)) == ["vague_time"]


@pytest.mark.parametrize("text", [
    "已尽快为您处理。",  # 已 governs 尽快: a report
    "已经及时帮您反馈了。",
    "已为您尽快处理。",
    "我们已在第一时间为您反馈。",
    "请尽快办理。",  # 请 governs 尽快: the customer's step
    "请及时与我们联系.",  # STC-3
    "麻烦亲查看下私信及时回复哦",  # STC-3
    "小U建议您选择您需要的号码后尽快办理购买的哦",  # STC-3
    "请及时为您的账户充值。",  # 为您的: the customer's own, not the team for the customer
])
def test_already_or_please_governing_the_word_still_passes(text):
    assert vague_time(text) is None
    assert check_draft(text, limit=COMPLAINT) == []


def test_time_promise_reads_the_customers_step_the_same_way():
    # the same guard in time_promise skipped a team's 24 hours after 请放心; 请您24小时内回复我们 stays the customer's
    assert time_promise("请放心我们会24小时内处理", COMPLAINT) == "24小时内处理"
    assert time_promise("请您24小时内回复我们", COMPLAINT) is None
