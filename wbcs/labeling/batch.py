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
   in one transaction (only what changes, so re-importing duplicates nothing; a file whose
   content was imported before records nothing, and an edited one only its edited rows, so it
   never reverts a later correction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wbcs.errors import InputError
from wbcs.io.read import not_a_folder
from wbcs.io.write import atomic_path, check_outputs, write_table
from wbcs.labeling.agreement import ADJUDICATOR
from wbcs.labeling.fields import applies, label_fields, taxonomy
from wbcs.labeling.sampling import stratified_sample
from wbcs.labeling.store import (
    FORMATS,
    ImportSummary,
    LabelStore,
    check_annotator_name,
    import_source,
    read_records,
)
from wbcs.labeling.turns import clean, split_thread
from wbcs.pii import mask_pii
from wbcs.progress import bar
from wbcs.schema import Taxonomy

SAMPLE_COLUMNS = ["post_id", "operator", "is_complaint"]
STRATA = ["operator", "is_complaint"]


# --------------------------------------------------------------------------- the sample


def gold_sample(posts: pd.DataFrame, n: int = 650, *, seed=0) -> pd.DataFrame:
    """``n`` posts stratified by operator × is_complaint (proportional), shuffled; ids only."""
    return stratified_sample(posts, n, by=STRATA, seed=seed)[SAMPLE_COLUMNS]


def write_sample(sample: pd.DataFrame, path: str | Path) -> Path:
    return write_table(sample[SAMPLE_COLUMNS], path, mask=False)  # ids only: nothing to mask


def read_sample(path: str | Path | Sequence[str | Path]) -> list[str]:
    """The item ids of a sample file, in order; of several files, their ids one after the
    other (an id in two of them is an error)."""
    return list(sample_fields(path))


def sample_fields(path: str | Path | Sequence[str | Path], tax: Taxonomy | None = None,
                  ) -> dict[str, tuple[str, ...]]:
    """Item id → the fields labelled for it, from one or several sample files.

    A sample is a CSV with a ``post_id`` or ``item_id`` column; its items get every
    taxonomy field unless a ``fields`` column names some (space-separated, e.g. the
    customer turns' ``sentiment intent``)."""
    if isinstance(path, (list, tuple)):
        out: dict[str, tuple[str, ...]] = {}
        for f in path:
            for item, fields in sample_fields(f, tax).items():
                if item in out:
                    raise InputError(f"{', '.join(map(str, path))}: item id {item!r} is in two samples")
                out[item] = fields
        return out
    p = not_a_folder(path)
    if not p.is_file():
        raise InputError(f"{p}: sample file not found; create it with 'wbcs label sample --out {p}'")
    rows = read_records(p)
    col = next((c for c in ("item_id", "post_id") if rows and c in rows[0]), None)
    if col is None:
        raise InputError(f"{p}: needs a 'post_id' or 'item_id' column with at least one row")
    every = tuple(label_fields(tax))
    out = {}
    for n, row in enumerate(rows, 1):
        item = (row[col] or "").strip()
        if not item:
            raise InputError(f"{p}: row {n}, column {col!r} is empty")
        if item in out:
            raise InputError(f"{p}: row {n}, column {col!r}: duplicate id {item!r}")
        fields = tuple((row.get("fields") or "").split()) or every
        unknown = [f for f in fields if f not in every]
        if unknown:
            raise InputError(f"{p}: row {n}, column 'fields': unknown field {unknown[0]!r} "
                             f"(known: {', '.join(every)})")
        out[item] = tuple(f for f in every if f in fields)
    return out


# --------------------------------------------------------------------------- what annotators read


def items_for(posts: pd.DataFrame, ids: Iterable[str] | None = None, *,
              source: str = "sample") -> pd.DataFrame:
    """The items to label: ``item_id``, ``operator``, ``text`` (first post), ``reply``
    (first helpdesk reply) and ``context`` (the rest of the thread: every later turn
    but that reply, as ``{sender, text}``), all normalised and masked, in the order of
    ``ids``."""
    if "post_id" not in posts.columns:
        raise InputError(f"posts: no column 'post_id' to find the {source}'s posts by; columns: "
                         f"{', '.join(map(str, posts.columns))}")
    by_id = posts.set_index(posts["post_id"].astype(str), drop=False)
    ids = list(by_id.index) if ids is None else [str(i) for i in ids]  # an id read as a number is the same post
    unknown = [i for i in ids if i not in by_id.index]
    if unknown:
        raise InputError(f"{source}: post id {unknown[0]!r} is not among the posts "
                         f"({len(unknown)} unknown); was the sample drawn from another split?")
    twice = by_id.index[by_id.index.duplicated() & by_id.index.isin(ids)]
    if len(twice):
        raise InputError(f"posts: post id {twice[0]!r} is on {int((by_id.index == twice[0]).sum())} rows; "
                         "keep one row per post")
    rows = []
    for pid in ids:
        post = by_id.loc[pid]
        thread = split_thread(post["thread"]) if "thread" in post and pd.notna(post["thread"]) else []
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


_BATCH_FILE = re.compile(r"^batch_(\d+)\.(?:jsonl|labels\.csv)$")  # the files ``_batch_files`` names


def _batch_files(out_dir: str | Path, batches: int) -> list[tuple[Path, Path]]:
    out = Path(out_dir)
    return [(out / f"batch_{k:03d}.jsonl", out / f"batch_{k:03d}.labels.csv") for k in range(1, batches + 1)]


def check_batch_folder(out_dir: str | Path, batches: int, *, inputs=()) -> list[tuple[Path, Path]]:
    """Refuse, before any work, a batch folder that cannot take ``batches`` batches: a file
    rather than a folder, a place that cannot be written, a batch file that is one of the
    ``inputs`` (paths, or {option: path} as ``check_outputs`` takes them: the posts, the
    sample), or a ``batch_NNN.labels.csv`` that would be replaced while it holds labels
    (an annotator's work: never reset), or batch files of an earlier export beyond the ``batches``
    (their items, in the new batches too, would be labelled twice). Returns the (``.jsonl``,
    ``.labels.csv``) files to write."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: a file, not a folder; give a folder for the batch files, "
                         f"e.g. {out.with_suffix('')}_batches")
    files = _batch_files(out, batches)
    check_outputs([f for pair in files for f in pair], inputs=inputs, formats=None)
    stale = sorted(f.name for f in (out.iterdir() if out.is_dir() else ())
                   if (m := _BATCH_FILE.match(f.name)) and int(m.group(1)) > batches)
    if stale:
        raise InputError(f"--out {out}: holds {len(stale)} batch files of an earlier export beyond the {batches} "
                         f"batches of this one ({', '.join(stale[:4])}{', ...' if len(stale) > 4 else ''}); their "
                         "items are in the new batches too and would be labelled twice, so nothing was written: "
                         "export into a new folder (--out), or remove them (import any that holds labels first)")
    for _, labels in files:
        if not labels.is_file():
            continue
        try:
            rows = read_records(labels)
        except InputError as e:
            raise InputError(f"{e}; it may hold labels, so it is not replaced: export into a new folder "
                             "(--out)") from None
        filled = sum(bool(v.strip()) for row in rows for k, v in row.items() if k != "item_id")
        if filled:
            raise InputError(f"{labels}: holds {filled} filled label{'s' * (filled > 1)}; batch-export would replace "
                             "it with an empty template, so nothing was written: import it first ('wbcs label "
                             f"import {labels} --annotator NAME') and move it out of {out}, or choose another --out")
    return files


def check_labels_file(path: str | Path, labels: pd.DataFrame, *, store: str | Path, sample: str | None = None,
                      adjudicator: str = ADJUDICATOR, tax: Taxonomy | None = None) -> None:
    """Refuse, before any work, to write over a file holding labels the store does not hold: a filled
    annotation file or adjudication queue not imported yet, which the new file (an export, the consensus, a
    new queue with every ``value`` empty) would lose. ``labels``: the store's label events (item_id, field,
    value, annotator; ``LabelStore.history()``'s, so that a label changed since still counts as held).

    A label of a taxonomy field is held when the store has it for the row's ``annotator`` (an export's column,
    its e-mail or phone number masked), else for the ``adjudicator`` in a long file (item_id, field, value:
    a queue's rulings), else for any annotator (a wide file: a batch file does not say whose it is). A file
    whose labels are all held (an earlier export, consensus, or a queue whose rulings are imported) may be
    written again. ``store`` and ``sample`` go into the import command the message gives."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in FORMATS:  # (a consensus .xlsx: no label file is one)
        return
    try:
        rows = read_records(p)
    except InputError as e:
        raise InputError(f"{e}; it may hold labels, so it is not replaced: choose another --out") from None
    fields = set(label_fields(tax))
    masked = {name: mask_pii(name) for name in set(labels["annotator"])}
    held = set()
    for key in zip(labels["item_id"], labels["field"], labels["value"], labels["annotator"], strict=True):
        held |= {key, (*key[:3], masked[key[3]]), (*key[:3], None)}  # None: anyone's
    for n, raw in enumerate(rows, 1):
        row = {k: (v or "").strip() for k, v in raw.items()}
        item = row.get("item_id") or row.get("post_id") or ""
        long = "field" in row and "value" in row
        given = [(row["field"], row["value"])] if long else [(f, row[f]) for f in sorted(fields & set(row))]
        who = row.get("annotator") or (adjudicator if long else None)
        for field, value in given:
            if value and field in fields and (item, field, value, who) not in held:
                what = "rulings not imported yet" if who == adjudicator else "labels not in the store"
                samples = f" --sample {sample}" if sample else ""
                raise InputError(
                    f"{p}: holds {what} (row {n}: item {mask_pii(item)}, {field} = {mask_pii(value)!r}); the new "
                    f"file would replace them, so nothing was written: import it first ('wbcs label import {p} "
                    f"--annotator {mask_pii(who) if who else 'NAME'} --store {store}{samples}') or choose another --out")


def export_batches(items: pd.DataFrame, out_dir: str | Path, *, size: int = 50,
                   tax: Taxonomy | None = None, fields: Sequence[str] | None = None, inputs=()) -> list[Path]:
    """Write ``batch_NNN.jsonl`` (what to read) and ``batch_NNN.labels.csv`` (an empty
    template to fill, one column per field of ``fields``, default all) per ``size`` items;
    returns the batch files. Nothing is written if a batch file would be one of the
    ``inputs`` the items were read from or a labels file it would replace holds labels
    (``check_batch_folder``); each file is written atomically."""
    if size < 1:
        raise InputError(f"--size must be at least 1, got {size}")
    starts = range(0, len(items), size)
    files = check_batch_folder(out_dir, len(starts), inputs=inputs)
    fields = list(fields or label_fields(tax))
    for start, (path, labels) in zip(bar(starts, desc="batches", unit="batch"), files, strict=True):
        chunk = items.iloc[start:start + size]
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as f:
            for row in chunk.to_dict("records"):
                # a missing value (a non-telecom account's operator) is JSON null, not NaN (not JSON)
                row = {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}
                f.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
        write_table(pd.DataFrame({"item_id": chunk["item_id"], **{f: "" for f in fields}}), labels, mask=False)
    return [path for path, _ in files]


# --------------------------------------------------------------------------- validated import


def _value(p, n, item, field, value, tax) -> str:
    known = tax.ids(field)
    if value not in known:  # what a cell holds is echoed masked: an annotator may paste a phone number
        raise InputError(f"{p}: row {n} (item {item}), column {field!r}: unknown label {mask_pii(value)!r} "
                         f"(known: {', '.join(known)})")
    return value


def _item(p, n, row, known) -> str:
    """Row ``n``'s item id: given, and one of the sample's (``known``) when there is one."""
    item = row["item_id"]
    if not item:
        raise InputError(f"{p}: row {n}, column 'item_id' is empty")
    if known is not None and item not in known:
        raise InputError(f"{p}: row {n}, column 'item_id': unknown item id {item!r} "
                         f"(not in the sample)")
    return item


def read_annotations(path: str | Path, *, known_ids: Iterable[str] | Mapping[str, Sequence[str]] | None = None,
                     tax: Taxonomy | None = None, annotator: str | None = None) -> list[dict]:
    """Validate an annotation file; returns rows ``{item_id, field, value}``.

    Wide files (``item_id`` + one column per field) must give every field of every
    row, and the subtype exactly when it applies (blank otherwise). Long files
    (``item_id, field, value``, the adjudicator's) may leave a value blank: that row
    is not recorded; a subtype they give must apply to the sentiment they give the item.
    ``known_ids`` may map each item to the fields labelled for it (``sample_fields``): a wide
    file then has the columns of its items' fields (the customer turns' batches:
    ``item_id, sentiment, intent``). An ``annotator`` column (a label export has one) must
    name ``annotator`` on every row: a file of someone else's labels is never recorded as
    this annotator's.
    """
    p, tax = Path(path), taxonomy(tax)
    rows = read_records(p)
    if not rows:
        raise InputError(f"{p}: no rows")
    every = label_fields(tax)
    fields_for = known_ids if isinstance(known_ids, Mapping) else None
    known = None if known_ids is None else set(known_ids)
    columns = list(rows[0])
    long = "field" in columns and "value" in columns
    if long:
        expected = ["item_id", "field", "value"]
    elif fields_for is not None and "item_id" in columns:
        # the first row's item says which fields the file has: an unknown one is that row's error, not a column's
        first = _item(p, 1, {"item_id": (rows[0].get("item_id") or "").strip()}, known)
        expected = ["item_id", *fields_for[first]]
    else:
        expected = ["item_id", *every]
    for col in expected:
        if col not in columns:
            raise InputError(f"{p}: missing column {col!r} (an annotation file has "
                             f"{', '.join(expected)})")
    extra = [c for c in columns if c not in expected and c != "annotator"]
    if extra and not long:
        raise InputError(f"{p}: unknown column {extra[0]!r} (an annotation file has only "
                         f"{', '.join(expected)}); remove it")
    out, seen = [], set()
    given: dict[str, dict[str, tuple[int, str]]] = {}  # long files: item → field → (row, value)
    for n, raw in enumerate(rows, 1):
        row = {k: (v or "").strip() for k, v in raw.items()}
        item = _item(p, n, row, known)
        if annotator is not None and row.get("annotator") and row["annotator"] != annotator:
            raise InputError(f"{p}: row {n} (item {item}), column 'annotator' says {mask_pii(row['annotator'])!r}, "
                             f"not {mask_pii(annotator)!r}; nothing was recorded: these are their labels, import "
                             f"the file with --annotator {mask_pii(row['annotator'])}")
        fields = list(fields_for[item]) if fields_for is not None else every
        if long:
            field = row["field"]
            if field not in fields:
                raise InputError(f"{p}: row {n} (item {item}), column 'field': unknown field "
                                 f"{mask_pii(field)!r} (known: {', '.join(fields)})")
            if (item, field) in seen:
                raise InputError(f"{p}: row {n} (item {item}): field {field!r} given twice")
            seen.add((item, field))
            if row["value"]:
                given.setdefault(item, {})[field] = (n, _value(p, n, item, field, row["value"], tax))
            continue
        if expected[1:] != fields:
            raise InputError(f"{p}: row {n} (item {item}): this item is labelled for "
                             f"{', '.join(fields)}, but the file has {', '.join(expected[1:])}; "
                             "put it in a file of its own kind (its batch's template)")
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
                                 + (f" but {cond}" if cond else "")
                                 + f"; every row needs it (one of: {', '.join(tax.ids(field))})")
            if needed is False and value:
                cond = ", ".join(f"{k} is {row[k]!r}" for k, _ in tax[field].applies_when)
                raise InputError(f"{p}: row {n} (item {item}), column {field!r}: given but {cond}; "
                                 f"leave it blank")
            if needed is None and value:
                continue  # its condition's field is blank: that field's own error comes first
            if value:
                labels[field] = _value(p, n, item, field, value, tax)
        out += [{"item_id": item, "field": f, "value": v} for f, v in labels.items()]
    for item, by_field in given.items():
        labels = {f: v for f, (_, v) in by_field.items()}
        for field, (n, _) in by_field.items():
            # a subtype of a post the same file calls neutral reached the gold set (resolve takes the adjudicator's)
            if applies(field, labels, tax) is False:
                cond = ", ".join(f"{k} is {labels[k]!r} (row {by_field[k][0]})" for k, _ in tax[field].applies_when)
                raise InputError(f"{p}: row {n} (item {item}), column 'value': {field} given but {cond}; "
                                 "leave it blank")
        out += [{"item_id": item, "field": f, "value": v} for f, v in labels.items()]
    return out


@dataclass(frozen=True)
class Annotations:
    """A validated annotation file and whose labels it holds: what an import records. ``source``
    names the file and its content as the history keeps it (``import_source``, taken when the file
    was read: the content validated is the content named)."""

    path: Path
    annotator: str
    rows: list[dict]
    source: str | None = None

    def record(self, store: LabelStore, *, again: bool = False, identical: bool = False) -> ImportSummary:
        """Record the file for its annotator (all of it, or nothing). A file whose content the store
        already holds for the annotator records nothing unless ``again``: its rows have no time, so
        recording them again would revert every correction made since (``ImportSummary.already``); the
        same file edited records only its edited rows (``ImportSummary.newer``: the rest kept).
        One the store holds for another annotator is refused unless ``identical`` (a batch file does
        not say whose it is: the same bytes are almost surely the other annotator's file)."""
        return store.record_changes([r | {"annotator": self.annotator, "where": str(self.path)}
                                     for r in self.rows],
                                    source=self.source or import_source(self.path), again=again,
                                    identical=identical)


def read_annotation_file(path: str | Path, annotator: str, *,
                         known_ids: Iterable[str] | Mapping[str, Sequence[str]] | None = None,
                         tax: Taxonomy | None = None) -> Annotations:
    """Validate ``path`` for ``annotator`` (``read_annotations``), without touching a store: the
    command line validates every file before it opens (or creates) one. The name is the caller's to check
    (``check_annotator_name``: with the store's names known); recording checks it again."""
    rows = read_annotations(path, known_ids=known_ids, tax=tax, annotator=annotator)
    return Annotations(Path(path), annotator, rows, import_source(path))


def import_annotations(store: LabelStore, path: str | Path, annotator: str, *,
                       known_ids: Iterable[str] | Mapping[str, Sequence[str]] | None = None,
                       tax: Taxonomy | None = None, again: bool = False,
                       identical: bool = False) -> ImportSummary:
    """Validate ``path`` and record it for ``annotator`` (all of it, or nothing; a file already
    imported records nothing unless ``again``, one imported for another annotator is refused
    unless ``identical``)."""
    return read_annotation_file(path, annotator, known_ids=known_ids, tax=tax).record(
        store, again=again, identical=identical)


def progress(store: LabelStore, ids: Iterable[str] | Mapping[str, Sequence[str]],
             tax: Taxonomy | None = None) -> pd.DataFrame:
    """Per annotator: items of ``ids`` with every needed field labelled, and how many remain
    (``ids`` may map items to their fields, as ``sample_fields`` does). The adjudicator labels
    only the fields the annotators disagreed on: their ``complete`` is the items they
    adjudicated (any field) and ``remaining`` is None (what is left to adjudicate is what
    ``wbcs label disagreements`` writes, not the rest of the sample)."""
    every = label_fields(tax)
    fields_for = ids if isinstance(ids, Mapping) else None
    ids = list(ids)
    cur = store.current()
    cur = cur[cur["item_id"].isin(set(ids))]
    rows = []
    for annotator, grp in cur.groupby("annotator"):
        if annotator == ADJUDICATOR:
            rows.append({"annotator": annotator, "complete": grp["item_id"].nunique(), "remaining": None})
            continue
        wide = grp.pivot(index="item_id", columns="field", values="value")
        done = 0
        for item, labels in wide.iterrows():
            labels = {k: v for k, v in labels.items() if isinstance(v, str)}
            fields = every if fields_for is None else fields_for[item]
            if all(f in labels or applies(f, labels, tax) is False for f in fields):
                done += 1
        rows.append({"annotator": annotator, "complete": done, "remaining": len(ids) - done})
    # object: the adjudicator's remaining stays None (JSON null), the counts stay ints
    return pd.DataFrame(rows, columns=["annotator", "complete", "remaining"], dtype=object)


def read_passes(folder: str | Path, *,
                known_ids: Iterable[str] | Mapping[str, Sequence[str]] | None = None,
                tax: Taxonomy | None = None) -> dict[str, Annotations]:
    """Every annotator's committed files, validated: ``folder/<annotator>/*.csv|*.jsonl``
    (sorted), each for the folder's name, by ``annotator/file``. A bad file stops them all."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder of annotation passes")
    files = [(sub.name, f) for sub in sorted(p for p in root.iterdir() if p.is_dir())
             for f in sorted(f for f in sub.iterdir() if f.suffix in (".csv", ".jsonl"))]
    for name in dict.fromkeys(name for name, _ in files):  # every name before any file is read
        check_annotator_name(name, f"{root}: folder")
    return {f"{name}/{f.name}": read_annotation_file(f, name, known_ids=known_ids, tax=tax) for name, f in files}


def record_passes(store: LabelStore, passes: Mapping[str, Annotations], *,
                  progress: bool = True) -> dict[str, ImportSummary]:
    """Record validated files (``read_passes``) in their order, with a bar over them (the committed
    passes: a few hundred files, seconds). Returns a summary per file. A file identical to another
    annotator's is recorded: its folder names whose it is (ann1 and ann2 gave some small turn
    batches the very same labels)."""
    return {name: a.record(store, identical=True)
            for name, a in bar(passes.items(), desc="importing", unit="file", progress=progress)}


def import_passes(store: LabelStore, folder: str | Path, *,
                  known_ids: Iterable[str] | Mapping[str, Sequence[str]] | None = None,
                  tax: Taxonomy | None = None, progress: bool = True) -> dict[str, ImportSummary]:
    """Import every annotator's committed files (``read_passes``: all are validated before
    any is recorded), each recorded for the folder's name. Returns a summary per file."""
    return record_passes(store, read_passes(folder, known_ids=known_ids, tax=tax), progress=progress)
