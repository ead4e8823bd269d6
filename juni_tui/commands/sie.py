"""``juni-tui sie export``: a SIE 4 file of the exported (and, if asked, ready) transactions in a date range."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from juni_tui.commands._common import fail, friendly, has_data, home_of, open_store, say
from juni_tui.domain.settings import FALLBACK_SERIES
from juni_tui.services import sie


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sie", help="SIE 4 files for other accounting systems and backups")
    commands = parser.add_subparsers(dest="sie_command", metavar="COMMAND", required=True)
    export = commands.add_parser(
        "export",
        help="write a SIE 4 file of the exported transactions dated in a range",
        description="Write a SIE 4 file (PC8/CP437) of the exported transactions dated FROM..TO, with their "
        "Fortnox series and number. --include-ready adds the ready ones with the series given (or the default) and "
        "no number: an import file, SIE 4I, named .si.",
    )
    export.add_argument("--include-ready", action="store_true",
                        help="also the ready transactions, unnumbered (a SIE 4I file: FILE must end in .si)")
    export.add_argument("--from", dest="date_from", type=_day, required=True, metavar="DATE",
                        help="first transaction date, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_day, required=True, metavar="DATE",
                        help="last transaction date, YYYY-MM-DD")
    export.add_argument("--series", metavar="CODE", help="voucher series for ready transactions "
                        f"(default: the settings' default series, else {FALLBACK_SERIES})")
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(func=run_export)


@friendly
def run_export(args: argparse.Namespace) -> int:
    # reads the home and writes only FILE: a home that does not exist yet (a mistyped --home) is not created
    with open_store(args, create=has_data(home_of(args))) as store:
        try:
            result = sie.export_sie(store, args.date_from, args.date_to, args.file, series=args.series,
                                    include_ready=args.include_ready)
        except sie.SieError as exc:
            return fail(str(exc))
    say(result.summary)
    if result.missing:
        say(f"juni-tui: the file was written without the company's Fortnox data: {', '.join(result.missing)}. "
            "Synchronise with Fortnox (juni-tui sync, or F5 in Settings) and export again.", err=True)
    return 0
