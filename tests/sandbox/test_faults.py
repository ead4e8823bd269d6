"""Faults on demand: latency, 5xx before and after a commit, 429 bursts, dropped and hanging connections after a
commit, revoked consents and expired tokens. Shares are 1.0 or seeded, so nothing here is flaky."""

from __future__ import annotations

import time

import httpx
import pytest

from juni_tui.sandbox import DEMO_CLIENT_ID
from juni_tui.services.fortnox import spec
from tests.sandbox.sandbox_helpers import PDF_BYTES, VALID_VOUCHER, Sandbox, assert_error


def post_voucher(sandbox: Sandbox, client: httpx.Client | None = None) -> httpx.Response:
    return (client or sandbox.api).post("/vouchers", json=VALID_VOUCHER)


def test_latency_delays_answers_on_the_targeted_paths_only(sandbox: Sandbox) -> None:
    sandbox.set_faults(latency_ms=300, paths=["vouchers"])
    started = time.perf_counter()
    assert sandbox.api.get("/vouchers").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert sandbox.api.get("/accounts", params={"limit": 1}).status_code == 200
    assert time.perf_counter() - started < 0.3


@pytest.mark.parametrize("status", [500, 503])
def test_error_before_processing_books_nothing(sandbox: Sandbox, status: int) -> None:
    sandbox.set_faults(error_rate=1.0, error_statuses=[status])
    assert post_voucher(sandbox).status_code == status
    assert sandbox.booked() == []


def test_error_after_commit_books_the_voucher_and_answers_500(sandbox: Sandbox) -> None:
    sandbox.set_faults(error_after_commit_rate=1.0)
    assert_error(post_voucher(sandbox), 500, spec.SYSTEM_EXCEPTION_CODE)
    assert [v["VoucherNumber"] for v in sandbox.booked()] == [1]
    assert sandbox.api.get("/vouchers").status_code == 200  # reads are not writes


def test_rate_limit_burst_gives_the_next_n_requests_429(sandbox: Sandbox) -> None:
    sandbox.set_faults(rate_limit_burst=3)
    statuses = [sandbox.api.get("/accounts", params={"limit": 1}).status_code for _ in range(4)]
    assert statuses == [429, 429, 429, 200]
    assert sandbox.admin.get("/stats").json()["faults"]["rate_limit_burst"] == 3


def test_rate_limit_burst_rate_gives_429(sandbox: Sandbox) -> None:
    sandbox.set_faults(rate_limit_burst_rate=1.0)
    response = post_voucher(sandbox)
    assert response.status_code == 429 and sandbox.booked() == []


def test_dropped_connection_after_commit_raises_and_the_voucher_exists(sandbox: Sandbox) -> None:
    sandbox.set_faults(drop_after_commit_rate=1.0, paths=["vouchers"])
    with pytest.raises(httpx.RemoteProtocolError):
        post_voucher(sandbox)
    assert [v["VoucherNumber"] for v in sandbox.booked()] == [1]
    # Looking before retrying finds it.
    assert [v["VoucherNumber"] for v in sandbox.api.get("/vouchers/sublist/K").json()["Vouchers"]] == [1]
    assert sandbox.admin.get("/stats").json()["faults"]["drop_after_commit"] == 1


def test_dropped_connection_after_an_upload_keeps_the_file(sandbox: Sandbox) -> None:
    sandbox.set_faults(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        sandbox.api.post("/inbox", params={"path": "inbox_v"}, files={"file": ("a.pdf", PDF_BYTES)})
    assert [f["Name"] for f in sandbox.admin.get("/state").json()["files"]] == ["a.pdf"]


def test_hang_after_commit_times_the_client_out_and_the_voucher_exists(sandbox: Sandbox) -> None:
    sandbox.set_faults(hang_after_commit_rate=1.0, hang_seconds=1.0)
    impatient = sandbox.client(sandbox.client_credentials(), timeout=0.2)
    with pytest.raises(httpx.ReadTimeout):
        post_voucher(sandbox, impatient)
    assert len(sandbox.booked()) == 1


def test_faults_can_target_one_fault_at_a_path(sandbox: Sandbox) -> None:
    sandbox.set_faults(error_rate=1.0, latency_ms=1, paths_by_fault={"error": ["/3/vouchers"]})
    assert sandbox.api.get("/accounts", params={"limit": 1}).status_code == 200
    assert sandbox.api.get("/vouchers").status_code in (500, 503)


def test_share_based_faults_repeat_with_the_seed(sandbox: Sandbox) -> None:
    def run() -> list[int]:
        sandbox.reset()
        sandbox.set_faults(error_rate=0.5)
        return [sandbox.api.get("/accounts", params={"limit": 1}).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert 200 in first and {500, 503} & set(first)


def test_faults_settings_round_trip_and_reject_unknown_fields(sandbox: Sandbox) -> None:
    sandbox.set_faults(error_rate=0.25, paths=["vouchers"])
    faults = sandbox.admin.get("/faults").json()
    assert faults["error_rate"] == 0.25 and faults["paths"] == ["vouchers"] and faults["latency_ms"] == 0
    assert sandbox.admin.put("/faults", json={"eror_rate": 1}).status_code == 400
    assert sandbox.admin.put("/faults", json={"error_rate": 2}).status_code == 400


def test_reset_turns_faults_back_off(sandbox: Sandbox) -> None:
    sandbox.set_faults(error_rate=1.0)
    sandbox.reset()
    assert sandbox.api.get("/accounts", params={"limit": 1}).status_code == 200


def test_faults_from_the_config_apply_from_the_start(make_sandbox) -> None:
    sandbox = make_sandbox(faults={"error_rate": 1.0, "error_statuses": [503]})
    assert sandbox.api.get("/vouchers").status_code == 503


# --- revocation and expiry via the admin path ---------------------------------------------------------------
def test_admin_revoke_of_a_token_ends_its_consent(sandbox: Sandbox) -> None:
    tokens = sandbox.tokens()
    api = sandbox.client(tokens["access_token"])
    assert sandbox.admin.post("/revoke", json={"token": tokens["access_token"]}).json() == {"revoked": 1}
    assert_error(api.get("/accounts"), 401, spec.INVALID_LOGIN_CODE)
    refreshed = sandbox.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant"
    assert sandbox.api.get("/accounts", params={"limit": 1}).status_code == 200  # another consent


def test_admin_revoke_of_the_service_account_stops_client_credentials(sandbox: Sandbox) -> None:
    api = sandbox.api
    assert sandbox.admin.post("/revoke", json={"client_id": DEMO_CLIENT_ID}).json()["revoked"] >= 1
    assert_error(api.get("/accounts"), 401, spec.INVALID_LOGIN_CODE)
    assert sandbox.token_request({"grant_type": "client_credentials"},
                                 headers={"TenantId": "1234567"}).status_code == 400


def test_expire_tokens_ends_access_tokens_but_not_consents(sandbox: Sandbox) -> None:
    api = sandbox.api
    tokens = sandbox.tokens()
    assert sandbox.admin.post("/expire-tokens").json()["expired"] == 2
    assert_error(api.get("/accounts"), 401, spec.INVALID_LOGIN_CODE)
    assert sandbox.client(sandbox.client_credentials()).get("/accounts").status_code == 200
    refreshed = sandbox.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
