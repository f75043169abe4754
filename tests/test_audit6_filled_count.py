"""``predict_posts`` counts the cells the model filled, not the cells that were empty: a negative subtype predicted
for a post whose final sentiment is neutral or positive is blanked (it applies to negative posts only), so it was not
filled. The report's notes and `wbcs hot --json` read this count; they said 9 subtypes of the first-day example's 9
posts where 7 had one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.classify import PostClassifier, predict_posts
from wbcs.classify.multi import fingerprint
from wbcs.viz.kpi import label_sources


class Stub:
    """A field's model whose label is the one its ``rule`` gives each text (probability 0.9), as fitted on ``seen``."""

    def __init__(self, classes, rule, seen=()):
        self.classes_ = np.array(classes)
        self.rule = rule
        self.learnt_ = fingerprint(list(seen))

    def predict_proba(self, texts):
        p = np.full((len(texts), len(self.classes_)), 0.1 / (len(self.classes_) - 1))
        p[np.arange(len(texts)), [list(self.classes_).index(self.rule(t)) for t in texts]] = 0.9
        return p


def sentiment(text: str) -> str:
    return "negative" if "差" in text else "positive" if "好" in text else "neutral"


def test_filled_counts_the_subtypes_the_posts_keep():
    posts = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(1, 8)],
        "text": ["网速太差", "网速太差了", "服务很好", "请问营业厅", "信号差", "信号太差", ""],
        # p2: a person says positive, so the model's subtype cannot stay; p5: a given intent takes no subtype
        "sentiment": [None, "positive", None, None, None, None, None],
        "intent": [None, None, None, None, "complaint", None, None],
        "negative_subtype": [None, None, None, None, None, "abuse", None],  # p6's is a person's
    })
    model = PostClassifier({
        "sentiment": Stub(["negative", "neutral", "positive"], sentiment),
        # every text gets a subtype from this field's model; it learnt p1's and p3's texts
        "negative_subtype": Stub(["abuse", "concrete_complaint", "vague_negativity"], lambda t: "concrete_complaint",
                                 seen=["网速太差", "服务很好"]),
    }, name="stub/1")
    out = predict_posts(posts, model, verbose=False)
    # by hand: sentiment filled on p1, p3, p4, p5, p6 (p2 given, p7 without text); a subtype kept by p1 alone
    # (p2 positive by a person, p3 positive, p4 neutral: blanked; p5 its intent given; p6 a person's; p7 no text)
    assert out["sentiment"].tolist()[:6] == ["negative", "positive", "positive", "neutral", "negative", "negative"]
    assert out["negative_subtype"].isna().tolist() == [False, True, True, True, True, False, True]
    c = out.attrs["classified"]
    assert c["filled"] == {"sentiment": 5, "negative_subtype": 1}  # the old count: 4 subtypes (p1-p4 were empty)
    # of them, the texts the field's model learnt: p1's subtype (p3's was blanked)
    assert c["learnt"]["negative_subtype"] == 1
    # the report's headline counts the same (its model-sourced cells that hold a label)
    assert label_sources(out)["negative_subtype"]["model"] == 1
