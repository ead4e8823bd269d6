"""The vouchers as Skatteverket reads them: awkward but real cases, every row checked (review of issue 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode, printed_vat_problem, vat_part
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


# --- representation -------------------------------------------------------------------------------------------


def test_representation_with_a_deductible_share_applies_the_share_to_the_capped_vat():
    # Lunch for 2 at 1 120 incl. 12 %: 120 of VAT, capped at 72 (300 × 2 of 1 000 excl. VAT). A company that may
    # deduct 50 % of its input VAT (mixed activity) deducts 50 % of the 72: 36, not min(60, 72) = 60.
    tx = make_tx("rep-half", amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.VAT12, participants=2,
                 vat_deductible=Decimal("50"), merchant="Restaurang Prinsen")
    assert rows(tx) == [(6072, "1084.00", "0.00"), (2640, "36.00", "0.00"), (1930, "0.00", "1120.00")]
    comments = build_voucher(tx, PLAIN, "K").comments or ""
    assert "Avdragen moms 36,00 av 120,00" in comments


def test_representation_with_alcohol_and_a_deductible_share():
    # 46 × 2 = 92 of VAT may be deducted under the simplification; 50 % of it: 46.
    tx = make_tx("rep-alc-half", amount=Decimal("-1745.00"), participants=2, alcohol=True,
                 merchant="Restaurang Prinsen", splits=(
                     SplitLine(amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.VAT12,
                               vat_deductible=Decimal("50")),
                     SplitLine(amount=Decimal("-625.00"), account=6072, vat_code=VatCode.VAT25,
                               vat_deductible=Decimal("50"))))
    booked = rows(tx)
    assert sum(Decimal(d) for account, d, _c in booked if account == 2640) == Decimal("46.00")


def test_the_capped_vat_shared_over_many_lines_never_gives_a_line_negative_vat():
    # Five receipt lines at three rates for one participant; the last is tiny. Sharing the capped VAT line by line
    # must not leave the last line -0,01 of VAT (a negative debit Fortnox refuses, and a wrong box 48).
    lines = (("-988.84", VatCode.VAT12), ("-1984.06", VatCode.VAT12), ("-1293.80", VatCode.VAT6),
             ("-1940.92", VatCode.VAT25), ("-0.28", VatCode.VAT6))
    splits = tuple(SplitLine(amount=Decimal(a), account=6072, vat_code=c) for a, c in lines)
    tx = make_tx("rep-many", amount=sum((s.amount for s in splits), Decimal("0")), participants=1,
                 merchant="Restaurang Prinsen", splits=splits)
    booked = rows(tx)
    vats = [Decimal(d) for account, d, _c in booked if account == 2640]
    full = sum((vat_part(-s.amount, c) for s, (_a, c) in zip(splits, lines, strict=True)), Decimal("0"))
    net = -tx.amount - full
    cap = (full * 300 / net).quantize(Decimal("0.01"))
    assert sum(vats) == cap
    assert all(v > 0 for v in vats)


def test_representation_without_swedish_vat_keeps_participants_purpose_and_attendees_in_the_comments():
    # A client dinner in Oslo: Norwegian VAT, nothing to deduct, but the verification must still show who took
    # part and why (Skatteverket; 6072 is not deductible for income tax either way).
    tx = make_tx("rep-oslo", amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.NONE, participants=2,
                 purpose="Kundmiddag", attendees="Ola Nordmann (Kunde AS), Anna Ek",
                 merchant="Restaurant Lofoten", merchant_country="NO", original_currency="NOK",
                 original_amount=Decimal("-1100.00"))
    comments = build_voucher(tx, PLAIN, "K").comments or ""
    assert "2 deltagare" in comments
    assert "Syfte: Kundmiddag" in comments
    assert "Deltagare: Ola Nordmann (Kunde AS), Anna Ek" in comments
    assert "Originalbelopp 1 100,00 NOK" in comments
    assert rows(tx) == [(6072, "1120.00", "0.00"), (1930, "0.00", "1120.00")]
