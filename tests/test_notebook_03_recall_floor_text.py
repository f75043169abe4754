"""Notebook 03 §2 says why its configuration search chooses the recall floor's row at a lower macro-F1 (smoke run:
"lr C=16 + recall floor consultation ≥ 0.6" chosen at 0.397 against 0.434 for plain lr C=16, unexplained)."""

import json
from pathlib import Path

from wbcs.schema import load_taxonomy

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03-train-classifier.ipynb"


def test_section_2_explains_the_recall_floor_the_taxonomy_sets():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    section = next("".join(c["source"]) for c in cells
                   if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("## 2 "))
    floors = load_taxonomy()["intent"].floors()
    assert floors, "the taxonomy sets no intent floor: §2 has nothing to explain"
    for label, floor in floors.items():
        assert f"recall floor {label} ≥ {floor:g}" in section  # the row's name, as the table shows it
    assert "min_recall" in section and "requirement, not a candidate" in section and "macro-F1" in section
