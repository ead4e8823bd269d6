"""The import dialog: the format, the mapping and the first rows as they will be imported; a column changed, then
the import."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Select

from juni_tui.screens.modals.dialogs import Message, TextPrompt
from juni_tui.screens.modals.importing import ImportDialog
from juni_tui.services.importing import saved
from tests.helpers import text_of
from tests.import_samples import REVOLUT_ROWS, revolut, write_lines
from tests.test_tui_flow import make_app, settle

pytestmark = pytest.mark.usefixtures("quick_flush")


async def open_dialog(app, pilot, path) -> ImportDialog:
    await settle(app, pilot)
    await pilot.press("I")
    assert isinstance(app.screen, TextPrompt)
    app.screen.query_one("#text").value = str(path)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, ImportDialog)
    await app.screen.workers.wait_for_complete()
    await pilot.pause()
    return app.screen


async def test_changing_a_column_shows_the_rows_again_and_imports_with_it(store, tmp_path):
    path = write_lines(tmp_path / "bank.csv", ["Datum;Text;Motpart;Belopp",
                                               "2026-09-01;Kortköp 1234;Pressbyrån;-30,00",
                                               "2026-09-02;Kortköp 1234;SJ;-450,00"], encoding="cp1252")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        assert "encoding cp1252" in text_of(dialog.query_one("#how"))
        rows = text_of(dialog.query_one("#rows"))
        assert "Pressbyrån" in rows and "-30,00" in rows
        merchant = dialog.query_one("#column-merchant", Select)
        assert merchant.value == "Motpart"
        merchant.focus()  # the user picks the bank's text as the merchant, from the keyboard
        await pilot.press("enter", "up", "enter")  # the list: (none), Datum, Text, Motpart (highlighted), Belopp
        await pilot.pause()
        assert merchant.value == "Text"
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        rows = text_of(dialog.query_one("#rows"))
        assert "Kortköp 1234" in rows and "Pressbyrån" not in rows
        await pilot.click("#import")
        await settle(app, pilot)
    txs = sorted(store.transactions.values(), key=lambda tx: tx.date)
    assert [(tx.merchant, tx.amount) for tx in txs] == [("Kortköp 1234", Decimal("-30.00")),
                                                       ("Kortköp 1234", Decimal("-450.00"))]
    (kept,) = saved.table(store).values()
    assert kept.mapping["columns"]["merchant"] == "Text"


async def test_a_revolut_file_shows_what_is_skipped_and_enter_imports(store, tmp_path):
    path = revolut(tmp_path / "revolut.csv", list(REVOLUT_ROWS.values()))
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        assert "Revolut Business CSV" in text_of(dialog.query_one("#how"))
        rows = text_of(dialog.query_one("#rows"))
        assert "To Swedbank: TRANSFER" in rows and "skipped: not a card payment" in rows and "GitHub" in rows
        await pilot.press("enter")
        await settle(app, pilot)
    assert set(store.transactions.keys()) == {"r-pay", "r-pay-fee", "r-refund", "r-fee"}


async def test_a_file_that_cannot_be_read_says_why_and_cannot_be_imported(store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01binary")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        assert "not text" in text_of(dialog.query_one("#error"))
        assert dialog.query_one("#import").disabled
        await pilot.press("escape")
        assert not isinstance(app.screen, (ImportDialog, Message))
    assert len(store.transactions) == 0


async def test_the_dialog_answers_keys_while_a_large_file_is_read(store, tmp_path, monkeypatch):
    import threading

    from juni_tui.screens.modals import importing as dialog_module

    path = revolut(tmp_path / "big.csv", list(REVOLUT_ROWS.values()))
    started, release = threading.Event(), threading.Event()
    real = dialog_module.read_preview

    def slow(*args, **kwargs):
        started.set()
        release.wait(timeout=5)
        return real(*args, **kwargs)

    monkeypatch.setattr(dialog_module, "read_preview", slow)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("I")
        app.screen.query_one("#text").value = str(path)
        await pilot.press("enter")
        while not started.is_set():
            await pilot.pause(0.02)
        assert isinstance(app.screen, ImportDialog)
        assert "Reading the first rows" in text_of(app.screen.query_one("#how"))
        await pilot.press("escape")  # answered while the reading thread still works
        assert not isinstance(app.screen, ImportDialog)
        release.set()
        await settle(app, pilot)
    assert len(store.transactions) == 0


async def test_the_first_rows_say_which_are_new_and_which_the_home_has(store, tmp_path):
    from juni_tui.services.importing import import_file

    import_file(store, revolut(tmp_path / "september.csv", [REVOLUT_ROWS["payment"]]))
    path = revolut(tmp_path / "september-october.csv", [REVOLUT_ROWS["payment"], REVOLUT_ROWS["refund"]])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        lines = text_of(dialog.query_one("#rows")).splitlines()
        assert any("GitHub" in line and "already there" in line for line in lines)
        assert any("Clas Ohlson" in line and "new" in line for line in lines)


async def test_the_date_form_is_changed_in_the_dialog_and_the_rows_follow(store, tmp_path):
    path = write_lines(tmp_path / "us.csv", ["Date,Merchant,Amount", "03/09/2026,Uber,-12.00"])
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        assert "2026-09-03" in text_of(dialog.query_one("#rows"))  # day first, as in Sweden
        dialog.query_one("#setting-date_format", Select).value = "%m/%d/%Y"
        await pilot.pause()
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        assert "2026-03-09" in text_of(dialog.query_one("#rows"))
        await pilot.click("#import")
        await settle(app, pilot)
    (tx,) = store.transactions.values()
    assert str(tx.date) == "2026-03-09"


async def test_a_header_auto_cannot_complete_asks_for_the_missing_column(store, tmp_path):
    path = write_lines(tmp_path / "odd.csv", ["Datum;Belopp;Kolumn3", "2026-09-01;-5,00;Pressbyrån"])
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(app, pilot, path)
        assert "Choose the columns for merchant" in text_of(dialog.query_one("#how"))
        assert dialog.query_one("#import").disabled
        dialog.query_one("#column-merchant", Select).value = "Kolumn3"
        await pilot.pause()
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        await pilot.click("#import")
        await settle(app, pilot)
    (tx,) = store.transactions.values()
    assert (tx.merchant, str(tx.amount)) == ("Pressbyrån", "-5.00")
