"""Every voucher of test_bookkeeping's table, POSTed to the local Fortnox sandbox: all are accepted (201).

And check_voucher agrees with the sandbox: what it finds nothing wrong with is accepted, what it refuses is refused.
One sandbox and one token per test process. The sandbox gets the test-time rate limit the other sandbox tests use
(the pacer still holds the client to it), so no test sleeps on the real clock.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from juni_tui.domain.reference import Account, CostCenter, Project
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, SandboxConfig, SandboxServer
from juni_tui.services import jsonutil
from juni_tui.services.fortnox import spec
from juni_tui.services.vouchers import build_voucher, check_voucher
from tests.conftest import make_tx
from tests.test_bookkeeping import CASES as PLAIN_CASES
from tests.test_bookkeeping import PLAIN, Case
from tests.test_bookkeeping_vat import VAT12_CASES

FINANCIAL_YEAR_2026 = 2  # the sandbox's 2026; every case is dated in 2026
SERIES = "K"  # the sandbox's manual "Kortköp" series
TEST_RATE_LIMIT = 10_000  # requests per window: roomy, as in the exporter's fault tests


class Pacer:
    """At most 25 request starts in any 5 s (plus a margin): the sandbox's rate limit, as Fortnox's."""

    def __init__(self, limit: int = spec.RATE_LIMIT_REQUESTS,
                 window: float = spec.RATE_LIMIT_WINDOW_SECONDS * 1.05) -> None:
        self.limit, self.window = limit, window
        self.starts: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        now = time.monotonic()
        while self.starts and now - self.starts[0] >= self.window:
            self.starts.popleft()
        if len(self.starts) >= self.limit:
            time.sleep(self.starts[0] + self.window - now)
            self.starts.popleft()
        self.starts.append(time.monotonic())


@dataclass
class Fortnox:
    http: httpx.Client
    pacer: Pacer

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(5):
            self.pacer.wait()
            response = self.http.request(method, path, **kwargs)
            if response.status_code != 429:
                return response
            time.sleep(1)  # should not happen with the pacer; if it does, back off rather than fail
        return response

    def post_voucher(self, body: dict[str, Any]) -> httpx.Response:
        return self.request("POST", "/vouchers", params={"financialyear": FINANCIAL_YEAR_2026},
                            content=jsonutil.dumps(body), headers={"Content-Type": "application/json"})

    def get(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        response = self.request("GET", path, params={"limit": 500, **params})
        assert response.status_code == 200, response.text
        return jsonutil.loads(response.content)[key]


@pytest.fixture(scope="module")
def fortnox() -> Iterator[Fortnox]:
    with SandboxServer(SandboxConfig(rate_limit_requests=TEST_RATE_LIMIT)) as sandbox, \
            httpx.Client(timeout=10) as auth:
        response = auth.post(f"{sandbox.auth_url}/token", data={"grant_type": "client_credentials"},
                             auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": DEMO_TENANT_ID})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        with httpx.Client(base_url=sandbox.api_url, timeout=10,
                          headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}) as http:
            yield Fortnox(http, Pacer(limit=TEST_RATE_LIMIT))


@pytest.fixture(scope="module")
def lists(fortnox: Fortnox) -> tuple[dict[int, Account], dict[str, CostCenter], dict[str, Project]]:
    """The sandbox company's chart, cost centers and projects, as check_voucher takes them."""
    accounts = {
        int(a["Number"]): Account(number=int(a["Number"]), description=a["Description"], active=a["Active"],
                                  cost_center_settings=a["CostCenterSettings"], project_settings=a["ProjectSettings"])
        for a in fortnox.get("/accounts", "Accounts", financialyear=FINANCIAL_YEAR_2026)
    }
    cost_centers = {c["Code"]: CostCenter(code=c["Code"], active=c["Active"])
                    for c in fortnox.get("/costcenters", "CostCenters")}
    projects = {str(p["ProjectNumber"]): Project(number=str(p["ProjectNumber"]), active=p["Status"] != "COMPLETED")
                for p in fortnox.get("/projects", "Projects")}
    return accounts, cost_centers, projects


# Cases in small chunks, so that two test processes (each with its own sandbox) share the work evenly.
CHUNK = 12
CASES = PLAIN_CASES + VAT12_CASES  # every case of both tables
CHUNKS = [CASES[i:i + CHUNK] for i in range(0, len(CASES), CHUNK)]


def _sent_rows(rows: list[dict[str, Any]]) -> list[tuple[int, Decimal, Decimal]]:
    return [(int(r["Account"]), Decimal(str(r["Debit"])).quantize(Decimal("0.01")),
             Decimal(str(r["Credit"])).quantize(Decimal("0.01"))) for r in rows]


@pytest.mark.parametrize("chunk", CHUNKS, ids=lambda chunk: f"{chunk[0].name}..{chunk[-1].name}")
def test_every_case_is_accepted_by_the_sandbox_as_sent(fortnox: Fortnox, chunk: list[Case]):
    refused = []
    for case in chunk:
        body = build_voucher(case.tx, case.settings, SERIES).to_fortnox()
        response = fortnox.post_voucher(body)
        if response.status_code != 201:
            refused.append(f"{case.name}: {response.status_code} {response.text}")
            continue
        booked = jsonutil.loads(response.content)["Voucher"]
        assert booked["VoucherNumber"] >= 1 and booked["Year"] == FINANCIAL_YEAR_2026
        assert booked["Description"] == body["Voucher"]["Description"], case.name
        assert _sent_rows(booked["VoucherRows"]) == _sent_rows(body["Voucher"]["VoucherRows"]), case.name
    assert refused == []


def test_check_voucher_finds_nothing_wrong_with_any_case(lists):
    accounts, cost_centers, projects = lists
    for case in CASES:
        assert check_voucher(build_voucher(case.tx, case.settings, SERIES), accounts, cost_centers, projects) == [], \
            case.name


BAD: list[tuple[str, Transaction]] = [
    ("inactive account", make_tx("bad-1", account=5460, vat_code=VatCode.VAT25)),
    ("unknown account", make_tx("bad-2", account=5999, vat_code=VatCode.VAT25)),
    ("cost center mandatory", make_tx("bad-3", account=7010, vat_code=VatCode.NONE)),
    ("project mandatory", make_tx("bad-4", account=4010, vat_code=VatCode.VAT25)),
    ("inactive cost center", make_tx("bad-5", account=5410, vat_code=VatCode.VAT25, cost_center="900")),
    ("completed project", make_tx("bad-6", account=5410, vat_code=VatCode.VAT25, project="3")),
    ("unknown cost center", make_tx("bad-7", account=5410, vat_code=VatCode.VAT25, cost_center="999")),
]


@pytest.mark.parametrize(("what", "tx"), BAD, ids=[what for what, _ in BAD])
def test_what_check_voucher_refuses_the_sandbox_refuses_too(fortnox: Fortnox, lists, what: str, tx: Transaction):
    voucher = build_voucher(tx, PLAIN, SERIES)
    assert check_voucher(voucher, *lists) != []
    response = fortnox.post_voucher(voucher.to_fortnox())
    assert response.status_code == 400, response.text
