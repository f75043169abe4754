"""`wbcs staff --verify-replications` is capped as --replications is (100,000 was accepted), and a stop signal
that numba's own callbacks turn into ``SystemError: _numba_unpickle returned a result with an exception set`` ends
the command with its "stopped" line, not that traceback."""

from __future__ import annotations

import signal

import pytest

from tests.test_sim_cli import SMALL
from wbcs import cli
from wbcs.sim import engine


@pytest.fixture
def small(tmp_path):
    from wbcs.yamlsafe import dump_yaml

    path = tmp_path / "small.yaml"
    path.write_text(dump_yaml(SMALL), encoding="utf-8")
    return path


def test_verify_replications_has_the_replications_cap(small, capsys):
    # checked before anything else (the target, wrong too, would be refused after the scenario is read)
    assert cli.main(["staff", "--scenario", str(small), "--verify-replications", "100000", "--target", "90"]) == 2
    assert capsys.readouterr().err == "wbcs staff: error: --verify-replications must be at most 10,000, got 100000\n"


def test_a_stop_inside_numbas_callbacks_is_the_stop(small, capsys, monkeypatch):
    def compiled(*args):
        try:
            raise cli._Stopped(signal.SIGTERM)  # what the CLI's handler raises, here inside _numba_unpickle
        except BaseException as e:
            raise SystemError("<function _numba_unpickle> returned a result with an exception set") from e

    monkeypatch.setattr(engine, "_compiled", compiled)
    assert cli.main(["simulate", "--scenario", str(small), "--replications", "1"]) == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    assert err.endswith("wbcs simulate: stopped by SIGTERM\n") and "SystemError" not in err, err

    def broken(*args):
        raise SystemError("a bug of its own")

    monkeypatch.setattr(engine, "_compiled", broken)
    with pytest.raises(SystemError, match="a bug of its own"):  # not an interrupt: left as it is
        engine.run_engine([0.0])
