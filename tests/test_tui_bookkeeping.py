"""Splits, the voucher preview and SIE export, from the TUI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.detail import DetailScreen, PreviewScreen
from juni_tui.screens.modals.split import SplitEditor
from juni_tui.services import vouchers
from tests.helpers import text_of


def app_for(store) -> JuniApp:
    return JuniApp(store, sync_on_start=False)


def bill(tx_id: str, merchant: str, account: int, code: VatCode) -> Transaction:
    """A 1 500 kr purchase on 2026-10-07, to split."""
    return Transaction(id=tx_id, date=date(2026, 10, 7), merchant=merchant, amount=Decimal("-1500.00"),
                       account=account, vat_code=code)


async def test_a_hotel_bill_is_split_into_lodging_and_minibar_from_the_detail_view(store):
    store.commit([bill("h1", "Scandic Malmen", 5831, VatCode.VAT12)])
    app = app_for(store)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("x")
        assert isinstance(app.screen, SplitEditor)
        rows = app.screen.rows()
        first, second = (list(row.query("Input")) for row in rows)
        first[0].value = "1 200,00"
        second[0].value = "300"
        second[1].value = "6071"
        rows[1].query_one("Select").value = "25"
        second[6].value = "minibar"
        await pilot.pause()
        assert "add up" in text_of(app.screen.query_one("#remaining"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
    tx = store.transactions["h1"]
    assert [(line.amount, line.account, line.vat_code) for line in tx.splits] == [
        (Decimal("-1200.00"), 5831, VatCode.VAT12), (Decimal("-300.00"), 6071, VatCode.VAT25)]


async def test_a_split_line_takes_its_deductible_share_and_the_vat_as_printed(store):
    store.commit([bill("c1", "Hertz Umeå", 5820, VatCode.VAT25)])
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "x")
        rows = app.screen.rows()
        hire, fuel = (list(row.query("Input")) for row in rows)
        hire[0].value, hire[2].value = "1250", "50"  # car hire: half the VAT (13 kap. 21-22 §§ ML)
        fuel[0].value, fuel[1].value, fuel[3].value = "250", "5611", "45"  # fuel: VAT as printed
        rows[1].query_one("Select").value = "25"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SplitEditor)  # 45 kr does not fit 25 % of 250 kr (50 kr): refused, said
        assert "does not fit" in text_of(app.screen.query_one("#error"))
        fuel[3].value = "49,80"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
    tx = store.transactions["c1"]
    assert [(line.vat_deductible, line.vat_amount) for line in tx.splits] == [
        (Decimal("50"), None), (None, Decimal("49.80"))]
    voucher = vouchers.build_voucher(tx, store.settings, "A")

    def debit(account: int) -> Decimal:
        return sum((row.debit for row in voucher.rows if row.account == account), Decimal("0"))

    assert debit(2640) == Decimal("125.00") + Decimal("49.80")  # half of 250, and the fuel's as printed
    assert (debit(5820), debit(5611)) == (Decimal("1125.00"), Decimal("200.20"))


async def test_a_split_that_does_not_add_up_is_refused_with_what_is_left(store):
    store.commit([bill("h1", "Scandic", 5831, VatCode.VAT12)])
    app = app_for(store)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "x")
        rows = app.screen.rows()
        list(rows[0].query("Input"))[0].value = "1000"
        list(rows[1].query("Input"))[0].value = "300"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SplitEditor)
        assert "200.00 is left to place" in text_of(app.screen.query_one("#error"))
    assert store.transactions["h1"].splits == ()


async def test_p_previews_the_exact_rows_of_the_selection(store):
    store.commit([
        Transaction(id="a", date=date(2026, 10, 1), merchant="Adobe", amount=Decimal("-1250.00"), account=5420,
                    vat_code=VatCode.VAT25),
        Transaction(id="b", date=date(2026, 10, 2), merchant="GitHub", amount=Decimal("-220.00"), account=6540,
                    vat_code=VatCode.RC_NON_EU_SERVICES),
    ])
    app = app_for(store)
    async with app.run_test(size=(150, 50)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+a", "p")
        assert isinstance(app.screen, PreviewScreen)
        text = text_of(app.screen.query_one("Static"))
    assert "2640" in text and "1 000,00".replace(" ", "\u202f") in text
    assert "2645" in text and "2614" in text and "55,00" in text  # reverse charge: 25 % of 220 both ways


async def test_a_sie_file_is_written_from_the_history_tab(store, tmp_path):
    from tests.helpers import seed_ready

    seed_ready(store, 3, receipts_every=0)
    app = app_for(store)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        await pilot.press("4", "s")
        await pilot.pause()
        app.screen.query_one("#from").value = "2026-09-01"
        app.screen.query_one("#to").value = "2026-12-31"
        app.screen.query_one("#path").value = str(tmp_path / "books.si")  # .si: ready ones too (SIE 4I)
        await pilot.click("#write")
        await pilot.pause()
    data = (tmp_path / "books.si").read_bytes().decode("cp437")
    assert data.count("#VER") == 3 and "#SIETYP 4" in data
