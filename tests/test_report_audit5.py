"""The report's hot-issue table says what an incident found by its issue's daily posts alone does."""

import json

import pandas as pd

from wbcs.kpi.incidents import NO_ALERT
from wbcs.report import incident_table


def test_a_surge_without_an_alert_says_so_in_the_action_cell():
    day = pd.Timestamp("2024-05-10")
    inc = pd.DataFrame({"start": [day, day], "end": [day + pd.Timedelta(days=1)] * 2,
                        "name": ["宽带 broadband", "流量 data"], "status": ["surge", "routine"],
                        "observed": [40, 5], "expected": [5.6, 4.0], "n_alerts": [0, 2],
                        "actions": [[], ["统一答复"]], "sample_text": ["宽带又断了", "流量不对"],
                        "issue": ["china_telecom|broadband", "china_telecom|data"],
                        "counted_days": [[day]] * 2, "day_posts": [[40], [5]], "day_expected": [[5.6], [4.0]]})
    table, n = incident_table(inc, day, day + pd.Timedelta(days=7))
    assert n == 2 and table["action"].tolist() == [NO_ALERT, "统一答复"]  # the surge's cell was empty


def test_the_report_counts_complaints_by_the_routes_triage_was_given(tmp_path):
    """With a routes file that sends suggestions to the complaint flow, the report counts them as complaints, with
    a complaint's clocks, as triage and `wbcs kpi --routes` do (its kinds were frozen from data/routes.yaml)."""
    import yaml

    from tests.helpers import run_cli
    from wbcs.config import data_file

    routes = yaml.safe_load(data_file("routes.yaml").read_text(encoding="utf-8"))
    routes["routes"]["suggestion"]["kind"] = "complaint"
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    t = pd.to_datetime(["2024-05-06 09:00", "2024-05-06 11:00", "2024-05-07 09:00", "2024-05-07 15:00"])
    pd.DataFrame({"post_id": ["s1", "s2", "s3", "c1"], "created_at": t,
                  "text": ["建议增加夜间客服", "建议简化套餐", "建议多开营业厅", "宽带断了三天"],
                  "sentiment": ["neutral", "neutral", "neutral", "negative"],
                  "intent": ["suggestion", "suggestion", "suggestion", "complaint"],
                  "topic": ["service", "tariff", "service", "broadband"],
                  "reply_at": t + pd.Timedelta(hours=1)}).to_csv(tmp_path / "p.csv", index=False)
    pages = {}
    for name, extra in (("default", []), ("routes", ["--routes", str(path)])):
        r = run_cli("report", "--posts", str(tmp_path / "p.csv"), "--out", str(tmp_path / f"{name}.html"),
                    "--end", "2024-05-08", *extra)
        assert r.returncode == 0, r.stderr
        pages[name] = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    def title(n):  # as the chart's JSON writes it
        return json.dumps(f"Top complaint topics 投诉热点业务 · n = {n}")[1:-1]

    assert title(1) in pages["default"] and title(4) in pages["routes"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes: [", encoding="utf-8")
    r = run_cli("report", "--posts", str(tmp_path / "p.csv"), "--out", str(tmp_path / "x.html"), "--routes", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.html").exists()
