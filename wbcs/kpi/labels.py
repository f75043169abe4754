"""Labels the indicators need: classify unlabelled posts with the shipped model first.

Only posts without a needed label go through the model (``ensure_labels``); the labels the
model gave a file are kept in a small cache (``labels_for_file``), keyed by the file's bytes,
the model files and the texts and labels the posts carry (a label set or corrected in the table since
must win over the cached one), so ``wbcs kpi``, ``hot`` and ``report`` on the same export load and run
the classifier once, not on every call. The cache holds post ids and labels only (no texts),
in ``$WBCS_CACHE`` or ``~/.cache/wbcs`` (``$XDG_CACHE_HOME``), the newest ``KEEP`` files.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import pandas as pd

from wbcs import __version__
from wbcs.checks import frame
from wbcs.config import MODELS_DIR
from wbcs.errors import InputError
from wbcs.io.write import atomic_path
from wbcs.pii import mask_pii
from wbcs.schema import LABEL_FIELDS

NEEDED = ("sentiment", "intent")  # every post has these; an empty topic may mean "no topic"
KEEP = 20  # cached label files kept (the newest)
# what a cached label file held, in its key: a file cached before a change is never read as one after it. 3: each
# field the card of the model that labelled it (2 gave every field the card of kpi's model, labelled by it or not, and
# a file's model labels beside the filled ones became a person's); 2: one model's name per field (model_column); 1
# named one model per row, which counted the shipped model's labels beside a user's model's as that model's
CACHE_FORMAT = 3
# A file of a model's labels names the model (its registry name, "wbcs-default/14", or the path of a folder outside the
# registry: ``wbcs.classify.registry.model_name``) per field, beside <field>_source and <field>_proba, on the rows it
# gave that field a label: ``model_column``, written by ``wbcs predict``, ``wbcs triage`` and every table
# ``predict_posts`` fills. Read back, each field's model's card gives the errors its shares are corrected for
# (``model_card_of``). One column per field, not per row: a row's sentiment may be a user's model's and its intent the
# shipped model's (``ensure_labels`` fills it), and a row-wide name had the shipped model's intents counted as the user
# model's. Older wbcs wrote one name per row, MODEL_COLUMN, the model of every model label of the row: still read
# (``field_models``) where a field's column names none.
MODEL_COLUMN = "label_model"
MODEL_SUFFIX = "_model"
# the columns a model's label brings beside it (wbcs predict's, triage's): its probability, where it came from,
# whether the model learnt the post, the model's name. Read back with the label wherever labels are (the reader's
# keep, the label cache): one list, as the reader once left _learnt out of its own copy and corrected labels on
# the model's training texts instead of counting them
COMPANION_SUFFIXES = ("_proba", "_source", "_learnt", MODEL_SUFFIX)


def model_column(field: str) -> str:
    """The column naming the model of ``field``'s labels, row by row (``sentiment_model``)."""
    return f"{field}{MODEL_SUFFIX}"


def field_models(table: pd.DataFrame, field: str) -> pd.Series:
    """The model a table names for each row's ``field`` label: its ``model_column(field)`` cell, else (a file of older
    wbcs) its ``MODEL_COLUMN`` cell; <NA> where neither names one (a person's label, or a table from before both)."""
    none = pd.Series(pd.NA, index=table.index, dtype="string")
    named = table[model_column(field)].astype("string") if model_column(field) in table else none
    return named.fillna(table[MODEL_COLUMN].astype("string") if MODEL_COLUMN in table else none)


def model_labelled(table: pd.DataFrame, column: str) -> tuple[pd.Series, str]:
    """Which rows' ``column`` label a model gave, in every layout wbcs wrote, and how the table says so (for a message).
    With ``<column>_source``: the labels it says "model" (``wbcs predict``'s, ``wbcs triage``'s, every table
    ``predict_posts`` filled; whether they name the model per field, ``model_column``, per row, ``MODEL_COLUMN``, or
    not at all: the names say which model, not whether). Without it, the labels with a probability in
    ``<column>_proba`` and no ``<column>_pred`` beside: the oldest ``wbcs predict`` wrote the model's label and its
    probability only (where the input had the field, a person's, its prediction went to ``<column>_pred``:
    ``wbcs.distributed.predict.output_names``), and a label without a probability there is a person's. Else none."""
    label, source, proba = table[column].notna(), f"{column}_source", f"{column}_proba"
    if source in table:
        return label & table[source].astype("string").eq("model").fillna(False), f"{source} says model"
    if proba in table and f"{column}_pred" not in table:
        return (label & table[proba].notna(),
                f"{proba} beside it and no {source}: a file an older wbcs predict wrote")
    return pd.Series(False, index=table.index), ""


def companion_columns(fields) -> set[str]:
    """The columns beside ``fields``' labels that come with them (``COMPANION_SUFFIXES``, and an older file's
    ``MODEL_COLUMN``)."""
    return {MODEL_COLUMN, *(f"{f}{s}" for f in fields for s in COMPANION_SUFFIXES)}


def names_models(table, fields) -> bool:
    """Whether ``table`` (a table, or its columns) has a column naming the model of some of ``fields``' labels (the
    columns ``field_models`` reads)."""
    return MODEL_COLUMN in table or any(model_column(f) in table for f in fields)


def unlabelled(posts: pd.DataFrame) -> dict[str, int]:
    """Posts without each needed label; a missing ``topic`` column counts every post (an
    empty topic cell is allowed, as is an empty negative_subtype)."""
    out = {f: int(posts[f].isna().sum()) if f in posts else len(posts) for f in NEEDED}
    out["topic"] = 0 if "topic" in posts else len(posts)
    return out


def _needs_model(posts: pd.DataFrame) -> pd.Series:
    """True for the posts that lack a needed label (every post when the topic column is missing). Classifying a
    labelled post for its topic leaves its kind (its SLA clock) as its labels give it: ``predict_posts`` fills only
    empty cells, and adds no subtype to a given intent (``wbcs.classify.api.REFINES_INTENT``), as triage reads it."""
    need = pd.Series("topic" not in posts, index=posts.index)
    for f in NEEDED:
        need |= posts[f].isna() if f in posts else True
    return need


def ensure_labels(posts: pd.DataFrame, *, model=None, quiet: bool = False) -> pd.DataFrame:
    """``posts`` itself when every post has its labels; otherwise a copy whose empty label
    cells are filled by ``wbcs.classify.predict_posts`` with ``model`` (None → the shipped
    model), run on the posts that lack a label only. ``attrs["classified"]`` records what was
    filled (and ``rows``: how many posts went through the model), and a line on stderr says so.
    Without a usable model this is an ``InputError`` naming the unlabelled posts."""
    # a list of rows counted as a table without label columns, and the error blamed the model
    frame(posts, "ensure_labels: posts")
    missing = {f: n for f, n in unlabelled(posts).items() if n}
    if not missing or posts.empty:
        return posts
    from wbcs.classify import predict_posts
    from wbcs.classify.api import label_sources

    need = _needs_model(posts)
    what = ", ".join(f"{f} ({n:,} posts)" for f, n in missing.items())
    try:
        pred = predict_posts(posts.loc[need], model, verbose=False, progress=not quiet)
    except InputError as e:
        raise InputError(f"posts without labels: {what}; they need the classifier, but: {e}") from None
    out = posts.copy()
    # the posts the model did not see keep every cell of theirs (wbcs.classify.api.label_sources): a label a model gave
    # (read back from its file, model_card_of) stays that model's, with its probability, name and learnt mark, not a
    # person's (filling 100 intents made 874 sentiments of wbcs predict's "given")
    rows = _cell_names(out)
    for f in pred.attrs.get("classified", {}).get("filled", {}):  # the model's fields, as predict_posts writes them
        label = out[f].astype("string") if f in out else pd.Series(pd.NA, index=out.index, dtype="string")
        label.loc[need] = pred[f].astype("string")
        # a model's label in every layout (model_labelled): the oldest predict's file has no <field>_source, and its
        # labels with a probability became a person's when kpi filled another field beside them
        said = model_labelled(out, f)[0].map({True: "model", False: pd.NA}) if f in out else None
        source = label_sources(label, said, pd.Series(False, index=out.index))
        source.loc[need] = pred[f"{f}_source"].astype("string")
        proba = (pd.to_numeric(out[f"{f}_proba"], errors="coerce") if f"{f}_proba" in out
                 else pd.Series(float("nan"), index=out.index))
        proba.loc[need] = pred[f"{f}_proba"]
        # the model's name on the cells it filled, the name a kept label had on the others (predict_posts), per field:
        # a row whose sentiment a user's model gave keeps that name for its sentiment only, and the shipped model's
        # intent beside it is named the shipped model's, and corrected with its card (wbcs.kpi.quantify)
        named = (out[model_column(f)].astype("string") if model_column(f) in out
                 else pd.Series(pd.NA, index=out.index, dtype="string"))
        named.loc[need] = pred[model_column(f)].astype("string")
        out[f], out[f"{f}_proba"], out[f"{f}_source"], out[model_column(f)] = label, proba, source, named
        learnt = f"{f}_learnt"  # whether the model was fitted on the post (empty for the labels the posts carry)
        if learnt in out or learnt in pred:
            mark = pd.Series(pd.NA, index=out.index, dtype="boolean")
            if learnt in out:  # a file's marks are text (CSV): read as model_card_of reads them
                kept = out[learnt]
                mark = (kept if pd.api.types.is_bool_dtype(kept) else _typed(kept, rows, "posts", learnt, _yes_no)
                        ).astype("boolean")
            # the model's mark where it gave the label; a label the posts carried keeps its own, through the model or not
            ran = pd.Series(pred[learnt].to_numpy() if learnt in pred else pd.NA, index=mark.index[need.to_numpy()],
                            dtype="boolean")
            mark.loc[need] = ran.fillna(mark.loc[need]).to_numpy()
            out[learnt] = mark
    c = {**_merged(posts.attrs.get("classified"), pred.attrs.get("classified", {})),
         "rows": int(need.sum()), "of": len(posts)}
    out.attrs = {**posts.attrs, "classified": c}
    if not quiet:
        print(f"classified {c['rows']:,} of {len(posts):,} posts with model {pred.attrs['classified']['model']}"
              + (" (the others carry their labels)" if c["rows"] < len(posts) else "") + f": posts had no {what}"
              + (f"; the model does not cover {', '.join(c['not_covered'])}" if c.get("not_covered") else "")
              + (f"; {c['no_text']:,} without text left unlabelled" if c.get("no_text") else ""),
              file=sys.stderr)
    return out


# what attrs["classified"] holds per field: the model whose card corrects the field, what it labelled, its errors
PER_FIELD = ("models", "filled", "learnt", "cv_confusion", "quantify")


def _merged(before: dict | None, now: dict) -> dict:
    """``ensure_labels``' record of the models: ``now`` (``predict_posts``' run) for the fields it labelled, ``before``
    (the cards of the models a file names, ``model_card_of``) for the others, each field with the card of the model
    that labelled it (a user's model's sentiments lost their card, and their correction, when kpi filled the intents
    beside them). A field both labelled takes the card of the one that gave more of its labels (added up when they are
    one model); the other's are counted, with a note (``wbcs.kpi.quantify.corrected_table``): one card never
    corrects another model's labels."""
    if not before:
        return dict(now)
    was, run = before.get("models", {}), now.get("models", {})
    # one model: a file names it masked (everything wbcs writes is: models/run_13812345678/1 as run_138****5678/1),
    # the run as it was given, so masked with masked (its 5 labels beside the file's 35 were another model's)
    same = {f for f in run if f in was and mask_pii(str(was[f])) == mask_pii(str(run[f]))}
    # the fields whose card is the run's model's: those it labelled, unless the file's model gave more of them
    ran = {f for f in run if f not in was or f in same or now["filled"].get(f, 0) >= before.get("filled", {}).get(f, 0)}
    out = {**before, **now}
    for k in PER_FIELD:
        out[k] = {**{f: v for f, v in now.get(k, {}).items() if f in ran or f not in was},
                  **{f: v for f, v in before.get(k, {}).items() if f not in ran}}
    for k in ("filled", "learnt"):  # one model's labels, in the file and filled here
        out[k] |= {f: now[k][f] + before[k][f] for f in same if f in before.get(k, {}) and f in now.get(k, {})}
    out["model"] = ", ".join(dict.fromkeys(out["models"].values())) or now.get("model")
    return out


# --------------------------------------------------------------------------- the label cache


def cache_dir() -> Path:
    """``$WBCS_CACHE``, else ``$XDG_CACHE_HOME/wbcs`` (default ``~/.cache/wbcs``), ``labels`` below it."""
    base = os.environ.get("WBCS_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wbcs"
    return Path(base) / "labels"


def _digest(path: Path, h) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


# what the model reads and keeps of a post: a text or label changed in the table after reading the file
# (a user's correction) must not take the labels cached for the file as it was
MODEL_INPUTS = ("text", *LABEL_FIELDS, "complaint")


def _cache_key(path: Path, model, posts: pd.DataFrame) -> str:
    """The file's bytes, the texts and labels ``posts`` carry (``MODEL_INPUTS``), the model asked for and
    every model manifest it could resolve to, and the manifest (or absence) of each model the file's labels name
    (``field_models``): a new, retrained or removed model changes the key, so its labels or card are never mistaken
    for the old one's."""
    h = hashlib.sha256(f"wbcs {__version__}\0{CACHE_FORMAT}\0{model or ''}\0".encode())
    _digest(path, h)
    for col in (c for c in MODEL_INPUTS if c in posts):
        h.update(f"\0{col}\0".encode())
        h.update(pd.util.hash_pandas_object(posts[col].astype("string"), index=False).to_numpy().tobytes())
    candidates = [Path(model) / "manifest.json"] if model else []
    candidates += sorted(MODELS_DIR.glob("*/manifest.json")) + sorted(MODELS_DIR.glob("*/*/manifest.json"))
    for m in candidates:
        if m.is_file():
            h.update(str(m.resolve()).encode())
            _digest(m, h)
    # the models the file's labels name (a folder outside the registry too): their cards correct the file's shares
    # (model_card_of), and one gone or retrained since must not be served from the cache as it was
    for name in sorted({n for f in LABEL_FIELDS if f in posts for n in field_models(posts, f).dropna().unique()}):
        h.update(f"\0{name}\0".encode())
        try:
            _digest(_model_folder(name) / "manifest.json", h)
        except (InputError, OSError):
            h.update(b"\0absent")
    return h.hexdigest()[:32]


def model_card_of(posts: pd.DataFrame, source: str) -> pd.DataFrame:
    """``posts`` with ``attrs["classified"]`` rebuilt from the cards of the models a file of a model's labels names
    (``field_models``: ``wbcs predict``'s, ``wbcs triage``'s), field by field, where its ``<field>_source`` says
    "model": each field's labels are then corrected for the errors of the model that gave them (``wbcs.kpi.quantify``)
    and said to be its, as when the posts are classified here; ``models`` says which model each field's card is.
    Without a model's labels (``model_labelled``), ``posts`` as they are. A field whose labels name no model (the
    oldest predict's file), a model the registry does not hold or several models (one card cannot correct another
    model's labels) is one line on stderr and its labels are counted, not corrected. ``source``: the file, for that line."""
    told = {f: model_labelled(posts, f) for f in LABEL_FIELDS if f in posts}
    model = {f: m for f, (m, _) in told.items() if m.any()}
    if posts.attrs.get("classified") or not model:
        return posts
    # only here: a file of a person's labels never loads the classifier's code (sklearn)
    from wbcs.classify.api import card_errors
    from wbcs.classify.registry import read_card

    cards, used, why = {}, {}, {}
    for f, m in model.items():
        names = field_models(posts, f)[m].dropna().unique()
        if len(names) != 1:
            # none named: the oldest predict's file (model_labelled), or one from before the model columns
            said = (f"{len(names)} models named ({', '.join(names[:3])}): one card cannot correct another model's "
                    "labels" if len(names) else f"no model named (no {model_column(f)} or {MODEL_COLUMN}; "
                    f"{told[f][1]}): its card is unknown")
            why.setdefault(said, []).append(f)
            continue
        name = str(names[0])
        if name not in cards:
            try:
                cards[name] = read_card(_model_folder(name))
            except (InputError, OSError) as e:
                cards[name] = f"its model {name} is not in the registry ({str(e).splitlines()[0]})"
        if isinstance(cards[name], str):
            why.setdefault(cards[name], []).append(f)
        else:
            used[f] = name
    for said, fields in why.items():  # one line per reason, not per field: a model gone is one line
        print(f"{source}: labels by a model, counted, not corrected for its errors: {said} (labels of "
              f"{', '.join(fields)})", file=sys.stderr)
    if not used:
        return posts
    out = posts.copy()
    rows = _cell_names(out)
    for f in used:  # a CSV file gives them back as text
        if f"{f}_proba" in out:
            out[f"{f}_proba"] = _typed(out[f"{f}_proba"], rows, source, f"{f}_proba", lambda v: float(v))
        if f"{f}_learnt" in out:
            out[f"{f}_learnt"] = _typed(out[f"{f}_learnt"], rows, source, f"{f}_learnt", _yes_no).astype("boolean")
    learnt = {f: int((out[f"{f}_learnt"].fillna(False) & model[f]).sum()) for f in used if f"{f}_learnt" in out}
    errors = {f: card_errors(cards[name], [f]) for f, name in used.items()}
    read = [c for c in (*map(model_column, used), MODEL_COLUMN) if c in posts]
    out.attrs = {**posts.attrs, "classified": {"model": ", ".join(dict.fromkeys(used.values())), "models": used,
                                               "filled": {f: int(model[f].sum()) for f in used}, "learnt": learnt,
                                               "labelled_by": f"the file's {', '.join(read)}",
                                               **{k: {f: e[k][f] for f, e in errors.items() if f in e[k]}
                                                  for k in ("cv_confusion", "quantify")}}}
    return out


def _model_folder(name: str) -> Path:
    """The folder of the model a file names (``model_dir``). A name with a phone, ID number or e-mail in its path was
    written masked, as everything wbcs writes (models/run_13812345678/1 as run_138****5678/1: a folder's path may
    hold a person's number, so the name is not let through unmasked): it is the one model folder whose name
    (``model_name``: relative names are the registry's) masks to it; several are an InputError, never a guess."""
    from wbcs.classify import registry

    try:
        return registry.model_dir(name)
    except InputError:
        if "*" not in name:
            raise
    pattern = re.sub(r"(\[\*\])+", "*", glob.escape(name))  # a masked run: any text, the rest as written
    base = "" if Path(name).is_absolute() else glob.escape(str(registry.MODELS_DIR)) + os.sep
    found = [p for p in map(Path, glob.glob(base + pattern))
             if (p / "manifest.json").is_file() and mask_pii(registry.model_name(p)) == name]
    if len(found) != 1:
        raise InputError(f"model {name!r} (a name written masked): {len(found)} model folders whose name masks to it"
                         + (": one card cannot be told from the other" if found else ""))
    return found[0]


def _yes_no(v) -> bool:
    """A yes/no cell as ingest reads one (``wbcs.io.ingest.as_bool``); anything else a ValueError."""
    from wbcs.io.ingest import as_bool

    if (b := as_bool(v)) is None:
        raise ValueError(v)
    return bool(b)


def _cell_names(posts: pd.DataFrame) -> pd.Series:
    """How a message names each post's row: by its ``post_id`` (a key the user finds in the file), else its index.
    Not ``source_row``: in a file wbcs wrote (triage, predict) that is the trace back to the first export, not the
    row of the file read."""
    if "post_id" in posts:
        return "post " + posts["post_id"].astype("string").fillna("(no id)")
    return "row " + posts.index.to_series().astype("string")


def _typed(values: pd.Series, rows: pd.Series, source: str, column: str, read) -> pd.Series:
    """``values`` read one by one with ``read`` (empty cells stay empty); a cell it cannot read is an InputError
    naming the file, its post (``rows``: ``_cell_names``, aligned with ``values``) and column."""
    out = []
    for row, v in zip(rows, values, strict=True):
        try:
            out.append(None if pd.isna(v) else read(v))
        except (KeyError, ValueError, TypeError):
            raise InputError(f"{source}: {row}, column {column}: {v!r} is not what wbcs predict writes "
                             "there") from None
    return pd.Series(out, index=values.index, dtype=float if column.endswith("_proba") else object)


def labels_for_file(path: Path, posts: pd.DataFrame, *, model=None, cache: bool = True) -> pd.DataFrame:
    """``ensure_labels(posts)`` for the posts read from ``path``, reusing the labels the same
    model gave the same file on an earlier call (``cache``), and saving them for the next. The labels
    ``posts`` carry always win: a label set or corrected since the file was read misses the cache. Labels a model
    gave the file (``wbcs predict``) are corrected with its card as the ones given here (``model_card_of``)."""
    frame(posts, "labels_for_file: posts")
    posts = model_card_of(posts, mask_pii(str(path)))
    if not _needs_model(posts).any() or posts.empty or not cache:
        return ensure_labels(posts, model=model)
    folder = cache_dir()
    saved = folder / f"{_cache_key(Path(path), model, posts)}.parquet"
    if saved.is_file():
        try:
            labels = pd.read_parquet(saved)
            info = json.loads(labels.attrs.get("wbcs_classified") or "{}")
        except (OSError, ValueError):  # a damaged cache file: classify again
            labels = None
        ids = posts["post_id"].astype("string").reset_index(drop=True) if "post_id" in posts else None
        if labels is not None and ids is not None and len(labels) == len(posts) \
                and labels["post_id"].astype("string").equals(ids):
            out = posts.copy()
            for col in labels.columns.drop("post_id"):
                out[col] = labels[col].to_numpy()
            out.attrs = {**posts.attrs, "classified": {**info, "cached": str(saved)}}
            print(f"{path}: labels of {info.get('rows', 0):,} posts reused from model {info.get('model')} "
                  f"(cached in {saved}; --no-cache, or cache=False in Python, classifies again)", file=sys.stderr)
            return out
    out = ensure_labels(posts, model=model)
    keep = ["post_id", *[c for c in out.columns
                         if c in ("sentiment", "intent", "topic", "negative_subtype", "complaint")
                         or c.endswith(COMPANION_SUFFIXES)]]  # MODEL_COLUMN too
    if "post_id" in out:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            table = out[keep].reset_index(drop=True).astype({"post_id": "string"})
            table.attrs = {"wbcs_classified": json.dumps(out.attrs.get("classified", {}), ensure_ascii=False)}
            with atomic_path(saved) as tmp:  # a killed run never leaves half a file
                table.to_parquet(tmp, index=False)
            for old in sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
                old.unlink(missing_ok=True)
        except (OSError, InputError) as e:  # no cache (read-only home, full disk) is not an error
            print(f"note: labels not cached ({getattr(e, 'strerror', None) or e}): the next call classifies again",
                  file=sys.stderr)
    return out
