"""One KPI, one way of writing it: ``wbcs kpi``'s text, the dashboard's cards and the report write each indicator
by ``wbcs.kpi.indicators.format_indicator``; ``wbcs kpi --json`` has the same keys on every engine, and the engines'
numbers are equal, not equal to the last bit."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.kpi import duck, indicators, partitioned
from wbcs.kpi.indicators import format_indicator, format_minutes

# label on the cards (the dashboard's and the report's) → the key wbcs kpi prints
CARD_KEYS = {"Net favorability 净喜好度": "net_favorability", "Handling rate 处理率": "negative_handling_rate",
             "Resolution rate 解决率": "negative_resolution_rate", "Satisfaction 满意率": "reply_satisfaction_rate",
             "Median response 响应": "median_response_minutes", "SLA acknowledge 响应达标": "sla_acknowledge_attainment"}
# by hand from twenty_posts (see there)
WANT = {"net_favorability": "-0.20", "net_favorability_incl_neutral": "-0.15", "negative_handling_rate": "66.7%",
        "negative_resolution_rate": "33.3%", "reply_satisfaction_rate": "66.7%",
        "reply_satisfaction_rate_of_known": "80.0%", "reply_rate": "40.0%", "median_response_minutes": "45 min",
        "p90_response_minutes": "1.8 h", "sla_acknowledge_attainment": "35.0%"}


def twenty_posts() -> pd.DataFrame:
    """20 consultations of one week (Mon 2024-04-29 – Wed 05-01, 10:00): 6 positive, 9 negative, 5 neutral.
    Net favorability (6 − 9) / 15 = −0.2; with the neutral ones (6 − 9) / 20 = −0.15. Of the 9 negative posts 6 are
    replied (66.7%), 3 resolved (33.3%), 4 of the 6 replied say satisfied, 1 not, 1 nothing (4/6 = 66.7%; of those
    who said, 4/5 = 80%); 2 neutral posts are replied too: 8 of 20 replied (40%). Replies after 10, 20, 30, 40, 50,
    60, 90 and 150 minutes: median (40 + 50) / 2 = 45 min, p90 at rank 7 × 0.9 = 6.3: 90 + 0.3 × 60 = 108 min =
    1.8 h. The consultation clock (120 min) is met by 7 replies; the 12 unreplied posts are days past it at the
    latest time in the data (a resolution on Friday): 7 of 20 due = 35%."""
    sentiment = ["positive"] * 6 + ["negative"] * 9 + ["neutral"] * 5
    created = pd.Timestamp("2024-04-29 10:00") + pd.to_timedelta([i // 7 for i in range(20)], unit="D")
    after = {6: 10, 7: 20, 8: 30, 9: 40, 10: 50, 11: 60, 15: 90, 16: 150}  # post → reply minutes
    satisfied = {6: True, 7: True, 8: True, 9: True, 10: False}  # 11: no feedback
    resolved = {6: 300, 7: 300, 8: 300}  # minutes; one more at Friday noon below
    posts = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(20)], "created_at": created, "platform": "sina_weibo",
        "author_id": [f"u{i}" for i in range(20)], "text": [f"请问套餐怎么办理 {i}" for i in range(20)],
        "operator": "china_mobile", "sentiment": sentiment, "intent": "consultation", "topic": "tariff",
        "reply_at": [created[i] + pd.Timedelta(minutes=after[i]) if i in after else pd.NaT for i in range(20)],
        "resolved_at": [created[i] + pd.Timedelta(minutes=resolved[i]) if i in resolved else pd.NaT
                        for i in range(20)],
        "satisfied": [satisfied.get(i) for i in range(20)]})
    posts.loc[16, "resolved_at"] = pd.Timestamp("2024-05-03 12:00")  # a neutral post's: the latest time
    return posts


def _cards(page: str) -> dict[str, str]:
    return {label: re.search(re.escape(label) + r"</div><div class='wbcs-value'>([^<]*)", page).group(1)
            for label in CARD_KEYS}


def test_the_formats_by_hand():
    assert format_indicator("negative_handling_rate", 2 / 3) == "66.7%"
    assert format_indicator("topic_share", 0.125) == "12.5%" and format_indicator("share", 1) == "100.0%"
    assert format_indicator("net_favorability", -0.2) == "-0.20" and format_indicator("net_favorability", 1 / 3) == "+0.33"
    assert format_indicator("net_favorability_incl_neutral", 0) == "+0.00"
    assert format_indicator("volume", 183837.0) == "183,837" and format_indicator("n_negative", 9) == "9"
    assert format_indicator("median_response_minutes", 150) == "2.5 h" == format_minutes(150)
    assert format_indicator("volume_change_ratio", 1.4) == "1.40"
    assert format_indicator("reply_rate", None) == "–" and format_indicator("reply_rate", float("nan"), "null") == "null"
    with pytest.raises(ValueError, match="no format for 'frobs'"):
        format_indicator("frobs", 1)


def test_one_file_gives_the_same_strings_in_kpi_on_the_cards_and_in_the_report(tmp_path):
    from wbcs.report import build_report
    from wbcs.viz import kpi as vk

    posts = twenty_posts()
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path))
    assert r.returncode == 0, r.stderr
    text = {line.split()[0]: line.split(None, 1)[1] for line in r.stdout.splitlines() if line.startswith("  ")}
    assert {k: text[k] for k in WANT} == WANT
    assert "topic share: tariff 100.0%" in r.stdout

    want_cards = {label: WANT[key] for label, key in CARD_KEYS.items()}
    dashboard = vk.KpiDashboard(posts)
    assert _cards(dashboard.cards.value) == want_cards
    report = build_report(posts, period="week", end="2024-05-05")
    assert _cards(report) == want_cards
    table = vk.indicator_table(indicators(posts))["value"]  # the notebook's table of them
    assert {k: table[k] for k in WANT if k in table} == {k: v for k, v in WANT.items() if k in table}


def test_the_kpi_table_is_written_as_the_summary(tmp_path):
    path = tmp_path / "posts.csv"
    twenty_posts().to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--period", "day", "--by", "topic")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header = next(line.split() for line in lines if line.split()[:1] == ["period"])
    cells = [re.findall(r"\d+(?:\.\d+)? (?:min|h|d)\b|\S+", line) for line in lines if line.startswith("2024-")]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in cells}  # a time is one cell: '10 min'
    # Monday: posts 0-6, 6 positive and 1 negative (replied after 10 min): (6 - 1) / 7; Tuesday: 7 negative
    assert rows["2024-04-29"]["net_favorability"] == "+0.71" and rows["2024-04-29"]["share"] == "100.0%"
    assert rows["2024-04-29"]["negative_handling_rate"] == "100.0%"
    assert rows["2024-04-29"]["median_response_minutes"] == "10 min"
    assert rows["2024-04-30"]["net_favorability"] == "-1.00" and rows["2024-04-30"]["volume_change_ratio"] == "1.00"
    assert rows["2024-04-30"]["negative_handling_rate"] == "71.4%"  # 5 of posts 7-13 replied


def _model_labelled(tmp_path) -> tuple:
    plain = tmp_path / "given.parquet"
    twenty_posts().to_parquet(plain)
    model = tmp_path / "model.parquet"
    twenty_posts().assign(sentiment_source="model").to_parquet(model)
    return plain, model


def test_every_engine_gives_the_same_keys_and_on_given_labels_the_same_json(tmp_path):
    plain, model = _model_labelled(tmp_path)
    out = {}
    for engine in ("pandas", "duckdb", "dask"):
        r = run_cli("kpi", "--posts", str(plain), "--engine", engine, "--json")
        assert r.returncode == 0, r.stderr
        out[engine] = json.loads(r.stdout)
        assert out[engine].pop("input")["engine"] == engine  # how each read the file: the one key of its own
        assert out[engine]["corrected"] is None and out[engine]["corrected_note"] is None  # nothing to say
    assert out["pandas"] == out["duckdb"] == out["dask"]
    for engine in ("duckdb", "dask"):  # a model's labels: the pandas engine corrects their shares, these say so
        r = run_cli("kpi", "--posts", str(model), "--engine", engine, "--json")
        k = json.loads(r.stdout)
        assert k["corrected"] is None and k["corrected_note"] == "corrected shares: --engine pandas"
        assert k.keys() == {**out["pandas"], "input": None}.keys()


def test_the_engines_response_quantiles_are_equal_not_a_bit_apart(tmp_path):
    """DuckDB's quantile_cont and pandas' quantile reach a quantile by other float operations: on these posts 12
    of the 52 topic-weeks' medians and p90s differed in the last bit (1903.098333333334 / 1903.0983333333343)."""
    from wbcs.io import read_posts
    from wbcs.synth import generate_posts

    path = tmp_path / "posts.parquet"
    generate_posts(days=20, start="2025-01-01", posts_per_day=30, seed=1).to_parquet(path)
    posts, _ = read_posts(path, quiet=True)
    want = indicators(posts, period="week", by="topic")
    cols = ["median_response_minutes", "p90_response_minutes"]
    for engine in (duck.indicators, partitioned.indicators):
        got = engine(str(path), period="week", by="topic", quiet=True)
        pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=True)
    whole = indicators(posts)
    assert whole["median_response_minutes"] == duck.indicators(str(path))["median_response_minutes"]
    assert whole["p90_response_minutes"] == round(whole["p90_response_minutes"], 6)  # a millionth of a minute
