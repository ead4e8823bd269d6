"""The seeded demo company: what never changes while the sandbox runs.

A small Swedish consultancy on the BAS chart of accounts, with two financial years (2025 locked up to
mid-year), manual and non-manual voucher series, cost centers and projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .config import DEMO_TENANT_ID

COMPANY = {
    "Address": "Storgatan 12",
    "City": "Umeå",
    "CountryCode": "SE",
    "DatabaseNumber": int(DEMO_TENANT_ID),
    "CompanyName": "Nordljus Konsult AB",
    "OrganizationNumber": "559123-4561",
    "VisitAddress": "Storgatan 12",
    "VisitCity": "Umeå",
    "VisitCountryCode": "SE",
    "VisitZipCode": "903 26",
    "ZipCode": "903 26",
}

LOCKED_PERIOD_END = date(2025, 6, 30)
ACCOUNT_CHART_TYPE = "BAS 2024"


@dataclass(frozen=True)
class FinancialYear:
    id: int
    from_date: date
    to_date: date

    def covers(self, day: date) -> bool:
        return self.from_date <= day <= self.to_date


FINANCIAL_YEARS = (
    FinancialYear(1, date(2025, 1, 1), date(2025, 12, 31)),
    FinancialYear(2, date(2026, 1, 1), date(2026, 12, 31)),
)
# Without ?financialyear Fortnox uses the "preselected" year: here, as for most companies, the latest.
PRESELECTED_YEAR = FINANCIAL_YEARS[-1]


@dataclass(frozen=True)
class VoucherSeries:
    code: str
    description: str
    manual: bool


VOUCHER_SERIES = (
    VoucherSeries("A", "Manuell", True),
    VoucherSeries("B", "Kundfakturor", False),
    VoucherSeries("C", "Kundinbetalningar", False),
    VoucherSeries("D", "Leverantörsfakturor", False),
    VoucherSeries("K", "Kortköp", True),
)

COST_CENTERS = (
    {"Code": "100", "Description": "Ledning", "Note": "", "Active": True},
    {"Code": "200", "Description": "Försäljning", "Note": "", "Active": True},
    {"Code": "300", "Description": "Konsultverksamhet", "Note": "", "Active": True},
    {"Code": "900", "Description": "Gamla kontoret", "Note": "Avvecklat 2024", "Active": False},
)

PROJECTS = (
    {"ProjectNumber": "1", "Description": "Intern utveckling", "Status": "ONGOING",
     "StartDate": "2025-01-01", "EndDate": ""},
    {"ProjectNumber": "2", "Description": "Kund Alfa, införande", "Status": "ONGOING",
     "StartDate": "2025-03-01", "EndDate": "2026-06-30"},
    {"ProjectNumber": "3", "Description": "Webbplats 2024", "Status": "COMPLETED",
     "StartDate": "2024-02-01", "EndDate": "2024-11-30"},
    {"ProjectNumber": "4", "Description": "Kund Beta, förstudie", "Status": "NOTSTARTED",
     "StartDate": "2026-09-01", "EndDate": ""},
)
BOOKABLE_PROJECT_STATUSES = ("NOTSTARTED", "ONGOING")

def financial_year(year_id: int) -> FinancialYear | None:
    return next((fy for fy in FINANCIAL_YEARS if fy.id == year_id), None)


def financial_year_for(day: date) -> FinancialYear | None:
    return next((fy for fy in FINANCIAL_YEARS if fy.covers(day)), None)


def voucher_series(code: str) -> VoucherSeries | None:
    return next((s for s in VOUCHER_SERIES if s.code == code), None)


def cost_center(code: str) -> dict | None:
    return next((c for c in COST_CENTERS if c["Code"] == code), None)


def project(number: str) -> dict | None:
    return next((p for p in PROJECTS if p["ProjectNumber"] == number), None)
