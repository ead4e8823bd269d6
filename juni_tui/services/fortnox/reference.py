"""Fortnox's reference data: financial years, the locked period, series, the chart, cost centers and projects.

``fetch_reference_data`` gets what the checks before queueing need (once per export); ``sync_reference_data`` keeps a
copy in the store, so that completion and checks work offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project, VoucherSeries
from juni_tui.services.fortnox.client import FortnoxClient
from juni_tui.services.store import Store


@dataclass
class ReferenceData:
    """What the checks before queueing need from Fortnox, fetched once per export."""

    financial_years: list[FinancialYear]
    locked_until: date | None
    series: dict[int, dict[str, VoucherSeries]] = field(default_factory=dict)  # per financial year
    accounts: dict[int, dict[int, Account]] = field(default_factory=dict)  # per financial year
    cost_centers: dict[str, CostCenter] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)

    def year_of(self, day: date) -> FinancialYear | None:
        return next((fy for fy in self.financial_years if fy.covers(day)), None)


async def fetch_reference_data(client: FortnoxClient, days: Iterable[date] = ()) -> ReferenceData:
    """Financial years, locked period, cost centers and projects; series and chart for the years ``days`` fall in
    (and the current one)."""
    ref = ReferenceData(financial_years=await client.financial_years(), locked_until=await client.locked_until())
    ref.cost_centers = {c.code: c for c in await client.cost_centers()}
    ref.projects = {p.number: p for p in await client.projects()}
    years = {fy.id for day in [*days, date.today()] if (fy := ref.year_of(day))}
    for year in sorted(years):
        ref.series[year] = {s.code: s for s in await client.voucher_series(financial_year=year)}
        ref.accounts[year] = {a.number: a for a in await client.accounts(financial_year=year)}
    return ref


async def sync_reference_data(store: Store, client: FortnoxClient) -> ReferenceData:
    """Fetch the company's chart of accounts, dimensions, years and series, and keep a copy in the store, so that
    completion and checks work offline. One commit."""
    ref = await fetch_reference_data(client)
    ref.company = await client.company_information()
    current = ref.year_of(date.today()) or (ref.financial_years[-1] if ref.financial_years else None)
    puts: list[Any] = list(ref.financial_years)
    if current is not None:
        puts += list(ref.accounts.get(current.id, {}).values())
        puts += list(ref.series.get(current.id, {}).values())
    puts += list(ref.cost_centers.values()) + list(ref.projects.values())
    settings = store.settings
    name, org = ref.company.get("CompanyName"), ref.company.get("OrganizationNumber")
    if (name, org) != (settings.company_name, settings.org_number):
        puts.append(settings.model_copy(update={"company_name": name, "org_number": org}))
    store.commit(puts, audit={"action": "sync-fortnox", "accounts": len(store.accounts)})
    return ref
