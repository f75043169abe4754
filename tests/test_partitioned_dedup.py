"""Near-duplicate clusters over files (wbcs.kpi.partitioned_dedup) equal the in-process groups
scope by scope, including a chain that only joins through another file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.dedup import near_duplicate_groups
from wbcs.kpi import partitioned_dedup as pdd

pytest.importorskip("dask.dataframe")

# A ~ B (Jaccard 0.84) and B ~ C (0.84), but A and C only 0.70: one cluster only through B
A = "北京朝阳区的宽带从昨天晚上开始就一直断网，光猫红灯闪烁，客服电话也打不通，麻烦你们请尽快处理一下"
B = A.replace("麻烦你们", "拜托你们")
C = B.replace("请尽快处理一下", "请尽快派人处理")
X = "我的套餐怎么又多扣了十块钱"


def _files() -> list[pd.DataFrame]:
    post = [("a", A, "consultation", "broadband"), ("x1", X, "complaint", None),
            ("b", B, "complaint", None), ("x2", "  " + X, "consultation", "billing"),
            ("c", C, "consultation", None), ("o", "谢谢客服，问题解决了", "praise", "service")]
    df = pd.DataFrame(post, columns=["post_id", "text", "intent", "topic"]).astype(object)
    df["topic"] = df["topic"].where(df["topic"].notna(), None)
    return [df.iloc[0:2], df.iloc[2:4], df.iloc[4:6]]


def _groups(posts: pd.DataFrame, clusters: pdd.Clusters, scope: str) -> list[set]:
    ids = pdd.cluster_ids(pdd.text_ids(posts), clusters, scope)
    return sorted((set(g) for _, g in posts["post_id"].groupby(ids.to_numpy())), key=sorted)


def test_a_chain_through_another_file_joins_only_in_the_scopes_that_hold_its_middle():
    files = _files()
    clusters = pdd.clusters(list(range(3)), files.__getitem__)
    posts = pd.concat(files)
    masks = pdd.scope_masks(posts)
    got = {s: _groups(posts[masks[s]], clusters, s) for s in pdd.SCOPES}
    assert got["all"] == [{"a", "b", "c"}, {"o"}, {"x1", "x2"}]  # exact duplicates after normalising
    assert got["consultation"] == [{"a"}, {"c"}, {"x2"}]  # B is a complaint: no chain
    assert got["complaint"] == [{"b"}, {"x1"}]
    assert got["loose"] == [{"b", "c"}, {"x1"}]
    # the client holds the texts that have a near duplicate, not the others
    assert len(clusters.members["all"]) == 3 and clusters.size() == 3 + 0 + 0 + 2


def test_clusters_equal_the_in_process_groups_on_synthetic_posts():
    from wbcs.synth import generate_posts

    posts = generate_posts(days=6, start="2025-01-15", posts_per_day=150, seed=4)
    posts["topic"] = posts["topic"].astype(object).where(np.random.default_rng(0).random(len(posts)) > 0.2, None)
    posts["intent"] = posts["intent"].astype(object)
    files = [posts.iloc[i::4] for i in range(4)]  # interleaved: every cluster spans files
    clusters = pdd.clusters(list(range(4)), files.__getitem__)
    masks = pdd.scope_masks(posts)
    for scope in pdd.SCOPES:
        sub = posts[masks[scope]]
        want = near_duplicate_groups(sub["text"].astype(str).tolist())
        got = pd.factorize(pdd.cluster_ids(pdd.text_ids(sub), clusters, scope))[0]
        assert len(set(want)) < len(sub)  # there are clusters to find
        np.testing.assert_array_equal(got, want)  # both number groups in order of first appearance
