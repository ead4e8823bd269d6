"""``juni-tui set TXID... --account N --vat CODE …``: the Prepare tab's pre-accounting keys, headless.

The same service as the TUI's keys (``workflow.set_values``), so the same checks and refusals: only transactions in
Prepare, accounts, cost centers and projects checked against the lists synchronised from Fortnox (when the home has
them), every id known. Either every transaction changes or none does.

The options are a table (``OPTIONS``): a field the workflow learns is one more line here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from juni_tui.commands._common import fail, friendly, open_store, say
from juni_tui.domain.vat import VatCode
from juni_tui.services import workflow
from juni_tui.services.importing.values import parse_vat_code


def _account(text: str) -> int:
    if not (text.strip().isdigit() and 1000 <= int(text) <= 9999):
        raise argparse.ArgumentTypeError(f"{text!r} is not a four-digit account number")
    return int(text)


def _vat(text: str) -> VatCode:
    code = parse_vat_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a VAT code; use one of "
                                         f"{', '.join(c.value for c in VatCode)}")
    return code


def _text(what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"say which {what} (to remove it, use --clear)")
        return text.strip()

    return parse


@dataclass(frozen=True)
class Option:
    """One value ``set`` can change: its option, the ``workflow.set_values`` keyword, how the text is read."""

    flag: str  # "--account"; "account" is its name for --clear
    field: str
    metavar: str
    help: str
    parse: Callable[[str], Any]

    @property
    def name(self) -> str:
        return self.flag.removeprefix("--")

    def describe(self, value: Any) -> str:
        shown = value.value if isinstance(value, VatCode) else value
        return f"{workflow.FIELD_LABELS.get(self.field, self.name)}: {'cleared' if value is None else shown}"


OPTIONS = (
    Option("--account", "account", "N", "the account (checked against the chart synchronised from Fortnox)",
           _account),
    Option("--vat", "vat_code", "CODE", f"the VAT code: {', '.join(c.value for c in VatCode)}", _vat),
    Option("--cost-center", "cost_center", "C", "the cost center (checked against Fortnox's list)",
           _text("cost center")),
    Option("--project", "project", "P", "the project (checked against Fortnox's list)", _text("project")),
    Option("--no-receipt", "no_receipt_reason", "REASON", "no receipt is needed, and why (e.g. 'bank fee')",
           _text("reason")),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "set", help="set pre-accounting values on transactions in Prepare",
        description="Set (or clear) the account, VAT code, cost center, project or 'no receipt needed' on "
        "transactions in Prepare, with the same checks as the TUI. Setting an account also fills in the VAT code "
        "its Fortnox account implies, where none is set yet.",
    )
    parser.add_argument("ids", nargs="+", metavar="TXID")
    for option in OPTIONS:
        parser.add_argument(option.flag, dest=option.field, metavar=option.metavar, type=option.parse,
                            help=option.help)
    parser.add_argument("--clear", action="append", default=[], metavar="FIELD",
                        choices=[option.name for option in OPTIONS],
                        help=f"remove a value: {', '.join(option.name for option in OPTIONS)} (may be repeated)")
    parser.set_defaults(func=run_set)


@friendly
def run_set(args: argparse.Namespace) -> int:
    chosen = [(option, getattr(args, option.field)) for option in OPTIONS if getattr(args, option.field) is not None]
    cleared = [option for option in OPTIONS if option.name in args.clear]
    both = [option.flag for option, _ in chosen if option in cleared]
    if both:
        return fail(f"{', '.join(both)} given and cleared at once: choose one")
    if not chosen and not cleared:
        return fail("say what to set: " + ", ".join(f"{o.flag} {o.metavar}" for o in OPTIONS) + ", or --clear FIELD")
    values = {option.field: value for option, value in chosen} | {option.field: None for option in cleared}
    ids = list(dict.fromkeys(args.ids))
    with open_store(args) as store:
        changed = workflow.set_values(store, ids, **values)
        done = "; ".join(option.describe(values[option.field]) for option in OPTIONS if option.field in values)
        n = len(changed)
        say(f"Set on {n} transaction{'s' if n != 1 else ''}: {done}." if n else
            "Nothing changed: the transactions already have these values.")
        account = values.get("account")
        if account is not None and "vat_code" not in values:
            _vat_from_account(store, ids, account)
    return 0


def _vat_from_account(store: Any, ids: list[str], account: int) -> None:
    """As the TUI's account key: the VAT code the account implies fills in where none is set, never over one."""
    suggestion = workflow.suggested_vat_code(store, account)
    missing = [i for i in ids if (tx := store.transactions.get(i)) is not None and tx.vat_code is None]
    if suggestion is not None and missing:
        workflow.set_values(store, missing, vat_code=suggestion, source=workflow.MANUAL)
        say(f"VAT code {suggestion.value} (from account {account}'s VAT code) set on {len(missing)} where it was "
            "missing.")
