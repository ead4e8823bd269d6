"""``juni-tui rules``: list the accounting rules, keep them as a reviewable TOML file, apply them to existing work.

    juni-tui rules list [--json]
    juni-tui rules export FILE             (FILE "-" writes to standard output)
    juni-tui rules import FILE [--replace] [--dry-run]
    juni-tui rules apply [--yes]           (shows every change first; --yes applies them)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from juni_tui.commands._common import fail, friendly, open_store, print_json, say
from juni_tui.domain.rules import RuleKind
from juni_tui.services import rules
from juni_tui.services.rules import toml as rules_text
from juni_tui.services.store.files import atomic_write


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rules", help="accounting rules: list, export, import, apply")
    sub = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="the rules in priority order, with how many transactions each matches")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_list)

    p = sub.add_parser("export", help="write the rules to a TOML file (for review and version control)")
    p.add_argument("file", help='the file to write ("-" for standard output)')
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="read rules from a TOML file; a file with any error is refused whole")
    p.add_argument("file", help="the TOML file to read")
    p.add_argument("--replace", action="store_true", help="delete the rules that are not in the file")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.set_defaults(func=run_import)

    p = sub.add_parser("apply", help="fill missing values on Prepare transactions from the rules (preview first)")
    p.add_argument("--yes", action="store_true", help="apply the changes shown (without it, nothing changes)")
    p.set_defaults(func=run_apply)


def _warn(warnings: list[str]) -> None:
    """Rules that were treated as not matching (a pattern that took too long), on stderr."""
    for warning in warnings:
        say(f"juni-tui: {warning}", err=True)


@friendly
def run_list(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:  # only looks
        all_rules = rules.list_rules(store)
        counts = rules.match_counts(store, all_rules)
        _warn(counts.warnings)
        if args.json:
            print_json([
                {**r.model_dump(mode="json", exclude={"created_at", "updated_at"}),
                 "when_text": rules.describe_when(r), "then_text": rules.describe_then(r), "matches": counts[r.id]}
                for r in all_rules
            ])
            return 0
        if not all_rules:
            print("No rules yet. Add them in the Rules tab (5), or: juni-tui rules import FILE")
            return 0
        for r in all_rules:
            off = "" if r.enabled else "  (disabled)"
            pos = f"{r.position:>3}. " if r.kind == RuleKind.CUSTOM else "     "
            say(f"{pos}{r.label}{off}  [{r.id}]")
            say(f"       when {rules.describe_when(r)} → {rules.describe_then(r)}; matches {counts[r.id]} now")
    return 0


@friendly
def run_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        text = rules_text.dump(store)
        count = len(rules.rules_table(store))
    if args.file == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.file)
    if path.is_dir():
        return fail(f"{path} is a folder; give a file name. Nothing was written.")
    if not path.parent.is_dir():
        return fail(f"{path.parent} is not a folder: cannot write {path.name} there. Nothing was written.")
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        return fail(f"{path} cannot be written: {exc.strerror or exc}. Nothing was written.")
    say(f"Wrote {count} rule{'s' * (count != 1)} to {args.file}.")
    return 0


@friendly
def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return fail(f"{path}: not UTF-8 text. Nothing was imported.")
    except IsADirectoryError:
        return fail(f"{path} is a folder, not a file: give the rules file itself. Nothing was imported.")
    except FileNotFoundError:
        raise
    except OSError as exc:
        return fail(f"{path} cannot be read: {exc.strerror or exc}. Nothing was imported.")
    with open_store(args, create=not args.dry_run) as store:
        try:
            plan = rules_text.import_text(store, text, replace=args.replace, source=str(path), dry_run=args.dry_run)
        except rules_text.RuleFileError as exc:
            return fail(str(exc))
        for line in plan.lines():
            say(line)
        verb = "Would import" if args.dry_run else "Imported"
        say(f"{verb} {path}: {plan.summary}." + (" Nothing changed (dry run)." if args.dry_run else ""))
        if not args.dry_run and plan.changed:
            pending = rules.preview_apply_to_existing(store)
            _warn(pending.warnings)
            if pending:
                print(f"The rules could fill {len(pending)} missing value(s) on Prepare transactions: "
                      "see them with `juni-tui rules apply`.")
    return 0


@friendly
def run_apply(args: argparse.Namespace) -> int:
    with open_store(args, create=args.yes) as store:  # without --yes it only shows: no home is created for that
        changes = rules.preview_apply_to_existing(store)
        _warn(changes.warnings)
        if not changes:
            print("The rules have nothing to fill on Prepare transactions.")
            return 0
        for change in changes:
            say(change.describe())
        if not args.yes:
            print(f"{len(changes)} change(s) shown; nothing changed. Run with --yes to apply them.")
            return 0
        report = rules.apply_changes(store, changes)
        for change, reason in report.skipped:
            say(f"left out: {change.describe()}: {reason}")
        say(f"Applied: {report.summary}.")
    return 0
