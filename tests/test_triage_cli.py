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


def test_a_teams_own_identifiable_and_complaint_columns_reach_the_routes(tmp_path):
    """The routes read a person's `identifiable` and the public model's `complaint` (yes/no); every command reads
    posts through ingest, which kept only the schema's columns, so a complaint the team marked identifiable went
    to the no-number route and the `complaint` rules never matched from the command line."""
    posts = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["a", "b", "c", "d"], "created_at": "2024-05-06 10:00",
                  "text": ["宽带断了", "宽带又断了", "怎么办理", "宽带"],
                  "sentiment": ["negative", "negative", "neutral", "neutral"],
                  "intent": ["complaint", "complaint", "other", "other"], "topic": "broadband",
                  "信息完整": ["是", "否", None, "也许"], "是否投诉": [None, None, "yes", "no"]}).to_csv(posts, index=False)
    out = tmp_path / "routed.csv"
    r = run_cli("triage", "--posts", str(posts), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "1 row(s) rejected (bad value: 1)" in r.stderr  # 也许 is no yes/no: reported, not read as no
    routed = pd.read_csv(out, dtype=str).set_index("post_id")
    assert routed["route"].to_dict() == {"a": "ticket", "b": "complaint_reply_dm", "c": "answer"}
    assert routed.loc["a", "identifiable_source"] == "label" and routed.loc["b", "identifiable"] == "no"
