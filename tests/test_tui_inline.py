"""Inline editing in the Prepare table (issue 13, item 0): the keyboard alone codes row after row, no dialog."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.screen import ModalScreen

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.prepare import PrepareScreen
from juni_tui.screens.shared.inline import InlineEditor
from juni_tui.widgets.table import VirtualTable
from tests.helpers import flushed
from tests.test_tui_completion import CHART

pytestmark = pytest.mark.usefixtures("quick_flush")


def rows(n: int, **fields) -> list[Transaction]:
    return [Transaction(id=f"t{i:02d}", date=date(2026, 9, 1 + i), merchant=f"Merchant {i}",
                        amount=Decimal("-100.00") - i, **fields) for i in range(n)]


def no_dialog(app) -> None:
    assert not isinstance(app.screen, ModalScreen) and isinstance(app.screen, PrepareScreen)


async def test_ten_incomplete_rows_are_coded_from_the_keyboard_alone_without_a_dialog(store):
    complete = Transaction(id="t99", date=date(2026, 9, 30), merchant="Done", amount=Decimal("-1.00"),
                           account=5410, vat_code=VatCode.VAT25)
    store.commit([*CHART, *rows(10), complete])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        editor = app.screen.query_one(InlineEditor)
        await pilot.press("e")
        await pilot.pause()
        assert editor.is_open and editor.account_box.has_focus
        typed = []
        for i in range(10):
            assert table.cursor_id == f"t{i:02d}"  # the editor moved on by itself
            if i in (0, 5):
                await pilot.press(*"kost sv", "down", "enter")  # words of the name: the account's VAT code follows
                typed.append((5831, VatCode.VAT12))
            elif i in (1, 6):
                await pilot.press(*"5410", "tab", "6", "enter")  # a number, then a VAT code typed in its cell
                typed.append((5410, VatCode.VAT6))
            else:
                await pilot.press(*"6540", "enter")  # a number alone: the account's VAT code follows
                typed.append((6540, VatCode.VAT25))
            no_dialog(app)
        await flushed(app, pilot)
        assert [(store.transactions[f"t{i:02d}"].account, store.transactions[f"t{i:02d}"].vat_code)
                for i in range(10)] == typed
        assert not editor.is_open and table.has_focus  # no incomplete row left: back to the table


async def test_escape_cancels_and_a_selection_gets_the_values(store):
    store.commit([*CHART, *rows(4)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        editor = app.screen.query_one(InlineEditor)
        await pilot.press("e", *"6540", "escape", "escape")  # the first closes the completion list
        await pilot.pause()
        assert not editor.is_open and store.transactions["t00"].account is None
        await pilot.press("space", "space", "up", "up")  # t00 and t01 selected, cursor on t00
        assert table.selected == {"t00", "t01"}
        await pilot.press("e", *"6540", "tab", *"rc eu serv", "enter")
        await flushed(app, pilot)
        assert {(store.transactions[i].account, store.transactions[i].vat_code) for i in ("t00", "t01")} == {
            (6540, VatCode.RC_EU_SERVICES)}
        assert store.transactions["t02"].account is None and table.cursor_id == "t02" and editor.is_open


async def test_a_bad_value_is_said_and_the_row_stays_open(store):
    store.commit([*CHART, *rows(1)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e", *"9999", "enter")
        await pilot.pause()
        editor = app.screen.query_one(InlineEditor)
        assert editor.is_open and store.transactions["t00"].account is None
        assert any(n.severity == "error" for n in app._notifications)
