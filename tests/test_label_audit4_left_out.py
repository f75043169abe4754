"""agreement, disagreements and consensus say how many labelled items of the store are in no --sample (status
counted them; these left them out unsaid)."""

from __future__ import annotations

import json

import pytest

from wbcs.cli import main
from wbcs.labeling.store import LabelStore

NOTE = "left out: 1 items of {store} in no --sample (give their sample with --sample)"


@pytest.fixture
def setup(tmp_path):
    sample, store = tmp_path / "sample.csv", tmp_path / "s.sqlite"
    sample.write_text("item_id,fields\n101,sentiment\n102,sentiment\n")
    with LabelStore(store) as s:
        for item, a, b in [("101", "neutral", "neutral"), ("102", "neutral", "negative"), ("999", "positive", "neutral")]:
            s.record(item, "sentiment", a, "ann1")
            s.record(item, "sentiment", b, "ann2")
    return sample, store


def test_agreement_says_what_it_left_out_and_keeps_its_json_clean(setup, capsys):
    sample, store = setup
    assert main(["label", "agreement", "--store", str(store), "--sample", str(sample), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["sentiment"]["n"] == 2 and NOTE.format(store=store) in err


@pytest.mark.parametrize("cmd", ["disagreements", "consensus"])
def test_disagreements_and_consensus_say_it_too(setup, capsys, tmp_path, cmd):
    sample, store = setup
    args = ["label", cmd, "--store", str(store), "--sample", str(sample), "--out", str(tmp_path / f"{cmd}.csv")]
    assert main(args + (["--no-text"] if cmd == "disagreements" else [])) == 0
    out, err = capsys.readouterr()
    assert NOTE.format(store=store) in err, out + err
