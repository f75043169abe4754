"""notebooks/06-reply-drafts.ipynb runs headless in smoke mode and writes its drafts."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import run_notebook


@pytest.fixture(scope="module")
def drafts(tmp_path_factory) -> pd.DataFrame:
    tmp_path = tmp_path_factory.mktemp("nb06")
    run_notebook("06-reply-drafts.ipynb", tmp_path)
    return pd.read_csv(tmp_path / "06-reply-drafts" / "drafts.csv", dtype=str, keep_default_na=False)


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
