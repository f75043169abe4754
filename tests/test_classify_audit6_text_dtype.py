"""A text column that holds numbers (a Parquet int64 column: audit 6) is refused by train, predict and evaluate, naming
the file, the column and its type: it trained a model on "123"s with exit 0, and predict labelled numbers as posts."""

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
def numbers(tmp_path):
    path = tmp_path / "ints.parquet"
    pd.DataFrame({"text": range(len(LABELS)), "sentiment": LABELS}).to_parquet(path, index=False)
    return path


def test_train_refuses_a_text_column_of_numbers(numbers, tmp_path, capsys):
    assert main(["train", "--task", "sentiment", "--data", str(numbers), "--config", "lr C=4",
                 "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"{numbers}: column 'text' holds int64 values, not texts; give the column of the posts' texts "
                        "(--text-col)") and len(err.splitlines()) == 1
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_predict_and_evaluate_refuse_a_text_column_of_numbers(numbers, model, tmp_path, capsys, command):
    more = ["--out", str(tmp_path / "o.csv")] if command == "predict" else ["--field", "sentiment"]
    assert main([command, "--model", str(model), "--input" if command == "predict" else "--data", str(numbers),
                 *more]) == 2
    assert "column 'text' holds int64 values, not texts" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_an_archive_with_a_partition_of_numbers_is_refused(numbers, model, tmp_path):
    from wbcs.distributed.predict import predict_archive

    (tmp_path / "arch" / "m=1").mkdir(parents=True)
    numbers.rename(tmp_path / "arch" / "m=1" / "p.parquet")
    with pytest.raises(InputError, match=r"m=1/p.parquet: column 'text' holds int64 values"):
        predict_archive(tmp_path / "arch", tmp_path / "out", model=model, progress=False)


def test_check_texts_passes_texts_and_refuses_other_values():
    from wbcs.classify.tasks import check_texts

    for ok in (pd.Series(["a", None]), pd.Series([None, None], dtype=object), pd.Series(["a", 3]),
               pd.Series(["a"], dtype="string"), pd.Series(["a", "b"], dtype="category")):
        check_texts(ok, "f.parquet", "text")
    for bad, shown in ((pd.Series([1, 2], dtype=object), "integer"), (pd.Series([1.5]), "float64"),
                       (pd.Series([True]), "bool"), (pd.Series(pd.to_datetime(["2025-01-01"])), "datetime64")):
        with pytest.raises(InputError, match=f"f.parquet: column 'text' holds {shown}"):
            check_texts(bad, "f.parquet", "text")
