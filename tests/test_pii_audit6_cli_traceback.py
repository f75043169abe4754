"""A bug's traceback goes through the masking stderr: main restored the real stderr in its finally, and Python printed
the traceback of the exception let out of main afterwards, PII quoted in its message and all."""

import argparse

import wbcs.cli as cli


def _failing(args):
    raise ValueError("cell '13912345678' of row 3 is not a number")


def test_a_bugs_traceback_is_masked_and_the_exit_code_is_1(monkeypatch, capsys):
    def build_parser(command=None):
        parser = argparse.ArgumentParser(prog="wbcs")
        sub = parser.add_subparsers(dest="command")
        sub.add_parser("ingest").set_defaults(func=_failing)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_parser)
    assert cli.main(["ingest"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError" in err and "139****5678" in err
    assert "13912345678" not in err
