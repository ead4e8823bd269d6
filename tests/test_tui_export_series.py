"""The export dialog: picking a series exports to it and changes nothing else; only the ticked box makes it the
default series in Settings."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, OptionList

from juni_tui.app import JuniApp
from juni_tui.screens.modals.dialogs import Confirm
from juni_tui.screens.modals.series import SeriesPicker
from juni_tui.services.fortnox import oauth
from tests.helpers import booked, flushed, seed_ready

pytestmark = pytest.mark.usefixtures("quick_flush")


async def export_in(app, pilot, series: str, *, tick: bool) -> None:
    await pilot.press("2")
    await flushed(app, pilot)
    await pilot.press("ctrl+a", "e")
    assert isinstance(app.screen, SeriesPicker)
    assert app.screen.query_one("#remember", Checkbox).value is False  # off by default
    if tick:
        await pilot.press("tab", "space", "shift+tab")
        assert app.screen.query_one("#remember", Checkbox).value is True
    app.screen.query_one(OptionList).highlighted = [code for code, _ in app.screen.choices].index(series)
    await pilot.press("enter")
    assert isinstance(app.screen, Confirm)
    await pilot.press("y")
    await app.workers.wait_for_complete()
    await flushed(app, pilot)


@pytest.mark.parametrize("tick", [False, True])
async def test_the_series_becomes_the_default_only_when_the_box_is_ticked(connected, sandbox, tick):
    connected.save_settings(connected.settings.model_copy(update={"default_series": "A"}))
    seed_ready(connected, 2, receipts_every=0)
    app = JuniApp(connected, client_factory=lambda: oauth.make_client(connected.home, connected.settings.fortnox,
                                                                       env={}), watch_inbox=False)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.workers.wait_for_complete()
        await export_in(app, pilot, "K", tick=tick)
    assert [v["VoucherSeries"] for v in booked(sandbox)["vouchers"]] == ["K", "K"]
    assert connected.settings.default_series == ("K" if tick else "A")
