"""Keys that are safe and say what they do (issue 13, item 3): the cursor moves on after an action, destructive
keys ask once, a refused key says why and the palette does not offer it, and Settings saves only what changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from juni_tui.app import JuniApp
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.detail import DetailScreen
from juni_tui.screens.modals.dialogs import Confirm
from juni_tui.screens.modals.rule_editor import RuleEditor
from juni_tui.screens.modals.sie import SieDialog
from juni_tui.screens.ready import ReadyScreen
from juni_tui.screens.settings import SettingsScreen
from juni_tui.services import receipts, rules
from juni_tui.widgets.table import VirtualTable
from tests.conftest import make_tx
from tests.helpers import flushed, seed_ready
from tests.test_tui_receipts import drop, pdf, settle, tx
from tests.test_tui_rules import exported

pytestmark = pytest.mark.usefixtures("quick_flush")


def app_for(store) -> JuniApp:
    return JuniApp(store, sync_on_start=False, watch_inbox=True, ascii=False)


async def test_after_y_the_cursor_is_on_the_next_receipt_so_x_never_rejects_the_one_just_confirmed(store):
    # one öre off: each receipt is suggested for its transaction, not attached
    store.commit([tx("espresso", "Espresso House", "-104.01"), tx("press", "Pressbyrån", "-54.01")])
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    drop(store, "press.pdf", pdf("Pressbyrån", "54.00"))
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        table = app.screen.query_one(VirtualTable)
        first, second = table.row_ids
        (confirmed,) = receipts.get_receipt(store, first).candidates
        (other,) = {"espresso", "press"} - {confirmed}
        await pilot.press("y")
        await settle(app, pilot)
        assert table.cursor_id == second  # not on the confirmed one, which moved to the bottom
        await pilot.press("x")
        await settle(app, pilot)
        assert store.transactions[confirmed].receipts == (first,)  # still confirmed
        assert store.transactions[other].receipts == ()
        assert receipts.get_receipt(store, second).rejected == (other,)  # x was for the second


async def test_x_on_an_attached_receipt_asks_once_and_n_keeps_it(store):
    store.commit([tx("espresso", "Espresso House", "-104.00")])
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))  # exact: attached automatically
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert store.transactions["espresso"].receipts
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press("x")
        assert isinstance(app.screen, Confirm) and "Reject espresso.pdf" in app.screen.title_text
        await pilot.press("n")
        await settle(app, pilot)
        assert store.transactions["espresso"].receipts  # kept
        await pilot.press("x", "y")
        await settle(app, pilot)
        assert store.transactions["espresso"].receipts == ()


@asynccontextmanager
async def ready_tab(store) -> AsyncIterator[tuple[JuniApp, Pilot, str]]:
    """Tab 2 with one ready transaction, at 120×30."""
    (tx_id,) = seed_ready(store, 1, receipts_every=0)
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await flushed(app, pilot)
        yield app, pilot, tx_id


async def test_send_back_asks_once(store):
    async with ready_tab(store) as (app, pilot, tx_id):
        await pilot.press("u")
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")
        assert store.transactions[tx_id].status == "ready"
        await pilot.press("u", "y")
        assert store.transactions[tx_id].status == "prepare"


async def test_a_refused_key_in_the_detail_view_says_why_and_the_palette_leaves_it_out(store):
    async with ready_tab(store) as (app, pilot, tx_id):
        assert isinstance(app.screen, ReadyScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        for key in "avnd":
            await pilot.press(key)
            await pilot.pause()
        said = [n.message for n in app._notifications]
        assert len(said) == 4 and all("send it back to Prepare first" in m for m in said), said
        assert store.transactions[tx_id].account == 5410  # nothing changed, no dialog opened
        assert isinstance(app.screen, DetailScreen)
        offered = {c.title for c in app.get_system_commands(app.screen)}
        assert "Account" not in offered and "Back" in offered


async def test_saving_settings_unchanged_pins_no_inbox_folder_and_logs_nothing(store):
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    logged = len(store.audit_log())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert store.settings.inbox_dir is None
    assert len(store.audit_log()) == logged


async def test_a_bad_setting_is_said_where_the_user_is_looking(store):
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#pair_contra_account", Input).value = "12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is screen.query_one("#pair_contra_account", Input)  # the bad field, scrolled to
        assert any("four-digit" in n.message and n.severity == "error" for n in app._notifications)


async def test_enter_in_a_field_of_the_rule_editor_moves_on_and_never_saves(store):
    store.commit([make_tx("e1", merchant="Espresso House", account=5831, vat_code=VatCode.VAT12)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R")
        editor = app.screen
        assert isinstance(editor, RuleEditor)
        editor.query_one("#name").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor and not editor.query_one("#name").has_focus
        assert rules.list_rules(store) == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(rules.list_rules(store)) == 1


async def test_the_sie_dialog_proposes_the_months_last_exported_and_the_home_folder(store):
    store.commit([exported(make_tx("x1", date=date(2026, 9, 3)), 1), exported(make_tx("x2", date=date(2026, 9, 28)), 2)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "s")
        await pilot.pause()
        assert isinstance(app.screen, SieDialog)
        values = {i.id: i.value for i in app.screen.query(Input)}
        assert (values["from"], values["to"]) == ("2026-09-01", "2026-09-30")
        assert values["path"] == str(store.home.root / "juni-202609.se")
        assert app.screen.query_one("#write").region.bottom <= 24  # the button shows at 80x24


async def test_keys_on_an_exported_transactions_detail_view_say_it_is_booked(store):
    store.commit([exported(make_tx("x1", account=5410, vat_code=VatCode.VAT25), 7)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("t", "x")
        said = [n.message for n in app._notifications]
        assert len(said) == 2 and all("exported as voucher K 7" in m and "new voucher" in m for m in said), said
