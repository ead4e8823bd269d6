"""Undo (issue 13, item 3): ``z`` takes back the last change to values, receipts and rules while the transactions
are in Prepare; the service refuses, with a sentence, what changed since or left Prepare."""

from __future__ import annotations

import pytest

from juni_tui.app import JuniApp
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import Status
from juni_tui.domain.vat import VatCode
from juni_tui.services import rules, workflow
from juni_tui.services.store.undo import UndoError, UndoLog
from juni_tui.widgets.table import VirtualTable
from tests.conftest import make_tx
from tests.helpers import flushed
from tests.test_tui_completion import CHART
from tests.test_tui_receipts import drop, pdf, settle, tx

pytestmark = pytest.mark.usefixtures("quick_flush")


def test_a_step_is_undone_in_one_commit_and_only_while_nothing_changed_it_since(store):
    store.commit([make_tx("t1"), make_tx("t2")])
    log = UndoLog(store)
    with log.step("Account 5410 set"):
        workflow.set_values(store, ["t1", "t2"], account=5410)
        workflow.set_values(store, ["t1"], vat_code=VatCode.VAT25)
    assert log.last == "Account 5410 set"
    assert log.undo() == "Undone: Account 5410 set"
    assert (store.transactions["t1"].account, store.transactions["t1"].vat_code, store.transactions["t2"].account) \
        == (None, None, None)
    assert store.audit_log()[-1]["action"] == "undo"
    with pytest.raises(UndoError, match="Nothing to undo"):
        log.undo()

    with log.step("Account 6540 set"):
        workflow.set_values(store, ["t1"], account=6540)
    workflow.set_values(store, ["t1"], account=5410)  # by something else: an import, a rule, the CLI
    with pytest.raises(UndoError, match="changed again since"):
        log.undo()
    assert store.transactions["t1"].account == 5410


def test_a_transaction_that_left_prepare_is_not_undone(store):
    store.commit([make_tx("t1", vat_code=VatCode.VAT25, no_receipt_reason="x")])
    log = UndoLog(store)
    with log.step("Account 5410 set"):
        workflow.set_values(store, ["t1"], account=5410)
    workflow.mark_ready(store, ["t1"])
    with pytest.raises(UndoError, match="cannot be undone"):
        log.undo()
    assert store.transactions["t1"].status == Status.READY and store.transactions["t1"].account == 5410


def test_a_deleted_rule_comes_back(store):
    saved = rules.save(store, Rule(kind=RuleKind.MERCHANT, name="Adobe", merchant="Adobe", then=RuleActions(account=6540)))
    log = UndoLog(store)
    with log.step("Adobe deleted"):
        rules.delete(store, [saved.id])
    assert rules.list_rules(store) == []
    log.undo()
    assert [r.id for r in rules.list_rules(store)] == [saved.id]


async def test_z_takes_back_an_inline_edit_and_then_says_there_is_nothing_more(store):
    store.commit([*CHART, make_tx("t1")])
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", *"6540", "enter")
        await flushed(app, pilot)
        assert (store.transactions["t1"].account, store.transactions["t1"].vat_code) == (6540, VatCode.VAT25)
        await pilot.press("z")
        await flushed(app, pilot)
        assert (store.transactions["t1"].account, store.transactions["t1"].vat_code) == (None, None)
        assert app.screen.query_one(VirtualTable).cursor_id == "t1"
        await pilot.press("z")
        assert "Nothing to undo." in [n.message for n in app._notifications]


async def test_z_in_the_receipts_tab_gives_back_a_rejected_suggestion(store):
    store.commit([tx("espresso", "Espresso House", "-104.01")])  # one öre off: suggested
    drop(store, "espresso.pdf", pdf("Espresso House", "104.00"))
    app = JuniApp(store, sync_on_start=False, watch_inbox=True, ascii=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        (receipt_id,) = app.screen.query_one(VirtualTable).row_ids
        before = store.receipts.get(receipt_id)
        await pilot.press("x")
        await settle(app, pilot)
        assert store.receipts.get(receipt_id).rejected == ("espresso",)
        await pilot.press("z")
        await settle(app, pilot)
        assert store.receipts.get(receipt_id) == before
