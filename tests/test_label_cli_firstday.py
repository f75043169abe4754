"""A new user's first day with ``wbcs label`` and the demo: a folder where a file is expected is said as a folder;
the sampling commands never draw what the committed samples hold (labelled already); the demo never replaces a
folder's label store or files it did not write."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import one_error, run_cli
from wbcs.config import ROOT, label_samples
from wbcs.labeling.batch import read_sample

PASS = "data/labels/passes/ann1/batch_001.csv"
FOLDER = "dd: a folder, not a file"
OUT = "dd: is a folder; give a file name, e.g. dd/out.csv"  # an output, as every command says it
STORE = "dd: a folder, not a file; give the label store's file name, e.g. dd/store.sqlite"


@pytest.mark.parametrize("args, said", [
    (["import", "dd", "--annotator", "ann9", "--store", "s.sqlite"], FOLDER),  # was: unknown format ''
    (["import", "d.csv", "--annotator", "ann9", "--store", "s.sqlite"], FOLDER.replace("dd", "d.csv")),  # not found
    (["status", "--sample", "dd", "--store", "s.sqlite"], FOLDER),  # was: sample file not found; create it ...
    (["batch-export", "--sample", "dd", "--out", "b"], FOLDER),
    (["sample", "--exclude", "dd", "--out", "g.csv"], FOLDER),
    (["sample-turns", "--part", "test", "--parts", "dd", "--out", "t.csv"], FOLDER),  # was: no test-part file
    (["sample-posts", "--posts", "dd", "--out", "p.csv"], FOLDER),  # was: no such file
    (["consensus", "--store", "s.sqlite", "--posts", "dd", "--out", "g.csv"], FOLDER),
    (["status", "--store", "dd"], STORE),  # was: no label store there; build it with 'wbcs label rebuild ...'
    (["export", "--store", "dd", "--out", "x.csv"], STORE),
    (["agreement", "--store", "dd"], STORE),
    (["rebuild", "--store", "dd"], STORE),
    (["import", str(ROOT / PASS), "--annotator", "ann1", "--store", "dd"], STORE),
    (["split", "--out", "dd"], OUT),  # was: a test part is already fixed there
    (["sample-turns", "--part", "test", "--out", "dd"], OUT),  # was: a sample is already there
    (["sample", "--out", "dd"], OUT),
])
def test_a_folder_given_for_a_file_is_said_as_one(tmp_path, args, said):
    (tmp_path / "dd").mkdir()
    (tmp_path / "d.csv").mkdir()
    r = run_cli("label", *args, cwd=tmp_path)
    assert one_error(r, "label") == f"wbcs label: error: {said}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "dd"]  # nothing written, no store made


def test_read_records_and_sample_fields_say_a_folder(tmp_path):
    from wbcs.errors import InputError
    from wbcs.labeling.batch import sample_fields
    from wbcs.labeling.store import read_records

    (tmp_path / "d.csv").mkdir()
    for read in (read_records, sample_fields):
        with pytest.raises(InputError, match=r"d\.csv: a folder, not a file$"):
            read(tmp_path / "d.csv")


def _committed() -> set[str]:
    return set(read_sample(label_samples()))


def test_the_sample_turns_help_example_never_draws_a_labelled_turn(tmp_path, mirror):
    """The --help example without --include-committed, run from a folder of one's own: every other_first_post turn
    of the training part is in turns_sample_train_*.csv (labelled); it was 1,386 turns written, all of them
    labelled already. The example redraws them, asked for (without it, it always failed)."""
    r = run_cli("label", "sample-turns", "--help")
    example = ("wbcs label sample-turns --part train --kind other_first_post --size 100000 --include-committed "
               "--out out/rest.csv")
    assert example in r.stdout
    r = run_cli(*example.replace(" --include-committed", "").split()[1:], cwd=tmp_path)
    line = one_error(r, "label")
    assert "no customer turn left to sample" in line and "committed samples" in line and "sample-posts" in line
    assert not (tmp_path / "out" / "rest.csv").exists()
    # the example: the same 1,386 turns, every one in a committed sample
    r = run_cli(*example.split()[1:], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    drawn = read_sample(tmp_path / "out" / "rest.csv")
    assert len(drawn) == 1386 and set(drawn) <= _committed()


def test_the_sample_help_example_never_draws_a_labelled_post(tmp_path, mirror):
    """`wbcs label sample`'s example excluded gold_sample.csv only: it drew 100 posts of gold_sample_2.csv. Without
    the --include-committed it has now (a redraw, asked for), nothing is left."""
    r = run_cli("label", "sample", "--help")
    example = next(line.strip() for line in r.stdout.splitlines() if line.strip().startswith("wbcs label sample "))
    assert " --include-committed" in example
    r = run_cli(*example.replace(" --include-committed", "").split()[1:], cwd=tmp_path)
    line = one_error(r, "label")
    assert "every one of the 1964 candidate posts" in line and "committed samples" in line, line
    assert "sample-posts" in line and not (tmp_path / "out").exists()
    r = run_cli("label", "sample", "--out", str(tmp_path / "g.csv"), "--size", "7", "--include-committed")
    assert r.returncode == 0, r.stderr
    assert len(read_sample(tmp_path / "g.csv")) == 7


def _demo(out, *args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wbcs.demo", "--out", str(out), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def test_the_demo_never_replaces_a_label_store_or_files_it_did_not_write(tmp_path):
    from wbcs.labeling.store import LabelStore

    out = tmp_path / "out"
    out.mkdir()
    with LabelStore(out / "labels.sqlite") as store:  # an annotator's labels, recorded in out/
        store.record("101", "sentiment", "neutral", "ann1")
    before = (out / "labels.sqlite").read_bytes()
    line = one_error(_demo(out, "--smoke"))
    assert line == (f"python -m wbcs.demo: --out {out}: {out / 'labels.sqlite'} is a label store the demo did "
                    "not write; give an empty or new --out folder (the default is out/demo)"), line
    assert (out / "labels.sqlite").read_bytes() == before and sorted(p.name for p in out.iterdir()) == [
        "labels.sqlite"]
    quickstart = tmp_path / "q"
    quickstart.mkdir()
    (quickstart / "report.html").write_text("<html>mine</html>", encoding="utf-8")
    line = one_error(_demo(quickstart, "--smoke"))
    assert line == (f"python -m wbcs.demo: --out {quickstart}: holds files the demo did not write "
                    f"({quickstart / 'report.html'}); give an empty or new --out folder (the default is out/demo)")
    assert (quickstart / "report.html").read_text(encoding="utf-8") == "<html>mine</html>"


@pytest.mark.slow
def test_the_demo_runs_again_into_its_own_folder(tmp_path):
    out = tmp_path / "demo"  # absent: made
    for _ in range(2):
        r = _demo(out, "--smoke")
        assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "labels.sqlite").is_file() and (out / "report.html").is_file()
    from wbcs.labeling.store import LabelStore

    with LabelStore(out / "labels.sqlite") as store:  # a label recorded in the demo's store is never lost
        store.record("101", "sentiment", "neutral", "me")
    assert "labels were recorded there since" in one_error(_demo(out, "--smoke"))
    with LabelStore(out / "labels.sqlite", readonly=True) as store:
        assert store.labels_of("me", "101") == {"sentiment": "neutral"}
