"""``wbcs kpi --routes FILE`` counts each post's kind (and so its SLA clock) by the routes file, as ``wbcs triage
--routes FILE`` routes it, in every engine; ``indicators(..., routes=)`` and the engines take it too.

Before: with a routes file giving the suggestion route the kind complaint, triage gave a suggestion posted at
09:00 and answered at 10:00 acknowledge_by 09:30 (late), while ``wbcs kpi`` counted it a consultation, met
(its kinds were frozen from data/routes.yaml), and had no --routes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from tests.helpers import run_cli
from wbcs.config import data_file
from wbcs.kpi import duck, indicators, partitioned


def _routes(tmp_path):
    routes = yaml.safe_load(data_file("routes.yaml").read_text(encoding="utf-8"))
    assert routes["routes"]["suggestion"]["kind"] != "complaint"  # (the default: not a complaint's clock)
    routes["routes"]["suggestion"]["kind"] = "complaint"
    path = tmp_path / "routes_sugg.yaml"
    path.write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    return path


def _posts(tmp_path):
    df = pd.DataFrame({"post_id": ["s1"], "created_at": pd.to_datetime(["2024-05-06 09:00"]),
                       "text": ["建议增加夜间客服"], "sentiment": "neutral", "intent": "suggestion", "topic": "service",
                       "reply_at": pd.to_datetime(["2024-05-06 10:00"])})
    df.to_csv(tmp_path / "sugg.csv", index=False)
    df.to_parquet(tmp_path / "sugg.parquet")
    return tmp_path / "sugg.csv", tmp_path / "sugg.parquet"


def test_kpi_counts_the_kind_triage_gives_in_every_engine(tmp_path):
    routes = _routes(tmp_path)
    csv, parquet = _posts(tmp_path)
    r = run_cli("triage", "--posts", str(csv), "--routes", str(routes), "--out", str(tmp_path / "tri.csv"))
    assert r.returncode == 0, r.stderr
    tri = pd.read_csv(tmp_path / "tri.csv")
    # a complaint's clock: acknowledge within 30 minutes (data/policy.yaml), by 09:30; the reply at 10:00 is late
    assert tri["kind"].tolist() == ["complaint"] and tri["acknowledge_by"].str[:16].tolist() == ["2024-05-06 09:30"]
    for engine, source in (("pandas", csv), ("duckdb", parquet), ("dask", parquet)):
        r = run_cli("kpi", "--posts", str(source), "--engine", engine, "--routes", str(routes), "--json")
        assert r.returncode == 0, r.stderr
        sla = json.loads(r.stdout)["sla"]
        assert (sla["complaint"]["posts"], sla["complaint"]["acknowledge_due"], sla["complaint"]["acknowledge_met"],
                sla["consultation"]["posts"]) == (1, 1, 0, 0), engine
    # without --routes: the default routes, as before
    r = run_cli("kpi", "--posts", str(csv), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sla"]["complaint"]["posts"] == 0


@pytest.mark.parametrize("by", ["post_kind", None])
def test_indicators_and_engines_take_routes(tmp_path, by):
    routes = _routes(tmp_path)
    _, parquet = _posts(tmp_path)
    posts = pd.read_parquet(parquet)
    want = indicators(posts, by=by, routes=routes)
    for engine in (duck.indicators, partitioned.indicators):
        got = engine(parquet, by=by, routes=routes)
        if by is None:
            assert got["sla"] == want["sla"] and want["sla"]["complaint"]["acknowledge_attainment"] == 0
        else:
            assert got["post_kind"].tolist() == want["post_kind"].tolist() == ["complaint"]


def test_a_routes_file_the_kpis_cannot_count_by_is_one_error_line(tmp_path):
    routes = yaml.safe_load(data_file("routes.yaml").read_text(encoding="utf-8"))
    routes["rules"].insert(0, {"route": "thank", "when": {"province": "北京"}})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    csv, _ = _posts(tmp_path)
    r = run_cli("kpi", "--posts", str(csv), "--routes", str(path), "--json")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "'province'" in r.stderr, r.stderr
