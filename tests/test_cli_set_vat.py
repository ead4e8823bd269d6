"""``juni-tui set`` with issue 12's bookkeeping fields: the deductible share, the VAT as printed, and representation's
facts, with the same checks as the TUI's ``%`` and ``r`` keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.domain.transactions import Status
from juni_tui.domain.vat import VatCode
from juni_tui.services.store import Store
from tests.conftest import make_tx
from tests.test_cli_headless import cli, tx_of


def _seed(home, *txs) -> None:
    with Store.open(home) as store:
        store.commit(list(txs))


def test_representation_facts_make_a_client_lunch_complete(home, capsys):
    _seed(home, make_tx("lunch", merchant="Restaurang Tranan", amount=Decimal("-1120.00"), no_receipt_reason="x"))
    assert cli(home, "set", "lunch", "--account", "6072", "--vat", "12") == 0
    out = capsys.readouterr().out
    assert "Account 6072 is representation: say how many took part with --participants" in out
    assert cli(home, "mark-ready", "lunch") == 1
    assert "participants" in capsys.readouterr().err
    assert cli(home, "set", "lunch", "--participants", "2", "--purpose", "Avtalsförhandling",
               "--attendees", "Anna Berg (Kund AB), Per Ek (vi)", "--alcohol", "no") == 0
    tx = tx_of(home, "lunch")
    assert (tx.participants, tx.purpose, tx.attendees, tx.alcohol) == (
        2, "Avtalsförhandling", "Anna Berg (Kund AB), Per Ek (vi)", False)
    assert cli(home, "set", "lunch", "--participants", "3") == 0  # only what is given changes
    tx = tx_of(home, "lunch")
    assert (tx.participants, tx.purpose) == (3, "Avtalsförhandling")
    assert cli(home, "mark-ready", "lunch") == 0
    assert tx_of(home, "lunch").status == Status.READY


def test_deductible_share_and_the_vat_as_printed(home, capsys):
    _seed(home, make_tx("car", merchant="Hertz", amount=Decimal("-1250.00"), account=5820, vat_code=VatCode.VAT25),
          make_tx("other", amount=Decimal("-1250.00"), vat_code=VatCode.VAT25))
    assert cli(home, "set", "car", "--vat-deductible", "50 %", "--vat-amount", "249,99") == 0
    tx = tx_of(home, "car")
    assert (tx.vat_deductible, tx.vat_amount) == (Decimal("50"), Decimal("249.99"))
    capsys.readouterr()
    # printed VAT that does not fit the rate is refused with the amount the rate gives, and nothing changes
    assert cli(home, "set", "car", "--vat-amount", "100") == 1
    err = capsys.readouterr().err
    assert "does not fit" in err and "250,00" in err
    assert tx_of(home, "car").vat_amount == Decimal("249.99")
    # one receipt's VAT goes on one transaction
    assert cli(home, "set", "car", "other", "--vat-amount", "250") == 1
    assert "one transaction at a time" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--vat-deductible", "150"], "not a percentage from 0 to 100"),
    (["--participants", "0"], "not a count of participants"),
    (["--alcohol", "maybe"], "say yes or no"),
    (["--vat-amount", "-5"], "not negative"),
])
def test_bad_values_are_refused_with_a_sentence(home, capsys, args, message):
    _seed(home, make_tx("a"))
    with pytest.raises(SystemExit) as exit_:
        cli(home, "set", "a", *args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_clearing_a_value_that_is_not_set_changes_nothing_and_says_so(home, capsys):
    _seed(home, make_tx("a"))
    with Store.open(home) as store:
        audit_before = len(store.audit_log())
    assert cli(home, "set", "a", "--clear", "project") == 0
    assert "Nothing changed" in capsys.readouterr().out
    with Store.open(home) as store:
        assert len(store.audit_log()) == audit_before


def test_the_workflow_refuses_what_the_store_would_not_keep(home):
    """Whatever the caller (TUI, CLI, rules), a value the store would not keep is refused with a sentence, never
    stored where it would leave a home that does not open."""
    from juni_tui.services import workflow

    _seed(home, make_tx("a", account=6072, vat_code=VatCode.VAT12))
    with Store.open(home) as store:
        with pytest.raises(workflow.WorkflowError, match="at most two decimals"):
            workflow.set_values(store, ["a"], vat_deductible=Decimal("12.345"))
        with pytest.raises(workflow.WorkflowError, match="at most 500 are kept"):
            workflow.set_representation(store, ["a"], participants=2, purpose="x" * 501)
        with pytest.raises(workflow.WorkflowError, match="at most 2000 are kept"):
            workflow.set_representation(store, ["a"], attendees="x" * 2001)
    with Store.open(home) as store:  # and the home opens, as it was
        tx = store.get_transaction("a")
        assert (tx.vat_deductible, tx.purpose, tx.participants) == (None, None, None)


def test_a_vat_code_copied_from_the_account_says_so_not_set_by_hand(home, capsys):
    from juni_tui.domain.reference import Account

    with Store.open(home) as store:
        store.commit([Account(number=5410, description="Förbrukningsinventarier", vat_code="I"), make_tx("a")])
    assert cli(home, "set", "a", "--account", "5410") == 0
    assert "VAT code 25 (from account 5410's VAT code)" in capsys.readouterr().out
    tx = tx_of(home, "a")
    assert tx.vat_code == VatCode.VAT25
    assert tx.sources["vat_code"].label == "from account 5410's VAT code"
