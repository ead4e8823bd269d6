"""OAuth at /oauth-v1 (auth, token, revoke) and the Bearer check for /3/, as Fortnox does them [§1].

Consents, codes and tokens live in the sandbox state, so a restarted sandbox honours the tokens it issued.
Access tokens are JWT-shaped (claims clientId, tenantId, scope, exp), but the sandbox checks them by lookup:
clients must treat them as opaque.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from juni_tui.services.fortnox import spec

from .config import DEMO_TENANT_ID, ClientApp, SandboxConfig
from .errors import FortnoxError, oauth_error
from .state import SandboxState

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TokenInfo:
    """Who a valid access token speaks for."""

    client_id: str
    tenant_id: str
    scopes: frozenset[str]

    @property
    def rate_key(self) -> str:
        # Fortnox keys the rate limit per client id and tenant [§2].
        return f"{self.client_id}/{self.tenant_id}"


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.response = oauth_error(status, error, description)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Auth:
    def __init__(self, config: SandboxConfig, state: SandboxState) -> None:
        self.config = config
        self.state = state
        self.clients: dict[str, ClientApp] = config.registered_clients()
        self._secret = hashlib.sha256(f"fortnox-sandbox:{config.seed}".encode()).digest()

    def routes(self) -> list[Route]:
        return [
            Route("/auth", self.authorize, methods=["GET"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/revoke", self.revoke, methods=["POST"]),
        ]

    # --- ids -----------------------------------------------------------------------------------------------
    def _digest(self, kind: str) -> bytes:
        n = self.state.next_number(kind)
        return hmac.new(self._secret, f"{kind}:{n}".encode(), hashlib.sha256).digest()

    def _new_uuid(self, kind: str) -> str:
        return str(uuid.UUID(bytes=self._digest(kind)[:16], version=4))

    def _new_access_token(self, consent: dict[str, Any], now: float) -> tuple[str, dict[str, Any]]:
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "iss": "fortnox-sandbox",
            "jti": self._new_uuid("access_token"),
            "clientId": consent["client_id"],
            "tenantId": int(consent["tenant_id"]),
            "scope": " ".join(consent["scopes"]),
            "authSource": "SERVICE_ACCOUNT" if consent["service"] else "OAUTH2",
            "iat": int(now),
            "exp": int(now + self.config.access_token_ttl),
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64url(signature)}"
        return token, {"consent_id": consent["id"], "expires_at": now + self.config.access_token_ttl}

    # --- /auth ---------------------------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        """The consent page. The demo company's administrator approves at once."""
        q = request.query_params
        client = self.clients.get(q.get("client_id", ""))
        if client is None:
            return oauth_error(400, "invalid_client", "Okänd client_id")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return oauth_error(400, "invalid_request", "redirect_uri matchar inte appens registrerade adress")

        def back(**params: str) -> RedirectResponse:
            if "state" in q:
                params["state"] = q["state"]
            separator = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="response_type must be code")
        scopes = q.get("scope", "").split(" ")
        unknown = [s for s in scopes if s not in spec.KNOWN_SCOPES]
        if not q.get("scope") or unknown:
            return back(error="invalid_scope", error_description=f"Unknown scope: {' '.join(unknown)}")
        if not q.get("state"):
            return back(error="invalid_request", error_description="state is required")
        if q.get("access_type", "online") not in ("online", "offline"):
            return back(error="invalid_request", error_description="access_type must be offline or online")
        account_type = q.get("account_type")
        if account_type not in (None, "service"):
            return back(error="invalid_request", error_description="account_type must be service")
        if account_type == "service" and not client.service_accounts:
            return back(error="unauthorized_client", error_description="Service accounts are not enabled for the app")

        consents = self.state.data["consents"]
        if account_type == "service":  # one service account per client id and customer [FX-BLOG-SA]
            for consent in consents.values():
                if consent["service"] and consent["client_id"] == client.client_id:
                    consent["revoked"] = True
        consent_id = self._new_uuid("consent")
        consents[consent_id] = {
            "client_id": client.client_id, "tenant_id": DEMO_TENANT_ID, "scopes": scopes,
            "service": account_type == "service", "offline": q.get("access_type") == "offline", "revoked": False,
        }
        code = self._digest("code").hex()[:32]
        self._prune()
        self.state.data["codes"][code] = {
            "consent_id": consent_id, "client_id": client.client_id, "redirect_uri": redirect_uri,
            "expires_at": self.state.now() + self.config.authorization_code_ttl, "used": False,
        }
        self.state.commit()
        return back(code=code)

    # --- /token --------------------------------------------------------------------------------------------
    def _client_from_basic_auth(self, request: Request) -> ClientApp:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError(401, "invalid_client", "Basic-autentisering med client id och client secret krävs")
        try:
            client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "Ogiltig Basic-autentisering") from None
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            raise OAuthError(401, "invalid_client", "Fel client id eller client secret")
        return client

    async def _form(self, request: Request) -> dict[str, str]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != FORM_CONTENT_TYPE:
            raise OAuthError(400, "invalid_request", f"Content-Type must be {FORM_CONTENT_TYPE}")
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    async def token(self, request: Request) -> Response:
        try:
            client = self._client_from_basic_auth(request)
            form = await self._form(request)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                body = self._grant_authorization_code(client, form)
            elif grant_type == "refresh_token":
                body = self._grant_refresh_token(client, form)
            elif grant_type == "client_credentials":
                body = self._grant_client_credentials(client, request.headers.get("tenantid"))
            else:
                raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type!r}")
        except OAuthError as exc:
            self.state.commit()  # a code is used up even by a failed exchange
            return exc.response
        self.state.commit()
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def _live_consent(self, consent_id: str) -> dict[str, Any] | None:
        consent = self.state.data["consents"].get(consent_id)
        return consent if consent is not None and not consent["revoked"] else None

    def _grant_authorization_code(self, client: ClientApp, form: dict[str, str]) -> dict[str, Any]:
        if not form.get("code") or not form.get("redirect_uri"):
            raise OAuthError(400, "invalid_request", "code and redirect_uri are required")
        record = self.state.data["codes"].get(form["code"])
        now = self.state.now()
        if record is None or record["client_id"] != client.client_id:
            raise OAuthError(400, "invalid_grant", "Okänd auktoriseringskod")
        if record["used"]:
            raise OAuthError(400, "invalid_grant", "Auktoriseringskoden är redan använd")
        record["used"] = True
        if now >= record["expires_at"]:
            raise OAuthError(400, "invalid_grant", "Auktoriseringskoden har gått ut")
        if form["redirect_uri"] != record["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", "redirect_uri skiljer sig från den i auktoriseringen")
        consent = self._live_consent(record["consent_id"])
        if consent is None:
            raise OAuthError(400, "invalid_grant", "Samtycket är återkallat")
        return self._issue({"id": record["consent_id"], **consent}, refresh=consent["offline"])

    def _grant_refresh_token(self, client: ClientApp, form: dict[str, str]) -> dict[str, Any]:
        if not form.get("refresh_token"):
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        record = self.state.data["refresh_tokens"].get(form["refresh_token"])
        if record is None or record["client_id"] != client.client_id:
            raise OAuthError(400, "invalid_grant", "Ogiltig refresh token")
        if record["used"]:
            raise OAuthError(400, "invalid_grant", "Refresh token är redan använd")
        if self.state.now() >= record["expires_at"]:
            raise OAuthError(400, "invalid_grant", "Refresh token har gått ut")
        consent = self._live_consent(record["consent_id"])
        if consent is None:
            raise OAuthError(400, "invalid_grant", "Samtycket är återkallat")
        record["used"] = True  # rotation: each refresh token works once
        return self._issue({"id": record["consent_id"], **consent}, refresh=True)

    def _grant_client_credentials(self, client: ClientApp, tenant_id: str | None) -> dict[str, Any]:
        if not tenant_id:
            raise OAuthError(400, "invalid_request", "Headern TenantId saknas")
        for consent_id, consent in self.state.data["consents"].items():
            if (consent["service"] and not consent["revoked"] and consent["client_id"] == client.client_id
                    and consent["tenant_id"] == tenant_id.strip()):
                return self._issue({"id": consent_id, **consent}, refresh=False)
        raise OAuthError(400, "unauthorized_client", f"Inget servicekonto-samtycke för klienten hos {tenant_id}")

    def _issue(self, consent: dict[str, Any], refresh: bool) -> dict[str, Any]:
        now = self.state.now()
        self._prune()
        token, record = self._new_access_token(consent, now)
        self.state.data["access_tokens"][token] = record
        body: dict[str, Any] = {"access_token": token}
        if refresh:
            refresh_token = self._new_uuid("refresh_token")
            self.state.data["refresh_tokens"][refresh_token] = {
                "consent_id": consent["id"], "client_id": consent["client_id"],
                "expires_at": now + self.config.refresh_token_ttl, "used": False,
            }
            body["refresh_token"] = refresh_token
        body |= {"scope": " ".join(consent["scopes"]), "expires_in": self.config.access_token_ttl,
                 "token_type": "bearer"}
        return body

    def _prune(self) -> None:
        """Forget what can no longer be used, so the state stays small. Used refresh tokens stay until they
        expire, so that reusing one is told apart from an unknown one."""
        now = self.state.now()
        for key in ("codes", "access_tokens", "refresh_tokens"):
            records = self.state.data[key]
            for token in [t for t, r in records.items() if r["expires_at"] <= now]:
                del records[token]

    # --- /revoke and admin revocation ------------------------------------------------------------------------
    async def revoke(self, request: Request) -> Response:
        try:
            client = self._client_from_basic_auth(request)
            form = await self._form(request)
        except OAuthError as exc:
            return exc.response
        token = form.get("token")
        if not token:
            return oauth_error(400, "invalid_request", "token is required")
        for key in ("refresh_tokens", "access_tokens"):
            record = self.state.data[key].get(token)
            if record is not None:
                consent = self.state.data["consents"].get(record["consent_id"])
                if consent is not None and consent["client_id"] == client.client_id:
                    consent["revoked"] = True
        self.state.commit()
        return JSONResponse({"revoked": True})

    def revoke_consents(self, token: str | None = None, client_id: str | None = None,
                        tenant_id: str | None = None) -> int:
        """End consents: the one a token belongs to, or all matching client id and tenant (all if neither)."""
        consents = self.state.data["consents"]
        if token is not None:
            record = self.state.data["access_tokens"].get(token) or self.state.data["refresh_tokens"].get(token)
            chosen = [consents[record["consent_id"]]] if record and record["consent_id"] in consents else []
        else:
            chosen = [c for c in consents.values()
                      if client_id in (None, c["client_id"]) and tenant_id in (None, c["tenant_id"])]
        chosen = [c for c in chosen if not c["revoked"]]
        for consent in chosen:
            consent["revoked"] = True
        self.state.commit()
        return len(chosen)

    def expire_access_tokens(self) -> int:
        now = self.state.now()
        live = [r for r in self.state.data["access_tokens"].values() if r["expires_at"] > now]
        for record in live:
            record["expires_at"] = now
        self.state.commit()
        return len(live)

    # --- the Bearer check for /3/ --------------------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> TokenInfo:
        """The caller of an API request, or FortnoxError 401. HTTP 401 itself is unconfirmed [§9]."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise FortnoxError(401, spec.MISSING_CREDENTIALS_CODE,
                               "Kan inte logga in, access-token eller client-secret saknas(2).")
        record = self.state.data["access_tokens"].get(token.strip())
        consent = self._live_consent(record["consent_id"]) if record else None
        if record is None or consent is None or self.state.now() >= record["expires_at"]:
            raise FortnoxError(401, spec.INVALID_LOGIN_CODE, "Ogiltig inloggning")
        return TokenInfo(consent["client_id"], consent["tenant_id"], frozenset(consent["scopes"]))
