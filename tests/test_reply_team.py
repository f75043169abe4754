"""An accepted reply goes into the label store as events and comes back retrievable."""

from __future__ import annotations

import pandas as pd

from wbcs.labeling.store import LabelStore
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.reply.team import record_reply, team_replies
from wbcs.triage import route_posts


def test_accepted_reply_round_trip_through_a_real_store(tmp_path):
    path = tmp_path / "labels.sqlite"
    with LabelStore(path) as store:
        ids = record_reply(store, post_id="p1", post="宽带又断网了，电话13812345678", route="complaint_reply_dm",
                           reply="您好，宽带故障请私信宽带账号，我们马上安排师傅上门。", annotator="ann",
                           private="请告知宽带账号和地址。", edited=True)
        record_reply(store, post_id="p2", post="谢谢客服", route="thank", reply="感谢您的支持！", annotator="ann")
    assert len(ids) == 4
    with LabelStore(path) as store:  # a new connection: the events were committed
        hist = store.history()
        team = team_replies(store)
    assert set(hist["source"]) == {"reply:edited", "reply:accepted"}
    p1 = team.set_index("post_id").loc["p1"]
    assert p1["reply"] == "您好，宽带故障请私信宽带账号，我们马上安排师傅上门。"
    assert p1["post"] == "宽带又断网了，电话138****5678"  # masked before it was stored
    assert p1["route"] == "complaint_reply_dm" and p1["private"] == "请告知宽带账号和地址。" and p1["edited"]
    assert not team.set_index("post_id").loc["p2", "edited"]


def test_a_later_acceptance_replaces_the_earlier_one(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        record_reply(store, post_id="p1", post="话费扣错了", route="ticket", reply="第一版", annotator="a")
        record_reply(store, post_id="p1", post="话费扣错了", route="ticket", reply="第二版", annotator="b")
        team = team_replies(store)
    assert team["reply"].tolist() == ["第二版"]


def test_the_teams_wording_becomes_retrievable(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        record_reply(store, post_id="old1", post="宽带断网一整天了还没人修", route="complaint_reply_dm",
                     reply="您好，我是{account}，宽带故障已为您加急，请私信宽带账号。", annotator="ann")
        drafter = make_drafter(store=store, stc3=False, k=2)
    posts = pd.DataFrame({"post_id": ["new1"], "text": ["宽带断网了，一整天都没人修"],
                          "created_at": pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai"),
                          "intent": ["complaint"], "sentiment": ["negative"], "topic": ["broadband"],
                          "operator": ["china_telecom"], "province": ["广东"]})
    routed = route_posts(posts, classify=False)
    d = draft_replies(posts, routed, drafter).iloc[0]
    assert d["route"] == "complaint_reply_dm" and d["passes"]
    assert d["alt1_source"] == "team:old1"
    assert d["alt1"] == "您好，我是中国电信广东客服，宽带故障已为您加急，请私信宽带账号。"  # slots filled for this post
    assert d["alt1_checks"] == "ok"
    assert pd.isna(d["alt2"])
