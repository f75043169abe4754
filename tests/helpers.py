"""Helpers shared by the tests: the CLI and notebooks, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from wbcs.config import ROOT


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `python -m wbcs ARGS` in a real subprocess; returns the completed process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "wbcs", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=full_env)


def one_error(r: subprocess.CompletedProcess, command: str | None = None) -> str:
    """The one error line of a refused command (exit 2, nothing on stdout; ``command``: the line starts with
    ``wbcs COMMAND: error:``)."""
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert command is None or lines[0].startswith(f"wbcs {command}: error: "), r.stderr
    return lines[0]


def run_notebook(name: str | Path, tmp_path: Path, timeout: int = 900) -> None:
    """Execute notebooks/NAME (or the notebook at an absolute path) in smoke mode with a real kernel, in a separate process
    (`jupyter nbconvert --execute`, as a user or CI would); fails on any cell error and
    writes the executed copy to tmp_path/NAME.

    Not nbclient inside the pytest process: there, the reply to a cell that builds many
    widgets was sometimes never read and the test hung until its timeout (seen with
    ipykernel 6 and 7); the same notebook never hung when run from its own process."""
    env = {**os.environ, "WBCS_SMOKE": "1", "WBCS_OUT": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         f"--ExecutePreprocessor.timeout={timeout}", "--ExecutePreprocessor.kernel_name=python3",
         "--output-dir", str(tmp_path), str(ROOT / "notebooks" / name)],  # an absolute name stays as it is
        cwd=ROOT / "notebooks", env=env, capture_output=True, text=True, timeout=timeout + 120)
    assert r.returncode == 0, f"{name} failed:\n{r.stderr[-6000:]}"


def run_cli_on_terminal(*args: str, cwd: Path | None = None, env: dict | None = None,
                        timeout: float = 600) -> tuple[subprocess.CompletedProcess, str]:
    """Run `python -m wbcs ARGS` with stderr on a terminal (a pseudo-terminal 200 columns wide: with 0 columns
    tqdm shows nothing), as a user sees its progress bars; returns the process (stdout captured) and what the
    terminal showed ('\\n' as a terminal sends it, '\\r\\n')."""
    import fcntl
    import struct
    import termios
    import threading

    master, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    shown: list[bytes] = []

    def read() -> None:  # as it comes: a full terminal would block the command
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the terminal's other end is closed: all read
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        r = subprocess.run([sys.executable, "-m", "wbcs", *args], cwd=cwd or ROOT, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=timeout,
                           env={**os.environ, **(env or {})})
    finally:
        os.close(terminal)
        reader.join(timeout=30)
        os.close(master)
    return r, b"".join(shown).decode("utf-8", errors="replace")


# a team's own small export: eight distinct complaints and eight thanks (distinct texts: near duplicates share a
# fold group, and one group per class leaves a fold with one class), as `wbcs ingest` reads a Chinese export
TEAM_COMPLAINTS = ["宽带又断了，报修三天没人来", "信号太差，地下室打不了电话", "话费莫名多扣了三十块", "流量刚充就没了，乱扣费",
                   "营业厅排队两小时没人管", "携号转网被拖了一个月", "垃圾短信天天收，投诉没用", "套餐被偷偷改了，太坑"]
TEAM_THANKS = ["谢谢客服耐心解答，点赞", "问题解决了，感谢小姐姐", "师傅上门很快，服务好", "客服回复及时，满意",
               "网速提上来了，谢谢你们", "感谢帮忙退了多扣的钱", "处理得很快，给你们点赞", "态度很好，非常感谢"]


def team_export() -> str:
    """The CSV text of that export (内容, 发布时间), complaints first."""
    return "内容,发布时间\n" + "".join(f"{t},2024-05-0{1 + i % 9} 10:00\n"
                                    for i, t in enumerate(TEAM_COMPLAINTS + TEAM_THANKS))


# --------------------------------------------------------------------------- reading an executed notebook

class _Cells(HTMLParser):
    """The text of each row's cells (th and td) of an HTML table, in order."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def executed_cells(tmp_path: Path, name: str) -> list[dict]:
    """The cells of the executed copy ``run_notebook`` wrote of notebook ``name``."""
    return json.loads((tmp_path / name).read_text(encoding="utf-8"))["cells"]


def cell_with(cells: list[dict], code: str) -> dict:
    return next(c for c in cells if c["cell_type"] == "code" and code in "".join(c["source"]))


def html_of(cell: dict) -> str:
    return "".join("".join(o["data"]["text/html"]) for o in cell["outputs"] if "text/html" in o.get("data", {}))


def text_of(cell: dict) -> str:
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


CLI_ENGINES = ("pandas", "duckdb", "dask")


def written_for(engine: str, df, tmp_path: Path) -> Path:
    """``df`` as a CSV for the pandas engine (as a team exports it), as Parquet for the archive engines."""
    if engine == "pandas":
        df.to_csv(path := tmp_path / "posts.csv", index=False)
    else:
        df.to_parquet(path := tmp_path / "posts.parquet")
    return path
