"""The ``wbcs`` entry point itself: a mistyped command or choice gets the closest one suggested."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from wbcs.cli import build_parser, main


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
