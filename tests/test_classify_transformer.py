"""The transformer path end to end on a tiny randomly initialised BERT the test builds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify import PostClassifier, load_model, save_model
from wbcs.classify.transformer import TransformerClassifier, tiny_backbone
from wbcs.config import ROOT
from wbcs.errors import InputError

pytest.importorskip("torch")
FAST = dict(epochs=40, batch_size=8, learning_rate=3e-3, warmup_ratio=0.0, threads=1)


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    return tiny_backbone(tmp_path_factory.mktemp("tiny"), TEXTS, hidden=64, seed=0)


@pytest.fixture(scope="module")
def fitted(backbone):
    return TransformerClassifier(str(backbone), **FAST).fit(TEXTS, LABELS)


def test_fit_learns_and_probabilities(fitted):
    # the loss falls from ~ln 3 = 1.10 and the training texts are fitted
    assert fitted.losses_[0] == pytest.approx(np.log(3), abs=0.1)
    assert np.mean(fitted.losses_[-5:]) < 0.3
    assert list(fitted.classes_) == ["negative", "neutral", "positive"]
    proba = fitted.predict_proba(TEXTS + ["", "完全没见过的字"])
    assert proba.shape == (26, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert (fitted.predict(TEXTS) == np.array(LABELS)).mean() >= 0.9


def test_same_seed_same_model_and_global_rng_untouched(backbone):
    import torch

    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = TransformerClassifier(str(backbone), **{**FAST, "epochs": 2}).fit(TEXTS, LABELS)
    after = torch.rand(1)
    assert torch.equal(before, after)  # fit ran inside fork_rng
    b = clone(a).fit(TEXTS, LABELS)
    np.testing.assert_allclose(a.predict_proba(TEXTS), b.predict_proba(TEXTS), atol=1e-6)


def test_save_load_through_the_registry(fitted, tmp_path):
    model = PostClassifier({"sentiment": fitted})
    path = save_model(model, tmp_path / "tm")
    assert (path / "sentiment" / "model" / "model.safetensors").is_file()
    back = load_model(path)
    np.testing.assert_allclose(back.predict_proba(TEXTS)["sentiment"], model.predict_proba(TEXTS)["sentiment"],
                               atol=1e-6)
    (path / "sentiment" / "model" / "config.json").write_text("{}")
    with pytest.raises(InputError, match="config.json: checksum mismatch"):
        load_model(path)


QUIET = """
import sys
from transformers.utils import logging
from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify.transformer import TransformerClassifier, tiny_backbone

logging.set_verbosity_info()  # a user's own setting: in force again afterwards
bb = tiny_backbone(sys.argv[1] + "/bb", TEXTS)
est = TransformerClassifier(str(bb), epochs=1, batch_size=8, lora_r=int(sys.argv[2])).fit(TEXTS, LABELS)
TransformerClassifier.load(est.save(sys.argv[1] + "/m"))
print(logging.get_verbosity() == logging.INFO, logging.is_progress_bar_enabled())
"""


@pytest.mark.parametrize("lora_r", [0, 2])
def test_loading_and_saving_keep_transformers_own_output_off_stderr(tmp_path, lora_r):
    """Notebook 03 and the terminal showed transformers' 'Loading weights' and 'Writing model shards' bars and a
    LOAD REPORT (the new head's weights, missing by design) for every fit, save and load."""
    r = subprocess.run([sys.executable, "-c", QUIET, str(tmp_path), str(lora_r)], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0 and r.stdout.split() == ["True", "True"], r.stderr
    for shown in ("LOAD REPORT", "Loading weights", "Writing model shards", "%|"):
        assert shown not in r.stderr, r.stderr


def test_lora_and_top_layers(backbone, tmp_path):
    lora = TransformerClassifier(str(backbone), lora_r=4, lora_targets=("query", "value"),
                                 **{**FAST, "epochs": 3}).fit(TEXTS, LABELS)
    trainable = {n for n, p in lora.model_.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or "classifier" in n for n in trainable)
    lora.save(tmp_path / "lora")
    assert (tmp_path / "lora" / "adapter" / "adapter_model.safetensors").is_file()
    assert not (tmp_path / "lora" / "model").exists()  # only adapters + head are written
    assert not (tmp_path / "lora" / "tokenizer").exists()  # the backbone's tokenizer is used
    back = TransformerClassifier.load(tmp_path / "lora")
    np.testing.assert_allclose(back.predict_proba(TEXTS), lora.predict_proba(TEXTS), atol=1e-6)

    top = TransformerClassifier(str(backbone), train_top_layers=1, **{**FAST, "epochs": 1}).fit(TEXTS, LABELS)
    trainable = {n for n, p in top.model_.named_parameters() if p.requires_grad}
    assert any("layer.1." in n for n in trainable) and not any("layer.0." in n for n in trainable)
    assert not any("embeddings" in n for n in trainable) and "classifier.weight" in trainable
    # only the trained weights are written; the backbone is read again by name
    top.save(tmp_path / "top")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "top" / "trained.safetensors"), "pt") as f:
        assert set(f.keys()) == trainable
    back = TransformerClassifier.load(tmp_path / "top")
    np.testing.assert_allclose(back.predict_proba(TEXTS), top.predict_proba(TEXTS), atol=1e-6)


def test_changed_backbone_is_refused(tmp_path):
    backbone = tiny_backbone(tmp_path / "bb", TEXTS)
    lora = TransformerClassifier(str(backbone), lora_r=2, lora_targets=("query",), **{**FAST, "epochs": 1})
    lora.fit(TEXTS, LABELS).save(tmp_path / "lora")
    tiny_backbone(tmp_path / "bb", TEXTS, seed=1)  # other random weights under the same name
    with pytest.raises(InputError, match="restore the backbone or retrain"):
        TransformerClassifier.load(tmp_path / "lora")


def test_bad_backbone_and_labels(tmp_path):
    with pytest.raises(InputError, match="cannot load it"):
        TransformerClassifier(str(tmp_path / "nope")).fit(TEXTS, LABELS)
    with pytest.raises(InputError, match="at least 2 classes"):
        TransformerClassifier(str(tmp_path)).fit(TEXTS, ["x"] * len(TEXTS))
