"""The reply desk knows when its queue is finished: past the last post, accept() stayed on it and recorded its
reply again (ReplyDesk over two posts, accept() three times: p2 recorded twice)."""

from __future__ import annotations

import pandas as pd

from wbcs.labeling.store import LabelStore
from wbcs.reply.desk import ReplyDesk
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.triage import route_posts


def _drafts() -> pd.DataFrame:
    posts = pd.DataFrame({"post_id": ["p1", "p2"], "text": ["客服真好", "谢谢你们"],
                          "created_at": pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai"),
                          "intent": "praise", "sentiment": "positive"})
    return draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False)).assign(
        text=posts["text"])


def _recorded(store) -> list[str]:
    h = store.history()
    return h.loc[(h["action"] == "label") & (h["field"] == "reply"), "item_id"].tolist()


def test_past_the_last_post_nothing_is_recorded_and_the_desk_says_so(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(_drafts().head(2), store, "a1")
        assert desk.accept() and not desk.state()["finished"]
        assert desk.accept()  # the last post
        assert desk.state()["finished"] and "the queue is finished (2 accepted, 0 skipped of 2)" in desk.message
        assert desk.accept() is False
        desk.skip()
        assert _recorded(store) == ["p1", "p2"]
        assert desk.message == "the queue is finished (2 accepted, 0 skipped of 2): nothing recorded; ← back to " \
                               "change a reply"
        assert desk.done == {0: "accepted", 1: "accepted"}
        desk.back()  # the last post again, which may be accepted anew (a correction)
        assert not desk.state()["finished"] and desk.state()["post_id"] == "p2"
        desk.edit(public="感谢您的支持！")
        assert desk.accept() and _recorded(store) == ["p1", "p2", "p2"] and desk.state()["finished"]


def test_skipping_the_last_post_finishes_the_queue_too(tmp_path):
    from wbcs.viz.reply import ReplyWidget

    with LabelStore(tmp_path / "s.sqlite") as store:
        desk = ReplyDesk(_drafts(), store, "a1")
        ui = ReplyWidget(desk)
        for key in (" ", " ", "Enter"):
            ui.handle_key({"event": "keydown", "key": key})
        assert _recorded(store) == [] and desk.done == {0: "skipped", 1: "skipped"}
        assert "queue finished" in ui.header.value and "nothing recorded" in ui.status.value
