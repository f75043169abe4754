"""The headline's SLA card compares this period with the previous one read at the same time as the trend chart
(an audit's finding): the card read the previous week at its own end, the chart at the report's as-of, so on the
synthetic month the card said "+0.8 pts" beside a chart going from 41.4 % to 42.7 % (+1.3), and the page said every
SLA clock was read at 2025-01-20 00:00."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd

from tests.helpers import run_cli
from wbcs.viz.kpi import RATE_NAMES

COLUMNS = ["post_id", "created_at", "text", "platform", "operator", "province", "sentiment", "intent", "topic",
           "reply_at"]


def posts() -> pd.DataFrame:
    """Complaints (acknowledge within 30 min, data/policy.yaml) of the week 2024-04-22 (Mon) – 04-28 and of the
    report's week 04-29 – 05-05, and one of the week after, so the clocks are read at 05-06 00:00 (the report's end).

    id  created      replied             read at 04-29 00:00 (prev. week's end)   read at 05-06 00:00
    p1  04-22 10:00  10:10               met                                    met
    p2  04-28 23:50  04-29 00:10 (20 m)  pending (deadline 00:20 ahead, none)   met
    p3  04-28 23:00  04-29 00:20 (80 m)  late (deadline 23:30 passed, none)     late
    c1  04-30 10:00  10:10                                                      met
    c2  05-01 10:00  11:00 (60 m)                                               late
    c3  05-02 10:00  10:05                                                      met
    c4  05-03 10:00  10:20                                                      met

    The previous week: 1 of 2 (50 %) at its own end, 2 of 3 (66.7 %) at 05-06 00:00; this week 3 of 4 (75 %): the
    change is +8.3 pts at 05-06 00:00 (it read +25.0)."""
    rows = [("p1", "2024-04-22 10:00", "2024-04-22 10:10"), ("p2", "2024-04-28 23:50", "2024-04-29 00:10"),
            ("p3", "2024-04-28 23:00", "2024-04-29 00:20"), ("c1", "2024-04-30 10:00", "2024-04-30 10:10"),
            ("c2", "2024-05-01 10:00", "2024-05-01 11:00"), ("c3", "2024-05-02 10:00", "2024-05-02 10:05"),
            ("c4", "2024-05-03 10:00", "2024-05-03 10:20"), ("n1", "2024-05-07 10:00", "2024-05-07 10:10")]
    return pd.DataFrame([(i, c, "宽带坏了", "sina_weibo", "china_mobile", "北京", "negative", "complaint", "broadband", r)
                         for i, c, r in rows], columns=COLUMNS)


def traces(page: str) -> list[dict]:
    """Every trace of every chart in the report."""
    decoder, found = json.JSONDecoder(), []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        found += decoder.raw_decode(page, m.end())[0]
    return found


def values(array) -> list:
    """A trace's array as plotly writes it: a list, or typed ({"dtype", "bdata"}: base64 of the numbers)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_the_sla_card_changes_by_what_the_trend_chart_shows(tmp_path):
    path = tmp_path / "posts.csv"
    posts().to_csv(path, index=False)
    out = tmp_path / "report.html"
    r = run_cli("report", "--posts", str(path), "--out", str(out), "--end", "2024-05-05")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "SLA clocks read at 2024-05-06 00:00" in page

    card = re.search(r"SLA acknowledge 响应达标</div><div class='wbcs-value'>([^<]*)</div>"
                     r"<div class='wbcs-delta'>([^<]*)</div>", page)
    assert card.groups() == ("75.0%", "+8.3 pts vs previous")  # (3/4 - 2/3): was +25.0, 2 of 3 read as 1 of 2

    sla = next(t for t in traces(page) if t.get("name") == RATE_NAMES["sla_acknowledge_attainment"])
    previous, this = values(sla["y"])[-2:]
    assert (round(previous, 4), this) == (0.6667, 0.75)
    assert f"{(this - previous) * 100:+.1f} pts vs previous" == card.group(2)

    # wbcs kpi reads the previous week the same at the report's as-of
    kpi = run_cli("kpi", "--posts", str(path), "--period", "week", "--as-of", "2024-05-06 00:00", "--json")
    assert kpi.returncode == 0, kpi.stderr
    weeks = {row["period"][:10]: row for row in json.loads(kpi.stdout)["table"]}
    assert round(weeks["2024-04-22"]["sla_acknowledge_attainment"], 4) == 0.6667
