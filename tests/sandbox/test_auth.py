"""OAuth at /oauth-v1 and the Bearer check on /3/."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx

from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
from juni_tui.services.fortnox import spec
from tests.sandbox.sandbox_helpers import OTHER_CLIENT, TEST_REDIRECT, Sandbox, assert_error

CC = {"grant_type": "client_credentials"}
TENANT = {"TenantId": DEMO_TENANT_ID}


def redirect_query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


# --- /token: client authentication --------------------------------------------------------------------------
def test_token_without_basic_auth_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.token_request(CC, auth=None, headers=TENANT)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_token_with_wrong_secret_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.token_request(CC, auth=(DEMO_CLIENT_ID, "wrong"), headers=TENANT)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_token_with_credentials_in_the_body_instead_of_basic_auth_is_rejected(sandbox: Sandbox) -> None:
    data = CC | {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    assert sandbox.token_request(data, auth=None, headers=TENANT).status_code == 401


def test_token_with_json_body_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.http.post("/oauth-v1/token", json=CC, auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
                          headers=TENANT)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_unknown_grant_type_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.token_request({"grant_type": "password"}, headers=TENANT)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


# --- client credentials -------------------------------------------------------------------------------------
def test_client_credentials_gives_a_bearer_token_without_refresh_token(sandbox: Sandbox) -> None:
    response = sandbox.token_request(CC, headers=TENANT)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert "refresh_token" not in body and "bookkeeping" in body["scope"].split(" ")
    assert sandbox.client(body["access_token"]).get("/companyinformation").status_code == 200


def test_access_token_is_jwt_shaped_with_tenant_and_client(sandbox: Sandbox) -> None:
    header, payload, signature = sandbox.client_credentials().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["tenantId"] == int(DEMO_TENANT_ID) and claims["clientId"] == DEMO_CLIENT_ID
    assert claims["exp"] > claims["iat"] and signature


def test_client_credentials_without_tenant_id_header_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.token_request(CC)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_client_credentials_for_a_tenant_without_consent_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.token_request(CC, headers={"TenantId": "7654321"})
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


def test_client_credentials_needs_a_service_account_consent(sandbox: Sandbox) -> None:
    other = (OTHER_CLIENT.client_id, OTHER_CLIENT.client_secret)
    assert sandbox.token_request(CC, auth=other, headers=TENANT).status_code == 400
    sandbox.code(client_id=OTHER_CLIENT.client_id, redirect_uri=OTHER_CLIENT.redirect_uris[0], account_type="service")
    assert sandbox.token_request(CC, auth=other, headers=TENANT).status_code == 200


# --- authorization code -------------------------------------------------------------------------------------
def test_auth_redirects_with_code_and_state(sandbox: Sandbox) -> None:
    query = redirect_query(sandbox.authorize())
    assert query["state"] == ["xyz"] and query["code"][0]


def test_authorization_code_gives_access_and_refresh_token(sandbox: Sandbox) -> None:
    tokens = sandbox.tokens(scope="bookkeeping companyinformation")
    assert tokens["refresh_token"] and tokens["scope"] == "bookkeeping companyinformation"
    assert sandbox.client(tokens["access_token"]).get("/accounts").status_code == 200


def test_authorization_code_is_single_use(sandbox: Sandbox) -> None:
    code = sandbox.code()
    assert sandbox.exchange(code).status_code == 200
    response = sandbox.exchange(code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_authorization_code_expires_after_ten_minutes(sandbox: Sandbox) -> None:
    fresh, stale = sandbox.code(), sandbox.code()
    sandbox.advance(599)
    assert sandbox.exchange(fresh).status_code == 200
    sandbox.advance(2)
    response = sandbox.exchange(stale)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_token_redirect_uri_must_equal_the_one_at_auth(sandbox: Sandbox) -> None:
    response = sandbox.exchange(sandbox.code(), redirect_uri="http://localhost:8719/callback")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_code_of_another_client_is_rejected(sandbox: Sandbox) -> None:
    code = sandbox.code()
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": TEST_REDIRECT}
    response = sandbox.token_request(data, auth=(OTHER_CLIENT.client_id, OTHER_CLIENT.client_secret))
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_auth_with_unregistered_redirect_uri_does_not_redirect(sandbox: Sandbox) -> None:
    for uri in ("http://127.0.0.1:9999/callback/", "http://evil.example/callback", "http://localhost:8719/callback"):
        assert sandbox.authorize(redirect_uri=uri).status_code == 400


def test_auth_with_unknown_client_is_rejected(sandbox: Sandbox) -> None:
    assert sandbox.authorize(client_id="nobody").status_code == 400


def test_auth_with_unknown_or_miscased_scope_redirects_with_invalid_scope(sandbox: Sandbox) -> None:
    for scope in ("bookkeeping vouchers", "Bookkeeping", ""):
        assert redirect_query(sandbox.authorize(scope=scope))["error"] == ["invalid_scope"]


def test_auth_requires_response_type_code_and_state(sandbox: Sandbox) -> None:
    assert redirect_query(sandbox.authorize(response_type="token"))["error"] == ["unsupported_response_type"]
    assert redirect_query(sandbox.authorize(state=""))["error"] == ["invalid_request"]


def test_without_offline_access_there_is_no_refresh_token(sandbox: Sandbox) -> None:
    assert "refresh_token" not in sandbox.tokens(access_type="online")


# --- refresh tokens -----------------------------------------------------------------------------------------
def refresh(sandbox: Sandbox, token: str, auth: tuple[str, str] = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)) -> httpx.Response:
    return sandbox.token_request({"grant_type": "refresh_token", "refresh_token": token}, auth=auth)


def test_refresh_rotates_the_refresh_token(sandbox: Sandbox) -> None:
    first = sandbox.tokens()
    second = refresh(sandbox, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert refresh(sandbox, second["refresh_token"]).status_code == 200


def test_reused_refresh_token_is_rejected(sandbox: Sandbox) -> None:
    token = sandbox.tokens()["refresh_token"]
    assert refresh(sandbox, token).status_code == 200
    response = refresh(sandbox, token)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_refresh_token_expires_after_45_days(sandbox: Sandbox) -> None:
    token = sandbox.tokens()["refresh_token"]
    sandbox.advance(45 * 24 * 3600 + 1)
    assert refresh(sandbox, token).json()["error"] == "invalid_grant"


def test_refresh_token_of_another_client_is_rejected(sandbox: Sandbox) -> None:
    token = sandbox.tokens()["refresh_token"]
    response = refresh(sandbox, token, auth=(OTHER_CLIENT.client_id, OTHER_CLIENT.client_secret))
    assert response.json()["error"] == "invalid_grant"


# --- revoke -------------------------------------------------------------------------------------------------
def revoke(sandbox: Sandbox, token: str, auth: tuple[str, str] | None = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)):
    return sandbox.http.post("/oauth-v1/revoke", auth=auth,
                      data={"token_type_hint": "refresh_token", "token": token})


def test_revoking_the_refresh_token_ends_the_consent(sandbox: Sandbox) -> None:
    tokens = sandbox.tokens()
    api = sandbox.client(tokens["access_token"])
    assert api.get("/accounts").status_code == 200
    response = revoke(sandbox, tokens["refresh_token"])
    assert response.status_code == 200 and response.json() == {"revoked": True}
    assert_error(api.get("/accounts"), 401, spec.INVALID_LOGIN_CODE)
    assert refresh(sandbox, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoke_requires_basic_auth(sandbox: Sandbox) -> None:
    tokens = sandbox.tokens()
    assert revoke(sandbox, tokens["refresh_token"], auth=None).status_code == 401
    assert refresh(sandbox, tokens["refresh_token"]).status_code == 200


# --- the Bearer check ---------------------------------------------------------------------------------------
def test_api_call_without_token_is_rejected(sandbox: Sandbox) -> None:
    assert_error(sandbox.client(None).get("/accounts"), 401, spec.MISSING_CREDENTIALS_CODE)


def test_api_call_with_unknown_token_is_rejected(sandbox: Sandbox) -> None:
    assert_error(sandbox.client("not-a-token").get("/accounts"), 401, spec.INVALID_LOGIN_CODE)


def test_legacy_access_token_headers_are_not_accepted(sandbox: Sandbox) -> None:
    response = sandbox.http.get("/3/accounts",
                         headers={"Access-Token": sandbox.client_credentials(), "Client-Secret": DEMO_CLIENT_SECRET})
    assert_error(response, 401, spec.MISSING_CREDENTIALS_CODE)


def test_access_token_expires_after_its_lifetime(make_sandbox) -> None:
    sandbox = make_sandbox(access_token_ttl=60)
    response = sandbox.token_request(CC, headers=TENANT)
    assert response.json()["expires_in"] == 60
    api = sandbox.client(response.json()["access_token"])
    sandbox.advance(59)
    assert api.get("/accounts").status_code == 200
    sandbox.advance(2)
    assert_error(api.get("/accounts"), 401, spec.INVALID_LOGIN_CODE)


def test_endpoint_needs_its_scope(sandbox: Sandbox) -> None:
    api = sandbox.client(sandbox.tokens(scope="bookkeeping")["access_token"])
    assert api.get("/accounts").status_code == 200
    for path in ("/companyinformation", "/inbox", "/settings/lockedperiod", "/costcenters", "/projects",
                 "/voucherfileconnections"):
        assert_error(api.get(path), 403, spec.NOT_AUTHORIZED_FOR_SCOPE_CODE)
