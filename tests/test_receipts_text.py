"""Reading a receipt: amounts, currencies, dates and merchants in Swedish and English, from text and file names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from juni_tui.services.receipts.reading import (
    amount_in_text,
    date_in_text,
    facts_from_filename,
    facts_from_text,
    merchant_in_text,
    pdf_text,
    read_facts,
)
from tests.test_receipts import pdf


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("Latte 54,00\nTotalt SEK 1 104,50\nvarav moms 12% 118,34", "1104.50", "SEK"),
        ("Mjölk 34,90\nAtt betala 1.234,50\nKort 1 234,50", "1234.50", None),
        ("Bulle 30:-\nSumma 104:-", "104.00", "SEK"),
        ("Subtotal $20.00\nTax $1.00\nTotal $21.00\nAmount paid $21.00", "21.00", "USD"),
        ("Amount paid USD 21.00", "21.00", "USD"),
        ("Netto 9,60 €\nTotal 12,00 €", "12.00", "EUR"),
        ("Totalt att betala: 12 500 kr", "12500.00", "SEK"),
        ("Total\n1,234.50 GBP", "1234.50", "GBP"),
        ("Hotell 2 natter 1 800,00\nFrukost 200,00 SEK", "1800.00", "SEK"),  # no total line: the largest amount
        ("Kreditnota\nTotalt SEK 500,00", "-500.00", "SEK"),
    ],
)
def test_the_total_and_its_currency_are_read(text, amount, currency):
    value, cur = amount_in_text(text)
    assert isinstance(value, Decimal) and value == Decimal(amount)
    assert cur == currency


def test_vat_percentages_quantities_and_org_numbers_are_not_amounts():
    assert amount_in_text("Org.nr 556677-8899\nMoms 25%\n2 st") == (None, None)


@pytest.mark.parametrize(
    "text",
    ["Datum 2026-10-05", "Datum: 05.10.2026", "Köpt 5 okt 2026", "5 oktober 2026", "Date paid Oct 5, 2026",
     "October 5 2026", "5th Oct 2026", "2026/10/05"],
)
def test_swedish_and_english_dates_are_read(text):
    assert date_in_text(text) == date(2026, 10, 5)


def test_the_purchase_date_wins_over_a_due_date():
    assert date_in_text("Förfallodatum 2026-11-01\nFakturadatum 2026-10-05") == date(2026, 10, 5)
    assert date_in_text("Due date Nov 1, 2026\nDate of issue Oct 5, 2026") == date(2026, 10, 5)


def test_an_impossible_date_is_not_a_date():
    assert date_in_text("Datum 2026-02-30") is None


def test_the_merchant_is_the_name_at_the_top_or_after_receipt_from():
    assert merchant_in_text("KVITTO\nICA Nära Hornstull\nOrg.nr 556677-8899") == "ICA Nära Hornstull"
    assert merchant_in_text("Receipt from Anthropic, PBC\nReceipt #2381-4021") == "Anthropic, PBC"
    assert merchant_in_text("Kreditnota Clas Ohlson\nDatum 2026-10-05") == "Clas Ohlson"


@pytest.mark.parametrize(
    ("name", "amount", "currency", "day", "merchant"),
    [
        ("2026-10-05_Espresso-House_104.00.pdf", "104.00", None, date(2026, 10, 5), "Espresso House"),
        ("kvitto adobe 1250 SEK.pdf", "1250.00", "SEK", None, "adobe"),
        ("receipt_20261005_USD 21.00 openai.pdf", "21.00", "USD", date(2026, 10, 5), "openai"),
        ("Taxi Stockholm 389 kr 5 okt 2026.jpg", "389.00", "SEK", date(2026, 10, 5), "Taxi Stockholm"),
        ("Oct 5, 2026 - Slack - $12.50.png", "12.50", "USD", date(2026, 10, 5), "Slack"),
        ("SJ 05.10.2026 1 250,00.pdf", "1250.00", None, date(2026, 10, 5), "SJ"),
        ("Clas Ohlson 104:-.jpg", "104.00", "SEK", None, "Clas Ohlson"),
        ("IMG_4021.jpg", None, None, None, None),
        ("Invoice-2381-4021.pdf", None, None, None, None),
    ],
)
def test_the_file_name_is_read(name, amount, currency, day, merchant):
    facts = facts_from_filename(name)
    assert facts.amount == (Decimal(amount) if amount else None)
    assert (facts.currency, facts.date, facts.merchant) == (currency, day, merchant)


def test_a_generated_pdf_receipt_is_read_back():
    data = pdf("Espresso House Odengatan", date(2026, 10, 5), "1104.50", vat_rate=Decimal("0.12"),
               address="Odengatan 1, Stockholm", org_number="556677-8899")
    facts = facts_from_text(pdf_text(data))
    assert facts.amount == Decimal("1104.50") and facts.currency == "SEK"
    assert facts.date == date(2026, 10, 5) and facts.merchant == "Espresso House Odengatan"


def test_a_foreign_currency_pdf_keeps_its_currency():
    facts = facts_from_text(pdf_text(pdf("Slack", date(2026, 10, 5), "12.50", currency="USD")))
    assert (facts.amount, facts.currency) == (Decimal("12.50"), "USD")


def test_the_file_name_wins_and_the_text_fills_the_gaps():
    text = "Espresso House\nDatum 2026-10-04\nTotalt SEK 104,00"
    facts = read_facts(text, "espresso 104.00.pdf")
    assert (facts.amount, facts.currency, facts.date) == (Decimal("104.00"), "SEK", date(2026, 10, 4))
    other = read_facts(text, "espresso 99.00.pdf")
    assert other.amount == Decimal("99.00") and other.currency is None  # the text's currency is for its own amount


def test_a_damaged_pdf_has_no_text_rather_than_an_error():
    assert pdf_text(b"%PDF-1.4\n garbage") == ""


def test_a_merchant_read_from_hostile_pdf_text_holds_no_control_characters():
    text = "Evil \x1b]52;c;SGVsbG8=\x07 Shop \x1b[2J\x9b\nTotalt SEK 104,00"
    merchant = facts_from_text(text).merchant
    assert merchant is not None and "Evil" in merchant and "Shop" in merchant
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in merchant)
