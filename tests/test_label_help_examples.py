"""Every ``wbcs label <cmd> --help`` example runs on the shipped data from a fresh checkout; a re-export never
resets an annotator's filled labels file."""

from __future__ import annotations

import shlex

import pytest

from tests.helpers import one_error, run_cli
from tests.test_cli_examples import _commands, _examples
from wbcs.cli import build_parser
from wbcs.config import ROOT

# The examples that read only shipped data (the committed samples and STC-3 from the mirror), run here: ~4 s each.
# They printed "nothing is left to sample" (exit 2) once every STC-3 item was in a committed sample.
RUN = ["label sample", "label split", "label sample-turns", "label batch-export"]
# The other label commands' examples, not run here, and why.
SKIPPED = {
    # need a user file: out/posts.parquet (README's 'wbcs ingest data/examples/weibo_export.csv --out
    # out/posts.parquet') and what the walk-through in this --help makes from it
    "label sample-posts": "user file",
    # the store examples: run in order after 'label rebuild' (~30 s) by test_cli_examples'
    # test_offline_examples_run_on_a_fresh_clone (slow)
    "label": "store", "label rebuild": "store", "label import": "store", "label status": "store",
    "label export": "store", "label agreement": "store", "label disagreements": "store", "label consensus": "store",
    "label issues": "store and a minute of out-of-fold models",
}


def test_every_label_command_is_run_or_skipped_with_a_reason():
    label = {name for name in _commands(build_parser()) if name.split()[0] == "label"}
    assert label == set(RUN) | set(SKIPPED)


@pytest.mark.parametrize("name", RUN)
def test_the_help_examples_run_on_the_shipped_data(tmp_path, mirror, name):
    """Run from a folder of one's own: out/ is written there, data/... is the package's (``shipped_input``)."""
    examples = _examples(_commands(build_parser())[name])
    assert examples
    for line in examples:
        r = run_cli(*shlex.split(line)[1:], cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
        assert r.returncode == 0, f"{line}\n{r.stderr[-2000:]}"


def _export(folder, out):
    return run_cli("label", "batch-export", "--sample", "s.csv", "--posts", "posts.csv", "--out", out, "--size", "2",
                   cwd=folder, env={"PYTHONPATH": str(ROOT)})


def test_batch_export_never_replaces_a_labels_file_an_annotator_filled(tmp_path):
    """Run twice into one --out: the templates as batch-export wrote them are replaced; once an annotator has
    filled one in place, the second run is refused (exit 2, one line: the file, its 3 filled labels, what to do)
    and writes nothing."""
    (tmp_path / "posts.csv").write_text("post_id,created_at,text\n101,2024-05-01 10:00,宽带断了三天\n"
                                        "102,2024-05-01 11:00,话费多扣了\n103,2024-05-01 12:00,谢谢客服\n",
                                        encoding="utf-8")
    (tmp_path / "s.csv").write_text("post_id\n101\n102\n103\n", encoding="utf-8")
    assert _export(tmp_path, "b").returncode == 0
    r = _export(tmp_path, "b")  # nothing filled yet: replaced
    assert r.returncode == 0 and "wrote 2 batches" in r.stdout, r.stderr
    labels = tmp_path / "b" / "batch_002.labels.csv"
    header = labels.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "item_id,sentiment,intent,topic,negative_subtype,identifiable"
    labels.write_text(f"{header}\n103,neutral,praise,other,,\n", encoding="utf-8")  # 3 cells filled, the rest left
    before = {f.name: f.read_bytes() for f in (tmp_path / "b").iterdir()}
    line = one_error(_export(tmp_path, "b"), "label")
    assert line == ("wbcs label: error: b/batch_002.labels.csv: holds 3 filled labels; batch-export would replace it "
                    "with an empty template, so nothing was written: import it first ('wbcs label import "
                    "b/batch_002.labels.csv --annotator NAME') and move it out of b, or choose another --out"), line
    assert {f.name: f.read_bytes() for f in (tmp_path / "b").iterdir()} == before  # not even batch_001 rewritten
    assert _export(tmp_path, "b2").returncode == 0  # another --out: fine
