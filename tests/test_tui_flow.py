"""The TUI, driven with Pilot against the sandbox: the whole month-end flow, and its refusals."""

from __future__ import annotations

import httpx
import pytest

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import Status
from juni_tui.domain.vat import VatCode
from juni_tui.screens.history import HistoryScreen
from juni_tui.screens.modals.detail import DetailScreen
from juni_tui.screens.modals.dialogs import AccountPicker, ChoicePicker, Confirm, Message, TextPrompt
from juni_tui.screens.modals.series import SeriesPicker
from juni_tui.screens.prepare import PrepareScreen
from juni_tui.screens.queue import QueueScreen
from juni_tui.screens.ready import ReadyScreen
from juni_tui.services.fortnox import oauth
from juni_tui.widgets.table import VirtualTable
from tests.helpers import booked, fast_client, flushed, seed_ready, text_of

pytestmark = pytest.mark.usefixtures("quick_flush")

CSV = """id,date,merchant,amount,description
m1,2026-10-01,Clas Ohlson,-499.00,Kablar
m2,2026-10-02,Clas Ohlson,-129.50,Batterier
m3,2026-10-03,Kjell & Company,-1299.00,Skärm
m4,2026-10-04,Telia,-399.00,Mobil
"""


def make_app(store) -> JuniApp:
    return JuniApp(store, client_factory=lambda: oauth.make_client(store.home, store.settings.fortnox, env={}))


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await flushed(app, pilot)  # one flush of store changes to the screen


async def test_the_whole_month_end_flow(connected, sandbox, tmp_path):
    store = connected
    path = tmp_path / "october.csv"
    path.write_text(CSV)
    app = make_app(store)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PrepareScreen)

        # import from the TUI
        await pilot.press("I")
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("#text").value = str(path)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")  # the import dialog: the first rows as they will be imported; enter imports
        await settle(app, pilot)
        table = app.screen.query_one(VirtualTable)
        assert table.row_ids == ["m1", "m2", "m3", "m4"]

        # select three rows: space, then shift+down twice
        await pilot.press("space", "up", "shift+down", "shift+down")
        assert table.selected == {"m1", "m2", "m3"}
        assert "3 selected" in str(app.screen.query_one("#selection").render())

        # account by name, with completion; the account's VAT code fills the empty VAT codes
        await pilot.press("a")
        assert isinstance(app.screen, AccountPicker)
        await pilot.press(*"förbrukningsinv", "down", "enter")  # ↓ picks the first: nothing is pre-selected
        await settle(app, pilot)
        assert [store.transactions[i].account for i in ("m1", "m2", "m3", "m4")] == [5410, 5410, 5410, None]
        assert {store.transactions[i].vat_code for i in ("m1", "m2", "m3")} == {VatCode.VAT25}

        # VAT picked by hand for the same selection
        await pilot.press("v")
        assert isinstance(app.screen, ChoicePicker)
        app.screen.query_one("OptionList").highlighted = 1  # 12 %
        await pilot.press("enter")
        await settle(app, pilot)
        assert {store.transactions[i].vat_code for i in ("m1", "m2", "m3")} == {VatCode.VAT12}

        # mark ready without receipts: refused, each with what it lacks
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, Message)
        assert "missing receipt" in str(app.screen.body)
        await pilot.press("escape")

        # "no receipt needed", then mark ready
        await pilot.press("n")
        app.screen.query_one("#text").value = "e-handel, kvitto i mejl"
        await pilot.press("enter")
        await pilot.press("m")
        await settle(app, pilot)
        assert [store.transactions[i].status for i in ("m1", "m2", "m3", "m4")] == [Status.READY] * 3 + [Status.PREPARE]
        assert table.row_ids == ["m4"]
        assert "(1)" in str(app.screen.query_one("NavTabs").render())

        # tab 2: export all in series K
        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReadyScreen)
        await pilot.press("ctrl+a", "e")
        assert isinstance(app.screen, SeriesPicker)
        options = app.screen.choices
        app.screen.query_one("OptionList").highlighted = [code for code, _ in options].index("K")
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        assert "3 transactions" in app.screen.body and "1 927,50" in app.screen.body.replace("\u202f", " ")
        await pilot.press("y")
        await settle(app, pilot)

        # tab 4: the three vouchers, newest first, and the voucher as sent
        await pilot.press("4")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen.query_one(VirtualTable)
        assert sorted(history.row_ids) == ["m1", "m2", "m3"]
        assert len(booked(sandbox)["vouchers"]) == 3
        assert store.settings.default_series is None  # picking a series is not making it the default
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        before = store.get_transaction(app.screen.tx_id)
        await pilot.press("a")  # exported: no editing
        assert isinstance(app.screen, DetailScreen)
        assert store.get_transaction(app.screen.tx_id) == before


async def test_confirmed_vouchers_stream_into_history_while_keys_keep_working(sandbox_factory, store):
    """Rows appear in the history one by one as Fortnox confirms them, not all at the end, and the cursor keeps
    moving meanwhile. (How fast is measured in benchmarks/scale.py, not here.)"""
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    from juni_tui.commands.demo import connect_to_sandbox

    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 12, receipts_every=0)
    httpx.put(f"{sandbox.admin_url}/faults", json={"latency_ms": 60}).raise_for_status()
    # the sandbox's limit is lifted, so the client's is too (fast_client): the export is latency-bound, not waiting
    # out 25 requests per 5 s
    app = JuniApp(store, client_factory=lambda: fast_client(store))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        history = app.screen.query_one(VirtualTable)
        outcome = await app.exporter().queue(ids, "K")
        assert outcome.done == ids
        app.start_export()
        seen_counts, cursor_moves = [], 0
        while len(history.row_ids) < len(ids):
            seen_counts.append(len(history.row_ids))
            before = history.cursor
            await pilot.press("down" if len(seen_counts) % 2 else "up")
            cursor_moves += history.cursor != before
            await pilot.pause(0.03)
            assert len(seen_counts) < 500, "the export did not finish"
        await settle(app, pilot)
    assert len(set(seen_counts)) >= 4  # the history grew step by step while the export ran
    assert cursor_moves >= 3  # and the keys kept working


async def test_a_failed_item_says_what_fortnox_said_and_what_it_means(connected, sandbox):
    from juni_tui.services import workflow

    ids = seed_ready(connected, 1, receipts_every=0)
    connected.commit([connected.transactions[ids[0]].model_copy(update={"account": 5460})])  # inactive in Fortnox
    workflow.queue(connected, ids, "K")
    app = make_app(connected)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)  # the start resumes the queue
        await pilot.press("3")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert connected.transactions[ids[0]].status == Status.FAILED
        await pilot.press("enter")
        text = text_of(app.screen.query_one("#body"))
        assert "Fortnox said" in text and "inactive" in text
        await pilot.press("escape", "u", "y")  # y: yes, send it back
        await settle(app, pilot)
        assert connected.transactions[ids[0]].status == Status.PREPARE


async def test_a_tab_shows_changes_made_while_it_was_hidden(connected):
    from juni_tui.services import workflow

    ids = seed_ready(connected, 2, receipts_every=0)
    app = make_app(connected)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        workflow.back_to_prepare(connected, [ids[0]])
        workflow.set_values(connected, [ids[0]], account=6540)  # changed while tab 2 is hidden
        workflow.mark_ready(connected, [ids[0]])
        await pilot.pause(0.2)
        await pilot.press("2")
        await pilot.pause()
        cells = app.screen.render_row(ids[0])
        assert "6540" in str(cells[4])
        table = app.screen.query_one(VirtualTable)
        strip = table.render_line(1 + table.row_ids.index(ids[0]))
        assert "6540" in strip.text  # and what is drawn is the new value, not a cached row


async def test_missing_values_are_drawn_in_red(store):
    from tests.conftest import make_tx

    store.commit([make_tx("a"), make_tx("b")])
    app = JuniApp(store, sync_on_start=False)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        strip = app.screen.query_one(VirtualTable).render_line(2)  # not the cursor row, which is highlighted
        missing = [seg for seg in strip if seg.text.strip() == "missing"]
        assert missing and all(seg.style and seg.style.color and seg.style.color.name == "red" for seg in missing)
