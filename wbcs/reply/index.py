"""The best real replies, retrieved: an index of helpdesk replies and the posts they answered.

``stc3_corpus()`` turns the STC-3 Weibo helpdesk dialogues into index rows: the customer's
first post (normalised, PII-masked) and the helpdesk's first reply with the customer's
specifics reduced to slots (``to_slots``: the operator's own accounts → ``{account}``, the
operator's name → ``{operator}``, hotlines → ``{hotline}``, other @names → ``{customer}``,
phone/ID/e-mail masked, emoticons dropped), the dialogue id as evidence, the annotators'
A/S/E means and the route the post takes. ``team_corpus`` adds a team's own accepted replies
(``wbcs.reply.drafts.team_replies``), so their wording is retrievable too.

``ReplyIndex`` ranks candidates for new posts by ``weight`` × BM25 similarity (scaled to the
best hit of the query) + (1 − ``weight``) × quality (the dialogue's mean of A, S, E mapped
from −2..2 to 0..1; predicted for the team's own replies), within the post's route kind.

Why bm25s: a maintained BM25 over scipy sparse matrices that scores every query against
every document in a few vectorised steps (thousands of queries a second on this machine,
``benchmarks/bench_reply.py``); BM25's length normalisation suits replies of very different
lengths better than the classifier's raw TF-IDF features, and it takes our own tokens, so
Chinese gets character unigrams and bigrams (no word segmenter needed for short posts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from wbcs.text import REMOVABLE, extract, mask_pii, normalize_series

CORPUS_COLUMNS = ["source_id", "source", "post", "reply", "route", "kind", "operator",
                  "quality_A", "quality_S", "quality_E", "quality", "solved"]
_UNITS = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")
_ACCOUNT = re.compile(r"@?(?:中国)?(?:电信|联通|移动)[\u4e00-\u9fff]{0,6}?(?:客服|网厅|营业厅)(?:小[\w@]?)?")
_OPERATOR = re.compile(r"中国电信|中国联通|中国移动")
_HOTLINE = re.compile(r"(?<!\d)(?:10000|10010|10086)(?!\d)")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}")


def tokens(texts) -> list[list[str]]:
    """Character unigrams and bigrams of each text's CJK characters and ASCII words (lowercase).

    Hand-written (two lines): bm25s's own tokenizer splits on word boundaries, which a
    Chinese sentence does not have."""
    out = []
    for t in texts:
        units = _UNITS.findall(str(t).lower())
        out.append(units + [a + b for a, b in zip(units, units[1:], strict=False)])
    return out


def clean_posts(texts: pd.Series) -> pd.Series:
    """Post texts as the index sees them: normalised, without @names, links, emoticons,
    retweet chains and location tags, PII masked."""
    drop = tuple(r for r in REMOVABLE if r != "topics")
    return normalize_series(pd.Series(texts, dtype="string"), remove=drop).fillna("").map(mask_pii)


def to_slots(reply: str) -> str:
    """A helpdesk reply with the customer's specifics reduced to slots (see the module docstring)."""
    text = str(reply).split("\n")[0]
    found = extract(text)  # not normalize(): a reply keeps its own (full-width) punctuation
    for item in found["emoticons"] + found["location"]:
        text = text.replace(item, "")
    text = _ACCOUNT.sub("{account}", text)
    text = _MENTION.sub("{customer}", text)
    text = _OPERATOR.sub("{operator}", text)
    text = _HOTLINE.sub("{hotline}", text)
    text = mask_pii(text)
    return text.replace("{customer} ", "{customer}").strip()


def quality_score(a, s, e) -> np.ndarray:
    """The mean of A, S and E mapped from the annotators' −2..2 scale to 0..1."""
    return (np.asarray(a, float) + np.asarray(s, float) + np.asarray(e, float)) / 3 / 4 + 0.5


@lru_cache(maxsize=2)
def stc3_corpus(telecom_only: bool = False) -> pd.DataFrame:
    """Index rows from the STC-3 dialogues (``CORPUS_COLUMNS``), routed with the shipped model.

    Rows come from ``wbcs.datasets.load_stc3`` (dialogues whose id gives no plausible time are
    left out there); ``solved`` is True when the majority nugget of the reply is HNUG* (the
    turn that solved the problem). Replies that are empty once reduced are left out and
    counted in ``attrs["dropped"]``. Raises ``DatasetMissing`` without the dataset mirror."""
    import warnings

    from wbcs.datasets import dataset_path, load_stc3, read_jsonl
    from wbcs.triage import route_posts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loader's note on left-out ids; counted in attrs
        posts = load_stc3(telecom_only=telecom_only, split=None)
    solved = {}
    for r in read_jsonl(dataset_path("stc3")):
        h = next((i for i, t in enumerate(r["turns"]) if t["sender"] == "helpdesk"), None)
        solved[str(r["id"])] = h is not None and r["nugget_majority"][h] == "HNUG*"
    df = posts.assign(reply=posts["reply_text"].fillna("").map(to_slots))
    kept = df["reply"].str.len() > 0
    df = df[kept].reset_index(drop=True)
    routed = route_posts(df[["post_id", "text", "created_at"]])
    out = pd.DataFrame({
        "source_id": "stc3:" + df["post_id"].astype(str), "source": "stc3",
        "post": clean_posts(df["text"]).to_numpy(), "reply": df["reply"].to_numpy(),
        "route": routed["route"].to_numpy(), "kind": routed["kind"].to_numpy(),
        "operator": df["operator"].to_numpy(),
        "quality_A": df["quality_A"].to_numpy(float), "quality_S": df["quality_S"].to_numpy(float),
        "quality_E": df["quality_E"].to_numpy(float),
        "quality": quality_score(df["quality_A"], df["quality_S"], df["quality_E"]),
        "solved": df["post_id"].astype(str).map(solved).to_numpy()}, columns=CORPUS_COLUMNS)
    out.attrs["dropped"] = int((~kept).sum()) + len(posts.attrs.get("rejects", []))
    return out


def team_corpus(team: pd.DataFrame, routes=None) -> pd.DataFrame:
    """Index rows from a team's accepted replies (``post_id, post, reply, route`` and a
    predicted ``quality`` in 0..1), in ``CORPUS_COLUMNS``."""
    from wbcs.triage import load_routes

    kinds = {r.id: r.kind for r in (routes or load_routes()).routes.values()}
    return pd.DataFrame({
        "source_id": "team:" + team["post_id"].astype(str), "source": "team",
        "post": clean_posts(team["post"]).to_numpy(), "reply": team["reply"].map(to_slots).to_numpy(),
        "route": team["route"].to_numpy(), "kind": team["route"].map(kinds).to_numpy(),
        "operator": None, "quality_A": np.nan, "quality_S": np.nan, "quality_E": np.nan,
        "quality": team["quality"].to_numpy(dtype=float), "solved": None}, columns=CORPUS_COLUMNS)


@dataclass
class Hits:
    """Top-k candidates per query: row positions in the corpus (−1: none), similarity, rank score."""

    rows: np.ndarray
    similarity: np.ndarray
    score: np.ndarray


class ReplyIndex:
    """BM25 over the posts of a corpus (``CORPUS_COLUMNS``); ``search`` returns ranked replies."""

    def __init__(self, corpus: pd.DataFrame, *, weight: float = 0.7):
        import bm25s

        if not 0 <= weight <= 1:
            raise ValueError(f"weight must be between 0 and 1, got {weight}")
        self.corpus = corpus.reset_index(drop=True)
        self.weight = weight
        self.quality = self.corpus["quality"].fillna(0.5).to_numpy(float)
        self._bm25 = bm25s.BM25()
        if len(self.corpus):
            self._bm25.index(tokens(self.corpus["post"]), show_progress=False)

    def __len__(self) -> int:
        return len(self.corpus)

    def search(self, posts, kinds=None, *, k: int = 3, pool: int = 50) -> Hits:
        """The ``k`` best candidates for each post (cleaned like the corpus), among corpus rows
        of the same route kind when ``kinds`` is given (a kind with no rows: all rows)."""
        posts = list(posts)
        n = len(posts)
        rows = np.full((n, k), -1, np.int64)
        sim = np.zeros((n, k))
        score = np.zeros((n, k))
        if not len(self.corpus) or not n:
            return Hits(rows, sim, score)
        query = tokens(posts)
        kinds = pd.Series([None] * n if kinds is None else list(kinds), dtype=object)
        corpus_kind = self.corpus["kind"].astype(object).to_numpy()
        for kind, idx in kinds.groupby(kinds.fillna("\0"), sort=False).groups.items():
            idx = np.asarray(idx)
            mask = (corpus_kind == kind) if kind != "\0" else np.ones(len(self.corpus), bool)
            if not mask.any():
                mask = np.ones(len(self.corpus), bool)
            top = min(pool, int(mask.sum()))
            docs, scores = self._bm25.retrieve([query[i] for i in idx], k=top, weight_mask=mask.astype(float),
                                               show_progress=False, n_threads=0)
            best = np.maximum(scores[:, :1], 1e-9)
            rank = self.weight * scores / best + (1 - self.weight) * self.quality[docs]
            rank = np.where(scores > 0, rank, -np.inf)  # no shared token: not a candidate
            order = np.argsort(-rank, axis=1, kind="stable")[:, :k]
            take = np.take_along_axis
            got = take(docs, order, 1)
            ok = np.isfinite(take(rank, order, 1))
            m = order.shape[1]
            rows[idx, :m] = np.where(ok, got, -1)
            sim[idx, :m] = np.where(ok, take(scores, order, 1), 0)
            score[idx, :m] = np.where(ok, take(rank, order, 1), 0)
        return Hits(rows, sim, score)
