"""The TUI at 80x24 as a clumsy new user (review of issue 13): keys pressed where they cannot mean anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.screen import ModalScreen

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.prepare import PrepareScreen
from tests.helpers import flushed

pytestmark = pytest.mark.usefixtures("quick_flush")

SPLIT = Transaction(id="s1", date=date(2026, 9, 1), merchant="Hertz split", amount=Decimal("-1000.00"),
                    splits=(SplitLine(amount=Decimal("-600.00"), account=5820, vat_code=VatCode.VAT25),
                            SplitLine(amount=Decimal("-400.00"), account=5611, vat_code=VatCode.VAT25)))
PLAIN = Transaction(id="p1", date=date(2026, 9, 2), merchant="Plain", amount=Decimal("-100.00"))


def messages(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


@pytest.mark.parametrize("key", ["percent_sign", "v", "a"])
async def test_a_line_value_key_on_a_split_transaction_says_to_edit_its_lines_and_changes_nothing(store, key):
    store.commit([SPLIT])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        # no dialog whose answer the voucher would ignore (the split lines carry their own values)
        assert not isinstance(app.screen, ModalScreen) and isinstance(app.screen, PrepareScreen)
        assert "split" in messages(app) and "detail view" in messages(app)
        await flushed(app, pilot)
    tx = store.transactions["s1"]
    assert (tx.account, tx.vat_code, tx.vat_deductible) == (None, None, None)


async def test_a_selection_with_a_split_transaction_sets_the_others_and_says_which_was_left_out(store):
    store.commit([SPLIT, PLAIN])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+a", "v")
        await pilot.pause()
        assert isinstance(app.screen, ModalScreen)
        assert "Hertz split" in messages(app)
        app.screen.dismiss(VatCode.VAT12)
        await flushed(app, pilot)
    assert store.transactions["p1"].vat_code == VatCode.VAT12
    assert store.transactions["s1"].vat_code is None


async def test_r_on_a_row_not_booked_on_representation_says_so_and_asks_nothing(store):
    """Answers given there would put "Representation 4 deltagare" in the comments of an IT purchase's voucher."""
    it = Transaction(id="it", date=date(2026, 9, 1), merchant="Google Workspace", amount=Decimal("-913.66"),
                     account=6540, vat_code=VatCode.VAT25)
    store.commit([it])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, ModalScreen)
        assert "Google Workspace" in messages(app) and "6540" in messages(app) and "6072" in messages(app)
    assert store.transactions["it"].participants is None


async def test_r_on_a_representation_row_still_asks(store):
    lunch = Transaction(id="lunch", date=date(2026, 9, 1), merchant="Max", amount=Decimal("-245.00"),
                        account=6072, vat_code=VatCode.VAT12)
    store.commit([lunch])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ModalScreen)
        await pilot.press("3", "enter")
        await flushed(app, pilot)
    assert store.transactions["lunch"].participants == 3


@pytest.mark.parametrize("typed", ["541", "0000", "0"])
async def test_the_split_editor_refuses_an_account_that_is_not_four_digits(store, typed):
    """Without a chart from Fortnox nothing else checks it: 541 (for 5410) would be saved and booked."""
    from textual.widgets import Input

    from juni_tui.screens.modals.split import SplitEditor

    store.commit([PLAIN])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        inputs = list(app.screen.query(Input))
        for widget, value in zip([inputs[0], inputs[1], inputs[7], inputs[8]], ["60", typed, "40", "5410"], strict=True):
            widget.value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SplitEditor)
        assert f"account {typed} is not a four-digit account number" in str(app.screen.query_one("#error").render())
    assert store.transactions["p1"].splits == ()


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_split_editor_shows_its_title_and_buttons_on_a_small_terminal(store, size):
    """At 80x24 the title (which transaction, its amount) was scrolled off the top and Save cut at the bottom."""
    from textual.containers import Vertical
    from textual.widgets import Button

    store.commit([PLAIN])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        inside = app.screen.query_one(Vertical).content_region
        for widget in (app.screen.query_one(".title"), *app.screen.query(Button)):
            region = widget.region
            assert inside.contains_region(region), (widget, region, inside)
        assert app.screen.query_one("#lines").region.height >= 7  # at least one whole line to type in


@pytest.mark.parametrize("typed", ["12.345", "0,001"])
async def test_a_deductible_share_with_three_decimals_is_refused_in_the_dialog(store, typed):
    """It was stored as typed, and the next start refused the whole home ("juni.json cannot be read")."""
    from juni_tui.screens.modals.vat_details import VatDetailsDialog

    car = Transaction(id="car", date=date(2026, 9, 1), merchant="Hertz", amount=Decimal("-1000.00"), account=5820,
                      vat_code=VatCode.VAT25)
    store.commit([car])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("percent_sign", *typed, "enter")
        await pilot.pause()
        assert isinstance(app.screen, VatDetailsDialog)
        assert "two decimals" in str(app.screen.query_one(".error").render())
        await flushed(app, pilot)
    assert store.transactions["car"].vat_deductible is None


def screen_text(app) -> str:
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


async def test_the_attach_prompt_shows_the_whole_transaction_at_80_columns(store):
    """Its one-line title cut the original amount off, which is what tells two card purchases apart."""
    hotel = Transaction(id="h1", date=date(2026, 9, 1), merchant="Thon Hotel Oslo Opera", amount=Decimal("-1870.96"),
                        original_amount=Decimal("-1890.00"), original_currency="NOK")
    store.commit([hotel])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert "NOK" in screen_text(app)


@pytest.mark.parametrize("typed", ["²", "①"])
async def test_a_digit_that_is_not_a_number_in_the_account_picker_gets_a_sentence(store, typed):
    """``"²".isdigit()`` is true but ``int("²")`` fails: the picker crashed the app without a chart."""
    store.commit([PLAIN])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", typed, "enter")
        await pilot.pause()
        assert isinstance(app.screen, ModalScreen)  # still asking, with a sentence
        assert str(app.screen.query_one("#error").render()).strip()
    assert store.transactions["p1"].account is None


@pytest.mark.parametrize("typed", ["0", "541", "99999"])
async def test_the_account_picker_without_a_chart_refuses_what_is_not_a_four_digit_account(store, typed):
    store.commit([PLAIN])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", *typed, "enter")
        await pilot.pause()
        assert isinstance(app.screen, ModalScreen)
        assert "four-digit" in str(app.screen.query_one("#error").render())
    assert store.transactions["p1"].account is None


async def test_a_superscript_digit_in_the_rule_editors_account_is_a_sentence_not_a_crash(store):
    from juni_tui.screens.modals.rule_editor import RuleEditor

    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("5", "n", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RuleEditor)
        app.screen.query_one("Input.value").value = "taxi"
        app.screen.query_one("#account").focus()
        await pilot.press("²")
        await pilot.pause()
        assert isinstance(app.screen, RuleEditor)
        assert "four-digit" in str(app.screen.query_one("#said").render())


@pytest.mark.parametrize(("tab", "key"), [("1", "a"), ("1", "m"), ("1", "percent_sign"), ("2", "u"), ("2", "e"),
                                          ("3", "r"), ("3", "u"), ("5", "x"), ("5", "D"), ("6", "y")])
async def test_a_key_on_an_empty_tab_says_there_is_nothing_to_act_on(store, tab, key):
    """The footer shows the key; pressed on an empty tab (or a filter that shows nothing) it did nothing at all."""
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(tab)
        await pilot.pause()
        before = len(app._notifications)
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, ModalScreen)
        assert len(app._notifications) > before and "nothing" in messages(app).lower()


async def test_a_representation_purpose_longer_than_the_store_keeps_is_refused_in_the_dialog(store):
    """The field took 2 000 characters, the store keeps 500: a long pasted purpose left a home that would not open."""
    from textual.widgets import Input

    from juni_tui.screens.modals.representation import RepresentationDialog

    lunch = Transaction(id="lunch", date=date(2026, 9, 1), merchant="Max", amount=Decimal("-245.00"), account=6072,
                        vat_code=VatCode.VAT12)
    store.commit([lunch])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r", "3")
        box = app.screen.query_one("#purpose", Input)
        box.focus()
        box.insert_text_at_cursor("kundmöte " * 70)  # as a paste does
        await pilot.press("ctrl+s")
        await pilot.pause()
        await flushed(app, pilot)
        purpose = store.transactions["lunch"].purpose
        assert purpose is None or len(purpose) <= 500
        if purpose is None:  # refused with a sentence, not cut without a word
            assert isinstance(app.screen, RepresentationDialog)
            assert "500" in str(app.screen.query_one(".error").render())
