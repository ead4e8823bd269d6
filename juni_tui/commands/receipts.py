"""``juni-tui receipts match | list | confirm | reject`` and ``juni-tui attach TXID FILE``."""

from __future__ import annotations

import argparse
from typing import Any

from juni_tui.commands._common import friendly, open_store, print_json, say
from juni_tui.domain.money import format_sek
from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.services import receipts as svc
from juni_tui.services.receipts.matching import money_text
from juni_tui.services.store import Store


def _days(text: str) -> int:
    """A side of the date window: at most a year (a window of millennia reaches dates that do not exist)."""
    plain = text.strip()
    if not (plain.isascii() and plain.isdecimal() and int(plain) <= 366):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 0 to 366")
    return int(plain)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "receipts",
        help="match receipts from the inbox folder to transactions; list, confirm and reject matches",
        description="Receipts: files in the inbox folder (<home>/inbox unless set in Settings) are copied into the "
        "home and matched to the transactions that still need a receipt.",
    )
    actions = parser.add_subparsers(dest="receipts_command", metavar="ACTION", required=True)

    match = actions.add_parser("match", help="add new files from the inbox folder, then match every receipt not "
                               "yet attached")
    match.add_argument("--days-before", type=_days, default=-svc.DEFAULT_WINDOW[0], metavar="N",
                       help="a transaction may be dated up to N days before the receipt (default %(default)s)")
    match.add_argument("--days-after", type=_days, default=svc.DEFAULT_WINDOW[1], metavar="N",
                       help="… or up to N days after it (default %(default)s)")
    match.add_argument("--json", action="store_true", help="print the report as JSON")
    match.set_defaults(func=_match)

    listing = actions.add_parser("list", help="list receipts: those needing you first")
    listing.add_argument("--unmatched", action="store_true", help="only receipts attached to no transaction "
                         "(suggested and unmatched)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_list)

    for name, helptext, func in (
        ("confirm", "attach a suggested receipt to the transaction", _confirm),
        ("reject", "not this transaction: never suggest the pair again", _reject),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("receipt", metavar="RECEIPT", help="the receipt's id (or its start, or its file name)")
        sub.add_argument("txid", metavar="TXID")
        sub.set_defaults(func=func)

    attach = subparsers.add_parser("attach", help="attach a receipt file (PDF, JPEG, TIFF; PNG is converted) to a "
                                   "transaction in Prepare")
    attach.add_argument("txid", metavar="TXID")
    attach.add_argument("file", metavar="FILE")
    attach.set_defaults(func=_attach)


# --- output ---------------------------------------------------------------------------------------------------


def _tx_line(store: Store, tx_id: str) -> str:
    tx = store.get_transaction(tx_id)
    if tx is None:
        return tx_id
    return f"{tx.id}  {tx.date.isoformat()}  {tx.merchant}  {format_sek(tx.amount).replace(chr(0x202F), ' ')} SEK"


def _read_text(r: Receipt) -> str:
    parts = [money_text(r.amount, r.currency) if r.amount is not None else "no amount",
             r.receipt_date.isoformat() if r.receipt_date else "no date",
             r.merchant or "no merchant"]
    return ", ".join(parts)


def _receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "id": r.id,
        "filename": r.filename,
        "state": r.match.value,
        "transaction_id": r.transaction_id,
        "candidates": list(r.candidates),
        "rejected": list(r.rejected),
        "note": r.match_note,
        "amount": r.amount,
        "currency": r.currency,
        "date": r.receipt_date,
        "merchant": r.merchant,
        "content_type": r.content_type,
        "size": r.size,
        "added_at": r.added_at,
        "origin": r.origin,
        "path": r.path,
    }


def _print_tier(store: Store, title: str, outcomes: list[svc.MatchOutcome], *, hint: str = "") -> None:
    if not outcomes:
        return
    print(f"\n{title} ({len(outcomes)}){hint}:")
    for o in outcomes:
        if o.state == MatchState.AUTO and o.transaction_id:
            say(f"  {o.filename} → {_tx_line(store, o.transaction_id)}")
            continue
        say(f"  {o.receipt_id[:10]}  {o.filename}: {o.note}")
        for tx_id in o.candidates:
            say(f"      {_tx_line(store, tx_id)}")


# --- commands -------------------------------------------------------------------------------------------------


@friendly
def _match(args: argparse.Namespace) -> int:
    window = (-args.days_before, args.days_after)
    if window[0] > window[1]:
        raise svc.ReceiptError("--days-before and --days-after leave an empty date window.")
    with open_store(args) as store:
        report = svc.scan_inbox(store, window=window)
        if args.json:
            print_json({
                "inbox": str(report.inbox),
                "files": [f.__dict__ for f in report.files],
                "counts": report.match.counts,
                "receipts": [o.__dict__ for o in report.match.outcomes],
            })
            return 0
        say(f"Inbox {report.inbox}: {report.summary}.")
        added = report.of("added", "duplicate")
        if added:
            print("\nFiles:")
            for f in added:
                say(f"  {f.name}: {f.message}")
        if report.refused:
            print(f"\nRefused ({len(report.refused)}): fix or remove these files")
            for f in report.refused:
                say(f"  {f.name}: {f.message}")
        still = [f for f in report.of("unchanged") if f.message.startswith("still refused")]
        if still:
            print(f"\nStill refused ({len(still)}):")
            for f in still:
                say(f"  {f.name}: {f.message.removeprefix('still refused: ')}")
        for f in report.of("skipped"):
            say(f"  {f.name}: {f.message}")
        _print_tier(store, "Auto-matched and attached", report.match.auto)
        _print_tier(store, "Suggested", report.match.suggested,
                    hint="; confirm with `juni-tui receipts confirm RECEIPT TXID`, or reject")
        _print_tier(store, "Unmatched", report.match.unmatched,
                    hint="; attach by hand from the Receipts view (6)")
    return 0


@friendly
def _list(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:  # only looks
        items = svc.list_receipts(store, unmatched=args.unmatched)
        if args.json:
            print_json([_receipt_json(r) for r in items])
            return 0
        if not items:
            print("No receipts." if not args.unmatched else "Every receipt is attached.")
            return 0
        for r in items:
            where = r.transaction_id or (", ".join(r.candidates) if r.candidates else "")
            say(f"{r.id[:10]}  {r.match.value:<9}  {r.filename}  ({_read_text(r)})" + (f"  → {where}" if where else ""))
            if r.match_note and not r.attached:
                say(f"{'':12}{r.match_note}")
    return 0


@friendly
def _confirm(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        receipt = svc.find_receipt(store, args.receipt)
        svc.confirm(store, receipt.id, args.txid)
        say(f"Attached {receipt.filename} to {_tx_line(store, args.txid)}.")
    return 0


@friendly
def _reject(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        receipt = svc.find_receipt(store, args.receipt)
        new = svc.reject(store, receipt.id, args.txid)
        left = f"; still suggested: {', '.join(new.candidates)}" if new.candidates else ""
        say(f"{receipt.filename} will not be matched to {args.txid} again{left}.")
    return 0


@friendly
def _attach(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        receipt = svc.attach_file(store, args.txid, args.file)
        note = f" ({receipt.conversion})" if receipt.conversion else ""
        say(f"Attached {receipt.filename}{note} to {_tx_line(store, args.txid)}.")
    return 0
