"""VAT codes: what each means, its label and its rate."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# --- VAT ------------------------------------------------------------------------------------------------------


class VatCode(StrEnum):
    """juni-tui's own VAT vocabulary (the bookkeeping issue has the table of rows each one produces)."""

    VAT25 = "25"
    VAT12 = "12"
    VAT6 = "6"
    NONE = "0"
    RC_EU_SERVICES = "RC_EU_SERVICES"
    RC_NON_EU_SERVICES = "RC_NON_EU_SERVICES"
    RC_EU_GOODS = "RC_EU_GOODS"

    @property
    def label(self) -> str:
        return VAT_LABELS[self]

    @property
    def rate(self) -> Decimal:
        return VAT_RATES[self]

    @property
    def is_reverse_charge(self) -> bool:
        return self.value.startswith("RC_")


VAT_LABELS = {
    VatCode.VAT25: "25 % Swedish VAT",
    VatCode.VAT12: "12 % Swedish VAT",
    VatCode.VAT6: "6 % Swedish VAT",
    VatCode.NONE: "No VAT (exempt or outside scope)",
    VatCode.RC_EU_SERVICES: "Reverse charge, services from the EU",
    VatCode.RC_NON_EU_SERVICES: "Reverse charge, services from outside the EU",
    VatCode.RC_EU_GOODS: "Reverse charge, goods from the EU",
}
VAT_RATES = {
    VatCode.VAT25: Decimal("0.25"),
    VatCode.VAT12: Decimal("0.12"),
    VatCode.VAT6: Decimal("0.06"),
    VatCode.NONE: Decimal("0"),
    VatCode.RC_EU_SERVICES: Decimal("0.25"),
    VatCode.RC_NON_EU_SERVICES: Decimal("0.25"),
    VatCode.RC_EU_GOODS: Decimal("0.25"),
}
