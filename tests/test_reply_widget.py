"""The reply desk and its widget, driven headlessly: keys, edits, checks, the store."""

from __future__ import annotations

import pandas as pd

from wbcs.labeling.store import LabelStore
from wbcs.reply.desk import ReplyDesk
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.reply.team import team_replies
from wbcs.triage import route_posts


def _drafts(store) -> pd.DataFrame:
    from wbcs.reply.team import record_reply

    record_reply(store, post_id="old", post="宽带断网一整天", route="complaint_reply_dm",
                 reply="您好，宽带故障请私信宽带账号，我们加急处理。", annotator="lead")
    posts = pd.DataFrame({
        "post_id": ["a", "b", "c"], "text": ["宽带断网了一整天，电话13812345678", "今天天气不错", "客服真好"],
        "created_at": pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai"),
        "intent": ["complaint", "other", "praise"], "sentiment": ["negative", "neutral", "positive"],
        "topic": ["broadband", None, None]})
    d = draft_replies(posts, route_posts(posts, classify=False), make_drafter(store=store, stc3=False, k=2))
    return d.assign(text=posts["text"])


def test_keys_accept_use_an_alternative_and_record_events(tmp_path):
    from wbcs.viz.reply import ReplyWidget

    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(_drafts(store), store, "agent1")
        ui = ReplyWidget(desk)
        assert desk.state()["total"] == 2  # the monitor post is not queued
        assert "138****5678" in ui.post.value and "13812345678" not in ui.post.value
        assert "team:old" in ui.alt_slots[0].value and ui.alt_slots[1].layout.display == "none"
        # no quality model here: written as notebook 06 writes a missing quality (viz.tables.quality_text)
        assert "predicted quality — (−2..2)" in ui.alt_slots[0].value
        ui.handle_key({"event": "keydown", "key": "1"})  # take the team's reply
        assert ui.public.value == "您好，宽带故障请私信宽带账号，我们加急处理。"
        ui.handle_key({"event": "keydown", "key": "Enter"})
        assert desk.position == 1 and desk.done == {0: "edited"}
        ui.handle_key({"event": "keydown", "key": "Enter"})  # praise: the draft as it is
        assert desk.done == {0: "edited", 1: "accepted"}
        team = team_replies(store).set_index("post_id")
    assert team.loc["a", "reply"] == "您好，宽带故障请私信宽带账号，我们加急处理。" and team.loc["a", "edited"]
    assert team.loc["a", "post"] == "宽带断网了一整天，电话138****5678"
    assert team.loc["c", "reply"] == "感谢您的支持，我们将继续为您提供优秀的服务！" and not team.loc["c", "edited"]


def test_a_failing_edit_is_refused_with_its_reason(tmp_path):
    from wbcs.viz.reply import ReplyWidget

    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(_drafts(store), store, "agent1")
        ui = ReplyWidget(desk)
        ui.public.value = "您好，我们会赔偿您的损失，处理进度在评论区实时更新。"
        assert "compensation" in ui.checks.value and "live_broadcast" in ui.checks.value
        ui.buttons["accept"].click()
        assert desk.position == 0 and "not accepted" in ui.status.value
        ui.private.value = ""
        assert "missing_dm" in ui.checks.value
        n_events = len(store.history())
        ui.handle_key({"event": "keydown", "key": " "})  # skip
        assert desk.done == {0: "skipped"} and desk.position == 1 and len(store.history()) == n_events
        ui.handle_key({"event": "keydown", "key": "ArrowLeft"})
        assert desk.position == 0 and ui.public.value.startswith("您好，我们会赔偿")  # the edit is kept
