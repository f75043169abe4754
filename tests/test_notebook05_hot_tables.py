"""Notebooks 05 and 06 show values as the package writes them (an audit's finding): nb05's hot issues and posting
norms displayed raw Python values (lists such as [publish an apology…], p_value 4.569259e-59, expected 15.94009,
a dict {'posts_per_day': 0, …}, post id lists), and nb06 wrote a reply's quality +.2f in §2 and +.3f in §4. The
notebooks' runs are tests/test_kpi_notebook.py and tests/test_reply_notebook.py."""

from __future__ import annotations

import json

import pandas as pd

from wbcs.config import ROOT
from wbcs.kpi.norms import check_norms
from wbcs.report import norms_tables, spike_table
from wbcs.synth import generate_account_posts
from wbcs.viz.tables import quality_text


def cells(name: str) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")  # committed without outputs
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_nb05_shows_the_hot_issues_and_norms_as_the_report_does():
    hot = next(c for c in cells("05-kpi-dashboard.ipynb") if "hot_issues(" in c)
    assert "spike_table(" in hot and "incident_table(" in hot and "one_text_per_row(" in hot
    assert 'hot["incidents"][[' not in hot and "p_value" not in hot
    norms = next(c for c in cells("05-kpi-dashboard.ipynb") if "check_norms(" in c)
    assert "norms_tables(" in norms and "to_dict()" not in norms and ".breaches" not in norms


def test_nb06_writes_every_quality_with_one_helper():
    code = "\n".join(cells("06-reply-drafts.ipynb"))
    assert code.count("quality_text") == 4 and "+.3f" not in code and "+.2f" not in code


def test_quality_text():
    assert [quality_text(q) for q in (0.4567, -1.2, 0.0, None, float("nan"))] == ["+0.46", "-1.20", "+0.00", "—", "—"]


def test_norms_tables_count_per_rule_and_cut_the_post_ids():
    summary, detail = norms_tables(check_norms(generate_account_posts(days=30, seed=0)))
    assert summary.columns.tolist() == ["rule", "breaches", "checked"]
    assert dict(zip(summary["rule"], summary["breaches"], strict=True))["charity_reposts"] == 3
    pictures = detail.loc[detail["rule"] == "pictures", "post_ids"].iloc[0]  # 11 posts without a picture that day
    assert pictures.count(", ") == 3 and pictures.endswith(" … 7 more")


def test_spike_table_writes_counts_p_values_and_post_ids():
    spikes = pd.DataFrame({"detected_at": [pd.Timestamp("2025-01-20 20:00")], "key": ["topic:network"],
                           "observed": [130], "expected": [15.94009], "p_value": [4.569259e-59], "n_users": [120],
                           "clusters_inside": [3], "platforms": [["forum", "sina_weibo"]], "sample_text": ["没信号"],
                           "post_ids": [[f"p{i}" for i in range(8)]]})
    row = spike_table(spikes, 7).iloc[0]
    assert row["posts (expected from the 7 days before)"] == "130 (15.9)" and row["p-value"] == "4.6e-59"
    assert row["post ids"] == "p0, p1, p2, p3, p4 … 3 more"
