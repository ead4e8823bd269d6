"""The connection's local parts: pasted codes, the loopback redirect, secret files."""

from __future__ import annotations

import asyncio
import os
import socket

import httpx
import pytest

from juni_tui.domain.settings import FortnoxSettings
from juni_tui.services.fortnox import oauth, redirect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_pasted_redirect_address_gives_its_code_when_the_state_matches():
    url = "http://localhost:8719/callback?code=abc123&state=s1"
    assert redirect.code_from_pasted(url, "s1") == "abc123"
    assert redirect.code_from_pasted(f"  {url} \n", "s1") == "abc123"  # pasted with the spaces around it
    assert redirect.code_from_pasted("callback?code=abc123&state=s1", "s1") == "abc123"  # the address without its start


def test_a_pasted_address_from_another_login_attempt_is_refused():
    with pytest.raises(redirect.StateMismatch):
        redirect.code_from_pasted("http://localhost:8719/callback?code=abc&state=other", "s1")


def test_a_refused_consent_is_reported_in_words():
    with pytest.raises(oauth.AuthError, match="did not grant access"):
        redirect.code_from_pasted("http://localhost:8719/callback?error=access_denied&state=s1", "s1")


async def test_the_loopback_redirect_brings_the_code_back():
    address = f"http://127.0.0.1:{free_port()}/callback"
    waiting = asyncio.ensure_future(redirect.wait_for_redirect(address, "s1", timeout=5))
    await asyncio.sleep(0.1)
    async with httpx.AsyncClient() as http:
        wrong = await http.get(address, params={"code": "x", "state": "forged"})
        right = await http.get(address, params={"code": "the-code", "state": "s1"})
    assert wrong.status_code == 400 and right.status_code == 200
    assert await waiting == "the-code"


def test_secret_files_are_private_and_tightened_if_loosened(tmp_path):
    path = tmp_path / "secret.json"
    oauth.write_secret(path, {"client_secret": "s3cret"})
    assert path.stat().st_mode & 0o777 == 0o600
    os.chmod(path, 0o644)
    assert oauth.read_secret(path) == {"client_secret": "s3cret"}
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_environment_configures_a_service_account(home):
    env = {oauth.ENV_CLIENT_ID: "id", oauth.ENV_CLIENT_SECRET: "secret", oauth.ENV_TENANT_ID: "42",
           oauth.ENV_API_URL: "http://127.0.0.1:1/3"}
    conn = oauth.resolve_connection(home, FortnoxSettings(), env)
    assert (conn.mode, conn.tenant_id, conn.api_url) == ("service", "42", "http://127.0.0.1:1/3")
    assert "secret" not in repr(conn)


def test_without_any_connection_the_user_is_told_how_to_connect(home):
    with pytest.raises(oauth.NotConnected, match="juni-tui connect"):
        oauth.resolve_connection(home, FortnoxSettings(), {})
