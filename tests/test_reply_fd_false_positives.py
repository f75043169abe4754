"""False positives of the reply checks found on real STC-3 helpdesk replies (helper FD, 2026-12-07).

time_promise read the round-the-clock slogan "客服同学24小时为您排忧解难" (STC-3) as a promise of 24 hours: 为您 after
the duration counted as the team's action on the case, while the service for the customer with no bound (内) between
is the service's hours, as 24小时服务热线 already was."""

from __future__ import annotations

import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes, time_limit, time_promise

POLICY = load_policy()
COMPLAINT = time_limit(POLICY, "complaint")


@pytest.mark.parametrize("text", [
    "您好,感谢您的支持,我们的会员服务热线是：400 810 3568,客服同学24小时为您排忧解难",  # STC-3
    "我们24小时为您服务",
    "7×24小时竭诚为您提供服务",
    "全天24小时为大家答疑解惑",
])
def test_round_the_clock_service_is_no_time_promise(text):
    assert time_promise(text, COMPLAINT) is None
    assert check_draft(text, limit=COMPLAINT) == []


@pytest.mark.parametrize("text, phrase", [
    ("我们24小时给您回复", "24小时给您回复"),  # a deadline said without 内 (customers quote 承诺24小时解决)
    ("24小时为您处理", "24小时为您处理"),
    ("24小时内为您服务", "24小时内为您"),  # bounded: a time
    ("客服会在12小时内为您排忧解难", "12小时内为您"),
])
def test_a_handling_time_is_still_a_time_promise(text, phrase):
    assert time_promise(text, COMPLAINT) == phrase
    assert reason_codes(check_draft(text, limit=COMPLAINT)) == ["time_promise"]


# ---------------------------------------------------------------------------------------------- vague_time by route
# The suggestion route borrows the consultation clocks (data/routes.yaml) for its deadlines, so its "我们会尽快反馈"
# got vague_time against the consultation's 48-hour answer clock; but no answer follows a suggestion (DOMAIN.md gives
# suggestions no clock, standard §4.5.4 collects them without one): a route marked answer_clock: false owes none.

SUGGESTION = "{customer}感谢您的宝贵建议！我们会尽快反馈给相关部门研究。"


def _book(answer_clock):
    from wbcs.reply.templates import load_replies, parse_replies

    shipped = load_replies()
    raw = {"operators": {"default": "t", "t": {"name": "中国电信", "account": "中国电信{province}客服", "hotline": "10000"}},
           "topics": {"other": "相关"},
           "routes": {r: {"reply": False} for r in shipped.routes}}
    raw["routes"]["suggestion"] = {"dm": False, "public": SUGGESTION} | (
        {} if answer_clock is None else {"answer_clock": answer_clock})
    raw["routes"]["answer"] = {"dm": False, "public": SUGGESTION}
    return parse_replies(raw)


def _drafts(book, route):
    import pandas as pd

    from wbcs.reply.drafts import Drafter, draft_replies

    posts = pd.DataFrame({"post_id": ["p1"], "text": ["建议你们的宽带套餐增加一个月付的选项"]})
    routed = pd.DataFrame({"post_id": ["p1"], "route": [route], "kind": ["consultation"]})
    return draft_replies(posts, routed, Drafter(book, policy=POLICY)).iloc[0]


def test_as_soon_as_possible_passes_on_a_route_that_answers_nothing_later():
    d = _drafts(_book(False), "suggestion")
    assert d["draft"] == "感谢您的宝贵建议！我们会尽快反馈给相关部门研究。" and d["checks"] == "ok", d["checks"]
    consultation = time_limit(POLICY, "consultation", answers=False)
    assert check_draft("我们会尽快反馈。", limit=consultation) == []
    # the kind's clock still bounds a time the reply says
    assert reason_codes(check_draft("我们会在24小时内给您反馈。", limit=consultation)) == ["time_promise"]


@pytest.mark.parametrize("answer_clock, route", [(None, "suggestion"), (True, "suggestion"), (False, "answer")])
def test_a_route_that_answers_later_still_gets_vague_time(answer_clock, route):
    d = _drafts(_book(answer_clock), route)
    assert d["checks"].startswith("vague_time: promises no time limit (尽快反馈;"), d["checks"]


def test_answer_clock_must_be_true_or_false():
    from wbcs.errors import InputError

    with pytest.raises(InputError, match="routes.suggestion: dm, reply and answer_clock must be true or false"):
        _book("no")


def test_the_desk_checks_an_edit_on_the_route_s_clock(tmp_path):
    import pandas as pd

    from wbcs.labeling.store import LabelStore
    from wbcs.reply.desk import ReplyDesk

    items = pd.DataFrame([_drafts(_book(False), "suggestion")]).assign(text="建议增加月付选项")
    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(items, store, "agent", book=_book(False), policy=POLICY)
        assert desk.checks() == []
        desk.book = _book(True)  # the same wording on a route that answers later
        assert reason_codes(desk.checks()) == ["vague_time"]


# ------------------------------------------------------------------------------- vague_time: 及时 and 第一时间
# An audit of 60 STC-3 helpdesk replies (seed 20261207) and the replies like them: "有结果后第一时间回复您" and
# "会及时与您联系" promise the answer as soon as possible just as 尽快 does, with no time, and passed. With them, the
# cases where those words promise nothing: the customer's step toward the team (可以及时反馈给我们), a noun's
# attribute (感谢您的及时反馈), negated (没有及时回复您), a purpose said at length (以便我们后续能够第一时间响应).

CONSULTATION = time_limit(POLICY, "consultation")


@pytest.mark.parametrize("text, phrase", [
    ("博主您好,您的问题我们正在处理,有结果后第一时间回复您,请您谅解", "第一时间回复"),  # STC-3
    ("核实您反馈的情况,工作人员已在处理中,待有消息会及时联系您的.", "及时联系"),  # STC-3
    ("您好,您反映的情况我们已认真记录,会及时向相关部门反馈,敬请等待[呵呵]；", "及时向相关部门反馈"),  # STC-3
    ("我们将及时为您受理、解决.", "及时为您"),
    ("实在抱歉了,请问您的订单号是多少,小零尽快安排客服为你处理", "尽快安排"),  # STC-3: 客服 here is the team's
])
def test_as_soon_as_possible_in_other_words_is_vague(text, phrase):
    from wbcs.reply.checks import vague_time

    assert vague_time(text) == phrase
    for limit in (COMPLAINT, CONSULTATION):
        assert reason_codes(check_draft(text, limit=limit)) == ["vague_time"]
    assert check_draft(text, limit=time_limit(POLICY, "consultation", answers=False)) == []


@pytest.mark.parametrize("text", [
    "感谢您的及时反馈.",  # STC-3
    "有问题要及时联系俺们哈",  # STC-3
    "若重复出现了,可以及时反馈给我们.",  # STC-3
    "消息太多,小v没有及时回复您不便之处还请谅解.",  # STC-3
    "希望您能关注花粉助手小D,以便我们后续能够第一时间响应并跟进您遇到的问题.",  # STC-3
    "没问题,我们会在48小时内给您答复",  # 没问题 negates nothing; the clock is stated
])
def test_no_promise_of_the_team_passes(text):
    assert check_draft(text, limit=COMPLAINT) == [], text


# ------------------------------------------------------------------------- compensation: told, not promised
# A refund made already is the ticket's result, which may be told; the system's own automatic refund is a product's
# rule, as a product's timing is no time promise. Both were flagged as compensation promised before the ticket
# (11 of the 38 flags on the 6,318 distinct STC-3 helpdesk replies, all read).

@pytest.mark.parametrize("text", [
    "已经为您返还,请注意查收",  # STC-3
    "您好,已经为您做退款了,请及时查看您的账户",  # STC-3
    "您好 实在抱歉 给您造成了不便 这面看到同事已经给您手工操作给您返现133元",  # STC-3
    "您的退款已经在4月27号办理成功,预计到账时间以银行为准.",  # STC-3
    "经核实,您此两笔订单已为您退款处理,请您了解.",  # STC-3
    "您好,失败的交易系统会自动返还哦",  # STC-3
    "您好哦,支付宝出货失败系统会自动退款哦,亲不用担心哈",  # STC-3
])
def test_a_refund_made_or_automatic_is_no_promise(text):
    from wbcs.reply.checks import compensation

    assert compensation(text) is None
    assert check_draft(text) == []


@pytest.mark.parametrize("text", [
    "已核实将为您退款",  # 已 then 将: still to come
    "已登记,会为您退款",
    "我们会为您退款,放心您不会有任何损失",  # STC-3
    "艺龙将全额赔付给您.",  # STC-3
])
def test_a_refund_still_to_come_is_a_promise(text):
    assert reason_codes(check_draft(text)) == ["compensation"]
