"""Out-of-domain rows as a selected option: grouped CV on the field's own rows keeps them when they
help and drops them when they hurt, they never sit in a validation fold, and the card records them."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from tests.helpers import run_cli
from tests.test_classify_select import WORDS, crafted
from wbcs.classify import TextClassifier, load_model
from wbcs.classify.configs import _Folds, select
from wbcs.classify.strong import NBLogisticRegression
from wbcs.classify.tasks import ExtraData
from wbcs.classify.train import fit_weighted
from wbcs.errors import InputError

# The lexicon test's crafted set (two classes named by 20 words each, every word in 3 of the field's own
# posts whose group keeps them in one fold, so a validation fold holds words its training folds never saw);
# the out-of-domain posts name every word again, in other wording, with its label (or, to hurt, the other).
EXTRA_FILLER = ["朋友圈里看到", "大家怎么看呢", "新闻说的是", "转发一下吧", "评论区里有人说", "真的假的啊"]


def extra_rows(flip: bool = False):
    texts, y = [], []
    for label, words in WORDS.items():
        for i, w in enumerate(words):
            for k in range(4):
                texts.append(f"{EXTRA_FILLER[(i + k) % 6]}{w}{EXTRA_FILLER[(i + 3 * k + 2) % 6]}")
                y.append({"a": "b", "b": "a"}[label] if flip else label)
    return texts, np.array(y)


BASE = TextClassifier(min_df=1, calibration=None, random_state=0)


def _select(flip: bool):
    texts, y, groups = crafted()
    return select(texts, y, groups=groups, base=BASE, n_splits=3, words=False, extra=extra_rows(flip),
                  extra_name="public posts")


def test_out_of_domain_rows_that_name_the_unseen_words_are_chosen():
    chosen, table = _select(flip=False)
    rows = table.set_index("config")
    own_best = table.loc[~table["config"].str.contains("public posts") & table["macro_f1"].notna(), "macro_f1"].max()
    extra = [c for c in rows.index if "public posts" in c]
    assert ["(own rows ×1)" in extra[0], "(own rows ×3)" in extra[1]] == [True, True] and len(extra) == 2
    winner = table.loc[table["chosen"], "config"].item()
    assert winner in extra and rows.loc[winner, "macro_f1"] > own_best + 0.2
    assert table.attrs["extra"] == {"name": "public posts", "rows": 160, "weights": [1.0, 3.0],
                                    "chosen_weight": rows.loc[winner, "params"]["extra_weight"]}
    # the out-of-fold confusion counts the field's own rows only
    assert np.asarray(table.attrs["cv_confusion"]["matrix"]).sum() == 120


def test_out_of_domain_rows_with_the_wrong_labels_are_not_chosen():
    chosen, table = _select(flip=True)
    assert table.attrs["extra"]["chosen_weight"] is None
    extra = table[table["config"].str.contains("public posts")]
    assert len(extra) == 2 and not extra["chosen"].any() and extra["macro_f1"].notna().all()
    assert "public posts" not in table.loc[table["chosen"], "config"].item()


def test_out_of_domain_rows_are_in_every_training_fold_and_no_validation_fold():
    texts, y, groups = crafted()
    ex_texts, ex_y = extra_rows()
    folds = _Folds(BASE, texts, y, groups, 3, 0, extra=(ex_texts, ex_y))
    validated = np.concatenate([te for _, te in folds.folds])
    assert sorted(validated) == list(range(len(texts)))  # folds are made of own rows, each validated once
    est = clone(BASE).set_params(lexicon={"a": WORDS["a"][:3]})
    for k, (tr, te) in enumerate(folds.folds):
        x_tr, x_te = folds.matrices(k, est, extra=True)
        assert x_tr.shape[0] == len(tr) + len(ex_texts) and x_te.shape[0] == len(te)
        assert folds.matrices(k, est)[0].shape[0] == len(tr)
    scores = folds.scores(BASE, weight=3)
    assert sum(s["n"] for s in scores) == len(texts)
    assert folds.oof.shape == (len(texts), 2)


def test_out_of_domain_copies_of_own_rows_are_dropped():
    texts, y, _ = crafted()
    ex_texts, ex_y = extra_rows()
    own = pd.DataFrame({"text": texts, "label": y})
    extra = ExtraData("copies", pd.DataFrame({"text": [*texts[:10], *ex_texts], "label": [*y[:10], *ex_y]}))
    kept = extra.unlike(own, seed=0)
    assert len(kept.rows) == len(ex_texts) and not set(kept.rows["text"]) & set(texts)
    assert kept.notes == ["10 out-of-domain row(s) dropped as near duplicates of the field's own rows"]


def test_nb_lr_sample_weight_is_repetition():
    x = sp.random(30, 12, density=0.4, random_state=0, format="csr")
    y = np.array(["p", "q", "r"] * 10)
    w = np.tile([1, 3], 15)
    weighted = NBLogisticRegression().fit(x, y, sample_weight=w)
    idx = np.repeat(np.arange(30), w)
    repeated = NBLogisticRegression().fit(x[idx], y[idx])
    np.testing.assert_allclose(weighted.predict_proba(x), repeated.predict_proba(x), atol=1e-5)


def test_an_estimator_without_sample_weight_gets_repeated_rows():
    texts, y, _ = crafted()
    w = np.tile([1, 2, 3], 40)
    peer = fit_weighted(make_pipeline(TfidfVectorizer(analyzer="char"), LogisticRegression()), texts, y, w)
    idx = np.repeat(np.arange(len(texts)), w)
    same = make_pipeline(TfidfVectorizer(analyzer="char"), LogisticRegression()).fit([texts[i] for i in idx], y[idx])
    np.testing.assert_allclose(peer.predict_proba(texts), same.predict_proba(texts))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("extra")
    texts, y, _ = crafted()
    pd.DataFrame({"text": texts, "label": y}).to_csv(d / "own.csv", index=False)
    ex_texts, ex_y = extra_rows()
    pd.DataFrame({"内容": [*ex_texts, ""], "label": [*ex_y, "a"]}).to_csv(d / "public.csv", index=False)
    return d


def test_train_with_extra_records_the_candidate_in_the_card(files):
    out = files / "m" / "1"
    r = run_cli("train", "--task", "label", "--data", str(files / "own.csv"), "--extra", str(files / "public.csv"),
                "--extra-weight", "1", "3", "--no-words", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert "1 row(s) of" in r.stderr and "public.csv left out" in r.stderr  # the row without text
    info = json.loads(r.stdout)["fields"]["label"]
    source = next(d for d in info["data"] if d["source"].endswith("public.csv"))
    assert source["sha256"] == hashlib.sha256((files / "public.csv").read_bytes()).hexdigest()
    assert source["rows"] == 161
    weight = info["selection"]["extra"]["chosen_weight"]
    assert info["extra"] == {"name": str(files / "public.csv"), "rows": 160, "weight": weight}
    assert source["role"].startswith("out-of-domain rows, used" if weight else "out-of-domain rows, tried and not used")
    configs = [row["config"] for row in info["selection"]["table"]]
    assert sum("public.csv (own rows ×" in c for c in configs) == 2
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "out-of-domain candidate" in card and "own rows weighted ×1, ×3" in card and "public.csv (own rows ×3)" in card
    # the rows it learnt from, out-of-domain ones included when used, are what `wbcs evaluate` warns about
    seen = load_model(out).models["label"].seen_rows_
    assert len(seen) >= 240 if weight else len(seen) <= 120


@pytest.mark.parametrize("args, message", [
    (["--extra", "missing.csv"], "no such file (--extra)"),
    (["--extra", "{d}/public.csv", "--extra-label-col", "sentiment"], "no column 'sentiment' (--extra-label-col)"),
    (["--extra", "{d}/bad_label.csv"], "label 'c' (1 row(s)) is not among the training rows' labels (a, b)"),
    (["--extra", "{d}/public.csv", "--extra-weight", "0"], "a domain weight is a whole number ≥ 1"),
    (["--extra-weight", "3"], "--extra-weight works with --extra FILE"),
    (["--extra", "{d}/public.csv", "--config", "nb-lr"], "give one domain weight, not 2"),
])
def test_extra_errors_exit_2(files, tmp_path, args, message):
    pd.DataFrame({"text": ["朋友圈里看到甲乙丙", "新闻说的是丁戊己"], "label": ["a", "c"]}).to_csv(
        files / "bad_label.csv", index=False)
    r = run_cli("train", "--task", "label", "--data", str(files / "own.csv"), "--no-words",
                *[a.format(d=files) for a in args], "--out", str(tmp_path / "m"))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr


def test_synthetic_posts_are_a_fields_out_of_domain_rows(tmp_path):
    """``tasks.synthetic_rows``: a field's written posts (its rows only), with the file's hash and the weights the
    benchmark measured; None for a field the file has no row for."""
    from wbcs.classify.tasks import synthetic_rows

    path = tmp_path / "posts.csv"
    pd.DataFrame({"field": ["topic", "topic", "intent"], "label": ["roaming", "payment", "suggestion"],
                  "text": ["在香港漫游扣了三百多", "充了话费没到账", "建议营业厅周末多开窗口"]}).to_csv(path, index=False)
    second = tmp_path / "posts_2.csv"
    pd.DataFrame({"field": ["topic"], "label": ["tariff"], "text": ["套餐改不了"]}).to_csv(second, index=False)
    rows = synthetic_rows("topic", [path, second])
    assert rows.rows.to_dict("list") == {"text": ["在香港漫游扣了三百多", "充了话费没到账", "套餐改不了"],
                                         "label": ["roaming", "payment", "tariff"]}
    assert rows.weights == (1, 2, 4) and [s["rows"] for s in rows.sources] == [2, 1]
    assert rows.sources[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert synthetic_rows("negative_subtype", [path, second]) is None
    pd.DataFrame({"field": ["topic"], "text": ["套餐改不了"]}).to_csv(second, index=False)
    with pytest.raises(InputError, match="posts_2.csv: no column 'label': a file of written posts has the columns"):
        synthetic_rows("topic", [path, second])


def test_the_shipped_synthetic_posts_carry_labels_of_their_fields():
    """Every written post of ``data/synthetic/posts.csv`` has text and a label its field has in the taxonomy."""
    from wbcs.classify.tasks import synthetic_rows
    from wbcs.schema import load_taxonomy

    taxonomy = load_taxonomy()
    for field in ("topic", "negative_subtype", "intent"):
        rows = synthetic_rows(field).rows
        assert rows["text"].str.strip().str.len().gt(0).all()
        assert set(rows["label"]) <= set(taxonomy.ids(field)), field


def test_no_synthetic_outside_the_default_task_is_one_line(tmp_path):
    r = run_cli("train", "--task", "sentiment", "--no-synthetic", "--out", str(tmp_path / "m" / "1"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "--no-synthetic works with --task default" in r.stderr


def test_a_cards_written_posts_are_found_again_for_a_refit():
    """``train.card_extra``: the rows of the very files a card names for a field, as the trainer took them (the
    field's labels only), with the card's weight; a file changed since the build is one clear error."""
    from types import SimpleNamespace

    from wbcs.classify.tasks import TaskData, synthetic_rows
    from wbcs.classify.train import card_extra
    from wbcs.config import ROOT

    train = pd.DataFrame({"post_id": ["1", "2"], "text": ["香港漫游费太贵了", "充值卡充不进去"], "label": ["roaming", "payment"]})
    task = TaskData("gold_topic", "topic", "", train, train.head(1).assign(post_id="3", text="广州漫游没信号"))
    first = ROOT / "data" / "synthetic" / "posts.csv"
    written = synthetic_rows("topic", [first]).rows
    n = int(written["label"].isin(["roaming", "payment"]).sum())
    source = {"source": "data/synthetic/posts.csv", "sha256": hashlib.sha256(first.read_bytes()).hexdigest(),
              "rows": len(written), "role": "out-of-domain rows, used"}
    card = {"fields": {"topic": {"data": [{"source": "data/labels/gold.csv"}, source],
                                 "extra": {"name": "LLM-written topic posts", "rows": n, "weight": 2.0}},
                       "intent": {"extra": {"name": "SMP2020-EWECT 3-class sentiment", "rows": 9, "weight": None}}}}
    model = SimpleNamespace(card=card, name="wbcs-default/99")
    rows, weight = card_extra(model, "topic", task)
    assert weight == 2.0 and len(rows) == n and set(rows["label"]) == {"roaming", "payment"}
    assert card_extra(model, "intent", task) == (None, None)  # tried, not used
    source["sha256"] = "0" * 64
    with pytest.raises(InputError, match="data/synthetic/posts.csv: missing or changed since wbcs-default/99 was built"):
        card_extra(model, "topic", task)
