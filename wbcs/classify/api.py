"""``predict_posts``: fill a posts table's missing label columns with the shipped model."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from wbcs.checks import frame
from wbcs.classify.multi import PostClassifier, apply_conditions, texts_of
from wbcs.classify.registry import load_model
from wbcs.schema import LABEL_FIELDS, POST_KIND, load_taxonomy
from wbcs.text import has_text

log = logging.getLogger(__name__)

CHUNK = 10_000  # posts classified at a time: the progress bar's step (~3 s each on one core)
# The fields that refine a post's intent: the routes (data/routes.yaml) read a negative subtype before the intent (the
# gold schema gives vague negativity the intent complaint too) and the public model's complaint flag where the intent
# is other. A post whose intent the table carries (a person's) keeps the kind that intent gives it: the model adds
# neither, so a complaint the team labelled (negative, complaint, no subtype) stays in the complaint flow and on its
# clock, never moved to "ask the reason" by the model's guess at its subtype; a subtype given with it still counts.
REFINES_INTENT = ("negative_subtype", "complaint")


def predict_posts(posts: pd.DataFrame, model: PostClassifier | str | None = None, *,
                  verbose: bool = True, progress: bool = False) -> pd.DataFrame:
    """A copy of ``posts`` whose empty label cells are filled by ``model`` (None → the shipped default).

    The rows are predicted as first posts (``POST_KIND``: a field's model with a bias of that kind's own uses
    it). Labels already present (e.g. a human's) are kept; for every cell filled, the
    column ``<field>_proba`` holds the model's probability and ``<field>_source`` says
    "model" (kept labels say "label", or what the input's ``<field>_source`` says: an earlier model's label read back
    from a file wbcs wrote stays "model", with its probability). Where the intent is given, the fields that refine
    it (``REFINES_INTENT``) are not filled: a row's labels depend on that row alone. ``<field>_learnt`` says
    whether the model was fitted on the post's text (its fingerprint, ``PostClassifier.learnt``; empty for kept labels; no column when the model keeps no
    fingerprint: a folder from before it): ``wbcs.kpi.quantify`` counts those labels instead of correcting them.
    ``<field>_model`` (``wbcs.kpi.labels.model_column``, ``model_names``) names the model on the rows it gave the
    field a label (a kept label keeps the input's name; an input's ``label_model``, older wbcs's one name per row,
    is left as it is), as ``wbcs predict`` does: a file written from the result (``wbcs triage``'s) is read back by
    ``wbcs kpi`` as this model's labels, corrected with its card, not as a person's, field by field.
    Rows are matched by position, whatever the index.
    A row whose ``text`` is missing or blank (``wbcs.text.has_text``) gets no label (as ``wbcs predict``).
    ``df.attrs["classified"]`` records the model (``models``: the fields it labelled, whose errors its card gives), the
    rows filled per field (given a label the row keeps: not a
    subtype blanked because the post is not negative), ``learnt`` (per field with a
    fingerprint, how many of them the model was fitted on), ``no_text`` (the
    rows left unlabelled for want of text) and the label fields the model does not cover; the
    same summary is printed (``verbose``) and logged. ``progress``: a bar over the posts classified
    (``wbcs.progress.bar``: a terminal or a notebook only).
    """
    # the model column's one name, beside kpi's reader of it (imported here: kpi sits above classify)
    from wbcs.kpi.labels import model_column

    frame(posts)
    if not isinstance(model, PostClassifier):
        model = load_model(model)
    # by position: a repeated index label must not carry one row's prediction over another row's label
    out = posts.reset_index(drop=True)
    # a row without text has nothing to label (``has_text``, as `wbcs predict`): its labels stay empty, counted in
    # no_text
    no_text = (pd.Series(~has_text(out["text"]), index=out.index) if "text" in out.columns
               else pd.Series(False, index=out.index))
    empty = {f: (out[f].isna() if f in out.columns else pd.Series(True, index=out.index)) for f in model.fields}
    intent_given = out["intent"].notna() if "intent" in out.columns else pd.Series(False, index=out.index)
    todo = {f: e & ~no_text & ~intent_given if f in REFINES_INTENT else e & ~no_text for f, e in empty.items()}
    # rows without text left without a label a field always has (not negative_subtype: it may not apply)
    tax = load_taxonomy().fields
    always = [e for f, e in empty.items() if not (f in tax and tax[f].applies_when)]
    unlabelled = int((no_text & pd.concat(always, axis=1).any(axis=1)).sum()) if always else 0
    need = pd.concat(todo.values(), axis=1).any(axis=1) if todo else pd.Series(False, index=out.index)
    pred, seen = _predict(model, out.loc[need], progress)
    for field, missing in todo.items():
        kept = out[field].astype("string") if field in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
        given = out[f"{field}_source"] if f"{field}_source" in out.columns else None
        source = label_sources(kept, given, missing)
        proba = pd.Series(float("nan"), index=out.index)
        if given is not None and f"{field}_proba" in out.columns:  # an earlier model's label keeps its probability
            proba = proba.mask(kept.notna(), pd.to_numeric(out[f"{field}_proba"], errors="coerce"))
        if pred is not None and missing.any():
            rows = missing[missing].index
            kept.loc[rows] = pred.loc[rows, field]
            proba.loc[rows] = pred.loc[rows, f"{field}_proba"]
        out[field], out[f"{field}_proba"], out[f"{field}_source"] = kept, proba, source
        out = out.drop(columns=f"{field}_learnt", errors="ignore")  # another model's mark says nothing of this one's
        if seen.get(field) is not None:
            # among the rows predicted (``need``)
            out[f"{field}_learnt"] = learnt_marks(missing, pd.Series(seen[field], index=need[need].index))
    # a conditional field (negative_subtype) is blanked where the final labels say it does not apply
    out = apply_conditions(out)
    # counted after it: a subtype predicted for a post the final labels call neutral or positive was not filled (the
    # report's notes and `wbcs hot --json` said 9 subtypes of 9 posts where 7 had one)
    got = {f: todo[f] & out[f].notna() for f in todo}
    filled = {f: int(g.sum()) for f, g in got.items()}
    for f, g in got.items():
        out[model_column(f)] = model_names(out.get(model_column(f)), model.name, g)
    learnt = {f: int((out[f"{f}_learnt"].fillna(False) & got[f]).sum()) for f in todo if f"{f}_learnt" in out}
    uncovered = [f for f in LABEL_FIELDS if f not in model.fields and (f not in out.columns or out[f].isna().any())]
    out.index = posts.index
    # a field this model gave no label is not its: its card would correct (and its reliability describe) the labels
    # another model gave the field, or none (kpi read a user's model's sentiments as the shipped model's, which
    # labelled none of them)
    mine = [f for f, n in filled.items() if n]
    out.attrs = {**posts.attrs, "classified": {"model": model.name, "models": dict.fromkeys(mine, model.name),
                                               "filled": filled, "no_text": unlabelled,
                                               "not_covered": uncovered, "learnt": learnt,
                                               **card_errors(model.card, mine)}}
    msg = (f"predict_posts: model {model.name} filled "
           + (", ".join(f"{f} ({n:,} rows)" for f, n in filled.items()) or "nothing")
           + (f"; {unlabelled:,} rows without text left unlabelled" if unlabelled else "")
           + (f"; not covered by this model: {', '.join(uncovered)}" if uncovered else ""))
    log.info(msg)
    if verbose:
        print(msg)
    return out


def label_sources(kept: pd.Series, given: pd.Series | None, filled: pd.Series) -> pd.Series:
    """A field's ``<field>_source``: "model" for the ``filled`` rows; for the others with a label, what ``given``
    (the input's ``<field>_source``: an earlier model's label read back from a file wbcs wrote stays "model") says,
    else "label" (a person's). What ``predict_posts`` and ``wbcs predict`` (``label_frame``) write alike."""
    source = pd.Series(pd.NA, index=kept.index, dtype="string").mask(kept.notna(), "label")
    if given is not None:
        given = given.astype("string")
        source = source.mask(kept.notna() & given.notna(), given)
    return source.mask(filled.to_numpy(), "model")


def learnt_marks(filled: pd.Series, seen: pd.Series) -> pd.Series:
    """A field's ``<field>_learnt``: for the ``filled`` rows, whether the model was fitted on the post's text
    (``seen``, indexed by row, covering them: ``PostClassifier.learnt``); empty for the others (their labels are not
    the model's)."""
    mark = pd.Series(pd.NA, index=filled.index, dtype="boolean")
    rows = filled[filled].index
    mark.loc[rows] = seen.loc[rows].to_numpy()
    return mark


def model_names(given: pd.Series | None, name: str, filled) -> pd.Series:
    """A field's ``model_column`` (``wbcs.kpi.labels``: the model of the field's label, row by row, whose card
    ``model_card_of`` reads back to correct its shares): ``name`` on the ``filled`` rows (those the model gave the field
    a label); the others keep what ``given`` (the input's column: an earlier model's name beside the label it gave,
    kept as that model's by ``label_sources``) says, else nothing: a person's label names no model. What
    ``predict_posts`` (so ``wbcs triage`` and every file written from its results) and ``wbcs predict`` write alike."""
    named = given.astype("string") if given is not None else pd.Series(pd.NA, index=filled.index, dtype="string")
    return named.mask(np.asarray(filled, dtype=bool), name)


def card_errors(card: dict, fields) -> dict:
    """What ``wbcs.kpi.quantify`` corrects a model's shares with, from its card, per field that has it:
    ``cv_confusion`` (the cross-validated confusion) and ``quantify`` (from cards since per-kind quantification, the
    quantifier CV chose per kind and its statistics). ``predict_posts`` keeps them in ``attrs["classified"]``; a file
    ``wbcs predict`` labelled gets them back from its model's card (``wbcs.kpi.labels.model_card_of``)."""
    entry = {f: card.get("fields", {}).get(f, {}) for f in fields}
    return {"cv_confusion": {f: e["cv_confusion"] for f, e in entry.items() if e.get("cv_confusion")},
            "quantify": {f: e["cv_quantify"] for f, e in entry.items() if e.get("cv_quantify")}}


def _predict(model: PostClassifier, rows: pd.DataFrame, progress: bool):
    """The model's labels of ``rows`` (None for none) and, per field, which of them it was fitted on (None: a field
    whose model keeps no fingerprint), ``CHUNK`` posts at a time under a bar. A posts table's rows are first posts:
    fields with a bias of that kind's own use it."""
    from wbcs.progress import bar

    if rows.empty:
        return None, dict.fromkeys(model.fields)
    parts, marks = [], []
    with bar(total=len(rows), desc="classifying", unit=" posts", unit_scale=True, leave=False,
             progress=progress) as meter:
        for lo in range(0, len(rows), CHUNK):
            chunk = rows.iloc[lo:lo + CHUNK]
            parts.append(model.predict(chunk, kind=POST_KIND))
            marks.append(model.learnt(texts_of(chunk)[0]))
            meter.update(len(chunk))
    seen = {f: None if marks[0][f] is None else np.concatenate([m[f] for m in marks]) for f in model.fields}
    return pd.concat(parts), seen
