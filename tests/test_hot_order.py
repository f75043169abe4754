"""Hot issues do not depend on the order of the rows: an export sorted otherwise, or an archive split
otherwise, gives the same incidents, alerts and spikes, in process and over the partitions.

The background whose phrases name an incident was drawn by row position and each incident's phrase
sample from the same generator, so the same posts shuffled got other names; a cluster's first post,
an incident's evidence order and its example went by row too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.kpi import incidents as inc
from wbcs.kpi.hot import hot_issues
from wbcs.kpi.partitioned import write_archive
from wbcs.kpi.partitioned_hot import hot_issues as archive_hot_issues
from wbcs.kpi.partitioned_hot import read_archive


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """24 days of synthetic posts with a 300-post China Unicom network outage, a seventh of the other
    posts without a topic (their issues are near-duplicate clusters), times to the minute as many
    exports give them (so posts share a time); written as it comes (month × operator files) and
    shuffled (operator files)."""
    from wbcs.synth import generate_posts

    posts = generate_posts(days=24, start="2025-01-15", posts_per_day=60, seed=4, bursts=[
        {"start": "2025-01-31 22:30", "hours": 3, "posts": 300, "topic": "network", "operator": "china_unicom"}])
    loose = (np.random.default_rng(0).random(len(posts)) < 1 / 7) & posts["burst"].isna().to_numpy()
    posts["topic"] = posts["topic"].astype(object).where(~loose, None)
    posts["created_at"] = posts["created_at"].dt.floor("min")
    shuffled = posts.sample(frac=1, random_state=1)
    folder = tmp_path_factory.mktemp("order")
    return posts, write_archive(posts, folder / "as-is", ("month", "operator")), \
        write_archive(shuffled, folder / "shuffled", ("operator",))


def _assert_same(got: dict, want: dict) -> None:
    assert list(got) == list(want) == ["incidents", "alerts", "spikes"]
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)


@pytest.mark.slow  # two synthetic archives through both engines: ~5 s
def test_a_shuffled_export_gives_the_same_hot_issues_in_both_engines(archives):
    posts, as_is, shuffled = archives
    # what the order decided is here: posts at one time, more posts than the background draws, an
    # incident with more posts than its phrase sample
    assert posts["created_at"].duplicated().sum() > 20 and len(posts) > 5 * inc.SAMPLE
    first, second = read_archive(as_is), read_archive(shuffled)
    assert not first["post_id"].reset_index(drop=True).equals(second["post_id"].reset_index(drop=True))

    want = hot_issues(first)
    table = want["incidents"]
    top = table.iloc[0]
    assert (top["status"], top["issue"]) == ("surge", "china_unicom|network") and top["observed"] > inc.SAMPLE
    assert top["phrases"] and table["issue"].str.contains("|~", regex=False).any()
    _assert_same(hot_issues(second), want)
    _assert_same(archive_hot_issues(as_is), want)
    _assert_same(archive_hot_issues(shuffled), want)


def test_the_draw_goes_by_the_post_ids_not_their_order_or_parts():
    ids = pd.Series([f"p{i}" for i in range(500)])
    drawn = ids.iloc[inc.draw(ids, 40, inc.SEED)].tolist()
    shuffled = ids.sample(frac=1, random_state=2)
    assert shuffled.iloc[inc.draw(shuffled, 40, inc.SEED)].tolist() == drawn and len(set(drawn)) == 40
    assert ids.iloc[inc.draw(ids, 40, inc.SEED + 1)].tolist() != drawn  # the seed draws
    # the background of each part's background is the whole file's: what the archive engine's files send
    parts = [inc.background(part, 5, inc.SEED) for part in (ids[:123], ids[123:400], ids[400:])]
    assert inc.background(pd.concat(parts), 5, inc.SEED).tolist() == inc.background(ids, 5, inc.SEED).tolist()
    assert sorted(inc.draw(ids[:7], 40, inc.SEED)) == list(range(7))  # fewer posts than asked: all
