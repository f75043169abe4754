"""Every ``--help`` example is real: it parses, names files a fresh clone has (or an earlier
example writes), and the examples that need no dataset mirror and no network run."""

from __future__ import annotations

import argparse
import shlex
import shutil

import pytest

from tests.helpers import run_cli
from wbcs.cli import build_parser
from wbcs.config import ROOT

# Commands whose examples run on a fresh clone, in the order a new user would run them
# (later examples read what earlier ones wrote under out/).
OFFLINE = ["ingest", "predict", "triage", "kpi", "hot", "norms", "report", "evaluate", "sweep",
           "label", "label rebuild", "label status", "label export", "label agreement",
           "label disagreements", "label consensus", "label import",
           "datasets list", "synth", "simulate", "staff", "reply"]
# Commands whose examples need the dataset mirror, the network or hours of training.
ELSEWHERE = {"datasets", "datasets fetch", "datasets export", "train", "label sample", "label split",
             "label sample-turns", "label sample-posts", "label batch-export",
             "label issues"}
INPUTS = ("inputs", "input", "posts", "data", "scenario", "sample", "passes", "account_posts", "files", "exclude",
          "teacher")
OUTPUTS = ("out", "alerts", "rejects", "records", "write_scenario")


def _commands(parser: argparse.ArgumentParser, name: str = "") -> dict[str, argparse.ArgumentParser]:
    found = {name: parser} if name else {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                found |= _commands(p, f"{name} {sub}".strip())
    return found


def _examples(parser: argparse.ArgumentParser) -> list[str]:
    text = (parser.epilog or "").split("Example:", 1)
    return [line.strip() for line in text[1].splitlines() if line.strip().startswith("wbcs ")] if len(text) > 1 \
        else []


def _paths(args: argparse.Namespace, keys) -> list[str]:
    out = []
    for key in keys:
        value = getattr(args, key, None)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                out.append(str(v))
    return out


def test_every_example_parses_and_names_files_a_fresh_clone_has():
    parser = build_parser()
    commands = _commands(parser)
    assert set(commands) == set(OFFLINE) | ELSEWHERE, "classify each new command in OFFLINE or ELSEWHERE"
    written: set[str] = set()
    for name in OFFLINE + sorted(ELSEWHERE):
        examples = _examples(commands[name])
        assert examples, f"wbcs {name} --help has no example"
        for line in examples:
            try:
                args = parser.parse_args(shlex.split(line)[1:])
            except SystemExit:
                pytest.fail(f"wbcs {name} --help: the example does not parse: {line}")
            store = getattr(args, "store", None)
            command = getattr(args, "label_command", None)
            outputs = _paths(args, OUTPUTS) + ([str(store)] if store and command in ("rebuild", "import") else [])
            inputs = _paths(args, INPUTS) + ([str(store)] if store and command not in ("rebuild", "import") else [])
            model = getattr(args, "model", None)
            if isinstance(model, str) and "/" in model:
                inputs.append(model)
            if name in OFFLINE:
                for path in inputs:
                    assert (ROOT / path).exists() or path in written, \
                        f"wbcs {name} --help: {path} is neither in the repository nor written by an earlier example"
            for path in outputs:
                assert not (ROOT / path).exists() or path.startswith("out/"), \
                    f"wbcs {name} --help: the example overwrites {path}, a file of the repository"
            written.update(outputs)


@pytest.mark.slow
def test_offline_examples_run_on_a_fresh_clone(tmp_path):
    """Every OFFLINE example, in order, in a copy of the repository's data (models linked)."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("store.sqlite*", "raw", "cache"))
    (tmp_path / "models").symlink_to(ROOT / "models")
    commands = _commands(build_parser())
    for name in OFFLINE:
        for line in _examples(commands[name]):
            r = run_cli(*shlex.split(line)[1:], cwd=tmp_path, env={"WBCS_DATA_MIRROR": str(tmp_path / "none")})
            assert r.returncode == 0, f"{line}\n{r.stderr[-3000:]}"
