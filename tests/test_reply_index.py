"""Retrieval on a tiny hand-made index whose best answer is known, and the slot reduction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.reply.index import CORPUS_COLUMNS, ReplyIndex, quality_score, to_slots, tokens


def _corpus(rows) -> pd.DataFrame:
    base = dict.fromkeys(CORPUS_COLUMNS)
    return pd.DataFrame([base | r for r in rows], columns=CORPUS_COLUMNS)


@pytest.fixture()
def corpus() -> pd.DataFrame:
    return _corpus([
        {"source_id": "d1", "post": "宽带断网了一整天", "reply": "宽带报障请私信账号", "kind": "complaint", "quality": 0.9},
        {"source_id": "d2", "post": "宽带断网了一整天怎么办", "reply": "差的回复", "kind": "complaint", "quality": 0.1},
        {"source_id": "d3", "post": "话费扣错了", "reply": "扣费请私信号码", "kind": "complaint", "quality": 0.8},
        {"source_id": "d4", "post": "宽带断网", "reply": "感谢支持", "kind": "praise", "quality": 1.0},
    ])


def test_tokens_are_character_unigrams_and_bigrams():
    assert tokens(["宽带 4G网"]) == [["宽", "带", "4g", "网", "宽带", "带4g", "4g网"]]


def test_the_known_best_answer_comes_first(corpus):
    hits = ReplyIndex(corpus, weight=1.0).search(["宽带断网一整天"], ["complaint"], k=3)
    # pure similarity: d1 (the same words) before d2 (more words, so a lower BM25); d4 is another kind
    assert list(corpus["source_id"][hits.rows[0][:2]]) == ["d1", "d2"]
    assert hits.rows[0][2] == -1  # d3 (话费扣错了) shares no token: not a candidate
    assert hits.score[0][0] == pytest.approx(1.0)  # similarity scaled to the query's best hit


def test_quality_breaks_near_ties(corpus):
    q = "宽带断网了一整天怎么办"  # d2 is the closer text, d1 the better dialogue
    by_sim = ReplyIndex(corpus, weight=1.0).search([q], ["complaint"], k=1)
    by_both = ReplyIndex(corpus, weight=0.5).search([q], ["complaint"], k=1)
    assert corpus["source_id"][by_sim.rows[0][0]] == "d2"
    assert corpus["source_id"][by_both.rows[0][0]] == "d1"
    s = by_both.similarity[0][0]
    assert by_both.score[0][0] == pytest.approx(0.5 * s / by_sim.similarity[0][0] + 0.5 * 0.9)


def test_kind_filter_and_fallback(corpus):
    idx = ReplyIndex(corpus, weight=1.0)
    praise = idx.search(["宽带断网"], ["praise"], k=2)
    assert list(praise.rows[0]) == [3, -1]
    anything = idx.search(["宽带断网"], ["abuse"], k=4)  # no row of that kind: every row
    assert set(corpus["source_id"][anything.rows[0][anything.rows[0] >= 0]]) == {"d1", "d2", "d4"}


def test_reply_reduced_to_slots():
    raw = "@张三 您好,我是中国电信广东客服小@,请拨打10000或私信13812345678,中国电信感谢您[微笑]"
    assert to_slots(raw) == "{customer}您好,我是{account},请拨打{hotline}或私信138****5678,{operator}感谢您"
    assert to_slots("第一条回复\n第二条回复") == "第一条回复"


def test_quality_score_maps_the_scale_to_0_1():
    assert np.allclose(quality_score([-2, 2, 0], [-2, 2, 1], [-2, 2, -1]), [0.0, 1.0, 0.5])


def test_scores_equal_bm25s_own_retrieval(corpus):
    idx = ReplyIndex(corpus)
    queries = ["宽带断网了一整天", "话费话费扣错", "没有共同的字xyz"]
    mine = idx.scores(queries).toarray()
    for q, row in zip(tokens(queries), mine, strict=True):
        assert np.allclose(row, idx.bm25.get_scores(q), atol=1e-5)


@pytest.mark.parametrize("weight", [float("nan"), 1.5, "0.5"])
def test_a_weight_outside_0_1_is_an_input_error(corpus, weight):
    from wbcs.errors import InputError

    with pytest.raises(InputError, match="weight must be between 0 and 1"):  # NaN was a bare ValueError
        ReplyIndex(corpus, weight=weight)


def test_replies_of_the_posts_topic_come_first_and_the_others_only_fill_up():
    """Notebook 06 offered a broadband reply for a tariff complaint: it shared words and its dialogue scored higher."""
    corpus = _corpus([
        {"source_id": "off", "post": "套餐宽带断网了", "reply": "宽带报障请私信账号", "kind": "complaint",
         "topic": "broadband", "quality": 1.0},
        {"source_id": "on", "post": "套餐扣费不对", "reply": "套餐变更次月生效", "kind": "complaint",
         "topic": "tariff", "quality": 0.2},
        {"source_id": "team", "post": "套餐", "reply": "我们的话术", "kind": "complaint", "topic": None,
         "quality": 0.1},
    ])
    idx = ReplyIndex(corpus, weight=0.5)
    q = ["套餐宽带断网扣费"]
    plain = idx.search(q, ["complaint"], k=3)
    assert list(plain.rows[0]).index(0) < list(plain.rows[0]).index(1)  # without the topic, the off-topic reply wins
    on_topic = list(corpus["source_id"][idx.search(q, ["complaint"], ["tariff"], k=3).rows[0]])
    # the team's own replies carry no topic: they are candidates for any post's; the off-topic one fills up
    assert sorted(on_topic[:2]) == ["on", "team"] and on_topic[2] == "off"
    assert sorted(idx.search(q, ["complaint"], ["tariff"], k=3).score[0]) == sorted(plain.score[0])  # not shifted
    assert list(idx.search(q, ["complaint"], [None], k=3).rows[0]) == list(plain.rows[0])  # no topic: as before
