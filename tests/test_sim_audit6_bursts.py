"""A burst running past the horizon lost the posts after it unsaid: 1,000 expected, 150-173 simulated. It is
refused, naming the burst; one that ends by the horizon's end has its posts simulated, as expected_posts says."""

from __future__ import annotations

import re

import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario, simulate

BASE = {"service_minutes": {"distribution": "exponential", "mean": 1}, "agents": 50, "horizon_days": 7}


def burst(start, hours, posts=1000):
    return {**BASE, "arrivals": {"rate_per_hour": 0, "bursts": [
        {"start": 10, "hours": 1, "posts": 5}, {"start": start, "hours": hours, "posts": posts, "kind": "complaint"}]}}


def test_a_burst_past_the_horizon_is_refused():
    with pytest.raises(InputError, match=re.escape(
            "scenario: arrivals.bursts[1] runs from hour 164 for 24 hours, past the end of the horizon (hour 168: "
            "horizon_days 7), where no post is simulated; end it by then (hours ≤ 4) or lengthen horizon_days")):
        Scenario.from_dict(burst(164, 24))
    with pytest.raises(InputError, match=r"arrivals.bursts\[1\] runs from hour 0.5 for 168 hours"):
        Scenario.from_dict(burst(0.5, 168))


def test_a_burst_to_the_horizons_end_is_simulated_whole():
    sc = Scenario.from_dict(burst(164, 4))
    assert sc.expected_posts == 1005
    posts = [len(simulate(sc, seed=s)) for s in range(3)]
    assert all(abs(n - 1005) < 5 * 1005 ** 0.5 for n in posts), posts  # Poisson(1005): within 5 sd


def test_the_default_outage_slot_ends_by_the_horizon():
    sc = Scenario.from_dict({**BASE, "arrivals": {"rate_per_hour": 1}, "horizon_days": 1.05, "warmup_days": 1})
    at, hours = sc.burst_slot()
    assert at == 24 and hours == pytest.approx(1.2)
    sc.updated({"arrivals": {"bursts": [{"start": at, "hours": hours, "posts": 10}]}})  # accepted
