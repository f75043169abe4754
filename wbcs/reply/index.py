"""The best real replies, retrieved: an index of helpdesk replies and the posts they answered.

``stc3_corpus()`` turns the STC-3 Weibo helpdesk dialogues into index rows: the customer's
first post (normalised, PII-masked) and the helpdesk's first reply with the customer's
specifics reduced to slots (``to_slots``: the operator's own accounts and the personas its
helpdesk speaks as (小沃, 沃妹 of China Unicom, 小翼 of China Telecom, 小移 of China Mobile) →
``{account}``, the operator's name in every form that names one (中国电信, 电信, 联通, 天翼, …; not
移动 alone, a common word: 移动网络) → ``{operator}``, hotlines → ``{hotline}``, other @names →
``{customer}``, phone/ID/e-mail masked, emoticons dropped), the dialogue id as evidence, the
annotators' A/S/E means, the route the post takes, its topic (from the shipped model) and its
operator. A reply filled with another post's slots then speaks for that post's operator.
``team_corpus`` adds a team's own accepted replies (``wbcs.reply.drafts.team_replies``), so
their wording is retrievable too (their topic is not recorded: they count as on-topic for any post).

``ReplyIndex`` ranks candidates for new posts by ``weight`` × BM25 similarity (scaled to the
best hit of the query) + (1 − ``weight``) × quality (the dialogue's mean of A, S, E mapped
from −2..2 to 0..1; predicted for the team's own replies), within the post's route kind; when
the post's operator is given, its own replies come first and the other operators' only fill the places
left (what slots cannot reach — a brand, a QQ service number, a persona nobody listed — still
speaks for the operator that wrote it); within those, when the post's topic is given, replies to posts
of that topic come first and the others only fill the places left (a reply to a broadband outage
that shares words with a tariff complaint is no alternative for it, however good the dialogue was).

Texts are cut to ``MAX_CHARS`` characters before they are tokenised (here and in the quality
model): a pasted document of millions of characters otherwise costs gigabytes of tokens for one
post.

Why bm25s: a maintained BM25 that precomputes the weight of every (document, token) as a scipy
sparse matrix, so all queries are scored with one sparse product (``benchmarks/bench_reply.py``
measures it); BM25's length normalisation suits replies of very different
lengths better than the classifier's raw TF-IDF features, and it takes our own tokens, so
Chinese gets character unigrams and bigrams (no word segmenter needed for short posts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from wbcs.checks import is_number
from wbcs.errors import InputError
from wbcs.text import REMOVABLE, extract, mask_pii, normalize_series

CORPUS_COLUMNS = ["source_id", "source", "post", "reply", "route", "kind", "topic", "operator",
                  "quality_A", "quality_S", "quality_E", "quality", "solved"]
_UNITS = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")
_ACCOUNT = re.compile(r"@?(?:中国)?(?:电信|联通|移动)[\u4e00-\u9fff]{0,6}?(?:客服|网厅|营业厅)(?:小[\w@]?)?")
# the helpdesks' personas (STC-3: 小沃 298 replies, 沃妹 19, 小翼 1; 小移 is China Mobile's): they speak as the account
_PERSONA = re.compile(r"小沃|沃妹|小翼|小移")
# an operator's name, bare or not; not where 电信 is the trade (电信诈骗, 电信条例, 电信运营商, 电信服务规范, 电信用户申诉)
# or no word at all (来电信息), nor 联通 as "connected" (联通性); 移动 alone is too common a word (移动网络, 移动通信网)
_OPERATOR = re.compile(r"(?:中国)?电信(?<!来电信)(?!诈骗|网络诈骗|条例|运营商|服务规范|用户申诉|业务经营)"
                       r"|(?:中国)?联通(?!性)|天翼|中国移动|移动公司")
_HOTLINE = re.compile(r"(?<!\d)(?:10000|10010|10086)(?!\d)")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}")
# Sina's limit for one post is 2,000 characters (STC-3's longest first post has 286): no post needs more to be
# matched or judged, and a pasted document of millions of characters cost 0.84 GB in search and as much again in
# the quality model (tokens and n-grams are Python objects, dozens of bytes per character)
MAX_CHARS = 2000


def tokens(texts) -> list[list[str]]:
    """Character unigrams and bigrams of each text's CJK characters and ASCII words (lowercase).

    Hand-written (two lines): bm25s's own tokenizer splits on word boundaries, which a
    Chinese sentence does not have. Only the first ``MAX_CHARS`` characters count."""
    out = []
    for t in texts:
        units = _UNITS.findall(str(t)[:MAX_CHARS].lower())
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
    text = _PERSONA.sub("{account}", text)
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
    from wbcs.classify import predict_posts

    labelled = predict_posts(df[["post_id", "text", "created_at"]], verbose=False)  # stdout stays JSON-clean
    routed = route_posts(labelled, classify=False)
    out = pd.DataFrame({
        "source_id": "stc3:" + df["post_id"].astype(str), "source": "stc3",
        "post": clean_posts(df["text"]).to_numpy(), "reply": df["reply"].to_numpy(),
        "route": routed["route"].to_numpy(), "kind": routed["kind"].to_numpy(),
        "topic": labelled["topic"].to_numpy(), "operator": df["operator"].to_numpy(),
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
        "topic": None, "operator": None, "quality_A": np.nan, "quality_S": np.nan, "quality_E": np.nan,
        "quality": team["quality"].to_numpy(dtype=float), "solved": None}, columns=CORPUS_COLUMNS)


@dataclass
class Hits:
    """Top-k candidates per query: row positions in the corpus (−1: none), similarity, rank score."""

    rows: np.ndarray
    similarity: np.ndarray
    score: np.ndarray


def check_weight(weight, who: str) -> float:
    """``weight`` (the share of text similarity in a candidate's score) when it is a number in [0, 1]; else an
    InputError naming ``who``."""
    if not is_number(weight) or not 0 <= weight <= 1:
        raise InputError(f"{who}: weight must be between 0 and 1 (the share of text similarity), got {weight!r}")
    return float(weight)


class ReplyIndex:
    """BM25 over the posts of a corpus (``CORPUS_COLUMNS``); ``search`` returns ranked replies.

    bm25s builds the BM25 weight of every (post, token) (its own index, a documented CSC
    matrix); queries are scored all at once as one sparse product of their token counts with
    it — the same scores as ``bm25s.BM25.retrieve`` (tested), without its per-query loop."""

    def __init__(self, corpus: pd.DataFrame, *, weight: float = 0.7, chunk: int = 2000):
        import bm25s
        import scipy.sparse as sp

        check_weight(weight, "reply index")
        self.corpus = corpus.reset_index(drop=True)
        self.weight, self.chunk = weight, chunk
        self.quality = self.corpus["quality"].fillna(0.5).to_numpy(np.float32)
        self.bm25 = bm25s.BM25()
        self._weights = sp.csr_matrix((0, len(self.corpus)), dtype=np.float32)
        self._token_index, self._token_col = pd.Index([]), np.zeros(0, np.int64)
        if len(self.corpus):
            self.bm25.index(tokens(self.corpus["post"]), show_progress=False)
            sc = self.bm25.scores
            cols = len(sc["indptr"]) - 1
            # docs × tokens → tokens × docs, so a query's token counts times it give its scores
            self._weights = sp.csc_matrix((sc["data"], sc["indices"], sc["indptr"]),
                                          shape=(sc["num_docs"], cols)).T.tocsr().astype(np.float32)
            vocab = self.bm25.vocab_dict
            self._token_index = pd.Index(list(vocab), dtype=object)  # a hash table of Python strings
            self._token_col = np.fromiter(vocab.values(), np.int64, count=len(vocab))

    @staticmethod
    def _other(column: pd.Series, value) -> np.ndarray:
        """Rows whose ``column`` is known and not ``value`` (none when ``value`` is unknown)."""
        if pd.isna(value):
            return np.zeros(len(column), bool)
        column = column.astype(object)
        return (column.notna() & (column != value)).to_numpy()

    def __len__(self) -> int:
        return len(self.corpus)

    def scores(self, posts):
        """BM25 scores (a scipy sparse matrix, posts × corpus rows) of posts cleaned like the corpus."""
        import scipy.sparse as sp

        n_tok = self._weights.shape[0]
        toks = tokens(posts)
        lengths = np.fromiter(map(len, toks), np.int64, count=len(toks))
        # every token of every query looked up at once (a hash index), then mapped to its column
        found = self._token_index.get_indexer([t for q in toks for t in q]) if lengths.sum() else \
            np.zeros(0, np.int64)
        ids = np.where(found >= 0, self._token_col[np.maximum(found, 0)], -1)
        row = np.repeat(np.arange(len(toks)), lengths)
        keep = (ids >= 0) & (ids < n_tok)
        q = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (row[keep], ids[keep])), shape=(len(posts), n_tok))
        return q @ self._weights  # duplicates summed: a token counts as often as it occurs

    def search(self, posts, kinds=None, topics=None, operators=None, *, k: int = 3) -> Hits:
        """The ``k`` best candidates for each post (cleaned like the corpus), among corpus rows
        of the same route kind when ``kinds`` is given (a kind with no rows: all rows); with
        ``operators``, the rows of the post's operator (or of none: a team's own) rank before the
        others', and within each, with ``topics``, the rows of the post's topic (or of no known
        topic) rank before the others."""
        posts = list(posts)
        n = len(posts)
        rows = np.full((n, k), -1, np.int64)
        sim = np.zeros((n, k))
        score = np.zeros((n, k))
        if not len(self.corpus) or not n or k <= 0:
            return Hits(rows, sim, score)
        given = {"kind": kinds, "topic": topics, "operator": operators}
        groups = pd.DataFrame({c: [None] * n if v is None else list(v) for c, v in given.items()}, dtype=object)
        corpus_kind = self.corpus["kind"].astype(object).to_numpy()
        m = min(k, len(self.corpus))
        # dropna=False: a post without a kind, topic or operator is a group of its own, its key NaN (a string
        # stand-in such as "\0" came back from pandas 3's groupby as "", which every known topic differs from)
        for (kind, topic, operator), idx in groups.groupby(list(given), sort=False, dropna=False).groups.items():
            idx = np.asarray(idx)
            mask = (corpus_kind == kind) if not pd.isna(kind) else np.ones(len(self.corpus), bool)
            if not mask.any():
                mask = np.ones(len(self.corpus), bool)
            # another operator's rows only after every row of the post's, off-topic rows only after every row of the
            # topic (an unknown topic or operator counts as the post's); rank is in 0..1, so the steps keep the order
            penalty = 4 * self._other(self.corpus["operator"], operator) + 2 * self._other(self.corpus["topic"], topic)
            for lo in range(0, len(idx), self.chunk):
                part = idx[lo:lo + self.chunk]
                s = self.scores([posts[i] for i in part]).toarray()
                s[:, ~mask] = 0
                best = np.maximum(s.max(axis=1, keepdims=True), 1e-9)
                rank = self.weight * s / best + (1 - self.weight) * self.quality
                rank[s <= 0] = -np.inf  # no shared token: not a candidate
                key = rank - penalty
                top = np.argpartition(-key, m - 1, axis=1)[:, :m]
                order = np.take_along_axis(top, np.argsort(-np.take_along_axis(key, top, 1), axis=1,
                                                           kind="stable"), 1)
                r = np.take_along_axis(rank, order, 1)
                ok = np.isfinite(r)
                rows[part, :m] = np.where(ok, order, -1)
                sim[part, :m] = np.where(ok, np.take_along_axis(s, order, 1), 0)
                score[part, :m] = np.where(ok, r, 0)
        return Hits(rows, sim, score)
