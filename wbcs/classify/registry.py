"""The model registry: ``models/NAME/VERSION/`` folders with checksums and a model card.

A model folder holds, per field, either ``<field>.skops`` (scikit-learn estimators,
saved with skops: no pickle, loading allows only the types listed in ``TRUSTED``) or
``<field>/`` (the transformer path: safetensors weights + JSON configs; the embedding
ensemble: its fast model and head as .skops + JSON), ``<field>.learnt.npy`` (the hashes of the texts the
field was fitted on, ``multi.fingerprint``: a folder written before it has none, and its model cannot tell its
training texts from new posts), plus
``card.json`` / ``MODEL_CARD.md`` (PII masked) and ``manifest.json`` with the SHA-256 of
every file the model wrote. A model is written whole into a temporary folder beside its
place and renamed into it, so a failed save leaves no half model (and an old model is
replaced only once the new one is complete). Loading checks the format version and every
checksum first: a changed file is refused with a clear error instead of being half-loaded; and each field's
estimator must classify texts into the labels the manifest lists for it (files swapped with their hashes pass the
checksums).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from wbcs import __version__
from wbcs.classify.card import card_markdown, masked
from wbcs.classify.multi import LEARNT_HASH, LEARNT_HASHES, PostClassifier
from wbcs.config import MODELS_DIR, ROOT
from wbcs.errors import InputError
from wbcs.io.write import cannot_write, new_temp

FORMAT = "wbcs.classify"
FORMAT_VERSION = 1
DEFAULT_NAME = "wbcs-default"

# Types a model file may contain beyond those skops trusts by default; anything else
# in a file is refused (skops never runs arbitrary code from the file itself).
TRUSTED = frozenset({
    "wbcs.classify.baseline.TextClassifier",
    "wbcs.classify.features.CharNgramVectorizer",
    "wbcs.classify.features.jieba_words",
    "wbcs.classify.strong.NBLogisticRegression",
    "wbcs.classify.strong.SoftVote",
    "wbcs.classify.lexicon.KeywordFeatures",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.model_selection._split.StratifiedKFold",
})


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


GEMMA_TEACHER = "wbcs-gemma-sentiment"  # built by the Makefile's models target, not committed


def model_dir(name_or_path: str | Path | None = None) -> Path:
    """The folder of a model.

    None → the shipped model, ``models/wbcs-default``'s latest version in the package's
    own registry (never a folder of that name in the current directory). A bare name
    (no ``/``) → ``models/NAME``'s latest version in the registry, else a model folder of
    that name here; a path (``./NAME``, ``models/x/1``, absolute) → that folder, and ``models/x/1`` that is not
    here → the registry's ``x/1`` (the README's paths work from any folder)."""
    if name_or_path is None:
        return _latest(MODELS_DIR / DEFAULT_NAME, DEFAULT_NAME)
    text = str(name_or_path)
    p = Path(name_or_path)
    bare = isinstance(name_or_path, str) and "/" not in text and "\\" not in text and text not in (".", "..")
    if bare:
        try:
            return _latest(MODELS_DIR / text, text)
        except InputError:
            if (p / "manifest.json").is_file():
                return p
            if p.exists():  # what the user most likely meant: say why it is not taken
                raise InputError(f"{p.resolve()}: not a model folder (no manifest.json), and no model {text!r} in the "
                                 f"registry {MODELS_DIR}; give a model folder or train one with 'wbcs train'") from None
            raise
    if (p / "manifest.json").is_file():
        return p
    if p.exists():
        raise InputError(f"{p}: not a model folder (no manifest.json); train one with 'wbcs train'")
    if not p.is_absolute() and p.parts[0] == "models":  # the README's models/NAME/VERSION, run from another folder
        return _latest(MODELS_DIR.joinpath(*p.parts[1:]), "/".join(p.parts[1:]))
    if not p.is_absolute() and len(p.parts) <= 2:  # NAME/VERSION in the registry
        return _latest(MODELS_DIR / p, text)
    raise InputError(f"model {text!r} not found (looked in {p}); check the path or train it with 'wbcs train'")


def _latest(base: Path, name: str) -> Path:
    """``base`` when it is a model folder, else its highest version."""
    if (base / "manifest.json").is_file():
        return base
    versions = sorted((d for d in base.glob("*") if not d.name.startswith(".") and (d / "manifest.json").is_file()),
                      key=lambda d: (not d.name.isdigit(), int(d.name) if d.name.isdigit() else 0, d.name))
    if versions:
        return versions[-1]
    hint = ("run 'make models' (or 'wbcs train --task default --out models/wbcs-default/1')"
            if name == DEFAULT_NAME else
            "it is built by 'make models' (~30 min: the fine-tuned Gemma teacher)" if name.startswith(GEMMA_TEACHER)
            else "check the name or train it with 'wbcs train'")
    raise InputError(f"model {name!r} not found in the registry {MODELS_DIR}; {hint}")


def next_version(name: str) -> Path:
    """``models/NAME/<n+1>`` for the highest existing integer version n (1 when none)."""
    base = MODELS_DIR / name
    nums = [int(d.name) for d in base.glob("*") if d.name.isdigit()]
    return base / str(max(nums, default=0) + 1)


def folder_kind(est) -> str | None:
    """"transformer" or "embedding" for the estimators saved as a folder of their own, else None."""
    from wbcs.classify.embedding import EmbeddingEnsemble
    from wbcs.classify.transformer import TransformerClassifier

    return ("transformer" if isinstance(est, TransformerClassifier)
            else "embedding" if isinstance(est, EmbeddingEnsemble) else None)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):
        return value.item()
    return repr(value)


def check_model_out(path: str | Path, *, inputs=(), option: str | None = None, overwrite: bool = False) -> Path:
    """The folder ``save_model`` writes for ``path`` (a bare NAME: ``models/NAME/<next version>``; ``./NAME``, a
    path or a folder that exists here: that folder), refused
    before any work when it is one of ``inputs`` (as ``wbcs.io.check_outputs`` takes them; ``option`` names
    ``path`` in the message), a file, a folder holding anything but a model, or a model (unless ``overwrite``)."""
    from wbcs.io import check_outputs

    text = str(path)  # before Path(): Path('./NAME') drops the ./ that says "here, not the registry"
    path = Path(path)
    if re.fullmatch(r"[\w.-]+", text) and not path.exists():
        path = next_version(text)
    if not path.is_dir():
        check_outputs({option: path} if option else [path], inputs=inputs, formats=None)
        if path.exists():
            raise InputError(f"{path}: a file, not a folder; give a new folder for the model (e.g. models/NAME/1)")
        return path
    if (path / "manifest.json").exists():
        if not overwrite:
            raise InputError(f"{path}: a model is already saved there; choose a new folder (e.g. a new version)")
    elif any(path.iterdir()):
        raise InputError(f"{path}: a folder holding other files, not a wbcs model; the model replaces the folder "
                         "whole, so give a new or empty folder (e.g. models/NAME/1)")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {path.parent} (permission denied); choose another folder")
    return path


@contextmanager
def _model_folder(path: Path) -> Iterator[Path]:
    """A new folder beside ``path`` to write the model in; on success its files are flushed to disk and it is
    renamed onto ``path`` (what was there is set aside until then, and removed after), on error it is removed
    and ``path`` is left as it was: never half a model, never an old manifest beside new files."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = new_temp(path, folder=True)  # a killed save's leftovers are removed here
    except OSError as e:
        raise cannot_write(path, e) from None
    old = tmp.with_suffix(".old") if path.exists() else None
    try:
        yield tmp
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb+") as h:
                    os.fsync(h.fileno())
        if old is not None:
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except OSError:
            if old is not None:
                os.replace(old, path)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise cannot_write(path, e) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# the libraries a card records the versions of (``environment``); the second set only for a model that uses them
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "skops", "jieba")
TORCH_LIBRARIES = ("torch", "transformers")


def _code_revision() -> dict | None:
    """The git commit the package runs from and whether tracked files differ from it (``dirty``); None when it does
    not run from a git checkout (an installed wheel) or git is absent. Untracked files are not counted: a model
    written inside the repository is one."""
    if not (ROOT / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=30, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def environment(*, torch: bool = False) -> dict:
    """What a model was built with, for its card: Python's and the libraries' versions (``LIBRARIES``, and
    ``TORCH_LIBRARIES`` when ``torch``; read from the installed packages' metadata, nothing imported) and the code's
    git revision (``_code_revision``; absent outside a git checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    libraries = {}
    for name in LIBRARIES + (TORCH_LIBRARIES if torch else ()):
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    code = _code_revision()
    return {"python": platform.python_version(), "libraries": libraries, **({"code": code} if code else {})}


# a fixed time for every member of a model's zip archives (zip cannot say 1970; 1980-01-01 is its first day)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _zip_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
    return info


def _fixed_times(data: bytes) -> bytes:
    """A zip archive (a scipy sparse matrix's ``.npz`` inside a .skops file) rewritten with ``ZIP_TIME``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(_zip_member(name), src.read(name), compresslevel=9)
    return out.getvalue()


def canonical_skops(data: bytes) -> bytes:
    """A .skops archive (``skops.io.dumps``) made the same bytes for the same fitted estimator: skops names each
    array's member after the Python ``id()`` of the array (``139762403770768.npy``), numbers the schema's objects by
    ``id()`` too (``__id__``) and stamps every member with its write time, so two identical fits gave two different
    files and the manifest's hashes could never confirm a reproduction. Here the ids and the members are renumbered
    1, 2, ... in the order the schema first names them (every reference in ``schema.json`` renamed with them: a
    member is named by its node's ``file``, a repeated object by its ``__id__``), every member gets ``ZIP_TIME``, and
    they are written in that order. The same libraries (the card's ``environment``) then write the same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = set(src.namelist()) - {"schema.json"}
        schema = json.loads(src.read("schema.json"))
        ids: dict[int, int] = {}
        files: dict[str, str] = {}

        def renumber(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "__id__" and isinstance(value, int):
                        node[key] = ids.setdefault(value, len(ids) + 1)  # skops ignores an __id__ of 0
                    elif key == "file" and isinstance(value, str) and value in members:
                        node[key] = files.setdefault(value, f"{len(files) + 1}{Path(value).suffix}")
                    else:
                        renumber(value)
            elif isinstance(node, list):
                for value in node:
                    renumber(value)

        renumber(schema)
        if set(files) != members:  # a member the schema does not name: a format this cannot rewrite safely
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for old, new in files.items():
                body = src.read(old)
                dst.writestr(_zip_member(new), _fixed_times(body) if new.endswith(".npz") else body,
                             compresslevel=9)
            dst.writestr(_zip_member("schema.json"), json.dumps(schema, indent=2), compresslevel=9)
    return out.getvalue()


def dump_skops(est, path: Path) -> None:
    """``est`` saved as a .skops file at ``path`` (deflated: the float weights and n-gram keys shrink by ~40 %), the
    same bytes for the same fitted estimator (``canonical_skops``)."""
    import skops.io as sio

    if hasattr(est, "learnt_"):  # kept beside it as .npy and in the manifest (``save_model``), not twice
        est = copy.copy(est)
        del est.learnt_
        if hasattr(est, "learnt_hash_"):
            del est.learnt_hash_
    path.write_bytes(canonical_skops(sio.dumps(est, compression=zipfile.ZIP_DEFLATED, compresslevel=9)))


def save_model(model: PostClassifier, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a model folder (weights, card, manifest with checksums); returns the path.

    ``path`` is a new or empty folder (a model folder with ``overwrite``), or a bare NAME →
    ``models/NAME/<next version>`` (see ``check_model_out``). The folder is written whole
    beside it and renamed into place.
    """
    path = check_model_out(path, overwrite=overwrite)
    torch = any(folder_kind(est) for est in model.models.values())  # the transformer and the embedding ensemble
    card = _jsonable({**model.card, "name": model.card.get("name") or path.parent.name or path.name,
                      "version": path.name, "wbcs_version": __version__, "environment": environment(torch=torch),
                      "created": model.card.get("created") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    fields = {}
    for field in model.models:
        if not re.fullmatch(r"[A-Za-z_][\w]*", field):
            raise InputError(f"field name {field!r}: use letters, digits and _ only")
    from wbcs.classify.configs import Steps

    # a step per field (the shipped model's four take ~7 s: skops' state, deflated, canonical), then the card, the
    # checksums and the flush to disk: the end of 'wbcs train' was silent while it ran
    with Steps(len(model.models) + 1, "saving the model") as step, _model_folder(path) as tmp:
        written = ["card.json", "MODEL_CARD.md"]
        for field, est in model.models.items():
            step(field)
            if kind := folder_kind(est):
                est.save(tmp / field)
                fields[field] = {"kind": kind, "path": field}
                written += [p.relative_to(tmp).as_posix() for p in (tmp / field).rglob("*") if p.is_file()]
            else:
                dump_skops(est, tmp / f"{field}.skops")
                fields[field] = {"kind": "sklearn", "path": f"{field}.skops"}
                written.append(f"{field}.skops")
            if getattr(est, "learnt_", None) is not None:  # the texts it was fitted on (``multi.fingerprint``)
                np.save(tmp / f"{field}.learnt.npy", np.asarray(est.learnt_, dtype=np.uint64), allow_pickle=False)
                # the scheme it was hashed with: a field carried over from a folder of an earlier one keeps it
                fields[field].update(learnt=f"{field}.learnt.npy",
                                     learnt_hash=getattr(est, "learnt_hash_", LEARNT_HASH))
                written.append(f"{field}.learnt.npy")
            fields[field]["classes"] = [str(c) for c in est.classes_]
            # every field appears in the card, with what the manifest knows when the card had nothing
            card.setdefault("fields", {})[field] = {"kind": fields[field]["kind"], "classes": fields[field]["classes"],
                                                    **card.get("fields", {}).get(field, {})}
        step("card, checksums")
        card = masked(card)
        (tmp / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
        (tmp / "MODEL_CARD.md").write_text(card_markdown(card), encoding="utf-8")
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "wbcs_version": __version__,
                    "fields": fields, "files": {rel: sha256(tmp / rel) for rel in sorted(written)}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


def write_fingerprints(path: Path, prints: dict[str, np.ndarray]) -> None:
    """Replace the fingerprints (``<field>.learnt.npy``, ``multi.fingerprint``) of the model folder ``path`` with
    ``prints`` ({field: sorted distinct hashes of the current ``LEARNT_HASH``}), the manifest's ``learnt_hash`` and
    checksums with them; every other file is kept byte for byte (the card records no fingerprint). Written whole
    beside the folder and renamed onto it, as ``save_model`` writes. For ``train.refresh_fingerprints``."""
    manifest = read_manifest(path)
    verify(path, manifest)
    if unknown := sorted(set(prints) - set(manifest["fields"])):
        raise InputError(f"{path}: no field {unknown[0]!r} to write a fingerprint for")
    with _model_folder(path) as tmp:
        shutil.copytree(path, tmp, dirs_exist_ok=True)
        for field, seen in prints.items():
            rel = f"{field}.learnt.npy"
            np.save(tmp / rel, np.asarray(seen, dtype=np.uint64), allow_pickle=False)
            manifest["fields"][field].update(learnt=rel, learnt_hash=LEARNT_HASH)
            manifest["files"][rel] = sha256(tmp / rel)
        manifest["files"] = dict(sorted(manifest["files"].items()))
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def read_manifest(path: Path) -> dict:
    """The manifest of a model folder, checked for shape: format, version, fields, files."""
    where = path / "manifest.json"
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(f"{where}: not valid JSON ({e})") from None
    except OSError as e:
        raise InputError(f"{where}: cannot read ({e.strerror})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(f"{path}: not a wbcs model folder (format {found!r})")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        # a newer format is a newer wbcs's model, sound as it is: retraining would not make this wbcs read it
        newer = isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        advice = ("a newer wbcs wrote it: upgrade wbcs to load it (no need to retrain)"
                  if newer else "retrain it with 'wbcs train'")
        raise InputError(f"{path}: model format version {version} (written by wbcs {manifest.get('wbcs_version')}); "
                         f"this wbcs {__version__} reads version {FORMAT_VERSION}: {advice}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise InputError(f"{where}: no 'files' with the SHA-256 of every file of the model; "
                         "nothing can be verified, so nothing is loaded: restore the folder or retrain")
    fields = manifest.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise InputError(f"{where}: no 'fields'; restore the folder or retrain")
    for field, info in fields.items():
        if not isinstance(info, dict) or info.get("kind") not in ("sklearn", "transformer", "embedding") \
                or not isinstance(info.get("path"), str):
            raise InputError(f"{where}: fields.{field} needs a kind (sklearn, transformer or embedding) and a path")
        if not isinstance(info.get("learnt", ""), str):
            raise InputError(f"{where}: fields.{field}.learnt is the path of its fingerprint file; restore the folder")
        classes = info.get("classes")
        if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
            raise InputError(f"{where}: fields.{field} needs its labels (classes), which the loaded model is checked "
                             "against; restore the folder or retrain")
    return manifest


def _inside(path: Path, rel: str, what: str) -> Path:
    """``path / rel`` when it stays inside the model folder once links are resolved."""
    f = path / rel
    root = path.resolve()
    if Path(rel).is_absolute() or not f.resolve().is_relative_to(root):
        raise InputError(f"{path / 'manifest.json'}: {what} {rel!r} points outside the model folder; "
                         "refusing to load it")
    return f


def verify(path: Path, manifest: dict) -> None:
    """Every file of the manifest is inside the folder and has its recorded SHA-256, and
    every file the loader will open is among them; else ``InputError`` naming the file."""
    files = manifest["files"]
    for rel, digest in files.items():
        f = _inside(path, rel, "file")
        if not f.is_file():
            raise InputError(f"{f}: file of the model is missing; restore the folder or retrain")
        if sha256(f) != digest:
            raise InputError(f"{f}: checksum mismatch (SHA-256 differs from manifest.json): the file was "
                             "changed after saving; restore it or retrain the model")
    listed = {_inside(path, rel, "file").resolve() for rel in files}
    opened = [path / "card.json"]
    for field, info in manifest["fields"].items():
        f = _inside(path, info["path"], f"fields.{field}.path")
        # a transformer folder: every file in it will be read
        opened += sorted(p for p in f.rglob("*") if not p.is_dir()) if info["kind"] != "sklearn" else [f]
        if info.get("learnt"):
            opened.append(_inside(path, info["learnt"], f"fields.{field}.learnt"))
    for f in opened:
        if f.resolve() not in listed:
            raise InputError(f"{f}: not listed with a checksum in manifest.json, so it cannot be verified; "
                             "refusing to load it: restore the folder or retrain")


def _load_skops(f: Path):
    import skops.io as sio

    try:
        untrusted = set(sio.get_untrusted_types(file=f))
    except zipfile.BadZipFile:  # its checksum matches the manifest: it was saved so, or both were edited
        raise InputError(f"{f}: not a skops file (not a zip archive); restore the model folder or retrain") from None
    unknown = sorted(untrusted - TRUSTED)
    if unknown:
        raise InputError(f"{f}: contains types wbcs does not trust ({', '.join(unknown)}); refusing to load")
    return sio.load(f, trusted=sorted(untrusted))


def _load_learnt(f: Path) -> np.ndarray:
    """A field's fingerprint (``multi.fingerprint``): sorted uint64 hashes, read without pickle."""
    try:
        seen = np.load(f, allow_pickle=False)
    except (OSError, ValueError) as e:  # its checksum matches the manifest: it was saved so, or both were edited
        raise InputError(f"{f}: not a .npy array of text hashes ({e}); restore the model folder or retrain") from None
    if seen.dtype != np.uint64 or seen.ndim != 1 or (seen[1:] <= seen[:-1]).any():  # ``searchsorted`` needs it
        raise InputError(f"{f}: not a sorted array of distinct uint64 text hashes; restore the model folder or retrain")
    return seen


def _takes_texts(est) -> bool:
    """Whether a .skops field's estimator classifies raw texts, as every model ``wbcs train`` saves does: a
    ``TextClassifier``, or a scikit-learn pipeline that starts with a text vectoriser (``strong.tfidf_logreg``, which
    ``fit_task``'s ``estimator`` may be). A numeric estimator (a LogisticRegression on a matrix) loads from trusted
    types but fails on the first text with scikit-learn's 'Reshape your data'."""
    from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer
    from sklearn.pipeline import Pipeline

    from wbcs.classify.baseline import TextClassifier
    from wbcs.classify.features import CharNgramVectorizer

    if isinstance(est, TextClassifier):
        return True
    return (isinstance(est, Pipeline) and bool(est.steps)
            and isinstance(est.steps[0][1], CountVectorizer | HashingVectorizer | CharNgramVectorizer))


def _check_field(path: Path, field: str, info: dict, est) -> None:
    """A field's loaded estimator is what the manifest says it is: one that classifies texts (``_takes_texts``;
    the transformer and the embedding ensemble are built from their own folders) into the manifest's labels, in
    its order. Checksums cannot tell: two fields' files swapped with their hashes, or another estimator put in
    with its own, pass them, and labelled every post with the other field's labels."""
    if info["kind"] == "sklearn" and not _takes_texts(est):
        name = f"{type(est).__module__}.{type(est).__qualname__}"
        raise InputError(f"{path}: field {field}: {info['path']} holds a {name}, which does not classify texts "
                         "(wbcs saves a TextClassifier or a pipeline that starts with a text vectoriser); "
                         "restore the folder or retrain")
    got = [str(c) for c in getattr(est, "classes_", [])]
    if got != info["classes"]:
        raise InputError(f"{path}: field {field}: {info['path']} predicts {got} but manifest.json lists "
                         f"{info['classes']}: it is another field's or another model's; restore the folder or retrain")


def load_model(path_or_name: str | Path | None = None) -> PostClassifier:
    """Load a model folder (or ``models/NAME``'s latest version; None → the shipped default),
    after checking its format version, that every file it opens is inside the folder and
    listed in the manifest, and every checksum; then that each field's estimator classifies texts into the
    manifest's labels (``_check_field``)."""
    if path_or_name is not None and not isinstance(path_or_name, str | Path):
        raise InputError(f"model {path_or_name!r}: give a model name (wbcs-default), a model folder or None for the "
                         "shipped model")
    path = model_dir(path_or_name)
    manifest = read_manifest(path)
    verify(path, manifest)
    models = {}
    for field, info in manifest["fields"].items():
        if info["kind"] == "transformer":
            from wbcs.classify.transformer import TransformerClassifier

            models[field] = TransformerClassifier.load(path / info["path"])
        elif info["kind"] == "embedding":
            from wbcs.classify.embedding import EmbeddingEnsemble

            models[field] = EmbeddingEnsemble.load(path / info["path"], _load_skops)
        else:
            models[field] = _load_skops(path / info["path"])
        _check_field(path, field, info, models[field])
        # a scheme this wbcs computes, an earlier one too (``PostClassifier.learnt`` hashes posts with it); another
        # (a newer wbcs's): not comparable, no guard, which the corrected shares say (kpi.quantify.UNGUARDED_NOTE)
        if info.get("learnt") and info.get("learnt_hash") in LEARNT_HASHES:
            models[field].learnt_ = _load_learnt(path / info["learnt"])
            models[field].learnt_hash_ = info["learnt_hash"]
    return PostClassifier(models, card=read_card(path), name=model_name(path))


def read_card(path: Path) -> dict:
    """The card of the model folder ``path`` (``card.json``), checked to be a card: what ``load_model`` gives the
    model and what ``wbcs.kpi.labels.model_card_of`` corrects a labelled file's shares with."""
    try:
        card = json.loads((path / "card.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(f"{path / 'card.json'}: not valid JSON ({e})") from None
    if not isinstance(card, dict):  # a list or a number passed the manifest's hash and broke on card.get
        raise InputError(f"{path / 'card.json'}: not a model card (a JSON object), a {type(card).__name__}; "
                         f"restore the folder or train the model again")
    return card


def model_name(path: Path) -> str:
    """How a model folder is named where its labels are written (``FIELD_model``, messages): NAME/VERSION for a
    folder of the registry, else the folder's absolute path, so that ``model_dir`` finds it again and ``wbcs kpi``
    reads its card (``card name/folder name`` of a user's folder named nothing that resolved: its labels were
    corrected with the shipped model's card)."""
    resolved, registry = path.resolve(), MODELS_DIR.resolve()
    return "/".join(resolved.relative_to(registry).parts) if resolved.is_relative_to(registry) else str(resolved)
