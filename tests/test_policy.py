"""The service policy and its duty calendar, on hand-checked times."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.policy import Duty, load_policy, parse_policy


def T(s):
    return pd.Timestamp(s, tz="Asia/Shanghai")


def test_default_policy_has_domain_numbers():
    p = load_policy()
    assert p.sla["consultation"].acknowledge_minutes == 120
    assert p.sla["consultation"].resolve_hours == 48
    assert p.sla["complaint"].resolve_hours == 48
    assert p.presets["cmcc_10086_2018"]["first_response_seconds"] == 20
    assert p.patrol_for("complaint") == 30 and p.patrol_for("praise") == 30
    assert p.duty.start == dt.time(8) and p.duty.end == dt.time(20)
    assert p.aggregation["question"]["min_users_per_day"] == 3


def test_on_duty_weekdays_and_holidays():
    duty = Duty(holidays=(dt.date(2016, 1, 1),))
    # 2015-12-31 Thu, 2016-01-01 Fri (holiday), 2016-01-02 Sat, 2016-01-04 Mon
    times = [T("2015-12-31 08:00"), T("2015-12-31 19:59"), T("2015-12-31 20:00"),
             T("2016-01-01 10:00"), T("2016-01-02 10:00"), T("2016-01-04 07:59")]
    assert duty.on_duty(times).tolist() == [True, True, False, False, False, False]


def test_business_minutes_across_a_weekend_and_holiday():
    duty = Duty(holidays=(dt.date(2016, 1, 1),))
    start = [T("2015-12-31 19:00"), T("2016-01-04 07:00"), T("2016-01-04 09:00")]
    end = [T("2016-01-04 08:30"), T("2016-01-04 07:30"), T("2016-01-04 08:00")]
    # Thu 19:00–20:00 = 60 min, Fri holiday, weekend, Mon 08:00–08:30 = 30 → 90
    # before duty → 0; end before start → 0
    np.testing.assert_allclose(duty.business_minutes(start, end), [90, 0, 0])


def test_next_on_duty():
    duty = Duty()
    got = duty.next_on_duty([T("2016-01-04 09:15"), T("2016-01-04 21:00"), T("2016-01-08 20:00"),
                             T("2016-01-09 03:00"), T("2016-01-04 06:00")])
    assert list(got) == [T("2016-01-04 09:15"), T("2016-01-05 08:00"), T("2016-01-11 08:00"),
                         T("2016-01-11 08:00"), T("2016-01-04 08:00")]
    assert list(Duty(on_call=True).next_on_duty([T("2016-01-09 03:00")])) == [T("2016-01-09 03:00")]


@pytest.mark.parametrize("change, key", [
    ({"duty": None}, "missing section 'duty'"),
    ({"duty": {"weekdays": ["mon", "funday"]}}, "duty.weekdays has 'funday'; use mon..sun"),
    ({"duty": {"weekdays": ["monkey"]}}, "duty.weekdays has 'monkey'"),  # was read as mon
    ({"duty": {"weekdays": "mon"}}, "duty.weekdays must be a list"),
    ({"bogus_key": 1}, "bogus_key is not a known key (known: version, duty, patrol_minutes, sla, presets"),
    ({"version": 99}, "version 99 is not a policy format this wbcs reads"),
    ({"duty": {"weekdays": ["mon"], "hollidays": ["2024-10-01"]}}, "duty.hollidays is not a known key (known: "
                                                                    "weekdays, start, end, holidays, on_call"),
    ({"sla": {"complaint": {"acknowledge_minuets": 5}}}, "sla.complaint.acknowledge_minuets is not a known key"),
    ({"aggregation": {"questions": {}}}, "aggregation.questions is not a known key (known: question, complaint"),
    ({"aggregation": {"complaint": {"min_customer_per_week": 3}}},
     "aggregation.complaint.min_customer_per_week is not a known key (known: min_customers_per_week, "),
    ({"presets": {"p": {"first_reply_seconds": 20}}}, "presets.p.first_reply_seconds is not a known key"),
    ({"duty": {"start": "20:00", "end": "08:00"}}, "duty.end"),
    ({"duty": {"start": "8 o'clock"}}, "duty.start"),
    ({"patrol_minutes": {"default": -5}}, "patrol_minutes.default"),
    ({"patrol_minutes": {"complaint": 10}}, "needs a 'default'"),
    ({"sla": {"rant": {}}}, "sla.rant is not a post kind"),
    ({"sla": {"complaint": {"acknowledge_minutes": "soon"}}}, "sla.complaint.acknowledge_minutes"),
    ({"sla": {"complaint": {"clock": "lunar"}}}, "sla.complaint.clock"),
    ({"duty": {"on_call": "false"}}, "duty.on_call must be true or false, got 'false'"),
    ({"patrol_minutes": {"default": float("inf")}}, r"patrol_minutes.default must be a number ≥ 0 and ≤ 1440, got inf"),
    ({"sla": {"complaint": {"resolve_hours": 1e12}}}, "sla.complaint.resolve_hours must be a number ≥ 0 and ≤ 8784"),
])
def test_policy_errors_name_the_key(change, key):
    import yaml

    from wbcs.config import data_file

    raw = yaml.safe_load(data_file("policy.yaml").read_text(encoding="utf-8"))
    raw.update(change)
    with pytest.raises(InputError, match=key.replace("(", r"\(")):
        parse_policy(raw)


def test_full_weekday_names_are_read(tmp_path):
    from wbcs.config import data_file

    path = tmp_path / "policy.yaml"
    path.write_text(data_file("policy.yaml").read_text(encoding="utf-8")
                    .replace("weekdays: [mon, tue, wed, thu, fri]", "weekdays: [Monday, TUE, wed, Thursday, fri]"),
                    encoding="utf-8")
    assert load_policy(path).duty.weekdays == ("mon", "tue", "wed", "thu", "fri")
    path.write_text(path.read_text(encoding="utf-8") + "bogus_key: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: bogus_key is not a known key"):
        load_policy(path)
