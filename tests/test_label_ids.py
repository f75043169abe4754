"""``wbcs.io.ingest.label_ids``: the one reading of a label column as the taxonomy's ids, which ingest, predict's
``read_labels``, ``wbcs evaluate`` and the trainer's ``taxonomy_labels`` share (each had a copy of it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.io.ingest import label_ids


def test_label_ids_reads_every_spelling_of_a_label_and_leaves_the_rest_missing():
    values = pd.Series(["负面", "NEGATIVE", " Positive ", "neutral", " 中性 ", "negativ", "", "  ", None, np.nan],
                       index=range(10, 20))
    ids = label_ids(values, "sentiment")
    assert ids.index.tolist() == list(range(10, 20))  # the rows as given, none dropped
    assert ids.tolist() == ["negative", "negative", "positive", "neutral", "neutral", None, None, None, None, None]


def test_label_ids_reads_identifiable_as_yes_or_no():
    values = pd.Series(["是", "否", " YES ", "no", "1", "0", "true", "maybe", "", None])
    assert label_ids(values, "identifiable").tolist() == ["yes", "no", "yes", "no", "yes", "no", "yes", None, None,
                                                          None]
