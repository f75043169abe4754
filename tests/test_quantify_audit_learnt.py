"""Posts the model was trained on are counted, not corrected (audit A): ``wbcs train`` keeps a fingerprint of the
texts each field learnt (``<field>.learnt.npy``, in the manifest with its SHA-256), ``predict_posts`` marks the posts
among them, and ``corrected_table`` counts their labels as it counts given ones, correcting only the rest. A folder
from before the fingerprint still loads, and the correction says it cannot tell them apart."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.classify import load_model, predict_posts
from wbcs.classify.multi import fingerprint, text_hashes
from wbcs.errors import InputError
from wbcs.kpi.labels import ensure_labels
from wbcs.kpi.quantify import UNGUARDED_NOTE, corrected_summary, corrected_table, learnt_note

WORDS = {"negative": ["信号太差", "网速太慢", "乱扣费", "客服不理人", "老是掉线", "套餐坑人"],
         "neutral": ["请问怎么", "想咨询下", "在哪里办理", "几点营业", "如何查询", "能不能改"],
         "positive": ["谢谢客服", "服务很好", "网速很快", "解决得快", "点个赞", "很满意"]}
FILLER = ["今天", "昨天下午", "我家这边", "单位里", "刚才", "这几天"]


def rows(offset: int, per_word: int):
    out = []
    for label, words in WORDS.items():
        for i, w in enumerate(words):
            for k in range(per_word):
                out.append((f"{FILLER[(i + k + offset) % 6]}{w}第{offset + k}次@中国移动", label))
    return pd.DataFrame(out, columns=["text", "sentiment"])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("learnt")
    train = rows(0, 4)  # 72 rows
    train.to_csv(d / "train.csv", index=False)
    out = d / "m" / "1"
    r = run_cli("train", "--task", "sentiment", "--data", str(d / "train.csv"), "--no-words",
                "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    return out, train


def test_the_folder_keeps_the_fingerprint_of_every_training_text_in_its_manifest(model_dir):
    out, train = model_dir
    manifest = json.loads((out / "manifest.json").read_text())
    info = manifest["fields"]["sentiment"]
    assert info["learnt"] == "sentiment.learnt.npy" and "sentiment.learnt.npy" in manifest["files"]
    saved = np.load(out / "sentiment.learnt.npy", allow_pickle=False)
    # the refit learnt every row (a 20 % hold-out, then all rows): their hashes, sorted, distinct
    assert saved.dtype == np.uint64 and np.array_equal(saved, fingerprint(train["text"]))
    assert np.array_equal(load_model(out).models["sentiment"].learnt_, saved)


def test_predict_marks_training_texts_and_their_copies_with_another_link(model_dir):
    out, train = model_dir
    new = rows(10, 1)  # 18 texts the model never saw
    texts = [*train["text"][:5], train["text"][5] + " http://t.cn/abc123", *new["text"]]
    posts = pd.DataFrame({"post_id": range(len(texts)), "text": texts,
                          "sentiment": [pd.NA] * (len(texts) - 1) + ["neutral"]})
    pred = predict_posts(posts, str(out), verbose=False)
    mark = pred["sentiment_learnt"]
    assert mark[:6].tolist() == [True] * 6  # a copy that differs by a short link is the text learnt (leakage_text)
    assert not mark[6:-1].any() and pd.isna(mark.iloc[-1])  # the given label: no mark
    assert pred.attrs["classified"]["learnt"] == {"sentiment": 6}
    # ensure_labels carries the marks over to the table's own rows
    assert ensure_labels(posts, model=str(out), quiet=True)["sentiment_learnt"].tolist() == mark.tolist()


def _posts(out, train, n_train: int, n_new: int):
    new = rows(20, 3)[:n_new]
    posts = pd.concat([train[:n_train], new], ignore_index=True).assign(sentiment=pd.NA)
    return ensure_labels(posts.assign(post_id=range(len(posts))), model=str(out), quiet=True)


def test_training_posts_are_counted_and_the_others_corrected(model_dir):
    out, train = model_dir
    posts = _posts(out, train, 30, 54)
    posts.attrs["classified"]["quantify"] = {}  # the pooled confusion's ACC: a correction whatever the CV chose
    table = corrected_table(posts, "sentiment", n_boot=200, seed=0)
    assert table.attrs["learnt"] == 30 and table.attrs["by_model"] == 84 and table.attrs["corrected"]
    assert table.attrs["note"].startswith(learnt_note(30, 84) + "; the others: adjusted with the card's one pooled")
    # the others alone, corrected; the training posts' labels added as they are, each part by its weight
    rest = posts[~posts["sentiment_learnt"].to_numpy(dtype=bool)]
    alone = corrected_table(rest, "sentiment", n_boot=200, seed=0)
    counted = posts["sentiment"][:30].value_counts().reindex(table["label"], fill_value=0).to_numpy()
    for col in ("corrected_share", "lo", "hi"):
        assert np.allclose(table[col], (54 * alone[col] + counted) / 84)
    assert table["n"].sum() == 84 and np.isclose(table["raw_share"].sum(), 1)
    # the same posts without the marks (what the code did before): all 84 corrected, another estimate
    blind = corrected_table(posts.drop(columns="sentiment_learnt"), "sentiment", n_boot=200, seed=0)
    assert not np.allclose(blind["corrected_share"], table["corrected_share"])
    assert UNGUARDED_NOTE in blind.attrs["note"] and blind.attrs["learnt"] is None


def test_only_training_posts_are_counted_as_they_are(model_dir):
    out, train = model_dir
    posts = _posts(out, train, 40, 0)
    summary = corrected_summary(posts, n_boot=100, seed=0)["sentiment"]
    assert summary["learnt"] == 40 and not summary["corrected"] and summary["method"] == "CC"
    assert summary["note"].startswith(learnt_note(40, 40) + " (their interval: the per-label error the card's")
    shares = pd.DataFrame(summary["shares"])
    assert np.allclose(shares["corrected_share"], shares["raw_share"])
    # their labels are nearly, not quite, exact: an interval around the counts, of the card's CV error
    assert (shares["lo"] <= shares["raw_share"]).all() and (shares["raw_share"] <= shares["hi"]).all()
    assert (shares["hi"] - shares["lo"] > 0).all()


def test_a_folder_without_the_fingerprint_still_loads_and_says_so_once(model_dir, tmp_path):
    out, train = model_dir
    old = tmp_path / "old" / "1"
    shutil.copytree(out, old)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["fields"]["sentiment"]["learnt"], manifest["fields"]["sentiment"]["learnt_hash"]
    del manifest["files"]["sentiment.learnt.npy"]
    (old / "sentiment.learnt.npy").unlink()
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert not hasattr(load_model(old).models["sentiment"], "learnt_")
    posts = _posts(old, train, 30, 54)
    assert "sentiment_learnt" not in posts and posts.attrs["classified"]["learnt"] == {}
    posts.attrs["classified"]["quantify"] = {}
    posts["intent"], posts["intent_source"] = posts["sentiment"], posts["sentiment_source"]  # a second field
    posts.attrs["classified"]["cv_confusion"]["intent"] = posts.attrs["classified"]["cv_confusion"]["sentiment"]
    summary = corrected_summary(posts, n_boot=100, seed=0)
    assert UNGUARDED_NOTE in summary["sentiment"]["note"] and UNGUARDED_NOTE not in summary["intent"]["note"]


def test_a_changed_or_foreign_fingerprint(model_dir, tmp_path):
    out, _ = model_dir
    bad = tmp_path / "bad" / "1"
    shutil.copytree(out, bad)
    (bad / "sentiment.learnt.npy").write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="checksum mismatch"):
        load_model(bad)
    # a fingerprint hashed another way is not compared: no guard rather than every post taken for new
    other = tmp_path / "other" / "1"
    shutil.copytree(out, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["fields"]["sentiment"]["learnt_hash"] = "sha1 of something else"
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert not hasattr(load_model(other).models["sentiment"], "learnt_")


def test_text_hashes_are_the_leakage_texts():
    h = text_hashes(["信号太差 http://t.cn/x1", "//@小明: 信号太差", "信号太差", "信号很好"])
    assert h.dtype == np.uint64 and h[0] == h[1] == h[2] != h[3]
