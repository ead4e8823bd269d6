"""Connecting a real company: the authorization-code flow over SSH and with a local browser, rotating refresh
tokens under a lock, a revoked consent, and `connect --status`. All against the sandbox's OAuth server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest

from juni_tui.cli import main
from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from juni_tui.services.fortnox import oauth as auth
from juni_tui.services.fortnox.errors import ConsentRevoked
from juni_tui.services.store import Store
from tests.test_auth import free_port

REDIRECT = "http://localhost:8719/callback"


def code_for(sandbox, state: str, redirect: str = REDIRECT) -> str:
    """What the user's browser does: open the authorize address; the sandbox approves and redirects."""
    url = auth.authorize_url(sandbox.auth_url, DEMO_CLIENT_ID, redirect, state)
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code in (302, 303, 307), answer.text
    return answer.headers["location"]


def connect_args(home, sandbox, *extra: str) -> list[str]:
    return ["--home", str(home.root), "connect", "--client-id", DEMO_CLIENT_ID, "--api-url", sandbox.api_url,
            "--auth-url", sandbox.auth_url, *extra]


@pytest.fixture
def connected_by_code(home, sandbox, monkeypatch, capsys):
    """`juni-tui connect` over SSH: the user pastes the address the browser ended on."""
    monkeypatch.setattr(auth, "new_state", lambda: "state-from-this-attempt")
    monkeypatch.setenv(auth.ENV_CLIENT_SECRET, DEMO_CLIENT_SECRET)
    pasted = code_for(sandbox, "state-from-this-attempt")
    monkeypatch.setattr(sys, "stdin", io.StringIO(pasted + "\n"))
    assert main(connect_args(home, sandbox, "--no-browser-redirect")) == 0
    out = capsys.readouterr().out
    monkeypatch.delenv(auth.ENV_CLIENT_SECRET)
    return out


def test_connect_over_ssh_with_the_pasted_address(home, connected_by_code):
    assert "Nordljus Konsult AB" in connected_by_code and "559123-4561" in connected_by_code
    assert "bookkeeping" in connected_by_code  # the scopes
    tokens = json.loads(home.tokens.read_text())
    assert tokens["refresh_token"] and tokens["access_token"]
    assert home.tokens.stat().st_mode & 0o777 == 0o600
    assert home.credentials.stat().st_mode & 0o777 == 0o600
    for secret in (DEMO_CLIENT_SECRET, tokens["refresh_token"], tokens["access_token"]):
        assert secret not in connected_by_code  # never printed
    with Store.open(home) as store:
        assert store.settings.fortnox.mode == "oauth"


def test_a_pasted_address_from_another_attempt_is_refused(home, sandbox, monkeypatch, capsys):
    monkeypatch.setattr(auth, "new_state", lambda: "mine")
    monkeypatch.setenv(auth.ENV_CLIENT_SECRET, DEMO_CLIENT_SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(code_for(sandbox, "someone-elses") + "\n"))
    assert main(connect_args(home, sandbox, "--no-browser-redirect")) == 1
    assert "state does not match" in capsys.readouterr().err
    assert not home.tokens.exists()


def test_connect_with_the_browser_on_this_machine_takes_the_loopback_redirect(home, sandbox_factory, monkeypatch,
                                                                             capsys):
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    sandbox = sandbox_factory(redirect_uris=[redirect])
    monkeypatch.setenv(auth.ENV_CLIENT_SECRET, DEMO_CLIENT_SECRET)
    opened: list[str] = []
    real = auth.authorize_url
    monkeypatch.setattr(auth, "authorize_url", lambda *a, **k: opened.append(real(*a, **k)) or opened[-1])

    def browser() -> None:  # the user's browser, on this machine
        while not opened:
            time.sleep(0.02)
        time.sleep(0.3)
        httpx.get(opened[0], follow_redirects=True)

    threading.Thread(target=browser, daemon=True).start()
    blocked_stdin = io.StringIO("")  # nothing is pasted
    blocked_stdin.readline = lambda: (time.sleep(30), "")[1]  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", blocked_stdin)
    assert main(connect_args(home, sandbox, "--redirect-uri", redirect)) == 0
    assert "Connected" in capsys.readouterr().out
    assert json.loads(home.tokens.read_text())["refresh_token"]


def advance(sandbox, seconds: float) -> None:
    httpx.post(f"{sandbox.admin_url}/clock", json={"advance": seconds}).raise_for_status()


async def test_refresh_tokens_rotate_and_the_new_one_is_stored_before_use(home, sandbox, connected_by_code):
    first = json.loads(home.tokens.read_text())
    advance(sandbox, 3700)  # the access token has expired at Fortnox
    with Store.open(home) as store:
        async with auth.make_client(home, store.settings.fortnox, env={}) as client:
            info = await client.company_information()
    assert info["CompanyName"] == "Nordljus Konsult AB"
    second = json.loads(home.tokens.read_text())
    assert second["refresh_token"] != first["refresh_token"]
    reused = httpx.post(f"{sandbox.auth_url}/token", auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
                        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert reused.json()["error"] == "invalid_grant"  # single use: why a lost new token would end the connection


def test_two_processes_refreshing_at_once_never_spend_the_same_refresh_token(home, sandbox, connected_by_code):
    tokens = json.loads(home.tokens.read_text())
    tokens["access_expires_at"] = 0  # both processes see an expired access token
    home.tokens.write_text(json.dumps(tokens))
    advance(sandbox, 3700)
    script = textwrap.dedent(f"""
        import asyncio, sys, time
        from juni_tui.services.fortnox import oauth as auth
        from juni_tui.services.store.home import Home
        from juni_tui.services.store import Store
        from juni_tui.domain.settings import FortnoxSettings
        import httpx
        home = Home({str(home.root)!r})
        settings = FortnoxSettings(api_url={sandbox.api_url!r}, auth_url={sandbox.auth_url!r},
                                   client_id={DEMO_CLIENT_ID!r}, mode="oauth")
        async def go():
            async with auth.make_client(home, settings, env={{}}) as client:
                print("ready", flush=True)
                sys.stdin.readline()  # all three refresh at the same moment, after their slow start
                print((await client.company_information())["CompanyName"])
        asyncio.run(go())
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    assert [p.stdout.readline() for p in procs] == ["ready\n"] * 3, [p.stderr.read() for p in procs if p.poll()]
    for p in procs:  # the start signal, to all three at once
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    assert all("Nordljus" in out for out, _ in results)


async def test_a_revoked_consent_tells_the_user_to_connect_again(home, sandbox, connected_by_code):
    httpx.post(f"{sandbox.admin_url}/revoke", json={}).raise_for_status()
    advance(sandbox, 3700)
    with Store.open(home) as store:
        async with auth.make_client(home, store.settings.fortnox, env={}) as client:
            with pytest.raises(ConsentRevoked, match="juni-tui connect"):
                await client.company_information()


def test_the_user_is_warned_well_before_the_authorization_runs_out(home, sandbox, connected_by_code):
    tokens = json.loads(home.tokens.read_text())
    tokens["refresh_expires_at"] = time.time() + 6 * 86400
    home.tokens.write_text(json.dumps(tokens))
    conn = auth.Connection(sandbox.api_url, sandbox.auth_url, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "oauth")
    provider = auth.RefreshingTokens(conn, httpx.AsyncClient(), home)
    assert "runs out in 5 days" in provider.expiry_warning() or "runs out in 6 days" in provider.expiry_warning()


def test_connect_status_shows_company_scopes_and_expiry_without_secrets(home, connected_by_code, capsys):
    assert main(["--home", str(home.root), "connect", "--status"]) == 0
    out = capsys.readouterr().out
    tokens = json.loads(home.tokens.read_text())
    assert "Nordljus Konsult AB" in out and "559123-4561" in out and "Scopes:" in out and "valid until" in out
    assert tokens["refresh_token"] not in out and tokens["access_token"] not in out
