"""Fortnox's reference data, kept in the home for completion and checks: accounts, cost centers, projects,
financial years and voucher series."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol

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


class Accounts(Protocol):
    """A chart of accounts by number: a dict, or the store's table."""

    def get(self, key: int, /) -> Account | None: ...


def account_problem(accounts: Accounts, number: int) -> str | None:
    """Why Fortnox would not take ``number`` on a voucher, in words (``account 6540 is not in the chart of accounts
    in Fortnox``, ``account 6250 Postbefordran is inactive in Fortnox``), or None. The one account check: the
    editor, the importer, the rules, the settings and the checks before export all ask it."""
    account = accounts.get(number)
    if account is None:
        return f"account {number} is not in the chart of accounts in Fortnox"
    if not account.active:
        return f"account {account.label} is inactive in Fortnox"
    return None
