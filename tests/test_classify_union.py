"""A multi-field model counts a batch's n-grams once for all its fields (``features.NgramUnion``)
and sends only the texts that could hold PII through ``mask_pii`` (``features.may_hold_pii``):
both must give exactly what the fields' own models give alone."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from wbcs.classify import PostClassifier, TextClassifier
from wbcs.classify.features import _MASKED, PII_PLACEHOLDER, may_hold_pii, pii_placeholders
from wbcs.pii import mask_pii

# texts a batch can hold besides posts: PII in several forms, masked items, empty ones, mentions
EXTRA = ["我的电话13812345678，宽带三天没网了", "联系 138****5678 或 a***@qq.com", "", " ", "@中国移动 流量又超了",
         "邮箱ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "身份证110105194912310025", "//@abc: 转发微博", "①③⑧①②③④⑤⑥⑦⑧",
         "漫游费太贵了!!!", "a\u200b@b.cn 话费", "携号转网为什么这么难"]


@pytest.fixture(scope="module")
def stc3_texts(mirror) -> list[str]:
    from wbcs.datasets import load_stc3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        posts = load_stc3(telecom_only=False, split=None)
    return posts["text"].tolist() + EXTRA


def per_field(model: PostClassifier, texts) -> dict[str, np.ndarray]:
    """Each field's model alone (no shared batch preparation, no union)."""
    return {f: m.predict_proba(texts) for f, m in model.models.items()}


def assert_same(model: PostClassifier, texts) -> None:
    assert model._ngram_union() is not None
    alone = per_field(model, texts)
    together = model.predict_proba(texts)
    labels = model.predict(texts)
    for field, p in alone.items():
        assert np.allclose(together[field].to_numpy(), p, rtol=0, atol=1e-10), field
        best = np.asarray(model.models[field].classes_)[p.argmax(axis=1)]
        shown = labels[field].to_numpy(dtype=object)
        applies = ~labels[field].isna().to_numpy()  # a conditional field is blanked elsewhere
        assert list(shown[applies]) == list(best[applies]), field
        assert applies.any()


def test_small_model_union_matches_each_field(stc3_texts):
    from wbcs.datasets import load_stc3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        posts = load_stc3(telecom_only=False, split=None).sample(600, random_state=0)
    texts = posts["text"].tolist()
    fields = {  # different n-gram orders, min_df, vocab caps, normalisation; one with a lexicon
        "complaint": (TextClassifier(ngram_range=(1, 2), min_df=3, calibration=None),
                      posts["is_complaint"].astype(str)),
        "telecom": (TextClassifier(ngram_range=(2, 3), min_df=1, max_features=3000, model="nb-logreg",
                                   calibration=None, remove=("urls", "mentions")),
                    posts["telecom"].astype(str)),
        "quality": (TextClassifier(ngram_range=(1, 3), min_df=2, calibration="sigmoid", cv=2,
                                   lexicon={"high": ["谢谢", "感谢"], "low": ["投诉", "垃圾"]}),
                    np.where(posts["quality_A"].fillna(0) >= 1, "high", "low")),
        "unigram": (TextClassifier(ngram_range=(1, 1), min_df=1, calibration=None),
                    posts["is_complaint"].astype(str)),
    }
    model = PostClassifier({f: m.fit(texts, y) for f, (m, y) in fields.items()})
    union = model._ngram_union()
    assert union._count.ngram_range == (1, 3)
    assert len(union._count.keys_) == len(np.unique(np.concatenate([m.char_vectorizer().keys_
                                                                    for m in model.models.values()])))
    assert_same(model, stc3_texts)
    # a field replaced after a prediction: the union follows the new set of models
    model.models["unigram"] = TextClassifier(ngram_range=(3, 3), calibration=None).fit(texts, fields["unigram"][1])
    assert model._ngram_union() is not union
    assert_same(model, stc3_texts[:500])


def test_one_field_model_has_no_union_and_predicts_as_its_model(stc3_texts):
    texts = stc3_texts[:300]
    clf = TextClassifier(calibration=None).fit(texts, [str(i % 2) for i in range(len(texts))])
    model = PostClassifier({"parity": clf})
    assert model._ngram_union() is None
    assert np.array_equal(model.predict_proba(stc3_texts)["parity"].to_numpy(), clf.predict_proba(stc3_texts))


@pytest.mark.slow
def test_shipped_model_union_matches_each_field(stc3_texts):
    from wbcs.classify import load_model
    from wbcs.config import MODELS_DIR

    path = MODELS_DIR / "wbcs-default" / "3"
    if not path.is_dir():
        pytest.skip("models/wbcs-default/3 is not in this checkout")
    assert_same(load_model(path), stc3_texts)


def test_pii_prefilter_changes_nothing(stc3_texts):
    old = [_MASKED.sub(PII_PLACEHOLDER, mask_pii(t)) if t else t for t in stc3_texts]
    assert pii_placeholders(stc3_texts) == old
    assert pii_placeholders([None, ""]) == [None, ""]
    assert 0 < may_hold_pii(stc3_texts).mean() < 0.5  # it does filter


def test_pii_prefilter_is_never_narrower_than_wbcs_pii():
    # every character wbcs.pii counts as a digit (its _DIGITS_HINT: Unicode decimal digits,
    # super-/subscripts, circled digits), seven times, passes the filter
    from wbcs.pii import _AT_HINT, _DIGITS_HINT

    digitlike = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and _DIGITS_HINT.match(chr(c) * 7)]
    assert len(digitlike) > 600
    assert may_hold_pii([f"号码{c * 7}吧" for c in digitlike]).all()
    # an at sign between letters or digits of every kind wbcs.pii accepts, invisible characters between
    sides = ["a", "Z", "0", "９", "Ｑ", "ｑ", "\U0001d400", "\U0001d7ff", ".", "_", "%", "+", "-", "．", "＿", "－"]
    ats = [f"写信给{left}{inv}{at}{inv}{right}吧" for left in sides for at in "@＠﹫" for inv in ["", "\u200b", "\ufeff\u00ad"]
           for right in ["b", "５", "\U0001d41a"]]
    assert all(_AT_HINT.search(t) for t in ats)
    assert may_hold_pii(ats).all()
    assert not may_hold_pii(["@中国移动 你好", "//@abc", "电话123456", "*号*", "**"]).any()
    assert may_hold_pii(["******", "x***y"]).all()
