"""wbcs.yamlsafe: a value YAML types as a date but that cannot exist is one line naming file, line and value."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from wbcs.errors import InputError
from wbcs.yamlsafe import load_yaml


def test_real_dates_and_times_are_still_read_as_dates():
    assert load_yaml("x", text="a: 2024-02-29\nb: 2024-02-29 10:00:00\nc: '2024-02-30'\n") == {
        "a": dt.date(2024, 2, 29), "b": dt.datetime(2024, 2, 29, 10), "c": "2024-02-30"}


@pytest.mark.parametrize("text, message", [
    ("holidays: [2024-02-30]", r": line 1, column 12: 2024-02-30 is not a real date or time "
                               r"\(day is out of range for month\); correct it \(YYYY-MM-DD"),
    ("a: 1\nstart: 2025-13-01", r": line 2, column 8: 2025-13-01 is not a real date or time \(month"),
    ("t: 2024-02-29 25:00:00", r": line 1, column 4: 2024-02-29 25:00:00 is not a real date or time \(hour"),
])
def test_an_impossible_date_names_the_file_line_and_value(tmp_path, text, message):
    path = tmp_path / "f.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="^" + re.escape(str(path)) + message):
        load_yaml(path)


def test_a_key_given_twice_is_refused_where_a_merge_may_override(tmp_path):
    """PyYAML keeps the last of two equal keys silently: a second duty: section replaced the first."""
    path = tmp_path / "policy.yaml"
    path.write_text("duty: {start: '08:00'}\npatrol_minutes: {default: 30}\nduty: {end: '20:00'}\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{path}: line 3, column 1: 'duty' is given twice in one mapping "
                                                   "(first at line 1); keep one")):
        load_yaml(path)
    with pytest.raises(InputError, match="line 1, column 11: 'p' is given twice"):
        load_yaml("x", text="a: {p: 1, p: 2}")
    assert load_yaml("x", text="a: &a {p: 1, q: 2}\nb: {<<: *a, p: 3}\nc: {1: x, '1': y}\n") == {
        "a": {"p": 1, "q": 2}, "b": {"p": 3, "q": 2}, "c": {1: "x", "1": "y"}}
