"""``predict_posts``: fill a posts table's missing label columns with the shipped model."""

from __future__ import annotations

import logging

import pandas as pd

from wbcs.checks import frame
from wbcs.classify.multi import PostClassifier, apply_conditions, texts_of
from wbcs.classify.registry import load_model
from wbcs.schema import LABEL_FIELDS, POST_KIND, load_taxonomy
from wbcs.text import has_text

log = logging.getLogger(__name__)


def predict_posts(posts: pd.DataFrame, model: PostClassifier | str | None = None, *,
                  verbose: bool = True) -> pd.DataFrame:
    """A copy of ``posts`` whose empty label cells are filled by ``model`` (None → the shipped default).

    The rows are predicted as first posts (``POST_KIND``: a field's model with a bias of that kind's own uses
    it). Labels already present (e.g. a human's) are kept; for every cell filled, the
    column ``<field>_proba`` holds the model's probability and ``<field>_source`` says
    "model" (kept labels say "label"), and ``<field>_learnt`` whether the model was fitted on the post's text
    (its fingerprint, ``PostClassifier.learnt``; empty for kept labels; no column when the model keeps no
    fingerprint: a folder from before it): ``wbcs.kpi.quantify`` counts those labels instead of correcting them.
    Rows are matched by position, whatever the index.
    A row whose ``text`` is missing or blank (``wbcs.text.has_text``) gets no label (as ``wbcs predict``).
    ``df.attrs["classified"]`` records the model, the rows filled per field, ``learnt`` (per field with a
    fingerprint, how many of them the model was fitted on), ``no_text`` (the
    rows left unlabelled for want of text) and the label fields the model does not cover; the
    same summary is printed (``verbose``) and logged.
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
    empty = {f: (out[f].isna() if f in out.columns else pd.Series(True, index=out.index)) for f in model.fields}
    todo = {f: e & ~no_text for f, e in empty.items()}
    # rows without text left without a label a field always has (not negative_subtype: it may not apply)
    tax = load_taxonomy().fields
    always = [e for f, e in empty.items() if not (f in tax and tax[f].applies_when)]
    unlabelled = int((no_text & pd.concat(always, axis=1).any(axis=1)).sum()) if always else 0
    need = pd.concat(todo.values(), axis=1).any(axis=1) if todo else pd.Series(False, index=out.index)
    # a posts table's rows are first posts: fields with a bias of that kind's own use it
    pred = model.predict(out.loc[need], kind=POST_KIND) if need.any() else None
    # which of them the model was fitted on (None: a field whose model keeps no fingerprint)
    seen = model.learnt(texts_of(out.loc[need])[0]) if pred is not None else dict.fromkeys(model.fields)
    filled, learnt = {}, {}
    for field, missing in todo.items():
        kept = out[field].astype("string") if field in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
        source = pd.Series(pd.NA, index=out.index, dtype="string").mask(kept.notna(), "label")
        proba = pd.Series(float("nan"), index=out.index)
        if pred is not None and missing.any():
            rows = missing[missing].index
            kept.loc[rows] = pred.loc[rows, field]
            proba.loc[rows] = pred.loc[rows, f"{field}_proba"]
            source.loc[rows] = "model"
        out[field], out[f"{field}_proba"], out[f"{field}_source"] = kept, proba, source
        filled[field] = int(missing.sum())
        if seen.get(field) is not None:
            mark = pd.Series(pd.NA, index=out.index, dtype="boolean")
            rows = missing[missing].index  # among the rows predicted (``need``)
            mark.loc[rows] = pd.Series(seen[field], index=need[need].index).loc[rows].to_numpy()
            out[f"{field}_learnt"] = mark
            learnt[field] = int(mark.sum())
        else:  # a mark another model left would say nothing of this one's labels
            out = out.drop(columns=f"{field}_learnt", errors="ignore")
    # a conditional field (negative_subtype) is blanked where the final labels say it does not apply
    out = apply_conditions(out)
    uncovered = [f for f in LABEL_FIELDS if f not in model.fields and (f not in out.columns or out[f].isna().any())]
    # the fields' cross-validated confusion: what wbcs.kpi.quantify corrects the shares with
    confusion = {f: model.card.get("fields", {}).get(f, {}).get("cv_confusion") for f in model.fields}
    # and, from cards since per-kind quantification, the quantifier CV chose per kind and its statistics
    quantify = {f: model.card.get("fields", {}).get(f, {}).get("cv_quantify") for f in model.fields}
    out.index = posts.index
    out.attrs = {**posts.attrs, "classified": {"model": model.name, "filled": filled, "no_text": unlabelled,
                                               "not_covered": uncovered, "learnt": learnt,
                                               "cv_confusion": {f: c for f, c in confusion.items() if c},
                                               "quantify": {f: q for f, q in quantify.items() if q}}}
    msg = (f"predict_posts: model {model.name} filled "
           + (", ".join(f"{f} ({n:,} rows)" for f, n in filled.items()) or "nothing")
           + (f"; {unlabelled:,} rows without text left unlabelled" if unlabelled else "")
           + (f"; not covered by this model: {', '.join(uncovered)}" if uncovered else ""))
    log.info(msg)
    if verbose:
        print(msg)
    return out
