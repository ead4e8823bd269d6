"""The Fortnox REST client: one ``httpx.AsyncClient``, a client-side rate limiter, retries, typed errors.

Errors are classed for the exporter (GUIDE §3):

* ``FortnoxRejected`` (HTTP 400 and other 4xx): permanent; Fortnox said no and nothing was booked.
* ``NotSent``: the request certainly never reached Fortnox (connect failure, pool timeout). Safe to send again.
* ``UnknownOutcome``: a write was sent but no answer came (timeout, dropped connection, 5xx). Fortnox may or may
  not have booked it: look it up before sending again. Reads never raise it; they are simply retried.
* ``RateLimited``: 429, not processed; honoured with ``Retry-After`` when Fortnox sends one.
* ``AuthError`` / ``ConsentRevoked``: the connection needs the user (``juni-tui connect``).

Writes are retried here only when they certainly were not processed (not sent, 429, 401 before a fresh token).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

import httpx

from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project, VoucherSeries
from juni_tui.services.fortnox import spec
from juni_tui.services.fortnox.errors import (
    AuthError,
    FortnoxError,
    NotSent,
    RateLimited,
    Unavailable,
    UnknownOutcome,
    bad_address,
    error_from_response,
    explain,
)
from juni_tui.services.jsonutil import dumps, loads

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


# --- rate limiting --------------------------------------------------------------------------------------------


class RateLimiter:
    """Sliding window: at most ``limit`` request starts in any ``window`` seconds, per tenant.

    Fortnox counts 25 per 5 s when a request arrives; we count when it leaves. Network jitter can bring two
    requests closer on arrival than on departure, so the window we keep is a little longer (``margin``).
    """

    def __init__(
        self,
        limit: int = spec.RATE_LIMIT_REQUESTS,
        window: float = spec.RATE_LIMIT_WINDOW_SECONDS,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window * (1 + margin)
        self._clock = clock
        self._starts: collections.deque[float] = collections.deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                wait = max(self._paused_until - now, 0.0)
                if len(self._starts) >= self.limit:
                    wait = max(wait, self._starts[0] + self.window - now)
                if wait <= 0:
                    self._starts.append(now)
                    return
                await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """After a 429: nobody sends for a while."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


# --- tokens ---------------------------------------------------------------------------------------------------


class TokenProvider(Protocol):
    async def token(self) -> str: ...

    async def invalidate(self, token: str) -> None: ...


@dataclass
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    rate_limit_delay: float = 5.0  # the window is 5 s

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


# --- the client -----------------------------------------------------------------------------------------------


def _answer(what: str, *, write: bool = False) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Fortnox's answers are input too: one that is not JSON, is nested without end, or lacks what it must hold
    becomes a typed error with a sentence, never a traceback. After a write, an unreadable answer means the
    write's outcome is unknown (the exporter looks it up before it sends again)."""

    def wrap(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @functools.wraps(method)
        async def read(*args: Any, **kwargs: Any) -> T:
            try:
                return await method(*args, **kwargs)
            except FortnoxError:
                raise
            except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError) as exc:
                reason = f"Fortnox's answer ({what}) could not be read ({type(exc).__name__})"
                if write:
                    raise UnknownOutcome(reason, meaning="Fortnox may have done it: juni-tui looks it up before "
                                         "sending anything again.") from None
                raise Unavailable(reason, meaning="Fortnox answered something juni-tui cannot use; it tries again "
                                  "later. If it keeps happening, check Fortnox's status page.") from None

        return read

    return wrap


def _number(value: Any) -> int:
    """A whole number as Fortnox writes it (an int or its digits); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ValueError(f"not a number: {str(value)[:20]!r}")
    return int(value)


class FortnoxClient:
    def __init__(
        self,
        api_url: str,
        tokens: TokenProvider,
        *,
        http: httpx.AsyncClient | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        on_request: Callable[[str, str, int | None], None] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self.owns_http = http is None
        self.limiter = limiter or RateLimiter()
        self.retry = retry or RetryPolicy()
        self.on_request = on_request  # (method, path, status or None): for statistics and benchmarks
        self.stats = collections.Counter[str]()

    async def aclose(self) -> None:
        if self.owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> "FortnoxClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- transport ---

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        write: bool = False,
    ) -> httpx.Response:
        """Send one request under the rate limit, with retries that never risk a second booking."""
        url = f"{self.api_url}/{path.lstrip('/')}"
        content = dumps(body).encode("utf-8") if body is not None else None
        attempt = 0
        refreshed = False
        while True:
            token = await self.tokens.token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if content is not None:
                headers["Content-Type"] = "application/json"
            await self.limiter.acquire()
            try:
                response = await self.http.request(
                    method, url, params=params, content=content, files=files, headers=headers
                )
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:  # never sent: a setting to correct
                raise bad_address("API", self.api_url, "--api-url", "JUNI_TUI_FORTNOX_API_URL") from exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                self._count(method, path, None, "not-sent")
                error: FortnoxError = NotSent(f"Could not reach Fortnox ({type(exc).__name__}: {exc})")
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                self._count(method, path, None, "no-answer")
                reason = f"No answer from Fortnox ({type(exc).__name__})"
                if write:
                    raise UnknownOutcome(reason) from exc
                error = Unavailable(reason)
            else:
                self._count(method, path, response.status_code, None)
                if response.status_code < 400:
                    return response
                error = error_from_response(response)
                if isinstance(error, AuthError) and response.status_code == 401 and not refreshed:
                    # An expired or revoked access token: nothing was processed. Get a fresh one, once.
                    await self.tokens.invalidate(token)
                    refreshed = True
                    continue
                if isinstance(error, Unavailable) and write:
                    raise UnknownOutcome(f"Fortnox answered {response.status_code} ({error.message})",
                                         status=response.status_code, code=error.code,
                                         meaning=explain(error.code, error.message)) from error
                if not error.retryable:
                    raise error
            # retryable and certainly not booked twice by sending again
            attempt += 1
            if attempt >= self.retry.attempts:
                raise error
            if isinstance(error, RateLimited):
                delay = error.retry_after if error.retry_after is not None else self.retry.rate_limit_delay
                self.limiter.pause(delay + random.uniform(0, 0.5))
            else:
                await asyncio.sleep(self.retry.backoff(attempt))

    def _count(self, method: str, path: str, status: int | None, failure: str | None) -> None:
        self.stats["requests"] += 1
        if status == 429:
            self.stats["429"] += 1
        if failure:
            self.stats[failure] += 1
        if self.on_request:
            self.on_request(method, path, status)

    async def get(self, endpoint: str, /, **params: Any) -> Any:
        response = await self.request("GET", endpoint, params={k: v for k, v in params.items() if v is not None})
        return loads(response.content)

    async def get_all(self, endpoint: str, key: str, /, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated list (500 a page, the most Fortnox allows)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = await self.get(endpoint, limit=spec.MAX_PAGE_LIMIT, page=page, **params)
            items.extend(data.get(key) or [])
            meta = data.get("MetaInformation") or {}
            total_pages = int(meta.get("@TotalPages", 1) or 1)
            if page >= total_pages:
                return items
            page += 1

    async def post(self, endpoint: str, body: Any, /, **params: Any) -> Any:
        response = await self.request("POST", endpoint, params=params or None, body=body, write=True)
        return loads(response.content)

    # --- company and reference data ---

    @_answer("company information")
    async def company_information(self) -> dict[str, Any]:
        return dict((await self.get("companyinformation"))["CompanyInformation"])

    @_answer("financial years")
    async def financial_years(self, on: date | None = None) -> list[FinancialYear]:
        rows = await self.get_all("financialyears", "FinancialYears", date=on.isoformat() if on else None)
        return [FinancialYear(id=r["Id"], from_date=r["FromDate"], to_date=r["ToDate"]) for r in rows]

    @_answer("the locked period")
    async def locked_until(self) -> date | None:
        data = await self.get("settings/lockedperiod")
        end = (data.get("LockedPeriod") or {}).get("EndDate")
        return date.fromisoformat(end) if end else None

    @_answer("voucher series")
    async def voucher_series(self, financial_year: int | None = None) -> list[VoucherSeries]:
        rows = await self.get_all("voucherseries", "VoucherSeriesCollection", financialyear=financial_year)
        return [VoucherSeries(code=r["Code"], description=r.get("Description") or "", manual=bool(r.get("Manual")))
                for r in rows]

    @_answer("the chart of accounts")
    async def accounts(self, financial_year: int | None = None) -> list[Account]:
        rows = await self.get_all("accounts", "Accounts", financialyear=financial_year)
        return [
            Account(
                number=int(r["Number"]),
                description=r.get("Description") or "",
                active=bool(r.get("Active", True)),
                vat_code=r.get("VATCode") or "",
                cost_center_settings=r.get("CostCenterSettings") or "ALLOWED",
                project_settings=r.get("ProjectSettings") or "ALLOWED",
            )
            for r in rows
        ]

    @_answer("cost centers")
    async def cost_centers(self) -> list[CostCenter]:
        rows = await self.get_all("costcenters", "CostCenters")
        return [CostCenter(code=r["Code"], description=r.get("Description") or "", active=bool(r.get("Active", True)))
                for r in rows]

    @_answer("projects")
    async def projects(self) -> list[Project]:
        rows = await self.get_all("projects", "Projects")
        return [
            Project(number=str(r["ProjectNumber"]), description=r.get("Description") or "",
                    active=(r.get("Status") or "ONGOING") != "COMPLETED")
            for r in rows
        ]

    # --- vouchers ---

    @_answer("the voucher just created", write=True)
    async def create_voucher(self, body: dict[str, Any], financial_year: int) -> dict[str, Any]:
        voucher = dict((await self.post("vouchers", body, financialyear=financial_year))["Voucher"])
        voucher["VoucherNumber"], voucher["Year"] = _number(voucher["VoucherNumber"]), _number(voucher["Year"])
        return voucher

    @_answer("the list of vouchers")
    async def list_vouchers(self, series: str, financial_year: int, from_date: date, to_date: date) -> list[dict[str, Any]]:
        items = await self.get_all(
            f"vouchers/sublist/{series}", "Vouchers",
            financialyear=financial_year, fromdate=from_date.isoformat(), todate=to_date.isoformat(),
        )
        return [{**item, "VoucherSeries": str(item["VoucherSeries"]), "VoucherNumber": _number(item["VoucherNumber"]),
                 "Description": str(item.get("Description") or "")} for item in items]

    @_answer("a voucher")
    async def get_voucher(self, series: str, number: int, financial_year: int) -> dict[str, Any]:
        voucher = dict((await self.get(f"vouchers/{series}/{number}", financialyear=financial_year))["Voucher"])
        voucher["VoucherRows"] = [{**row, "Account": _number(row["Account"])} for row in voucher.get("VoucherRows") or []]
        return voucher

    # --- files ---

    @_answer("the file just uploaded", write=True)
    async def upload(self, filename: str, data: bytes, content_type: str,
                     folder: str = spec.VOUCHER_INBOX_FOLDER) -> dict[str, Any]:
        response = await self.request(
            "POST", "inbox", params={"path": folder}, files={"file": (filename, data, content_type)}, write=True
        )
        uploaded = dict(loads(response.content)["File"])
        if not str(uploaded.get("Id") or "").strip():
            raise ValueError("no file id")
        return uploaded

    @_answer("the inbox's files")
    async def inbox_files(self, folder: str = spec.VOUCHER_INBOX_FOLDER) -> list[dict[str, Any]]:
        data = await self.get("inbox", path=folder)
        return list((data.get("Folder") or {}).get("Files") or [])

    @_answer("the receipt's connection", write=True)
    async def connect_file(self, file_id: str, series: str, number: int, financial_year: int) -> dict[str, Any]:
        body = {"VoucherFileConnection": {"FileId": file_id, "VoucherNumber": str(number), "VoucherSeries": series}}
        return (await self.post("voucherfileconnections", body, financialyear=financial_year))["VoucherFileConnection"]

    @_answer("the receipts' connections")
    async def file_connections(self, financial_year: int) -> list[dict[str, Any]]:
        items = await self.get_all("voucherfileconnections", "VoucherFileConnections", financialyear=financial_year)
        return [{**item, "FileId": str(item["FileId"]), "VoucherSeries": str(item["VoucherSeries"]),
                 "VoucherNumber": _number(item["VoucherNumber"])} for item in items]

