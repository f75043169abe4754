"""The ``wbcs`` command line: one subcommand per step of the workbench.

Each area lives in its own module under ``wbcs.cli`` with a ``register(subparsers)``
function; heavy imports happen inside the command functions so ``wbcs --help`` is quick, and
a command imports only its own area's module.
A user's bad input raises ``wbcs.errors.InputError``: it is printed as one line and
the command exits with code 2 (argparse's own usage errors exit 2 as well). Any other exception is a bug: its
traceback is printed (masked, as below) and the command exits with code 1.
Everything a command writes to stdout and stderr is masked (``wbcs.pii``): a status line names the user's own
files, whose names or folders may hold a phone number or an e-mail.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import os
import signal
import sys
import traceback

from wbcs import __version__
from wbcs.errors import InputError
from wbcs.pii import mask_pii  # light (re, unicodedata), and every command's output goes through it

# Modules of wbcs.cli and the subcommands each adds, in the order --help lists them. A command
# line naming a command imports only its module (``wbcs simulate`` need not import the other
# six); ``wbcs --help`` and a mistyped command import them all. Tests check this table.
AREAS = {
    "ingest": ("ingest",),
    "datasets": ("datasets", "synth"),
    "classify": ("train", "predict", "evaluate", "triage"),
    "simulate": ("simulate", "sweep", "staff"),
    "analytics": ("kpi", "hot", "norms", "report"),
    "labeling": ("label",),
    "reply": ("reply",),
}


def shipped_input(path):
    """An input ``path``, or the package's file when it is a relative ``data/...`` path that does not exist here
    (``wbcs.config.shipped``): the README's and --help's commands name the committed files from the repository's
    folder, and a user in a folder of their own was told the file was missing. Said on stderr when taken. Never
    for an output: nothing is written into the package."""
    from wbcs.config import shipped

    copy = shipped(path)
    if copy is None:
        return path
    print(f"{path}: not in this folder; reading the package's {copy}", file=sys.stderr)
    return copy


def shipped_inputs(args: argparse.Namespace, names) -> None:
    """``shipped_input`` on each of the input path options ``names`` of ``args`` (a path or a list of them; None
    left), in place: every input of a command, never an output."""
    for name in names:
        value = getattr(args, name, None)
        if isinstance(value, list):
            setattr(args, name, [shipped_input(v) for v in value])
        elif value is not None:
            setattr(args, name, shipped_input(value))


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in each command's epilog as written."""


class Parser(argparse.ArgumentParser):
    """argparse with a suggestion for a mistyped choice (``wbcs simulat`` → did you mean simulate?);
    subcommand parsers inherit the class. Python 3.14's ``suggest_on_error`` does this; 3.11 cannot."""

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in action.choices], n=1, cutoff=0.6)
            if close:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r}; did you mean {close[0]}?")
        super()._check_value(action, value)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (``command`` given) only the area that adds ``command``."""
    parser = Parser(
        prog="wbcs",
        description="Workbench for telecom operators' Weibo customer service.",
        epilog="Run 'wbcs COMMAND --help' for a command's options and an example.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wbcs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area, commands in AREAS.items():
        if command is not None and command not in commands:
            continue
        try:
            module = importlib.import_module(f"wbcs.cli.{area}")
        except ModuleNotFoundError as e:
            if e.name == f"wbcs.cli.{area}":  # area not built yet
                continue
            raise
        module.register(sub)
    return parser


class MaskedStream:
    """``stream`` with every phone number, ID number and e-mail masked: text is held until a line ends or the
    stream is flushed (a number printed in two writes is masked whole; tqdm flushes its '\\r' frames), the
    rest (``isatty``, ``fileno``, ``encoding``) is the stream's own."""

    def __init__(self, stream):
        self.stream = stream
        self._held = ""

    def write(self, text: str) -> int:
        lines = self._held + text
        end = lines.rfind("\n") + 1
        self._held = lines[end:]
        if end:
            self.stream.write(mask_pii(lines[:end]))
        return len(text)

    def writelines(self, lines) -> None:  # the stream's own would write them unmasked
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        held, self._held = self._held, ""
        if held:
            self.stream.write(mask_pii(held))
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


class _Stopped(BaseException):
    """SIGTERM (kill) or SIGHUP (the terminal closed), raised where the command was: Python's default action ends
    the process without running ``finally``, so a write's temporary file (a whole predict output, a model) was
    left beside its target."""


def _stop(signum, frame):
    signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once, as before
    raise _Stopped(signum)


_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def _default_in_child() -> None:
    """A forked child (a multiprocessing pool's worker: cleanlab's, joblib's) gets the signals' default action
    back: with ``_stop`` inherited, a pool terminating its workers made each print a ``_Stopped`` traceback."""
    for sig in _STOP_SIGNALS:
        if signal.getsignal(sig) is _stop:
            signal.signal(sig, signal.SIG_DFL)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_default_in_child)


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr  # restored after: tests call main in their own process
    sys.stdout, sys.stderr = MaskedStream(out), MaskedStream(err)
    handlers = {}
    for sig in _STOP_SIGNALS:
        if signal.getsignal(sig) is signal.SIG_DFL:  # nohup's SIG_IGN and an embedding program's handlers stay
            with contextlib.suppress(ValueError):  # main() called outside the main thread
                handlers[sig] = signal.signal(sig, _stop)
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except _Stopped as e:  # before the command started: nothing to say
        return 128 + e.args[0]
    except Exception:
        # a bug: its traceback is printed here, through the masking stderr (its message may quote a cell, a
        # phone number); let out of main, Python printed it after the finally below had restored the real one
        _close_progress_bars()
        traceback.print_exc()
        return 1
    finally:
        for sig, handler in handlers.items():  # main() may run inside another program (tests)
            signal.signal(sig, handler)
        for masked in (sys.stdout, sys.stderr):
            try:
                masked.flush()
            except (BrokenPipeError, ValueError):  # the reader is gone, or the stream closed: nothing to show
                pass
        sys.stdout, sys.stderr = out, err


def _run(argv: list[str]) -> int:
    command = argv[0] if argv and any(argv[0] in commands for commands in AREAS.values()) else None
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader gone (| head) shows here, not at exit
        return code
    except BrokenPipeError:
        # the reader of stdout stopped reading (wbcs ... --json | head -1): leave quietly, as Python's
        # documentation recommends; stdout goes to devnull so the flush at exit cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except InputError as e:
        _close_progress_bars()
        # an error may quote a user's cell or header (an unknown label '13812345678'): stderr masks it
        print(f"wbcs {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _close_progress_bars()
        print(f"wbcs {args.command}: interrupted", file=sys.stderr)
        return 130
    except _Stopped as e:
        _close_progress_bars()
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print(f"wbcs {args.command}: stopped by {signal.Signals(e.args[0]).name}", file=sys.stderr)
        return 128 + e.args[0]


def _close_progress_bars() -> None:
    """Close the progress bars an error interrupted, so that its line starts a line of its own: an open tqdm
    bar ends in '\\r' with no newline (the message was glued to '50%|███ | 1/2 [00:00<00:00]'), and was redrawn
    after it when the bar was collected."""
    std = sys.modules.get("tqdm.std")
    for bar in list(getattr(getattr(std, "tqdm", None), "_instances", ())):
        bar.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
