"""Quantifiers under shifted prevalence: the artificial-prevalence protocol (APP) on the fixed telecom test part.

``bench_telecom --part quantify`` measured the quantifiers (``wbcs.kpi.quantify``) at the one prevalence the
fixed test part happens to have. Quantification is for prevalence shift (a week when an outage makes network
complaints jump), and the literature (QuaPy; Moreo & Sebastiani) measures quantifiers with the APP: many
samples of a labelled test set drawn at prevalences spread over the simplex.

For intent, sentiment and topic of the gold set:

- the shipped configuration (``load_model().models[field]``, cloned) gives out-of-fold probabilities on the
  training part through the trainer's grouped folds (``configs._Folds``, as ``bench_telecom --part quantify``
  builds them): the quantifiers' statistics; and, fitted on the whole training part, the probabilities of the
  test items;
- the trainer's rule (``card_entry``: ``quantifier_cv`` + ``choose_methods`` on those out-of-fold rows, timed
  with its bootstrap) says which method it would use per kind of item; three versions of it are compared: the
  shipped one (validation folds shifted by up to ``MAX_SHIFT`` in TV, ``bounded_prevalences``), the
  flat-Dirichlet one before it (``max_shift=None``) and the natural-mix one before that (``app=0``: the folds'
  own rows only);
- APP on the FIXED TEST PART ONLY, per population (telecom first posts, what posts tables hold; and, for the
  fields labelled on dialogues too, every kind of item together): ``--vectors`` prevalence vectors from a flat
  Dirichlet over the labels the population's test items have (``app_prevalences``), each drawn ``--repeats``
  times at every ``--sizes`` (``app_sample``: each label's items drawn with replacement); as many at a bounded
  shift (``bounded_prevalences`` around the training rows' mix of the population, over the labels its test
  items have, renormalised: TV from it spread evenly over [0, ``MAX_SHIFT``], the realistic band); the
  population as it is (the natural mix, one sample of all its items); for sentiment also a
  grid of 21 negative shares (0.01, 0.05, …, 0.99; the other items neutral and positive in the test part's
  ratio), for the negative share the dashboard shows;
- every variant of ours (``VARIANTS``: as ``corrected_table`` runs them, on each post's top probability with
  the class bias undone) and QuaPy's CC, PCC, ACC, PACC and EMQ (SLD) on the same samples. QuaPy's aggregation
  step is fitted on the same out-of-fold predictions of the same kind of item (``aggregation_fit``) and given
  each sample's whole probability vectors as the model outputs them (class bias included): QuaPy's defaults on
  the same classifier and the same validation predictions. A check with identical inputs on both sides (negative
  vs not, where a post's top probability is its whole posterior, and ACC, which only counts labels) gives the
  largest difference of the estimates: a bug would show there. Reference rows: our PACC and EMQ on the whole
  probability vectors (``full=True``; a posts table keeps only the top one), learnt on QuaPy's rows.

Errors per sample against the sample's true shares: total variation (TV, half the L1), mean absolute error
over labels (QuaPy's AE) and, for sentiment, the absolute error of the negative share. Tables: mean and 95th
percentile per method; mean TV by how far the sample's prevalence lies from the training part's (``shift_bucket``);
and the three rules' choices side by side: error in the realistic band (bounded design; and the flat-Dirichlet
samples within 0.3 of the training mix), over all flat-Dirichlet samples, and at the natural mix.

Usage: python -m benchmarks.bench_quantify [--fields intent sentiment topic] [--vectors N] [--repeats R]
       [--sizes 100 300] [--seed S] [--no-quapy] [--smoke]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.bench_classify import table
from wbcs.kpi.quantify import MAX_SHIFT

FIELDS = ["intent", "sentiment", "topic"]
GRID = np.r_[0.01, np.arange(1, 20) / 20, 0.99]  # QuaPy's prevalence_linspace(21): limits smoothed by 0.01
QUAPY = ("CC", "PCC", "ACC", "PACC", "EMQ")
WHOLE = "(whole posteriors, ref.)"  # our methods on what a posts table does not keep: not a choice the product has
BOUNDED = f"bounded (TV ≤ {MAX_SHIFT:g})"  # the realistic band: ``bounded_prevalences`` with MAX_SHIFT


@dataclass
class Fitted:
    """One field's shipped configuration on the gold split: the training part's grouped out-of-fold
    probabilities (``oof``, class bias included; ``fold``: each row's validation fold) and the test part's
    probabilities from the configuration fitted on the whole training part (``proba``; ``model``: that fit)."""

    field: str
    labels: list
    bias: dict | None
    train: pd.DataFrame
    test: pd.DataFrame
    oof: np.ndarray
    fold: np.ndarray
    proba: np.ndarray
    model: object = None
    kind_bias: dict | None = None  # first posts' own class bias, where the configuration has one

    def rows_bias(self, part: str, rows=None):
        """The class bias of the training ("train") or test ("test") rows ``rows`` (None: all), each row's kind's
        own where it has one (``quantify.row_bias``: then an array of offsets, one row per row)."""
        from wbcs.kpi.quantify import bias_at, row_bias

        b = row_bias(self.labels, self.bias, self.kind_bias, (self.train if part == "train" else self.test)["kind"])
        return b if rows is None else bias_at(b, rows)


def fit_field(field: str, seed: int, smoke: bool, model: str | None = None) -> Fitted:
    """``model``'s configuration (None: the shipped model's) for ``field`` on the gold split (``Fitted``)."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.baseline import predict_kinds, with_biases
    from wbcs.classify.configs import _Folds
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample

    task = load_task(f"gold_{field}", seed=seed)
    tr = (subsample(task.train, 600, seed) if smoke else task.train).reset_index(drop=True)
    te = task.test.reset_index(drop=True)
    est = clone(load_model(model).models[field])
    folds = _Folds(est, tr["text"].to_numpy(), tr["label"].to_numpy(), training_groups(tr, seed=seed), 5, seed)
    folds.scores(est)
    labels = [str(c) for c in folds.classes]
    fold = np.zeros(len(tr), dtype=int)
    for k, (_, va) in enumerate(folds.folds):
        fold[va] = k
    model = clone(est).fit(tr["text"].tolist(), tr["label"].to_numpy())
    assert [str(c) for c in model.classes_] == labels, (model.classes_, labels)
    kind_bias = getattr(est, "kind_bias", None)
    oof = with_biases(folds.oof, folds.classes, est.class_bias, kind_bias, tr["kind"])
    return Fitted(field, labels, est.class_bias, tr, te, oof, fold,
                  predict_kinds(model, te["text"].tolist(), te["kind"]), model, kind_bias)


RULES = ("natural-mix rule", "flat-Dirichlet rule", "bounded rule")


def cv_choice(fit: Fitted, seed: int) -> tuple[dict, dict]:
    """The three rules' choices on the training part ({rule: chosen}) and the seconds each took: the bounded
    (shipped) and the flat-Dirichlet ones as the trainer runs them (``card_entry``, bootstrap included), the
    natural-mix one on the folds' own rows only (``app=0``, point estimates: its choice rests on them)."""
    from wbcs.kpi.quantify import card_entry, choose_methods, quantifier_cv

    args = (fit.train["label"], fit.oof, fit.labels, fit.fold, fit.train["kind"])
    out, secs = {}, {}
    for rule, kw in zip(RULES, ({"app": 0, "n_boot": 0}, {"max_shift": None}, {}), strict=True):
        t0 = time.time()
        if rule == "natural-mix rule":
            out[rule] = choose_methods(quantifier_cv(*args, bias=fit.rows_bias("train"), seed=seed, **kw))
        else:
            out[rule] = card_entry(*args, bias=fit.bias, kind_bias=fit.kind_bias, bias_kinds=fit.train["kind"],
                                   seed=seed, **kw)["chosen"]
        secs[rule] = time.time() - t0
    return out, secs


def populations(fit: Fitted, chosen: dict) -> list[tuple]:
    """(name, test rows, training rows, the CV choice that applies, whether per-kind statistics differ from
    the pooled ones): telecom first posts, and all kinds together where the field has several."""
    out = [("first posts", (fit.test["kind"] == "first_post").to_numpy(), (fit.train["kind"] == "first_post").to_numpy(),
            chosen.get("first_post", chosen["all"]), True)]
    if fit.test["kind"].nunique() > 1:
        out.append(("all kinds", np.ones(len(fit.test), bool), np.ones(len(fit.train), bool), chosen["all"], False))
    return out


def _quapy(method: str, labels: list, predictions, y, **params):
    """QuaPy's aggregative ``method`` (with ``params``) with its aggregation step fitted on given validation
    ``predictions`` (crisp labels for CC/ACC, posteriors for the others) of rows labelled ``y``. The classifier
    is a placeholder fitted on the labels (QuaPy reads its ``classes_`` only: the predictions are ours)."""
    import quapy.functional as F
    from quapy.method import aggregative as agg
    from sklearn.dummy import DummyClassifier

    placeholder = DummyClassifier().fit(np.zeros((len(labels), 1)), np.asarray(labels))
    assert list(placeholder.classes_) == list(labels), "labels must be sorted, as scikit-learn orders classes"
    if method != "CC":  # no validation split to make: the predictions are given (CC takes none)
        params = {"val_split": None, **params}
    q = getattr(agg, method)(placeholder, fit_classifier=False, **params)
    q.aggregation_fit(predictions, np.asarray(y))
    # QuaPy's fit sets the training prevalence (its labels' shares) outside aggregation_fit
    if method == "EMQ" and q.exact_train_prev:
        q.train_prevalence = F.prevalence_from_labels(np.asarray(y), classes=q.classes_)
    return q


def _quapy_input(method: str, labels: list, proba):
    """What QuaPy's ``method`` aggregates: the predicted labels (CC, ACC) or the posteriors."""
    return np.asarray(labels)[proba.argmax(axis=1)] if method in ("CC", "ACC") else proba


def restricted(train_prev: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The training mix over the labels the test items (label codes ``codes``) have, renormalised: the centre of
    the bounded shifts (a label without test items cannot be drawn)."""
    present = np.flatnonzero(np.bincount(codes, minlength=len(train_prev)))
    base = np.zeros(len(train_prev))
    base[present] = train_prev[present] / train_prev[present].sum()
    return base


def designs(fit: Fitted, codes: np.ndarray, train_prev: np.ndarray, args, seed: int) -> list[tuple]:
    """(design, prevalence vectors, samples per vector and size) for a population whose test items have
    label codes ``codes``: a flat Dirichlet over the labels present (a label without test items cannot be
    drawn: it stays at 0); mixes at a TV spread evenly over [0, MAX_SHIFT] from ``train_prev`` (the training
    rows' mix) restricted to those labels and renormalised; for
    sentiment also the grid of negative shares, the rest neutral and positive as in the population."""
    from wbcs.kpi.quantify import MAX_SHIFT, app_prevalences, bounded_prevalences

    k = len(fit.labels)
    present = np.flatnonzero(np.bincount(codes, minlength=k))
    flat = np.zeros((args.vectors, k))
    flat[:, present] = app_prevalences(len(present), args.vectors, seed=seed)
    out = [("Dirichlet", flat, args.repeats)]
    if fit.field == "sentiment":
        neg = fit.labels.index("negative")
        rest = np.bincount(codes, minlength=k).astype(float)
        rest[neg] = 0
        grid = GRID if not args.smoke else GRID[::5]
        out.append(("negative grid", np.array([np.eye(k)[neg] * p + rest / rest.sum() * (1 - p) for p in grid]),
                    args.grid_repeats))
    # after the others, so that their samples' seeds are those of the runs before this design
    out.append((BOUNDED, bounded_prevalences(restricted(train_prev, codes), args.vectors, max_shift=MAX_SHIFT,
                                             seed=seed), args.repeats))
    return out


def run_population(fit: Fitted, name: str, te_rows, tr_rows, per_kind: bool, args, seed: int) -> pd.DataFrame:
    """Every method's errors on every APP sample of one population. One row per (sample, method)."""
    from wbcs.kpi.quantify import (
        VARIANTS,
        app_sample,
        bias_at,
        estimate,
        shift_bucket,
        training_stats,
        tv,
    )

    labels, k = fit.labels, len(fit.labels)
    y_tr = fit.train["label"].to_numpy().astype(str)
    codes = pd.Categorical(fit.test["label"][te_rows].astype(str), categories=labels).codes
    proba = fit.proba[te_rows]
    st = {"pooled": training_stats(y_tr, fit.oof, labels, fit.rows_bias("train")),
          "kind": training_stats(y_tr[tr_rows], fit.oof[tr_rows], labels, fit.rows_bias("train", tr_rows))}
    test_bias = fit.rows_bias("test", te_rows)
    ours = [(v, m, s) for v, m, s in VARIANTS if per_kind or s == "pooled"]
    # reference: PACC and EMQ on the whole probability vectors, which a posts table does not keep, learnt on the
    # rows QuaPy learns on: what separates ours from QuaPy's besides the class bias (undone by ours)
    whole = training_stats(y_tr[tr_rows], fit.oof[tr_rows], labels, fit.rows_bias("train", tr_rows), full=True)
    peers = {f"QuaPy {m}": _quapy(m, labels, _quapy_input(m, labels, fit.oof[tr_rows]), y_tr[tr_rows])
             for m in QUAPY} if args.quapy else {}
    if args.quapy:  # QuaPy's recommended EMQ (Alexandari et al. 2020): posteriors recalibrated, prior estimated
        peers["QuaPy EMQ-BCTS"] = _quapy("EMQ", labels, fit.oof[tr_rows], y_tr[tr_rows], calib="bcts",
                                         exact_train_prev=False)
    train_prev = pd.Series(y_tr[tr_rows]).value_counts(normalize=True).reindex(labels, fill_value=0).to_numpy()
    neg = labels.index("negative") if "negative" in labels else None
    rng = np.random.default_rng(seed)
    rows = []
    plan = [(d, size, i, prev) for d, prevs, repeats in designs(fit, codes, train_prev, args, seed)
            for size in args.sizes for i, prev in enumerate(np.repeat(prevs, repeats, axis=0))]
    plan.append(("natural mix", len(codes), 0, None))  # the population as it is: all its items, once
    for design, size, i, prev in plan:
        # the samples' seeds drawn in the order the flat-Dirichlet and grid ones always were: their figures stay
        idx = np.arange(len(codes)) if prev is None else app_sample(codes, prev, size, seed=int(rng.integers(2**32)))
        truth = np.bincount(codes[idx], minlength=k) / size
        p = proba[idx]
        b = bias_at(test_bias, idx)
        est = {v: estimate(m, p, st[s], bias=b) for v, m, s in ours}
        est.update({f"{m} {WHOLE}": estimate(m, p, whole, bias=b, full=True) for m in ("PACC", "EMQ")})
        est.update({m: q.aggregate(_quapy_input(m.split()[1], labels, p)) for m, q in peers.items()})
        base = {"field": fit.field, "population": name, "design": design, "size": size, "sample": i,
                "shift": str(shift_bucket(truth, train_prev)[0]), "shift_tv": tv(truth, train_prev)}
        for method, e in est.items():
            e = np.asarray(e, dtype=float)
            rows.append({**base, "method": method, "tv": tv(e, truth), "mae": float(np.abs(e - truth).mean()),
                         "neg_ae": abs(e[neg] - truth[neg]) if neg is not None else np.nan})
    return pd.DataFrame(rows)


def _exact_in_simplex(m, q) -> bool:
    """Whether ACC's system ``m p = q`` has one exact solution and it is a point of the simplex: there the
    least-squares solutions, constrained or not, are that point whatever the solver (NNLS then normalised,
    ours; least squares on the simplex, QuaPy's), so they must agree."""
    try:
        return bool((np.linalg.solve(m, q) >= -1e-12).all())
    except np.linalg.LinAlgError:  # a label no training row was predicted as: no unique solution
        return False


def same_inputs_check(fit: Fitted, name: str, te_rows, tr_rows, args, seed: int) -> list[dict]:
    """Ours against QuaPy with identical inputs, on Dirichlet samples of the population: every method on the
    binary "negative vs not" of sentiment (two labels: a post's top probability is its whole posterior, and no
    class bias to undo) with EMQ's prior the mean posterior on both sides (QuaPy: ``exact_train_prev=False``);
    and ACC on the field's labels (it only counts predicted labels). The largest difference of an estimate
    over the samples: solver tolerances only, unless something is wrong."""
    from wbcs.kpi.quantify import app_prevalences, app_sample, estimate, training_stats

    y_tr = fit.train["label"].to_numpy().astype(str)[tr_rows]
    cases = [("ACC", fit.labels, y_tr, fit.oof[tr_rows], fit.proba[te_rows],
              fit.test["label"][te_rows].astype(str).to_numpy())]
    if fit.field == "sentiment":
        def binary(p):
            neg = p[:, fit.labels.index("negative")]
            return np.column_stack([neg, 1 - neg])

        two = ["negative", "not"]
        y_te = np.where(fit.test["label"][te_rows] == "negative", "negative", "not")
        cases += [(m, two, np.where(y_tr == "negative", "negative", "not"), binary(fit.oof[tr_rows]),
                   binary(fit.proba[te_rows]), y_te) for m in QUAPY]
    rng = np.random.default_rng(seed)
    out = []
    for method, labels, y, oof, proba, y_te in cases:
        st = training_stats(y, oof, labels, None)
        # EMQ's prior: the mean training posterior on both sides
        q = _quapy(method, labels, _quapy_input(method, labels, oof), y,
                   **({"exact_train_prev": False} if method == "EMQ" else {}))
        codes = pd.Categorical(y_te, categories=labels).codes
        present = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
        diffs, inside = [], []
        for prev in app_prevalences(len(present), args.vectors, seed=seed):
            full = np.zeros(len(labels))
            full[present] = prev
            p = proba[app_sample(codes, full, max(args.sizes), seed=int(rng.integers(2**32)))]
            x = _quapy_input(method, labels, p)
            # EMQ: QuaPy stops when an iteration moves the mean |change| below 1e-4, ours when the largest one is
            # below 1e-6; at QuaPy's tolerance the two stop at different points of a slow climb, so compare at 1e-8
            theirs = q.aggregate(x, epsilon=1e-8) if method == "EMQ" else q.aggregate(x)
            diffs.append(np.abs(estimate(method, p, st) - theirs).max())
            if method == "ACC":
                inside.append(_exact_in_simplex(q.Pte_cond_estim_, q.cc.aggregate(x)))
        diffs, inside = np.array(diffs), np.array(inside, dtype=bool)
        out.append({"field": fit.field, "population": name, "labels": "negative vs not" if len(labels) == 2 and
                    len(fit.labels) > 2 else f"{len(labels)} labels", "method": method, "samples": len(diffs),
                    "max |ours − QuaPy|": f"{diffs.max():.2g}", "mean": f"{diffs.mean():.2g}",
                    "max where the exact solution is in the simplex (samples)":
                    f"{diffs[inside].max():.2g} ({inside.sum()})" if inside.any() else ""})
    return out


def summary(df: pd.DataFrame, chosen: dict, error: str = "tv") -> list[dict]:
    """Per method: mean error at each size, its 95th percentile at the largest size, MAE there; * marks the
    method the CV rule chooses, ranks are among all methods by mean error at the largest size."""
    big = max(df["size"])
    rows = []
    for method, g in df.groupby("method", sort=False):
        r = {"method": method + (" *" if method == chosen["method"] else "")}
        for size, s in g.groupby("size"):
            r[f"{error} n={size}"] = f"{s[error].mean():.3f}"
        at = g[g["size"] == big]
        r[f"p95 n={big}"] = f"{np.percentile(at[error], 95):.3f}"
        if error == "tv":
            r[f"MAE n={big}"] = f"{at['mae'].mean():.4f}"
        rows.append(r)
    ranks = df[df["size"] == big].groupby("method")[error].mean().rank(method="min").astype(int)
    for r in rows:
        r["rank"] = int(ranks[r["method"].removesuffix(" *")])
    return rows


def by_shift(df: pd.DataFrame, error: str = "tv") -> list[dict]:
    """Mean error per method at the largest size, by the sample's distance (TV) from the training prevalence."""
    at = df[df["size"] == max(df["size"])]
    pivot = at.pivot_table(index="method", columns="shift", values=error, aggfunc="mean", sort=False, observed=True)
    n = at[at["method"] == at["method"].iloc[0]]["shift"].value_counts()
    cols = [c for c in sorted(pivot.columns)]
    rows = [{"method": m, **{f"{c} ({n.get(c, 0)})": f"{pivot.loc[m, c]:.3f}" for c in cols}} for m in pivot.index]
    return rows


def report(field_df: pd.DataFrame, chosen_of: dict) -> list[dict]:
    """Print a field's tables; return its decision rows (what the CV chose against the APP's best)."""
    decisions = []
    for (pop, design), df in field_df.groupby(["population", "design"], sort=False):
        field, chosen = df["field"].iloc[0], chosen_of[pop]
        big = max(df["size"])
        error = "neg_ae" if design == "negative grid" else "tv"
        what = "absolute error of the negative share" if error == "neg_ae" else "TV to the sample's shares"
        samples = df[df["method"] == df["method"].iloc[0]].groupby("size").size().to_dict()
        head = f"{field}, {pop}, {design} ({samples} samples per size), {what}; * = CV's choice ({chosen['method']})"
        print(f"\n{head}\n" + table(summary(df, chosen, error), list(summary(df, chosen, error)[0])), flush=True)
        shift_rows = by_shift(df, error)
        print(f"\n{field}, {pop}, {design}: mean {error} at n={big} by the sample's TV from the training prevalence "
              f"(samples)\n" + table(shift_rows, list(shift_rows[0])), flush=True)
        means = df[df["size"] == big].groupby("method", sort=False)[error].mean()
        ours = means[~means.index.str.startswith("QuaPy") & ~means.index.str.endswith(WHOLE)]
        quapy = means[means.index.str.startswith("QuaPy")]
        decisions.append({"field": field, "population": pop, "design": design, "error": f"{error}, n={big}",
                          "CV's choice": chosen["method"], "its error": f"{means[chosen['method']]:.3f}",
                          "CC": f"{means['CC']:.3f}", "best of ours": f"{ours.idxmin()} {ours.min():.3f}",
                          "best of QuaPy": f"{quapy.idxmin()} {quapy.min():.3f}" if len(quapy) else "",
                          "choice's rank (of ours)": f"{int(ours.rank(method='min')[chosen['method']])}/{len(ours)}"})
    return decisions


def compare(field_df: pd.DataFrame, rules_of: dict) -> list[dict]:
    """Per population and error: each rule's choice and its mean error at the largest APP size in the realistic
    band (the bounded design; the flat-Dirichlet samples within 0.3 of the training mix), over all the
    flat-Dirichlet samples, and at the natural mix (the population's items as they are); then our best
    variant in each column."""
    out = []
    for pop, df in field_df.groupby("population", sort=False):
        field = df["field"].iloc[0]
        big = max(df[df["design"] == "Dirichlet"]["size"])
        cols = {"realistic band (bounded)": (df["design"] == BOUNDED) & (df["size"] == big),
                "flat APP, TV ≤ 0.3": (df["design"] == "Dirichlet") & (df["size"] == big) & (df["shift_tv"] <= 0.3),
                "flat APP (all)": (df["design"] == "Dirichlet") & (df["size"] == big),
                "natural mix": df["design"] == "natural mix"}
        n_flat = int((cols["flat APP, TV ≤ 0.3"] & (df["method"] == "CC")).sum())
        ours = ~df["method"].str.startswith("QuaPy") & ~df["method"].str.endswith(WHOLE)
        for error in ("tv", "neg_ae") if df["neg_ae"].notna().any() else ("tv",):
            means = {c: df[m].groupby("method")[error].mean() for c, m in cols.items()}
            base = {"field": field, "population": pop, "error": f"{error}, n={big}"}
            for rule, chosen in rules_of[pop].items():
                row = {**base, "rule": rule, "choice": chosen["method"]}
                for c, mean in means.items():  # a column can be empty (smoke: no flat sample within 0.3)
                    row[c] = f"{mean[chosen['method']]:.3f}" if chosen["method"] in mean else "–"
                out.append(row)
            best = {c: df[m & ours].groupby("method")[error].mean() for c, m in cols.items()}
            out.append({**base, "rule": "best of ours", "choice": "",
                        **{c: f"{b.idxmin()} {b.min():.3f}" if len(b) else "–" for c, b in best.items()}})
            out[-1]["flat APP, TV ≤ 0.3"] += f" ({n_flat} samples)"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", nargs="+", choices=FIELDS, default=FIELDS)
    parser.add_argument("--vectors", type=int, default=200, help="Dirichlet prevalence vectors per population")
    parser.add_argument("--repeats", type=int, default=2, help="samples drawn per prevalence vector and size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--grid-repeats", type=int, default=10, help="samples per negative-share grid point and size")
    parser.add_argument("--no-quapy", dest="quapy", action="store_false", help="without the QuaPy peer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="600 training rows, 10 vectors, n=100: checks the code")
    args = parser.parse_args(argv)
    if args.smoke:
        args.vectors, args.repeats, args.sizes, args.grid_repeats = 10, 1, [100], 1
    start = time.time()
    decisions, checks, compared = [], [], []
    for field in args.fields:
        t0 = time.time()
        fit = fit_field(field, args.seed, args.smoke)
        t1 = time.time()
        rules, secs = cv_choice(fit, args.seed)
        chosen = rules["bounded rule"]
        print(f"\n### {field}: fitted ({t1 - t0:.0f} s), {len(fit.train)} training rows; the rules' choices and "
              f"the seconds they took:", flush=True)
        for rule, ch in rules.items():
            print(f"  {rule} ({secs[rule]:.1f} s): {({k: v['method'] for k, v in ch.items()})}", flush=True)
        for kind, c in chosen.items():
            print(f"  bounded rule, {kind}: mean TV over the folds' samples {c['cv_tv']}, at the training mix "
                  f"{c['natural_tv']}, folds won against CC {c['wins']} of {c['folds']} ({c['samples']} samples each)",
                  flush=True)
        parts, chosen_of, rules_of = [], {}, {}
        for name, te_rows, tr_rows, choice, per_kind in populations(fit, chosen):
            chosen_of[name] = choice
            rules_of[name] = {rule: next(c for n, _, _, c, _ in populations(fit, ch) if n == name)
                              for rule, ch in rules.items()}
            parts.append(run_population(fit, name, te_rows, tr_rows, per_kind, args, args.seed))
            if args.quapy:
                checks += same_inputs_check(fit, name, te_rows, tr_rows, args, args.seed)
        field_df = pd.concat(parts, ignore_index=True)
        decisions += report(field_df, chosen_of)
        compared += compare(field_df, rules_of)
        print(f"{field}: {time.time() - t0:.0f} s", flush=True)
    print("\nThe CV rule's choice under APP (mean error at the largest size)\n" + table(decisions, list(decisions[0])))
    print("\nThe three rules' choices: mean error at the largest APP size in the realistic band, under flat APP, "
          "and at the natural mix\n" + table(compared, list(compared[0])))
    if checks:
        print("\nOurs against QuaPy with identical inputs\n" + table(checks, list(checks[0])))
    print(f"\nquantify APP: {time.time() - start:.0f} s in all", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
