"""``juni-tui list`` and ``juni-tui mark-ready``: the Prepare and Ready tabs, headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from juni_tui.commands._common import fail, friendly, open_store, print_json, say
from juni_tui.domain.money import format_sek
from juni_tui.domain.settings import DEFAULT_REPRESENTATION_ACCOUNTS
from juni_tui.domain.transactions import IN_FLIGHT_STATUSES, HistoryEntry, Status, Transaction
from juni_tui.services import workflow
from juni_tui.services.bookkeeping.warnings import Finding, duplicates_of, open_findings
from juni_tui.services.display import printable
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


@friendly
def run_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        items = listing(store, args.status)
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("No transactions.")
        return 0
    for item in items:
        voucher = item.get("voucher")
        where = f"{voucher['series']} {voucher['number']}" if voucher else ""
        print(f"{item['date']}  {printable(item['id']):<14.14}  {printable(item['merchant']):<26.26}  "
              f"{format_sek(item['amount']):>13}  {item['status']:<9}  {item['account'] or '—':>5}  "
              f"{item['vat_code'] or '—':<18}  {printable(where)}")
    print(f"{len(items)} transactions", file=sys.stderr)
    return 0


@friendly
def run_mark_ready(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        return fail("give transaction ids, or --all")
    with open_store(args) as store:
        ids = store.ids(Status.PREPARE) if args.all else args.ids
        outcome = workflow.mark_ready(store, ids)
        print(f"Marked {len(outcome.done)} ready to export.")
        for tx_id, reasons in outcome.refused.items():
            tx = store.get_transaction(tx_id)
            who = f"{tx_id} ({tx.merchant}, {tx.date})" if tx else tx_id
            say(f"  not ready: {who}: {'; '.join(reasons)}", err=True)
        if outcome.refused:
            print(f"{len(outcome.refused)} not marked ready.", file=sys.stderr)
    return 1 if outcome.refused and not args.all else 0
