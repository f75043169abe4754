"""The baseline estimator: scikit-learn contract, features, learning, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from wbcs.classify import TextClassifier
from wbcs.classify.features import CharNgramVectorizer, decode_key
from wbcs.errors import InputError

# A crafted three-class task: the label is carried by a few words.
NEG = ["信号太差了根本打不了电话", "扣费莫名其妙太坑了", "宽带又断了气死我了", "客服态度太差投诉",
       "流量乱扣费垃圾服务", "网速慢得要命太差了", "莫名其妙扣我话费坑人", "断网一整天太差劲"]
POS = ["谢谢客服耐心解答很满意", "网速很快非常满意点赞", "服务很好谢谢你们", "点赞客服小姐姐很耐心",
       "非常满意这次的处理谢谢", "谢谢帮我解决了问题点赞", "营业厅服务很好满意", "很满意谢谢耐心"]
NEU = ["请问怎么办理流量套餐", "请问营业厅几点开门", "怎么查询话费余额请问", "请问宽带怎么办理",
       "请问国际漫游怎么开通", "套餐怎么变更请问一下", "请问携号转网怎么办", "话费怎么查请问"]
TEXTS = NEG + POS + NEU
LABELS = ["negative"] * 8 + ["positive"] * 8 + ["neutral"] * 8


def test_char_ngrams_hand_checked():
    # "abca": 1-grams a,b,c (a twice); 2-grams ab, bc, ca; 3-grams abc, bca → 8 distinct n-grams
    v = CharNgramVectorizer((1, 3)).fit(["abca", "b"])
    names = list(v.get_feature_names_out())
    assert sorted(names) == sorted(["a", "b", "c", "ab", "bc", "ca", "abc", "bca"])
    X = v.transform(["abca", "zz", ""]).toarray()
    row = dict(zip(names, X[0], strict=True))
    assert row["a"] == 2 and row["bca"] == 1 and X[0].sum() == 4 + 3 + 2
    assert X[1].sum() == 0 and X[2].sum() == 0  # unknown characters and empty text: no features
    # n-grams never straddle two texts: "a"+"b" would make "ab" if they did
    assert v.transform(["a", "b"]).toarray().sum() == 2
    # min_df counts documents: "b" occurs in both texts, "a" only in the first
    assert list(CharNgramVectorizer((1, 1), min_df=2).fit(["abca", "b"]).get_feature_names_out()) == ["b"]


@given(st.lists(st.text(alphabet="信号差满意请问ab 1[]", max_size=12), min_size=1, max_size=8),
       st.sampled_from([(1, 1), (1, 2), (2, 3), (1, 3)]))
def test_char_ngrams_equal_sklearn(texts, ngram_range):
    # the oracle is scikit-learn's own char analyser (which also collapses whitespace: do it first)
    texts = [" ".join(t.split()) for t in texts]
    ours = CharNgramVectorizer(ngram_range)
    try:
        ref = CountVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=False).fit(texts)
    except ValueError:  # sklearn refuses an empty vocabulary
        assert ours.fit_transform(texts).shape[1] == 0
        return
    X = ours.fit_transform(texts)
    names = ours.get_feature_names_out()
    assert sorted(names) == sorted(ref.vocabulary_)
    order = [ref.vocabulary_[n] for n in names]
    assert (ref.transform(texts)[:, order] != X).nnz == 0
    assert all(decode_key(k) == n for k, n in zip(ours.keys_, names, strict=True))


def test_max_features_keeps_the_most_frequent():
    # counts over the corpus: a=3, b=2, c=1 → top 2 are a, b
    v = CharNgramVectorizer((1, 1), max_features=2).fit(["aab", "abc"])
    assert sorted(v.get_feature_names_out()) == ["a", "b"]


def test_estimator_contract_clone_and_params():
    clf = TextClassifier(C=2.0, random_state=3)
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == clf.get_params()
    assert not hasattr(twin, "classes_")
    assert clf.set_params(C=1.0) is clf and clf.C == 1.0
    assert clf.fit(TEXTS, LABELS) is clf


def test_fit_predict_probabilities_and_determinism():
    clf = TextClassifier(random_state=0).fit(TEXTS, LABELS)
    assert list(clf.classes_) == ["negative", "neutral", "positive"]  # sorted, like sklearn
    new = ["信号太差打不了电话", "谢谢很满意", "请问怎么办理套餐"]
    proba = clf.predict_proba(new)
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(clf.predict(new)) == ["negative", "positive", "neutral"]
    again = TextClassifier(random_state=0).fit(TEXTS, LABELS).predict_proba(new)
    np.testing.assert_array_equal(proba, again)  # same seed, same data → identical model


def test_normalisation_happens_inside():
    # traditional and full-width forms map onto the simplified training vocabulary
    clf = TextClassifier(calibration=None).fit(TEXTS, LABELS)
    assert clf.predict(["請問怎麼辦理套餐"])[0] == "neutral"


def test_pipeline_and_grid_search():
    pipe = Pipeline([("strip", FunctionTransformer(lambda xs: [x.strip() for x in xs])),
                     ("clf", TextClassifier())])
    pipe.fit([t + "  " for t in TEXTS], LABELS)
    assert pipe.predict(["服务很好谢谢"])[0] == "positive"
    grid = GridSearchCV(TextClassifier(calibration=None), {"C": [0.5, 4.0]}, cv=2, scoring="accuracy")
    grid.fit(TEXTS, LABELS)
    assert grid.best_params_["C"] in (0.5, 4.0)
    assert len(grid.cv_results_["mean_test_score"]) == 2


def test_words_option_adds_features():
    clf = TextClassifier(words=True, calibration=None).fit(TEXTS, LABELS)
    union = clf.pipeline_.named_steps["features"]
    assert [name for name, _ in union.transformer_list] == ["char", "words"]
    assert clf.predict(["请问套餐怎么办理"])[0] == "neutral"


def test_tiny_class_skips_calibration_with_a_warning():
    with pytest.warns(UserWarning, match="not calibrated"):
        clf = TextClassifier().fit(TEXTS + ["投诉"], LABELS + ["other"])
    assert not clf.calibrated_ and "other" in clf.classes_


@pytest.mark.parametrize("texts, labels, message", [
    ("一条微博", ["positive"], "not one string"),
    (TEXTS, LABELS[:-1], "24 texts but 23 labels"),
    (TEXTS, [None] + LABELS[1:], "label 0 is missing"),
    (TEXTS, ["positive"] * len(TEXTS), "at least 2 classes"),
])
def test_bad_input(texts, labels, message):
    with pytest.raises(InputError, match=message):
        TextClassifier().fit(texts, labels)


@pytest.mark.parametrize("params, message", [
    ({"C": -1}, "C must be a finite number > 0, got -1"),  # was sklearn's InvalidParameterError
    ({"C": float("nan")}, "C must be a finite number > 0"),
    ({"ngram_range": (3, 1)}, r"ngram_range must be \(lo, hi\) with 1 ≤ lo ≤ hi ≤ 3, got \(3, 1\)"),  # a ValueError
    ({"ngram_range": (1, 4)}, "ngram_range must be"),
    ({"ngram_range": 3}, "ngram_range must be"),
    ({"min_df": 0}, "min_df must be a whole number ≥ 1"),
    ({"cv": 1.5}, "cv must be a whole number ≥ 2"),
])
def test_bad_parameters_are_named_at_fit(params, message):
    with pytest.raises(InputError, match=f"TextClassifier: {message}"):
        TextClassifier(**params).fit(TEXTS, LABELS)


def test_no_texts_give_no_rows():
    clf = TextClassifier().fit(TEXTS, LABELS)
    assert clf.predict([]).tolist() == []
    assert clf.predict_proba([]).shape == (0, len(clf.classes_))
    assert clf.predict_proba([], kind="first_post").shape == (0, len(clf.classes_))


@pytest.mark.slow
def test_real_cocc_held_out(mirror):
    # COCC 8-class complaint orders: the dataset README measures ~0.87 macro-F1 with
    # char TF-IDF + LR on held-out rows; we must stay in that league.
    import pandas as pd
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    df = pd.read_json(mirror / "cocc_complaints" / "complaints.jsonl", lines=True)
    tr, te = train_test_split(df, test_size=0.25, stratify=df["label"], random_state=0)
    clf = TextClassifier().fit(tr["text"], tr["label"])
    assert f1_score(te["label"], clf.predict(te["text"]), average="macro") > 0.8
