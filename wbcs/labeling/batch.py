"""Offline annotation batches: the gold sample, batch files to label, validated import.

1. ``gold_sample`` draws the posts to label (stratified by operator and
   is_complaint) and ``write_sample`` stores their ids (no texts) under data/labels.
2. ``items_for`` turns posts into what an annotator reads (normalised, PII-masked
   first post, helpdesk reply and the rest of the thread) and ``export_batches``
   writes them as ``batch_NNN.jsonl`` with a ``batch_NNN.labels.csv`` template, into
   a git-ignored folder.
3. ``read_annotations`` validates a filled-in file against the taxonomy and the
   sample: wide (one column per field) from annotators, or long (``item_id, field,
   value``) from the adjudicator. The first bad row stops the import with one line
   naming the file, row, item and column; ``import_annotations`` records a good file
   in one transaction (only what changes, so re-importing duplicates nothing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from wbcs.errors import InputError
from wbcs.labeling.fields import applies, label_fields, taxonomy
from wbcs.labeling.sampling import stratified_sample
from wbcs.labeling.store import ImportSummary, LabelStore, read_records
from wbcs.schema import Taxonomy
from wbcs.text import mask_pii, normalize

SAMPLE_COLUMNS = ["post_id", "operator", "is_complaint"]
STRATA = ["operator", "is_complaint"]
ANNOTATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$")


# --------------------------------------------------------------------------- the sample


def gold_sample(posts: pd.DataFrame, n: int = 650, *, seed=0) -> pd.DataFrame:
    """``n`` posts stratified by operator × is_complaint (proportional), shuffled; ids only."""
    return stratified_sample(posts, n, by=STRATA, seed=seed)[SAMPLE_COLUMNS]


def write_sample(sample: pd.DataFrame, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    sample[SAMPLE_COLUMNS].to_csv(p, index=False)
    return p


def read_sample(path: str | Path | Sequence[str | Path]) -> list[str]:
    """The post ids of a sample file (a CSV with a ``post_id`` column), in order; of
    several files, their ids one after the other (an id in two of them is an error)."""
    if isinstance(path, (list, tuple)):
        ids = [i for f in path for i in read_sample(f)]
        if len(set(ids)) < len(ids):
            dup = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
            raise InputError(f"{', '.join(map(str, path))}: post id {dup!r} is in two samples")
        return ids
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: sample file not found; create it with 'wbcs label sample --out {p}'")
    rows = read_records(p)
    if not rows or "post_id" not in rows[0]:
        raise InputError(f"{p}: needs a 'post_id' column with at least one row")
    ids, seen = [], set()
    for n, row in enumerate(rows, 1):
        pid = row["post_id"].strip()
        if not pid:
            raise InputError(f"{p}: row {n}, column 'post_id' is empty")
        if pid in seen:
            raise InputError(f"{p}: row {n}, column 'post_id': duplicate id {pid!r}")
        seen.add(pid)
        ids.append(pid)
    return ids


# --------------------------------------------------------------------------- what annotators read


def clean(text) -> str:
    """Text as annotators and reviewers see it: normalised, PII masked, '' when missing."""
    return "" if text is None or pd.isna(text) else mask_pii(normalize(str(text)))


def _turns(thread: str) -> list[dict]:
    """Split ``load_stc3``'s "sender: text" thread lines (a turn may span lines)."""
    turns: list[dict] = []
    for line in str(thread).splitlines():
        sender, sep, text = line.partition(": ")
        if sep and sender in ("customer", "helpdesk"):
            turns.append({"sender": sender, "text": text})
        elif turns:
            turns[-1]["text"] += "\n" + line
    return turns


def items_for(posts: pd.DataFrame, ids: Iterable[str] | None = None, *,
              source: str = "sample") -> pd.DataFrame:
    """The items to label: ``item_id``, ``operator``, ``text`` (first post), ``reply``
    (first helpdesk reply) and ``context`` (the rest of the thread: every later turn
    but that reply, as ``{sender, text}``), all normalised and masked, in the order of
    ``ids``."""
    by_id = posts.set_index(posts["post_id"].astype(str), drop=False)
    ids = list(by_id.index) if ids is None else list(ids)
    unknown = [i for i in ids if i not in by_id.index]
    if unknown:
        raise InputError(f"{source}: post id {unknown[0]!r} is not among the posts "
                         f"({len(unknown)} unknown); was the sample drawn from another split?")
    rows = []
    for pid in ids:
        post = by_id.loc[pid]
        thread = _turns(post["thread"]) if "thread" in post and pd.notna(post["thread"]) else []
        later = thread[1:]
        first_reply = next((i for i, t in enumerate(later) if t["sender"] == "helpdesk"), None)
        reply = later.pop(first_reply)["text"] if first_reply is not None else post.get("reply_text")
        rows.append({
            "item_id": pid,
            "operator": None if pd.isna(post.get("operator")) else str(post["operator"]),
            "text": clean(post["text"]),
            "reply": clean(reply),
            "context": [{"sender": t["sender"], "text": clean(t["text"])} for t in later],
        })
    return pd.DataFrame(rows, columns=["item_id", "operator", "text", "reply", "context"])


def export_batches(items: pd.DataFrame, out_dir: str | Path, *, size: int = 50,
                   tax: Taxonomy | None = None) -> list[Path]:
    """Write ``batch_NNN.jsonl`` (what to read) and ``batch_NNN.labels.csv`` (an empty
    template to fill) per ``size`` items; returns the batch files."""
    if size < 1:
        raise InputError(f"--size must be at least 1, got {size}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fields = label_fields(tax)
    written = []
    chunks = range(0, len(items), size)
    for k, start in enumerate(tqdm(chunks, desc="batches", unit="batch"), 1):
        chunk = items.iloc[start:start + size]
        path = out / f"batch_{k:03d}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for row in chunk.to_dict("records"):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        template = pd.DataFrame({"item_id": chunk["item_id"], **{f: "" for f in fields}})
        template.to_csv(out / f"batch_{k:03d}.labels.csv", index=False)
        written.append(path)
    return written


# --------------------------------------------------------------------------- validated import


def check_annotator(name: str) -> str:
    if not isinstance(name, str) or not ANNOTATOR.match(name):
        raise InputError(f"annotator name {name!r}: use letters, digits, '_', '-' or '.' "
                         f"(e.g. ann1, test-alice), at most 41 characters")
    return name


def _value(p, n, item, field, value, tax) -> str:
    known = tax.ids(field)
    if value not in known:
        raise InputError(f"{p}: row {n} (item {item}), column {field!r}: unknown label {value!r} "
                         f"(known: {', '.join(known)})")
    return value


def read_annotations(path: str | Path, *, known_ids: Iterable[str] | None = None,
                     tax: Taxonomy | None = None) -> list[dict]:
    """Validate an annotation file; returns rows ``{item_id, field, value}``.

    Wide files (``item_id`` + one column per field) must give every field of every
    row, and the subtype exactly when it applies (blank otherwise). Long files
    (``item_id, field, value``, the adjudicator's) may leave a value blank: that row
    is not recorded.
    """
    p, tax = Path(path), taxonomy(tax)
    rows = read_records(p)
    if not rows:
        raise InputError(f"{p}: no rows")
    fields = label_fields(tax)
    columns = list(rows[0])
    long = "field" in columns and "value" in columns
    expected = ["item_id", "field", "value"] if long else ["item_id", *fields]
    for col in expected:
        if col not in columns:
            raise InputError(f"{p}: missing column {col!r} (an annotation file has "
                             f"{', '.join(expected)})")
    extra = [c for c in columns if c not in expected]
    if extra and not long:
        raise InputError(f"{p}: unknown column {extra[0]!r} (an annotation file has only "
                         f"{', '.join(expected)}); remove it")
    known = None if known_ids is None else set(known_ids)
    out, seen = [], set()
    for n, raw in enumerate(rows, 1):
        row = {k: (v or "").strip() for k, v in raw.items()}
        item = row["item_id"]
        if not item:
            raise InputError(f"{p}: row {n}, column 'item_id' is empty")
        if known is not None and item not in known:
            raise InputError(f"{p}: row {n}, column 'item_id': unknown item id {item!r} "
                             f"(not in the sample)")
        if long:
            field = row["field"]
            if field not in fields:
                raise InputError(f"{p}: row {n} (item {item}), column 'field': unknown field "
                                 f"{field!r} (known: {', '.join(fields)})")
            if (item, field) in seen:
                raise InputError(f"{p}: row {n} (item {item}): field {field!r} given twice")
            seen.add((item, field))
            if row["value"]:
                out.append({"item_id": item, "field": field,
                            "value": _value(p, n, item, field, row["value"], tax)})
            continue
        if item in seen:
            raise InputError(f"{p}: row {n}, column 'item_id': item {item!r} given twice")
        seen.add(item)
        labels = {}
        for field in fields:
            needed = applies(field, row, tax)
            value = row[field]
            if needed and not value:
                cond = " and ".join(f"{k} is {v!r}" for k, v in tax[field].applies_when)
                raise InputError(f"{p}: row {n} (item {item}), column {field!r} is empty"
                                 + (f" but {cond}" if cond else "") + "; every row needs it")
            if needed is False and value:
                cond = ", ".join(f"{k} is {row[k]!r}" for k, _ in tax[field].applies_when)
                raise InputError(f"{p}: row {n} (item {item}), column {field!r}: given but {cond}; "
                                 f"leave it blank")
            if needed is None and value:
                continue  # its condition's field is blank: that field's own error comes first
            if value:
                labels[field] = _value(p, n, item, field, value, tax)
        out += [{"item_id": item, "field": f, "value": v} for f, v in labels.items()]
    return out


def import_annotations(store: LabelStore, path: str | Path, annotator: str, *,
                       known_ids: Iterable[str] | None = None,
                       tax: Taxonomy | None = None) -> ImportSummary:
    """Validate ``path`` and record it for ``annotator`` (all of it, or nothing)."""
    check_annotator(annotator)
    rows = read_annotations(path, known_ids=known_ids, tax=tax)
    return store.record_changes([r | {"annotator": annotator} for r in rows],
                                source=f"batch:{Path(path).name}")


def progress(store: LabelStore, ids: Iterable[str], tax: Taxonomy | None = None) -> pd.DataFrame:
    """Per annotator: items of ``ids`` with every needed field labelled, and how many remain."""
    ids = list(ids)
    fields = label_fields(tax)
    cur = store.current()
    cur = cur[cur["item_id"].isin(set(ids))]
    rows = []
    for annotator, grp in cur.groupby("annotator"):
        wide = grp.pivot(index="item_id", columns="field", values="value")
        done = 0
        for _, labels in wide.iterrows():
            labels = {k: v for k, v in labels.items() if isinstance(v, str)}
            if all(f in labels or applies(f, labels, tax) is False for f in fields):
                done += 1
        rows.append({"annotator": annotator, "complete": done, "remaining": len(ids) - done})
    return pd.DataFrame(rows, columns=["annotator", "complete", "remaining"])


def import_passes(store: LabelStore, folder: str | Path, *, known_ids: Iterable[str] | None = None,
                  tax: Taxonomy | None = None) -> dict[str, ImportSummary]:
    """Import every annotator's committed files: ``folder/<annotator>/*.csv|*.jsonl``
    (sorted), each recorded for the folder's name. Returns a summary per file."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder of annotation passes")
    done = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(f for f in sub.iterdir() if f.suffix in (".csv", ".jsonl")):
            done[f"{sub.name}/{f.name}"] = import_annotations(store, f, sub.name,
                                                              known_ids=known_ids, tax=tax)
    return done
