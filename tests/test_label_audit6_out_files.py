"""export, consensus and disagreements --out never write over an annotator's filled file of labels the store lacks
(a wide batch file not imported yet): exit 2, one line, the file as it was. Files whose labels the store holds (an
earlier export, consensus or queue) are written again."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from tests.test_labeling_integrity import ANN1, two_passes  # noqa: F401 (a fixture)


def _args(cmd, store, sample, out):
    return {"export": ["label", "export", "--store", str(store), "--out", str(out)],
            "consensus": ["label", "consensus", "--store", str(store), "--sample", str(sample), "--out", str(out)],
            "disagreements": ["label", "disagreements", "--store", str(store), "--sample", str(sample), "--no-text",
                              "--out", str(out)]}[cmd]


@pytest.mark.parametrize("cmd", ["export", "consensus", "disagreements"])
def test_a_filled_file_not_imported_is_never_written_over(tmp_path, two_passes, cmd):  # noqa: F811
    sample, store = two_passes
    filled = tmp_path / "filled.csv"  # ann3's labels: 102's topic is nobody's in the store
    filled.write_text(ANN1.replace("102,neutral,consultation,billing", "102,neutral,consultation,tariff"),
                      encoding="utf-8")
    before = filled.read_bytes()
    r = run_cli(*_args(cmd, store, sample, filled))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
    assert f"{filled}: holds labels not in the store (row 2: item 102, topic = 'tariff')" in r.stderr
    assert f"import it first ('wbcs label import {filled} --annotator NAME --store {store}" in r.stderr
    assert filled.read_bytes() == before


@pytest.mark.parametrize("cmd", ["export", "consensus", "disagreements"])
def test_a_file_of_labels_the_store_holds_is_written_again(tmp_path, two_passes, cmd):  # noqa: F811
    sample, store = two_passes
    out = tmp_path / "out.csv"
    for _ in range(2):  # its own output, then the same again
        r = run_cli(*_args(cmd, store, sample, out))
        assert r.returncode == 0, r.stderr
    imported = tmp_path / "ann1.csv"  # ann1's file, imported: nothing lost
    before = imported.read_bytes()
    r = run_cli(*_args(cmd, store, sample, imported))
    assert r.returncode == 0 and imported.read_bytes() != before, r.stderr
