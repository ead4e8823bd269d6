"""Account completion (issue 13, item 5): cost accounts first, words without accents, nothing pre-selected, and a
question before a balance-sheet account is used on a purchase."""

from __future__ import annotations

import pytest

from juni_tui.app import JuniApp
from juni_tui.domain.reference import Account
from juni_tui.screens.modals.dialogs import AccountPicker, Confirm
from juni_tui.widgets.account_completion import AccountCompletion, rank_accounts
from tests.conftest import make_tx
from tests.helpers import flushed

pytestmark = pytest.mark.usefixtures("quick_flush")

CHART = [
    Account(number=1930, description="Företagskonto"),
    Account(number=2940, description="Upplupna kostnader för logi och resor"),
    Account(number=3010, description="Försäljning logi"),
    Account(number=5410, description="Förbrukningsinventarier", vat_code="I"),
    Account(number=5831, description="Kost och logi i Sverige", vat_code="I12"),
    Account(number=5832, description="Kost och logi i utlandet"),
    Account(number=6540, description="IT-tjänster", vat_code="I"),
    Account(number=6541, description="Sociologiska tjänster", active=False),
]


def test_cost_accounts_come_first_and_words_match_from_their_start_without_accents():
    assert [a.number for a in rank_accounts(CHART, "logi")] == [5831, 5832, 2940, 3010]
    assert [a.number for a in rank_accounts(CHART, "tjanster")] == [6540]  # the inactive one is never offered
    assert [a.number for a in rank_accounts(CHART, "FÖRBRUKN")] == [5410]
    assert [a.number for a in rank_accounts(CHART, "kost utl")] == [5832]
    assert [a.number for a in rank_accounts(CHART, "58")] == [5831, 5832]


async def picker(store, pilot, app) -> AccountPicker:
    await pilot.press("a")
    assert isinstance(app.screen, AccountPicker)
    return app.screen


async def test_nothing_is_pre_selected_enter_needs_a_choice_and_down_picks(store):
    store.commit([*CHART, make_tx("t1", amount=-500)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await picker(store, pilot, app)
        await pilot.press(*"logi")
        await pilot.pause()
        options = screen.query_one(AccountCompletion).option_list
        assert options.highlighted is None
        assert str(options.get_option_at_index(0).prompt).startswith("5831")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and "pick one" in str(screen.query_one("#error").render())
        await pilot.press("down", "enter")
        await flushed(app, pilot)
        assert store.transactions["t1"].account == 5831
        source = store.transactions["t1"].sources["vat_code"]
        assert source.describe() == "from account 5831's VAT code"  # not "set by hand"


async def test_a_balance_sheet_account_on_a_purchase_asks_first(store):
    store.commit([*CHART, make_tx("t1", amount=-500)])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await picker(store, pilot, app)
        await pilot.press(*"1930", "enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "balance-sheet" in app.screen.body
        await pilot.press("n")
        await flushed(app, pilot)
        assert store.transactions["t1"].account is None
        await picker(store, pilot, app)
        await pilot.press(*"1930", "enter", "y")
        await flushed(app, pilot)
        assert store.transactions["t1"].account == 1930
