"""The classifier's plotly figures carry the numbers they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.classify.evaluate import metrics, reliability_table
from wbcs.errors import InputError
from wbcs.viz import classify as viz


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
