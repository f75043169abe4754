"""Operator names are read as the codes of ``wbcs.schema.OPERATORS`` at ingest; an unknown one is kept as
written and said; an empty operator cell is filled from the operator the text names, as a file without an
operator column always was, and counted.

Before: ``wbcs kpi --posts op.csv`` (中国移动, 移动, china_mobile, China Mobile, CMCC) compared five China Mobiles
with each other (competitor_lead {'CMCC': -2.0, 'China Mobile': -2.0, 'china_mobile': 0.0, ...}), and a post
``@中国移动 ...`` with an empty operator cell had no operator."""

from __future__ import annotations

import json

import pandas as pd
import yaml

from tests.helpers import run_cli
from wbcs.config import data_file
from wbcs.io import ingest, ingest_to, read_posts
from wbcs.kpi import duck, partitioned
from wbcs.kpi.indicators import indicators

HEADER = "post_id,created_at,text,sentiment,intent,topic,operator\n"


def _spellings(tmp_path):
    src = tmp_path / "op.csv"
    src.write_text(HEADER + "o1,2024-05-06 10:00,a,negative,complaint,network,中国移动\n"
                   "o2,2024-05-06 10:01,b,positive,praise,network,移动\n"
                   "o3,2024-05-06 10:02,c,positive,praise,network,china_mobile\n"
                   "o4,2024-05-06 10:03,d,negative,complaint,network,China Mobile\n"
                   "o5,2024-05-06 10:04,e,negative,complaint,network,中国电信\n"
                   "o6,2024-05-06 10:05,e,negative,complaint,network,CMCC\n", encoding="utf-8")
    return src


def test_kpi_compares_one_china_mobile_with_china_telecom(tmp_path):
    r = run_cli("kpi", "--posts", str(_spellings(tmp_path)), "--json")
    assert r.returncode == 0, r.stderr
    # china_mobile: 2 positive, 3 negative → (2 − 3) / 5 = −0.2; china_telecom: 1 negative → −1
    # lead: −0.2 − (−1) = 0.8 and −1 − (−0.2) = −0.8
    lead = json.loads(r.stdout)["competitor_lead"]
    assert lead.keys() == {"network"} and lead["network"].keys() == {"china_mobile", "china_telecom"}
    assert round(lead["network"]["china_mobile"], 12) == 0.8 and round(lead["network"]["china_telecom"], 12) == -0.8


def test_names_read_as_codes():
    from wbcs.schema import operator_code  # here: the CLI tests above run on code without it too

    for name in ["中国移动", "移动", "china_mobile", "China Mobile", "CMCC", "cmcc", " CHINA-MOBILE ", "中國移動",
                 "ＣＭＣＣ"]:
        assert operator_code(name) == "china_mobile", name
    assert [operator_code(n) for n in ["中国电信", "China Telecom", "联通", "CUCC"]] == \
        ["china_telecom", "china_telecom", "china_unicom", "china_unicom"]
    assert operator_code("中国广电") is None and operator_code("移动互联网") is None and operator_code(None) is None


def test_the_operator_tables_agree():
    from wbcs.schema import OPERATORS

    # the reply wording and the synthetic posts name the operators too: the same codes and Chinese names
    for name, key in (("replies.yaml", "name"), ("synth_templates.yaml", "zh")):
        ops = {k: v for k, v in yaml.safe_load(data_file(name).read_text(encoding="utf-8"))["operators"].items()
               if isinstance(v, dict)}
        assert {k: v[key] for k, v in ops.items()} == {o.code: o.zh for o in OPERATORS.values()}, name


def test_empty_cells_filled_from_the_text_unknown_kept_and_said(tmp_path):
    src = tmp_path / "f.csv"
    src.write_text(HEADER + "x1,2024-05-06 10:00,@中国移动 信号太差,negative,complaint,network,\n"
                   "x2,2024-05-06 10:01,电信宽带又断了,negative,complaint,broadband,\n"
                   "x3,2024-05-06 10:02,好,positive,praise,service,中国广电\n"
                   "x4,2024-05-06 10:03,嗯,neutral,other,other,\n", encoding="utf-8")
    r = run_cli("ingest", str(src), "--out", str(tmp_path / "o.parquet"), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)["files"][str(src)]
    assert s["operators_from_text"] == 2 and s["unknown_operators"] == {"中国广电": 1}
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert out["operator"].tolist()[:3] == ["china_mobile", "china_telecom", "中国广电"] and pd.isna(out["operator"][3])
    r = run_cli("kpi", "--posts", str(src), "--json")
    assert r.returncode == 0, r.stderr
    assert "f.csv: 2 empty operator cell(s) filled with the operator the post's text names" in r.stderr
    assert "f.csv: operator(s) '中国广电' (1 row(s)) not known, kept as written" in r.stderr
    assert json.loads(r.stdout)["competitor_lead"] == {"broadband": {"china_telecom": None},
                                                       "network": {"china_mobile": None},
                                                       "service": {"中国广电": None}}


def test_no_operator_column_counted_not_said(tmp_path, capsys):
    src = tmp_path / "n.csv"
    src.write_text("text,created_at\n@中国联通客服 网速慢,2024-05-06 10:00\n你好,2024-05-06 10:01\n", encoding="utf-8")
    posts, info = read_posts(src)
    assert posts["operator"].tolist()[0] == "china_unicom" and info["operators_from_text"] == 1
    assert "operator" not in capsys.readouterr().err  # every export without the column: nothing of its own filled


def test_engines_agree_on_an_ingested_file(tmp_path):
    # the archive engines read what ingest wrote: codes, as the pandas engine reads the export
    out = tmp_path / "op.parquet"
    ingest_to([_spellings(tmp_path)], out, tmp_path / "r.csv")
    want = {"network": {"china_mobile": 0.8, "china_telecom": -0.8}}  # as in the CLI test above
    for got in (indicators(ingest(out).posts), duck.indicators(str(out), quiet=True),
                partitioned.indicators(str(out), quiet=True)):
        assert {t: {o: round(v, 12) for o, v in ops.items()} for t, ops in got["competitor_lead"].items()} == want
