"""The shared parameter checks (wbcs.checks): one whole-number test for every module, a table check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wbcs.checks import frame, number, whole
from wbcs.errors import InputError


@pytest.mark.parametrize("value, floats, ok", [
    (3, False, True), (np.int64(3), False, True), (3.0, False, False), (3.0, True, True),
    (np.float64(3.0), True, True), (3.5, True, False), (math.nan, True, False), (math.inf, True, False),
    (True, True, False), ("3", True, False),
])
def test_whole_takes_a_whole_float_only_when_asked(value, floats, ok):
    if ok:
        assert whole(value, "n", floats=floats) == 3 and isinstance(whole(value, "n", floats=floats), int)
    else:
        with pytest.raises(InputError, match=r"n must be a whole number ≥ 0, got "):
            whole(value, "n", floats=floats)


@pytest.mark.parametrize("value", [math.nan, -1, "2", None, True, math.inf])
def test_number_refuses_what_is_no_finite_number(value):
    with pytest.raises(InputError, match="rate must be a finite number ≥ 0"):
        number(value, "rate")
    assert number(0, "rate") == 0.0
    with pytest.raises(InputError, match="aht must be a finite number > 0, got 0"):
        number(0, "aht", positive=True)


@pytest.mark.parametrize("value, says", [
    ([{"text": "a"}], r"posts must be a pandas DataFrame, got list \(a list of dicts is not accepted: "
                      r"pass pd.DataFrame\(rows\)\)"),
    (pd.Series(["a"]), r"got Series \(a Series \(one column\) is not accepted: pass the whole table\)"),
    ("posts.csv", r"got str \(e.g. wbcs.io.read_posts\(path\)\)"),
])
def test_frame_says_what_to_pass(value, says):
    with pytest.raises(InputError, match=says):
        frame(value)
    table = pd.DataFrame({"text": ["a"]})
    assert frame(table) is table
