"""``wbcs kpi`` (pandas engine), ``hot``, ``report`` and ``simulate`` read none of an export's columns they never
show (``read_posts(keep=False)``), but those ``--by`` names and the label companions (``_proba``, ``_source``,
the model) the shares are corrected with. Before: every column was read, held and masked (200,000 posts with 30
unused text columns: ~1 GB peak against ~0.7 GB without them, 67 s against 10 s)."""

from __future__ import annotations

import json

import pandas as pd

from tests.helpers import run_cli


def test_kpi_reads_only_the_columns_it_uses(tmp_path):
    df = pd.DataFrame({"post_id": ["a", "b", "c"], "created_at": ["2024-05-06 10:00", "2024-05-06 11:00",
                                                                  "2024-05-06 12:00"],
                       "text": ["信号差", "谢谢", "没网"], "sentiment": ["negative", "positive", "negative"],
                       "intent": ["complaint", "praise", "complaint"], "topic": "network",
                       "split": ["x", "x", "y"], "unused": ["1", "2", "3"]})
    df.to_csv(tmp_path / "p.csv", index=False)
    r = run_cli("kpi", "--posts", str(tmp_path / "p.csv"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["input"]["unread_columns"] == ["split", "unused"]
    r = run_cli("kpi", "--posts", str(tmp_path / "p.csv"), "--by", "split", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["input"]["unread_columns"] == ["unused"]
    assert {row["split"]: row["volume"] for row in out["table"]} == {"x": 2, "y": 1}


def test_a_model_s_learnt_marks_are_read_back(tmp_path):
    """``wbcs predict``'s ``FIELD_learnt`` (the post is one the model was fitted on) is read back with the labels:
    unread (keep=False), the shipped model's topics on its own training texts were corrected with its
    cross-validated errors instead of counted."""
    from pathlib import Path

    written = pd.read_csv(Path(__file__).parents[1] / "data" / "synthetic" / "posts.csv")
    texts = written.loc[written["field"].eq("topic"), "text"].head(30)  # the shipped topic model learnt them
    pd.DataFrame({"post_id": [f"p{i}" for i in range(len(texts))], "created_at": "2024-05-06 10:00",
                  "text": texts.to_numpy(), "unused": "x"}).to_csv(tmp_path / "p.csv", index=False)
    r = run_cli("predict", "--input", str(tmp_path / "p.csv"), "--out", str(tmp_path / "labelled.csv"))
    assert r.returncode == 0, r.stderr
    r = run_cli("kpi", "--posts", str(tmp_path / "labelled.csv"), "--json", "--no-cache")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)["input"]
    assert info["unread_columns"] == ["unused"] and info["classified"]["learnt"]["topic"] == 30
