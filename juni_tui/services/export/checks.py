"""The checks before anything is queued: every reason Fortnox would refuse a transaction's voucher, in words."""

from __future__ import annotations

from juni_tui.domain.receipts import Receipt
from juni_tui.domain.transactions import Transaction
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.fortnox import spec
from juni_tui.services.fortnox.reference import ReferenceData
from juni_tui.services.store import Store


def receipt_problems(store: Store, receipt: Receipt) -> list[str]:
    problems = []
    if receipt.content_type not in spec.ACCEPTED_TYPES:
        problems.append(f"receipt {receipt.filename} is {receipt.content_type}; Fortnox takes PDF, JPEG or TIFF")
    if receipt.size > spec.MAX_ATTACHMENT_BYTES:
        problems.append(
            f"receipt {receipt.filename} is {receipt.size / 1e6:.1f} MB; Fortnox takes at most "
            f"{spec.MAX_ATTACHMENT_BYTES / 1e6:.1f} MB"
        )
    if not (store.home.root / receipt.path).exists():
        problems.append(f"receipt {receipt.filename} is missing from {store.home.receipts}")
    return problems


def precheck(store: Store, ref: ReferenceData, tx: Transaction, series: str) -> list[str]:
    """Every reason Fortnox would refuse this transaction's voucher, in words. Empty means it can go."""
    problems: list[str] = []
    fy = ref.year_of(tx.date)
    if fy is None:
        problems.append(f"no financial year in Fortnox covers {tx.date}; create it in Fortnox first")
    if ref.locked_until is not None and tx.date <= ref.locked_until:
        problems.append(f"{tx.date} is in the period Fortnox has locked (up to {ref.locked_until})")
    if fy is not None:
        known = ref.series.get(fy.id, {})
        if series not in known:
            problems.append(f"voucher series {series} does not exist in Fortnox for {fy.from_date.year}")
        elif not known[series].manual:
            problems.append(f"voucher series {series} is not set to manual bookkeeping in Fortnox")
    try:
        voucher = bookkeeping.build_voucher(tx, store.settings, series)
    except bookkeeping.BookkeepingError as exc:
        problems.append(str(exc))
    else:
        if fy is not None:
            problems.extend(bookkeeping.check_voucher(voucher, ref.accounts.get(fy.id, {}), ref.cost_centers,
                                                      ref.projects))
    for receipt_id in tx.receipts:
        receipt = store.receipts.get(receipt_id)
        if receipt is None:
            problems.append(f"receipt {receipt_id[:12]} is missing")
        else:
            problems.extend(receipt_problems(store, receipt))
    return problems
