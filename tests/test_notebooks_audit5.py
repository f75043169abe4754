"""`make lab` as root (the fifth audit): Jupyter stopped at "Running as root is not recommended". The audit's
notebook findings (01's hourly rates, 03's model and peer on the same rows, 06's one text a row) are checked where
each notebook is run once: tests/test_notebook_01.py, test_classify_notebook.py, test_reply_notebook.py."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from wbcs.config import ROOT


def test_make_lab_starts_jupyter_as_root_only_with_allow_root(tmp_path):
    """Jupyter exits 1 as root unless told --allow-root; a user who is not root is not given it."""
    if shutil.which("make") is None:
        pytest.skip("no make")
    fake = tmp_path / "jupyter"
    fake.write_text('#!/bin/sh\necho "$@"\n', encoding="utf-8")
    fake.chmod(0o755)
    r = subprocess.run(["make", "-s", "lab", f"BIN={tmp_path}", "STAMP="], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["lab", "--notebook-dir=notebooks", *(["--allow-root"] if os.getuid() == 0 else [])]
