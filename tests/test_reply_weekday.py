"""A weekday a reply promises without 前 or 会 (周三给您回复, 礼拜三回复您) is a promised day, read as 本周X is: the first
such weekday on or after the reply's day, here the post's, on duty (a Wednesday's 周三 is that day, its 周二 the next
week's; tests/test_reply_days.py: a post off duty); a weekday that names a thing of that day (周二的账单) or
something done (周二给您回复了) promises nothing; and without the post's time no day is placed. Every date counted by hand: the shipped policy gives complaints 48 hours on the calendar, so a post
of Wed 2026-03-04 10:00 runs out Fri 2026-03-06 10:00."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, time_limit, time_promise

POLICY = load_policy()
WED = pd.Timestamp("2026-03-04 10:00", tz="Asia/Shanghai")
AT_WED = time_limit(POLICY, "complaint", posted=WED)
DUE = "the clock runs out 2026-03-06 (fri) 10:00"
NO_POST = "a day, and no post time to place it against the clock"


def test_the_post_runs_out_on_friday():
    assert AT_WED.due == pd.Timestamp("2026-03-06 10:00", tz="Asia/Shanghai")


@pytest.mark.parametrize("text, span, day", [
    ("周三给您回复", "周三给您回复", "2026-03-04 (wed)"),  # the post's own weekday: that day, as 本周三
    ("礼拜三回复您", "礼拜三回复您", "2026-03-04 (wed)"),
    ("星期三前处理完", "星期三前处理", "2026-03-04 (wed)"),
    ("周三下午给您回复", "周三下午给您回复", "2026-03-04 (wed)"),  # a time of the day between
    ("周二给您回复", "周二给您回复", "2026-03-10 (tue)"),  # Tuesday passed this week: the next one
    ("星期二下午3点前上门", "星期二下午3点前上门", "2026-03-10 (tue)"),
    ("本周二给您答复", "本周二给您答复", "2026-03-03 (tue)"),  # 本周 is this week's, passed or not
    ("下周三给您回复", "下周三给您回复", "2026-03-11 (wed)"),
    ("周四为您处理完毕", "周四为您处理", "2026-03-05 (thu)"),
    ("我们周六联系您", "周六联系您", "2026-03-07 (sat)"),
])
def test_a_weekday_said_plainly_is_a_promised_day(text, span, day):
    assert time_promise(text, AT_WED) == f"{span} = {day}, {DUE}"
    assert check_draft(f"您好，给您带来不便深表歉意！{text}。", limit=AT_WED) == [
        f"time_promise: promises a time the policy does not give ({span} = {day}, {DUE}; "
        "the policy's resolve clock for complaint: 48小时内)"]


@pytest.mark.parametrize("text", ["周五给您回复", "星期五前处理完", "礼拜五回复您", "本周五给您答复", "周五下午给您回复"])
def test_the_clocks_weekday_passes(text):
    assert time_promise(text, AT_WED) is None


@pytest.mark.parametrize("text", [
    "周三那天我打过电话",  # the customer's words quoted: a day of the past, no team's action
    "周三的账单已出",
    "周二的账单会为您处理",  # a thing of that day, not the day it is handled
    "明天的账单会为您核实",
    "周二前的账单会为您处理",
    "周二给您回复了",  # done
    "工作人员周二联系过您",
    "周二给您发的短信请查收",
    "您周二反馈的问题我们已收到",
    "周二为您办理的套餐已生效",
    "工作人员周二多次联系您",  # not at once: what was done
    "上周二已为您处理",
    "每周二为您推送账单",
    "周一至周五为您服务",
    "请您周二回复我们",  # the customer's step
    "能否周二给您答复？",
    "我们无法周二给您答复",
])
def test_a_weekday_that_promises_nothing_passes(text):
    assert check_draft(f"您好，{text}。", limit=AT_WED) == [], text


def test_without_the_posts_time_no_day_is_placed():
    # a date-only post (00:00) runs out a day sooner than one with an hour: 后天 is late there, 明天 is the clock's day
    midnight = time_limit(POLICY, "complaint", posted="2026-03-04 00:00")
    assert time_promise("后天给您答复", midnight) == ("后天给您答复 = 2026-03-06 (fri), the clock runs out 2026-03-05 "
                                                "(thu) at the day's end (due 2026-03-06 00:00)")
    assert time_promise("明天给您答复", midnight) is None
    # and a post after 20:00 or at the weekend is answered on a later day (duty: weekdays 08:00-20:00), from which
    # the reply counts its 明天: without the post's time neither day is known
    none = time_limit(POLICY, "complaint")
    for text, span in (("后天给您答复", "后天给您答复"), ("明天给您答复", "明天给您答复"), ("周五给您回复", "周五给您回复")):
        assert time_promise(text, none) == f"{span}: {NO_POST}", text
