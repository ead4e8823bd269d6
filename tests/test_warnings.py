"""Plausibility checks: one test per warning, none on correct transactions, acknowledging with a reason (kept in the
audit log), and the warnings in ``juni-tui list --json``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from juni_tui.cli import main
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import SplitLine, Status
from juni_tui.domain.vat import VatCode
from juni_tui.services.bookkeeping.warnings import acknowledge, findings, open_findings, warnings_of
from juni_tui.services.store import Store
from juni_tui.services.workflow import WorkflowError
from tests.conftest import make_tx

SETTINGS = Settings()


def codes(tx, settings=SETTINGS, duplicates=None) -> list[str]:
    return [f.code for f in findings(tx, settings, duplicates)]


CORRECT = [
    make_tx("saas-us", merchant="Figma Inc", merchant_country="US", original_currency="USD",
            original_amount=Decimal("-15.00"), account=5420, vat_code=VatCode.RC_NON_EU_SERVICES, category="Software"),
    make_tx("hotel", merchant="Scandic Grand Central", merchant_country="SE", account=5831, vat_code=VatCode.VAT12,
            category="Hotels"),
    make_tx("client-lunch", merchant="Restaurang Prinsen", merchant_country="SE", account=6072,
            vat_code=VatCode.VAT12, participants=2, category="Food & Drink"),
    make_tx("groceries-march", date=date(2026, 3, 20), merchant="ICA Nära Odenplan", merchant_country="SE",
            account=7690, vat_code=VatCode.VAT12, category="Groceries"),
    make_tx("groceries-may", date=date(2026, 5, 20), merchant="ICA Nära Odenplan", merchant_country="SE",
            account=7690, vat_code=VatCode.VAT6, category="Groceries"),
    make_tx("hotel-oslo", merchant="Thon Hotel Oslo", merchant_country="NO", original_currency="NOK",
            original_amount=Decimal("-1890.00"), account=5832, vat_code=VatCode.NONE),
    make_tx("private", merchant="Åhléns", merchant_country="SE", account=1680, vat_code=VatCode.NONE),
    make_tx("cash", merchant="Bankomat Sergels torg", merchant_country="SE", account=1910, vat_code=VatCode.NONE),
    make_tx("fika", merchant="Espresso House", merchant_country="SE", account=6071, vat_code=VatCode.VAT12,
            participants=4, category="Food & Drink", amount=Decimal("-220.00")),  # simple refreshments: 6071
    make_tx("laptop", merchant="Dustin AB", merchant_country="SE", account=5410, vat_code=VatCode.VAT25),
]


@pytest.mark.parametrize("tx", CORRECT, ids=lambda tx: tx.id)
def test_no_warning_on_a_correct_transaction(tx):
    assert codes(tx) == []


def test_swedish_vat_on_a_merchant_abroad_is_a_warning_that_says_what_to_do():
    tx = make_tx(merchant="Amazon Web Services", merchant_country="US", original_currency="USD",
                 original_amount=Decimal("-80.00"), account=6540, vat_code=VatCode.VAT25)
    (finding,) = findings(tx, SETTINGS)
    assert finding.code == "swedish_vat_abroad"
    assert "not deductible" in finding.message and "use 0" in finding.message


def test_swedish_vat_paid_in_a_foreign_currency_without_a_country_is_a_warning():
    tx = make_tx(merchant="Hotel Kämp", original_currency="EUR", original_amount=Decimal("-100"), account=5832,
                 vat_code=VatCode.VAT12)
    assert "swedish_vat_abroad" in codes(tx)


def test_reverse_charge_on_a_swedish_merchant_is_a_warning():
    tx = make_tx(merchant="Telia Sverige AB", merchant_country="SE", account=6212, vat_code=VatCode.RC_EU_SERVICES)
    assert codes(tx) == ["reverse_charge_in_sweden"]
    assert "use 25, 12 or 6" in findings(tx, SETTINGS)[0].message


def test_a_balance_sheet_account_as_the_cost_of_a_purchase_is_a_warning_unless_allowed():
    tx = make_tx(merchant="Clas Ohlson", merchant_country="SE", account=2640, vat_code=VatCode.VAT25)
    assert codes(tx) == ["balance_sheet_account"]
    assert "Settings" in findings(tx, SETTINGS)[0].message
    allowed = Settings(allowed_balance_accounts=(2640,))
    assert codes(tx, allowed) == []


def test_twelve_percent_on_an_account_for_neither_food_hotel_nor_restaurant_is_a_warning():
    tx = make_tx(merchant="Kjell & Company", merchant_country="SE", account=5410, vat_code=VatCode.VAT12)
    assert codes(tx) == ["twelve_percent_account"]


def test_a_hotel_at_twelve_percent_on_the_travel_accounts_is_no_warning():
    for account in (5800, 5830, 5831):
        tx = make_tx(merchant="Scandic Grand Central", merchant_country="SE", account=account,
                     vat_code=VatCode.VAT12)
        assert codes(tx) == [], account


def test_twelve_percent_on_groceries_from_april_2026_is_a_warning_but_not_before():
    after = make_tx(date=date(2026, 4, 1), merchant="Willys Hemma", merchant_country="SE", account=7690,
                    vat_code=VatCode.VAT12)
    assert codes(after) == ["food_rate"]
    assert "6 %" in findings(after, SETTINGS)[0].message
    assert codes(after.model_copy(update={"date": date(2026, 3, 31)})) == []
    assert codes(after.model_copy(update={"date": date(2028, 1, 1)})) == []


def test_a_meal_on_deductible_representation_is_a_warning_naming_the_right_account():
    tx = make_tx(merchant="Restaurang Prinsen", merchant_country="SE", account=6071, vat_code=VatCode.VAT12,
                 participants=2)
    (finding,) = findings(tx, SETTINGS)
    assert finding.code == "meal_on_deductible_representation" and "6072" in finding.message
    staff = make_tx(merchant="Pizzeria Napoli", merchant_country="SE", participants=10,
                    splits=(SplitLine(amount=Decimal("-1250.00"), account=7631, vat_code=VatCode.VAT12),))
    assert "7632" in findings(staff, SETTINGS)[0].message
    by_amount = make_tx(merchant="Nordic Events AB", merchant_country="SE", account=6071, vat_code=VatCode.VAT12,
                        participants=2, amount=Decimal("-1120.00"))  # 560 kr a head is no fika
    assert codes(by_amount) == ["meal_on_deductible_representation"]


def test_a_likely_duplicate_is_a_warning_on_both(home):
    a = make_tx("a", merchant="SJ AB", card="1234", account=5811, vat_code=VatCode.VAT6)
    b = a.model_copy(update={"id": "b"})
    other_card = a.model_copy(update={"id": "c", "card": "9999"})
    other_day = a.model_copy(update={"id": "d", "date": date(2026, 10, 6)})
    with Store.open(home) as store:
        store.commit([a, b, other_card, other_day])
        found = warnings_of(store, [a, b, other_card, other_day])
    assert set(found) == {"a", "b"}
    assert [f.code for f in found["a"]] == ["likely_duplicate"] and "b has the same card" in found["a"][0].message


def test_a_warning_is_acknowledged_with_a_reason_kept_in_the_audit_log(home):
    tx = make_tx("t", merchant="Kjell & Company", merchant_country="SE", account=5410, vat_code=VatCode.VAT12)
    with Store.open(home) as store:
        store.commit([tx])
        with pytest.raises(WorkflowError, match="Say why"):
            acknowledge(store, "t", "twelve_percent_account", "   ")
        with pytest.raises(WorkflowError, match="no warning"):
            acknowledge(store, "t", "likely_duplicate", "checked")
        changed = acknowledge(store, "t", "twelve_percent_account", "Receipt says 12 %: food for the office")
        assert open_findings(changed, store.settings) == []
        assert findings(changed, store.settings)[0].acknowledged == "Receipt says 12 %: food for the office"
        record = store.audit_log()[-1]
    assert record["action"] == "acknowledge-warning" and record["warning"] == "twelve_percent_account"
    assert record["reason"] == "Receipt says 12 %: food for the office" and record["ids"] == ["t"]


def test_warnings_never_block_marking_ready(home):
    from juni_tui.services import workflow

    tx = make_tx("t", merchant="Kjell & Company", merchant_country="SE", account=5410, vat_code=VatCode.VAT12,
                 no_receipt_reason="e-mail")
    with Store.open(home) as store:
        store.commit([tx])
        assert workflow.mark_ready(store, ["t"]).done == ["t"]
        assert store.transactions["t"].status == Status.READY


def test_list_json_gives_each_item_its_warnings(home, capsys):
    with Store.open(home) as store:
        store.commit([make_tx("odd", merchant="Telia Sverige AB", merchant_country="SE", account=6212,
                              vat_code=VatCode.RC_EU_SERVICES),
                      make_tx("fine", merchant="Dustin AB", merchant_country="SE", account=5410,
                              vat_code=VatCode.VAT25)])
    assert main(["--home", str(home.root), "list", "--json"]) == 0
    items = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert items["fine"]["warnings"] == []
    (warning,) = items["odd"]["warnings"]
    assert warning["code"] == "reverse_charge_in_sweden" and warning["message"].startswith("Telia Sverige AB is")
