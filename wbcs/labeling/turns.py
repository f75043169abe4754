"""Every customer turn of the STC-3 dialogues as a labelling item (sentiment, intent, negative subtype), and the fixed test part.

The first edition of the gold set labelled telecom first posts only; most of a team's
traffic is customers' later messages ("已经试过了，还是不行", "好的谢谢") and first posts to
other companies' helpdesks. Here:

- ``customer_turns`` lists every customer turn of the dialogues: the first post keeps the
  dialogue id as its item id (so the first edition's ids stay valid), turn ``k`` of a
  dialogue is ``"<dialogue id>_t<k>"``; ``kind`` is ``first_post`` or ``follow_up``;
- ``fix_test_part`` fixes, once and before anything is selected, which dialogues are the
  test part (stratified by telecom × operator × first nugget, grouped by dialogue, so
  no turn of a test dialogue is ever in training or in an active-learning pool);
- ``turn_items`` is what an annotator reads for a turn: the turns ``before`` it, the
  ``text`` to label, and the turns ``after`` it, all normalised and PII-masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.labeling.sampling import stratified_sample
from wbcs.text import mask_pii, normalize

PARTS = ("train", "test")
PART_COLUMNS = ["dialogue_id", "part"]
TURN_ID = re.compile(r"^(?P<dialogue>\d+)_t(?P<turn>\d+)$")
STRATA = ["telecom", "operator", "first_nugget"]


def turn_item_id(dialogue_id: str, turn: int) -> str:
    """The item id of turn ``turn`` (0 = the first post, whose id is the dialogue's)."""
    return str(dialogue_id) if turn == 0 else f"{dialogue_id}_t{turn}"


def dialogue_of(item_id: str) -> str:
    """The dialogue an item belongs to (its own id for a first post)."""
    m = TURN_ID.match(str(item_id))
    return m.group("dialogue") if m else str(item_id)


def clean(text) -> str:
    """Text as annotators and reviewers see it: normalised, PII masked, '' when missing."""
    return "" if text is None or pd.isna(text) else mask_pii(normalize(str(text)))


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


def fix_test_part(dialogues: pd.DataFrame, *, frac: float = 0.2, seed=0) -> pd.DataFrame:
    """``dialogue_id, part`` for every dialogue: a ``frac`` share is ``test``, stratified by
    telecom × operator × first nugget (proportional allocation, seeded)."""
    if not 0 < frac < 1:
        raise InputError(f"--test-frac must be between 0 and 1, got {frac}")
    missing = [c for c in ["post_id", *STRATA] if c not in dialogues.columns]
    if missing:
        raise InputError(f"fix_test_part: the dialogues have no column {missing[0]!r}")
    test = stratified_sample(dialogues, round(frac * len(dialogues)), by=STRATA, seed=seed)
    ids = dialogues["post_id"].astype(str)
    part = np.where(ids.isin(set(test["post_id"].astype(str))), "test", "train")
    return pd.DataFrame({"dialogue_id": ids.to_numpy(), "part": part}).sort_values(
        "dialogue_id", kind="stable").reset_index(drop=True)


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


def turn_items(dialogues: pd.DataFrame, ids: Iterable[str], *, source: str = "sample") -> pd.DataFrame:
    """Annotation items for turn ids: item_id, operator, kind, ``before`` (earlier turns as
    ``{sender, text}``), ``text`` (the turn to label) and ``after`` (later turns); all
    normalised and masked, in the order of ``ids``."""
    by_id = dialogues.set_index(dialogues["post_id"].astype(str), drop=False)
    rows = []
    for item in ids:
        m = TURN_ID.match(str(item))
        dialogue, k = (m.group("dialogue"), int(m.group("turn"))) if m else (str(item), 0)
        if dialogue not in by_id.index:
            raise InputError(f"{source}: item {item!r}: dialogue {dialogue} is not among the dialogues")
        d = by_id.loc[dialogue]
        turns = split_thread(d["thread"])
        if k >= len(turns) or turns[k]["sender"] != "customer":
            raise InputError(f"{source}: item {item!r}: dialogue {dialogue} has no customer turn {k}")
        masked = [{"sender": t["sender"], "text": clean(t["text"])} for t in turns]
        rows.append({"item_id": str(item), "operator": None if pd.isna(d["operator"]) else str(d["operator"]),
                     "kind": "first_post" if k == 0 else "follow_up", "before": masked[:k],
                     "text": masked[k]["text"], "after": masked[k + 1:]})
    return pd.DataFrame(rows, columns=["item_id", "operator", "kind", "before", "text", "after"])
