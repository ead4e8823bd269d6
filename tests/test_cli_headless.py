"""The whole job headless: set values, send back, retry, sync with Fortnox, with the TUI's checks and refusals, and
exit codes that mean something."""

from __future__ import annotations

import json
from datetime import date

import pytest

from juni_tui.cli import build_parser, main
from juni_tui.domain.reference import Account, CostCenter
from juni_tui.domain.transactions import ExportError, Status
from juni_tui.domain.vat import VatCode
from juni_tui.sandbox.company import COMPANY
from juni_tui.services import vouchers, workflow
from juni_tui.services.store import Store
from tests.conftest import make_tx
from tests.helpers import seed_ready
from tests.test_cli_flow import service_env


def cli(home, *args: str) -> int:
    return main(["--home", str(home.root), *args])


def seeded(home, *txs) -> None:
    with Store.open(home) as store:
        store.commit([
            Account(number=5410, description="Förbrukningsinventarier", vat_code="I"),
            Account(number=6540, description="IT-tjänster"),
            Account(number=5460, description="Förbrukningsmaterial", active=False),
            CostCenter(code="SALJ", description="Sälj"),
            *txs,
        ])
        store.save_settings(store.settings.model_copy(update={"vat_code_map": {"I": VatCode.VAT25}}))


def tx_of(home, tx_id):
    with Store.open(home) as store:
        return store.get_transaction(tx_id)


def test_set_changes_values_on_every_id_given(home, capsys):
    seeded(home, make_tx("a"), make_tx("b"))
    assert cli(home, "set", "a", "b", "--account", "6540", "--vat", "rc_non_eu_services", "--cost-center", "SALJ",
               "--no-receipt", " digital service, receipt by e-mail ") == 0
    assert "Set on 2 transactions" in capsys.readouterr().out
    for tx_id in ("a", "b"):
        tx = tx_of(home, tx_id)
        assert (tx.account, tx.vat_code, tx.cost_center, tx.no_receipt_reason) == (
            6540, VatCode.RC_NON_EU_SERVICES, "SALJ", "digital service, receipt by e-mail")
        assert tx.sources["account"].label == "set by hand"
    assert cli(home, "set", "a", "--clear", "cost-center", "--clear", "no-receipt") == 0
    tx = tx_of(home, "a")
    assert (tx.cost_center, tx.no_receipt_reason, tx.account) == (None, None, 6540)
    assert cli(home, "set", "a", "--account", "6540") == 0
    assert "Nothing changed" in capsys.readouterr().out


def test_set_fills_the_vat_code_the_account_implies_where_it_is_missing(home, capsys):
    seeded(home, make_tx("a"), make_tx("b", vat_code=VatCode.VAT12))
    assert cli(home, "set", "a", "b", "--account", "5410") == 0
    assert "VAT code 25" in capsys.readouterr().out
    assert (tx_of(home, "a").vat_code, tx_of(home, "b").vat_code) == (VatCode.VAT25, VatCode.VAT12)


@pytest.mark.parametrize("args, refusal", [
    (["--account", "9999"], "Account 9999 is not in the chart of accounts"),
    (["--account", "5460"], "choose an active account"),
    (["--cost-center", "NOPE"], "Cost center NOPE does not exist in Fortnox"),
])
def test_set_refuses_what_the_tui_refuses_and_changes_nothing(home, capsys, args, refusal):
    seeded(home, make_tx("a"), make_tx("b"))
    assert cli(home, "set", "a", "b", *args) == 1
    assert refusal in capsys.readouterr().err
    assert tx_of(home, "a").account is None and tx_of(home, "a").cost_center is None


def test_set_refuses_ready_exported_and_unknown_transactions_whole(home, capsys):
    seeded(home, make_tx("a"), make_tx("r", status=Status.READY, account=6540, vat_code=VatCode.VAT25,
                                        no_receipt_reason="fee"))
    assert cli(home, "set", "a", "r", "--account", "5410") == 1
    assert "it is in Ready to export; send it back to Prepare" in capsys.readouterr().err
    assert tx_of(home, "a").account is None  # all or nothing
    assert cli(home, "set", "nope", "--account", "5410") == 1
    assert "There is no transaction nope." in capsys.readouterr().err


@pytest.mark.parametrize("args, said", [
    ([], "say what to set"),
    (["--account", "6540", "--clear", "account"], "given and cleared at once"),
])
def test_set_without_a_value_or_with_two_says_so(home, capsys, args, said):
    seeded(home, make_tx("a"))
    assert cli(home, "set", "a", *args) == 1
    assert said in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--vat", "7"], ["--account", "12"], ["--no-receipt", "  "], ["--clear", "x"]])
def test_set_with_a_value_that_is_not_one_is_a_usage_error(home, capsys, args):
    seeded(home, make_tx("a"))
    with pytest.raises(SystemExit) as exit_:
        cli(home, "set", "a", *args)
    assert exit_.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_send_back_and_retry_move_what_the_tui_moves_and_refuse_the_rest(home, capsys):
    with Store.open(home) as store:
        ready = seed_ready(store, 3, receipts_every=0)
        workflow.queue(store, ready[1:], "K")
        failed = store.transactions[ready[2]]
        workflow.mark_failed(store, failed, ExportError(message="Kontot är inaktivt"))
    assert cli(home, "list", "--status", "failed") == 0
    why = f"{ready[2]} failed: Kontot är inaktivt. An account, cost center or project on the voucher is inactive"
    assert why in capsys.readouterr().err  # beside the table: what Fortnox said and what it means
    assert cli(home, "retry", ready[0]) == 1  # ready, not failed
    assert "only failed items can be retried" in capsys.readouterr().err
    assert cli(home, "send-back", ready[1]) == 0  # queued and never sent: back
    assert cli(home, "retry", ready[2]) == 0
    assert tx_of(home, ready[2]).status == Status.QUEUED and tx_of(home, ready[2]).export.error is None
    capsys.readouterr()
    assert cli(home, "send-back", ready[0], ready[2]) == 0
    assert "2 sent back to Prepare" in capsys.readouterr().out
    assert [tx_of(home, i).status for i in ready] == [Status.PREPARE] * 3


def test_send_back_of_an_unanswered_send_asks_fortnox_first(home, sandbox, capsys, monkeypatch):
    with Store.open(home) as store:
        (tx_id,) = seed_ready(store, 1, receipts_every=0)
        workflow.queue(store, [tx_id], "K")
        tx = store.transactions[tx_id]
        body = vouchers.build_voucher(tx, store.settings, "K").to_fortnox()
        tx = workflow.begin_voucher(store, tx, body, 2)  # sent, and the answer never came
        workflow.mark_failed(store, tx, ExportError(message="No answer from Fortnox"))
    assert cli(home, "send-back", tx_id) == 1  # not connected: Fortnox cannot be asked, so it stays
    assert "could not ask Fortnox" in capsys.readouterr().err
    assert tx_of(home, tx_id).status == Status.FAILED
    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    assert cli(home, "send-back", tx_id) == 0  # Fortnox has no such voucher: it goes back
    assert tx_of(home, tx_id).status == Status.PREPARE
    assert tx_of(home, tx_id).send_attempts[0].outcome == "absent"


def test_sync_stores_the_company_and_its_lists_so_a_cli_only_home_checks_accounts(home, sandbox, tmp_path, capsys,
                                                                                     monkeypatch):
    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    with Store.open(home) as store:
        store.commit([CostCenter(code="GONE", description="Removed in Fortnox")])
    csv = tmp_path / "oct.csv"
    csv.write_text("id,date,merchant,amount,account,vat_code\nx1,2026-10-01,Adobe,-10.00,9999,25\n")
    assert cli(home, "import", "--dry-run", str(csv)) == 0  # no chart yet: any account passes
    capsys.readouterr()

    assert cli(home, "sync", "--json") == 0
    synced = json.loads(capsys.readouterr().out)
    with Store.open(home) as store:
        assert store.settings.company_name == COMPANY["CompanyName"] and store.settings.org_number
        assert synced["company"] == {"name": store.settings.company_name, "org_number": store.settings.org_number}
        assert len(store.accounts) > 100 and store.accounts.get(5460).active is False
        assert {s.code for s in store.voucher_series.values()} >= {"A", "K"}
        assert len(store.financial_years) >= 2 and len(store.cost_centers) >= 1 and len(store.projects) >= 1
        assert store.cost_centers.get("GONE") is None  # what Fortnox no longer has is gone from the home too

    assert cli(home, "import", "--dry-run", str(csv)) == 1
    assert "9999" in capsys.readouterr().err
    out = tmp_path / "oct.se"
    assert cli(home, "sie", "export", "--from", "2026-10-01", "--to", "2026-10-31", str(out)) == 0
    assert f'#FNAMN "{synced["company"]["name"]}"' in out.read_text(encoding="cp437")


def test_sync_without_a_connection_says_so(home, capsys):
    assert cli(home, "sync") == 1
    err = capsys.readouterr().err
    assert "juni-tui connect" in err and "Traceback" not in err


def test_mark_ready_all_that_marks_nothing_fails(home, capsys):
    seeded(home, make_tx("a"))
    assert cli(home, "mark-ready", "--all") == 1  # incomplete
    assert cli(home, "set", "a", "--account", "6540", "--vat", "25", "--no-receipt", "bank fee") == 0
    assert cli(home, "mark-ready", "--all") == 0
    assert cli(home, "mark-ready", "--all") == 1  # nothing left in Prepare
    assert "Nothing is in Prepare." in capsys.readouterr().err
    assert cli(home, "mark-ready", "a") == 0  # already ready: nothing refused


@pytest.mark.parametrize("argv", [
    ["list", "--home", "X"], ["demo", "--home", "X"], ["rules", "list", "--home", "X"],
    ["receipts", "match", "--home", "X"], ["--home", "X", "list"],
])
def test_home_is_taken_before_or_after_the_command(argv):
    assert build_parser().parse_args(argv).home == "X"


def test_home_after_the_command_is_the_home_used(home, tmp_path, capsys):
    seeded(home, make_tx("a", date=date(2026, 10, 5)))
    assert main(["list", "--json", "--home", str(home.root)]) == 0
    assert [i["id"] for i in json.loads(capsys.readouterr().out)] == ["a"]


def test_dry_runs_create_no_home(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[merchant]]\nmerchant = "Adobe"\nthen = { account = 5420 }\n')
    for args in (["export", "--dry-run", "--series", "K"], ["rules", "import", "--dry-run", str(rules)],
                 ["rules", "apply"], ["list"]):
        new = tmp_path / "new-home"
        assert main(["--home", str(new), *args]) == 0, capsys.readouterr().err
        assert not new.exists(), args
    assert "Would import" in capsys.readouterr().out


def test_a_dry_run_on_a_damaged_home_is_refused_not_looked_at_as_empty(home, capsys):
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    home.db.unlink()  # the audit log and the receipts are still there
    home.journal.unlink(missing_ok=True)
    assert cli(home, "export", "--dry-run", "--series", "K") == 1
    assert "damaged home" in capsys.readouterr().err
