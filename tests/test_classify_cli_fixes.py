"""train / evaluate / predict: unreadable and text-less rows said, float labels, broken or missing models,
--config-from's bias, predict's bar, leakage groups blind to links and repost marks, a too-rare label named."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli, run_cli_on_terminal
from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.classify.splits import TooFewExamples, group_folds, leakage_groups, training_groups
from wbcs.errors import InputError

NUMERIC = {"negative": 0, "positive": 1, "neutral": 2}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A model trained on integer labels (0, 1, 2), with the configuration named: no search, seconds."""
    d = tmp_path_factory.mktemp("fixes")
    pd.DataFrame({"text": TEXTS, "label": [NUMERIC[x] for x in LABELS]}).to_csv(d / "train.csv", index=False)
    r = run_cli("train", "--task", "label", "--data", str(d / "train.csv"), "--config", "lr C=16",
                "--out", str(d / "m" / "1"))
    assert r.returncode == 0, r.stderr
    return d


def _broken_row_5(src, dst):
    """``src`` with an invalid UTF-8 sequence in its 5th data row."""
    lines = src.read_bytes().split(b"\n")
    lines[5] = lines[5][:3] + b"\xff\xfe" + lines[5][3:]
    dst.write_bytes(b"\n".join(lines))
    return dst


def test_train_and_evaluate_say_the_rows_they_cannot_read(work):
    bad = _broken_row_5(work / "train.csv", work / "bad.csv")
    line = f"1 row(s) of {bad} could not be read and are left out (1 bad encoding); rows 5"
    pd.DataFrame({"text": ["网络一直断线太烦了", "客服态度恶劣投诉", "套餐资费怎么查询", "请问营业厅几点关门",
                           "今天开会讨论", "谢谢你们真好", "服务很棒点赞"],
                  "label": [0, 0, 2, 2, 2, 1, 1]}).to_csv(work / "test.csv", index=False)
    bad_test = _broken_row_5(work / "test.csv", work / "bad_test.csv")
    r = run_cli("train", "--task", "label", "--data", str(bad), "--test", str(bad_test), "--config", "lr C=16",
                "--out", str(work / "t"))
    assert r.returncode == 0, r.stderr
    assert f"train: {line}" in r.stderr
    assert f"train: 1 row(s) of {bad_test} could not be read and are left out (1 bad encoding); rows 5" in r.stderr
    assert "n=6)" in r.stdout
    r = run_cli("evaluate", "--model", str(work / "m" / "1"), "--data", str(bad), "--label-col", "label", "--json")
    assert r.returncode == 0, r.stderr
    assert f"evaluate: {line}" in r.stderr and json.loads(r.stdout)["n"] == 23
    r = run_cli("predict", "--model", str(work / "m" / "1"), "--input", str(bad), "--out", str(work / "p.csv"))
    assert r.returncode == 0 and f"predict: 1 row(s) of {bad} could not be read and are not in " in r.stderr


def test_evaluate_leaves_out_and_counts_rows_without_text(work):
    df = pd.DataFrame({"text": TEXTS[:6], "label": [NUMERIC[x] for x in LABELS[:6]]})
    df.loc[1, "text"], df.loc[3, "text"] = "   ", None
    df.to_csv(work / "blank.csv", index=False)
    r = run_cli("evaluate", "--model", str(work / "m" / "1"), "--data", str(work / "blank.csv"), "--label-col",
                "label", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert (report["n"], report["left_out"], report["no_text"]) == (4, 2, 2)
    assert "evaluate: 2 labelled row(s) without text left out; rows 2, 4" in r.stderr


def test_evaluate_reads_whole_number_float_labels_as_integers(work):
    df = pd.DataFrame({"text": TEXTS, "label": [float(NUMERIC[x]) for x in LABELS]})
    df.loc[0, "label"] = None  # an integer column with a gap: Parquet stores it as floats 0.0, 1.0, 2.0
    df.to_parquet(work / "floats.parquet")
    assert pd.read_parquet(work / "floats.parquet")["label"].dtype == float
    r = run_cli("evaluate", "--model", str(work / "m" / "1"), "--data", str(work / "floats.parquet"),
                "--label-col", "label", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["n"] == 23 and report["left_out"] == 1 and set(report["per_class"]) == {"0", "1", "2"}


def test_a_skops_file_that_is_not_a_zip_is_one_line_and_exit_2(work, tmp_path):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(work / "m" / "1", folder)
    junk = b"not a zip archive"
    (folder / "label.skops").write_bytes(junk)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["label.skops"] = hashlib.sha256(junk).hexdigest()  # the checksum passes: the loader must say
    (folder / "manifest.json").write_text(json.dumps(manifest))
    r = run_cli("predict", "--model", str(folder), "--input", str(work / "train.csv"), "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (f"wbcs predict: error: {folder / 'label.skops'}: not a skops file (not a zip archive);"
                                " restore the model folder or retrain")


def test_a_bare_name_that_is_a_folder_here_but_no_model_says_so(work, tmp_path):
    (tmp_path / "notamodel").mkdir()
    r = run_cli("predict", "--model", "notamodel", "--input", str(work / "train.csv"), "--out", "o.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert f"{tmp_path / 'notamodel'}: not a model folder (no manifest.json), and no model 'notamodel' in the " \
           "registry" in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_config_from_drops_the_bias_of_labels_the_data_lacks(work, tmp_path):
    import skops.io as sio

    from wbcs.classify import load_model, save_model

    model = load_model(work / "m" / "1")
    est = model.models["label"]
    est.set_params(class_bias={"0": 0.5, "other": -0.75}, kind_bias={"first_post": {"other": 1.0}})
    save_model(model, tmp_path / "biased")
    r = run_cli("train", "--task", "label", "--data", str(work / "train.csv"), "--config-from",
                str(tmp_path / "biased"), "--out", str(tmp_path / "new"))
    assert r.returncode == 0, r.stderr
    note = (f"--config-from {tmp_path / 'biased'}: its class bias on other left out: the training data has no such "
            "label (its labels: 0, 1, 2)")
    assert f"train: {note}" in r.stderr
    assert note in json.loads((tmp_path / "new" / "card.json").read_text())["fields"]["label"]["notes"]
    fitted = sio.load(tmp_path / "new" / "label.skops", trusted=sio.get_untrusted_types(
        file=tmp_path / "new" / "label.skops"))
    assert fitted.class_bias == {"0": 0.5} and fitted.kind_bias is None


def test_predict_on_one_file_shows_a_bar(work, tmp_path):
    r, shown = run_cli_on_terminal("predict", "--model", str(work / "m" / "1"), "--input", str(work / "train.csv"),
                                   "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 0, shown
    assert "labelling: 100%" in shown


def test_a_short_link_or_a_repost_mark_does_not_split_a_leakage_group():
    base = ["『全国新型肺炎疫情实时动态 - 丁香园·丁香医生』", "信号太差了打不了电话", "谢谢客服很满意", "好"]
    linked = [t + " http://t.cn/A6vBv3yL" for t in base] + [t + "http://t.cn/A6vrciYh" for t in base]
    reposted = [f"//@用户{i}: " + t for i, t in enumerate(base)]
    groups = leakage_groups(base + linked + reposted)
    n = len(base)
    # before: the two-character post '好' plus a 20-character link is far under the 0.8 Jaccard of its 3-grams
    assert all(groups[i] == groups[i + n] == groups[i + 2 * n] == groups[i + 3 * n] for i in range(n))
    assert len(set(groups)) == n
    # a text that is only a link keeps itself: links alone do not make one big group
    assert len(set(leakage_groups(["http://t.cn/A6vBv3yL", "http://t.cn/B7xyz123"]))) == 2
    rows = pd.DataFrame({"text": base + linked})
    training_groups(rows)
    assert rows["text"].tolist() == base + linked  # for grouping only: the texts trained on keep their links


def test_a_label_too_rare_for_the_folds_is_named(work):
    y = np.array(["a"] * 6 + ["b"] * 6 + ["rare"])
    with pytest.raises(TooFewExamples, match=r"^label 'rare' has 1 example\(s\) among the rows cross-validated, "
                                             r"fewer than the 2 folds \(each needs one\): label at least 1 more"):
        group_folds(y, np.arange(len(y)), n_splits=2)
    assert issubclass(TooFewExamples, InputError)
    df = pd.read_csv(work / "train.csv")
    df["label"] = df["label"].astype(str)
    df.loc[[3, 20], "label"] = "rare"  # two rows: the hold-out takes one (seed 0), the cross-validation gets one
    df.to_csv(work / "rare.csv", index=False)
    r = run_cli("train", "--task", "label", "--data", str(work / "rare.csv"), "--out", str(work / "r"))
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"wbcs train: error: {work / 'rare.csv'}: column 'label': label 'rare' has 1 "
                                       "example(s)")


def test_train_with_a_test_file_says_the_saved_model_saw_only_the_training_rows(tmp_path):
    # with --test, the refit is on the training rows alone: "refitted on all N rows" said otherwise
    rows = pd.DataFrame({"text": TEXTS, "label": LABELS})
    rows.iloc[::3].to_csv(tmp_path / "test.csv", index=False)
    rows.drop(index=rows.index[::3]).to_csv(tmp_path / "train.csv", index=False)
    r = run_cli("train", "--task", "label", "--data", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
                "--config", "lr C=16", "--out", str(tmp_path / "m" / "1"))
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("train: label:"))
    assert line.endswith(" training rows (not --test)") and "refitted on all " in line
