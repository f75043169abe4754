"""What a killed write leaves beside its target (wbcs.io.write.new_temp): removed by the next write of the same
target once its writer is gone, never while the writer lives, never anything else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from wbcs.io import write_table, write_text
from wbcs.io.write import _host, new_temp

# a write that stops halfway: prints its temporary file's name, then waits for a line on stdin and ends the write
WRITER = """import sys
from wbcs.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("child", encoding="utf-8")
    print(tmp, flush=True)
    sys.stdin.readline()
"""


def start(script: str, *args: str) -> tuple[subprocess.Popen, Path]:
    """A Python child running ``script``; returns it and the first line it prints, as a path."""
    child = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    line = child.stdout.readline().strip()
    assert line, "the child printed nothing"
    return child, Path(line)


def killed(child: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    child.send_signal(sig)
    assert child.wait(timeout=60) == -sig


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped): no process holds it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_next_write_removes_what_a_killed_write_left(tmp_path):
    path = tmp_path / "posts.csv"
    write_table(pd.DataFrame({"text": ["previous"]}), path)
    child, first = start(WRITER, str(path))
    killed(child)
    assert hidden(tmp_path) == [first.name]  # the target is intact, the temporary file is left
    child, second = start(WRITER, str(path))  # a retry, killed again: it removed the first one (every retry
    killed(child)  # had left one more, forever)
    assert hidden(tmp_path) == [second.name]
    assert pd.read_csv(path)["text"].tolist() == ["previous"]
    write_table(pd.DataFrame({"text": ["new"]}), path)
    assert hidden(tmp_path) == []
    assert pd.read_csv(path)["text"].tolist() == ["new"]


def test_a_live_writers_temporary_file_is_left_and_both_writes_work(tmp_path):
    path = tmp_path / "report.html"
    child, tmp = start(WRITER, str(path))
    try:
        write_text(path, "parent")  # a second writer of the same target while the first is still writing
        assert tmp.read_text(encoding="utf-8") == "child" and path.read_text(encoding="utf-8") == "parent"
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.wait()
    assert path.read_text(encoding="utf-8") == "child"  # the later rename wins, as before
    assert hidden(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="without /proc a reused pid cannot be told")
def test_a_temporary_file_whose_pid_was_reused_is_removed(tmp_path):
    path = tmp_path / "t.csv"
    # this process's pid, but a start time that is not this process's: the writer had the pid before
    reused = tmp_path / f".t.csv.{_host()}-{os.getpid()}-00000000.0123abcd.tmp"
    reused.write_text("x")
    own = new_temp(path)  # this process writing the same target: alive
    write_text(path, "new")
    assert not reused.exists() and own.exists()


def test_only_the_exact_names_of_this_targets_dead_writers_are_removed(tmp_path):
    path = tmp_path / "t.csv"
    gone = f"{_host()}-{dead_pid()}"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    kept = [
        f".t.csv.{'0' * 8 if _host() != '0' * 8 else '1' * 8}-{dead_pid()}-0.0123abcd.tmp",  # another machine's
        f".other.csv.{gone}-0.0123abcd.tmp",  # another target's
        ".t.csv.k2j4m9xq.tmp",  # an older wbcs's (tempfile.mkstemp): its writer is unknown
        f".t.csv.{gone}-0.0123abcd.tmp.bak",  # not the exact pattern
        f"t.csv.{gone}-0.0123abcd.tmp",  # not hidden
        f".t.csv.{gone}-0.0123abcd.old",  # a model set aside while its target is missing: the only copy
    ]
    for name in kept:
        (tmp_path / name).write_text("x")
    link = tmp_path / f".t.csv.{gone}-0.0123abcd.tmp"  # a link with a dead writer's name: not ours, not followed
    link.symlink_to(outside, target_is_directory=True)
    removed = [f".t.csv.{gone}-0.0123abcd.tmp-journal", f".t.csv.{gone}-0.01234567.tmp"]
    (tmp_path / removed[0]).write_text("x")
    (tmp_path / removed[1]).mkdir()  # a folder (a model's) is removed whole
    (tmp_path / removed[1] / "weights.skops").write_text("x")
    write_text(path, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, link.name, "outside", "t.csv"])
    assert (outside / "keep.txt").read_text() == "keep"
    write_text(path, "again")  # the target exists now: the set-aside model is superseded
    assert not (tmp_path / kept[-1]).exists()
