"""notebooks/06-reply-drafts.ipynb runs headless in smoke mode and writes its drafts."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import cell_with, executed_cells, html_of, run_notebook, table_rows


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """The folder the notebook was run in, once for the module."""
    tmp_path = tmp_path_factory.mktemp("nb06")
    run_notebook("06-reply-drafts.ipynb", tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def drafts(ran) -> pd.DataFrame:
    return pd.read_csv(ran / "06-reply-drafts" / "drafts.csv", dtype=str, keep_default_na=False)


@pytest.mark.notebook
def test_notebook_runs_headless(drafts):
    routed = drafts["route"] != "monitor"
    assert routed.any() and drafts.loc[routed, "passes"].eq("True").all()


@pytest.mark.notebook
def test_the_alternatives_it_offers_answer_posts_of_the_same_topic(drafts, mirror):
    """The audit found off-topic alternatives in smoke mode (a broadband answer to a tariff complaint)."""
    from wbcs.reply.index import stc3_corpus

    topic_of = stc3_corpus(telecom_only=True).set_index("source_id")["topic"]
    pairs = pd.concat([drafts[["topic", f"alt{a}_source"]].set_axis(["topic", "source"], axis=1) for a in (1, 2, 3)])
    pairs = pairs[pairs["source"].str.startswith("stc3:") & pairs["topic"].ne("")]
    assert len(pairs) > 100
    assert (pairs["source"].map(topic_of) == pairs["topic"]).mean() > 0.95  # before: about half


@pytest.mark.notebook
def test_each_long_text_is_a_row_of_its_own_masked(ran):
    """Five Chinese text columns side by side wrapped at 2-5 characters a line at 1400 px (the fifth audit)."""
    cells = executed_cells(ran, "06-reply-drafts.ipynb")
    for code, texts in [("head = mask_frame(drafts", ["post 帖子", "draft 公开回复", "DM 私信", "best real reply"]),
                        ("team = team_replies(store)", ["post 帖子", "reply 公开回复", "DM 私信"])]:
        html = html_of(cell_with(cells, code))
        rows = table_rows(html)
        assert rows[0][-1] == "text" and len(rows[0]) == 3  # one column of text beside the item and what it is
        named = [r[-2] for r in rows[1:]]
        assert len(named) % len(texts) == 0 and len(named) > len(texts)
        assert all(n.startswith(t) for n, t in zip(named, texts * (len(named) // len(texts)), strict=True))
        assert "min-width: 24em" in html and "white-space: pre-line" in html
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # phone numbers masked, as before
