"""A matching run over the store: sort the receipts not yet attached into tiers and attach the AUTO ones.

``matching`` decides (pure, in memory); here the open transactions are read from the store (raw documents, only
those whose amount a receipt could match), each receipt is decided, AUTO ones are attached (``attaching``), and
suggestions whose transactions got a receipt in the same run are withdrawn. One commit for the whole run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import Status
from juni_tui.services.receipts.attaching import attach_to, withdraw_suggestions
from juni_tui.services.receipts.library import as_listed, as_receipt, listed_by
from juni_tui.services.receipts.matching import DEFAULT_WINDOW, AmountFilter, MatchIndex, OpenTx
from juni_tui.services.receipts.reading import ReceiptFacts
from juni_tui.services.store import Store, StoreError

# --- Matching -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchOutcome:
    receipt_id: str
    filename: str
    state: MatchState
    transaction_id: str | None = None
    candidates: tuple[str, ...] = ()
    note: str = ""


@dataclass
class MatchReport:
    outcomes: list[MatchOutcome] = field(default_factory=list)

    def of(self, *states: MatchState) -> list[MatchOutcome]:
        return [o for o in self.outcomes if o.state in states]

    @property
    def auto(self) -> list[MatchOutcome]:
        return self.of(MatchState.AUTO)

    @property
    def suggested(self) -> list[MatchOutcome]:
        return self.of(MatchState.SUGGESTED)

    @property
    def unmatched(self) -> list[MatchOutcome]:
        return self.of(MatchState.UNMATCHED)

    @property
    def counts(self) -> dict[str, int]:
        return {"auto": len(self.auto), "suggested": len(self.suggested), "unmatched": len(self.unmatched)}

    @property
    def summary(self) -> str:
        c = self.counts
        return f"{c['auto']} auto-matched, {c['suggested']} suggested, {c['unmatched']} unmatched"


def facts_of(receipt: Receipt) -> ReceiptFacts:
    return ReceiptFacts(amount=receipt.amount, currency=receipt.currency, date=receipt.receipt_date,
                        merchant=receipt.merchant)


def _open_index(store: Store, receipts: list[Receipt], window: tuple[int, int]) -> MatchIndex:
    """The transactions waiting for a receipt whose amount one of ``receipts`` could match."""
    amounts = AmountFilter(r.amount for r in receipts if not r.attached)
    # No amount to match (the inbox scan at start, with nothing new): no transaction is looked at.
    ids = store.ids(Status.PREPARE, Status.READY) if amounts else []
    views = (store.tx_views.get(tx_id) for tx_id in ids)
    return MatchIndex(
        (OpenTx.of_view(v) for v in views if v is not None and v.needs_receipt and amounts.wants(v)),
        window=window,
    )


def match_batch(store: Store, receipts: Iterable[Receipt], window: tuple[int, int]) -> MatchReport:
    """Sort receipts into tiers and attach the AUTO ones (inside the caller's ``store.batch()``)."""
    receipts = list(receipts)
    index = _open_index(store, receipts, window)
    report = MatchReport()
    taken: set[str] = set()
    decided: list[Receipt] = []
    for receipt in sorted(receipts, key=lambda r: (r.added_at, r.id)):
        if receipt.attached:
            continue
        decision = index.decide(facts_of(receipt), rejected=set(receipt.rejected))
        new: Receipt | None = None
        if decision.state == MatchState.AUTO:
            tx_id = decision.candidates[0]
            try:
                new = attach_to(store, receipt, tx_id, MatchState.AUTO, decision.note, withdraw=False)
                index.take(tx_id)
                taken.add(tx_id)
            except StoreError as exc:  # e.g. the transaction left Prepare: the user decides
                new = receipt.model_copy(update={"match": MatchState.SUGGESTED, "candidates": decision.candidates,
                                                 "match_note": f"{decision.note}; not attached: {exc}"})
        else:
            new = receipt.model_copy(update={"match": decision.state, "candidates": decision.candidates,
                                             "match_note": decision.note})
        decided.append(new)
    for new in decided:
        if new.match == MatchState.SUGGESTED and taken.intersection(new.candidates):
            left = tuple(c for c in new.candidates if c not in taken)
            new = new.model_copy(update={"candidates": left} if left else {
                "candidates": (), "match": MatchState.UNMATCHED,
                "match_note": "its candidates got other receipts in this run"})
        if store.receipts.get(new.id) != new:
            store.commit([new])
        report.outcomes.append(MatchOutcome(new.id, new.filename, new.match, new.transaction_id, new.candidates,
                                            new.match_note))
    if taken:
        withdraw_suggestions(store, taken, keep=None)
    return report


def match_receipts(store: Store, receipt_ids: Iterable[str] | None = None, *,
                   window: tuple[int, int] = DEFAULT_WINDOW) -> MatchReport:
    """Match the receipts not yet attached (all of them, or those given) against the transactions waiting for
    one. AUTO ones are attached. One commit for everything."""
    attachments = listed_by(store)
    receipts = []
    for receipt_id in list(receipt_ids) if receipt_ids is not None else list(store.receipts.keys()):
        receipts.append(as_listed(store, as_receipt(store, receipt_id), attachments))
    with store.batch():
        stale = [r for r in receipts if r != store.receipts.get(r.id)]
        if stale:  # a stale transaction_id is corrected in the same commit
            store.commit(stale)
        report = match_batch(store, receipts, window)
        store.audit({"action": "receipts-match", **report.counts})
    return report
