"""The client's error handling, narrowly, with httpx.MockTransport. Everything else runs against the sandbox."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from decimal import Decimal

import httpx
import pytest

from juni_tui.services.fortnox.client import FortnoxClient, RateLimiter, RetryPolicy
from juni_tui.services.fortnox.errors import FortnoxRejected, UnknownOutcome


class StaticTokens:
    def __init__(self) -> None:
        self.issued = 0
        self.current = "t0"

    async def token(self) -> str:
        return self.current

    async def invalidate(self, token: str) -> None:
        self.issued += 1
        self.current = f"t{self.issued}"


def client_for(handler, **kwargs) -> tuple[FortnoxClient, StaticTokens]:
    tokens = StaticTokens()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    retry = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.002, rate_limit_delay=0.01)
    return FortnoxClient("https://api.example/3", tokens, http=http, retry=retry, **kwargs), tokens


VOUCHER = {"Voucher": {"VoucherSeries": "K", "TransactionDate": "2026-10-05", "Description": "x",
                       "VoucherRows": [{"Account": 6540, "Debit": Decimal("1234.50"), "Credit": Decimal("0.00")}]}}


async def test_a_429_is_waited_out_and_retried_with_retry_after():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.2"}, json={"message": "Too many requests"})
        return httpx.Response(200, json={"CompanyInformation": {"CompanyName": "AB"}})

    client, _ = client_for(handler)
    info = await client.company_information()
    assert info["CompanyName"] == "AB"
    assert calls[1] - calls[0] >= 0.2
    assert client.stats["429"] == 1


async def test_a_voucher_post_that_gets_no_answer_is_never_resent_blindly():
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        posts.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = client_for(handler)
    with pytest.raises(UnknownOutcome):
        await client.create_voucher(VOUCHER, 2)
    assert len(posts) == 1


async def test_a_5xx_on_a_post_is_an_unknown_outcome_but_a_5xx_on_a_get_is_retried():
    seen = {"POST": 0, "GET": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.method] += 1
        if request.method == "GET" and seen["GET"] > 2:
            return httpx.Response(200, json={"LockedPeriod": {"EndDate": "2025-06-30"}})
        return httpx.Response(503, json={"message": "unavailable"})

    client, _ = client_for(handler)
    with pytest.raises(UnknownOutcome):
        await client.create_voucher(VOUCHER, 2)
    assert seen["POST"] == 1
    assert str(await client.locked_until()) == "2025-06-30"
    assert seen["GET"] == 3


async def test_a_post_that_could_not_connect_is_sent_again():
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json={"Voucher": {"VoucherNumber": 7, "Year": 2}})

    client, _ = client_for(handler)
    assert (await client.create_voucher(VOUCHER, 2))["VoucherNumber"] == 7
    assert len(attempts) == 3


async def test_a_refusal_carries_fortnox_message_code_and_what_it_means():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"ErrorInformation": {
            "error": 1, "message": "Bokföringsperiod är låst t.o.m. 2025-06-30", "code": 2000401}})

    client, _ = client_for(handler)
    with pytest.raises(FortnoxRejected) as excinfo:
        await client.create_voucher(VOUCHER, 1)
    assert excinfo.value.code == 2000401
    assert "locked" in excinfo.value.meaning


async def test_an_expired_token_is_replaced_once_and_the_request_repeated():
    auths = []

    def handler(request: httpx.Request) -> httpx.Response:
        auths.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer t0":
            return httpx.Response(401, json={"message": "unauthorized"})
        return httpx.Response(201, json={"Voucher": {"VoucherNumber": 1, "Year": 2}})

    client, tokens = client_for(handler)
    await client.create_voucher(VOUCHER, 2)
    assert auths == ["Bearer t0", "Bearer t1"]


async def test_money_is_sent_as_exact_json_numbers():
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content.decode())
        return httpx.Response(201, json={"Voucher": {"VoucherNumber": 1, "Year": 2}})

    client, _ = client_for(handler)
    await client.create_voucher(VOUCHER, 2)
    assert '"Debit": 1234.50' in bodies[0]
    assert json.loads(bodies[0])["Voucher"]["VoucherRows"][0]["Account"] == 6540


async def test_the_rate_limiter_never_starts_more_than_the_limit_in_a_window():
    limiter = RateLimiter(limit=5, window=0.5, margin=0.0)
    starts = []

    async def one():
        await limiter.acquire()
        starts.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(12)))
    starts.sort()
    for i in range(len(starts) - 5):
        assert starts[i + 5] - starts[i] >= 0.5 - 1e-3
    assert starts[-1] - starts[0] >= 1.0  # 12 requests at 5 per 0.5 s take at least two full windows


# --- Fortnox's answers are input too ---------------------------------------------------------------------------


UNREADABLE = [
    b"<html>Bad gateway</html>",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"Voucher": {"VoucherNumber": ' + b"9" * 5000 + b', "Year": 2}}',
    b'{"Voucher": {"VoucherNumber": "abc", "Year": 2}}',
    b'{"Voucher": []}',
    b"[]",
]


@pytest.mark.parametrize("answer", UNREADABLE, ids=["html", "nested", "5000 digits", "not a number", "list", "array"])
async def test_an_unreadable_answer_to_a_voucher_post_is_an_unknown_outcome_not_a_traceback(answer):
    client, _ = client_for(lambda request: httpx.Response(201, content=answer))
    with pytest.raises(UnknownOutcome, match="could not be read"):
        await client.create_voucher(VOUCHER, 2)


@pytest.mark.parametrize("answer", [
    b"not json", b"{" * 50_000, b'{"Vouchers": [{"VoucherSeries": "K"}]}', b'{"Vouchers": "x"}',
    b'{"Vouchers": [{"VoucherSeries": "K", "VoucherNumber": [1]}]}',
], ids=["text", "nested", "no number", "not a list", "number a list"])
async def test_an_unreadable_list_is_a_retryable_error_with_a_sentence(answer):
    from juni_tui.services.fortnox.errors import Unavailable

    client, _ = client_for(lambda request: httpx.Response(200, content=answer))
    with pytest.raises(Unavailable, match="could not be read") as raised:
        await client.list_vouchers("K", 2, date(2026, 9, 1), date(2026, 9, 30))
    assert raised.value.retryable and raised.value.meaning


async def test_a_chart_of_accounts_with_a_broken_row_is_a_sentence():
    from juni_tui.services.fortnox.errors import Unavailable

    answer = {"Accounts": [{"Number": "not-a-number"}], "MetaInformation": {"@TotalPages": 1}}
    client, _ = client_for(lambda request: httpx.Response(200, json=answer))
    with pytest.raises(Unavailable, match="chart of accounts"):
        await client.accounts(2)
