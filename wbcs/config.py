"""Paths and settings, in one place (Cookiecutter Data Science habit).

- ``ROOT``: the project folder (the parent of the ``wbcs`` package).
- ``DATA_DIR``: project data files (taxonomy, policies, labels); ``data/raw`` holds
  downloads and is never committed.
- ``MODELS_DIR``: the model registry (``models/NAME/VERSION``).
- ``data_mirror()``: where the public datasets are read from: ``$WBCS_DATA_MIRROR``,
  else ``../shared/datasets`` beside the project when it exists.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
MODELS_DIR = ROOT / "models"
TIMEZONE = "Asia/Shanghai"

MIRROR_ENV = "WBCS_DATA_MIRROR"


def data_mirror() -> Path | None:
    """The folder holding the public datasets, or None when none is reachable."""
    env = os.environ.get(MIRROR_ENV)
    if env:
        return Path(env).expanduser()
    default = ROOT.parent / "shared" / "datasets"
    return default if default.is_dir() else None


def data_file(name: str) -> Path:
    """A file of the project's own data folder (taxonomy.yaml, policy.yaml, ...)."""
    return DATA_DIR / name


def shipped(path: str | Path) -> Path | None:
    """The package's copy of ``path`` when it is a relative ``data/...`` path that does not exist here, else None:
    the README's commands name the committed files from the repository's folder (``data/labels/gold_sample.csv``,
    ``data/scenarios/manager_example.yaml``), and a user in a folder of their own was told they were missing. Only
    files inside the data folder (``data/../x`` is no shipped file)."""
    p = Path(path)
    if p.is_absolute() or p.exists() or p.parts[:1] != ("data",):
        return None
    copy = DATA_DIR.joinpath(*p.parts[1:])
    return copy if copy.exists() and copy.resolve().is_relative_to(DATA_DIR.resolve()) else None


SMOKE_ENV = "WBCS_SMOKE"


def smoke() -> bool:
    """True when notebooks and the demo should run on a small sample (CI's smoke mode)."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def app_mode() -> bool:
    """True in a kernel Voilà serves an app from (it sets ``SERVER_SOFTWARE=voila/…``): a notebook's walk-through
    cells then neither run nor show (``wbcs.viz.widgets.hide_notebook_cells``)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def label_samples() -> list[Path]:
    """Every committed sample of the gold set: ``data/labels/gold_sample*.csv`` (telecom first
    posts, one per edition) and ``turns_sample*.csv`` (customer turns)."""
    labels = DATA_DIR / "labels"
    return sorted([*labels.glob("gold_sample*.csv"), *labels.glob("turns_sample*.csv")])
