"""The state machine: what may change when, for every caller (the TUI and the CLI share it)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.reference import Account
from juni_tui.domain.transactions import ExportError, FieldSource, Origin, SplitLine, Status
from juni_tui.domain.vat import VatCode
from juni_tui.services import workflow
from juni_tui.services.store import ImmutableError
from tests.conftest import make_tx


def complete(tx_id="a", **fields):
    values = dict(account=6540, vat_code=VatCode.VAT25, no_receipt_reason="e-mailed invoice")
    values.update(fields)
    return make_tx(tx_id, **values)


def test_incomplete_transactions_are_refused_each_with_what_it_lacks(store):
    store.commit([complete("a"), make_tx("b"), complete("c", no_receipt_reason=None)])
    outcome = workflow.mark_ready(store, ["a", "b", "c"])
    assert outcome.done == ["a"]
    assert outcome.refused["b"] == ["missing account", "missing VAT code",
                                    "missing receipt (attach one or mark it as not needed)"]
    assert outcome.refused["c"] == ["missing receipt (attach one or mark it as not needed)"]
    assert store.transactions["a"].status == Status.READY


def test_only_prepare_transactions_can_be_edited(store):
    store.commit([complete("a")])
    workflow.mark_ready(store, ["a"])
    with pytest.raises(workflow.WorkflowError, match="Ready to export; send it back to Prepare"):
        workflow.set_values(store, ["a"], account=5410)
    workflow.back_to_prepare(store, ["a"])
    assert workflow.set_values(store, ["a"], account=5410)[0].account == 5410


def test_an_edit_records_who_set_each_value(store):
    store.commit([make_tx("a")])
    workflow.set_values(store, ["a"], account=6540)
    assert store.transactions["a"].sources["account"].origin == Origin.MANUAL
    rule = FieldSource(origin=Origin.RULE, rule_id="r1", label="Merchant rule: Adobe")
    workflow.set_values(store, ["a"], account=5420, vat_code=VatCode.VAT25, source=rule, overwrite_manual=False)
    tx = store.transactions["a"]
    assert tx.account == 6540 and tx.vat_code == VatCode.VAT25  # the hand-set account stays
    assert tx.sources["vat_code"].label == "Merchant rule: Adobe"


def test_only_active_accounts_in_the_chart_are_accepted(store):
    store.commit([make_tx("a"), Account(number=6540, description="IT-tjänster"),
                  Account(number=5460, description="Förbrukningsmaterial", active=False)])
    with pytest.raises(workflow.WorkflowError, match="not in the chart"):
        workflow.set_values(store, ["a"], account=9999)
    with pytest.raises(workflow.WorkflowError, match="inactive"):
        workflow.set_values(store, ["a"], account=5460)


def test_a_split_must_add_up_to_the_transaction(store):
    store.commit([make_tx("a", amount=Decimal("-1500.00"))])
    with pytest.raises(workflow.WorkflowError, match="200.00 is left to place"):
        workflow.set_splits(store, "a", [SplitLine(amount=Decimal("-1000.00")), SplitLine(amount=Decimal("-300.00"))])
    tx = workflow.set_splits(store, "a", [SplitLine(amount=Decimal("-1200.00"), account=5831, vat_code=VatCode.VAT12),
                                          SplitLine(amount=Decimal("-300.00"), account=5410, vat_code=VatCode.VAT25)])
    assert tx.values_complete


def test_items_being_sent_cannot_be_pulled_back_but_failed_ones_can(store):
    store.commit([complete("a"), complete("b")])
    workflow.mark_ready(store, ["a", "b"])
    workflow.queue(store, ["a", "b"], "K")
    sending = workflow.begin_voucher(store, store.transactions["a"], {"Voucher": {}}, 2)
    failed = workflow.mark_failed(store, store.transactions["b"], ExportError(message="Konto 6540 är inaktivt"))
    outcome = workflow.back_to_prepare(store, [sending.id, failed.id])
    assert outcome.done == ["b"]
    assert "being sent" in outcome.refused["a"][0]
    assert store.transactions["b"].export is None and store.transactions["b"].status == Status.PREPARE


def test_a_failed_item_whose_voucher_exists_retries_only_its_receipts(store):
    store.commit([complete("a")])
    workflow.mark_ready(store, ["a"])
    workflow.queue(store, ["a"], "K")
    tx = workflow.begin_voucher(store, store.transactions["a"], {"Voucher": {}}, 2)
    tx = workflow.record_voucher(store, tx, 17, 2, [])
    tx = workflow.mark_failed(store, tx, ExportError(message="upload failed", retryable=True))
    assert "Retry (r) instead" in workflow.back_to_prepare(store, ["a"]).refused["a"][0]
    assert workflow.retry(store, ["a"]).done == ["a"]
    assert store.transactions["a"].status == Status.ATTACHING  # the voucher is never sent again


def test_exported_transactions_are_refused_everywhere(store):
    store.commit([complete("a")])
    workflow.mark_ready(store, ["a"])
    workflow.queue(store, ["a"], "K")
    tx = workflow.begin_voucher(store, store.transactions["a"], {"Voucher": {}}, 2)
    tx = workflow.record_voucher(store, tx, 17, 2, [])
    workflow.mark_exported(store, tx)
    for attempt in (lambda: workflow.set_values(store, ["a"], account=5410),
                    lambda: workflow.mark_ready(store, ["a"]),
                    lambda: workflow.back_to_prepare(store, ["a"]),
                    lambda: workflow.set_no_receipt(store, ["a"], "x")):
        with pytest.raises(ImmutableError, match="K 17"):
            attempt()


def test_the_export_tag_uses_only_characters_fortnox_accepts():
    assert workflow.export_tag("tx-123") == "juni tx-123"
    odd = workflow.export_tag("id [with] {brackets} and spaces")
    assert odd.startswith("juni ") and "[" not in odd and len(odd) == 21
    assert workflow.export_tag("a" * 41) != workflow.export_tag("a" * 42)  # long ids stay distinct


def test_every_state_change_is_in_the_audit_log(store):
    store.commit([complete("a")])
    workflow.mark_ready(store, ["a"])
    workflow.back_to_prepare(store, ["a"])
    actions = [r["action"] for r in store.audit_log()]
    assert actions[-2:] == ["mark-ready", "back-to-prepare"]
    assert store.audit_log()[-1]["ids"] == ["a"]
