"""The store's typed projections (``TxView``, ``HistoryView``, ``ReceiptView``): what the hot paths read instead of
stored documents. They say what the models say, and never go stale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import ExportState, FieldSource, Origin, SplitLine, Status
from juni_tui.services.store import CorruptDataError, HistoryView, Store, TxView
from tests.conftest import make_tx


def exported(tx, number=1):
    return tx.model_copy(update={
        "status": Status.EXPORTED,
        "export": ExportState(series="K", tag=f"juni {tx.id}", voucher_number=number, voucher_year=2,
                              exported_at=datetime(2026, 11, 1, 12, tzinfo=UTC)),
    })


def a_receipt(receipt_id="r1", **fields):
    values = dict(id=receipt_id, filename="adobe.pdf", content_type="application/pdf", size=10, path="r/adobe.pdf")
    values.update(fields)
    return Receipt(**values)


@pytest.mark.parametrize("tx", [
    make_tx("plain"),
    make_tx("full", account=5420, vat_code="25", cost_center="CC1", project="P1", description="Licens",
            cardholder="Anna", card="1234", category="Software", merchant_country="US",
            original_amount=Decimal("-120.00"), original_currency="USD", receipts=("r1", "r2"), status=Status.READY),
    make_tx("no-receipt", account=5420, vat_code="25", no_receipt_reason="lost"),
    make_tx("split", receipts=("r1",), splits=(SplitLine(amount=Decimal("-1000.00"), account=5420, vat_code="25"),
                                               SplitLine(amount=Decimal("-250.00"), account=6540))),
    make_tx("split-ok", receipts=("r1",),
            splits=(SplitLine(amount=Decimal("-1000.00"), account=5420, vat_code="25"),
                    SplitLine(amount=Decimal("-250.00"), account=6540, vat_code="25"))),
    make_tx("manual", account=5420, sources={"account": FieldSource(origin=Origin.MANUAL),
                                             "vat_code": FieldSource(origin=Origin.RULE, rule_id="x")}),
], ids=lambda tx: tx.id)
def test_a_transaction_view_says_what_the_model_says(store, tx):
    store.commit([tx])
    view = store.tx_views.get(tx.id)
    assert isinstance(view, TxView)
    assert (view.id, view.date, view.merchant, view.amount, view.status) == (tx.id, tx.date, tx.merchant, tx.amount,
                                                                            tx.status)
    assert (view.original_amount, view.original_currency) == (tx.original_amount, tx.original_currency)
    for name in ("card", "cardholder", "category", "merchant_country", "description", "account", "cost_center",
                 "project", "no_receipt_reason", "receipts"):
        assert getattr(view, name) == getattr(tx, name), name
    assert view.vat_code == (tx.vat_code.value if tx.vat_code is not None else None)
    assert view.complete == tx.is_complete
    assert view.has_splits == bool(tx.splits)
    assert view.manual == {name for name, source in tx.sources.items() if source.origin == Origin.MANUAL}
    assert view.needs_receipt == (not tx.receipts and not tx.no_receipt_reason)


def test_a_view_is_dropped_when_its_document_changes_or_goes(store):
    store.commit([make_tx("a")])
    assert store.tx_views["a"].merchant == "Adobe"
    store.commit([make_tx("a", merchant="Changed", account=5420)])
    assert (store.tx_views["a"].merchant, store.tx_views["a"].account) == ("Changed", 5420)
    store.commit(deletes=[("transactions", "a")])
    assert store.tx_views.get("a") is None
    with pytest.raises(KeyError):
        store.tx_views["a"]


def test_a_failed_batch_leaves_the_views_as_they_were(store):
    store.commit([make_tx("a")])
    assert store.tx_views["a"].merchant == "Adobe"
    with pytest.raises(RuntimeError):
        with store.batch():
            store.commit([make_tx("a", merchant="Changed"), make_tx("b")])
            assert store.tx_views["a"].merchant == "Changed"  # reads inside the batch see its changes
            raise RuntimeError("half-way")
    assert store.tx_views["a"].merchant == "Adobe" and store.tx_views.get("b") is None


def test_an_exported_transaction_has_a_history_view_and_no_transaction_view(store):
    store.commit([make_tx("a", date=date(2026, 9, 30), account=5420)])
    assert isinstance(store.tx_or_history_view("a"), TxView)
    store.commit([exported(store.transactions["a"], 7)])
    assert store.tx_views.get("a") is None
    view = store.tx_or_history_view("a")
    assert isinstance(view, HistoryView)
    entry = store.history_index["a"]
    assert (view.date, view.merchant, view.amount, view.account, view.series, view.number, view.year) == (
        entry.date, entry.merchant, entry.amount, entry.account, entry.series, entry.number, entry.year)
    assert datetime.fromisoformat(view.exported_at) == entry.exported_at


def test_a_receipt_view_follows_its_receipt(store):
    store.commit([a_receipt(source_hashes=("h1",), source_name="Adobe.PNG")])
    view = store.receipt_views["r1"]
    assert (view.filename, view.source_name, view.source_hashes, view.transaction_id, view.match, view.candidates) == (
        "adobe.pdf", "Adobe.PNG", ("h1",), None, "unmatched", ())
    store.commit([a_receipt(match=MatchState.SUGGESTED, candidates=("a", "b"))])
    assert (store.receipt_views["r1"].match, store.receipt_views["r1"].candidates) == ("suggested", ("a", "b"))


def test_views_are_built_from_the_documents_without_validating_models(home):
    with Store.open(home) as store:
        store.commit([make_tx(f"t{i}") for i in range(5)])
    with Store.open(home) as store:
        assert [store.tx_views[f"t{i}"].amount for i in range(5)] == [Decimal("-1250.00")] * 5
        assert store.transactions._models == {}


def test_a_damaged_document_is_a_corrupt_data_error_naming_it_not_a_traceback(store):
    store.transactions._put({"id": "x", "date": "2026-02-31", "merchant": "Adobe", "amount": "-1.00"})
    with pytest.raises(CorruptDataError, match="'transactions', x"):
        store.tx_views.get("x")


def test_a_view_built_from_a_replaced_document_is_never_served(store):
    """A worker thread may build a view while the store's thread replaces the document: the stale view it caches
    afterwards must not be what the next read gets."""
    store.commit([make_tx("a")])
    stale = store.tx_views["a"]
    store.commit([make_tx("a", merchant="Changed")])
    store.tx_views._cache["a"] = (object(), stale)  # as if the worker's insert came after the change's drop
    assert store.tx_views["a"].merchant == "Changed"


def test_the_one_pass_columns_read_every_document(store):
    store.commit([make_tx("a", receipts=("r1",), category="Software"), make_tx("b", category="Travel"),
                  make_tx("c", account=5420, vat_code="25")])
    assert list(store.receipt_lists()) == [("a", ("r1",))]
    assert store.categories() == {"Software", "Travel"}
    store.commit([exported(store.transactions["c"])])
    assert list(store.booked_pairs()) == [("Adobe", 5420, "25")]
