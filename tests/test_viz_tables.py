"""Notebook tables of long texts (wbcs.viz.tables.one_text_per_row, shared by notebooks 03 and 06): nb03 §8 showed
its labelled posts as nine columns, the Chinese text squeezed to 4–5 characters a line in JupyterLab."""

import json
from pathlib import Path

import pandas as pd

from wbcs.viz.tables import one_text_per_row

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_one_text_per_row_puts_each_text_under_its_rows_columns():
    frame = pd.DataFrame({"post_id": ["p1", "p2"], "intent": ["complaint (0.47)", "—"],
                          "text": ["宽带又断了<b>", None], "draft": ["您好", "亲"]})
    styled = one_text_per_row(frame, ["post_id", "intent"], {"text": "post 帖子", "draft": "draft"})
    assert styled.data.index.tolist() == [("p1\nintent: complaint (0.47)", "post 帖子"),
                                          ("p1\nintent: complaint (0.47)", "draft"),
                                          ("p2\nintent: —", "post 帖子"), ("p2\nintent: —", "draft")]
    texts = styled.data["text"]
    assert texts.iloc[[1, 3]].tolist() == ["您好", "亲"] and pd.isna(texts.iloc[2])
    html = styled.to_html()
    assert "宽带又断了&lt;b&gt;" in html and "<b>" not in html  # shown as text, never as markup
    assert "white-space: pre-line" in html and html.count("—") >= 2  # the missing text shown as —


def _sources(name: str) -> str:
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_notebooks_03_and_06_show_posts_through_the_one_helper():
    for name in ("03-train-classifier.ipynb", "06-reply-drafts.ipynb"):
        code = _sources(name)
        assert "from wbcs.viz.tables import one_text_per_row" in code and "def one_text_per_row" not in code, name
    # nb03 §8: the labelled posts one a row, not nine columns with the text squeezed into one of them
    assert "one_text_per_row(shown" in _sources("03-train-classifier.ipynb")
