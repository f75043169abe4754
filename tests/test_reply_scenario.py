"""The scenario key for draft-assisted handling: validated, and it scales the first handling."""

from __future__ import annotations

import numpy as np
import pytest

from wbcs.errors import InputError
from wbcs.sim import Scenario
from wbcs.sim.model import simulate

BASE = {"arrivals": {"rate_per_hour": 2}, "agents": 3, "horizon_days": 2, "drain_days": 1,
        "mix": {"complaint": 0.5, "praise": 0.5},
        "service_minutes": {"distribution": "deterministic", "mean": 10}}


def test_draft_factor_scales_the_first_handling_per_kind():
    s = Scenario.from_dict(BASE | {"draft_factor": {"default": 1, "complaint": 0.4}})
    assert s.draft_factor["complaint"] == 0.4 and s.draft_factor["praise"] == 1.0
    rec = simulate(s, seed=1)
    minutes = (rec["handled"] - rec["picked_up"]).dt.total_seconds() / 60
    assert np.allclose(minutes[rec["kind"] == "complaint"], 4.0)
    assert np.allclose(minutes[rec["kind"] == "praise"], 10.0)
    assert Scenario.from_dict(BASE).draft_factor["complaint"] == 1.0  # no key: no drafts


@pytest.mark.parametrize("value, words", [(0, "draft_factor must be a number > 0 and ≤ 1, got 0"),
                                          ({"complaint": 1.5, "default": 1}, "draft_factor.complaint must be"),
                                          ({"tweet": 0.5, "default": 1}, "draft_factor.tweet must be a post kind")])
def test_bad_draft_factor_names_the_key(value, words):
    with pytest.raises(InputError, match=words.replace(".", r"\.").replace("(", r"\(")):
        Scenario.from_dict(BASE | {"draft_factor": value})


def test_erlang_workload_counts_the_draft_factor():
    from wbcs.sim.staffing import workload_minutes

    one_kind = BASE | {"mix": {"complaint": 1.0}}
    assert workload_minutes(Scenario.from_dict(one_kind | {"draft_factor": 0.5})) == pytest.approx(
        workload_minutes(Scenario.from_dict(one_kind)) / 2)
