"""``juni-tui set TXID... --account N --vat CODE …``: the Prepare tab's pre-accounting keys, headless.

The same service as the TUI's keys (``workflow.set_values``), so the same checks and refusals: only transactions in
Prepare, accounts, cost centers and projects checked against the lists synchronised from Fortnox (when the home has
them), every id known. Either every transaction changes or none does.

The options are a table (``OPTIONS``): a field the workflow learns is one more line here.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from juni_tui.commands._common import fail, friendly, open_store, say
from juni_tui.domain.money import MoneyError, to_money
from juni_tui.domain.vat import VatCode
from juni_tui.services import workflow
from juni_tui.services.bookkeeping.warnings import duplicates_of, open_findings
from juni_tui.services.display import printable
from juni_tui.services.importing.values import parse_vat_code


def _account(text: str) -> int:
    if not (text.strip().isdecimal() and text.strip().isascii() and 1000 <= int(text) <= 9999):
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
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
            # a line break, an escape sequence or a direction mark, pasted or from a script's variable: stored, it
            # would reach the screen, the audit log and Fortnox as something other than what was meant
            raise argparse.ArgumentTypeError(f"'{printable(text)}': the {what} has a control character (a line break, "
                                             "tab, escape or direction mark); give it as one line of plain text")
        return text.strip()

    return parse


def _share(text: str) -> Decimal:
    try:
        share = Decimal(text.strip().removesuffix("%").strip().replace(",", "."))
    except InvalidOperation:
        share = Decimal(-1)
    if not (share.is_finite() and 0 <= share <= 100):
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100")
    return share


def _amount(text: str) -> Decimal:
    try:
        amount = to_money(text)
    except MoneyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if amount < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give the VAT as printed on the receipt, not negative")
    return amount


def _count(text: str) -> int:
    if not (text.strip().isdecimal() and text.strip().isascii() and 1 <= int(text) <= 10_000):
        raise argparse.ArgumentTypeError(f"{text!r} is not a count of participants from 1 to 10 000")
    return int(text)


def _yes_no(text: str) -> bool:
    answer = text.strip().lower()
    if answer not in ("yes", "no"):
        raise argparse.ArgumentTypeError(f"{text!r}: say yes or no")
    return answer == "yes"


@dataclass(frozen=True)
class Option:
    """One value ``set`` can change: its option, the ``workflow.set_values`` keyword, how the text is read."""

    flag: str  # "--account"; "account" is its name for --clear
    field: str
    metavar: str
    help: str
    parse: Callable[[str], Any]
    representation: bool = False  # set through workflow.set_representation, not set_values
    clearable: bool = True

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
    Option("--vat-deductible", "vat_deductible", "PCT",
           "the share of the input VAT that may be deducted, 0-100 (e.g. 50 for car hire)", _share),
    Option("--vat-amount", "vat_amount", "AMOUNT",
           "the VAT printed on the receipt, booked instead of the computed VAT (one transaction; checked against "
           "the VAT code's rate)", _amount),
    Option("--participants", "participants", "N", "representation: how many took part, your own people included",
           _count, representation=True),
    Option("--purpose", "purpose", "TEXT", "representation: the purpose of the occasion", _text("purpose"),
           representation=True),
    Option("--attendees", "attendees", "TEXT", "representation: who took part (names and companies)",
           _text("attendees"), representation=True),
    Option("--alcohol", "alcohol", "yes|no",
           "representation: the meal included alcohol (46 kr of VAT per participant may be deducted)", _yes_no,
           representation=True, clearable=False),
)


_REPRESENTATION = frozenset(option.field for option in OPTIONS if option.representation)


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
                        choices=[option.name for option in OPTIONS if option.clearable],
                        help=f"remove a value: {', '.join(o.name for o in OPTIONS if o.clearable)} (may be repeated)")
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
    plain = {k: v for k, v in values.items() if k not in _REPRESENTATION}
    representation = {k: v for k, v in values.items() if k in _REPRESENTATION}
    with open_store(args) as store:
        # both calls refuse the same things (an unknown id, a transaction not in Prepare), so the first refuses
        # for both before anything is written
        changed = {tx.id for tx in workflow.set_values(store, ids, **plain)} if plain else set()
        if representation:
            changed |= {tx.id for tx in workflow.set_representation(store, ids, **representation)}
        done = "; ".join(option.describe(values[option.field]) for option in OPTIONS if option.field in values)
        n = len(changed)
        say(f"Set on {n} transaction{'s' if n != 1 else ''}: {done}." if n else
            "Nothing changed: the transactions already have these values.")
        account = values.get("account")
        if account is not None and "vat_code" not in values:
            _vat_from_account(store, ids, account)
        for tx_id in sorted(changed):  # what the TUI warns of (or asks about) as the value is set
            tx = store.transactions[tx_id]
            for finding in open_findings(tx, store.settings, duplicates_of(store)):
                say(f"warning: {tx.id} ({tx.merchant}, {tx.date}): {finding.message}", err=True)
        if account in store.settings.representation_accounts and "participants" not in values:
            say(f"Account {account} is representation: say how many took part with --participants N (and the "
                "purpose and who was there with --purpose and --attendees), or the transaction stays incomplete.")
    return 0


def _vat_from_account(store: Any, ids: list[str], account: int) -> None:
    """As the TUI's account key: the VAT code the account implies fills in where none is set, never over one."""
    code, filled = workflow.fill_vat_from_account(store, ids, account)
    if filled and code is not None:
        say(f"VAT code {code.value} (from account {account}'s VAT code) set on {filled} where it was missing.")
