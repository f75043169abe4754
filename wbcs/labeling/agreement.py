"""Label quality: agreement between annotators, the adjudication queue, consensus
labels, and likely label errors.

All functions take the long table of ``LabelStore.current()`` (item_id, field,
value, annotator, labelled_at).

- ``agreement``: per field, Cohen's κ for every pair of annotators (scikit-learn) on
  the items both labelled, and Krippendorff's α (``krippendorff``, nominal) over all
  of them; a conditional field (negative_subtype) is compared where the annotators
  gave it, i.e. where both judged the post negative.
- ``resolve``: the status of every (item, field): ``adjudicated`` (the adjudicator
  wins), ``agreed`` (every annotator of the item gave the same label),
  ``not_applicable`` (its condition fails on the resolved labels), ``disputed``
  (for the adjudicator) or ``incomplete`` (fewer than ``min_annotators`` labelled
  the item).
- ``disagreements``: the adjudication queue; ``consensus``: the gold labels.
- ``label_issues``: cleanlab's ``find_label_issues`` on out-of-fold probabilities of
  the baseline ``TextClassifier`` (folds keep near-duplicate texts together).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.labeling.fields import applies, label_fields, taxonomy
from wbcs.pii import mask_pii
from wbcs.schema import Taxonomy

ADJUDICATOR = "adjudicator"
STATUSES = ("adjudicated", "agreed", "not_applicable", "disputed", "incomplete")


def _checked(current: pd.DataFrame, tax: Taxonomy) -> pd.DataFrame:
    """``current`` if it is a labels table these functions can read: the columns of ``LabelStore.current()``,
    one label per (item, field, annotator) and every label of a taxonomy field one of its ids. A second
    label of an annotator silently replaced the first, an unknown one became a gold label."""
    need = ("item_id", "field", "value", "annotator")
    if not isinstance(current, pd.DataFrame) or any(c not in current.columns for c in need):
        raise InputError(f"labels: need a table with columns {', '.join(need)} (LabelStore.current()), got "
                         + (f"columns {', '.join(map(str, current.columns))}" if isinstance(current, pd.DataFrame)
                            else type(current).__name__))
    twice = current.duplicated(["item_id", "field", "annotator"], keep=False)
    if twice.any():
        r = current[twice].iloc[0]
        raise InputError(f"labels: item {mask_pii(str(r['item_id']))}, field {r['field']!r}: annotator "
                         f"{r['annotator']!r} has {int(twice.sum())} labels; keep one per annotator (the latest)")
    for field in label_fields(tax):
        rows = current[current["field"] == field]
        bad = rows[rows["value"].notna() & ~rows["value"].isin(tax.ids(field))]
        if len(bad):
            r = bad.iloc[0]
            raise InputError(f"labels: item {mask_pii(str(r['item_id']))}, field {field!r}: annotator "
                             f"{r['annotator']!r} gave {r['value']!r}, not a label of the taxonomy "
                             f"(known: {', '.join(tax.ids(field))})")
    return current


def _annotators(current: pd.DataFrame, annotators: Sequence[str] | None) -> list[str]:
    found = sorted(set(current["annotator"]) - {ADJUDICATOR})
    if annotators is None:
        return found
    missing = [a for a in annotators if a not in found]
    if missing:
        raise InputError(f"annotator {missing[0]!r} has no labels; annotators: {', '.join(found) or 'none'}")
    return list(annotators)


def field_table(current: pd.DataFrame, field: str, annotators: Sequence[str]) -> pd.DataFrame:
    """Items × annotators for one field (NaN where an annotator gave no label)."""
    sub = current[(current["field"] == field) & current["annotator"].isin(annotators)]
    table = sub.pivot(index="item_id", columns="annotator", values="value")
    return table.reindex(columns=list(annotators)).astype(object).where(table.notna(), None)


def _alpha(table: pd.DataFrame, labels: list[str]) -> float:
    import krippendorff

    code = {lab: i for i, lab in enumerate(labels)}
    data = np.array([[code[v] if v is not None else np.nan for v in table[a]] for a in table.columns],
                    dtype=float)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if pairable.sum() == 0 or len(np.unique(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return float("nan")  # α is undefined without pairable units holding ≥ 2 values
    return float(krippendorff.alpha(reliability_data=data[:, pairable],
                                    level_of_measurement="nominal",
                                    value_domain=list(range(len(labels)))))


def agreement(current: pd.DataFrame, *, annotators: Sequence[str] | None = None,
              tax: Taxonomy | None = None) -> dict:
    """Per field: ``n`` (items labelled by ≥ 2 annotators), ``agreement`` (share of those
    pairs that agree), ``kappa`` (Cohen's κ; the mean over pairs when there are more
    than two annotators), ``alpha`` (Krippendorff's α, nominal) and ``pairs``."""
    from sklearn.metrics import cohen_kappa_score

    tax = taxonomy(tax)
    current = _checked(current, tax)
    names = _annotators(current, annotators)
    out = {}
    for field in label_fields(tax):
        table = field_table(current, field, names)
        pairs, agree_n, total_n = [], 0, 0
        for a, b in combinations(names, 2):
            both = table[[a, b]].dropna()
            n = len(both)
            same = int((both[a] == both[b]).sum())
            # κ is undefined (0/0) when both annotators used one and the same label
            # throughout: report NaN, the ``agreement`` share still says 1.0.
            single = pd.concat([both[a], both[b]]).nunique() < 2
            kappa = (float("nan") if n == 0 or single
                     else float(cohen_kappa_score(both[a], both[b], labels=tax.ids(field))))
            pairs.append({"a": a, "b": b, "n": n, "agreement": same / n if n else float("nan"),
                          "kappa": kappa})
            agree_n += same
            total_n += n
        kappas = [p["kappa"] for p in pairs if not np.isnan(p["kappa"])]
        out[field] = {
            "n": int((table.notna().sum(axis=1) >= 2).sum()),
            "agreement": agree_n / total_n if total_n else float("nan"),
            "kappa": float(np.mean(kappas)) if kappas else float("nan"),
            "alpha": _alpha(table, tax.ids(field)) if len(names) >= 2 else float("nan"),
            "pairs": pairs,
        }
    return out


def resolve(current: pd.DataFrame, *, annotators: Sequence[str] | None = None,
            adjudicator: str = ADJUDICATOR, min_annotators: int = 2,
            tax: Taxonomy | None = None,
            fields_for: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """One row per (item, field): ``status`` (see the module docstring), ``value`` (the
    resolved label, or None), and ``label_<annotator>`` columns. ``fields_for`` maps an
    item to the fields labelled for it (the customer turns: sentiment, intent and negative subtype);
    items it does not list get every field."""
    tax = taxonomy(tax)
    current = _checked(current, tax)
    names = _annotators(current, annotators)
    fields = label_fields(tax)
    sub = current[current["annotator"].isin([*names, adjudicator])]
    by_item: dict[str, dict[str, dict[str, str]]] = {}
    for r in sub.itertuples():
        by_item.setdefault(r.item_id, {}).setdefault(r.annotator, {})[r.field] = r.value
    rows = []
    for item in sorted(by_item):
        labels = by_item[item]
        adj = labels.get(adjudicator, {})
        who = [a for a in names if a in labels]
        resolved: dict[str, str] = {}
        for field in (fields_for or {}).get(item, fields):
            given = {a: labels[a].get(field) for a in who}
            # An annotator without a label for the field either judged it not to apply
            # (their own labels fail its condition: a vote) or has not got to it yet.
            votes = [v if v is not None else ("n/a" if applies(field, labels[a], tax) is False
                                              else None) for a, v in given.items()]
            values = [v for v in votes if v not in (None, "n/a")]
            need = applies(field, resolved, tax)
            if need is False:  # before the adjudicator's label: a subtype of a post resolved neutral is no gold label
                status, value = "not_applicable", None
            elif field in adj:
                status, value = "adjudicated", adj[field]
            elif need is None and not values:
                status, value = "not_applicable", None  # nobody thought it applies
            elif len(who) < min_annotators or None in votes:
                status, value = "incomplete", None
            elif len(values) == len(votes) and len(set(values)) == 1:
                status, value = "agreed", values[0]
            else:
                status, value = "disputed", None
            if value is not None:
                resolved[field] = value
            rows.append({"item_id": item, "field": field, "status": status, "value": value,
                         **{f"label_{a}": given.get(a) for a in names}})
    cols = ["item_id", "field", "status", "value", *[f"label_{a}" for a in names]]
    return pd.DataFrame(rows, columns=cols)


def disagreements(resolved: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """The adjudication queue: disputed (item, field) rows with each annotator's label,
    an empty ``value`` to fill, and the item's masked ``text`` when ``items`` is given."""
    queue = resolved[resolved["status"] == "disputed"].drop(columns=["status"]).copy()
    queue["value"] = ""
    if items is not None:
        if not isinstance(items, pd.DataFrame) or not {"item_id", "text"} <= set(items.columns):
            raise InputError("disagreements: items must be a table with columns item_id and text")
        queue = queue.merge(items[["item_id", "text"]], on="item_id", how="left")
    return queue.reset_index(drop=True)


def consensus(resolved: pd.DataFrame, *, tax: Taxonomy | None = None, fields: Sequence[str] | None = None,
              id_col: str = "post_id") -> pd.DataFrame:
    """Gold labels, one row per item whose every field is resolved (agreed, adjudicated
    or not applicable): ``id_col`` + one column per field of ``fields`` (default all;
    blank when not applicable). ``attrs["unresolved"]`` counts the items left out, by status."""
    fields = list(fields or label_fields(tax))
    open_ = resolved["status"].isin(["disputed", "incomplete"])
    left_out = resolved.loc[open_, "item_id"].unique()
    done = resolved[~resolved["item_id"].isin(left_out)]
    gold = done.pivot(index="item_id", columns="field", values="value").reindex(columns=fields)
    gold = gold.rename_axis(index=id_col, columns=None).reset_index()
    status = resolved[resolved["item_id"].isin(left_out)].groupby("item_id")["status"]
    worst = status.agg(lambda s: "incomplete" if (s == "incomplete").any() else "disputed")
    gold.attrs["unresolved"] = {k: int(v) for k, v in worst.value_counts().items()}
    return gold


# --------------------------------------------------------------------------- label issues


def out_of_fold_proba(texts: Sequence[str], labels: Sequence[str], *, n_splits: int = 5,
                      seed=0, estimator=None) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold probabilities of the baseline ``TextClassifier`` (or ``estimator``):
    every text is predicted by a model that never saw it nor a near-duplicate of it."""
    from sklearn.base import clone

    from wbcs.classify import TextClassifier
    from wbcs.classify.splits import group_folds, leakage_groups
    from wbcs.progress import bar

    texts, y = list(texts), np.asarray(labels, dtype=object)
    classes = sorted(set(y))
    proba = np.zeros((len(texts), len(classes)))
    base = estimator if estimator is not None else TextClassifier(random_state=seed)
    # a model per fold: a minute or more on the gold set's 8,500 labels, shown fold by fold on a terminal (from
    # before the near-duplicate grouping, seconds of its own)
    with bar(total=n_splits, desc="out-of-fold models", unit="fold", leave=False) as folds:
        groups = leakage_groups(texts, seed=int(np.random.default_rng(seed).integers(2**31 - 1)))
        for train, test in group_folds(y, groups, n_splits=n_splits, seed=seed):
            model = clone(base).fit([texts[i] for i in train], y[train])
            cols = [classes.index(c) for c in model.classes_]
            proba[np.ix_(test, cols)] = model.predict_proba([texts[i] for i in test])
            folds.update()
    return proba, classes


def label_issues(texts: Sequence[str], labels: Sequence[str], *, item_ids: Sequence[str],
                 n_splits: int = 5, seed=0, estimator=None) -> pd.DataFrame:
    """Likely label errors (cleanlab ``find_label_issues``, ranked by self-confidence).

    Returns one row per item: ``item_id``, ``given``, ``suggested`` (the out-of-fold
    prediction), ``quality`` (cleanlab's label quality, 0–1, low = suspicious) and
    ``is_issue``; sorted most suspicious first. Items without a label, and labels with fewer
    than ``n_splits`` examples (they cannot be cross-validated), are left out and listed in
    ``attrs["excluded"]`` (item_id, given, reason).
    """
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise InputError(f"label issues: n_splits must be a whole number ≥ 2 (folds), got {n_splits!r}")
    columns = {"item_id": list(item_ids), "text": list(texts), "given": list(labels)}
    if len({len(v) for v in columns.values()}) > 1:
        raise InputError("label issues: " + ", ".join(f"{len(v)} {k}" for k, v in columns.items())
                         + "; give one text and one label per item")
    frame = pd.DataFrame(columns)
    unlabelled = frame["given"].isna() | frame["given"].astype(str).str.strip().eq("")
    counts = frame.loc[~unlabelled, "given"].value_counts()
    rare = ~unlabelled & (frame["given"].map(counts) < n_splits)
    excluded = pd.concat([
        frame.loc[unlabelled, ["item_id", "given"]].assign(reason="no label"),
        frame.loc[rare, ["item_id", "given"]].assign(
            reason=f"label has fewer than {n_splits} examples; cannot be cross-validated")])
    frame = frame[~unlabelled & ~rare].reset_index(drop=True)
    if frame["given"].nunique() < 2:
        raise InputError(f"label issues need ≥ 2 labels with ≥ {n_splits} examples each; "
                         f"have {counts.to_dict()}: label more items of the rarer labels, use fewer --folds, "
                         f"or look at another field")
    proba, classes = out_of_fold_proba(frame["text"], frame["given"], n_splits=n_splits,
                                       seed=seed, estimator=estimator)
    y = frame["given"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    # n_jobs=1: cleanlab's default forks a pool from a process that already runs threads (BLAS, progress bars), and a
    # forked worker can wait forever on a lock another thread held at the fork (a CI run hung in `label issues`);
    # a gold set's few thousand rows take milliseconds in one process
    issues = find_label_issues(labels=y, pred_probs=proba, filter_by="prune_by_noise_rate", n_jobs=1)
    out = frame[["item_id", "given"]].assign(
        suggested=np.asarray(classes, dtype=object)[proba.argmax(axis=1)],
        quality=get_label_quality_scores(y, proba, method="self_confidence"),
        is_issue=issues)
    out = out.sort_values(["is_issue", "quality"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["excluded"] = excluded.reset_index(drop=True)
    return out
