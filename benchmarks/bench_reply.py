"""Reply drafts: retrieval quality, the quality model, the typing a draft saves, and speed.

1. Retrieval on a grouped held-out fifth of the STC-3 dialogues, telecom and all (near-duplicate posts on one
   side): for each held-out dialogue of high quality (mean of A, S, E ≥ 0.5 on −2..2), how
   close the top-1 retrieved reply (index of the other four fifths) is to the real reply —
   character ROUGE-L F1 (LCS, rapidfuzz) and chrF (sacrebleu) — next to the route's template
   alone, a random reply of the same route (seeded), and retrieval by similarity only.
   Every text is compared in slot form filled with the same post's slots.
2. The quality model (STC-3 DQ task) on a grouped hold-out: RMSE, Pearson, Spearman and the
   NMD lower bound for A/S/E, first exchange and whole dialogue, next to BL-uniform and
   BL-popularity (see ``wbcs.reply.quality``).
3. The typing a draft saves: edit distance (Levenshtein) from the draft to the real reply as
   a share of the real reply's length — the part an agent still has to type.
4. Speed: drafts for 10,000 posts (STC-3 telecom posts resampled, labels already predicted),
   end to end with classification and routing, and the retrieval step next to a peer: cosine
   similarity on the project's TF-IDF character n-grams (sparse product + top-k), which also
   appears in the retrieval-quality tables. Wall and CPU seconds: the machine is shared.

Needs the dataset mirror. Usage: python -m benchmarks.bench_reply [--posts 10000]
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
    from wbcs.classify.splits import group_train_test_split, leakage_groups

    groups = leakage_groups(corpus["post"].tolist(), seed=seed)
    strata = corpus["route"].astype(str).to_numpy()
    return group_train_test_split(strata, groups, test_size=0.2, seed=seed)


def bench_retrieval(corpus: pd.DataFrame, seed: int = 0) -> tuple[list[str], dict]:
    from rapidfuzz.distance import Levenshtein
    from sacrebleu.metrics import CHRF

    from wbcs.reply.index import ReplyIndex
    from wbcs.reply.templates import fill, load_replies

    book = load_replies()
    train, test = _split(corpus, seed)
    tr, te = corpus.iloc[train].reset_index(drop=True), corpus.iloc[test].reset_index(drop=True)
    good = te[(te[["quality_A", "quality_S", "quality_E"]].mean(axis=1) >= 0.5) & te["route"].map(book.replies)]
    good = good.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    chrf = CHRF()
    systems = {}
    for name, weight in (("retrieval (similarity + quality)", 0.7), ("retrieval, similarity only", 1.0)):
        hits = ReplyIndex(tr, weight=weight).search(good["post"], good["kind"], k=1)
        systems[name] = [tr["reply"][r] if r >= 0 else "" for r in hits.rows[:, 0]]
    top = _tfidf_peer(tr["post"].tolist(), good["post"].tolist(), 1)[:, 0]
    systems["peer: TF-IDF cosine top-1 (no quality, no kind filter)"] = [tr["reply"][r] for r in top]
    by_route = tr.groupby("route")["reply"].apply(list).to_dict()
    systems["random reply of the same route"] = [
        by_route[r][rng.integers(len(by_route[r]))] if r in by_route else "" for r in good["route"]]
    systems["route template alone"] = [book.template(r).public for r in good["route"]]
    slots = [book.slots_for(operator=o) for o in good["operator"]]
    refs = [fill(t, s) for t, s in zip(good["reply"], slots, strict=True)]
    rows = ["| draft | char ROUGE-L F1 | chrF | share of the real reply still to type |", "|---|---:|---:|---:|"]
    out = {}
    for name, texts in systems.items():
        hyps = [fill(t, s) for t, s in zip(texts, slots, strict=True)]
        rl = np.mean([rouge_l(h, r) for h, r in zip(hyps, refs, strict=True)])
        cf = np.mean([chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs, strict=True)])
        edit = np.mean([min(1.0, Levenshtein.distance(h, r) / max(len(r), 1)) for h, r in zip(hyps, refs, strict=True)])
        out[name] = {"rouge_l": rl, "chrf": cf, "edit": edit}
        rows.append(f"| {name} | {rl:.3f} | {cf:.1f} | {edit:.2f} |")
    head = (f"{len(tr):,} indexed replies, {len(te):,} held out, {len(good):,} of them high-quality dialogues "
            f"(mean A/S/E ≥ 0.5) routed to a reply\n")
    return [head, *rows], out


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
    kinds = routed["kind"].tolist()
    with _Clock() as bm25:
        drafter.index.search(queries, kinds, k=4)
    with _Clock() as peer:
        _tfidf_peer(drafter.index.corpus["post"].tolist(), queries, 4)

    def row(name, c, ratio="–", rate=True):
        return f"| {name} | {c.wall:.2f} | {c.cpu:.2f} | {f'{n_posts / c.wall:,.0f}' if rate else '–'} | {ratio} |"

    return [f"{n_posts:,} posts; index of {len(drafter.index):,} replies\n",
            "| step | wall s | CPU s | posts/s (wall) | CPU vs peer |", "|---|---:|---:|---:|---:|",
            row("build: STC-3 telecom index + quality model (once per process)", build, rate=False),
            row("classify + route (shipped model)", route),
            row("**drafts: templates, retrieval, quality, checks**", draft),
            row("retrieval only: BM25 top-4 within route kind", bm25, f"{bm25.cpu / peer.cpu:.2f}×"),
            row("peer: TF-IDF char 1-3-gram cosine, top-4 (no kind filter)", peer, "1.00×")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    from wbcs.reply.index import stc3_corpus

    for title, telecom in (("telecom dialogues (what make_drafter indexes)", True), ("all dialogues", False)):
        print(f"### Retrieval, STC-3 {title}: grouped held-out fifth\n")
        lines, _ = bench_retrieval(stc3_corpus(telecom_only=telecom), args.seed)
        print("\n".join(lines) + "\n")
    print("### Reply-quality model (NTCIR-14 STC-3 DQ)\n")
    print("\n".join(bench_quality(args.seed)))
    print("\n### Speed\n")
    print("\n".join(bench_speed(args.posts, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
