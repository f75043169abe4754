"""`wbcs triage` and `wbcs kpi` on the same files: the deadline a team is shown is the KPI's met rule."""

from __future__ import annotations

import json

import pandas as pd

from tests.helpers import run_cli
from wbcs.config import data_file


def test_business_deadline_is_where_the_kpi_stops_counting_met(tmp_path):
    """Mon 18:00 + 120 duty minutes (duty 08:00–20:00): the clock is used up at 20:00 and stands still
    until Tue 08:00; triage said 20:00 while the KPI counted replies at 23:00 and 07:59 as met."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(data_file("policy.yaml").read_text(encoding="utf-8").replace("clock: calendar", "clock: business"),
                      encoding="utf-8")
    replies = ["2024-05-06 19:59", "2024-05-06 23:00", "2024-05-07 07:59", "2024-05-07 08:00:00",
               "2024-05-07 08:00:01"]
    posts = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": [f"y{i}" for i in range(len(replies))], "created_at": "2024-05-06 18:00",
                  "reply_at": replies, "text": "套餐怎么改", "sentiment": "neutral", "intent": "consultation",
                  "topic": "tariff"}).to_csv(posts, index=False)
    out = tmp_path / "routed.csv"
    r = run_cli("triage", "--posts", str(posts), "--out", str(out), "--policy", str(policy))
    assert r.returncode == 0, r.stderr
    routed = pd.read_csv(out)
    assert (routed["acknowledge_by"] == "2024-05-07 08:00:00+08:00").all()
    in_time = int((pd.to_datetime(routed["reply_at"]) <= pd.to_datetime(routed["acknowledge_by"])).sum())
    k = run_cli("kpi", "--posts", str(posts), "--policy", str(policy), "--json")
    assert k.returncode == 0, k.stderr
    kpi = json.loads(k.stdout)
    assert (in_time, kpi["sla_acknowledge_due"], kpi["sla_acknowledge_met"]) == (4, 5, 4)
