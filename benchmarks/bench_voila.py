"""Voilà start-up: seconds from opening notebook 05 as an app to its first chart on screen.

Measured in headless Chromium (Playwright, ``executablePath=/usr/bin/chromium``) for this
checkout and, as the baseline, for the same notebook and package at ``--baseline REV``
(extracted with ``git archive``, run with the same Python). Full mode (no ``WBCS_SMOKE``).
Needs ``pip install playwright`` (not a project dependency) and Chromium; says so and
stops when either is missing.

Usage: python -m benchmarks.bench_voila [--baseline 09f6463]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/05-kpi-dashboard.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _first_chart(url: str, timeout_s: float) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        await page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
        await page.wait_for_selector(".js-plotly-plot .main-svg", state="visible", timeout=timeout_s * 1000)
        elapsed = time.perf_counter() - t0
        await browser.close()
        return elapsed


def measure(root: Path, out: Path, timeout_s: float = 900) -> float:
    """Serve ``root``'s notebook 05 with Voilà (its own package first on the path) and time the first chart."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(root), "WBCS_OUT": str(out)}
    env.pop("WBCS_SMOKE", None)
    server = subprocess.Popen([sys.executable, "-m", "voila", str(root / NOTEBOOK), "--no-browser", f"--port={port}",
                               "--Voila.ip=127.0.0.1"], cwd=root / "notebooks", env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        return asyncio.run(_first_chart(f"http://127.0.0.1:{port}/", timeout_s))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="09f6463", help="git revision to compare with (default: 09f6463)")
    args = parser.parse_args(argv)
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("bench_voila: skipped, needs `pip install playwright` (and Chromium)")
        return 0
    if not shutil.which("chromium"):
        print("bench_voila: skipped, needs Chromium (apt-get install chromium)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        now = measure(ROOT, Path(tmp) / "out-now")
        before = measure(base, Path(tmp) / "out-base")
    print("| notebook 05 in Voilà | first chart (s) |\n|---|---:|")
    print(f"| baseline {args.baseline} | {before:.1f} |\n| this checkout | {now:.1f} |")
    print(f"| ratio baseline / this | {before / now:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
