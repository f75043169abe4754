"""Corrected shares on posts unlike the training rows: what the misfit guard (``wbcs.kpi.quantify.misfit``) does.

A correction (ACC, PACC, EMQ) assumes prior shift: the posts counted are the training labels' posts in other
proportions. ``quantified_shares`` counts instead of correcting when the posts' misfit (their distance from any
mix of the training labels) is beyond every sample the trainer's CV validated the chosen correction at (the
card's ``max_misfit``). This measures, per field (sentiment, intent, topic), with the shipped configuration fitted
on the gold training part and the trainer's rule run on its grouped out-of-fold rows (``train.quantify_entry``, as
``bench_quantify`` does it):

- **in domain** (false alarms): the fixed test part's items of each kind (telecom first posts, later messages,
  other helpdesks' first posts), at their natural mix and at ``--vectors`` mixes shifted by up to ``MAX_SHIFT``
  in TV from the training rows' mix of that kind (``bounded_prevalences``, ``--size`` items each), each with its
  kind's choice: how often the guard fires, and the mean TV to the true shares of the counts (CC), of the chosen
  correction and of the guarded estimate;
- **out of domain**: ``--repeats`` random samples of ``--size`` posts from SMP2020-EWECT (general Weibo posts;
  true 3-class sentiment), COCC complaint orders (agent-written; true topic on the orders whose class maps onto a
  taxonomy topic) and weibo_senti_100k (general Weibo posts; no truth in the schema's classes): the same figures,
  TV only where the truth is known, with the choice for telecom first posts (what a posts table holds).
All as the product does it: a posts table's predicted label and its probability (``quantified_shares``).

The trainer's rule (``train.quantify_entry``) also learns no correction from training rows not drawn at random
(the gold set's first two rounds of training turns, chosen by uncertainty sampling): a kind with some random rows
learns from those only, a kind with none keeps the counts; ``--as-before`` chooses as if every row were drawn at
random, for comparison on the same samples.

Usage: python -m benchmarks.bench_misfit [--fields sentiment intent topic] [--vectors N] [--repeats R] [--size N]
       [--seed S] [--model DIR] [--as-before] [--smoke]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from benchmarks.bench_classify import table
from benchmarks.bench_quantify import fit_field, restricted

FIELDS = ["sentiment", "intent", "topic"]


def outside_sets(field: str, n: int, repeats: int, seed: int) -> list[tuple]:
    """(name, texts, true labels or None) per out-of-domain sample."""
    from wbcs.datasets import load_cocc, load_smp2020, load_weibo_senti

    smp = load_smp2020().dropna(subset=["sentiment"])
    cocc = load_cocc()
    senti = load_weibo_senti()
    out = []
    for r in range(repeats):
        s = seed + r
        a = smp.sample(min(n, len(smp)), random_state=s)
        out.append(("SMP2020-EWECT", a["text"].tolist(), a["sentiment"].tolist() if field == "sentiment" else None))
        c = cocc.dropna(subset=["topic"]) if field == "topic" else cocc
        c = c.sample(min(n, len(c)), random_state=s)
        out.append(("COCC orders" + (" (topic-mapped)" if field == "topic" else ""), c["text"].tolist(),
                    c["topic"].tolist() if field == "topic" else None))
        w = senti.sample(min(n, len(senti)), random_state=s)
        out.append(("weibo_senti_100k", w["text"].tolist(), None))
    return out


def measure(proba, truth, info, labels, kind: str = "first_post") -> dict:
    """CC, the chosen correction and the guarded estimate (``quantified_shares``) on one sample of ``kind``."""
    from wbcs.kpi.quantify import quantified_shares, tv

    pred, top = np.asarray(labels)[proba.argmax(axis=1)], proba.max(axis=1)
    guarded = quantified_shares(pred, top, info, kind, n_boot=20)
    chosen = info["chosen"][guarded.attrs["kind"]]
    # the chosen correction as the product would give it without the guard: the same card with no misfit bound
    loose = {**info, "chosen": {k: {**c, "max_misfit": None} for k, c in info["chosen"].items()}}
    unguarded = quantified_shares(pred, top, loose, kind, n_boot=20)["corrected_share"].to_numpy()
    cc = guarded["raw_share"].to_numpy()
    row = {"method": chosen["method"], "fired": not guarded.attrs["corrected"] and chosen["method"] != "CC",
           "misfit": guarded.attrs.get("misfit", np.nan), "max_misfit": chosen.get("max_misfit"),
           "moved": tv(unguarded, cc)}
    if truth is not None:
        t = pd.Series(truth).astype(str).value_counts(normalize=True).reindex(labels, fill_value=0).to_numpy()
        row.update(tv_cc=tv(cc, t), tv_correction=tv(unguarded, t), tv_guarded=tv(guarded["corrected_share"], t))
    return row


def run_field(field: str, args) -> list[dict]:
    from wbcs.classify.baseline import predict_kinds
    from wbcs.classify.train import quantify_entry
    from wbcs.kpi.quantify import MAX_SHIFT, app_sample, bounded_prevalences
    from wbcs.schema import POST_KIND

    t0 = time.time()
    fit = fit_field(field, args.seed, args.smoke, args.model)
    # the trainer's rule (its card's cv_quantify); --as-before: as if every training row were drawn at random
    train = fit.train.assign(sampled=True) if args.as_before else fit.train
    info = quantify_entry({"y": fit.train["label"], "proba": fit.oof, "labels": fit.labels, "fold": fit.fold,
                           "bias": fit.bias, "kind_bias": fit.kind_bias, "aligned": True}, train, args.seed)
    print(f"{field}: fitted and chose in {time.time() - t0:.0f} s: "
          + ", ".join(f"{k} {v['method']} (max misfit {v.get('max_misfit')})" for k, v in info["chosen"].items()),
          flush=True)
    rows = []
    rng = np.random.default_rng(args.seed)
    for kind in fit.test["kind"].unique():
        here = (fit.test["kind"] == kind).to_numpy()
        codes = pd.Categorical(fit.test["label"][here].astype(str), categories=fit.labels).codes
        proba = fit.proba[here]
        mine = (fit.train["kind"] == kind).to_numpy()
        train_prev = (pd.Series(fit.train["label"][mine].astype(str)).value_counts(normalize=True)
                      .reindex(fit.labels, fill_value=0).to_numpy())
        samples = [(f"test part {kind}, natural mix", np.arange(len(codes)))]
        samples += [(f"test part {kind}, shifted ≤ {MAX_SHIFT:g}", app_sample(codes, p, args.size, seed=int(rng.integers(2**32))))
                    for p in bounded_prevalences(restricted(train_prev, codes), args.vectors, max_shift=MAX_SHIFT,
                                                 seed=args.seed)]
        for name, idx in samples:
            rows.append({"field": field, "posts": name, "size": len(idx),
                         **measure(proba[idx], np.asarray(fit.labels)[codes[idx]], info, fit.labels, kind)})
    for name, texts, truth in outside_sets(field, args.size, args.repeats, args.seed):
        p = predict_kinds(fit.model, texts, POST_KIND)  # posts, as predict_posts reads them
        rows.append({"field": field, "posts": name, "size": len(texts), **measure(p, truth, info, fit.labels)})
    return rows


def summarise(df: pd.DataFrame) -> list[dict]:
    out = []
    for (field, posts), g in df.groupby(["field", "posts"], sort=False):
        r = {"field": field, "posts": posts, "samples": len(g), "size": int(g["size"].median()),
             "method chosen": g["method"].iloc[0], "max misfit (CV)": g["max_misfit"].iloc[0],
             "misfit (median)": round(float(g["misfit"].median()), 4), "guard fired": f"{g['fired'].mean():.0%}",
             "correction moved (TV)": round(float(g["moved"].mean()), 3)}
        for col, name in (("tv_cc", "TV counts"), ("tv_correction", "TV correction"), ("tv_guarded", "TV guarded")):
            r[name] = round(float(g[col].mean()), 3) if col in g and g[col].notna().any() else "–"
        out.append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", nargs="+", choices=FIELDS, default=FIELDS)
    parser.add_argument("--vectors", type=int, default=50, help="shifted mixes of the test part's first posts")
    parser.add_argument("--repeats", type=int, default=5, help="samples per out-of-domain set")
    parser.add_argument("--size", type=int, default=300, help="posts per sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="model folder whose configuration is measured (default: shipped)")
    parser.add_argument("--as-before", action="store_true",
                        help="choose as before the unsampled rule: every kind may be corrected (for comparison)")
    parser.add_argument("--smoke", action="store_true", help="600 training rows, 3 mixes, 1 repeat: checks the code")
    args = parser.parse_args(argv)
    if args.smoke:
        args.vectors, args.repeats = 3, 1
    t0 = time.time()
    rows = [r for f in args.fields for r in run_field(f, args)]
    out = summarise(pd.DataFrame(rows))
    print(table(out, list(out[0])))
    print(f"\n{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
