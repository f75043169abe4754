"""A promised date or day (明天给您答复, 本周五前处理完毕, 3月5日前) is a time promise as 24小时内 is: checked against
the day the route's resolve clock runs out, from the post's time when the limit has it (``time_limit(...,
posted=...)``), and said so when it has none. Expectations computed by hand from the shipped policy (complaint: 48
hours on the calendar) and the duty hours (weekdays 08:00-20:00)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, names_day, time_limit, time_promise

POLICY = load_policy()
MON = pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai")  # a Monday: 48 hours run out Wed 2025-01-08 09:00
AT_MON = time_limit(POLICY, "complaint", posted=MON)
NO_POST = time_limit(POLICY, "complaint")
DUE = "the clock runs out 2025-01-08 (wed) 09:00"


def _policy(**clocks):
    sla = dict(POLICY.sla)
    for kind, (hours, clock) in clocks.items():
        sla[kind] = dataclasses.replace(sla[kind], resolve_hours=hours, clock=clock)
    return dataclasses.replace(POLICY, sla=sla)


def test_the_limit_knows_the_posts_deadline_as_route_posts_sets_it():
    assert AT_MON.posted == MON and AT_MON.due == pd.Timestamp("2025-01-08 09:00", tz="Asia/Shanghai")
    assert NO_POST.posted is None and NO_POST.due is None
    assert time_limit(POLICY, "complaint", posted=pd.NaT).posted is None  # a post without its time: none to use
    naive = time_limit(POLICY, "complaint", posted=pd.Timestamp("2025-01-06 09:00"))  # read as Beijing time
    assert naive.posted == MON and naive.due == AT_MON.due
    assert time_limit(POLICY, "complaint", posted="2025-01-06T09:00:00+08:00").due == AT_MON.due  # read back from CSV
    with pytest.raises(InputError, match="time_limit: the post's time must be a time, got 'yesterday'"):
        time_limit(POLICY, "complaint", posted="yesterday")


@pytest.mark.parametrize("text, phrase", [
    ("明天给您答复", "明天给您答复 = 2025-01-07 (tue)"),  # sooner than the clock: a promise nobody was asked to keep
    ("今天之内给您回复", "今天之内给您回复 = 2025-01-06 (mon)"),
    ("我们今天会给您答复", "今天会给您答复 = 2025-01-06 (mon)"),
    ("我们会在本周五前处理完毕", "本周五前处理 = 2025-01-10 (fri)"),  # later: says in public the clock is missed
    ("下周一前给您答复", "下周一前给您答复 = 2025-01-13 (mon)"),
    ("3月5日前给您答复", "3月5日前给您答复 = 2025-03-05 (wed)"),
    ("一月十日前给您答复", "一月十日前给您答复 = 2025-01-10 (fri)"),  # Chinese numerals
    ("10号前给您回复", "10号前给您回复 = 2025-01-10 (fri)"),
    ("月底前为您解决", "月底前为您解决 = 2025-01-31 (fri)"),
    ("本周内给您答复", "本周内给您答复 = 2025-01-12 (sun)"),
    ("我们会在明天给您答复的", "明天给您答复 = 2025-01-07 (tue)"),  # a sentence-final 的 is still the promise
    ("工程师明天下午3点前上门", "明天下午3点前上门 = 2025-01-07 (tue)"),
    ("2月30日前给您答复", "2月30日前给您答复: no such day"),
    ("１月１０日前给您答复", "1月10日前给您答复 = 2025-01-10 (fri)"),  # full-width digits
])
def test_a_day_that_is_not_the_clocks_is_flagged(text, phrase):
    reasons = check_draft("您好，给您带来不便深表歉意！" + text + "。", limit=AT_MON)
    said = phrase if phrase.endswith("no such day") else f"{phrase}, {DUE}"
    assert reasons == [f"time_promise: promises a time the policy does not give ({said}; "
                       "the policy's resolve clock for complaint: 48小时内)"]


@pytest.mark.parametrize("text", [
    "后天给您答复",  # Wed: the day the 48 hours run out
    "本周三前给您答复", "我们会在周三给您回复", "1月8日前给您答复", "一月八号之前给您回复", "8号前给您回复",
    "我们会尽快处理，后天给您答复",  # a stated day: 尽快 is no vague promise
    # no promise of a day
    "2小时内已为您登记",  # a past fact, said after the duration
    "3月5日您办理的套餐已到期",  # a date the customer did something
    "3月5日为您办理的套餐已生效",  # no 会/将, no 前/内: a date something was done
    "明天营业厅照常为您服务",  # a day's service
    "您周五反馈的问题我们已收到",
    "上周五已为您办理",
    "工作人员今天多次联系您，可能您当时不方便接听",  # what was done today: no 会/将, no 前/内
    "周一至周五8:00-20:00为您服务",  # service hours
    "每周五为您推送账单",
    "请您明天前回复我们",  # the customer's step
    "能否明天给您答复？",  # a question
    "我们无法在明天给您答复",  # negated
    "今天为您查询了一下，套餐已变更",  # done already
    "明日起为您恢复原套餐",  # from a day on, no deadline
])
def test_the_clocks_day_and_what_promises_no_day_pass(text):
    assert check_draft("您好，" + text + "。", limit=AT_MON) == [], text


def test_without_the_posts_time_no_day_is_placed_and_it_is_said_so():
    # 48 calendar hours end on the post's day + 2, or + 1 for a date-only post at 00:00, and the reply counts its 明天
    # from its own day: neither 明天 nor 后天 can be placed (tests/test_reply_weekday.py)
    for text in ("后天给您答复", "明天给您答复"):
        assert time_promise(text, NO_POST) == f"{text}: a day, and no post time to place it against the clock"
    assert check_draft("您好，本周五前处理完毕。", limit=NO_POST) == [
        "time_promise: promises a time the policy does not give (本周五前处理: a day, and no post time to place it "
        "against the clock; the policy's resolve clock for complaint: 48小时内)"]
    # 36 hours end on the next day or the one after, as the post's hour falls: unknown without it
    short = time_limit(_policy(complaint=(36, "calendar")), "complaint")
    assert time_promise("明天给您答复", short) == ("明天给您答复: a day, and no post time to place it against the "
                                                 "clock")
    assert time_promise("明天给您答复", time_limit(_policy(complaint=(36, "calendar")), "complaint",
                                             posted=MON)) is None  # Mon 09:00 + 36 h = Tue 21:00


def test_a_business_clock_runs_out_on_a_duty_day():
    pol = _policy(complaint=(24, "business"))  # two 12-hour duty days
    fri = pd.Timestamp("2025-01-10 19:00", tz="Asia/Shanghai")
    # Fri 19:00-20:00 (1 h), Mon 08:00-20:00 (12 h), Tue 08:00-19:00 (11 h): Tue 2025-01-14 19:00
    limit = time_limit(pol, "complaint", posted=fri)
    assert limit.due == pd.Timestamp("2025-01-14 19:00", tz="Asia/Shanghai")
    assert time_promise("下周二前给您答复", limit) is None
    assert time_promise("明天给您答复", limit) == "明天给您答复 = 2025-01-11 (sat), the clock runs out 2025-01-14 (tue) 19:00"
    # without the post's time, weekends and duty hours decide the day: not placed
    assert time_promise("后天给您答复", time_limit(pol, "complaint")) == ("后天给您答复: a day, and no post time to "
                                                                      "place it against the clock")


def test_a_kind_without_a_clock_may_promise_no_day():
    praise = time_limit(POLICY, "praise", posted=MON)
    assert check_draft("感谢您的支持，明天给您答复。", limit=praise) == [
        "time_promise: promises a time the policy does not give (明天给您答复; no resolve clock for praise in the "
        "policy: say 尽快)"]


def test_a_template_may_not_write_a_day(tmp_path):
    import yaml

    from wbcs.config import data_file
    from wbcs.reply.templates import load_replies

    raw = yaml.safe_load(data_file("replies.yaml").read_text(encoding="utf-8"))
    raw["routes"]["thank"]["public"] = "{customer}感谢您的支持，我们明天给您答复！"
    path = tmp_path / "replies.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="routes.thank.public: the time limit '明天给您答复' is written out"):
        load_replies(path)


def test_only_a_text_that_names_a_day_needs_the_posts_time():
    # the drafts share the checks of a text without a day across posts, and place one with a day from the post's time
    assert names_day("我们明天给您答复") and names_day("３月５日前") and names_day("本周五前处理完毕")
    assert not names_day("您好，给您带来不便深表歉意！已登记并提交相关部门处理，48小时内给您答复。")
