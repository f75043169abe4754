"""``wbcs train``, ``wbcs predict``, ``wbcs evaluate`` and ``wbcs triage``: the classifier's commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wbcs.errors import InputError
from wbcs.schema import POST_KIND

TRAIN_EXAMPLE = """Example:
  wbcs train --task sentiment --out out/models/sentiment/1
  wbcs train --task intent --data data/examples/labelled.csv --label-col intent --out out/models/intent/1
  wbcs train --task default --out out/models/wbcs-default/1
  wbcs train --task default --teacher models/wbcs-gemma-sentiment/1 --out out/models/wbcs-default/2
    (the teacher, a fine-tuned Gemma 3 270M, is built by 'make models', ~30 min)

  wbcs train --task sentiment --data reviews.csv --test reviews_test.csv --budget 300 --out models/reviews/1
  wbcs train --task sentiment --data mine.csv --extra weibo_public.csv --extra-weight 1 3 --out models/mine/2

TASK is a task on the real datasets (default = the shipped multi-field model, sentiment,
emotion, weibo_senti, complaint, cocc, topic, gold_FIELD) or, with --data, the name of the
field a user's file labels (column --label-col, default TASK).

How a model is made: (1) the configuration (regularisation, LR / NB-LR / soft vote,
characters +/- jieba words, calibration on/off) is chosen by grouped 5-fold cross-validation
on the training rows, within --budget seconds (--budget 0: no limit; --config NAME skips the search); (2) it is
fitted on a grouped 80 % part (near duplicates stay together) and measured on the other 20 %
(or on --test FILE) with 95 % bootstrap intervals; (3) it is refitted on every labelled row
and that refit is saved (--no-refit keeps the model of step 2). The card records the
choice, the cross-validation table and the held-out estimate. A --budget that stops the search
early makes the choice depend on the machine's speed: train says so, the card lists what was left
out, and --config-from MODEL repeats the configuration MODEL's card chose, exactly:
  wbcs train --task topic --data mine.csv --config-from models/mine/1 --out models/mine/2
--model transformer fine-tunes --backbone (a local folder, a hub name, or gemma3-270m), all weights, the
--top-layers K, or LoRA adapters of rank --lora-r.

The quality model (--quality): each field's chosen configuration is also scored, on the same
folds, averaged with a logistic regression on a frozen backbone's mean-pooled hidden states
(Gemma 3 270M by default; the backbone is not trained, so every text is embedded once), with
each post read as it is and wrapped in a question naming the field's labels. The ensemble is
kept only where it beats the configuration alone; the card shows the table. It
labels ~20 posts/s on two cores, so it is for offline labelling, not for the live queue:
  wbcs train --task default --quality --out out/models/wbcs-quality/1

Distillation (--distil [FILE], with --quality): every field is saved as a fast model. Where the
quality step prefers the ensemble, the fast configuration is also scored learning the ensemble's
labels on FILE's unlabelled texts (column --text-col), the ensemble refitted in every fold so no
validation label leaks through it; that student is saved where it beats the configuration alone,
else the configuration; with --task default, for the sentiment and intent fields (the others keep
their configuration). Without FILE, --task default takes the gold set's unlabelled training-part
customer turns: none are left now that every one is labelled, so give FILE:
  wbcs train --task default --quality --distil data/examples/weibo_export.csv --text-col 微博正文 --out out/models/d

Kinds of item (--weigh-kinds, the gold tasks only): the gold training rows are 58 % later messages,
so the pooled macro-F1 that ranks configurations is mostly theirs. --weigh-kinds ranks by the
mean of each kind's macro-F1 instead (and fits the class bias for it). On the fixed test part
it lifted telecom first posts' intent macro-F1 from 0.419 to 0.509 and cost later messages
0.035 and the pooled figure 0.020, so it is not the default (BENCHMARKS.md):
  wbcs train --task default --weigh-kinds --out out/models/first-posts/1

One field retrained (--fields FIELD ... --keep MODEL, --task default): only those fields are trained;
MODEL's other fields are carried over unchanged, estimator and card entry, and the card says so:
  wbcs train --task default --fields intent --keep models/wbcs-default/14 --out out/models/wbcs-default/15

Recall floors (--min-recall [FIELD:]LABEL=R ...): after everything above, the chosen model's
LABEL gets the smallest extra weight that gives it recall R on the cross-validation (on each kind
of item of the gold tasks), paid for with the other labels' precision; the card shows the recall
before and after and what it cost macro-F1. --task default meets the taxonomy's floors too
(min_recall in data/taxonomy.yaml: consultations 0.6):
  wbcs train --task intent --data data/examples/labelled.csv --min-recall consultation=0.7 --out out/models/intent/2

Do more labels still help? (--curve [--target F]): the chosen configuration is also fitted on an
eighth, a quarter and a half of the training rows (3 random draws each) and scored on the same
held-out rows; the card shows the curve and what its last doubling gained, and with --target (a
macro-F1) how many labels the trend of its last three points needs to reach it (a lower bound:
curves flatten):
  wbcs train --task gold_topic --curve --target 0.65 --out out/models/topic/1

Your own posts (--add FILE, --task default): label posts of your team's in the full schema
(wbcs label sample-posts, batch-export --posts, import, consensus --posts: see wbcs label
sample-posts --help) and add them to the gold training part of every field they label; the
fixed test part, and so the card's held-out figures, stay the gold set's:
  wbcs train --task default --add out/my_gold.csv --curve --out out/models/wbcs-default/1

Out-of-domain labels (--extra FILE, e.g. public Weibo posts next to your own): the chosen
configuration is also scored with FILE's rows added to every cross-validation training fold
(never to a validation fold, which holds only your rows), each of your rows weighted as K of
FILE's for each K of --extra-weight; they are used only where that beats your rows alone.
Rows of FILE that are near duplicates of yours are left out. With --task default, FILE
replaces SMP2020-EWECT, the sentiment field's built-in candidate; with --config or
--model transformer give one K (nothing is selected)."""

PREDICT_EXAMPLE = """Example:
  wbcs predict --input data/examples/weibo_export.csv --out out/labelled.csv

A folder or a glob of Parquet files (a partitioned archive, e.g. --input
'archive/**/*.parquet' --out labelled/) is labelled file by file into --out in the same
layout, on a Dask cluster with --workers N or --scheduler ADDRESS (the model is loaded
once per worker), else in this process. One Parquet file on a cluster is written to the
file --out, as in this process.

Adds, per field of the model, a prediction column and FIELD_proba (the probability of the
predicted label); a field the input already has is written as FIELD_pred instead, and the
input's labels are kept under the field's name (a header the reader maps to it, such as 情感
for sentiment, is renamed to it) as the reader spells them (负面 or Negative: negative). A file
predict wrote, labelled again (e.g. with a newer model), gets the new predictions in place
of the earlier ones (FIELD and FIELD_proba, or FIELD_pred and FIELD_proba), as the output
says. CSV, JSON Lines, Parquet or .xlsx by extension; PII is masked unless --no-mask.
An archive's labelled files appear in --out only once every file is labelled."""

EVALUATE_EXAMPLE = """Example:
  wbcs evaluate --model models/wbcs-default/2 --data data/examples/labelled.csv --field sentiment --json

  wbcs evaluate --model models/wbcs-default/10 --against models/wbcs-default/2 --data data/examples/labelled.csv --field sentiment

Prints {"accuracy", "macro_f1", "per_class", "n", "ece", "confusion", "left_out", "no_text",
"model_labelled", "seen_rows"}. Rows without a label or without text, rows whose label a model gave
(FIELD_source says model: wbcs triage's and wbcs predict's output; in a file an older wbcs predict wrote,
a label with its FIELD_proba and no FIELD_source), and rows that cannot be read, are left out and counted
on stderr (left_out: the first three); a label the model has never seen is an error.
Rows the model was trained on make the figures optimistic: they are counted and warned about
(seen_rows), or left out with --drop-seen.

--against MODEL scores a second model on the same rows and prints how much better --model is,
macro-F1 and accuracy, with a 95 % paired bootstrap interval (an interval that excludes 0 says the
difference is more than the rows' luck of the draw); --group-col resamples whole groups (e.g. the
turns of one dialogue) instead of rows. With --json: {"model", "against", "difference"}."""

TRIAGE_EXAMPLE = """Example:
  wbcs triage --posts out/posts.parquet --out out/triage.csv --alerts out/alerts.csv

Routes every post (ticket, public reply + DM, ask the reason, set aside, thank, answer, ...)
by the rules of data/routes.yaml and sets its acknowledge/resolve deadlines from the policy
(data/policy.yaml): a deadline is the last moment a reply still counts as in time (a business
clock that runs out at the end of duty hours is due at the next duty start). A column
identifiable (信息完整) or complaint (是否投诉), yes/no, is read by the routes; in --out, identifiable
is that label only (empty where the routes read has_phone instead: identifiable_source says which), so
the output triaged again routes the same. Unlabelled posts are classified with the model first
(default: the shipped one), and the output says so; a post whose intent is given keeps the kind it gives
(the model adds no negative_subtype to it: a labelled complaint stays a complaint).
--alerts also writes the aggregation alerts (the same question from >=3 users a day, the same
complaint from >=3 customers a week, ...; their times are Beijing wall-clock times)."""


def _parser(sub, name, help_, description, example, func):
    from wbcs.cli import HelpFormatter

    p = sub.add_parser(name, help=help_, description=description, epilog=example,
                       formatter_class=HelpFormatter)
    p.set_defaults(func=func)
    return p


def register(sub) -> None:
    p = _parser(sub, "train", "train a classifier and save it with its model card",
                "Train the baseline (or a transformer) on a task and save a model folder.",
                TRAIN_EXAMPLE, cmd_train)
    p.add_argument("--task", required=True, help="task name (see below) or the field the --data file labels")
    p.add_argument("--data", type=Path, help="a labelled file (CSV, JSONL, Parquet, .xlsx) instead of a built-in task")
    p.add_argument("--text-col", default=None, help="text column of --data (default: text, or 内容/正文/... as ingest "
                   "maps it)")
    p.add_argument("--label-col", help="label column of --data (default: TASK)")
    p.add_argument("--group-col", help="with --data: rows with the same value (a thread, a dialogue, a customer) "
                                       "stay on one side of the hold-out and of every cross-validation fold")
    p.add_argument("--model", choices=["baseline", "transformer"], default="baseline")
    p.add_argument("--backbone", default="gemma3-270m", help="transformer backbone (default: gemma3-270m)")
    p.add_argument("--epochs", type=int, default=2, help="transformer epochs (default: 2)")
    p.add_argument("--lora-r", type=int, default=0, help="transformer LoRA rank (0: train the weights)")
    p.add_argument("--top-layers", type=int, help="transformer: train only the top K layers + head")
    p.add_argument("--lr", type=float, default=5e-5, help="transformer learning rate (default: 5e-5)")
    p.add_argument("--max-length", type=int, default=128, help="transformer tokens per text (default: 128)")
    p.add_argument("--batch-size", type=int, default=16, help="transformer batch size (default: 16)")
    p.add_argument("--teacher", help="--task default: distil the sentiment field from this model "
                                     "(e.g. models/wbcs-gemma-sentiment/1) on unlabelled Weibo posts")
    p.add_argument("--unlabelled", type=int, default=20000,
                   help="unlabelled posts the teacher labels (default: 20000)")
    p.add_argument("--extra", type=Path, metavar="FILE", help="out-of-domain labelled rows the field may also learn from, "
                                             "if cross-validation on its own rows says they help (see below)")
    p.add_argument("--extra-weight", type=int, nargs="+", metavar="K", help="with --extra: the domain weights to try, each of "
                                                              "your rows counting as K of FILE's (default: 1 3)")
    p.add_argument("--extra-text-col", metavar="COL", help="text column of --extra (default: text, or 内容/正文/...)")
    p.add_argument("--extra-label-col", metavar="COL", help="label column of --extra (default: the field: --label-col, TASK, "
                                             "sentiment with --task default)")
    p.add_argument("--max-train", type=int, help="at most this many training rows per field (stratified)")
    p.add_argument("--test", type=Path, help="with --data: measure on this labelled file instead of a 20 %% hold-out "
                                            "(the model is then fitted on every row of --data)")
    p.add_argument("--budget", type=float, default=600, help="seconds for choosing the configuration (default 600; "
                                                             "0: no limit, the same choice on any machine)")
    p.add_argument("--config", help="skip the search and use this configuration (e.g. 'vote', 'lr C=16')")
    p.add_argument("--config-from", metavar="MODEL", help="skip the search and use the configuration MODEL's card "
                                                          "chose for the field (its class bias, lexicon, calibration "
                                                          "...): repeats that model's choice exactly")
    p.add_argument("--no-words", action="store_true", help="leave out the jieba-word configurations "
                                                           "(faster prediction: ~4,000 posts/s with words)")
    p.add_argument("--no-refit", action="store_true", help="save the model measured on the hold-out, not the refit")
    p.add_argument("--weigh-kinds", action="store_true",
                   help="rank configurations by the mean over kinds of item of each kind's macro-F1 (the gold tasks: "
                        "telecom first posts, later messages, other helpdesks' first posts) instead of the pooled "
                        "macro-F1: for a team that reads first posts most, see below")
    p.add_argument("--quality", nargs="?", const="gemma3-270m", metavar="BACKBONE",
                   help="also try each field's chosen configuration averaged with a regression on BACKBONE's hidden "
                        "states (default gemma3-270m), kept where the same cross-validation says it gains: the "
                        "offline quality model (~20 posts/s here), see below")
    p.add_argument("--distil", nargs="?", const="", metavar="FILE",
                   help="with --quality: let the fast model learn the ensemble's labels on FILE's unlabelled texts "
                        "where cross-validation says it gains (--task default: FILE defaults to the gold set's "
                        "unlabelled training turns), see below")
    p.add_argument("--fields", nargs="+", metavar="FIELD", help="--task default: train only these fields")
    p.add_argument("--keep", metavar="MODEL", help="with --fields: carry this model's other fields over unchanged "
                                                     "(e.g. models/wbcs-default/14)")
    p.add_argument("--min-recall", nargs="+", metavar="[FIELD:]LABEL=R", type=_floor,
                   help="a recall floor the model must meet on the cross-validation (e.g. consultation=0.6), "
                        "bought with the other labels' precision; FIELD: for a label several fields have")
    p.add_argument("--add", type=Path, metavar="FILE",
                   help="--task default: your own labelled posts (text + any of sentiment, intent, topic, "
                        "negative_subtype; wbcs label consensus --posts writes one) added to every field's training "
                        "part; the held-out figures stay on the gold set's fixed test part")
    p.add_argument("--no-synthetic", dest="synthetic", action="store_false",
                   help="--task default: do not try the LLM-written posts of data/synthetic/ for the topic and the "
                        "negative subtype (by default their grouped CV keeps them or not)")
    p.add_argument("--curve", action="store_true", help="also draw the chosen configuration's learning curve on the "
                                                         "held-out rows: do more labels still help?")
    p.add_argument("--target", type=float, metavar="F", help="with --curve: the macro-F1 to reach; the card says how "
                                                            "many labels the curve's trend needs for it")
    p.add_argument("--seed", type=int, default=0)
    # a string, not a Path: Path('./NAME') is 'NAME', which check_model_out would take for the registry's NAME
    p.add_argument("--out", required=True, help="a new or empty folder for the model (e.g. models/NAME/1; a bare "
                                                "NAME: the registry's models/NAME/<next version>, ./NAME: here)")
    p.add_argument("--json", action="store_true", help="print the model card as JSON on stdout")

    p = _parser(sub, "predict", "label a file of posts with a model",
                "Add a prediction and a probability column per field of the model.", PREDICT_EXAMPLE, cmd_predict)
    p.add_argument("--model", default=None, help="model folder or registry name (default: the shipped model)")
    p.add_argument("--input", required=True, type=Path, help="a file, or a folder/glob of Parquet files")
    p.add_argument("--out", required=True, type=Path, help="the labelled file (a folder for an archive)")
    p.add_argument("--text-col", default=None, help="text column (default: text, or 内容/正文/... as ingest maps it)")
    p.add_argument("--no-mask", action="store_true", help="keep phone numbers etc. unmasked")
    from wbcs.distributed import add_arguments

    add_arguments(p)

    p = _parser(sub, "evaluate", "measure a model on a labelled file",
                "Accuracy, macro-F1, per-class precision/recall/F1, ECE and the confusion matrix.",
                EVALUATE_EXAMPLE, cmd_evaluate)
    p.add_argument("--model", default=None, help="model folder or registry name (default: the shipped model)")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--text-col", default=None, help="text column (default: text, or 内容/正文/... as ingest maps it)")
    p.add_argument("--label-col", help="column with the true labels (default: the field)")
    p.add_argument("--field", help="field of the model to evaluate (needed when it has several)")
    p.add_argument("--drop-seen", action="store_true",
                   help="leave out rows the model was trained on (their texts' hashes are in the model)")
    p.add_argument("--kind", default=POST_KIND,
                   help=f"kind of item of every row (default: {POST_KIND}, as wbcs predict reads posts; 'none' says "
                        "nothing, e.g. for follow-up turns): a field with a bias of that kind's own uses it")
    p.add_argument("--against", help="a second model scored on the same rows: the difference with its 95 %% interval")
    p.add_argument("--group-col", help="with --against: resample whole groups of rows (e.g. a dialogue id column)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON on stdout")

    p = _parser(sub, "triage", "route posts and set their SLA deadlines",
                "Route each post by data/routes.yaml and set its SLA clocks from the policy.",
                TRIAGE_EXAMPLE, cmd_triage)
    p.add_argument("--posts", required=True, type=Path, help="posts table (e.g. from 'wbcs ingest')")
    p.add_argument("--out", required=True, type=Path, help="posts with their route and deadlines")
    p.add_argument("--model", default=None, help="model for unlabelled posts (default: the shipped model)")
    p.add_argument("--policy", type=Path, help="policy file (default: data/policy.yaml)")
    p.add_argument("--routes", type=Path, help="routes file (default: data/routes.yaml)")
    p.add_argument("--alerts", type=Path, help="also write the aggregation alerts here")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def _say(args, line: str) -> None:
    print(line, file=sys.stderr if getattr(args, "json", False) else sys.stdout)


def _say_unread(command: str, path, bad, first: list[int], fate: str) -> None:
    """On stderr: how many rows of ``path`` could not be read (``bad``, a Counter of reasons; ``first``, the first
    ten row numbers) and what became of them: no command drops a row it cannot read in silence."""
    from wbcs.pii import mask_pii

    print(mask_pii(f"{command}: {bad.total()} row(s) of {path} could not be read and {fate} ("
                   + ", ".join(f"{n} {why}" for why, n in bad.items()) + "); rows "
                   + ", ".join(map(str, first)) + (" ..." if bad.total() > len(first) else "")), file=sys.stderr)


def _read(command: str, path):
    """``read_table(path)``, the rows it could not read said (``_say_unread``): they are left out."""
    from collections import Counter

    from wbcs.io import read_table

    df = read_table(path)
    if lost := df.attrs.get("bad_lines"):
        _say_unread(command, path, Counter(b.reason for b in lost), [b.row for b in lost[:10]], "are left out")
    return df


# TransformerClassifier's parameters as wbcs train's options name them, for its messages
TRANSFORMER_OPTIONS = {"epochs": "--epochs", "lora_r": "--lora-r", "train_top_layers": "--top-layers",
                       "learning_rate": "--lr", "max_length": "--max-length", "batch_size": "--batch-size"}


def _estimator(args):
    """The transformer, a named configuration, or None: the configuration is chosen by cross-validation."""
    if args.model == "transformer":
        from wbcs.classify.transformer import TransformerClassifier, check_backbone

        est = TransformerClassifier(args.backbone, epochs=args.epochs, lora_r=args.lora_r,
                                    train_top_layers=args.top_layers, learning_rate=args.lr,
                                    max_length=args.max_length, batch_size=args.batch_size,
                                    random_state=args.seed)
        # before any work: a folder that is not a model, or an option torch would fail on only later
        layers = (check_backbone(args.backbone) or {}).get("num_hidden_layers")
        est.check_params(names=TRANSFORMER_OPTIONS, n_layers=layers)
        return est
    if args.config_from:
        return _configuration_of(args)
    if args.config:
        from wbcs.classify import TextClassifier
        from wbcs.classify.configs import candidates

        known = candidates(TextClassifier(random_state=args.seed))
        if args.config not in known:
            raise InputError(f"--config {args.config!r}: choose one of {', '.join(repr(k) for k in known)}")
        return known[args.config]
    return None


def _configuration_of(args):
    """The unfitted configuration that --config-from MODEL chose for the field trained (``--task`` with --data, the
    built-in task's field, or MODEL's only field): its fitted estimator's parameters, fitted attributes dropped."""
    from sklearn.base import clone

    from wbcs.classify.registry import folder_kind, load_model

    if args.config or args.model == "transformer":
        raise InputError("--config-from gives the configuration: not with --config or --model transformer")
    if args.task == "default" and args.data is None:
        raise InputError("--config-from repeats one field's configuration: train that field alone (--task gold_FIELD, "
                         "or --data FILE --task FIELD)")
    model = load_model(args.config_from)
    field = args.task if args.data is not None else args.task.removeprefix("gold_")
    if field not in model.models and len(model.models) == 1:
        field = next(iter(model.models))
    if field not in model.models:
        raise InputError(f"--config-from {args.config_from}: no field {field!r} in {model.name} (fields: "
                         f"{', '.join(model.models)}); train one of them")
    if kind := folder_kind(model.models[field]):
        raise InputError(f"--config-from {args.config_from}: field {field} is a {kind} model; only a fast "
                         "configuration (a .skops field) is repeated")
    return clone(model.models[field])


def _bias_on(estimator, labels, args) -> tuple[object, str | None]:
    """--config-from's configuration with its class bias (and its kinds' biases) kept only on ``labels``, the
    training data's: a bias on a label the data does not have (intent's on a sentiment file) means nothing here and
    would be carried into the model silently. Returns (estimator, a note saying what was dropped, or None)."""
    if not args.config_from or not hasattr(estimator, "class_bias"):
        return estimator, None
    labels = set(map(str, labels))
    dropped: set[str] = set()

    def only_known(bias):
        dropped.update(set(map(str, bias or {})) - labels)
        return {k: v for k, v in (bias or {}).items() if str(k) in labels} or None

    class_bias = only_known(estimator.class_bias)
    kind_bias = {kind: b for kind, bias in (estimator.kind_bias or {}).items() if (b := only_known(bias))} or None
    if not dropped:
        return estimator, None
    note = (f"--config-from {args.config_from}: its class bias on {', '.join(sorted(dropped))} left out: the "
            f"training data has no such label (its labels: {', '.join(sorted(labels))})")
    print(f"train: {note}", file=sys.stderr)
    return estimator.set_params(class_bias=class_bias, kind_bias=kind_bias), note


def _floor(text: str) -> tuple[str, float]:
    """One ``--min-recall`` value, ``[FIELD:]LABEL=R``, as (key, R)."""
    key, sep, value = text.rpartition("=")
    try:
        recall = float(value)
    except ValueError:
        recall = None
    if not sep or not key or recall is None or not 0 < recall <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: write LABEL=R with R a recall in (0, 1], e.g. consultation=0.6")
    return key, recall


def _fit_options(args) -> dict:
    return {"budget": args.budget, "refit": not args.no_refit, **({"words": False} if args.no_words else {}),
            **({"quality": args.quality} if args.quality else {}), **({"weigh_kinds": True} if args.weigh_kinds else {}),
            **({"curve": True} if args.curve else {}), **({} if args.target is None else {"target": args.target})}


def _floors(args, task) -> dict:
    """``train_model``'s field_options for ``--min-recall`` on one field's task."""
    from wbcs.classify.train import field_floors

    floors = field_floors(dict(args.min_recall or ()), {task.field: set(task.train["label"].astype(str))})
    return {task.field: {"min_recall": floors[task.field]}}


def _distil_pool(args) -> list[str] | bool:
    """--distil: False when absent; True for --task default's own pool; else FILE's non-empty texts."""
    if args.distil is None:
        return False
    if not args.quality:
        raise InputError("--distil learns the quality ensemble's labels: add --quality")
    if args.distil == "":
        if args.task == "default" and args.data is None:
            return True
        raise InputError("--distil: give a FILE of unlabelled texts (only --task default has a pool of its own)")
    from wbcs.classify.tasks import check_texts
    from wbcs.io import find_column

    df = _read("train", Path(args.distil))
    col = find_column(df.columns, "text", args.text_col, str(args.distil), "--text-col")
    check_texts(df[col], str(args.distil), col)
    texts = df[col].dropna().astype(str)
    texts = texts[texts.str.strip().ne("")].tolist()
    if not texts:
        raise InputError(f"{args.distil}: column {col!r} holds no text to distil on")
    return texts


def _say_rejects(args, rejects) -> None:
    for src, grp in rejects.groupby("source", sort=False):
        rows = ", ".join(map(str, grp["source_row"].head(10)))
        _say(args, f"train: {len(grp)} row(s) of {src} left out ({grp['reason'].value_counts().to_dict()}); "
                   f"rows {rows}{' ...' if len(grp) > 10 else ''}")


def _own_posts(args):
    """The --add file as ``tasks.OwnPosts`` (its rejects said), or None without --add."""
    if args.add is None:
        return None
    from wbcs.classify.registry import sha256
    from wbcs.classify.tasks import OwnPosts

    if not args.add.is_file():
        raise InputError(f"--add {args.add}: no such file")
    own, rejects = OwnPosts.from_table(_read("train", args.add), source=str(args.add), sha256=sha256(args.add))
    _say_rejects(args, rejects)
    return own


def _say_own_learnt(args, model) -> None:
    """With --add: what each field trained here learnt of the file's posts (the counts of the card's sentence,
    ``train.own_learnt``), not how many the file has."""
    from wbcs.classify.train import own_learnt

    own = {f: s for f, info in model.card["fields"].items() if not info.get("carried_from")
           for s in info.get("data", []) if s.get("own")}
    if not own:
        return
    _say(args, f"train: {next(iter(own.values()))['rows']:,} labelled post(s) of {args.add}: {own_learnt(own)}"
               + (f"; --max-train {args.max_train} then keeps at most {args.max_train} training rows per field, the "
                  "gold set's and these alike" if args.max_train is not None else ""))


def _extra(args, label_col: str):
    """The --extra file as out-of-domain rows (``tasks.ExtraData``), or None without --extra."""
    from wbcs.classify.configs import EXTRA_WEIGHTS
    from wbcs.classify.registry import sha256
    from wbcs.classify.tasks import extra_from_table
    from wbcs.io import find_column

    if args.extra is None:
        if args.extra_weight:
            raise InputError("--extra-weight works with --extra FILE")
        return None
    weights = tuple(args.extra_weight or EXTRA_WEIGHTS)
    if min(weights) < 1:
        raise InputError(f"--extra-weight {min(weights)}: a domain weight is a whole number ≥ 1")
    if not args.extra.is_file():
        raise InputError(f"{args.extra}: no such file (--extra)")
    df = _read("train", args.extra)
    text_col = find_column(df.columns, "text", args.extra_text_col, str(args.extra), "--extra-text-col")
    label_col = args.extra_label_col or label_col
    if label_col not in df.columns:
        raise InputError(f"{args.extra}: no column {label_col!r} (--extra-label-col); columns: "
                         f"{', '.join(map(str, df.columns))}")
    extra, rejects = extra_from_table(df, text_col=text_col, label_col=label_col, source=str(args.extra),
                                      sha256=sha256(args.extra), weights=weights)
    _say_rejects(args, rejects)
    if extra.rows.empty:
        raise InputError(f"{args.extra}: no row with both a text and a label in {text_col!r}, {label_col!r}")
    return extra


def _columns(args, df, path) -> tuple[str, str]:
    """(text column, label column) of a --data or --test file: --text-col and --label-col when given, else as the
    header mapping reads the file (内容 is the text, 情感 the sentiment with --task sentiment), else TASK."""
    from wbcs.io import find_column
    from wbcs.io.headers import resolve_columns

    return (find_column(df.columns, "text", args.text_col, str(path), "--text-col"),
            args.label_col or resolve_columns(df.columns, None, str(path)).get(args.task, args.task))


def cmd_train(args: argparse.Namespace) -> int:
    from wbcs import checks
    from wbcs.classify import save_model
    from wbcs.classify.registry import check_model_out, sha256
    from wbcs.classify.splits import TooFewExamples
    from wbcs.classify.tasks import load_task, task_from_table
    from wbcs.classify.train import train_default, train_model
    from wbcs.cli import shipped_inputs

    # TRAIN_EXAMPLE's data/examples/... from any folder, as predict and evaluate read theirs (said on stderr)
    shipped_inputs(args, ("data", "test", "extra"))
    # before any reading: --seed -1 and --max-train 0 were numpy's and scikit-learn's tracebacks
    args.seed = checks.seed(args.seed)
    if args.max_train is not None:
        checks.whole(args.max_train, "--max-train", least=1)
    # before the training: no input overwritten, no user's folder replaced by a model
    out = check_model_out(args.out, option="--out", inputs={"--data": args.data, "--test": args.test, "--add": args.add,
                                                            "--extra": args.extra, "--distil": args.distil or None})
    if not checks.is_number(args.budget) or args.budget < 0:  # nan passed '< 0' and card.json held NaN (no JSON)
        raise InputError(f"--budget {args.budget:g}: give the seconds for choosing the configuration (0: no limit)")
    if args.quality:  # before the fast search, not after it
        from wbcs.classify.transformer import check_backbone

        check_backbone(args.quality)
    estimator, bias_note = _estimator(args), None
    if args.group_col and args.data is None:
        raise InputError("--group-col names a column of --data (the built-in gold tasks group by dialogue already)")
    if (args.fields or args.keep) and args.task != "default":
        raise InputError("--fields and --keep work with --task default (a single task trains one field already)")
    if args.add and (args.task != "default" or args.data is not None):
        raise InputError("--add joins your labelled posts to the gold set's fields: use it with --task default "
                         "(with --data FILE your own file is the training data already)")
    if not args.synthetic and args.task != "default":
        raise InputError("--no-synthetic works with --task default (only the gold set's topic and subtype try "
                         "data/synthetic/'s posts)")
    if args.teacher and args.task != "default":
        raise InputError("--teacher works with --task default (it distils the shipped model's sentiment field)")
    pool = _distil_pool(args)
    distil = {} if pool is False else {"distil": pool}
    if args.data is not None:
        if not args.task.isidentifier():
            raise InputError(f"--task {args.task!r}: with --data it names the field; use letters, digits and _")
        df = _read("train", args.data)
        text_col, label_col = _columns(args, df, args.data)
        test = _read("train", args.test) if args.test is not None else None
        task, rejects = task_from_table(df, args.task, text_col=text_col, label_col=label_col,
                                        source=str(args.data), sha256=sha256(args.data), seed=args.seed,
                                        test=test, test_source=str(args.test),
                                        test_sha256=sha256(args.test) if args.test is not None else None,
                                        group_col=args.group_col,
                                        test_cols=None if test is None else _columns(args, test, args.test))
        _say_rejects(args, rejects)
        estimator, bias_note = _bias_on(estimator, task.train["label"], args)
        try:
            model = train_model({task.field: task}, estimator=estimator, seed=args.seed, name=Path(args.out).parent.name
                                or args.task, max_train=args.max_train, **_fit_options(args),
                                refit_test=args.test is None, extra=_extra(args, args.label_col or args.task),
                                field_options=_floors(args, task), **distil)
        except TooFewExamples as e:  # the folds do not know where the label came from
            raise InputError(f"{args.data}: column {label_col!r}: {e}") from None
    elif args.task == "default":
        # the baseline of the shipped model has its own settings (see train_default)
        extra = _extra(args, "sentiment")
        model = train_default(seed=args.seed, max_train=args.max_train, estimator=estimator, add=_own_posts(args),
                              teacher=args.teacher, n_unlabelled=args.unlabelled, **_fit_options(args),
                              min_recall=dict(args.min_recall or ()), fields=args.fields, keep=args.keep,
                              synthetic=args.synthetic, **({} if extra is None else {"extra": extra}), **distil)
    else:
        if args.test is not None:
            raise InputError("--test works with --data (a built-in task has its own test part)")
        task = load_task(args.task, seed=args.seed)
        estimator, bias_note = _bias_on(estimator, task.train["label"], args)
        model = train_model({task.field: task}, estimator=estimator, seed=args.seed, name=args.task,
                            max_train=args.max_train, **_fit_options(args), extra=_extra(args, task.field),
                            field_options=_floors(args, task), **distil)
    if args.config_from:
        for info in model.card["fields"].values():
            info["notes"] = [*info.get("notes", []), f"configuration repeated from {args.config_from} "
                                                     "(--config-from: the one its card chose), not selected here",
                             *([bias_note] if bias_note else [])]
    path = save_model(model, out.absolute())  # absolute: save_model checks it again, and ./NAME came back as NAME
    _say_own_learnt(args, model)
    for field, info in model.card["fields"].items():
        if info.get("carried_from"):
            _say(args, f"train: {field}: carried over unchanged from {info['carried_from']} (not retrained; its card's "
                       "figures kept)")
            continue
        m, ci = info["metrics"], info["metrics"].get("ci95", {})
        chosen = next((r["config"] for r in info.get("selection", {}).get("table", []) if r.get("chosen")), None)
        _say(args, f"train: {field}: {info['train_rows']} training rows"
                   + (f"; configuration {chosen!r} chosen by cross-validation" if chosen else "")
                   + (f"; quality step: {quality!r} kept" if (quality := next(
                       (r["config"] for r in info.get("quality", {}).get("table", []) if r.get("chosen")), None)) else "")
                   + (f"; distillation: {student!r} kept" if (student := next(
                       (r["config"] for r in info.get("distil", {}).get("table", []) if r.get("chosen")), None)) else "")
                   + f"; held-out ({m['split']}, n={m['n']}): accuracy {m['accuracy']:.3f}"
                   + (f" [{ci['accuracy'][0]:.3f}, {ci['accuracy'][1]:.3f}]" if ci else "")
                   + f", macro-F1 {m['macro_f1']:.3f}"
                   + (f" [{ci['macro_f1'][0]:.3f}, {ci['macro_f1'][1]:.3f}]" if ci else "")
                   + f", ECE {m['ece']:.3f}"
                   + ("; macro-F1 per kind of item: " + ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in by_kind.items())
                      if len(by_kind := m.get("by_kind") or {}) > 1 else "")
                   + (f"; against the plain TF-IDF + LR peer on the same rows: macro-F1 {v['macro_f1_delta']:+.3f} "
                      f"[{v['macro_f1_ci'][0]:+.3f}, {v['macro_f1_ci'][1]:+.3f}]" if (v := m.get("vs_peer")) else "")
                   + (f"; learning curve: {c.get('verdict') or c.get('skipped')}" if (c := info.get("curve")) else "")
                   + (f"; saved model refitted on {'all ' if args.max_train is None else ''}{info['refit_rows']:,} "
                      f"{'training ' if info.get('refit_test') is False else ''}rows"
                      f"{' (--max-train)' if args.max_train is not None else ''}"
                      f"{' (not --test)' if info.get('refit_test') is False else ''}" if info.get("refit_rows") else ""))
        if shared := info.get("shared_with_test"):  # only a user's --test file can hold a training group
            _say(args, f"train: {field}: {shared['rows']} training rows of {shared['groups']} groups also in --test left "
                       "out of the held-out fit" + ("; the saved model's refit learns from them"
                                                    if info.get("refit_rows") else ""))
    _say(args, f"train: model saved in {path} (card: {path / 'MODEL_CARD.md'})")
    for field, info in model.card["fields"].items():
        if not info.get("carried_from") and (cut := info.get("selection", {}).get("budget_cut")):
            print(f"train: warning: {field}: the --budget of {args.budget:g} s stopped the selection after "
                  f"{cut['tried']} of {cut['of']} configurations: the choice depends on this machine's speed; "
                  f"--budget 0 (no limit) makes it the same anywhere, --config-from {path} repeats this one",
                  file=sys.stderr)
    if args.json:
        print(json.dumps(json.loads((path / "card.json").read_text(encoding="utf-8")), ensure_ascii=False, indent=1))
    return 0


def _predict_archive(args: argparse.Namespace, instead: str) -> int:
    from wbcs.distributed import check_cluster, from_args, parquet_files
    from wbcs.distributed.predict import predict_archive

    check_cluster(args.workers, args.scheduler)
    parquet_files(str(args.input), instead=instead)  # a file that is not Parquet is refused before a cluster starts
    with from_args(args) as client:
        s = predict_archive(str(args.input), args.out, model=args.model, client=client, text_col=args.text_col,
                            mask=not args.no_mask, instead=instead)
    where = (f"written to {s['out']}" if args.input.is_file()  # one file: one file, as in process
             else f"{s['files']} file(s) written to {s['out']} in the same layout")
    print(_labelled(s["rows"], s["no_text"], s["model"], s["fields"], s["renamed"], s["headers"], s["replaced"],
                    where))
    return 0


def _labelled(rows: int, no_text: int, model: str, fields, renamed: dict, headers: dict, replaced: list[str],
              where: str) -> str:
    """What predict says it did, in the same words for a file and an archive, in process or on a cluster; a field the
    input has under another header (``headers``) is said with it, and that it is written under the field's name."""
    from wbcs.pii import mask_pii

    has = [f"{f} ({headers[f]}, renamed {f})" if f in headers else f for f in renamed]
    note = f" (the input has {', '.join(has)}: predictions in {', '.join(renamed.values())})" if renamed else ""
    skipped = f" ({no_text:,} without text left unlabelled)" if no_text else ""
    earlier = f"; the input's earlier predictions {', '.join(replaced)} replaced" if replaced else ""
    return mask_pii(f"predict: {rows - no_text:,} rows labelled by {model} ({', '.join(fields)}){skipped}{note}{earlier}; "
                    f"{where}")


def cmd_predict(args: argparse.Namespace) -> int:
    from wbcs.cli import shipped_input

    args.input = shipped_input(args.input)  # PREDICT_EXAMPLE's data/examples/... from any folder, said on stderr
    if args.input.is_dir() or any(ch in str(args.input) for ch in "*?["):
        return _predict_archive(args, "label each such file alone (--input FILE)")
    if args.workers is not None or args.scheduler:  # one Parquet file on a cluster: one task, into the file --out
        flag = "--workers" if args.workers is not None else "--scheduler"
        if args.input.suffix.lower() == ".parquet" and args.input.is_file():
            import pyarrow.parquet as pq

            # refused as in this process (nothing written), not an empty labelled file written by the cluster
            if pq.ParquetFile(args.input).metadata.num_rows == 0:
                raise InputError(f"{args.input}: no rows")
        return _predict_archive(args, f"drop {flag}: a CSV, JSON Lines or .xlsx file is labelled in this process")
    from wbcs.classify import load_model
    from wbcs.distributed.predict import label_table
    from wbcs.io import TableWriter, check_outputs

    check_outputs({"--out": args.out}, inputs={"--input": args.input})
    model = load_model(args.model)
    # chunk by chunk, as an archive's files are: memory bounded by a chunk, not the file
    with TableWriter(args.out, mask=not args.no_mask) as writer:
        done = label_table(model, args.input, writer, args.text_col, progress=True)
        bad, blank = done["bad"], done["empty_rows"]
        if not done["rows"]:  # nothing is written
            raise InputError(f"{args.input}: no rows" + (f" that could be read ({bad.total()} could not)" if bad else "")
                             + (f" ({blank:,} of only empty cells)" if blank else ""))
    if bad:
        _say_unread("predict", args.input, bad, done["first_bad"], f"are not in {args.out}")
    if blank:  # as ingest says it: no posts, but not dropped in silence
        print(f"predict: {args.input}: {blank:,} row(s) of only empty cells skipped (no posts)", file=sys.stderr)
    print(_labelled(done["rows"], done["no_text"], model.name, model.fields, done["renamed"], done["headers"],
                    done["replaced"], f"written to {args.out}"))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from wbcs.classify import load_model
    from wbcs.classify.evaluate import metrics, paired_bootstrap_delta
    from wbcs.classify.tasks import check_texts, label_text
    from wbcs.cli import shipped_input
    from wbcs.goldset import KINDS
    from wbcs.io import find_column
    from wbcs.io.ingest import label_ids, label_maps
    from wbcs.kpi.labels import model_labelled
    from wbcs.text import has_text

    if args.kind not in (*KINDS, "none"):
        raise InputError(f"--kind {args.kind!r}: not a kind of item; use one of {', '.join(KINDS)}, or none")
    model = load_model(args.model)
    field = args.field or (model.fields[0] if len(model.fields) == 1 else
                           args.label_col if args.label_col in model.fields else None)
    if args.field is not None and field not in model.fields:  # a typo, not a missing choice
        raise InputError(f"--field: unknown field {args.field!r}; model {model.name} has fields "
                         f"{', '.join(model.fields)}")
    if field not in model.fields:
        raise InputError(f"model {model.name} has fields {', '.join(model.fields)}: choose one with --field")
    against = load_model(args.against) if args.against else None
    if against is not None and field not in against.fields:
        raise InputError(f"--against {args.against}: model {against.name} has no field {field!r} "
                         f"(it has {', '.join(against.fields)})")
    args.data = shipped_input(args.data)  # EVALUATE_EXAMPLE's data/examples/... from any folder, said on stderr
    df = _read("evaluate", args.data)
    text_col = find_column(df.columns, "text", args.text_col, str(args.data), "--text-col")
    check_texts(df[text_col], str(args.data), text_col)
    if args.label_col is None and field in ("sentiment", "intent", "topic", "negative_subtype"):
        label_col = find_column(df.columns, field, None, str(args.data), "--label-col")
    else:
        label_col = args.label_col or field
    if label_col not in df.columns:
        raise InputError(f"{args.data}: no column {label_col!r} (--label-col); columns: "
                         f"{', '.join(map(str, df.columns))}")
    if args.group_col is not None and (against is None or args.group_col not in df.columns):
        raise InputError(f"--group-col {args.group_col}: " + ("it needs --against MODEL" if against is None else
                         f"{args.data} has no such column; columns: {', '.join(map(str, df.columns))}"))
    labels = label_text(df[label_col])  # 0.0/1.0 as the classes 0/1, as the trainer reads them
    if field in label_maps():  # 负面, NEGATIVE as negative, as kpi and triage read them (read_posts)
        ids = label_ids(labels, field)
        labels = ids.where(ids.notna(), labels).astype("string")  # what spells no label stays, to be named below
    missing = labels.isna() | labels.eq("")
    if missing.all():
        raise InputError(f"{args.data}: column {label_col!r} has no labels")
    # a label a model gave (wbcs triage's, wbcs predict's, any file predict_posts filled) is no truth to score a model
    # on: half of a triage file's sentiments were the shipped model's own, and scored it 0.862 where the person's
    # 487 gave 0.725. Told as kpi tells them (model_labelled), in every layout: the oldest predict's file has no
    # FIELD_source, and the model scored 1.000 against its own labels
    by_model, how = model_labelled(df, label_col)
    by_model &= ~missing
    untrue = missing | by_model  # rows with no label to score against
    if untrue.all():
        raise InputError(f"{args.data}: field {field}: every label in {label_col!r} is a model's ({how}): nothing a "
                         "person labelled to evaluate on; give a file of a person's labels, or their column with "
                         "--label-col")
    if by_model.any():
        print(f"evaluate: {int(by_model.sum())} row(s) whose {label_col!r} a model labelled ({how}) "
              "left out: a model's labels are no ground truth", file=sys.stderr)
    texts = df[text_col].astype("string").fillna("")
    # a row without text (has_text, as predict finds it) has nothing to score: the model's guess at "" is no measure
    no_text = ~untrue & ~has_text(texts)
    models = [model] if against is None else [model, against]
    for m in models:
        known = m.classes(field)
        unseen = ~untrue & ~labels.isin(known)
        if unseen.any():
            row = df.index[unseen.to_numpy()][0]
            raise InputError(f"{args.data}: row {row}, column {label_col!r}: label {labels[unseen].iloc[0]!r} "
                             f"the {'model' if m is model else '--against model'} has never seen "
                             f"(it knows: {', '.join(known)})")
    if missing.any():
        print(f"evaluate: {int(missing.sum())} row(s) without a label left out", file=sys.stderr)
    if no_text.any():
        print(f"evaluate: {int(no_text.sum())} labelled row(s) without text left out; rows "
              + ", ".join(map(str, df.index[no_text.to_numpy()][:10])) + (" ..." if no_text.sum() > 10 else ""),
              file=sys.stderr)
    if (untrue | no_text).all():
        raise InputError(f"{args.data}: no row has both a text in {text_col!r} and a label in {label_col!r}")
    keep = ~(untrue | no_text).to_numpy()
    names = [args.model or model.name] + ([args.against] if against is not None else [])  # as the user named them
    seen = [_seen(m, field, texts) & keep for m in models]
    for name, rows in zip(names, seen, strict=True):
        if rows.any():
            what = ("left out (--drop-seen)" if args.drop_seen
                    else "kept: the figures are optimistic; --drop-seen leaves them out")
            print(f"evaluate: warning: {int(rows.sum())} of {int(keep.sum())} labelled row(s) were in {name}'s "
                  f"training data; {what}", file=sys.stderr)
    if args.drop_seen:
        keep &= ~np.logical_or.reduce(seen)
        if not keep.any():
            raise InputError(f"{args.data}: every labelled row was in {'the' if against is None else 'either'} "
                             "model's training data; nothing to evaluate")
    reports, preds = [], []
    for m, rows in zip(models, seen, strict=True):
        proba = m.predict_proba(texts[keep], kind=None if args.kind == "none" else args.kind)[field]
        preds.append(np.asarray(proba.columns)[proba.to_numpy().argmax(axis=1)])
        reports.append({**metrics(labels[keep].to_numpy(), preds[-1], proba=proba.to_numpy(), classes=m.classes(field)),
                        "left_out": int(untrue.sum() + no_text.sum()), "no_text": int(no_text.sum()),
                        "model_labelled": int(by_model.sum()),
                        "seen_rows": int(rows.sum())})
    difference = None
    if against is not None:
        groups = df[args.group_col].astype("string").fillna("").to_numpy()[keep] if args.group_col else None
        difference = paired_bootstrap_delta(labels[keep].to_numpy(), preds[1], preds[0], groups=groups, seed=0)
    if args.json:
        out = reports[0] if against is None else {"model": reports[0], "against": reports[1], "difference": difference}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for name, report in zip(names, reports, strict=True):
        print(f"evaluate: {name} field {field} on {args.data}: n={report['n']}, accuracy "
              f"{report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f}, ECE {report['ece']:.3f}")
        for lab, pc in report["per_class"].items():
            print(f"  {lab:<20} precision {pc['precision']:.3f}  recall {pc['recall']:.3f}  f1 {pc['f1']:.3f}  "
                  f"n={pc['support']}")
    if difference is not None:
        unit = f"groups of {args.group_col}" if args.group_col else "rows"
        for metric in ("macro_f1", "accuracy"):
            d = difference[metric]
            verdict = ("more than luck" if d["ci"][0] > 0 or d["ci"][1] < 0 else "within the rows' luck of the draw")
            print(f"evaluate: {names[0]} minus {names[1]}, {metric.replace('_', '-')}: {d['delta']:+.3f} "
                  f"[95 % {d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}] ({verdict}; paired bootstrap over {unit})")
    return 0


def _seen(model, field: str, texts):
    """True for each text the model's field was fitted on, told as ``<field>_learnt`` tells it (``PostClassifier.learnt``:
    the fingerprint of the texts with their PII masked, so a file's masked copy of a training text is the text it
    learnt; the raw hashes of ``seen_rows_`` missed the learnt posts whose phone or ticket number was masked)."""
    import numpy as np

    marks = model.learnt(texts)[field]
    if marks is None:  # e.g. a folder saved before the fingerprint was kept
        print(f"evaluate: warning: {model.name}'s field {field} keeps no fingerprint of its training texts (saved by "
              "an older wbcs or fitted outside wbcs train): seen_rows cannot count them and --drop-seen cannot leave "
              "them out; retrain it with wbcs train to get one", file=sys.stderr)
        return np.zeros(len(texts), bool)
    return marks


def cmd_triage(args: argparse.Namespace) -> int:
    from wbcs.cli import shipped_inputs
    from wbcs.io import check_outputs, read_posts, write_table
    from wbcs.policy import load_policy
    from wbcs.triage import (
        aggregation_alerts_for,
        lists_as_text,
        load_routes,
        needs_labels,
        route_posts,
    )

    shipped_inputs(args, ("posts", "policy", "routes"))  # the README's data/... paths from any folder, said on stderr
    check_outputs({"--out": args.out, "--alerts": args.alerts}, inputs={"--posts": args.posts})
    policy = load_policy(args.policy)
    if args.alerts:  # a policy without the rules' thresholds fails before --out is written, not after
        from wbcs.aggregate import rules

        rules(policy)
    routes = load_routes(args.routes)
    posts, _ = read_posts(args.posts)
    labelled = posts
    if needs_labels(posts):
        from wbcs.classify import predict_posts

        labelled = predict_posts(posts, args.model, verbose=False, progress=True)
        c = labelled.attrs["classified"]
        _say(args, f"triage: unlabelled posts classified with {c['model']}: "
                   + ", ".join(f"{f} {n}" for f, n in c["filled"].items())
                   + (f"; not covered: {', '.join(c['not_covered'])}" if c["not_covered"] else ""))
    routed = route_posts(labelled, policy=policy, routes=routes, classify=False)
    info = labelled.attrs.get("classified")
    extra = routed.drop(columns=[c for c in ("post_id", "created_at", "identifiable") if c in routed.columns])
    out = labelled.drop(columns=[c for c in extra.columns if c in labelled.columns]).join(extra)
    # the file's identifiable is a person's label, as the input's: one the routes derived (from has_phone, kept in
    # the file) is left empty, so the file triaged again derives it again rather than reading it as a label
    out["identifiable"] = routed["identifiable"].where(routed["identifiable_source"].eq("label"))
    write_table(out, args.out)
    counts = routed["route"].value_counts().to_dict()
    summary = {"posts": int(len(routed)), "routes": {k: int(v) for k, v in counts.items()},
               "classified": info, "out": str(args.out)}
    _say(args, f"triage: {len(routed)} posts routed: " + ", ".join(f"{k} {v}" for k, v in counts.items())
         + f"; written to {args.out}")
    if args.alerts:
        # the near-duplicate grouping first (a few seconds for 200k posts), then a bar over the weekly rule's clusters
        _say(args, f"triage: looking for aggregation alerts among {len(out):,} posts ...")
        alerts = aggregation_alerts_for(out, routed, policy=policy, progress=True)
        if alerts.attrs["intent_from_route"]:
            _say(args, f"triage: {alerts.attrs['intent_from_route']} post(s) without intent: the aggregation "
                       "rules use their route's kind (consultation/complaint)")
        write_table(lists_as_text(alerts), args.alerts)
        summary["alerts"] = int(len(alerts))
        _say(args, f"triage: {len(alerts)} aggregation alert(s) written to {args.alerts}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    return 0
