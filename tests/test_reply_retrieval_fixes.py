"""Retrieval fixes: alternatives speak for the post's operator, long texts are cut, the command checks the store
first, drafts in chunks and shows its progress, and promises its --policy's time."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli_on_terminal
from wbcs.errors import InputError
from wbcs.reply.index import CORPUS_COLUMNS, MAX_CHARS, ReplyIndex, to_slots, tokens
from wbcs.reply.quality import QualityModel


@pytest.mark.parametrize(("reply", "slotted"), [
    # STC-3 China Unicom and China Telecom replies that were offered, unslotted, to the other operator's customers
    ("请您私信提供下电信号码、联系电话及联系人", "请您私信提供下{operator}号码、联系电话及联系人"),
    ("好的,小沃已记录转派相关部门处理.", "好的,{account}已记录转派相关部门处理."),
    ("沃妹会将您的问题反映给工作人员", "{account}会将您的问题反映给工作人员"),
    ("翼支付账户,小翼帮您反馈处理", "翼支付账户,{account}帮您反馈处理"),
    ("感谢您对陕西联通的支持", "感谢您对陕西{operator}的支持"),
    ("天翼3G俱乐部有活动", "{operator}3G俱乐部有活动"),
    ("请联系中国移动或移动公司", "请联系{operator}或{operator}"),
    # the trade, the network and no word at all are no operator
    ("谨防电信诈骗,按电信条例,作为电信运营商", "谨防电信诈骗,按电信条例,作为电信运营商"),
    ("请您留意来电信息", "请您留意来电信息"),
    ("移动网络与移动通信网的联通性", "移动网络与移动通信网的联通性"),
])
def test_every_form_that_names_an_operator_becomes_a_slot(reply, slotted):
    assert to_slots(reply) == slotted


def _corpus(rows) -> pd.DataFrame:
    base = dict.fromkeys(CORPUS_COLUMNS)
    return pd.DataFrame([base | r for r in rows], columns=CORPUS_COLUMNS)


def test_the_posts_operator_comes_first_and_the_others_only_fill_up():
    """A China Telecom complaint was offered China Unicom's replies (小沃, 800010000…): they shared more words."""
    corpus = _corpus([
        {"source_id": "unicom", "post": "宽带断网了好几天", "reply": "小沃已记录", "kind": "complaint",
         "topic": "broadband", "operator": "china_unicom", "quality": 1.0},
        {"source_id": "telecom_off", "post": "断网", "reply": "扣费请私信", "kind": "complaint",
         "topic": "billing", "operator": "china_telecom", "quality": 0.1},
        {"source_id": "telecom", "post": "宽带", "reply": "宽带请私信", "kind": "complaint",
         "topic": "broadband", "operator": "china_telecom", "quality": 0.1},
        {"source_id": "team", "post": "断网了", "reply": "我们的话术", "kind": "complaint",
         "topic": None, "operator": None, "quality": 0.1},
    ])
    idx = ReplyIndex(corpus, weight=0.5)
    q = ["宽带断网了好几天"]
    plain = idx.search(q, ["complaint"], ["broadband"], k=4)
    assert corpus["source_id"][plain.rows[0][0]] == "unicom"  # without the operator, the other operator's wins
    # no topic, no operator: nothing is preferred (pandas 3 made the missing topic "" and lifted the team's reply)
    assert list(idx.search(q, ["complaint"], k=4).rows[0]) == list(plain.rows[0])
    ranked = list(corpus["source_id"][idx.search(q, ["complaint"], ["broadband"], ["china_telecom"], k=4).rows[0]])
    # the operator's own first (on topic, then off), the team's (no operator) among them; the other operator's last
    assert sorted(ranked[:2]) == ["team", "telecom"] and ranked[2:] == ["telecom_off", "unicom"]
    assert list(idx.search(q, ["complaint"], ["broadband"], [None], k=4).rows[0]) == list(plain.rows[0])
    # none of its own but the team's: then the others, as without the operator
    none_of_its_own = list(corpus["source_id"][idx.search(q, ["complaint"], ["broadband"], ["china_mobile"], k=4).rows[0]])
    assert none_of_its_own == ["team", "unicom", "telecom", "telecom_off"]


def test_retrieval_reads_only_the_first_max_chars_characters():
    """One pasted document of 2.7 million characters made `wbcs reply` peak at 2.3 GB."""
    long = "宽带" * MAX_CHARS
    assert tokens([long + "话费扣错了"]) == tokens([long[:MAX_CHARS]])
    corpus = _corpus([{"source_id": "d1", "post": "话费扣错了", "reply": "扣费请私信", "kind": "complaint",
                       "quality": 0.9},
                      {"source_id": "d2", "post": "宽带", "reply": "宽带请私信", "kind": "complaint", "quality": 0.1}])
    hits = ReplyIndex(corpus).search([long + "话费扣错了"], k=2)
    assert list(hits.rows[0]) == [1, -1]  # the words past the cut do not count


def test_the_quality_model_reads_only_the_first_max_chars_characters():
    X = pd.DataFrame({"post": ["宽带坏了"] * 4, "reply": ["非常抱歉请私信号码", "知道了", "非常抱歉请私信", "知道"]})
    model = QualityModel(min_df=1).fit(X, np.array([[1.5] * 3, [-1.5] * 3, [1.5] * 3, [-1.5] * 3]))
    head = "知道了" * MAX_CHARS
    long = pd.DataFrame({"post": ["宽带坏了"], "reply": [head + "非常抱歉请私信号码"]})
    cut = pd.DataFrame({"post": ["宽带坏了"], "reply": [head[:MAX_CHARS]]})
    np.testing.assert_allclose(model.predict(long), model.predict(cut))


def _args(tmp_path, posts, **kw) -> argparse.Namespace:
    base = {"posts": posts, "out": tmp_path / "d.csv", "k": 2, "replies": None, "routes": None, "policy": None,
            "model": None, "store": None, "no_stc3": True, "json": False}
    return argparse.Namespace(**(base | kw))


def _posts(n: int) -> pd.DataFrame:
    texts = ["宽带断网了一整天", "乱扣我话费！", "客服小姐姐真好", "出国漫游怎么收费？", "建议开通夜间客服"]
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(n)], "text": [texts[i % len(texts)] for i in range(n)],
                         "created_at": pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai"),
                         "operator": "china_telecom"})


@pytest.mark.parametrize("content", [None, b"", b"hello!"])
def test_a_missing_empty_or_damaged_store_stops_the_command_before_it_classifies(tmp_path, monkeypatch, content):
    """`--store nostore.sqlite` classified every post first and only then exited 2."""
    import wbcs.classify
    from wbcs.cli.reply import cmd_reply

    def slow(*a, **k):
        raise AssertionError("classified before the store was checked")

    monkeypatch.setattr(wbcs.classify, "predict_posts", slow)
    posts = tmp_path / "posts.csv"
    _posts(3).to_csv(posts, index=False)
    store = tmp_path / "store.sqlite"
    if content is not None:
        store.write_bytes(content)
    with pytest.raises(InputError, match="store.sqlite"):
        cmd_reply(_args(tmp_path, posts, store=store))


def test_the_command_classifies_and_drafts_in_chunks_with_a_bar_each(tmp_path, monkeypatch):
    """60,000 posts: 3.5 GB and 80 s without a word; a chunk at a time, each a step of a bar on stderr."""
    import wbcs.cli.reply as cli
    import wbcs.progress

    posts = tmp_path / "posts.csv"
    _posts(7).to_csv(posts, index=False)
    assert cli.cmd_reply(_args(tmp_path, posts, out=tmp_path / "whole.csv")) == 0
    steps, real_bar = [], wbcs.progress.bar

    def bar(iterable=None, **kw):
        if iterable is None:  # predict_posts' own bar over a chunk's posts (off here: no terminal)
            return real_bar(iterable, **kw)
        steps.append((kw["desc"], len(iterable)))
        return iterable

    monkeypatch.setattr(wbcs.progress, "bar", bar)
    monkeypatch.setattr(cli, "CHUNK", 3)
    assert cli.cmd_reply(_args(tmp_path, posts, out=tmp_path / "chunks.csv")) == 0
    assert steps == [("classifying", 3), ("drafting", 3)]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "chunks.csv"), pd.read_csv(tmp_path / "whole.csv"))


def test_on_a_terminal_the_bars_show(tmp_path):
    posts = tmp_path / "posts.csv"
    _posts(3).to_csv(posts, index=False)
    r, shown = run_cli_on_terminal("reply", "--posts", str(posts), "--out", str(tmp_path / "d.csv"), "--no-stc3")
    assert r.returncode == 0, shown
    assert "classifying:" in shown and "drafting:" in shown and "chunk" in shown, shown


def test_the_command_promises_the_resolve_time_of_its_policy(tmp_path):
    """`wbcs reply --policy` routed with the given policy but drafted with the default's 48 hours."""
    import yaml

    from wbcs.cli.reply import cmd_reply
    from wbcs.config import data_file

    raw = yaml.safe_load(data_file("policy.yaml").read_text(encoding="utf-8"))
    raw["sla"]["complaint"]["resolve_hours"] = 24
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    posts = tmp_path / "posts.csv"
    _posts(1).assign(text="宽带断网了，我的号码13812345678", intent="complaint", sentiment="negative",  # a ticket
                     negative_subtype="concrete_complaint", topic="broadband").to_csv(posts, index=False)
    assert cmd_reply(_args(tmp_path, posts, policy=policy)) == 0
    draft = pd.read_csv(tmp_path / "d.csv")["draft"][0]
    assert "24小时内" in draft and "48" not in draft, draft
