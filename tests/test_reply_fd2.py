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


# ------------------------------------------------------------------------------------ pii_public: service lines
# 8 of the 24 STC-3 helpdesk replies pii_public flagged told the customer a business's service line to call: no
# personal data (find_pii already passes 10086, 95xxx, 400/800 numbers by form). Measured 2026-12-07 on the 6,318
# distinct replies: pii_public 24 -> 16, the 8 dropped all read (客服电话, 游戏客服, 售后, 欢迎致电, 请您...致电); the 16
# kept: 8 with a mobile, 2 an e-mail, 6 a landline not named as a service line (a store's 联系电话/电话 after its address).

@pytest.mark.parametrize("text", [
    "或者也可以登入gm.91.com及拨打客服电话0591-87085788,客服人员都会热心帮助您哦",  # STC-3
    "如有其它疑问,欢迎致电0871-65100000反馈,祝您生活愉快！",  # STC-3
    "您可以咨询一下游戏客服0591-87085785 （专员咖啡）",  # STC-3
    "您好,您可以直接拨打广东售后020-85699192或者全国客服热线8008205789.",  # STC-3
    "如仍有疑问可以致电售后电话.400-0818666 0755-23084007 0755-23086657",  # STC-3: a list after the name
    "请您使用绑定手机在正常工作日9点到18点致电0591-87085788咨询一下详细情况哦~",  # STC-3
    "服务热线：010-82149985，请拨打10086或4008208820。",
])
def test_a_service_line_told_to_the_customer_is_no_pii(text):
    assert check_draft(text) == []
    assert check_draft("您好。", text) == []  # nor in the private message


@pytest.mark.parametrize("text, kind", [
    ("客服电话13810011234", "mobile"),  # a mobile number is always flagged
    ("问题有疑问可直接联系您的客服经理：区嘉洁,联系电话18927506623,谢谢.", "mobile"),  # STC-3
    ("我们会致电0591-87085788与您联系", "landline"),  # the team calls it: the customer's
    ("请问您的联系电话是0591-87085788吗？", "landline"),
    ("请留下您的固话0591-87085788", "landline"),
    ("客服电话：0591-87085788，您的电话0591-87085700已登记", "landline"),  # the service line passes, not the other
    ("城台营业厅（地址：西宁市五四大街23号,联系电话：0971-6141626）", "landline"),  # STC-3: a 联系电话 stays flagged
])
def test_a_customers_number_stays_flagged(text, kind):
    assert check_draft(text) == [f"pii_public: unmasked {kind} in the public reply"]
    assert check_draft("您好。", text) == [f"pii_private: unmasked {kind} in the private message"]
