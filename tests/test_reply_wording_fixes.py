"""What the reply wording may promise: no refund and no live broadcast, the policy's time limit,
a DM only where the route sends one, known aggregation rules; and the desk on drafts read back."""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd
import pytest
import yaml

from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.labeling.store import LabelStore
from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes
from wbcs.reply.desk import ReplyDesk
from wbcs.reply.drafts import draft_replies, make_drafter, unified_drafts
from wbcs.reply.team import team_replies
from wbcs.reply.templates import load_replies, parse_replies, resolve_within
from wbcs.triage import route_posts

T0 = pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai")  # a Monday, inside duty hours


# --------------------------------------------------------------------------- forbidden promises

@pytest.mark.parametrize("text, code", [
    ("核实后会把多扣的钱退给您", "compensation"),
    ("多收的费用会全额退回", "compensation"),
    ("我们会退您50元", "compensation"),
    ("本月给您免单", "compensation"),
    ("会给您返50元话费", "compensation"),
    # STC-3, a real helpdesk reply retrieved as an alternative
    ("您好,由于国际漫游费用牵涉到国家运营商之间费用结算问题,故结算周期较长.需要关闭国际漫游/国际长途功能后的"
     "2个账期进行退还.给您带来不便十分抱歉,请您谅解.", "compensation"),
    ("处理进度我们会在这条微博下面持续更新", "live_broadcast"),
    ("我们会实时跟进并在评论里更新进度", "live_broadcast"),
    ("后续进展会同步在本微博", "live_broadcast"),
])
def test_refund_and_live_update_promises_are_flagged(text, code):
    assert reason_codes(check_draft("您好，给您带来不便深表歉意！" + text + "。")) == [code]
    if code == "compensation":  # in the private message too
        assert reason_codes(check_draft("您好，已登记。", text)) == [code]


@pytest.mark.parametrize("text", [
    # ordinary STC-3 helpdesk replies the old phrase lists flagged (all of them promise nothing)
    "您好,赠送流量都是在套餐流量使用完后才开始使用的哦.",
    "您好,4g套餐暂时无法参加赠送流量哦",
    "您好,您指的没有这笔钱,是通过哪一个渠道得知呢？如没有缴费成功,银行卡是否有收到相应退款？",
    "您好！由于流量为动态信息,流量数据是实时更新,不同时间段查询的流量可能会不一样哦.",
    "您好  乐视体育会员主要是针对一些付费体育直播进行观看的权益 比如中超付费的场次等",
    "您是参加的\"存100得340\"活动吗？合约期内,对处于有效期和充值期的客户进行返费、赠费,返费和赠费时间是每月3-5号.",
    "很抱歉会员无法补偿的.非常感谢您对乐视的支持.",
    "亲爱的顾客,您是可以选择原渠道退款的,如果您未选择原渠道退款,将默认存至您的虚拟账户中.谢谢！",
    "查看订单是在航司旗舰店直接预订的哦,您是否有联系航司进行咨询退款进度呢？",
    "您好,“在网有礼”活动的预存款返还之后,是可以做为余额累计使用的,此费用属于不可退预存款,销号时是无法退出的.",
    "您是参与活动交纳的预存款吗？一般合约预存款是分月返还的,并不是一次性到账.",
    "常抱歉如果使用优酷视频客户端浏览图片等非视频类内容,产生的流量不减免,谢谢！",
    # ordinary wording of the team that must keep passing
    "您好，关于您反映的问题，我司工作人员正在积极跟进处理中，请您留意电话回复，谢谢！",
    "您好，处理结果会在本微博公布，感谢您的关注。",  # the final result may be published where the post was
    "您好，处理进度会通过私信更新给您，请留意。",  # a private channel is no broadcast
    "您好，您退回的货物已经收到并且入库。",
    "您好，我们已将解决方法通过私信发送给您，请您注意查收。",
])
def test_ordinary_wording_is_not_flagged(text):
    assert check_draft(text) == [], text


def test_the_desk_refuses_a_refund_promise_so_it_never_becomes_team_wording(tmp_path):
    posts = pd.DataFrame({"post_id": ["a"], "text": ["乱扣我话费！"], "created_at": T0, "intent": ["complaint"],
                          "sentiment": ["negative"], "topic": ["billing"]})
    with LabelStore(tmp_path / "s.sqlite") as store:
        drafts = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False))
        desk = ReplyDesk(drafts.assign(text=posts["text"]), store, "agent1")
        desk.edit(public="您好，核实后会把多扣的钱退给您。")
        assert not desk.accept() and "compensation" in desk.message
        desk.edit(public="您好，处理进度我们会在这条微博下面持续更新。")
        assert not desk.accept() and "live_broadcast" in desk.message
        assert team_replies(store).empty


# --------------------------------------------------------------------------- the policy's time limit

def _policy(**clocks):
    """The shipped policy with the resolve clocks of some kinds replaced: kind=(hours, clock)."""
    pol = load_policy()
    sla = dict(pol.sla)
    for kind, (hours, clock) in clocks.items():
        sla[kind] = dataclasses.replace(sla[kind], resolve_hours=hours, clock=clock)
    return dataclasses.replace(pol, sla=sla)


def test_resolve_within_words_the_clock():
    assert resolve_within(load_policy(), "complaint") == "48小时内"  # DOMAIN.md: answer within 48 hours
    pol = _policy(complaint=(1.5, "calendar"), consultation=(48, "business"), vague_negative=(30, "business"),
                  praise=(None, "calendar"))
    assert resolve_within(pol, "complaint") == "90分钟内"
    assert resolve_within(pol, "consultation") == "4个工作日内"  # 48 duty hours of 08:00-20:00 = 4 duty days
    assert resolve_within(pol, "vague_negative") == "30个工作小时内"  # 2.5 duty days: said in hours
    assert resolve_within(pol, "praise") == resolve_within(pol, None) == "尽快"  # no clock


def _routed_posts() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": ["t", "q"], "text": ["宽带断网了，我的号码13812345678", "出国漫游怎么收费？"],
        "created_at": T0, "intent": ["complaint", "consultation"], "sentiment": ["negative", "neutral"],
        "topic": ["broadband", None], "operator": "china_telecom"})


def test_drafts_promise_the_policys_time_not_48_hours():
    posts, pol = _routed_posts(), _policy(complaint=(24, "calendar"), consultation=(24, "calendar"))
    routed = route_posts(posts, policy=pol, classify=False)
    assert routed["route"].tolist() == ["ticket", "answer"]
    assert ((routed["resolve_by"] - routed["created_at"]) == pd.Timedelta(hours=24)).all()
    d = draft_replies(posts, routed, make_drafter(stc3=False, policy=pol))
    for text in d["draft"]:
        assert "24小时内" in text and "48" not in text, text
    assert d["passes"].all()
    default = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False))
    assert all("48小时内" in text for text in default["draft"])


def test_unified_answer_promises_the_policys_time():
    alerts = pd.DataFrame({"rule": ["question_same_day"], "cluster_key": ["topic:roaming"],
                           "operator": ["china_telecom"], "topic": ["roaming"]})
    u = unified_drafts(alerts, policy=_policy(consultation=(24, "calendar")))
    assert "，24小时内发布详细解答" in u.loc[0, "draft"] and u.loc[0, "checks"] == "ok"
    assert "，48小时内发布详细解答" in unified_drafts(alerts).loc[0, "draft"]


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(data_file("replies.yaml").read_text(encoding="utf-8"))


def _error(raw, source="team.yaml") -> str:
    with pytest.raises(InputError) as e:
        parse_replies(raw, source=source)
    assert "\n" not in str(e.value)
    return str(e.value)


@pytest.mark.parametrize("text, said", [
    ("您好，扣费问题已为您登记核查，48小时内给您答复。", "48小时内给您答复"),
    ("您好，扣费问题已为您登记核查，两小时内给您答复。", "两小时内给您答复"),  # digits only loaded, then flagged each draft
    ("您好，预计1-2个工作日恢复。", "1-2个工作日恢复"),
])
def test_a_time_limit_written_out_is_refused(raw, text, said):
    """The template check reads a time promise as the drafts' check does (``checks.time_promise``): a template
    that loads makes drafts that pass."""
    raw["routes"]["ticket"]["topics"]["billing"]["public"] = text
    m = _error(raw)
    assert m.startswith(f"team.yaml: routes.ticket.topics.billing.public: the time limit '{said}' is written out")
    assert "{resolve_within}" in m


def test_a_customers_deadline_or_service_hours_are_not_a_time_limit(raw):
    for text in ("您好，请您在3天内缴清欠费，{resolve_within}为您处理。", "您好，24小时服务热线{hotline}。"):
        raw["routes"]["ticket"]["topics"]["billing"]["public"] = text
        assert parse_replies(raw, source="team.yaml")


# --------------------------------------------------------------------------- the DM and the route agree

def test_the_answer_route_promises_no_dm_it_does_not_send(raw):
    book = load_replies()
    assert not book.needs_dm("answer")
    for t in [book.routes["answer"]["default"], *book.routes["answer"]["topics"].values()]:
        assert "私信" not in t.public and t.private is None
    bad = copy.deepcopy(raw)
    bad["routes"]["answer"]["public"] = "{customer}您好，您咨询的{topic}问题{resolve_within}给予详细答复，请留意私信。"
    m = _error(bad)
    assert m.startswith("team.yaml: routes.answer.public promises a private message (留意私信)")
    assert "dm: false" in m
    bad["routes"]["answer"]["dm"] = True  # a route that sends the DM may promise it
    bad["routes"]["answer"]["private"] = "您好，关于您咨询的问题，核实后私信答复您。"
    for t in bad["routes"]["answer"]["topics"].values():
        t["private"] = "您好，核实后私信答复您。"
    assert parse_replies(bad, source="team.yaml").needs_dm("answer")


def test_a_misspelt_aggregation_rule_is_refused(raw):
    raw["aggregation"]["question_same_dya"] = raw["aggregation"].pop("question_same_day")
    m = _error(raw)
    assert m == ("team.yaml: aggregation.question_same_dya is not an aggregation rule "
                 "(question_same_day, complaint_same_week)")


# --------------------------------------------------------------------------- drafts read back

def test_an_untouched_draft_read_back_from_csv_is_accepted_not_edited(tmp_path):
    posts = pd.DataFrame({"post_id": ["c"], "text": ["客服真好"], "created_at": T0, "intent": ["praise"],
                          "sentiment": ["positive"]})
    drafts = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False))
    drafts.assign(text=posts["text"]).to_csv(tmp_path / "drafts.csv", index=False)
    read = pd.read_csv(tmp_path / "drafts.csv")
    assert pd.isna(read.loc[0, "private"])  # the praise route sends no DM: an empty cell, read as NaN
    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(read, store, "agent1")
        assert desk.state()["private_draft"] == "" and desk.current_edit()["private"] == ""
        assert desk.accept()
        assert desk.done == {0: "accepted"}
        team = team_replies(store)
    assert not team.loc[0, "edited"] and team.loc[0, "reply"] == drafts.loc[0, "draft"]


def test_the_desk_refuses_a_time_the_policy_does_not_give(tmp_path):
    """An accepted reply becomes team wording that later drafts retrieve: the desk checks its own time promise
    against the clock of the post's kind (complaint: 48 hours, DOMAIN.md), as draft_replies checks the drafts."""
    posts = pd.DataFrame({"post_id": ["a"], "text": ["乱扣我话费！"], "created_at": T0, "intent": ["complaint"],
                          "sentiment": ["negative"], "topic": ["billing"]})
    with LabelStore(tmp_path / "s.sqlite") as store:
        drafts = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False))
        desk = ReplyDesk(drafts.assign(text=posts["text"]), store, "agent1")
        desk.edit(public="您好，我们会在两小时内给您回复处理结果。")
        assert not desk.accept() and "time_promise" in desk.message and "48小时内" in desk.message
        desk.edit(public="您好，我们会在48小时内给您回复处理结果。")
        assert desk.accept()
        assert len(team_replies(store)) == 1
        # a policy whose complaint clock is two hours accepts the same words
        desk2 = ReplyDesk(drafts.assign(text=posts["text"]), store, "agent2",
                          policy=_policy(complaint=(2, "calendar")))
        desk2.edit(public="您好，我们会在两小时内给您回复处理结果。")
        assert desk2.accept()
