"""k alternatives whenever the index holds k other replies: a post can be in the index twice, as its STC-3
dialogue (stc3:ID) and as the team's accepted reply to it (team:ID); the search kept one spare, so such a post
got k-1 alternatives once a reply store was given (3611685547643826 and others on STC-3: 2 of 3)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from wbcs.labeling.store import LabelStore
from wbcs.reply.drafts import draft_replies, make_drafter
from wbcs.reply.index import CORPUS_COLUMNS, ReplyIndex, stc3_corpus, team_corpus
from wbcs.reply.team import record_reply, team_replies
from wbcs.triage import route_posts

T0 = pd.Timestamp("2025-01-06 09:00", tz="Asia/Shanghai")
TEXT = "宽带断网了好几天没人修"


def _posts() -> pd.DataFrame:
    return pd.DataFrame({"post_id": ["p0"], "text": [TEXT], "created_at": T0, "intent": "complaint",
                         "sentiment": "negative", "negative_subtype": "concrete_complaint", "topic": "broadband",
                         "operator": "china_telecom"})


def test_a_post_indexed_as_its_dialogue_and_as_the_teams_reply_still_gets_k_alternatives(tmp_path):
    store = LabelStore(tmp_path / "replies.sqlite")
    record_reply(store, post_id="p0", post=TEXT, route="complaint_reply_dm", reply="宽带问题请私信账号",
                 annotator="a1")
    own = pd.DataFrame([dict.fromkeys(CORPUS_COLUMNS) | {  # the post's own STC-3 dialogue: the best match there is
        "source_id": "stc3:p0", "source": "stc3", "post": TEXT, "reply": "宽带故障请私信账号", "kind": "complaint",
        "topic": "broadband", "quality": 1.0}] + [dict.fromkeys(CORPUS_COLUMNS) | {
        "source_id": f"stc3:o{i}", "source": "stc3", "post": "宽带" + "断网" * (i + 1), "reply": f"宽带报障第{i}种答复",
        "kind": "complaint", "topic": "broadband", "quality": 0.5} for i in range(4)], columns=CORPUS_COLUMNS)
    team = team_corpus(team_replies(store).assign(quality=1.0))
    corpus = pd.concat([own, team], ignore_index=True)
    drafter = dataclasses.replace(make_drafter(stc3=False), index=ReplyIndex(corpus, weight=0.5), k=3)
    posts = _posts()
    d = draft_replies(posts, route_posts(posts, classify=False), drafter).iloc[0]
    sources = [d[f"alt{a}_source"] for a in (1, 2, 3)]
    assert len(set(sources)) == 3 and all(isinstance(s, str) and s.startswith("stc3:o") for s in sources), sources


def test_the_stc3_posts_with_their_accepted_replies_in_a_store_get_k_alternatives(tmp_path, mirror):
    stc3 = stc3_corpus(telecom_only=True).head(40)
    posts = pd.DataFrame({"post_id": stc3["source_id"].str.removeprefix("stc3:"), "text": stc3["post"],
                          "created_at": T0, "intent": "complaint", "sentiment": "negative",
                          "negative_subtype": "concrete_complaint", "topic": stc3["topic"],
                          "operator": stc3["operator"]})
    store = LabelStore(tmp_path / "replies.sqlite")
    for p in posts.itertuples():
        record_reply(store, post_id=p.post_id, post=p.text, route="complaint_reply_dm", reply="请私信我们",
                     annotator="a1")
    d = draft_replies(posts, route_posts(posts, classify=False), make_drafter(store=store, k=3))
    assert d[["alt1", "alt2", "alt3"]].notna().all().all()
    for a in (1, 2, 3):
        assert not (d[f"alt{a}_source"].str.split(":").str[1] == d["post_id"]).any()
