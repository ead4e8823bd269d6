"""Issue 12's texts and refusals: bank fees named only for bank fees, cash withdrawals named as such, one amount
format, representation in the comments, the VAT as printed checked against its rate, participants required."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import SplitLine
from juni_tui.domain.vat import VatCode, food_vat_code, rate_change_between
from juni_tui.services.bookkeeping.amounts import representation_of
from juni_tui.services.vouchers import BookkeepingError, build_voucher
from tests.conftest import make_tx

PLAIN = Settings()


def comments(tx) -> str:
    return build_voucher(tx, PLAIN, "K").comments or ""


@pytest.mark.parametrize("what", ["Parkeringsavgift Stockholm stad", "Medlemsavgift Svensk Handel",
                                  "Anmälningsavgift konferens", "Late fee, library"])
def test_a_fee_that_is_not_a_bank_fee_is_not_called_one(what):
    tx = make_tx(merchant="Stockholm stad", description=what, account=5619, vat_code=VatCode.NONE)
    assert "Bankavgift" not in comments(tx)


@pytest.mark.parametrize("account, what", [(6570, "Månadsavgift"), (5410, "Kortavgift 2026"),
                                           (5410, "Foreign transaction fee"), (6570, "")])
def test_a_bank_or_card_fee_is_called_one(account, what):
    tx = make_tx(merchant="Juni", description=what, account=account, vat_code=VatCode.NONE)
    assert "Bankavgift, ingen moms" in comments(tx)


def test_a_cash_withdrawal_is_titled_as_one_not_as_a_card_purchase():
    atm = make_tx(merchant="Bankomat Sergels torg", category="ATM", account=1910, vat_code=VatCode.NONE)
    assert build_voucher(atm, PLAIN, "K").description.startswith("Kontantuttag Bankomat Sergels torg 2026-10-05")
    by_text = make_tx(merchant="Forex", description="ATM withdrawal", account=1680, vat_code=VatCode.NONE)
    assert build_voucher(by_text, PLAIN, "K").description.startswith("Kontantuttag")
    purchase = make_tx(account=5420, vat_code=VatCode.VAT25)
    assert build_voucher(purchase, PLAIN, "K").description.startswith("Kortköp")


def test_amounts_in_voucher_texts_use_the_format_of_the_ui():
    tx = make_tx(merchant="Thon Hotel", amount=Decimal("-1845.60"), original_amount=Decimal("-1890.00"),
                 original_currency="NOK", account=5832, vat_code=VatCode.NONE)
    voucher = build_voucher(tx, PLAIN, "K")
    assert "Originalbelopp 1 890,00 NOK, bokfört 1 845,60 SEK" in (voucher.comments or "")
    assert voucher.rows[0].transaction_information == "1 890,00 NOK"
    assert "1890.00" not in str(voucher.to_fortnox())


def test_purpose_attendees_and_the_cap_go_in_the_comments():
    tx = make_tx(merchant="Restaurang Prinsen", amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.VAT12,
                 participants=2, purpose="Avtalsförhandling", attendees="Anna Ek (Kund AB); Erik Berg")
    text = comments(tx)
    assert "Representation 2 deltagare" in text and "Syfte: Avtalsförhandling" in text
    assert "Deltagare: Anna Ek (Kund AB); Erik Berg" in text
    assert "Avdragen moms 72,00 av 120,00" in text


def test_the_cap_is_explained_for_the_detail_view():
    tx = make_tx(merchant="Restaurang Prinsen", amount=Decimal("-1120.00"), account=6072, vat_code=VatCode.VAT12,
                 participants=2)
    working = representation_of(tx, PLAIN)
    assert working is not None and working.deductible == Decimal("72.00")
    text = " ".join(working.explain())
    assert "300,00 excl. VAT per participant × 2 = 600,00 of 1 000,00" in text
    assert "VAT deducted 72,00 of 120,00; 48,00 stays on the cost row" in text
    alcohol = representation_of(tx.model_copy(update={"alcohol": True}), PLAIN)
    assert alcohol is not None and "46,00 of VAT per participant × 2 = 92,00" in " ".join(alcohol.explain())
    assert representation_of(make_tx(account=5410, vat_code=VatCode.VAT25), PLAIN) is None


def test_a_representation_without_participants_is_incomplete_and_cannot_be_booked():
    tx = make_tx(account=6072, vat_code=VatCode.VAT12)
    assert any(m.startswith("participants") for m in tx.missing_values())
    with pytest.raises(BookkeepingError, match="no number of participants"):
        build_voucher(tx, PLAIN, "K")
    split = make_tx(splits=(SplitLine(amount=Decimal("-1000"), account=5410, vat_code=VatCode.VAT25),
                            SplitLine(amount=Decimal("-250"), account=7632, vat_code=VatCode.VAT12)))
    assert not split.values_complete
    assert split.model_copy(update={"participants": 3}).values_complete
    custom = Settings(representation_accounts=(6070,))
    assert make_tx(account=6070, vat_code=VatCode.VAT12).missing_values(custom.representation_accounts) != []
    assert make_tx(account=6072, vat_code=VatCode.VAT12).missing_values(custom.representation_accounts) == []


@pytest.mark.parametrize("code, printed, message", [
    (VatCode.VAT25, "150.00", "does not fit 25 % Swedish VAT: 1 250,00 at 25 % holds 250,00 of VAT"),
    (VatCode.VAT12, "250.00", "does not fit 12 % Swedish VAT"),
    (VatCode.NONE, "10.00", "is for Swedish VAT printed on a receipt"),
    (VatCode.RC_EU_SERVICES, "250.00", "is for Swedish VAT printed on a receipt"),
])
def test_a_printed_vat_that_does_not_fit_the_rate_is_refused_with_a_sentence(code, printed, message):
    tx = make_tx(account=5410, vat_code=code, vat_amount=Decimal(printed))
    with pytest.raises(BookkeepingError, match=message):
        build_voucher(tx, PLAIN, "K")


def test_a_printed_vat_within_the_receipt_rounding_is_booked():
    tx = make_tx(account=5410, vat_code=VatCode.VAT25, vat_amount=Decimal("249.01"))
    assert build_voucher(tx, PLAIN, "K").rows[1].debit == Decimal("249.01")


def test_the_food_rate_calendar():
    assert food_vat_code(date(2026, 3, 31)) == VatCode.VAT12
    assert food_vat_code(date(2026, 4, 1)) == VatCode.VAT6
    assert food_vat_code(date(2027, 12, 31)) == VatCode.VAT6
    assert food_vat_code(date(2028, 1, 1)) == VatCode.VAT12
    assert rate_change_between(date(2026, 3, 1), date(2026, 5, 1)) == date(2026, 4, 1)
    assert rate_change_between(date(2026, 5, 1), date(2026, 3, 1)) == date(2026, 4, 1)
    assert rate_change_between(date(2026, 4, 1), date(2026, 6, 1)) is None


def test_mark_ready_refuses_a_printed_vat_that_does_not_fit_with_the_sentence(home, capsys):
    from juni_tui.cli import main
    from juni_tui.services.store import Store

    with Store.open(home) as store:
        store.commit([make_tx("bad", account=5410, vat_code=VatCode.VAT25, vat_amount=Decimal("150.00"),
                              no_receipt_reason="e-mail")])
    assert main(["--home", str(home.root), "mark-ready", "bad"]) == 1
    err = capsys.readouterr().err
    assert "the VAT amount 150,00 does not fit 25 % Swedish VAT: 1 250,00 at 25 % holds 250,00 of VAT" in err
