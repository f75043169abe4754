"""Sampling strategies: random, stratified, uncertainty, diversity, cold start, batches, stopping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbcs.errors import InputError
from wbcs.labeling.sampling import (
    StoppingSignal,
    diversity,
    embed,
    most_uncertain,
    query,
    random_sample,
    stratified_sample,
    uncertainty,
)

# Three rows where entropy and margin disagree:
#   a = [.5, .5, 0]   entropy ln 2 = 0.6931, margin 0   → 1 − margin = 1.0
#   b = [.4, .3, .3]  entropy −(.4 ln .4 + 2·.3 ln .3) = 1.0889, margin .1 → 0.9
#   c = [.9, .05, .05] entropy 0.3944, margin .85 → 0.15
P = np.array([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3], [0.9, 0.05, 0.05]])


def test_uncertainty_scores_match_hand_values():
    assert uncertainty(P, "entropy") == pytest.approx([np.log(2), 1.0888999753, 0.3943977], abs=1e-6)
    assert uncertainty(P, "margin") == pytest.approx([1.0, 0.9, 0.15])
    assert uncertainty(P, "least_confidence") == pytest.approx([0.5, 0.6, 0.1])
    assert most_uncertain(P, 3, method="entropy").tolist() == [1, 0, 2]
    assert most_uncertain(P, 3, method="margin").tolist() == [0, 1, 2]
    assert most_uncertain(P, 1, method="least_confidence").tolist() == [1]
    with pytest.raises(InputError, match="unknown uncertainty method"):
        uncertainty(P, "vibes")
    with pytest.raises(InputError, match="≥ 2 label columns"):
        uncertainty([[1.0], [1.0]])


def test_random_sample_is_seeded_and_without_replacement():
    ids = [f"p{i}" for i in range(50)]
    a = random_sample(ids, 20, seed=7)
    assert len(set(a)) == 20 and set(a) <= set(ids)
    assert a == random_sample(ids, 20, seed=7) and a != random_sample(ids, 20, seed=8)
    assert sorted(random_sample(ids, 99, seed=0)) == sorted(ids)


def test_stratified_sample_keeps_proportions_and_the_missing_stratum():
    # strata: x 60, y 30, missing 10 → 20 rows: 12, 6, 2
    frame = pd.DataFrame({"post_id": [str(i) for i in range(100)],
                          "g": ["x"] * 60 + ["y"] * 30 + [None] * 10})
    got = stratified_sample(frame, 20, by=["g"], seed=1)
    assert got["g"].fillna("missing").value_counts().to_dict() == {"x": 12, "y": 6, "missing": 2}
    with pytest.raises(InputError, match="no column 'h'"):
        stratified_sample(frame, 5, by=["h"])


TOPICS = {
    "broadband": ["宽带又断网了，报修三天没人来", "家里宽带网速太慢，光纤也不行", "宽带装机预约了一周还没装"],
    "roaming": ["出国漫游费用太贵了", "国际漫游开通不了，在日本没信号", "港澳漫游流量包怎么办理"],
    "billing": ["话费莫名其妙扣了五十元", "账单多扣了钱，谁来解释", "停机了还在扣月租费"],
}


def _texts():
    return [t for ts in TOPICS.values() for t in ts]


def test_diversity_picks_one_item_per_cluster():
    # three tight clusters in 2-D; n = 3 must take one from each
    x = np.array([[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [-10, 5], [-10, 5.1]])
    picked = diversity(x, 3, seed=0)
    assert sorted({0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 2, 6: 2}[i] for i in picked) == [0, 1, 2]
    assert picked[0] in (0, 1, 2)  # the largest cluster first
    assert diversity(x, 3, seed=0).tolist() == picked.tolist()


def test_cold_start_covers_every_topic_of_real_looking_posts():
    texts = _texts()
    emb = embed(texts, seed=0)
    assert emb.shape[0] == 9 and np.allclose(np.linalg.norm(emb, axis=1), 1)
    picked = query(texts, 3, strategy="cold_start", seed=0)
    topic_of = {i: k for i, k in enumerate(t for t, ts in TOPICS.items() for _ in ts)}
    assert {topic_of[i] for i in picked} == set(TOPICS)


def test_query_skips_labelled_items_and_batches_by_strategy():
    texts = _texts()
    labelled = [True, False, False, False, True, False, False, False, False]
    proba = np.tile([0.9, 0.1], (9, 1))
    proba[[2, 6, 8]] = [[0.5, 0.5], [0.6, 0.4], [0.55, 0.45]]
    proba[0] = [0.5, 0.5]  # most uncertain but already labelled
    assert query(texts, 2, strategy="entropy", proba=proba, labelled=labelled).tolist() == [2, 8]
    assert query(texts, 3, strategy="margin", proba=proba, labelled=labelled).tolist() == [2, 8, 6]
    rnd = query(texts, 4, strategy="random", labelled=labelled, seed=3)
    assert len(set(rnd)) == 4 and not {0, 4} & set(rnd)
    # entropy_diversity: the 2·2 most uncertain unlabelled items, spread over 2 clusters
    mixed = query(texts, 2, strategy="entropy_diversity", proba=proba, labelled=labelled,
                  seed=0, pool_factor=2)
    assert set(mixed) <= {2, 6, 8, 1, 3, 5, 7} and len(set(mixed)) == 2
    # without a model every model strategy falls back to the cold start
    assert query(texts, 3, strategy="entropy", labelled=labelled, seed=0).tolist() == \
        query(texts, 3, strategy="cold_start", labelled=labelled, seed=0).tolist()
    assert query(texts, 5, labelled=[True] * 9).tolist() == []
    with pytest.raises(InputError, match="unknown strategy"):
        query(texts, 2, strategy="best")


@pytest.mark.parametrize("kw, says", [
    (dict(labelled=[True, False]), "labelled has 2 flags for 9 texts"),
    (dict(labelled=[False] * 10), "labelled has 10 flags for 9 texts"),
    (dict(proba=np.tile([0.5, 0.5], (3, 1))), "proba has 3 rows for 9 texts"),
    (dict(n=2.5), r"query: n must be a whole number ≥ 0, got 2.5"),
    (dict(n="3"), "query: n must be a whole number"),
    (dict(n=-1), "query: n must be a whole number"),
    (dict(seed=-1, strategy="random"), "seed must be a whole number ≥ 0 \\(--seed\\), got -1"),
    (dict(seed=1.5), "seed must be a whole number"),
    (dict(pool_factor=0, strategy="entropy_diversity", proba=np.tile([0.5, 0.5], (9, 1))),
     "pool_factor must be a whole number ≥ 1"),
    (dict(proba=np.full((9, 2), np.nan)), "probabilities: row 0 is not a number"),  # ranked silently
    (dict(texts="abcdefghi"), "texts must be a list of texts, not one string"),  # each character a text
])
def test_query_refuses_what_it_cannot_use(kw, says):
    """A labelled list of another length gave fewer positions silently; bad numbers were numpy's errors."""
    with pytest.raises(InputError, match=says):
        query(**{"texts": _texts(), "n": 2, **kw})


def test_stratified_sample_takes_one_column_by_name_and_refuses_negative_n():
    frame = pd.DataFrame({"post_id": list("abcdef"), "intent": list("xxyyzz")})
    picked = stratified_sample(frame, 3, by="intent", seed=0)
    assert sorted(picked["intent"]) == ["x", "y", "z"]
    with pytest.raises(InputError, match="n must be a whole number ≥ 0, got -5"):
        stratified_sample(frame, -5, by="intent")
    with pytest.raises(InputError, match="seed must be a whole number"):
        random_sample(list("abc"), 2, seed="a")


@given(st.integers(0, 9), st.sampled_from(["random", "entropy", "margin", "cold_start"]),
       st.lists(st.booleans(), min_size=9, max_size=9))
def test_query_returns_distinct_unlabelled_positions(n, strategy, labelled):
    texts = _texts()
    proba = np.linspace(0.05, 0.95, 9)[:, None] * [1, -1] + [0, 1]
    picked = query(texts, n, strategy=strategy, proba=proba, labelled=labelled, seed=0)
    assert len(picked) == min(n, 9 - sum(labelled))
    assert len(set(picked)) == len(picked) and not any(labelled[i] for i in picked)


def test_stopping_signal_fires_when_predictions_settle():
    s = StoppingSignal(["neg", "pos"], window=2, kappa=0.9)
    # round 2 changes one of four predictions: κ(a, b) with a = n p n p, b = n p p p →
    # p_o = 3/4, p_e = (2·1 + 2·3)/16 = 0.5 → κ = 0.5; then two identical rounds: κ = 1, 1.
    assert s.update(["neg", "pos", "neg", "pos"]) is False
    assert s.update(["neg", "pos", "pos", "pos"]) is False
    assert s.update(["neg", "pos", "pos", "pos"]) is False  # mean(0.5, 1) = 0.75 < 0.9
    assert s.recent_kappa == pytest.approx([0.5, 1.0])
    assert s.update(["neg", "pos", "pos", "pos"]) is True
    with pytest.raises(InputError, match="unknown label 'meh'"):
        s.update(["meh", "pos", "pos", "pos"])


@pytest.mark.parametrize("args,message", [
    (["sample", "--out", "{t}/s.csv", "--size", "-3"], "--size must be at least 1, got -3"),
    (["sample", "--out", "{t}/s.csv", "--size", "0"], "--size must be at least 1, got 0"),
    (["sample-turns", "--part", "test", "--out", "{t}/s.csv", "--size", "0"], "--size must be at least 1, got 0"),
    (["sample-posts", "--posts", "{t}/p.csv", "--out", "{t}/s.csv", "--size", "-1"], "--size must be at least 1"),
    (["issues", "--store", "{t}/x.sqlite", "--out", "{t}/i.csv", "--folds", "0"], "--folds must be at least 2, got 0"),
    (["issues", "--store", "{t}/x.sqlite", "--out", "{t}/i.csv", "--folds", "-1"], "--folds must be at least 2"),
    (["consensus", "--store", "{t}/x.sqlite", "--out", "{t}/g.csv", "--min-annotators", "0"],
     "--min-annotators must be at least 1, got 0"),
    (["sample", "--out", "{t}/s.csv", "--seed", "-1"], "--seed must be between 0 and 4294967295, got -1"),
    (["split", "--out", "{t}/s.csv", "--seed", "-1"], "--seed must be between 0 and 4294967295"),
    (["sample-turns", "--part", "train", "--out", "{t}/s.csv", "--seed", "-5"], "--seed must be between 0"),
    (["sample-posts", "--posts", "{t}/p.csv", "--out", "{t}/s.csv", "--seed", "-2"], "--seed must be between 0"),
    (["issues", "--store", "{t}/x.sqlite", "--out", "{t}/i.csv", "--seed", str(2**32)], "--seed must be between 0"),
])
def test_cli_numbers_out_of_range_are_one_line_before_any_work(tmp_path, args, message):
    from tests.helpers import run_cli

    r = run_cli("label", *(a.format(t=tmp_path) for a in args))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert not list(tmp_path.iterdir())  # nothing written
