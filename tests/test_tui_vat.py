"""Issue 12 from the TUI: the representation questions, the warning mark in the Status column, the warnings and the
cap's working in the detail view and the preview, acknowledging a warning, and ``m`` counting warned rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from juni_tui.app import JuniApp
from juni_tui.domain.reference import Account
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.detail import DetailScreen, PreviewScreen
from juni_tui.screens.modals.dialogs import AccountPicker, TextPrompt
from juni_tui.screens.modals.representation import RepresentationDialog
from juni_tui.screens.prepare import PrepareScreen
from tests.helpers import flushed, text_of

SIZE = (150, 40)


def app_for(store) -> JuniApp:
    return JuniApp(store, sync_on_start=False)


def status_cell(app, tx_id: str) -> str:
    screen = app.screen
    assert isinstance(screen, PrepareScreen)
    return str(screen.render_row(tx_id)[-1])


def _lunch(**more) -> Transaction:
    values = dict(id="lunch", date=date(2026, 10, 7), merchant="Restaurang Prinsen", merchant_country="SE",
                  amount=Decimal("-1120.00"), vat_code=VatCode.VAT12, no_receipt_reason="kvitto i mejl")
    values.update(more)
    return Transaction(**values)


async def test_choosing_a_representation_account_asks_the_representation_questions(store):
    store.commit([Account(number=6072, description="Representation, ej avdragsgill"), _lunch()])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        assert isinstance(app.screen, AccountPicker)
        app.screen.query_one("#account").value = "6072"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RepresentationDialog)
        await pilot.press("ctrl+s")  # no participants: refused with a sentence, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, RepresentationDialog)
        assert "how many took part" in text_of(app.screen.query_one("#error"))
        app.screen.query_one("#participants").value = "2"
        app.screen.query_one("#purpose").value = "Avtalsförhandling"
        app.screen.query_one("#attendees").value = "Anna Ek (Kund AB), Erik Berg"
        await pilot.press("ctrl+s")
        await flushed(app, pilot)
        assert isinstance(app.screen, PrepareScreen)
        assert status_cell(app, "lunch").startswith("✔ ✔")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        shown = text_of(app.screen.query_one("#body"))
    shown = " ".join(shown.split())
    tx = store.transactions["lunch"]
    assert (tx.account, tx.participants, tx.purpose, tx.attendees, tx.alcohol) == (
        6072, 2, "Avtalsförhandling", "Anna Ek (Kund AB), Erik Berg", False)
    assert "300,00 excl. VAT per participant × 2 = 600,00 of 1 000,00 excl. VAT: 72,00" in shown
    assert "48,00 stays on the cost row" in shown
    assert "Syfte: Avtalsförhandling" in shown  # the comments of the preview


async def test_r_asks_again_and_alcohol_switches_to_46_kr_per_participant(store):
    store.commit([_lunch(account=6072, participants=2)])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert isinstance(app.screen, RepresentationDialog)
        assert app.screen.query_one("#participants").value == "2"
        app.screen.query_one("#alcohol").value = True
        await pilot.press("ctrl+s")
        await flushed(app, pilot)
        await pilot.press("p")
        assert isinstance(app.screen, PreviewScreen)
        shown = text_of(app.screen.query_one("Static"))
    shown = " ".join(shown.split())
    assert store.transactions["lunch"].alcohol
    assert "46,00 of VAT per participant × 2 = 92,00" in shown


async def test_a_representation_without_participants_is_incomplete_and_says_so(store):
    store.commit([_lunch(account=6072)])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert status_cell(app, "lunch").startswith("✘")
        await pilot.press("enter")
        shown = text_of(app.screen.query_one("#body"))
    assert "missing (r: the representation questions)" in shown


async def test_the_warning_mark_shows_until_the_warning_is_acknowledged_with_a_reason(store):
    store.commit([Transaction(id="odd", date=date(2026, 10, 7), merchant="Telia Sverige AB", merchant_country="SE",
                              amount=Decimal("-499.00"), account=6212, vat_code=VatCode.RC_EU_SERVICES,
                              no_receipt_reason="e-faktura"),
                  Transaction(id="fine", date=date(2026, 10, 8), merchant="Dustin AB", merchant_country="SE",
                              amount=Decimal("-1250.00"), account=5410, vat_code=VatCode.VAT25,
                              no_receipt_reason="e-faktura")])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert status_cell(app, "odd") == "✔ ✔ !"
        assert status_cell(app, "fine") == "✔ ✔"
        await pilot.press("enter")
        shown = text_of(app.screen.query_one("#body"))
        shown = " ".join(shown.split())
        assert "! Telia Sverige AB is a Swedish merchant" in shown and "use 25, 12 or 6" in shown
        await pilot.press("w")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # no reason: refused
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("#text").value = "Telia bills us from Ireland"
        await pilot.press("enter")
        await flushed(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "Acknowledged: Telia bills us from Ireland" in " ".join(text_of(app.screen.query_one("#body")).split())
        await pilot.press("escape")
        await flushed(app, pilot)
        assert status_cell(app, "odd") == "✔ ✔"
    assert store.transactions["odd"].acknowledged == {"reverse_charge_in_sweden": "Telia bills us from Ireland"}
    assert store.audit_log()[-1]["reason"] == "Telia bills us from Ireland"


async def test_m_says_how_many_of_the_selection_carry_warnings(store):
    store.commit([Transaction(id=f"t{n}", date=date(2026, 10, 7 + n), merchant="Kjell & Company",
                              merchant_country="SE", amount=Decimal("-99.90"), account=5410,
                              vat_code=VatCode.VAT12 if n else VatCode.VAT25, no_receipt_reason="kvitto")
                  for n in range(3)])
    app = app_for(store)
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        original = app.notify
        app.notify = lambda message, **kw: (notes.append(str(message)), original(message, **kw))[1]
        await pilot.pause()
        await pilot.press("ctrl+a", "m")
        await flushed(app, pilot)
    assert any("3 marked ready to export (tab 2); 2 of them carry warnings (!)" in n for n in notes), notes


async def test_the_rule_editor_takes_a_validity_period_and_refuses_a_bad_date(store):
    from juni_tui.domain.rules import RuleKind
    from juni_tui.screens.modals.rule_editor import RuleEditor
    from juni_tui.services import rules

    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(RuleEditor(store, RuleKind.MERCHANT))
        await pilot.pause()
        editor = app.screen
        editor.query_one("#merchant").value = "ICA"
        editor.query_one("#account").value = "7690"
        editor.query_one("#vat_code").value = "6"
        editor.query_one("#valid_from").value = "2026-04-31"
        await pilot.pause()
        assert "Valid from: '2026-04-31' is not a date" in text_of(editor.query_one("#said"))
        editor.query_one("#valid_from").value = "2026-04-01"
        editor.query_one("#valid_to").value = "2027-12-31"
        await pilot.pause()
        assert 'merchant is "ICA", dated 2026-04-01 – 2027-12-31, fill in account 7690, VAT code 6' in text_of(
            editor.query_one("#said"))
        await pilot.press("ctrl+s")
        await pilot.pause()
    (rule,) = rules.list_rules(store)
    assert (rule.valid_from, rule.valid_to) == (date(2026, 4, 1), date(2027, 12, 31))


async def test_percent_sets_the_deductible_share_and_the_vat_as_printed_refusing_one_that_does_not_fit(store):
    from juni_tui.screens.modals.vat_details import VatDetailsDialog

    store.commit([Transaction(id="hire", date=date(2026, 10, 7), merchant="Hertz", merchant_country="SE",
                              amount=Decimal("-1250.00"), account=5410, vat_code=VatCode.VAT25,
                              no_receipt_reason="kvitto")])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("percent_sign")
        assert isinstance(app.screen, VatDetailsDialog)
        app.screen.query_one("#share").value = "50"
        app.screen.query_one("#printed").value = "150,00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VatDetailsDialog)
        error = " ".join(text_of(app.screen.query_one("#error")).split())
        assert "does not fit 25 % Swedish VAT: 1 250,00 at 25 % holds 250,00 of VAT" in error
        app.screen.query_one("#printed").value = "249,80"
        await pilot.press("ctrl+s")
        await flushed(app, pilot)
        await pilot.press("p")
        shown = " ".join(text_of(app.screen.query_one("Static")).split())
    tx = store.transactions["hire"]
    assert (tx.vat_deductible, tx.vat_amount) == (Decimal("50"), Decimal("249.80"))
    assert "Ingående moms 25 %" in shown and "124,90" in shown  # half of the printed 249,80
