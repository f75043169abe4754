"""The spike detector's baseline: any length ends at once (one longer than the posts tests nothing), and the
hourly one is the same hours of the previous days, summed per hour of the day rather than looped over the days.

Before: ``wbcs hot --baseline-days 10000000000000000000`` looped for ever (``_expected`` added the posts of each
of the baseline's days in turn, and ``check_spike_request`` has no upper bound)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import run_cli
from wbcs.kpi.hot import _expected

HEADER = "post_id,created_at,text,author_id,platform,sentiment,intent,topic,operator\n"


def test_a_baseline_longer_than_the_posts_tests_nothing_and_ends_at_once(tmp_path):
    (tmp_path / "s1.csv").write_text(
        HEADER + "1,2024-05-01 10:10:00,信号差,u1,sina_weibo,negative,complaint,network,china_mobile\n"
        + "".join(f"{10 + k},2024-05-02 10:1{k}:00,家里没信号{k},v{k},sina_weibo,negative,complaint,network,"
                  "china_mobile\n" for k in range(6)), encoding="utf-8")
    r = run_cli("hot", "--posts", str(tmp_path / "s1.csv"), "--no-cache", "--json", "--baseline-days",
                "10000000000000000000", timeout=180)  # looped for ever
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["spikes"] == [] and len(got["incidents"]) == 1
    assert np.isnan(_expected(np.ones((2, 30)), np.ones(30), 10 ** 19, hourly=True)).all()


def test_the_hourly_baseline_is_the_same_hours_of_the_previous_days():
    """3 days of hourly buckets, a 2-day baseline: bucket 48 + h expects the series' last 48 buckets (+1) times
    (posts at hour h on days 1 and 2, + 1) / (all posts of those 48 buckets, + 24)."""
    total = np.arange(72, dtype=float)
    counts = np.ones((1, 72))
    got = _expected(counts, total, 48, hourly=True)
    assert np.isnan(got[0, :48]).all()
    for h in (0, 5, 23):
        same = total[h] + total[24 + h]
        assert got[0, 48 + h] == pytest.approx(49 * (same + 1) / (total[h:48 + h].sum() + 24))
