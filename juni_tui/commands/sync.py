"""``juni-tui sync``: fetch the company's lists from Fortnox and keep a copy in the home.

The company's name and organisation number (SIE files name the company), the chart of accounts (``import`` and
``set`` check accounts against it), voucher series, financial years, cost centers and projects. Every export does
the same first.
"""

from __future__ import annotations

import argparse
import asyncio

from juni_tui.commands._common import friendly, open_store, print_json, say
from juni_tui.services.fortnox import oauth
from juni_tui.services.fortnox.reference import sync_reference_data
from juni_tui.services.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="fetch the company, chart of accounts, series, years, cost centers "
                                   "and projects from Fortnox")
    parser.add_argument("--json", action="store_true", help="what is stored now, as JSON")
    parser.set_defaults(func=run_sync)


@friendly
def run_sync(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        asyncio.run(_sync(store))
        counts = {
            "accounts": len(store.accounts),
            "voucher_series": len(store.voucher_series),
            "financial_years": len(store.financial_years),
            "cost_centers": len(store.cost_centers),
            "projects": len(store.projects),
        }
        company = {"name": store.settings.company_name, "org_number": store.settings.org_number}
    if args.json:
        print_json({"company": company, **counts})
        return 0
    say(f"Synchronised with Fortnox: {company['name'] or 'company name not given'}"
        + (f" ({company['org_number']})" if company["org_number"] else "") + ".")
    say(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()) + " stored in the home.")
    return 0


async def _sync(store: Store) -> None:
    async with oauth.make_client(store.home, store.settings.fortnox) as client:
        await sync_reference_data(store, client)
        warning = oauth.connection_warning(client)
    if warning:
        say(f"Warning: {warning}", err=True)
