"""``juni-tui import FILE``: add Juni card transactions from a CSV or JSON file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from juni_tui.commands._common import friendly, open_store, print_json, say
from juni_tui.services import intake
from juni_tui.services.display import printable
from juni_tui.services.importing import COLUMNS, REQUIRED, ImportFileError, import_file

#: Seconds between two progress lines on stderr (none for an import quicker than this).
PROGRESS_EVERY = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import transactions from a CSV or JSON file",
        description=(
            "Import Juni card transactions from a CSV (comma or semicolon, UTF-8) or JSON file. "
            f"Required columns: {', '.join(REQUIRED)}. Optional: {', '.join(COLUMNS[len(REQUIRED):])}. "
            "A file with any problem is refused whole, with every bad line. Ids the home already has are skipped, "
            "so importing a file twice adds nothing. Rules fill in missing values of the new transactions."
        ),
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--dry-run", action="store_true", help="check the file and count; write nothing")
    parser.add_argument("--json", action="store_true", help="print what was done as JSON")
    parser.set_defaults(func=run_import)


class Progress:
    """``on_progress`` for the terminal: ``Reading t.csv: 42% (4.2 of 10 MB)`` on stderr, at most every
    ``PROGRESS_EVERY`` seconds, on one line rewritten in place when stderr is a terminal."""

    def __init__(self, path: str) -> None:
        self.name = printable(Path(path).name)
        self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        percent = 100 * done // total if total else 100
        line = f"Reading {self.name}: {percent}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)"
        print("\r" + line if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            print(file=sys.stderr, flush=True)


@friendly
def run_import(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        progress = Progress(args.file)
        try:
            result = import_file(store, args.file, dry_run=args.dry_run, on_progress=progress)
        except ImportFileError as exc:
            if args.json:
                print_json({"imported": False, "file": str(exc.path),
                            "problems": [{"line": line, "problem": reason} for line, reason in exc.problems]})
            print(f"juni-tui: {printable(exc, multiline=True)}", file=sys.stderr)
            return 1
        finally:
            progress.done()
        report = intake.after_import(store, result.added) if result.added and not result.dry_run else None
    if args.json:
        print_json({
            "imported": not result.dry_run,
            "file": str(result.path),
            "added": result.added,
            "already_present": result.already_present,
            "differing": result.differing,
            "seen_before": result.seen_before,
            "rules_filled": len(report.rules.applied) if report else 0,
        })
        return 1 if result.seen_before else 0
    say(result.summary)
    if result.differing:
        shown = ", ".join(result.differing[:10]) + (" …" if len(result.differing) > 10 else "")
        say(f"Note: {len(result.differing)} of the transactions already there differ in the file (date, amount or "
            f"merchant): {shown}. The stored ones were kept; a re-import never changes a transaction.")
    for line in report.lines if report is not None else []:
        say(line)
    return 1 if result.seen_before else 0
