"""The quality path without fine-tuning: a frozen backbone's hidden states as features.

``embed`` mean-pools hidden layers of a backbone (default the packaged Gemma 3 270M) over each
text's tokens. ``EmbeddingEnsemble`` averages the fast model's probabilities with a logistic
regression on those features (then an optional class bias). ``select_ensemble`` decides, by
the trainer's grouped cross-validation and its tolerance, whether the ensemble beats the fast
model alone, and at which layer and regularisation.

Why a frozen backbone and not only the fine-tune of ``transformer.py``: the backbone is not
fitted, so every text is embedded once and each CV fold only fits a logistic regression
(seconds). Grouped CV, and so the trainer's selection rule, becomes affordable on this
machine, where a Gemma fine-tune per fold costs minutes per field. On the gold training part
(5 grouped folds, no test row), the mean of the fast model and layer 15's regression gained
intent 0.593 → 0.653 and topic 0.602 → 0.632 macro-F1 (BENCHMARKS.md, "quality path").

A post can also be read wrapped in a question (``field_prompt``: "以下是用户…发给电信运营商客服的一条消息：
<post> 这条消息的业务类别（资费/套餐、…）是：") and its hidden states averaged over the whole: a decoder's states
after the post then carry what the question asks. ``select_ensemble`` tries that view beside the plain one and CV
decides: in the quality build of 2026-12-06 it won the topic (CV macro-F1 0.641 → 0.652 over the best plain row)
and tied or lost on the other fields (BENCHMARKS.md, "A post wrapped in a question" and the build after it).

Gemma embeds ~15–40 posts/s on two cores: a model with an ensemble field is the offline
quality option, not the shipped ≥ 10,000 posts/s default.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from wbcs.classify.baseline import as_texts, bias_names, unbiased, with_biases
from wbcs.errors import InputError
from wbcs.progress import bar

META = "wbcs_embedding.json"
# candidate layers, counted from the top (-1: the last hidden state; Gemma 3 270M has 18 layers, so -4 is
# layer 15): on the gold training part, layers 6, 9 and 12 scored below both (BENCHMARKS.md)
LAYERS = (-4, -1)
CS = (0.003, 0.01, 0.03)  # the regression's C: strong regularisation for 640 dense features and ~2,000 rows
# texts kept per (backbone, max_length, layer) in the memo below: 50,000 × 640 float32 ≈ 128 MB per layer
MEMO_TEXTS = 50_000

# Texts already embedded, per (backbone, max_length, layer, prompt). Deterministic (a frozen backbone), so this is
# a cache and not hidden state: the trainer embeds the same texts for CV, the held-out fit and the refit,
# and the four fields of a model share their texts; at ~20 posts/s each repeat would cost minutes.
_MEMO: dict[tuple, dict[str, np.ndarray]] = {}
_LOADED: dict[str, tuple] = {}  # the last backbone loaded: (tokenizer, model)


def _backbone(backbone: str, threads: int | None):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from wbcs.classify.gemma import resolve
    from wbcs.classify.transformer import check_backbone, quiet_transformers

    path = resolve(backbone)
    if path not in _LOADED:
        check_backbone(backbone)
        try:
            with quiet_transformers():  # its bars and LOAD REPORT in every notebook cell that embeds
                tok = AutoTokenizer.from_pretrained(path)
                model = AutoModel.from_pretrained(path, dtype=torch.float32).eval()
        except (OSError, ValueError) as e:  # ValueError: a folder transformers cannot read as a model
            raise InputError(f"backbone {backbone!r}: cannot load it ({str(e).splitlines()[0]}); give a local "
                             "model folder, a hub name reachable from here, or 'gemma3-270m'") from None
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token or tok.unk_token
        _LOADED.clear()
        _LOADED[path] = (tok, model)
    if threads:
        torch.set_num_threads(int(threads))
    return _LOADED[path]


def n_layers(backbone: str) -> int:
    """The backbone's number of hidden layers."""
    _, model = _backbone(backbone, None)
    return int(model.config.num_hidden_layers)


def field_prompt(field_zh: str, labels) -> str:
    """The question a post is wrapped in for ``embed(prompt=...)``: the field's name and its labels' names (e.g.
    the taxonomy's Chinese ones), ``{text}`` where the post goes."""
    return (f"以下是用户在微博上发给电信运营商客服的一条消息：\n{{text}}\n这条消息的{field_zh}（"
            + "、".join(str(x) for x in labels) + "）是：")


def _wrapped(texts: list[str], prompt: str | None, max_length: int) -> list[str]:
    """``texts`` as the backbone reads them: each cut to ``max_length`` characters inside ``prompt`` (so that the
    question after the post is not cut), or as they are."""
    if prompt is None:
        return texts
    return [prompt.replace("{text}", t[:max_length]) for t in texts]


def embed(texts, *, backbone: str = "gemma3-270m", layers=(-1,), max_length: int = 128, batch_size: int = 32,
          threads: int | None = None, prompt: str | None = None) -> dict[int, np.ndarray]:
    """{layer: array (len(texts) × hidden)}: each layer's hidden states averaged over the text's tokens
    (padding left out), for the already-normalised ``texts``. ``layers`` count like Python indices over the
    embedding output and the layers' outputs (-1: the last). ``prompt``: a template with ``{text}`` (e.g.
    ``field_prompt``) each text is wrapped in, the states averaged over the whole. Texts embedded before are not
    run again."""
    import torch

    texts = [str(t) for t in texts]
    tok, model = _backbone(backbone, threads)
    depth = model.config.num_hidden_layers + 1
    bad = [k for k in layers if not -depth <= k < depth]
    if bad:
        raise InputError(f"layer {bad[0]}: backbone {backbone!r} has {depth - 1} layers (use -{depth}..{depth - 1})")
    if prompt is not None and "{text}" not in prompt:
        raise InputError(f"prompt {prompt[:40]!r}…: it needs {{text}} where the post goes")
    memos = [_MEMO.setdefault((backbone, max_length, int(k) % depth, prompt), {}) for k in layers]
    # the prompt's own tokens on top of the text's: truncation is for the post, not the question after it
    limit = max_length + (len(tok(prompt, add_special_tokens=False)["input_ids"]) if prompt else 0)
    todo = sorted({t for t in texts if any(t not in m for m in memos)}, key=len)  # similar lengths: little padding
    with torch.inference_mode():
        for start in bar(range(0, len(todo), batch_size), desc=f"embedding ({backbone})", leave=False,
                         progress=len(todo) > 4 * batch_size):
            batch = todo[start:start + batch_size]
            enc = tok(_wrapped(batch, prompt, max_length), padding=True, truncation=True, max_length=limit,
                      return_tensors="pt")
            hidden = model(**enc, output_hidden_states=True).hidden_states
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for k, memo in zip(layers, memos, strict=True):
                pooled = ((hidden[k] * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy()
                memo.update(zip(batch, pooled.astype(np.float32), strict=True))
    out = {k: np.stack([m[t] for t in texts]) if texts else np.zeros((0, model.config.hidden_size), np.float32)
           for k, m in zip(layers, memos, strict=True)}
    for memo in memos:  # bounded: the oldest texts go first
        for key in list(memo)[:max(0, len(memo) - MEMO_TEXTS)]:
            del memo[key]
    return out


def frozen_head(C: float, seed):
    """The regression on frozen hidden states (an ``EmbeddingEnsemble``'s member): standardised features,
    logistic regression with balanced classes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=3000,
                                                              random_state=seed))


def spread_columns(proba, classes, into) -> np.ndarray:
    """``proba`` (columns ``classes``) on the columns ``into`` (a superset), zeros elsewhere."""
    out = np.zeros((len(proba), len(into)))
    out[:, np.searchsorted(into, np.asarray(classes).astype(str))] = proba
    return out


class EmbeddingEnsemble(ClassifierMixin, BaseEstimator):
    """``weight`` · P(regression on the backbone's layer ``layer``) + (1 − ``weight``) · P(``fast``), then
    ``class_bias`` (log-probability offsets, as ``TextClassifier``'s).

    Parameters
    ----------
    fast : the fast model (a ``TextClassifier``), refitted by ``fit``.
    backbone, layer, max_length, prompt : what ``embed`` runs (``prompt``: None, the plain post, or a template
        with ``{text}``, the post wrapped in a question).
    C : the logistic regression's inverse regularisation (standardised features, balanced classes).
    weight : the regression's share of the mean.
    class_bias : {label: offset} or None.
    kind_bias : {kind: {label: offset}} or None: a kind of item's own bias, as ``TextClassifier``'s.
    """

    def __init__(self, fast=None, *, backbone="gemma3-270m", layer=-4, C=0.01, weight=0.5, class_bias=None,
                 kind_bias=None, max_length=128, threads=None, random_state=0, prompt=None):
        self.fast = fast
        self.backbone = backbone
        self.layer = layer
        self.C = C
        self.weight = weight
        self.class_bias = class_bias
        self.kind_bias = kind_bias
        self.max_length = max_length
        self.threads = threads
        self.random_state = random_state
        self.prompt = prompt

    def hidden_states(self, texts) -> np.ndarray:
        """The backbone's hidden states at ``layer`` for ``texts`` (normalised first): what the regression reads."""
        from wbcs.text import normalize_series

        norm = normalize_series(pd.Series(as_texts(texts), dtype=object)).tolist()
        # the other candidate layers too: one forward pass fills them all, and the fields of a model that chose
        # different layers then share it (measured: a 4-field model over 400 posts, 39 s → about half)
        depth = n_layers(self.backbone) + 1
        others = tuple(k for k in LAYERS if -depth <= k < depth and k % depth != self.layer % depth)
        return embed(norm, backbone=self.backbone, layers=(self.layer, *others), max_length=self.max_length,
                     threads=self.threads, prompt=self.prompt)[self.layer]

    def fit(self, texts, y, sample_weight=None):
        texts, y = as_texts(texts), np.asarray(y).astype(str)
        if self.fast is None:
            raise InputError("EmbeddingEnsemble needs its fast model (fast=TextClassifier(...))")
        kw = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight, dtype=float)}
        self.fast_ = clone(self.fast).fit(texts, y, **kw)
        self.head_ = frozen_head(self.C, self.random_state)
        self.head_.fit(self.hidden_states(texts), y, **({} if not kw else {"logisticregression__sample_weight": kw["sample_weight"]}))
        self.classes_ = np.asarray(self.fast_.classes_).astype(str)
        return self

    def predict_proba(self, texts, kind=None) -> np.ndarray:
        """The mean's probabilities after the class bias (``kind``: as ``TextClassifier.predict_proba``)."""
        texts = as_texts(texts)
        fast = spread_columns(self.fast_.predict_proba(texts), self.fast_.classes_, self.classes_)
        head = spread_columns(self.head_.predict_proba(self.hidden_states(texts)), self.head_.classes_, self.classes_)
        return with_biases(self.weight * head + (1 - self.weight) * fast, self.classes_, self.class_bias,
                           self.kind_bias, kind)

    def predict(self, texts, kind=None) -> np.ndarray:
        return self.classes_[self.predict_proba(texts, kind=kind).argmax(axis=1)]

    def describe(self) -> str:
        view = ", the post in a question" if self.prompt else ""
        return (f"mean of the fast model and {self.backbone} layer {self.layer}{view} + LR C={self.C:g}"
                + bias_names(self))

    # ------------------------------------------------------------------ saving

    def save(self, path: str | Path) -> Path:
        """Into the folder ``path``: ``fast.skops``, ``head.skops`` (no pickle) and the parameters with the
        backbone's weights' SHA-256, which ``load`` checks."""
        from wbcs.classify.registry import dump_skops
        from wbcs.classify.transformer import backbone_digest

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        dump_skops(self.fast_, path / "fast.skops")  # the same bytes for the same fitted model, as every field file
        dump_skops(self.head_, path / "head.skops")
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "fast"}
        meta = {"params": params, "classes": self.classes_.tolist(), "backbone_sha256": backbone_digest(self.backbone),
                # the trainer's record of the rows it fitted (train.fit_task): wbcs evaluate's seen_rows/--drop-seen
                **({"seen_rows": list(self.seen_rows_)} if hasattr(self, "seen_rows_") else {})}
        (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, load_skops) -> EmbeddingEnsemble:
        """The ensemble saved in ``path``; ``load_skops`` reads a .skops file with the registry's trusted types."""
        from wbcs.classify.transformer import backbone_digest

        path = Path(path)
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        est = cls(**meta["params"])
        digest = backbone_digest(est.backbone)
        if digest != meta["backbone_sha256"]:
            raise InputError(f"{path}: fitted on backbone {est.backbone!r} with weights SHA-256 "
                             f"{str(meta['backbone_sha256'])[:12]}…, but that backbone now has {str(digest)[:12]}…; "
                             "restore the backbone or retrain")
        est.fast_, est.head_ = load_skops(path / "fast.skops"), load_skops(path / "head.skops")
        est.fast = est.fast_
        est.classes_ = np.asarray(meta["classes"]).astype(str)
        if "seen_rows" in meta:
            est.seen_rows_ = list(meta["seen_rows"])
        return est


def select_ensemble(fast, texts, y, *, groups=None, n_splits: int = 5, seed=0, backbone: str = "gemma3-270m",
                    layers=LAYERS, Cs=CS, weight: float = 0.5, max_length: int = 128, prompts=(None,),
                    tol: float | None = None, kinds=None, row_kinds=None, own_bias_kinds=(),
                    min_recall: dict | None = None, extra: tuple | None = None,
                    extra_weight: float | None = None) -> tuple[object, pd.DataFrame]:
    """The fast model's chosen configuration (``fast``, unfitted) against its mean with a regression on the
    backbone's hidden states, by grouped ``n_splits``-fold CV on (texts, y) (``configs._Folds``, the trainer's
    folds): returns the winner (``fast`` itself, or an unfitted ``EmbeddingEnsemble``) and the CV table
    (config, macro_f1 ± sd, accuracy, ece, seconds, params, chosen; ``attrs["cv_confusion"]`` the winner's).

    Rows: the fast model (with its class bias, cross-fitted, when it has one); per view of the post (``prompts``:
    None, the post itself, or a template with ``{text}``, e.g. ``field_prompt``) × layer × C, the mean, and the
    mean + a cross-fitted class bias. An ensemble is chosen only when its fold-mean macro-F1 beats the fast
    model's by more than ``tol`` (``configs.TOL``): a slower model must earn its place. ``kinds``: as
    ``configs.select`` (every row's kind of item: the kinds' mean macro-F1 ranks). ``row_kinds`` and
    ``own_bias_kinds``: as ``configs.select``'s ``kinds`` and ``own_bias_kinds`` when the kinds rank nothing: the
    fast model is scored with its kinds' own biases, and a chosen ensemble tries them last
    (``configs.last_steps``). ``min_recall``: as ``configs.select``'s: the fast model and the ensembles are
    compared before any floor (``fast`` has its own already), and a chosen ensemble meets it last. ``extra``:
    (texts, labels) of out-of-domain rows the field learns from (``configs.select`` chose them), each own row
    weighted ``extra_weight``: every fold's fast model and regression learn from them too, weighted as
    ``EmbeddingEnsemble.fit`` weighs them when the trainer fits the winner; no validation fold holds one."""
    from wbcs.classify.configs import TOL, Steps, _Folds, fold_count, last_steps, summary
    from wbcs.text import normalize_series

    tol = TOL if tol is None else tol
    y = np.asarray(y).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    base = unbiased(fast)
    if (extra is None) != (extra_weight is None):
        raise InputError("out-of-domain rows and their weight come together (extra, extra_weight)")
    folds = _Folds(base, texts, y, groups, fold_count(y, n_splits), seed, kinds=kinds, extra=extra)
    depth = n_layers(backbone) + 1  # a shallower backbone than Gemma's: the candidates it has, else its last
    layers = tuple(k for k in layers if -depth <= k < depth) or (-1,)
    # each of its steps named as it starts (the embedding has a bar of its own): the quality step once showed only
    # its phase's name while the fast model's folds and every layer × C's regressions ran
    with Steps(1 + len(prompts) * (1 + len(layers) * len(Cs)) + 1, "quality step") as step:
        step("fast model")
        t0 = time.perf_counter()
        folds.scores(base, weight=extra_weight)
        classes = folds.classes
        fast_oof = folds.oof.copy()
        # the fast model scored as select scored it: with its class bias (and its kinds' own) cross-fitted
        fast_scores = folds.biased(fast_oof, fast, row_kinds)[0]

        def row(name, est, scores, seconds):
            return {"config": name, **summary(scores), "seconds": round(seconds, 1),
                    "params": {k: v for k, v in est.get_params().items()
                               if k in ("layer", "C", "weight", "class_bias", "prompt")}}

        rows = [row("fast model" + bias_names(fast), fast, fast_scores, time.perf_counter() - t0)]
        raw, ests = [fast_oof], [fast]  # each row's out-of-fold probabilities before any class bias, and estimator
        norm = normalize_series(pd.Series(as_texts(texts), dtype=object)).tolist()
        n_extra = 0 if extra is None else len(extra[0])
        if n_extra:  # the regression's rows of a fold: its own training rows, then every out-of-domain row
            norm += normalize_series(pd.Series(as_texts(extra[0]), dtype=object)).tolist()
            y_extra = np.asarray(extra[1]).astype(str)
            w_extra = np.ones(n_extra)

        def head_rows(tr, x):
            if not n_extra:
                return x[tr], y[tr], {}
            return (np.vstack([x[tr], x[len(y):]]), np.concatenate([y[tr], y_extra]),
                    {"logisticregression__sample_weight": np.concatenate([np.full(len(tr), float(extra_weight)),
                                                                          w_extra])})
        for prompt in prompts:
            view = "the post" if prompt is None else "the post in a question"
            step(f"embedding {view}")
            t0 = time.perf_counter()
            feats = embed(norm, backbone=backbone, layers=tuple(layers), max_length=max_length, prompt=prompt)
            spent = time.perf_counter() - t0
            for layer, C in itertools.product(layers, Cs):
                step(f"{view}: layer {layer} + LR C={C:g}")
                t0 = time.perf_counter()
                head = np.zeros_like(fast_oof)
                for tr, te in folds.folds:
                    x_tr, y_tr, fit_kw = head_rows(tr, feats[layer])
                    m = frozen_head(C, seed).fit(x_tr, y_tr, **fit_kw)
                    head[te] = spread_columns(m.predict_proba(feats[layer][te]), m.classes_, classes)
                mean = weight * head + (1 - weight) * fast_oof
                est = EmbeddingEnsemble(base, backbone=backbone, layer=layer, C=C, weight=weight,
                                        max_length=max_length, random_state=seed, prompt=prompt)
                rows.append(row(est.describe(), est, folds.fold_scores(mean), spent + time.perf_counter() - t0))
                raw.append(mean)
                ests.append(est)
                scores, bias = folds.bias_scores(proba=mean)
                name = est.describe() + " + class bias"  # cross-fitted per fold, even where the all-rows fit is none
                est = clone(est).set_params(class_bias=bias or None)
                rows.append(row(name, est, scores, spent + time.perf_counter() - t0))
                raw.append(mean)
                ests.append(est)
                spent = 0.0  # the embedding's time is counted once, in the first row that used it
        best = int(np.argmax([r["macro_f1"] for r in rows]))
        if rows[best]["macro_f1"] <= rows[0]["macro_f1"] + tol:
            best = 0
        if best:  # an ensemble: its kinds' own biases tried last, as select tries the fast model's
            step(f"{rows[best]['config']}: its class biases and recall floors")
            t0 = time.perf_counter()
            _, tried = last_steps(folds, ests[best], raw[best], row_kinds, own_bias_kinds, min_recall,
                                  rows[best]["macro_f1"], tol, rows[best]["config"],
                                  lambda n, e, sc: row(n, e, sc, time.perf_counter() - t0))
            plain = raw[best]
            for r, kept, est in tried:
                rows.append(r)
                raw.append(plain)
                ests.append(est)
                best = len(rows) - 1 if kept else best
    table = pd.DataFrame(rows)
    table["chosen"] = np.arange(len(table)) == best
    table = table.astype(object).where(table.notna(), None)
    # the winner's out-of-fold confusion and probabilities with its biases, as configs.select keeps them
    cv_confusion, cv_oof = folds.cv_record(raw[best], ests[best].class_bias, kind_bias=ests[best].kind_bias,
                                           kinds=row_kinds)
    table.attrs.update(rows=int(len(y)), folds=len(folds.folds), backbone=backbone, tol=tol,
                       cv_confusion=cv_confusion, cv_oof=cv_oof,
                       **({"extra_rows": n_extra, "extra_weight": extra_weight} if n_extra else {}))
    return ests[best], table
