"""Every template of data/replies.yaml holds what the standard requires of its route (China Telecom's Weibo
standard, ../shared/seeds/003_*): a complaint (§4.5.2) an apology, thanks for 对电信的关注和支持 and a time limit
for the answer; a consultation (§4.5.1) the department that answers and the time; praise the standard thanks;
vague negativity (§4.5.3) the question about the reason and a DM asking for name and number. The audit found
complaint templates without the thanks, the apology or any time limit, "理解和支持" for "关注和支持", and
"详细解答将48小时内发布"."""

from __future__ import annotations

import re

import pytest

from wbcs.policy import load_policy
from wbcs.reply.checks import check_draft, time_limit
from wbcs.reply.templates import fill, load_replies
from wbcs.triage import load_routes

BOOK = load_replies()
KIND = {r.id: r.kind for r in load_routes().routes.values()}
APOLOGY = re.compile(r"深表歉意|致歉|抱歉")
THANKS = re.compile(r"感谢您对\{operator\}的关注和支持")
# the policy's clock starts a clause or follows 后 (收到后48小时内), so "48小时内" and "尽快" both read well; never
# after 将/会/在 (将48小时内发布, 会在尽快)
CLOCK = re.compile(r"(?:^|(?<=[，。！；：后]))\{resolve_within\}")


def _templates():
    for route, entry in BOOK.routes.items():
        if entry["reply"]:
            yield route, "default", entry["default"]
            for topic, t in entry["topics"].items():
                yield route, topic, t


TEMPLATES = list(_templates())
IDS = [f"{r}.{t}" for r, t, _ in TEMPLATES]


@pytest.mark.parametrize("route, topic, t", TEMPLATES, ids=IDS)
def test_each_template_holds_what_the_standard_requires_of_its_route(route, topic, t):
    kind = KIND[route]
    if kind == "complaint":  # §4.5.2
        assert APOLOGY.search(t.public), "apology"
        assert THANKS.search(t.public), "感谢您对{operator}的关注和支持"
        assert "{resolve_within}" in t.public, "a time limit for the answer"
    if route == "answer":  # §4.5.1: the department (10000号) and the time of the detailed answer
        assert "（{hotline}号）" in t.public and "{resolve_within}" in t.public
    if route == "thank":
        assert "感谢您的支持，我们将继续为您提供优秀的服务" in t.public
    if route == "ask_reason":  # §4.5.3: ask the reason, DM for name and number
        assert "原因" in t.public and "姓名" in t.private and "联系电话" in t.private


@pytest.mark.parametrize("where, text", [(f"{r}.{tp}", t.public) for r, tp, t in TEMPLATES]
                         + [(f"aggregation.{n}", t.public) for n, t in BOOK.aggregation.items()])
def test_the_clock_is_worded_where_any_clock_reads_well(where, text):
    for m in re.finditer(r"\{resolve_within\}", text):
        assert CLOCK.match(text, m.start()), f"{where}: {text[max(0, m.start() - 4):m.end()]}"


@pytest.mark.parametrize("route, topic, t", TEMPLATES, ids=IDS)
def test_each_template_filled_passes_the_checks_on_the_policys_clock(route, topic, t):
    limit = time_limit(load_policy(), KIND[route])
    slots = BOOK.slots_for(author="一个很长的昵称名字", topic=topic if topic != "default" else None) | {
        "resolve_within": limit.words}
    assert check_draft(fill(t.public, slots), fill(t.private, slots), needs_dm=BOOK.needs_dm(route),
                       limit=limit) == []


def test_the_unified_answer_says_when_the_answer_comes_in_words_that_read():
    text = fill(BOOK.aggregation["question_same_day"].public, BOOK.slots_for(topic="roaming") | {
        "resolve_within": "48小时内"})
    assert "，48小时内发布详细解答" in text and "将48小时内" not in text
