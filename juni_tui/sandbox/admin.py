"""The admin path /_sandbox/..., which real Fortnox lacks: faults, revocation, the clock, what is booked,
statistics and reset. No auth; the gate lets only loopback clients in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import company
from .api import rows_out, sandbox_of
from .config import FaultConfig


class AdminError(Exception):
    pass


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise AdminError(f"bad JSON: {exc}") from None
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


async def get_faults(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).faults.config.model_dump())


async def put_faults(request: Request) -> Response:
    """Replace the fault settings; fields left out go back to their defaults (off)."""
    try:
        config = FaultConfig.model_validate(await _body(request))
    except ValidationError as exc:
        raise AdminError(str(exc)) from None
    sandbox_of(request).faults.configure(config)
    return JSONResponse(config.model_dump())


async def revoke(request: Request) -> Response:
    """Body {"token": ...} ends that token's consent; {"client_id", "tenant_id"} (each optional) ends the
    matching consents; an empty body ends them all."""
    body = await _body(request)
    unknown = set(body) - {"token", "client_id", "tenant_id"}
    if unknown:
        raise AdminError(f"unknown fields: {sorted(unknown)}")
    count = sandbox_of(request).auth.revoke_consents(body.get("token"), body.get("client_id"), body.get("tenant_id"))
    return JSONResponse({"revoked": count})


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": sandbox_of(request).auth.expire_access_tokens()})


def _clock(request: Request) -> Response:
    state = sandbox_of(request).state
    now = datetime.fromtimestamp(state.now(), UTC).isoformat()
    return JSONResponse({"now": now, "offset_seconds": state.data["clock_offset"]})


async def get_clock(request: Request) -> Response:
    return _clock(request)


async def advance_clock(request: Request) -> Response:
    """Body {"advance": seconds}: move the sandbox clock forward, for tokens, codes and the rate window."""
    seconds = (await _body(request)).get("advance")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise AdminError('give {"advance": seconds}, a number >= 0')
    sandbox_of(request).state.advance_clock(float(seconds))
    return _clock(request)


async def state(request: Request) -> Response:
    """Everything booked: vouchers with rows and their financial year, files, connections."""
    data = sandbox_of(request).state.data
    vouchers = []
    for v in sorted(data["vouchers"].values(), key=lambda v: (v["Year"], v["VoucherSeries"], v["VoucherNumber"])):
        year = company.financial_year(v["Year"])
        assert year is not None
        vouchers.append(v | {"VoucherRows": rows_out(v["VoucherRows"]), "FinancialYear": {
            "Id": year.id, "FromDate": year.from_date.isoformat(), "ToDate": year.to_date.isoformat()}})
    return JSONResponse({"vouchers": vouchers, "files": list(data["files"].values()),
                         "connections": list(data["connections"].values())})


async def stats(request: Request) -> Response:
    sandbox = sandbox_of(request)
    per_key = {key: dict(value) for key, value in sandbox.limiter.stats.items()}
    totals = {"requests": sum(v["requests"] for v in per_key.values()),
              "rate_limited": sum(v["rate_limited"] for v in per_key.values())}
    return JSONResponse({"requests": per_key, "totals": totals, "faults": dict(sandbox.faults.fired)})


async def reset(request: Request) -> Response:
    """Back to the seeded state: nothing booked, only the seeded consent, clock, stats and faults as started."""
    sandbox_of(request).reset()
    return JSONResponse({"reset": True})


def _admin(handler):
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except AdminError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return answer


ROUTES = [
    Route("/_sandbox/faults", _admin(get_faults), methods=["GET"]),
    Route("/_sandbox/faults", _admin(put_faults), methods=["PUT"]),
    Route("/_sandbox/revoke", _admin(revoke), methods=["POST"]),
    Route("/_sandbox/expire-tokens", _admin(expire_tokens), methods=["POST"]),
    Route("/_sandbox/clock", _admin(get_clock), methods=["GET"]),
    Route("/_sandbox/clock", _admin(advance_clock), methods=["POST"]),
    Route("/_sandbox/state", _admin(state), methods=["GET"]),
    Route("/_sandbox/stats", _admin(stats), methods=["GET"]),
    Route("/_sandbox/reset", _admin(reset), methods=["POST"]),
]
