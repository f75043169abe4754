"""The corrected-shares chart's subtitle at an 800 px window: wrapped at 110 characters where it was made and again by
fit_title at the chart's width, it read in stubs ("card's cross-" / "validation …") in the dashboard's Corrected tab."""

from __future__ import annotations

import pandas as pd

from wbcs.viz import kpi as vk
from wbcs.viz.figure import fit_title

NOTE = ("300 of 300 posts were the model's training texts: counted, not corrected, because the model's cross-validated "
        "errors are not its errors on texts it learnt (their interval: the per-label error the card's cross-validation "
        "measured on texts it had not learnt)")


def shares() -> pd.DataFrame:
    t = pd.DataFrame({"label": ["network", "billing"], "n": [6, 4], "raw_share": [0.6, 0.4],
                      "corrected_share": [0.6, 0.4], "lo": [0.3, 0.1], "hi": [0.9, 0.7]})
    t.attrs.update(by_model=300, given=0, method="CC", corrected=False, note=NOTE)
    return t


def test_the_subtitle_is_one_line_until_the_chart_has_a_width():
    title = vk.corrected_share_bar(shares(), "topic").layout.title.text
    assert title.split("<br>") == ["topic shares as counted, not corrected 未校正 — 300 model labels",
                                   f"<sup>{NOTE}</sup>"]


def test_the_subtitle_fills_its_lines_at_an_800_px_window():
    """The dashboard's chart at an 800 px window is 760 px wide (the tabs' 800 less PANEL_INSET). A subtitle line is
    drawn at 0.7 × 17 px and starts at 5 % of the width: 760 × 0.95 / 11.9 = 60.7 em, 101 Latin characters at 0.6 em.
    "300 … the model's" is 93 characters, and " cross-validated" would make it 109; "cross-validated … per-label
    error the" 100, and " card's" 107."""
    fig = fit_title(vk.corrected_share_bar(shares(), "topic"), 760)
    assert fig.layout.title.text.split("<br>")[1:] == [
        "<sup>300 of 300 posts were the model's training texts: counted, not corrected, because the model's</sup>",
        "<sup>cross-validated errors are not its errors on texts it learnt (their interval: the per-label error the"
        "</sup>",
        "<sup>card's cross-validation measured on texts it had not learnt)</sup>"]
