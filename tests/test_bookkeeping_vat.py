"""Issue 12's cases, exact rows: representation under and over the cap, with and without alcohol, deductible
shares, the VAT as printed, and a split mixing them. ``test_bookkeeping_sandbox.py`` sends every one to the
sandbox too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services.vouchers import build_voucher
from tests.test_bookkeeping import PAIR, PLAIN, Case, Row, _split, _tx, exact_rows, expected, mirrored

# --- representation, deductible shares, the VAT as printed (issue 12) -------------------------------------------


def _lunch(tx_id: str, amount: str, participants: int, *, account: int = 6072, code: VatCode = VatCode.VAT12,
           **more) -> Transaction:
    return _tx(tx_id, amount, account, code, participants=participants, merchant="Restaurang Prinsen", **more)


def _food_and_wine(tx_id: str, sign: str, participants: int, alcohol: bool) -> Transaction:
    return _split(tx_id, f"{sign}1745.00",
                  SplitLine(amount=Decimal(f"{sign}1120.00"), account=6072, vat_code=VatCode.VAT12, text="Mat"),
                  SplitLine(amount=Decimal(f"{sign}625.00"), account=6072, vat_code=VatCode.VAT25, text="Vin"),
                  participants=participants, alcohol=alcohol, merchant="Restaurang Prinsen")


REPRESENTATION_ROWS_OVER_CAP: tuple[Row, ...] = (  # 2 × 300 = 600 of 1 000 excl. VAT: 120 × 600 / 1 000 = 72
    (6072, "1048.00", "0"), (2640, "72.00", "0"), (1930, "0", "1120.00"))
# Food 1 120 at 12 % (1 000 + 120) and wine 625 at 25 % (500 + 125) for 2: 1 500 excl. VAT, 245 of VAT.
FOOD_AND_WINE_CAPPED: tuple[Row, ...] = (  # 2 × 300 = 600 of 1 500: 245 × 600 / 1 500 = 98, shared 48 / 50
    (6072, "1072.00", "0"), (2640, "48.00", "0"), (6072, "575.00", "0"), (2640, "50.00", "0"), (1930, "0", "1745.00"))
FOOD_AND_WINE_ALCOHOL: tuple[Row, ...] = (  # 46 × 2 = 92 of 245, shared 120 / 125: 45.06 and 46.94
    (6072, "1074.94", "0"), (2640, "45.06", "0"), (6072, "578.06", "0"), (2640, "46.94", "0"), (1930, "0", "1745.00"))

VAT12_CASES: list[Case] = [
    Case("rep-under-cap", _lunch("rep-under-cap", "-560.00", 2), PLAIN,  # 500 excl. VAT ≤ 600: all 60 deducted
         ((6072, "500.00", "0"), (2640, "60.00", "0"), (1930, "0", "560.00"))),
    Case("rep-over-cap", _lunch("rep-over-cap", "-1120.00", 2), PLAIN, REPRESENTATION_ROWS_OVER_CAP),
    Case("rep-over-cap-refund", _lunch("rep-over-cap-refund", "1120.00", 2), PLAIN,
         mirrored(REPRESENTATION_ROWS_OVER_CAP)),
    Case("rep-over-cap-staff", _lunch("rep-over-cap-staff", "-1120.00", 2, account=7632), PLAIN,
         ((7632, "1048.00", "0"), (2640, "72.00", "0"), (1930, "0", "1120.00"))),
    Case("rep-food-and-wine-over-cap", _food_and_wine("rep-food-and-wine-over-cap", "-", 2, False), PLAIN,
         FOOD_AND_WINE_CAPPED),
    Case("rep-alcohol-over-cap", _food_and_wine("rep-alcohol-over-cap", "-", 2, True), PLAIN, FOOD_AND_WINE_ALCOHOL),
    Case("rep-alcohol-over-cap-refund", _food_and_wine("rep-alcohol-over-cap-refund", "", 2, True), PLAIN,
         mirrored(FOOD_AND_WINE_ALCOHOL)),
    Case("rep-alcohol-under-cap", _food_and_wine("rep-alcohol-under-cap", "-", 6, True), PLAIN,  # 46 × 6 ≥ 245
         ((6072, "1000.00", "0"), (2640, "120.00", "0"), (6072, "500.00", "0"), (2640, "125.00", "0"),
          (1930, "0", "1745.00"))),
    Case("rep-foreign-vat", _lunch("rep-foreign-vat", "-1120.00", 2, code=VatCode.NONE,
                                   original_currency="EUR", original_amount=Decimal("-100.00")),
         PLAIN, ((6072, "1120.00", "0"), (1930, "0", "1120.00"))),  # VAT paid abroad: nothing to deduct, no cap
    Case("car-hire-half", _tx("car-hire-half", "-1250.00", 5820, VatCode.VAT25, merchant="Hertz"), PLAIN,
         ((5820, "1125.00", "0"), (2640, "125.00", "0"), (1930, "0", "1250.00"))),  # 250 of VAT, 50 % deducted
    Case("car-hire-half-refund", _tx("car-hire-half-refund", "1250.00", 5820, VatCode.VAT25), PLAIN,
         ((5820, "0", "1125.00"), (2640, "0", "125.00"), (1930, "1250.00", "0"))),
    Case("share-on-the-transaction", _tx("share-on-the-transaction", "-1250.00", 5410, VatCode.VAT25,
                                         vat_deductible=Decimal("0")), PLAIN,
         ((5410, "1250.00", "0"), (1930, "0", "1250.00"))),
    Case("share-overrides-the-account", _tx("share-overrides-the-account", "-1250.00", 5820, VatCode.VAT25,
                                            vat_deductible=Decimal("100")), PLAIN,
         ((5820, "1000.00", "0"), (2640, "250.00", "0"), (1930, "0", "1250.00"))),
    Case("leasing-reverse-charge-half", _tx("leasing-reverse-charge-half", "-1250.00", 5615, VatCode.RC_EU_SERVICES),
         PLAIN,  # 312.50 computed, 156.25 deducted, 156.25 on the cost
         ((5615, "1406.25", "0"), (2645, "156.25", "0"), (2614, "0", "312.50"), (1930, "0", "1250.00"))),
    Case("printed-vat", _tx("printed-vat", "-1250.00", 5410, VatCode.VAT25, vat_amount=Decimal("249.80")), PLAIN,
         ((5410, "1000.20", "0"), (2640, "249.80", "0"), (1930, "0", "1250.00"))),
    Case("printed-vat-refund", _tx("printed-vat-refund", "1250.00", 5410, VatCode.VAT25,
                                   vat_amount=Decimal("249.80")), PLAIN,
         ((5410, "0", "1000.20"), (2640, "0", "249.80"), (1930, "1250.00", "0"))),
    Case("printed-vat-and-half", _tx("printed-vat-and-half", "-1250.00", 5820, VatCode.VAT25,
                                     vat_amount=Decimal("249.80")), PLAIN,
         ((5820, "1125.10", "0"), (2640, "124.90", "0"), (1930, "0", "1250.00"))),
    Case("groceries-after-april", _tx("groceries-after-april", "-264.90", 7690, VatCode.VAT6, merchant="ICA Nära",
                                      date=date(2026, 5, 1)), PLAIN,
         ((7690, "249.91", "0"), (2640, "14.99", "0"), (1930, "0", "264.90"))),
    Case("rep-printed-vat-over-cap", _lunch("rep-printed-vat-over-cap", "-1120.00", 2,
                                            vat_amount=Decimal("120.02")), PLAIN,  # 120.02 × 600 / 999.98 = 72.01
         ((6072, "1047.99", "0"), (2640, "72.01", "0"), (1930, "0", "1120.00"))),
    Case(
        "split-mixing-share-printed-rep-and-reverse-charge",
        _split("split-mixing-share-printed-rep-and-reverse-charge", "-3370.00",
               SplitLine(amount=Decimal("-1000.00"), account=5820, vat_code=VatCode.VAT25, text="Hyrbil"),
               SplitLine(amount=Decimal("-250.00"), account=5410, vat_code=VatCode.VAT25,
                         vat_amount=Decimal("49.90")),
               SplitLine(amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.VAT12, text="Lunch"),
               SplitLine(amount=Decimal("-1000.00"), account=6970, vat_code=VatCode.RC_EU_SERVICES_6,
                         vat_deductible=Decimal("50")),
               participants=2, purpose="Avtalsförhandling", attendees="Anna Ek (Kund AB), Erik Berg"),
        PAIR,
        ((5820, "900.00", "0"), (2640, "100.00", "0"), (5410, "200.10", "0"), (2640, "49.90", "0"),
         (6072, "1048.00", "0"), (2640, "72.00", "0"),
         (6970, "1030.00", "0"), (2645, "30.00", "0"), (2634, "0", "60.00"), (4537, "1000.00", "0"),
         (4598, "0", "1000.00"), (1930, "0", "3370.00")),
    ),
]



@pytest.mark.parametrize("case", VAT12_CASES, ids=lambda c: c.name)
def test_voucher_has_exactly_the_rows_of_the_table_and_balances(case: Case):
    voucher = build_voucher(case.tx, case.settings, "K")
    assert exact_rows(voucher) == expected(case.rows)
    assert voucher.total_debit == voucher.total_credit
    for row in voucher.rows:
        assert (row.debit > 0) != (row.credit > 0), "every row has exactly one side"
