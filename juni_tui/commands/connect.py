"""``juni-tui connect``: connect the company's Fortnox, from a terminal, also over SSH.

The authorization-code flow prints the address to open. If the browser runs on this machine, the loopback
redirect brings the code back by itself; otherwise (SSH) the user pastes the address the browser ended on.
``--service`` sets up a service account (client credentials) for unattended use instead.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from juni_tui.commands._common import fail, friendly, open_store, say
from juni_tui.services.display import printable
from juni_tui.services.fortnox import oauth as auth
from juni_tui.services.fortnox import redirect
from juni_tui.services.fortnox.client import DEFAULT_TIMEOUT, FortnoxClient
from juni_tui.services.fortnox.errors import FortnoxError, failure_text
from juni_tui.services.store import Store


def _url(text: str) -> str:
    """An address as pasted (a stray space taken off); refused in words unless it is http(s)://host…"""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in url):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// address")
    return url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("connect", help="connect juni-tui to the company's Fortnox")
    parser.add_argument("--status", action="store_true", help="show the connection: company, scopes, token expiry")
    parser.add_argument("--service", action="store_true", help="use a service account (client credentials)")
    parser.add_argument("--client-id", help="the Fortnox app's client id")
    parser.add_argument("--tenant-id", help="the company's tenant id (DatabaseNumber), for --service")
    parser.add_argument("--api-url", type=_url, help="default https://api.fortnox.se/3")
    parser.add_argument("--auth-url", type=_url, help="default https://apps.fortnox.se/oauth-v1")
    parser.add_argument("--redirect-uri", type=_url, help="the redirect URI registered for the app "
                        "(default http://localhost:8719/callback)")
    parser.add_argument("--no-browser-redirect", action="store_true",
                        help="do not listen for the redirect; always paste the address (SSH)")
    parser.set_defaults(func=run_connect)


def _when(epoch: float | None) -> str:
    if not epoch:
        return "—"
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


@friendly
def run_connect(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.status:
            return asyncio.run(_status(store))
        return asyncio.run(_connect(store, args))


async def _status(store: Store) -> int:
    try:
        client = auth.make_client(store.home, store.settings.fortnox)
    except FortnoxError as exc:
        return fail(str(exc))
    async with client:
        try:
            status = await auth.connection_status(client, client.tokens)
        except FortnoxError as exc:
            return fail(failure_text(f"Fortnox: {exc}", exc.meaning))
    _print_status(status)
    return 0


def _print_status(status: dict[str, Any]) -> None:
    print(f"Connected to Fortnox ({status['mode']})")
    say(f"  Company:        {status['company']}")
    say(f"  Org number:     {status['org_number']}")
    print(f"  API:            {status['api_url']}")
    print(f"  Scopes:         {status['scope'] or '—'}")
    print(f"  Access token:   valid until {_when(status['access_expires_at'])}")
    if "refresh_expires_at" in status:
        print(f"  Authorization:  runs out {_when(status['refresh_expires_at'])} unless used before")
    if status.get("warning"):
        say(f"  Warning: {status['warning']}")


def _ask(prompt: str, secret: bool = False) -> str:
    if not sys.stdin.isatty():
        value = sys.stdin.readline().strip()
    else:
        try:
            value = getpass.getpass(prompt) if secret else input(prompt)
        except EOFError:  # ctrl+D: no answer
            print(file=sys.stderr)
            value = ""
    return value.strip()


async def _connect(store: Store, args: argparse.Namespace) -> int:
    current = store.settings.fortnox
    client_id = args.client_id or current.client_id or _ask("Fortnox client id: ")
    secret = os.environ.get(auth.ENV_CLIENT_SECRET) or _ask("Fortnox client secret (not shown): ", secret=True)
    if not client_id or not secret:
        return fail("a client id and a client secret are needed (from the Fortnox developer portal)")
    fortnox = current.model_copy(update={
        k: v for k, v in {
            "client_id": client_id,
            "api_url": args.api_url,
            "auth_url": args.auth_url,
            "redirect_uri": args.redirect_uri,
            "tenant_id": args.tenant_id,
            "mode": "service" if args.service else "oauth",
        }.items() if v is not None
    })
    if fortnox.mode == "service" and not fortnox.tenant_id:
        return fail("--service needs --tenant-id (the company's DatabaseNumber)")
    if fortnox.mode == "oauth":
        state = auth.new_state()
        url = auth.authorize_url(fortnox.auth_url, client_id, fortnox.redirect_uri, state)
        print("Open this address in a browser and approve juni-tui:\n")
        print(f"  {url}\n")
        code = await _wait_for_code(fortnox.redirect_uri, state, listen=not args.no_browser_redirect)
        try:
            async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as http:
                await auth.complete_oauth(store, fortnox, secret, code, http)
        except FortnoxError as exc:
            return fail(str(exc))
    else:
        # Fortnox is asked first, and only an account it accepts is saved: a mistyped secret, tenant or address
        # never replaces a connection that works
        conn = auth.Connection(fortnox.api_url, fortnox.auth_url, client_id, secret, "service", fortnox.tenant_id,
                               fortnox.redirect_uri)
        async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as http:
            client = FortnoxClient(conn.api_url, auth.token_provider(conn, http, store.home), http=http)
            try:
                status = await auth.connection_status(client, client.tokens)
            except FortnoxError as exc:
                return fail(failure_text(f"not connected, and nothing was saved (juni-tui's connection is as it "
                                         f"was): {exc}", exc.meaning))
        auth.save_client_secret(store.home, client_id, secret)
        store.save_settings(store.settings.model_copy(update={"fortnox": fortnox}), what="fortnox service")
        print("Connected.")
        _print_status(status)
        return 0
    print("Connected.")
    return await _status(store)


def _read_line() -> asyncio.Future[str]:
    """A line from stdin, read in a daemon thread (so a redirect that wins does not leave us waiting for enter)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        line = sys.stdin.readline()
        try:
            loop.call_soon_threadsafe(lambda: None if future.done() else future.set_result(line))
        except RuntimeError:
            pass  # the loop finished: the redirect won

    threading.Thread(target=read, daemon=True).start()
    return future


async def _wait_for_code(redirect_uri: str, state: str, *, listen: bool) -> str:
    """The code from the loopback redirect, or pasted by the user, whichever comes first."""
    print("If the browser runs on another machine (SSH), it ends on an address that does not load: copy that "
          "whole address and paste it here.")
    pasted = _read_line()
    waiting: set[asyncio.Future[str]] = {pasted}
    if listen and redirect.is_loopback(redirect_uri):
        waiting.add(asyncio.ensure_future(redirect.wait_for_redirect(redirect_uri, state)))
        print(f"(Also listening on {redirect_uri} for the browser's redirect.)")
    print("> ", end="", flush=True)
    try:
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                try:
                    value = task.result()
                except OSError:
                    continue  # the redirect port is taken: pasting still works
                if task is pasted:
                    try:
                        return redirect.code_from_pasted(value, state)
                    except redirect.NeedWholeAddress as exc:  # a bare code: say why, and let the user paste again
                        print(f"{printable(exc)}\n> ", end="", file=sys.stderr, flush=True)
                        pasted = _read_line()
                        waiting.add(pasted)
                        continue
                return value  # the redirect handler checked the state already
        raise auth.AuthError("No code arrived; run `juni-tui connect` again.")
    finally:
        for task in waiting:
            task.cancel()
