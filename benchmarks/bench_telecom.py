"""Issue 9's measurements: the trainer against the plain peer on every dataset task, and the
shipped model on the fixed telecom test part next to the previous shipped model and the peer.

Parts:

- ``trainer``: for every dataset task of BENCHMARKS.md (SMP2020 3-class and 6 emotions, COCC
  8 classes, STC-3 complaint, weibo_senti_100k), on the same split: the plain peer
  (scikit-learn char 1–3 TF-IDF + LogisticRegression, at C=4 as in the classify section and
  at C=10 as the issue measured it) and what ``wbcs train`` does by default (the
  configuration chosen by grouped CV on the training part within the budget, fitted on the
  training part); Δ = macro-F1 minus the better peer.
- ``gold``: the fixed telecom test part (``data/labels/split.csv``; nothing was selected or
  tuned on it), per field and per kind of item (telecom first posts, later messages, first
  posts to other accounts): the previous shipped model ``models/wbcs-default/2`` (on the
  test items it never saw), the peer fitted on the gold training part, ``wbcs-default/3``'s
  configuration (its card's parameters, fitted on the training part: v3 itself was refitted on
  the test part too) and the new shipped model's configuration (chosen now by grouped CV on
  the training part, fitted on it only, as its card's held-out estimate).
- ``gemma``: Gemma 3 270M (top 4 layers) fine-tuned per field on the gold training part,
  on the same test rows; the mean of its and the fast model's probabilities; and the fast
  model distilled from it (gold + the training dialogues' unlabelled turns it labelled).
- ``quantify``: which quantifier (``wbcs.kpi.quantify``: CC, PCC, ACC and PACC with the pooled or the
  same-kind statistics, EMQ) gets the shares of each kind of item closest to the truth? For intent,
  sentiment and topic, the shipped configuration's grouped 5-fold CV on the training part (out-of-fold
  probabilities; each validation fold quantified with what the other folds learnt, then the same rows in 19
  random re-partitions, as the trainer does, ``card_entry``): mean total variation distance per kind and
  method, folds closer than the counts, interval coverage on the grouped folds (bootstrap, and widened by the
  method's CV error), and the method the trainer's rule chooses. Then (measurement only) the configuration
  fitted on the training part on the fixed test part: TV per kind and method, and the labels whose widened
  interval holds the true share.
- ``sentiment_mix``: sentiment from the gold training part alone against the same configuration
  fitted on it together with out-of-domain Weibo labels (SMP2020's 3 classes; weibo_senti_100k's
  positive/negative), with the gold rows repeated to weight the domain, on the same test rows.
  The class bias the card chose on gold alone is left out of every row, so the rows differ only
  in their training data.
- ``sentiment_cv``: what ``wbcs train`` chooses on: the out-of-domain step's grouped CV on the gold
  training part (the shipped configuration alone, and with SMP2020 in every training fold at each
  domain weight, with and without the cross-fitted class bias), out-of-fold macro-F1 per kind of item.
- ``kind_bias``: one class bias per kind of item (the kind is known when predicting: a post table holds
  first posts, a dialogue's later turns are follow-ups) against v4's one global bias and no bias, for
  intent, sentiment and negative subtype with v4's configuration (its card): each bias chosen on the
  grouped out-of-fold probabilities of the training part only (cross-fitted, as ``configs.select`` does),
  figures per kind; then the same three fitted on the whole training part, on the fixed test part
  (measurement only: the choice is the CV table's, printed first).
- ``kind_models``: one model per kind of item against the shipped single model, **on the training part only**
  (grouped 5-fold CV; nothing is read from the test part): the shipped model's configuration (``--previous``'s card,
  bias left out) fitted (a) on every training row, (b) the same with its global class bias cross-fitted (the shipped
  rule), (c) on the fold's rows of the predicted row's own kind only, each kind's class bias cross-fitted on that
  kind, (d) for telecom first posts, on every first post (telecom and other helpdesks'), its bias cross-fitted on
  telecom first posts, (e) (added after the first run's (c) and (d)) one model with a class bias per kind
  (``--part kind_bias``'s (c), on this configuration), (f) (added after (e)) the global bias for every kind but
  telecom first posts, which get their own. Out-of-fold figures per kind: would a kind-aware model be worth the product change
  (predicting would need each post's kind)?
- ``quality``: the quality model's step (``wbcs train --quality``, ``embedding.select_ensemble``) per field: the
  shipped fast model's configuration (``--fast``) against its mean with a logistic regression on Gemma 3 270M's
  frozen hidden states, by the trainer's grouped 5-fold CV on the training part (decision first); then the peer, the
  fast configuration and the chosen model fitted on the training part, on the fixed test part (measurement only).
  ``--fields`` narrows the fields.
- ``quality_speed``: posts/s of the shipped model and the latest quality model on the same 400 unseen Weibo posts.
- ``rounds``: what labelling rounds of training turns add (``--rounds``: the third, every training first post to a
  non-telecom account; the fourth, 600 random later messages), configurations held fixed: the peer and the previous
  shipped model's configuration fitted without and with the rounds' items, and the new model's configuration
  (``--new``), on the same test rows.
- ``gemma_cv``: is the mean of Gemma's and the fast model's topic probabilities chosen by the trainer's rule?
  On the training part only, per grouped fold (``configs._Folds``, as the trainer builds them): v4's topic
  configuration (its card) and the ``gemma`` recipe fitted on the fold's training rows, out-of-fold
  probabilities of the fast model, Gemma, their mean and a weighted mean w·Gemma + (1−w)·fast (w from a grid,
  cross-fitted: each fold's w chosen on the other folds' out-of-fold rows). The CV table and the decision are
  printed first; then (measurement only) both fitted on the whole training part, on the fixed test part.
- ``compare``: two models' configurations (``--previous``, ``--new``; their cards' estimators, unfitted), each fitted
  on the gold training part and scored on the fixed test part, every item predicted as its kind: per field (topic
  too) and kind of item, macro-F1 and accuracy of both and the difference with its 95 % paired bootstrap interval,
  whole dialogues resampled (``evaluate.paired_bootstrap_delta``): is a shipping rule's difference more than the
  test items' luck of the draw?
- ``status``: every target of issue 9 on the fixed test part, in one run and on the same rows: the plain peer (fitted
  on the gold training part), the previous (``--previous``) and the new (``--new``) shipped model's configurations
  (fitted as their cards say), each item predicted as its kind; the new model's difference from the peer with its
  95 % paired bootstrap interval over dialogues, and whether it meets the target.
- ``curve``: would more labels reach the issue's targets? Per gold field, the shipped configuration's (``--new``,
  default the registry's latest ``wbcs-default``) learning curve as ``wbcs train --curve`` draws it
  (``train.curve_entry``: stratified subsets of the training part, 3 draws per size, scored on the fixed test part,
  each item as its kind), and at the trend of the last three sizes the labels the target needs
  (``evaluate.labels_to_reach``: a lower bound, curves flatten).
- ``static_topic``: topic with static Gemma token vectors (the input embeddings, or each token's state alone at a
  layer, as Model2Vec distils a model), mean-pooled (plain or SIF-weighted) per post: a regression on them alone and
  its mean with the shipped configuration (``--new``) at a few weights, out of fold on the trainer's grouped folds of
  the training part only. A fast way to give the linear model what Gemma knows of words it has not seen labelled.
- ``weak_abuse``: the negative subtype with weak abuse labels: weibo_senti_100k's negative posts that hold a strong
  insult (a labelling function, ``WEAK_ABUSE``) added to every CV training fold as abuse rows at a few weights, the
  shipped configuration, the trainer's grouped folds (two fold seeds), training part only: macro-F1, and how many
  posts are called abuse (abuse is set aside, so its precision matters).
- ``synthetic``: LLM-written posts for the thin classes (``data/synthetic/``: topics, abuse, vague negativity,
  suggestions; written by helper sessions from the guidelines, never from the datasets) added to every CV training
  fold of their field at a few weights, the shipped configuration, the trainer's grouped folds (two fold seeds),
  training part only: fold-mean macro-F1 and recall of the classes the rows are for. Real posts are the only
  validation rows.
- ``context``: more context for the fast model, training part only (two fold seeds, ``--new``'s configurations): topic
  learning a training dialogue's later turns (follow-ups, helpdesk replies) labelled with its first post's topic, only
  in the folds that train on that post; and every field without @mentions, URLs, #topics# or emoticons.
- ``prune``: the topic without the training rows cleanlab flags as likely label errors (inner grouped out-of-fold
  probabilities in each training fold; all or a fraction of the estimated issues), training part only.
- ``drift``: does the model hold on later posts? Training part only: each field's shipped configuration fitted on the
  earliest 75 % of the dialogues (times from the Weibo ids, 2012–2016) and scored on the latest 25 %, against random
  dialogue splits of the same sizes.
- ``quality_synthetic``: would the quality ensemble's topic gain from the written posts too? On the trainer's grouped
  folds of the training part (two fold seeds): the fast configuration (``--new``) without and with round 1's written
  posts (weight 0.5) in every training fold, each averaged (0.5/0.5) with a regression on Gemma 3 270M's frozen states
  (the plain view; layers −4 and −1, C as the quality step tries them; the head learns from the real rows only).
- ``kind_mix``: the simulator's kind mix (``wbcs.kpi.workload``) of the fixed test part's telecom first posts, corrected
  and counted, against the adjudicated labels', at the part's own mix and under shifted consultation shares
  (measurement only).
- ``directed_shift``: training part only, per field (``--fields``): the quantifiers of telecom first posts on the real
  calendar months (times from the Weibo ids) and when one label swells or shrinks, where the trainer's rule samples
  shifts leaning toward the flat mix.
- ``shift_rule``: training part only, per field (``--fields``): the quantifier the trainer's rule chooses per kind of
  item with shifted samples leaning toward the flat mix up to a TV of 0.3 (2026-12-05), centred on the fold's mix up
  to 0.3, and centred up to ``MAX_SHIFT`` (the rule), and each method's error on the real months of the telecom first
  posts.

Usage: python -m benchmarks.bench_telecom [--part trainer gold gemma quantify sentiment_mix sentiment_cv
       kind_bias kind_models gemma_cv quality quality_speed rounds compare curve static_topic weak_abuse
       synthetic quality_synthetic status context prune drift kind_mix directed_shift shift_rule]
       [--budget S] [--folds K] [--epochs E] [--smoke]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_classify import table
from wbcs.classify.baseline import predict_kinds

warnings.filterwarnings("ignore")

PUBLIC = ["sentiment", "emotion", "cocc", "complaint", "weibo_senti"]
FIELDS = ["sentiment", "intent", "topic", "negative_subtype"]


def plain_peer(c: float):
    """The plain peer of this benchmark's tables: ``strong.tfidf_logreg`` with scikit-learn's default solver, as
    every figure here was measured with."""
    from wbcs.classify.strong import tfidf_logreg

    return tfidf_logreg(C=c, solver="lbfgs")


def _scores(y, proba, classes) -> dict:
    from wbcs.classify.evaluate import metrics

    m = metrics(y, np.asarray(classes)[proba.argmax(axis=1)], proba=proba, classes=classes)
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "ece": m["ece"], "per_class": m["per_class"]}


def part_trainer(smoke: bool, budget: float, seed: int) -> None:
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import fit_task, subsample

    rows = []
    for name in PUBLIC:
        task = load_task(name, seed=seed)
        if smoke:
            task.train, task.test = subsample(task.train, 400, seed), subsample(task.test, 300, seed)
        y = task.test["label"].to_numpy()
        peers = {}
        for c in (4.0, 10.0):
            p = plain_peer(c).fit(task.train["text"].tolist(), task.train["label"].to_numpy())
            peers[c] = _scores(y, p.predict_proba(task.test["text"].tolist()), p.classes_)
            rows.append({"task": name, "model": f"peer: TF-IDF char 1-3 + LR (C={c:g})", "train": len(task.train),
                         "test": len(task.test), **{k: peers[c][k] for k in ("accuracy", "macro_f1", "ece")}})
        est, entry = fit_task(task, seed=seed, budget=budget, refit=False)
        chosen = next(r["config"] for r in entry["selection"]["table"] if r.get("chosen"))
        m = entry["metrics"]
        best_peer = max(p["macro_f1"] for p in peers.values())
        rows.append({"task": name, "model": f"wbcs train (chose {chosen})", "train": len(task.train),
                     "test": len(task.test), "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "ece": m["ece"],
                     "delta_vs_best_peer": m["macro_f1"] - best_peer})
        print(table(rows[-3:], ["task", "model", "train", "test", "accuracy", "macro_f1", "ece", "delta_vs_best_peer"]),
              flush=True)
    print("\n" + table(rows, ["task", "model", "train", "test", "accuracy", "macro_f1", "ece", "delta_vs_best_peer"]))


def _by_kind(test: pd.DataFrame, proba, classes) -> dict:
    out = {"all": _scores(test["label"].to_numpy(), proba, classes)}
    for kind in sorted(test["kind"].unique()):
        m = (test["kind"] == kind).to_numpy()
        out[kind] = _scores(test["label"].to_numpy()[m], proba[m], classes)
    return out


def _row(field, model, n_train, scores, extra=()) -> list[dict]:
    rows = []
    for kind, s in scores.items():
        r = {"field": field, "model": model, "train": n_train, "items": kind, "accuracy": s["accuracy"],
             "macro_f1": s["macro_f1"]}
        for label in extra:
            pc = s["per_class"].get(label, {})
            r[f"{label} recall"] = pc.get("recall", np.nan)
            r[f"{label} F1"] = pc.get("f1", np.nan)
        rows.append(r)
    return rows


EXTRA = {"intent": ["consultation"], "sentiment": ["neutral"], "topic": [], "negative_subtype": ["vague_negativity", "abuse"]}


def _shipped_estimator(field: str, train: pd.DataFrame, seed: int, budget: float):
    from wbcs.classify.tasks import TaskData
    from wbcs.classify.train import default_fit_options, fit_task

    opts = default_fit_options(field, seed)
    task = TaskData(f"gold_{field}", field, "", train, train.head(2))
    est, entry = fit_task(task, seed=seed, budget=budget, refit=False, **opts)
    return est, next(r["config"] for r in entry["selection"]["table"] if r.get("chosen"))


def part_gold(smoke: bool, budget: float, seed: int) -> dict:
    """Two tables per field: all three models on the test items the previous model never saw (it was
    fitted on 80 % of the first edition's 650 posts, some of which are in today's test part), then the
    peer and the new configuration on the whole test part."""
    from sklearn.base import clone

    from wbcs.classify.registry import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample
    from wbcs.config import DATA_DIR
    from wbcs.labeling.batch import read_sample

    previous = load_model("models/wbcs-default/2")
    v3 = load_model("models/wbcs-default/3")
    first_edition = set(read_sample(DATA_DIR / "labels" / "gold_sample.csv"))
    fitted = {}
    for field in FIELDS:
        task = load_task(f"gold_{field}", seed=seed)
        train = subsample(task.train, 300, seed) if smoke else task.train
        test = task.test
        unseen = ~test["post_id"].isin(first_edition).to_numpy()
        peer = plain_peer(4.0).fit(train["text"].tolist(), train["label"].to_numpy())
        est, chosen = _shipped_estimator(field, train, seed, budget)
        v3_config = clone(v3.models[field])  # its configuration, unfitted
        models = {"previous shipped wbcs-default/2": previous.models.get(field),
                  "peer: TF-IDF char 1-3 + LR, gold training part": peer,
                  "wbcs-default/3 configuration, gold training part": v3_config.fit(train["text"].tolist(),
                                                                                   train["label"].to_numpy()),
                  f"new shipped configuration ({chosen})": est}
        texts = test["text"].tolist()
        probas = {name: (predict_kinds(m, texts, test["kind"]), list(m.classes_)) for name, m in models.items()
                  if m is not None}
        fitted[field] = (est, train, test, probas[f"new shipped configuration ({chosen})"][0])
        cols = ["field", "model", "train", "items", "accuracy", "macro_f1",
                *[f"{lab} {m}" for lab in EXTRA[field] for m in ("recall", "F1")]]
        rows = []
        for name, (proba, classes) in probas.items():
            rows += _row(field, name, "-" if name.startswith("previous") else len(train),
                         _by_kind(test[unseen], proba[unseen], classes), EXTRA[field])
        print(f"\n{field}: the {int(unseen.sum())} test items the previous model never saw", flush=True)
        print(table(rows, cols), flush=True)
        rows = []
        for name, (proba, classes) in probas.items():
            if not name.startswith("previous"):
                rows += _row(field, name, len(train), _by_kind(test, proba, classes), EXTRA[field])
        print(f"\n{field}: the whole test part ({len(test)} items)", flush=True)
        print(table(rows, cols), flush=True)
    return fitted


def part_rounds(smoke: bool, seed: int, previous: str, new: str | None, rounds: list[int]) -> None:
    """What labelling rounds of training turns add (``turns_sample_train_<k>.csv`` for k in ``rounds``: the third,
    every training first post to a non-telecom account the earlier rounds left; the fourth, 600 later messages
    drawn at random), with the configuration held fixed: the peer and the previous shipped model's configuration
    (its saved estimator, unfitted), each fitted on the training part without the rounds' items and with them; and, when ``new`` is
    given, the new model's configuration (chosen by ``wbcs train`` on the training part with them). The
    same test rows for all."""
    from wbcs.classify.registry import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample
    from wbcs.config import DATA_DIR
    from wbcs.labeling.batch import read_sample

    added = set(read_sample([DATA_DIR / "labels" / f"turns_sample_train_{k}.csv" for k in rounds]))
    tag = "round" + ("s " if len(rounds) > 1 else " ") + "+".join(map(str, rounds))
    models = {previous: load_model(previous), **({new: load_model(new)} if new else {})}
    for field in ("sentiment", "intent", "negative_subtype"):
        task = load_task(f"gold_{field}", seed=seed)
        train = subsample(task.train, 400, seed) if smoke else task.train
        without = train[~train["post_id"].isin(added)]
        test = task.test
        # None: the peer; a model: its configuration fitted as its card says (with the written posts it used)
        fits = {f"peer, without {tag}": (None, without), f"peer, with {tag}": (None, train),
                f"{previous} configuration, without {tag}": (models[previous], without),
                f"{previous} configuration, with {tag}": (models[previous], train)}
        if new:
            fits[f"{new} configuration, with {tag}"] = (models[new], train)
        rows = []
        for name, (model, rows_) in fits.items():
            est = (plain_peer(4.0).fit(rows_["text"].tolist(), rows_["label"].to_numpy()) if model is None
                   else _fit_as_card(model, field, task, rows_, seed))
            proba = predict_kinds(est, test["text"].tolist(), test["kind"])  # each item as its kind
            rows += _row(field, name, len(rows_), _by_kind(test, proba, est.classes_), EXTRA[field])
        cols = ["field", "model", "train", "items", "accuracy", "macro_f1",
                *[f"{lab} {m}" for lab in EXTRA[field] for m in ("recall", "F1")]]
        print(f"\n{field}: {len(train) - len(without)} training items from {tag}; the whole test part "
              f"({len(test)} items)", flush=True)
        print(table(rows, cols), flush=True)


def _fit_as_card(model, field: str, task, train: pd.DataFrame, seed: int, extra: tuple | None = None):
    """``model``'s configuration of ``field`` (its card's estimator, unfitted) fitted on ``train`` as the trainer
    fitted it: with the out-of-domain rows its card used (``train.card_extra``; ``extra``: its answer, when a caller
    fits the same field many times)."""
    from sklearn.base import clone

    from wbcs.classify.train import _fit, card_extra

    rows, weight = extra or card_extra(model, field, task, seed)
    return _fit(clone(model.models[field]), train["text"].tolist(), train["label"].to_numpy(), None, None, rows, weight)


def part_compare(smoke: bool, seed: int, previous: str, new: str, n_boot: int) -> None:
    from wbcs.classify.evaluate import metrics, paired_bootstrap_delta
    from wbcs.classify.registry import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample
    from wbcs.goldset import dialogue_of

    models = {previous: load_model(previous), new: load_model(new)}
    rows = []
    for field in FIELDS:
        if not all(field in m.models for m in models.values()):
            continue
        task = load_task(f"gold_{field}", seed=seed)
        train = subsample(task.train, 400, seed) if smoke else task.train
        test = task.test
        preds = {}
        for name, model in models.items():
            est = _fit_as_card(model, field, task, train, seed)
            proba = predict_kinds(est, test["text"].tolist(), test["kind"])  # each item as its kind
            preds[name] = np.asarray(est.classes_)[proba.argmax(axis=1)]
        dialogues = test["post_id"].map(dialogue_of).to_numpy()
        kinds = sorted(test["kind"].unique())
        field_rows = []
        for kind in ["all", *kinds] if len(kinds) > 1 else ["all"]:
            m = np.ones(len(test), bool) if kind == "all" else (test["kind"] == kind).to_numpy()
            y = test["label"].to_numpy()[m]
            d = paired_bootstrap_delta(y, preds[previous][m], preds[new][m], groups=dialogues[m], n_boot=n_boot,
                                       seed=seed)
            f1 = {n: metrics(y, p[m])["macro_f1"] for n, p in preds.items()}
            field_rows.append({"field": field, "items": kind, "n": int(m.sum()), "previous macro_f1": f1[previous],
                         "new macro_f1": f1[new], "Δ macro_f1": d["macro_f1"]["delta"],
                         "95 % CI": "[{:+.3f}, {:+.3f}]".format(*d["macro_f1"]["ci"]),
                         "Δ accuracy": d["accuracy"]["delta"],
                         "acc. 95 % CI": "[{:+.3f}, {:+.3f}]".format(*d["accuracy"]["ci"]),
                         # the key classes' recall (EXTRA: the rare classes a field is judged by), previous → new
                         **{f"{c} recall": " → ".join(f"{np.mean(p[m][y == c] == c):.3f}" for p in preds.values())
                            for c in EXTRA[field] if (y == c).any()}})
        rows += field_rows
        print(table(field_rows, list(dict.fromkeys(k for r in field_rows for k in r))), flush=True)
    print(f"\nprevious {previous}, new {new}; paired bootstrap over dialogues, {n_boot} resamples, seed {seed}")
    print(table(rows, list(dict.fromkeys(k for r in rows for k in r))))


# Issue 9's targets on the fixed test part: (field, kind of item, metric, threshold); a metric is "macro_f1",
# "accuracy", "recall:LABEL" or "f1:LABEL". Pooled intent is not a target; it is shown for reference (None).
STATUS_TARGETS = [("sentiment", "all", "macro_f1", 0.70), ("sentiment", "all", "f1:neutral", 0.5),
           ("intent", "all", "macro_f1", None), ("intent", "first_post", "macro_f1", 0.65),
           ("intent", "follow_up", "macro_f1", 0.65), ("intent", "first_post", "recall:consultation", 0.6),
           ("intent", "follow_up", "recall:consultation", 0.6), ("topic", "first_post", "macro_f1", 0.65),
           ("topic", "first_post", "accuracy", 0.70), ("negative_subtype", "all", "macro_f1", 0.5)]


def _metric(y, pred, metric: str) -> float:
    from sklearn.metrics import f1_score, recall_score

    from wbcs.classify.evaluate import metrics

    if ":" not in metric:
        return metrics(y, pred)[metric]
    kind, label = metric.split(":")
    score = recall_score if kind == "recall" else f1_score
    return float(score(y, pred, labels=[label], average="macro", zero_division=0))


def part_status(smoke: bool, seed: int, previous: str, new: str, n_boot: int) -> None:
    """Where the shipped model stands against issue 9's targets: every target's figure for the plain peer (TF-IDF
    char 1-3 + LR C=4), the previous and the new shipped model's configurations, each fitted on the gold training part
    (the models' as their cards say, ``_fit_as_card``) and scored on the same rows of the fixed test part in one run,
    every item predicted as its kind; macro-F1 and accuracy with the new model's difference from the peer and its
    95 % paired bootstrap interval over dialogues."""
    from wbcs.classify.evaluate import paired_bootstrap_delta
    from wbcs.classify.registry import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample
    from wbcs.goldset import dialogue_of

    models = {"previous": load_model(previous), "new": load_model(new)}
    rows = []
    for field in FIELDS:
        task = load_task(f"gold_{field}", seed=seed)
        train = subsample(task.train, 400, seed) if smoke else task.train
        test = task.test
        texts = test["text"].tolist()
        preds = {"peer": plain_peer(4.0).fit(train["text"].tolist(), train["label"].to_numpy()).predict(texts)}
        for name, model in models.items():
            est = _fit_as_card(model, field, task, train, seed)
            preds[name] = np.asarray(est.classes_)[predict_kinds(est, texts, test["kind"]).argmax(axis=1)]
        y, dialogues = test["label"].to_numpy(), test["post_id"].map(dialogue_of).to_numpy()
        for f, kind, metric, target in STATUS_TARGETS:
            if f != field:
                continue
            m = np.ones(len(test), bool) if kind == "all" else (test["kind"] == kind).to_numpy()
            scores = {name: _metric(y[m], p[m], metric) for name, p in preds.items()}
            row = {"field": field, "items": kind, "n": int(m.sum()), "metric": metric,
                   "target": "–" if target is None else f"≥ {target:.2f}", **{k: f"{v:.3f}" for k, v in scores.items()}}
            if metric in ("macro_f1", "accuracy"):
                d = paired_bootstrap_delta(y[m], preds["peer"][m], preds["new"][m], groups=dialogues[m],
                                           n_boot=n_boot, seed=seed)[metric]
                row["new − peer [95 % CI]"] = "{:+.3f} [{:+.3f}, {:+.3f}]".format(d["delta"], *d["ci"])
            row["met by new"] = "–" if target is None else ("yes" if scores["new"] >= target else "no")
            rows.append(row)
    print(f"previous {models['previous'].name}, new {models['new'].name}; each fitted on the gold training part "
          f"({'smoke: 400 rows' if smoke else 'all rows'}), fixed test part, paired bootstrap over dialogues "
          f"({n_boot} resamples), seed {seed}")
    print(table(rows, ["field", "items", "n", "metric", "target", "peer", "previous", "new", "new − peer [95 % CI]",
                       "met by new"]))


def _gemma(epochs: int, seed: int):
    """The Gemma 3 270M recipe of ``gemma`` and ``gemma_cv``: top 4 layers fine-tuned."""
    from wbcs.classify.transformer import TransformerClassifier

    return TransformerClassifier("gemma3-270m", train_top_layers=4, learning_rate=5e-5, epochs=epochs,
                                 batch_size=8, max_length=96, random_state=seed)


def part_gemma(smoke: bool, seed: int, fitted: dict, epochs: int, fields: list[str]) -> None:
    from wbcs.classify.distil import fit_student
    from wbcs.classify.train import subsample
    from wbcs.datasets import load_stc3
    from wbcs.goldset import PARTS_FILE, customer_turns, part_of, read_parts

    dialogues = load_stc3(telecom_only=False, split=None)
    turns = customer_turns(dialogues)
    turns["part"] = part_of(turns["item_id"], read_parts(PARTS_FILE)).to_numpy()
    rows = []
    for field in fields:
        fast, train, test, fast_proba = fitted[field]
        labelled = set(train["post_id"])
        pool = turns[(turns["part"] == "train") & ~turns["item_id"].isin(labelled) & turns["text"].str.strip().ne("")]
        if field == "topic":
            pool = pool[pool["telecom"]]
        pool = pool.sample(min(len(pool), 300 if smoke else 2000), random_state=seed)["text"].tolist()
        tr = subsample(train, 200, seed) if smoke else train
        gemma = _gemma(epochs, seed)
        gemma.fit(tr["text"].tolist(), tr["label"].to_numpy())
        texts = test["text"].tolist()
        g = gemma.predict_proba(texts)
        rows += _row(field, f"Gemma 3 270M top-4, {epochs} epoch(s)", len(tr), _by_kind(test, g, gemma.classes_),
                     EXTRA[field])
        cols = np.searchsorted(gemma.classes_, fast.classes_)
        rows += _row(field, "mean of Gemma and the fast model", len(tr),
                     _by_kind(test, (g[:, cols] + fast_proba) / 2, fast.classes_), EXTRA[field])
        from sklearn.base import clone

        student = fit_student(clone(fast), gemma, train["text"].tolist(), train["label"].to_numpy(), pool, 1.0)
        rows += _row(field, f"fast model distilled (+{student.n_pseudo_} turns Gemma labelled)", len(train),
                     _by_kind(test, student.predict_proba(texts), student.classes_), EXTRA[field])
        print(table([r for r in rows if r["field"] == field],
                    ["field", "model", "train", "items", "accuracy", "macro_f1",
                     *[f"{lab} {m}" for lab in EXTRA[field] for m in ("recall", "F1")]]), flush=True)


def part_quantify(seed: int, n_boot: int = 500) -> None:
    """Quantifiers per kind of item: chosen on the training part by grouped CV, then measured on the test part."""
    import time

    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.baseline import shift
    from wbcs.classify.configs import _Folds
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.kpi.quantify import (
        VARIANTS,
        choose_methods,
        estimate,
        quantifier_cv,
        training_stats,
        tv,
        widen,
    )

    shipped = load_model()
    cv_rows, test_rows, start = [], [], time.time()
    for field in ("intent", "sentiment", "topic"):
        task = load_task(f"gold_{field}", seed=seed)
        tr, te = task.train.reset_index(drop=True), task.test.reset_index(drop=True)
        est = clone(shipped.models[field])
        bias = est.class_bias
        # out-of-fold probabilities of the shipped configuration on the training part, grouped folds as the
        # trainer builds them; every fold's quantifiers learn from the other folds only
        folds = _Folds(est, tr["text"].to_numpy(), tr["label"].to_numpy(), training_groups(tr, seed=seed),
                       5, seed)
        folds.scores(est)
        labels = [str(c) for c in folds.classes]
        oof = shift(folds.oof, folds.classes, bias)
        fold = np.zeros(len(tr), dtype=int)
        for k, (_, va) in enumerate(folds.folds):
            fold[va] = k
        # what the trainer runs (card_entry): the grouped folds, then random re-partitions of the same rows, each
        # fold quantified at its own mix (sample 0) and at shifted mixes; the rule compares each fold's mean TV
        # over its samples with the counts' (quantify.choose_methods)
        cv = quantifier_cv(tr["label"], oof, labels, fold, tr["kind"], bias=bias, n_boot=n_boot, seed=seed)
        chosen = choose_methods(cv)
        nat = cv[cv["sample"] == 0]
        per_fold = cv.groupby(["kind", "method", "fold"], sort=False)["tv"].mean().reset_index()
        for (kind, method), g in per_fold.groupby(["kind", "method"], sort=False):
            cc = per_fold[(per_fold["kind"] == kind) & (per_fold["method"] == "CC")].set_index("fold")["tv"]
            first = nat[(nat["kind"] == kind) & (nat["method"] == method) & (nat["repeat"] == 0)]
            wins = g.set_index("fold")["tv"] < cc - 1e-12
            cv_rows.append({"field": field, "kind": kind, "items": int(first["items"].sum()), "method": method,
                            "TV (grouped folds, own mix)": f"{first['tv'].mean():.3f}",
                            "TV (all folds, shifted samples)": f"{g['tv'].mean():.3f}",
                            "folds closer than CC (shifted)": f"{int(wins.sum())}/{len(g)}",
                            "coverage (bootstrap)": f"{first['held'].sum() / first['labels'].sum():.2f}",
                            "coverage (widened)": f"{first['held_wide'].sum() / first['labels'].sum():.2f}",
                            "chosen": "<-" if chosen[kind]["method"] == method else ""})
        print(f"{field}: training-part CV ({time.time() - start:.0f} s)\n"
              + table([r for r in cv_rows if r["field"] == field], list(cv_rows[0])), flush=True)
        # the fixed test part: the configuration fitted on the whole training part; statistics from all its
        # out-of-fold rows (pooled) or its rows of the kind (measurement only: the choice is the CV's)
        proba = clone(est).fit(tr["text"].tolist(), tr["label"].to_numpy()).predict_proba(te["text"].tolist())
        pooled = training_stats(tr["label"], oof, labels, bias)
        for kind in sorted(te["kind"].unique()) + (["all"] if te["kind"].nunique() > 1 else []):
            here = np.ones(len(te), bool) if kind == "all" else (te["kind"] == kind).to_numpy()
            same = np.ones(len(tr), bool) if kind == "all" else (tr["kind"] == kind).to_numpy()
            st = {"pooled": pooled, "kind": training_stats(tr["label"][same], oof[same], labels, bias)}
            truth = te["label"][here].value_counts(normalize=True).reindex(labels, fill_value=0).to_numpy()
            row = {"field": field, "kind": kind, "items": int(here.sum())}
            ck = kind if kind in chosen else "all"  # a field of one kind (topic: first posts) is chosen as "all"
            for name, method, scope in VARIANTS:
                point, _, _, draws = estimate(method, proba[here], st[scope], bias=bias, n_boot=n_boot, seed=seed)
                g = nat[(nat["kind"] == ck) & (nat["method"] == name)]  # the product widens by the own-mix error
                lo, hi, _ = widen(draws, np.sqrt(np.mean(np.vstack(g["err"]) ** 2, axis=0)), seed=seed)
                held = int(((lo <= truth + 1e-9) & (truth <= hi + 1e-9)).sum())
                mark = "*" if chosen[ck]["method"] == name else ""
                row[name] = f"{tv(point, truth):.3f} ({held}/{len(labels)}){mark}"
            full = estimate("PCC", proba[here], pooled, bias=bias, full=True)
            row["PCC on whole posteriors (reference)"] = f"{tv(full, truth):.3f}"
            test_rows.append(row)
        print(f"{field}: fixed test part, TV (labels whose widened 95 % interval holds the truth), * = CV's choice\n"
              + table([r for r in test_rows if r["field"] == field], list(test_rows[-1])), flush=True)
    print(f"quantify: {time.time() - start:.0f} s in all", flush=True)


def part_sentiment_mix(smoke: bool, seed: int) -> None:
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample

    est = clone(load_model().models["sentiment"]).set_params(class_bias=None)
    gold = load_task("gold_sentiment", seed=seed)
    smp = load_task("sentiment", seed=seed)
    smp_all = pd.concat([smp.train, smp.test], ignore_index=True)
    weibo = subsample(load_task("weibo_senti", seed=seed).train, 2_000 if smoke else 20_000, seed)
    train = subsample(gold.train, 300, seed) if smoke else gold.train
    mixes = {"gold training part only": [train],
             "gold + SMP2020 (all 3-class labels)": [train, smp_all],
             "gold ×3 + SMP2020 (domain weight 3 by repetition)": [train] * 3 + [smp_all],
             "gold ×3 + SMP2020 + weibo_senti_100k (20k)": [train] * 3 + [smp_all, weibo]}
    rows = []
    for name, parts in mixes.items():
        data = pd.concat([p[["text", "label"]] for p in parts], ignore_index=True)
        m = clone(est).fit(data["text"].tolist(), data["label"].to_numpy())
        rows += _row("sentiment", name, len(data), _by_kind(gold.test, m.predict_proba(gold.test["text"].tolist()),
                                                            m.classes_), EXTRA["sentiment"])
    print(table(rows, ["field", "model", "train", "items", "accuracy", "macro_f1", "neutral recall", "neutral F1"]),
          flush=True)


def part_sentiment_cv(smoke: bool, seed: int) -> None:
    """The trainer's out-of-domain step for the gold sentiment, per kind of item: the shipped configuration's
    grouped 5-fold CV on the gold training part alone and with SMP2020 added to every training fold at each
    domain weight (class bias cross-fitted as ``configs.select`` does), out-of-fold macro-F1 per kind. The
    trainer chooses on the "all" column; the others show where the gain or loss lies. No test row is used."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.configs import EXTRA_WEIGHTS, _Folds
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task, smp2020_sentiment
    from wbcs.classify.train import subsample

    gold = load_task("gold_sentiment", seed=seed)
    tr = (subsample(gold.train, 300, seed) if smoke else gold.train).reset_index(drop=True)
    extra = smp2020_sentiment().only(set(tr["label"])).unlike(pd.concat([gold.train, gold.test]), seed)
    extra.rows = subsample(extra.rows, 2_000 if smoke else None, seed)
    est = clone(load_model().models["sentiment"]).set_params(class_bias=None)
    folds = _Folds(est, tr["text"], tr["label"], training_groups(tr, seed=seed), 5, seed,
                   extra=(extra.rows["text"].tolist(), extra.rows["label"]))
    rows = []
    for weight in (None, *EXTRA_WEIGHTS):
        plain = folds.scores(est, weight=weight)
        biased, _ = folds.bias_scores()
        name = "gold training part only" if weight is None else f"gold ×{weight} + SMP2020 ({len(extra.rows):,} rows)"
        for proba, scores, what in ((folds.oof, plain, ""), (folds.biased_oof, biased, " + class bias (cross-fitted)")):
            rows += _row("sentiment", name + what, len(tr), _by_kind(tr, proba, folds.classes), EXTRA["sentiment"])
            rows[-4]["fold mean macro_f1"] = float(np.mean([m["macro_f1"] for m in scores]))  # the trainer's figure
    print(extra.notes)
    print(table(rows, ["model", "items", "fold mean macro_f1", "accuracy", "macro_f1", "neutral recall", "neutral F1"]),
          flush=True)


def _unbiased_folds(model, field: str, rows: int | None, seed: int):
    """A gold field's task, its training part (at most ``rows``), ``model``'s configuration for it without its class
    bias, and the trainer's grouped 5-fold CV on that part (``configs._Folds``)."""
    from sklearn.base import clone

    from wbcs.classify.configs import _Folds, fold_count
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample

    task = load_task(f"gold_{field}", seed=seed)
    tr = subsample(task.train, rows, seed).reset_index(drop=True)
    est = clone(model.models[field]).set_params(class_bias=None)
    folds = _Folds(est, tr["text"], tr["label"], training_groups(tr, seed=seed), fold_count(tr["label"], 5), seed)
    return task, tr, est, folds


def part_kind_bias(smoke: bool, seed: int) -> None:
    """(a) no bias, (b) one global class bias (v4's rule), (c) one class bias per kind of item, on v4's
    configuration per field: grouped 5-fold CV on the training part (each bias fitted on the other folds'
    out-of-fold probabilities, of that kind only for (c)), then fitted on the whole training part and
    scored on the fixed test part. The fold-mean macro-F1 on all items is the trainer's choosing figure."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.baseline import shift, shift_by_kind

    v4 = load_model("models/wbcs-default/4")
    cv_rows, test_rows, fitted = [], [], []
    for field in ("intent", "sentiment", "negative_subtype"):
        task, tr, est, folds = _unbiased_folds(v4, field, 400 if smoke else None, seed)
        scores = folds.scores(est)
        variants = {"(a) no bias": (folds.oof, scores)}
        scores, bias = folds.bias_scores()
        variants["(b) one global bias"] = (folds.biased_oof, scores)
        scores, biases = folds.bias_scores(kinds=tr["kind"])
        variants["(c) one bias per kind"] = (folds.biased_oof, scores)
        for name, (proba, scores) in variants.items():
            rows = _row(field, name, len(tr), _by_kind(tr, proba, folds.classes), EXTRA[field])
            rows[0]["fold mean macro_f1"] = float(np.mean([m["macro_f1"] for m in scores]))
            cv_rows += rows
        print(f"{field}: items {tr['kind'].value_counts().to_dict()}; v4's card bias {v4.models[field].class_bias}; "
              f"(b) {bias}; (c) {biases}", flush=True)
        fitted.append((field, clone(est).fit(tr["text"].tolist(), tr["label"].to_numpy()), task.test, bias, biases))
    cols = ["field", "model", "items", "fold mean macro_f1", "accuracy", "macro_f1",
            *[f"{lab} {m}" for lab in ("consultation", "neutral", "vague_negativity") for m in ("recall", "F1")]]
    print("\nCV on the training part (out of fold, biases cross-fitted)\n" + table(cv_rows, cols), flush=True)
    for field, model, test, bias, biases in fitted:
        raw = model.predict_proba(test["text"].tolist())
        for name, proba in (("(a) no bias", raw), ("(b) one global bias", shift(raw, model.classes_, bias)),
                            ("(c) one bias per kind", shift_by_kind(raw, model.classes_, biases, test["kind"]))):
            test_rows += _row(field, name, len(test), _by_kind(test, proba, model.classes_), EXTRA[field])
    print("\nfixed test part (fitted on the whole training part; measurement only)\n" + table(test_rows, cols[:3] + cols[4:]),
          flush=True)


def _oof_by_kind(est, folds, texts, kinds, train_kinds_of) -> np.ndarray:
    """Out-of-fold probabilities (columns ``folds.classes``) where each row is predicted by ``est`` fitted on the
    fold's training rows whose kind is in ``train_kinds_of(the row's kind)``."""
    from sklearn.base import clone

    from wbcs.classify.embedding import spread_columns

    out = np.zeros((len(kinds), len(folds.classes)))
    for tr_idx, te_idx in folds.folds:
        for kind in np.unique(kinds[te_idx]):
            fit_rows = tr_idx[np.isin(kinds[tr_idx], train_kinds_of(kind))]
            here = te_idx[kinds[te_idx] == kind]
            m = clone(est).fit([texts[i] for i in fit_rows], folds.y[fit_rows])
            out[here] = spread_columns(m.predict_proba([texts[i] for i in here]), m.classes_, folds.classes)
    return out


def part_kind_models(smoke: bool, seed: int, previous: str) -> None:
    """One model per kind of item against one for all, out of fold on the training part (see the module doc)."""
    from wbcs.classify import load_model

    shipped = load_model(previous)
    rows = []
    for field in ("intent", "sentiment", "negative_subtype"):
        _, tr, est, folds = _unbiased_folds(shipped, field, 600 if smoke else None, seed)
        folds.scores(est)
        kinds, texts, classes = tr["kind"].astype(str).to_numpy(), tr["text"].tolist(), folds.classes
        variants = {"(a) one model, no bias": folds.oof.copy()}
        folds.bias_scores()
        variants["(b) one model, global bias (shipped rule)"] = folds.biased_oof.copy()
        folds.bias_scores(kinds=kinds)
        variants["(e) one model, a bias per kind"] = folds.biased_oof.copy()
        # (f): (e)'s telecom first posts (their bias fitted on their own rows only), (b)'s other kinds
        variants["(f) one model, global bias, telecom first posts their own"] = np.where(
            (kinds == "first_post")[:, None], variants["(e) one model, a bias per kind"],
            variants["(b) one model, global bias (shipped rule)"])

        own = _oof_by_kind(est, folds, texts, kinds, lambda k: [k])
        folds.bias_scores(kinds=kinds, proba=own)
        variants["(c) one model per kind, a bias per kind"] = folds.biased_oof.copy()
        first = _oof_by_kind(est, folds, texts, kinds, lambda k: ["first_post", "other_first_post"] if k == "first_post" else [k])
        folds.bias_scores(kinds=kinds, proba=first)
        variants["(d) as (c), telecom first posts learnt from every first post"] = folds.biased_oof.copy()
        for name, proba in variants.items():
            rows += _row(field, name, len(tr), _by_kind(tr, proba, classes), EXTRA[field])
        print(f"{field}: {len(tr)} training items {tr['kind'].value_counts().to_dict()}", flush=True)
    cols = ["field", "model", "items", "accuracy", "macro_f1",
            *[f"{lab} {m}" for lab in ("consultation", "neutral", "vague_negativity") for m in ("recall", "F1")]]
    print("\nCV on the training part (out of fold, pooled over the folds; biases cross-fitted)\n" + table(rows, cols),
          flush=True)


GRID = np.round(np.linspace(0, 1, 11), 2)  # w, the weight of Gemma in the weighted mean


def _macro_f1(y, proba, classes) -> float:
    return _scores(y, proba, classes)["macro_f1"]


def _best_w(y, gemma, fast, classes) -> float:
    """The grid's w with the highest pooled macro-F1 of w·Gemma + (1−w)·fast (ties: the smaller w)."""
    f1 = [_macro_f1(y, w * gemma + (1 - w) * fast, classes) for w in GRID]
    return float(GRID[int(np.argmax(f1))])


def part_gemma_cv(smoke: bool, seed: int, epochs: int, n_folds: int) -> None:
    """Topic: the fast model (v4's configuration), Gemma and their means out of fold on the training part's
    grouped folds (the trainer's ``_Folds``); the decision by the trainer's rule (``configs.TOL``) is printed
    before the fixed test part is scored."""
    import time

    from sklearn.base import clone
    from tqdm.auto import tqdm

    from wbcs.classify import load_model
    from wbcs.classify.configs import TOL, _Folds, fold_count
    from wbcs.classify.embedding import spread_columns
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample

    start = time.time()
    task = load_task("gold_topic", seed=seed)
    tr = (subsample(task.train, 300, seed) if smoke else task.train).reset_index(drop=True)
    test = (subsample(task.test, 100, seed) if smoke else task.test).reset_index(drop=True)
    est = clone(load_model("models/wbcs-default/4").models["topic"])
    folds = _Folds(est, tr["text"], tr["label"], training_groups(tr, seed=seed),
                   fold_count(tr["label"], n_folds), seed)
    folds.scores(est)  # the fast model out of fold, exactly as the trainer scores a candidate
    classes, y, fast = folds.classes, folds.y, folds.oof.copy()
    gemma = np.zeros_like(fast)
    texts = tr["text"].to_numpy(dtype=object)
    for k, (fit_rows, val_rows) in enumerate(tqdm(folds.folds, desc="gemma_cv folds")):
        t = time.time()
        g = _gemma(epochs, seed).fit(list(texts[fit_rows]), y[fit_rows])
        gemma[val_rows] = spread_columns(g.predict_proba(list(texts[val_rows])), g.classes_, classes)
        print(f"fold {k + 1}/{len(folds.folds)}: Gemma fitted on {len(fit_rows)} rows, {len(val_rows)} predicted, "
              f"{time.time() - t:.0f} s", flush=True)
    # the shipped quality model's topic member: a regression on Gemma's frozen hidden states (its layer and C),
    # out of fold on the same folds; the quality model is its mean with the fast model
    from wbcs.classify.embedding import frozen_head

    quality = clone(load_model("models/wbcs-quality/2").models["topic"])
    assert not quality.class_bias, "the three-way mean below assumes the quality ensemble has no class bias"
    features = quality.hidden_states(list(texts))
    frozen = np.zeros_like(fast)
    for fit_rows, val_rows in folds.folds:
        head = frozen_head(quality.C, seed).fit(features[fit_rows], y[fit_rows])
        frozen[val_rows] = spread_columns(head.predict_proba(features[val_rows]), head.classes_, classes)
    # the weighted mean, cross-fitted: fold k's w is chosen on the other folds' out-of-fold rows
    weighted, ws = np.zeros_like(fast), []
    for _, val_rows in folds.folds:
        rest = np.setdiff1d(np.arange(len(y)), val_rows)
        ws.append(_best_w(y[rest], gemma[rest], fast[rest], classes))
        weighted[val_rows] = ws[-1] * gemma[val_rows] + (1 - ws[-1]) * fast[val_rows]
    w_all = _best_w(y, gemma, fast, classes)
    variants = {"fast model (v4's topic configuration)": fast, f"Gemma 3 270M top-4, {epochs} epoch(s)": gemma,
                "mean of Gemma and the fast model": (gemma + fast) / 2,
                f"weighted mean, w cross-fitted (folds' w {ws})": weighted,
                f"quality model (fast + frozen-Gemma regression, layer {quality.layer}, C={quality.C})":
                    quality.weight * frozen + (1 - quality.weight) * fast,
                "three-way mean: fast, frozen-Gemma regression, fine-tuned Gemma": (fast + frozen + gemma) / 3}
    cv_rows = []
    for name, proba in variants.items():
        s = _scores(y, proba, classes)
        fold_f1 = [_macro_f1(y[v], proba[v], classes) for _, v in folds.folds]
        fold_acc = [_scores(y[v], proba[v], classes)["accuracy"] for _, v in folds.folds]
        cv_rows.append({"model": name, "fold mean macro_f1": float(np.mean(fold_f1)),
                        "fold sd": float(np.std(fold_f1)), "fold mean accuracy": float(np.mean(fold_acc)),
                        "pooled macro_f1": s["macro_f1"], "pooled accuracy": s["accuracy"]})
    print(f"\ntopic, grouped {len(folds.folds)}-fold CV on the training part ({len(tr)} posts; no test row used; "
          f"{time.time() - start:.0f} s)\n" + table(cv_rows, list(cv_rows[0])), flush=True)
    base, _, mean, weighted_row, quality_row, three_row = cv_rows  # Gemma alone is shown, not a candidate
    # the weight must earn its keep over the plain mean, by the same rule
    best = weighted_row if weighted_row["fold mean macro_f1"] > mean["fold mean macro_f1"] + TOL else mean
    selected = best if best["fold mean macro_f1"] > base["fold mean macro_f1"] + TOL else base
    print(f"\nDecision rule (the trainer's, configs.TOL = {TOL}): an ensemble is selected only if its fold-mean "
          f"macro-F1 beats the fast model's by more than {TOL}; the weighted mean only if it also beats the plain "
          f"mean by more than {TOL}. Selected: {selected['model']} "
          f"(fold-mean macro-F1: fast {base['fold mean macro_f1']:.4f}, mean {mean['fold mean macro_f1']:.4f}, "
          f"weighted {weighted_row['fold mean macro_f1']:.4f}). "
          f"w for the test part (grid {GRID.min()}–{GRID.max()} step 0.1 on the pooled out-of-fold rows): {w_all}. "
          f"Against the quality model ({quality_row['fold mean macro_f1']:.4f}), the three-way mean "
          f"({three_row['fold mean macro_f1']:.4f}) is "
          + ("selected" if three_row["fold mean macro_f1"] > quality_row["fold mean macro_f1"] + TOL else "not selected"),
          flush=True)
    # measurement only: the choice above is made; both fitted on the whole training part
    t = time.time()
    fitted = clone(est).fit(tr["text"].tolist(), tr["label"].to_numpy())
    g = _gemma(epochs, seed).fit(tr["text"].tolist(), tr["label"].to_numpy())
    fast_t = spread_columns(fitted.predict_proba(test["text"].tolist()), fitted.classes_, classes)
    gemma_t = spread_columns(g.predict_proba(test["text"].tolist()), g.classes_, classes)
    head = frozen_head(quality.C, seed).fit(features, y)
    frozen_t = spread_columns(head.predict_proba(quality.hidden_states(test["text"].tolist())), head.classes_, classes)
    test_probas = [(base, base["model"], fast_t), (cv_rows[1], cv_rows[1]["model"], gemma_t),
                   (mean, mean["model"], (gemma_t + fast_t) / 2),
                   (weighted_row, f"weighted mean, w = {w_all} (pooled out of fold)", w_all * gemma_t + (1 - w_all) * fast_t),
                   (quality_row, quality_row["model"], quality.weight * frozen_t + (1 - quality.weight) * fast_t),
                   (three_row, three_row["model"], (fast_t + frozen_t + gemma_t) / 3)]
    rows = []
    for row, name, proba in test_probas:
        rows += _row("topic", name + (" (selected)" if row is selected else ""), len(tr), _by_kind(test, proba, classes))
    print(f"\nfixed test part ({len(test)} posts; fitted on the whole training part; measurement only; "
          f"{time.time() - t:.0f} s)\n" + table(rows, ["field", "model", "train", "items", "accuracy", "macro_f1"]),
          flush=True)
    print(f"gemma_cv: {time.time() - start:.0f} s in all", flush=True)


def part_quality(smoke: bool, seed: int, fields: list[str], fast_model: str = "wbcs-default") -> None:
    """The quality model's step per field: the fast model's configuration (``fast_model``: the shipped one by
    default; 2026-12-05 morning: v4) against its mean
    with a regression on Gemma 3 270M's hidden states, by ``embedding.select_ensemble`` (the trainer's grouped
    5-fold CV on the training part and its tolerance; the decision is printed first); then, measurement only,
    the peer, the fast configuration and the chosen model fitted on the whole training part, on the fixed test part."""
    import time

    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.embedding import select_ensemble
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import default_fit_options, subsample

    shipped = load_model(fast_model)
    for field in fields:
        start = time.time()
        task = load_task(f"gold_{field}", seed=seed)
        tr = (subsample(task.train, 300, seed) if smoke else task.train).reset_index(drop=True)
        test = (subsample(task.test, 150, seed) if smoke else task.test).reset_index(drop=True)
        fast = clone(shipped.models[field])
        chosen, cv = select_ensemble(fast, tr["text"].tolist(), tr["label"].to_numpy(),
                                     groups=training_groups(tr, seed=seed), seed=seed,
                                     prompts=(None, default_fit_options(field, seed)["prompt"]))
        cv["chosen"] = cv["chosen"].map({True: "**chosen**", False: ""})
        print(f"\n{field}: grouped {cv.attrs['folds']}-fold CV on the training part ({len(tr)} items, no test row; "
              f"{time.time() - start:.0f} s)\n" + table(cv.to_dict("records"),
                                                        ["config", "macro_f1", "macro_f1_sd", "accuracy", "ece",
                                                         "seconds", "chosen"]), flush=True)
        texts, y = tr["text"].tolist(), tr["label"].to_numpy()
        models = {"peer: TF-IDF char 1-3 + LR, gold training part": plain_peer(4.0),
                  f"{fast_model} configuration (fast model)": clone(fast)}
        if chosen is not fast:
            models[f"quality: {chosen.describe()} (chosen)"] = clone(chosen)
        rows = []
        for name, model in models.items():
            model.fit(texts, y)
            proba = predict_kinds(model, test["text"].tolist(), test["kind"])
            rows += _row(field, name, len(tr), _by_kind(test, proba, model.classes_), EXTRA[field])
        print(f"\n{field}: fixed test part ({len(test)} items; fitted on the whole training part; measurement only; "
              f"{time.time() - start:.0f} s in all)\n"
              + table(rows, ["field", "model", "train", "items", "accuracy", "macro_f1",
                             *[f"{lab} {m}" for lab in EXTRA[field] for m in ("recall", "F1")]]), flush=True)


def part_quality_speed(seed: int, n: int = 400) -> None:
    """Posts/s of the shipped model and the latest quality model (the registry's latest versions) on the same n
    unseen weibo_senti_100k posts, in one process, after one warm-up call each (the quality model's embedding memo
    starts empty for these posts)."""
    import time

    from wbcs.classify import load_model
    from wbcs.datasets import load_weibo_senti

    texts = load_weibo_senti()["text"].sample(n, random_state=seed + 1).tolist()
    models = {f"{role} {model.name}": model
              for role, model in (("shipped", load_model("wbcs-default")), ("quality", load_model("wbcs-quality")))}
    seconds = {}
    for name, model in models.items():
        model.predict(["预热"])
        t = time.perf_counter()
        model.predict(texts)
        seconds[name] = time.perf_counter() - t
    rows = [{"model": k, "posts": n, "seconds": v, "posts/s": n / v} for k, v in seconds.items()]
    print(table(rows, ["model", "posts", "seconds", "posts/s"]) + f"\nratio {max(seconds.values()) / min(seconds.values()):,.0f}x")


# the issue's macro-F1 targets on the fixed test part
TARGETS = {"sentiment": 0.70, "intent": 0.65, "topic": 0.65, "negative_subtype": 0.5}


def part_curve(smoke: bool, seed: int, model: str) -> None:
    from wbcs.classify import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import card_extra, curve_entry, subsample

    shipped = load_model(model)
    rows = []
    for field in FIELDS:
        task = load_task(f"gold_{field}", seed=seed)
        # the card's curve (wbcs train --curve): an eighth, a quarter, a half (3 draws each) and all, each test item
        # predicted as its kind
        extra, weight = card_extra(shipped, field, task, seed)
        entry = curve_entry(shipped.models[field], subsample(task.train, 400 if smoke else None, seed), task.test,
                            seed=seed, target=TARGETS[field], extra=extra, weight=weight)
        for r in entry["table"]:
            rows.append({"field": field, "labels": f"{int(r['n_labels']):,}", "draws": int(r["draws"]),
                         "macro-F1": f"{r['macro_f1']:.3f}", "sd": f"{r['macro_f1_sd']:.3f}",
                         "accuracy": f"{r['accuracy']:.3f}"})
        need = entry["labels_to_reach"]
        reach = ("met" if need["met"] else "not on this trend" if need["n_labels"] is None
                 else f"≥ {need['n_labels']:,} ({need['n_labels'] / need['now']:.1f}×)")
        rows.append({"field": field, "labels": f"target {TARGETS[field]:g}: {reach}", "draws": "",
                     "macro-F1": f"{need['per_doubling']:+.3f}/doubling", "sd": "", "accuracy": ""})
    print(f"Learning curves of {shipped.name}'s configuration on the fixed test part (seed {seed})")
    print(table(rows, ["field", "labels", "draws", "macro-F1", "sd", "accuracy"]))


def _oof_fast(est, task, seed: int, extra: tuple | None = None):
    """Out-of-fold probabilities of ``est``'s configuration on the trainer's grouped folds of ``task``'s training part
    (``configs._Folds``: near duplicates and dialogues whole), optionally with ``extra`` = (texts, labels, weight of
    the extra rows — one, or one per row —[, owners]) added to every training fold; with ``owners`` (each extra row's
    training row, by position in ``task.train``; −1: none), a row with an owner joins only the folds that train on
    it: (probabilities, classes, y, folds)."""
    from sklearn.base import clone

    from wbcs.classify.configs import _Folds, fold_count
    from wbcs.classify.splits import training_groups

    tr = task.train.reset_index(drop=True)
    folds = _Folds(est, tr["text"], tr["label"], training_groups(tr, seed=seed), fold_count(tr["label"], 5), seed)
    y = folds.y
    classes = np.unique(y)
    oof = np.zeros((len(y), len(classes)))
    texts = tr["text"].to_numpy(dtype=object)
    for fit_rows, val_rows in folds.folds:
        x, t, w = list(texts[fit_rows]), y[fit_rows], np.ones(len(fit_rows))
        if extra is not None:
            owners = np.asarray(extra[3]) if len(extra) > 3 else np.full(len(extra[0]), -1)
            keep = (owners < 0) | np.isin(owners, fit_rows)
            x = x + [e for e, k in zip(extra[0], keep, strict=True) if k]
            t = np.concatenate([t, np.asarray(extra[1])[keep]])
            w = np.concatenate([w, np.broadcast_to(np.asarray(extra[2], dtype=float), keep.shape)[keep]])
        m = clone(est).fit(x, t, sample_weight=w)
        oof[np.ix_(val_rows, np.searchsorted(classes, m.classes_))] = m.predict_proba(list(texts[val_rows]))
    return oof, classes, y, folds.folds


def _fold_mean_f1(y, pred, folds) -> float:
    from sklearn.metrics import f1_score

    return float(np.mean([f1_score(y[v], pred[v], average="macro") for _, v in folds]))


def part_static_topic(seed: int, model: str) -> None:
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from transformers import AutoModel, AutoTokenizer

    from wbcs.classify import load_model
    from wbcs.classify.gemma import resolve
    from wbcs.classify.tasks import load_task

    task = load_task("gold_topic", seed=seed)
    shipped = load_model(model)
    fast, classes, y, folds = _oof_fast(shipped.models["topic"], task, seed)
    path = resolve("gemma3-270m")
    tok, gemma = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path, dtype=torch.float32).eval()
    ids = tok(task.train["text"].tolist(), add_special_tokens=False)["input_ids"]
    vocab = sorted({i for s in ids for i in s})
    counts = pd.Series([i for s in ids for i in s]).value_counts()
    freq = (counts / counts.sum()).to_dict()
    tables = {"input embeddings": gemma.embed_tokens.weight.detach().numpy()[vocab]}
    with torch.no_grad():  # each token alone after <bos>: its state at layers 9 and 18 (the last)
        states = {9: [], 18: []}
        for start in range(0, len(vocab), 512):
            b = torch.tensor(vocab[start:start + 512])
            h = gemma(input_ids=torch.stack([torch.full_like(b, tok.bos_token_id), b], 1), output_hidden_states=True)
            for layer in states:
                states[layer].append(h.hidden_states[layer][:, 1].numpy())
    tables |= {f"layer {layer} state": np.concatenate(v) for layer, v in states.items()}
    row = {v: i for i, v in enumerate(vocab)}
    pred = classes[fast.argmax(axis=1)]
    rows = [{"features": f"{shipped.name}'s topic configuration", "alone": f"{_fold_mean_f1(y, pred, folds):.4f}"}]
    for name, table_ in tables.items():
        for sif in (False, True):
            x = np.zeros((len(ids), table_.shape[1]), dtype=np.float32)
            for r, s in enumerate(ids):
                if s:
                    w = np.array([1e-3 / (1e-3 + freq[i]) if sif else 1.0 for i in s], dtype=np.float32)
                    x[r] = (table_[[row[i] for i in s]] * w[:, None]).sum(axis=0) / w.sum()
            emb = np.zeros_like(fast)
            for fit_rows, val_rows in folds:
                head = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, class_weight="balanced", max_iter=2000))
                head.fit(x[fit_rows], y[fit_rows])
                emb[val_rows] = head.predict_proba(x[val_rows])
            out = {"features": f"{name}, {'SIF-weighted' if sif else 'plain'} mean",
                   "alone": f"{_fold_mean_f1(y, classes[emb.argmax(axis=1)], folds):.4f}"}
            for w in (0.2, 0.3, 0.5):
                out[f"mean w={w}"] = f"{_fold_mean_f1(y, classes[((1 - w) * fast + w * emb).argmax(axis=1)], folds):.4f}"
            rows.append(out)
    print(f"Topic, {len(y):,} training posts, fold-mean macro-F1 on the trainer's 5 grouped folds (seed {seed}); "
          f"{len(vocab):,} distinct Gemma tokens")
    print(table(rows, ["features", "alone", "mean w=0.2", "mean w=0.3", "mean w=0.5"]))


# weak abuse labels: insults that are abuse in any context (not 狗, 滚 or 操, which a post about dogs, leaving or
# 操作 holds); a labelling function for out-of-domain posts, not a gold label
WEAK_ABUSE = ("傻逼", "他妈", "妈的", "tmd", "TMD", "尼玛", "操你", "日你", "混蛋", "王八蛋", "畜生", "智障", "脑残",
              "贱人", "去死")


def part_weak_abuse(seed: int, model: str) -> None:
    import re

    from sklearn.metrics import f1_score

    from wbcs.classify import load_model
    from wbcs.classify.tasks import load_task
    from wbcs.datasets import load_weibo_senti

    task = load_task("gold_negative_subtype", seed=seed)
    est = load_model(model).models["negative_subtype"]
    posts = load_weibo_senti()
    negative = posts[posts["sentiment"] == "negative"]
    weak = negative.loc[negative["text"].str.contains("|".join(map(re.escape, WEAK_ABUSE))), "text"]
    weak = weak.sample(frac=1.0, random_state=seed).tolist()
    print(f"weibo_senti_100k: {len(negative):,} negative posts, {len(weak):,} hold a strong insult (weak abuse labels)")
    rows = []
    for fold_seed in (seed, seed + 1):
        for n, w in ((0, 1.0), (300, 1.0), (300, 0.1), (len(weak), 1.0), (len(weak), 0.1)):
            extra = (weak[:n], np.array(["abuse"] * n), w) if n else None
            proba, classes, y, folds = _oof_fast(est, task, fold_seed, extra)
            pred = classes[proba.argmax(axis=1)]
            called, right = int((pred == "abuse").sum()), int(((pred == "abuse") & (y == "abuse")).sum())
            rows.append({"fold seed": fold_seed, "weak rows": n, "weight": w if n else "–",
                         "fold-mean macro-F1": f"{_fold_mean_f1(y, pred, folds):.4f}",
                         "pooled macro-F1": f"{f1_score(y, pred, average='macro'):.4f}",
                         "abuse called / right / true": f"{called} / {right} / {int((y == 'abuse').sum())}"})
    print(table(rows, ["fold seed", "weak rows", "weight", "fold-mean macro-F1", "pooled macro-F1",
                       "abuse called / right / true"]))


def part_synthetic(seed: int, model: str, fields: list[str], paths=None) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    from wbcs.classify import load_model
    from wbcs.classify.tasks import load_task, synthetic_rows

    shipped = load_model(model)
    rows = []
    for field in fields:
        extra = synthetic_rows(field, paths)
        if extra is None:
            continue
        task = load_task(f"gold_{field}", seed=seed)
        for_labels = sorted(extra.rows["label"].unique())
        texts, labels = extra.rows["text"].tolist(), extra.rows["label"].to_numpy()
        for fold_seed in (seed, seed + 1):
            for w in (0.0, 0.25, 0.5, 1.0):
                proba, classes, y, folds = _oof_fast(shipped.models[field], task, fold_seed,
                                                     (texts, labels, w) if w else None)
                pred = classes[proba.argmax(axis=1)]
                recall = recall_score(y, pred, labels=for_labels, average=None, zero_division=0)
                precision = precision_score(y, pred, labels=for_labels, average=None, zero_division=0)
                rows.append({"field": field, "fold seed": fold_seed, "synthetic rows": len(texts) if w else 0,
                             "weight": w if w else "–", "fold-mean macro-F1": f"{_fold_mean_f1(y, pred, folds):.4f}",
                             "pooled macro-F1": f"{f1_score(y, pred, average='macro'):.4f}",
                             "their classes: recall / precision": " ".join(
                                 f"{c} {r:.2f}/{p:.2f}" for c, r, p in zip(for_labels, recall, precision, strict=True)),
                             # abuse is set aside: what the posts called abuse really are
                             "called abuse, by truth": (pd.Series(y[pred == "abuse"]).value_counts().to_dict()
                                                        if "abuse" in for_labels else "")})
    print(f"{shipped.name}'s configurations, the trainer's grouped 5-fold CV of the training part; synthetic rows in "
          "every training fold, real posts only in the validation folds")
    print(table(rows, ["field", "fold seed", "synthetic rows", "weight", "fold-mean macro-F1", "pooled macro-F1",
                       "their classes: recall / precision", "called abuse, by truth"]))


def part_context(seed: int, model: str) -> None:
    """Two ways to give the fast model more context, on the training part only (the trainer's grouped folds, two fold
    seeds; ``model``'s configurations, their class biases left out, with the written posts their cards used):
    (a) topic learning a training dialogue's later turns — the customer's follow-ups, the helpdesk's replies —
    labelled with its first post's topic, each only in the folds that train on that first post (a dialogue's turns
    must not teach the fold that validates it); (b) each field's features without the @mentions, URLs, #topics# or
    emoticons ``wbcs.text.normalize`` can remove."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.baseline import unbiased
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import card_extra
    from wbcs.datasets import dataset_path, read_jsonl
    from wbcs.goldset import dialogue_of

    shipped = load_model(model)
    turns = {r["id"]: r["turns"][1:] for r in read_jsonl(dataset_path("stc3"))}
    rows = []
    for field in ("topic", "intent", "sentiment"):
        task = load_task(f"gold_{field}", seed=seed)
        written, weight = card_extra(shipped, field, task, seed)
        # own rows ×1 and a written row 1/k: the card's own rows ×k against a written row ×1
        texts, labels = ([], []) if written is None else (written["text"].tolist(), list(written["label"]))
        weights, owners = [1 / weight] * len(texts) if written is not None else [], [-1] * len(texts)
        tr = task.train.reset_index(drop=True)
        kinds = tr["kind"].to_numpy() if "kind" in tr else np.full(len(tr), "first_post")
        est = unbiased(shipped.models[field])
        variants = {"as shipped": (est, None)}
        if field == "topic":
            dialogues = tr["post_id"].map(dialogue_of)
            for sender in ("customer", "helpdesk"):
                owned = [(i, t["text"]) for i, d in enumerate(dialogues) for t in turns.get(d, [])
                         if t["sender"] == sender and t["text"].strip()]
                for w in (0.25, 0.5):  # as a share of an own row's weight
                    variants[f"+ {len(owned):,} {sender} turns ×{w}"] = (est, (
                        [t for _, t in owned], [tr["label"].iloc[i] for i, _ in owned], [w] * len(owned),
                        [i for i, _ in owned]))
        for remove in (("mentions",), ("mentions", "urls", "topics"), ("emoticons",)):
            variants["without " + ", ".join(remove)] = (clone(est).set_params(remove=remove), None)
        for fold_seed in (seed, seed + 1):
            for what, (e, more) in variants.items():
                more = more or ([], [], [], [])
                extra = (texts + more[0], np.asarray(labels + more[1], dtype=object), weights + more[2],
                         owners + more[3]) if texts or more[0] else None
                proba, classes, y, folds = _oof_fast(e, task, fold_seed, extra)
                pred = classes[proba.argmax(axis=1)]
                per_kind = {k: _macro_f1(y[kinds == k], proba[kinds == k], classes) for k in sorted(set(kinds))}
                rows.append({"field": field, "fold seed": fold_seed, "variant": what,
                             "fold-mean macro-F1": f"{_fold_mean_f1(y, pred, folds):.4f}",
                             "accuracy": f"{np.mean(pred == y):.4f}",
                             "per kind": " ".join(f"{k} {v:.4f}" for k, v in per_kind.items())
                             if len(per_kind) > 1 else ""})
                print(rows[-1], flush=True)
    print(f"{shipped.name}'s configurations (class biases left out), the trainer's grouped 5-fold CV of the training "
          "part, two fold seeds")
    print(table(rows, ["field", "fold seed", "variant", "fold-mean macro-F1", "accuracy", "per kind"]))


def part_prune(seed: int, model: str) -> None:
    """Would the topic gain from leaving out the training rows cleanlab flags as likely label errors (as cleanlab's
    CleanLearning does)? Training part only, the trainer's grouped folds (two fold seeds), ``model``'s topic
    configuration (class bias left out, the written posts its card used): in each outer training fold, 3 inner grouped
    folds give out-of-fold probabilities, ``find_label_issues`` (prune by noise rate, all or a fraction of the
    estimated issues) flags rows, and the configuration refitted without them is scored on the outer validation fold."""
    from cleanlab.filter import find_label_issues
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold

    from wbcs.classify import load_model
    from wbcs.classify.baseline import unbiased
    from wbcs.classify.configs import _Folds, fold_count
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import _fit, card_extra

    shipped = load_model(model)
    task = load_task("gold_topic", seed=seed)
    written, weight = card_extra(shipped, "topic", task, seed)
    tr = task.train.reset_index(drop=True)
    texts = tr["text"].to_numpy(dtype=object)
    est = unbiased(shipped.models["topic"])

    def fit(rows, y):  # as the trainer fits it: own rows ×weight against the written posts ×1
        return _fit(clone(est), list(texts[rows]), y[rows], None, None, written, weight)

    rows = []
    for fold_seed in (seed, seed + 1):
        groups = np.asarray(training_groups(tr, seed=fold_seed))
        folds = _Folds(est, tr["text"], tr["label"], groups, fold_count(tr["label"], 5), fold_seed)
        y, classes = folds.y, np.unique(folds.y)
        preds = {f: np.empty(len(y), dtype=object) for f in (0.0, 0.2, 0.5, 1.0)}
        dropped = dict.fromkeys(preds, 0)
        for fit_rows, val_rows in folds.folds:
            oof = np.zeros((len(fit_rows), len(classes)))
            for a, b in GroupKFold(3).split(fit_rows, groups=groups[fit_rows]):
                inner = fit(fit_rows[a], y)
                oof[np.ix_(b, np.searchsorted(classes, inner.classes_))] = inner.predict_proba(list(texts[fit_rows[b]]))
            for frac in preds:
                issues = (np.zeros(len(fit_rows), bool) if frac == 0 else find_label_issues(
                    np.searchsorted(classes, y[fit_rows]), oof, filter_by="prune_by_noise_rate", frac_noise=frac))
                dropped[frac] += int(issues.sum())
                preds[frac][val_rows] = fit(fit_rows[~issues], y).predict(list(texts[val_rows]))
        for frac, pred in preds.items():
            rows.append({"fold seed": fold_seed, "left out": "none" if frac == 0 else f"{frac:g} of the issues",
                         "rows left out per fold": f"{dropped[frac] / len(folds.folds):.0f}",
                         "fold-mean macro-F1": f"{_fold_mean_f1(y, pred, folds.folds):.4f}",
                         "accuracy": f"{np.mean(pred == y):.4f}"})
    print(f"{shipped.name}'s topic configuration, the trainer's grouped 5-fold CV of the training part")
    print(table(rows, ["fold seed", "left out", "rows left out per fold", "fold-mean macro-F1", "accuracy"]))


def part_drift(seed: int, model: str, frac: float = 0.25, draws: int = 5) -> None:
    """Does the model hold on later posts? The gold posts span 2012–2016 (times from the Weibo ids). On the training
    part only: ``model``'s configurations (as their cards fitted them) fitted on the earliest (1 − ``frac``) of the
    dialogues and scored on the latest ``frac``, against the same sizes drawn at random by dialogue (``draws``
    draws): the gap is what a year or so of drift costs, the reason to retrain on fresh labels."""
    from wbcs.classify import load_model
    from wbcs.classify.evaluate import metrics
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import card_extra
    from wbcs.goldset import dialogue_of
    from wbcs.weibo import mid_to_datetime

    shipped = load_model(model)
    rows = []
    for field in FIELDS:
        task = load_task(f"gold_{field}", seed=seed)
        tr = task.train.reset_index(drop=True)
        dialogue = tr["post_id"].map(dialogue_of)
        when = mid_to_datetime(dialogue)[0]
        order = when.groupby(dialogue).min().sort_values()
        late = set(order.index[int(len(order) * (1 - frac)):])
        splits = {"latest dialogues": dialogue.isin(late).to_numpy()}
        rng = np.random.default_rng(seed)
        for d in range(draws):
            splits[f"random {d}"] = dialogue.isin(set(rng.choice(order.index, size=len(late), replace=False))).to_numpy()
        scores, extra = {}, card_extra(shipped, field, task, seed)
        for name, held in splits.items():
            est = _fit_as_card(shipped, field, task, tr[~held], seed, extra)
            test = tr[held]
            pred = np.asarray(est.classes_)[predict_kinds(est, test["text"].tolist(), test["kind"]).argmax(axis=1)]
            scores[name] = metrics(test["label"].to_numpy(), pred)
        rand = [v for k, v in scores.items() if k.startswith("random")]
        for metric in ("macro_f1", "accuracy"):
            r = np.array([v[metric] for v in rand])
            rows.append({"field": field, "metric": metric, "held out": int(splits["latest dialogues"].sum()),
                         "since": f"{order[sorted(late, key=order.get)[0]]:%Y-%m-%d}",
                         "latest": f"{scores['latest dialogues'][metric]:.3f}",
                         f"random (mean ± sd of {draws})": f"{r.mean():.3f} ± {r.std(ddof=1):.3f}",
                         "latest − random": f"{scores['latest dialogues'][metric] - r.mean():+.3f}"})
        print(table(rows[-2:], list(rows[-1])), flush=True)
    print(f"{shipped.name}'s configurations, training part only: fitted on the earliest {1 - frac:.0%} of the dialogues "
          f"or on a random {1 - frac:.0%}, scored on the rest")
    print(table(rows, list(rows[-1])))


def part_quality_synthetic(seed: int, model: str) -> None:
    from wbcs.classify import load_model
    from wbcs.classify.embedding import CS, LAYERS, embed, frozen_head, spread_columns
    from wbcs.classify.tasks import load_task, synthetic_rows
    from wbcs.config import DATA_DIR
    from wbcs.text import normalize_series

    task = load_task("gold_topic", seed=seed)
    est = load_model(model).models["topic"]
    written = synthetic_rows("topic", [DATA_DIR / "synthetic" / "posts.csv"]).rows
    texts = normalize_series(pd.Series(task.train.reset_index(drop=True)["text"].tolist(), dtype=object)).tolist()
    feats = embed(texts, backbone="gemma3-270m", layers=LAYERS, max_length=128)
    rows = []
    for fold_seed in (seed, seed + 1):
        fast, classes, y, folds = _oof_fast(est, task, fold_seed)
        with_written = _oof_fast(est, task, fold_seed, (written["text"].tolist(), written["label"].to_numpy(), 0.5))[0]
        row = {"fold seed": fold_seed, "fast": _fold_mean_f1(y, classes[fast.argmax(1)], folds),
               "fast + written": _fold_mean_f1(y, classes[with_written.argmax(1)], folds)}
        for layer in LAYERS:
            for c in CS:
                head = np.zeros_like(fast)
                for fit_rows, val_rows in folds:
                    m = frozen_head(c, seed).fit(feats[layer][fit_rows], y[fit_rows])
                    head[val_rows] = spread_columns(m.predict_proba(feats[layer][val_rows]), m.classes_, classes)
                for name, member in (("quality", fast), ("quality + written", with_written)):
                    row[f"{name}, layer {layer}, C {c}"] = _fold_mean_f1(y, classes[(0.5 * head + 0.5 * member).argmax(1)],
                                                                          folds)
        rows.append({k: v if k == "fold seed" else f"{v:.4f}" for k, v in row.items()})
    print(f"Topic, {model}'s configuration, fold-mean macro-F1 on the trainer's 5 grouped folds of the training part")
    print(table([{"row": k, **{f"seed {r['fold seed']}": r[k] for r in rows}} for k in rows[0] if k != "fold seed"],
                ["row", *(f"seed {r['fold seed']}" for r in rows)]))


def part_kind_mix(seed: int, model: str, n_boot: int = 1000, draws: int = 200) -> None:
    """Is the simulator's corrected kind mix (``wbcs.kpi.workload``, ``--mix corrected``, the default) closer to the
    truth than the counted one (``--mix counted``) on real telecom posts? Measurement only, nothing chosen: ``model``'s
    sentiment, intent and negative-subtype configurations (its card's) fitted on the gold training part, with its card (the
    correction's statistics are the training part's grouped CV), label the fixed test part's telecom first posts as
    a posts table; each mix against the adjudicated labels' kind mix, at the test part's own mix and on ``draws``
    resamples whose consultation share is shifted (a team's mix is not STC-3's): total variation distance, and the
    kinds whose 95 % interval holds the true share."""
    from wbcs.classify import PostClassifier, load_model
    from wbcs.classify.tasks import load_task
    from wbcs.datasets import load_stc3
    from wbcs.goldset import load_gold_items
    from wbcs.kpi.indicators import post_kind
    from wbcs.kpi.labels import ensure_labels
    from wbcs.kpi.quantify import tv
    from wbcs.kpi.workload import workload
    from wbcs.policy import POST_KINDS

    shipped = load_model(model)
    fields = ("sentiment", "intent", "negative_subtype")  # the kind rules read all three
    fitted = {f: _fit_as_card(shipped, f, task, task.train, seed) for f in fields
              for task in [load_task(f"gold_{f}", seed=seed)]}
    card = {**shipped.card, "fields": {f: shipped.card["fields"][f] for f in fields}}
    clf = PostClassifier(fitted, card=card, name=f"{shipped.name} (fitted on the training part)")
    gold = load_gold_items()
    gold = gold[(gold["part"] == "test") & (gold["kind"] == "first_post")].set_index("item_id")
    posts = load_stc3(split=None)
    posts = posts[posts["post_id"].astype(str).isin(gold.index)].reset_index(drop=True)
    truth_kind = post_kind(gold.loc[posts["post_id"].astype(str), ["sentiment", "intent", "negative_subtype"]]
                           .reset_index(drop=True))
    labelled = ensure_labels(posts[["post_id", "created_at", "text"]], model=clf, quiet=True)
    print(f"{len(posts)} telecom first posts of the fixed test part ({int(truth_kind.notna().sum())} of a policy "
          f"kind by the adjudicated labels), {clf.name}", flush=True)

    def truth_of(rows) -> np.ndarray:
        k = truth_kind.iloc[rows]
        return k.value_counts(normalize=True).reindex(POST_KINDS, fill_value=0).to_numpy()

    def mixes(rows, boot: int) -> tuple:
        here = labelled.iloc[rows].reset_index(drop=True)
        here.attrs = labelled.attrs
        return workload(here, correct=False, seed=seed).mix, workload(here, n_boot=boot, seed=seed)

    every = np.arange(len(posts))
    counted, work = mixes(every, n_boot)
    corrected = work.mix
    truth = truth_of(every)
    held = (corrected["lo"] <= truth + 1e-9) & (truth <= corrected["hi"] + 1e-9)
    rows = [{"kind": k, "true share": f"{t:.3f}", "counted": f"{c:.3f}",
             "corrected [95 % interval]": f"{s:.3f} [{lo:.3f}, {hi:.3f}]", "holds the truth": "yes" if h else "no"}
            for k, t, c, s, lo, hi, h in zip(POST_KINDS, truth, counted["counted_share"], corrected["share"],
                                             corrected["lo"], corrected["hi"], held, strict=True)]
    rows.append({"kind": "TV from the truth", "true share": "", "counted": f"{tv(counted['counted_share'], truth):.3f}",
                 "corrected [95 % interval]": f"{tv(corrected['share'], truth):.3f}", "holds the truth": ""})
    print(f"the test part's own mix (mix: {work.method})")
    print(table(rows, list(rows[0])), flush=True)

    # shifted mixes: posts drawn with replacement, a consultation (true kind) drawn w times as often as another post
    rng = np.random.default_rng(seed)
    is_consult = (truth_kind == "consultation").fillna(False).to_numpy()
    shifted = []
    for w in (0.5, 2.0, 4.0):
        p = np.where(is_consult, w, 1.0)
        tvs = []
        for _ in range(draws):
            rows_ = rng.choice(every, size=len(every), replace=True, p=p / p.sum())
            c, s = mixes(rows_, 20)  # the intervals are not read here
            t = truth_of(rows_)
            tvs.append((tv(c["counted_share"], t), tv(s.mix["share"], t), t[POST_KINDS.index("consultation")]))
        a = np.array(tvs)
        shifted.append({"consultations drawn ×": f"{w:g}", "true consultation share (mean)": f"{a[:, 2].mean():.3f}",
                        "TV counted (mean)": f"{a[:, 0].mean():.3f}", "TV corrected (mean)": f"{a[:, 1].mean():.3f}",
                        "draws corrected closer": f"{int((a[:, 1] < a[:, 0]).sum())}/{draws}"})
        print(table(shifted[-1:], list(shifted[-1])), flush=True)
    print(f"shifted mixes: {draws} draws each of {len(every)} posts with replacement (seed {seed}); TV over the policy kinds")
    print(table(shifted, list(shifted[0])))


def _real_months(tr: pd.DataFrame, y, proba, labels, bias, first) -> pd.DataFrame:
    """The shifts real months made: each calendar month's telecom first posts (``first``; ≥ 30 of them, times from
    the Weibo ids) at their own mix, quantified by every variant with the statistics of the other months'
    out-of-fold rows (``proba``, class bias ``bias`` included): a row per month, each variant's TV from the truth."""
    from wbcs.kpi.quantify import VARIANTS, bias_at, estimate, training_stats, tv
    from wbcs.weibo import mid_to_datetime

    when, plausible = mid_to_datetime(tr["post_id"].where(first).fillna("x"))
    month = when.dt.strftime("%Y-%m").where(plausible & pd.Series(first)).to_numpy()
    base = np.array([(y[first] == lab).mean() for lab in labels])
    monthly = []
    for m in sorted({m for m in month if isinstance(m, str)}):
        here = month == m
        if here.sum() < 30:
            continue
        rest = first & ~here
        stats = {"pooled": training_stats(y[~here], proba[~here], labels, bias_at(bias, ~here)),
                 "kind": training_stats(y[rest], proba[rest], labels, bias_at(bias, rest))}
        truth = np.array([(y[here] == lab).mean() for lab in labels])
        monthly.append({"month": m, "items": int(here.sum()), "shift (TV from all)": tv(truth, base),
                        **{name: tv(estimate(method, proba[here], stats[scope], bias=bias_at(bias, here)), truth)
                           for name, method, scope in VARIANTS}})
    return pd.DataFrame(monthly)


def part_shift_rule(seed: int, model: str, field: str) -> None:
    """Training part only: the quantifier the trainer's rule chooses per kind of item (``quantify.card_entry``) with
    shifted samples whose directions lean toward the flat mix, TV up to 0.3 (the rule of 2026-12-05), centred on the
    fold's mix (``bounded_prevalences(centred=True)``) up to 0.3, and centred up to ``MAX_SHIFT`` (the rule), on ``model``'s configuration's out-of-fold probabilities as the
    card builds them (its out-of-domain rows, class bias and kind bias; the trainer's grouped folds), and how close
    each method comes on the real months of the training part's telecom first posts (``_real_months``)."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.configs import _Folds, fold_count, unbiased
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import card_extra, quantify_entry
    from wbcs.kpi.quantify import MAX_SHIFT, VARIANTS, row_bias

    shipped = load_model(model)
    task = load_task(f"gold_{field}", seed=seed)
    tr = task.train.reset_index(drop=True)
    est = clone(shipped.models[field])
    rows, weight = card_extra(shipped, field, task, seed)
    kinds = tr["kind"].astype(str).to_numpy()
    folds = _Folds(est, tr["text"], tr["label"], training_groups(tr, seed=seed), fold_count(tr["label"], 5), seed,
                   extra=None if rows is None else (rows["text"], rows["label"]), kinds=kinds)
    folds.scores(unbiased(est), weight=weight)
    _, cv_oof = folds.cv_record(folds.oof, est.class_bias, kind_bias=est.kind_bias, kinds=kinds)
    labels, y, proba = cv_oof["labels"], np.asarray(cv_oof["y"]), np.asarray(cv_oof["proba"])
    mon = _real_months(tr, y, proba, labels, row_bias(labels, est.class_bias, est.kind_bias, kinds),
                       kinds == "first_post")
    names = [v[0] for v in VARIANTS]
    card = shipped.card["fields"][field]["cv_quantify"]["chosen"]
    out = []
    for rule, options in (("flat, ≤ 0.3 (2026-12-05)", {"centred": False, "max_shift": 0.3}),
                          ("centred, ≤ 0.3", {"max_shift": 0.3}), (f"centred, ≤ {MAX_SHIFT:g} (the rule)", {})):
        chosen = quantify_entry(cv_oof, tr, seed, **options)["chosen"]
        for kind, c in chosen.items():
            out.append({"directions": rule, "kind": kind, "chosen": c["method"], "card's": card.get(kind, {}).get("method"),
                        "CV TV (chosen / CC)": f"{c['cv_tv'][c['method']]:.3f} / {c['cv_tv']['CC']:.3f}",
                        "at own mix (chosen / CC)": f"{c['natural_tv'][c['method']]:.3f} / {c['natural_tv']['CC']:.3f}",
                        "real months: chosen / CC": (f"{mon[c['method']].mean():.3f} / {mon['CC'].mean():.3f}"
                                                     if kind == "first_post" else "")})
    print(f"{field}: the quantifier each rule chooses on the training part ({model}'s configuration, {len(tr)} rows), "
          f"and on {len(mon)} real months of its telecom first posts ({mon['items'].sum()} items)")
    print(table(out, list(out[0])))
    print(f"{field}, real months: mean TV of every method (months closer than CC)")
    print(table([{n: f"{mon[n].mean():.3f} ({int((mon[n] < mon['CC'] - 1e-12).sum())})" for n in names}], names),
          flush=True)


def part_directed_shift(seed: int, model: str, field: str = "intent", draws: int = 20) -> None:
    """Training part only: the quantifiers of telecom first posts' ``field`` shares when one label swells or shrinks
    (each label's rows drawn ×0.5, ×2, ×4 as often as the others), where the trainer's rule samples shifts in
    random directions that lean toward the flat mix (``bounded_prevalences``). ``model``'s configuration, the
    trainer's grouped folds (out-of-fold probabilities, class bias included); each validation fold's first posts
    resampled ``draws`` times per shift, quantified with the other folds' statistics: mean TV per method, and
    the folds in which each method is closer than the counts."""
    from sklearn.base import clone

    from wbcs.classify import load_model
    from wbcs.classify.baseline import shift
    from wbcs.classify.configs import _Folds
    from wbcs.classify.splits import training_groups
    from wbcs.classify.tasks import load_task
    from wbcs.kpi.quantify import VARIANTS, estimate, training_stats, tv

    est = clone(load_model(model).models[field])
    task = load_task(f"gold_{field}", seed=seed)
    tr = task.train.reset_index(drop=True)
    folds = _Folds(est, tr["text"].to_numpy(), tr["label"].to_numpy(), training_groups(tr, seed=seed), 5, seed)
    folds.scores(est)
    labels, bias = [str(c) for c in folds.classes], est.class_bias
    oof = shift(folds.oof, folds.classes, bias)
    y, first = tr["label"].astype(str).to_numpy(), (tr["kind"] == "first_post").to_numpy()
    rng, rows = np.random.default_rng(seed), []
    for k, (trn, va) in enumerate(folds.folds):
        fp = va[first[va]]
        stats = {"pooled": training_stats(y[trn], oof[trn], labels, bias),
                 "kind": training_stats(y[trn][first[trn]], oof[trn][first[trn]], labels, bias)}
        for target, w in [("none", 1.0)] + [(lab, w) for lab in labels for w in (0.5, 2.0, 4.0)]:
            p = np.where(y[fp] == target, w, 1.0)
            for _ in range(draws):
                s = rng.choice(fp, size=len(fp), replace=True, p=p / p.sum())
                truth = np.array([(y[s] == lab).mean() for lab in labels])
                rows.append({"label": target, "drawn ×": w, "fold": k,
                             **{name: tv(estimate(method, oof[s], stats[scope], bias=bias), truth)
                                for name, method, scope in VARIANTS}})
    mon = _real_months(tr, y, oof, labels, bias, first)
    df = pd.DataFrame(rows)
    names = [v[0] for v in VARIANTS]
    closer = {n: int((mon[n] < mon["CC"] - 1e-12).sum()) for n in names}
    print(f"{field}, {len(mon)} months of the training part's telecom first posts (≥ 30 each, {mon['items'].sum()} "
          f"items; their shift from the whole mix: median {mon['shift (TV from all)'].median():.3f}, max "
          f"{mon['shift (TV from all)'].max():.3f}): mean TV (months closer than CC)")
    print(table([{n: f"{mon[n].mean():.3f} ({closer[n]})" for n in names}], names), flush=True)
    per_fold = df.groupby(["label", "drawn ×", "fold"], sort=False)[names].mean()
    mean = per_fold.groupby(level=[0, 1], sort=False).mean()
    wins = per_fold[names].lt(per_fold["CC"], axis=0).groupby(level=[0, 1], sort=False).sum()
    out = [{"label drawn": lab, "×": f"{w:g}", **{n: f"{mean.loc[(lab, w), n]:.3f} ({int(wins.loc[(lab, w), n])})"
                                                  for n in names}} for lab, w in mean.index]
    print(f"{field}, telecom first posts of the training part, {model}'s configuration, 5 grouped folds, {draws} draws "
          "per fold and shift: mean TV (folds closer than CC)")
    print(table(out, list(out[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+",
                        choices=["trainer", "gold", "gemma", "quantify", "sentiment_mix", "sentiment_cv", "kind_bias",
                                 "kind_models", "gemma_cv", "quality", "quality_speed", "rounds", "compare", "curve",
                                 "static_topic", "weak_abuse", "synthetic", "quality_synthetic", "status", "context", "prune", "drift", "kind_mix",
                                 "directed_shift", "shift_rule"],
                        default=["trainer", "gold"])
    parser.add_argument("--budget", type=float, default=600, help="seconds of configuration search per task")
    parser.add_argument("--gemma-fields", nargs="+", default=["intent", "topic"])
    parser.add_argument("--fields", nargs="+", choices=FIELDS, default=FIELDS, help="the fields of --part quality, synthetic, directed_shift")
    parser.add_argument("--fast", default="wbcs-default",
                        help="--part quality: the fast model whose configuration the ensemble joins (default the shipped)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=3, help="grouped folds of --part gemma_cv (the trainer: 5)")
    parser.add_argument("--previous", default="models/wbcs-default/6", help="--part rounds, compare: the previous model")
    parser.add_argument("--new", help="--part rounds: the model built with the rounds (its card); compare: the other; curve, static_topic, "
                        "weak_abuse: the model whose configuration is used (default the latest wbcs-default)")
    parser.add_argument("--boot", type=int, default=2000, help="--part compare: bootstrap resamples")
    parser.add_argument("--rounds", nargs="+", type=int, default=[3, 4],
                        help="--part rounds: the labelling rounds of training turns to leave out (default 3 4)")
    parser.add_argument("--synthetic", type=Path, nargs="+", metavar="FILE",
                        help="--part synthetic: the written posts (default data/synthetic/posts*.csv)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if "rounds" in args.part:
        part_rounds(args.smoke, args.seed, args.previous, args.new, args.rounds)
    if "compare" in args.part:
        if not args.new:
            parser.error("--part compare needs --new MODEL (and --previous MODEL)")
        part_compare(args.smoke, args.seed, args.previous, args.new, args.boot)
    if "status" in args.part:
        if not args.new:
            parser.error("--part status needs --new MODEL (and --previous MODEL)")
        part_status(args.smoke, args.seed, args.previous, args.new, args.boot)
    if "curve" in args.part:
        part_curve(args.smoke, args.seed, args.new or "wbcs-default")
    # the training-part experiments on one model's configurations (default: the shipped one)
    for name, part in {"static_topic": part_static_topic, "weak_abuse": part_weak_abuse, "drift": part_drift,
                       "prune": part_prune, "context": part_context}.items():
        if name in args.part:
            part(args.seed, args.new or "wbcs-default")
    if "shift_rule" in args.part:
        for field in args.fields:
            part_shift_rule(args.seed, args.new or "wbcs-default", field)
    if "directed_shift" in args.part:
        for field in args.fields:
            part_directed_shift(args.seed, args.new or "wbcs-default", field)
    if "kind_mix" in args.part:
        part_kind_mix(args.seed, args.new or "wbcs-default", min(args.boot, 1000))
    if "quality_synthetic" in args.part:
        part_quality_synthetic(args.seed, args.new or "models/wbcs-default/11")
    if "synthetic" in args.part:
        part_synthetic(args.seed, args.new or "wbcs-default", [f for f in args.fields if f != "sentiment"],
                       args.synthetic)
    if "trainer" in args.part:
        part_trainer(args.smoke, args.budget, args.seed)
    if "sentiment_mix" in args.part:
        part_sentiment_mix(args.smoke, args.seed)
    if "sentiment_cv" in args.part:
        part_sentiment_cv(args.smoke, args.seed)
    if "kind_bias" in args.part:
        part_kind_bias(args.smoke, args.seed)
    if "kind_models" in args.part:
        part_kind_models(args.smoke, args.seed, args.previous)
    if "quantify" in args.part:
        part_quantify(args.seed)
    if "gemma_cv" in args.part:
        part_gemma_cv(args.smoke, args.seed, 1 if args.smoke else args.epochs, args.folds)
    if "quality_speed" in args.part:
        part_quality_speed(args.seed)
    if "quality" in args.part:
        part_quality(args.smoke, args.seed, args.fields, args.fast)
    if "gold" in args.part or "gemma" in args.part:
        fitted = part_gold(args.smoke, args.budget, args.seed)
        if "gemma" in args.part:
            part_gemma(args.smoke, args.seed, fitted, args.epochs, args.gemma_fields)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
