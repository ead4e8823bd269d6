"""The demo company: about 300 realistic card transactions that the whole flow can work through."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from juni_tui.domain.money import round_ore
from juni_tui.domain.transactions import Origin, Status
from juni_tui.domain.vat import VatCode
from juni_tui.sandbox import chart, company
from juni_tui.services import receipts, rules
from juni_tui.services.bookkeeping import warnings
from juni_tui.services.demo.company import (
    CATEGORIES,
    DEMO_FILE,
    FX_RATES,
    HOTEL_BILL_TEXT,
    create_demo_home,
    demo_period,
    generate,
)
from juni_tui.services.importing import import_file
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home
from juni_tui.services.vouchers import build_voucher, check_voucher, vat_part
from tests.conftest import make_tx

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo home for the module (read-only for the tests; copy it to change it), with its summary."""
    home = Home(tmp_path_factory.mktemp("demo") / "home")
    summary = create_demo_home(home, today=TODAY, seed=7)
    with Store.open(home) as store:
        txs = list(store.transactions.values())
        settings = store.settings
        stored_receipts = list(store.receipts.values())
        rule_ids = [r.id for r in rules.list_rules(store)]
        audit = store.audit_log()
    return dict(home=home, summary=summary, txs=txs, settings=settings, receipts=stored_receipts,
                rules=rule_ids, audit=audit)


def test_about_300_transactions_over_the_three_months_up_to_today(demo):
    txs, summary = demo["txs"], demo["summary"]
    assert summary.created and summary.transactions == len(txs)
    assert 270 <= len(txs) <= 330
    days = [tx.date for tx in txs]
    assert max(days) <= TODAY and min(days) >= TODAY - timedelta(days=92)
    assert len({d.month for d in days}) >= 3
    assert all(tx.status == Status.PREPARE for tx in txs)
    assert len({tx.id for tx in txs}) == len(txs)


def test_every_date_is_in_the_open_part_of_the_2026_financial_year():
    for today in (date(2026, 2, 10), date(2026, 7, 15), TODAY, date(2027, 3, 1)):
        start, end = demo_period(today)
        assert date(2026, 1, 1) <= start <= end <= min(today, date(2026, 12, 31))
        assert start > company.LOCKED_PERIOD_END
        assert all(start <= d.tx.date <= end for d in generate(today, 7))


def test_the_same_seed_and_day_give_the_same_transactions_and_another_seed_does_not():
    def key(items):
        return [(d.tx.id, d.tx.date, d.tx.merchant, d.tx.amount, d.tx.account, d.receipt) for d in items]

    assert key(generate(TODAY, 7)) == key(generate(TODAY, 7))
    assert key(generate(TODAY, 8)) != key(generate(TODAY, 7))


def test_the_demo_home_holds_exactly_the_generated_transactions(demo):
    generated = {d.tx.id: d.tx for d in generate(TODAY, 7)}
    stored = {tx.id: tx for tx in demo["txs"]}
    assert stored.keys() == generated.keys()
    assert all(stored[i].amount == generated[i].amount and stored[i].date == generated[i].date for i in stored)


def test_about_seventy_percent_have_account_and_vat_code_from_the_file_or_rules(demo):
    txs = demo["txs"]
    complete = [tx for tx in txs if tx.values_complete]
    assert 0.62 <= len(complete) / len(txs) <= 0.78
    origins = Counter(tx.sources["account"].origin for tx in complete)
    assert set(origins) == {Origin.IMPORT, Origin.RULE} and origins[Origin.RULE] > origins[Origin.IMPORT] > 10
    incomplete = [tx for tx in txs if not tx.values_complete]
    assert any(tx.account is None and tx.vat_code is None for tx in incomplete)
    assert any(tx.account is not None and tx.vat_code is None for tx in incomplete)  # Amazon: the VAT is open
    assert len(demo["rules"]) >= 10


def test_foreign_purchases_carry_their_currency_and_a_plausible_sek_amount(demo):
    foreign = [tx for tx in demo["txs"] if tx.is_foreign]
    assert {tx.original_currency for tx in foreign} == {"USD", "EUR", "NOK", "GBP"}
    for tx in foreign:
        rate = tx.amount / tx.original_amount
        assert abs(rate / FX_RATES[tx.original_currency] - 1) <= Decimal("0.016"), tx
    assert len([tx for tx in foreign if not tx.values_complete]) >= 2
    assert {tx.merchant_country for tx in foreign} >= {"US", "IE", "LU", "NO", "GB"}


def test_vat_codes_fit_the_seller(demo):
    by_country = Counter((tx.merchant_country, tx.vat_code) for tx in demo["txs"] if tx.vat_code)
    for (country, code), _ in by_country.items():
        if code == VatCode.RC_NON_EU_SERVICES:
            assert country in ("US", "AU")
        elif code == VatCode.RC_EU_SERVICES:
            assert country in ("IE", "LU")
        elif code in (VatCode.VAT25, VatCode.VAT12, VatCode.VAT6):
            assert country == "SE"
    assert all(tx.vat_code == VatCode.VAT6 for tx in demo["txs"] if tx.merchant == "SJ AB")


def test_refunds_mirror_an_earlier_purchase_at_the_same_merchant(demo):
    txs = demo["txs"]
    refunds = [tx for tx in txs if tx.is_refund]
    assert 3 <= len(refunds) <= 8
    for refund in refunds:
        purchases = [tx for tx in txs if not tx.is_refund and tx.merchant == refund.merchant
                     and tx.card == refund.card and tx.date < refund.date and -tx.amount >= refund.amount]
        assert purchases, refund


def test_bank_fees_book_without_vat_and_need_no_receipt(demo):
    fees = [tx for tx in demo["txs"] if tx.merchant.startswith("Juni")]
    assert len(fees) >= 4
    for fee in fees:
        assert (fee.account, fee.vat_code, fee.no_receipt_reason) == (6570, VatCode.NONE, "bank fee")
        assert fee.is_complete


def test_several_cards_cardholders_and_juni_categories(demo):
    txs = demo["txs"]
    assert len({tx.card for tx in txs}) >= 4 and len({tx.cardholder for tx in txs}) >= 4
    assert {tx.category for tx in txs} <= set(CATEGORIES) and len({tx.category for tx in txs}) >= 10
    assert any(tx.cost_center == "300" for tx in txs) and any(tx.project == "2" for tx in txs)


def test_every_account_used_is_in_the_sandbox_chart_and_active(demo):
    used = {line.account for tx in demo["txs"] for line in tx.lines() if line.account is not None}
    assert used <= set(chart.ACCOUNTS)
    assert all(chart.ACCOUNTS[n].active for n in used)
    assert 6250 not in used and {5420, 5811, 5820, 5831, 6072, 6212, 6540, 6570, 7690} <= used


def test_every_complete_transaction_builds_a_voucher_fortnox_accepts(demo):
    with Store.open(demo["home"]) as store:
        accounts = {a.number: a for a in store.accounts.values()}
        cost_centers = {c.code: c for c in store.cost_centers.values()}
        projects = {p.number: p for p in store.projects.values()}
    complete = [tx for tx in demo["txs"] if tx.values_complete]
    for tx in complete:
        voucher = build_voucher(tx, demo["settings"], "K")
        assert voucher.balanced
        assert check_voucher(voucher, accounts, cost_centers, projects) == [], tx.id


def test_settings_and_fortnox_lists_are_the_sandbox_company(demo):
    settings = demo["settings"]
    assert (settings.company_name, settings.org_number) == (company.COMPANY["CompanyName"],
                                                            company.COMPANY["OrganizationNumber"])
    assert (settings.payment_account, settings.default_series) == (1930, "K")
    with Store.open(demo["home"]) as store:
        assert len(store.accounts) == len(chart.ACCOUNTS) and not store.accounts[6250].active
        assert store.voucher_series["K"].manual and len(store.financial_years) == 2


def test_about_half_have_a_pdf_receipt_that_says_what_the_transaction_is(demo):
    txs = {tx.id: tx for tx in demo["txs"]}
    with_receipt = [tx for tx in txs.values() if tx.receipts]
    assert 0.4 <= len(with_receipt) / len(txs) <= 0.65
    attached = [r for r in demo["receipts"] if r.transaction_id]
    assert len(attached) == demo["summary"].receipts_attached == len(with_receipt)
    for receipt in attached:
        tx = txs[receipt.transaction_id]
        assert receipt.origin == "demo" and receipt.content_type == "application/pdf"
        expected = (abs(tx.original_amount), tx.original_currency) if tx.is_foreign else (abs(tx.amount), "SEK")
        assert (receipt.amount, receipt.currency) == expected, tx.id
        assert receipt.receipt_date == tx.date
    text = PdfReader(str(demo["home"].root / attached[0].path)).pages[0].extract_text()
    assert attached[0].receipt_date.isoformat() in text


def test_a_hotel_bill_worth_splitting_is_left_to_the_accountant(demo):
    (bill,) = [tx for tx in demo["txs"] if tx.description == HOTEL_BILL_TEXT]
    assert bill.merchant == "Scandic Grand Central" and not bill.values_complete and bill.receipts
    receipt = next(r for r in demo["receipts"] if r.transaction_id == bill.id)
    assert "Logi 2 n" in receipt.text and "Middag" in receipt.text and "Bar" in receipt.text


def test_the_inbox_gives_matching_a_dozen_clear_cases_one_doubtful_and_two_strays(demo, tmp_path):
    home = Home(tmp_path / "copy")
    shutil.copytree(demo["home"].root, home.root)
    assert len(demo["summary"].inbox_files) == 15
    with Store.open(home) as store:
        report = receipts.scan_inbox(store)
        assert report.match.counts == {"auto": 12, "suggested": 1, "unmatched": 2}
        (doubtful,) = report.match.suggested
        assert len(doubtful.candidates) == 2
        for outcome in report.match.auto:
            tx = store.transactions[outcome.transaction_id]
            assert tx.receipts == (outcome.receipt_id,)


def test_the_demo_file_is_the_import_file_and_importing_it_again_adds_nothing(demo, tmp_path):
    home = Home(tmp_path / "copy")
    shutil.copytree(demo["home"].root, home.root)
    with Store.open(home) as store:
        result = import_file(store, home.root / DEMO_FILE)
        assert result.added == [] and len(result.already_present) == len(demo["txs"])
    actions = Counter(record["action"] for record in demo["audit"])
    assert actions["demo-setup"] == 1 and actions["import"] == 1 and actions["demo-created"] == 1


def test_a_home_with_transactions_is_never_touched(home):
    with Store.open(home) as store:
        store.commit([make_tx("mine")])
    summary = create_demo_home(home, today=TODAY)
    assert not summary.created and "already has transactions" in summary.message
    with Store.open(home) as store:
        assert list(store.transactions.keys()) == ["mine"] and len(store.accounts) == 0
    assert not (home.root / DEMO_FILE).exists() and not home.default_inbox.exists()


def test_client_lunches_are_representation_on_6072_car_hire_deducts_half_and_groceries_are_at_6(demo):
    txs, settings = demo["txs"], demo["settings"]
    lunches = [tx for tx in txs if tx.description == "Lunch med kund" and not tx.is_refund]
    assert lunches and all(tx.account == 6072 and tx.participants and tx.purpose and tx.attendees
                           for tx in lunches)
    capped = [tx for tx in lunches if (rows := build_voucher(tx, settings, "K").rows)
              and rows[1].debit < vat_part(-tx.amount, VatCode.VAT12)]
    assert capped, "at least one lunch is over 300 kr excl. VAT per participant"
    hires = [tx for tx in txs if tx.account == 5820]
    assert hires
    for tx in hires:
        cost, vat, _payment = build_voucher(tx, settings, "K").rows
        assert vat.debit == round_ore(vat_part(-tx.amount, VatCode.VAT25) / 2)
    groceries = [tx for tx in txs if tx.merchant.startswith(("ICA", "Coop"))]
    assert groceries and all(tx.date >= date(2026, 4, 1) and tx.vat_code == VatCode.VAT6 for tx in groceries)
    assert all(not warnings.open_findings(tx, settings) for tx in lunches + hires + groceries)
