"""The drafts and the desk place a reply's promised day (明天给您答复) from the post's time (``created_at``)."""

from __future__ import annotations

import pandas as pd

from wbcs.labeling.store import LabelStore
from wbcs.reply.desk import ReplyDesk
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.reply.team import record_reply
from wbcs.triage import route_posts

MON = pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai")  # complaint: 48 hours, run out Wed 2025-01-08 09:00


def _post(pid: str) -> dict:
    return {"post_id": pid, "text": "宽带断网一整天了，到现在都没人处理", "created_at": MON, "intent": "complaint",
            "sentiment": "negative", "negative_subtype": "concrete_complaint", "topic": "broadband",
            "operator": "china_telecom"}


def test_a_promised_day_is_placed_from_the_posts_time(tmp_path):
    old, posts = pd.DataFrame([_post("old")]), pd.DataFrame([_post("new")])
    with LabelStore(tmp_path / "s.sqlite") as store:
        record_reply(store, post_id="old", post=old["text"].iloc[0], route=route_posts(old, classify=False)["route"][0],
                     annotator="a1", reply="您好，宽带问题给您带来不便深表歉意！我们明天给您答复。")
        d = draft_replies(posts, route_posts(posts, classify=False), make_drafter(stc3=False, store=store))
        assert d["alt1_checks"].iloc[0] == (
            "time_promise: promises a time the policy does not give (明天给您答复 = 2025-01-07 (tue), the clock runs out "
            "2025-01-08 (wed) 09:00; the policy's resolve clock for complaint: 48小时内)")
        desk = ReplyDesk(d.assign(text=posts["text"], created_at=posts["created_at"]), store, "a1")
        desk.edit(public="您好，宽带问题给您带来不便深表歉意！我们后天给您答复。")  # Wed: the clock's day
        assert desk.checks() == []
        desk.edit(public="您好，宽带问题给您带来不便深表歉意！我们本周五前给您答复。")
        assert desk.checks() == [
            "time_promise: promises a time the policy does not give (本周五前给您答复 = 2025-01-10 (fri), the clock runs "
            "out 2025-01-08 (wed) 09:00; the policy's resolve clock for complaint: 48小时内)"]
