"""``PostClassifier``: one model per label field behind a single ``predict``.

Each field (sentiment, intent, topic, negative_subtype, or a public-data field such as
complaint) has its own fitted estimator — the baseline or the transformer path — with
``predict_proba`` and ``classes_``. ``predict`` fills one column per field plus
``<field>_proba`` (the probability of the predicted label). A field that applies only
under a condition of the taxonomy (negative_subtype when sentiment is negative) is
left empty where the condition does not hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.classify.baseline import as_texts, predict_kinds
from wbcs.errors import InputError

# how ``text_hashes`` hashes (the model folder's manifest records it next to each field's fingerprint): a fingerprint
# written another way is not compared, or every post would look unseen. The hash of the raw text (the value before
# "of wbcs.pii.mask_pii") missed the training texts in every file wbcs had written (masked): 25 of STC-3's 1,964
# telecom first posts exported by 'wbcs datasets export' were taken for new posts
LEARNT_HASH = "blake2b-64 of wbcs.dedup.leakage_text of wbcs.pii.mask_pii"
# the raw text's hash, which folders written from f87762b to 6b6fe30 name: reproducible (leakage_text is unchanged
# since before it), so such a folder keeps its guard, the posts it is shown hashed as its fingerprint was
RAW_HASH = "blake2b-64 of wbcs.dedup.leakage_text"
LEARNT_HASHES = (LEARNT_HASH, RAW_HASH)  # every scheme ``text_hashes`` computes, the current one first


def text_hashes(texts, scheme: str = LEARNT_HASH) -> np.ndarray:
    """A uint64 per text: the first 8 bytes of the BLAKE2b digest of the text with its PII masked
    (``wbcs.pii.mask_pii``) as the leakage groups compare texts (``wbcs.dedup.leakage_text``: normalised, without
    links and repost marks), so that a copy of a training text that differs by a short link or was reposted unchanged
    is recognised as that text, as the grouped CV folds kept it with it; and so is the copy every file wbcs writes
    holds, its phone numbers and e-mails masked (``wbcs ingest``, ``wbcs datasets export``): ``mask_pii`` leaves a
    masked text as it is, so a text and its masked copy hash alike. Masked before the normalisation, not after: a
    number inside a link is masked with it, where dropping the link first would leave the masked copy's number
    behind. A hash of the library's own (not pandas' ``hash_array``), because it is stored with the model and must
    not change with a library's version; 8 bytes: two distinct texts among 10⁵ posts and 10⁴ training texts collide
    with a chance of about 10⁻¹⁰. ``scheme``: one of ``LEARNT_HASHES``, the one a fingerprint was written with
    (``RAW_HASH``: the text not masked)."""
    import hashlib

    from wbcs.dedup import leakage_text
    from wbcs.pii import mask_pii

    if scheme not in LEARNT_HASHES:
        raise InputError(f"text hash {scheme!r}: this wbcs computes {' and '.join(map(repr, LEARNT_HASHES))}")
    masked = pd.Series([mask_pii(t) for t in texts] if scheme == LEARNT_HASH else list(texts), dtype=object)
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                        for t in leakage_text(masked)), dtype=np.uint64, count=len(masked))


def fingerprint(texts) -> np.ndarray:
    """The sorted distinct ``text_hashes`` of the texts a field's model was fitted on: what the model folder keeps
    (``<field>.learnt.npy``) so that the posts it is later shown can be told apart from the texts it learnt."""
    return np.unique(text_hashes(texts))


def texts_of(texts_or_posts) -> tuple[list[str], pd.Index]:
    """Texts and the index to give results: a posts table's ``text`` column or a list of texts."""
    if isinstance(texts_or_posts, pd.DataFrame):
        if "text" not in texts_or_posts.columns:
            raise InputError(f"posts table has no 'text' column (columns: {', '.join(map(str, texts_or_posts.columns))})")
        column = texts_or_posts["text"]
    elif isinstance(texts_or_posts, pd.Series):
        column = texts_or_posts
    else:
        texts = as_texts(texts_or_posts)
        return texts, pd.RangeIndex(len(texts))
    return as_texts(column), column.index  # a missing cell (pd.NA in a string column) is no text, "" (as_texts)


def apply_conditions(frame: pd.DataFrame, taxonomy=None) -> pd.DataFrame:
    """Blank a field where its taxonomy condition (``applies_when``) does not hold."""
    from wbcs.schema import load_taxonomy

    tax = taxonomy or load_taxonomy()
    out = frame.copy()
    for name, fld in tax.fields.items():
        if name not in out.columns:
            continue
        for cond_field, value in fld.applies_when:
            if cond_field in out.columns:
                off = out[cond_field].astype("string") != value
                off = off.fillna(True)
                out.loc[off, name] = pd.NA
                if f"{name}_proba" in out.columns:
                    out.loc[off, f"{name}_proba"] = np.nan
    return out


class PostClassifier:
    """The multi-field model users see.

    ``models`` maps a field name to a fitted estimator; ``card`` is the model card
    (data, parameters, seed, metrics, intended use, limits) kept with the model.
    """

    def __init__(self, models: dict, *, card: dict | None = None, name: str | None = None):
        if not models:
            raise InputError("a PostClassifier needs at least one field model")
        self.models = dict(models)
        self.card = dict(card or {})
        self.name = name or self.card.get("name") or "unsaved"

    @property
    def fields(self) -> list[str]:
        return list(self.models)

    def classes(self, field: str) -> list[str]:
        return [str(c) for c in self.models[field].classes_]

    def predict_proba(self, texts, kind=None) -> dict[str, pd.DataFrame]:
        """Per field, a table of probabilities: one column per label id, rows sum to 1. ``kind``: the texts' kind
        of item (one, e.g. ``"first_post"`` for a posts table, or one per text; None: not said), for a field
        whose model has a bias of that kind's own (``TextClassifier.kind_bias``)."""
        from wbcs.classify.features import shared_text

        texts, index = texts_of(texts)
        # the fields' models normalise the batch once and count its n-grams once
        with shared_text(self._ngram_union()):
            return {f: pd.DataFrame(predict_kinds(m, texts, kind), index=index, columns=self.classes(f))
                    for f, m in self.models.items()}

    def _ngram_union(self):
        """The fields' character n-gram counters as one ``NgramUnion`` (built on first use, and
        again if ``models`` changed); None with fewer than two counters."""
        from wbcs.classify.baseline import TextClassifier
        from wbcs.classify.features import NgramUnion

        counters = [m.char_vectorizer() for m in self.models.values() if isinstance(m, TextClassifier)]
        if len(counters) < 2:
            return None
        union = getattr(self, "_union", None)
        if union is None or [id(v) for v in union.vectorizers] != [id(v) for v in counters]:
            self._union = union = NgramUnion(counters)
        return union

    def predict(self, texts_or_posts, kind=None) -> pd.DataFrame:
        """One column per field (the predicted label) and ``<field>_proba`` (its probability); ``kind`` as in
        ``predict_proba``. A text that is missing or blank (``wbcs.text.has_text``: zero-width characters alone
        too) gets no label and no probability, as ``predict_posts`` and ``wbcs predict`` leave it: the model's
        guess at "" would be counted in every share built on the labels."""
        from wbcs.classify.baseline import kinds_of
        from wbcs.text import has_text

        texts, index = texts_of(texts_or_posts)
        has = has_text(texts)
        kinds = kinds_of(kind, len(texts))
        # no text at all: the models are not run (a scikit-learn head refuses 0 rows: the embedding ensemble's)
        probas = (self.predict_proba([t for t, h in zip(texts, has, strict=True) if h],
                                     kind=None if kinds is None else kinds[has]) if has.any()
                  else {f: pd.DataFrame(np.zeros((0, len(m.classes_))), columns=self.classes(f))
                        for f, m in self.models.items()})
        cols = {}
        for field, p in probas.items():
            values = p.to_numpy()
            best = values.argmax(axis=1) if len(p) else np.zeros(0, int)
            label = pd.array([pd.NA] * len(texts), dtype="string")
            label[has] = np.asarray(p.columns)[best]
            proba = np.full(len(texts), np.nan)
            proba[has] = values[np.arange(len(p)), best]
            cols[field], cols[f"{field}_proba"] = label, proba
        return apply_conditions(pd.DataFrame(cols, index=index))

    def learnt(self, texts) -> dict[str, np.ndarray | None]:
        """Per field, whether its model was fitted on each text (its ``fingerprint``, ``learnt_``: set by
        ``wbcs.classify.train.fit_task`` and kept in the model folder); None for a field whose model keeps no
        fingerprint (a folder written before it was kept, or an estimator fitted outside ``wbcs train``): nothing
        can be told there. Each fingerprint is compared with the texts hashed by its own scheme (``learnt_hash_``, set
        by ``registry.load_model`` for a folder written with an earlier one; ``LEARNT_HASH`` when unset)."""
        prints = {f: getattr(m, "learnt_", None) for f, m in self.models.items()}
        texts = list(texts)  # hashed once per scheme in use
        hashes = {}
        out = {}
        for field, seen in prints.items():
            if seen is None:
                out[field] = None
                continue
            scheme = getattr(self.models[field], "learnt_hash_", LEARNT_HASH)
            if scheme not in hashes:
                hashes[scheme] = text_hashes(texts, scheme)
            h = hashes[scheme]
            if not len(seen):
                out[field] = np.zeros(len(h), dtype=bool)
                continue
            at = np.searchsorted(seen, h).clip(0, len(seen) - 1)  # ``seen`` is sorted (``fingerprint``)
            out[field] = seen[at] == h
        return out

    def __repr__(self) -> str:
        return f"PostClassifier({self.name!r}, fields={self.fields})"
