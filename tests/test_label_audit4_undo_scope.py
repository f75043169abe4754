"""Undo and redo in the widget stay within the widget's own items (Backspace undid labels of a file imported
earlier, of items the widget did not show; a label recorded elsewhere broke the widget's redo)."""

from __future__ import annotations

import pandas as pd

from wbcs.labeling.controller import LabelingController
from wbcs.labeling.store import LabelStore

ITEMS = pd.DataFrame({"item_id": ["w1", "w2"], "text": ["宽带断网三天了", "谢谢客服"]})


def test_undo_never_reaches_items_the_widget_does_not_show(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        store.record_many([{"item_id": "imported", "field": "sentiment", "value": "negative", "annotator": "ann1"},
                           {"item_id": "imported", "field": "negative_subtype", "value": "abuse",
                            "annotator": "ann1"}], source="import:a1.csv sha256:0000000000000000")
        c = LabelingController(ITEMS, store, "ann1", auto_advance=False)
        c.label("sentiment", "positive")
        c.undo()
        assert c.labels("w1") == {}
        c.undo()  # nothing left of the widget's own: the imported labels stay
        assert "nothing to undo" in c.message
        assert store.labels_of("ann1", "imported") == {"sentiment": "negative", "negative_subtype": "abuse"}
        c.redo()
        assert c.labels("w1") == {"sentiment": "positive"}


def test_a_label_recorded_elsewhere_leaves_the_widgets_redo_be(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        c = LabelingController(ITEMS, store, "ann1", auto_advance=False)
        c.label("sentiment", "positive")
        c.label("intent", "praise")
        c.undo()
        c.undo()
        store.record("elsewhere", "sentiment", "neutral", "ann1")  # another session of ann1's, or an import
        c.redo()
        c.redo()
        assert c.labels("w1") == {"sentiment": "positive", "intent": "praise"}
        c.undo()
        c.label("topic", "service")  # a new label of the widget's own: what was undone is no longer redone
        c.redo()
        assert "nothing to redo" in c.message and c.labels("w1") == {"sentiment": "positive", "topic": "service"}
