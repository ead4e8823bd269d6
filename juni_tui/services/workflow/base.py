"""What every step of the state machine shares: its refusals, what a bulk move did, loading and touching."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.transactions import (
    FieldSource,
    Origin,
    Status,
    Transaction,
)
from juni_tui.services.store import ImmutableError, Store, StoreError

MANUAL = FieldSource(origin=Origin.MANUAL, label="set by hand")


class WorkflowError(StoreError):
    """A request the workflow refuses, worded for the user."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class Outcome:
    """What a bulk action did: the ids it changed, and per refused id the reasons, in words."""

    done: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        parts = [f"{len(self.done)} done"]
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return ", ".join(parts)


# --- helpers --------------------------------------------------------------------------------------------------


def load(store: Store, ids: Iterable[str]) -> list[Transaction]:
    out: list[Transaction] = []
    for tx_id in ids:
        tx = store.transactions.get(tx_id)
        if tx is None:
            if tx_id in store.history:
                entry = store.history_views.get(tx_id)
                raise ImmutableError(
                    tx_id,
                    f"{getattr(entry, 'merchant', None)}, {getattr(entry, 'date', None)}",
                    f"{getattr(entry, 'series', None)} {getattr(entry, 'number', None)}",
                )
            raise WorkflowError(f"There is no transaction {tx_id}.")
        out.append(tx)
    return out


def not_editable(tx: Transaction) -> str:
    where = {
        Status.READY: "it is in Ready to export; send it back to Prepare (u) to change it",
        Status.QUEUED: "it is in the Export queue",
        Status.SENDING: "it is being sent to Fortnox",
        Status.ATTACHING: "it is being sent to Fortnox",
        Status.FAILED: "it is in the Export queue; send it back to Prepare (u) to fix it",
    }.get(tx.status, f"it is {tx.status.value}")
    return f"Transaction {tx.id} ({tx.merchant}) cannot be changed: {where}."


def require_editable(txs: Sequence[Transaction]) -> None:
    locked = [tx for tx in txs if not tx.editable]
    if locked:
        more = f" (and {len(locked) - 1} more)" if len(locked) > 1 else ""
        raise WorkflowError(not_editable(locked[0]) + more)


def editable(store: Store, tx_id: str) -> Transaction:
    """The transaction, if it may be changed now (it is in Prepare); otherwise the refusal, in words."""
    (tx,) = load(store, [tx_id])
    require_editable([tx])
    return tx


def touch(tx: Transaction, **update: Any) -> Transaction:
    update["updated_at"] = utcnow()
    return tx.model_copy(update=update)


Decision = Transaction | list[str] | None  # the changed transaction, the reasons it is refused, or "nothing to do"


def bulk(store: Store, ids: Iterable[str], decide: Callable[[Transaction], Decision], action: str,
          **audit: Any) -> Outcome:
    """Apply ``decide`` to each transaction and commit the changed ones at once, with one audit record."""
    outcome = Outcome()
    changed: list[Transaction] = []
    for tx in load(store, ids):
        decision = decide(tx)
        if isinstance(decision, Transaction):
            changed.append(decision)
        elif decision:
            outcome.refused[tx.id] = decision
    if changed:
        store.commit(changed, audit={"action": action, **audit, "ids": [tx.id for tx in changed]})
    outcome.done = [tx.id for tx in changed]
    return outcome


def has_voucher(tx: Transaction) -> bool:
    return tx.export is not None and tx.export.voucher_number is not None
