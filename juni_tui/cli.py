"""The headless command line: ``juni-tui COMMAND``. Every command calls the same services as the TUI.

Commands live in ``juni_tui.commands``: each module there has ``register(subparsers)``, which adds its
subcommands and sets ``func(args) -> int`` on them. Adding a command never means editing this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

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
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:
        # The sandbox has its own parser and starts fast: no need to import the rest of the app.
        from juni_tui.services.sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    quick = argparse.ArgumentParser(add_help=False)
    quick.add_argument("--home")
    known, rest = quick.parse_known_args(argv)
    if rest in ([], ["tui"]):
        # Opening the TUI, the common case: skip loading every command (and the Fortnox client) before the first
        # paint; the app loads what it needs when it needs it.
        from juni_tui.commands.tui import run_tui

        return run_tui(known)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
