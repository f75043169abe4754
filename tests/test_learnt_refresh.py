"""The shipped model's fingerprints (``<field>.learnt.npy``: ``multi.text_hashes`` of the texts each field learnt) are
those of its training texts as this wbcs hashes them: the hash runs ``wbcs.pii.mask_pii``, so a change of it makes
them stale, and this fails until ``make fingerprints`` (``train.refresh_fingerprints``) rewrites them. A folder
written with the earlier raw-text hash keeps its guard: its posts are hashed as its fingerprint was."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from wbcs.classify import TextClassifier, load_model, save_model
from wbcs.classify.multi import LEARNT_HASH, RAW_HASH, PostClassifier, text_hashes
from wbcs.classify.registry import model_dir, sha256
from wbcs.classify.train import card_fingerprints, learnt_texts, refresh_fingerprints
from wbcs.dedup import leakage_text
from wbcs.errors import InputError
from wbcs.pii import mask_pii


@pytest.fixture(scope="module")
def shipped(mirror):
    return model_dir(None), load_model()


def test_the_shipped_fingerprints_are_those_of_its_training_texts_hashed_now(shipped):
    path, model = shipped
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    prints = card_fingerprints(model)
    assert set(prints) == set(manifest["fields"]) == {"sentiment", "intent", "topic", "negative_subtype"}
    for field, info in manifest["fields"].items():
        assert info["learnt_hash"] == LEARNT_HASH
        stored = np.load(path / info["learnt"], allow_pickle=False)
        # fails after a change of mask_pii (or leakage_text) that touches a training text: run 'make fingerprints'
        assert np.array_equal(prints[field], stored), f"{field}: stale fingerprint; run 'make fingerprints'"


def test_refresh_rewrites_an_old_folders_fingerprints_and_nothing_else(shipped, tmp_path):
    path, model = shipped
    old = tmp_path / "wbcs-default" / "14"
    shutil.copytree(path, old)
    # the folder as the raw-text hash wrote it (f87762b to 6b6fe30): its fingerprints and manifest say that scheme
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    for field, info in manifest["fields"].items():
        np.save(old / info["learnt"], fingerprint_raw(learnt_texts(model, field)), allow_pickle=False)
        info["learnt_hash"] = RAW_HASH
        manifest["files"][info["learnt"]] = sha256(old / info["learnt"])
    (old / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    # its guard still works: the STC-3 first posts it learnt are known, hashed raw as its fingerprint was
    assert load_model(old).learnt(learnt_texts(model, "topic")[:50])["topic"].all()
    assert refresh_fingerprints(old) == old
    # every file the shipped folder's, byte for byte: the estimators and the card untouched, the manifest as saved
    assert sorted(p.name for p in old.iterdir()) == sorted(p.name for p in path.iterdir())
    for f in path.iterdir():
        assert (old / f.name).read_bytes() == f.read_bytes(), f.name


def fingerprint_raw(texts) -> np.ndarray:
    """The raw-text hash by hand, as f87762b's text_hashes computed it."""
    return np.unique(np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                               for t in leakage_text(pd.Series(list(texts), dtype=object))], dtype=np.uint64))


def test_the_raw_scheme_is_the_old_hash_and_an_unknown_one_is_refused():
    texts = ["我的号码13812345678，网速太慢", "信号太差 http://t.cn/x1", "信号太差"]
    assert np.array_equal(np.unique(text_hashes(texts, RAW_HASH)), fingerprint_raw(texts))
    assert text_hashes(texts, RAW_HASH)[0] != text_hashes(texts)[0]  # the phone number: masked in the current one
    with pytest.raises(InputError, match="text hash 'sha1'"):
        text_hashes(texts, "sha1")


def _small(tmp_path, scheme: str):
    texts = ["信号太差", "网速太慢", "乱扣费了", "服务很好", "网速很快", "谢谢客服"] * 3
    y = ["neg"] * 3 + ["pos"] * 3
    est = TextClassifier(min_df=1, calibration=None, random_state=0).fit(texts, y * 3)
    est.learnt_ = np.unique(text_hashes(texts[:6], scheme))
    if scheme != LEARNT_HASH:
        est.learnt_hash_ = scheme
    return save_model(PostClassifier({"mood": est}, card={"fields": {"mood": {}}}, name="m"), tmp_path / "m" / "1")


def test_a_folder_of_the_raw_hash_keeps_its_guard_and_its_scheme_when_saved_again(tmp_path):
    path = _small(tmp_path, RAW_HASH)
    info = json.loads((path / "manifest.json").read_text())["fields"]["mood"]
    assert info["learnt_hash"] == RAW_HASH  # what it was hashed with, not the current scheme
    model = load_model(path)
    seen = model.learnt(["信号太差", "网速太慢 http://t.cn/abc", "信号很差"])["mood"]
    assert seen.tolist() == [True, True, False]  # the guard is on, with the folder's own hash
    # saved again (wbcs train --keep carries a field over so): it still says its scheme, and still guards
    again = save_model(model, tmp_path / "again" / "1")
    assert json.loads((again / "manifest.json").read_text())["fields"]["mood"]["learnt_hash"] == RAW_HASH
    assert load_model(again).learnt(["信号太差"])["mood"].tolist() == [True]
    # a masked copy is the raw hash's known blind spot; the current hash knows it (test_learnt_masked)
    assert load_model(_small(tmp_path / "now", LEARNT_HASH)).learnt([mask_pii("信号太差")])["mood"].tolist() == [True]


def test_a_fingerprint_is_rebuilt_only_from_the_texts_the_model_learnt(shipped):
    _, model = shipped
    topic = model.models["topic"]
    changed = PostClassifier({"topic": type(topic).__new__(type(topic))}, card=model.card, name=model.name)
    changed.models["topic"].__dict__.update({**topic.__dict__, "seen_rows_": topic.seen_rows_[1:]})
    with pytest.raises(InputError, match="topic: the texts of task gold_topic .* are not those the model was fitted"):
        card_fingerprints(changed)
    user = PostClassifier({"topic": topic}, card={"fields": {"topic": {"task": "mood"}}}, name="mine")
    with pytest.raises(InputError, match="fitted on 'mood', not a built-in task"):
        card_fingerprints(user)
