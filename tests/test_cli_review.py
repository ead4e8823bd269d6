"""The month-end headless, as a script author gets it wrong: a closed stdout, a --home that is a file, odd values."""

from __future__ import annotations

import pytest

from juni_tui.cli import main
from juni_tui.domain.transactions import Status
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home

CSV = """id,date,merchant,amount,original_amount,original_currency,account,vat_code
a1,2026-10-01,Adobe Systems,-1250.00,,,5420,25
a3,2026-10-03,Espresso House,-104.00,,,,
"""


class ClosedStdout:
    """A stdout whose reader went away (``juni-tui … | true``): every write and flush is a broken pipe."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def files_of(home: Home) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(home.root.rglob("*")) if p.is_file()}


def cli(home: Home, *args: str) -> int:
    try:
        return main(["--home", str(home.root), *args])
    except SystemExit as exc:  # argparse's refusal of an argument
        return int(exc.code or 0)


@pytest.fixture
def imported(home, tmp_path, capsys) -> Home:
    path = tmp_path / "juni.csv"
    path.write_text(CSV)
    assert cli(home, "import", str(path)) == 0
    capsys.readouterr()
    return home


def test_mark_ready_all_marking_nothing_fails_even_with_stdout_closed(imported, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", ClosedStdout())
    assert cli(imported, "mark-ready", "--all") == 1  # nothing has a receipt: nothing marked, a failure
    err = capsys.readouterr().err
    assert "not ready: a1" in err and "not ready: a3" in err  # the reasons still reach stderr


def test_set_finishes_its_work_with_stdout_closed(imported, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", ClosedStdout())
    assert cli(imported, "set", "a1", "a3", "--no-receipt", "bank fee") == 0
    assert cli(imported, "mark-ready", "a1", "a3") == 1  # a3 has no account: refused, said on stderr
    assert "not ready: a3" in capsys.readouterr().err
    with Store.open(imported) as store:
        assert store.transactions["a1"].status == Status.READY


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["export", "--dry-run", "--series", "K"]])
def test_a_home_that_is_a_file_is_refused_not_shown_as_empty(tmp_path, capsys, command):
    not_a_folder = tmp_path / "juni.csv"
    not_a_folder.write_text(CSV)
    assert main(["--home", str(not_a_folder), *command]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "is a file where juni-tui needs a folder" in out.err
    assert not_a_folder.read_text() == CSV


def test_remember_series_keeps_the_default_when_fortnox_has_no_such_series(home, sandbox, capsys, monkeypatch):
    from tests.helpers import seed_ready
    from tests.test_cli_flow import service_env

    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    with Store.open(home) as store:
        seed_ready(store, 2, receipts_every=0)
        store.save_settings(store.settings.model_copy(update={"default_series": "K"}), what="default series K")
    assert cli(home, "export", "--series", "ZZ", "--remember-series", "--yes") == 1  # every one kept out
    err = capsys.readouterr().err
    assert "series ZZ does not exist" in err and "default series stays K" in err
    with Store.open(home) as store:
        assert store.settings.default_series == "K"  # a refused run does not change the next one
        assert store.ids(Status.READY) == ["tx-0000", "tx-0001"]


@pytest.mark.parametrize("option", ["--no-receipt", "--purpose", "--attendees", "--cost-center", "--project"])
@pytest.mark.parametrize("text", ["bank\x1b[31mfee", "bank\nfee", "bank\u202efee"])
def test_set_refuses_text_with_control_characters(imported, capsys, option, text):
    before = files_of(imported)
    assert cli(imported, "set", "a1", option, text) == 2
    err = capsys.readouterr().err
    assert "control character" in err and "\x1b" not in err and "Traceback" not in err
    assert files_of(imported) == before  # nothing written


@pytest.mark.parametrize("option", ["--account", "--participants"])
def test_set_refuses_digits_that_are_not_plain_digits_in_a_sentence(imported, capsys, option):
    assert cli(imported, "set", "a1", option, "5²11") == 2
    err = capsys.readouterr().err
    assert "'5²11' is not" in err and "invalid" not in err


def test_mark_ready_counts_an_id_given_twice_once(imported, capsys):
    assert cli(imported, "set", "a1", "--no-receipt", "bank fee") == 0
    capsys.readouterr()
    assert cli(imported, "mark-ready", "a1", "a1") == 0
    assert capsys.readouterr().out == "Marked 1 ready to export.\n"


@pytest.mark.parametrize("window", [["--days-before", "5000000"], ["--days-after", "99999999999999999999"]])
def test_receipts_match_refuses_a_window_of_millennia_in_a_sentence(home, capsys, window):
    from datetime import date
    from decimal import Decimal

    from tests.conftest import make_tx
    from tests.test_receipts import drop, pdf

    with Store.open(home) as store:
        store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00"))])
    drop(home, "hotel.pdf", pdf("Hotel Rival", date(2026, 10, 5), "1240.00"))  # near the amount: dates are compared
    assert cli(home, "receipts", "match", *window) == 2
    err = capsys.readouterr().err
    assert "is not a number of days from 0 to 366" in err and "unexpected" not in err.lower()


@pytest.mark.parametrize("command", [["receipts", "list"], ["receipts", "list", "--json"],
                                     ["sie", "export", "--from", "2026-10-01", "--to", "2026-10-31", "OUT"]])
def test_commands_that_only_read_the_home_do_not_create_one(tmp_path, capsys, command):
    typo = tmp_path / "juni-hmoe"
    command = [str(tmp_path / "out.se") if part == "OUT" else part for part in command]
    assert main(["--home", str(typo), *command]) == 0
    assert not typo.exists()  # a mistyped --home leaves no new, empty home behind


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_empty_home_is_refused_not_read_as_the_default_home(imported, capsys, monkeypatch, where):
    # `juni-tui --home "$DIR" …` with DIR unset: the command must not go to $JUNI_TUI_HOME (or the default) instead
    monkeypatch.setenv("JUNI_TUI_HOME", str(imported.root))
    argv = ["--home", "", "list"] if where == "before" else ["list", "--home", " "]
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and "--home is empty" in out.err


def test_connect_service_with_a_wrong_secret_keeps_the_working_connection(home, sandbox, capsys, monkeypatch):
    import io

    from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
    from juni_tui.services.fortnox import oauth

    for name in (oauth.ENV_API_URL, oauth.ENV_AUTH_URL, oauth.ENV_CLIENT_ID, oauth.ENV_CLIENT_SECRET,
                 oauth.ENV_TENANT_ID):
        monkeypatch.delenv(name, raising=False)
    connect = ["connect", "--service", "--client-id", DEMO_CLIENT_ID, "--tenant-id", DEMO_TENANT_ID,
               "--api-url", sandbox.api_url, "--auth-url", sandbox.auth_url]
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_CLIENT_SECRET + "\n"))
    assert cli(home, *connect) == 0
    assert "Connected." in capsys.readouterr().out
    kept = files_of(home)

    monkeypatch.setattr("sys.stdin", io.StringIO("a-typo\n"))  # connecting again, the secret mistyped
    assert cli(home, *connect) == 1
    out = capsys.readouterr()
    assert "Connected." not in out.out and "nothing was saved" in out.err
    assert files_of(home) == kept  # the secret and the settings that worked are still there
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(home, "connect", "--status") == 0


@pytest.mark.parametrize("which", ["api", "auth"])
def test_a_fortnox_address_that_is_not_http_is_a_sentence_and_nothing_is_sent(home, sandbox, capsys, monkeypatch,
                                                                              which):
    from tests.helpers import seed_ready
    from tests.test_cli_flow import service_env

    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    env = "JUNI_TUI_FORTNOX_API_URL" if which == "api" else "JUNI_TUI_FORTNOX_AUTH_URL"
    monkeypatch.setenv(env, "htp://127.0.0.1:9/3")  # a typo in the address
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    assert cli(home, "export", "--series", "K", "--yes") == 1
    err = capsys.readouterr().err
    assert "unexpected" not in err and "htp://127.0.0.1:9/3" in err and "not an http" in err
    assert "network is down" not in err
    with Store.open(home) as store:
        assert store.ids(Status.READY) == ["tx-0000"]  # still waiting, never sent


def test_connect_takes_a_pasted_address_with_a_stray_space_and_refuses_one_that_is_not_web(home, sandbox, capsys,
                                                                                           monkeypatch):
    import io

    from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
    from juni_tui.services.fortnox import oauth

    for name in (oauth.ENV_API_URL, oauth.ENV_AUTH_URL, oauth.ENV_CLIENT_ID, oauth.ENV_CLIENT_SECRET,
                 oauth.ENV_TENANT_ID):
        monkeypatch.delenv(name, raising=False)
    connect = ["connect", "--service", "--client-id", DEMO_CLIENT_ID, "--tenant-id", DEMO_TENANT_ID]
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_CLIENT_SECRET + "\n"))
    assert cli(home, *connect, "--api-url", sandbox.api_url + " ", "--auth-url", " " + sandbox.auth_url) == 0
    assert "Connected." in capsys.readouterr().out
    before = files_of(home)
    assert cli(home, *connect, "--api-url", "api.fortnox.se/3") == 2
    assert "'api.fortnox.se/3' is not an http:// or https:// address" in capsys.readouterr().err
    assert files_of(home) == before


def test_set_says_when_an_account_is_a_balance_sheet_account(imported, capsys):
    # the TUI asks before a purchase goes on 1xxx-2xxx; the CLI sets it, and says so at once, not silently
    assert cli(imported, "set", "a1", "--account", "2440") == 0
    err = capsys.readouterr().err
    assert "a1 (Adobe Systems, 2026-10-01)" in err and "balance-sheet account 2440" in err
    assert cli(imported, "set", "a1", "--account", "5420") == 0
    assert "balance-sheet" not in capsys.readouterr().err


class EndOfInput:
    """A terminal on which the user answers the question with ctrl+D."""

    def isatty(self) -> bool:
        return True

    def readline(self, *_: object) -> str:
        return ""


def test_ctrl_d_at_the_export_question_exports_nothing_in_a_sentence(home, capsys, monkeypatch):
    from tests.helpers import seed_ready

    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    monkeypatch.setattr("sys.stdin", EndOfInput())
    assert cli(home, "export", "--series", "K") == 1
    err = capsys.readouterr().err
    assert "Nothing exported." in err and "unexpected" not in err
    with Store.open(home) as store:
        assert store.ids(Status.READY) == ["tx-0000"]


def test_ctrl_d_at_the_connect_question_is_a_sentence(home, capsys, monkeypatch):
    from juni_tui.services.fortnox import oauth

    for name in (oauth.ENV_API_URL, oauth.ENV_AUTH_URL, oauth.ENV_CLIENT_ID, oauth.ENV_TENANT_ID):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(oauth.ENV_CLIENT_SECRET, "s")  # so only the client id is asked
    monkeypatch.setattr("sys.stdin", EndOfInput())
    assert cli(home, "connect", "--service", "--tenant-id", "1") == 1
    err = capsys.readouterr().err
    assert "a client id and a client secret are needed" in err and "unexpected" not in err


@pytest.mark.parametrize("target", ["folder", "under-a-file", "under-nothing"])
def test_rules_export_to_a_place_that_cannot_hold_a_file_is_a_sentence(home, tmp_path, capsys, target):
    (tmp_path / "afile").write_text("x")
    path = {"folder": tmp_path, "under-a-file": tmp_path / "afile" / "rules.toml",
            "under-nothing": tmp_path / "nowhere" / "rules.toml"}[target]
    assert cli(home, "rules", "export", str(path)) == 1
    err = capsys.readouterr().err
    assert "unexpected" not in err and ".tmp" not in err and path.name in err and "Nothing was written" in err


def test_rules_import_of_a_folder_is_a_sentence(home, tmp_path, capsys):
    assert cli(home, "rules", "import", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "unexpected" not in err and "is a folder, not a file" in err


def test_export_series_with_a_stray_space_is_the_series(home, sandbox, capsys, monkeypatch):
    import json

    from tests.helpers import seed_ready
    from tests.test_cli_flow import service_env

    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    assert cli(home, "export", "--series", " K", "--dry-run", "--json") == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["kept_out"] == {} and [b["Voucher"]["VoucherSeries"] for b in dry["vouchers"]] == ["K"]
    assert cli(home, "export", "--series", "K\x1b", "--dry-run") == 2
    assert "is not a voucher series" in capsys.readouterr().err


def test_mark_ready_with_ids_and_all_says_to_choose(imported, capsys):
    assert cli(imported, "mark-ready", "--all", "a1") == 1
    assert "not both" in capsys.readouterr().err
