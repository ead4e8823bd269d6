"""Every export syncs Fortnox's lists into the home first; the company's name is a nicety for SIE files and the
title bar, so Fortnox failing to give it (a missing scope, a 500) never stops vouchers from being booked."""

from __future__ import annotations

from juni_tui.domain.transactions import Status
from tests.helpers import fast_client, seed_ready
from tests.test_export_integrity import exporter_for, set_faults


async def test_an_export_goes_on_when_fortnox_cannot_give_the_company_information(connected, sandbox):
    ids = seed_ready(connected, 2, receipts_every=0)
    connected.save_settings(connected.settings.model_copy(update={"company_name": "Nordljus Konsult AB",
                                                                   "org_number": "559123-4561"}))
    set_faults(sandbox, error_rate=1.0, error_statuses=[500], paths=["companyinformation"])
    async with fast_client(connected) as client:
        exporter = exporter_for(connected, client)
        outcome = await exporter.queue(ids, "K")
        assert outcome.refused == {}
        await exporter.run()
    assert all(connected.get_transaction(i).status == Status.EXPORTED for i in ids)
    # what the home knew of the company stays as it was
    assert (connected.settings.company_name, connected.settings.org_number) == ("Nordljus Konsult AB", "559123-4561")
