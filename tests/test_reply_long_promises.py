"""Promises longer than the clock, field work told step by step in public, and a result told in public.

1. A time promise in months or years (一个月内, 半个月内, 半年内) is a duration as 一周内 is, read at its longest (a month
   31 days, a year 366), and a later week, month or year (下周, 下个月, 年底前, 本月内) is a promised day as 下周内 is:
   by its end with 前/内, else the whole span (下周: next Monday to Sunday, at best next Monday). The replies file's
   check of a written-out limit reads them with the same reader (``time_promise``).
2. A public reply telling the field work as it goes (工程师已出发, 师傅正在路上, 预计下午到达您家, 目前正在排查光猫) broadcasts
   the handling live (DOMAIN.md: avoid live-broadcasting the handling; seeds/001: 避免将投诉处理的过程在网络上直播); an
   acknowledgement (已为您登记, 已反馈相关部门, 正在处理中: standard §4.5.1 asks to say it) and a visit planned are none.
3. A waiver already made (已为您减免本月月租) is the ticket's result, which may be told where the complaint appeared
   (DOMAIN.md, Workflows: "The final result may be published where the complaint appeared"); one promised is flagged.

Every date counted by hand: the shipped policy gives complaints 48 hours on the calendar; 2026-12-09 is a Wednesday,
on duty at 10:00, so the reply's day is Wed 2026-12-09 and the clock runs out Fri 2026-12-11 10:00."""

from __future__ import annotations

import copy

import pytest
import yaml

from wbcs.config import data_file
from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, reason_codes, time_limit

POLICY = load_policy()
WED = time_limit(POLICY, "complaint", posted="2026-12-09 10:00")
OUT = "the clock runs out 2026-12-11 (fri) 10:00; the policy's resolve clock for complaint: 48小时内"


def _time(text: str, limit=WED) -> list[str]:
    return [r for r in check_draft("您好，" + text, "私信", needs_dm=True, limit=limit) if r.startswith("time_promise")]


@pytest.mark.parametrize("text, span", [
    ("一个月内给您答复", "一个月内给您答复"), ("半个月内给您答复", "半个月内给您答复"), ("1个月内给您答复", "1个月内给您答复"),
    ("半月内给您答复", "半月内给您答复"), ("两个月内处理完毕", "两个月内处理"), ("一个半月内给您答复", "一个半月内给您答复"),
    ("半年内给您答复", "半年内给您答复"), ("一年内给您答复", "一年内给您答复"), ("处理预计需要一个月左右", "处理预计需要一个月"),
])
def test_a_duration_in_months_or_years_is_flagged(text, span):
    assert _time(text) == [f"time_promise: promises a time the policy does not give ({span}; the policy's resolve "
                           f"clock for complaint: 48小时内)"]


@pytest.mark.parametrize("text, span, days", [
    ("下周给您答复", "下周给您答复", "2026-12-14 (mon) to 2026-12-20 (sun)"),
    ("我们下周会给您答复", "下周会给您答复", "2026-12-14 (mon) to 2026-12-20 (sun)"),
    ("下周前给您答复", "下周前给您答复", "2026-12-20 (sun)"),
    ("下个月给您答复", "下个月给您答复", "2027-01-01 (fri) to 2027-01-31 (sun)"),
    ("下月给您答复", "下月给您答复", "2027-01-01 (fri) to 2027-01-31 (sun)"),
    ("下个月内给您答复", "下个月内给您答复", "2027-01-31 (sun)"),
    ("本月内给您答复", "本月内给您答复", "2026-12-31 (thu)"),
    ("年底前给您答复", "年底前给您答复", "2026-12-31 (thu)"),
    ("今年年底前处理完毕", "年底前处理", "2026-12-31 (thu)"),
    ("年内给您答复", "年内给您答复", "2026-12-31 (thu)"),
    ("明年底前给您答复", "明年底前给您答复", "2027-12-31 (fri)"),
])
def test_a_later_week_month_or_year_is_a_promised_day(text, span, days):
    assert _time(text) == [f"time_promise: promises a time the policy does not give ({span} = {days}, {OUT})"]


@pytest.mark.parametrize("text", [
    "48小时内给您答复", "两天内给您答复", "后天给您答复",  # the clock itself
    "套餐合约期为12个月", "优惠12个月内有效", "3月内给您答复",  # no promise; 3月 is March, not three months
    "下个月的话费会为您核实", "去年年底您办理的套餐已核实", "于2026年12月11日前给您答复",  # a thing of that time; a date
])
def test_no_promise_or_the_clock_passes(text):
    assert _time(text) == []


def test_without_the_post_time_a_later_week_is_not_placed():
    assert _time("下周给您答复", time_limit(POLICY, "complaint")) == [
        "time_promise: promises a time the policy does not give (下周给您答复: a day, and no post time to place it "
        "against the clock; the policy's resolve clock for complaint: 48小时内)"]


def test_a_business_clock_reads_a_month_as_not_its_clock():
    import dataclasses
    sla = dict(POLICY.sla)
    sla["complaint"] = dataclasses.replace(sla["complaint"], clock="business")
    limit = time_limit(dataclasses.replace(POLICY, sla=sla), "complaint")
    assert reason_codes(check_draft("您好，一个月内给您答复", limit=limit)) == ["time_promise"]


def test_the_replies_file_refuses_a_written_out_month(tmp_path):
    from tests.helpers import run_cli

    raw = yaml.safe_load(data_file("replies.yaml").read_text(encoding="utf-8"))
    bad = copy.deepcopy(raw)
    bad["routes"]["complaint_reply_dm"]["public"] = "{customer}您好，给您带来不便深表歉意！我们一个月内给您答复。"
    path = tmp_path / "replies.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("post_id,created_at,text\n1,2025-01-06 09:00,宽带断网了\n", encoding="utf-8")
    r = run_cli("reply", "--posts", str(posts), "--out", str(tmp_path / "d.csv"), "--replies", str(path),
                "--no-stc3")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert str(path) in r.stderr and "routes.complaint_reply_dm.public" in r.stderr and "一个月内给您答复" in r.stderr
    for text in ("下个月给您答复", "年底前给您答复"):
        bad["routes"]["complaint_reply_dm"]["public"] = "{customer}您好，" + text + "。"
        path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
        from wbcs.errors import InputError
        from wbcs.reply.templates import load_replies
        with pytest.raises(InputError, match="routes.complaint_reply_dm.public: the time limit"):
            load_replies(path)


# --------------------------------------------------------------------------- live broadcast

@pytest.mark.parametrize("text, phrase", [
    ("您好，工程师已出发，预计下午到达您家，目前正在排查光猫", "工程师已出发"),
    ("您好，已派单给维修师傅，师傅正在路上", "师傅正在路上"),
    ("您好，维修人员已到达现场，正在检修线路", "维修人员已到达"),
    ("您好，装维师傅预计半小时后到达", "师傅预计半小时后到达"),
    ("您好，目前正在为您排查线路故障", "目前正在为您排查线路"),
])
def test_field_work_told_as_it_goes_in_public_is_a_live_broadcast(text, phrase):
    assert check_draft(text) == [f"live_broadcast: live-broadcasts the handling in public ({phrase})"]


@pytest.mark.parametrize("text", [
    "您好，已为您登记，请留意私信",
    "您好，已经向10000号进行了反馈，此问题正在处理中",  # standard §4.5.1's acknowledgement
    "您好，已派单处理，请保持电话畅通",
    "您好，我们会安排师傅上门为您检修",  # a visit planned, no step of it told
    "您好，工作人员会尽快与您联系",
    "您好，已安排工程师跟进，请您耐心等待",
])
def test_an_acknowledgement_or_a_plan_is_no_live_broadcast(text):
    assert "live_broadcast" not in reason_codes(check_draft(text))


def test_the_field_work_may_be_told_in_the_private_message():
    assert check_draft("您好，已为您登记，请留意私信", "师傅正在路上，预计下午到达您家") == []


# --------------------------------------------------------------------------- a result told

def test_a_waiver_made_may_be_told_one_promised_is_flagged():
    assert check_draft("您好，已为您减免本月月租") == []
    assert reason_codes(check_draft("您好，核实后将为您减免本月月租")) == ["compensation"]


@pytest.mark.parametrize("text", [
    # STC-3 helpdesk replies the first reading of months and field steps flagged, none of them a promise or a step told
    "您好,如您的宽带产品参加了在网有礼活动,您预存的240元,分24个月返还给您,每月返还10元.",  # a contract's instalments
    "麻烦您私信给我们您的手机 IMEI 号、姓名、联系方式和收货地址,保修期一年内的话可以给您邮寄一个新的充电器.",  # a condition
    "您好 目前您主板更换了吗？请将您的电话私信发我下,我帮您反馈售后处理",  # asked
    "您好,你反映的区域因为基站故障,导致基站无法正常使用,我们公司维护人员已经正在抢修中,预计两天内恢复.",  # an area's repair
    "您好,目前应用商店正在进行调试,请您稍后再使用,非常抱歉给您带来的不便.",
])
def test_real_replies_that_promise_no_long_time_and_tell_no_step(text):
    assert not {"time_promise", "live_broadcast"} & set(reason_codes(check_draft(text, limit=WED)))
