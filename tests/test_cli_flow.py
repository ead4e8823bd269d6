"""The headless CLI, the same flow as the TUI: import, list, mark ready, export to the sandbox, and the refusals."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys

import httpx
import pytest

from juni_tui.cli import main
from juni_tui.domain.transactions import Status
from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
from juni_tui.services.fortnox import oauth
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home
from tests.helpers import assert_exactly_once, booked, seed_ready

CSV = """id,date,merchant,amount,original_amount,original_currency,account,vat_code
a1,2026-10-01,Adobe Systems,-1250.00,,,5420,25
a2,2026-10-02,GitHub,-220.50,21.00,USD,6540,RC_NON_EU_SERVICES
a3,2026-10-03,Espresso House,-104.00,,,,
"""


def service_env(sandbox) -> dict[str, str]:
    return {oauth.ENV_API_URL: sandbox.api_url, oauth.ENV_AUTH_URL: sandbox.auth_url,
            oauth.ENV_CLIENT_ID: DEMO_CLIENT_ID, oauth.ENV_CLIENT_SECRET: DEMO_CLIENT_SECRET,
            oauth.ENV_TENANT_ID: DEMO_TENANT_ID}


def cli(home: Home, *args: str) -> int:
    return main(["--home", str(home.root), *args])


def test_the_whole_flow_headless(home, sandbox, tmp_path, capsys, monkeypatch):
    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "juni.csv"
    path.write_text(CSV)
    assert cli(home, "import", str(path)) == 0
    assert cli(home, "import", str(path)) == 0
    assert "already" in capsys.readouterr().out  # a re-import adds nothing and says so

    assert cli(home, "mark-ready", "--all") == 1  # marking nothing is a failure
    out = capsys.readouterr()
    assert "Marked 0 ready" in out.out and "missing receipt" in out.err  # nothing has a receipt yet

    assert cli(home, "set", "a1", "a2", "a3", "--no-receipt", "digital subscription, receipt by e-mail") == 0
    assert cli(home, "mark-ready", "a1", "a2", "a3") == 1  # a3 has no account and no VAT code
    assert "a3" in capsys.readouterr().err

    assert cli(home, "list", "--status", "ready", "--json") == 0
    items = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["status"], i["account"], i["vat_code"]) for i in items] == [
        ("a1", "ready", 5420, "25"), ("a2", "ready", 6540, "RC_NON_EU_SERVICES")]

    assert cli(home, "export", "--series", "K", "--dry-run", "--json") == 0
    dry = json.loads(capsys.readouterr().out)
    assert [b["Voucher"]["VoucherSeries"] for b in dry["vouchers"]] == ["K", "K"] and dry["kept_out"] == {}
    assert httpx.get(f"{sandbox.admin_url}/state").json()["vouchers"] == []  # a dry run sends nothing

    assert cli(home, "export", "--series", "K", "--yes") == 0
    capsys.readouterr()
    assert cli(home, "list", "--status", "exported", "--json") == 0
    exported = json.loads(capsys.readouterr().out)
    assert {i["id"]: (i["voucher"]["series"], i["voucher"]["year"]) for i in exported} == {
        "a1": ("K", 2), "a2": ("K", 2)}

    # exported transactions are immutable from the CLI too
    assert cli(home, "attach", "a1", str(path)) == 1
    assert "exported to Fortnox" in capsys.readouterr().err


def test_export_refuses_to_ask_on_a_pipe_without_yes(home, capsys, monkeypatch):
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    assert cli(home, "export", "--series", "K") == 1
    assert "--yes" in capsys.readouterr().err


def test_a_bad_import_file_is_rejected_whole_with_every_bad_line(home, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("id,date,merchant,amount\nx1,2026-10-01,Adobe,-10.00\nx2,2026-13-01,SAS,-5\nx3,2026-10-02,,abc\n")
    assert cli(home, "import", str(path)) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    assert "line 3" in text and "line 4" in text
    with Store.open(home) as store:
        assert len(store.transactions) == 0  # nothing from a bad file


def test_a_second_instance_gets_a_clear_message(home, capsys):
    with Store.open(home):
        assert cli(home, "list") == 1
    assert "Another juni-tui is already using" in capsys.readouterr().err


def test_a_corrupt_data_file_is_reported_and_left_alone(home, capsys):
    home.db.write_text('{"transactions": {"1": ')
    assert cli(home, "list") == 1
    assert "cannot be read" in capsys.readouterr().err
    assert home.db.read_text() == '{"transactions": {"1": '


# `python -m juni_tui` with the client's rate limiter as roomy as fast_client's: the sandbox's limit is lifted (as in
# every fault test), and the last run would otherwise wait out Fortnox's 25 per 5 s for nothing.
ROOMY_LIMITER = """
from juni_tui.services.fortnox.client import RateLimiter
RateLimiter.__init__.__defaults__ = (1000, *RateLimiter.__init__.__defaults__[1:])
import runpy
runpy.run_module("juni_tui", run_name="__main__", alter_sys=True)
"""


def test_an_export_killed_with_sigkill_and_restarted_exports_everything_exactly_once(sandbox_factory, home):
    sandbox = sandbox_factory(seed=11, rate_limit_requests=10_000)
    httpx.put(f"{sandbox.admin_url}/faults", json={"latency_ms": 60}).raise_for_status()  # a full run takes seconds
    with Store.open(home) as store:
        ids = seed_ready(store, 24, receipts_every=3)
    env = {**os.environ, **service_env(sandbox)}
    command = [sys.executable, "-m", "juni_tui", "--home", str(home.root), "export", "--series", "K", "--yes"]
    rng = random.Random(4)
    wait = 1.0  # grows while kills come before anything is booked (a busy machine starts Python slowly)
    mid_run = 0  # kills that came after some vouchers were booked and before all were
    for _ in range(40):
        if mid_run == 3:  # the kills are done: the run that finishes after them need not be slow
            httpx.put(f"{sandbox.admin_url}/faults", json={"latency_ms": 0}).raise_for_status()
            command = [sys.executable, "-c", ROOMY_LIMITER, *command[3:]]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            code = proc.wait(timeout=wait + rng.uniform(0, 0.5) if mid_run < 3 else 120)
        except subprocess.TimeoutExpired:
            before = len(booked(sandbox)["vouchers"])
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            booked_now = len(booked(sandbox)["vouchers"])
            if 0 < booked_now < len(ids):
                mid_run += 1
            elif booked_now == 0 or booked_now == before == 0:
                wait += 0.5
            continue
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        assert code == 0, stderr
        break
    else:
        pytest.fail("the export never finished")
    assert mid_run >= 1, "the test must really kill the export mid-run"
    with Store.open(home) as store:
        assert_exactly_once(sandbox, store, ids)
        assert store.count(Status.QUEUED, Status.SENDING, Status.ATTACHING, Status.FAILED) == 0
