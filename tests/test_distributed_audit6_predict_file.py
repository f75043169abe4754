"""``wbcs predict`` of one Parquet file on a cluster writes the file --out, as in process (audit 6: it wrote a folder
--out holding the file), and says what it did in the same words as in process and for an archive (thousands
separators, rows labelled); a bad $WBCS_DASK_TIMEOUT is said as such, not as a connection failure."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.cli import main
from wbcs.errors import InputError


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    return save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}),
                      tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture()
def posts(tmp_path):
    texts = (TEXTS * 50)[:1199] + [""]  # 1,200 rows, one without text
    path = tmp_path / "one.parquet"
    pd.DataFrame({"post_id": [f"p{i}" for i in range(len(texts))], "text": texts}).to_parquet(path, index=False)
    return path


def _predict(model, src, out, *more) -> int:
    return main(["predict", "--model", str(model), "--input", str(src), "--out", str(out), *more])


@pytest.mark.slow  # a local cluster of one worker: ~5-10 s on a shared 2-core machine
@pytest.mark.parametrize("ext", ["parquet", "csv"])
def test_one_file_on_a_cluster_is_one_file_as_in_process(model, posts, tmp_path, capsys, ext):
    pytest.importorskip("dask.distributed")
    assert _predict(model, posts, tmp_path / f"here.{ext}") == 0
    here = capsys.readouterr().out.strip()
    assert _predict(model, posts, tmp_path / f"there.{ext}", "--workers", "1") == 0
    there = capsys.readouterr().out.strip()
    assert (tmp_path / f"there.{ext}").is_file()  # was a folder there.parquet/ holding one.parquet
    read = pd.read_parquet if ext == "parquet" else pd.read_csv
    pd.testing.assert_frame_equal(read(tmp_path / f"there.{ext}"), read(tmp_path / f"here.{ext}"))
    assert here.startswith("predict: 1,199 rows labelled by ") and "(1 without text left unlabelled)" in here
    assert there == here.replace(f"here.{ext}", f"there.{ext}")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_an_archive_is_said_in_the_words_of_one_file(model, posts, tmp_path, capsys):
    (tmp_path / "arch" / "m=1").mkdir(parents=True)
    posts.rename(tmp_path / "arch" / "m=1" / "p.parquet")
    assert _predict(model, tmp_path / "arch", tmp_path / "out") == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("predict: 1,199 rows labelled by ") and "(1 without text left unlabelled)" in out
    assert out.endswith(f"; 1 file(s) written to {tmp_path / 'out'} in the same layout")


@pytest.mark.parametrize("raw", ["abc", "nan", "-5", "0"])
def test_a_bad_timeout_setting_is_said_as_such(monkeypatch, raw):
    pytest.importorskip("dask.distributed")
    from wbcs.distributed import connect

    monkeypatch.setenv("WBCS_DASK_TIMEOUT", raw)
    with pytest.raises(InputError) as e:
        connect(scheduler="tcp://127.0.0.1:1")
    assert str(e.value) == f"$WBCS_DASK_TIMEOUT={raw!r}: give the seconds to wait for the scheduler, e.g. 30"


@pytest.mark.parametrize("flag", [["--workers", "1"], []])
def test_an_empty_parquet_file_is_refused_with_or_without_a_cluster(model, tmp_path, capsys, flag):
    # on a cluster it was written as an empty labelled file with exit 0; in process "no rows", nothing written
    empty = tmp_path / "empty.parquet"
    pd.DataFrame({"post_id": pd.Series([], dtype="string"), "text": pd.Series([], dtype="string")}).to_parquet(empty)
    assert _predict(model, empty, tmp_path / "out.parquet", *flag) == 2
    assert capsys.readouterr().err.strip() == f"wbcs predict: error: {empty}: no rows"
    assert not (tmp_path / "out.parquet").exists()
