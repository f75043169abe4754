"""YAML numbers with an exponent (1e2, 3e-1): YAML 1.1 reads them as strings, so a scenario's ``rate_per_hour: 1e2``
was refused as "must be a number ..., got '1e2'" and ``--vary agents=1e1`` the same. They are numbers, as in
YAML 1.2; a string that looks like one is written quoted, so it reads back a string."""

from __future__ import annotations

import argparse

import pytest

from wbcs.cli.simulate import _grid
from wbcs.sim import Scenario
from wbcs.yamlsafe import dump_yaml, load_yaml


@pytest.mark.parametrize("text, value", [("1e2", 100.0), ("3e-1", 0.3), ("1.5e3", 1500.0), ("-2E3", -2000.0),
                                         (".5e2", 50.0), ("1.0e+2", 100.0)])
def test_an_exponent_is_a_number(text, value):
    assert load_yaml("x", text=f"a: {text}\n") == {"a": value}


def test_what_only_looks_like_one_stays_text_and_reads_back():
    assert load_yaml("x", text="[1e, e2, '1e2', 0x1e2, 08:00]") == ["1e", "e2", "1e2", 482, "08:00"]
    data = {"name": "1e2", "rate": 1e-5}
    assert load_yaml("x", text=dump_yaml(data)) == data


def test_a_scenario_and_a_sweep_take_exponents(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("arrivals: {rate_per_hour: 1e2}\nagents: 12\nservice_minutes: {distribution: exponential, "
                    "mean: 3e-1}\n", encoding="utf-8")
    sc = Scenario.from_yaml(path)
    assert sc.rate_week[0] == 100 and sc.service["complaint"].mean == pytest.approx(0.3)
    assert _grid(argparse.Namespace(grid=None, vary=["arrivals.rate_per_hour=1e2,2.5e1"])) == {
        "arrivals.rate_per_hour": [100.0, 25.0]}
