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
