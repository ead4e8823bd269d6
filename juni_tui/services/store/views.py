"""Typed, cheap projections of stored documents, for the code that looks at many rows at once (a tab's filter, the
rules engine, receipt matching, the history's lookups).

A model costs a pydantic validation; a projection is a ``NamedTuple`` built straight from the stored document
(which the store checked when it was read), once per document, and dropped when the document changes. The store
is the only code that reads stored documents: everything else reads models (``Table.get``) or these views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from juni_tui.domain.transactions import Status, stored_is_complete
from juni_tui.services.store.checks import Doc
from juni_tui.services.store.tables import Table

V = TypeVar("V")

_OPEN = (Status.PREPARE, Status.READY)


class TxView(NamedTuple):
    """A transaction not yet exported, as the hot paths need it."""

    id: str
    date: dt.date
    merchant: str
    amount: Decimal
    status: Status
    original_amount: Decimal | None
    original_currency: str | None
    card: str | None
    cardholder: str | None
    category: str | None
    merchant_country: str | None
    description: str | None
    account: int | None
    vat_code: str | None
    cost_center: str | None
    project: str | None
    no_receipt_reason: str | None
    #: the receipts it lists, in the order they were attached
    receipts: tuple[str, ...]
    #: it is split into lines
    has_splits: bool
    #: it has recorded sources for some of its values
    has_sources: bool
    #: the values the user set by hand (their source's origin is "manual")
    manual: frozenset[str]
    #: ``Transaction.is_complete``: a receipt (or a reason for none), and every value booking needs
    complete: bool

    @property
    def has_receipt(self) -> bool:
        return bool(self.receipts)

    @property
    def needs_receipt(self) -> bool:
        """Prepare or Ready, with no receipt and no "no receipt needed": matching may give it a receipt."""
        return self.status in _OPEN and not self.receipts and not self.no_receipt_reason


class HistoryView(NamedTuple):
    """An exported transaction's summary (the history index), as the hot paths need it."""

    id: str
    date: dt.date
    merchant: str
    amount: Decimal
    account: int | None
    vat_code: str | None
    series: str
    number: int
    year: int
    #: ISO timestamp, as stored
    exported_at: str


class ReceiptView(NamedTuple):
    """A receipt's record, without its text, as the lookups over every receipt need it."""

    id: str
    filename: str
    source_name: str | None
    source_hashes: tuple[str, ...]
    transaction_id: str | None
    #: ``MatchState``'s value
    match: str
    candidates: tuple[str, ...]


def _money(value: Any) -> Decimal:
    return Decimal(value) if value is not None else Decimal("0")


def tx_view(doc: Doc) -> TxView:
    get = doc.get
    original = get("original_amount")
    sources = get("sources") or {}
    return TxView(
        doc["id"],
        dt.date.fromisoformat(doc["date"]),
        doc["merchant"],
        _money(doc.get("amount")),
        Status(get("status", Status.PREPARE.value)),
        Decimal(original) if original is not None else None,
        get("original_currency"),
        get("card"),
        get("cardholder"),
        get("category"),
        get("merchant_country"),
        get("description"),
        get("account"),
        get("vat_code"),
        get("cost_center"),
        get("project"),
        get("no_receipt_reason"),
        tuple(get("receipts") or ()),
        bool(get("splits")),
        bool(sources),
        frozenset(name for name, source in sources.items() if (source or {}).get("origin") == "manual")
        if sources else frozenset(),
        stored_is_complete(doc),
    )


def history_view(doc: Doc) -> HistoryView:
    get = doc.get
    return HistoryView(
        doc["id"],
        dt.date.fromisoformat(doc["date"]),
        doc["merchant"],
        _money(get("amount")),
        get("account"),
        get("vat_code"),
        str(get("series", "")),
        int(get("number", 0)),
        int(get("year", 0)),
        str(get("exported_at", "")),
    )


def receipt_view(doc: Doc) -> ReceiptView:
    get = doc.get
    return ReceiptView(
        doc["id"],
        get("filename", ""),
        get("source_name"),
        tuple(get("source_hashes", ())),
        get("transaction_id"),
        get("match", "unmatched"),
        tuple(get("candidates", ())),
    )


class Views(Generic[V]):
    """The projections of one table's documents: built on first use, each kept until its document changes."""

    def __init__(self, table: Table[Any], build: Callable[[Doc], V]) -> None:
        self._table = table
        self._build = build
        self._cache: dict[str, V] = {}
        table.on_change.append(self._changed)

    def _changed(self, old: Doc | None, new: Doc | None) -> None:
        doc = new if new is not None else old
        if doc is not None:
            self._cache.pop(self._table.doc_key(doc), None)

    def get(self, key: object) -> V | None:
        key = str(key)
        view = self._cache.get(key)
        if view is None:
            doc = self._table.raw(key)
            if doc is None:
                return None
            view = self._cache[key] = self._build(doc)
        return view

    __call__ = get

    def __getitem__(self, key: object) -> V:
        view = self.get(key)
        if view is None:
            raise KeyError(key)
        return view
