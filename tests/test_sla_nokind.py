"""The SLA-by-kind table counts the posts no clock applies to: an audit found the report's kinds summing to 86 of the
month's 87 posts, the one post triage routes to `monitor` (no kind) dropped without a word."""

from __future__ import annotations

from dataclasses import replace

from tests.test_kpi_indicators import crafted
from wbcs.kpi import indicators
from wbcs.policy import load_policy
from wbcs.viz import kpi as vk


def test_posts_of_no_kind_are_a_row_of_their_own_outside_attainment():
    """crafted(): 8 posts; p7 (intent other, no topic) has no kind. Consultation p4, complaint p1 p2, vague
    negativity p3, abuse p8, praise p5 p6. Acknowledged in time: complaint p1 (20 min ≤ 30), p2 late (60 min)."""
    table = vk.sla_table(indicators(crafted())).set_index("kind")
    assert list(table["posts"]) == ["1", "2", "1", "1", "2", "1"]
    none = table.loc[vk.NO_CLOCK]
    assert (none["posts"], none["clock"]) == ("1", "none")
    assert (none["acknowledged in time"], none["resolved in time"]) == ("not counted", "not counted")
    # the no-kind post enters no denominator
    assert table.loc["投诉 complaint", "acknowledged in time"] == "50.0% of 2"
    assert table.loc["咨询 consultation", "acknowledged in time"] == "100.0% of 1"


def test_posts_of_a_kind_the_policy_gives_no_clock_are_counted_with_them():
    """A policy with clocks for complaints only: the 6 other posts (p3-p8) have no clock."""
    policy = load_policy()
    policy = replace(policy, sla={"complaint": policy.sla["complaint"]})
    table = vk.sla_table(indicators(crafted(), policy=policy))
    assert list(table["kind"]) == ["投诉 complaint", vk.NO_CLOCK] and list(table["posts"]) == ["2", "6"]


def test_no_row_when_every_post_has_a_clock():
    posts = crafted()
    table = vk.sla_table(indicators(posts[posts["post_id"] != "p7"]))
    assert vk.NO_CLOCK not in set(table["kind"]) and list(table["posts"]) == ["1", "2", "1", "1", "2"]
