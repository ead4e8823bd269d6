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
from juni_tui.services.fortnox.errors import FortnoxError
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


async def sync_reference_data(store: Store, client: FortnoxClient, days: Iterable[date] = ()) -> ReferenceData:
    """Fetch the company (name, organisation number), its financial years, and the current year's chart of accounts
    and voucher series, cost centers and projects, and keep a copy in the store, so that completion, the checks on
    import and SIE files work offline. What Fortnox no longer has is removed; what has not changed is not written
    again. One commit. Returns everything fetched (with the years ``days`` fall in, for the export's checks)."""
    ref = await fetch_reference_data(client, days)
    try:
        ref.company = await client.company_information()
    except FortnoxError as exc:  # a nicety (SIE, the title bar): never what stops the lists, nor an export
        ref.company, company_problem = {}, str(exc)
    else:
        company_problem = ""
    current = ref.year_of(date.today()) or (ref.financial_years[-1] if ref.financial_years else None)
    if current is not None and current.id not in ref.series:  # today is past the last year: fetch the last one
        ref.series[current.id] = {s.code: s for s in await client.voucher_series(financial_year=current.id)}
        ref.accounts[current.id] = {a.number: a for a in await client.accounts(financial_year=current.id)}
    puts: list[Any] = []
    deletes: list[tuple[str, object]] = []
    for table, items in (
        (store.financial_years, {str(fy.id): fy for fy in ref.financial_years}),
        (store.accounts, {str(k): a for k, a in ref.accounts.get(current.id, {}).items()} if current else {}),
        (store.voucher_series, dict(ref.series.get(current.id, {})) if current else {}),
        (store.cost_centers, dict(ref.cost_centers)),
        (store.projects, dict(ref.projects)),
    ):
        puts += [item for key, item in items.items() if table.get(key) != item]
        deletes += [(table.name, key) for key in list(table.keys()) if key not in items]
    settings = store.settings
    name, org = _text(ref.company.get("CompanyName")), _text(ref.company.get("OrganizationNumber"))
    if not company_problem and (name, org) != (settings.company_name, settings.org_number):
        puts.append(settings.model_copy(update={"company_name": name, "org_number": org}))
    audit: dict[str, Any] = {"action": "sync-fortnox", "accounts": len(ref.accounts.get(current.id, {}))
                             if current else 0, "changed": len(puts), "removed": len(deletes)}
    if company_problem:
        audit["company_information"] = f"not given by Fortnox: {company_problem}"
    store.commit(puts, deletes, audit=audit)
    return ref


def _text(value: Any) -> str | None:
    """A name or number from Fortnox's answer as text, or None when it is missing or not text."""
    return str(value).strip() or None if isinstance(value, (str, int)) and not isinstance(value, bool) else None
