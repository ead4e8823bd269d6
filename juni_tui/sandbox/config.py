"""How a sandbox is set up: its registered apps, token lifetimes, rate limit and faults."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.services.fortnox import spec

# The pre-registered demo app. The secret is public: it only opens this sandbox.
DEMO_CLIENT_ID = "juni-tui-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret"
# The demo company's DatabaseNumber, which is also its TenantId.
DEMO_TENANT_ID = "1234567"
DEMO_REDIRECT_URIS = ("http://localhost:8719/callback", "http://127.0.0.1:8719/callback")

FAULT_NAMES = ("latency", "error", "error_after_commit", "rate_limit_burst", "drop_after_commit", "hang_after_commit")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ClientApp(_Strict):
    """An app registered in the developer portal."""

    client_id: str
    client_secret: str
    redirect_uris: list[str] = Field(default_factory=list)
    # "Only administrator" service accounts must be enabled per app [FX-AUTH].
    service_accounts: bool = True


class FaultConfig(_Strict):
    """Misbehaviour on purpose. Every field defaults to off. Shares are 0.0 to 1.0, drawn from the sandbox's
    seeded random generator, so a run is repeatable."""

    latency_ms: int = Field(0, ge=0)
    latency_jitter_ms: int = Field(0, ge=0)
    # A share of 500/503 answers given before the request is processed at all.
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    error_statuses: list[int] = Field(default_factory=lambda: [500, 503])
    # A share of writes that are committed and then answered with a 500.
    error_after_commit_rate: float = Field(0.0, ge=0.0, le=1.0)
    # The next N requests get a 429, and/or a share of requests does.
    rate_limit_burst: int = Field(0, ge=0)
    rate_limit_burst_rate: float = Field(0.0, ge=0.0, le=1.0)
    # A share of writes that are committed, then the connection is dropped before the body is sent.
    drop_after_commit_rate: float = Field(0.0, ge=0.0, le=1.0)
    # A share of writes that are committed, then answered only after hang_seconds.
    hang_after_commit_rate: float = Field(0.0, ge=0.0, le=1.0)
    hang_seconds: float = Field(30.0, ge=0.0)
    # Limit all faults to these API paths (prefixes such as "/3/vouchers" or just "vouchers"); empty = all.
    paths: list[str] = Field(default_factory=list)
    # Limit one fault (a name from FAULT_NAMES) to its own paths, overriding `paths` for it.
    paths_by_fault: dict[str, list[str]] = Field(default_factory=dict)

    def applies(self, fault: str, path: str) -> bool:
        prefixes = self.paths_by_fault.get(fault, self.paths)
        return not prefixes or any(path.startswith(_api_prefix(p)) for p in prefixes)


def _api_prefix(path: str) -> str:
    path = path.strip()
    return path if path.startswith("/") else "/3/" + path


class SandboxConfig(_Strict):
    access_token_ttl: int = Field(spec.ACCESS_TOKEN_TTL_SECONDS, ge=1)
    refresh_token_ttl: int = Field(spec.REFRESH_TOKEN_TTL_SECONDS, ge=1)
    authorization_code_ttl: int = Field(spec.AUTHORIZATION_CODE_TTL_SECONDS, ge=1)
    rate_limit_requests: int = Field(spec.RATE_LIMIT_REQUESTS, ge=1)
    rate_limit_window: float = Field(spec.RATE_LIMIT_WINDOW_SECONDS, gt=0)
    # Real Fortnox is not known to send Retry-After [§2], so by default neither do we.
    send_retry_after: bool = False
    state_file: Path | None = None
    seed: int = 0
    faults: FaultConfig = Field(default_factory=FaultConfig)
    # The demo app's registered redirect URIs; matching is exact.
    redirect_uris: list[str] = Field(default_factory=lambda: list(DEMO_REDIRECT_URIS))
    # More registered apps besides the demo app (which is always there).
    clients: list[ClientApp] = Field(default_factory=list)

    def registered_clients(self) -> dict[str, ClientApp]:
        demo = ClientApp(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, redirect_uris=self.redirect_uris)
        return {demo.client_id: demo} | {c.client_id: c for c in self.clients}
