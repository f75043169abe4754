"""Notebook 06's sections 4 (the alternatives offered once the team's reply is in the store) and 5 (the weakest
replies of a log) show every text whole and left-aligned, as sections 2-3 do: they were pandas tables that cut a
reply at 50 characters with "…" and right-aligned it (the audit's page_03/page_04 screenshots in Chromium)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import cell_with, executed_cells, html_of, run_notebook, table_rows


@pytest.fixture(scope="module")
def cells(tmp_path_factory) -> list[dict]:
    tmp_path = tmp_path_factory.mktemp("nb06")
    run_notebook("06-reply-drafts.ipynb", tmp_path)
    return executed_cells(tmp_path, "06-reply-drafts.ipynb")


def _table(cell: dict) -> tuple[str, list[list[str]]]:
    html = html_of(cell)
    assert "text-align: left" in html and "min-width: 24em" in html and "white-space: pre-line" in html
    rows = table_rows(html)
    assert rows[0][-1] == "text" and len(rows[0]) == 3  # one column of text beside the item and what it is
    return html, rows[1:]


@pytest.mark.notebook
def test_the_alternatives_are_whole_texts_one_a_row(cells):
    _, rows = _table(cell_with(cells, "again = make_drafter(store=store, k=3)"))
    assert len(rows) == 3 and [r[0].split("\n")[0] for r in rows] == ["alt1", "alt2", "alt3"]
    assert all(r[1] == "real reply 参考回复" for r in rows)
    # the team's reply, which the notebook made its own by adding 我们会一直跟进。, is there to its end
    team = [r for r in rows if "source: team:" in r[0]]
    assert team and team[0][-1].endswith("我们会一直跟进。")
    assert not any(r[-1].endswith(("…", "...")) for r in rows)


@pytest.mark.notebook
def test_the_weakest_replies_are_whole_texts_with_their_posts(cells, mirror):
    from wbcs.datasets import load_stc3
    from wbcs.text import mask_pii

    html, rows = _table(cell_with(cells, "scored = flag_weak("))
    replies = load_stc3(telecom_only=True).set_index("post_id")["reply_text"]
    # rows: the first of each item carries its name (3 cells), the next only "what" and the text (2 cells)
    items, what = [], None
    for r in rows:
        if len(r) == 3:
            what = r[0].split("\n")[0]
        if r[-2] == "reply 公开回复":
            items.append((what, r[-1]))
    assert len(items) == 5
    for post_id, text in items:
        assert text == mask_pii(replies[post_id]), post_id  # whole
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # masked
