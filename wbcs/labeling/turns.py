"""Customer turns as labelling items (sentiment, intent, negative subtype), and fixing the test part.

The first edition of the gold set labelled telecom first posts only; most of a team's
traffic is customers' later messages ("已经试过了，还是不行", "好的谢谢") and first posts to
other companies' helpdesks. The turns and their ids are ``wbcs.goldset``'s
(``customer_turns``); here:

- ``fix_test_part`` fixes, once and before anything is selected, which dialogues are the
  test part (stratified by telecom × operator × first nugget, grouped by dialogue, so
  no turn of a test dialogue is ever in training or in an active-learning pool);
- ``turn_items`` is what an annotator reads for a turn: the turns ``before`` it, the
  ``text`` to label, and the turns ``after`` it, all normalised and PII-masked.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.goldset import (
    TURN_ID,
    split_thread,
)
from wbcs.labeling.sampling import stratified_sample
from wbcs.text import mask_pii, normalize

STRATA = ["telecom", "operator", "first_nugget"]


def clean(text) -> str:
    """Text as annotators and reviewers see it: normalised, PII masked, '' when missing."""
    return "" if text is None or pd.isna(text) else mask_pii(normalize(str(text)))


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
