"""The ``wbcs`` entry point itself: a mistyped command or choice gets the closest one suggested."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from wbcs.cli import main


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
