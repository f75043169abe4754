"""`make demo` (python -m wbcs.demo) runs every stage end to end in a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from wbcs.config import ROOT
from wbcs.demo import STAGES


@pytest.mark.slow
def test_demo_runs_every_stage_and_writes_masked_outputs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "wbcs.demo", "--smoke", "--out", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    names = [fn.__name__.removeprefix("stage_") for fn in STAGES]
    assert names[:2] == ["ingest", "explore"] and "report" in names
    for name in names:
        assert f"== {name}" in r.stdout
    listed = re.findall(r"^  (\w+)\s+(/\S+)$", r.stdout, flags=re.M)
    assert {n for n, _ in listed} == set(names)
    assert all((tmp_path / p).exists() for _, p in listed)  # every file it lists is there

    posts = pd.read_parquet(tmp_path / "posts.parquet")
    assert not posts["text"].astype(str).str.contains(r"(?<!\d)1[3-9]\d{9}(?!\d)").any()  # phones masked
    kpi = json.loads((tmp_path / "kpi.json").read_text(encoding="utf-8"))
    assert kpi["volume"] == len(posts) and sum(row["volume"] for row in kpi["table"]) == len(posts)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Hot issues" in report and "<script" in report
    assert not re.search(r"<script[^>]*\bsrc=", report)  # plotly.js inlined: opens without network


def test_demo_stages_write_through_the_safe_writer(tmp_path, monkeypatch):
    """The demo's gold.csv and JSON files go through wbcs.io: gold.csv with its BOM and no cell a spreadsheet would
    run (to_csv wrote =1+1 as it was), and a folder in a file's place is one InputError (was IsADirectoryError)."""
    import shutil

    import wbcs.config
    from wbcs import demo
    from wbcs.errors import InputError
    from wbcs.synth import generate_posts

    monkeypatch.setenv("WBCS_SMOKE", "1")
    data, ids = tmp_path / "data", ["=1+1", "p2"]
    (data / "labels" / "passes").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "taxonomy.yaml", data / "taxonomy.yaml")
    (data / "labels" / "gold_sample.csv").write_text(
        "post_id,operator,is_complaint\n" + "".join(f"{i},china_telecom,True\n" for i in ids), encoding="utf-8")
    for annotator in ("ann1", "ann2"):
        (data / "labels" / "passes" / annotator).mkdir()
        (data / "labels" / "passes" / annotator / "b.csv").write_text(
            "item_id,sentiment,intent,topic,negative_subtype,identifiable\n"
            + "".join(f"{i},neutral,other,other,,no\n" for i in ids), encoding="utf-8")
    posts = pd.DataFrame({"post_id": ids, "text": ["宽带断了", "话费多扣了"], "operator": "china_telecom"})
    out, blocked = tmp_path / "out", tmp_path / "blocked"
    for name in ("label_agreement.json", "kpi.json", "simulate/summary.json"):
        (blocked / name).mkdir(parents=True)
    with monkeypatch.context() as m:
        m.setattr(wbcs.config, "DATA_DIR", data)
        files = demo.stage_label(out, {"posts": posts})
        with pytest.raises(InputError, match="label_agreement.json: is a folder"):
            demo.stage_label(blocked, {"posts": posts})
    assert [p.name for p in files[-2:]] == ["label_agreement.json", "gold.csv"]
    assert json.loads((out / "label_agreement.json").read_text(encoding="utf-8"))["topic"]["n"] == 2
    gold = (out / "gold.csv").read_bytes().decode("utf-8")
    assert gold.startswith("\ufeffpost_id,") and "\n'=1+1," in gold and "\n=" not in gold

    ctx = {"posts": generate_posts(days=3, posts_per_day=30, seed=0), "format": "html"}
    with pytest.raises(InputError, match="kpi.json: is a folder"):
        demo.stage_report(blocked, ctx)
    with pytest.raises(InputError, match="summary.json: is a folder"):
        demo.stage_simulate(blocked, ctx)
