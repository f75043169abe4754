"""A model folder whose checksums hold but whose fields do not (swapped files, a numeric estimator) is refused; the
format-version advice fits the direction; a text of only zero-width characters is no text on every labelling path."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify import PostClassifier, TextClassifier, load_model, predict_posts, save_model
from wbcs.classify.registry import sha256
from wbcs.errors import InputError
from wbcs.text import has_text, normalize

# a second field: complaint yes when the text is negative (as test_classify_registry)
COMPLAINT = ["yes" if lab == "negative" else "no" for lab in LABELS]
# what STC-3 texts carry: zero-width space, BOM, zero-width non-joiner and joiner, word joiner
INVISIBLE = ["\u200b", "\ufeff", "\u200c", "\u200d", "\u2060"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS),
                            "complaint": TextClassifier().fit(TEXTS, COMPLAINT)}, card={"name": "tiny", "seed": 0})
    return save_model(model, tmp_path_factory.mktemp("reg") / "m" / "1")


def _copy(saved, tmp_path):
    path = tmp_path / "copy"
    shutil.copytree(saved, path)
    return path, json.loads((path / "manifest.json").read_text())


def _write(path, manifest):
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_fields_swapped_with_their_hashes_are_refused_naming_folder_and_field(saved, tmp_path, capsys):
    from wbcs.cli import main

    path, manifest = _copy(saved, tmp_path)
    a, b = path / "sentiment.skops", path / "complaint.skops"
    data = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(data)
    files = manifest["files"]
    files["sentiment.skops"], files["complaint.skops"] = files["complaint.skops"], files["sentiment.skops"]
    _write(path, manifest)
    with pytest.raises(InputError, match=rf"^{path}: field sentiment: sentiment.skops predicts \['no', 'yes'\] but "
                                         r"manifest.json lists \['negative', 'neutral', 'positive'\]"):
        load_model(path)
    # the CLI: one line, exit 2, nothing written (it wrote sentiment=yes/no, exit 0)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("text\n信号太差了\n", encoding="utf-8")
    assert main(["predict", "--model", str(path), "--input", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"wbcs predict: error: {path}: field sentiment:")
    assert not out.exists()


def test_a_numeric_estimator_is_refused_though_its_types_are_trusted(saved, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    path, manifest = _copy(saved, tmp_path)
    # the manifest's labels, so that only the check that it takes texts can refuse it
    numeric = LogisticRegression().fit([[0.0], [1.0], [2.0]], ["negative", "neutral", "positive"])
    sio.dump(numeric, path / "sentiment.skops")
    manifest["files"]["sentiment.skops"] = sha256(path / "sentiment.skops")
    _write(path, manifest)
    with pytest.raises(InputError, match=rf"^{path}: field sentiment: sentiment.skops holds a "
                                         r"sklearn.linear_model._logistic.LogisticRegression, which does not classify"):
        load_model(path)


def test_a_text_pipeline_and_the_transformer_kinds_still_load(tmp_path):
    from wbcs.classify.strong import tfidf_logreg

    # the datasets README's peer, a pipeline that starts with a text vectoriser: fit_task's estimator may be it
    peer = tfidf_logreg().fit(TEXTS, LABELS)
    back = load_model(save_model(PostClassifier({"sentiment": peer}), tmp_path / "peer"))
    assert back.predict(["信号太差了打不了电话"])["sentiment"].tolist() == peer.predict(["信号太差了打不了电话"]).tolist()


def test_a_manifest_without_a_fields_labels_is_refused(saved, tmp_path):
    path, manifest = _copy(saved, tmp_path)
    del manifest["fields"]["complaint"]["classes"]
    _write(path, manifest)
    with pytest.raises(InputError, match=r"fields.complaint needs its labels \(classes\)"):
        load_model(path)


@pytest.mark.parametrize(("version", "advice"), [(2, "a newer wbcs wrote it: upgrade wbcs to load it"),
                                                 (0, "retrain it with 'wbcs train'"),
                                                 ("1", "retrain it with 'wbcs train'")])
def test_the_format_version_advice_fits_its_direction(saved, tmp_path, version, advice):
    path, manifest = _copy(saved, tmp_path)
    manifest["format_version"] = version
    _write(path, manifest)
    with pytest.raises(InputError) as e:
        load_model(path)
    assert f"model format version {version} " in str(e.value) and str(e.value).endswith(advice + ("" if version != 2
                                                                                               else " (no need to retrain)"))
    assert (version == 2) == ("retrain it" not in str(e.value))


def test_has_text_is_what_normalize_leaves():
    texts = ["x", "", "  ", "\u3000", "\xa0\x85\u2028\t", *INVISIBLE, "".join(INVISIBLE) + " \u3000", " a\u200b",
             "\u00ad"]
    assert has_text(texts).tolist() == [normalize(t) != "" for t in texts]
    assert has_text(texts).tolist() == [True] + [False] * 10 + [True, False]
    # missing: None, NaN, a string column's pd.NA
    assert has_text([None, float("nan"), "y"]).tolist() == [False, False, True]
    assert has_text(pd.Series(["y", pd.NA], dtype="string")).tolist() == [True, False]
    assert has_text([]).tolist() == []


def test_postclassifier_predict_leaves_no_text_unlabelled(saved):
    model = load_model(saved)
    out = model.predict(["信号太差了打不了电话", None, *INVISIBLE, "谢谢很满意"])
    assert out["sentiment"].tolist()[0] == "negative" and out["sentiment"].tolist()[-1] == "positive"
    for field in ("sentiment", "complaint"):
        assert out[field].iloc[1:-1].isna().all() and np.isnan(out[f"{field}_proba"].iloc[1:-1]).all()
    # the labelled rows are labelled as alone (the blank ones took no part), kinds one per text follow their rows
    alone = model.predict(["信号太差了打不了电话", "谢谢很满意"], kind=["first_post", "reply"])
    mixed = model.predict(["信号太差了打不了电话", "\u200b", "谢谢很满意"], kind=["first_post", "first_post", "reply"])
    pd.testing.assert_frame_equal(mixed.iloc[[0, 2]].reset_index(drop=True), alone)
    # a string column's missing cell was the text "<NA>", labelled; the index is kept
    s = model.predict(pd.Series(["信号太差了打不了电话", pd.NA], dtype="string", index=[7, 9]))
    assert s.index.tolist() == [7, 9] and pd.isna(s.loc[9, "sentiment"])
    # nothing to read at all: no row labelled, the models not run
    none = model.predict(["", "\ufeff"])
    assert none["sentiment"].isna().all() and list(none.columns) == list(out.columns)


def test_predict_posts_and_label_frame_count_zero_width_texts_as_no_text(saved):
    from wbcs.distributed.predict import label_frame, unlabelled

    model = load_model(saved)
    posts = pd.DataFrame({"post_id": ["a", "b", "c", "d"], "text": ["信号太差了打不了电话", "\u200b", " \ufeff", None]})
    out = predict_posts(posts, model, verbose=False)
    assert out["sentiment"].tolist()[0] == "negative" and out["sentiment"].iloc[1:].isna().all()
    assert out.attrs["classified"]["no_text"] == 3 and out.attrs["classified"]["filled"]["sentiment"] == 1
    table, renamed = label_frame(model, posts, None, "posts.csv")
    assert table["sentiment"].tolist()[0] == "negative" and table["sentiment"].iloc[1:].isna().all()
    assert unlabelled(table, model, renamed) == 3


def test_a_card_that_is_no_json_object_is_one_line_naming_it(saved, tmp_path, capsys):
    """card.json written as [] with its hash updated in the manifest was an AttributeError traceback, exit 1."""
    from wbcs.cli import main

    path, manifest = _copy(saved, tmp_path)
    (path / "card.json").write_text("[]", encoding="utf-8")
    manifest["files"]["card.json"] = sha256(path / "card.json")
    _write(path, manifest)
    with pytest.raises(InputError, match=rf"^{path / 'card.json'}: not a model card \(a JSON object\), a list"):
        load_model(path)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("text\n信号太差了\n", encoding="utf-8")
    assert main(["predict", "--model", str(path), "--input", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "card.json: not a model card" in err and not out.exists()
