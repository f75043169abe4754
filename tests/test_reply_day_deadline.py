"""A promised day (明天给您答复, 周四前, 周末前) is checked against the day the resolve clock runs out, and that day agrees
with the duration check on the same deadline. A deadline at a day's start (the duty start on a business clock, where
``Duty.add_minutes`` puts a clock that ran out at the end of the last duty period, or 00:00 on the calendar) runs out at
the end of the day before; 周末前 is by the end of that week's Sunday. Days are said from the reply's day: a post off
duty is answered at the next duty start. Policies are copies of data/policy.yaml with one clock changed; every date
below is counted by hand (duty: weekdays 08:00-20:00, 12 hours a day, no holidays)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from wbcs.config import data_file
from wbcs.policy import load_policy
from wbcs.reply.checks import time_limit, time_promise


@pytest.fixture(scope="module")
def policies(tmp_path_factory):
    """Copies of data/policy.yaml: the consultation and complaint clocks on duty hours, and on the calendar."""
    raw = yaml.safe_load(data_file("policy.yaml").read_text(encoding="utf-8"))
    out = {}
    for clock in ("business", "calendar"):
        raw["sla"]["consultation"].update(resolve_hours=24, clock=clock)
        raw["sla"]["complaint"].update(resolve_hours=48, clock=clock)
        path = tmp_path_factory.mktemp(clock) / "policy.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        out[clock] = load_policy(path)
    return out


def _due(text):
    return pd.Timestamp(text, tz="Asia/Shanghai")


# (clock, kind, posted, the deadline route_posts sets, the durations that are the clock, days that are the clock's,
#  days that are not: (text, the day it names))
CASES = [
    # Mon 08:00 + 24 duty hours: Mon and Tue's duty, out at Tue 20:00, stored as Wed's duty start
    ("business", "consultation", "2024-05-06 08:00", "2024-05-08 08:00",
     ["2个工作日内给您答复", "24个工作小时内给您答复"],
     ["我们会在明天给您答复", "周二前给您答复", "5月7日前给您答复"],
     [("我们会在今天给您答复", "2024-05-06 (mon)"), ("周三前给您答复", "2024-05-08 (wed)"),
      ("周末前给您答复", "2024-05-12 (sun)")]),
    # Sat 10:00 + 48 duty hours: Mon-Thu's duty, out at Thu 20:00, stored as Fri 08:00; answered Mon 08:00, whose
    # week it is (下周四: the Thursday after)
    ("business", "complaint", "2024-05-11 10:00", "2024-05-17 08:00",
     ["4个工作日内给您答复"],
     ["周四前给您答复", "本周四前给您答复", "5月16日前给您答复", "大后天给您答复"],
     [("周五前给您答复", "2024-05-17 (fri)"), ("周三前给您答复", "2024-05-15 (wed)"),
      ("下周四前给您答复", "2024-05-23 (thu)")]),
    # Thu 08:00 + 24 duty hours: Thu and Fri's duty, out at Fri 20:00, stored as Mon 08:00: a reply on Sat or Sun is
    # as much in time (the clock stands still), so a promise of any day from Fri to Sun is the clock's
    ("business", "consultation", "2024-05-09 08:00", "2024-05-13 08:00",
     ["2个工作日内给您答复"],
     ["明天给您答复", "周五前给您答复", "周六前给您答复", "周末前给您答复", "本周末前给您答复", "本周内给您答复"],
     [("今天会给您答复", "2024-05-09 (thu)"), ("下周一前给您答复", "2024-05-13 (mon)"),
      ("下周末前给您答复", "2024-05-19 (sun)")]),
    # a duty day's clock that runs out inside the day: that day only
    ("business", "consultation", "2024-05-06 14:00", "2024-05-08 14:00",
     ["2个工作日内给您答复"],
     ["周三前给您答复", "后天给您答复"],
     [("明天给您答复", "2024-05-07 (tue)"), ("周末前给您答复", "2024-05-12 (sun)")]),
    # a date-only export: 00:00 + 48 hours runs out at Wed 00:00, the end of Tue
    ("calendar", "complaint", "2024-05-06 00:00", "2024-05-08 00:00",
     ["48小时内给您答复", "两天内给您答复"],
     ["明天给您答复", "周二前给您答复", "5月7日前给您答复"],
     [("后天给您答复", "2024-05-08 (wed)"), ("周三前给您答复", "2024-05-08 (wed)")]),
    # Sun 00:00 + 24 hours: the end of that Sunday, the weekend itself, off duty: answered Mon 08:00, when the clock
    # has run out, no day is in time (its 今天 is Monday, its 周末 the next one)
    ("calendar", "consultation", "2024-05-12 00:00", "2024-05-13 00:00",
     ["24小时内给您答复"],
     [],
     [("我们今天会给您答复", "2024-05-13 (mon)"), ("明天给您答复", "2024-05-14 (tue)"),
      ("周末前给您答复", "2024-05-19 (sun)"), ("下周末前给您答复", "2024-05-26 (sun)")]),
    # 周末前 on the calendar: by that week's Sunday
    ("calendar", "complaint", "2024-05-10 09:00", "2024-05-12 09:00",
     ["48小时内给您答复"],
     ["我们会在周末前给您答复", "本周末之前给您答复", "这个周末前给您答复", "后天给您答复"],
     [("明天给您答复", "2024-05-11 (sat)"), ("下周末前给您答复", "2024-05-19 (sun)"),
      ("下个周末前给您答复", "2024-05-19 (sun)")]),
    ("calendar", "complaint", "2024-05-09 09:00", "2024-05-11 09:00",  # out on Sat: Sun is a day late
     ["48小时内给您答复"],
     ["周六前给您答复"],
     [("周末前给您答复", "2024-05-12 (sun)")]),
    ("calendar", "complaint", "2024-05-11 09:00", "2024-05-13 09:00",  # out on Mon, the day it is answered (08:00)
     ["48小时内给您答复"],
     ["我们今天会给您答复", "周一前给您答复", "本周一前给您答复"],
     [("明天给您答复", "2024-05-14 (tue)"), ("下周一前给您答复", "2024-05-20 (mon)"),
      ("周末前给您答复", "2024-05-19 (sun)"), ("我们会在本周末前给您答复", "2024-05-19 (sun)")]),
]


@pytest.mark.parametrize("clock, kind, posted, due, durations, right, wrong", CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_the_day_check_and_the_duration_check_agree_on_the_deadline(policies, clock, kind, posted, due, durations,
                                                                    right, wrong):
    limit = time_limit(policies[clock], kind, posted=posted)
    assert limit.due == _due(due)  # the deadline route_posts sets, unchanged
    for text in durations + right:
        assert time_promise(text, limit) is None, text
    for text, day in wrong:
        said = time_promise(text, limit)
        assert said is not None and f" = {day}, the clock runs out " in said, (text, said)


def test_the_message_names_the_day_the_clock_runs_out(policies):
    limit = time_limit(policies["business"], "consultation", posted="2024-05-06 08:00")
    assert time_promise("周三前给您答复", limit) == ("周三前给您答复 = 2024-05-08 (wed), the clock runs out 2024-05-07 (tue) "
                                                 "at the day's end (due 2024-05-08 08:00)")
    limit = time_limit(policies["business"], "consultation", posted="2024-05-09 08:00")
    assert time_promise("下周一前给您答复", limit) == ("下周一前给您答复 = 2024-05-13 (mon), the clock runs out "
                                                   "2024-05-10 (fri) at the day's end (due 2024-05-13 08:00)")
    limit = time_limit(policies["calendar"], "complaint", posted="2024-05-09 09:00")
    assert time_promise("周末前给您答复", limit) == ("周末前给您答复 = 2024-05-12 (sun), the clock runs out 2024-05-11 (sat) "
                                                 "09:00")


def test_a_weekend_promise_without_the_posts_time_is_said_so(policies):
    limit = time_limit(policies["calendar"], "complaint")
    assert time_promise("我们会在周末前给您答复", limit) == "周末前给您答复: a day, and no post time to place it against the clock"


@pytest.mark.parametrize("text", ["上周末已为您处理", "每周末为您推送账单", "周一至周末为您服务", "周末营业厅照常为您服务",
                                  "周末起为您恢复原套餐"])
def test_a_weekend_that_promises_nothing_passes(policies, text):
    assert time_promise(text, time_limit(policies["calendar"], "complaint", posted="2024-05-09 09:00")) is None
