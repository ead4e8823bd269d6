"""The vouchers as Skatteverket reads them: awkward but real cases, every row checked (review of issue 12)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode, food_vat_code, printed_vat_problem, vat_part
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


# --- refunds of the new codes: each row mirrored ---------------------------------------------------------------


@pytest.mark.parametrize(("code", "output", "vat"), [
    (VatCode.RC_EU_SERVICES_12, 2624, "120.00"), (VatCode.RC_NON_EU_SERVICES_6, 2634, "60.00"),
    (VatCode.RC_EU_GOODS_12, 2624, "120.00"), (VatCode.IMPORT_GOODS, 2615, "250.00"),
    (VatCode.IMPORT_GOODS_12, 2625, "120.00"), (VatCode.IMPORT_GOODS_6, 2635, "60.00"),
])
def test_refund_of_a_computed_code_mirrors_the_purchase(code: VatCode, output: int, vat: str):
    purchase = rows(make_tx("p", amount=Decimal("-1000.00"), account=5410, vat_code=code))
    refund = rows(make_tx("r", amount=Decimal("1000.00"), account=5410, vat_code=code))
    assert purchase == [(5410, "1000.00", "0.00"), (2645, vat, "0.00"), (output, "0.00", vat),
                        (1930, "0.00", "1000.00")]
    assert refund == [(a, c, d) for a, d, c in purchase]


def test_reverse_charge_with_a_deductible_share_deducts_part_of_2645_and_reports_all_of_2614():
    tx = make_tx("rc-half", amount=Decimal("-999.99"), account=5615, vat_code=VatCode.RC_EU_SERVICES)
    # 249.9975 → 250.00 computed; 125.00 deducted; 125.00 on the cost.
    assert rows(tx) == [(5615, "1124.99", "0.00"), (2645, "125.00", "0.00"), (2614, "0.00", "250.00"),
                        (1930, "0.00", "999.99")]


@pytest.mark.parametrize("amount", ["-0.01", "-0.02", "-999999999999.99"])
def test_one_ore_and_the_largest_amount_balance(amount: str):
    for code in (VatCode.VAT25, VatCode.VAT12, VatCode.RC_EU_SERVICES_6, VatCode.IMPORT_GOODS):
        rows(make_tx("x", amount=Decimal(amount), account=5410, vat_code=code))


# --- the food-rate calendar, and the warnings on correct transactions -------------------------------------------


def test_food_rate_calendar_at_its_boundaries():
    assert food_vat_code(date(2026, 3, 31)) == VatCode.VAT12
    assert food_vat_code(date(2026, 4, 1)) == VatCode.VAT6
    assert food_vat_code(date(2027, 12, 31)) == VatCode.VAT6
    assert food_vat_code(date(2028, 1, 1)) == VatCode.VAT12


def test_fika_on_6071_split_with_supplies_is_not_called_a_meal():
    # Coffee bread for 6 (180 kr, 30 kr each) and cleaning supplies on the same receipt: the fika is simple
    # refreshments; the supplies must not count towards the amount per participant.
    tx = make_tx("fika", amount=Decimal("-2400.00"), merchant="ICA Maxi", merchant_country="SE",
                 date=date(2026, 5, 4), participants=6, splits=(
                     SplitLine(amount=Decimal("-180.00"), account=6071, vat_code=VatCode.VAT6, text="Kaffebröd"),
                     SplitLine(amount=Decimal("-2220.00"), account=5460, vat_code=VatCode.VAT25, text="Städ")))
    assert warning_codes(tx) == []


def test_correct_transactions_raise_no_warning():
    restaurant = make_tx("r", amount=Decimal("-1120.00"), merchant="Restaurang Prinsen", merchant_country="SE",
                         account=6072, vat_code=VatCode.VAT12, participants=2)
    hotel = make_tx("h", amount=Decimal("-1450.00"), merchant="Scandic Malmen", merchant_country="SE",
                    account=5831, vat_code=VatCode.VAT12)
    oslo = make_tx("o", amount=Decimal("-1450.00"), merchant="Thon Hotel Oslo", merchant_country="NO",
                   original_currency="NOK", original_amount=Decimal("-1400.00"), account=5832,
                   vat_code=VatCode.NONE)
    groceries_before = make_tx("g", amount=Decimal("-300.00"), merchant="ICA Nära", merchant_country="SE",
                               account=7690, vat_code=VatCode.VAT12, date=date(2026, 3, 31))
    groceries_after = make_tx("g2", amount=Decimal("-300.00"), merchant="ICA Nära", merchant_country="SE",
                              account=7690, vat_code=VatCode.VAT12, date=date(2028, 1, 1))
    for tx in (restaurant, hotel, oslo, groceries_before, groceries_after):
        assert warning_codes(tx) == [], tx.merchant


def test_long_attendees_never_push_the_vat_deducted_the_original_amount_or_the_card_out_of_the_comments():
    # 40 guests with their companies: the Comments (1 000 characters in Fortnox) cannot hold them all; the list is
    # shortened, visibly, and the facts after it stay.
    attendees = ", ".join(f"Gäst Nummer{n} (Kundföretaget {n} AB)" for n in range(40))
    tx = make_tx("rep-many-guests", amount=Decimal("-11200.00"), account=6072, vat_code=VatCode.VAT12,
                 participants=40, purpose="Kundevent", attendees=attendees, card="1234", cardholder="Anna Ek",
                 original_currency="EUR", original_amount=Decimal("-1000.00"), merchant="Restaurang Prinsen")
    comments = build_voucher(tx, PLAIN, "K").comments or ""
    assert len(comments) <= 1000
    assert "Syfte: Kundevent" in comments
    assert "Deltagare: Gäst Nummer0 (Kundföretaget 0 AB)" in comments
    assert "..." in comments
    assert "Avdragen moms 1 200,00 av 1 200,00" in comments
    assert "Originalbelopp 1 000,00 EUR, bokfört 11 200,00 SEK" in comments
    assert comments.endswith("Kort 1234 (Anna Ek)")


def test_vat_on_a_private_purchase_or_cash_is_a_warning_but_not_on_an_asset():
    private = make_tx("private", amount=Decimal("-1250.00"), merchant="Clas Ohlson", merchant_country="SE",
                      account=1610, vat_code=VatCode.VAT25)
    assert warning_codes(private) == ["vat_on_private_or_cash"]
    assert "Use 0" in findings(private, PLAIN)[0].message
    cash = make_tx("cash", amount=Decimal("-500.00"), merchant="Bankomat", merchant_country="SE", account=1910,
                   vat_code=VatCode.VAT25)
    assert warning_codes(cash) == ["vat_on_private_or_cash"]
    assert warning_codes(private.model_copy(update={"vat_code": VatCode.NONE})) == []
    computer = make_tx("asset", amount=Decimal("-40000.00"), merchant="Dustin", merchant_country="SE",
                       account=1250, vat_code=VatCode.VAT25)
    assert "vat_on_private_or_cash" not in warning_codes(computer)


def test_six_percent_on_groceries_when_food_is_at_twelve_is_a_warning():
    # A rule learned in 2027 (food at 6 %) that books an ICA purchase in 2028 claims half the VAT paid.
    ica = make_tx("ica", amount=Decimal("-300.00"), merchant="ICA Nära", merchant_country="SE", account=7690,
                  vat_code=VatCode.VAT6, date=date(2028, 1, 1))
    assert warning_codes(ica) == ["food_rate"]
    assert "12 %" in findings(ica, PLAIN)[0].message
    assert warning_codes(ica.model_copy(update={"date": date(2026, 3, 31)})) == ["food_rate"]
    assert warning_codes(ica.model_copy(update={"date": date(2027, 12, 31)})) == []
    assert warning_codes(ica.model_copy(update={"date": date(2026, 4, 1)})) == []
    newspaper = ica.model_copy(update={"merchant": "Pressbyrån Centralen"})
    assert warning_codes(newspaper) == []


def test_any_mix_of_codes_shares_printed_vat_and_representation_balances_with_one_positive_side_per_row():
    # Seeded, small: every code, purchase or refund, 1-4 lines, shares, printed VAT near the rate, representation
    # with and without alcohol, 0,01 to ten million kronor.
    rng = random.Random(12)
    accounts = (5410, 6072, 6071, 5820, 7632, 5831)
    for _ in range(400):
        sign = rng.choice((-1, 1))
        splits = []
        for _line in range(rng.randint(1, 4)):
            amount = Decimal(rng.choice((1, 2, 7, 99, 12345, rng.randint(1, 10**9)))) / 100 * sign
            code = rng.choice(list(VatCode))
            printed = None
            if code.is_swedish and rng.random() < 0.3:
                printed = max(Decimal("0"), vat_part(abs(amount), code) + Decimal(rng.randint(-100, 100)) / 100)
            splits.append(SplitLine(amount=amount, account=rng.choice(accounts), vat_code=code, vat_amount=printed,
                                    vat_deductible=rng.choice((None, Decimal("0"), Decimal("33.33"), Decimal("50")))))
        tx = make_tx("mix", amount=sum((s.amount for s in splits), Decimal("0")), splits=tuple(splits),
                     participants=rng.randint(1, 5), alcohol=rng.random() < 0.3)
        try:
            rows(tx)  # balances; no negative amount; one side per row
        except BookkeepingError as error:
            assert "VAT amount" in str(error)  # only a printed VAT that does not fit is refused


@pytest.mark.parametrize("share", ["150", "-50"])
def test_a_deductible_share_outside_0_to_100_in_settings_is_refused_with_a_sentence(share: str):
    # Settings written by hand (the TUI refuses these): 150 % would deduct 375 kr of a 250 kr VAT.
    settings = Settings(deductible_shares={5820: Decimal(share)})
    tx = make_tx("hire", amount=Decimal("-1250.00"), account=5820, vat_code=VatCode.VAT25, merchant="Hertz")
    with pytest.raises(BookkeepingError, match="deductible VAT share of account 5820"):
        build_voucher(tx, settings, "K")


def test_a_foreign_purchase_whose_original_amount_is_0_in_the_file_does_not_say_it_cost_0():
    tx = make_tx("zero-eur", amount=Decimal("-1250.00"), account=5410, vat_code=VatCode.NONE,
                 original_currency="EUR", original_amount=Decimal("0.00"), merchant="Hotel Adlon")
    voucher = build_voucher(tx, PLAIN, "K")
    assert "0,00 EUR" not in (voucher.comments or "")
    assert "Originalbelopp i EUR, bokfört 1 250,00 SEK" in (voucher.comments or "")
    assert all("0,00 EUR" not in (row.transaction_information or "") for row in voucher.rows)


def test_swedish_vat_from_a_foreign_company_says_how_to_keep_a_correct_booking():
    # Uber B.V. (NL) charges Swedish VAT, 6 %, on a ride in Stockholm: the warning must not only say "use 0".
    ride = make_tx("uber", amount=Decimal("-212.00"), merchant="Uber B.V.", merchant_country="NL", account=5800,
                   vat_code=VatCode.VAT6)
    (finding,) = findings(ride, PLAIN)
    assert finding.code == "swedish_vat_abroad"
    assert "Swedish VAT number" in finding.message and "acknowledge" in finding.message


def test_groceries_at_twelve_with_a_newspaper_at_six_in_2028_is_no_false_alarm():
    tx = make_tx("ica-paper", amount=Decimal("-340.00"), merchant="ICA Nära", merchant_country="SE",
                 date=date(2028, 2, 1), splits=(
                     SplitLine(amount=Decimal("-300.00"), account=7690, vat_code=VatCode.VAT12, text="Mat"),
                     SplitLine(amount=Decimal("-40.00"), account=6970, vat_code=VatCode.VAT6, text="Tidning")))
    assert warning_codes(tx) == []


def test_vat_on_a_bank_fee_is_a_warning():
    # A rule that books every Juni charge at 25 % also claims 25 % of VAT on the currency fee, which has none.
    fee = make_tx("fee", amount=Decimal("-35.00"), merchant="Juni", merchant_country="SE", account=6570,
                  vat_code=VatCode.VAT25, description="Currency fee")
    assert warning_codes(fee) == ["vat_on_bank_fee"]
    assert warning_codes(fee.model_copy(update={"vat_code": VatCode.NONE})) == []


def test_representation_for_one_participant_caps_at_the_vat_on_300():
    # Lunch for 1 at 560 incl. 12 % (500 + 60): VAT on 300 of 500 = 36.
    tx = make_tx("rep-one", amount=Decimal("-560.00"), account=6072, vat_code=VatCode.VAT12, participants=1,
                 merchant="Restaurang Prinsen")
    assert rows(tx) == [(6072, "524.00", "0.00"), (2640, "36.00", "0.00"), (1930, "0.00", "560.00")]
    assert "Representation 1 deltagare" in (build_voucher(tx, PLAIN, "K").comments or "")
