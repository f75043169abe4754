"""data/labels/README.md's rebuild commands, run as written, give the committed gold files byte for byte: the
files are what the table writer makes (its BOM and CRLF for Excel), not a copy of the same labels in other bytes
that `git diff` would show as every line changed after a rebuild."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.helpers import run_cli
from wbcs.config import DATA_DIR, ROOT

LABELS = DATA_DIR / "labels"
STORE = "data/labels/store.sqlite"


def readme_commands() -> list[list[str]]:
    """The `wbcs` commands of the README's rebuild block, continuation lines joined, without `.venv/bin/wbcs`."""
    readme = (LABELS / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(\.venv/bin/wbcs label rebuild .*?)```", readme, flags=re.S)
    assert block, "data/labels/README.md has no rebuild block"
    lines = block[1].replace("\\\n", " ").splitlines()
    return [shlex.split(line)[1:] for line in lines if line.strip()]


@pytest.mark.slow
def test_the_readme_rebuild_writes_the_committed_gold_files_byte_for_byte(tmp_path):
    commands = readme_commands()
    assert [c[:2] for c in commands] == [["label", "rebuild"], ["label", "consensus"], ["label", "consensus"]]
    outs = []
    for args in commands:
        # the same commands, with the store and the gold files in tmp_path instead of the working tree
        args = [str(tmp_path / "store.sqlite") if a == STORE else a for a in args]
        if "--out" in args:
            i = args.index("--out") + 1
            outs.append(args[i])
            args[i] = str(tmp_path / args[i].rsplit("/", 1)[-1])
        r = run_cli(*args, cwd=ROOT)
        assert r.returncode == 0, r.stdout + r.stderr
    assert outs == ["data/labels/gold.csv", "data/labels/gold_turns.csv"]
    for name in ("gold.csv", "gold_turns.csv"):
        assert (tmp_path / name).read_bytes() == (LABELS / name).read_bytes(), \
            f"data/labels/{name} is not what the README's rebuild writes: rebuild it with those commands"
