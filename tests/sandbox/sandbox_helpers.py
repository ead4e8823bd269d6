"""Helpers for the sandbox tests: a real server on a free loopback port, and httpx clients for it."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, ClientApp, SandboxServer

OTHER_CLIENT = ClientApp(client_id="other-app", client_secret="other-secret",
                         redirect_uris=["http://127.0.0.1:9999/cb"])
TEST_REDIRECT = "http://127.0.0.1:9999/callback"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

VALID_VOUCHER: dict[str, Any] = {
    "Voucher": {
        "VoucherSeries": "K",
        "TransactionDate": "2026-03-14",
        "Description": "Kortköp Adobe 2026-03-14 (tx 9f3c2a)",
        "Comments": "kort ****1234",
        "VoucherRows": [
            {"Account": 6540, "Debit": 1000, "Credit": 0, "Description": "Adobe CC", "TransactionInformation": "Adobe"},
            {"Account": 2640, "Debit": 250, "Credit": 0, "Description": "Ingående moms 25%"},
            {"Account": 2890, "Debit": 0, "Credit": 1250, "Description": "Företagskort"},
        ],
    }
}


def voucher(**fields: Any) -> dict[str, Any]:
    """A valid voucher body for the preselected year (2026), with voucher-level fields replaced."""
    body = copy.deepcopy(VALID_VOUCHER)
    body["Voucher"].update(fields)
    return body


def voucher_with_row(index: int, **fields: Any) -> dict[str, Any]:
    """A valid voucher body with fields of one row replaced (a value of None removes the field)."""
    body = copy.deepcopy(VALID_VOUCHER)
    row = body["Voucher"]["VoucherRows"][index]
    row.update(fields)
    for key in [k for k, v in row.items() if v is None]:
        del row[key]
    return body


class Sandbox:
    """A running sandbox and the clients a test needs."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        # verify=False: plain HTTP on loopback, and it spares each client loading the CA bundle (~30 ms).
        self.http = httpx.Client(base_url=server.base_url, timeout=10, verify=False)
        self.admin = httpx.Client(base_url=server.admin_url, timeout=10, verify=False)
        self._clients: list[httpx.Client] = [self.http, self.admin]
        self._api: httpx.Client | None = None

    @property
    def api(self) -> httpx.Client:
        """A client with a fresh demo token (client credentials)."""
        if self._api is None:
            self._api = self.client(self.client_credentials())
        return self._api

    def client(self, access_token: str | None, timeout: float = 10) -> httpx.Client:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        client = httpx.Client(base_url=self.server.api_url, headers=headers, timeout=timeout, verify=False)
        self._clients.append(client)
        return client

    def token_request(self, data: dict[str, str], auth: tuple[str, str] | None = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
                      headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post("/oauth-v1/token", data=data, auth=auth, headers=headers)

    def client_credentials(self) -> str:
        response = self.token_request({"grant_type": "client_credentials"}, headers={"TenantId": DEMO_TENANT_ID})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def authorize(self, scope: str = "bookkeeping companyinformation", redirect_uri: str = TEST_REDIRECT,
                  client_id: str = DEMO_CLIENT_ID, **extra: str) -> httpx.Response:
        query = {"client_id": client_id, "redirect_uri": redirect_uri, "scope": scope, "state": "xyz",
                 "access_type": "offline", "response_type": "code"} | extra
        return self.http.get("/oauth-v1/auth", params=query, follow_redirects=False)

    def code(self, **kwargs: str) -> str:
        response = self.authorize(**kwargs)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["state"] == ["xyz"]
        return query["code"][0]

    def exchange(self, code: str, redirect_uri: str = TEST_REDIRECT,
                 auth: tuple[str, str] = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self.token_request(data, auth=auth)

    def tokens(self, auth: tuple[str, str] = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), **kwargs: str) -> dict[str, Any]:
        """Access and refresh token from the authorization-code flow."""
        redirect_uri = kwargs.get("redirect_uri", TEST_REDIRECT)
        response = self.exchange(self.code(**kwargs), redirect_uri, auth)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        """Back to the seeded state; the reset also ends the token of ``api``."""
        assert self.admin.post("/reset").status_code == 200
        self._api = None

    def advance(self, seconds: float) -> None:
        assert self.admin.post("/clock", json={"advance": seconds}).status_code == 200

    def set_faults(self, **faults: Any) -> None:
        response = self.admin.put("/faults", json=faults)
        assert response.status_code == 200, response.text

    def booked(self) -> list[dict[str, Any]]:
        return self.admin.get("/state").json()["vouchers"]

    def close(self) -> None:
        for client in self._clients:
            client.close()


def assert_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    info = response.json()["ErrorInformation"]
    assert info["error"] == 1 and info["code"] == code, info
    assert info["message"]
    return info
