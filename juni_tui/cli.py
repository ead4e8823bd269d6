"""The headless command line: ``juni-tui COMMAND``. Every command calls the same services as the TUI.

Commands live in ``juni_tui.commands``: each module there has ``register(subparsers)``, which adds its
subcommands and sets ``func(args) -> int`` on them. Adding a command never means editing this file.

``main`` is the last resort (GUIDE §7): an error no command turned into a sentence (a bug, a RecursionError or
MemoryError while reading a file) becomes one sentence on stderr and a log file with the traceback, exit 1; a
closed pipe on stdout (``juni-tui list | head -1``) is quiet: the command finishes its work, says on stderr what it
says there, and exits with its own code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any, TextIO

import juni_tui
from juni_tui import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="juni-tui",
        description="Review Juni card transactions and export them as vouchers to Fortnox.",
    )
    parser.add_argument("--version", action="version", version=f"juni-tui {juni_tui.__version__}")
    parser.add_argument("--home", metavar="DIR", help="the company's data folder (default: $JUNI_TUI_HOME or the "
                        "platform's user data folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{commands.__name__}.{info.name}").register(subparsers)
    _home_after_command(parser)
    return parser


def _home_after_command(parser: argparse.ArgumentParser) -> None:
    """``--home`` is taken after the command name too (``juni-tui list --home X``, ``juni-tui rules list --home
    X``): every subcommand accepts it, and leaves the one given before the command alone when it is not given."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in set(action.choices.values()):
                if not any("--home" in a.option_strings for a in sub._actions):
                    sub.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                                     help="the company's data folder (as before the command)")
                _home_after_command(sub)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        try:
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        except BrokenPipeError:
            _stdout_to_devnull()  # the command's own exit code stands: it did (or did not do) its work
        return code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _stdout_to_devnull()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last resort: one sentence, the traceback in a log file
        from juni_tui.services.display import unexpected_error

        try:
            print(unexpected_error(exc, _home_root(argv)), file=sys.stderr)
        except BrokenPipeError:
            pass
        return 1


def _stdout_to_devnull() -> None:
    """The reader went away: point stdout at /dev/null so nothing more (the final flush) fails (Python's docs, "Note
    on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (captured in a test)
        pass


def _home_root(argv: list[str]) -> Path | None:
    """The home the command was about (for the log file), or None if even that cannot be told."""
    try:
        from juni_tui.services.store.home import resolve_home

        quick = argparse.ArgumentParser(add_help=False)
        quick.add_argument("--home")
        known, _ = quick.parse_known_args(argv)
        return resolve_home(known.home).root
    except Exception:  # noqa: BLE001
        return None


def _run(argv: list[str]) -> int:
    if argv[:1] == ["sandbox"]:
        # The sandbox has its own parser and starts fast: no need to import the rest of the app.
        from juni_tui.sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    quick = argparse.ArgumentParser(add_help=False)
    quick.add_argument("--home")
    known, rest = quick.parse_known_args(argv)  # --home anywhere: before the command or after it
    if known.home is not None and not known.home.strip():
        # `--home "$DIR"` with DIR unset: never fall back to $JUNI_TUI_HOME or the default home instead
        print("juni-tui: --home is empty: give the company's data folder (is the variable in --home \"$DIR\" "
              "set?)", file=sys.stderr)
        return 2
    if rest in ([], ["tui"]):
        # Opening the TUI, the common case: skip loading every command (and the Fortnox client) before the first
        # paint; the app loads what it needs when it needs it.
        from juni_tui.commands.tui import run_tui

        return run_tui(known)
    parser = build_parser()
    stdout = sys.stdout
    sys.stdout = _ClosableStdout(stdout)
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    finally:
        sys.stdout = stdout


class _ClosableStdout:
    """stdout for a command: when the reader goes away (``juni-tui mark-ready --all | true``), what is left to print
    goes nowhere and the command carries on. Its work is finished, its reasons still reach stderr, and its exit code
    says what was done (a broken pipe at the first line must not turn "nothing was marked" into exit 0)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._closed()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._closed()

    def _closed(self) -> None:
        _stdout_to_devnull()  # the interpreter's last flush of the real stdout goes nowhere too
        self._stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
