"""``juni-tui doctor``: check the home's files without changing them, and say what each finding means."""

from __future__ import annotations

import argparse

from juni_tui.commands._common import friendly, home_of, print_json, say
from juni_tui.services.store.doctor import check_home


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the home's files (changes nothing)",
        description="Check every file of the home without changing any: that each one reads, that the journal "
        "continues juni.json, that the history archives and their index agree, that the audit log is complete and "
        "in order, and that the Fortnox secrets are private. One line per finding, with what it means and what to "
        "do. Exit status 0 when the home is healthy, 1 otherwise.",
    )
    parser.add_argument("--json", action="store_true", help="the findings as JSON")
    parser.set_defaults(func=run_doctor)


@friendly
def run_doctor(args: argparse.Namespace) -> int:
    home = home_of(args)
    report = check_home(home)
    if args.json:
        print_json(report.as_json())
    else:
        for finding in report.findings:
            say(finding.line)
        if report.healthy:
            say(f"healthy: {home.root}")
        else:
            count = len(report.problems)
            say(f"not healthy: {count} problem{'s' if count != 1 else ''} in {home.root}")
    return 0 if report.healthy else 1
