"""The quality path's frozen-backbone ensemble (wbcs.classify.embedding) on a tiny BERT the test builds:
pooling, the memo, the selection rule on crafted sets, saving and loading, and the trainer's quality step."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wbcs.classify.baseline import TextClassifier
from wbcs.classify.embedding import _MEMO, EmbeddingEnsemble, embed, field_prompt, select_ensemble
from wbcs.classify.transformer import tiny_backbone
from wbcs.errors import InputError

CHARS = list("宽带流量信号话费套餐漫游")


def length_set(n=160, seed=0):
    """Labels by length (6–9 against 30–40 characters) of texts drawn from the same characters: the
    character n-grams hardly tell them apart, a mean over position-dependent hidden states does."""
    rng = np.random.default_rng(seed)
    texts, y = [], []
    for i in range(n):
        long = i % 2 == 0
        texts.append("".join(rng.choice(CHARS, int(rng.integers(30, 41) if long else rng.integers(6, 10)))))
        y.append("long" if long else "short")
    return texts, y


def keyword_set(n=160, seed=1):
    """Labels by a keyword amid random characters: the n-grams find it; the random backbone adds noise."""
    rng = np.random.default_rng(seed)
    texts, y = [], []
    for i in range(n):
        lab = ["broadband", "data"][i % 2]
        filler = "".join(rng.choice(CHARS, int(rng.integers(3, 10))))
        texts.append(filler + ("宽带" if lab == "broadband" else "流量") + filler[::-1])
        y.append(lab)
    return texts, y


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    texts = length_set()[0] + keyword_set()[0]
    return str(tiny_backbone(tmp_path_factory.mktemp("bb"), texts, layers=2, hidden=32, seed=0))


def test_embed_is_the_mean_of_the_real_tokens(backbone):
    import torch
    from transformers import AutoModel, AutoTokenizer

    texts = ["宽带", "流量信号话费套餐漫游宽带"]  # batched together: the short one is padded
    got = embed(texts, backbone=backbone, layers=(-1, 1))
    tok, model = AutoTokenizer.from_pretrained(backbone), AutoModel.from_pretrained(backbone).eval()
    for i, t in enumerate(texts):  # one text alone: no padding at all
        with torch.no_grad():
            hidden = model(**tok([t], return_tensors="pt"), output_hidden_states=True).hidden_states
        np.testing.assert_allclose(got[-1][i], hidden[-1][0].mean(0).numpy(), atol=1e-5)
        np.testing.assert_allclose(got[1][i], hidden[1][0].mean(0).numpy(), atol=1e-5)
    assert got[-1].shape == (2, 32)


def test_embed_runs_a_text_once_and_names_a_bad_layer(backbone):
    embed(["套餐"], backbone=backbone, layers=(-1,))
    memo = _MEMO[(backbone, 128, 2, None)]
    memo["套餐"] = np.full(32, 7.0, dtype=np.float32)  # a second call must read the memo, not the model
    assert embed(["套餐"], backbone=backbone, layers=(-1,))[-1][0, 0] == 7.0
    del memo["套餐"]
    with pytest.raises(InputError, match="layer 5: .* has 2 layers"):
        embed(["套餐"], backbone=backbone, layers=(5,))


def test_a_post_read_in_a_question_is_cut_inside_it_and_the_question_is_read_whole(backbone):
    import torch
    from transformers import AutoModel, AutoTokenizer

    long = "宽带流量信号话费" * 25  # 200 characters: longer than max_length
    ask, other = "套餐{text}话费漫游", "套餐{text}信号漫游"  # the same question but its last words
    got = embed([long, "流量"], backbone=backbone, layers=(-1,), max_length=16, prompt=ask)[-1]
    tok, model = AutoTokenizer.from_pretrained(backbone), AutoModel.from_pretrained(backbone).eval()
    with torch.no_grad():  # by hand: the post cut to 16 characters inside the question, the mean over every token
        hidden = model(**tok(["套餐" + long[:16] + "话费漫游"], return_tensors="pt"), output_hidden_states=True)
    np.testing.assert_allclose(got[0], hidden.hidden_states[-1][0].mean(0).numpy(), atol=1e-5)
    # the question's last words change the features of the long post, so they were read; plain and asked apart
    assert not np.allclose(got[0], embed([long], backbone=backbone, layers=(-1,), max_length=16, prompt=other)[-1][0])
    assert not np.allclose(got[1], embed(["流量"], backbone=backbone, layers=(-1,), max_length=16)[-1][0])
    with pytest.raises(InputError, match="needs {text}"):
        embed(["流量"], backbone=backbone, prompt="这条消息的业务类别是：")
    assert field_prompt("业务类别", ["宽带", "流量"]).endswith("\n这条消息的业务类别（宽带、流量）是：")
    assert field_prompt("业务类别", ["宽带"]).count("{text}") == 1


def test_selection_tries_each_view_of_the_post_and_the_chosen_one_keeps_its_question(backbone, tmp_path):
    from wbcs.classify.multi import PostClassifier
    from wbcs.classify.registry import load_model, save_model

    texts, y = length_set()
    ask = field_prompt("长短", ["long", "short"])
    est, table = select_ensemble(TextClassifier(C=1.0, random_state=0), texts, y, backbone=backbone, layers=(-1,),
                                 Cs=(0.1, 1.0), prompts=(None, ask))
    asked = table["config"].str.contains("the post in a question")
    assert len(table) == 1 + 2 * 2 * 2 and asked.sum() == 4  # the fast model; per view × C: the mean ± a bias
    assert [p["prompt"] for p in table["params"][asked]] == [ask] * 4
    chosen = table[table["chosen"].astype(bool)].iloc[0]
    assert est.prompt == chosen["params"]["prompt"] and est.describe() == chosen["config"]
    ensemble = EmbeddingEnsemble(TextClassifier(C=1.0, random_state=0), backbone=backbone, layer=-1, C=1.0,
                                 prompt=ask).fit(texts, y)
    np.testing.assert_allclose(ensemble.hidden_states(texts[:3]),
                               embed(texts[:3], backbone=backbone, layers=(-1,), prompt=ask)[-1])
    again = load_model(save_model(PostClassifier({"length": ensemble}, card={"name": "q"}), tmp_path / "q" / "1"))
    assert again.models["length"].prompt == ask
    pd.testing.assert_frame_equal(again.predict_proba(texts[:20])["length"],
                                  PostClassifier({"length": ensemble}).predict_proba(texts[:20])["length"])


def test_selection_keeps_the_ensemble_only_where_it_gains(backbone):
    fast = TextClassifier(model="logreg", C=1.0, random_state=0)
    est, table = select_ensemble(fast, *length_set(), backbone=backbone, layers=(-1,), Cs=(0.1, 1.0))
    assert isinstance(est, EmbeddingEnsemble) and est.fast.class_bias is None
    chosen = table[table["chosen"].astype(bool)].iloc[0]
    assert chosen["macro_f1"] > table.iloc[0]["macro_f1"] + table.attrs["tol"]
    assert table.attrs["folds"] == 5 and sum(map(sum, table.attrs["cv_confusion"]["matrix"])) == 160
    est, table = select_ensemble(fast, *keyword_set(), backbone=backbone, layers=(-1,), Cs=(0.1, 1.0))
    assert est is fast and bool(table.iloc[0]["chosen"])


def test_ensemble_averages_saves_and_loads(backbone, tmp_path):
    from wbcs.classify.multi import PostClassifier
    from wbcs.classify.registry import load_model, save_model

    texts, y = length_set()
    est = EmbeddingEnsemble(TextClassifier(C=1.0, random_state=0), backbone=backbone, layer=-1, C=1.0,
                            weight=0.25).fit(texts, y)
    fast = est.fast_.predict_proba(texts[:5])
    head = est.head_.predict_proba(est.hidden_states(texts[:5]))
    np.testing.assert_allclose(est.predict_proba(texts[:5]), 0.25 * head + 0.75 * fast)
    path = save_model(PostClassifier({"length": est}, card={"name": "q"}), tmp_path / "q" / "1")
    assert json.loads((path / "manifest.json").read_text())["fields"]["length"]["kind"] == "embedding"
    again = load_model(path)
    pd.testing.assert_frame_equal(again.predict_proba(texts[:20])["length"],
                                  PostClassifier({"length": est}).predict_proba(texts[:20])["length"])
    (path / "length" / "head.skops").write_bytes(b"changed")
    with pytest.raises(InputError, match="checksum mismatch"):
        load_model(path)


def test_trainer_quality_step_on_a_users_file(backbone, tmp_path):
    """wbcs train --quality BACKBONE through the CLI: the card has the quality table, and the saved model is
    the ensemble the table chose."""
    import subprocess
    import sys

    texts, y = length_set(200)
    pd.DataFrame({"text": texts, "size": y}).to_csv(tmp_path / "lengths.csv", index=False)
    out = tmp_path / "model"
    r = subprocess.run([sys.executable, "-m", "wbcs", "train", "--task", "size", "--data", str(tmp_path / "lengths.csv"),
                        "--quality", backbone, "--budget", "20", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "card.json").read_text())["fields"]["size"]
    chosen = [row for row in card["quality"]["table"] if row["chosen"]]
    assert card["kind"] == "embedding" and chosen[0]["config"].startswith("mean of the fast model")
    # a user's labels: the backbone also read each post in a question naming them
    asked = [row["params"]["prompt"] for row in card["quality"]["table"] if "in a question" in row["config"]]
    assert asked and all(p.endswith("这条消息的类别（long、short）是：") for p in asked)
    # the quantifier is chosen on the ensemble's own out-of-fold probabilities (160 training rows of 200)
    assert card["cv_quantify"]["labels"] == ["long", "short"] and "cv_oof" not in card["quality"]
    assert "Quality step" in (out / "MODEL_CARD.md").read_text()
    assert f"quality step: {chosen[0]['config']!r} kept" in r.stdout
    r = subprocess.run([sys.executable, "-m", "wbcs", "train", "--task", "size", "--data", str(tmp_path / "lengths.csv"),
                        "--quality", backbone, "--config", "lr C=1", "--out", str(tmp_path / "m2")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "quality step needs the configuration chosen by cross-validation" in r.stderr


@pytest.mark.slow  # on a fresh machine this de-quantises Gemma 3 270M once (~2 min), then embeds with it
def test_the_committed_quality_model_loads_and_labels_posts():
    from wbcs.classify import load_model

    model = load_model("wbcs-quality")
    kinds = {f: info["kind"] for f, info in model.card["fields"].items()}
    assert "embedding" in kinds.values(), kinds  # the trainer's CV kept the ensemble somewhere
    for info in model.card["fields"].values():
        chosen = [r for r in info["quality"]["table"] if r["chosen"]]
        assert len(chosen) == 1 and (info["kind"] == "embedding") == chosen[0]["config"].startswith("mean of")
    out = model.predict(["宽带又断了，打了三次客服电话都没人管", "请问怎么查询本月剩余流量？"])
    assert out.loc[0, "sentiment"] == "negative" and out.loc[0, "topic"] == "broadband"
    assert out.loc[1, "intent"] == "consultation" and out.loc[1, "topic"] == "data"


def test_with_kinds_the_quality_step_ranks_by_the_kinds_mean_and_keeps_the_pooled_figure(backbone):
    """--weigh-kinds reaches the quality step: the same folds, so every row without a class bias reports as its
    pooled figure exactly what the run without kinds reports as its macro-F1."""
    texts, y = length_set()
    kinds = ["first_post" if i % 3 == 0 else "follow_up" for i in range(len(y))]
    fast = TextClassifier(model="logreg", C=1.0, random_state=0)
    _, plain = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(0.1,))
    _, weighed = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(0.1,), kinds=kinds)
    assert "pooled_macro_f1" not in plain.columns
    unbiased = ~weighed["config"].str.contains("class bias")
    np.testing.assert_allclose(weighed.loc[unbiased, "pooled_macro_f1"].astype(float),
                               plain.loc[unbiased, "macro_f1"].astype(float))
    assert (weighed["macro_f1"] != weighed["pooled_macro_f1"]).any()


def test_the_ensemble_takes_a_kinds_own_bias_and_the_quality_step_tries_one(backbone, tmp_path):
    from wbcs.classify.baseline import shift
    from wbcs.classify.multi import PostClassifier
    from wbcs.classify.registry import load_model, save_model

    texts, y = length_set()
    own = {"first_post": {"short": 1.5}}
    est = EmbeddingEnsemble(TextClassifier(C=1.0, random_state=0), backbone=backbone, layer=-1, C=1.0,
                            class_bias={"long": 0.5}, kind_bias=own).fit(texts, y)
    plain = EmbeddingEnsemble(TextClassifier(C=1.0, random_state=0), backbone=backbone, layer=-1, C=1.0).fit(texts, y)
    raw = plain.predict_proba(texts[:8])
    np.testing.assert_allclose(est.predict_proba(texts[:8]), shift(raw, est.classes_, {"long": 0.5}))
    np.testing.assert_allclose(est.predict_proba(texts[:8], kind="first_post"), shift(raw, est.classes_, own["first_post"]))
    again = load_model(save_model(PostClassifier({"length": est}, card={"name": "q"}), tmp_path / "q" / "1"))
    assert again.models["length"].kind_bias == own
    pd.testing.assert_frame_equal(again.predict_proba(texts[:8], kind="first_post")["length"],
                                  pd.DataFrame(est.predict_proba(texts[:8], kind="first_post"),
                                               columns=["long", "short"]))
    # the quality step: a chosen ensemble tries first posts' own bias last, and its record says what it kept
    kinds = np.array(["first_post" if i % 4 == 0 else "follow_up" for i in range(len(y))])
    fast = TextClassifier(model="logreg", C=1.0, random_state=0)
    chosen, table = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(0.1,), row_kinds=kinds,
                                    own_bias_kinds=("first_post",))
    assert isinstance(chosen, EmbeddingEnsemble)
    row = table[table["config"].str.endswith("own class bias of first_post")].iloc[0]
    assert row["kind_macro_f1"] is not None and bool(row["chosen"]) == (chosen.kind_bias is not None)
    assert table.attrs["cv_oof"].get("kind_bias") == chosen.kind_bias
    # a recall floor: the chosen ensemble meets it last, and its record carries the floored biases
    floored, table = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(0.1,), row_kinds=kinds,
                                     own_bias_kinds=("first_post",), min_recall={"short": 1.0})
    last = table.iloc[-1]
    assert isinstance(floored, EmbeddingEnsemble) and last["chosen"] and last["config"].endswith("floor short ≥ 1")
    assert set(last["floor_recall"]["short"]) == {k for k, lab in zip(kinds, y, strict=True) if lab == "short"}
    assert table.attrs["cv_oof"]["bias"] == floored.class_bias


def test_out_of_domain_rows_join_every_fold_of_the_quality_step(backbone):
    """Rows the field learns from besides its own (e.g. written posts) join every fold's fast model and regression:
    rows that contradict the field's labels lower its out-of-fold figures, and no validation fold holds one."""
    fast = TextClassifier(model="logreg", C=1.0, random_state=0)
    texts, y = length_set()
    ex_texts, ex_y = length_set(200, seed=5)
    flipped = ["short" if lab == "long" else "long" for lab in ex_y]
    _, plain = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(1.0,))
    _, hurt = select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(1.0,), extra=(ex_texts, flipped),
                              extra_weight=1)
    means = [i for i, c in enumerate(plain["config"]) if c.startswith("mean of") and "bias" not in c]
    assert all(hurt["macro_f1"].iloc[i] < plain["macro_f1"].iloc[i] - 0.1 for i in [0, *means])
    assert hurt.attrs["extra_rows"] == 200 and sum(map(sum, hurt.attrs["cv_confusion"]["matrix"])) == 160
    with pytest.raises(InputError, match="out-of-domain rows and their weight come together"):
        select_ensemble(fast, texts, y, backbone=backbone, layers=(-1,), Cs=(1.0,), extra=(ex_texts, flipped))
