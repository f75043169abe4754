"""The classification tasks on the real datasets, each as (train, test) tables of text + label.

| task | field | data | test part |
|---|---|---|---|
| sentiment | sentiment | SMP2020-EWECT 3-class (surprise left out) | the official eval files |
| emotion | emotion | SMP2020-EWECT 6 emotions | the official eval files |
| weibo_senti | sentiment | weibo_senti_100k, emoticons stripped (positive/negative) | grouped 20 % hold-out |
| complaint | complaint | STC-3 telecom first posts: CNUG0 → yes, CNaN → no | grouped 20 % hold-out |
| cocc | cocc_topic | COCC complaint orders, 8 classes | grouped 20 % hold-out |
| topic | topic | COCC orders whose class maps onto a taxonomy topic (5 of 13) | grouped 20 % hold-out |
| gold_FIELD | FIELD | the gold set (``wbcs.goldset``: telecom first posts, and customer turns for sentiment, intent, subtype) | the fixed test part (``data/labels/split.csv``) |

Leakage guards: SMP2020 is deduplicated across files by its loader, and training
rows that are near duplicates (``wbcs.dedup``) of a test row are dropped; grouped
hold-outs keep near-duplicate groups whole. weibo_senti_100k's labels come from its
emoticons, so its loader strips them. Measured: adding weibo_senti_100k to the
SMP2020 training set lowers 3-class macro-F1 on the SMP2020 eval files (0.753 →
0.640 with all of it; it has no neutral class), so the sentiment task uses SMP2020 only.
"""

from __future__ import annotations

import sys
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.classify.configs import EXTRA_WEIGHTS
from wbcs.classify.splits import group_train_test_split, leakage_groups, training_groups
from wbcs.errors import InputError
from wbcs.goldset import GOLD_FIELDS, GOLD_FILE, load_gold_items


@dataclass
class TaskData:
    """A task's train and test tables (columns post_id, text, label) and where they came from."""

    name: str
    field: str
    description: str
    train: pd.DataFrame
    test: pd.DataFrame
    sources: list[dict] = field(default_factory=list)
    split: str = "hold-out"
    notes: list[str] = field(default_factory=list)


@dataclass
class ExtraData:
    """Out-of-domain labelled rows (columns text, label) a field may learn from next to its own:
    ``configs.select`` decides by grouped CV on the field's training rows whether they help, and at
    which of ``weights`` (how many out-of-domain rows one of the field's own rows counts as)."""

    name: str
    rows: pd.DataFrame
    sources: list[dict] = field(default_factory=list)
    weights: tuple = EXTRA_WEIGHTS
    notes: list[str] = field(default_factory=list)

    def unlike(self, own: pd.DataFrame, seed: int) -> ExtraData:
        """Without the rows that are near duplicates (``wbcs.dedup``) of any of ``own``'s texts: such a
        row would put a validation text, or a test text, into the training rows under another label."""
        rows, n_near = _drop_near_test(self.rows, own, seed)
        return ExtraData(self.name, rows, self.sources, self.weights,
                         [*self.notes, f"{n_near} out-of-domain row(s) dropped as near duplicates of the field's own rows"])

    def check_labels(self, labels) -> None:
        """An InputError naming the file, the label and its rows when a row's label is not one of ``labels`` (the
        field's own training rows'): the model would learn to predict a class it is never measured on (the held-out
        part is the field's own rows). A built-in candidate is narrowed with ``only`` instead."""
        counts = self.rows.loc[~self.rows["label"].isin(list(labels)), "label"].value_counts()
        if len(counts):
            raise InputError(f"{self.name}: label {counts.index[0]!r} ({counts.iloc[0]:,} row(s)) is not among the "
                             f"training rows' labels ({', '.join(sorted(map(str, set(labels))))}): the model would "
                             "predict a class it is never measured on; leave those rows out of the file")

    def only(self, labels) -> ExtraData:
        """Only the rows whose label is one of ``labels`` (a field cannot learn a class it does not have)."""
        keep = self.rows["label"].isin(list(labels))
        notes = [f"{int((~keep).sum())} out-of-domain row(s) of labels the field lacks left out"] if not keep.all() else []
        return ExtraData(self.name, self.rows[keep].reset_index(drop=True), self.sources, self.weights,
                         [*self.notes, *notes])


@dataclass
class OwnPosts:
    """A team's own labelled first posts (``rows``: post_id, text and the gold fields each row has, as ``wbcs label
    consensus --posts`` writes them) that ``train_default`` adds to every gold field's training part: more in-domain
    labels, never part of the fixed test part, so the card's held-out figures stay comparable."""

    rows: pd.DataFrame
    source: str
    sha256: str | None = None

    @classmethod
    def from_table(cls, df: pd.DataFrame, *, source: str, sha256: str | None = None) -> tuple[OwnPosts, pd.DataFrame]:
        """The usable rows of a labelled table (as ``read_table`` gives it: indexed by source_row), and its rejects
        (source, source_row, reason: rows without text or without any label); a column per gold field it has, its
        labels read as ids (``taxonomy_labels``: 负面 and NEGATIVE are negative), a label the taxonomy lacks an error
        naming its rows. Headers are read as --data's and every command's (``wbcs.io.resolve_columns``: 内容 is the
        text, 情感 the sentiment)."""
        from wbcs.io import resolve_columns

        cols = resolve_columns(df.columns, None, source)
        fields = [f for f in GOLD_FIELDS if f in cols]
        if "text" not in cols or not fields:
            raise InputError(f"{source}: needs a 'text' column and at least one of {', '.join(GOLD_FIELDS)} (wbcs label "
                             "consensus --posts POSTS writes such a file); columns: " + ", ".join(map(str, df.columns)))
        # a row named by ``df``'s index: the reader's 1-based source_row (the header not counted, a line it could not
        # read still counted), the row the user finds in the file
        labels = pd.DataFrame({f: taxonomy_labels(df[cols[f]], f, source, cols[f]) for f in fields}, index=df.index)
        text = df[cols["text"]].astype("string").str.strip()
        no_text, no_label = (text.isna() | text.eq("")).fillna(True), labels.isna().all(axis=1)
        bad = no_text | no_label
        rejects = pd.DataFrame({"source": source, "source_row": df.index[bad.to_numpy()],
                                "reason": np.where(no_text[bad], "empty text", "no label")})
        ids = (df[cols["post_id"]].astype(str) if "post_id" in cols
               else pd.Series("row" + df.index.astype(str), index=df.index))
        rows = pd.concat([pd.DataFrame({"post_id": ids, "text": text}), labels], axis=1)[~bad.to_numpy()]
        if rows.empty:
            raise InputError(f"{source}: no row with a text and a label")
        return cls(rows.reset_index(drop=True), source, sha256), rejects

    def into(self, task: TaskData, seed: int = 0) -> TaskData:
        """``task`` with these posts' labels of its field added to its training part: each a telecom first post
        (``POST_KIND``) and a group of its own, not drawn at random (no share correction learns from them); posts that
        are near duplicates of a test item are left out (they would put a test text into training)."""
        from wbcs.schema import POST_KIND

        have = self.rows[self.rows[task.field].notna()] if task.field in self.rows else self.rows.iloc[:0]
        own = "own:" + have["post_id"].astype(str)
        add = pd.DataFrame({"post_id": own, "text": have["text"].astype(str),
                            "label": have.get(task.field, pd.Series(dtype=str)).astype(str), "kind": POST_KIND,
                            "group": own, "sampled": False})
        add, n_near = _drop_near_test(add, task.test, seed)
        return TaskData(task.name, task.field, task.description,
                        pd.concat([task.train, add], ignore_index=True), task.test,
                        [*task.sources, {"source": self.source, "sha256": self.sha256, "rows": int(len(self.rows)),
                                         "own": True, "added": int(len(add)), "near_test": n_near,
                                         "role": f"a team's own labelled posts: {len(add):,} added to the training part"}],
                        task.split, [*task.notes, f"{len(add):,} own labelled post(s) of {self.source} added to the "
                                                  f"training part ({n_near} left out as near duplicates of test items)"])


def smp2020_sentiment() -> ExtraData:
    """SMP2020-EWECT's 3-class sentiment, every file (its eval files are not the gold set's test part): the
    out-of-domain candidate of the gold sentiment (BENCHMARKS.md, sentiment with out-of-domain Weibo labels)."""
    from wbcs.datasets import load_smp2020

    df = load_smp2020()
    split = df.loc[df["sentiment"].notna(), "split"].to_numpy()
    return ExtraData("SMP2020-EWECT 3-class sentiment", _frame(df, "sentiment")[["text", "label"]],
                     [_source("smp2020", s, int((split == s).sum())) for s in ("virus_train", "virus_eval", "usual_eval")])


def synthetic_rows(field: str, paths=None) -> ExtraData | None:
    """The LLM-written posts of ``data/synthetic/posts*.csv`` (columns field, label, text; one file per writing round,
    by helper sessions from the labelling guidelines for classes with few real examples, never from a dataset:
    ``data/synthetic/README.md``), or of ``paths``, for ``field``, as out-of-domain rows: grouped CV on the real
    training rows decides whether they help and at which weight, and they are never validation or test rows. None
    when no file has a row for ``field``."""
    from wbcs.config import DATA_DIR, ROOT
    from wbcs.datasets import sha256

    paths = sorted((DATA_DIR / "synthetic").glob("posts*.csv")) if paths is None else [Path(p) for p in paths]
    rows, sources = [], []
    for path in paths:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if missing := [c for c in ("field", "label", "text") if c not in df.columns]:
            raise InputError(f"{path}: no column {missing[0]!r}: a file of written posts has the columns field, label, "
                             "text")
        own = df.loc[df["field"] == field, ["text", "label"]]
        if len(own):
            rows.append(own)
            name = path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) else str(path)
            sources.append({"source": name, "sha256": sha256(path), "rows": int(len(own))})
    if not rows:
        return None
    # own rows ×1, ×2 or ×4 against a written one: the written posts at weight 1, 0.5 or 0.25 (BENCHMARKS.md)
    return ExtraData(f"LLM-written {field} posts", pd.concat(rows, ignore_index=True), sources, weights=(1, 2, 4))


def extra_from_table(df: pd.DataFrame, *, text_col: str, label_col: str, source: str, sha256: str | None,
                     weights=EXTRA_WEIGHTS) -> tuple[ExtraData, pd.DataFrame]:
    """A user's out-of-domain file as ``ExtraData``, and its rejects (source_row, reason): rows without
    text or label."""
    data, rejects = _labelled_rows(df, text_col, label_col, source)
    rejects.insert(0, "source", source)
    return ExtraData(source, data[["text", "label"]].reset_index(drop=True),
                     [{"source": source, "sha256": sha256, "rows": int(len(df))}], tuple(weights)), rejects


def _source(dataset: str, file: str | None = None, rows: int | None = None) -> dict:
    from wbcs.datasets import _file_entry, dataset_path, sha256

    path = dataset_path(dataset, file)
    return {"source": _file_entry(dataset, file)["path"], "sha256": sha256(path), "rows": rows}


def _frame(df: pd.DataFrame, label: str) -> pd.DataFrame:
    out = df.loc[df[label].notna(), ["post_id", "text"]].copy()
    out["label"] = df.loc[df[label].notna(), label].astype(str).to_numpy()
    return out.reset_index(drop=True)


def holdout(df: pd.DataFrame, seed: int, test_size: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = training_groups(df, seed=seed)
    tr, te = group_train_test_split(df["label"], groups, test_size=test_size, seed=seed)
    return df.iloc[tr].reset_index(drop=True), df.iloc[te].reset_index(drop=True)


NEAR_TEST = "near duplicate of a test row"  # the reason of a training row left out for it (``task_from_table``)


def _near_test(train: pd.DataFrame, test: pd.DataFrame, seed: int) -> np.ndarray:
    """True for each training row that shares a near-duplicate group (``splits.leakage_groups``) with a test row."""
    groups = leakage_groups(pd.concat([train["text"], test["text"]]), seed=seed)
    return np.isin(groups[:len(train)], groups[len(train):])


def _drop_near_test(train: pd.DataFrame, test: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, int]:
    """Training rows that share a near-duplicate group with any test row are dropped."""
    tainted = _near_test(train, test, seed)
    return train.loc[~tainted].reset_index(drop=True), int(tainted.sum())


def _smp(label: str, seed: int) -> TaskData:
    from wbcs.datasets import load_smp2020

    df = load_smp2020()
    data = _frame(df, label)
    split = df.loc[df[label].notna(), "split"].to_numpy()
    train, test = data[split == "virus_train"], data[split != "virus_train"]
    train, n_near = _drop_near_test(train, test, seed)
    name = "sentiment" if label == "sentiment" else "emotion"
    desc = ("SMP2020-EWECT Weibo posts, 3-class sentiment (happy → positive; angry, sad, fear → negative; "
            "surprise left out)" if name == "sentiment" else "SMP2020-EWECT Weibo posts, 6 emotions")
    return TaskData(name, label, desc, train.reset_index(drop=True), test.reset_index(drop=True),
                    [_source("smp2020", s, int((split == s).sum())) for s in ("virus_train", "virus_eval", "usual_eval")],
                    split="official eval files (virus_eval + usual_eval)",
                    notes=[f"{df.attrs.get('dropped', 0)} exact cross-file duplicates kept only in eval files",
                           f"{n_near} training posts dropped as near duplicates of eval posts"])


def _weibo_senti(seed: int) -> TaskData:
    from wbcs.datasets import load_weibo_senti

    data = _frame(load_weibo_senti(), "sentiment")
    train, test = holdout(data, seed)
    return TaskData("weibo_senti", "sentiment", "weibo_senti_100k, emoticon codes stripped (their labels "
                    "come from them), positive vs negative", train, test,
                    [_source("weibo_senti", None, len(data))], notes=["labels derived from emoticons: noisy"])


def _complaint(seed: int) -> TaskData:
    from wbcs.datasets import load_stc3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implausible-time rejects do not matter for texts
        df = load_stc3(telecom_only=True, split=None)
    df = df[df["is_complaint"].notna()].copy()
    df["complaint"] = np.where(df["is_complaint"].astype(bool), "yes", "no")
    data = _frame(df, "complaint")
    train, test = holdout(data, seed)
    return TaskData("complaint", "complaint", "STC-3 telecom first customer posts: states a problem (CNUG0) "
                    "→ yes, no useful content (CNaN) → no", train, test, [_source("stc3", None, len(data))])


def _cocc(label: str, seed: int) -> TaskData:
    from wbcs.datasets import load_cocc

    df = load_cocc()
    data = _frame(df, label)
    train, test = holdout(data, seed)
    if label == "topic":
        return TaskData("topic", "topic", "COCC complaint orders whose class maps onto a taxonomy topic "
                        "(network, billing, spam_fraud, value_added, service)", train, test,
                        [_source("cocc", None, len(data))],
                        notes=["agent-written orders, not Weibo posts; 5 of the 13 taxonomy topics"])
    return TaskData("cocc", "cocc_topic", "COCC China Mobile complaint orders, 8 classes", train, test,
                    [_source("cocc", None, len(data))])


def sampling_status(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(kinds of item none of whose rows were drawn at random, kinds only some of whose rows were), from the
    columns ``kind`` and ``sampled`` (``goldset.drawn_at_random``); both empty when the rows do not say."""
    if "kind" not in rows or "sampled" not in rows:
        return [], []
    sampled, kinds = rows["sampled"].astype(bool), rows["kind"].astype(str)
    mixed, drawn = set(kinds[~sampled]), set(kinds[sampled])
    return sorted(mixed - drawn), sorted(mixed & drawn)


def load_gold(path=None) -> pd.DataFrame:
    """The telecom first posts of the gold set with their texts: post_id, text and the GOLD_FIELDS."""
    items = load_gold_items(turns=False, gold_file=path)
    return items.rename(columns={"item_id": "post_id"})[["post_id", "text", *GOLD_FIELDS]]


def _gold(field_name: str, seed: int) -> TaskData:
    """A gold field on the fixed test part: every labelled item of the training dialogues
    trains, every one of the test dialogues tests (first posts, and for sentiment, intent and
    subtype the customer turns too); ``kind`` says which kind of item each row is, ``sampled`` whether it
    stands for its kind as a random draw would (``goldset.drawn_at_random``), ``group`` its dialogue (every CV fold
    keeps a dialogue whole, as the test part does: ``splits.training_groups``)."""
    from wbcs.config import ROOT
    from wbcs.datasets import sha256
    from wbcs.goldset import PARTS_FILE, drawn_at_random

    items = load_gold_items()
    rows = items[items[field_name].notna()]
    empty = rows["text"].str.strip().eq("")
    data = pd.DataFrame({"post_id": rows["item_id"], "text": rows["text"], "label": rows[field_name].astype(str),
                         "kind": rows["kind"], "part": rows["part"], "group": rows["dialogue_id"].astype(str),
                         "sampled": drawn_at_random(rows)})[~empty.to_numpy()]
    train, test = data[data["part"] == "train"], data[data["part"] == "test"]
    train, n_near = _drop_near_test(train, test, seed)
    kinds = ", ".join(f"{k} {n}" for k, n in test["kind"].value_counts().items())
    sources = [{"source": f, "sha256": h, "rows": items.attrs["rows"][f]} for f, h in items.attrs["sha256"].items()]
    return TaskData(f"gold_{field_name}", field_name, f"the project's gold set (STC-3 customer turns): {field_name}",
                    train.drop(columns="part").reset_index(drop=True), test.drop(columns="part").reset_index(drop=True),
                    [*sources, _source("stc3", rows=items["dialogue_id"].nunique()),
                     {"source": PARTS_FILE.relative_to(ROOT).as_posix(), "sha256": sha256(PARTS_FILE),
                      "role": "decides which dialogues are the held-out test part"}],
                    split=f"fixed test part ({PARTS_FILE.name}: {len(test)} items of the test dialogues: {kinds})",
                    notes=[f"{int(empty.sum())} labelled item(s) with an empty text left out (nothing to learn or judge)",
                           f"{n_near} training item(s) dropped as near duplicates of test items"])


TASKS = {
    "sentiment": lambda seed: _smp("sentiment", seed),
    "emotion": lambda seed: _smp("emotion", seed),
    "weibo_senti": _weibo_senti,
    "complaint": _complaint,
    "cocc": lambda seed: _cocc("cocc_label_id", seed),
    "topic": lambda seed: _cocc("topic", seed),
    **{f"gold_{f}": (lambda seed, f=f: _gold(f, seed)) for f in GOLD_FIELDS},
}


def load_task(name: str, *, seed: int = 0) -> TaskData:
    """The train and test tables of a named task (see the module table)."""
    if name not in TASKS:
        raise InputError(f"unknown task {name!r}; known: {', '.join(TASKS)} (or give --data FILE)")
    return TASKS[name](seed)


def default_tasks() -> dict[str, str]:
    """Field → task of the shipped model: the gold set's fields once it exists, else what the
    public data supports (sentiment, complaint yes/no, the 5 COCC topics)."""
    # identifiable is not learnt: 10 of the 650 gold posts are identifiable, a model fitted on them says
    # "no" to everything (kappa 0 on the gold set) while wbcs.triage's rule (a phone number in the text)
    # reaches kappa 0.63 (tests/test_gold_set.py measures it against the gold labels).
    if GOLD_FILE.is_file():
        # sentiment from the in-domain labels: on the gold training part (grouped 5-fold CV) a model fitted
        # on them reaches macro-F1 0.767, one on SMP2020 0.650, the pooled rows 0.746 and SMP2020's
        # probabilities stacked as features 0.766 (BENCHMARKS.md); the complaint yes/no of the public
        # data is the gold intent's 'complaint' now
        return {"sentiment": "gold_sentiment", "intent": "gold_intent", "topic": "gold_topic",
                "negative_subtype": "gold_negative_subtype"}
    return {"sentiment": "sentiment", "complaint": "complaint", "topic": "topic"}


# an integral number written as a float: "0.0", "1.", "-2.00"
_INTEGRAL_FLOAT = r"[+-]?\d+\.0*"


def label_text(labels: pd.Series) -> pd.Series:
    """A column of labels as text (string dtype, stripped, missing as <NA>), whole numbers as their integer text: a
    column of numeric labels with a missing value is stored as floats (Parquet: 0.0, 1.0; a CSV pandas wrote: "0.0"),
    and "0.0" must name the class "0" the other files and the model know. Only when every label of the column is such a
    number ("1.0" and "2.5" stay as they are)."""
    text = labels.astype("string").str.strip()
    given = text[text.notna() & text.ne("")]
    if len(given) and given.str.fullmatch(rf"[+-]?\d+|{_INTEGRAL_FLOAT}").all():
        text = text.str.replace(rf"^{_INTEGRAL_FLOAT}$", lambda m: str(int(m.group(0).split(".")[0])), regex=True)
    return text


def taxonomy_labels(values: pd.Series, field: str, source: str, col: str) -> pd.Series:
    """A column of ``field``'s labels (``field`` a taxonomy field) as its label ids (string dtype, missing and empty
    cells <NA>), read as ingest, ``wbcs kpi`` and ``wbcs triage`` read them: ``ingest.label_ids`` (the id, the Chinese
    or the English name, any case: 负面 and NEGATIVE are negative; identifiable's yes/no as ``ingest.as_bool``). A
    label that spells none of the field's is an InputError naming ``source``, the column, the label, its rows
    (``values``' index: the first few) and the field's labels, with the closest one: a typo read as it is would
    become a class of its own."""
    from difflib import get_close_matches

    from wbcs.schema import load_taxonomy

    given, ids, spellings = _label_ids(values, field)
    bad = given.notna() & ids.isna()
    if bad.any():
        label = given[bad].iloc[0]
        rows = given.index[(given == label).fillna(False).to_numpy()]
        shown = ", ".join(map(str, rows[:5])) + (" ..." if len(rows) > 5 else "")
        near = get_close_matches(label.lower(), list(spellings), n=1, cutoff=0.5)
        hint = f"; closest: {spellings[near[0]]!r}" if near else ""
        raise InputError(f"{source}: row {rows[0]}, column {col!r}: {label!r} is not a {field} label ({len(rows)} "
                         f"row(s): {shown}); the {field} labels: {', '.join(load_taxonomy().ids(field))}{hint}")
    return ids


def _label_ids(values: pd.Series, field: str) -> tuple[pd.Series, pd.Series, dict]:
    """(``values`` as ``label_text`` reads them, empty cells <NA>; their ``field`` label ids, <NA> where a label spells
    none of the field's; the field's spellings) as ``taxonomy_labels`` reads them."""
    from wbcs.io.ingest import label_ids, label_maps
    from wbcs.schema import load_taxonomy

    given = label_text(values)
    given = given.where(given.ne(""))
    # identifiable's ids are yes/no as ingest reads it (是/否, true/false, 1/0), its own ids the only spellings named
    spellings = label_maps().get(field) or {lab.id: lab.id for lab in load_taxonomy()[field].labels}
    return given, label_ids(given, field).astype("string"), spellings


def _own_label_set(values: pd.Series, field: str, source: str, col: str) -> bool:
    """Whether ``values`` (a --data file's labels of the taxonomy field ``field``) are a label set of the user's own:
    none spells one of the field's labels (0/1, pos/neg). Then the task learns them as written, said in one line on
    stderr; when some do, the others are typos (``taxonomy_labels`` refuses them)."""
    from wbcs.schema import load_taxonomy

    given, ids, _ = _label_ids(values, field)
    if not given.notna().any() or ids.notna().any():
        return False
    shown = sorted(given.dropna().unique(), key=str)
    print(f"{source}: column {col!r}: none of its labels ({', '.join(shown[:5])}{', ...' if len(shown) > 5 else ''}) "
          f"is a {field} label ({', '.join(load_taxonomy().ids(field))}): the model learns them as written, a label "
          "set of your own, not the taxonomy's", file=sys.stderr)
    return True


def check_texts(values: pd.Series, source: str, col: str, option: str = "--text-col") -> None:
    """An InputError naming ``source``, the column and its type when ``values`` hold no text: numbers, times or yes/no
    (a Parquet int64 column, a JSON column of numbers) read as text are "123", which a model is trained on, or labels,
    as if they were posts. A column of texts with a few other values (a JSON post written as a number) passes."""
    shown = values.cat.categories.to_series() if isinstance(values.dtype, pd.CategoricalDtype) else values
    kind = pd.api.types.infer_dtype(shown, skipna=True)
    if kind not in ("string", "empty", "mixed", "mixed-integer"):
        what = kind if values.dtype == object else str(values.dtype)
        raise InputError(f"{source}: column {col!r} holds {what} values, not texts; give the column of the posts' "
                         f"texts ({option})")


def _labelled_rows(df: pd.DataFrame, text_col: str, label_col: str, source: str,
                   group_col: str | None = None, field: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(post_id, text, label[, group]) of the usable rows, indexed by their source rows (``df``'s index), and the
    rejects (source_row, reason); labels as ``label_text`` reads them, or when ``field`` (the field they label) is a
    taxonomy field as ``taxonomy_labels`` does."""
    from wbcs.schema import load_taxonomy

    for col, what in ((text_col, "--text-col"), (label_col, "--label-col"), (group_col, "--group-col")):
        if col is None:
            continue
        if col not in df.columns:
            raise InputError(f"{source}: no column {col!r} ({what}); columns: {', '.join(map(str, df.columns))}")
    if df.empty:
        raise InputError(f"{source}: no rows")
    check_texts(df[text_col], source, text_col)
    text = df[text_col].astype("string").str.strip()
    label = (taxonomy_labels(df[label_col], field, source, label_col) if field in load_taxonomy().fields
             else label_text(df[label_col]))
    bad = (text.isna() | text.eq("")).fillna(True) | (label.isna() | label.eq("")).fillna(True)
    rejects = pd.DataFrame({"source_row": df.index[bad.to_numpy()],
                            "reason": np.where(text[bad].isna() | text[bad].eq(""), "empty text", "empty label")})
    ids = df["post_id"].astype(str) if "post_id" in df.columns else pd.Series(df.index.astype(str), index=df.index)
    data = pd.DataFrame({"post_id": ids[~bad].to_numpy(), "text": df.loc[~bad.to_numpy(), text_col].astype(str).to_numpy(),
                         "label": label[~bad].to_numpy().astype(str)}, index=df.index[~bad.to_numpy()])
    if group_col is not None:
        data["group"] = df.loc[~bad.to_numpy(), group_col].astype("string").to_numpy()
    return data, rejects


def task_from_table(df: pd.DataFrame, name: str, *, text_col: str = "text", label_col: str | None = None,
                    source: str = "data", sha256: str | None = None, seed: int = 0,
                    test_size: float = 0.2, test: pd.DataFrame | None = None, test_source: str = "test",
                    test_sha256: str | None = None, group_col: str | None = None,
                    test_cols: tuple[str, str] | None = None) -> tuple[TaskData, pd.DataFrame]:
    """A task from a user's table: (TaskData, rejects). The test part is a grouped hold-out
    of ``test_size``, or the user's own ``test`` table (its text and label columns ``test_cols``, by default
    ``text_col`` and ``label_col``): then every row of ``df`` trains but those that are near
    duplicates (``wbcs.dedup``) of a test row, as in the built-in tasks (the held-out figures would score a text the
    model was fitted on as unseen); those are rejects too (reason ``NEAR_TEST``), and a note of the card counts them.

    When ``name`` is a taxonomy field (``data/taxonomy.yaml``), labels are read as its ids (``taxonomy_labels``: 负面
    and NEGATIVE are negative) and a label it lacks beside labels it has is an error (a typo); any other name, or
    labels none of which is the field's (0/1: a label set of the user's own, ``_own_label_set``), keeps the labels as
    written, in ``test`` too.

    ``group_col``: rows with the same value (a thread, a dialogue, a customer) stay on one side of the hold-out and of
    every CV fold, as near duplicates do (``splits.training_groups``); a user's ``test`` table needs it too, so that
    the held-out figures' intervals resample whole groups.

    Rows without text or label cannot be used: they are returned as rejects
    (source, source_row, reason), never dropped silently.
    """
    from wbcs.schema import load_taxonomy

    label_col = label_col or name
    own = (name in load_taxonomy().fields and label_col in df.columns
           and _own_label_set(df[label_col], name, source, label_col))
    field = None if own else name
    data, rejects = _labelled_rows(df, text_col, label_col, source, group_col, field)
    rejects.insert(0, "source", source)
    sources = [{"source": source, "sha256": sha256, "rows": int(len(df))}]
    if test is None:
        _check_labels(data, source, label_col)
        train, held, split = *holdout(data, seed, test_size), "hold-out"
        notes = []
    else:
        test_text, test_label = test_cols or (text_col, label_col)
        held, test_rejects = _labelled_rows(test, test_text, test_label, test_source, group_col, field)
        if held.empty:
            raise InputError(f"{test_source}: no row with both a text and a label in columns {test_text!r}, "
                             f"{test_label!r}: nothing to measure the model on (--test)")
        near = _near_test(data, held, seed)
        rejects = pd.concat([rejects, test_rejects.assign(source=test_source),
                             pd.DataFrame({"source": source, "source_row": data.index[near], "reason": NEAR_TEST})],
                            ignore_index=True)
        train, held = data.loc[~near].reset_index(drop=True), held.reset_index(drop=True)
        _check_labels(train, source, label_col, f" once its {int(near.sum())} near duplicate(s) of {test_source}'s "
                                                "rows are left out" if near.any() else "")
        unknown = sorted(set(held["label"]) - set(train["label"]))
        if unknown:
            gone = int((data.loc[near, "label"] == unknown[0]).sum())
            why = (f": its {gone} row(s) there were all left out as near duplicates of {test_source}'s rows (the "
                   "held-out figures would score them as unseen); label other examples of it, or take those rows out "
                   f"of {test_source}" if gone else "; the model could never predict it")
            raise InputError(f"{test_source}: column {test_label!r}: label {unknown[0]!r} is not in {source}'s "
                             f"training rows{why}")
        split = f"user test file {test_source}"
        sources.append({"source": test_source, "sha256": test_sha256, "rows": int(len(test)), "role": "test"})
        notes = [f"{int(near.sum())} training row(s) of {source} left out as near duplicates of {test_source}'s rows "
                 "(the held-out figures would score them as unseen)"]
    n_empty = int((rejects["reason"] != NEAR_TEST).sum())
    notes = [*([f"{n_empty} row(s) without text or label left out"] if n_empty else []),
             *([f"column {label_col!r} of {source} holds none of the {name} labels: learnt as written"] if own else []),
             *notes]
    return TaskData(name, name, f"{label_col} from {source}", train, held, sources, split=split, notes=notes), rejects


def _check_labels(rows: pd.DataFrame, source: str, label_col: str, after: str = "") -> None:
    """At least 2 labels, each with 2 rows or more, among ``rows``' labels (``after``: how ``source``'s rows were
    narrowed to them)."""
    counts = rows["label"].value_counts()
    if len(counts) < 2:
        raise InputError(f"{source}: column {label_col!r} needs at least 2 different labels{after}, has "
                         f"{list(counts.index)}")
    # NEGATIVE beside negative, ｐｏｓｉｔｉｖｅ beside positive: one class typed two ways, which the model would split
    folded = pd.Series(counts.index, index=counts.index).map(lambda v: unicodedata.normalize("NFKC", str(v)).casefold())
    twins = folded[folded.duplicated(keep=False)]
    if len(twins):
        a, b = twins.index[twins == twins.iloc[0]][:2]
        raise InputError(f"{source}: column {label_col!r}: labels {a!r} ({counts[a]:,} rows) and {b!r} "
                         f"({counts[b]:,} rows) differ only in case or width{after}; write them one way, or the "
                         "model learns them as two classes")
    rare = counts[counts < 2]
    if len(rare):
        raise InputError(f"{source}: column {label_col!r}: label {rare.index[0]!r} has only 1 row{after}; "
                         "label more examples or drop it")
