"""The domain's rules hold the same for a model and for a stored document."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.transactions import SplitLine, stored_is_complete
from juni_tui.domain.vat import VatCode
from juni_tui.services.store.documents import to_doc as _doc
from tests.conftest import make_tx

CASES = {
    "nothing set": make_tx(),
    "complete": make_tx(account=5410, vat_code=VatCode.VAT25, no_receipt_reason="fee"),
    "no receipt": make_tx(account=5410, vat_code=VatCode.VAT25),
    "no VAT code": make_tx(account=5410, no_receipt_reason="fee"),
    "splits complete": make_tx(no_receipt_reason="fee", splits=(
        SplitLine(amount=Decimal("-1000.00"), account=5410, vat_code=VatCode.VAT25),
        SplitLine(amount=Decimal("-250.00"), account=6540, vat_code=VatCode.VAT25))),
    "splits that do not sum": make_tx(no_receipt_reason="fee", splits=(
        SplitLine(amount=Decimal("-1000.00"), account=5410, vat_code=VatCode.VAT25),
        SplitLine(amount=Decimal("-200.00"), account=6540, vat_code=VatCode.VAT25))),
    "a split line without a VAT code": make_tx(receipts=("r1",), splits=(
        SplitLine(amount=Decimal("-1000.00"), account=5410, vat_code=VatCode.VAT25),
        SplitLine(amount=Decimal("-250.00"), account=6540))),
}


@pytest.mark.parametrize("name", CASES)
def test_a_stored_document_is_complete_exactly_when_its_transaction_is(name):
    tx = CASES[name]
    assert stored_is_complete(_doc(tx)) == tx.is_complete
