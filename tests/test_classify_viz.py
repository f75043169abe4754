"""The classifier's plotly figures carry the numbers they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.classify.evaluate import metrics, reliability_table
from wbcs.errors import InputError
from wbcs.viz import classify as viz
from wbcs.viz.figure import text_width


def test_confusion_matrix_rows_normalised():
    report = metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    fig = viz.confusion_matrix(report)
    # row a: 1 right, 1 wrong → 0.5 / 0.5; row b: 2 right → 0 / 1
    np.testing.assert_allclose(fig.data[0].z, [[0.5, 0.5], [0.0, 1.0]])
    assert fig.data[0].text[0][0] == "1<br>50%"
    np.testing.assert_allclose(viz.confusion_matrix(report, normalize=False).data[0].z, [[1, 1], [0, 2]])
    with pytest.raises(InputError, match="confusion"):
        viz.confusion_matrix({"accuracy": 1})


def test_reliability_learning_curve_and_comparison():
    table = reliability_table(["a", "b"], [[0.9, 0.1], [0.4, 0.6]], ["a", "b"], n_bins=10)
    fig = viz.reliability_diagram(table, ece=0.25)
    assert list(fig.data[1].y) == [1.0, 1.0] and "ECE 0.250" in fig.layout.title.text
    lc = pd.DataFrame({"n_labels": [100, 1000] * 2, "macro_f1": [0.6, 0.7, 0.65, 0.72], "model": ["x", "x", "y", "y"]})
    assert len(viz.learning_curve(lc).data) == 2
    cmp = pd.DataFrame({"task": ["s", "s", "c", "c"], "model": ["peer", "ours"] * 2, "macro_f1": [0.7, 0.75, 0.8, 0.82]})
    fig = viz.model_comparison(cmp, baseline="peer")
    assert len(fig.layout.shapes) == 2  # one reference line per task
    assert sorted(x for d in fig.data for x in d.x) == [0.7, 0.75, 0.8, 0.82]
    with pytest.raises(InputError, match="missing column 'model'"):
        viz.model_comparison(cmp.drop(columns="model"))


def test_confusion_matrix_is_wide_enough_for_its_title_and_says_n():
    report = metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    fig = viz.confusion_matrix(report, title="negative_subtype: held-out confusion matrix 混淆矩阵")
    title = fig.layout.title.text
    assert title.endswith("· n = 4")
    assert fig.layout.width >= text_width(title, viz.TITLE_SIZE) + fig.layout.margin.l / 2


def test_learning_curve_ticks_are_the_sizes_measured():
    lc = pd.DataFrame({"n_labels": [50, 100, 200, 400, 1600], "macro_f1": [0.3, 0.4, 0.5, 0.55, 0.6]})
    axis = viz.learning_curve(lc).layout.xaxis
    assert axis.type == "log" and list(axis.tickvals) == [50, 100, 200, 400, 1600]
    assert list(axis.ticktext) == ["50", "100", "200", "400", "1,600"]
    assert "sd" not in viz.learning_curve(lc).layout.title.text and viz.learning_curve(lc).data[0].error_y.array is None
    two = pd.concat([lc.assign(model="topic"), lc.assign(model="intent", n_labels=[60, 110, 800, 1658, 6634])])
    assert list(viz.learning_curve(two).layout.xaxis.tickvals) == [50, 100, 200, 400, 800, 1600, 6634]  # 60, 110, 1,658: too close
    assert viz.learning_curve(two).layout.yaxis.title.text == "macro-F1"
    bars = viz.learning_curve(lc.assign(macro_f1_sd=[0.02, 0.03, 0.01, 0.01, 0.0]))
    assert list(bars.data[0].error_y.array) == [0.02, 0.03, 0.01, 0.01, 0.0] and "±1 sd" in bars.layout.title.text


def test_model_comparison_starts_at_zero_with_intervals_and_a_labelled_reference():
    cmp = pd.DataFrame({"task": ["s", "s"], "model": ["peer", "ours"], "macro_f1": [0.70, 0.75],
                        "macro_f1_ci_low": [0.66, 0.71], "macro_f1_ci_high": [0.74, 0.79], "n_test": [500, 500]})
    fig = viz.model_comparison(cmp, baseline="peer")
    assert list(fig.layout.xaxis.range) == [0, 1]
    bars = fig.data[0]
    np.testing.assert_allclose(sorted(bars.error_x.array), [0.04, 0.04])
    assert "bars: 95% intervals" in fig.layout.title.text and "(n = 500)" in bars.text[0]
    assert any(a.text == "peer 0.700" for a in fig.layout.annotations)
    # the value sits at the bar's foot: outside the bar the whisker crossed it (seen in the browser)
    assert bars.textposition == "inside" and bars.insidetextanchor == "start"
    bare = viz.model_comparison(cmp[["task", "model", "macro_f1"]])
    assert "no intervals given" in bare.layout.title.text and bare.data[0].textposition == "outside"
