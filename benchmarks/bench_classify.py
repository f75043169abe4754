"""Classifier benchmarks: quality next to the TF-IDF + logistic regression baseline, throughput
and training time, and the transformer path (Gemma 3 270M) measured against both.

Parts (default: speed and quality; the transformer part takes about an hour on 2 cores):

- ``speed``: prediction throughput (posts/s) on the real weibo_senti_100k texts for the
  plain scikit-learn peer (``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))`` +
  ``LogisticRegression``), the wbcs ``TextClassifier`` (numpy n-grams), with jieba words,
  and the shipped 3-field model; plus training time on SMP2020.
- ``quality``: accuracy, macro-F1 and ECE on every dataset task (SMP2020 3-class and
  6-class, COCC 8-class, STC-3 complaint, weibo_senti_100k) for the peer and the wbcs
  baseline, and on SMP2020 3-class and COCC for the stronger classical variants: jieba
  words, NB-LR, NB-LR + words, a soft-voting ensemble, self-training on unlabelled Weibo
  posts, no calibration.
- ``transformer``: Gemma 3 270M fine-tuned (top layers; LoRA) on a subsample of SMP2020
  train and on COCC, evaluated on a fixed stratified subsample of the test part, next to
  the baseline fitted on the same rows and on the full training part; then, after each
  fine-tuned sentiment model (``--distill N``, 0: none), distillation into the baseline:
  the baseline refitted on the full training part + N unlabelled Weibo posts labelled by
  the fine-tuned model (its fit_s includes that labelling).

Usage: python -m benchmarks.bench_classify [--part speed quality transformer] [--smoke]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", message=".*left out.*")
warnings.filterwarnings("ignore", message=".*dialogue.*")

PUBLISHED = ("Published figures for reference (another dataset, ChnSentiCorp 2-class hotel reviews, "
             "not available here): BERT-base 95.0, RBT3 92.8 accuracy.")


def peer():
    """The README's bar: character 1-3-gram TF-IDF + logistic regression, plain scikit-learn."""
    from wbcs.classify.strong import tfidf_logreg

    return tfidf_logreg()


def measure(model, train: pd.DataFrame, test: pd.DataFrame, **fit_kw) -> dict:
    from wbcs.classify.evaluate import metrics

    t0 = time.perf_counter()
    model.fit(train["text"].tolist(), train["label"].to_numpy(), **fit_kw)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    proba = model.predict_proba(test["text"].tolist())
    pred_s = time.perf_counter() - t0
    m = metrics(test["label"].to_numpy(), np.asarray(model.classes_)[proba.argmax(axis=1)], proba=proba,
                classes=model.classes_)
    return {"train": len(train), "test": len(test), "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
            "ece": m["ece"], "fit_s": fit_s, "predict_posts_s": len(test) / pred_s}


def measure_fitted(model, test: pd.DataFrame) -> dict:
    from wbcs.classify.evaluate import evaluate

    t0 = time.perf_counter()
    m = evaluate(model, test["text"].tolist(), test["label"].to_numpy())
    return {"test": len(test), "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "ece": m["ece"],
            "predict_posts_s": len(test) / (time.perf_counter() - t0)}


def table(rows: list[dict], cols: list[str]) -> str:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.0f}" if v >= 100 else f"{v:.3f}" if v < 10 else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def part_speed(smoke: bool) -> None:
    from wbcs.classify import TextClassifier, load_model
    from wbcs.classify.tasks import load_task
    from wbcs.datasets import load_weibo_senti
    from wbcs.schema import POST_KIND

    task = load_task("sentiment")
    texts = load_weibo_senti()["text"].tolist()
    texts = texts[:5000] if smoke else texts
    rows = []
    for name, model in [("sklearn TF-IDF char 1-3 + LR (peer)", peer()),
                        ("wbcs TextClassifier", TextClassifier()),
                        ("wbcs TextClassifier, model=nb-logreg", TextClassifier(model="nb-logreg")),
                        ("wbcs TextClassifier, words=True", TextClassifier(words=True))]:
        t0 = time.perf_counter()
        model.fit(task.train["text"].tolist(), task.train["label"].to_numpy())
        fit_s = time.perf_counter() - t0
        best = min(_time(model.predict_proba, texts) for _ in range(1 if smoke else 3))
        rows.append({"model": name, "fit_s (SMP2020, 7.7k posts)": fit_s, "posts/s": len(texts) / best})
    from wbcs.config import MODELS_DIR

    versions = sorted(int(p.name) for p in (MODELS_DIR / "wbcs-default").iterdir() if p.name.isdigit())
    previous = MODELS_DIR / "wbcs-default" / str(versions[-2]) if len(versions) > 1 else None
    for label, shipped in [("shipped", load_model()),
                           *([("previous", load_model(previous))] if previous else [])]:
        # as predict_posts runs it: the posts told they are first posts (a field with their own bias uses it)
        best = min(_time(lambda t, m=shipped: m.predict(t, kind=POST_KIND), texts) for _ in range(1 if smoke else 3))
        rows.append({"model": f"{label} {shipped.name} ({len(shipped.fields)} fields)", "posts/s": len(texts) / best})
    base = rows[0]["posts/s"]
    for r in rows:
        r["vs peer"] = f"{r['posts/s'] / base:.1f}x"
    print(f"Prediction throughput on {len(texts):,} weibo_senti_100k texts (best of 3), training time on "
          "SMP2020 3-class:\n")
    print(table(rows, ["model", "fit_s (SMP2020, 7.7k posts)", "posts/s", "vs peer"]))


def _time(fn, texts) -> float:
    t0 = time.perf_counter()
    fn(texts)
    return time.perf_counter() - t0


def part_quality(smoke: bool, seed: int) -> None:
    from sklearn.ensemble import VotingClassifier

    from wbcs.classify import TextClassifier
    from wbcs.classify.strong import SelfTraining
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample, unlabelled_weibo

    cap = 1500 if smoke else None
    rows = []
    for name in ["sentiment", "emotion", "cocc", "complaint", "weibo_senti"]:
        task = load_task(name, seed=seed)
        train, test = subsample(task.train, cap, seed), subsample(task.test, cap and 800, seed)
        for label, model in [("TF-IDF char 1-3 + LR (peer)", peer()), ("wbcs baseline", TextClassifier())]:
            rows.append({"task": name, "model": label, **measure(model, train, test)})
    print("Every task: the peer next to the wbcs baseline (same split; grouped near-duplicate-safe hold-out, "
          "or SMP2020's eval files):\n")
    print(table(rows, ["task", "model", "train", "test", "accuracy", "macro_f1", "ece", "fit_s"]))
    print(f"\n{PUBLISHED}\n")

    rows = []
    pool = unlabelled_weibo(2000 if smoke else 20000, seed)
    for name in ["sentiment", "cocc"]:
        task = load_task(name, seed=seed)
        train, test = subsample(task.train, cap, seed), subsample(task.test, cap and 800, seed)
        variants = [
            ("TF-IDF char 1-3 + LR (peer)", peer(), {}),
            ("wbcs baseline (char 1-3, LR, sigmoid-calibrated)", TextClassifier(), {}),
            ("baseline, no calibration", TextClassifier(calibration=None), {}),
            ("+ jieba words", TextClassifier(words=True), {}),
            ("NB-LR", TextClassifier(model="nb-logreg"), {}),
            ("NB-LR + jieba words", TextClassifier(model="nb-logreg", words=True), {}),
            ("soft vote: baseline + NB-LR + words", VotingClassifier(
                [("lr", TextClassifier()), ("nb", TextClassifier(model="nb-logreg", words=True))], voting="soft"), {}),
        ]
        if name == "sentiment":
            variants.append((f"self-training, +{len(pool):,} unlabelled Weibo posts (p ≥ 0.9)",
                             SelfTraining(TextClassifier(), threshold=0.9, max_rounds=2), {"unlabelled": pool}))
        for label, model, kw in variants:
            r = measure(model, train, test, **kw)
            if isinstance(model, SelfTraining):
                label += f" (added {sum(model.added_):,})"
            rows.append({"task": name, "model": label, **r})
    print("Stronger classical models (same split as above):\n")
    print(table(rows, ["task", "model", "accuracy", "macro_f1", "ece", "fit_s"]))


def part_transformer(smoke: bool, seed: int, n_train: int, n_test: int, minutes: float,
                     tasks=("sentiment", "cocc"), settings_wanted=("top", "lora"), n_distill: int = 0,
                     save_to=None) -> None:
    """Fine-tune Gemma 3 270M and compare, on the same test rows, with the baseline."""
    from wbcs.classify import TextClassifier
    from wbcs.classify.tasks import load_task
    from wbcs.classify.train import subsample
    from wbcs.classify.transformer import TransformerClassifier

    backbone = "gemma3-270m"
    if smoke:  # a tiny random BERT instead: checks the code path, measures nothing useful
        import tempfile

        from wbcs.classify.transformer import tiny_backbone

        task = load_task("sentiment", seed=seed)
        backbone = str(tiny_backbone(tempfile.mkdtemp(), task.train["text"].head(500)))
        n_train, n_test = 64, 64
    rows = []
    settings = [("top", "top 4 layers + head", dict(train_top_layers=4, learning_rate=5e-5)),
                ("lora", "LoRA r=8 q/v + head", dict(lora_r=8, lora_targets=("q_proj", "v_proj"),
                                                    learning_rate=2e-4))]
    settings = [(label, kw) for key, label, kw in settings if key in settings_wanted]
    if smoke:
        settings = [("all weights", {})]
    title = "tiny random BERT" if smoke else "Gemma 3 270M"
    for name in tasks:
        task = load_task(name, seed=seed)
        test = subsample(task.test, n_test, seed)
        train = subsample(task.train, n_train, seed)
        rows.append({"task": name, "model": "wbcs baseline, full training part", **measure(TextClassifier(), task.train, test)})
        rows.append({"task": name, "model": "wbcs baseline, same rows as Gemma", **measure(TextClassifier(), train, test)})
        for label, kw in settings:
            model = TransformerClassifier(backbone, epochs=1, batch_size=8, max_length=96, random_state=seed, **kw)
            r = measure(model, train, test)
            rows.append({"task": name, "model": f"{title}, {label}", **r})
            print(f"  {name} / {label}: macro-F1 {r['macro_f1']:.3f}, fit {r['fit_s'] / 60:.1f} min, "
                  f"{r['predict_posts_s']:.1f} posts/s", flush=True)
            if r["fit_s"] > minutes * 60:
                print(f"  (fit took longer than the {minutes:.0f}-minute budget)")
            if save_to is not None:
                from wbcs.classify import PostClassifier, save_model

                folder = save_model(PostClassifier({task.field: model}), f"{save_to}/{name}-{label.split()[0]}",
                                    overwrite=True)
                print(f"  saved to {folder}")
            if n_distill and name == "sentiment":
                from wbcs.classify.distil import fit_student
                from wbcs.classify.train import unlabelled_weibo

                pool = unlabelled_weibo(n_distill, seed)
                t0 = time.perf_counter()
                student = fit_student(TextClassifier(), model, task.train["text"].tolist(), task.train["label"], pool, 1.0)
                r = measure_fitted(student, test)
                rows.append({"task": name, "model": f"baseline distilled from it: full training part + "
                             f"{student.n_pseudo_:,} Weibo posts it labelled", "train": len(task.train) + student.n_pseudo_,
                             **r, "fit_s": time.perf_counter() - t0})
    print("\nTransformer path vs the baseline, same test rows (stratified subsample of the test part):\n")
    print(table(rows, ["task", "model", "train", "test", "accuracy", "macro_f1", "ece", "fit_s", "predict_posts_s"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", nargs="+", choices=["speed", "quality", "transformer"], default=["speed", "quality"])
    parser.add_argument("--smoke", action="store_true", help="small samples (checks the script, not the numbers)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gemma-train", type=int, default=2000, help="training rows for the transformer part")
    parser.add_argument("--gemma-test", type=int, default=1000, help="test rows for the transformer part")
    parser.add_argument("--minutes", type=float, default=40, help="time budget per fine-tuning run")
    parser.add_argument("--distill", type=int, default=4000,
                        help="unlabelled Weibo posts the fine-tuned sentiment model labels for a distilled baseline (0: none)")
    parser.add_argument("--save", help="save each fine-tuned model under this folder")
    parser.add_argument("--tasks", nargs="+", default=["sentiment", "cocc"], help="tasks of the transformer part")
    parser.add_argument("--settings", nargs="+", choices=["top", "lora"], default=["top", "lora"],
                        help="fine-tuning settings of the transformer part")
    args = parser.parse_args(argv)
    if "speed" in args.part:
        part_speed(args.smoke)
    if "quality" in args.part:
        print()
        part_quality(args.smoke, args.seed)
    if "transformer" in args.part:
        print()
        part_transformer(args.smoke, args.seed, args.gemma_train, args.gemma_test, args.minutes,
                         args.tasks, args.settings, 0 if args.smoke else args.distill, args.save)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
