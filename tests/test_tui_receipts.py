"""Receipts in the TUI, driven with Pilot: the inbox watched while the app runs, tab 6 (confirm, reject, attach,
refusals), attach by path from Prepare, detach and open from the detail view."""

from __future__ import annotations

import sys
import threading
from datetime import date
from decimal import Decimal

import pytest
from rich.console import Console

from juni_tui import inbox_watcher
from juni_tui.app import JuniApp
from juni_tui.domain.receipts import MatchState
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.attach import AttachFilePrompt, TransactionPicker
from juni_tui.screens.modals.detail import DetailScreen
from juni_tui.screens.modals.dialogs import ChoicePicker, Message
from juni_tui.screens.modals.receipt_preview import ReceiptPreview
from juni_tui.screens.prepare import PrepareScreen
from juni_tui.screens.receipts import ReceiptsScreen
from juni_tui.services import receipts
from juni_tui.services.demo.receipt_pdf import ReceiptLine, ReceiptSpec, render_receipt_pdf
from juni_tui.widgets.table import VirtualTable
from tests.helpers import flushed, text_of

pytestmark = pytest.mark.usefixtures("quick_flush")

DAY = date(2026, 10, 5)


def tx(tx_id: str, merchant: str, amount: str, **fields) -> Transaction:
    values = dict(id=tx_id, date=DAY, merchant=merchant, amount=Decimal(amount), account=5410,
                  vat_code=VatCode.VAT25)
    values.update(fields)
    return Transaction(**values)


def pdf(merchant: str, total: str, day: date = DAY, **extra) -> bytes:
    return render_receipt_pdf(ReceiptSpec(merchant=merchant, day=day, total=Decimal(total),
                                          lines=(ReceiptLine("Vara", Decimal(total)),), **extra))


def drop(store, name: str, data: bytes) -> None:
    inbox = receipts.inbox_path(store)
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)


def app_for(store, *, watch: bool = True) -> JuniApp:
    return JuniApp(store, sync_on_start=False, watch_inbox=watch)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await flushed(app, pilot)  # one flush of store changes to the screen


async def until(app, pilot, condition, what: str, limit: float = 5.0) -> None:
    """Wait (in small steps) for something the app does by itself, such as noticing a file in the inbox."""
    for _ in range(int(limit / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    raise AssertionError(f"timed out waiting for: {what}")


def row_line(table: VirtualTable, row_id: str) -> str:
    """The row as drawn on screen (what the user sees), through the table's Line API."""
    y = table.row_ids.index(row_id) - int(table.scroll_offset.y) + 1
    return "".join(segment.text for segment in table.render_line(y))


def cell(table: VirtualTable, row_id: str, key: str):
    index = [c.key for c in table.columns].index(key)
    return table.render_row(row_id)[index]


def attachment_check(table: VirtualTable, row_id: str) -> tuple[str, str]:
    """The second checkmark of the Status cell (an attachment is added): its mark and its colour."""
    status = cell(table, row_id, "status")
    mark = status.plain[2]
    style = "".join(str(span.style) for span in status.spans if span.start <= 2 < span.end)
    return mark, style


def plain(renderable) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


async def test_receipts_dropped_in_the_inbox_turn_the_attachment_checkmarks_green(store, monkeypatch, tmp_path):
    monkeypatch.setattr(inbox_watcher, "INBOX_POLL_SECONDS", 0.05)
    store.commit([
        tx("espresso", "ESPRESSO HOUSE 123", "-104.00"),
        tx("sj", "SJ AB", "-560.00"),
        tx("adobe1", "Adobe", "-1250.00"),
        tx("adobe2", "ADOBE *ACROPRO", "-1250.00"),
        tx("telia", "Telia", "-399.00"),
    ])
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(VirtualTable)
        assert isinstance(app.screen, PrepareScreen)
        assert attachment_check(table, "espresso") == ("✘", "bold red")

        # saved together into a folder, then moved into the inbox at once (so that one scan sees them all)
        batch = tmp_path / "mail attachments"
        batch.mkdir()
        (batch / "espresso.pdf").write_bytes(pdf("Espresso House Odengatan", "104.00"))
        (batch / "sj.pdf").write_bytes(pdf("SJ", "560.00"))
        (batch / "adobe.pdf").write_bytes(pdf("Adobe Systems", "1250.00"))  # two transactions fit: suggested
        (batch / "clas-ohlson.pdf").write_bytes(pdf("Clas Ohlson", "777.00"))  # none fits: unmatched
        batch.rename(receipts.inbox_path(store) / batch.name)
        await until(app, pilot, lambda: len(store.receipts) == 4 and not app.inbox.busy,
                    "the inbox to be read and matched")
        await settle(app, pilot)

        for row in ("espresso", "sj"):
            assert attachment_check(table, row) == ("✔", "bold green")
            assert "✔ ✔" in row_line(table, row)
            assert store.transactions[row].attachment_complete
        assert attachment_check(table, "telia") == ("✘", "bold red")
        assert cell(table, "adobe1", "attachment").plain == "suggested"  # y accepts it from here
        assert "suggested" in row_line(table, "adobe2")
        assert inbox_watcher.scan_message(app.inbox.last_report)[0] == (
            "4 receipts: 2 attached automatically, 1 suggested, 1 unmatched")
        assert " 6 Receipts (2) " in str(app.screen.query_one("NavTabs").render())

        await pilot.press("6")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceiptsScreen)
        view = app.screen.query_one(VirtualTable)
        states = [cell(view, row, "state").plain for row in view.row_ids]
        files = [cell(view, row, "file") for row in view.row_ids]
        assert states == ["suggested", "unmatched", "auto", "auto"]
        assert files[:2] == ["adobe.pdf", "clas-ohlson.pdf"]
        assert sorted(files[2:]) == ["espresso.pdf", "sj.pdf"]
        suggested = row_line(view, view.row_ids[0])
        assert "1 250,00 SEK" in suggested  # as read from the PDF
        assert "+1 more" in suggested  # two candidate transactions
        attached = row_line(view, view.row_ids[files.index("espresso.pdf")])
        assert "2026-10-05 ESPRESSO HOUSE 123 -104,00 SEK" in attached.replace("\u202f", " ")  # its transaction


async def test_the_inbox_is_read_in_a_thread_and_recorded_on_the_app_thread(store, monkeypatch):
    """PDF parsing must not freeze the UI; the store refuses writes from any thread but its own."""
    threads = []
    read = receipts.InboxScan.read

    def recording_read(self, progress=None):
        threads.append(threading.get_ident())
        return read(self, progress)

    monkeypatch.setattr(receipts.InboxScan, "read", recording_read)
    store.commit([tx("espresso", "Espresso House", "-104.00")])
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        assert threads and threads[0] != threading.get_ident()
        assert len(store.transactions["espresso"].receipts) == 1
        assert [n.message for n in app._notifications] == ["1 receipt: 1 attached automatically"]


async def test_confirming_a_suggestion_in_the_receipts_tab_picks_one_of_the_candidates(store):
    store.commit([tx("adobe1", "Adobe", "-1250.00"), tx("adobe2", "ADOBE *ACROPRO", "-1250.00")])
    drop(store, "adobe.pdf", pdf("Adobe Systems", "1250.00"))
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)  # the start scans the inbox
        await pilot.press("6")
        await settle(app, pilot)
        view = app.screen.query_one(VirtualTable)
        (receipt_id,) = view.row_ids
        await pilot.press("y")
        assert isinstance(app.screen, ChoicePicker)
        assert [value for value, _ in app.screen.choices] == ["adobe1", "adobe2"]
        app.screen.query_one("OptionList").highlighted = 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert store.transactions["adobe2"].receipts == (receipt_id,)
        assert store.transactions["adobe1"].receipts == ()
        assert cell(view, receipt_id, "state").plain == "confirmed"
        assert "ADOBE *ACROPRO" in row_line(view, receipt_id)
        assert " 6 Receipts (0) " in str(app.screen.query_one("NavTabs").render())


async def test_a_rejected_suggestion_stays_rejected_after_another_scan(store, monkeypatch):
    monkeypatch.setattr(inbox_watcher, "INBOX_POLL_SECONDS", 0.05)
    store.commit([tx("espresso", "Espresso House", "-104.01")])  # one öre off: suggested, never attached
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        prepare = app.screen.query_one(VirtualTable)
        assert cell(prepare, "espresso", "attachment").plain == "suggested"
        await pilot.press("6")
        await settle(app, pilot)
        view = app.screen.query_one(VirtualTable)
        (receipt_id,) = view.row_ids
        assert cell(view, receipt_id, "state").plain == "suggested"
        await pilot.press("x")
        await settle(app, pilot)
        assert cell(view, receipt_id, "state").plain == "unmatched"
        assert "rejected" in row_line(view, receipt_id)

        drop(store, "other.pdf", pdf("Pressbyrån", "54.00"))  # the folder changes: the watcher scans again
        await until(app, pilot, lambda: len(view.row_ids) == 2, "the second receipt to be listed")
        await pilot.press("M")  # and matching runs once more, by hand
        await settle(app, pilot)
        receipt = receipts.get_receipt(store, receipt_id)
        assert receipt.match == MatchState.UNMATCHED and receipt.rejected == ("espresso",)
        assert store.transactions["espresso"].receipts == ()
        await pilot.press("1")
        await settle(app, pilot)
        assert cell(prepare, "espresso", "attachment").plain == "—"


async def test_an_unmatched_receipt_is_attached_by_hand_to_a_transaction_found_by_merchant(store):
    store.commit([tx("telia", "Telia", "-399.00"), tx("kjell", "Kjell & Company", "-1299.00"),
                  tx("sas", "SAS", "-2500.00", no_receipt_reason="e-ticket")])
    receipt = receipts.add_receipt(store, pdf("Mobilabonnemang", "412.00", day=date(2026, 9, 1)), "faktura.pdf").receipt
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        view = app.screen.query_one(VirtualTable)
        assert view.row_ids == [receipt.id]
        await pilot.press("t")
        assert isinstance(app.screen, TransactionPicker)
        assert app.screen.shown == ["telia", "kjell"]  # nearest amount first; "no receipt needed" is left out
        await pilot.press(*"kjell")
        await pilot.pause(0.2)
        assert app.screen.shown == ["kjell"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert store.transactions["kjell"].receipts == (receipt.id,)
        assert cell(view, receipt.id, "state").plain == "manual"
        assert "Kjell & Company" in row_line(view, receipt.id)


async def test_t_in_prepare_attaches_a_file_by_path_and_a_bad_file_is_refused_with_the_reason(store, tmp_path):
    store.commit([tx("kjell", "Kjell & Company", "-1299.00")])
    good = tmp_path / "kvitto-kjell.pdf"
    good.write_bytes(pdf("Kjell & Company", "1299.00"))
    fake = tmp_path / "skärm.pdf"
    fake.write_text("not a pdf at all")
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(VirtualTable)
        await pilot.press("t")
        assert isinstance(app.screen, AttachFilePrompt)
        assert "Kjell & Company" in str(app.screen.query_one(".title").render())
        app.screen.query_one("#path").value = str(fake)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachFilePrompt)  # still open: fix the path, nothing is lost
        error = text_of(app.screen.query_one("#error"))
        assert "skärm.pdf is not what its name says" in error and error.startswith("Not attached")

        box = app.screen.query_one("#path")
        box.value = str(tmp_path) + "/kv"
        box.cursor_position = len(box.value)
        await pilot.pause(0.1)
        await pilot.press("tab")  # completes to the one receipt file starting with "kv"
        await pilot.pause()
        assert box.value == str(good)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PrepareScreen)
        (receipt_id,) = store.transactions["kjell"].receipts
        assert store.receipts[receipt_id].match == MatchState.MANUAL
        assert cell(table, "kjell", "attachment").plain == "receipt"
        assert attachment_check(table, "kjell") == ("✔", "bold green")


async def test_t_with_several_rows_selected_attaches_to_none_and_says_why(store):
    store.commit([tx("a", "Adobe", "-10.00"), tx("b", "Adobe", "-20.00")])
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+a", "t")
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
        (note,) = [n.message for n in app._notifications]
        assert "belongs to one transaction" in note and "2 are selected" in note


async def test_y_in_prepare_accepts_the_rows_suggested_receipt(store):
    store.commit([tx("espresso", "Espresso House", "-104.01")])
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    receipts.scan_inbox(store)
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(VirtualTable)
        assert cell(table, "espresso", "attachment").plain == "suggested"
        await pilot.press("y")
        await settle(app, pilot)
        (receipt_id,) = store.transactions["espresso"].receipts
        assert store.receipts[receipt_id].match == MatchState.CONFIRMED
        assert cell(table, "espresso", "attachment").plain == "receipt"


async def test_detach_from_the_detail_view_shows_how_it_was_matched_and_remembers(store):
    store.commit([tx("espresso", "Espresso House", "-104.00")])
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    receipts.scan_inbox(store)
    (receipt_id,) = store.transactions["espresso"].receipts
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        body = text_of(app.screen.query_one("#body"))
        assert "espresso.pdf" in body and "matched automatically" in body
        await pilot.press("d", "y")  # y: yes, detach it
        await settle(app, pilot)
        assert store.transactions["espresso"].receipts == ()
        body = text_of(app.screen.query_one("#body"))
        assert "espresso.pdf" not in body and "none" in body
        await pilot.press("escape", "6")
        await settle(app, pilot)
        view = app.screen.query_one(VirtualTable)
        assert cell(view, receipt_id, "state").plain == "unmatched"
        await pilot.press("M")
        await settle(app, pilot)
        assert store.transactions["espresso"].receipts == ()  # a detach is not undone by the next match


async def test_refused_inbox_files_are_listed_with_their_reason_until_removed(store, monkeypatch):
    monkeypatch.setattr(inbox_watcher, "INBOX_POLL_SECONDS", 0.05)
    drop(store, "scan.pdf", b"PK\x03\x04 this is a zip file")
    drop(store, "photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64)
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        notes = [n.message for n in app._notifications]
        assert any("2 refused (photo.heic, scan.pdf): see why in tab 6" in n for n in notes)
        await pilot.press("6")
        await settle(app, pilot)
        view = app.screen.query_one(VirtualTable)
        assert [cell(view, row, "state").plain for row in view.row_ids] == ["refused", "refused"]
        line = row_line(view, view.row_ids[1])
        assert "scan.pdf" in line and "not what its name says" in line
        assert " 6 Receipts (2) " in str(app.screen.query_one("NavTabs").render())
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ReceiptPreview)
        shown = text_of(app.screen.query_one("#body"))
        assert "is not what its name says" in shown and "Remove it from the inbox" in shown
        await pilot.press("escape")

        (receipts.inbox_path(store) / "scan.pdf").unlink()
        await until(app, pilot, lambda: len(view.row_ids) == 1, "the removed file to leave the list")
        assert cell(view, view.row_ids[0], "file") == "photo.heic"


async def test_the_preview_shows_the_pdf_text_and_o_says_why_there_is_no_viewer(store, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    receipt = receipts.add_receipt(store, pdf("Clas Ohlson", "777.00", reference="K-991"), "clas.pdf").receipt
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, ReceiptPreview)
        await settle(app, pilot)  # the file is read in a thread
        shown = text_of(app.screen.query_one("#body"))
        assert "Ref K-991" in shown and "Totalt SEK" in shown  # the PDF's text
        assert "777,00 SEK, 2026-10-05" in shown  # what was read from it
        await pilot.press("o")
        assert isinstance(app.screen, Message)
        assert "no graphical display" in app.screen.body and str(store.home.root / receipt.path) in app.screen.body


async def test_o_in_tab_6_and_O_in_the_detail_view_open_the_receipt_with_the_system_viewer(store, monkeypatch,
                                                                                           tmp_path):
    opened = tmp_path / "opened.txt"
    script = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"
    monkeypatch.setattr(receipts, "viewer_command", lambda path: [sys.executable, "-c", script, str(opened), str(path)])
    store.commit([tx("clas", "Clas Ohlson", "-777.00")])
    source = tmp_path / "clas.pdf"
    source.write_bytes(pdf("Clas Ohlson", "777.00"))
    receipt = receipts.attach_file(store, "clas", source)
    stored = str(store.home.root / receipt.path)

    async def viewer_opened(times: int) -> None:
        for _ in range(200):
            if opened.exists() and len(opened.read_text().splitlines()) == times:
                return
            await pilot.pause(0.02)

    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "O")  # the detail view of the transaction
        await viewer_opened(1)
        await pilot.press("escape", "6")
        await settle(app, pilot)
        await pilot.press("o")
        await viewer_opened(2)
    assert opened.read_text().splitlines() == [stored, stored]


@pytest.mark.parametrize("key", ["y", "x"])
async def test_y_and_x_on_an_unmatched_receipt_explain_what_to_do_instead(store, key):
    receipts.add_receipt(store, pdf("Clas Ohlson", "777.00"), "clas.pdf")
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        (note,) = [n.message for n in app._notifications]
        assert note.startswith("clas.pdf has no suggestion to")


async def test_the_preview_reads_the_file_in_a_thread_so_a_slow_pdf_never_freezes_the_app(store, monkeypatch):
    import threading

    receipts.add_receipt(store, pdf("Clas Ohlson", "777.00", reference="K-991"), "clas.pdf")
    release = threading.Event()
    real_text = receipts.receipt_text

    def slow_text(*args, **kw):
        release.wait(timeout=2)  # a hostile PDF that takes its time
        return real_text(*args, **kw)

    monkeypatch.setattr(receipts, "receipt_text", slow_text)
    app = app_for(store, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReceiptPreview)
        assert "Reading clas.pdf" in text_of(app.screen.query_one("#body"))  # the app kept drawing
        release.set()
        await settle(app, pilot)
        assert "Ref K-991" in text_of(app.screen.query_one("#body"))
