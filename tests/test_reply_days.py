"""The days a reply promises are read as the customer reads them: from the reply's day, and also when said plainly.

A reply names its days (今天, 明天, 后天, 周四, 下周一, 3月5日) from the day it is sent, not the post's: a post that came in
off duty (DOMAIN.md: weekdays 08:00-20:00) is answered at the next duty start, so a Wednesday 21:00 post answered
Thursday 08:00 with 明天给您答复 promises Friday. And a date, 周末 or 月底 said without 前 or 会 (3月5日给您答复, 周末处理好)
is a promise of that day when the team's action follows it at once, as a weekday's is (tests/test_reply_weekday.py);
a date the customer's bill or a past step refers to (您3月6日的账单, 3月5日您办理的套餐) is none. Every date counted by
hand: the shipped policy gives complaints 48 hours on the calendar; 2026-03-04 is a Wednesday."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from wbcs.labeling.store import LabelStore
from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, time_limit, time_promise
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.reply.team import record_reply
from wbcs.triage import route_posts

POLICY = load_policy()
WED_EVENING = time_limit(POLICY, "complaint", posted="2026-03-04 21:00")  # out Fri 03-06 21:00, answered Thu 08:00
SAT = time_limit(POLICY, "complaint", posted="2026-03-07 10:00")  # out Mon 03-09 10:00, answered Mon 08:00
AT_WED = time_limit(POLICY, "complaint", posted="2026-03-04 10:00")  # on duty: answered at once, out Fri 03-06 10:00
CLOCK = "the policy's resolve clock for complaint: 48小时内"


def _duty(**changes):
    return dataclasses.replace(POLICY, duty=dataclasses.replace(POLICY.duty, **changes))


def test_the_reply_is_sent_at_the_next_duty_start():
    assert WED_EVENING.due == pd.Timestamp("2026-03-06 21:00", tz="Asia/Shanghai")
    assert WED_EVENING.replied == pd.Timestamp("2026-03-05 08:00", tz="Asia/Shanghai")
    assert SAT.replied == pd.Timestamp("2026-03-09 08:00", tz="Asia/Shanghai")
    assert AT_WED.replied == AT_WED.posted  # on duty: answered the same moment
    assert time_limit(POLICY, "complaint").replied is None  # no post time: no reply time either


@pytest.mark.parametrize("limit, text, said", [
    # Wed 21:00, answered Thu 08:00
    (WED_EVENING, "后天给您答复", "后天给您答复 = 2026-03-07 (sat), the clock runs out 2026-03-06 (fri) 21:00"),
    (WED_EVENING, "我们今天会给您答复", "今天会给您答复 = 2026-03-05 (thu), the clock runs out 2026-03-06 (fri) 21:00"),
    # Sat 10:00, answered Mon 08:00: the week is the reply's, so 下周一 is the Monday after
    (SAT, "明天给您答复", "明天给您答复 = 2026-03-10 (tue), the clock runs out 2026-03-09 (mon) 10:00"),
    (SAT, "下周一前给您答复", "下周一前给您答复 = 2026-03-16 (mon), the clock runs out 2026-03-09 (mon) 10:00"),
    (SAT, "我们会在周末前给您答复", "周末前给您答复 = 2026-03-15 (sun), the clock runs out 2026-03-09 (mon) 10:00"),
])
def test_a_day_is_counted_from_the_replys_day(limit, text, said):
    assert time_promise(text, limit) == said
    assert check_draft(f"您好，给您带来不便深表歉意！{text}。", limit=limit) == [
        f"time_promise: promises a time the policy does not give ({said}; {CLOCK})"]


@pytest.mark.parametrize("limit, text", [
    (WED_EVENING, "明天给您答复"),  # Thu 08:00 + 1: Friday, the clock's day
    (WED_EVENING, "周五给您回复"),
    (SAT, "我们今天会给您答复"),  # Monday
    (SAT, "周一前给您答复"),
])
def test_the_clocks_day_counted_from_the_replys_day_passes(limit, text):
    assert check_draft(f"您好，给您带来不便深表歉意！{text}。", limit=limit) == [], text


def test_on_call_or_a_holiday_moves_the_replys_day():
    on_call = time_limit(_duty(on_call=True), "complaint", posted="2026-03-04 21:00")  # answered at once: Wed
    assert time_promise("明天给您答复", on_call) == ("明天给您答复 = 2026-03-05 (thu), the clock runs out 2026-03-06 (fri) "
                                                 "21:00")
    holiday = time_limit(_duty(holidays=(dt.date(2026, 3, 5),)), "complaint", posted="2026-03-04 21:00")
    assert holiday.replied == pd.Timestamp("2026-03-06 08:00", tz="Asia/Shanghai")  # Thu off: answered Fri
    assert time_promise("我们今天会给您答复", holiday) is None
    assert time_promise("明天给您答复", holiday) == ("明天给您答复 = 2026-03-07 (sat), the clock runs out 2026-03-06 "
                                                 "(fri) 21:00")


def test_the_drafts_count_a_day_from_the_replys_day(tmp_path):
    # the drafts give the limit the post's time themselves (not through time_limit): the reply's day follows from it
    post = {"post_id": "p", "text": "宽带断网一整天了，到现在都没人处理", "intent": "complaint", "sentiment": "negative",
            "negative_subtype": "concrete_complaint", "topic": "broadband", "operator": "china_telecom",
            "created_at": pd.Timestamp("2026-03-04 21:00", tz="Asia/Shanghai")}
    old, posts = pd.DataFrame([post | {"post_id": "old"}]), pd.DataFrame([post])
    with LabelStore(tmp_path / "s.sqlite") as store:
        for pid, day in (("old", "明天"), ("older", "后天")):
            record_reply(store, post_id=pid, post=post["text"], route=route_posts(old, classify=False)["route"][0],
                         annotator="a1", reply=f"您好，宽带问题给您带来不便深表歉意！我们{day}给您答复。")
        d = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False, store=store))
    checks = {d[f"alt{a}"].iloc[0]: d[f"alt{a}_checks"].iloc[0] for a in (1, 2)}
    assert checks["您好，宽带问题给您带来不便深表歉意！我们明天给您答复。"] == "ok"
    assert checks["您好，宽带问题给您带来不便深表歉意！我们后天给您答复。"] == (
        "time_promise: promises a time the policy does not give (后天给您答复 = 2026-03-07 (sat), the clock runs out "
        f"2026-03-06 (fri) 21:00; {CLOCK})")


@pytest.mark.parametrize("text, span, day", [
    ("3月5日给您答复", "3月5日给您答复", "2026-03-05 (thu)"),
    ("三月五号给您回复", "三月五号给您回复", "2026-03-05 (thu)"),
    ("3月5日下午给您回复", "3月5日下午给您回复", "2026-03-05 (thu)"),  # a time of the day between
    ("工程师3月9日上门", "3月9日上门", "2026-03-09 (mon)"),
    ("3月9日为您处理完毕", "3月9日为您处理", "2026-03-09 (mon)"),
    ("周末处理好", "周末处理", "2026-03-08 (sun)"),  # 周末: by its Sunday, as 周末前
    ("我们周末给您回复", "周末给您回复", "2026-03-08 (sun)"),
    ("本周末联系您", "本周末联系您", "2026-03-08 (sun)"),
    ("下周末给您答复", "下周末给您答复", "2026-03-15 (sun)"),
    ("月底给您答复", "月底给您答复", "2026-03-31 (tue)"),
])
def test_a_date_or_weekend_said_plainly_is_a_promised_day(text, span, day):
    said = f"{span} = {day}, the clock runs out 2026-03-06 (fri) 10:00"
    assert time_promise(text, AT_WED) == said
    assert check_draft(f"您好，给您带来不便深表歉意！{text}。", limit=AT_WED) == [
        f"time_promise: promises a time the policy does not give ({said}; {CLOCK})"]


@pytest.mark.parametrize("text", ["3月6日给您答复", "三月六号为您处理", "3月6日下午给您回复"])
def test_the_clocks_date_said_plainly_passes(text):
    assert time_promise(text, AT_WED) is None


@pytest.mark.parametrize("text", [
    "您3月6日的账单会为您处理",  # a thing of that day
    "3月6日的账单已为您核实",
    "月底的账单会为您核实",
    "3月5日您办理的套餐已到期",  # not at once: what the customer did
    "3月3日为您办理的套餐已生效",  # done
    "3月3日给您回复了",
    "工作人员3月3日联系过您",
    "您3月3日反馈的问题我们已收到",
    "工作人员3月3日多次联系您",
    "周末处理好了",
    "周末营业厅照常为您服务",  # a day's service
    "周末为您服务",
    "上周末已为您处理",
    "每周末为您推送账单",
    "请您周末回复我们",  # the customer's step
    "能否3月5日给您答复？",  # a question
    "我们无法周末给您答复",  # negated
])
def test_a_date_or_weekend_that_promises_nothing_passes(text):
    assert check_draft(f"您好，{text}。", limit=AT_WED) == [], text


def test_a_date_said_plainly_without_the_posts_time_is_said_so():
    no_post = time_limit(POLICY, "complaint")
    for text, span in (("3月6日给您答复", "3月6日给您答复"), ("周末处理好", "周末处理")):
        assert time_promise(text, no_post) == f"{span}: a day, and no post time to place it against the clock"
