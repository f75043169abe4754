"""batch-export into a folder of an earlier export with more batches: the batches beyond the new count stayed, and
their items, in the new batches too, would have been labelled twice. Refused, naming them."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from tests.test_labeling_batch import _posts
from wbcs.errors import InputError
from wbcs.labeling.batch import export_batches, items_for


def test_an_export_with_fewer_batches_refuses_the_earlier_ones_left_over(tmp_path):
    items = items_for(_posts())
    export_batches(items, tmp_path, size=1)  # 3 batches
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    with pytest.raises(InputError, match=r"holds 4 batch files of an earlier export beyond the 1 batches of this "
                                         r"one \(batch_002\.jsonl, batch_002\.labels\.csv, batch_003\.jsonl, "
                                         r"batch_003\.labels\.csv\).*nothing was written"):
        export_batches(items, tmp_path, size=3)
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before
    assert [f.name for f in export_batches(items, tmp_path, size=1)] == [f"batch_00{k}.jsonl" for k in (1, 2, 3)]
    (tmp_path / "notes_batch_009.jsonl").write_text("")  # not a batch file of ours
    assert len(export_batches(items, tmp_path, size=1)) == 3


def test_cli_batch_export_says_it_in_one_line_with_exit_2(tmp_path):
    out = tmp_path / "batches"
    out.mkdir()
    (out / "batch_002.jsonl").write_text("")
    (out / "batch_002.labels.csv").write_text("item_id,sentiment\n")
    sample = tmp_path / "sample.csv"
    sample.write_text("post_id\n101\n102\n103\n")
    r = run_cli("label", "batch-export", "--sample", str(sample), "--posts", str(tmp_path / "posts.csv"),
                "--out", str(out), "--size", "50")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "batch_002.jsonl, batch_002.labels.csv" in r.stderr and "export into a new folder" in r.stderr
