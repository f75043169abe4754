"""Label a partitioned Parquet archive with a model, one task per file, on a cluster or in process.

``predict_archive("archive/**/*.parquet", "labelled/", model=..., client=...)`` writes, for
every input file, the file with the model's prediction and probability columns, at the
same relative path under the output folder (``month=…/province=…/part-0.parquet`` stays
so), and returns a summary (files, rows, model).

- **The model is loaded once per worker**, not shipped with every task (nor loaded by
  the client when a cluster does the work): a task carries the model folder's path, and
  ``loaded_model`` keeps what it loaded for the life of the process (a worker, or this
  process in the in-process path). A fine-tuned Gemma folder
  is ~1 GB: sending it per task would cost more than labelling a partition.
- **Retries**: a file's task writes one fixed output path, replacing what is there, so
  running it again after its worker died (the scheduler does that by itself) neither
  loses nor duplicates a partition.
- **All or nothing**: the files are written in a temporary folder beside the output folder and moved into it when
  every one is labelled; a failed run leaves the output folder as it was.
- **Same results** on 1 process or N workers: each file is labelled by the same code on
  the same rows; the output of a file does not depend on where it ran.

Layer: uses ``wbcs.classify`` (it sits with it, above ``wbcs.distributed``'s client).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

from wbcs.errors import InputError
from wbcs.schema import POST_KIND

_lock = threading.Lock()
_models: dict[str, object] = {}


def loaded_model(path: str):
    """The model of folder ``path``, loaded the first time this process asks for it."""
    from wbcs.classify import load_model

    with _lock:
        if path not in _models:
            _models[path] = load_model(path)
        return _models[path]


def label_headers(fields, columns, source: str) -> dict[str, str]:
    """{header: field} for the input's columns that hold a field of ``fields`` under another header, the one the reader
    maps to it (``wbcs.io.resolve_columns``: 情感 is the sentiment for ``wbcs kpi`` and every command reading posts),
    when the input has no column named as the field. ``label_frame`` writes them under the field's name: a person's
    labels under 情感 beside the model's under ``sentiment`` were shadowed by them (``wbcs kpi`` counted the model's)."""
    from wbcs.io import resolve_columns

    columns = [str(c) for c in columns]
    found = resolve_columns(columns, None, source)
    return {found[f]: f for f in fields if found.get(f, f) != f and f not in columns}


def read_labels(df: pd.DataFrame, fields) -> pd.DataFrame:
    """``df`` with its label fields' values spelt as the reader reads them (``wbcs.io.ingest.label_ids``: 负面, Negative
    are negative), a value that spells no label as written: what decides the conditions (negative_subtype), what
    ``wbcs evaluate`` scores against, what ``wbcs kpi`` counts."""
    from wbcs.io.ingest import label_ids, label_maps

    spelt = {}
    for f in label_maps():
        if f in fields and f in df:
            ids = label_ids(df[f], f)
            if (ids.notna() & ids.ne(df[f].astype(object))).any():
                spelt[f] = ids.where(ids.notna(), df[f]).astype("string")
    return df.assign(**spelt)


def output_names(fields, columns) -> tuple[dict[str, str], list[str], set[str]]:
    """Where ``label_frame`` writes each field's prediction given the input's ``columns``: ({field: FIELD_pred} for
    the fields the input has as labels, [the input's columns the predictions replace], {the fields whose cells an
    earlier model filled beside a person's labels}). A field the input has is a label (a person's, kept) and its
    prediction is written as FIELD_pred, unless the input has FIELD_proba too and not FIELD_pred:
    - without FIELD_source, FIELD is an earlier model's prediction (a file an older ``wbcs predict`` wrote) and is
      replaced, with its probability, so that a labelled file labelled again has the layout of a first run;
    - with FIELD_source and the model's name beside it (``model_column``, FIELD_model, or an older wbcs's
      ``MODEL_COLUMN``: ``wbcs predict``'s, ``wbcs triage``'s, every file ``predict_posts`` wrote), FIELD is mixed: the
      cells its FIELD_source says "label" are a person's, kept, and the others are replaced (a triage file labelled
      again lost 18 of its 20 person's labels);
    - with FIELD_source and no model's name (an older ``predict_posts`` file), FIELD is kept as labels.
    FIELD_pred and FIELD_proba in the input are an earlier model's too and are replaced."""
    from wbcs.kpi.labels import names_models

    columns = set(columns)
    renamed, replaced, mixed = {}, [], set()
    for f in fields:
        earlier = f"{f}_proba" in columns and f"{f}_pred" not in columns
        if f in columns and earlier and f"{f}_source" in columns and names_models(columns, [f]):
            mixed.add(f)
        elif f in columns and not (earlier and f"{f}_source" not in columns):
            renamed[f] = f"{f}_pred"
        replaced += [c for c in (renamed.get(f, f), f"{f}_proba") if c in columns]  # a mixed field's in part
    return renamed, replaced, mixed


def label_frame(model, df: pd.DataFrame, text_col: str | None, source: str) -> tuple[pd.DataFrame, dict]:
    """``df`` with a prediction and ``FIELD_proba`` column per field of ``model`` (a field the
    input already has is written as ``FIELD_pred``; an earlier model's predictions are replaced: ``output_names``);
    returns (table, {field: renamed}). A field's labels under a header the reader maps to it (情感 for sentiment) are
    the field's, written under its name (``label_headers``), and read as the reader spells them (``read_labels``: 负面
    is negative). The text column is ``text_col`` or, when None, the one the header mapping
    finds (内容, 正文, 微博内容, ... as ingest maps a user's export). A field that applies under a condition
    (negative_subtype) is blanked where the final labels, a person's where the input has them, say it does not, and
    the fields that refine the intent (``wbcs.classify.api.REFINES_INTENT``) are not given where a person gave the
    intent, as ``predict_posts`` does.

    Each written field's label and where it came from, as ``predict_posts`` writes them (the same code,
    ``wbcs.classify.api.merge_labels``; only the rows kept differ: here a person's alone): ``FIELD_source`` ("model"
    for the model's labels; a label the input has stays "label", or what its ``FIELD_source`` says; a person's label
    has no probability), ``FIELD_learnt`` (whether the model was fitted on the post's text; no column for a model
    without the fingerprint) and
    ``FIELD_model`` (``wbcs.kpi.labels.model_column``: the model's name on the rows it gave the field a label; an
    input's ``label_model``, older wbcs's one name per row, is left as it is): read back, ``wbcs kpi``/``report``
    correct the model's shares with its card as for posts they classify themselves
    (``wbcs.kpi.labels.model_card_of``), not take them for a person's."""
    from wbcs.classify.api import label_sources, merge_labels, rows_to_fill
    from wbcs.classify.multi import texts_of
    from wbcs.classify.tasks import check_texts
    from wbcs.io import find_column
    from wbcs.kpi.labels import COMPANION_SUFFIXES, model_column
    from wbcs.text import has_text

    df = read_labels(df.rename(columns=label_headers(model.fields, df.columns, source)), model.fields)
    col = find_column(df.columns, "text", text_col, source, "--text-col")
    check_texts(df[col], source, col)
    # a row without text (``wbcs.text.has_text``) gets no label from ``PostClassifier.predict``: a model's guess at
    # "" would be counted in every share built on the file; posts, as predict_posts reads them
    pred = model.predict(df[col], kind=POST_KIND).set_axis(df.index)
    renamed, replaced, mixed = output_names(model.fields, df.columns)
    kept = df.drop(columns=[c for c in replaced if c not in mixed])
    texts, none = pd.Series(has_text(df[col]), index=df.index), pd.Series(False, index=df.index)
    seen = {f: None if s is None else pd.Series(s, index=df.index)
            for f, s in model.learnt(texts_of(df[col])[0]).items()}
    # a field the input has keeps its labels (the prediction is FIELD_pred); a mixed one its person's labels, the
    # others (an earlier model's) are this model's again
    written = [f for f in model.fields if f not in renamed]
    keep = {f: kept[f].notna() & kept[f"{f}_source"].astype("string").eq("label").fillna(False) if f in mixed
            else none for f in written}
    given = {f: kept[f].notna() for f in renamed} | keep  # the rows whose label is the input's
    intent = given["intent"] if "intent" in given else kept["intent"].notna() if "intent" in kept else none
    # the labels the conditions (negative_subtype) are decided by, as predict_posts decides them (merge_labels): a
    # person's where given, not the model's guess at it (a triage file predicted again gave 56 posts a person called
    # neutral or positive the model's subtype concrete_complaint); a field the input has (FIELD_pred beside it) by
    # the model's label where the person's cell is empty
    final = merge_labels(kept.assign(**{f: kept[f].astype("string").fillna(pred[f].astype("string"))
                                        for f in renamed}),
                         pred, seen, keep, rows_to_fill(keep, texts, intent), model.name, source)
    marks = {}
    for f in model.fields:
        if f in written:
            marks.update({c: final[c] for c in (f"{f}_source", model_column(f), f"{f}_learnt") if c in final})
        else:  # the input's labels, as it says where they came from
            marks[f"{f}_source"] = label_sources(kept[f], kept.get(f"{f}_source"), none)
            marks[model_column(f)] = (kept[model_column(f)].astype("string") if model_column(f) in kept
                                      else pd.Series(pd.NA, index=df.index, dtype="string"))
    # the provenance columns are made again: the input's describe an earlier run
    made = {*marks, *written, *(f"{f}{x}" for f in written for x in COMPANION_SUFFIXES)}
    out = kept.drop(columns=[c for c in kept if c in made])
    out = out.join(pred.rename(columns=renamed)).assign(**marks)
    for f in written:
        out[f], out[f"{f}_proba"] = final[f], final[f"{f}_proba"]
    return out.reset_index(drop=True), renamed


def unlabelled(table: pd.DataFrame, model, renamed: dict) -> int:
    """Rows of ``label_frame``'s table the model gave no label (no text)."""
    field = next(iter(model.fields))
    return int(table[renamed.get(field, field)].isna().sum())


def _meter(table, progress: bool):
    """(bar, tick) for labelling ``table`` chunk by chunk, ``tick(rows)`` after each chunk: over the file's bytes for
    a CSV file (its reader tells how far it is: the rows' count is unknown before the end), else over its rows (a
    Parquet file's count is in its footer; JSON Lines or .xlsx: counted, no total)."""
    from wbcs.progress import bar

    if table.format == "csv":
        size = table.path.stat().st_size
        meter = bar(total=size, desc="labelling", unit="B", unit_scale=True, progress=progress)
        return meter, lambda rows: meter.update(min(table.tell(), size) - meter.n)
    total = None
    if table.format == "parquet":
        import pyarrow.parquet as pq

        total = pq.ParquetFile(table.path).metadata.num_rows
    meter = bar(total=total, desc="labelling", unit=" rows", unit_scale=True, progress=progress)
    return meter, meter.update


def label_table(model, src, writer, text_col: str | None, *, progress: bool = False) -> dict:
    """Label the file ``src`` chunk by chunk into ``writer`` (a ``wbcs.io.TableWriter``; memory bounded by a chunk,
    not the file): what ``wbcs predict`` does for one file and for each file of an archive. Returns rows, no_text
    (rows without text, left unlabelled), renamed (``label_frame``'s), headers ({field: the input's header}, for a
    field ``label_headers`` writes under its name), replaced (the input's columns of an earlier
    model's predictions, ``output_names``), bad (a Counter of the reasons rows could not be read), first_bad (the
    first ten of their row numbers), empty_rows (rows of only empty cells skipped: no posts, ``Table.empty_rows``)
    and empty (``label_frame``'s empty table, the input's columns and the predictions', when the file has no rows,
    else None; a trailing empty chunk is skipped).
    ``progress``: a bar over the chunks (``_meter``; a file of 267k posts takes ~45 s); an archive's files run
    under their own bar, one tick a file, so theirs is off."""
    from collections import Counter

    from wbcs.io import open_table
    from wbcs.progress import finish

    out = {"rows": 0, "no_text": 0, "renamed": {}, "headers": {}, "replaced": [], "bad": Counter(), "first_bad": [],
           "empty": None}
    table = open_table(src)
    meter, tick = _meter(table, progress)
    for frame, lost in table.chunks():
        out["bad"].update(b.reason for b in lost)
        out["first_bad"] += [b.row for b in lost[:10 - len(out["first_bad"])]]
        if not frame.empty or not out["rows"]:  # a trailing empty chunk adds nothing
            labelled, out["renamed"] = label_frame(model, frame, text_col, str(src))
            headers = label_headers(model.fields, frame.columns, str(src))
            out["headers"] = {f: h for h, f in headers.items()}
            out["replaced"] = output_names(model.fields, frame.rename(columns=headers).columns)[1]
            if frame.empty:
                # labelled too (no rows, no work): its table has the prediction columns with their types, so an
                # empty partition of an archive has the others' schema (Dask and DuckDB read the archive as one table)
                out["empty"] = labelled
            else:
                writer.write(labelled)
                out["rows"] += len(labelled)
                out["no_text"] += unlabelled(labelled, model, out["renamed"])
        tick(len(frame) + len(lost))  # once labelled: the bar follows the work, not the reading
    finish(meter)
    out["empty_rows"] = table.empty_rows
    if out["rows"]:
        out["empty"] = None
    return out


def _label_file(job: tuple[str, str], *, model: str, text_col: str | None, mask: bool) -> dict:
    """Label one input file into its output path, chunk by chunk (memory bounded by a chunk,
    not the partition), through the one safe writer: the partition appears whole or not at
    all (a temporary file renamed over the target), masked unless ``mask`` is False."""
    from wbcs.io import TableWriter

    src, dst = job
    m = loaded_model(model)
    with TableWriter(dst, mask=mask) as w:
        done = label_table(m, src, w, text_col)
        if done["empty"] is not None:  # an empty partition stays one, with the input's types and the predictions
            w.write(done["empty"])
    return {"file": src, "out": dst, "rows": done["rows"], "no_text": done["no_text"], "renamed": done["renamed"],
            "headers": done["headers"], "replaced": done["replaced"], "worker_pid": os.getpid(), "model": m.name,
            "fields": list(m.fields)}


def predict_archive(source, out_dir, *, model=None, client=None, text_col: str | None = None, mask: bool = True,
                    progress: bool = True, instead: str | None = None) -> dict:
    """Label every Parquet file of ``source`` (a folder, a glob such as
    ``archive/**/*.parquet``, or a list) into ``out_dir`` in the same layout (see the module
    docstring); one file (``source`` a file) into the file ``out_dir``, in the format of its extension. ``model`` is a model folder or registry name (None: the shipped model). The labelled files are
    written in a temporary folder beside ``out_dir`` and moved into it once every file is labelled: a run that fails
    leaves ``out_dir`` as it was, not some of its partitions labelled. ``instead``: ``parquet_files``' advice for a
    file that is not Parquet."""
    import shutil

    from wbcs.classify.registry import model_dir
    from wbcs.distributed import parquet_files, run_tasks
    from wbcs.io import check_outputs
    from wbcs.io.write import cannot_write, new_temp

    files, base = parquet_files(source, instead=instead)
    out_dir = Path(out_dir).resolve()
    scanned = [str(s) for s in ([source] if isinstance(source, str | Path) else source) if not Path(s).is_file()]
    if scanned and (out_dir == Path(base).resolve() or Path(base).resolve() in out_dir.parents):
        raise InputError(f"{out_dir}: inside the archive {base}; give --out a folder outside it "
                         f"(a re-run would read the labelled files as input)")
    # one file is labelled into the file out_dir, as ``wbcs predict FILE`` does in process: the output's kind does not
    # depend on --workers (it was a folder holding the file)
    target, layout = ((out_dir.parent, [out_dir.name]) if not scanned and isinstance(source, str | Path)
                      else (out_dir, [os.path.relpath(os.path.abspath(f), base) for f in files]))
    check_outputs([target / rel for rel in layout], inputs=files)  # none may be an input (hard links too)
    path = str(model_dir(model).resolve())  # resolved here: workers get a path, not a name
    if client is None:
        loaded_model(path)  # a broken model fails here, once, not in every task
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = new_temp(out_dir, folder=True)  # beside out_dir: one file system, a killed run's is removed by the next
    except OSError as e:
        raise cannot_write(out_dir, e) from None
    try:
        # on a cluster only the workers load it (a Gemma folder is ~1 GB): a broken model fails
        # in the first task, and run_tasks cancels the others and raises its error here
        rows = run_tasks(_label_file, [(f, str(tmp / rel)) for f, rel in zip(files, layout, strict=True)],
                         client=client, model=path, text_col=text_col, mask=mask, desc="labelling partitions",
                         unit="file", progress=progress)
        for r, rel in zip(rows, layout, strict=True):
            r["out"] = str(target / rel)
            try:
                Path(r["out"]).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / rel, r["out"])
            except OSError as e:
                raise cannot_write(Path(r["out"]), e) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"model": rows[0]["model"], "fields": rows[0]["fields"], "files": len(rows),
            "rows": int(sum(r["rows"] for r in rows)), "no_text": int(sum(r["no_text"] for r in rows)),
            "renamed": {k: v for r in rows for k, v in r["renamed"].items()},
            "headers": {k: v for r in rows for k, v in r["headers"].items()},
            "replaced": list(dict.fromkeys(c for r in rows for c in r["replaced"])), "out": str(out_dir),
            "partitions": rows}
