"""``juni-tui import FILE``: add card transactions from a file: juni-tui's CSV/JSON, Revolut Business's CSV, a camt.053
bank statement, or any CSV through a mapping (proposed for a new header; ``--accept-mapping`` uses it).

Exit codes: 0 imported (or would be, for ``--dry-run``); 1 refused, or ids the home lost; 3 a mapping to accept
first (printed on stdout as TOML)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from juni_tui.commands._common import fail, friendly, has_data, home_of, open_store, print_json, say
from juni_tui.services import intake
from juni_tui.services.display import printable
from juni_tui.services.importing import (
    COLUMNS,
    FORMATS,
    REQUIRED,
    Choice,
    ImportFileError,
    ImportResult,
    Mapping,
    MappingError,
    MappingNeeded,
    add_reading,
    dry_run_without_home,
    import_file,
    read_statement,
)

#: The exit code of an import that needs its mapping accepted first.
NEEDS_MAPPING = 3

#: Seconds between two progress lines on stderr (none for an import quicker than this).
PROGRESS_EVERY = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import transactions from a CSV, JSON, Revolut CSV or camt.053 file",
        description=(
            "Import card transactions. Formats (recognised by content with --format auto): canonical, juni-tui's "
            f"own CSV or JSON (required columns: {', '.join(REQUIRED)}; optional: {', '.join(COLUMNS[len(REQUIRED):])}"
            "); revolut, Revolut Business's CSV export; camt053, an ISO 20022 bank statement; mapped, any other CSV "
            "through a mapping (--mapping FILE, a TOML file; see docs/mappings/). For a CSV it has not seen, juni-tui "
            "proposes a mapping, prints it and stops (exit 3) unless --accept-mapping is given; the mapping used is "
            "saved for files with the same header. The encoding is found (UTF-8, cp1252 …) and said. A file with any "
            "problem is refused whole, with every bad line. Ids the home already has are skipped (a file without ids "
            "gets stable derived ones), so importing a file twice adds nothing. Rules fill in missing values."
        ),
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="the file's format (default: auto)")
    parser.add_argument("--mapping", metavar="M.toml", help="read a CSV through this mapping")
    parser.add_argument("--accept-mapping", action="store_true",
                        help="use the mapping juni-tui proposes for a CSV it has not seen (and save it)")
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


def _choice(args: argparse.Namespace) -> Choice:
    mapping = Mapping.load(args.mapping) if args.mapping else None
    if mapping is not None and args.format not in ("auto", "mapped"):
        raise MappingError(f"--mapping reads a CSV as mapped, not as {args.format}: leave --format out")
    return Choice(format=args.format, mapping=mapping, accept=args.accept_mapping)


def _read(args: argparse.Namespace, choice: Choice, progress: Progress) -> tuple[ImportResult, intake.IntakeReport | None]:
    if not has_data(home_of(args)):
        # a new home: the file is read first, so that a dry run, a refused file or a mapping still to accept
        # creates nothing (a new home has no lists to check against and no saved mappings)
        reading = read_statement(args.file, None, choice, on_progress=progress)
        if args.dry_run:
            return dry_run_without_home(Path(args.file), reading), None
        with open_store(args) as store:
            result = add_reading(store, Path(args.file), reading)
            return result, intake.after_import(store, result.added) if result.added else None
    with open_store(args, create=not args.dry_run) as store:
        result = import_file(store, args.file, dry_run=args.dry_run, choice=choice, on_progress=progress)
        report = intake.after_import(store, result.added) if result.added and not result.dry_run else None
    return result, report


def _needs_mapping(args: argparse.Namespace, exc: MappingNeeded) -> int:
    if args.json:
        print_json({"imported": False, "file": str(exc.path), "mapping_needed": True, "header": exc.header,
                    "proposal": exc.proposal.to_doc(), "missing": exc.proposal.missing()})
    else:
        print(f"# Proposed mapping for {printable(exc.path.name)} (header signature {exc.signature})")
        print(printable(exc.proposal.to_toml(), multiline=True), end="")
    return fail(str(exc), NEEDS_MAPPING)


@friendly
def run_import(args: argparse.Namespace) -> int:
    progress = Progress(args.file)
    try:
        result, report = _read(args, _choice(args), progress)
    except MappingNeeded as exc:
        return _needs_mapping(args, exc)
    except ImportFileError as exc:
        if args.json:
            print_json({"imported": False, "file": str(exc.path),
                        "problems": [{"line": line, "problem": reason} for line, reason in exc.problems]})
        return fail(str(exc))
    except MappingError as exc:
        return fail(str(exc))
    finally:
        progress.done()
    reading = result.reading
    if args.json:
        print_json({
            "imported": not result.dry_run,
            "file": str(result.path),
            "format": reading.format if reading else "canonical",
            "encoding": reading.encoding if reading else "",
            "mapping": reading.mapping.to_doc() if reading and reading.mapping else None,
            "added": result.added,
            "already_present": result.already_present,
            "differing": result.differing,
            "seen_before": result.seen_before,
            "skipped": [{"line": line, "reason": reason, "row": detail}
                        for line, reason, detail in (reading.skipped if reading else [])],
            "rules_filled": len(report.rules.applied) if report else 0,
        })
        return 1 if result.seen_before else 0
    for line in result.report:
        say(line)
    if result.differing:
        shown = ", ".join(result.differing[:10]) + (" …" if len(result.differing) > 10 else "")
        say(f"Note: {len(result.differing)} of the transactions already there differ in the file (date, amount or "
            f"merchant): {shown}. The stored ones were kept; a re-import never changes a transaction.")
    for line in report.lines if report is not None else []:
        say(line)
    return 1 if result.seen_before else 0
