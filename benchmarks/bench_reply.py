"""Reply drafts: retrieval quality, the quality model, the typing a draft saves, and speed.

1. Retrieval on a grouped held-out fifth of the STC-3 dialogues, telecom and all (near-duplicate posts on one
   side), through the product's own path: ``draft_replies`` over an index of the other four fifths, each
   held-out post with its route, kind, topic (the shipped model's, as the index's) and operator, so the
   first alternative is the one ``wbcs reply`` offers (draft_replies asks the index itself: within the route
   kind, the post's topic first, similarity + quality) and the draft is the route's template for the topic. How close each is to the
   real reply — character ROUGE-L F1 (LCS, rapidfuzz) and chrF (sacrebleu) — next to peers in the same run:
   the same ranking with TF-IDF cosine in place of BM25, similarity only, TF-IDF cosine top-1 with no
   filter, a random reply of the same route (seeded). Every text is compared in slot form filled with the
   same post's slots. On the high-quality held-out dialogues (mean of A, S, E ≥ 0.5 on −2..2) and on every
   held-out dialogue routed to a reply; 95 % intervals by resampling whole leakage groups, and the paired
   difference to the product's first alternative with its interval.
2. The quality model (STC-3 DQ task) on a grouped hold-out: RMSE, Pearson, Spearman and the
   NMD lower bound for A/S/E, first exchange and whole dialogue, next to BL-uniform and
   BL-popularity (see ``wbcs.reply.quality``).
3. The typing a draft saves: edit distance (Levenshtein) from the draft to the real reply as
   a share of the real reply's length — the part an agent still has to type.
4. Speed: drafts for 10,000 posts (STC-3 telecom posts resampled, labels already predicted),
   end to end with classification and routing, and the retrieval step next to a peer: cosine
   similarity on the project's TF-IDF character n-grams (sparse product + top-k), which also
   appears in the retrieval-quality tables. Wall and CPU seconds: the machine is shared.

Needs the dataset mirror. Usage: python -m benchmarks.bench_reply [--posts 10000] [--boot 2000]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def rouge_l(hyp: str, ref: str) -> float:
    """Character ROUGE-L F1 from the longest common subsequence (rapidfuzz's LCSseq)."""
    from rapidfuzz.distance import LCSseq

    if not hyp or not ref:
        return 0.0
    lcs = LCSseq.similarity(hyp, ref)
    p, r = lcs / len(hyp), lcs / len(ref)
    return 0.0 if lcs == 0 else 2 * p * r / (p + r)


def _split(corpus: pd.DataFrame, seed: int = 0):
    """Train and test rows (a grouped fifth held out: near-duplicate posts on one side) and every row's group."""
    from wbcs.classify.splits import group_train_test_split, leakage_groups

    groups = np.asarray(leakage_groups(corpus["post"].tolist(), seed=seed))
    strata = corpus["route"].astype(str).to_numpy()
    train, test = group_train_test_split(strata, groups, test_size=0.2, seed=seed)
    return train, test, groups


def _tfidf_index(corpus: pd.DataFrame):
    """The product's index and ranking (``ReplyIndex.search``) with TF-IDF cosine on the project's char
    1-3-grams in place of BM25: the similarity alone differs."""
    from sklearn.feature_extraction.text import TfidfTransformer

    from wbcs.classify.features import CharNgramVectorizer
    from wbcs.reply.index import ReplyIndex

    class TfidfIndex(ReplyIndex):
        def __init__(self, corpus):
            super().__init__(corpus)
            self._vec, self._tf = CharNgramVectorizer((1, 3), min_df=1), TfidfTransformer(sublinear_tf=True)
            self._docs = self._tf.fit_transform(self._vec.fit_transform(self.corpus["post"].tolist())).T.tocsr()

        def scores(self, posts):
            return self._tf.transform(self._vec.transform(list(posts))) @ self._docs

    return TfidfIndex(corpus)


def _bootstrap(values: dict[str, np.ndarray], groups: np.ndarray, base: str, n_boot: int, seed: int) -> dict:
    """Per system: its mean and 95 % percentile interval, and the paired difference to ``base`` with its
    interval; whole leakage groups are resampled (near-duplicate posts are not independent items)."""
    codes, group = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = np.stack([np.bincount(rng.integers(len(codes), size=len(codes)), minlength=len(codes))
                      for _ in range(n_boot)])  # how often each group is drawn
    weight = draws[:, group]  # each item weighs as often as its group was drawn
    out = {}
    for name, v in values.items():
        boot = weight @ v / weight.sum(axis=1)
        diff = weight @ (v - values[base]) / weight.sum(axis=1)
        out[name] = {"mean": float(v.mean()), "ci": np.percentile(boot, [2.5, 97.5]).tolist(),
                     "delta": float((v - values[base]).mean()), "delta_ci": np.percentile(diff, [2.5, 97.5]).tolist()}
    return out


def bench_retrieval(corpus: pd.DataFrame, seed: int = 0, n_boot: int = 2000) -> tuple[list[str], dict]:
    """The first alternative ``draft_replies`` offers (the product's path: kind, the post's operator and
    topic, similarity + quality) and the draft itself (the route's template for the post's topic) against
    the real reply, next to peers in the same run; see the module docstring."""
    from rapidfuzz.distance import Levenshtein
    from sacrebleu.metrics import CHRF

    from wbcs.reply.drafts import Drafter, draft_replies
    from wbcs.reply.index import ReplyIndex
    from wbcs.reply.templates import fill, load_replies

    book = load_replies()
    train, test, groups = _split(corpus, seed)
    tr, te = corpus.iloc[train].reset_index(drop=True), corpus.iloc[test].reset_index(drop=True)
    te_groups = groups[test]
    routed_to_reply = te["route"].map(book.replies).astype(bool).to_numpy()
    high = (te[["quality_A", "quality_S", "quality_E"]].mean(axis=1) >= 0.5).to_numpy()
    posts = pd.DataFrame({"post_id": te["source_id"].str.removeprefix("stc3:"), "text": te["post"],
                          "topic": te["topic"], "operator": te["operator"]})
    routed = pd.DataFrame({"post_id": posts["post_id"], "route": te["route"], "kind": te["kind"]})

    def drafted(index) -> pd.DataFrame:
        return draft_replies(posts, routed, Drafter(book, index, None, k=1))

    product = drafted(ReplyIndex(tr))
    systems = {"**wbcs reply: first alternative**": product["alt1"].fillna("").tolist(),
               "wbcs reply, similarity only (weight 1)": drafted(ReplyIndex(tr, weight=1.0))["alt1"].fillna("").tolist(),
               "peer: TF-IDF cosine in the product's ranking": drafted(_tfidf_index(tr))["alt1"].fillna("").tolist(),
               "wbcs reply: the draft (route template for the post's topic)": product["draft"].tolist()}
    # the post's slots, as draft_replies fills them (real replies hold no {resolve_within}: to_slots makes none)
    slots = [book.slots_for(operator=o, topic=t) for o, t in zip(te["operator"], te["topic"], strict=True)]
    top = _tfidf_peer(tr["post"].tolist(), te["post"].tolist(), 1)[:, 0]
    by_route = tr.groupby("route")["reply"].apply(list).to_dict()
    rng = np.random.default_rng(seed)
    in_slots = {"peer: TF-IDF cosine top-1 (no quality, kind, operator or topic)": [tr["reply"][r] for r in top],
                "random reply of the same route (seeded)": [
                    by_route[r][rng.integers(len(by_route[r]))] if r in by_route else "" for r in te["route"]]}
    systems |= {name: [fill(t, s) for t, s in zip(texts, slots, strict=True)] for name, texts in in_slots.items()}
    refs = [fill(t, s) for t, s in zip(te["reply"], slots, strict=True)]
    chrf = CHRF()
    scores = {name: {"rouge_l": np.array([rouge_l(h, r) for h, r in zip(hyps, refs, strict=True)]),
                     "chrf": np.array([chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs, strict=True)]),
                     "edit": np.array([min(1.0, Levenshtein.distance(h, r) / max(len(r), 1))
                                       for h, r in zip(hyps, refs, strict=True)])}
              for name, hyps in systems.items()}
    base = next(iter(systems))
    lines = [f"{len(tr):,} indexed replies, {len(te):,} held out\n"]
    out = {}
    for label, keep in (("high-quality dialogues (mean A/S/E ≥ 0.5) routed to a reply", routed_to_reply & high),
                        ("every dialogue routed to a reply", routed_to_reply)):
        rl = _bootstrap({n: v["rouge_l"][keep] for n, v in scores.items()}, te_groups[keep], base, n_boot, seed)
        cf = _bootstrap({n: v["chrf"][keep] for n, v in scores.items()}, te_groups[keep], base, n_boot, seed)
        lines += [f"\n{label}: n = {int(keep.sum())} ({len(np.unique(te_groups[keep]))} leakage groups); 95 % "
                  f"intervals: {n_boot} group-bootstrap resamples (seed {seed}); Δ = system − wbcs's first "
                  "alternative on the same resamples\n",
                  "| draft | char ROUGE-L F1 [95 % CI] | Δ ROUGE-L [95 % CI] | chrF | Δ chrF [95 % CI] "
                  "| share of the real reply still to type |", "|---|---:|---:|---:|---:|---:|"]
        for name in systems:
            r, c = rl[name], cf[name]
            delta = "–" if name == base else f"{r['delta']:+.3f} [{r['delta_ci'][0]:+.3f}, {r['delta_ci'][1]:+.3f}]"
            dchrf = "–" if name == base else f"{c['delta']:+.1f} [{c['delta_ci'][0]:+.1f}, {c['delta_ci'][1]:+.1f}]"
            lines.append(f"| {name} | {r['mean']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | {delta} | "
                         f"{c['mean']:.1f} | {dchrf} | {scores[name]['edit'][keep].mean():.2f} |")
        out[label] = {"rouge_l": rl, "chrf": cf}
    return lines, out


def bench_quality(seed: int = 0) -> list[str]:
    from wbcs.reply.quality import dialogue_frame, evaluate_quality

    d = dialogue_frame()
    rows = ["| input | system | A: RMSE / r / ρ / NMD≥ | S: RMSE / r / ρ / NMD≥ | E: RMSE / r / ρ / NMD≥ |",
            "|---|---|---|---|---|"]
    for label, cols in (("first exchange (post, reply)", ("post", "reply")),
                        ("whole dialogue (customer, helpdesk turns)", ("customer", "helpdesk"))):
        res = evaluate_quality(d, columns=cols, seed=seed)
        for system in ("model", "bl_popularity", "bl_uniform"):
            cells = []
            for s in "ASE":
                m = res[system][s]
                r = "–" if np.isnan(m["pearson"]) else f"{m['pearson']:.3f}"
                rho = "–" if np.isnan(m["spearman"]) else f"{m['spearman']:.3f}"
                cells.append(f"{m['rmse']:.3f} / {r} / {rho} / {m['nmd_lower_bound']:.3f}")
            rows.append(f"| {label} | {system} | " + " | ".join(cells) + " |")
        n = f"{res['n_train']:,} train / {res['n_test']:,} test dialogues"
    return [f"{n} (grouped split)\n", *rows]


def _tfidf_peer(corpus_posts, queries, k: int):
    """Cosine similarity on char 1-3-gram TF-IDF (the project's features) and a top-k per query."""
    from sklearn.feature_extraction.text import TfidfTransformer

    from wbcs.classify.features import CharNgramVectorizer

    vec = CharNgramVectorizer((1, 3), min_df=1)
    tf = TfidfTransformer(sublinear_tf=True)
    docs = tf.fit_transform(vec.fit_transform(corpus_posts))
    q = tf.transform(vec.transform(queries))
    sims = (q @ docs.T).toarray()
    return np.argpartition(-sims, k, axis=1)[:, :k]


class _Clock:
    """Wall and CPU seconds of a block: on a shared machine the CPU time is the steadier figure."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def bench_speed(n_posts: int, seed: int = 0) -> list[str]:
    from wbcs.classify import predict_posts
    from wbcs.datasets import load_stc3
    from wbcs.reply.drafts import draft_replies, make_drafter
    from wbcs.reply.index import clean_posts
    from wbcs.triage import route_posts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = load_stc3(telecom_only=True).drop(columns=["reply_text", "thread"])
    rng = np.random.default_rng(seed)
    posts = base.iloc[rng.integers(len(base), size=n_posts)].reset_index(drop=True)
    posts["post_id"] = [f"b{i}" for i in range(n_posts)]
    with _Clock() as build:
        drafter = make_drafter(k=3)
    with _Clock() as route:
        labelled = predict_posts(posts, verbose=False)
        routed = route_posts(labelled, classify=False)
    with _Clock() as draft:
        drafts = draft_replies(labelled, routed, drafter)
    assert drafts.loc[drafts["route"] != "monitor", "passes"].all()

    queries = clean_posts(labelled["text"]).tolist()
    kinds, topics, operators = routed["kind"].tolist(), labelled["topic"].tolist(), labelled["operator"].tolist()
    with _Clock() as bm25:  # as draft_replies asks it: within the kind, the post's operator and topic first
        drafter.index.search(queries, kinds, topics, operators, k=4)
    with _Clock() as peer:
        _tfidf_peer(drafter.index.corpus["post"].tolist(), queries, 4)

    def row(name, c, ratio="–", rate=True):
        return f"| {name} | {c.wall:.2f} | {c.cpu:.2f} | {f'{n_posts / c.wall:,.0f}' if rate else '–'} | {ratio} |"

    return [f"{n_posts:,} posts; index of {len(drafter.index):,} replies\n",
            "| step | wall s | CPU s | posts/s (wall) | CPU vs peer |", "|---|---:|---:|---:|---:|",
            row("build: STC-3 telecom index + quality model (once per process)", build, rate=False),
            row("classify + route (shipped model)", route),
            row("**drafts: templates, retrieval, quality, checks**", draft),
            row("retrieval only: BM25 top-4 within route kind, operator and topic first", bm25,
                f"{bm25.cpu / peer.cpu:.2f}×"),
            row("peer: TF-IDF char 1-3-gram cosine, top-4 (no kind filter)", peer, "1.00×")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples of the retrieval intervals")
    args = ap.parse_args(argv)
    from wbcs.reply.index import stc3_corpus

    for title, telecom in (("telecom dialogues (what make_drafter indexes)", True), ("all dialogues", False)):
        print(f"### Retrieval, STC-3 {title}: grouped held-out fifth\n")
        lines, _ = bench_retrieval(stc3_corpus(telecom_only=telecom), args.seed, args.boot)
        print("\n".join(lines) + "\n")
    print("### Reply-quality model (NTCIR-14 STC-3 DQ)\n")
    print("\n".join(bench_quality(args.seed)))
    print("\n### Speed\n")
    print("\n".join(bench_speed(args.posts, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
