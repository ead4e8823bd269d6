"""Real PDF receipts with real text, for the demo company and for tests (pypdf reads them back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from fpdf import FPDF

from juni_tui.domain.money import format_sek


@dataclass(frozen=True)
class ReceiptLine:
    text: str
    amount: Decimal


@dataclass(frozen=True)
class ReceiptSpec:
    merchant: str
    day: date
    total: Decimal  # positive, in ``currency``
    currency: str = "SEK"
    lines: Sequence[ReceiptLine] = field(default_factory=tuple)
    vat_rate: Decimal | None = None  # e.g. Decimal("0.25"); None prints no VAT line
    address: str = ""
    org_number: str = ""
    reference: str = ""


def _latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1: spell out what they cannot draw."""
    text = text.replace("€", "EUR").replace("–", "-").replace("’", "'")
    return text.encode("latin-1", "replace").decode("latin-1")


def _amount(value: Decimal) -> str:
    return format_sek(value).replace("\u202f", " ")


def render_receipt_pdf(spec: ReceiptSpec) -> bytes:
    """A one-page receipt: merchant, date, lines, total with currency, and VAT when given. Deterministic bytes."""
    pdf = FPDF(format=(80, 150 + 6 * len(spec.lines)), unit="mm")
    pdf.set_creation_date(datetime(spec.day.year, spec.day.month, spec.day.day))
    pdf.set_margins(6, 6, 6)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 6, _latin1(spec.merchant), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    for extra in (spec.address, f"Org.nr {spec.org_number}" if spec.org_number else ""):
        if extra:
            pdf.cell(0, 4, _latin1(extra), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 4, f"Kvitto  Datum {spec.day.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    if spec.reference:
        pdf.cell(0, 4, _latin1(f"Ref {spec.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=9)
    for line in spec.lines:
        pdf.cell(48, 5, _latin1(line.text))
        pdf.cell(0, 5, _amount(line.amount), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(48, 6, f"Totalt {spec.currency}")
    pdf.cell(0, 6, _amount(spec.total), align="R", new_x="LMARGIN", new_y="NEXT")
    if spec.vat_rate:
        vat = (spec.total * spec.vat_rate / (1 + spec.vat_rate)).quantize(Decimal("0.01"))
        pdf.set_font("Helvetica", size=8)
        pdf.cell(48, 4, f"varav moms {int(spec.vat_rate * 100)}%")
        pdf.cell(0, 4, _amount(vat), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", size=8)
    pdf.cell(0, 4, "Kortbetalning  Tack for ditt kop!", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
