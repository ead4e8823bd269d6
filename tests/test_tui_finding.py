"""Finding and selecting (issue 13, item 4): ``/`` by date, month, merchant without accents, description,
cardholder, amount and account; escape clears; rows that change under a filter stay; page-wise range selection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal

import pytest
from textual.pilot import Pilot

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.dialogs import Message
from juni_tui.services import workflow
from juni_tui.widgets.table import VirtualTable
from tests.helpers import flushed, text_of

pytestmark = pytest.mark.usefixtures("quick_flush")


def seed(store) -> None:
    store.commit([
        Transaction(id="a", date=date(2026, 9, 3), merchant="Preem Umeå", amount=Decimal("-688.77"),
                    cardholder="Åsa Öberg", description="Diesel"),
        Transaction(id="b", date=date(2026, 9, 17), merchant="Espresso House", amount=Decimal("-104.00"),
                    cardholder="Per Lind", description="Kundmöte fika"),
        Transaction(id="c", date=date(2026, 10, 2), merchant="Clas Ohlson", amount=Decimal("-1250.00"),
                    cardholder="Per Lind", description="Kablar", account=5410),
    ])


@asynccontextmanager
async def prepare_tab(store) -> AsyncIterator[tuple[JuniApp, Pilot, VirtualTable]]:
    """The Prepare tab over the three transactions, at 120×30."""
    seed(store)
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        yield app, pilot, app.screen.query_one(VirtualTable)


async def shown_after(app, pilot, query: str) -> list[str]:
    await pilot.press("slash")
    app.screen.query_one("#filter").value = query  # as typed (typing it key by key is the first test's)
    await pilot.press("enter")
    shown = list(app.screen.query_one(VirtualTable).row_ids)
    app.screen.clear_filter()
    await pilot.pause()
    return shown


async def test_slash_finds_by_month_day_accentless_words_cardholder_amount_and_account_name(store):
    async with prepare_tab(store) as (app, pilot, table):
        await pilot.press("slash", *"umea", "enter")
        assert table.row_ids == ["a"]
        app.screen.clear_filter()
        assert await shown_after(app, pilot, "2026-09") == ["a", "b"]
        assert await shown_after(app, pilot, "2026-09-03") == ["a"]
        assert await shown_after(app, pilot, "umea") == ["a"]
        assert await shown_after(app, pilot, "UMEÅ") == ["a"]
        assert await shown_after(app, pilot, "asa oberg") == ["a"]
        assert await shown_after(app, pilot, "kundmote") == ["b"]
        assert await shown_after(app, pilot, "per lind 2026-10") == ["c"]
        assert await shown_after(app, pilot, "1 250,00") == ["c"]
        assert await shown_after(app, pilot, "5410") == ["c"]


async def test_escape_on_the_table_clears_the_filter_and_the_bottom_line_says_one_is_on(store):
    async with prepare_tab(store) as (app, pilot, table):
        await pilot.press("slash", *"espresso", "enter")
        await pilot.pause()
        assert table.row_ids == ["b"] and table.has_focus
        assert "filter: espresso" in text_of(app.screen.query_one("#selection"))
        await pilot.press("space")  # a selection: the first escape clears it, the second the filter
        await pilot.press("escape")
        assert not table.selected and table.row_ids == ["b"]
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_ids == ["a", "b", "c"]
        assert "filter" not in text_of(app.screen.query_one("#selection"))


async def test_a_row_completed_under_incomplete_only_stays_until_the_filter_is_applied_again(store):
    async with prepare_tab(store) as (app, pilot, table):
        await pilot.press("i")
        assert table.row_ids == ["a", "b", "c"]
        await pilot.press("space")  # a is selected
        workflow.set_values(store, ["a"], account=5611, vat_code=VatCode.VAT25)
        workflow.set_no_receipt(store, ["a"], "test")
        await flushed(app, pilot)
        assert store.tx_views["a"].complete
        assert table.row_ids == ["a", "b", "c"] and table.selected == {"a"}  # still there, still selected
        await pilot.press("i", "i")  # applied again
        assert table.row_ids == ["b", "c"]


async def test_shift_page_down_selects_a_page_at_a_time(store):
    store.commit([Transaction(id=f"t{i:02d}", date=date(2026, 9, 1 + i % 28), merchant=f"M{i}",
                              amount=Decimal("-10.00")) for i in range(40)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        page = table.size.height - 2
        await pilot.press("shift+pagedown")
        assert len(table.selected) == page + 1 and table.cursor == page
        await pilot.press("shift+pageup")
        assert table.cursor == 0


async def test_rows_mark_ready_refuses_are_named_and_said_to_stay_selected(store):
    async with prepare_tab(store) as (app, pilot, _):
        await pilot.press("ctrl+a", "m")
        await pilot.pause()
        assert isinstance(app.screen, Message)
        said = app.screen.body
        assert "Preem Umeå" in said and "stay selected" in said
