"""Training a shippable model: fit each field on its task, measure it on the held-out part,
and write the model card.

The shipped model is the one measured: each field is fitted on its task's training
part only, and the card's metrics come from the test part it never saw.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.classify.baseline import TextClassifier, predict_kinds
from wbcs.classify.card import extra_outcome
from wbcs.classify.multi import PostClassifier, fingerprint
from wbcs.classify.tasks import (
    TASKS,
    ExtraData,
    OwnPosts,
    TaskData,
    default_tasks,
    load_task,
    sampling_status,
    smp2020_sentiment,
    synthetic_rows,
)
from wbcs.errors import InputError
from wbcs.schema import POST_KIND

INTENDED_USE = ("Suggest labels for Chinese Weibo posts addressed to a telecom operator's customer-service "
                "account (sentiment, complaint, topic, and with the gold set intent and negative subtype), "
                "to route them (wbcs.triage) and count them (wbcs.kpi). A person reviews what leaves the team.")
PUBLIC_LIMITS = [
    "Without the project's gold set the model has no intent, negative_subtype or identifiable field: "
    "complaint yes/no comes from STC-3 nuggets (the first post states a problem or not), which is not the "
    "taxonomy's intent.",
    "sentiment is learnt from SMP2020-EWECT general and COVID-period Weibo posts, not telecom posts; "
    "surprise posts were left out of training.",
    "topic is learnt from COCC call-centre work orders (agent wording), covering only network, billing, "
    "spam_fraud, value_added and service; other topics are never predicted.",
]


def quantify_entry(cv_oof: dict, train: pd.DataFrame, seed, **options) -> dict:
    """The card's ``cv_quantify`` (``wbcs.kpi.quantify.card_entry``) from ``select``'s out-of-fold
    probabilities, per kind of item when the training rows say theirs (column ``kind``) and ``select`` kept
    them all in order. Rows not drawn at random (column ``sampled`` False) teach no correction: a kind with some
    rows drawn at random learns its own from those rows only, a kind with none is counted, not corrected, and so
    are all kinds pooled once any row was left out (``choose_methods``). ``options``: ``card_entry``'s (the
    benchmarks' earlier rules)."""
    from wbcs.kpi.quantify import card_entry

    if "kind" not in train or not cv_oof["aligned"]:
        return card_entry(cv_oof["y"], cv_oof["proba"], cv_oof["labels"], cv_oof["fold"], None,
                          bias=cv_oof["bias"], kind_bias=cv_oof.get("kind_bias"), bias_kinds=cv_oof.get("kind"),
                          seed=seed, **options)
    kinds = train["kind"].astype(str).to_numpy()
    sampled = train["sampled"].astype(bool).to_numpy() if "sampled" in train else np.ones(len(kinds), dtype=bool)
    # uncertainty sampling chose the posts the model was least sure of: its errors there are not its errors on the
    # kind, so the kind's random rows alone measure them (the gold set's later messages: a random fourth round)
    none_drawn, partly = sampling_status(train)
    keep = sampled | ~np.isin(kinds, partly)
    unsampled = none_drawn or (["all"] if partly else [])
    return card_entry(np.asarray(cv_oof["y"])[keep], np.asarray(cv_oof["proba"])[keep], cv_oof["labels"],
                      np.asarray(cv_oof["fold"])[keep], kinds[keep], bias=cv_oof["bias"],
                      kind_bias=cv_oof.get("kind_bias"), bias_kinds=kinds[keep], seed=seed, unsampled=unsampled, **options)


def subsample(df: pd.DataFrame, n: int | None, seed) -> pd.DataFrame:
    """At most n rows, stratified by label (for smoke runs and learning curves): at least one row of each label, so
    ``n`` below the number of labels is an InputError (``--max-train``), as a ``seed`` that is none (scikit-learn and
    numpy raised their own errors, naming neither)."""
    rng = checks.rng(seed)
    if n is None:
        return df
    n = checks.whole(n, "--max-train", least=1)
    if len(df) <= n:
        return df
    counts = df["label"].value_counts()
    if n < len(counts):
        raise InputError(f"--max-train {n}: fewer rows than the training rows' {len(counts)} labels "
                         f"({', '.join(map(str, counts.index))}); a stratified draw keeps a row of each: give at least "
                         f"{len(counts)}")
    single = df["label"].map(counts).eq(1).to_numpy()
    if single.any():  # scikit-learn's stratified split needs two rows of a label: a label of one row keeps its row
        return pd.concat([df[single], subsample(df[~single], n - int(single.sum()), rng)], ignore_index=True)
    if len(df) - n < len(counts):
        # too few rows left out to hold one of each label, which scikit-learn's stratified split needs: one row fewer
        # of each of the largest labels
        labels = df["label"].to_numpy()
        drop = [rng.choice(np.flatnonzero(labels == label)) for label in counts.index[:len(df) - n]]
        return df.iloc[np.setdiff1d(np.arange(len(df)), drop)].reset_index(drop=True)
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(df, train_size=n, stratify=df["label"], random_state=int(rng.integers(2**31 - 1)))
    return keep.reset_index(drop=True)


def params_of(estimator) -> dict:
    """The estimator's parameters, nested ones as ``outer__inner`` (an ensemble's fast model) rather than
    the nested estimator itself."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in estimator.get_params().items()
            if not hasattr(v, "get_params")}


def _fit(est, texts, y, teacher, unlabelled, extra: pd.DataFrame | None = None, weight=None, pool_weight=1.0):
    if teacher is not None:
        from wbcs.classify.distil import fit_student

        return fit_student(est, teacher, texts, y, unlabelled, pool_weight)
    if weight is not None:
        return fit_weighted(est, [*texts, *extra["text"]], np.concatenate([np.asarray(y).astype(str), extra["label"]]),
                            np.concatenate([np.full(len(texts), weight), np.ones(len(extra))]))
    return est.fit(texts, y)


def fit_weighted(est, texts, y, weights):
    """``est`` fitted with a weight per row (e.g. a domain weight: the field's own rows ×3 against
    out-of-domain rows ×1).

    As ``sample_weight`` when its ``fit`` takes one (``TextClassifier``: the weight scales the rows'
    loss, NB ratios, calibration and balanced class weights). Preferred to repeating rows because it
    copies nothing (a gold ×3 fit would featurise 6,500 extra texts) and leaves the vocabulary, IDF and
    ``min_df`` to the distinct texts (a copied n-gram seen once would pass ``min_df=2``), which is also
    what the CV folds (``configs._Folds``) fit, so the shipped fit is the one that was scored. Else,
    each row repeated ``weight`` times (the transformer's ``fit`` has no sample_weight; the weights
    are whole numbers)."""
    from sklearn.utils.validation import has_fit_parameter

    weights = np.asarray(weights, dtype=float)
    if has_fit_parameter(est, "sample_weight"):
        return est.fit(texts, y, sample_weight=weights)
    if not np.array_equal(weights, weights.round()):
        raise InputError(f"{type(est).__name__} takes no sample_weight: domain weights must be whole numbers")
    idx = np.repeat(np.arange(len(texts)), weights.astype(int))
    return est.fit([texts[i] for i in idx], np.asarray(y)[idx])


def fit_task(task: TaskData, estimator=None, *, seed=0, max_train: int | None = None,
             teacher=None, unlabelled=(), budget: float = 600.0, words: bool = True,
             refit: bool = True, refit_test: bool = True, base: TextClassifier | None = None,
             lexicons: dict | None = None, extra: ExtraData | None = None, quality: str | None = None,
             distil: list[str] | None = None, weigh_kinds: bool = False, own_bias_kinds=(POST_KIND,),
             prompt: str | None = None, min_recall: dict | None = None, curve: bool = False,
             target: float | None = None):
    """Fit a field on its task and say how good it is. Returns (fitted estimator, card entry).

    1. **Configuration**: ``estimator`` when given; else the best of ``configs.candidates``
       by grouped cross-validation on the training part (``configs.select``, within
       ``budget`` seconds; ``words=False`` leaves out the slow jieba-word candidates; ``base``
       sets what the candidates share, e.g. ``max_features``; each of ``lexicons`` is tried as
       keyword features on the winner).
    2. **Held-out estimate**: fitted on the training part, measured on the test part (the
       task's hold-out, or a user's own test file) with 95 % bootstrap intervals.
    3. **Refit**: the estimator that is returned is fitted again on every labelled row
       (training part + test part when ``refit_test`` — the test part is the task's own
       data, not a user's separate test file), so no label is wasted; the card keeps the
       held-out estimate of step 2. ``refit=False`` returns the model of step 2.

    Training rows of a group (the ``group`` column: a dialogue, a thread) that the test part also holds
    (``splits.groups_in``: a user's ``--test`` file with rows of a training dialogue) are left out of steps 1 and 2,
    and counted in the card (``shared_with_test`` and a note): the held-out figures would score the rest of a
    dialogue the model had read. The refit of step 3 takes them back, as every labelled row.

    With a ``teacher`` (a fitted estimator of the same field), the estimator also learns the
    teacher's labels on the ``unlabelled`` texts (``distil.fit_student``).

    ``extra``: out-of-domain rows (``tasks.ExtraData``, e.g. SMP2020 for the gold sentiment), less those
    that are near duplicates of the task's rows and at most ``max_train`` of them. With the configuration
    chosen by ``select``, CV also decides whether they are used and at which domain weight (they are
    added to every CV training fold, never to a validation fold); with a given ``estimator``, they are
    used at ``extra.weights``' only weight. When used, they join the training rows of steps 2 and 3.

    ``weigh_kinds``: every CV below ranks by the mean over the kinds of item (the task's ``kind`` column: telecom
    first posts, later messages, other helpdesks' first posts) of each kind's macro-F1, instead of the pooled
    macro-F1, so that the later messages (58 % of the gold training rows) do not decide for the first posts. Not
    the default: measured on the fixed test part, it traded later messages' intent for first posts' (BENCHMARKS.md,
    "A selection that weighs the kinds of item").

    ``own_bias_kinds``: kinds of item (the task's ``kind`` column) that ``select`` tries with a class bias of their
    own (``configs.select``); by default telecom first posts, the kind a posts table is (``POST_KIND``: what
    ``predict_posts`` tells the model its rows are).

    ``quality``: a backbone (e.g. ``"gemma3-270m"``): after step 1, the configuration is also tried averaged
    with a regression on the backbone's hidden states (``embedding.select_ensemble``, the same grouped CV),
    and that ensemble is kept where it gains; the card's ``quality`` entry has the CV table. Not with a
    teacher or a given estimator; out-of-domain rows in use (``extra``) join every fold's fast model and
    regression, at the weight chosen (skipped with ``distil`` then: the student's CV has none).
    The backbone reads each post as it is and wrapped in ``prompt`` (a question with ``{text}``; by default
    ``embedding.field_prompt`` with the task's label names), and CV chooses between the two views.

    ``min_recall``: {label: recall}, a recall floor per label that CV meets last, on the chosen model, whether fast,
    ensemble or student (``configs.recall_floor_step``): e.g. consultations, a question missed being a customer
    left unanswered. Needs the configuration chosen by cross-validation.

    ``distil``: unlabelled in-domain texts; the field then stays a fast model. Where the quality step prefers
    the ensemble, the configuration of step 1 is also scored learning the ensemble's labels on them
    (``distil.select_student``, the same grouped CV, the ensemble refitted in every fold) and that student is
    kept where it beats the configuration alone: the quality model's gain, as far as it survives, at the fast
    model's speed. The card's ``distil`` entry has the CV table. In steps 2 and 3 the ensemble is fitted on the
    same rows as the student before it labels the texts.

    ``curve``: after step 2, the chosen configuration's learning curve on the same held-out rows (``curve_entry``):
    do more labels still help, and with ``target`` (a macro-F1) how many the trend needs to reach it.

    Each phase is named on a progress bar as it starts (``configs.Steps``: on a terminal or in a notebook, never in a
    log), the selection's steps on one of their own."""
    from sklearn.base import clone

    from wbcs.classify.configs import Steps, select
    from wbcs.classify.registry import folder_kind
    from wbcs.classify.splits import TooFewExamples, own_groups, training_groups

    if extra is not None and teacher is not None:
        raise InputError("a teacher and out-of-domain rows both add rows to a field: use one of them")
    if quality is not None and (teacher is not None or estimator is not None):
        raise InputError(f"{task.name}: the quality step needs the configuration chosen by cross-validation: "
                         "not with a teacher, --config or --model transformer")
    if min_recall and estimator is not None:
        raise InputError(f"{task.name}: a recall floor is fitted on the cross-validation that chooses the "
                         "configuration: not with --config or --model transformer")
    if target is not None and not curve:
        raise InputError(f"{task.name}: a target is read against the learning curve: add --curve")
    if target is not None and not 0 < target <= 1:
        raise InputError(f"{task.name}: the target is a macro-F1 between 0 and 1, got {target}")
    if distil is not None and quality is None:
        raise InputError(f"{task.name}: distillation learns the quality ensemble's labels: give a backbone (--quality) too")
    if extra is not None:  # before any work (configs.select checks it too, but a given configuration skips select)
        extra.check_labels(task.train["label"])
    shared, train = held_out_rows(task, max_train, seed)
    back = task.train[shared]  # rows of dialogues the test part holds too: only the refit learns from them
    if curve and teacher is None:  # before any work, not after the whole training
        check_curve(task, train)
    if shared.any():
        left = train["label"].value_counts().reindex(task.train["label"].unique(), fill_value=0)
        if (left < 2).any():
            raise TooFewExamples(f"label {left.idxmin()!r} has {left.min()} row(s) once the {shared.sum()} training "
                                 "row(s) of groups the test file also holds are left out of the held-out fit; keep "
                                 "each group on one side of the split")
    selection = cv_confusion = cv_quantify = weight = None
    if extra is not None:
        extra = extra.unlike(pd.concat([task.train, task.test]), seed)
        extra.rows = subsample(extra.rows, max_train, seed)
        if estimator is not None:
            if len(extra.weights) != 1:
                raise InputError(f"{extra.name}: with a fixed configuration (nothing is selected) give one domain "
                                 f"weight, not {len(extra.weights)}")
            weight = extra.weights[0]
    if weigh_kinds and "kind" not in train.columns:
        raise InputError(f"{task.name}: --weigh-kinds needs a kind of item per row, which the gold tasks have "
                         "(--task default, gold_intent, ...); a file of your own has none")
    kinds = train["kind"].astype(str).to_numpy() if "kind" in train.columns else None
    weighed = kinds if weigh_kinds else None  # the kinds the quality step and distillation rank by
    # each phase of the run named on one bar as it starts (select's steps on a bar of their own under it): the quantifier,
    # the held-out fit and its bootstraps, the refit once took two-thirds of a run with nothing shown
    with Steps(2 * (estimator is None) + (quality is not None) + (distil is not None) + 2 + curve + refit,
               f"training {task.field}") as phase:
        if estimator is None:
            phase("choosing a configuration")
            # near duplicates and the rows of one group (a dialogue) stay in one fold: every CV below (select, the quality
            # step, distillation) uses these
            groups = training_groups(train, seed=seed)
            estimator, table = select(train["text"].tolist(), train["label"].to_numpy(), groups=groups,
                                      base=base if base is not None else TextClassifier(random_state=seed),
                                      budget=budget, words=words, seed=seed, lexicons=lexicons, kinds=kinds,
                                      weigh_kinds=weigh_kinds, own_bias_kinds=own_bias_kinds, min_recall=min_recall,
                                      **({} if extra is None else {"extra": (extra.rows["text"].tolist(), extra.rows["label"]),
                                                                   "extra_name": extra.name, "extra_weights": extra.weights}))
            selection = ({k: v for k, v in table.attrs.items() if k not in ("cv_confusion", "cv_oof")}
                         | {"table": table.to_dict("records"), "groups": int(len(np.unique(groups))),
                            "grouped_by": "near-duplicate texts" + (" and the rows' groups (dialogues)"
                                                                    if "group" in train.columns else "")})
            cv_confusion = table.attrs["cv_confusion"]
            phase("choosing how its shares are counted")
            cv_quantify = quantify_entry(table.attrs["cv_oof"], train, seed)
            weight = (table.attrs.get("extra") or {}).get("chosen_weight")
        quality_table = distil_table = teacher_config = pool_weight = None
        # out-of-domain rows in use join every fold of the ensemble's CV too; distillation's folds have none
        if quality is not None and (weight is None or distil is None):
            from wbcs.classify.embedding import field_prompt, select_ensemble

            phase(f"quality step ({quality})")
            prompt = prompt or field_prompt("类别", sorted(set(train["label"].astype(str))))
            used = {} if weight is None else {"extra": (extra.rows["text"].tolist(), extra.rows["label"]),
                                              "extra_weight": weight}
            ensemble, quality_table = select_ensemble(estimator, train["text"].tolist(), train["label"].to_numpy(),
                                                      groups=groups, seed=seed, backbone=quality, kinds=weighed,
                                                      row_kinds=kinds, own_bias_kinds=own_bias_kinds,
                                                      prompts=(None, prompt), min_recall=min_recall, **used)
            if not quality_table["chosen"].iloc[0] and distil is None:
                # the ensemble replaces select's configuration: the per-kind quantifier is chosen on its own
                # out-of-fold probabilities, not select's
                estimator, cv_confusion = ensemble, quality_table.attrs["cv_confusion"]
                cv_quantify = quantify_entry(quality_table.attrs["cv_oof"], train, seed)
            elif not quality_table["chosen"].iloc[0]:
                # distillation: the field stays a fast model, select's configuration or its student
                from wbcs.classify.distil import select_student

                phase("distillation")
                student, pool_weight, distil_table = select_student(
                    estimator, ensemble, train["text"].tolist(), train["label"].to_numpy(), distil, groups=groups,
                    seed=seed, kinds=weighed, row_kinds=kinds, own_bias_kinds=own_bias_kinds, min_recall=min_recall)
                if student is not None:
                    teacher_config, estimator, unlabelled = ensemble, student, list(distil)
                    cv_confusion = distil_table.attrs["cv_confusion"]
                    cv_quantify = quantify_entry(distil_table.attrs["cv_oof"], train, seed)

        def teacher_on(rows: pd.DataFrame):
            """The teacher of a fit on ``rows``: the ensemble fitted on the same rows, or the caller's."""
            if teacher_config is None:
                return teacher
            from wbcs.classify.baseline import unbiased

            return unbiased(teacher_config).fit(rows["text"].tolist(), rows["label"].to_numpy())

        extra_rows = extra.rows if weight is not None else None
        phase("held-out fit")
        est = _fit(clone(estimator), train["text"].tolist(), train["label"].to_numpy(), teacher_on(train), unlabelled,
                   extra_rows, weight, pool_weight or 1.0)
        phase("held-out figures (bootstrap intervals, the plain peer)")
        report = held_out_report(est, task.test, seed=seed, peer_train=train)
        entry = {"task": task.name, "description": task.description,
                 "kind": folder_kind(est) or "sklearn",
                 "estimator": type(est).__name__, "classes": [str(c) for c in est.classes_],
                 "params": params_of(est), "data": list(task.sources), "notes": list(task.notes),
                 "train_rows": int(len(train)), "test_rows": int(len(task.test)),
                 "metrics": {"split": task.split, **report}}
        if shared.any():
            n_groups = int(own_groups(back).nunique())
            entry["shared_with_test"] = {"rows": int(len(back)), "groups": n_groups}
            entry["notes"] = [*entry["notes"], f"{len(back)} training row(s) of {n_groups} group(s) the test part also "
                                               "holds left out of the configuration's choice and the held-out fit (its "
                                               "figures would score the rest of a dialogue the model had read)"
                                               + ("; the saved model's refit learns from them" if refit else "")]
        if extra is not None:
            # unused, as select's table says of each weight: tried, or never tried (a time budget spent before them)
            role = (f"out-of-domain rows, used: {len(extra.rows):,} rows next to the field's own, each own row weighted "
                    f"×{weight:g}" if weight is not None else f"out-of-domain rows, {extra_outcome(selection)}")
            entry["data"] = [*entry["data"], *({**s, "role": role} for s in extra.sources)]
            entry["notes"] = [*entry["notes"], *extra.notes]
            entry["extra"] = {"name": extra.name, "rows": int(len(extra.rows)), "weight": weight}
        if curve:
            phase("learning curve")
            entry["curve"] = ({"skipped": "not drawn: the field also learns a teacher's labels, which a curve over its "
                                          "own rows would leave out"} if teacher is not None or teacher_config is not None
                              else curve_entry(estimator, train, task.test, seed=seed, target=target, extra=extra_rows,
                                               weight=weight))
        if selection is not None:
            entry["selection"] = selection
            entry["cv_confusion"] = cv_confusion  # rows: truth; out-of-fold on the training rows
            entry["cv_quantify"] = cv_quantify  # per kind of item: the quantifier grouped CV chose, and its statistics
        if quality_table is not None:
            entry["quality"] = ({k: v for k, v in quality_table.attrs.items() if k not in ("cv_confusion", "cv_oof")}
                                | {"table": quality_table.to_dict("records")})
        if distil_table is not None:
            entry["distil"] = ({k: v for k, v in distil_table.attrs.items() if k not in ("cv_confusion", "cv_oof")}
                               | {"table": distil_table.to_dict("records"), "weight": pool_weight})
            if pool_weight is not None:
                entry["notes"] = [*entry["notes"], f"distilled: + {len(distil):,} unlabelled texts labelled by the quality "
                                                    f"ensemble ({teacher_config.describe()}), each weighted {pool_weight:g} "
                                                    "× its confidence"]
        seen = train
        if refit:
            phase("refit for the saved model")
            # every labelled row, those of groups the test part holds too included; a smoke build's cap holds for the refit
            # too: at most max_train rows
            seen = subsample(pd.concat([train, back, *([task.test] if refit_test else [])]), max_train, seed)
            est = _fit(clone(estimator), seen["text"].tolist(), seen["label"].to_numpy(), teacher_on(seen), unlabelled,
                       extra_rows, weight, pool_weight or 1.0)
            entry["refit_rows"] = int(len(seen))
            # what the refit took (card.card_markdown says it): the test part or not, and all rows or a --max-train sample
            entry["refit_test"] = bool(refit_test)
            entry["refit_of"] = int(len(task.train) + (len(task.test) if refit_test else 0))
            entry["classes"] = [str(c) for c in est.classes_]
        est.seen_rows_ = rows_sha256([*seen["text"], *([] if extra_rows is None else extra_rows["text"])])
        # every text the saved fit learnt from, the pool a teacher labelled included: the model folder keeps it
        # (``registry.save_model``) so that shares of posts the model was trained on are counted, not corrected with
        # its cross-validated errors, which are not its errors on texts it learnt (``wbcs.kpi.quantify.corrected_table``)
        taught = teacher is not None or teacher_config is not None
        est.learnt_ = fingerprint([*seen["text"], *([] if extra_rows is None else extra_rows["text"]),
                                   *(unlabelled if taught else ())])
        return est, entry


# a learning curve's smallest subset: this many training rows per label at least (a calibrated configuration splits its
# rows 3 ways per label; fewer rows give a point that says more about the split than about the labels)
CURVE_MIN_PER_LABEL = 10


def held_out_rows(task: TaskData, max_train: int | None, seed) -> tuple[np.ndarray, pd.DataFrame]:
    """(True for each training row of a group the test part also holds, ``splits.groups_in``; the training rows the
    held-out fit learns from: the others, at most ``max_train`` of them)."""
    from wbcs.classify.splits import groups_in

    shared = groups_in(task.train, task.test)
    return shared, subsample(task.train[~shared].reset_index(drop=True), max_train, seed)


def curve_sizes(n: int, k: int) -> list[int]:
    """The training rows of a learning curve's points on ``n`` rows of ``k`` labels: an eighth, a quarter and a half
    of them where that holds ``CURVE_MIN_PER_LABEL`` rows per label, and all of them."""
    return [m for m in (n // 8, n // 4, n // 2) if m >= CURVE_MIN_PER_LABEL * k] + [n]


def check_curve(task: TaskData, train: pd.DataFrame) -> None:
    """An InputError when ``train`` (the held-out fit's rows, ``held_out_rows``) is too small for a learning curve of
    two points (``curve_sizes``): one point says nothing of whether more labels help."""
    n, k = len(train), train["label"].nunique()
    if len(curve_sizes(n, k)) < 2:
        raise InputError(f"--curve: {task.name} ({task.description}) has {n:,} training rows of {k} labels; a learning "
                         f"curve needs at least {2 * CURVE_MIN_PER_LABEL * k:,} ({2 * CURVE_MIN_PER_LABEL} per label, so "
                         f"that its half holds {CURVE_MIN_PER_LABEL} of each) for two points: label more rows or leave "
                         "out --curve")


def card_extra(model: PostClassifier, field: str, task: TaskData, seed=0) -> tuple[pd.DataFrame | None, float | None]:
    """The out-of-domain rows (text, label) ``model``'s card says ``field`` learnt from (the LLM-written posts of
    ``tasks.synthetic_rows`` or SMP2020's sentiment), as the trainer took them for ``task`` (its labels only, near
    duplicates of its rows dropped), and the weight of each own row; (None, None) when it learnt from none. To refit or
    redraw a shipped configuration as it was fitted (``curve_entry``, the benchmarks)."""
    entry = model.card.get("fields", {}).get(field, {})
    used = entry.get("extra") or {}
    if used.get("weight") is None:
        return None, None
    if used["name"].startswith("LLM-written"):  # the very files the card names, as they were
        from wbcs.config import ROOT
        from wbcs.datasets import sha256

        files = [s for s in entry.get("data", []) if str(s.get("role", "")).startswith("out-of-domain")]
        for s in files:
            if not (ROOT / s["source"]).exists() or sha256(ROOT / s["source"]) != s["sha256"]:
                raise InputError(f"{s['source']}: missing or changed since {model.name} was built from it "
                                 f"(sha256 {s['sha256'][:16]}…); restore it from git to refit or redraw the model")
        extra = synthetic_rows(field, [ROOT / s["source"] for s in files])
    else:
        extra = smp2020_sentiment()
    extra = extra.only(set(task.train["label"])).unlike(pd.concat([task.train, task.test]), seed)
    if len(extra.rows) != used["rows"]:
        raise InputError(f"{field}: {len(extra.rows)} out-of-domain rows ({extra.name}) where {model.name}'s card used "
                         f"{used['rows']}: the file changed since the model was built")
    return extra.rows, used["weight"]


def learnt_texts(model: PostClassifier, field: str) -> list[str]:
    """The texts ``field`` of ``model`` was fitted on, rebuilt from what its card records: its built-in task's
    training and test parts (``tasks.load_task`` with the card's seed; the test part when the refit took it) and its
    out-of-domain rows in use (``card_extra``). Checked against the hashes of them kept with the estimator
    (``seen_rows_``, ``rows_sha256``: the normalised texts, which no change of ``wbcs.pii`` touches), so that a
    fingerprint is never rebuilt from other texts than the model learnt (a gold file's texts edited since): an
    ``InputError`` then, as for a field fitted on a user's file or on texts a teacher labelled, which no card
    records."""
    entry, seed = model.card.get("fields", {}).get(field, {}), model.card.get("seed", 0)
    if entry.get("distilled_from") or (entry.get("distil") or {}).get("weight") is not None:
        raise InputError(f"{model.name}: field {field} also learnt unlabelled texts a teacher labelled, which its card "
                         "does not keep: its fingerprint cannot be rebuilt; retrain it with 'wbcs train'")
    if entry.get("task") not in TASKS:
        raise InputError(f"{model.name}: field {field} was fitted on {entry.get('task')!r}, not a built-in task: its "
                         "training texts are not known here; retrain it with 'wbcs train' to refresh its fingerprint")
    task = load_task(entry["task"], seed=seed)
    extra, _ = card_extra(model, field, task, seed)
    seen = pd.concat([task.train, *([task.test] if entry.get("refit_test", True) else [])])
    texts = [*seen["text"], *([] if extra is None else extra["text"])]
    if rows_sha256(texts) != list(getattr(model.models[field], "seen_rows_", None) or ()):
        raise InputError(f"{model.name}: field {field}: the texts of task {entry['task']} (and its out-of-domain rows) "
                         "are not those the model was fitted on (their hashes differ from the ones kept with it): "
                         "restore the data it was built from (git) or retrain it")
    return texts


def card_fingerprints(model: PostClassifier | str | Path | None = None) -> dict[str, np.ndarray]:
    """Each field's fingerprint (``multi.fingerprint``) computed now from the texts it learnt (``learnt_texts``):
    what the folder's ``<field>.learnt.npy`` must hold (tests/test_learnt_refresh.py compares the shipped model's),
    and what ``refresh_fingerprints`` writes. ``model``: a PostClassifier, a model folder or name (None: the shipped
    one)."""
    from wbcs.classify.registry import load_model

    model = model if isinstance(model, PostClassifier) else load_model(model)
    return {field: fingerprint(learnt_texts(model, field)) for field in model.models}


def refresh_fingerprints(path: str | Path | None = None) -> Path:
    """Rewrite the fingerprints of the model folder ``path`` (None: the shipped model) from the texts its fields
    learnt (``card_fingerprints``), hashed as this wbcs hashes them (``multi.LEARNT_HASH``): after a change of
    ``wbcs.pii.mask_pii`` or of the hash, the shipped folder's would be stale. ``make fingerprints`` runs it; its
    estimators and card are kept byte for byte (``registry.write_fingerprints``). Returns the folder."""
    from wbcs.classify.registry import model_dir, write_fingerprints

    path = model_dir(path)
    write_fingerprints(path, card_fingerprints(path))
    return path


def curve_entry(estimator, train: pd.DataFrame, test: pd.DataFrame, *, seed=0, target: float | None = None,
                extra: pd.DataFrame | None = None, weight=None) -> dict:
    """The card's ``curve``: ``estimator``'s configuration (unfitted) fitted on stratified subsets of ``train`` (an
    eighth, a quarter, a half: 3 draws each; all of it once) and scored on ``test`` as the held-out estimate is (each
    row as its kind), with what the curve says (``evaluate.more_labels_verdict``; with ``target``, the labels the
    trend of its last three points needs: a lower bound, curves flatten, and ``evaluate.labels_to_reach``'s figures).
    ``extra``, ``weight``: out-of-domain rows (text, label) the field learns from, each own row weighted ``weight``:
    they join every draw, so the curve counts the field's own labels only."""
    from sklearn.base import clone

    from wbcs.classify.evaluate import labels_to_reach, learning_curve, more_labels_verdict

    sizes = curve_sizes(len(train), train["label"].nunique())
    curve = learning_curve(clone(estimator), train["text"], train["label"], sizes=sizes, repeats=3, seed=seed,
                           test=(test["text"], test["label"], test["kind"] if "kind" in test.columns else None),
                           fit=None if extra is None else lambda est, x, y: _fit(est, x, y, None, None, extra, weight))
    return {"table": curve.to_dict("records"), "verdict": more_labels_verdict(curve, target=target),
            "target": target, **({} if target is None else {"labels_to_reach": labels_to_reach(curve, target)})}


def held_out_report(est, test: pd.DataFrame, *, seed=0, peer_train: pd.DataFrame | None = None) -> dict:
    """Metrics of a fitted estimator on a test table (text, label[, kind][, group]) with 95 % bootstrap
    intervals that resample whole groups (``evaluate.bootstrap_ci``): the ``group`` column's (a gold task's dialogues, a
    user's ``--group-col``), else the dialogues the rows' ids say (``goldset.dialogue_of``); ``ci95_groups`` counts
    them when some hold more than one row. With a ``kind`` column, each row predicted as its kind (``predict_kinds``),
    and ``by_kind``: the metrics of each kind of item (telecom first posts, later messages, first posts to other
    companies).

    With ``peer_train`` (the field's own training rows ``est`` was fitted on; out-of-domain rows are not given to the
    peer), also ``vs_peer``: the plain peer (``strong.tfidf_logreg``, the datasets README's bar) fitted on them, its macro-F1 and accuracy on the same test rows, and how
    much better ``est`` is with a 95 % paired bootstrap interval (``evaluate.paired_bootstrap_delta``; test rows of
    one dialogue resampled together when their ids say so): the evidence that the trainer does not lose to it."""
    from wbcs.classify.evaluate import bootstrap_ci, group_codes, metrics, paired_bootstrap_delta
    from wbcs.goldset import dialogue_of

    y = test["label"].to_numpy().astype(str)
    proba = predict_kinds(est, test["text"].tolist(), test["kind"] if "kind" in test.columns else None)
    pred = np.asarray(est.classes_)[proba.argmax(axis=1)].astype(str)
    groups = (test["group"].to_numpy(dtype=object) if "group" in test.columns
              else test["post_id"].astype(str).map(dialogue_of).to_numpy() if "post_id" in test.columns else None)
    n_groups = len(test) if groups is None else group_codes(groups, np.ones(len(test), dtype=bool))[1]
    # every row a group of its own: the row bootstrap, whose draws (and so figures) are those of the cards before
    grouped = n_groups < len(test)
    report = {**metrics(y, pred, proba=proba, classes=est.classes_),
              "ci95": bootstrap_ci(y, pred, groups=groups if grouped else None, seed=seed)}
    if grouped:
        report["ci95_groups"] = n_groups
    if "kind" in test.columns:
        report["by_kind"] = {}
        for kind in sorted(test["kind"].unique()):
            m = (test["kind"] == kind).to_numpy()
            one = metrics(y[m], pred[m], proba=proba[m], classes=est.classes_)
            report["by_kind"][kind] = {k: v for k, v in one.items() if k != "confusion"}
    if peer_train is not None and peer_train["label"].nunique() > 1:
        from wbcs.classify.strong import tfidf_logreg

        peer = tfidf_logreg().fit(peer_train["text"].tolist(), peer_train["label"].to_numpy().astype(str))
        peer_pred = np.asarray(peer.predict(test["text"].tolist())).astype(str)
        d = paired_bootstrap_delta(y, peer_pred, pred, groups=groups, seed=seed)
        scored = metrics(y, peer_pred)
        report["vs_peer"] = {"peer": "TF-IDF char 1-3 + LogisticRegression(C=4), fitted on the same rows",
                             "peer_macro_f1": scored["macro_f1"], "peer_accuracy": scored["accuracy"],
                             "macro_f1_delta": d["macro_f1"]["delta"], "macro_f1_ci": d["macro_f1"]["ci"],
                             "accuracy_delta": d["accuracy"]["delta"], "accuracy_ci": d["accuracy"]["ci"]}
    return report


def rows_sha256(texts) -> list[str]:
    """The sorted SHA-256 of each distinct normalised text (first 16 hex digits): the model folder
    keeps those its fields were fitted on (``seen_rows.txt``) so that ``wbcs evaluate`` can tell
    when it is shown rows the model was trained on."""
    import hashlib

    from wbcs.text import normalize_series

    norm = normalize_series(pd.Series(list(texts), dtype=object)).fillna("")
    return sorted({hashlib.sha256(t.encode("utf-8")).hexdigest()[:16] for t in norm})


def train_model(tasks: dict[str, TaskData], *, estimator=None, seed=0, name: str = "model",
                max_train: int | None = None, limits=(), intended_use: str = INTENDED_USE,
                teachers: dict | None = None, field_options: dict | None = None, **fit_options) -> PostClassifier:
    """A PostClassifier with one fitted field per task (``{field: TaskData}``) and its card.

    ``teachers`` maps a field to (teacher PostClassifier, unlabelled texts) for distillation;
    ``fit_options`` go to ``fit_task`` (budget, words, refit, refit_test, base), and
    ``field_options`` ({field: {...}}) override them for one field."""
    models, fields = {}, {}
    for field_name, task in tasks.items():  # a field too small for its learning curve, before any field is trained
        if {**fit_options, **(field_options or {}).get(field_name, {})}.get("curve") and field_name not in (teachers or {}):
            check_curve(task, held_out_rows(task, max_train, seed)[1])
    for field_name, task in tasks.items():
        teacher, pool = (teachers or {}).get(field_name, (None, ()))
        est, entry = fit_task(task, estimator, seed=seed, max_train=max_train,
                              teacher=None if teacher is None else teacher.models[field_name], unlabelled=pool,
                              **{**fit_options, **(field_options or {}).get(field_name, {})})
        if teacher is not None:
            entry["distilled_from"] = {"model": teacher.name, "pseudo_labelled": int(est.n_pseudo_),
                                       "teacher_metrics": {k: v for k, v in teacher.card["fields"][field_name]
                                                           .get("metrics", {}).items() if k != "confusion"}}
            entry["notes"] = [*entry["notes"], f"distilled: + {est.n_pseudo_:,} unlabelled Weibo posts "
                                                f"(weibo_senti_100k texts) labelled by {teacher.name}"]
        models[field_name], fields[field_name] = est, entry
    card = {"name": name, "seed": seed, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "intended_use": intended_use, "limits": list(limits), "fields": fields}
    return PostClassifier(models, card=card, name=name)


def unlabelled_weibo(n: int, seed=0) -> list[str]:
    """n general Weibo posts without their labels: weibo_senti_100k texts (emoticons stripped).
    Not STC-3: its posts are the gold set's, and must stay unseen by the models it measures."""
    from wbcs.datasets import load_weibo_senti

    texts = load_weibo_senti()["text"]
    return texts.sample(min(n, len(texts)), random_state=int(np.random.default_rng(seed).integers(2**31 - 1))).tolist()


def _gold_limits(tasks: dict) -> list[str]:
    """The card's limits of a model learnt from the gold set, with the counts of the data it was given."""
    # the gold files' rows by name; a team's own file (``OwnPosts.into`` marks it ``own``) is said apart, whatever its
    # name (``_own_limits``)
    rows = {Path(s["source"]).name: s["rows"] for s in tasks["intent"].sources if "rows" in s and not s.get("own")}
    intent, topic = tasks["intent"].train, tasks["topic"].train if "topic" in tasks else None
    counts = intent["label"].value_counts()
    subtype = tasks["negative_subtype"].train["label"].value_counts() if "negative_subtype" in tasks else pd.Series()
    names = {"follow_up": "later messages", "other_first_post": "first posts to other accounts"}
    none_drawn, some_drawn = sampling_status(intent)
    unsampled = [names.get(k, k) for k in none_drawn]
    partly = [names.get(k, k) for k in some_drawn]
    out = [f"Learnt from the project's gold set: {rows.get('gold.csv', 0):,} STC-3 telecom first posts (2012–2016 Weibo, "
           f"85 % complaints) and {rows.get('gold_turns.csv', 0):,} customers' later messages and first posts to other "
           "helpdesks; measured on its fixed test part (739 dialogues nothing was tuned on). Suggestions "
           f"({counts.get('suggestion', 0)} training examples) and abuse ({subtype.get('abuse', 0)}) stay rare: "
           "expect low recall on them (see per-class metrics)."]
    if topic is not None:
        per = topic["label"].value_counts()
        out.append(f"topic is learnt from first posts only ({len(topic):,} training posts, {per.min()} to {per.max()} "
                   "per topic; where its cross-validation keeps them, also from posts a language model wrote for the "
                   "thin topics: the field's data sources say), with the taxonomy's keyword lexicon as features; the "
                   "thin topics (roaming, payment, porting) are the least reliable.")
    out += ["identifiable is not predicted: wbcs.triage decides it from a phone number in the text.",
            "Shares of a field's labels are biased by its errors: wbcs.kpi.quantify estimates them with the method "
            "the training part's grouped CV chose per kind of item (card: cv_quantify), or keeps the counts where no "
            "correction beat them, or where the posts are farther from every mix of the training labels than the CV "
            "validated (max_misfit)"
            + (f"; the training part's {' and '.join(unsampled)} were chosen by active learning, not drawn at random, "
               "so their shares are counted, not corrected" if unsampled else "")
            + (f"; some of the training part's {' and '.join(partly)} were chosen by active learning: their "
               "corrections learn from the rows drawn at random only, and all kinds pooled are counted" if partly else "")
            + "."]
    return out


def _own_limits(tasks: dict, kept: PostClassifier | None) -> list[str]:
    """The card's limit on a team's own labelled posts (the source ``OwnPosts.into`` marks ``own``): how many of them
    each field trained here learnt (not those without its label, nor near duplicates of its test items), and that the
    fields carried over from ``kept`` did not learn from them."""
    own = {f: s for f, t in tasks.items() for s in t.sources if s.get("own")}
    if not own:
        return []
    first = next(iter(own.values()))
    learnt = own_learnt(own)
    carried = [f for f in kept.models if f not in tasks] if kept is not None else []
    return [f"Also learnt from a team's own labelled posts ({first['source']}: {first['rows']:,} rows), added to the "
            f"training part as telecom first posts where they have the field's label: {learnt}"
            + (f"; {', '.join(carried)} (carried over unchanged from {kept.name}) did not learn from them" if carried
               else "")
            + "; the held-out figures are the gold set's test part's, not those posts'."]


def own_learnt(own: dict[str, dict]) -> str:
    """Per field, how many of a team's own posts it learnt: ``own`` maps each field to the source entry
    ``OwnPosts.into`` added to its data (its counts: those with the field's label, near duplicates of a test item
    left out)."""
    return "; ".join(f"{f} learnt {s['added']:,} of them" + (f" ({s['near_test']:,} left out as near duplicates of "
                                                               "its test items)" if s["near_test"] else "")
                     for f, s in own.items())


def train_default(*, seed=0, max_train: int | None = None, estimator=None, teacher=None,
                  n_unlabelled: int = 20_000, extra: ExtraData | str | None = "smp2020",
                  distil: list[str] | bool = False, min_recall: dict | None = None, fields: list[str] | None = None,
                  keep: PostClassifier | str | None = None, add: OwnPosts | None = None,
                  synthetic: bool = True, **fit_options) -> PostClassifier:
    """The shipped multi-field model (fields from ``tasks.default_tasks``).

    Each field's configuration is chosen by cross-validation (``configs.select``) with the
    options of ``default_fit_options``: the character-n-gram candidates (the jieba-word ones
    predict at ~4,000 posts/s and the shipped model must label ≥ 10,000 posts/s), the 50,000
    most frequent n-grams (on SMP2020 that costs 0.0005 macro-F1 against all 76,000 and keeps
    the model small enough to commit in ``models/``), the keyword lexicon for the topic.

    With ``teacher`` (a model folder/name or PostClassifier with a sentiment field, e.g.
    the fine-tuned Gemma ``wbcs-gemma-sentiment``), the sentiment field also learns the
    teacher's labels on ``n_unlabelled`` unlabelled Weibo posts: the teacher's quality
    gain, partly, at the baseline's speed.

    ``extra``: the sentiment field's out-of-domain candidate, which grouped CV on the gold training part
    keeps or not, and weighs (``configs.select``): ``"smp2020"`` (default) SMP2020-EWECT's 3-class labels
    when sentiment is learnt from the gold set, no teacher is given and the configuration is chosen (on the
    fixed test part gold ×3 + SMP2020 gained +0.090 macro-F1 on telecom first posts without the class bias,
    which is why it is offered; with the bias CV did not keep it: BENCHMARKS.md); a ``tasks.ExtraData`` (a
    user's file) instead; None for none.

    ``distil`` (with ``quality``): the sentiment and intent fields also try learning their quality ensemble's
    labels on unlabelled texts (``fit_task``): True for the customer turns of the gold set's training
    dialogues that no gold file labels (``goldset.unlabelled_turns``), or a list of texts. Not the topic and
    the subtype (an unlabelled turn is mostly not a telecom first post, nor a negative one): they keep their
    fast configuration, so the model stays a fast ``wbcs-default``.

    ``min_recall``: {"[FIELD:]LABEL": recall} (``field_floors``), recall floors on top of the taxonomy's
    (``min_recall`` of a label in ``data/taxonomy.yaml``); with a given ``estimator`` nothing is cross-validated, so
    the taxonomy's are not fitted (the card says so) and a given one is an error.

    ``fields``: train only these fields; ``keep`` (a model folder/name or PostClassifier, e.g. the shipped model):
    its other fields are carried over unchanged, estimator and card entry, so one field is retrained without
    touching the labels the others give (``carry_over``).

    ``add``: a team's own labelled first posts (``tasks.OwnPosts``, e.g. ``wbcs label consensus --posts``'s file), added
    to each field's training part where they have its label; the fixed test part, and so the card's held-out figures,
    stay the gold set's.

    ``synthetic``: the fields of ``SYNTHETIC_FIELDS`` (topic, negative subtype) also try the LLM-written posts of
    ``data/synthetic/posts*.csv`` as out-of-domain rows (``tasks.synthetic_rows``), which grouped CV on the gold
    training part keeps or not, and weighs, as it does SMP2020 for the sentiment; only where the configuration is
    chosen (no ``estimator``). False leaves them out.
    """
    from wbcs.classify.configs import Steps

    mapping = default_tasks()
    # each field's task named as it is read (the gold files and STC-3's dialogues, ~1-2 s a field): the run's first
    # seconds showed nothing
    with Steps(len(mapping), "reading the training data") as step:
        tasks = {}
        for f, t in mapping.items():
            step(f)
            tasks[f] = load_task(t, seed=seed)
    if add is not None:
        if "intent" not in mapping:
            raise InputError("--add joins the gold set's fields, and the gold set is not available here")
        tasks = {f: add.into(t, seed) for f, t in tasks.items()}
    skipped = [f for f, t in tasks.items() if t.train["label"].nunique() < 2]
    for f in skipped:  # e.g. a gold set whose negative posts all got the same subtype
        print(f"train_default: field {f} left out: its training part has only the label "
              f"{tasks.pop(f).train['label'].iloc[0]!r}")
    limits = PUBLIC_LIMITS if "intent" not in mapping else _gold_limits(tasks)
    limits = [*limits, *(f"{f} left out: one label only in its training data" for f in skipped)]
    if keep is not None and fields is None:
        raise InputError("--keep carries a model's other fields over: say which fields to train with --fields")
    if fields is not None:
        if unknown := [f for f in fields if f not in tasks]:
            raise InputError(f"--fields: no field {unknown[0]!r} to train (fields: {', '.join(tasks)})")
        tasks = {f: t for f, t in tasks.items() if f in fields}
    if keep is not None and not isinstance(keep, PostClassifier):
        from wbcs.classify.registry import load_model

        keep = load_model(keep)
    limits = [*limits, *_own_limits(tasks, keep)]
    if max_train is not None:
        limits = [*limits, f"smoke build: at most {max_train} training rows per field"]
    teachers = None
    if teacher is not None:
        from wbcs.classify.registry import load_model

        teacher = teacher if isinstance(teacher, PostClassifier) else load_model(teacher)
        teachers = {"sentiment": (teacher, unlabelled_weibo(n_unlabelled, seed))}
    field_options = {f: {**default_fit_options(f, seed, cross_validated=estimator is None), **fit_options}
                     for f in tasks}
    given = field_floors(min_recall, {f: set(t.train["label"].astype(str)) for f, t in tasks.items()})
    for f, options in field_options.items():
        options["min_recall"] = {**(options["min_recall"] or {}), **given[f]}
    if estimator is not None and any(default_fit_options(f, seed)["min_recall"] for f in tasks):
        limits = [*limits, "the taxonomy's recall floors (min_recall) are not met: a given configuration is not "
                           "cross-validated"]
    if isinstance(extra, str) and extra == "smp2020":
        extra = (smp2020_sentiment().only(set(tasks["sentiment"].train["label"]))
                 if "sentiment" in tasks and mapping.get("sentiment") == "gold_sentiment" and teacher is None
                 and estimator is None else None)
    elif isinstance(extra, str):
        raise InputError(f"extra {extra!r}: use 'smp2020', a tasks.ExtraData or None")
    if extra is not None and "sentiment" in tasks:
        field_options["sentiment"]["extra"] = extra
    for f in SYNTHETIC_FIELDS & set(tasks) if synthetic and estimator is None else ():
        if mapping.get(f) == f"gold_{f}" and (rows := synthetic_rows(f)) is not None:
            field_options[f]["extra"] = rows.only(set(tasks[f].train["label"]))
    if distil is not False:
        from wbcs.goldset import unlabelled_turns

        pool = unlabelled_turns()["text"].tolist() if distil is True else list(distil)
        if not pool:
            raise InputError("--distil: no unlabelled text to learn from" + (
                ": every customer turn of the gold set's training dialogues is labelled; give --distil FILE "
                "(a table of unlabelled posts, column text)" if distil is True else ""))
        for f in tasks:  # every field stays fast: the others skip the quality step, which would only slow them
            field_options[f].update({"distil": pool} if f in DISTIL_FIELDS else {"quality": None})
    model = train_model(tasks, estimator=estimator, seed=seed, max_train=max_train,
                        name="wbcs-quality" if fit_options.get("quality") and distil is False else "wbcs-default",
                        limits=limits, teachers=teachers, field_options=field_options)
    return model if keep is None else carry_over(model, keep)


def carry_over(model: PostClassifier, keep: PostClassifier | str) -> PostClassifier:
    """``model`` with every field of ``keep`` (a PostClassifier, or a model folder/name) that it does not have,
    estimator and card entry unchanged, in ``keep``'s order of fields; each carried entry says where it came from."""
    from wbcs.classify.registry import load_model

    keep = keep if isinstance(keep, PostClassifier) else load_model(keep)
    source = keep.name  # a loaded model's is NAME/VERSION
    models, entries = {}, {}
    for field in [*keep.models, *(f for f in model.models if f not in keep.models)]:
        if field in model.models:
            models[field], entries[field] = model.models[field], model.card["fields"][field]
            continue
        entry = dict(keep.card.get("fields", {}).get(field, {}))
        models[field] = keep.models[field]
        entries[field] = {**entry, "carried_from": source,
                          "notes": [*entry.get("notes", []), f"carried over unchanged from {source} (its estimator and "
                                                             "the figures of its card); not retrained here"]}
    return PostClassifier(models, card={**model.card, "fields": entries}, name=model.name)


# the taxonomy's keywords as features (``configs.select`` tries them on each field's winner and keeps
# them where grouped CV on the training part says they gain): on the gold topic training part macro-F1
# 0.601 with them at TextClassifier's lexicon_weight 0.15 against 0.566 without, 0.558 at weight 0.3
# and 0.505 at weight 1 (lr C=1 + sigmoid calibration, 5 grouped folds)


def field_floors(given: dict | None, labels_of: dict[str, set]) -> dict[str, dict[str, float]]:
    """Recall floors as the user gives them, {"[FIELD:]LABEL": recall} (``wbcs train --min-recall``), per field of
    ``labels_of`` ({field: its training labels}): a bare label is floored in every field that has it."""
    out: dict[str, dict[str, float]] = {f: {} for f in labels_of}
    for key, recall in (given or {}).items():
        field, _, label = str(key).rpartition(":")
        if field and field not in labels_of:
            raise InputError(f"--min-recall {key}: no field {field!r} is trained here ({', '.join(labels_of)})")
        targets = [field] if field else [f for f, labels in labels_of.items() if label in labels]
        if not targets or label not in labels_of[targets[0]]:
            known = sorted({lab for f in (targets or labels_of) for lab in labels_of[f]})
            raise InputError(f"--min-recall {key}: no label {label!r} in the training rows"
                             f"{' of ' + field if field else ''} (labels: {', '.join(known)})")
        for f in targets:
            out[f][label] = float(recall)
    return out


# the fields whose configuration search also tries the LLM-written posts (``tasks.synthetic_rows``): on the gold
# training part's grouped folds (two fold seeds) topic gained +0.018 and +0.017 fold-mean macro-F1 with them at weight
# 0.5, the negative subtype +0.046 and +0.071 (abuse recall 0.17 → 0.56, precision 0.75 → 0.34); intent's suggestions
# lost 0.011 and 0.007, so intent does not try them (BENCHMARKS.md, "LLM-written posts for the thin classes")
SYNTHETIC_FIELDS = {"topic", "negative_subtype"}
DISTIL_FIELDS = {"sentiment", "intent"}  # the shipped fields whose items are any customer turn (train_default)


def default_fit_options(field: str, seed=0, *, cross_validated: bool = True) -> dict:
    """How the shipped model fits a field: the character-n-gram candidates only (jieba words predict at
    ~4,000 posts/s; the shipped model must label ≥ 10,000), the 50,000 most frequent n-grams, and the
    field's keywords in the taxonomy (``data/taxonomy.yaml``: the topics' names, the intents' and
    negative subtypes' cues) as a candidate lexicon; for the quality step, the question a post is also read in
    names the field and its labels as the taxonomy does in Chinese (``embedding.field_prompt``); the recall floors
    its labels set (``min_recall`` in the taxonomy: e.g. consultations ≥ 0.6), unless ``cross_validated`` is False:
    a configuration given to ``fit_task`` has no cross-validation to fit a floor on."""
    from wbcs.classify.embedding import field_prompt
    from wbcs.schema import load_taxonomy

    taxonomy = load_taxonomy()
    known = field in taxonomy.fields
    lexicon = dict(taxonomy[field].lexicon()) if known else {}
    return {"words": False, "base": TextClassifier(max_features=50_000, random_state=seed),
            "lexicons": {"taxonomy keywords": lexicon} if lexicon else None,
            "prompt": field_prompt(taxonomy[field].zh, [lab.zh for lab in taxonomy[field].labels]) if known else None,
            "min_recall": taxonomy[field].floors() if known and cross_validated else None}
