"""The sandbox as one Starlette app: /oauth-v1 (auth), /3 (the API) and /_sandbox (admin)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from juni_tui.services.fortnox import spec

from . import admin, api, files
from .auth import Auth
from .config import SandboxConfig
from .errors import FortnoxError, error_information, no_such_route
from .faults import Faults
from .gate import ApiGate
from .ratelimit import RateLimiter
from .state import SandboxState


class Sandbox:
    """Everything one running sandbox holds: its config, state, auth, rate limiter and faults."""

    def __init__(self, config: SandboxConfig, state: SandboxState | None = None) -> None:
        self.config = config
        self.state = state if state is not None else SandboxState.open(config.state_file)
        self.auth = Auth(config, self.state)
        self.limiter = RateLimiter(config.rate_limit_requests, config.rate_limit_window, self.state.now)
        self.faults = Faults(config.faults, config.seed)

    def reset(self) -> None:
        self.state.reset()
        self.limiter.reset()
        self.faults = Faults(self.config.faults, self.config.seed)


async def _fortnox_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FortnoxError)
    return error_information(exc.status, exc.code, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):  # an unknown route or a method Fortnox lacks (e.g. PUT on a voucher)
        return no_such_route(exc.status_code)
    return error_information(exc.status_code, spec.INCORRECT_BODY_CODE, f"Tom eller felaktig body: {exc.detail}")


def create_app(config: SandboxConfig | None = None, state: SandboxState | None = None) -> Starlette:
    sandbox = Sandbox(config or SandboxConfig(), state)
    app = Starlette(
        routes=[*api.ROUTES, *files.ROUTES, *admin.ROUTES, Mount("/oauth-v1", routes=sandbox.auth.routes())],
        middleware=[Middleware(ApiGate, sandbox=sandbox)],
        exception_handlers={FortnoxError: _fortnox_error, HTTPException: _http_error},
    )
    app.state.sandbox = sandbox
    return app
