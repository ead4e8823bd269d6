"""``juni-tui`` (or ``juni-tui tui``): open the TUI on the company's home folder."""

from __future__ import annotations

import argparse

from juni_tui.commands._common import friendly, open_store


def add_ascii_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ascii", action="store_true", default=None,
                        help="draw with ASCII only ([x], ..., plain spaces): for a terminal that is not UTF-8 "
                             "(the default follows the locale and the display setting)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tui", help="open the terminal UI (the default)")
    add_ascii_option(parser)
    parser.set_defaults(func=run_tui)


@friendly
def run_tui(args: argparse.Namespace) -> int:
    from juni_tui.app import JuniApp, wants_ascii

    with open_store(args) as store:
        app = JuniApp(store, ascii=wants_ascii(store.settings.display, getattr(args, "ascii", None)))
        app.run()
    return app.return_code or 0  # 1 after a crash Textual reported: the shell sees it
