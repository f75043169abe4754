"""notebooks/05-kpi-dashboard.ipynb shows its monthly table as every surface writes indicators (an audit's finding):
its last cell displayed ``by_month`` raw (0.6667, -0.2, 90.0), where ``wbcs kpi``, the cards and the report write
66.7%, -0.20 and 1.5 h (``wbcs.kpi.indicators.format_indicator``). The notebook's run is tests/test_kpi_notebook.py."""

from __future__ import annotations

import json

from wbcs.config import ROOT


def test_the_monthly_table_is_displayed_formatted():
    nb = json.loads((ROOT / "notebooks" / "05-kpi-dashboard.ipynb").read_text(encoding="utf-8"))
    cell = next("".join(c["source"]) for c in nb["cells"] if "display(by_month" in "".join(c["source"]))
    assert "from wbcs.kpi.indicators import format_indicator" in cell
    shown = cell[cell.index("display(by_month"):]
    assert "format_indicator(k, v)" in shown and 'strftime("%Y-%m")' in shown
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")  # committed without outputs
