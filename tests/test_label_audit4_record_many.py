"""record_many is linear in its rows: _settle looped over every given row per (annotator, item), and 8,000 rows
took 21.5 s (150,000 more than 10 minutes)."""

from __future__ import annotations

import time

import pytest

from wbcs.errors import InputError
from wbcs.labeling.store import LabelStore


def test_record_many_of_12000_labels_takes_seconds_not_minutes(tmp_path):
    rows = [{"item_id": f"p{i}", "field": "sentiment", "value": ("negative", "neutral")[i % 2], "annotator": "ann1"}
            for i in range(12_000)]
    with LabelStore(tmp_path / "s.sqlite") as store:
        t = time.perf_counter()
        store.record_many(rows)
        took = time.perf_counter() - t  # about 0.2 s here, the quadratic loop 18 s
        assert len(store.current()) == 12_000
    assert took < 6, f"record_many of 12,000 rows took {took:.1f} s"


def test_record_many_still_refuses_a_subtype_its_own_rows_rule_out(tmp_path):
    rows = [{"item_id": "p1", "field": "negative_subtype", "value": "abuse", "annotator": "ann1"},
            {"item_id": "p2", "field": "sentiment", "value": "negative", "annotator": "ann1"},
            {"item_id": "p1", "field": "sentiment", "value": "neutral", "annotator": "ann1"}]
    with LabelStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(InputError, match=r"item p1, field 'negative_subtype': 'abuse' given but ann1's "
                                             r"sentiment is 'neutral'"):
            store.record_many(rows)
        assert store.history().empty  # all or nothing
        store.record_many(rows[1:] + [{**rows[0], "item_id": "p2"}])
        assert store.labels_of("ann1", "p2") == {"sentiment": "negative", "negative_subtype": "abuse"}
