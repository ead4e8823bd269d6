"""Attaching, confirming, rejecting and detaching: the one place the receipt↔transaction link changes.

The link is stored on both sides: the transaction lists its receipts (``Transaction.receipts``, changed through
``workflow``, which enforces its rules: Prepare only, never once exported) and the receipt names its transaction
(``Receipt.transaction_id``, with how it was matched). ``link`` and ``unlink`` change both, in one commit; every
change of the link in juni-tui goes through them (by hand, a confirmed suggestion, an automatic match, a
rejection, a detach).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.services import workflow
from juni_tui.services.receipts.library import (
    ReceiptError,
    as_listed,
    get_receipt,
    known_hashes,
    listed_by,
    prepare_file,
    read_source,
    record_file,
)
from juni_tui.services.store import ImmutableError, Store

# --- The link: both sides in one commit -----------------------------------------------------------------------


def link(store: Store, receipt: Receipt, tx_id: str, update: dict[str, Any], *, action: str) -> Receipt:
    """Attach: the transaction lists the receipt (``workflow.attach``: Prepare only) and the receipt names the
    transaction, with ``update`` (how it was matched), in one commit."""
    new = receipt.model_copy(update={**update, "transaction_id": tx_id})
    with store.batch():
        workflow.attach(store, tx_id, receipt.id, action=action)
        store.commit([new])
    return new


def unlink(store: Store, receipt: Receipt, tx_id: str, update: dict[str, Any], *,
           audit: dict[str, Any] | None = None) -> Receipt:
    """Detach: the transaction no longer lists the receipt (``workflow.detach``: Prepare only) and the receipt names
    no transaction, with ``update`` (why), in one commit."""
    new = receipt.model_copy(update={**update, "transaction_id": None})
    with store.batch():
        workflow.detach(store, tx_id, receipt.id)
        store.commit([new], audit=audit)
    return new


# --- Attaching by hand, confirming, rejecting -----------------------------------------------------------------


def _check_attachable(store: Store, tx_id: str) -> Transaction:
    """Refuse early (before any file is copied) what workflow.attach would refuse."""
    tx = store.get_transaction(tx_id)
    if tx is None:
        raise ReceiptError(f"There is no transaction {tx_id}.")
    if tx.status == Status.EXPORTED and tx.export is not None:
        raise ImmutableError(tx.id, f"{tx.merchant}, {tx.date}", tx.export.voucher_label, "given another receipt")
    return workflow.editable(store, tx_id)


def attach_to(store: Store, receipt: Receipt, tx_id: str, state: MatchState, note: str, *,
              withdraw: bool = True) -> Receipt:
    """Attach in ``state`` (AUTO, CONFIRMED or MANUAL); ``withdraw``: the transaction is no longer suggested for
    any other receipt (a matching run withdraws once, at its end)."""
    new = link(store, receipt, tx_id, {
        "match": state,
        "candidates": (),
        "match_note": note,
        "rejected": tuple(r for r in receipt.rejected if r != tx_id),
    }, action=f"receipt-{state.value}")
    if withdraw:
        withdraw_suggestions(store, {tx_id}, keep=new.id)
    return new


def withdraw_suggestions(store: Store, tx_ids: set[str], *, keep: str | None = None) -> None:
    """Transactions that just got a receipt are no longer suggestions for any other receipt."""
    for key in list(store.receipts.keys()):
        if key == keep:
            continue
        view = store.receipt_views.get(key)
        if view is None or not tx_ids.intersection(view.candidates):
            continue
        receipt = store.receipts[key]
        left = tuple(c for c in receipt.candidates if c not in tx_ids)
        update: dict[str, Any] = {"candidates": left}
        if not left and receipt.match == MatchState.SUGGESTED:
            update.update(match=MatchState.UNMATCHED, match_note="the transactions suggested for it got other receipts")
        store.commit([receipt.model_copy(update=update)])


def _attached_elsewhere(receipt: Receipt, tx_id: str) -> None:
    if receipt.attached and receipt.transaction_id != tx_id:
        raise ReceiptError(
            f"{receipt.filename} is already the receipt of transaction {receipt.transaction_id}; "
            "detach it there first."
        )


def attach_existing(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """Attach a stored receipt (unmatched or suggested) to any transaction in Prepare, by hand."""
    return _attach_stored(store, receipt_id, tx_id, confirming=False)


def confirm(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """Accept a suggestion: attach the receipt to that transaction, marked CONFIRMED."""
    return _attach_stored(store, receipt_id, tx_id, confirming=True)


def _attach_stored(store: Store, receipt_id: str, tx_id: str, *, confirming: bool) -> Receipt:
    receipt = get_receipt(store, receipt_id)
    if receipt.transaction_id == tx_id:
        return receipt
    _attached_elsewhere(receipt, tx_id)
    suggested = tx_id in receipt.candidates
    state = MatchState.CONFIRMED if confirming and suggested else MatchState.MANUAL
    note = "suggestion confirmed" if state == MatchState.CONFIRMED else "attached by hand"
    with store.batch():
        return attach_to(store, receipt, tx_id, state, note)


def _rejecting(receipt: Receipt, tx_id: str) -> tuple[str, ...]:
    """The receipt's rejected transactions with ``tx_id`` added: never suggested or auto-matched again."""
    return receipt.rejected if tx_id in receipt.rejected else receipt.rejected + (tx_id,)


def reject(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """"Not this transaction": the pair is remembered and never suggested or auto-matched again. A receipt
    attached to that transaction is detached (while the transaction is in Prepare)."""
    receipt = get_receipt(store, receipt_id)
    rejected = _rejecting(receipt, tx_id)
    audit = {"action": "receipt-reject", "receipt": receipt.id, "ids": [tx_id]}
    if receipt.transaction_id == tx_id:
        workflow.editable(store, tx_id)
        return unlink(store, receipt, tx_id, {"match": MatchState.UNMATCHED, "candidates": (), "rejected": rejected,
                                              "match_note": f"rejected for {tx_id}; attach it by hand"}, audit=audit)
    left = tuple(c for c in receipt.candidates if c != tx_id)
    update: dict[str, Any] = {"candidates": left, "rejected": rejected}
    if receipt.match == MatchState.SUGGESTED:
        update["match"] = MatchState.SUGGESTED if left else MatchState.UNMATCHED
        update["match_note"] = receipt.match_note if left else f"rejected for {tx_id}; attach it by hand"
    new = receipt.model_copy(update=update)
    store.commit([new], audit=audit)
    return new


def detach(store: Store, receipt_id: str, tx_id: str | None = None) -> Receipt:
    """Take a receipt off its transaction (until it is exported). The receipt stays, unmatched, and is not
    matched to that transaction again by itself (the detach counts as a rejection of the pair)."""
    receipt = get_receipt(store, receipt_id)
    tx_id = tx_id or receipt.transaction_id
    if tx_id is None or receipt.transaction_id != tx_id:
        raise ReceiptError(f"{receipt.filename} is not attached to {tx_id or 'any transaction'}.")
    return unlink(store, receipt, tx_id, {
        "match": MatchState.UNMATCHED, "candidates": (), "match_note": f"detached from {tx_id} by hand",
        "rejected": _rejecting(receipt, tx_id),
    })


def attach_file(store: Store, tx_id: str, path: Path | str, *,
                origin: Literal["inbox", "manual", "demo", "import"] = "manual") -> Receipt:
    """Add a file and attach it to a transaction in Prepare, marked MANUAL. One commit.

    Refused with ``ReceiptError`` (a ``StoreError``) for an unknown transaction, a file that cannot be a
    receipt, or a file that already is another transaction's receipt; with ``ImmutableError`` for an exported
    transaction and ``WorkflowError`` for one not in Prepare.
    """
    _check_attachable(store, tx_id)
    data, name = read_source(path, None)
    known = known_hashes(store)
    prepared = prepare_file(store.home, data, name, origin, known)
    if prepared.receipt is None and prepared.refused:
        raise ReceiptError(prepared.refused)
    with store.batch():
        result = record_file(store, prepared, known)
        if result.receipt is None:
            raise ReceiptError(result.message)
        receipt = as_listed(store, result.receipt, listed_by(store))
        if receipt.transaction_id == tx_id:
            return receipt
        _attached_elsewhere(receipt, tx_id)
        new = attach_to(store, receipt, tx_id, MatchState.MANUAL, "attached by hand")
        store.audit({"action": "receipt-attach-file", "receipt": new.id, "ids": [tx_id], "file": name})
    return new
