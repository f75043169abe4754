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


@pytest.fixture(scope="session")
def mirror() -> Path:
    m = data_mirror()
    if m is None or not m.is_dir():
        pytest.skip("no dataset mirror: set WBCS_DATA_MIRROR or place ../shared/datasets")
    return m
