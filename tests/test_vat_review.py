"""The vouchers as Skatteverket reads them: awkward but real cases, every row checked (review of issue 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode, printed_vat_problem
from juni_tui.services.bookkeeping.warnings import findings
from juni_tui.services.vouchers import BookkeepingError, build_voucher
from tests.conftest import make_tx

PLAIN = Settings()


def rows(tx: Transaction, settings: Settings = PLAIN) -> list[tuple[int, str, str]]:
    voucher = build_voucher(tx, settings, "K")
    assert voucher.total_debit == voucher.total_credit
    for row in voucher.rows:
        assert row.debit >= 0 and row.credit >= 0, f"a negative amount on {row.account}"
        assert (row.debit > 0) != (row.credit > 0), f"row {row.account} has not exactly one side"
    return [(r.account, f"{r.debit:.2f}", f"{r.credit:.2f}") for r in voucher.rows]


def warning_codes(tx: Transaction) -> list[str]:
    return [f.code for f in findings(tx, PLAIN)]


# --- the VAT as printed ---------------------------------------------------------------------------------------


def test_printed_vat_larger_than_the_amount_is_refused_not_booked_as_a_negative_cost():
    # A 0,50 kr purchase cannot hold 1,10 kr of VAT; the 1 kr tolerance must not let it through.
    tx = make_tx("tiny", amount=Decimal("-0.50"), account=5410, vat_code=VatCode.VAT25, vat_amount=Decimal("1.10"))
    assert printed_vat_problem(tx.amount, VatCode.VAT25, Decimal("1.10")) is not None
    assert any("1,10" in problem for problem in tx.problems())
    with pytest.raises(BookkeepingError, match="1,10"):
        build_voucher(tx, PLAIN, "K")


def test_printed_vat_within_the_tolerance_on_a_small_amount_still_books():
    tx = make_tx("small", amount=Decimal("-5.00"), account=5410, vat_code=VatCode.VAT25, vat_amount=Decimal("1.00"))
    assert rows(tx) == [(5410, "4.00", "0.00"), (2640, "1.00", "0.00"), (1930, "0.00", "5.00")]
