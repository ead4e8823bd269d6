"""The rate limit: 25 requests in any 5 seconds per client id and tenant, a sliding window, HTTP 429."""

from __future__ import annotations

from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_TENANT_ID
from tests.sandbox.sandbox_helpers import OTHER_CLIENT, PDF_BYTES, Sandbox

DEMO_KEY = f"{DEMO_CLIENT_ID}/{DEMO_TENANT_ID}"


def spend(sandbox: Sandbox, n: int) -> None:
    for _ in range(n):
        response = sandbox.api.get("/settings/lockedperiod")
        assert response.status_code == 200, response.text


def test_26th_request_within_5_seconds_gets_429(sandbox: Sandbox) -> None:
    spend(sandbox, 25)
    response = sandbox.api.get("/settings/lockedperiod")
    assert response.status_code == 429 and "message" in response.json()
    assert "retry-after" not in response.headers  # Fortnox may not send it


def test_new_access_token_does_not_reset_the_window(sandbox: Sandbox) -> None:
    spend(sandbox, 25)
    fresh = sandbox.client(sandbox.client_credentials())
    assert fresh.get("/settings/lockedperiod").status_code == 429


def test_another_client_has_its_own_window(sandbox: Sandbox) -> None:
    spend(sandbox, 25)
    other = sandbox.tokens(client_id=OTHER_CLIENT.client_id, redirect_uri=OTHER_CLIENT.redirect_uris[0],
                           auth=(OTHER_CLIENT.client_id, OTHER_CLIENT.client_secret))
    assert sandbox.client(other["access_token"]).get("/accounts").status_code == 200


def test_the_window_slides(sandbox: Sandbox) -> None:
    spend(sandbox, 10)
    sandbox.advance(3)
    spend(sandbox, 15)
    assert sandbox.api.get("/settings/lockedperiod").status_code == 429
    sandbox.advance(2.5)  # the first 10 are now older than 5 s; the other 15 are not
    spend(sandbox, 10)
    assert sandbox.api.get("/settings/lockedperiod").status_code == 429
    sandbox.advance(3)
    spend(sandbox, 15)


def test_uploads_and_errors_count_too(sandbox: Sandbox) -> None:
    spend(sandbox, 22)
    assert sandbox.api.get("/nope").status_code == 404
    assert sandbox.api.post("/vouchers", json={}).status_code == 400
    upload = sandbox.api.post("/inbox", params={"path": "inbox_v"}, files={"file": ("a.pdf", PDF_BYTES)})
    assert upload.status_code == 201
    assert sandbox.api.get("/settings/lockedperiod").status_code == 429


def test_stats_count_requests_and_429s_per_key(sandbox: Sandbox) -> None:
    spend(sandbox, 25)
    sandbox.api.get("/settings/lockedperiod")
    sandbox.api.get("/settings/lockedperiod")
    stats = sandbox.admin.get("/stats").json()
    assert stats["requests"][DEMO_KEY] == {"requests": 27, "rate_limited": 2}
    assert stats["totals"] == {"requests": 27, "rate_limited": 2}


def test_retry_after_is_sent_only_when_configured(make_sandbox) -> None:
    sandbox = make_sandbox(send_retry_after=True, rate_limit_requests=3, rate_limit_window=10)
    spend(sandbox, 3)
    response = sandbox.api.get("/settings/lockedperiod")
    assert response.status_code == 429 and 1 <= int(response.headers["retry-after"]) <= 10
