"""The Settings tab (7), driven with Pilot against the sandbox: what it shows, what it saves, what it refuses."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, Static, Switch

from juni_tui.screens.settings import ConnectDialog, SettingsScreen
from tests.helpers import text_of
from tests.test_tui_flow import make_app, settle

pytestmark = pytest.mark.usefixtures("quick_flush")


async def open_settings(app, pilot) -> SettingsScreen:
    await settle(app, pilot)
    await pilot.press("7")
    await settle(app, pilot)
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def set_input(pilot, screen, widget_id: str, value: str) -> None:
    field = screen.query_one(f"#{widget_id}", Input)
    field.value = value
    await pilot.pause()


async def test_settings_show_the_connection_the_company_and_the_chart(connected):
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        text = text_of(screen.query_one("#connection", Static))
        assert "Connected to" in text and "service account" in text
        assert connected.settings.company_name and connected.settings.company_name in text
        assert f"{len(connected.accounts)} accounts" in text and len(connected.accounts) > 100


async def test_a_valid_payment_account_is_saved_and_logged(connected):
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        await set_input(pilot, screen, "payment_account", "1940")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(screen.query_one("#error", Static)).strip() == ""
    assert connected.settings.payment_account == 1940
    assert any(r.get("action") == "settings" and "payment_account" in r.get("details", "")
               for r in connected.audit_log())


async def test_an_unknown_or_inactive_account_is_refused_and_nothing_is_saved(connected):
    before = (connected.settings.payment_account, connected.settings.input_vat_account)
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        await set_input(pilot, screen, "payment_account", "5460")  # inactive in the sandbox's chart
        await set_input(pilot, screen, "input_vat_account", "12")  # not four digits
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = text_of(screen.query_one("#error", Static))
        assert "Not saved" in error
        assert "Account 5460" in error and "is inactive in Fortnox" in error
        assert "a four-digit account number" in error
    assert (connected.settings.payment_account, connected.settings.input_vat_account) == before
    assert not any(r.get("action") == "settings" and "payment_account" in r.get("details", "")
                   for r in connected.audit_log())


async def test_the_reporting_pair_and_the_default_series_are_saved(connected):
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        switch = screen.query_one("#pair_enabled", Switch)
        switch.value = not connected.settings.reporting_pair.enabled
        screen.query_one("#default_series", Select).value = "A"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert connected.settings.reporting_pair.enabled == switch.value
    assert connected.settings.default_series == "A"


async def test_connect_asks_for_the_client_id_and_secret_before_showing_an_address(connected):
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_settings(app, pilot)
        await pilot.press("f6")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConnectDialog)
        dialog.query_one("#client_id", Input).value = ""
        await pilot.click("#start")
        await pilot.pause()
        assert "client id and secret" in text_of(dialog.query_one("#error", Static))
        assert text_of(dialog.query_one("#url", Static)).strip() == ""


async def test_the_vat_section_saves_representation_accounts_shares_and_rate_accounts(connected):
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        assert screen.query_one("#representation_accounts", Input).value == "6071 6072 7631 7632"
        assert screen.query_one("#deductible_shares", Input).value == "5615:50 5820:50"
        await set_input(pilot, screen, "representation_accounts", "6072 7632")
        await set_input(pilot, screen, "deductible_shares", "5615:50 5820:50 5612:0")
        await set_input(pilot, screen, "rc_rates", "2624 2634")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(screen.query_one("#error", Static)).strip() == ""
    settings = connected.settings
    assert settings.representation_accounts == (6072, 7632)
    assert settings.deductible_shares == {5615: 50, 5820: 50, 5612: 0}


async def test_the_vat_section_refuses_a_bad_share_or_a_missing_account_and_saves_nothing(connected):
    before = connected.settings
    app = make_app(connected)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_settings(app, pilot)
        await set_input(pilot, screen, "deductible_shares", "5615:150")
        await set_input(pilot, screen, "import_rates", "2615 2625")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = text_of(screen.query_one("#error", Static))
    assert "Not saved" in error and "'5615:150' is not account:percent" in error
    assert "Import of goods: output VAT 25 / 12 / 6 %: 3 four-digit account numbers" in error
    after = connected.settings
    assert (after.deductible_shares, after.import_output_12_account) == (before.deductible_shares, 2625)
