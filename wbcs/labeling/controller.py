"""The labelling controller: owns the queue, the model and the store for one annotator.

The widget (``wbcs.labeling.widget``) only displays ``state()`` and calls the
actions below; everything it shows comes from here, so an annotator sees only their
own labels (``store.current(annotator)``), never another annotator's.

Actions: ``label(field, value)``, ``accept()`` (take the suggestions for the fields still
open, then move on; fields without one stay open and the message names them), ``skip()``, ``back()``, ``forward()``, ``undo()``,
``redo()``, ``goto(item_id)``. The active-learning loop: ``retrain()`` fits the
baseline ``TextClassifier`` per field on this annotator's labels (the model then
gives the suggestions) and ``requeue(strategy)`` moves the most useful unlabelled
items to the front of the queue (``wbcs.labeling.sampling.query``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.labeling.batch import clean
from wbcs.labeling.fields import applies, label_fields, taxonomy
from wbcs.labeling.store import MASKED_NUMBER, LabelStore, check_annotator_name
from wbcs.schema import Taxonomy


@dataclass(frozen=True)
class Suggestion:
    label: str
    proba: float
    source: str = "model"  # or "rule": identifiable, from a number in the post


def number_in_post(text) -> bool:
    """Whether the post gives a phone, landline or ID number (masked ones count), the
    guidelines' test for ``identifiable`` (§6) as far as a rule can tell."""
    from wbcs.text import find_pii

    if not isinstance(text, str):
        return False
    return bool(MASKED_NUMBER.search(text)) or any(k in ("mobile", "landline", "id_card") for k, _, _ in find_pii(text))


class LabelingController:
    """One annotator's labelling session over ``items`` (``item_id``, ``text``; optional
    ``reply`` and ``context``, e.g. from ``wbcs.labeling.batch.items_for``)."""

    def __init__(self, items: pd.DataFrame, store: LabelStore, annotator: str, *, model=None,
                 tax: Taxonomy | None = None, auto_advance: bool = True, source: str = "widget"):
        for col in ("item_id", "text"):
            if col not in items.columns:
                raise InputError(f"items: missing column {col!r} (columns: {', '.join(map(str, items.columns))})")
        if items["item_id"].duplicated().any():
            dup = items.loc[items["item_id"].duplicated(), "item_id"].iloc[0]
            raise InputError(f"items: item_id {dup!r} appears twice")
        if items.empty:
            raise InputError("items: nothing to label")
        # the store's names known: one written before names were checked stays writable
        self.annotator = check_annotator_name(annotator, "annotator", known=lambda n: n in store.annotators())
        self.store, self.model, self.tax = store, model, taxonomy(tax)
        self.fields = label_fields(self.tax)
        self.auto_advance, self.source = auto_advance, source
        records = items.to_dict("records")
        # Shown text is always normalised and masked, whatever the caller passed.
        self._items = {
            str(r["item_id"]): {
                "item_id": str(r["item_id"]), "text": clean(r["text"]),
                "reply": clean(r.get("reply")),
                "context": [{"sender": t.get("sender", ""), "text": clean(t.get("text"))}
                            for t in (r.get("context") if isinstance(r.get("context"), list) else [])],
            } for r in records}
        self.queue: list[str] = list(self._items)
        # identifiable has no model (10 of 650 gold posts are "yes"): a rule on the raw text suggests it
        self._rules = {str(r["item_id"]): {"identifiable": Suggestion(
            "yes" if number_in_post(r["text"]) else "no", 1.0, "rule")} for r in records} \
            if "identifiable" in self.fields else {}
        self._suggestions: dict[str, dict[str, Suggestion]] = {}
        self.message = ""
        self._mine = self._load()
        self.position = self._next_open(0) or 0  # resume at the first open item

    # ------------------------------------------------------------------ reading

    def _load(self) -> dict[str, dict[str, str]]:
        cur = self.store.current(self.annotator)
        mine: dict[str, dict[str, str]] = {}
        for r in cur[cur["item_id"].isin(self._items)].itertuples():
            mine.setdefault(r.item_id, {})[r.field] = r.value
        return mine

    @property
    def item_id(self) -> str:
        return self.queue[self.position]

    def labels(self, item_id: str | None = None) -> dict[str, str]:
        """This annotator's current labels of an item (the current one by default)."""
        return dict(self._mine.get(item_id or self.item_id, {}))

    def open_fields(self, labels: dict[str, str]) -> list[str]:
        """Fields still to label, given the item's labels so far."""
        return [f for f in self.fields if f not in labels and applies(f, labels, self.tax) is not False]

    def is_complete(self, item_id: str) -> bool:
        return not self.open_fields(self.labels(item_id))

    def _next_open(self, start: int) -> int | None:
        skipped = self.store.skipped(self.annotator)
        order = list(range(start, len(self.queue))) + list(range(0, start))
        for i in order:
            iid = self.queue[i]
            if not self.is_complete(iid) and iid not in skipped:
                return i
        return None

    def suggestions(self, item_id: str | None = None) -> dict[str, Suggestion]:
        """The model's best label and its probability per field, and the rule's for fields the
        model does not give (``identifiable``)."""
        iid = item_id or self.item_id
        rules = self._rules.get(iid, {})
        if self.model is None:
            return dict(rules)
        if iid not in self._suggestions:
            probas = self.model.predict_proba([self._items[iid]["text"]])
            out = {}
            for field, table in probas.items():
                if field not in self.tax.fields or table.empty:
                    continue
                row = table.iloc[0]
                row = row[[c for c in row.index if c in self.tax.ids(field)]]
                if len(row):
                    out[field] = Suggestion(str(row.idxmax()), float(row.max()))
            self._suggestions[iid] = out
        return {**rules, **self._suggestions[iid]}

    def progress(self) -> dict:
        """Items complete / skipped / total, and counts per label of this annotator."""
        skipped = self.store.skipped(self.annotator) & set(self.queue)
        done = [i for i in self.queue if self.is_complete(i)]
        counts = {f: dict.fromkeys(self.tax.ids(f), 0) for f in self.fields}
        for labels in self._mine.values():
            for f, v in labels.items():
                if f in counts and v in counts[f] and applies(f, labels, self.tax) is not False:
                    counts[f][v] += 1
        return {"done": len(done), "total": len(self.queue),
                "skipped": len(skipped - set(done)), "counts": counts}

    def state(self) -> dict:
        """Everything the view shows."""
        labels = self.labels()
        return {
            "annotator": self.annotator, "position": self.position, "item": self._items[self.item_id],
            "labels": labels, "open": self.open_fields(labels),
            "applicable": {f: applies(f, labels, self.tax) is not False for f in self.fields},
            "suggestions": self.suggestions(), "progress": self.progress(), "message": self.message,
        }

    # ------------------------------------------------------------------ actions

    def _advance(self) -> None:
        nxt = self._next_open((self.position + 1) % len(self.queue))
        if nxt is None:
            self.message = f"all {len(self.queue)} items labelled or skipped"
        else:
            self.position = nxt

    def _record(self, field: str, value: str) -> list[str]:
        """Record a label; returns the fields the store retracted with it (the subtype of a post no longer
        negative), read back from the store rather than guessed here."""
        before = self.labels()
        self.store.record(self.item_id, field, value, self.annotator, source=self.source)
        self._mine[self.item_id] = self.store.labels_of(self.annotator, self.item_id)
        return [f for f in before if f not in self._mine[self.item_id]]

    def label(self, field: str, value: str) -> None:
        """Record one label of the current item; moves on when the item is complete."""
        if field not in self.fields:
            raise InputError(f"unknown field {field!r}; fields: {', '.join(self.fields)}")
        if value not in self.tax.ids(field):
            raise InputError(f"{field}: unknown label {value!r}; labels: {', '.join(self.tax.ids(field))}")
        labels = self.labels()
        if applies(field, labels, self.tax) is False:
            cond = ", ".join(f"{k} is {v}" for k, v in self.tax[field].applies_when)
            self.message = f"{field} applies only when {cond}"
            return
        gone = self._record(field, value)
        self.message = f"{field} = {value}" + "".join(
            f"; {f} {labels[f]} withdrawn (it applies only when "
            + ", ".join(f"{k} is {v}" for k, v in self.tax[f].applies_when) + ")" for f in gone)
        if self.auto_advance and self.is_complete(self.item_id):
            self._advance()

    def accept(self) -> None:
        """Take the suggestion for every open field, then move on. Fields without a suggestion
        stay open (the message names them) and the item comes round again."""
        sugg = self.suggestions()
        taken = []
        for field in self.fields:
            labels = self.labels()
            if field in labels or applies(field, labels, self.tax) is False or field not in sugg:
                continue
            self._record(field, sugg[field].label)
            taken.append(field)
        left = self.open_fields(self.labels())
        if left:
            self.message = (f"accepted {', '.join(taken) or 'nothing'}; {self.item_id} still needs {', '.join(left)} "
                            f"(no suggestion{'' if self.model else ' without a model'}): moved on, it comes round again")
        else:
            self.message = f"accepted {', '.join(taken)}" if taken else "already complete"
        self._advance()

    def skip(self) -> None:
        self.store.skip(self.item_id, self.annotator, source=self.source)
        self.message = f"skipped {self.item_id}"
        self._advance()

    def back(self) -> None:
        self.position = max(0, self.position - 1)
        self.message = ""

    def forward(self) -> None:
        self.position = min(len(self.queue) - 1, self.position + 1)
        self.message = ""

    def goto(self, item_id: str) -> None:
        if item_id not in self._items:
            raise InputError(f"item {item_id!r} is not in this session")
        self.position = self.queue.index(item_id)

    def _after_move(self, event, verb: str) -> None:
        self._mine = self._load()
        if event is None:
            self.message = f"nothing to {verb} in these {len(self.queue)} items"
            return
        self.goto(event.item_id)
        self.message = f"{verb}: {event.field} = {event.value} ({event.item_id})"

    def undo(self) -> None:
        """Undo this annotator's latest label of this session's items and show that item: never a label of an
        item the session does not show (a file imported earlier), as in Prodigy and Label Studio."""
        self._after_move(self.store.undo(self.annotator, items=self._items), "undo")

    def redo(self) -> None:
        """Redo this session's latest undo (labels recorded elsewhere meanwhile leave it be)."""
        self._after_move(self.store.redo(self.annotator, items=self._items), "redo")

    # ------------------------------------------------------------------ active learning

    def training_data(self, field: str) -> tuple[list[str], list[str]]:
        """Texts and this annotator's labels for ``field`` (where it applies)."""
        texts, ys = [], []
        for iid, labels in self._mine.items():
            if field in labels and applies(field, labels, self.tax) is not False:
                texts.append(self._items[iid]["text"])
                ys.append(labels[field])
        return texts, ys

    def retrain(self, *, min_labels: int = 10, seed=0) -> dict[str, int]:
        """Fit a ``TextClassifier`` per field on this annotator's labels; it becomes the
        suggestion model. Returns the examples used per field (fields with fewer than
        ``min_labels`` examples or one class only are left out)."""
        from wbcs.classify import PostClassifier, TextClassifier

        models, used = {}, {}
        for field in self.fields:
            texts, ys = self.training_data(field)
            if len(texts) < min_labels or len(set(ys)) < 2:
                continue
            models[field] = TextClassifier(min_df=1, random_state=seed).fit(texts, ys)
            used[field] = len(texts)
        if not models:
            self.message = f"not enough labels to train (need {min_labels} per field, 2 labels)"
            return {}
        self.model = PostClassifier(models, name=f"active-{self.annotator}")
        self._suggestions.clear()
        self.message = "retrained on " + ", ".join(f"{f} ({n})" for f, n in used.items())
        return used

    def requeue(self, strategy: str = "entropy", *, field: str = "sentiment", n: int = 20,
                seed=0) -> list[str]:
        """Move the next ``n`` items to label (by ``strategy``, on ``field``'s
        probabilities) right after the current one; returns their ids."""
        from wbcs.labeling.sampling import query

        texts = [self._items[i]["text"] for i in self.queue]
        done = np.array([self.is_complete(i) for i in self.queue])
        proba = None
        if self.model is not None:
            proba = self.model.predict_proba(texts).get(field)
        picked = query(texts, n, strategy=strategy, proba=None if proba is None else proba.to_numpy(),
                       labelled=done, seed=seed)
        current = self.item_id
        chosen = [self.queue[i] for i in picked if self.queue[i] != current]
        taken = set(chosen) | {current}
        before = [i for i in self.queue[: self.position] if i not in taken]
        after = [i for i in self.queue[self.position + 1:] if i not in taken]
        self.queue = before + [current] + chosen + after
        self.position = len(before) + (1 if self.is_complete(current) and chosen else 0)
        self.message = f"next {len(chosen)} items chosen by {strategy}"
        return chosen
