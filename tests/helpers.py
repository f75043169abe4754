"""Helpers shared by the tests: the CLI and notebooks, run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wbcs.config import ROOT


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `python -m wbcs ARGS` in a real subprocess; returns the completed process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "wbcs", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=full_env)


def run_notebook(name: str, tmp_path: Path, timeout: int = 900) -> None:
    """Execute notebooks/NAME in smoke mode with a real kernel; fails on any cell error."""
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    os.environ["WBCS_SMOKE"] = "1"
    os.environ["WBCS_OUT"] = str(tmp_path)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.pop("WBCS_SMOKE", None)
        os.environ.pop("WBCS_OUT", None)
    nbformat.write(nb, tmp_path / name)  # executed copy, for inspection on failure
