"""Typed, cheap projections of stored documents, for the code that looks at many rows at once (a tab's filter, the
rules engine, receipt matching, the history's lookups).

A model costs a pydantic validation; a projection is a ``NamedTuple`` built straight from the stored document
(which the store checked when it was read), once per document, and dropped when the document changes. The store
is the only code that reads stored documents: everything else reads models (``Table.get``) or these views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from juni_tui.domain.transactions import Status, Transaction, stored_is_complete
from juni_tui.services.store.checks import CorruptDataError, Doc
from juni_tui.services.store.documents import to_doc
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
    #: the share of input VAT that may be deducted, when set (percent)
    vat_deductible: Decimal | None
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

    @classmethod
    def of(cls, tx: Transaction) -> TxView:
        """The projection of a model that may not be stored (yet): what the engine sees for one transaction."""
        return tx_view(to_doc(tx))

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


# Built with ``tuple.__new__``: a NamedTuple's own ``__new__`` is Python code, and these run once per document
# over tens of thousands of them. The store checked each document's key, date and status when it read it.
_new = tuple.__new__
_date = dt.date.fromisoformat
_STATUS = {s.value: s for s in Status}
_NO_NAMES: frozenset[str] = frozenset()


def tx_view(doc: Doc) -> TxView:
    get = doc.get
    original = get("original_amount")
    sources = get("sources")
    return _new(TxView, (
        doc["id"],
        _date(doc["date"]),
        doc["merchant"],
        Decimal(doc["amount"]),
        _STATUS[get("status", "prepare")],
        None if original is None else Decimal(original),
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
        None if (share := get("vat_deductible")) is None else Decimal(share),
        tuple(get("receipts") or ()),
        bool(get("splits")),
        bool(sources),
        frozenset(name for name, source in sources.items() if (source or {}).get("origin") == "manual")
        if sources else _NO_NAMES,
        stored_is_complete(doc),
    ))


def history_view(doc: Doc) -> HistoryView:
    get = doc.get
    return _new(HistoryView, (
        doc["id"],
        _date(doc["date"]),
        doc["merchant"],
        Decimal(doc["amount"]),
        get("account"),
        get("vat_code"),
        doc["series"],
        doc["number"],
        doc["year"],
        doc["exported_at"],
    ))


def receipt_view(doc: Doc) -> ReceiptView:
    get = doc.get
    return _new(ReceiptView, (
        doc["id"],
        get("filename", ""),
        get("source_name"),
        tuple(get("source_hashes", ())),
        get("transaction_id"),
        get("match", "unmatched"),
        tuple(get("candidates", ())),
    ))


class Views(Generic[V]):
    """The projections of one table's documents: built on first use, each kept with the document it was built from
    and dropped when that document changes.

    Reads may come from worker threads (suggestions, matching) while the store's thread commits: a view is used
    only if it was built from the document the table holds now, so one built from a document replaced meanwhile
    is never served, whatever the order of the two threads."""

    def __init__(self, table: Table[Any], build: Callable[[Doc], V]) -> None:
        self._table = table
        self._docs = table._docs
        self._build = build
        self._cache: dict[str, tuple[Doc, V]] = {}
        #: called with (old view, new view) after each change; None for "absent"
        self.on_change: list[Callable[[V | None, V | None], None]] = []
        table.on_change.append(self._changed)

    def _changed(self, old: Doc | None, new: Doc | None) -> None:
        doc = new if new is not None else old
        if doc is None:
            return
        key = self._table.doc_key(doc)
        hit = self._cache.pop(key, None)
        if self.on_change:
            old_view = (hit[1] if hit is not None and hit[0] is old else self._made(key, old)) if old else None
            new_view = self._made(key, new) if new is not None else None
            for hook in self.on_change:
                hook(old_view, new_view)

    def get(self, key: object) -> V | None:
        key = str(key)
        doc = self._docs.get(key)
        if doc is None:
            return None
        hit = self._cache.get(key)
        if hit is not None and hit[0] is doc:
            return hit[1]
        view = self._made(key, doc)
        self._cache[key] = (doc, view)
        return view

    def _made(self, key: str, doc: Doc) -> V:
        try:
            return self._build(doc)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            # A field the store's read-time check does not look at is damaged: said as ``Table.get`` says it.
            self._table.get(key)
            raise CorruptDataError(self._table.source, f"table {self._table.name!r}, {key}: damaged") from None

    def __getitem__(self, key: object) -> V:
        view = self.get(key)
        if view is None:
            raise KeyError(key)
        return view


# --- Columns: one field of every document, in one pass, nothing built or kept (statistics over a whole table) ---


def receipt_lists(table: Table[Any]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(transaction id, the receipts it lists) for every transaction in ``table`` that lists any."""
    for key, doc in list(table._docs.items()):
        listed = doc.get("receipts")
        if listed:
            yield key, tuple(listed)


def categories(table: Table[Any]) -> set[str]:
    """The categories the transactions in ``table`` have."""
    return {category for doc in list(table._docs.values()) if (category := doc.get("category"))}


def purchase_keys(table: Table[Any]) -> Iterator[tuple[str, tuple[str, str, str, str]]]:
    """(transaction id, (card, merchant casefolded, amount, date)) for every transaction in ``table``: what tells
    a likely duplicate."""
    for key, doc in list(table._docs.items()):
        yield key, (doc.get("card") or "", str(doc.get("merchant") or "").strip().casefold(),
                    str(doc.get("amount")), str(doc.get("date")))


def booked_days(table: Table[Any], vat_codes: frozenset[str]) -> Iterator[tuple[str, int, str, str]]:
    """(merchant, account, VAT code, date) of every history entry in ``table`` booked with one of ``vat_codes``."""
    for doc in list(table._docs.values()):
        vat = doc.get("vat_code")
        if vat in vat_codes and doc.get("account") is not None:
            yield doc.get("merchant") or "", doc["account"], vat, str(doc.get("date"))


def booked_pairs(table: Table[Any]) -> Iterator[tuple[str, int, str | None]]:
    """(merchant, account, VAT code) of every history entry in ``table`` booked on an account."""
    for doc in list(table._docs.values()):
        account = doc.get("account")
        if account is not None:
            yield doc.get("merchant") or "", account, doc.get("vat_code")
