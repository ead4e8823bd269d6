"""Getting the authorization code back: from the browser's redirect to a loopback listener, or pasted by the user
(over SSH). Both check the ``state``; the listener answers malformed requests quietly."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

from juni_tui.services.fortnox.errors import AuthError

if TYPE_CHECKING:  # the store is only named in a signature; oauth needs none of it at import
    pass


# --- getting the code back: a loopback redirect, or pasted by the user (SSH) -----------------------------------


class StateMismatch(AuthError):
    pass


class NeedWholeAddress(AuthError):
    """A bare code (or an address without its ``state``) was pasted: ask for the whole address again."""


#: What the user must paste, and why (every refusal of a pasted text says it).
WHOLE_ADDRESS = ("Paste the whole address the browser ended on (it starts with http and holds both code= and "
                 "state=), not just the code: its state shows that the code comes from this login attempt.")
_AGAIN = "Run `juni-tui connect` again."


def plain(text: str, limit: int = 200) -> str:
    """Text from outside (a redirect's error description), safe to put in a message or on the error page:
    printable characters only (escape codes and other controls become spaces), at most ``limit`` characters."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code_from_pasted(text: str, expected_state: str) -> str:
    """The code from the whole address the browser ended on: pasted by the user (SSH), or the loopback
    listener's request.

    A bare code is refused (``NeedWholeAddress``), and so is an address without its ``state``: only the state
    shows that the code belongs to this login attempt and not to one someone else started (a code pasted from a
    message would connect juni-tui to whatever company that person approved). Text from the address that ends up
    in a message (Fortnox's error description) is made plain first."""
    text = text.strip()
    if not text:
        raise AuthError("Nothing was pasted. " + WHOLE_ADDRESS, meaning=_AGAIN)
    if "://" in text:
        query_text = urlparse(text).query
    elif "?" in text:
        query_text = text.split("?", 1)[1]
    elif "=" in text:
        query_text = text  # "code=…&state=…": the address's query alone still carries the state
    else:
        raise NeedWholeAddress("That looks like the code alone. " + WHOLE_ADDRESS, meaning=_AGAIN)
    try:
        query = parse_qs(query_text, errors="strict", max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise AuthError("That address is damaged (its query is not valid). " + WHOLE_ADDRESS, meaning=_AGAIN) from None
    if "error" in query:
        detail = plain(query.get("error_description", query["error"])[0])
        raise AuthError(f"Fortnox did not grant access: {detail}", meaning=_AGAIN)
    code = query.get("code", [""])[0]
    state = query.get("state", [None])[0]
    if not code:
        raise NeedWholeAddress("That address has no code in it. " + WHOLE_ADDRESS, meaning=_AGAIN)
    if state is None:
        raise NeedWholeAddress("That address has no state in it. " + WHOLE_ADDRESS, meaning=_AGAIN)
    if state != expected_state:
        raise StateMismatch("That address belongs to another login attempt (the state does not match); "
                            "start `juni-tui connect` again.", meaning=_AGAIN)
    if not (code.isascii() and code.isprintable()) or len(code) > 2048:
        raise AuthError("That address holds a damaged code. " + WHOLE_ADDRESS, meaning=_AGAIN)
    return code


def is_loopback(redirect_uri: str) -> bool:
    host = urlparse(redirect_uri).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1"}


#: The loopback listener's limits. Fortnox's redirect is one short GET; anything else is answered with a short
#: plain-text 400 (or the connection is closed) and never stops the listener.
REQUEST_TIMEOUT = 10.0  # seconds for a request's line and headers
MAX_REQUEST_LINE = 8192  # bytes, per line
MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024


class _BadRequest(Exception):
    pass


async def _request_target(reader: asyncio.StreamReader) -> str:
    """The target of a well-formed ``GET … HTTP/1.x`` request head, or ``_BadRequest``. A line over the
    reader's limit makes ``readline`` raise ``ValueError``; the caller treats it as a bad request."""
    line = await reader.readline()
    if not line.endswith(b"\n") or not line.isascii():
        raise _BadRequest
    parts = line.decode("ascii").split()
    if len(parts) != 3 or parts[0] != "GET" or not parts[1].startswith("/") or not parts[2].startswith("HTTP/1."):
        raise _BadRequest
    size = len(line)
    for _ in range(MAX_HEADERS + 1):
        header = await reader.readline()
        if header in (b"\r\n", b"\n"):
            return parts[1]
        size += len(header)
        if not header.endswith(b"\n") or size > MAX_HEAD_BYTES:
            raise _BadRequest
    raise _BadRequest  # more than MAX_HEADERS headers


async def wait_for_redirect(redirect_uri: str, expected_state: str, timeout: float = 600) -> str:
    """Listen on the redirect URI's loopback port for Fortnox's redirect and return the code.

    Raises OSError if the port cannot be opened (then the user pastes the address instead). A malformed request
    (too long, too many headers, never finished, not HTTP, not ASCII) gets a short plain-text 400 or a closed
    connection; nothing is printed or logged, the request's text is never echoed raw, and the listener keeps
    waiting for the real redirect."""
    parsed = urlparse(redirect_uri)
    result: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status, page = "400 Bad Request", "juni-tui could not read that request. Open the address juni-tui printed again."
        try:
            try:
                target = await asyncio.wait_for(_request_target(reader), REQUEST_TIMEOUT)
            except TimeoutError:
                page = "juni-tui waited too long for that request. Open the address juni-tui printed again."
            else:
                try:
                    code = code_from_pasted("http://localhost" + target, expected_state)
                except AuthError as exc:
                    page = f"juni-tui could not connect: {plain(str(exc), 220)}"
                else:
                    status, page = "200 OK", "juni-tui is connected to Fortnox. You can close this tab."
                    if not result.done():
                        result.set_result(code)
        except Exception:  # noqa: BLE001 - a hostile request (ValueError for a line over the limit, resets…)
            pass
        try:
            body = page.encode("utf-8")
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "X-Content-Type-Options: nosniff\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await asyncio.wait_for(writer.drain(), REQUEST_TIMEOUT)
        except Exception:  # noqa: BLE001 - the client went away
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host=parsed.hostname, port=parsed.port or 80, limit=MAX_REQUEST_LINE)
    try:
        return await asyncio.wait_for(result, timeout)
    finally:
        server.close()
        await server.wait_closed()
