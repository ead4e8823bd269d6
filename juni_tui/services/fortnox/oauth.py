"""The Fortnox connection: where the credentials come from, and access tokens for the client.

Two ways to connect (reference fortnox-api.md §1):

* **Authorization code** (``juni-tui connect``): the user approves juni-tui in a browser; we get an access token
  (1 h) and a refresh token (45 days, single use, rotating). Every refresh happens under a file lock, so two
  processes never refresh at once, and the new refresh token is written (atomically, 0600) before the access
  token is used.
* **Service account** (client credentials + ``TenantId``): for unattended use and for the demo sandbox. No
  refresh token, so no races. Configured by settings plus a 0600 credentials file, or entirely by environment
  variables (``JUNI_TUI_FORTNOX_CLIENT_ID``, ``..._CLIENT_SECRET``, ``..._TENANT_ID``).

Secrets are never logged, printed or put in ``repr``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

import filelock
import httpx

from juni_tui.domain.settings import FortnoxSettings
from juni_tui.services.fortnox import spec
from juni_tui.services.fortnox.client import DEFAULT_TIMEOUT, FortnoxClient
from juni_tui.services.fortnox.errors import AuthError, ConsentRevoked, NotConnected, NotSent, bad_address
from juni_tui.services.store.files import atomic_write
from juni_tui.services.store.home import Home

if TYPE_CHECKING:  # the store is only named in a signature; oauth needs none of it at import
    from juni_tui.services.store import Store

ENV_API_URL = "JUNI_TUI_FORTNOX_API_URL"
ENV_AUTH_URL = "JUNI_TUI_FORTNOX_AUTH_URL"
ENV_CLIENT_ID = "JUNI_TUI_FORTNOX_CLIENT_ID"
ENV_CLIENT_SECRET = "JUNI_TUI_FORTNOX_CLIENT_SECRET"
ENV_TENANT_ID = "JUNI_TUI_FORTNOX_TENANT_ID"

#: Warn this long before the refresh token (and with it the connection) runs out.
REFRESH_WARNING_SECONDS = 10 * 24 * 3600
#: Renew an access token this long before it expires.
EXPIRY_SLACK_SECONDS = 60


# --- secret files ---------------------------------------------------------------------------------------------


def write_secret(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON file only the user can read (0600), atomically."""
    atomic_write(path, json.dumps(data, indent=2).encode("utf-8"), mode=0o600)


def read_secret(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # someone loosened it: tighten before trusting it
    try:
        data = json.loads(raw)
    except ValueError:
        raise AuthError(f"{path} is damaged and cannot be read; run `juni-tui connect` again.") from None
    if not isinstance(data, dict):
        raise AuthError(f"{path} is damaged and cannot be read; run `juni-tui connect` again.")
    return data


# --- where the connection comes from --------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    api_url: str
    auth_url: str
    client_id: str
    client_secret: str = field(repr=False)
    mode: Literal["service", "oauth"]
    tenant_id: str | None = None
    redirect_uri: str = "http://localhost:8719/callback"


def resolve_connection(home: Home, settings: FortnoxSettings, env: dict[str, str] | None = None) -> Connection:
    """The connection to use: environment variables first (a service account), then the saved settings."""
    env = dict(os.environ if env is None else env)
    api_url = env.get(ENV_API_URL) or settings.api_url
    auth_url = env.get(ENV_AUTH_URL) or settings.auth_url
    if env.get(ENV_CLIENT_ID) and env.get(ENV_CLIENT_SECRET) and env.get(ENV_TENANT_ID):
        return Connection(api_url, auth_url, env[ENV_CLIENT_ID], env[ENV_CLIENT_SECRET], "service",
                          env[ENV_TENANT_ID], settings.redirect_uri)
    if settings.mode is None or not settings.client_id:
        raise NotConnected(
            "juni-tui is not connected to Fortnox. Run `juni-tui connect`, or set "
            f"{ENV_CLIENT_ID}, {ENV_CLIENT_SECRET} and {ENV_TENANT_ID} for a service account."
        )
    secret = env.get(ENV_CLIENT_SECRET) or (read_secret(home.credentials) or {}).get("client_secret")
    if not secret:
        raise NotConnected(f"The Fortnox client secret is missing ({home.credentials}); run `juni-tui connect` again.")
    if settings.mode == "service" and not settings.tenant_id:
        raise NotConnected("The Fortnox service account has no tenant id; run `juni-tui connect --service` again.")
    return Connection(api_url, auth_url, settings.client_id, secret, settings.mode, settings.tenant_id,
                      settings.redirect_uri)


def save_client_secret(home: Home, client_id: str, client_secret: str) -> None:
    write_secret(home.credentials, {"client_id": client_id, "client_secret": client_secret})


# --- the token endpoint ---------------------------------------------------------------------------------------


async def _token_request(
    http: httpx.AsyncClient, conn: Connection, form: dict[str, str], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    try:
        response = await http.post(
            f"{conn.auth_url.rstrip('/')}/token", data=form, auth=(conn.client_id, conn.client_secret),
            headers=headers or {},
        )
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise bad_address("login", conn.auth_url, "--auth-url", ENV_AUTH_URL) from exc
    except httpx.HTTPError as exc:
        raise NotSent(f"Could not reach Fortnox's login service ({type(exc).__name__})") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("access_token"):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if error == "invalid_grant":
        raise ConsentRevoked(
            "Fortnox no longer accepts juni-tui's authorization (it was revoked, expired or already used). "
            "Run `juni-tui connect` again."
        )
    if response.status_code == 401 or error == "invalid_client":
        raise AuthError("Fortnox did not accept the client id and secret. Check them and run `juni-tui connect`.")
    if response.status_code >= 500:
        raise NotSent(f"Fortnox's login service answered {response.status_code}; try again shortly.")
    detail = body.get("error_description") or error or f"HTTP {response.status_code}"
    raise AuthError(f"Fortnox refused the login: {detail}")


@dataclass
class TokenSet:
    access_token: str = field(repr=False)
    access_expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: float | None = None
    scope: str = ""
    obtained_at: float = 0.0

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float) -> "TokenSet":
        refresh = body.get("refresh_token")
        return cls(
            access_token=body["access_token"],
            access_expires_at=now + float(body.get("expires_in", spec.ACCESS_TOKEN_TTL_SECONDS)),
            refresh_token=refresh,
            refresh_expires_at=now + spec.REFRESH_TOKEN_TTL_SECONDS if refresh else None,
            scope=body.get("scope", ""),
            obtained_at=now,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "access_expires_at": self.access_expires_at,
            "refresh_token": self.refresh_token,
            "refresh_expires_at": self.refresh_expires_at,
            "scope": self.scope,
            "obtained_at": self.obtained_at,
        }

    def fresh(self, now: float) -> bool:
        return self.access_expires_at - EXPIRY_SLACK_SECONDS > now


class ServiceAccountTokens:
    """Client-credentials tokens for a service account (no refresh token)."""

    def __init__(self, conn: Connection, http: httpx.AsyncClient, clock=time.time) -> None:
        self.conn = conn
        self.http = http
        self._clock = clock
        self._tokens: TokenSet | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._tokens is None or not self._tokens.fresh(self._clock()):
                body = await _token_request(
                    self.http, self.conn, {"grant_type": "client_credentials"}, {"TenantId": str(self.conn.tenant_id)}
                )
                self._tokens = TokenSet.from_response(body, self._clock())
            return self._tokens.access_token

    async def invalidate(self, token: str) -> None:
        if self._tokens and self._tokens.access_token == token:
            self._tokens = None

    def status(self) -> dict[str, Any]:
        return {"mode": "service account", "scope": self._tokens.scope if self._tokens else "",
                "access_expires_at": self._tokens.access_expires_at if self._tokens else None}


class RefreshingTokens:
    """Authorization-code tokens with a rotating, single-use refresh token, shared safely between processes."""

    def __init__(self, conn: Connection, http: httpx.AsyncClient, home: Home, clock=time.time) -> None:
        self.conn = conn
        self.http = http
        self.home = home
        self._clock = clock
        self._tokens: TokenSet | None = None
        self._lock = asyncio.Lock()
        self._refused: set[str] = set()  # access tokens Fortnox turned down, whatever their expiry says

    def _read(self) -> TokenSet | None:
        data = read_secret(self.home.tokens)
        if not data or not data.get("access_token"):
            return None
        try:  # the file is input too: a field of the wrong type means no usable tokens, not a traceback
            return TokenSet(
                access_token=str(data["access_token"]),
                access_expires_at=float(data.get("access_expires_at") or 0),
                refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
                refresh_expires_at=float(data["refresh_expires_at"]) if data.get("refresh_expires_at") else None,
                scope=str(data.get("scope") or ""),
                obtained_at=float(data.get("obtained_at") or 0),
            )
        except (TypeError, ValueError):
            return None

    async def token(self) -> str:
        async with self._lock:
            now = self._clock()
            if self._tokens is None:
                self._tokens = self._read()
            if self._tokens is None:
                raise NotConnected("juni-tui is not connected to Fortnox. Run `juni-tui connect`.")
            if not self._tokens.fresh(now):
                await self._refresh()
            return self._tokens.access_token

    async def _refresh(self) -> None:
        lock = filelock.AsyncFileLock(self.home.token_lock, timeout=30)
        async with lock:
            # Another process may have refreshed while we waited: its refresh token is the only valid one now.
            current = self._read()
            now = self._clock()
            if current is not None and current.fresh(now) and current.access_token not in self._refused:
                self._tokens = current
                return
            if current is None or not current.refresh_token:
                raise NotConnected("juni-tui is not connected to Fortnox. Run `juni-tui connect`.")
            if current.refresh_expires_at and current.refresh_expires_at <= now:
                raise ConsentRevoked("juni-tui's Fortnox authorization ran out (45 days). Run `juni-tui connect` again.")
            body = await _token_request(
                self.http, self.conn, {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
            )
            fresh = TokenSet.from_response(body, now)
            write_secret(self.home.tokens, fresh.to_json())  # durable before the old refresh token is forgotten
            self._tokens = fresh

    async def invalidate(self, token: str) -> None:
        async with self._lock:
            self._refused.add(token)
            if self._tokens and self._tokens.access_token == token:
                self._tokens.access_expires_at = 0

    def expiry_warning(self) -> str | None:
        tokens = self._tokens or self._read()
        if tokens is None or not tokens.refresh_expires_at:
            return None
        left = tokens.refresh_expires_at - self._clock()
        if left < REFRESH_WARNING_SECONDS:
            days = max(0, int(left // 86400))
            return (f"The Fortnox connection runs out in {days} days unless juni-tui talks to Fortnox before then; "
                    "export something or run `juni-tui connect`.")
        return None


def connection_warning(client: FortnoxClient) -> str | None:
    """A warning the user should see now (the authorization runs out soon), if any."""
    tokens = client.tokens
    return tokens.expiry_warning() if isinstance(tokens, RefreshingTokens) else None


def token_provider(conn: Connection, http: httpx.AsyncClient, home: Home) -> ServiceAccountTokens | RefreshingTokens:
    if conn.mode == "service":
        return ServiceAccountTokens(conn, http)
    return RefreshingTokens(conn, http, home)


# --- the authorization-code flow ------------------------------------------------------------------------------


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorize_url(auth_url: str, client_id: str, redirect_uri: str, state: str,
                  scopes: tuple[str, ...] = spec.REQUIRED_SCOPES) -> str:
    query = urlencode({
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "access_type": "offline",
        "response_type": "code",
    })
    return f"{auth_url.rstrip('/')}/auth?{query}"


async def exchange_code(conn: Connection, http: httpx.AsyncClient, home: Home, code: str) -> TokenSet:
    """Trade the authorization code for tokens and store them (0600) under the token lock."""
    body = await _token_request(
        http, conn, {"grant_type": "authorization_code", "code": code, "redirect_uri": conn.redirect_uri}
    )
    tokens = TokenSet.from_response(body, time.time())
    async with filelock.AsyncFileLock(home.token_lock, timeout=30):
        write_secret(home.tokens, tokens.to_json())
    return tokens


def make_client(home: Home, settings: FortnoxSettings, *, env: dict[str, str] | None = None,
                http: httpx.AsyncClient | None = None) -> FortnoxClient:
    """The Fortnox client for this home: one ``httpx.AsyncClient`` (with timeouts) shared by tokens and API.

    Closing the client closes that ``httpx.AsyncClient`` too, unless one was passed in."""
    conn = resolve_connection(home, settings, env)
    owned = http is None
    http = http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
    client = FortnoxClient(conn.api_url, token_provider(conn, http, home), http=http)
    client.owns_http = owned
    return client


async def connection_status(client: FortnoxClient, tokens: Any) -> dict[str, Any]:
    """What `juni-tui connect --status` shows: company, org number, scopes, token expiry. No secrets."""
    info = await client.company_information()
    status: dict[str, Any] = {
        "company": info.get("CompanyName"),
        "org_number": info.get("OrganizationNumber"),
        "tenant_id": info.get("DatabaseNumber"),
        "api_url": client.api_url,
    }
    current = getattr(tokens, "_tokens", None)
    if isinstance(tokens, RefreshingTokens):
        current = tokens._tokens or tokens._read()
        status["mode"] = "authorization (refresh token)"
        status["refresh_expires_at"] = current.refresh_expires_at if current else None
        status["warning"] = tokens.expiry_warning()
    else:
        status["mode"] = "service account"
    status["scope"] = current.scope if current else ""
    status["access_expires_at"] = current.access_expires_at if current else None
    return status


async def complete_oauth(store: Store, fortnox: FortnoxSettings, secret: str, code: str,
                         http: httpx.AsyncClient) -> TokenSet:
    """The end of the authorization-code flow, for the TUI and the CLI alike: trade the code for tokens (0600),
    keep the client secret (0600), and remember the connection in the settings."""
    fortnox = fortnox.model_copy(update={"mode": "oauth"})
    conn = Connection(fortnox.api_url, fortnox.auth_url, fortnox.client_id or "", secret, "oauth", None,
                      fortnox.redirect_uri)
    tokens = await exchange_code(conn, http, store.home, code)
    save_client_secret(store.home, fortnox.client_id or "", secret)
    store.save_settings(store.settings.model_copy(update={"fortnox": fortnox}), what="fortnox oauth")
    return tokens
