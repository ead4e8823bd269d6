"""Moving between tabs: Prepare → Ready → Export queue, back to Prepare, and retrying a failed item."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from juni_tui.domain.clock import utcnow
from juni_tui.domain.transactions import (
    ExportState,
    Status,
    Transaction,
)
from juni_tui.services.fortnox.spec import invalid_characters
from juni_tui.services.store import Store
from juni_tui.services.workflow.base import (
    Decision,
    Outcome,
    bulk,
    has_voucher,
    not_editable,
    touch,
)

# --- moving between tabs --------------------------------------------------------------------------------------




def mark_ready(store: Store, ids: Iterable[str]) -> Outcome:
    """Prepare → Ready. Incomplete transactions are refused, each with what it lacks."""
    representation = store.settings.representation_accounts

    def decide(tx: Transaction) -> Decision:
        if tx.status == Status.READY:
            return None
        if tx.status != Status.PREPARE:
            return [not_editable(tx)]
        return tx.problems(representation) or touch(tx, status=Status.READY)

    return bulk(store, ids, decide, "mark-ready")


def back_to_prepare(store: Store, ids: Iterable[str]) -> Outcome:
    """Ready, or a failed queue item → Prepare, to be changed. Items being sent cannot be pulled back."""

    def decide(tx: Transaction) -> Decision:
        if tx.status == Status.PREPARE:
            return None
        if tx.export is not None and has_voucher(tx):
            return [f"Fortnox already booked it as voucher {tx.export.voucher_label}; only its receipt is still to "
                    "be connected. Retry (r) instead."]
        if tx.status not in (Status.READY, Status.FAILED, Status.QUEUED):
            return [f"it is being sent to Fortnox right now ({tx.status.label})"]
        if tx.outcome_unknown:
            return ["Fortnox may already have booked it: the answer to the last send never came. juni-tui must "
                    "ask Fortnox before it can be changed; send it back again when Fortnox can be reached."]
        return touch(tx, status=Status.PREPARE, export=None)

    return bulk(store, ids, decide, "back-to-prepare")


def export_tag(tx_id: str) -> str:
    """The tag that ties a voucher in Fortnox to its transaction. Only characters Fortnox accepts, and no
    whitespace or brackets, so that it reads back exactly from the end of the Description (``bookkeeping.tag_in``)."""
    if len(tx_id) <= 40 and not invalid_characters(tx_id) and not any(c.isspace() or c in "()" for c in tx_id):
        return f"juni {tx_id}"
    return "juni " + hashlib.sha256(tx_id.encode("utf-8")).hexdigest()[:16]


def queue(store: Store, ids: Iterable[str], series: str) -> Outcome:
    """Ready → Export queue, in the chosen voucher series. Checks against Fortnox happen before this."""
    now = utcnow()
    representation = store.settings.representation_accounts

    def decide(tx: Transaction) -> Decision:
        if tx.status != Status.READY:
            return [f"it is not ready to export (it is {tx.status.label})"]
        return tx.problems(representation) or touch(
            tx, status=Status.QUEUED, export=ExportState(series=series, tag=export_tag(tx.id), queued_at=now))

    return bulk(store, ids, decide, "queue", series=series)


def retry(store: Store, ids: Iterable[str]) -> Outcome:
    """A failed queue item goes back to waiting. What Fortnox already has is kept and not sent again."""

    def decide(tx: Transaction) -> Decision:
        if tx.status != Status.FAILED or tx.export is None:
            return [f"only failed items can be retried (it is {tx.status.label})"]
        status = Status.ATTACHING if has_voucher(tx) else Status.QUEUED
        return touch(tx, status=status, export=tx.export.model_copy(update={"error": None}))

    return bulk(store, ids, decide, "retry")
