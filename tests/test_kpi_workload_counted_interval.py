"""A counted mix keeps the interval the card's cross-validation gives the counts (wbcs.kpi.workload): nb04 §8 showed
lo/hi NaN for every kind on STC-3's posts (the shipped model's own training texts, counted with an interval widened
by the card's CV error) while its note announced that interval."""

import numpy as np
import pandas as pd
import pytest

from tests.test_kpi_workload import _model_labelled
from wbcs.kpi.quantify import corrected_table
from wbcs.kpi.workload import workload


def _learnt(rmse: list[float]) -> pd.DataFrame:
    """The 60 posts of ``_model_labelled`` (45 complaints, 15 consultations), all texts the model was trained on,
    by a model whose card's CV measured a per-label error of ``rmse`` (complaint, consultation)."""
    posts = _model_labelled(["complaint", "consultation"], [[100, 0], [0, 100]])
    posts["intent_learnt"] = True
    posts.attrs["classified"] = {"quantify": {"intent": {"labels": ["complaint", "consultation"],
                                                         "chosen": {"all": {"rmse": rmse}}}}}
    return posts


def test_a_counted_mix_carries_the_counts_interval():
    posts = _learnt([0.05, 0.05])
    w = workload(posts, n_boot=400)
    mix = w.mix.set_index("kind")
    assert w.method == "counted" and "their interval" in w.note
    assert mix["share"].to_dict() == pytest.approx(
        {"consultation": 0.25, "complaint": 0.75, "vague_negative": 0.0, "abuse": 0.0, "praise": 0.0})
    assert mix[["lo", "hi"]].notna().all().all()
    # one kind per intent here, so each kind's interval is its intent's, drawn from the same stream
    intent = corrected_table(posts, "intent", n_boot=400, seed=0).set_index("label")
    for kind in ("complaint", "consultation"):
        assert (mix.loc[kind, "lo"], mix.loc[kind, "hi"]) == pytest.approx(
            (intent.loc[kind, "lo"], intent.loc[kind, "hi"]))
        assert mix.loc[kind, "lo"] < mix.loc[kind, "share"] < mix.loc[kind, "hi"]
    assert mix.loc["praise", "lo"] == mix.loc["praise", "hi"] == 0.0  # no praise, and none in any draw
    assert "consultation 0.25 [" in w.summary()


def test_counts_the_cv_found_exact_have_a_zero_width_interval():
    # hand-checked: a CV error of 0 leaves every draw at the counted 45/60 and 15/60
    mix = workload(_learnt([0.0, 0.0]), n_boot=50).mix.set_index("kind")
    assert mix.loc["complaint", ["lo", "share", "hi"]].tolist() == pytest.approx([0.75] * 3)
    assert mix.loc["consultation", ["lo", "share", "hi"]].tolist() == pytest.approx([0.25] * 3)


def test_a_persons_labels_have_no_interval_and_the_note_says_so():
    w = workload(_learnt([0.05, 0.05]).assign(intent_source="label"))
    assert w.mix[["lo", "hi"]].isna().all().all() and w.note.startswith("the intent shares are counted") \
        and "no interval" in w.note
    assert np.isnan(w.mix["lo"]).all() and "[" not in w.summary().splitlines()[1]
