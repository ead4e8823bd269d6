"""VAT codes: what each means, its label and its rate; and Sweden's rate calendar (the food rate by date)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from juni_tui.domain.money import format_sek

# --- VAT ------------------------------------------------------------------------------------------------------


class VatCode(StrEnum):
    """juni-tui's own VAT vocabulary (``services.vouchers`` has the table of rows each one produces)."""

    VAT25 = "25"
    VAT12 = "12"
    VAT6 = "6"
    NONE = "0"
    RC_EU_SERVICES = "RC_EU_SERVICES"
    RC_EU_SERVICES_12 = "RC_EU_SERVICES_12"
    RC_EU_SERVICES_6 = "RC_EU_SERVICES_6"
    RC_NON_EU_SERVICES = "RC_NON_EU_SERVICES"
    RC_NON_EU_SERVICES_12 = "RC_NON_EU_SERVICES_12"
    RC_NON_EU_SERVICES_6 = "RC_NON_EU_SERVICES_6"
    RC_EU_GOODS = "RC_EU_GOODS"
    RC_EU_GOODS_12 = "RC_EU_GOODS_12"
    RC_EU_GOODS_6 = "RC_EU_GOODS_6"
    IMPORT_GOODS = "IMPORT_GOODS"
    IMPORT_GOODS_12 = "IMPORT_GOODS_12"
    IMPORT_GOODS_6 = "IMPORT_GOODS_6"

    @property
    def label(self) -> str:
        return VAT_LABELS[self]

    @property
    def rate(self) -> Decimal:
        return VAT_RATES[self]

    @property
    def is_reverse_charge(self) -> bool:
        """The buyer computes Swedish VAT on a purchase from abroad (services, or goods from the EU)."""
        return self.value.startswith("RC_")

    @property
    def is_import(self) -> bool:
        """Goods from outside the EU: import VAT, reported in the VAT return (box 60–62)."""
        return self.value.startswith("IMPORT_")

    @property
    def is_computed(self) -> bool:
        """The amount paid holds no VAT; the buyer computes it on the amount (reverse charge and import)."""
        return self in COMPUTED_CODES

    @property
    def is_swedish(self) -> bool:
        """The amount paid includes Swedish VAT (25, 12 or 6 %)."""
        return self in SWEDISH_CODES

    @property
    def kind(self) -> str:
        """``swedish``, ``none``, or the family of a computed code: ``eu_services``, ``non_eu_services``,
        ``eu_goods``, ``import``."""
        return _KINDS[self]


#: The codes whose amount includes Swedish VAT, and those whose VAT the buyer computes (reverse charge, import).
SWEDISH_CODES = frozenset({VatCode.VAT25, VatCode.VAT12, VatCode.VAT6})
COMPUTED_CODES = frozenset(code for code in VatCode if code.value.startswith(("RC_", "IMPORT_")))
_RATE_OF_SUFFIX = {"12": Decimal("0.12"), "6": Decimal("0.06")}


def _kind(code: VatCode) -> str:
    if code.is_swedish:
        return "swedish"
    if code == VatCode.NONE:
        return "none"
    if code.is_import:
        return "import"
    return {"RC_EU_SERVICES": "eu_services", "RC_NON_EU_SERVICES": "non_eu_services",
            "RC_EU_GOODS": "eu_goods"}[code.value.removesuffix("_12").removesuffix("_6")]


def _rate(code: VatCode) -> Decimal:
    if code.is_swedish:
        return Decimal(code.value) / 100
    if code == VatCode.NONE:
        return Decimal("0")
    return _RATE_OF_SUFFIX.get(code.value.rsplit("_", 1)[-1], Decimal("0.25"))


_FAMILY_LABELS = {
    "eu_services": "Reverse charge, services from the EU",
    "non_eu_services": "Reverse charge, services from outside the EU",
    "eu_goods": "Reverse charge, goods from the EU",
    "import": "Import VAT, goods from outside the EU",
}
_KINDS = {code: _kind(code) for code in VatCode}
VAT_RATES = {code: _rate(code) for code in VatCode}
VAT_LABELS = {
    VatCode.VAT25: "25 % Swedish VAT",
    VatCode.VAT12: "12 % Swedish VAT",
    VatCode.VAT6: "6 % Swedish VAT",
    VatCode.NONE: "No VAT (exempt, outside scope, or foreign VAT)",
    **{code: f"{_FAMILY_LABELS[_KINDS[code]]} {VAT_RATES[code] * 100:.0f} %"
       for code in VatCode if code.is_computed},
}

# --- the VAT in an amount, and the VAT as printed ------------------------------------------------------------

#: How far the VAT printed on a receipt may be from the code's rate (receipts round per line): 1 kr or 1 %.
PRINTED_VAT_TOLERANCE = Decimal("1.00")


def vat_part(gross: Decimal, code: VatCode) -> Decimal:
    """The Swedish VAT included in ``gross``: gross × rate / (1 + rate), rounded half-up to the öre.

    For ``25``, ``12`` and ``6``. Codes whose amount includes no VAT (``0``, reverse charge, import) give 0.
    The sign follows ``gross`` and the rounding is symmetric, so a refund's VAT is exactly the purchase's, negated.
    """
    if not code.is_swedish:
        return Decimal("0.00")
    rate = code.rate
    return (gross * rate / (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def printed_vat_problem(gross: Decimal, code: VatCode, printed: Decimal) -> str | None:
    """Why a VAT amount printed on a receipt cannot be booked with this code, or None when it fits the rate."""
    if not code.is_swedish:
        return (f"the VAT amount {_kr(printed)} is for Swedish VAT printed on a receipt, but the VAT code is "
                f"{code.value} ({code.label}); remove the VAT amount or choose 25, 12 or 6")
    expected = vat_part(abs(gross), code)
    # The tolerance is for receipts that round per line; it never lets the VAT reach the amount itself (the cost
    # row would be nil or negative).
    if abs(printed - expected) > max(PRINTED_VAT_TOLERANCE, expected / 100) or (printed and printed >= abs(gross)):
        return (f"the VAT amount {_kr(printed)} does not fit {code.label}: {_kr(abs(gross))} at "
                f"{code.rate * 100:.0f} % holds {_kr(expected)} of VAT; check the receipt's VAT and the VAT code")
    return None


def _kr(amount: Decimal) -> str:
    return format_sek(amount).replace("\u202f", " ")


# --- Sweden's rate calendar -----------------------------------------------------------------------------------

#: The food rate (livsmedel, take-away food) by period: 12 % until 2026-03-31, 6 % from 2026-04-01 to 2027-12-31
#: (prop. 2025/26:55), 12 % again after. Restaurant and catering services stay at 12 %, alcohol at 25 %.
FOOD_RATE_PERIODS: tuple[tuple[date | None, date | None, VatCode], ...] = (
    (None, date(2026, 3, 31), VatCode.VAT12),
    (date(2026, 4, 1), date(2027, 12, 31), VatCode.VAT6),
    (date(2028, 1, 1), None, VatCode.VAT12),
)
#: The days a Swedish rate changed: a rule or suggestion learned before one is not carried across it silently.
RATE_CHANGES: tuple[date, ...] = (date(2026, 4, 1), date(2028, 1, 1))


def food_vat_code(day: date) -> VatCode:
    """The VAT code of food bought on ``day``."""
    for start, end, code in FOOD_RATE_PERIODS:
        if (start is None or day >= start) and (end is None or day <= end):
            return code
    raise AssertionError("the periods cover every day")  # pragma: no cover


def rate_change_between(first: date, second: date) -> date | None:
    """The first rate change that lies between two days (either order), or None."""
    low, high = min(first, second), max(first, second)
    return next((change for change in RATE_CHANGES if low < change <= high), None)
