"""The rules in the TUI, driven with Pilot: tab 5 (add, edit, switch off, delete, reorder, matches), the "apply to
existing" preview, a merchant rule made from an edited row in Prepare, and suggestions that wait for ``s``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import juni_tui.app as app_module
from juni_tui.app import JuniApp
from juni_tui.domain.reference import Account
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import ExportState, Origin, Status
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.detail import DetailScreen
from juni_tui.screens.modals.dialogs import AccountPicker, ChoicePicker, Confirm
from juni_tui.screens.modals.help import HelpScreen
from juni_tui.screens.modals.rule_apply import ApplyPreview
from juni_tui.screens.modals.rule_editor import RuleEditor
from juni_tui.screens.modals.rule_matches import MatchesScreen
from juni_tui.screens.prepare import PrepareScreen
from juni_tui.screens.rules import RulesScreen
from juni_tui.services import rules, workflow
from juni_tui.widgets.table import VirtualTable
from tests.conftest import make_tx
from tests.helpers import flushed, text_of

pytestmark = pytest.mark.usefixtures("quick_flush")

CHART = [
    Account(number=5410, description="Förbrukningsinventarier"),
    Account(number=5420, description="Programvaror"),
    Account(number=5800, description="Resekostnader"),
    Account(number=5831, description="Representation"),
    Account(number=6071, description="Representation, avdragsgill"),
]


def app_for(store) -> JuniApp:
    return JuniApp(store, sync_on_start=False, watch_inbox=False)


async def settle(app, pilot) -> None:
    """Workers done, store changes streamed to the screen (every FLUSH_SECONDS), and what they started done too."""
    await app.workers.wait_for_complete()
    await flushed(app, pilot)
    await app.workers.wait_for_complete()
    await pilot.pause()


def table(app) -> VirtualTable:
    return app.screen.query_one(VirtualTable)


def cell(app, row_id: str, column: str):
    screen = app.screen
    index = [c.key for c in screen.COLUMNS].index(column)
    return screen.render_row(row_id)[index]


def plain(value) -> str:
    return value if isinstance(value, str) else value.plain


def put_cursor(app, row_id: str) -> None:
    t = table(app)
    t.set_cursor(t.row_ids.index(row_id))


def exported(tx, number):
    return tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
        series="K", tag=f"juni {tx.id}", voucher_number=number, voucher_year=2,
        exported_at=datetime(2026, 9, 30, 12, tzinfo=UTC))})


def custom(name, *conditions, match="all", **then) -> Rule:
    return Rule(kind=RuleKind.CUSTOM, name=name, when={"match": match, "conditions": list(conditions)},
                then=RuleActions(**then))


def form(editor: RuleEditor, selector: str):
    return editor.query_one(selector)


# --- the "done when": a rule from an edited row fills in the rest ------------------------------------


async def test_a_merchant_rule_made_from_an_edited_row_fills_in_the_other_transactions_of_that_merchant(store):
    store.commit([
        *CHART,
        make_tx("e1", merchant="ESPRESSO HOUSE 123 STOCKHOLM", amount=Decimal("-45.00")),
        make_tx("e2", merchant="Espresso House 77", amount=Decimal("-62.00")),
        make_tx("e3", merchant="ESPRESSO HOUSE GOTEBORG", amount=Decimal("-38.00")),
        make_tx("e4", merchant="Espresso House 12", amount=Decimal("-120.00")),
        make_tx("r1", merchant="Espresso House", status=Status.READY, account=5410, vat_code=VatCode.VAT25,
                no_receipt_reason="kvitto saknas"),
        make_tx("other", merchant="Pressbyrån", amount=Decimal("-30.00")),
    ])
    workflow.set_values(store, ["e4"], account=6071)  # by hand: a rule never replaces it
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PrepareScreen)
        put_cursor(app, "e1")

        await pilot.press("a")
        assert isinstance(app.screen, AccountPicker)
        await pilot.press(*"5831", "enter")
        await pilot.press("v")
        assert isinstance(app.screen, ChoicePicker)
        app.screen.query_one("OptionList").highlighted = [c for c, _ in app.screen.choices].index(VatCode.VAT12)
        await pilot.press("enter")
        await settle(app, pilot)
        assert (store.transactions["e1"].account, store.transactions["e1"].vat_code) == (5831, VatCode.VAT12)

        await pilot.press("R")
        editor = app.screen
        assert isinstance(editor, RuleEditor)
        assert form(editor, "#merchant").value == "ESPRESSO HOUSE 123 STOCKHOLM"
        assert form(editor, "#name").value == "Espresso House"
        assert form(editor, "#account").value == "5831 Representation"
        assert form(editor, "#vat_code").value == "12"
        assert 'When merchant is "ESPRESSO HOUSE 123 STOCKHOLM", fill in account 5831, VAT code 12.' in text_of(
            form(editor, "#said"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        preview = app.screen
        assert isinstance(preview, ApplyPreview)
        assert {(c.tx_id, c.field) for c in preview.changes} == {
            ("e2", "account"), ("e2", "vat_code"), ("e3", "account"), ("e3", "vat_code"), ("e4", "vat_code")}
        shown = {plain(preview._render_change(row_id)[4]) for row_id in preview.query_one(VirtualTable).row_ids}
        assert shown == {"— → 5831 Representation", "— → 12"}
        assert "5 missing values on 3 Prepare transactions" in text_of(preview.query_one("#summary"))
        assert store.transactions["e2"].account is None  # nothing changes before the yes

        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, PrepareScreen)

    tx = {i: store.get_transaction(i) for i in ("e2", "e3", "e4", "r1", "other")}
    assert [(tx[i].account, tx[i].vat_code) for i in ("e2", "e3")] == [(5831, VatCode.VAT12)] * 2
    assert tx["e2"].sources["account"].label == "Merchant rule: Espresso House"
    assert (tx["e4"].account, tx["e4"].sources["account"].origin, tx["e4"].vat_code) == (
        6071, Origin.MANUAL, VatCode.VAT12)
    assert (tx["r1"].account, tx["r1"].vat_code) == (5410, VatCode.VAT25)
    assert (tx["other"].account, tx["other"].vat_code) == (None, None)
    (rule,) = rules.list_rules(store)
    assert (rule.kind, rule.merchant, rule.then.account, rule.then.vat_code) == (
        RuleKind.MERCHANT, "ESPRESSO HOUSE 123 STOCKHOLM", 5831, VatCode.VAT12)


async def test_saying_no_to_the_preview_changes_nothing_but_keeps_the_rule(store):
    store.commit([*CHART, make_tx("a1", merchant="Adobe", account=5420, vat_code=VatCode.VAT25),
                  make_tx("a2", merchant="ADOBE *CREATIVE CLOUD")])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        put_cursor(app, "a1")
        await pilot.press("R")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ApplyPreview)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, PrepareScreen)
    assert store.transactions["a2"].account is None
    assert [r.merchant for r in rules.list_rules(store)] == ["Adobe"]


async def test_r_without_a_value_on_the_row_says_what_to_do_first(store):
    store.commit([make_tx("a1")])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
        assert any("Set an account or a VAT code on Adobe first" in n.message for n in app._notifications)
    assert rules.list_rules(store) == []


# --- tab 5 ----------------------------------------------------------------------------------------------------


async def test_a_custom_rule_is_added_from_the_rules_tab_and_fills_only_after_the_preview(store):
    store.commit([*CHART, make_tx("f1", merchant="SAS Scandinavian Airlines", amount=Decimal("-2400.00")),
                  make_tx("f2", merchant="SAS", amount=Decimal("-80.00")),
                  make_tx("f3", merchant="Norwegian", amount=Decimal("-900.00"))])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert isinstance(app.screen, RulesScreen)
        assert "No rules yet" in table(app).empty_text

        await pilot.press("n")
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press("enter")  # the first choice: custom
        editor = app.screen
        assert isinstance(editor, RuleEditor) and editor.kind == RuleKind.CUSTOM
        form(editor, "#name").value = "Flights"
        (first,) = editor.condition_rows()
        first.query_one("#value").value = "sas"
        await pilot.press("ctrl+n")
        await pilot.pause()
        second = editor.condition_rows()[1]
        second.query_one("#field").value = "amount"
        await pilot.pause()
        assert second.has_class("-amount")  # min and max for an amount
        second.query_one("#value").value = "100"
        form(editor, "#account").value = "5800"
        form(editor, "#vat_code").value = "6"
        await pilot.pause()
        assert text_of(form(editor, "#said")) .strip() == (
            'When merchant contains "sas" and amount at least 100.00 SEK, fill in account 5800, VAT code 6.')
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert isinstance(app.screen, ApplyPreview)
        assert {c.tx_id for c in app.screen.changes} == {"f1"}
        assert store.transactions["f1"].account is None
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, RulesScreen)
        (rule,) = rules.list_rules(store)
        assert table(app).row_ids == [rule.id]
        assert [plain(c) for c in app.screen.render_row(rule.id)] == [
            "custom 1", "Flights", 'merchant contains "sas" and amount at least 100.00 SEK',
            "account 5800, VAT code 6", "on", "1"]
        assert "(1)" in text_of(app.screen.query_one("NavTabs"))
    assert (store.transactions["f1"].account, store.transactions["f1"].vat_code) == (5800, VatCode.VAT6)
    assert store.transactions["f1"].sources["account"].label == "Custom rule: Flights"
    assert store.transactions["f2"].account is None and store.transactions["f3"].account is None


async def test_a_bad_regex_is_refused_in_the_dialog_with_the_reason(store):
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "n", "enter")
        editor = app.screen
        assert isinstance(editor, RuleEditor)
        form(editor, "#name").value = "Broken"
        row = editor.condition_rows()[0]
        row.query_one("#op").value = "regex"
        row.query_one("#value").value = "(sas"
        form(editor, "#account").value = "5800"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # still open, with what was typed
        error = text_of(form(editor, "#error"))
        assert "condition 1: regex '(sas' does not compile" in error
        assert row.query_one("#value").value == "(sas"
    assert rules.list_rules(store) == []


async def test_a_second_rule_for_the_same_merchant_is_refused_in_the_dialog(store):
    rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "n")
        app.screen.query_one("OptionList").highlighted = 1  # merchant
        await pilot.press("enter")
        editor = app.screen
        form(editor, "#merchant").value = "ADOBE STOCKHOLM"
        form(editor, "#account").value = "5410"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor
        assert "There is already a merchant rule for \"Adobe\"" in text_of(form(editor, "#error"))
    assert len(rules.list_rules(store)) == 1


async def test_a_rule_is_edited_and_its_brackets_survive_the_form(store):
    store.commit(CHART)
    rule = rules.add(store, custom(
        "Flights", {"match": "any", "conditions": [{"field": "merchant", "op": "contains", "value": "SAS"},
                                                  {"field": "merchant", "op": "regex", "value": "^nor"}]},
        {"field": "currency", "value": "SEK", "negate": True}, account=5800, vat_code=VatCode.VAT6))
    store.commit([make_tx("n1", merchant="Norwegian Air", original_currency="NOK", original_amount=Decimal("-900"))])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("e")
        editor = app.screen
        assert isinstance(editor, RuleEditor)
        assert [row.query_one("#group").value for row in editor.condition_rows()] == ["A", "A", ""]
        assert form(editor, "#account").value == "5800 Resekostnader"
        form(editor, "#account").value = "5831"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ApplyPreview)
        assert {(c.tx_id, c.new) for c in app.screen.changes} == {("n1", 5831), ("n1", VatCode.VAT6)}
        await pilot.press("y")
        await settle(app, pilot)
    saved = rules.get_rule(store, rule.id)
    assert saved.when == rule.when and saved.then.account == 5831
    assert store.transactions["n1"].account == 5831


async def test_rules_are_switched_off_and_on_deleted_and_reordered_from_the_rules_tab(store):
    first = rules.add(store, custom("Taxi", {"field": "merchant", "op": "contains", "value": "taxi"}, account=5800))
    second = rules.add(store, custom("Trains", {"field": "merchant", "op": "contains", "value": "sj"}, account=5800))
    merchant = rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    store.commit([make_tx("t1", merchant="Taxi Stockholm")])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        screen = app.screen
        assert table(app).row_ids == [first.id, second.id, merchant.id]  # custom in order, then merchant

        # J moves the first custom rule down, K back up; a merchant rule has no place in the order
        await pilot.press("J")
        await settle(app, pilot)
        assert [r.id for r in rules.list_rules(store)] == [second.id, first.id, merchant.id]
        assert table(app).row_ids == [second.id, first.id, merchant.id]
        assert table(app).cursor_id == first.id  # the cursor follows the rule
        await pilot.press("K")
        await settle(app, pilot)
        assert [r.id for r in rules.list_rules(store)] == [first.id, second.id, merchant.id]
        put_cursor(app, merchant.id)
        await pilot.press("K")
        await settle(app, pilot)
        assert any("only custom rules are ordered" in n.message for n in app._notifications)

        # x switches off, and on again (with the preview of what it fills)
        put_cursor(app, first.id)
        await pilot.press("x")
        await settle(app, pilot)
        assert rules.get_rule(store, first.id).enabled is False
        assert plain(screen.render_row(first.id)[4]) == "off"
        await pilot.press("x")
        await settle(app, pilot)
        assert rules.get_rule(store, first.id).enabled is True
        assert isinstance(app.screen, ApplyPreview)
        assert {c.tx_id for c in app.screen.changes} == {"t1"}
        await pilot.press("escape")
        await settle(app, pilot)
        assert store.transactions["t1"].account is None

        # D deletes, after a yes
        put_cursor(app, second.id)
        await pilot.press("D")
        assert isinstance(app.screen, Confirm)
        assert "Trains" in app.screen.title_text
        await pilot.press("n")
        assert rules.get_rule(store, second.id)
        await pilot.press("D", "y")
        await settle(app, pilot)
        assert table(app).row_ids == [first.id, merchant.id]
        assert "(2)" in text_of(app.screen.query_one("NavTabs"))
    assert [r.id for r in rules.list_rules(store)] == [first.id, merchant.id]


async def test_enter_on_a_rule_lists_the_prepare_and_ready_transactions_it_matches(store):
    rule = rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    store.commit([
        make_tx("p1"), make_tx("p2", merchant="ADOBE *CREATIVE CLOUD"), make_tx("x1", merchant="SJ"),
        make_tx("r1", status=Status.READY, account=5420, vat_code=VatCode.VAT25, no_receipt_reason="x"),
        exported(make_tx("done", account=5420, vat_code=VatCode.VAT25), 1),
    ])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert plain(app.screen.render_row(rule.id)[5]) == "3"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MatchesScreen)
        listed = table(app)
        assert sorted(listed.row_ids[:2]) == ["p1", "p2"] and listed.row_ids[2:] == ["r1"]
        assert "3 transactions now: 2 in Prepare, 1 ready to export" in text_of(app.screen.query_one("#head"))
        assert plain(app.screen.render_row("r1")[0]) == "ready"
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MatchesScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, RulesScreen)


async def test_the_match_counts_follow_new_transactions(store):
    rule = rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert plain(app.screen.render_row(rule.id)[5]) == "0"
        store.commit([make_tx("p1"), make_tx("p2")])
        await pilot.pause(RulesScreen.RECOUNT_SECONDS + app_module.FLUSH_SECONDS + 0.3)
        await settle(app, pilot)
        assert plain(app.screen.render_row(rule.id)[5]) == "2"


# --- suggestions in Prepare -----------------------------------------------------------------------------------


async def test_a_suggestion_shows_as_such_and_is_applied_only_on_s(store):
    store.commit([*CHART, *(exported(make_tx(f"h{n}", merchant="Espresso House", account=5831,
                                             vat_code=VatCode.VAT12), n) for n in range(3))])
    store.commit([make_tx("new", merchant="ESPRESSO HOUSE 9 STOCKHOLM"), make_tx("half", merchant="Espresso House",
                                                                                account=5831),
                  make_tx("none", merchant="Pressbyrån")])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        account, vat = cell(app, "new", "account"), cell(app, "new", "vat")
        assert (account.plain, vat.plain) == ("~5831 Representation", "~12 %")
        assert str(account.style) == "dim italic magenta"
        assert (cell(app, "half", "account").plain, cell(app, "half", "vat").plain) == ("5831 Representation", "~12 %")
        assert cell(app, "none", "account").plain == "missing"
        put_cursor(app, "new")
        await pilot.pause()
        bar = text_of(screen.query_one("#selection"))
        assert "~ 3 of 3 earlier exports of Espresso House used 5831 / 12: s accepts" in bar
        assert store.transactions["new"].account is None  # shown, not applied

        await pilot.press("enter")  # the detail view says it too
        assert isinstance(app.screen, DetailScreen)
        assert "Suggested" in text_of(app.screen.query_one("#body"))
        await pilot.press("escape")

        put_cursor(app, "none")
        await pilot.press("s")
        await settle(app, pilot)
        assert store.transactions["none"].account is None
        assert any("No suggestion for" in n.message for n in app._notifications)

        table(app).select({"new", "half"})
        await pilot.press("s")
        await settle(app, pilot)
        tx = store.transactions["new"]
        assert (tx.account, tx.vat_code, tx.sources["account"].origin) == (5831, VatCode.VAT12, Origin.SUGGESTION)
        assert store.transactions["half"].vat_code == VatCode.VAT12
        account = cell(app, "new", "account")
        assert account.plain == "5831 Representation" and "italic" not in str(account.style)  # accepted: no ~

        put_cursor(app, "new")
        await pilot.press("enter")
        assert "Suggestion: 3 of 3 earlier exports of Espresso House used 5831 / 12" in text_of(
            app.screen.query_one("#body"))


async def test_a_new_rule_replaces_the_suggestion_it_makes_unneeded(store):
    store.commit([*CHART, *(exported(make_tx(f"h{n}", merchant="Adobe", account=5420, vat_code=VatCode.VAT25), n)
                            for n in range(2))])
    store.commit([make_tx("a1")])
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert cell(app, "a1", "account").plain == "~5420 Programvaror"
        rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5410)))
        await pilot.pause(0.2)
        await settle(app, pilot)
        # the rule fills the account (once applied), so only the VAT code of account 5410 could be suggested: none
        assert cell(app, "a1", "account").plain == "missing"
        assert cell(app, "a1", "vat").plain == "missing"


async def test_a_previews_every_enabled_rule_over_prepare_and_applies_on_yes(store):
    store.commit([make_tx("a1"), make_tx("c1", merchant="Scandic", category="Hotels"),
                  make_tx("off", merchant="SJ")])
    rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    rules.add(store, Rule(kind=RuleKind.CATEGORY, category="hotels",
                          then=RuleActions(account=5831, vat_code=VatCode.VAT12)))
    switched_off = rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="SJ", then=RuleActions(account=5800)))
    rules.set_enabled(store, [switched_off.id], False)
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(list(app.screen.query("Static"))[-1])
        assert "Move up" in keys and "On/off" in keys and "Apply all" in keys
        await pilot.press("escape")
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ApplyPreview)
        assert {(c.tx_id, c.field) for c in app.screen.changes} == {
            ("a1", "account"), ("c1", "account"), ("c1", "vat_code")}
        await pilot.press("y")
        await settle(app, pilot)
    assert [store.transactions[i].account for i in ("a1", "c1", "off")] == [5420, 5831, None]
    assert store.transactions["c1"].sources["vat_code"].label == "Category rule: hotels"
