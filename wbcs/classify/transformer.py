"""The transformer path: fine-tune any Hugging Face checkpoint as a text classifier.

``TransformerClassifier`` is a scikit-learn style estimator (parameters in
``__init__``, ``fit`` returns ``self``, ``predict_proba``, ``classes_``) around
``AutoModelForSequenceClassification``. The backbone is a local folder, a hub name
(for machines with hub access, e.g. ``hfl/rbt3``) or ``"gemma3-270m"`` (the packaged
Gemma 3 270M, see ``wbcs.classify.gemma``). Training updates all weights, only the
top ``train_top_layers`` layers + head, or LoRA adapters (``lora_r > 0``, peft).
torch, transformers and peft are imported inside the methods, so importing this
module stays cheap. Seeds are applied inside ``torch.random.fork_rng`` so the
caller's global torch random state is left untouched.
"""

from __future__ import annotations

import json
import math
import re
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from wbcs.classify.baseline import as_texts
from wbcs.errors import InputError
from wbcs.progress import bar

META = "wbcs_transformer.json"


@contextmanager
def quiet_transformers():
    """transformers' own bars ('Loading weights', 'Writing model shards') and its LOAD REPORT on stderr (a new
    head's weights are missing by design) kept out of a notebook's cells and the terminal while a model is
    loaded or saved; the caller's own transformers settings come back afterwards, errors still show."""
    from transformers.utils import logging

    bars, level = logging.is_progress_bar_enabled(), logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


# files one of which a tokenizer folder holds (fast tokenizer, WordPiece, BPE, SentencePiece)
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model",
                   "sentencepiece.bpe.model")


def check_backbone(backbone) -> dict | None:
    """A local backbone folder's config.json (None for ``gemma3-270m`` or a hub name), else ``InputError``
    naming the folder and what it lacks: checked before any slow work, where transformers would fail with a
    traceback about the tokenizer (a folder that is not a model) or a repo id (a path that does not exist)."""
    from wbcs.classify.gemma import NAME, cache_dir, is_cached

    text = str(backbone)
    if text == NAME:  # built from its package on first use; its config once it has been
        return json.loads((cache_dir() / "config.json").read_text(encoding="utf-8")) if is_cached() else None
    folder = Path(text).expanduser()
    # a hub name is NAME or ORG/NAME; anything else (absolute, ./, ../, ~, deeper) is a folder that must exist
    hub = re.fullmatch(r"[\w-][\w.-]*(/[\w.-]+)?", text) is not None
    if not folder.exists():
        if hub:
            return None
        raise InputError(f"backbone {text!r}: cannot load it: no such folder; give a local model folder (config.json + tokenizer "
                         "files), a hub name reachable from here, or 'gemma3-270m'")
    if not folder.is_dir():
        raise InputError(f"backbone {text!r}: cannot load it: a file, not a model folder (config.json + tokenizer files)")
    missing = [what for what, ok in (("config.json", (folder / "config.json").is_file()),
                                     ("tokenizer files (" + ", ".join(TOKENIZER_FILES) + ")",
                                      any((folder / f).is_file() for f in TOKENIZER_FILES))) if not ok]
    if missing:
        raise InputError(f"backbone {text!r}: cannot load it: not a model folder, no {' and no '.join(missing)} in {folder}")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"backbone {text!r}: {folder / 'config.json'} is not valid JSON ({e})") from None
    if not isinstance(config, dict):
        raise InputError(f"backbone {text!r}: {folder / 'config.json'} is not a JSON object")
    return config


def _layer_index(name: str) -> int | None:
    m = re.search(r"\blayers?\.(\d+)\.", name)
    return int(m.group(1)) if m else None


class TransformerClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tuned transformer text classifier.

    Parameters
    ----------
    backbone : local folder, hub name, or "gemma3-270m".
    max_length : tokens per text (longer texts are cut).
    epochs, batch_size, learning_rate, weight_decay, warmup_ratio : the AdamW schedule
        (linear warm-up, then linear decay to 0).
    lora_r : > 0 trains LoRA adapters of this rank (+ the head) instead of the weights.
    lora_alpha, lora_targets : LoRA scale (default 2·r) and module names (default: peft's
        choice for the architecture).
    train_top_layers : without LoRA, train only the top k layers + head (None: all weights).
    class_weight : "balanced" weighs the loss by inverse class frequency, or None.
    threads : torch threads (None: torch's default).
    remove : items ``wbcs.text.normalize`` removes first (as in the baseline).
    random_state : seed for the head's initialisation, dropout and batch order.
    """

    def __init__(self, backbone="gemma3-270m", *, max_length=128, epochs=2, batch_size=16,
                 learning_rate=5e-5, weight_decay=0.01, warmup_ratio=0.1, lora_r=0, lora_alpha=None,
                 lora_targets=None, train_top_layers=None, class_weight="balanced", threads=None,
                 remove=(), random_state=0):
        self.backbone = backbone
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.lora_targets = lora_targets
        self.train_top_layers = train_top_layers
        self.class_weight = class_weight
        self.threads = threads
        self.remove = remove
        self.random_state = random_state

    def check_params(self, names: dict | None = None, n_layers: int | None = None) -> None:
        """``InputError`` on the first parameter out of its range, named as ``names`` maps it (wbcs train's options)
        or as the parameter; ``train_top_layers`` is checked against ``n_layers``, the backbone's, when given. Out
        of range, torch or peft would fail deep inside with a traceback, or the model would train on nothing."""
        names = names or {}

        def whole(key, low, high=None, none_ok=False):
            value = getattr(self, key)
            if value is None and none_ok:
                return
            if not isinstance(value, Integral) or isinstance(value, bool) or value < low or (
                    high is not None and value > high):
                within = f"a whole number from {low} to {high}" if high is not None else f"a whole number ≥ {low}"
                raise InputError(f"{names.get(key, key)} {value!r}: give {within}")

        def real(key, low, high=None, above=False, none_ok=False):
            value = getattr(self, key)
            if value is None and none_ok:
                return
            ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value) and (
                value > low if above else value >= low) and (high is None or value <= high)
            if not ok:
                within = (f"a number > {low:g}" if above else f"a number ≥ {low:g}") + (
                    f" and ≤ {high:g}" if high is not None else "")
                raise InputError(f"{names.get(key, key)} {value!r}: give {within}")

        whole("epochs", 1)
        whole("batch_size", 1)
        whole("max_length", 2)  # room for a text's first token beside a [CLS]/<bos>
        real("learning_rate", 0, above=True)
        real("weight_decay", 0)
        real("warmup_ratio", 0, 1)
        whole("lora_r", 0)
        real("lora_alpha", 0, above=True, none_ok=True)
        whole("train_top_layers", 0, n_layers, none_ok=True)
        whole("threads", 1, none_ok=True)
        if self.class_weight not in ("balanced", None):
            raise InputError(f"{names.get('class_weight', 'class_weight')} {self.class_weight!r}: give 'balanced' "
                             "or None")

    # ------------------------------------------------------------------ building blocks

    def _normalize(self, texts) -> list[str]:
        from wbcs.text import normalize_series

        return normalize_series(pd.Series(as_texts(texts), dtype=object), remove=self.remove).tolist()

    def _load_backbone(self, n_labels: int):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from wbcs.classify.gemma import resolve

        check_backbone(self.backbone)
        path = resolve(self.backbone)
        try:
            with quiet_transformers():
                tok = AutoTokenizer.from_pretrained(path)
                model = AutoModelForSequenceClassification.from_pretrained(
                    path, num_labels=n_labels, dtype=torch.float32, ignore_mismatched_sizes=True,
                    id2label=dict(enumerate(map(str, self.classes_))),
                    label2id={str(c): i for i, c in enumerate(self.classes_)})
        except (OSError, ValueError) as e:  # ValueError: a folder transformers cannot read as a model
            raise InputError(f"backbone {self.backbone!r}: cannot load it ({str(e).splitlines()[0]}); give a "
                             "local model folder, a hub name reachable from here, or 'gemma3-270m'") from None
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token or tok.unk_token
        model.config.pad_token_id = tok.pad_token_id
        return tok, model

    def _make_trainable(self, model):
        if self.lora_r:
            from peft import LoraConfig, TaskType, get_peft_model

            cfg = LoraConfig(task_type=TaskType.SEQ_CLS, r=int(self.lora_r),
                             lora_alpha=self.lora_alpha or 2 * int(self.lora_r), lora_dropout=0.05,
                             target_modules=list(self.lora_targets) if self.lora_targets else None)
            return get_peft_model(model, cfg)
        if self.train_top_layers is not None:
            prefix = model.base_model_prefix + "."
            n_layers = model.config.num_hidden_layers
            for name, p in model.named_parameters():
                idx = _layer_index(name)
                head = not name.startswith(prefix)
                top = idx is not None and idx >= n_layers - int(self.train_top_layers)
                after = idx is None and not head and "embed" not in name  # final norm, pooler
                p.requires_grad = head or top or after
        return model

    def _encode(self, texts: list[str]):
        return self.tokenizer_(texts, truncation=True, max_length=self.max_length)["input_ids"]

    def _batch(self, ids: list[list[int]]):
        import torch

        width = max(map(len, ids))
        pad = self.tokenizer_.pad_token_id
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, row in enumerate(ids):  # right padding: the models find the last real token
            input_ids[i, :len(row)] = torch.tensor(row)
            mask[i, :len(row)] = 1
        return input_ids, mask

    def _batches(self, ids: list[list[int]], rng) -> list[np.ndarray]:
        """Shuffled batches of similar lengths: the texts are shuffled, sorted by length within
        chunks of 20 batches, cut into batches, and the batches shuffled. Less padding (Weibo
        posts run from a few to 140+ characters) makes a step about twice as fast."""
        order = rng.permutation(len(ids))
        lengths = np.array([len(x) for x in ids])
        chunk = 20 * self.batch_size
        batches = []
        for start in range(0, len(order), chunk):
            part = order[start:start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i:i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    # ------------------------------------------------------------------ estimator API

    def fit(self, texts, y):
        import torch
        from transformers import get_linear_schedule_with_warmup

        texts = self._normalize(texts)
        y = np.asarray(y, dtype=object)
        if len(texts) != len(y):
            raise InputError(f"fit: {len(texts)} texts but {len(y)} labels")
        if pd.isna(y).any():
            raise InputError(f"fit: label {int(np.flatnonzero(pd.isna(y))[0])} is missing; drop unlabelled rows first")
        self.classes_, target = np.unique(y.astype(str), return_inverse=True)
        if len(self.classes_) < 2:
            raise InputError(f"fit: need at least 2 classes, got {list(self.classes_)}")
        self.check_params(n_layers=(check_backbone(self.backbone) or {}).get("num_hidden_layers"))
        if self.threads:
            torch.set_num_threads(int(self.threads))
        rng = np.random.default_rng(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(rng.integers(2**31 - 1)))
            self.tokenizer_, model = self._load_backbone(len(self.classes_))
            model = self._make_trainable(model)
            ids = self._encode(texts)
            counts = np.bincount(target, minlength=len(self.classes_))
            weight = (torch.tensor(len(target) / (len(counts) * counts), dtype=torch.float32)
                      if self.class_weight == "balanced" else None)
            loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
            params = [p for p in model.parameters() if p.requires_grad]
            opt = torch.optim.AdamW(params, lr=self.learning_rate, weight_decay=self.weight_decay)
            steps = self.epochs * math.ceil(len(ids) / self.batch_size)
            sched = get_linear_schedule_with_warmup(opt, int(self.warmup_ratio * steps), steps)
            model.train()
            self.losses_ = []
            meter = bar(total=steps, desc=f"fine-tune {self.backbone}", leave=False)
            for _ in range(self.epochs):
                for idx in self._batches(ids, rng):
                    input_ids, mask = self._batch([ids[i] for i in idx])
                    logits = model(input_ids=input_ids, attention_mask=mask).logits
                    loss = loss_fn(logits, torch.as_tensor(target[idx]))
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad()
                    self.losses_.append(loss.item())
                    meter.update(1)
                    meter.set_postfix(loss=f"{self.losses_[-1]:.3f}")
            meter.close()
        model.eval()
        self.model_ = model
        return self

    def predict_proba(self, texts, *, batch_size: int = 32) -> np.ndarray:
        """Probabilities, one column per class of ``classes_``; rows sum to 1."""
        import torch

        texts = self._normalize(texts)
        ids = self._encode(texts) if texts else []
        out = np.zeros((len(ids), len(self.classes_)))
        order = np.argsort([len(x) for x in ids], kind="stable")  # similar lengths → little padding
        self.model_.eval()
        with torch.inference_mode():
            for start in bar(range(0, len(order), batch_size), desc="predict", leave=False,
                             progress=len(order) > 4 * batch_size):
                idx = order[start:start + batch_size]
                input_ids, mask = self._batch([ids[i] for i in idx])
                logits = self.model_(input_ids=input_ids, attention_mask=mask).logits
                out[idx] = torch.softmax(logits.float(), dim=-1).numpy()
        return out

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    # ------------------------------------------------------------------ saving

    def _mode(self) -> str:
        return "lora" if self.lora_r else "top" if self.train_top_layers is not None else "full"

    def save(self, path: str | Path) -> Path:
        """Write the fitted model (safetensors + JSON, no pickle) into the folder ``path``.

        All weights trained: the whole model and its tokenizer. LoRA or top layers: only
        what was trained (adapters + head, or the top layers + head: MBs instead of a GB),
        with the SHA-256 of the backbone's weights, which ``load`` reads again by name and checks.
        """
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        mode = self._mode()
        if mode == "full":
            with quiet_transformers():
                self.tokenizer_.save_pretrained(path / "tokenizer")
                self.model_.save_pretrained(path / "model", safe_serialization=True)
        elif mode == "lora":
            with quiet_transformers():
                self.model_.save_pretrained(path / "adapter", safe_serialization=True)
        else:
            trained = {n: p.detach().contiguous() for n, p in self.model_.named_parameters() if p.requires_grad}
            save_file(trained, str(path / "trained.safetensors"))
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        meta = {"params": params, "classes": [str(c) for c in self.classes_], "mode": mode,
                "backbone_sha256": None if mode == "full" else backbone_digest(self.backbone),
                # the trainer's record of the rows it fitted (train.fit_task): wbcs evaluate's seen_rows/--drop-seen
                **({"seen_rows": list(self.seen_rows_)} if hasattr(self, "seen_rows_") else {})}
        (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> TransformerClassifier:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        params = {k: (tuple(v) if k in ("remove", "lora_targets") and v is not None else v)
                  for k, v in meta["params"].items()}
        est = cls(**params)
        est.classes_ = np.asarray(meta["classes"], dtype=object)
        if "seen_rows" in meta:
            est.seen_rows_ = list(meta["seen_rows"])
        if meta["mode"] == "full":
            with quiet_transformers():
                est.tokenizer_ = AutoTokenizer.from_pretrained(path / "tokenizer")
                est.model_ = AutoModelForSequenceClassification.from_pretrained(path / "model", dtype=torch.float32)
        else:
            digest = backbone_digest(est.backbone)
            if digest != meta["backbone_sha256"]:
                raise InputError(f"{path}: trained on backbone {est.backbone!r} with weights SHA-256 "
                                 f"{str(meta['backbone_sha256'])[:12]}…, but that backbone now has "
                                 f"{str(digest)[:12]}…; restore the backbone or retrain")
            est.tokenizer_, base = est._load_backbone(len(est.classes_))
            if meta["mode"] == "lora":
                from peft import PeftModel

                with quiet_transformers():
                    est.model_ = PeftModel.from_pretrained(base, path / "adapter")
            else:
                from safetensors.torch import load_file

                trained = load_file(str(path / "trained.safetensors"))
                unknown = sorted(set(trained) - set(base.state_dict()))
                if unknown:
                    raise InputError(f"{path}: weights {unknown[0]!r}… do not belong to backbone {est.backbone!r}")
                base.load_state_dict(trained, strict=False)
                est.model_ = base
        est.model_.eval()
        return est


def backbone_digest(backbone: str) -> str | None:
    """SHA-256 over the safetensors weight files of a local backbone (None for a hub name)."""
    import hashlib

    from wbcs.classify.gemma import resolve

    folder = Path(resolve(backbone))
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    if not files:
        return None
    h = hashlib.sha256()
    for f in files:
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023 - consumed within the loop
                h.update(block)
    return h.hexdigest()


def tiny_backbone(path: str | Path, texts, *, layers: int = 2, hidden: int = 32, seed: int = 0) -> Path:
    """Write a tiny randomly initialised BERT (character vocabulary of ``texts``) to ``path``.

    For tests and smoke runs of the transformer path: it trains in seconds. Not pretrained.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from wbcs.text import normalize

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    chars = sorted({c for t in as_texts(texts) for c in normalize(t) if not c.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=False,
                            tokenize_chinese_chars=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=2, intermediate_size=2 * hidden, max_position_embeddings=256)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertModel(config)
    with quiet_transformers():
        model.save_pretrained(path)
        tok.save_pretrained(path)
    return path
