"""configs.select on crafted sets: a keyword lexicon is kept when (and only when) grouped CV
says it helps, and the card's table shows the rows it was chosen on."""

from __future__ import annotations

import numpy as np

from wbcs.classify import TextClassifier
from wbcs.classify.configs import select

# Two classes named by 20 different words each: every word occurs in 3 posts, so a held-out
# fold mostly holds words the character n-grams never saw with their label, while one
# keyword column per class names them all.
RNG = np.random.default_rng(0)
CHARS = np.array(list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月山川风云雷电"))
WORDS = {"a": ["".join(RNG.choice(CHARS, 3)) for _ in range(20)], "b": ["".join(RNG.choice(CHARS, 3)) for _ in range(20)]}
FILLER = ["今天去了营业厅", "昨天晚上", "说一下情况", "麻烦看看", "我家附近"]


def crafted():
    texts, y, groups = [], [], []
    for label, words in WORDS.items():
        for i, w in enumerate(words):
            for k in range(3):
                texts.append(f"{FILLER[(i + k) % len(FILLER)]}{w}{FILLER[(i + 2 * k + 1) % len(FILLER)]}")
                y.append(label)
                groups.append(f"{label}{i}")  # a word's posts stay in one fold
    return texts, np.array(y), np.array(groups)


def test_a_lexicon_that_names_the_classes_is_chosen_and_a_useless_one_is_not():
    texts, y, groups = crafted()
    base = TextClassifier(min_df=1, calibration=None, random_state=0)
    useful = {"a": WORDS["a"], "b": WORDS["b"]}
    useless = {"a": ["营业厅"], "b": ["附近"]}  # filler words, in both classes alike
    chosen, table = select(texts, y, groups=groups, base=base, n_splits=3, words=False,
                           lexicons={"useless keywords": useless, "class keywords": useful})
    rows = table.set_index("config")
    head = table.loc[table["config"].str.startswith(("lr", "nb-lr", "vote")) & ~table["config"].str.contains(r"\+"),
                     "macro_f1"].max()
    lex_rows = [c for c in rows.index if c.endswith("+ class keywords")]
    assert len(lex_rows) == 1
    assert rows.loc[lex_rows[0], "macro_f1"] > head + 0.2  # the keyword column generalises to unseen words
    assert chosen.lexicon == useful
    assert rows.loc[lex_rows[0], "params"]["lexicon"] == ["a", "b"]
    assert any(c.endswith("+ useless keywords") and not rows.loc[c, "chosen"] for c in rows.index)
    assert table["chosen"].sum() == 1



def test_with_kinds_of_item_every_candidate_is_ranked_by_the_kinds_mean_and_the_card_says_so():
    from wbcs.classify.card import _selection
    from wbcs.classify.evaluate import kind_mean_macro_f1

    texts, y, groups = crafted()
    # a quarter of each class's words are "first posts", the rest "follow-ups": kinds of unequal size
    kinds = np.array(["first_post" if int(g[1:]) % 4 == 0 else "follow_up" for g in groups])
    base = TextClassifier(min_df=1, calibration=None, random_state=0)
    _, plain = select(texts, y, groups=groups, base=base, n_splits=3, words=False)
    _, one_kind = select(texts, y, groups=groups, base=base, n_splits=3, words=False, kinds=np.full(len(y), "post"))
    _, table = select(texts, y, groups=groups, base=base, n_splits=3, words=False, kinds=kinds)
    assert plain.attrs["score"] == one_kind.attrs["score"] == "macro-F1"
    assert "pooled_macro_f1" not in plain.columns and "pooled_macro_f1" not in one_kind.columns
    np.testing.assert_allclose(one_kind["macro_f1"].astype(float), plain["macro_f1"].astype(float))
    assert table.attrs["score"] == "mean over kinds of item of each kind's macro-F1 (first_post, follow_up)"
    tried = table[table["skipped"].isna()]
    # the pooled figure is the one a run without kinds reports; the ranking figure is the kinds' mean
    np.testing.assert_allclose(tried["pooled_macro_f1"].astype(float).iloc[:4], plain["macro_f1"].astype(float).iloc[:4])
    assert (tried["macro_f1"] != tried["pooled_macro_f1"]).any()
    # row "lr C=1" recomputed by hand from its out-of-fold probabilities, fold by fold
    from wbcs.classify.configs import _Folds, candidates

    folds = _Folds(base, texts, y, groups, 3, 0)
    folds.scores(candidates(base)["lr C=1"])
    pred = folds.classes[folds.oof.argmax(axis=1)]
    by_hand = np.mean([kind_mean_macro_f1(y[te], pred[te], kinds[te]) for _, te in folds.folds])
    assert np.isclose(by_hand, table.set_index("config").loc["lr C=1", "macro_f1"])
    text = "\n".join(_selection({**table.attrs, "table": table.to_dict("records")}))
    assert "ranked by the mean over kinds of item" in text and "| pooled macro-F1 |" in text


def test_the_trainer_weighs_the_kinds_only_when_asked_and_only_where_rows_have_kinds():
    import pandas as pd
    import pytest

    from wbcs.classify.tasks import TaskData
    from wbcs.classify.train import fit_task
    from wbcs.errors import InputError

    texts, y, groups = crafted()
    kinds = ["first_post" if int(g[1:]) % 4 == 0 else "follow_up" for g in groups]
    train = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(y))], "text": texts, "label": y, "kind": kinds})
    task = TaskData("crafted", "intent", "crafted", train, train.head(20))
    base = TextClassifier(min_df=1, calibration=None, random_state=0)
    scores = {w: fit_task(task, seed=0, budget=30, words=False, refit=False, base=base,
                          weigh_kinds=w)[1]["selection"]["score"] for w in (False, True)}
    assert scores == {False: "macro-F1",
                      True: "mean over kinds of item of each kind's macro-F1 (first_post, follow_up)"}
    own = TaskData("mine", "intent", "a user's file", train.drop(columns="kind"), train.head(20).drop(columns="kind"))
    with pytest.raises(InputError, match="--weigh-kinds needs a kind of item per row"):
        fit_task(own, seed=0, budget=30, words=False, refit=False, base=base, weigh_kinds=True)


def test_the_card_shows_the_held_out_figures_per_kind_of_item():
    from wbcs.classify.card import card_markdown

    def kind(n, acc, f1, recalls):
        return {"n": n, "accuracy": acc, "macro_f1": f1,
                "per_class": {lab: {"recall": r, "support": s} for lab, (r, s) in recalls.items()}}

    metrics = {"n": 30, "accuracy": 0.8, "macro_f1": 0.7, "split": "test", "ece": 0.05,
               "by_kind": {"first_post": kind(10, 0.9, 0.45, {"complaint": (1.0, 9), "consultation": (0.0, 1),
                                                              "praise": (0.0, 0)}),
                           "follow_up": kind(20, 0.75, 0.7, {"complaint": (0.8, 10), "consultation": (0.6, 5),
                                                             "praise": (0.5, 5)})}}
    md = card_markdown({"fields": {"intent": {"metrics": metrics}}})
    assert "| kind | n | accuracy | macro-F1 | complaint | consultation | praise |" in md
    assert "| first_post | 10 | 0.900 | 0.450 | 1.000 | 0.000 | – |" in md  # no praise among its rows
    assert "| follow_up | 20 | 0.750 | 0.700 | 0.800 | 0.600 | 0.500 |" in md
    one = {**metrics, "by_kind": {"first_post": metrics["by_kind"]["first_post"]}}
    assert "per kind of item" not in card_markdown({"fields": {"topic": {"metrics": one}}})


def two_kinds(first_consult: float, seed: int = 0):
    """Intent-like rows of two kinds: a cue (问 for a consultation, 坏 for a complaint) right 65 % of the time,
    between random fillers. Follow-up turns: 1,200, a tenth consultations; first posts: 300, ``first_consult`` of
    them consultations. One bias for all rows follows the follow-up turns' prior; first posts with many more
    consultations need their own."""
    rng = np.random.default_rng(seed)
    texts, y, kinds = [], [], []
    for kind, n, share in (("first_post", 300, first_consult), ("follow_up", 1200, 0.1)):
        for i in range(n):
            label = "consultation" if rng.random() < share else "complaint"
            right = rng.random() < 0.65
            cue = {"consultation": "问坏", "complaint": "坏问"}[label][0 if right else 1]
            filler = "".join(rng.choice(CHARS[:20], 6))
            texts.append(f"{filler}{cue}{filler[::-1]}{i}")
            y.append(label)
            kinds.append(kind)
    return texts, np.array(y), np.array(kinds)


def test_a_kinds_own_bias_is_kept_where_that_kind_needs_one_and_not_where_it_does_not():
    base = TextClassifier(calibration=None, random_state=0)
    texts, y, kinds = two_kinds(0.5)
    est, table = select(texts, y, kinds=kinds, weigh_kinds=False, own_bias_kinds=("first_post",), words=False,
                        base=base, seed=0)
    row = table[table["config"].str.endswith("own class bias of first_post")].iloc[0]
    assert row["chosen"] and row["kind_gain"] > 0.002 and row["macro_f1"] >= table["macro_f1"].dropna().max() - 0.002
    own = est.kind_bias["first_post"]
    assert set(est.kind_bias) == {"first_post"} and own.get("consultation", 0) - own.get("complaint", 0) > 0
    assert table.attrs["score"] == "macro-F1"  # the kinds served the own bias only, not the ranking
    oof = table.attrs["cv_oof"]
    assert oof["kind_bias"] == est.kind_bias and oof["kind"] == list(kinds)
    # the same rows where first posts have the follow-up turns' prior: nothing for their own bias to mend
    est, table = select(*two_kinds(0.1)[:2], kinds=two_kinds(0.1)[2], weigh_kinds=False,
                        own_bias_kinds=("first_post",), words=False, base=base, seed=0)
    row = table[table["config"].str.endswith("own class bias of first_post")].iloc[0]
    assert not row["chosen"] and row["kind_gain"] <= 0.002 and est.kind_bias is None
    assert "kind_bias" not in table.attrs["cv_oof"]
    # rows all of the kind (topic: first posts only): the class bias step is already theirs, nothing more is tried
    texts, y, kinds = two_kinds(0.5)
    _, table = select(texts[:300], y[:300], kinds=kinds[:300], weigh_kinds=False, own_bias_kinds=("first_post",),
                      words=False, base=base, seed=0)
    assert not table["config"].str.contains("own class bias").any()


def test_the_trainer_keeps_first_posts_own_bias_and_predict_posts_uses_it():
    import pandas as pd

    from wbcs.classify import PostClassifier, predict_posts
    from wbcs.classify.card import card_markdown
    from wbcs.classify.tasks import TaskData
    from wbcs.classify.train import fit_task

    texts, y, kinds = two_kinds(0.5)
    rows = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(y))], "text": texts, "label": y, "kind": kinds})
    task = TaskData("crafted", "intent", "crafted", rows.iloc[::2], rows.iloc[1::2])
    est, entry = fit_task(task, seed=0, budget=60, words=False, refit=False,
                          base=TextClassifier(calibration=None, random_state=0))
    assert set(est.kind_bias) == {"first_post"}
    assert entry["params"]["kind_bias"] == est.kind_bias
    assert entry["cv_quantify"]["kind_bias"] == est.kind_bias
    # the held-out figures predict each row as its kind: first posts with their own bias
    test = task.test
    first = (test["kind"] == "first_post").to_numpy()
    pred = est.predict(test["text"].tolist(), kind=test["kind"].to_numpy())
    assert entry["metrics"]["by_kind"]["first_post"]["accuracy"] == np.mean(pred[first] == test["label"].to_numpy()[first])
    assert "that kind alone:" in card_markdown({"fields": {"intent": entry}})
    # a posts table is first posts: predict_posts tells the model so
    model = PostClassifier({"intent": est}, name="crafted")
    posts = pd.DataFrame({"post_id": test["post_id"], "text": test["text"]}).reset_index(drop=True)
    filled = predict_posts(posts, model, verbose=False)
    as_first = model.predict(posts, kind="first_post")
    assert (filled["intent"] == as_first["intent"]).all()
    assert (as_first["intent"] != model.predict(posts)["intent"]).any()  # the bias changes some labels


def test_shorter_ngrams_are_tried_on_the_winner_with_their_own_features_and_kept_only_when_they_gain():
    from wbcs.classify.configs import TOL, _Folds

    texts, y, groups = crafted()
    base = TextClassifier(min_df=1, calibration=None, random_state=0)
    chosen, table = select(texts, y, groups=groups, base=base, n_splits=3, words=False)
    rows = table.set_index("config")
    short = [c for c in rows.index if c.endswith("+ character 1–2-grams")]
    assert len(short) == 1 and rows.loc[short[0], "params"]["ngram_range"] == [1, 2]
    pos = int(np.flatnonzero(table["config"] == short[0])[0])
    rivals, f1 = table["macro_f1"].iloc[:pos].astype(float), float(rows.loc[short[0], "macro_f1"])
    if tuple(chosen.ngram_range) == (1, 2):  # kept: it beat the winner so far by more than TOL
        assert f1 > rivals.max() - TOL
    else:
        assert tuple(chosen.ngram_range) == (1, 3) and f1 <= rivals.max() + TOL

    # each n-gram order is scored on its own features: 1–2-grams are a strict subset of 1–3-grams' columns
    folds = _Folds(base, texts, y, groups, 3, 0)
    wide = folds.matrices(0, base)[0].shape[1]
    narrow = folds.matrices(0, base.set_params(ngram_range=(1, 2)))[0].shape[1]
    assert 0 < narrow < wide

    # a base that already counts 1–2-grams (or fewer) is not offered them again
    _, table = select(texts, y, groups=groups, base=TextClassifier(min_df=1, calibration=None, ngram_range=(1, 2)),
                      n_splits=3, words=False)
    assert not table["config"].str.contains("1–2-grams").any()


def test_the_card_measures_the_trainer_against_the_plain_peer_on_the_same_rows():
    import pandas as pd
    from sklearn.metrics import f1_score

    from wbcs.classify.card import card_markdown
    from wbcs.classify.strong import tfidf_logreg
    from wbcs.classify.tasks import TaskData
    from wbcs.classify.train import fit_task

    texts, y, groups = crafted()
    df = pd.DataFrame({"post_id": [f"{g}-{i}" for i, g in enumerate(groups)], "text": texts, "label": y,
                       "group": groups})
    test_words = {f"{label}{i}" for label in WORDS for i in range(15, 20)}  # 5 words of each class never trained on
    held = df["group"].isin(test_words)
    task = TaskData("crafted", "label", "crafted", df[~held].reset_index(drop=True), df[held].reset_index(drop=True))
    useful = {"a": WORDS["a"], "b": WORDS["b"]}
    _, entry = fit_task(task, seed=0, refit=False, words=False, lexicons={"class keywords": useful},
                        base=TextClassifier(min_df=1, calibration=None, random_state=0))
    v = entry["metrics"]["vs_peer"]
    peer = tfidf_logreg().fit(task.train["text"].tolist(), task.train["label"])
    assert v["peer_macro_f1"] == f1_score(task.test["label"], peer.predict(task.test["text"].tolist()), average="macro")
    assert v["macro_f1_delta"] == entry["metrics"]["macro_f1"] - v["peer_macro_f1"]
    assert v["macro_f1_delta"] > 0.1  # the keywords name words the peer never saw
    assert v["macro_f1_ci"][0] < v["macro_f1_delta"] < v["macro_f1_ci"][1]
    card = card_markdown({"name": "crafted", "fields": {"label": entry}})
    assert "against the plain peer" in card and f"{v['macro_f1_delta']:+.3f}" in card


def test_a_budget_that_cuts_the_selection_says_what_it_left_out_and_0_sets_no_limit():
    """``wbcs train --budget 6`` chose vote on a quiet machine and lr C=4 under load: the table says which rows the
    budget left out; the first candidate is always scored (a budget spent before it crashed the selection), and a
    budget of 0 scores every row."""
    import pytest

    from wbcs.classify.card import _selection
    from wbcs.errors import InputError

    texts, y, groups = crafted()
    base = TextClassifier(min_df=1, random_state=0)
    chosen, table = select(texts, y, groups=groups, base=base, n_splits=3, words=False, budget=1e-9)
    cut = table.attrs["budget_cut"]
    scored = table[table["skipped"].isna()]
    assert scored["config"].tolist() == ["lr C=1"] and table.loc[table["chosen"], "config"].tolist() == ["lr C=1"]
    assert cut["tried"] == 1 and cut["of"] == 1 + len(cut["skipped"]) and "nb-lr" in cut["skipped"]
    assert cut["skipped"] == table.loc[table["skipped"].fillna("").str.startswith("time budget"), "config"].tolist()
    text = "\n".join(_selection({**table.attrs, "table": table.to_dict("records")}))
    assert f"stopped this selection after 1 of {cut['of']} configurations" in text
    _, full = select(texts, y, groups=groups, base=base, n_splits=3, words=False, budget=0)
    assert "budget_cut" not in full.attrs and not full["skipped"].fillna("").str.startswith("time budget").any()
    assert "(no time budget" in "\n".join(_selection({**full.attrs, "table": full.to_dict("records")}))
    with pytest.raises(InputError, match="budget -1"):
        select(texts, y, groups=groups, base=base, n_splits=3, words=False, budget=-1)
