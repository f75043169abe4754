"""Labelling speed: durable writes, reading the current labels, a key press end to end,
and uncertainty scores — each next to a baseline measured in the same run.

1. ``LabelStore.record`` (WAL, synchronous=FULL: fsync per label) next to WAL with
   synchronous=NORMAL, SQLite's default rollback journal, and a JSON Lines file with an
   fsync per line (the simplest durable log).
2. ``LabelStore.current()`` on a store the size of the gold set (650 posts × 5 fields ×
   2 annotators + adjudication, with undos) next to reading the history and replaying
   it in Python.
3. One key press in the widget (label → store → re-render) on the 650-post queue, next
   to the bare ``record`` it contains.
4. ``sampling.uncertainty`` (numpy) next to small-text's PredictionEntropy, which it
   replaced (small-text scores row by row).
5. Importing every committed annotation pass into a new store (``record_passes``, what
   ``wbcs label rebuild`` does), next to the same import reading the whole store's current
   labels on every file (what ``record_changes`` did before it read only the file's items).

Usage: python -m benchmarks.bench_labeling   (or python -m benchmarks.run labeling)
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _per_call(fn, n: int) -> np.ndarray:
    times = np.empty(n)
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times[i] = time.perf_counter() - t0
    return times


def _row(name: str, times: np.ndarray, base: float | None = None) -> str:
    med = float(np.median(times)) * 1000
    p99 = float(np.percentile(times, 99)) * 1000
    ratio = f"{med / base:.2f}×" if base else "1.00×"
    return f"| {name} | {med:.3f} | {p99:.3f} | {1000 / med:,.0f} | {ratio} |"


def bench_record(tmp: Path, n: int) -> list[str]:
    from wbcs.labeling.store import LabelStore

    rows = []
    store = LabelStore(tmp / "full.sqlite")
    full = _per_call(lambda i: store.record(f"p{i}", "sentiment", "negative", "bench"), n)
    store.close()
    normal = LabelStore(tmp / "normal.sqlite")
    normal._db.execute("PRAGMA synchronous = NORMAL")
    t_normal = _per_call(lambda i: normal.record(f"p{i}", "sentiment", "negative", "bench"), n)
    normal.close()
    db = sqlite3.connect(tmp / "rollback.sqlite", isolation_level=None)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, item TEXT, field TEXT, value TEXT)")
    t_rollback = _per_call(lambda i: db.execute(
        "INSERT INTO events (item, field, value) VALUES (?, ?, ?)", (f"p{i}", "sentiment", "negative")), n)
    db.close()
    f = open(tmp / "log.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def append(i):
        f.write(json.dumps({"item": f"p{i}", "field": "sentiment", "value": "negative"}) + "\n")
        f.flush()
        os.fsync(f.fileno())

    t_jsonl = _per_call(append, n)
    f.close()
    base = float(np.median(t_jsonl)) * 1000
    rows.append(_row("LabelStore.record (WAL, synchronous=FULL) — wbcs", full, base))
    rows.append(_row("LabelStore.record, WAL + synchronous=NORMAL", t_normal, base))
    rows.append(_row("plain INSERT, rollback journal (SQLite default), FULL", t_rollback, base))
    rows.append(_row("JSON Lines append + fsync (baseline)", t_jsonl, base))
    return rows


def _gold_sized_store(path: Path, ids: list[str]):
    from wbcs.labeling.store import LabelStore
    from wbcs.schema import load_taxonomy

    tax = load_taxonomy()
    rng = np.random.default_rng(0)
    store = LabelStore(path)
    for ann in ("ann1", "ann2"):
        rows = []
        for iid in ids:
            for field in ("sentiment", "intent", "topic", "identifiable"):
                rows.append({"item_id": iid, "field": field, "annotator": ann,
                             "value": str(rng.choice(tax.ids(field)))})
        store.record_many(rows)
        for _ in range(200):
            store.undo(ann)
            store.redo(ann)
    store.record_many([{"item_id": iid, "field": "topic", "value": "other", "annotator": "adjudicator"}
                       for iid in ids[:100]])
    return store


def bench_current(tmp: Path, ids: list[str], repeat: int) -> list[str]:
    store = _gold_sized_store(tmp / "gold.sqlite", ids)

    def replay(_):
        hist = store.history()
        undone: dict[int, int] = {}
        for r in hist.itertuples():
            if r.action in ("undo", "redo"):
                undone[r.target] = undone.get(r.target, 0) + (1 if r.action == "undo" else -1)
        labels = hist[(hist["action"] == "label") & ~hist["id"].map(lambda i: undone.get(i, 0) > 0)]
        return labels.groupby(["item_id", "field", "annotator"]).tail(1)

    assert len(replay(0)) == len(store.current())
    t_sql = _per_call(lambda _: store.current(), repeat)
    t_py = _per_call(replay, repeat)
    n = len(store.history())
    store.close()
    base = float(np.median(t_py)) * 1000
    return [_row(f"LabelStore.current() on {n:,} events — wbcs", t_sql, base),
            _row("history() + replay in Python (baseline)", t_py, base)]


def bench_keypress(tmp: Path, ids: list[str], repeat: int) -> list[str]:
    from wbcs.labeling.controller import LabelingController
    from wbcs.labeling.store import LabelStore
    from wbcs.labeling.widget import Annotator

    items = pd.DataFrame({"item_id": ids, "text": [f"测试帖子 {i}" for i in range(len(ids))]})
    store = LabelStore(tmp / "widget.sqlite")
    c = LabelingController(items, store, "bench", auto_advance=False)
    view = Annotator(c)
    keys = ["1", "2", "3"]
    t_key = _per_call(lambda i: view.handle_key({"event": "keydown", "key": keys[i % 3]}), repeat)
    t_rec = _per_call(lambda i: store.record(ids[0], "sentiment", "neutral", "bench2"), repeat)
    store.close()
    base = float(np.median(t_rec)) * 1000
    return [_row(f"key press → label → re-render ({len(ids)}-post queue) — wbcs", t_key, base),
            _row("the bare LabelStore.record inside it (baseline)", t_rec, base)]


def bench_uncertainty(n: int, repeat: int) -> list[str]:
    from wbcs.labeling.sampling import uncertainty

    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(13), size=n)

    def small_text_entropy(_):
        from small_text.query_strategies import PredictionEntropy

        class Fixed:  # small-text's strategies only call clf.predict_proba(dataset)
            def predict_proba(self, _dataset):
                return p

        idx = np.arange(n)
        return -PredictionEntropy().score(Fixed(), None, idx, np.array([], int), np.array([], int))

    assert np.allclose(uncertainty(p, "entropy"), small_text_entropy(0))
    t_np = _per_call(lambda _: uncertainty(p, "entropy"), repeat)
    t_st = _per_call(small_text_entropy, repeat)
    base = float(np.median(t_st)) * 1000
    return [_row(f"uncertainty(entropy), {n:,} × 13 (numpy) — wbcs", t_np, base),
            _row("small-text PredictionEntropy (peer)", t_st, base)]


def bench_import(tmp: Path) -> list[str]:
    from wbcs.config import DATA_DIR, label_samples
    from wbcs.labeling.batch import read_passes, record_passes, sample_fields
    from wbcs.labeling.store import LabelStore

    class WholeStore(LabelStore):  # the baseline: every file's import reads every current label
        def current(self, annotator=None, *, items=None):
            return super().current(annotator)

    passes = read_passes(DATA_DIR / "labels" / "passes", known_ids=sample_fields(label_samples()))
    out, seconds = [], {}
    for name, cls in (("whole", WholeStore), ("items", LabelStore)):
        with cls(tmp / f"import-{name}.sqlite") as store:
            t0 = time.perf_counter()
            record_passes(store, passes, progress=False)
            seconds[name] = time.perf_counter() - t0
            n = len(store.current())
        out.append((name, n))
    assert out[0][1] == out[1][1], "the two imports recorded different labels"
    base = seconds["whole"] * 1000
    what = f"{len(passes)} pass files, {out[1][1]:,} current labels"
    return [_row(f"record_passes, only the file's items ({what}) — wbcs", np.array([seconds["items"]]), base),
            _row("record_passes, whole store read per file (before)", np.array([seconds["whole"]]), base)]


def main(argv=None) -> int:
    from wbcs.config import DATA_DIR
    from wbcs.labeling.batch import read_sample

    ids = read_sample(DATA_DIR / "labels" / "gold_sample.csv")
    print("| operation | median ms | p99 ms | per second | vs baseline/peer |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for line in (bench_record(tmp, 500) + bench_current(tmp, ids, 20)
                     + bench_keypress(tmp, ids, 200) + bench_uncertainty(20_000, 3) + bench_import(tmp)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
