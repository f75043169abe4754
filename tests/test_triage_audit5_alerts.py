"""triage --alerts with a policy that lacks the aggregation rules' thresholds fails before writing anything."""

import pandas as pd
import yaml

from tests.helpers import run_cli
from wbcs.config import data_file


def test_a_policy_without_aggregation_thresholds_fails_before_out_is_written(tmp_path):
    raw = yaml.safe_load(data_file("policy.yaml").read_text(encoding="utf-8"))
    del raw["aggregation"]
    policy = tmp_path / "pol.yaml"
    policy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    posts = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["a"], "text": ["流量怎么查？"], "created_at": ["2025-01-06 09:00"],
                  "sentiment": ["neutral"], "intent": ["consultation"]}).to_csv(posts, index=False)
    out = tmp_path / "o.csv"
    r = run_cli("triage", "--posts", str(posts), "--out", str(out), "--alerts", str(tmp_path / "a.csv"),
                "--policy", str(policy))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "pol.yaml: aggregation." in r.stderr
    assert not out.exists()  # it was written, then the alerts failed
