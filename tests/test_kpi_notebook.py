"""notebooks/05-kpi-dashboard.ipynb runs headless (smoke mode) and serves as a Voilà app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers import run_notebook
from wbcs.config import ROOT

NOTEBOOK = "05-kpi-dashboard.ipynb"


@pytest.mark.notebook
def test_notebook_runs_headless(tmp_path):
    run_notebook(NOTEBOOK, tmp_path)
    report = tmp_path / "kpi-report.html"
    assert report.is_file() and "Hot issues" in report.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_page(notebook: str, tmp_path) -> str:
    """The page Voilà serves for notebooks/NOTEBOOK in smoke mode (sent once every cell ran: what a user waits
    for before the app appears; how long is a benchmark's question, not a test's)."""
    port = _free_port()
    env = {**os.environ, "WBCS_SMOKE": "1", "WBCS_OUT": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(ROOT / "notebooks" / notebook), "--no-browser",
         f"--port={port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
        cwd=ROOT / "notebooks", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until the server accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.terminate()
                    pytest.fail("voila did not start:\n" + proc.communicate(timeout=30)[0].decode(errors="replace"))
                time.sleep(1)
        # the page executes the notebook; every cell's output is rendered into it
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=600).read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.notebook
def test_voila_serves_it_as_an_app(tmp_path):
    page = voila_page(NOTEBOOK, tmp_path)
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "Traceback" not in page and "Error" not in page.split("</script>")[-1]
    # a manager sees the dashboard alone: the notebook's own cells neither run (no report, no cluster, no
    # tables) nor show (their markdown is hidden) in the app
    assert page.count("application/vnd.jupyter.widget-view+json") == 1  # the dashboard
    assert "<table" not in page and "report:" not in page and not (tmp_path / "kpi-report.html").exists()
    assert ".celltag_notebook-only { display: none; }" in page and "celltag_notebook-only" in page


@pytest.mark.notebook
def test_the_dashboard_shows_an_analysts_own_file_first(tmp_path, monkeypatch):
    # it read only its synthetic year and STC-3 (load_stc3, not the file `wbcs kpi` reads): an analyst's export could
    # not be looked at in it
    from tests.helpers import cell_with, executed_cells, text_of

    monkeypatch.setenv("WBCS_POSTS", str(ROOT / "data" / "examples" / "weibo_export.csv"))
    run_notebook(NOTEBOOK, tmp_path)
    shown = text_of(cell_with(executed_cells(tmp_path, NOTEBOOK), "app.choice.value"))
    assert "your file (weibo_export.csv) dashboard shown" in shown, shown
