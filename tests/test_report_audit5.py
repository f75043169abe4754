"""The report's hot-issue table says what an incident found by its issue's daily posts alone does."""

import pandas as pd

from wbcs.kpi.incidents import NO_ALERT
from wbcs.report import _incident_table


def test_a_surge_without_an_alert_says_so_in_the_action_cell():
    day = pd.Timestamp("2024-05-10")
    inc = pd.DataFrame({"start": [day, day], "end": [day + pd.Timedelta(days=1)] * 2,
                        "name": ["宽带 broadband", "流量 data"], "status": ["surge", "routine"],
                        "observed": [40, 5], "expected": [5.6, 4.0], "n_alerts": [0, 2],
                        "actions": [[], ["统一答复"]], "sample_text": ["宽带又断了", "流量不对"],
                        "issue": ["china_telecom|broadband", "china_telecom|data"]})
    table, n = _incident_table(inc, day, day + pd.Timedelta(days=7))
    assert n == 2 and table["action"].tolist() == [NO_ALERT, "统一答复"]  # the surge's cell was empty
