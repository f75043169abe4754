"""The gold set as data: its files, the customer-turn item ids, the fixed test part, and every
labelled item with its text (``load_gold_items``).

Items are STC-3 customer turns: a dialogue's first post keeps the dialogue id as its item
id, turn ``k`` is ``"<dialogue id>_t<k>"``. ``data/labels/split.csv`` fixes which dialogues
are the test part (``wbcs label split``, before anything was selected); every turn of a
test dialogue is test. ``gold.csv`` holds the telecom first posts in every field,
``gold_turns.csv`` the customer turns (later messages and first posts to non-telecom
accounts) in sentiment, intent and negative subtype.

This module sits below ``classify`` and ``labeling``: both read the gold set through it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import DATA_DIR
from wbcs.errors import InputError
from wbcs.schema import POST_KIND

LABELS_DIR = DATA_DIR / "labels"
GOLD_FILE = LABELS_DIR / "gold.csv"
GOLD_TURNS_FILE = LABELS_DIR / "gold_turns.csv"
PARTS_FILE = LABELS_DIR / "split.csv"
GOLD_FIELDS = ["sentiment", "intent", "topic", "negative_subtype", "identifiable"]
TURN_FIELDS = ["sentiment", "intent", "negative_subtype"]
PARTS = ("train", "test")
PART_COLUMNS = ["dialogue_id", "part"]
TURN_ID = re.compile(r"^(?P<dialogue>\d+)_t(?P<turn>\d+)$")
KINDS = (POST_KIND, "follow_up", "other_first_post")


def turn_item_id(dialogue_id: str, turn: int) -> str:
    """The item id of turn ``turn`` (0 = the first post, whose id is the dialogue's)."""
    return str(dialogue_id) if turn == 0 else f"{dialogue_id}_t{turn}"


def dialogue_of(item_id: str) -> str:
    """The dialogue an item belongs to (its own id for a first post)."""
    m = TURN_ID.match(str(item_id))
    return m.group("dialogue") if m else str(item_id)


def split_thread(thread: str) -> list[dict]:
    """The turns of ``load_stc3``'s "sender: text" thread lines (a turn may span lines)."""
    turns: list[dict] = []
    for line in str(thread).splitlines():
        sender, sep, text = line.partition(": ")
        if sep and sender in ("customer", "helpdesk"):
            turns.append({"sender": sender, "text": text})
        elif turns:
            turns[-1]["text"] += "\n" + line
    return turns


def customer_turns(dialogues: pd.DataFrame) -> pd.DataFrame:
    """One row per customer turn of ``dialogues`` (``load_stc3`` rows): item_id, dialogue_id,
    turn, kind, telecom, operator, text (raw)."""
    rows = []
    for d in dialogues.itertuples(index=False):
        for k, t in enumerate(split_thread(d.thread)):
            if t["sender"] == "customer":
                rows.append({"item_id": turn_item_id(d.post_id, k), "dialogue_id": str(d.post_id), "turn": k,
                             "kind": "first_post" if k == 0 else "follow_up", "telecom": bool(d.telecom),
                             "operator": None if pd.isna(d.operator) else str(d.operator), "text": t["text"]})
    return pd.DataFrame(rows, columns=["item_id", "dialogue_id", "turn", "kind", "telecom", "operator", "text"])


# --------------------------------------------------------------------------- the fixed test part


def read_parts(path: str | Path) -> pd.DataFrame:
    """A committed test-part file (``dialogue_id, part``), validated."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no test-part file; fix one first with 'wbcs label split --out {p}'")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    for col in PART_COLUMNS:
        if col not in df.columns:
            raise InputError(f"{p}: missing column {col!r} (a test-part file has {', '.join(PART_COLUMNS)})")
    bad = ~df["part"].isin(PARTS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{p}: row {i + 1}, column 'part': {df['part'].iloc[i]!r} (use train or test)")
    if df["dialogue_id"].duplicated().any():
        dup = df.loc[df["dialogue_id"].duplicated(), "dialogue_id"].iloc[0]
        raise InputError(f"{p}: dialogue {dup!r} is listed twice")
    return df[PART_COLUMNS]


def part_of(item_ids: Iterable[str], parts: pd.DataFrame) -> pd.Series:
    """``train``/``test`` for each item id, by its dialogue (an unknown dialogue is an error)."""
    ids = pd.Series(list(item_ids), dtype=str)
    lookup = dict(zip(parts["dialogue_id"], parts["part"], strict=True))
    out = ids.map(lambda i: lookup.get(dialogue_of(i)))
    if out.isna().any():
        raise InputError(f"item {ids[out.isna()].iloc[0]!r}: its dialogue is not in the test-part file")
    return pd.Series(out.to_numpy(), index=ids.to_numpy(), name="part")


# --------------------------------------------------------------------------- what annotators read


def _shown(path: Path) -> str:
    """A label file as the card names it: relative to the repository when it is inside."""
    try:
        return Path(path).resolve().relative_to(DATA_DIR.parent.resolve()).as_posix()
    except ValueError:
        return str(path)


def _read_labels(path: Path, id_col: str, fields: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: no gold labels there yet; build them with 'wbcs label consensus --out {path}'")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in [id_col, *fields] if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r} (has: {', '.join(df.columns)})")
    return df.rename(columns={id_col: "item_id"})[["item_id", *fields]].replace("", pd.NA)


def load_gold_items(*, turns: bool = True, gold_file: Path | None = None,
                    turns_file: Path | None = None) -> pd.DataFrame:
    """Every gold item with its text: item_id, dialogue_id, kind (``first_post`` — a telecom
    first post —, ``follow_up`` or ``other_first_post`` — a first post to a non-telecom
    account), part (train/test, from the fixed test part), text, and one column per
    field (missing where the item was not labelled for it). ``attrs["sha256"]`` holds
    the label files' checksums, ``attrs["rows"]`` their rows. ``gold_file``/``turns_file``
    default to the committed ``data/labels/gold.csv`` and ``gold_turns.csv``."""
    from wbcs.datasets import load_stc3, sha256

    gold_file, turns_file = Path(gold_file or GOLD_FILE), Path(turns_file or GOLD_TURNS_FILE)
    files = {gold_file: _read_labels(gold_file, "post_id", GOLD_FIELDS)}
    if turns and turns_file.is_file():
        files[turns_file] = _read_labels(turns_file, "item_id", TURN_FIELDS)
    frames = list(files.values())
    sums = {_shown(f): sha256(f) for f in files}
    rows = {_shown(f): len(df) for f, df in files.items()}
    gold = pd.concat(frames, ignore_index=True)
    if gold["item_id"].duplicated().any():
        raise InputError(f"item {gold.loc[gold['item_id'].duplicated(), 'item_id'].iloc[0]!r} is in both gold files")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dialogues without a plausible time are in no sample
        dialogues = load_stc3(telecom_only=False, split=None)
    texts = customer_turns(dialogues)
    df = gold.merge(texts[["item_id", "dialogue_id", "kind", "telecom", "text"]], on="item_id", how="left")
    unknown = df["text"].isna()
    if unknown.any():
        item = df.loc[unknown, "item_id"].iloc[0]
        path, labels = next((f, d) for f, d in files.items() if (d["item_id"] == item).any())
        row = int(np.flatnonzero((labels["item_id"] == item).to_numpy())[0])
        col = "post_id" if path == gold_file else "item_id"
        raise InputError(f"{path}: row {row}, column '{col}': {item!r} is not an STC-3 customer turn "
                         "(gold labels name STC-3 posts by their ids)")
    df = _with_part(df)
    df.attrs["sha256"], df.attrs["rows"] = sums, rows
    return df[["item_id", "dialogue_id", "kind", "part", "text", *GOLD_FIELDS]]


def _with_part(turns: pd.DataFrame) -> pd.DataFrame:
    """``customer_turns`` rows with the gold set's kinds (a first post to a non-telecom account is
    ``other_first_post``) and each item's part, ``telecom`` dropped."""
    df = turns.copy()
    df["kind"] = np.where((df["kind"] == "first_post") & ~df["telecom"].astype(bool), "other_first_post", df["kind"])
    df["part"] = part_of(df["item_id"], read_parts(PARTS_FILE)).to_numpy()
    return df.drop(columns="telecom")


def drawn_at_random(items: pd.DataFrame) -> np.ndarray:
    """Whether each gold item (a row of ``load_gold_items``) stands for its kind of item as a random draw
    would: the telecom first posts are every one of STC-3's (a census), the test part's turns every one of
    its dialogues', a kind of turn of the training part is a census too once no turn of it is left
    unlabelled (the first posts to other accounts: the third round took every one the first two left), and an
    item a turn sample says was drawn at random (column ``drawn``: the fourth round's later messages). The
    other training turns were chosen by the workbench's uncertainty and class-balance sampling
    (``turns_sample_train_1/2.csv``), the posts the model was least sure of, so its errors on them are not its
    errors on their kind (a share correction learnt from them over-corrects)."""
    from wbcs.config import label_samples

    left = set(unlabelled_turns("train")["kind"])
    whole = {"first_post", *({"follow_up", "other_first_post"} - left)}
    drawn = [pd.read_csv(f, dtype=str) for f in label_samples()]
    random_ids = set().union(*(set(d.loc[d["drawn"].isin(["random", "all"]), "item_id"]) for d in drawn
                               if "drawn" in d and "item_id" in d))
    return (items["kind"].isin(whole) | (items["part"] == "test") | items["item_id"].isin(random_ids)).to_numpy()


def unlabelled_turns(part: str = "train") -> pd.DataFrame:
    """The customer turns of one part's dialogues that no gold file labels, with a non-empty text
    (item_id, dialogue_id, kind, text): the texts a quality model labels for the fast model to learn
    (``wbcs train --task default --quality --distil``). Only the training part's serve that: a test
    dialogue's turns must stay out of every model the held-out figures are measured on."""
    from wbcs.datasets import load_stc3

    if part not in PARTS:
        raise InputError(f"part {part!r}: use train or test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dialogues without a plausible time are in no sample
        turns = _with_part(customer_turns(load_stc3(telecom_only=False, split=None)))
    # the ids the label files name (load_gold_items would parse STC-3 a second time to join their texts)
    labelled = set(_read_labels(GOLD_FILE, "post_id", GOLD_FIELDS)["item_id"])
    if GOLD_TURNS_FILE.is_file():
        labelled |= set(_read_labels(GOLD_TURNS_FILE, "item_id", TURN_FIELDS)["item_id"])
    keep = (turns["part"] == part) & ~turns["item_id"].isin(labelled) & turns["text"].str.strip().ne("")
    return turns.loc[keep, ["item_id", "dialogue_id", "kind", "text"]].reset_index(drop=True)
