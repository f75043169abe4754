"""notebooks/03-train-classifier.ipynb runs headless in smoke mode."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import run_notebook


@pytest.mark.notebook
def test_notebook_03_runs(tmp_path, mirror):
    run_notebook("03-train-classifier.ipynb", tmp_path)
    card = tmp_path / "03-train-classifier" / "models" / "wbcs-default" / "1" / "MODEL_CARD.md"  # OUT/<notebook>
    assert card.is_file() and "smoke build" in card.read_text(encoding="utf-8")
    # the topic's error analysis: its per-topic table and its worst confusions, with masked example posts
    cells = json.loads((tmp_path / "03-train-classifier.ipynb").read_text(encoding="utf-8"))["cells"]
    topic = next(c for c in cells if 'fitted["topic"]' in "".join(c["source"]))
    shown = [("".join(o["data"]["text/html"]) if "text/html" in o.get("data", {}) else "") for o in topic["outputs"]]
    assert len(shown) == 2 and "recall" in shown[0] and "broadband" in shown[0]
    assert "share_of_true" in shown[1] and "examples" in shown[1]
    # no progress residue: finished bars' widgets leave nothing ('choosing a configuration: 0%| 0/7' in the saved
    # notebook, "model not found" in Voilà), nor transformers' own bars and LOAD REPORT
    saved = json.dumps([o for c in cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "application/vnd.jupyter.widget-view+json" not in saved
    for residue in (r"(?<![\d.])0%\|", "model not found", "LOAD REPORT", "Loading weights", "Writing model shards"):
        assert not re.search(residue, saved), (residue, saved[:3000])
