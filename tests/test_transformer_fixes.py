"""The transformer path's fixes: a saved transformer or quality ensemble keeps its record of training rows, a
backbone folder that is not a model and out-of-range options are one line (exit 2) before any work, and
``wbcs train --out ./NAME`` writes here, not into the registry."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify import PostClassifier, load_model, save_model
from wbcs.classify.baseline import TextClassifier
from wbcs.classify.train import rows_sha256
from wbcs.classify.transformer import TransformerClassifier, check_backbone, tiny_backbone
from wbcs.cli import main
from wbcs.errors import InputError

pytest.importorskip("torch")
ONE_EPOCH = dict(epochs=1, batch_size=8, threads=1)


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    return str(tiny_backbone(tmp_path_factory.mktemp("tiny"), TEXTS, hidden=32, seed=0))


@pytest.fixture(scope="module")
def not_models(tmp_path_factory):
    d = tmp_path_factory.mktemp("not_models")
    (d / "notmodel").mkdir()
    (d / "notmodel" / "x.txt").write_text("x")
    (d / "empty").mkdir()
    return d


@pytest.mark.parametrize("mode", [{}, {"train_top_layers": 1}])
def test_transformer_keeps_its_training_rows(backbone, tmp_path, mode):
    est = TransformerClassifier(backbone, **ONE_EPOCH, **mode).fit(TEXTS, LABELS)
    est.seen_rows_ = rows_sha256(TEXTS)  # as train.fit_task records them
    back = load_model(save_model(PostClassifier({"sentiment": est}), tmp_path / "m")).models["sentiment"]
    assert back.seen_rows_ == rows_sha256(TEXTS) and len(back.seen_rows_) == len(set(TEXTS))


def test_quality_ensemble_keeps_its_training_rows(backbone, tmp_path):
    from wbcs.classify.embedding import EmbeddingEnsemble

    est = EmbeddingEnsemble(TextClassifier(), backbone=backbone, layer=-1).fit(TEXTS, LABELS)
    est.seen_rows_ = rows_sha256(TEXTS)
    back = load_model(save_model(PostClassifier({"sentiment": est}), tmp_path / "q")).models["sentiment"]
    assert back.seen_rows_ == rows_sha256(TEXTS)


def test_evaluate_counts_a_transformers_training_rows(backbone, tmp_path, capsys):
    pd.DataFrame({"text": TEXTS, "sentiment": LABELS}).to_csv(tmp_path / "train.csv", index=False)
    assert main(["train", "--task", "sentiment", "--data", str(tmp_path / "train.csv"), "--model", "transformer",
                 "--backbone", backbone, "--epochs", "1", "--out", str(tmp_path / "tm")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "tm"), "--data", str(tmp_path / "train.csv"),
                 "--field", "sentiment", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seen_rows"] == len(TEXTS)  # the refit saw every row


def test_evaluate_says_when_a_model_keeps_no_record(backbone, tmp_path, capsys):
    est = TransformerClassifier(backbone, **ONE_EPOCH).fit(TEXTS, LABELS)  # as a model saved before the record
    path = save_model(PostClassifier({"sentiment": est}), tmp_path / "old")
    pd.DataFrame({"text": TEXTS, "sentiment": LABELS}).to_csv(tmp_path / "train.csv", index=False)
    assert main(["evaluate", "--model", str(path), "--data", str(tmp_path / "train.csv"), "--json"]) == 0
    assert "keeps no fingerprint of its training texts" in capsys.readouterr().err


def test_a_backbone_that_is_not_a_model(backbone, not_models, tmp_path):
    from wbcs.classify.embedding import embed

    for folder, missing in [("notmodel", "no config.json and no tokenizer files"),
                            ("empty", "no config.json and no tokenizer files")]:
        with pytest.raises(InputError, match=f"not a model folder, {missing}"):
            check_backbone(not_models / folder)
        with pytest.raises(InputError, match="not a model folder"):  # transformers raised a ValueError here
            TransformerClassifier(str(not_models / folder), **ONE_EPOCH).fit(TEXTS, LABELS)
        with pytest.raises(InputError, match="not a model folder"):
            embed(TEXTS, backbone=str(not_models / folder))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(InputError, match=r"no tokenizer files \(tokenizer.json"):
        check_backbone(tmp_path / "half")
    with pytest.raises(InputError, match="no such folder"):  # transformers: "Repo id must be in the form ..."
        TransformerClassifier(str(tmp_path / "nowhere"), **ONE_EPOCH).fit(TEXTS, LABELS)
    assert check_backbone(backbone)["num_hidden_layers"] == 2
    assert check_backbone("hfl/rbt3") is None  # a hub name: transformers decides


@pytest.mark.parametrize("param, value", [("batch_size", 0), ("learning_rate", -1.0), ("lora_r", -2), ("epochs", 0),
                                          ("epochs", -1), ("max_length", 0), ("train_top_layers", -1),
                                          ("train_top_layers", 99), ("warmup_ratio", 1.5)])
def test_options_out_of_range_in_the_python_api(backbone, param, value):
    with pytest.raises(InputError, match=f"^{param} {value!r}: give"):
        TransformerClassifier(backbone, **{**ONE_EPOCH, param: value}).fit(TEXTS, LABELS)


def _train(args, tmp_path, out="m"):
    pd.DataFrame({"text": TEXTS, "sentiment": LABELS}).to_csv(tmp_path / "train.csv", index=False)
    return main(["train", "--task", "sentiment", "--data", str(tmp_path / "train.csv"), *args, "--out", out])


@pytest.mark.parametrize("option, value", [("--batch-size", "0"), ("--lr", "-1"), ("--lora-r", "-2"),
                                           ("--epochs", "0"), ("--epochs", "-1"), ("--max-length", "0"),
                                           ("--top-layers", "-1"), ("--top-layers", "99")])
def test_train_refuses_transformer_options_out_of_range(backbone, tmp_path, capsys, option, value):
    assert _train(["--model", "transformer", "--backbone", backbone, option, value], tmp_path,
                  str(tmp_path / "m")) == 2
    err = capsys.readouterr().err
    assert f"error: {option} {value}" in err and err.count("\n") == 1, err
    assert not (tmp_path / "m").exists()


def test_train_refuses_a_backbone_that_is_not_a_model_before_any_work(not_models, tmp_path, capsys, monkeypatch):
    import wbcs.classify.train as train

    def no_work(*a, **k):
        raise AssertionError("trained before checking the backbone")

    monkeypatch.setattr(train, "train_model", no_work)
    for args in (["--model", "transformer", "--backbone"], ["--quality"]):
        for folder in ("notmodel", "empty", "nowhere"):
            assert _train([*args, str(not_models / folder)], tmp_path, str(tmp_path / "m")) == 2
            err = capsys.readouterr().err
            assert f"backbone '{not_models / folder}': " in err and err.count("\n") == 1, err


def test_train_out_dot_slash_name_writes_here(tmp_path, monkeypatch, capsys):
    import wbcs.classify.registry as reg

    monkeypatch.setattr(reg, "MODELS_DIR", tmp_path / "registry")  # the old code wrote here, not in the repo's
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert _train(["--config", "lr C=4"], here, "./tm1") == 0
    assert (here / "tm1" / "manifest.json").is_file() and not (tmp_path / "registry").exists()
    assert f"model saved in {here / 'tm1'}" in capsys.readouterr().out
    assert reg.check_model_out("./tm2") == reg.Path("tm2")
    assert reg.check_model_out("tm2") == tmp_path / "registry" / "tm2" / "1"  # a bare NAME: the registry's
