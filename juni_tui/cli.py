"""The headless command line. Every command calls the same services as the TUI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sandbox":
        from juni_tui.services.sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    print("usage: juni-tui sandbox [...]", file=sys.stderr)
    return 2
