"""The ``wbcs`` entry point itself: a mistyped command or choice gets the closest one suggested; a closed pipe
ends quietly; an error line starts a line of its own after a progress bar."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import run_cli, run_cli_on_terminal
from wbcs.cli import build_parser, main
from wbcs.config import ROOT


def test_a_mistyped_command_suggests_the_closest_and_exits_2():
    r = run_cli("simulat", "--scenario", "x.yaml")
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == "wbcs: error: argument COMMAND: invalid choice: 'simulat'; did you mean simulate?"


@pytest.mark.parametrize("argv, line", [
    (["hto", "--posts", "p.csv"], "invalid choice: 'hto'; did you mean hot?"),
    (["kpi", "--posts", "p.csv", "--period", "wek"], "argument --period: invalid choice: 'wek'; did you mean week?"),
    (["label", "smaple"], "argument LABEL_COMMAND: invalid choice: 'smaple'; did you mean sample?"),
])
def test_suggestions_reach_subcommands_and_option_choices(capsys, argv, line):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and capsys.readouterr().err.strip().endswith(line)


def test_nothing_close_lists_the_choices(capsys):
    with pytest.raises(SystemExit):
        main(["xyzzy"])
    err = capsys.readouterr().err
    assert "did you mean" not in err and "(choose from 'ingest'" in err


def test_the_areas_table_names_every_command_its_module_adds():
    """main() imports only the module of the command it runs, found through AREAS."""
    import argparse
    import importlib

    from wbcs.cli import AREAS, Parser

    for area, commands in AREAS.items():
        sub = Parser(prog="wbcs").add_subparsers(dest="command")
        importlib.import_module(f"wbcs.cli.{area}").register(sub)
        assert tuple(sub.choices) == commands, area
    assert isinstance(build_parser("staff")._subparsers._group_actions[0], argparse._SubParsersAction)
    assert list(build_parser("staff")._subparsers._group_actions[0].choices) == ["simulate", "sweep", "staff"]


def test_help_lists_every_command_with_its_help():
    from wbcs.cli import AREAS

    r = run_cli("--help")
    assert r.returncode == 0
    listed = {line.split()[0]: line for line in r.stdout.splitlines() if line[:4] == "    " and line[4] != " "}
    commands = [c for cs in AREAS.values() for c in cs]
    assert list(listed) == commands
    assert all(len(line.split()) > 2 for line in listed.values())  # a help text after each name
    assert "simulate  simulate a scenario: SLA attainment with confidence intervals" in r.stdout


@pytest.mark.parametrize("argv", [("datasets", "list", "--json"),
                                  ("norms", "--posts", "data/examples/account_posts.csv", "--json")])
def test_a_reader_that_stops_reading_ends_the_command_quietly(argv):
    """`wbcs datasets list --json | head -1` ended in a BrokenPipeError traceback. Here the reading end is closed
    before the command writes a byte: every write fails as it does once head has exited."""
    read, write = os.pipe()
    os.close(read)
    try:
        r = subprocess.run([sys.executable, "-m", "wbcs", *argv], cwd=ROOT, stdout=write, stderr=subprocess.PIPE,
                           text=True, timeout=600)
    finally:
        os.close(write)
    assert r.returncode == 1 and r.stderr == ""


def test_an_error_after_a_progress_bar_starts_a_line_of_its_own(tmp_path):
    """The error followed the bar's '\\r…1/2 [00:00<00:00]' on the same line, and the bar was drawn again after
    it when collected (kpi and hot --engine dask, predict's archive mode, simulate and staff)."""
    times = pd.to_datetime(["2025-03-03 10:00", "2025-03-03 11:00"]).tz_localize("Asia/Shanghai")
    posts = pd.DataFrame({"post_id": ["p1", "p2"], "created_at": times, "text": ["信号差", "宽带断了"],
                          "reply_at": times + pd.Timedelta(hours=1), "sentiment": "negative",
                          "intent": "complaint", "topic": "network"})
    (tmp_path / "archive").mkdir()
    # two files without a row: found to hold no posts after each file's latest time was read (a bar); rows rejected
    # (a reply before its post) are now refused before any bar, with their reasons (test_kpi_all_rejected)
    posts.iloc[:0].to_parquet(tmp_path / "archive" / "a.parquet")
    posts.iloc[:0].to_parquet(tmp_path / "archive" / "b.parquet")
    r, shown = run_cli_on_terminal("kpi", "--engine", "dask", "--posts", str(tmp_path / "archive"))
    shown = shown.replace("\r\n", "\n")  # a terminal's new line; a bar's frames start with '\r'
    assert r.returncode == 2 and "/2 [" in shown  # a bar was drawn before the error
    error = [line for line in shown.split("\n") if "error:" in line]
    assert len(error) == 1 and error[0].startswith("wbcs kpi: error: ") and error[0].endswith("no posts; give a file "
                                                                                                 "(or files) with posts")
    assert shown.endswith(error[0] + "\n")  # the last line: no bar drawn after it
