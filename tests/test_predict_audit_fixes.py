"""`wbcs predict` and `wbcs evaluate` after the audit of 2026-12-07: a labelled file labelled again, ids kept as
a Parquet file's index, a quote never closed, rows of only empty cells, an archive run that fails (no partial
output, no worker traceback), the --help examples from another folder, and --workers with a CSV file. The
reader's part: test_predict_audit_read."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_cli
from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.cli import main
from wbcs.errors import InputError


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    return save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}),
                      tmp_path_factory.mktemp("model") / "tiny")


def _predict(model, src, out, *more) -> int:
    return main(["predict", "--model", str(model), "--input", str(src), "--out", str(out), *more])


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_a_labelled_file_labelled_again_has_the_layout_of_a_first_run(model, tmp_path, capsys, ext):
    """predict on predict's own output crashed (ValueError: columns overlap, sentiment_proba): an earlier model's
    predictions are replaced, and said, so that labelling again gives the file a first run gives."""
    pd.DataFrame({"id": ["a", "b", "c"], "text": TEXTS[:2] + [""]}).to_csv(tmp_path / "in.csv", index=False)
    assert _predict(model, tmp_path / "in.csv", tmp_path / f"once.{ext}") == 0
    assert _predict(model, tmp_path / f"once.{ext}", tmp_path / f"twice.{ext}") == 0
    once, twice = (pd.read_csv if ext == "csv" else pd.read_parquet)(tmp_path / f"once.{ext}"), \
        (pd.read_csv if ext == "csv" else pd.read_parquet)(tmp_path / f"twice.{ext}")
    # where the labels came from and which model (kpi reads its card back to correct the shares)
    assert list(once.columns) == ["id", "text", "sentiment", "sentiment_proba", "sentiment_source",
                                  "sentiment_model"]
    pd.testing.assert_frame_equal(twice, once)
    out = capsys.readouterr().out
    assert "; the input's earlier predictions sentiment, sentiment_proba replaced; written to" in out


def test_a_human_label_is_kept_and_the_earlier_prediction_beside_it_replaced(model, tmp_path, capsys):
    pd.DataFrame({"text": TEXTS[:3], "sentiment": ["neutral", None, "positive"]}).to_csv(tmp_path / "in.csv",
                                                                                        index=False)
    assert _predict(model, tmp_path / "in.csv", tmp_path / "once.csv") == 0
    assert _predict(model, tmp_path / "once.csv", tmp_path / "twice.csv") == 0
    once, twice = pd.read_csv(tmp_path / "once.csv"), pd.read_csv(tmp_path / "twice.csv")
    assert list(once.columns) == ["text", "sentiment", "sentiment_pred", "sentiment_proba", "sentiment_source",
                                  "sentiment_model"]
    pd.testing.assert_frame_equal(twice, once)
    assert once["sentiment"].tolist()[::2] == ["neutral", "positive"]  # the person's labels
    assert "earlier predictions sentiment_pred, sentiment_proba replaced" in capsys.readouterr().out


def test_output_names():
    from wbcs.distributed.predict import output_names

    assert output_names(["s"], ["text"]) == ({}, [], set())
    assert output_names(["s"], ["text", "s"]) == ({"s": "s_pred"}, [], set())  # a label
    assert output_names(["s"], ["text", "s", "s_proba"]) == ({}, ["s", "s_proba"], set())  # an older predict's output
    assert output_names(["s"], ["text", "s", "s_pred", "s_proba"]) == ({"s": "s_pred"}, ["s_pred", "s_proba"], set())
    # an older predict_posts table: s holds kept labels and filled cells (s_source), kept
    assert output_names(["s"], ["text", "s", "s_proba", "s_source"]) == ({"s": "s_pred"}, ["s_proba"], set())
    # predict's, triage's, predict_posts' table (the model named): the person's cells of s kept, the model's replaced
    assert output_names(["s"], ["text", "s", "s_proba", "s_source", "label_model"]) == ({}, ["s", "s_proba"], {"s"})
    assert output_names(["s"], ["text", "s", "s_proba", "s_source", "s_model"]) == ({}, ["s", "s_proba"], {"s"})


def test_a_labelled_archive_labelled_again(model, tmp_path):
    from wbcs.distributed.predict import predict_archive

    (tmp_path / "a" / "m=1").mkdir(parents=True)
    pd.DataFrame({"id": ["a", "b"], "text": TEXTS[:2]}).to_parquet(tmp_path / "a" / "m=1" / "p.parquet")
    predict_archive(tmp_path / "a", tmp_path / "once", model=model, progress=False)
    s = predict_archive(tmp_path / "once", tmp_path / "twice", model=model, progress=False)
    assert s["replaced"] == ["sentiment", "sentiment_proba"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "twice" / "m=1" / "p.parquet"),
                                  pd.read_parquet(tmp_path / "once" / "m=1" / "p.parquet"))


def test_ids_kept_as_a_parquet_files_index_stay_with_their_rows(model, tmp_path):
    """df.set_index('id').to_parquet(...): predict's output had no id (the reader's fix: test_predict_audit_read)."""
    from wbcs.distributed.predict import predict_archive

    df = pd.DataFrame({"id": ["u7", "u9", "u3"], "text": TEXTS[:3]})
    df.set_index("id").to_parquet(tmp_path / "idx.parquet")
    assert _predict(model, tmp_path / "idx.parquet", tmp_path / "out.csv") == 0
    assert pd.read_csv(tmp_path / "out.csv")["id"].tolist() == ["u7", "u9", "u3"]
    (tmp_path / "arch").mkdir()
    df.set_index("id").to_parquet(tmp_path / "arch" / "p.parquet")
    predict_archive(tmp_path / "arch", tmp_path / "labelled", model=model, progress=False)
    assert pd.read_parquet(tmp_path / "labelled" / "p.parquet")["id"].tolist() == ["u7", "u9", "u3"]


def test_a_quote_never_closed_stops_predict_in_one_line(model, tmp_path):
    """It swallowed every later row into one cell: '2 rows labelled', exit 0 (the reader: test_predict_audit_read)."""
    bad = tmp_path / "bad.csv"
    bad.write_text('id,text\n1,联通信号差\n2,"未闭合的引号\n3,正常,多余,字段\n4,好评\n', encoding="utf-8")
    r = run_cli("predict", "--model", str(model), "--input", str(bad), "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "line 3: a cell opens with a quote" in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_rows_of_only_empty_cells_are_counted(model, tmp_path, capsys):
    (tmp_path / "blank.csv").write_text("id,text,note\n1,联通信号差,a\n,,\n3,好评,b\n , ,\n", encoding="utf-8")
    assert _predict(model, tmp_path / "blank.csv", tmp_path / "o.csv") == 0
    err = capsys.readouterr().err
    assert "blank.csv: 2 row(s) of only empty cells skipped (no posts)" in err
    (tmp_path / "none.csv").write_text("id,text\n,\n,\n", encoding="utf-8")
    assert _predict(model, tmp_path / "none.csv", tmp_path / "o2.csv") == 2
    assert "none.csv: no rows (2 of only empty cells)" in capsys.readouterr().err


def _archive(root, bad: bool):
    for i in range(3):
        (root / f"m={i}").mkdir(parents=True)
        pd.DataFrame({"id": [f"{i}a", f"{i}b"], ("body" if bad and i == 1 else "text"): TEXTS[i:i + 2]}).to_parquet(
            root / f"m={i}" / "p.parquet")


def test_an_archive_run_that_fails_leaves_the_output_folder_as_it_was(model, tmp_path):
    from wbcs.distributed.predict import predict_archive

    _archive(tmp_path / "arch", bad=True)
    with pytest.raises(InputError, match="no column 'text'"):
        predict_archive(tmp_path / "arch", tmp_path / "out", model=model, progress=False)
    assert not (tmp_path / "out").exists()  # m=0 was labelled before m=1 failed: not left there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arch"]  # nor the temporary folder
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("kept")
    _archive(tmp_path / "good", bad=False)
    s = predict_archive(tmp_path / "good", tmp_path / "out", model=model, progress=False)
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file()) == \
        ["m=0/p.parquet", "m=1/p.parquet", "m=2/p.parquet", "mine.txt"]
    assert [p["out"] for p in s["partitions"]] == [str(tmp_path / "out" / f"m={i}" / "p.parquet") for i in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arch", "good", "out"]


def test_a_failed_task_on_a_cluster_is_one_line_without_the_workers_traceback(model, tmp_path):
    pytest.importorskip("dask.distributed")
    _archive(tmp_path / "arch", bad=True)
    r = run_cli("predict", "--model", str(model), "--input", str(tmp_path / "arch"), "--out", str(tmp_path / "out"),
                "--workers", "1")
    assert r.returncode == 2
    assert "Compute Failed" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("wbcs predict: error: ") and "no column 'text'" in r.stderr
    assert not (tmp_path / "out").exists()


def test_the_help_examples_run_from_another_folder(model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _predict(model, "data/examples/weibo_export.csv", tmp_path / "o.csv", "--text-col", "微博正文") == 0
    assert (tmp_path / "o.csv").exists()
    assert main(["evaluate", "--model", str(model), "--data", "data/examples/labelled.csv", "--field", "sentiment",
                 "--json"]) == 0
    err = capsys.readouterr().err
    assert "data/examples/weibo_export.csv: not in this folder; reading the package's" in err
    assert "data/examples/labelled.csv: not in this folder; reading the package's" in err


def test_workers_with_a_csv_file_is_refused_before_a_cluster_starts(model, tmp_path, monkeypatch, capsys):
    import wbcs.distributed as dist

    def no_cluster(*a, **k):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(dist, "connect", no_cluster)
    pd.DataFrame({"text": TEXTS[:2]}).to_csv(tmp_path / "s2.csv", index=False)
    assert _predict(model, tmp_path / "s2.csv", tmp_path / "x.csv", "--workers", "2") == 2
    err = capsys.readouterr().err
    assert "s2.csv: not a Parquet file" in err and "drop --workers: a CSV, JSON Lines or .xlsx file is labelled in " \
                                                  "this process" in err and "pandas engine" not in err
    assert _predict(model, tmp_path / "*.csv", tmp_path / "x", "--scheduler", "tcp://127.0.0.1:1") == 2
    err = capsys.readouterr().err
    assert "label each such file alone (--input FILE)" in err and "pandas engine" not in err
