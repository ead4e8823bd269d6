"""A voucher (verifikation) as Fortnox takes it: balanced rows of account, debit and credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from juni_tui.domain.money import Money

# --- Vouchers -------------------------------------------------------------------------------------------------


class VoucherRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: int
    debit: Money = Decimal("0.00")
    credit: Money = Decimal("0.00")
    description: str | None = None
    transaction_information: str | None = None
    cost_center: str | None = None
    project: str | None = None

    def to_fortnox(self) -> dict[str, Any]:
        # Decimals stay Decimals: services.jsonutil writes them as exact JSON numbers.
        row: dict[str, Any] = {"Account": self.account, "Debit": self.debit, "Credit": self.credit}
        if self.description:
            row["Description"] = self.description
        if self.transaction_information:
            row["TransactionInformation"] = self.transaction_information
        if self.cost_center:
            row["CostCenter"] = self.cost_center
        if self.project:
            row["Project"] = self.project
        return row


class Voucher(BaseModel):
    """A voucher as juni-tui builds it, before Fortnox numbers it."""

    model_config = ConfigDict(frozen=True)

    series: str
    transaction_date: date
    description: str
    comments: str | None = None
    rows: tuple[VoucherRow, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), Decimal("0.00"))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit

    def to_fortnox(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "VoucherSeries": self.series,
            "TransactionDate": self.transaction_date.isoformat(),
            "Description": self.description,
            "VoucherRows": [r.to_fortnox() for r in self.rows],
        }
        if self.comments:
            body["Comments"] = self.comments
        return {"Voucher": body}
