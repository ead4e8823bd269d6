"""Fortnox's reference data, kept in the home for completion and checks: accounts, cost centers, projects,
financial years and voucher series."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

# --- Fortnox reference data (cached locally for completion and checks) ---------------------------------------

DimensionSetting = Literal["ALLOWED", "MANDATORY", "NOTALLOWED"]


class Account(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    description: str
    active: bool = True
    vat_code: str = ""
    cost_center_settings: DimensionSetting = "ALLOWED"
    project_settings: DimensionSetting = "ALLOWED"

    @property
    def label(self) -> str:
        return f"{self.number} {self.description}"


class CostCenter(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str = ""
    active: bool = True


class Project(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    description: str = ""
    active: bool = True


class FinancialYear(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    from_date: date
    to_date: date

    def covers(self, day: date) -> bool:
        return self.from_date <= day <= self.to_date


class VoucherSeries(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str = ""
    manual: bool = True
