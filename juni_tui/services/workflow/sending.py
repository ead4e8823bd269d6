"""The exporter's steps (services.export calls these): each is one durable write, made before the next request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.transactions import (
    AttachmentExport,
    ExportError,
    SendAttempt,
    Status,
    Transaction,
)
from juni_tui.services.store import Store
from juni_tui.services.workflow.base import (
    has_voucher,
    touch,
)

# --- the exporter's steps (services.export calls these; each is one durable write) --------------------------


def begin_voucher(store: Store, tx: Transaction, body: dict[str, Any], financial_year_id: int) -> Transaction:
    """Record the intent before the POST: if we crash after it, the next start looks the voucher up first. The
    attempt (series, year, date) stays on the transaction for good."""
    assert tx.export is not None
    now = utcnow()
    export = tx.export.model_copy(
        update={
            "voucher_body": body,
            "financial_year_id": financial_year_id,
            "voucher_intent_at": now,
            "attempts": tx.export.attempts + 1,
            "error": None,
        }
    )
    attempt = SendAttempt(series=export.series, financial_year_id=financial_year_id, date=tx.date, tag=export.tag,
                          at=now)
    new = touch(tx, status=Status.SENDING, export=export, send_attempts=tx.send_attempts + (attempt,))
    store.commit([new], audit={"action": "voucher-intent", "ids": [tx.id], "series": export.series,
                               "financial_year": financial_year_id, "date": tx.date.isoformat()})
    return new


def _settled(tx: Transaction, outcome: str) -> tuple[SendAttempt, ...]:
    return tuple(a.model_copy(update={"outcome": outcome}) if a.outcome == "unknown" else a for a in tx.send_attempts)


def settle_attempts(store: Store, tx: Transaction, outcome: str, *, why: str) -> Transaction:
    """Fortnox told us what became of the unanswered sends: ``"absent"`` (not there) or ``"refused"``."""
    if not any(a.outcome == "unknown" for a in tx.send_attempts):
        return tx
    new = touch(tx, send_attempts=_settled(tx, outcome))
    store.commit([new], audit={"action": "send-settled", "ids": [tx.id], "outcome": outcome, "why": why})
    return new


def record_voucher(
    store: Store, tx: Transaction, number: int, year: int, attachments: Sequence[AttachmentExport], *,
    found: bool = False, series: str | None = None,
) -> Transaction:
    """Fortnox confirmed the voucher: write its number before anything else happens. ``series`` is the one it was
    found in, when an earlier attempt landed in another series than the one now chosen."""
    assert tx.export is not None
    export = tx.export.model_copy(
        update={"voucher_number": number, "voucher_year": year, "attachments": tuple(attachments),
                "found_by_lookup": found, "series": series or tx.export.series}
    )
    new = touch(tx, status=Status.ATTACHING, export=export, send_attempts=_settled(tx, "booked"))
    store.commit(
        [new],
        audit={
            "action": "voucher-created" if not found else "voucher-found",
            "ids": [tx.id],
            "voucher": {"series": export.series, "number": number, "year": year},
        },
    )
    return new


def record_attachment(store: Store, tx: Transaction, index: int, attachment: AttachmentExport, event: str) -> Transaction:
    assert tx.export is not None
    items = list(tx.export.attachments)
    items[index] = attachment
    new = touch(tx, export=tx.export.model_copy(update={"attachments": tuple(items)}))
    store.commit(
        [new],
        audit={"action": event, "ids": [tx.id], "receipt": attachment.receipt_id, "file_id": attachment.file_id},
    )
    return new


def mark_exported(store: Store, tx: Transaction) -> Transaction:
    assert tx.export is not None and tx.export.voucher_number is not None
    new = touch(tx, status=Status.EXPORTED, export=tx.export.model_copy(update={"exported_at": utcnow(), "error": None}))
    store.commit(
        [new],
        audit={
            "action": "exported",
            "ids": [tx.id],
            "voucher": {"series": tx.export.series, "number": tx.export.voucher_number, "year": tx.export.voucher_year},
            "files": [a.file_id for a in tx.export.attachments],
        },
    )
    return new


def mark_failed(store: Store, tx: Transaction, error: ExportError) -> Transaction:
    assert tx.export is not None
    new = touch(tx, status=Status.FAILED, export=tx.export.model_copy(update={"error": error}))
    store.commit([new], audit={"action": "failed", "ids": [tx.id], "error": error.message, "code": error.code})
    return new


def set_waiting(store: Store, tx: Transaction, error: ExportError | None) -> Transaction:
    """Back to waiting after a retryable problem (the error stays visible until the next attempt)."""
    assert tx.export is not None
    status = Status.ATTACHING if has_voucher(tx) else Status.QUEUED
    new = touch(tx, status=status, export=tx.export.model_copy(update={"error": error}))
    store.commit([new], audit={"action": "waiting", "ids": [tx.id], "error": error.message if error else None})
    return new
