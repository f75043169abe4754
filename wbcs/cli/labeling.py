"""``wbcs label ...``: the gold sample, annotation batches, import, agreement, consensus."""

from __future__ import annotations

import argparse
import json
import math
import sys
from contextlib import nullcontext
from pathlib import Path

from wbcs.cli import shipped_inputs
from wbcs.config import DATA_DIR, label_samples
from wbcs.errors import InputError

LABELS_DIR = DATA_DIR / "labels"
STORE = LABELS_DIR / "store.sqlite"
SAMPLE = LABELS_DIR / "gold_sample.csv"


PARTS = LABELS_DIR / "split.csv"
# The integer options' ranges (inclusive; None: no upper bound), checked before any work: a seed must be
# what NumPy's SeedSequence and scikit-learn's random_state take.
RANGES = {"size": (1, None), "seed": (0, 2**32 - 1), "folds": (2, None), "min_annotators": (1, None)}




COMMITTED_NOTE = ("Never drawn: the items of the committed samples (data/labels/gold_sample*.csv and\n"
                  "turns_sample*.csv), labelled already; --include-committed only to redraw one of them.")


def committed_arg(p, what: str) -> None:
    p.add_argument("--include-committed", action="store_true",
                   help=f"draw the {what} of the committed samples too (labelled already: only to redraw one of "
                        "them, as data/labels/README.md says how they were drawn)")


def _left_out(args: argparse.Namespace, ids) -> tuple:
    """Which of ``ids`` (a Series) are left out: those of --exclude and, unless --include-committed, of the committed
    samples (labelled already: a new annotator following --help re-labelled the gold set); and how many of
    ``ids`` the committed samples took."""
    from wbcs.labeling.batch import read_sample

    excluded = ids.isin(set(read_sample(args.exclude)) if args.exclude else set())
    committed = ids.isin(set() if args.include_committed else set(read_sample(label_samples())))
    return excluded | committed, int(committed.sum())


def _say_committed(n: int, what: str) -> None:
    if n:
        print(f"left out {n} {what} of the committed samples (labelled already; --include-committed draws them too)")


def _example(line: str, what: str = "") -> str:
    return f"Example:\n  {line}" + (f"\n\n{what}" if what else "")


def _check_ranges(args: argparse.Namespace) -> None:
    """One line for an integer option out of its range (``RANGES``), before the command runs."""
    for name, (low, high) in RANGES.items():
        value = getattr(args, name, None)
        if value is not None and (value < low or (high is not None and value > high)):
            want = f"at least {low}" if high is None else f"between {low} and {high}"
            raise InputError(f"--{name.replace('_', '-')} must be {want}, got {value}")


def _shipped_inputs(args: argparse.Namespace) -> None:
    """Every input path of a label command (never --out nor --store: nothing is written into the package)
    through ``wbcs.cli.shipped_input``."""
    shipped_inputs(args, ("sample", "exclude", "files", "passes", "parts"))


def _no_folders(args: argparse.Namespace) -> None:
    """A folder given for an input file or the store is said as one, before any work (it was "no label store there;
    build it with 'wbcs label rebuild'", which then refused the folder, or a missing file, or a format '')."""
    from wbcs.io.read import not_a_folder
    from wbcs.labeling.store import store_file

    for name in ("sample", "exclude", "files", "parts", "posts"):
        value = getattr(args, name, None)
        for path in value if isinstance(value, list) else [value] if value is not None else []:
            if str(path) != ".":  # --posts '' is Path('.'): the command's own check names the option and the file
                not_a_folder(path)
    if getattr(args, "store", None) is not None:
        store_file(args.store)


def register(sub) -> None:
    from wbcs.cli import HelpFormatter

    label = sub.add_parser(
        "label", help="labelling: gold sample, batches, import, agreement, consensus",
        description="Label posts offline in batches or in the notebook widget; measure agreement; "
                    "build the consensus gold set.",
        epilog=_example("wbcs label rebuild --store out/labels.sqlite\n  wbcs label status --store out/labels.sqlite",
                        "rebuild makes a store from the committed passes (data/labels/passes); the\n"
                        "default --store is data/labels/store.sqlite, kept out of git."),
        formatter_class=HelpFormatter)
    label.set_defaults(func=lambda _args: label.print_help() or 2)
    cmds = label.add_subparsers(dest="label_command", metavar="LABEL_COMMAND")

    def add(name, func, help, example, what=""):
        p = cmds.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                            epilog=_example(example, what), formatter_class=HelpFormatter)
        p.set_defaults(func=lambda args: _check_ranges(args) or _shipped_inputs(args) or _no_folders(args) or func(args))
        return p

    def store_arg(p):
        p.add_argument("--store", type=Path, default=STORE, help=f"label store (default {STORE})")

    def posts_arg(p, what="the texts"):
        p.add_argument("--posts", type=Path, help=f"your own posts (an export, or a wbcs ingest table) for {what}, "
                                                  "instead of STC-3's (a sample from wbcs label sample-posts)")

    def sample_arg(p, many=True):
        if many:
            p.add_argument("--sample", type=Path, nargs="+", default=label_samples(),
                           help=f"samples of post ids (default: every {LABELS_DIR}/gold_sample*.csv)")
        else:
            p.add_argument("--sample", type=Path, default=SAMPLE, help=f"sample of post ids (default {SAMPLE})")

    p = add("sample", cmd_sample, "draw the gold sample of STC-3 telecom posts (ids only)",
            "wbcs label sample --include-committed --out out/gold_sample_redrawn.csv --size 100 --seed 3",
            "Stratified by operator and is_complaint in proportion to the training dialogues.\n"
            f"{COMMITTED_NOTE}\n"
            "--exclude leaves out the posts of other samples too (a size above what is left\n"
            "takes every remaining post, shuffled). The committed gold_sample.csv and\n"
            "gold_sample_2.csv hold every STC-3 telecom first post: without --include-committed\n"
            "nothing is left, and the command says so (the example redraws 100 of them); to label\n"
            "more, choose your own posts with wbcs label sample-posts.")
    p.add_argument("--out", type=Path, default=SAMPLE, help=f"CSV to write (default {SAMPLE})")
    p.add_argument("--force", action="store_true",
                   help="replace --out if it exists (a committed sample is what the gold set's labels refer to)")
    p.add_argument("--size", type=int, default=650, help="posts to sample (default 650)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--exclude", type=Path, nargs="+", default=[],
                   help="sample files whose posts are left out too")
    committed_arg(p, "posts")

    p = add("split", cmd_split, "fix the test part: which STC-3 dialogues are never trained or selected on",
            "wbcs label split --out out/split.csv --test-frac 0.2 --seed 0",
            "Stratified by telecom x operator x first nugget; grouped by dialogue (every turn of a\n"
            "test dialogue is test). Fixed once: an existing file is never overwritten.")
    p.add_argument("--out", type=Path, default=PARTS, help=f"CSV to write (default {PARTS})")
    p.add_argument("--test-frac", type=float, default=0.2, help="share of dialogues in the test part (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")

    p = add("sample-turns", cmd_sample_turns, "sample customer turns to label for sentiment, intent and negative subtype",
            "wbcs label sample-turns --part test --include-committed --out out/turns_sample_test.csv\n"
            "  wbcs label sample-turns --part train --kind other_first_post --size 100000 --include-committed "
            "--out out/rest.csv",
            f"{COMMITTED_NOTE}\n"
            "--part test takes every customer turn of the test dialogues but the telecom first\n"
            "posts (the gold samples hold those); --part train draws --size turns of the training\n"
            "dialogues not sampled yet (nor in --exclude), at random or by --strategy balanced (the\n"
            "model's rare classes and uncertain items first); a --size above what is left takes\n"
            "all of it. The committed turn samples hold every customer turn of STC-3: without\n"
            "--include-committed nothing is left and it says so (the examples redraw them); to label\n"
            "more, choose your own posts with wbcs label sample-posts.")
    p.add_argument("--part", choices=["train", "test"], required=True)
    p.add_argument("--out", type=Path, required=True, help="CSV to write (item ids only)")
    p.add_argument("--parts", type=Path, default=PARTS, help=f"test-part file (default {PARTS})")
    p.add_argument("--size", type=int, default=500, help="--part train: turns to draw (default 500)")
    p.add_argument("--strategy", choices=["random", "balanced"], default="random",
                   help="--part train: how to choose (default random)")
    p.add_argument("--exclude", type=Path, nargs="+", default=[], help="samples whose items are left out too")
    committed_arg(p, "turns")
    p.add_argument("--kind", choices=["follow_up", "other_first_post"],
                   help="draw only this kind of turn: later messages, or first posts to non-telecom accounts "
                        "(default both)")
    p.add_argument("--rare", nargs="+", metavar="FIELD=LABEL,LABEL",
                   help="--strategy balanced: the classes to look for (default: the rare intents, sentiments "
                        "and subtypes, wbcs.labeling.select.RARE)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    store_arg(p)

    p = add("sample-posts", cmd_sample_posts, "choose posts of your own to label in the full schema (ids only)",
            "wbcs label sample-posts --posts out/posts.parquet --size 200 --out out/my_sample.csv",
            f"{COMMITTED_NOTE}\n"
            "POSTS is an export or a wbcs ingest table, read as wbcs ingest reads it. --strategy balanced (the\n"
            "default) spends half of --size on the posts a model fitted on the gold set's training part\n"
            "thinks most likely to be a rare class (--rare; by default every label with fewer than 100\n"
            "training examples: the thin topics, suggestions, abuse ...), a quarter on the posts its models\n"
            "are least sure of and a quarter at random; --strategy random draws uniformly. Then label them\n"
            "(agreement and disagreements --posts as for the gold set) and train with them:\n"
            "  wbcs label batch-export --sample out/my_sample.csv --posts out/posts.parquet --out out/batches\n"
            "  wbcs label import out/ann1/batch_001.labels.csv --annotator ann1 --sample out/my_sample.csv --store "
            "out/mine.sqlite\n"
            "  wbcs label consensus --sample out/my_sample.csv --store out/mine.sqlite --posts out/posts.parquet "
            "--out out/my_gold.parquet\n"
            "  wbcs train --task default --add out/my_gold.parquet --out out/models/wbcs-default/1")
    p.add_argument("--posts", type=Path, required=True,
                   help="your posts: an export (read as wbcs ingest reads it) or a wbcs ingest table")
    p.add_argument("--out", type=Path, required=True, help="CSV to write (post ids only)")
    p.add_argument("--size", type=int, default=200, help="posts to choose (default 200)")
    p.add_argument("--strategy", choices=["random", "balanced"], default="balanced",
                   help="how to choose (default balanced)")
    p.add_argument("--rare", nargs="+", metavar="FIELD=LABEL,LABEL",
                   help="--strategy balanced: the classes to look for (default: every label with fewer than 100 "
                        "examples in the gold training part)")
    p.add_argument("--exclude", type=Path, nargs="+", default=[], help="samples whose posts are left out")
    committed_arg(p, "posts")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")

    p = add("batch-export", cmd_batch_export, "write annotation batches (masked texts) for a sample",
            "wbcs label batch-export --sample data/labels/gold_sample.csv --out out/label_batches --size 50",
            "Writes batch_NNN.jsonl (item_id, operator, text, reply, context) and an empty\n"
            "batch_NNN.labels.csv template per batch. Keep them out of git (out/ is ignored).")
    sample_arg(p, many=False)
    posts_arg(p)
    p.add_argument("--out", type=Path, required=True, help="folder for the batch files")
    p.add_argument("--size", type=int, default=50, help="items per batch (default 50)")

    p = add("import", cmd_import, "validate an annotation file and record it for an annotator",
            "wbcs label import data/labels/passes/ann1/batch_001.csv --annotator ann1 --store out/labels.sqlite",
            "Wide files: item_id, sentiment, intent, topic, negative_subtype, identifiable.\n"
            "Long files (adjudication): item_id, field, value. A bad row stops the import\n"
            "and nothing is recorded; an edited file records only its edited rows (a label changed\n"
            "since in the store, e.g. in the widget, is kept unless its row was edited). A file imported\n"
            "before (the same content) records nothing: it says how many of its labels were\n"
            "changed since (a correction in the widget), which --again would revert. A file\n"
            "imported for another annotator (the same content) is refused: a batch file does\n"
            "not say whose it is; --identical if their labels really are the same.")
    p.add_argument("files", nargs="+", type=Path, help=".csv, .jsonl or .parquet files")
    p.add_argument("--annotator", required=True, help="annotator name (e.g. ann1, adjudicator)")
    p.add_argument("--again", action="store_true",
                   help="record a file imported before once more, or every row of an edited one: its labels "
                        "replace the ones changed since")
    p.add_argument("--identical", action="store_true",
                   help="record a file whose content was imported for another annotator (their labels really "
                        "are the same)")
    store_arg(p)
    sample_arg(p)

    p = add("rebuild", cmd_rebuild, "import every committed pass (passes/<annotator>/*.csv) into a store",
            "wbcs label rebuild --passes data/labels/passes --store out/labels.sqlite")
    p.add_argument("--passes", type=Path, default=LABELS_DIR / "passes",
                   help=f"folder of annotator folders (default {LABELS_DIR / 'passes'})")
    store_arg(p)
    sample_arg(p)

    p = add("status", cmd_status, "labelled and remaining items per annotator",
            "wbcs label status --store out/labels.sqlite --json")
    store_arg(p)
    sample_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON on stdout")

    p = add("export", cmd_export, "export the current labels (ids and labels only)",
            "wbcs label export --store out/labels.sqlite --out out/labels.parquet")
    store_arg(p)
    p.add_argument("--out", type=Path, required=True, help=".jsonl, .csv or .parquet")
    p.add_argument("--annotator", default=None, help="only this annotator's labels")

    p = add("agreement", cmd_agreement, "agreement per field: Cohen's kappa and Krippendorff's alpha",
            "wbcs label agreement --store out/labels.sqlite --json")
    store_arg(p)
    p.add_argument("--annotators", nargs="+", default=None,
                   help="annotators to compare (default: all but 'adjudicator')")
    sample_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON on stdout")

    p = add("disagreements", cmd_disagreements, "write the adjudication queue (disputed item fields)",
            "wbcs label disagreements --store out/labels.sqlite --out out/adjudication.csv",
            "Fill the 'value' column, then: wbcs label import out/adjudication.csv --annotator adjudicator\n"
            "A queue whose filled-in rulings are not imported yet is never written over.")
    store_arg(p)
    sample_arg(p)
    p.add_argument("--out", type=Path, required=True, help=".csv, .jsonl or .parquet")
    p.add_argument("--no-text", action="store_true", help="leave out the (masked) post texts")
    posts_arg(p)

    p = add("consensus", cmd_consensus, "write the consensus gold labels (adjudicator wins, else agreement)",
            "wbcs label consensus --store out/labels.sqlite --out out/gold.csv",
            "The items of --sample (default: the telecom first posts, gold_sample*.csv): post_id +\n"
            "every field. For the customer turns: --sample data/labels/turns_sample*.csv --out\n"
            "out/gold_turns.csv (item_id, sentiment, intent, negative_subtype).")
    store_arg(p)
    p.add_argument("--sample", type=Path, nargs="+", default=sorted(LABELS_DIR.glob("gold_sample*.csv")),
                   help="samples whose items to write (default: every gold_sample*.csv)")
    p.add_argument("--out", type=Path, required=True, help="CSV: the item id + one column per field")
    p.add_argument("--min-annotators", type=int, default=2,
                   help="annotators an item needs before agreement counts (default 2)")
    posts_arg(p, "a text column (masked) next to the labels, so that wbcs train --add or --data can read the file")

    p = add("issues", cmd_issues, "likely label errors (cleanlab, out-of-fold probabilities)",
            "wbcs label issues --store out/labels.sqlite --field sentiment --out out/issues.csv",
            "Labels come from the consensus of the items of --sample (or --annotator NAME); the\n"
            "baseline TextClassifier gives out-of-fold probabilities on the STC-3 texts, or on\n"
            "your own with --posts (give their --sample).")
    store_arg(p)
    sample_arg(p)
    p.add_argument("--field", default="sentiment", help="taxonomy field (default sentiment)")
    p.add_argument("--annotator", default=None, help="check this annotator's labels instead of the consensus")
    p.add_argument("--out", type=Path, required=True, help=".csv, .jsonl or .parquet")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--text", action="store_true", help="add the masked post texts")
    posts_arg(p, "the texts the model reads")


def _open(path: Path, *, must_exist: bool = True):
    from wbcs.labeling.store import LabelStore

    if must_exist and not Path(path).is_file():
        # the default store is made from the committed passes: a new clone has none until 'wbcs label rebuild'
        rebuild = "wbcs label rebuild" + ("" if Path(path) == STORE else f" --store {path}")
        raise InputError(f"{path}: no label store there; build it from the committed passes with '{rebuild}' "
                         f"(about 30 s), or import your labels ('wbcs label import FILE --annotator NAME "
                         f"--store {path}')")
    return LabelStore(path, readonly=must_exist)  # commands that only read work on a read-only store


def _check_new_store(path: Path) -> None:
    """Before an import validates its files (it creates no store unless they are all good): a store that could
    not be created at ``path`` is said first."""
    from wbcs.io import check_outputs

    if not path.exists():
        try:
            check_outputs([path], formats=None)
        except InputError as e:
            raise InputError(f"--store {path}: cannot create a label store there ({e}); choose a --store path "
                             "in a folder you can write") from None


def _check_out(args, formats=None) -> None:
    """--out, checked before the work: a label file format (``formats``, default the label store's),
    writable, and none of the command's inputs (--store, --posts, --parts, every --sample and --exclude)."""
    from wbcs.io import check_outputs
    from wbcs.labeling.store import FORMATS

    named = {opt: getattr(args, opt[2:], None) for opt in ("--store", "--posts", "--parts")}
    check_outputs({"--out": args.out}, inputs=named, formats=formats or FORMATS)
    for opt in ("--sample", "--exclude"):
        paths = getattr(args, opt[2:], None)
        paths = [paths] if isinstance(paths, Path) else paths or []
        check_outputs({"--out": args.out}, inputs={f"{opt} {p}": p for p in paths}, formats=None)


def _stc3(*, telecom_only: bool = True):
    import warnings

    from wbcs.datasets import load_stc3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 dialogues whose ids give no time: not in any sample
        return load_stc3(split="train", telecom_only=telecom_only)


def cmd_split(args: argparse.Namespace) -> int:
    from wbcs.io import write_table
    from wbcs.labeling.turns import fix_test_part

    _check_out(args, formats=[".csv"])  # first: a folder is said as one, not as a test part fixed there
    if args.out.exists():
        raise InputError(f"{args.out}: a test part is already fixed there; it is never redrawn "
                         "(choose another --out to try a different one)")
    dialogues = _stc3(telecom_only=False)
    parts = fix_test_part(dialogues, frac=args.test_frac, seed=args.seed)
    write_table(parts, args.out, mask=False)  # ids only
    n = parts["part"].value_counts()
    rejected = len(dialogues.attrs["rejects"])  # no silent drop: 3,697 written of STC-3's 3,700 needs its reason
    print(f"wrote {len(parts)} dialogues to {args.out}: test {n.get('test', 0)}, train {n.get('train', 0)}"
          + (f"; {rejected} rejected (implausible ids: they give no post time; in no part and no sample)"
             if rejected else ""))
    return 0


def cmd_sample_turns(args: argparse.Namespace) -> int:
    from wbcs.goldset import customer_turns, part_of, read_parts
    from wbcs.io import write_table
    _check_out(args, formats=[".csv"])  # first: a folder is said as one, not as a sample already there
    if args.out.exists():
        raise InputError(f"{args.out}: a sample is already there; choose a new file")
    dialogues = _stc3(telecom_only=False)
    turns = customer_turns(dialogues)
    turns["part"] = part_of(turns["item_id"], read_parts(args.parts)).to_numpy()
    pool = turns[(turns["part"] == args.part) & ~((turns["kind"] == "first_post") & turns["telecom"])]
    # the pool's first posts are the ones to other accounts: named as wbcs train and the gold set name them
    pool = pool.assign(kind=pool["kind"].replace({"first_post": "other_first_post"}))
    if args.kind:
        pool = pool[pool["kind"] == args.kind]
    taken, committed = _left_out(args, pool["item_id"])
    # an empty message (an image or sticker only) has nothing to label: never drawn
    candidates = len(pool)
    pool = pool[~taken & pool["text"].str.strip().ne("")]
    if pool.empty:
        raise InputError(f"no customer turn left to sample: the {args.part} part has {candidates} "
                         f"{args.kind or 'candidate'} turns, all in the committed samples (labelled already), in "
                         "--exclude or without text; nothing was written (to label more, choose your own posts "
                         "with 'wbcs label sample-posts')")
    if args.part == "test":
        chosen = pool
    elif args.strategy == "random":
        from wbcs.labeling.sampling import random_sample

        keep = random_sample(pool["item_id"].tolist(), args.size, seed=args.seed)
        chosen = pool.set_index("item_id", drop=False).loc[keep]
    else:
        from wbcs.labeling.select import balanced_turns

        chosen = balanced_turns(pool, args.size, labelled=_train_labels(args, turns), seed=args.seed,
                                rare=_rare(args.rare))
    if "reason" in chosen:
        # printed, not written: the annotators read the sample's items and must not see what a model expects
        print("chosen for: " + ", ".join(f"{k} {v}" for k, v in chosen["reason"].value_counts().items()))
    # how the items were drawn: a share correction may learn only from items that stand for their kind
    # (goldset.drawn_at_random)
    drawn = "all" if args.part == "test" else args.strategy
    out = chosen.assign(fields="sentiment intent negative_subtype", drawn=drawn)[
        ["item_id", "dialogue_id", "kind", "part", "fields", "drawn"]]
    write_table(out, args.out, mask=False)  # ids only
    _say_committed(committed, "turns")
    kinds = out["kind"].value_counts().to_dict()
    print(f"wrote {len(out)} turns ({', '.join(f'{k} {v}' for k, v in kinds.items())}) to {args.out}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from wbcs.labeling.batch import gold_sample, write_sample

    _check_out(args, formats=[".csv"])
    if args.out.exists() and not args.force:
        committed = " (a committed sample: the gold set's labels refer to its posts)" \
            if args.out.resolve() in {p.resolve() for p in label_samples()} else ""
        raise InputError(f"--out {args.out}: exists{committed}; choose a new file, e.g. "
                         f"{args.out.with_name(args.out.stem + '_new.csv')}, or pass --force to replace it")
    posts = _stc3()
    taken, committed = _left_out(args, posts["post_id"])
    candidates = len(posts)
    posts = posts[~taken]
    if posts.empty:
        raise InputError(f"every one of the {candidates} candidate posts (STC-3's telecom first posts) is in the "
                         "committed samples (labelled already) or --exclude; nothing is left to sample and nothing "
                         "was written (to label more, choose your own posts with 'wbcs label sample-posts')")
    sample = gold_sample(posts, args.size, seed=args.seed)
    write_sample(sample, args.out)
    _say_committed(committed, "posts")
    counts = sample.groupby(["operator", "is_complaint"], dropna=False).size()
    print(f"wrote {len(sample)} post ids to {args.out}")
    for (op, complaint), k in counts.items():
        print(f"  {op:<14} is_complaint={complaint!s:<5} {k}")
    return 0


def _check_posts(path: Path | None) -> None:
    """--posts (when given) is a file: checked up front by the commands that read it only for some results
    (disputed items, gold items), so that a wrong path is said whatever the store holds."""
    if path is not None and not path.is_file():
        raise InputError(f"--posts {path}: no such file; give an export or 'wbcs ingest EXPORT --out {path}'")


def _posts(path: Path):
    """A team's posts for the labelling commands, read as every command reads posts (``io.read_posts``: an export
    or a wbcs table; headers mapped, PII masked, unusable rows rejected and said): post_id, text, ..."""
    from wbcs.io import read_posts

    _check_posts(path)
    posts, _ = read_posts(path)
    posts["post_id"] = posts["post_id"].astype(str)
    return posts


def cmd_sample_posts(args: argparse.Namespace) -> int:
    from wbcs.io import write_table
    from wbcs.labeling.fields import label_fields
    from wbcs.labeling.select import choose_posts

    _check_out(args, formats=[".csv"])
    if args.out.exists():
        raise InputError(f"--out {args.out}: a sample is already there (labels may refer to it); choose a new file")
    posts = _posts(args.posts)  # rows without text are rejects already, and said
    taken, committed = _left_out(args, posts["post_id"])
    pool = posts[~taken].rename(columns={"post_id": "item_id"})
    if pool.empty:
        raise InputError(f"--posts {args.posts}: no post left to choose from: its {len(posts)} posts are all in the "
                         "committed samples (labelled already) or --exclude; nothing was written"
                         + ("" if args.include_committed else " (--include-committed draws the committed ones too)"))
    print(f"{args.posts}: {len(posts)} posts; {int(taken.sum())} left out (in --exclude or the committed samples); "
          f"{len(pool)} to choose from")
    chosen = choose_posts(pool, args.size, strategy=args.strategy, rare=_rare(args.rare), seed=args.seed)
    if chosen.attrs["rare"]:
        print("selection models learnt from the gold set's training first posts; looked for "
              + "; ".join(f"{f} {', '.join(labels)}" for f, labels in chosen.attrs["rare"].items()))
        # printed, not written: the annotators read the sample's items and must not see what a model expects
        print("chosen for: " + ", ".join(f"{k} {v}" for k, v in chosen["reason"].value_counts().items()))
    out = chosen[["item_id"]].assign(fields=" ".join(label_fields()), drawn=args.strategy, source=args.posts.name)
    # the key item_id is written as it is; the file name in source is masked (客户13812345678.csv left unmasked)
    write_table(out, args.out)
    _say_committed(committed, "posts")
    print(f"wrote {len(out)} post ids to {args.out}")
    return 0


def _rare(specs) -> dict | None:
    from wbcs.labeling.fields import taxonomy

    if not specs:
        return None
    tax, out = taxonomy(), {}
    for spec in specs:
        field, sep, labels = spec.partition("=")
        if not sep or field not in tax.fields:
            raise InputError(f"--rare {spec!r}: write FIELD=LABEL,LABEL with a taxonomy field "
                             f"({', '.join(tax.fields)})")
        unknown = [lab for lab in labels.split(",") if lab not in tax.ids(field)]
        if unknown:
            raise InputError(f"--rare {spec!r}: unknown {field} label {unknown[0]!r} (known: {', '.join(tax.ids(field))})")
        out[field] = tuple(labels.split(","))
    return out


def _train_labels(args, turns):
    """Resolved labels (agreed or adjudicated) of the training part's items in the store,
    one column per field, with their texts: what the selection models learn from."""
    from wbcs.labeling.agreement import resolve

    with _open(args.store) as store:
        cur = store.current()
    resolved = resolve(cur)
    resolved = resolved[resolved["status"].isin(["agreed", "adjudicated"])]
    wide = resolved.pivot(index="item_id", columns="field", values="value")
    train = turns[turns["part"] == "train"].set_index("item_id")
    wide = wide[wide.index.isin(train.index)]
    print(f"selection models learn from {len(wide)} labelled items of the training part")
    return wide.join(train["text"]).reset_index()


def cmd_batch_export(args: argparse.Namespace) -> int:
    from wbcs.labeling.batch import check_batch_folder, export_batches, items_for, sample_fields
    from wbcs.labeling.fields import label_fields

    fields_for = sample_fields(args.sample)
    kinds = set(fields_for.values())
    if len(kinds) > 1:
        raise InputError(f"{args.sample}: items are labelled for different fields; export each kind apart")
    fields = kinds.pop()
    # before reading the posts: --posts batch_001.jsonl in --out was replaced by a 10-line batch
    inputs = {"--posts": args.posts, "--sample": args.sample}
    check_batch_folder(args.out, math.ceil(len(fields_for) / args.size), inputs=inputs)
    if args.posts is not None:  # a team's own posts (wbcs label sample-posts)
        items = items_for(_posts(args.posts), list(fields_for), source=str(args.sample))
    elif fields == tuple(label_fields()):  # telecom first posts in the full schema
        items = items_for(_stc3(), list(fields_for), source=str(args.sample))
    else:  # customer turns: what came before, the turn, what came after
        from wbcs.labeling.turns import turn_items

        items = turn_items(_stc3(telecom_only=False), list(fields_for), source=str(args.sample))
    files = export_batches(items, args.out, size=args.size, fields=fields, inputs=inputs)
    print(f"wrote {len(files)} batches of up to {args.size} items ({len(items)} items) to {args.out}")
    return 0


def _summary(s, annotator: str) -> str:
    """What an import did, said: what a summary holds beyond recorded/unchanged only when it happened."""
    if s.already:
        return (f"already imported for {annotator} ({s.already}), nothing recorded: {s.unchanged} labels as in the "
                f"file, {s.stale} changed since (kept; --again would replace them with the file's)")
    out = f"recorded {s.recorded} labels for {annotator}, {s.unchanged} already there"
    if s.stale:
        out += f", {s.stale} older than the store's (kept out)"
    if s.newer:
        out += (f", {s.newer} as the file gave them when imported before and changed in the store since, e.g. in "
                "the widget (kept; --again would replace them with the file's)")
    if s.retracted:
        out += f"; {s.retracted} labels retracted (their condition no longer holds, e.g. a subtype of a post now " \
               "not negative)"
    return out


def cmd_import(args: argparse.Namespace) -> int:
    from wbcs.labeling.batch import read_annotation_file, sample_fields
    from wbcs.labeling.store import check_annotator_name

    _check_new_store(args.store)
    with _open(args.store) if args.store.is_file() else nullcontext() as store:  # its names may be contact data
        check_annotator_name(args.annotator, "--annotator", known=lambda n: store is not None and n in store.annotators())
    ids = sample_fields(args.sample)
    # every file validated before the store is opened: a bad file records nothing and creates no store
    files = [read_annotation_file(f, args.annotator, known_ids=ids) for f in args.files]
    with _open(args.store, must_exist=False) as store:
        for a in files:
            s = a.record(store, again=args.again, identical=args.identical)
            print(f"{a.path}: {_summary(s, args.annotator)}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from wbcs.labeling.batch import read_passes, record_passes, sample_fields

    _check_new_store(args.store)
    ids = sample_fields(args.sample)
    passes = read_passes(args.passes, known_ids=ids)  # all validated first: a bad file creates no store
    with _open(args.store, must_exist=False) as store:
        done = record_passes(store, passes)
    recorded = sum(s.recorded for s in done.values())
    print(f"{len(done)} files from {args.passes}: recorded {recorded} labels, "
          f"{sum(s.unchanged for s in done.values())} already there")
    for name, s in done.items():  # a file imported before whose labels were changed since, or a retraction: said
        if s.stale or s.retracted or s.newer:
            print(f"  {name}: {_summary(s, passes[name].annotator)}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from wbcs.labeling.agreement import ADJUDICATOR
    from wbcs.labeling.batch import progress, sample_fields

    ids = sample_fields(args.sample)
    with _open(args.store) as store:
        table = progress(store, ids)
    if args.json:
        print(json.dumps({"items": len(ids), "annotators": table.to_dict("records")}, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.store}: {len(ids)} items in {', '.join(map(str, args.sample))}")
    for r in table.itertuples():
        if r.annotator == ADJUDICATOR:  # labels only what the annotators disagreed on
            print(f"  {r.annotator:<16} adjudicated {r.complete:>5} items (only the disputed ones; "
                  "'wbcs label disagreements' writes those still disputed)")
        else:
            print(f"  {r.annotator:<16} complete {r.complete:>5}  remaining {r.remaining:>5}")
    return 0


def _check_labels_out(args, sample=None) -> None:
    """--out, when it exists, holds no label the store lacks (``check_labels_file``: an annotator's filled file
    not imported yet is never written over)."""
    from wbcs.labeling.batch import check_labels_file

    if args.out.is_file():
        with _open(args.store) as store:
            events = store.history()
        check_labels_file(args.out, events[events["action"] == "label"], store=args.store,
                          sample=" ".join(map(str, sample)) if sample else None)


def cmd_export(args: argparse.Namespace) -> int:
    _check_out(args)
    _check_labels_out(args)
    with _open(args.store) as store:
        if args.annotator is not None and args.annotator not in store.annotators():
            raise InputError(f"--annotator {args.annotator!r}: no labels of theirs in {args.store} "
                             f"(annotators: {', '.join(store.annotators()) or 'none'})")
        path = store.export(args.out, annotator=args.annotator)
        n = len(store.current(args.annotator))
    print(f"wrote {n} labels to {path}", file=sys.stderr)
    return 0


def _num(x):
    return None if x != x else round(x, 4)  # NaN → null in JSON


def _current(args):
    """The store's current labels of the items of ``--sample``, item → fields, and how many items of the store are
    in no ``--sample``."""
    from wbcs.labeling.batch import sample_fields

    fields_for = sample_fields(args.sample)
    with _open(args.store) as store:
        cur = store.current()
    ours = cur["item_id"].isin(set(fields_for))
    return cur[ours], fields_for, cur.loc[~ours, "item_id"].nunique()


def _elsewhere(args, n: int) -> str | None:
    """The line that says how many labelled items of the store the command left out (in no --sample), or None."""
    if n:
        return f"left out: {n} items of {args.store} in no --sample (give their sample with --sample)"
    return None


def _say_elsewhere(args, n: int) -> None:
    """Said on stderr: a command's stdout may be JSON (agreement --json)."""
    if note := _elsewhere(args, n):
        print(note, file=sys.stderr)


def _unresolved(gold, cur, fields_for) -> dict[str, int]:
    """The sampled items without gold labels, by why: ``consensus`` counts the items it resolved (disputed,
    incomplete), and the sample's items nobody labelled yet are counted here, never as resolved."""
    unresolved = dict(gold.attrs["unresolved"])
    unlabelled = len(set(fields_for) - set(cur["item_id"]))
    if unlabelled:
        unresolved["not labelled yet"] = unlabelled
    return unresolved


def cmd_agreement(args: argparse.Namespace) -> int:
    from wbcs.labeling.agreement import ADJUDICATOR, agreement

    cur, _, elsewhere = _current(args)
    _say_elsewhere(args, elsewhere)  # κ and α of the sampled items only: the rest is said, never silently dropped
    found = sorted(set(cur["annotator"]) - {ADJUDICATOR})
    if len(set(args.annotators or found)) < 2:  # else an empty table (n = 0) and exit 0, as if measured
        given = f"--annotators gives {', '.join(args.annotators)}; " if args.annotators else ""
        raise InputError(f"agreement needs at least two annotators; {given}{args.store} has "
                         f"{', '.join(found) or 'none'} on the items of --sample"
                         + (f" (and {ADJUDICATOR}, who is not compared)" if ADJUDICATOR in set(cur["annotator"]) else ""))
    result = agreement(cur, annotators=args.annotators)
    if args.json:
        clean = {f: {k: (_num(v) if isinstance(v, float) else v) for k, v in r.items() if k != "pairs"}
                 | {"pairs": [{k: (_num(v) if isinstance(v, float) else v) for k, v in p.items()}
                              for p in r["pairs"]]} for f, r in result.items()}
        print(json.dumps(clean, ensure_ascii=False, indent=2))
        return 0
    print(f"{'field':<18}{'n':>6}{'agree':>8}{'kappa':>8}{'alpha':>8}")
    undefined = False
    for field, r in result.items():
        cells = [f"{v:>8.3f}" if v == v else f"{'–':>8}" for v in (r["agreement"], r["kappa"], r["alpha"])]
        undefined |= any(v != v for v in (r["kappa"], r["alpha"]))
        print(f"{field:<18}{r['n']:>6}{''.join(cells)}")
    if undefined:  # chance agreement is 1 when every label is one class: κ and α divide by 0
        print("– : undefined (every label of the field is one class, or no item has two labels)")
    return 0


def _items(ids, posts: Path | None = None):
    if posts is not None:
        from wbcs.labeling.batch import items_for

        return items_for(_posts(posts), ids, source=f"--posts {posts}")
    from wbcs.labeling.turns import turn_items

    return turn_items(_stc3(telecom_only=False), ids, source="label store")


def cmd_disagreements(args: argparse.Namespace) -> int:
    from wbcs.labeling.agreement import disagreements, resolve
    from wbcs.labeling.store import write_records

    _check_out(args)
    _check_labels_out(args, args.sample)
    _check_posts(args.posts)  # read only when there are disputes: a wrong path exited 0 without them
    cur, fields_for, elsewhere = _current(args)
    resolved = resolve(cur, fields_for=fields_for)
    disputed = resolved.loc[resolved["status"] == "disputed", "item_id"].unique()
    items = None if args.no_text or len(disputed) == 0 else _items(disputed, args.posts)
    queue = disagreements(resolved, items)
    write_records(queue, args.out)
    print(f"wrote {len(queue)} disputed fields of {queue['item_id'].nunique()} items to {args.out}")
    _say_elsewhere(args, elsewhere)
    return 0


def cmd_consensus(args: argparse.Namespace) -> int:
    from wbcs.io import WRITE_FORMATS, write_table
    from wbcs.labeling.agreement import consensus, resolve
    from wbcs.labeling.fields import label_fields

    _check_out(args, formats=WRITE_FORMATS)
    _check_labels_out(args, args.sample)
    _check_posts(args.posts)  # read only when there are gold items
    cur, fields_for, elsewhere = _current(args)
    kinds = set(fields_for.values())
    if len(kinds) > 1:
        raise InputError(f"{', '.join(map(str, args.sample))}: these samples mix items labelled for different "
                         "fields (first posts and turns); write each kind with its own --sample")
    fields = kinds.pop()
    id_col = "post_id" if fields == tuple(label_fields()) else "item_id"
    gold = consensus(resolve(cur, min_annotators=args.min_annotators, fields_for=fields_for), fields=fields,
                     id_col=id_col)
    if args.posts is not None and len(gold):  # the masked text the labels were given to
        texts = _items(gold[id_col].tolist(), args.posts).set_index("item_id")["text"]
        gold.insert(1, "text", gold[id_col].map(texts).to_numpy())
    write_table(gold, args.out)
    unresolved = _unresolved(gold, cur, fields_for)
    left = ", ".join(f"{n} {k}" for k, n in unresolved.items()) or "none"
    print(f"wrote {len(gold)} gold items of the {len(fields_for)} sampled to {args.out}; unresolved items: {left}")
    _say_elsewhere(args, elsewhere)
    samples = " ".join(map(str, args.sample))
    if unresolved.get("disputed"):
        posts = f" --posts {args.posts}" if args.posts is not None else ""
        print(f"  disputed: write them for adjudication with 'wbcs label disagreements --store {args.store} "
              f"--sample {samples}{posts} --out adjudication.csv', fill its 'value' column, import it with "
              f"'wbcs label import adjudication.csv --annotator adjudicator --store {args.store} --sample "
              f"{samples}' and run this command again")
    if unresolved.get("incomplete"):
        print(f"  incomplete: fewer than {args.min_annotators} annotators labelled every field; see "
              f"'wbcs label status --store {args.store} --sample {samples}'")
    if unresolved.get("not labelled yet"):
        print("  not labelled yet: sampled items no annotator has labelled; label and import them ('wbcs label "
              f"status --store {args.store} --sample {samples}' counts what each annotator has left)")
    return 0


def _consensus_labels(args) -> tuple[dict[str, str], list[str]]:
    """item → consensus label of ``--field``, each item resolved on the fields its sample labels it for (a customer
    turn has no topic: without them every turn was incomplete and left out, unsaid); and the lines that say what
    is left out (printed by the caller once its progress bar is gone)."""
    from wbcs.labeling.agreement import consensus, resolve

    cur, fields_for, elsewhere = _current(args)
    gold = consensus(resolve(cur, fields_for=fields_for))
    left = ", ".join(f"{n} {k}" for k, n in _unresolved(gold, cur, fields_for).items())
    notes = []
    if left:
        notes.append(f"left out: {left} items (no consensus yet: 'wbcs label consensus' and 'wbcs label "
                     "disagreements' with the same --store and --sample say which)")
    if note := _elsewhere(args, elsewhere):
        notes.append(note)
    gold = gold[gold[args.field].notna()]
    return dict(zip(gold["post_id"], gold[args.field], strict=True)), notes


def cmd_issues(args: argparse.Namespace) -> int:
    from wbcs.labeling.agreement import label_issues
    from wbcs.labeling.fields import label_fields
    from wbcs.labeling.store import write_records
    from wbcs.progress import bar

    if args.field not in label_fields():
        raise InputError(f"--field {args.field!r}: not a taxonomy field ({', '.join(label_fields())})")
    _check_out(args)
    notes: list[str] = []
    # a minute or more on the gold set (its labels resolved, the STC-3 texts read, a model per fold): each step
    # shown on a terminal, and what was left out said once the bar is gone
    with bar(total=3, desc="label issues: resolving the labels", unit="step", leave=False) as steps:
        if args.annotator:
            with _open(args.store) as store:
                cur = store.current()
            mine = cur[(cur["annotator"] == args.annotator) & (cur["field"] == args.field)]
            if mine.empty:
                raise InputError(f"{args.store}: annotator {args.annotator!r} has no {args.field} labels")
            labels = dict(zip(mine["item_id"], mine["value"], strict=True))
        else:
            labels, notes = _consensus_labels(args)
        if labels:
            steps.update()
            steps.set_description_str("label issues: reading the texts")
            items = _items(list(labels), args.posts)
            steps.update()
            steps.set_description_str("label issues: out-of-fold models")
            found = label_issues(items["text"], [labels[i] for i in items["item_id"]],
                                 item_ids=items["item_id"], n_splits=args.folds, seed=args.seed)
            steps.update()
    for note in notes:
        print(note)
    if not labels:
        raise InputError(f"{args.store}: no consensus {args.field} labels yet; adjudicate first "
                         "or pass --annotator NAME")
    excluded = found.attrs.pop("excluded")
    if args.text:
        found = found.merge(items[["item_id", "text"]], on="item_id", how="left")
    write_records(found, args.out)
    print(f"{int(found['is_issue'].sum())} likely label issues among {len(found)} {args.field} labels "
          f"written to {args.out}" + (f"; {len(excluded)} left out (rare labels)" if len(excluded) else ""))
    return 0
