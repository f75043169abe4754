"""Shared test fixtures.

Tests use real files that they write (tmp_path), real SQLite and real subprocesses.
Datasets are read from the mirror (../shared/datasets or $WBCS_DATA_MIRROR); tests
that need it are skipped with a reason only when no mirror is reachable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Hypothesis: same examples on every run, no database written into the checkout.
from hypothesis import settings

from wbcs.config import data_mirror

settings.register_profile("wbcs", derandomize=True, database=None, deadline=None)
settings.load_profile("wbcs")


@pytest.fixture(scope="session", autouse=True)
def _label_cache(tmp_path_factory):
    """The commands' label cache (wbcs.kpi.labels) in a temporary folder, never the user's."""
    import os

    os.environ.setdefault("WBCS_CACHE", str(tmp_path_factory.mktemp("wbcs-cache")))


@pytest.fixture(scope="session")
def mirror() -> Path:
    m = data_mirror()
    if m is None or not m.is_dir():
        pytest.skip("no dataset mirror: set WBCS_DATA_MIRROR or place ../shared/datasets")
    return m
