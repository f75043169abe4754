"""``python -m wbcs.demo --out DIR`` rebuilds the label store of a folder it marked (``.wbcs-demo``) only while the
store holds what the demo wrote: a user who ran the demo and then labelled posts in its folder lost those labels on
the next run (the store was deleted and rebuilt from the committed passes)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd

import wbcs.config
from tests.helpers import one_error
from wbcs import demo
from wbcs.config import ROOT
from wbcs.labeling.store import LabelStore

IDS = ["p1", "p2"]


def _data(tmp_path):
    """Two annotators' passes of two posts: 4 labels each (no negative_subtype: not negative), 16 events."""
    data = tmp_path / "data"
    shutil.copy(ROOT / "data" / "taxonomy.yaml", (data / "labels").mkdir(parents=True) or data / "taxonomy.yaml")
    (data / "labels" / "gold_sample.csv").write_text(
        "post_id,operator,is_complaint\n" + "".join(f"{i},china_telecom,True\n" for i in IDS), encoding="utf-8")
    for annotator in ("ann1", "ann2"):
        (data / "labels" / "passes" / annotator).mkdir(parents=True)
        (data / "labels" / "passes" / annotator / "b.csv").write_text(
            "item_id,sentiment,intent,topic,negative_subtype,identifiable\n"
            + "".join(f"{i},neutral,other,other,,no\n" for i in IDS), encoding="utf-8")
    return data


def _events(store) -> int:
    with LabelStore(store, readonly=True) as s:
        return len(s.history())


def test_the_demo_rebuilds_its_own_store_but_never_one_with_labels_recorded_since(tmp_path, monkeypatch):
    monkeypatch.setenv("WBCS_SMOKE", "1")
    monkeypatch.setattr(wbcs.config, "DATA_DIR", _data(tmp_path))
    posts = pd.DataFrame({"post_id": IDS, "text": ["宽带断了", "话费多扣了"], "operator": "china_telecom"})
    out = tmp_path / "demo"
    store = out / "labels.sqlite"
    assert demo._not_ours(out) is None  # absent: the demo makes it (main marks it, then the stages write)
    out.mkdir()
    (out / demo.MARKER).write_text("python -m wbcs.demo wrote this folder\n", encoding="utf-8")
    for _ in range(2):  # a fresh re-run rebuilds the demo's own store
        demo.stage_label(out, {"posts": posts})
        assert _events(store) == 16 and demo._not_ours(out) is None
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # built beside the store, then renamed

    with LabelStore(store) as s:  # then a user labels a post in the demo's folder
        s.record("p1", "sentiment", "negative", "me")
    before = store.read_bytes()
    said = (f"--out {out}: {store} holds 17 label events, the demo wrote 16 (labels were recorded there since); "
            f"move it out of {out} to keep them, or give an empty or new --out folder (the default is out/demo)")
    assert demo._not_ours(out) == said.removeprefix(f"--out {out}: ")
    r = subprocess.run([sys.executable, "-m", "wbcs.demo", "--out", str(out), "--smoke"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert one_error(r) == f"python -m wbcs.demo: {said}"
    assert store.read_bytes() == before
    with LabelStore(store, readonly=True) as s:
        assert s.labels_of("me", "p1") == {"sentiment": "negative"}


def test_a_marked_folder_whose_store_the_demo_never_noted_is_kept(tmp_path):
    """A store in a marked folder with no note of the demo's (an older demo's, or one put there): never replaced."""
    out = tmp_path / "demo"
    out.mkdir()
    (out / demo.MARKER).write_text("python -m wbcs.demo wrote this folder\n", encoding="utf-8")
    with LabelStore(out / "labels.sqlite") as s:
        s.record("p1", "sentiment", "neutral", "ann1")
    assert demo._not_ours(out) == (
        f"{out / 'labels.sqlite'}: the demo noted no store of its own there (an older demo's, or labels recorded by "
        f"someone); move it out of {out} to keep them, or give an empty or new --out folder (the default is out/demo)")
