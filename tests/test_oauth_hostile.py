"""OAuth against hostile input (issue 10, item 12): a bare pasted code is refused (the whole address, with its
``state``, is needed), and the loopback redirect listener answers malformed requests quietly, never echoing their
text, and stays up for the real redirect."""

from __future__ import annotations

import asyncio
import gc
import io
import sys

import pytest

from juni_tui.cli import main
from juni_tui.sandbox import DEMO_CLIENT_SECRET
from juni_tui.services.fortnox import oauth, redirect
from tests.test_auth import free_port
from tests.test_connect import code_for, connect_args

CONTROL = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


def no_control_characters(text: str) -> bool:
    return not any(ch in text for ch in CONTROL if ch not in "\r\n")


# --- pasting --------------------------------------------------------------------------------------------------


def test_a_bare_code_pasted_without_its_address_is_refused():
    with pytest.raises(oauth.AuthError) as refused:
        redirect.code_from_pasted("  abc123 \n", "s1")
    assert "whole address" in str(refused.value) and "state" in str(refused.value)


def test_a_pasted_address_without_its_state_is_refused():
    with pytest.raises(oauth.AuthError, match="whole address"):
        redirect.code_from_pasted("http://localhost:8719/callback?code=abc123", "s1")
    with pytest.raises(oauth.AuthError, match="whole address"):
        redirect.code_from_pasted("code=abc123", "s1")


def test_a_pasted_refusal_is_reported_without_its_escape_codes():
    url = ("http://localhost:8719/callback?error=access_denied&state=s1"
           "&error_description=%1b%5b2J%1b%5d52%3bc%3bSGVsbG8%3d%07Nope" + "x" * 2000)
    with pytest.raises(oauth.AuthError) as refused:
        redirect.code_from_pasted(url, "s1")
    message = str(refused.value)
    assert "did not grant access" in message and "Nope" in message
    assert no_control_characters(message) and len(message) < 400


def test_connect_with_a_bare_code_asks_for_the_whole_address_and_then_connects(home, sandbox, monkeypatch,
                                                                                capsys):
    monkeypatch.setattr(oauth, "new_state", lambda: "mine")
    monkeypatch.setenv(oauth.ENV_CLIENT_SECRET, DEMO_CLIENT_SECRET)
    address = code_for(sandbox, "mine")
    bare = address.split("code=", 1)[1].split("&", 1)[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{bare}\n{address}\n"))
    assert main(connect_args(home, sandbox, "--no-browser-redirect")) == 0
    captured = capsys.readouterr()
    assert "whole address" in captured.err
    assert "Connected" in captured.out and home.tokens.exists()


def test_connect_with_only_a_bare_code_connects_nothing(home, sandbox, monkeypatch, capsys):
    monkeypatch.setattr(oauth, "new_state", lambda: "mine")
    monkeypatch.setenv(oauth.ENV_CLIENT_SECRET, DEMO_CLIENT_SECRET)
    bare = code_for(sandbox, "mine").split("code=", 1)[1].split("&", 1)[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{bare}\n"))
    assert main(connect_args(home, sandbox, "--no-browser-redirect")) == 1
    assert "whole address" in capsys.readouterr().err
    assert not home.tokens.exists()


# --- the loopback listener ------------------------------------------------------------------------------------


async def exchange(port: int, request: bytes, *, wait: float = 3.0) -> bytes:
    """Send raw bytes, read the answer to the end. A connection the listener closes or resets is an answer too."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), wait)
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionResetError, BrokenPipeError):
            pass


@pytest.fixture
async def listener(capfd, caplog):
    """A listener waiting for state ``s1``; afterwards: it still takes the real redirect, and nothing was said on
    stderr or through asyncio's exception handler (no 'Task exception was never retrieved')."""
    port = free_port()
    loop = asyncio.get_running_loop()
    complaints: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: complaints.append(context))
    waiting = asyncio.ensure_future(redirect.wait_for_redirect(f"http://127.0.0.1:{port}/callback", "s1", timeout=20))
    await asyncio.sleep(0.05)
    yield port
    answer = await exchange(port, b"GET /callback?code=the-code&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert await waiting == "the-code"
    gc.collect()
    await asyncio.sleep(0.05)
    loop.set_exception_handler(None)
    assert complaints == []
    assert [r for r in caplog.records if r.name.startswith("asyncio")] == []
    assert capfd.readouterr().err == ""


def assert_quiet_refusal(answer: bytes) -> None:
    """Closed, or a short plain-text 400 that does not repeat the request."""
    if not answer:
        return
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"text/plain" in head and len(body) < 300
    assert no_control_characters(body.decode("utf-8"))


async def test_an_oversized_request_line_is_refused_quietly(listener):
    answer = await exchange(listener, b"GET /callback?code=" + b"A" * 1_000_000 + b" HTTP/1.1\r\n\r\n")
    assert_quiet_refusal(answer)


async def test_too_many_headers_are_refused_quietly(listener):
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(150))
    answer = await exchange(listener, b"GET /callback?code=c&state=s1 HTTP/1.1\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert_quiet_refusal(answer)


async def test_a_request_that_never_finishes_is_closed_and_others_are_still_served(listener, monkeypatch):
    monkeypatch.setattr(redirect, "REQUEST_TIMEOUT", 0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener)
    writer.write(b"GET /callback?code=c&state=s1 HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 3)
    assert_quiet_refusal(answer)
    writer.close()


@pytest.mark.parametrize("request_bytes", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n",  # TLS spoken to plain HTTP
    b"HELLO\r\n\r\n",
    b"\xff\xfe\xfd garbage \x00\x01\r\n\r\n",
    b"GET /callback?code=%ff%fe&state=s1 HTTP/1.1\r\n\r\n",  # percent-encoded bytes that are not UTF-8
    b"GET /callback?code=\xff\xfe&state=s1 HTTP/1.1\r\n\r\n",  # raw bytes that are not ASCII
], ids=["tls", "not-http", "binary", "bad-utf8-escaped", "bad-bytes"])
async def test_garbage_is_refused_quietly_and_never_taken_as_a_code(listener, request_bytes):
    answer = await exchange(listener, request_bytes)
    assert_quiet_refusal(answer)


async def test_escape_codes_in_an_error_description_are_not_echoed(listener):
    answer = await exchange(listener, b"GET /callback?error=access_denied&state=s1&error_description="
                                      b"%1b%5b2J%1b%5d52%3bc%3bSGVsbG8%3d%07" + b"x" * 3000 + b" HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert_quiet_refusal(answer)
    assert b"\x1b" not in answer and b"\x07" not in answer
