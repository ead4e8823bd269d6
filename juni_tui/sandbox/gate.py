"""What every /3/ request passes before and after its handler: the Bearer check, the rate limit and the faults.

A pure ASGI middleware, because one fault needs the raw ASGI messages: to drop a connection after a commit it
sends the response head (with a Content-Length) and then raises instead of sending the body, so uvicorn aborts
the connection and the client sees an incomplete response.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from juni_tui.services.fortnox import spec

from .errors import FortnoxError, error_information

if TYPE_CHECKING:
    from .app import Sandbox

API_PREFIX = "/3/"
ADMIN_PREFIX = "/_sandbox"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ConnectionDropped(Exception):
    """Raised on purpose after the response head, so that the server drops the connection."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def quiet_dropped_connections() -> None:
    """Keep uvicorn from logging a traceback for each connection the sandbox drops on purpose."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


def too_many_requests(retry_after: int | None) -> Response:
    # The 429 body is not ErrorInformation; the shape is unconfirmed [§2].
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse({"message": "Too many requests"}, status_code=429, headers=headers)


def server_error(status: int) -> Response:
    if status == 500:
        return error_information(500, spec.SYSTEM_EXCEPTION_CODE, "Ett oväntat fel inträffade (System exception)")
    return JSONResponse({"message": "Service Unavailable"}, status_code=status)


def _accepts_json(accept: str | None, path: str) -> bool:
    """Fortnox answers JSON (or XML, which the sandbox does not do); file downloads answer the file's type."""
    if not accept or path.startswith("/3/inbox/"):
        return True
    types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(types & {"application/json", "application/*", "*/*"})


class ApiGate:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(ADMIN_PREFIX):
            client = scope.get("client") or ("", 0)
            if client[0] not in LOOPBACK:
                return await JSONResponse({"error": "admin path is loopback only"}, 403)(scope, receive, send)
        if scope["type"] != "http" or not (path.startswith(API_PREFIX) or path == "/3"):
            return await self.app(scope, receive, send)
        if path.endswith("/") and path != API_PREFIX:  # /3/settings/lockedperiod/ as in Fortnox's docs
            path = path.rstrip("/")
            scope = dict(scope, path=path, raw_path=path.encode())
        response = await self._before(scope, path)
        if response is not None:
            return await response(scope, receive, send)
        if scope["method"] not in WRITE_METHODS:
            return await self.app(scope, receive, send)
        await self._write(scope, receive, send, path)

    async def _before(self, scope: Scope, path: str) -> Response | None:
        sandbox = self.sandbox
        request = Request(scope)
        try:
            token = sandbox.auth.authenticate(request.headers.get("authorization"))
        except FortnoxError as exc:
            return error_information(exc.status, exc.code, exc.message)
        retry_after = sandbox.limiter.admit(token.rate_key)
        if retry_after is not None:
            return too_many_requests(retry_after if sandbox.config.send_retry_after else None)
        if not _accepts_json(request.headers.get("accept"), path):
            return error_information(400, spec.INVALID_ACCEPT_CODE, "Ogiltig svarstyp (Accept), använd application/json")
        scope.setdefault("state", {})["token"] = token
        delay = sandbox.faults.latency(path)
        if delay:
            await asyncio.sleep(delay)
        if sandbox.faults.rate_limit_burst(path):
            return too_many_requests(1 if sandbox.config.send_retry_after else None)
        status = sandbox.faults.error_before(path)
        if status is not None:
            return server_error(status)
        return None

    async def _write(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        """Run a write, holding its answer back until we know whether to misbehave after the commit."""
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        committed = bool(messages) and 200 <= messages[0]["status"] < 300
        fault = self.sandbox.faults.after_commit(path) if committed else None
        if fault == "drop_after_commit":
            await send(messages[0])  # the head carries the Content-Length of a body that never comes
            raise ConnectionDropped(f"dropped the connection after committing {scope['method']} {path}")
        if fault == "hang_after_commit":
            await asyncio.sleep(self.sandbox.faults.config.hang_seconds)
        if fault == "error_after_commit":
            return await server_error(500)(scope, receive, send)
        for message in messages:
            await send(message)
