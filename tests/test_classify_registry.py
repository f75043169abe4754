"""Registry round trips, checksums, format versions; PostClassifier and predict_posts."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify import PostClassifier, TextClassifier, load_model, predict_posts, save_model
from wbcs.classify.registry import model_dir
from wbcs.errors import InputError

# a second field: complaint yes when the text is negative
COMPLAINT = ["yes" if lab == "negative" else "no" for lab in LABELS]


@pytest.fixture(scope="module")
def model() -> PostClassifier:
    return PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS),
                           "complaint": TextClassifier().fit(TEXTS, COMPLAINT)},
                          card={"name": "tiny", "seed": 0, "intended_use": "tests", "limits": ["crafted"]})


def test_predict_columns_and_probabilities(model):
    out = model.predict(["信号太差了打不了电话", "谢谢很满意"])
    assert list(out.columns) == ["sentiment", "sentiment_proba", "complaint", "complaint_proba"]
    assert list(out["sentiment"]) == ["negative", "positive"]
    assert list(out["complaint"]) == ["yes", "no"]
    probas = model.predict_proba(["信号太差了打不了电话", "谢谢很满意"])
    assert list(probas["sentiment"].columns) == ["negative", "neutral", "positive"]
    np.testing.assert_allclose(probas["sentiment"].sum(axis=1), 1.0)
    # <field>_proba is the probability of the predicted label
    np.testing.assert_allclose(out["sentiment_proba"], probas["sentiment"].max(axis=1))


def test_negative_subtype_blank_unless_negative():
    subtype = ["vague_negativity"] * 8 + ["concrete_complaint"] * 16
    m = PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS),
                        "negative_subtype": TextClassifier().fit(TEXTS, subtype)})
    out = m.predict(["信号太差了打不了电话", "谢谢很满意"])
    assert out["sentiment"].tolist() == ["negative", "positive"]
    assert out["negative_subtype"].iloc[0] == "vague_negativity"
    assert pd.isna(out["negative_subtype"].iloc[1]) and np.isnan(out["negative_subtype_proba"].iloc[1])


def test_save_load_round_trip(model, tmp_path):
    path = save_model(model, tmp_path / "m" / "1")
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["files"]) == {"sentiment.skops", "complaint.skops", "card.json", "MODEL_CARD.md"}
    assert manifest["fields"]["sentiment"]["classes"] == ["negative", "neutral", "positive"]
    back = load_model(path)
    texts = ["信号太差", "请问怎么办理", "很满意"]
    for field in ("sentiment", "complaint"):
        np.testing.assert_array_equal(back.predict_proba(texts)[field], model.predict_proba(texts)[field])
    assert back.card["seed"] == 0 and back.card["limits"] == ["crafted"]
    assert "## Field `sentiment`" in (path / "MODEL_CARD.md").read_text()
    with pytest.raises(InputError, match="already saved"):
        save_model(model, path)


def test_tampered_file_is_refused(model, tmp_path):
    path = save_model(model, tmp_path / "m")
    f = path / "complaint.skops"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"complaint.skops: checksum mismatch"):
        load_model(path)


def test_missing_file_and_other_format_version(model, tmp_path):
    path = save_model(model, tmp_path / "m")
    (path / "card.json").unlink()
    with pytest.raises(InputError, match="card.json: file of the model is missing"):
        load_model(path)
    path = save_model(model, tmp_path / "m2")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="model format version 99"):
        load_model(path)


def test_untrusted_type_is_refused(tmp_path, model):
    import skops.io as sio
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    # FunctionTransformer(func=print) is not in the allowlist: refused even with a valid checksum
    sneaky = Pipeline([("f", FunctionTransformer(print)), ("d", DummyClassifier())]).fit([[0], [1]], ["a", "b"])
    path = save_model(model, tmp_path / "m")
    sio.dump(sneaky, path / "complaint.skops")
    from wbcs.classify.registry import sha256

    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["complaint.skops"] = sha256(path / "complaint.skops")
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="does not trust"):
        load_model(path)


def test_model_dir_resolution(tmp_path, model, monkeypatch):
    import wbcs.classify.registry as reg

    monkeypatch.setattr(reg, "MODELS_DIR", tmp_path)
    save_model(model, "demo")          # bare name → models/demo/1
    save_model(model, "demo")          # → models/demo/2
    assert model_dir("demo") == tmp_path / "demo" / "2"
    import shutil  # a save killed just before its rename leaves a hidden folder: never a version

    shutil.copytree(tmp_path / "demo" / "2", tmp_path / "demo" / ".3.0a1b2c.tmp")
    assert model_dir("demo") == tmp_path / "demo" / "2"
    assert model_dir("demo/1") == tmp_path / "demo" / "1"
    with pytest.raises(InputError, match="make models"):
        model_dir(None)  # no shipped default in this registry
    with pytest.raises(InputError, match="not a model folder"):
        model_dir(tmp_path)


def test_predict_posts_fills_only_missing(model, capsys):
    posts = pd.DataFrame({"post_id": ["a", "b", "c"],
                          "text": ["信号太差了打不了电话", "谢谢很满意", "请问怎么办理套餐"],
                          "sentiment": ["neutral", None, None]})
    out = predict_posts(posts, model)
    assert out["sentiment"].tolist() == ["neutral", "positive", "neutral"]  # the human label is kept
    assert out["sentiment_source"].tolist() == ["label", "model", "model"]
    assert np.isnan(out["sentiment_proba"].iloc[0]) and out["sentiment_proba"].iloc[1] > 0.33
    assert out["complaint"].tolist() == ["yes", "no", "no"]
    info = out.attrs["classified"]
    assert info["filled"] == {"sentiment": 2, "complaint": 3}
    assert set(info["not_covered"]) == {"intent", "topic", "negative_subtype"}
    line = capsys.readouterr().out
    assert "filled sentiment (2 rows), complaint (3 rows)" in line and "not covered" in line
    assert "sentiment_source" not in posts.columns  # the input is not changed


def test_predict_posts_keeps_labels_whatever_the_index(model):
    """Two rows share each index label (pd.concat without ignore_index): the human's label stays its row's."""
    posts = pd.DataFrame({"text": ["信号太差了打不了电话", "谢谢很满意"] * 2,
                          "sentiment": ["positive", "positive", None, None]}, index=[0, 1, 0, 1])
    out = predict_posts(posts, model, verbose=False)
    assert out.index.tolist() == [0, 1, 0, 1]
    assert out["sentiment"].tolist() == ["positive", "positive", "negative", "positive"]
    assert out["sentiment_source"].tolist() == ["label", "label", "model", "model"]
    assert out["complaint"].tolist() == ["yes", "no", "yes", "no"]


def test_predict_posts_leaves_rows_without_text_unlabelled_and_says_so(model, capsys):
    posts = pd.DataFrame({"text": [None, "  ", np.nan, "谢谢很满意", "", "x"],
                          "sentiment": [None, None, None, None, "neutral", None]})
    posts["complaint"] = [None, None, None, None, "no", None]
    out = predict_posts(posts, model)
    assert out["sentiment"].isna().tolist() == [True, True, True, False, False, False]
    assert out["sentiment_source"].tolist()[:5] == [pd.NA, pd.NA, pd.NA, "model", "label"]
    assert out.attrs["classified"]["filled"] == {"sentiment": 2, "complaint": 2}
    assert out.attrs["classified"]["no_text"] == 3  # the labelled row without text is not counted
    assert "3 rows without text left unlabelled" in capsys.readouterr().out


def test_predict_posts_needs_a_table(model):
    with pytest.raises(InputError, match="posts must be a pandas DataFrame"):
        predict_posts([{"text": "x"}], model)


def test_predict_needs_text_column(model):
    with pytest.raises(InputError, match="no 'text' column"):
        model.predict(pd.DataFrame({"body": ["x"]}))


def test_a_model_given_as_something_else_is_named():
    with pytest.raises(InputError, match="model 5: give a model name"):
        load_model(5)


def test_save_refuses_a_folder_holding_other_files_and_lists_only_its_own(model, tmp_path):
    """A user's folder is never filled with (or its files checksummed into) a model; a file is no model folder."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "card.json").write_text('{"mine": 1}')
    with pytest.raises(InputError, match="a folder holding other files, not a wbcs model"):
        save_model(model, mine)
    assert (mine / "card.json").read_text() == '{"mine": 1}' and len(list(mine.iterdir())) == 1
    with pytest.raises(InputError, match="a file, not a folder"):
        save_model(model, mine / "card.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    path = save_model(model, empty)  # an empty folder is fine
    files = set(json.loads((path / "manifest.json").read_text())["files"])
    assert files == {p.name for p in path.iterdir()} - {"manifest.json"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_a_failed_save_leaves_no_half_model_and_the_old_one_whole(model, tmp_path, monkeypatch):
    import wbcs.classify.registry as reg

    old = save_model(PostClassifier({"complaint": model.models["complaint"]}, card={"name": "old"}), tmp_path / "m")
    before = {p.name: p.read_bytes() for p in old.iterdir()}

    def broken(card):
        raise RuntimeError("disk full")

    with monkeypatch.context() as m:
        m.setattr(reg, "card_markdown", broken)  # fails after the weights are written
        with pytest.raises(RuntimeError):
            save_model(model, tmp_path / "new")
        with pytest.raises(RuntimeError):
            save_model(model, old, overwrite=True)
    assert not (tmp_path / "new").exists()
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before  # no new file beside the old manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary folder left
    path = save_model(model, old, overwrite=True)  # replaced whole: nothing of the old model stays
    assert load_model(path).fields == ["sentiment", "complaint"] and load_model(path).card["name"] == "tiny"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]



@pytest.mark.parametrize("code, advice", [(errno.ENOSPC, "free space on that disk or write to another one"),
                                          (errno.EROFS, "choose another place")])
def test_a_save_the_system_refuses_is_the_writers_one_line(model, tmp_path, monkeypatch, code, advice):
    # the model folder said "cannot write (No space left on device)" in words of its own, with nothing to do next
    import wbcs.classify.registry as reg

    def refused(est, path):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(reg, "dump_skops", refused)
    with pytest.raises(InputError) as e:
        save_model(model, tmp_path / "m")
    assert str(e.value) == f"{tmp_path / 'm'}: cannot write ({os.strerror(code)}); {advice}"
    assert list(tmp_path.iterdir()) == []


KILLED_SAVE = """import sys
from pathlib import Path
from wbcs.classify.registry import _model_folder
with _model_folder(Path(sys.argv[1])) as tmp:
    (tmp / "weights.skops").write_bytes(bytes(100_000))
    print(tmp, flush=True)
    sys.stdin.readline()
"""


def test_the_next_save_removes_what_a_killed_save_left(model, tmp_path):
    # a save killed mid-way (OOM killer, kernel restart) left its hidden model folder beside the target forever
    from tests.test_io_write_leftovers import hidden, killed, start

    path = tmp_path / "m"
    child, tmp = start(KILLED_SAVE, str(path))
    killed(child)
    assert hidden(tmp_path) == [tmp.name] and (tmp / "weights.skops").is_file() and not path.exists()
    save_model(model, path)
    assert hidden(tmp_path) == [] and load_model(path).fields == ["sentiment", "complaint"]
    live, other = start(KILLED_SAVE, str(path))  # another save of the same model, still writing
    try:
        save_model(model, path, overwrite=True)
        assert hidden(tmp_path) == [other.name]  # a live save's folder is left to it
    finally:
        killed(live)

def test_the_card_masks_pii_but_keeps_the_hashes(tmp_path):
    digest = "0" * 30 + "13812345678" + "1" * 23  # a hash that happens to hold a mobile number's digits
    labels = ["13812345678" if lab == "negative" else lab for lab in LABELS]
    m = PostClassifier({"sentiment": TextClassifier().fit(TEXTS, labels)},
                       card={"name": "t", "notes": ["ask alice@example.com"],
                             "fields": {"sentiment": {"data": [{"source": "train_13812345678.csv", "rows": 24,
                                                                "sha256": digest}],
                                                      "metrics": {"per_class": {"13812345678": {"recall": 1.0}}}}}})
    path = save_model(m, tmp_path / "m")
    for name in ("card.json", "MODEL_CARD.md"):
        text = (path / name).read_text(encoding="utf-8")
        assert "13812345678" not in text.replace(digest, "") and "alice@" not in text, name
        assert "train_138****5678.csv" in text and "138****5678" in text
    card = json.loads((path / "card.json").read_text(encoding="utf-8"))["fields"]["sentiment"]
    assert card["data"][0]["sha256"] == digest and card["classes"] == ["138****5678", "neutral", "positive"]
    assert load_model(path).predict(["信号太差了打不了电话"])["sentiment"].tolist() == ["13812345678"]


def test_the_card_records_the_versions_and_the_code_revision(model, tmp_path, monkeypatch):
    """A card said only wbcs 0.1.0, a constant across many commits: it now names Python, the libraries and the git
    commit the model was built with, and nothing (not an error) for the commit outside a git checkout."""
    import platform
    import shutil

    import sklearn

    import wbcs.classify.registry as registry

    card = json.loads((save_model(model, tmp_path / "a") / "card.json").read_text(encoding="utf-8"))
    env = card["environment"]
    assert env["python"] == platform.python_version()
    assert env["libraries"]["scikit-learn"] == sklearn.__version__ and env["libraries"]["numpy"] == np.__version__
    assert set(env["libraries"]) == {"scikit-learn", "numpy", "scipy", "pandas", "skops", "jieba"}  # no torch here
    if (registry.ROOT / ".git").exists() and shutil.which("git"):
        assert len(env["code"]["commit"]) == 40 and isinstance(env["code"]["dirty"], bool)
    md = (tmp_path / "a" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"- built with: Python {platform.python_version()}, scikit-learn {sklearn.__version__}," in md
    assert "- reproduction: the same data" in md
    monkeypatch.setattr(registry, "ROOT", tmp_path)  # as from a wheel: no repository around the package
    card = json.loads((save_model(model, tmp_path / "b") / "card.json").read_text(encoding="utf-8"))
    assert "code" not in card["environment"] and card["environment"]["libraries"] == env["libraries"]
    assert "- code: not run from a git checkout" in (tmp_path / "b" / "MODEL_CARD.md").read_text(encoding="utf-8")


def test_two_identical_fits_save_byte_identical_field_files(tmp_path):
    """skops named each array after its Python id() and stamped write times, so two identical trainings wrote
    different files and the manifest's hashes could not confirm a reproduction."""
    import zipfile

    def fitted():  # a fresh object each time: other arrays, other ids
        return PostClassifier({"sentiment": TextClassifier(model="vote", calibration="sigmoid").fit(TEXTS, LABELS),
                               "complaint": TextClassifier(class_bias={"yes": 0.3}).fit(TEXTS, COMPLAINT)},
                              card={"name": "tiny", "created": "2026-01-01T00:00:00+00:00"})

    a, b = save_model(fitted(), tmp_path / "a" / "1"), save_model(fitted(), tmp_path / "b" / "1")
    for name in ("sentiment.skops", "complaint.skops", "card.json", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    with zipfile.ZipFile(a / "sentiment.skops") as z:
        assert z.namelist()[:3] == ["1.npy", "2.npy", "3.npy"] and z.namelist()[-1] == "schema.json"
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    texts = ["信号太差", "请问怎么办理", "很满意"]
    back, original = load_model(a), fitted()
    for field in ("sentiment", "complaint"):
        np.testing.assert_array_equal(back.predict_proba(texts)[field], original.predict_proba(texts)[field])


def test_the_readmes_models_paths_work_from_any_folder(tmp_path, model, monkeypatch):
    # 'models/wbcs-default/2' from a folder of one's own was "not found (looked in models/wbcs-default/2)"
    import wbcs.classify.registry as reg

    monkeypatch.setattr(reg, "MODELS_DIR", tmp_path / "registry")
    save_model(model, "demo")
    monkeypatch.chdir(tmp_path)
    assert model_dir("models/demo/1") == tmp_path / "registry" / "demo" / "1"
    assert model_dir("models/demo") == tmp_path / "registry" / "demo" / "1"
    (tmp_path / "models" / "demo" / "1").mkdir(parents=True)  # a folder here is the user's: taken, not the registry's
    with pytest.raises(InputError, match="not a model folder"):
        model_dir("models/demo/1")
    with pytest.raises(InputError, match=r"built by 'make models'"):  # the teacher of train --help's example
        model_dir("models/wbcs-gemma-sentiment/1")
