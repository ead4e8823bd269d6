"""``juni-tui list`` and ``juni-tui mark-ready``: the Prepare and Ready tabs, headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from juni_tui.commands._common import fail, friendly, open_store, print_json, say
from juni_tui.domain.money import format_sek
from juni_tui.domain.settings import DEFAULT_REPRESENTATION_ACCOUNTS
from juni_tui.domain.transactions import IN_FLIGHT_STATUSES, HistoryEntry, Status, Transaction
from juni_tui.services import workflow
from juni_tui.services.bookkeeping.warnings import Finding, duplicates_of, open_findings
from juni_tui.services.display import printable
from juni_tui.services.fortnox.errors import failure_text
from juni_tui.services.store import Store

STATUS_CHOICES = {
    "prepare": (Status.PREPARE,),
    "ready": (Status.READY,),
    "queued": (Status.QUEUED, *IN_FLIGHT_STATUSES),
    "failed": (Status.FAILED,),
    "exported": (Status.EXPORTED,),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("list", help="list transactions")
    listing.add_argument("--status", choices=list(STATUS_CHOICES), help="only transactions in this state")
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")
    listing.set_defaults(func=run_list)

    ready = subparsers.add_parser("mark-ready", help="mark transactions ready to export")
    ready.add_argument("ids", nargs="*", metavar="TXID")
    ready.add_argument("--all", action="store_true", help="every complete transaction in Prepare")
    ready.set_defaults(func=run_mark_ready)


def transaction_json(tx: Transaction, warnings: list[Finding] | None = None,
                     representation: Sequence[int] = DEFAULT_REPRESENTATION_ACCOUNTS) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": tx.id,
        "date": tx.date,
        "merchant": tx.merchant,
        "amount": tx.amount,
        "original_amount": tx.original_amount,
        "original_currency": tx.original_currency,
        "status": tx.status.value,
        "account": tx.account,
        "vat_code": tx.vat_code.value if tx.vat_code else None,
        "cost_center": tx.cost_center,
        "project": tx.project,
        "receipts": len(tx.receipts),
        "no_receipt_reason": tx.no_receipt_reason,
        "values_complete": not tx.missing_values(representation),
        "receipt_complete": tx.attachment_complete,
    }
    if tx.splits:
        item["splits"] = [line.model_dump(mode="json") for line in tx.splits]
    if tx.status == Status.PREPARE:
        item["problems"] = tx.problems(representation)
    if warnings is not None:
        item["warnings"] = [finding.to_json() for finding in warnings]
    if tx.export is not None:
        item["series"] = tx.export.series
        if tx.export.voucher_number is not None:
            item["voucher"] = {"series": tx.export.series, "number": tx.export.voucher_number,
                               "year": tx.export.voucher_year}
        if tx.export.error is not None:
            item["error"] = {"message": tx.export.error.message, "meaning": tx.export.error.meaning,
                             "code": tx.export.error.code}
    return item


def history_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "date": entry.date,
        "merchant": entry.merchant,
        "amount": entry.amount,
        "status": Status.EXPORTED.value,
        "account": entry.account,
        "vat_code": entry.vat_code.value if entry.vat_code else None,
        "voucher": {"series": entry.series, "number": entry.number, "year": entry.year},
        "exported_at": entry.exported_at,
        "values_complete": True,
        "receipt_complete": True,
        "warnings": [],  # booked: what Fortnox has is final
    }


def listing(store: Store, status: str | None) -> list[dict[str, Any]]:
    statuses = STATUS_CHOICES[status] if status else tuple(Status)
    items: list[dict[str, Any]] = []
    settings, duplicates = store.settings, duplicates_of(store)
    for tx_id in store.ids(*(s for s in statuses if s != Status.EXPORTED)):
        tx = store.transactions[tx_id]
        items.append(transaction_json(tx, open_findings(tx, settings, duplicates), settings.representation_accounts))
    if Status.EXPORTED in statuses:
        items += [history_json(store.history_index[tx_id]) for tx_id in store.ids(Status.EXPORTED)]
    return items


#: The table ``list`` prints: (heading, width, the cell of an item); a negative width aligns right, None is as wide
#: as the widest cell (the id is never cut: ``attach`` and ``set`` take it as shown).
_COLUMNS: tuple[tuple[str, int | None, Callable[[dict[str, Any]], str]], ...] = (
    ("Date", 10, lambda i: str(i["date"])),
    ("Id", None, lambda i: printable(i["id"])),
    ("Merchant", 26, lambda i: printable(i["merchant"])),
    ("Amount SEK", -13, lambda i: format_sek(i["amount"])),
    ("Status", 9, lambda i: i["status"]),
    ("Values", 6, lambda i: "ok" if i["values_complete"] else "-"),
    ("Receipt", 7, lambda i: "ok" if i["receipt_complete"] else "-"),
    ("Account", -7, lambda i: str(i["account"] or "-")),
    ("VAT", 18, lambda i: i["vat_code"] or "-"),
    ("Voucher", None, lambda i: printable(f"{v['series']} {v['number']}") if (v := i.get("voucher")) else ""),
)


def table_lines(items: list[dict[str, Any]]) -> list[str]:
    """The header and one line per item, in columns (text from outside made safe to show)."""
    rows = [[heading for heading, _, _ in _COLUMNS]] + [[cell(item) for _, _, cell in _COLUMNS] for item in items]
    widths = [width if width is not None else max(len(row[n]) for row in rows)
              for n, (_, width, _) in enumerate(_COLUMNS)]
    return ["  ".join(cell[:-width].rjust(-width) if width < 0 else cell[:width].ljust(width)
                      for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


@friendly
def run_list(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:  # only looks
        items = listing(store, args.status)
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("No transactions.", file=sys.stderr)
        return 0
    for line in table_lines(items):
        print(line)
    print(f"{len(items)} transactions", file=sys.stderr)
    for item in items:  # why the failed ones failed, beside the table (stdout stays one line a transaction)
        if item["status"] == Status.FAILED.value and (error := item.get("error")):
            say(f"  {item['id']} failed: {failure_text(error['message'], error['meaning'], error['code'])}", err=True)
    return 0


@friendly
def run_mark_ready(args: argparse.Namespace) -> int:
    if args.ids and args.all:
        return fail("give transaction ids or --all, not both: nothing was marked")
    if not args.ids and not args.all:
        return fail("give transaction ids, or --all")
    with open_store(args) as store:
        ids = store.ids(Status.PREPARE) if args.all else list(dict.fromkeys(args.ids))  # an id given twice is one
        outcome = workflow.mark_ready(store, ids)
        print(f"Marked {len(outcome.done)} ready to export.")
        for tx_id, reasons in outcome.refused.items():
            tx = store.get_transaction(tx_id)
            who = f"{tx_id} ({tx.merchant}, {tx.date})" if tx else tx_id
            say(f"  not ready: {who}: {'; '.join(reasons)}", err=True)
        if outcome.refused:
            print(f"{len(outcome.refused)} not marked ready.", file=sys.stderr)
        elif args.all and not ids:
            print("Nothing is in Prepare.", file=sys.stderr)
    if args.all:  # the incomplete ones are refused as a matter of course; marking nothing at all is a failure
        return 0 if outcome.done else 1
    return 1 if outcome.refused else 0
