"""What every tab and dialog looks like at 80×24 (an SSH window) and 160×48, and Prepare in ASCII: visual regression
tests with pytest-textual-snapshot. The data are fixed (no clock, no random, a fixed inbox path), so a snapshot
changes only when the screen does. After a deliberate change: ``pytest tests/snapshots --snapshot-update`` and look
at the new SVGs (``snapshot_report.html`` shows the differences when one fails)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.app import JuniApp
from juni_tui.domain.reference import Account, VoucherSeries
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import ExportError, ExportState, Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services import receipts, rules
from juni_tui.services.demo.receipt_pdf import ReceiptSpec, render_receipt_pdf
from juni_tui.services.display import use_ascii
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home
from tests.test_tui_completion import CHART

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
AT = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)


def tx(tx_id: str, day: int, merchant: str, amount: str, **fields) -> Transaction:
    return Transaction(id=tx_id, date=date(2026, 9, day), merchant=merchant, amount=Decimal(amount),
                       cardholder="Åsa Öberg", **fields)


def exported(t: Transaction, number: int) -> Transaction:
    return t.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
        series="A", tag=f"juni {t.id}", voucher_number=number, voucher_year=1, queued_at=AT, exported_at=AT)})


def seed(store) -> None:
    store.save_settings(store.settings.model_copy(update={
        "company_name": "Nordljus Konsult AB", "org_number": "559123-4561", "inbox_dir": "/srv/kvitton"}))
    store.commit([
        *CHART, Account(number=1930, description="Företagskonto"), Account(number=2640, description="Ingående moms"),
        Account(number=2645, description="Beräknad ingående moms"), Account(number=2614, description="Utgående moms"),
        Account(number=2615, description="Utgående moms import"),
        VoucherSeries(code="A", description="Redovisning", manual=True),
        tx("p1", 1, "Thon Hotel Oslo Opera", "-1870.96", original_amount=Decimal("-1890.00"), original_currency="NOK"),
        tx("p2", 1, "IKEA Bäckebol", "-1495.00", account=5410, vat_code=VatCode.VAT25, no_receipt_reason="kvitto saknas"),
        tx("p3", 2, "Google Workspace", "-913.66", account=6540, vat_code=VatCode.RC_EU_SERVICES),
        tx("p4", 3, "Preem Umeå Ersboda", "-688.77", description="Diesel"),
        tx("p5", 4, "Espresso House", "-104.00", account=5831, vat_code=VatCode.VAT12),
        # issue 12: a client lunch waiting for its participants, and a warning (Swedish VAT from a US merchant)
        tx("p6", 4, "Rakel & Herman Umeå", "-1120.00", account=6072, vat_code=VatCode.VAT12,
           description="Lunch med kund", no_receipt_reason="kvitto i mejl"),
        tx("p7", 4, "Slack Technologies", "-875.00", account=6540, vat_code=VatCode.VAT25, merchant_country="US",
           no_receipt_reason="faktura"),
        tx("r1", 5, "SJ AB", "-1045.00", account=5832, vat_code=VatCode.VAT6, status=Status.READY,
           no_receipt_reason="e-biljett"),
        tx("q1", 6, "Adobe", "-250.00", account=6540, vat_code=VatCode.RC_NON_EU_SERVICES, status=Status.FAILED,
           no_receipt_reason="faktura", export=ExportState(series="A", tag="juni q1", queued_at=AT, error=ExportError(
               message="Kontot 6540 är inte aktivt", meaning="The account is inactive in Fortnox.", at=AT))),
        exported(tx("h1", 7, "Clas Ohlson", "-499.00", account=5410, vat_code=VatCode.VAT25,
                    no_receipt_reason="x"), 41),
        exported(tx("h2", 8, "Telia", "-399.00", account=6540, vat_code=VatCode.VAT25, no_receipt_reason="x"), 42),
    ])
    rules.save(store, Rule(kind=RuleKind.MERCHANT, name="Espresso House", merchant="Espresso House",
                           then=RuleActions(account=5831, vat_code=VatCode.VAT12)))
    pdf = render_receipt_pdf(ReceiptSpec("Espresso House", date(2026, 9, 4), Decimal("104.00"),
                                         vat_rate=Decimal("0.12"), reference="p5"))
    added = receipts.add_receipt(store, pdf, "espresso.pdf", origin="manual")
    receipts.attach_existing(store, added.receipt.id, "p5")
    other = render_receipt_pdf(ReceiptSpec("Pressbyrån", date(2026, 9, 9), Decimal("54.00"), vat_rate=Decimal("0.12")))
    receipts.add_receipt(store, other, "pressbyran.pdf", origin="manual")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """One home with the data, made once (the receipts' PDFs take a while to make and read); each test copies it."""
    home = Home(tmp_path_factory.mktemp("seeded") / "home").ensure()
    with Store.open(home) as store:
        seed(store)
    return home.root


@pytest.fixture(autouse=True)
def utc(monkeypatch) -> Iterator[None]:
    """Times are shown in the local zone (the history's Exported column): here always UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store(seeded, tmp_path) -> Iterator[Store]:
    root = tmp_path / "home"
    shutil.copytree(seeded, root)
    with Store.open(Home(root)) as opened:
        yield opened


@pytest.fixture(autouse=True)
def bank_file(tmp_path, monkeypatch) -> None:
    """A Swedish bank's CSV (semicolons, decimal comma) in the working folder, for the import dialog."""
    (tmp_path / "bank.csv").write_text("Bokföringsdag;Text;Belopp;Saldo\n2026-10-01;ICA Nära Umeå;-149,50;9 850,50\n"
                                       "2026-10-02;Circle K Umeå;-612,00;9 238,50\n2026-10-03;Insättning;5 000,00;"
                                       "14 238,50\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def app(store):
    yield JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    use_ascii(False)


#: What to press from the start (tab 1, the cursor on the first row) to show each screen.
SCREENS = {
    "prepare": (),
    "ready": ("2",),
    "queue": ("3",),
    "history": ("4",),
    "rules": ("5",),
    "receipts": ("6",),
    "settings": ("7",),
    "detail": ("enter",),
    "account_picker": ("a", *"logi"),
    "vat_picker": ("v",),
    "no_receipt_prompt": ("n",),
    "inline_editor": ("e", *"logi"),
    "mark_ready_refused": ("m",),
    "send_back_question": ("2", "u"),
    "sie_dialog": ("4", "s"),
    "rule_editor": ("5", "n", "enter"),
    "rule_matches": ("5", "enter"),
    "help": ("question_mark",),
    "import_prompt": ("I",),
    "preview_rows": ("p",),
    "split_editor": ("enter", "x"),
    "representation_dialog": ("down",) * 5 + ("r",),  # on the client lunch (6072), the sixth row
    "vat_details_dialog": ("percent_sign",),
    "import_dialog": ("I", *"bank.csv", "enter"),
    "attach_file_prompt": ("t",),
    # the receipt preview shows when the file was added and where it is kept: not fixed, so not here
    "connect_dialog": ("7", "f6"),
}


#: Every tab and dialog at both sizes: 80×24 is where they must fit, 160×48 where they must not sprawl.
CASES = [(screen, size) for screen in SCREENS for size in SIZES]


@pytest.mark.parametrize(("screen", "size"), CASES)
def test_every_screen_fits(snap_compare, app, screen, size):
    async def steady(pilot) -> None:
        await pilot.press(*SCREENS[screen])
        await pilot.pause()
        if screen == "sie_dialog":  # the home's folder is a temporary one: show a fixed path
            pilot.app.screen.query_one("#path").value = "/home/asa/juni/juni-202609.se"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=steady)


def test_prepare_in_ascii(snap_compare, store):
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=True)
    try:
        assert snap_compare(app, terminal_size=(80, 24), press=("space",))
    finally:
        use_ascii(False)
