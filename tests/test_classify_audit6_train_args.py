"""``wbcs train`` after audit 6: an --extra file with a label the --data lacks is refused (the model predicted a class
it was never measured on), --max-train and --seed out of range are one line and exit 2 (they were scikit-learn's and
numpy's tracebacks), and the --help example's data/examples/... path is read from any folder, as predict's is."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_classify_baseline import LABELS, TEXTS
from wbcs.cli import main
from wbcs.errors import InputError


@pytest.fixture()
def data(tmp_path):
    path = tmp_path / "own.csv"
    pd.DataFrame({"text": TEXTS, "sentiment": LABELS}).to_csv(path, index=False)
    return path


def _train(data, out, *more) -> int:
    return main(["train", "--task", "sentiment", "--data", str(data), "--config", "lr C=4", "--out", str(out), *more])


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_an_extra_file_with_a_label_the_data_lacks_is_refused(data, tmp_path, capsys):
    extra = tmp_path / "public.csv"
    pd.DataFrame({"text": [f"公开微博 {i} 有好有坏" for i in range(5)] + ["今天天气不错"],
                  "sentiment": ["mixed"] * 3 + ["positive"] * 2 + ["mixed"]}).to_csv(extra, index=False)
    assert _train(data, tmp_path / "m", "--extra", str(extra), "--extra-weight", "1") == 2
    err = _one_line_error(capsys)
    assert err.endswith(f"{extra}: label 'mixed' (4 row(s)) is not among the training rows' labels (negative, neutral, "
                        "positive): the model would predict a class it is never measured on; leave those rows out of "
                        "the file"), err
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("flag", "said"), [(["--max-train", "0"], "--max-train must be a whole number ≥ 1, got 0"),
                                            (["--max-train", "-3"], "--max-train must be a whole number ≥ 1, got -3"),
                                            (["--max-train", "2"], "--max-train 2: fewer rows than the training rows' "
                                                                   "3 labels"),
                                            (["--seed", "-1"], "seed must be a whole number ≥ 0 (--seed), got -1")])
def test_max_train_and_seed_out_of_range_are_one_line_and_exit_2(data, tmp_path, capsys, flag, said):
    assert _train(data, tmp_path / "m", *flag) == 2
    assert said in _one_line_error(capsys)
    assert not (tmp_path / "m").exists()


def test_subsample_keeps_every_label_when_it_leaves_out_fewer_rows_than_labels():
    from wbcs.classify.train import subsample

    df = pd.DataFrame({"text": list("abcdefghi"), "label": ["x"] * 5 + ["y"] * 2 + ["z"] * 2})
    kept = subsample(df, 8, 0)  # scikit-learn's stratified split needs 3 rows left out: a ValueError
    assert len(kept) == 8 and kept["label"].value_counts().to_dict() == {"x": 4, "y": 2, "z": 2}
    kept = subsample(df, 7, 0)  # one row fewer of each of the 2 largest labels
    assert len(kept) == 7 and set(kept["label"]) == {"x", "y", "z"}
    assert subsample(df, 6, 0)["label"].value_counts().to_dict() == {"x": 4, "y": 1, "z": 1}  # stratified, as before
    with pytest.raises(InputError, match="seed must be"):
        subsample(df, 5, -1)
    one = pd.concat([df, pd.DataFrame({"text": ["j"], "label": ["w"]})], ignore_index=True)  # a label of one row
    kept = subsample(one, 5, 0)  # scikit-learn: "The least populated class in y has only 1 member"
    assert len(kept) == 5 and set(kept["label"]) == {"w", "x", "y", "z"}


def test_the_help_example_runs_from_another_folder(tmp_path, monkeypatch, capsys):
    from wbcs.cli.classify import TRAIN_EXAMPLE

    assert "--data data/examples/labelled.csv --label-col intent" in TRAIN_EXAMPLE
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--task", "intent", "--data", "data/examples/labelled.csv", "--label-col", "intent",
                 "--config", "lr C=4", "--out", str(tmp_path / "m" / "1")]) == 0
    assert (tmp_path / "m" / "1" / "card.json").exists()
    assert "data/examples/labelled.csv: not in this folder; reading the package's" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--test", "--extra"])
def test_test_and_extra_are_read_from_the_package_too(data, tmp_path, monkeypatch, capsys, option):
    monkeypatch.chdir(tmp_path)
    # a label column the shipped file lacks: the run stops once the file is read, not at "no such file"
    more = ["--label-col", "stance"] if option == "--test" else ["--extra-label-col", "stance"]
    pd.DataFrame({"text": TEXTS, "stance": LABELS}).to_csv(data, index=False)
    assert main(["train", "--task", "stance", "--data", str(data), option, "data/examples/labelled.csv", *more,
                 "--config", "lr C=4", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "data/examples/labelled.csv: not in this folder; reading the package's" in err
    assert "no column 'stance'" in err and "no such file" not in err and "not found" not in err


def test_labels_that_differ_only_in_case_or_width_are_one_line_not_two_classes():
    from wbcs.classify.tasks import task_from_table

    df = pd.DataFrame({"text": [f"第{i}条帖子" for i in range(9)],
                       "label": ["negative"] * 3 + ["NEGATIVE"] * 2 + ["positive"] * 2 + ["ｐｏｓｉｔｉｖｅ"] * 2})
    with pytest.raises(InputError, match=r"^own\.csv: column 'label': labels 'negative' \(3 rows\) and 'NEGATIVE' "
                                         r"\(2 rows\) differ only in case or width; write them one way"):
        task_from_table(df, "label", source="own.csv")
