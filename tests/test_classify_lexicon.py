"""The keyword lexicon as features, the PII placeholder, and the per-batch text
memo that lets a multi-field model prepare a batch once."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.classify import TextClassifier
from wbcs.classify.features import PII_PLACEHOLDER, memo, pii_placeholders, shared_text
from wbcs.classify.lexicon import KeywordFeatures, keyword_hits
from wbcs.classify.multi import PostClassifier

LEXICON = {"broadband": ["宽带", "WiFi"], "billing": ["话费", "扣费"], "empty": []}


def test_keyword_hits_ignore_mentions_and_case():
    texts = ["@中国电信宽带 话费多扣了", "家里wifi断了", None, "宽带欠费，话费也不对", "@宽带客服"]
    labels, hits = keyword_hits(texts, LEXICON)
    assert labels == ["billing", "broadband"]  # sorted; a label without keywords has no column
    assert hits.tolist() == [[True, False], [False, True], [False, False], [True, True], [False, False]]


def test_keyword_features_are_weighted_columns():
    f = KeywordFeatures(LEXICON, weight=0.15).fit(["x"])
    x = f.transform(["宽带坏了", "没事"]).toarray()
    assert x.tolist() == [[0.0, 0.15], [0.0, 0.0]]
    assert list(f.get_feature_names_out()) == ["lexicon:billing", "lexicon:broadband"]


def test_a_masked_and_an_unmasked_number_are_the_same_feature():
    a, b, c = pii_placeholders(["打13812345678没人接", "打138****5678没人接", "打了没人接"])
    assert a == b == f"打{PII_PLACEHOLDER}没人接" and c == "打了没人接"


TEXTS = ["宽带又断了，什么时候修好", "话费多扣了五十元", "谢谢客服，问题解决了", "请问怎么办理携号转网",
         "网速太慢了", "感谢耐心解答", "扣费不明，要求退还", "宽带报修三天没人来"] * 4


@pytest.fixture(scope="module")
def two_fields():
    sentiment = ["negative", "negative", "positive", "neutral", "negative", "positive", "negative", "negative"] * 4
    topic = ["broadband", "billing", "service", "porting", "data", "service", "billing", "broadband"] * 4
    return PostClassifier({
        "sentiment": TextClassifier(model="nb-logreg", calibration=None, min_df=1).fit(TEXTS, sentiment),
        "topic": TextClassifier(lexicon=LEXICON, calibration=None, min_df=1).fit(TEXTS, topic)})


def test_a_multi_field_model_predicts_what_each_field_predicts_alone(two_fields):
    new = ["宽带不能上网了", "话费为什么扣了这么多 13812345678", "谢谢", ""]
    together = two_fields.predict_proba(new)
    for field, model in two_fields.models.items():
        np.testing.assert_allclose(together[field].to_numpy(), model.predict_proba(new), rtol=0, atol=1e-12)


def test_the_memo_is_per_batch_object_and_only_inside_the_block():
    calls = []
    batch = ["a", "b"]
    assert memo(("k",), batch, lambda: calls.append(1) or 1) == 1
    assert memo(("k",), batch, lambda: calls.append(1) or 1) == 1
    assert len(calls) == 2  # outside shared_text() nothing is cached
    with shared_text():
        memo(("k",), batch, lambda: calls.append(1))
        memo(("k",), batch, lambda: calls.append(1))
        memo(("other",), batch, lambda: calls.append(1))
        memo(("k",), list(batch), lambda: calls.append(1))  # an equal but different batch
    assert len(calls) == 5
