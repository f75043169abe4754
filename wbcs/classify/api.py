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
    from a file wbcs wrote stays "model", with its probability, learnt mark and name). Where the intent is given, the
    fields that refine it (``REFINES_INTENT``) are not filled: a row's labels depend on that row alone
    (``rows_to_fill``). ``<field>_learnt`` says whether the model was fitted on the post's text (its fingerprint,
    ``PostClassifier.learnt``; a kept label keeps an earlier model's mark, a person's has none; no column when the
    model keeps no fingerprint, a folder from before it, and no kept label has a mark): ``wbcs.kpi.quantify`` counts
    those labels instead of correcting them. ``<field>_model`` (``wbcs.kpi.labels.model_column``) names the model on
    the rows it gave the field a label (an earlier model's kept label keeps the input's name; an input's
    ``label_model``, older wbcs's one name per row,
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
    frame(posts)
    if not isinstance(model, PostClassifier):
        model = load_model(model)
    # by position: a repeated index label must not carry one row's prediction over another row's label
    out = posts.reset_index(drop=True)
    # a row without text has nothing to label (``has_text``, as `wbcs predict`): its labels stay empty, counted in
    # no_text
    no_text = (pd.Series(~has_text(out["text"]), index=out.index) if "text" in out.columns
               else pd.Series(False, index=out.index))
    keep = {f: (out[f].notna() if f in out.columns else pd.Series(False, index=out.index)) for f in model.fields}
    intent_given = out["intent"].notna() if "intent" in out.columns else pd.Series(False, index=out.index)
    todo = rows_to_fill(keep, ~no_text, intent_given)
    # rows without text left without a label a field always has (not negative_subtype: it may not apply)
    tax = load_taxonomy().fields
    always = [~k for f, k in keep.items() if not (f in tax and tax[f].applies_when)]
    unlabelled = int((no_text & pd.concat(always, axis=1).any(axis=1)).sum()) if always else 0
    need = pd.concat(todo.values(), axis=1).any(axis=1) if todo else pd.Series(False, index=out.index)
    pred, seen = _predict(model, out.loc[need], progress)
    out = merge_labels(out, pred, seen, keep, todo, model.name)
    # counted after it: a subtype predicted for a post the final labels call neutral or positive was not filled (the
    # report's notes and `wbcs hot --json` said 9 subtypes of 9 posts where 7 had one)
    got = {f: todo[f] & out[f].notna() for f in todo}
    filled = {f: int(g.sum()) for f, g in got.items()}
    learnt = {f: int((out[f"{f}_learnt"].fillna(False) & got[f]).sum()) for f in todo if seen[f] is not None}
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


def rows_to_fill(keep: dict, texts: pd.Series, intent_given: pd.Series) -> dict:
    """Per field of ``keep`` (the rows whose label the table keeps), the rows a model labels: those with text
    (``texts``, ``wbcs.text.has_text``) whose label is not kept, and for a field that refines the intent
    (``REFINES_INTENT``) not those whose intent the table gives (``intent_given``): a row's labels depend on that row
    alone. What ``predict_posts`` and ``wbcs predict`` (``wbcs.distributed.predict.label_frame``) fill alike."""
    return {f: texts & ~k & ~intent_given if f in REFINES_INTENT else texts & ~k for f, k in keep.items()}


def merge_labels(table: pd.DataFrame, pred: pd.DataFrame | None, seen: dict, keep: dict, fill: dict, name: str,
                 source: str = "posts") -> pd.DataFrame:
    """``table`` with each field of ``fill`` and its companions (``<field>_proba``, ``_source``, ``_learnt``,
    ``wbcs.kpi.labels.model_column``) merged row by row: what ``predict_posts`` and ``wbcs predict``
    (``wbcs.distributed.predict.label_frame``) write alike, one code so that they cannot drift apart; they differ
    only in the rows they keep (``keep``; ``fill``: ``rows_to_fill``).

    - A kept label stays with its source (``label_sources``: "label", a person's, unless the table's
      ``<field>_source`` says otherwise). A person's label comes alone; an earlier model's (read back from a file wbcs
      wrote) with the probability, learnt mark and model's name it came with: ``wbcs.kpi.quantify`` counts it where
      that model learnt the post, and corrects it with that model's card.
    - A filled row gets the model's label and probability (``pred``, indexed as ``table``'s rows it covers), source
      "model", whether the model was fitted on the post (``seen``: per field a Series over those rows, None for a
      model without the fingerprint) and ``name`` where it gave a label.
    - The other rows get nothing.

    ``<field>_learnt`` is written where the model keeps a fingerprint or a kept label brings a mark. A conditional
    field (negative_subtype) is blanked where the final labels, the table's other columns among them, say it does
    not apply (``apply_conditions``), its companions with it. ``source``: the file, named with the row of a learnt mark that is no yes/no."""
    from wbcs.kpi.labels import _cell_names, _typed, _yes_no, model_column, model_labelled

    cols, names, stale = {}, {}, []
    for f, filled in fill.items():
        kept = keep[f]
        label = (table[f].astype("string").where(kept) if f in table
                 else pd.Series(pd.NA, index=table.index, dtype="string"))
        # a model's label in every layout (model_labelled): the oldest predict's file has no <field>_source, and its
        # labels with a probability became a person's when kpi or triage filled another field beside them
        given = model_labelled(table, f)[0].map({True: "model", False: pd.NA}).where(kept) if f in table else None
        origin = label_sources(label, given, filled)
        earlier = kept & origin.ne("label").fillna(False)  # an earlier model's label, kept
        proba = pd.Series(float("nan"), index=table.index)
        if f"{f}_proba" in table:
            proba = proba.mask(earlier, pd.to_numeric(table[f"{f}_proba"], errors="coerce"))
        mark = pd.Series(pd.NA, index=table.index, dtype="boolean")
        if f"{f}_learnt" in table and earlier.any():
            marks = table.loc[earlier, f"{f}_learnt"]  # a CSV file gives them back as text
            mark.loc[earlier] = (marks if pd.api.types.is_bool_dtype(marks) else
                                 _typed(marks, _cell_names(table.loc[earlier]), source, f"{f}_learnt", _yes_no))
        named = (table[model_column(f)].astype("string").where(earlier) if model_column(f) in table
                 else pd.Series(pd.NA, index=table.index, dtype="string"))
        at = filled[filled].index
        if len(at):
            label.loc[at], proba.loc[at] = pred.loc[at, f], pred.loc[at, f"{f}_proba"]
            if seen[f] is not None:
                mark.loc[at] = seen[f].loc[at].to_numpy()
        cols.update({f: label, f"{f}_proba": proba, f"{f}_source": origin})
        if seen[f] is not None or mark.notna().any():
            cols[f"{f}_learnt"] = mark
        else:  # the table's marks are another model's, of labels not kept
            stale.append(f"{f}_learnt")
        names[f] = named
    out = apply_conditions(table.drop(columns=stale, errors="ignore").assign(**cols))
    # once the conditions are applied: a label blanked (a subtype of a post that is not negative) keeps no source, mark
    # or model's name, and the model's name on the rows it gave the field a label
    for f in fill:
        for c in (f"{f}_source", f"{f}_learnt"):
            if c in cols:
                out[c] = out[c].where(out[f].notna())
    return out.assign(**{model_column(f): n.mask(fill[f] & out[f].notna(), name).where(out[f].notna())
                         for f, n in names.items()})


def label_sources(kept: pd.Series, given: pd.Series | None, filled: pd.Series) -> pd.Series:
    """A field's ``<field>_source``: "model" for the ``filled`` rows; for the others with a label, what ``given``
    (the input's ``<field>_source``: an earlier model's label read back from a file wbcs wrote stays "model") says,
    else "label" (a person's). What ``merge_labels`` and ``wbcs.kpi.labels.ensure_labels`` write."""
    source = pd.Series(pd.NA, index=kept.index, dtype="string").mask(kept.notna(), "label")
    if given is not None:
        given = given.astype("string")
        source = source.mask(kept.notna() & given.notna(), given)
    return source.mask(filled.to_numpy(), "model")


def card_errors(card: dict, fields) -> dict:
    """What ``wbcs.kpi.quantify`` corrects a model's shares with, from its card, per field that has it:
    ``cv_confusion`` (the cross-validated confusion) and ``quantify`` (from cards since per-kind quantification, the
    quantifier CV chose per kind and its statistics). ``predict_posts`` keeps them in ``attrs["classified"]``; a file
    ``wbcs predict`` labelled gets them back from its model's card (``wbcs.kpi.labels.model_card_of``)."""
    entry = {f: card.get("fields", {}).get(f, {}) for f in fields}
    return {"cv_confusion": {f: e["cv_confusion"] for f, e in entry.items() if e.get("cv_confusion")},
            "quantify": {f: e["cv_quantify"] for f, e in entry.items() if e.get("cv_quantify")}}


def _predict(model: PostClassifier, rows: pd.DataFrame, progress: bool):
    """The model's labels of ``rows`` (None for none) and, per field, which of them it was fitted on (a Series over
    ``rows``; None: a field whose model keeps no fingerprint), ``CHUNK`` posts at a time under a bar. A posts
    table's rows are first posts: fields with a bias of that kind's own use it."""
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
    seen = {f: None if marks[0][f] is None else pd.Series(np.concatenate([m[f] for m in marks]), index=rows.index)
            for f in model.fields}
    return pd.concat(parts), seen
