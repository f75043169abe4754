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


def test_the_weekly_rules_clusters_show_a_bar_on_a_terminal(tmp_path):
    """The aggregation step was seconds of silence on 200k posts: its weekly rule's clusters now have a bar."""
    from tests.helpers import run_cli_on_terminal

    posts = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": [f"c{i}" for i in range(6)], "text": [f"宽带又断了第{i}次" for i in range(6)],
                  "created_at": [f"2025-01-0{6 + i % 3} 09:00" for i in range(6)],
                  "author_id": [f"a{i}" for i in range(6)], "platform": ["sina_weibo", "forum"] * 3,
                  "operator": "china_telecom", "topic": "broadband", "sentiment": "negative",
                  "intent": "complaint"}).to_csv(posts, index=False)
    r, shown = run_cli_on_terminal("triage", "--posts", str(posts), "--out", str(tmp_path / "o.csv"),
                                   "--alerts", str(tmp_path / "a.csv"))
    assert r.returncode == 0, shown
    assert "complaint_same_week: topic clusters" in shown, shown
    assert "complaint_same_week" in pd.read_csv(tmp_path / "a.csv")["rule"].tolist()
