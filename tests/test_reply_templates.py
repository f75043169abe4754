"""data/replies.yaml: the standard wording loads, every route has it, and a bad file says where."""

from __future__ import annotations

import copy

import pytest
import yaml

from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.reply.templates import SLOTS, fill, load_replies, parse_replies, slots_of
from wbcs.triage import load_routes


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(data_file("replies.yaml").read_text(encoding="utf-8"))


def test_the_shipped_file_covers_every_route_and_uses_known_slots(raw):
    book = load_replies()
    assert set(book.routes) == set(load_routes().routes)
    assert not book.replies("monitor") and book.template("monitor") is None
    for route in ("ticket", "complaint_reply_dm", "ask_reason"):  # the routes that say "DM"
        assert book.needs_dm(route)
        assert book.template(route).private
    for entry in book.routes.values():
        for t in ([entry["default"]] if entry["reply"] else []) + list(entry["topics"].values()):
            for text in (t.public, t.private or ""):
                assert set(slots_of(text)) <= set(SLOTS)
                assert " " not in text and "\n" not in text  # folded YAML lines leave no spaces


def test_topic_wording_wins_over_the_route_wording():
    book = load_replies()
    assert "宽带" in book.template("complaint_reply_dm", "broadband").public
    assert book.template("complaint_reply_dm", "handset") == book.template("complaint_reply_dm")
    assert book.template("thank", "broadband") == book.template("thank")


def test_slots_come_from_the_post():
    book = load_replies()
    s = book.slots_for(operator="china_unicom", province="广东", author="@小王", topic="roaming")
    assert s == {"customer": "@小王 ", "operator": "中国联通", "account": "中国联通广东客服",
                 "hotline": "10010", "topic": "漫游"}
    d = book.slots_for()  # nothing known: the file's default operator, no @name, "相关"
    assert d == {"customer": "", "operator": "中国电信", "account": "中国电信客服", "hotline": "10000",
                 "topic": "相关"}
    assert fill("{customer}您好，请拨打{hotline}。{其他}", s) == "@小王 您好，请拨打10010。{其他}"


def _error(raw, path) -> str:
    with pytest.raises(InputError) as e:
        parse_replies(raw, source=str(path))
    message = str(e.value)
    assert "\n" not in message
    return message


def test_unknown_slot_is_one_line_naming_the_key(raw, tmp_path):
    bad = copy.deepcopy(raw)
    bad["routes"]["thank"]["public"] = "{customer}谢谢{客户名}！"
    m = _error(bad, tmp_path / "r.yaml")
    assert "routes.thank.public" in m and "unknown slot {客户名}" in m


def test_missing_route_and_unknown_route_and_missing_dm(raw, tmp_path):
    bad = copy.deepcopy(raw)
    del bad["routes"]["ask_reason"]
    assert "routes.ask_reason is missing" in _error(bad, tmp_path / "r.yaml")
    bad = copy.deepcopy(raw)
    bad["routes"]["praise"] = {"public": "谢谢"}
    assert "routes.praise is not a route" in _error(bad, tmp_path / "r.yaml")
    bad = copy.deepcopy(raw)
    del bad["routes"]["ask_reason"]["private"]
    assert "routes.ask_reason.private is missing" in _error(bad, tmp_path / "r.yaml")
    bad = copy.deepcopy(raw)
    bad["routes"]["ticket"]["topics"]["wifi"] = {"public": "x", "private": "y"}
    assert "routes.ticket.topics.wifi is not a topic" in _error(bad, tmp_path / "r.yaml")
    bad = copy.deepcopy(raw)
    bad["operators"]["default"] = "china_tietong"
    assert "operators.default 'china_tietong'" in _error(bad, tmp_path / "r.yaml")


def test_a_bad_file_from_the_command_line_exits_2(raw, tmp_path):
    from tests.helpers import run_cli

    bad = copy.deepcopy(raw)
    bad["routes"]["answer"]["public"] = "您好{name}"
    path = tmp_path / "replies.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("post_id,created_at,text\n1,2025-01-06 09:00,宽带断网了\n", encoding="utf-8")
    r = run_cli("reply", "--posts", str(posts), "--out", str(tmp_path / "d.csv"), "--replies", str(path),
                "--no-stc3")
    assert r.returncode == 2
    assert "routes.answer.public: unknown slot {name}" in r.stderr and len(r.stderr.strip().splitlines()) == 1
