"""The read endpoints: company, years, settings, series, accounts, cost centers, projects; lists and routes."""

from __future__ import annotations

import httpx
import pytest

from juni_tui.sandbox import create_app
from juni_tui.services.fortnox import spec
from tests.sandbox.sandbox_helpers import Sandbox, assert_error

REQUIRED_ACCOUNTS = [
    1910, 1930, 1940, 2440, 2610, 2611, 2614, 2615, 2617, 2620, 2630, 2640, 2641, 2645, 2647, 2650, 2890, 2893, 3001,
    3041, 4010, 4515, 4531, 4535, 4545, 4598, 5010, 5410, 5420, 5460, 5611, 5800, 5810, 5811, 5831, 5890, 6071, 6072,
    6110, 6211, 6212, 6230, 6250, 6310, 6530, 6540, 6550, 6570, 6990, 6991, 6992, 7010, 7631, 7632, 8310, 8410,
]


def all_accounts(sandbox: Sandbox) -> dict[int, dict]:
    body = sandbox.api.get("/accounts", params={"limit": 500}).json()
    return {a["Number"]: a for a in body["Accounts"]}


def test_company_information_names_the_demo_company(sandbox: Sandbox) -> None:
    info = sandbox.api.get("/companyinformation").json()["CompanyInformation"]
    assert info["CompanyName"] == "Nordljus Konsult AB" and info["OrganizationNumber"] == "559123-4561"
    assert str(info["DatabaseNumber"]) == "1234567"


def test_financial_years_list_uses_the_account_charts_quirk(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/financialyears").json()
    years = body["FinancialYears"]
    assert [(y["Id"], y["FromDate"], y["ToDate"]) for y in years] == [
        (1, "2025-01-01", "2025-12-31"), (2, "2026-01-01", "2026-12-31")]
    assert all("accountCharts" in y and "AccountChartType" not in y for y in years)
    single = sandbox.api.get("/financialyears/1").json()["FinancialYear"]
    assert "AccountChartType" in single and "accountCharts" not in single


def test_financial_years_filter_by_date(sandbox: Sandbox) -> None:
    assert [y["Id"] for y in sandbox.api.get("/financialyears", params={"date": "2025-03-14"}).json()[
        "FinancialYears"]] == [1]
    assert sandbox.api.get("/financialyears", params={"date": "2024-03-14"}).json()["FinancialYears"] == []


def test_locked_period_ends_mid_2025(sandbox: Sandbox) -> None:
    assert sandbox.api.get("/settings/lockedperiod").json() == {"LockedPeriod": {"EndDate": "2025-06-30"}}


def test_voucher_series_are_per_year_with_manual_flags(sandbox: Sandbox) -> None:
    series = sandbox.api.get("/voucherseries", params={"financialyear": 1}).json()["VoucherSeriesCollection"]
    manual = {s["Code"]: s["Manual"] for s in series}
    assert manual["A"] and manual["K"] and not manual["B"]
    assert {s["Year"] for s in series} == {1}
    k = sandbox.api.get("/voucherseries/K").json()["VoucherSeries"]
    assert k["Description"] == "Kortköp" and k["NextVoucherNumber"] == 1 and k["Year"] == 2


def test_chart_of_accounts_is_a_realistic_bas_chart(sandbox: Sandbox) -> None:
    accounts = all_accounts(sandbox)
    assert len(accounts) >= 200 and list(accounts) == sorted(accounts)
    assert {str(n)[0] for n in accounts} == set("12345678")
    assert [n for n in REQUIRED_ACCOUNTS if n not in accounts] == []
    assert not accounts[5460]["Active"] and not accounts[6250]["Active"] and accounts[6540]["Active"]
    assert accounts[7010]["CostCenterSettings"] == "MANDATORY"
    assert accounts[4010]["ProjectSettings"] == "MANDATORY"
    assert accounts[1930]["CostCenterSettings"] == accounts[2640]["CostCenterSettings"] == "NOTALLOWED"
    assert accounts[1930]["Description"] == "Företagskonto/checkkonto/affärskonto"


@pytest.mark.parametrize("number, code", [
    (6540, "I"), (5410, "I"), (5831, "I12"), (7631, "I12"), (5811, "I6"), (6570, "MF"), (6310, "MF"), (5810, "MF"),
    (6072, "MF"), (7632, "MF"), (4535, "ITEU"), (4531, "ITGLOB"), (4515, "IVEU"), (4545, ""), (4549, ""), (2624, ""), (4537, "ITEU"),
        (4533, "ITGLOB"), (3001, "MP1"),
    (3002, "MP2"), (3003, "MP3"), (2640, ""), (2890, ""), (1930, ""),
])
def test_accounts_carry_the_vat_codes_the_app_maps(sandbox: Sandbox, number: int, code: str) -> None:
    account = sandbox.api.get(f"/accounts/{number}").json()["Account"]
    assert account["VATCode"] == code and account["Number"] == number and account["Year"] == 2


def test_unknown_account_is_not_found(sandbox: Sandbox) -> None:
    assert_error(sandbox.api.get("/accounts/6541"), 404, spec.ACCOUNT_NOT_FOUND_CODE)


def test_cost_centers_and_projects_include_inactive_and_completed(sandbox: Sandbox) -> None:
    centers = sandbox.api.get("/costcenters").json()["CostCenters"]
    assert {"Code", "Description", "Note", "Active"} <= set(centers[0])
    assert any(not c["Active"] for c in centers) and any(c["Active"] for c in centers)
    projects = sandbox.api.get("/projects").json()["Projects"]
    assert {"ProjectNumber", "Description", "Status", "StartDate", "EndDate"} <= set(projects[0])
    assert "COMPLETED" in {p["Status"] for p in projects}
    assert sandbox.api.get("/costcenters/100").json()["CostCenter"]["Description"] == "Ledning"


# --- pagination ---------------------------------------------------------------------------------------------
def test_lists_default_to_100_per_page_with_meta_information(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/accounts").json()
    total = body["MetaInformation"]["@TotalResources"]
    assert len(body["Accounts"]) == 100
    assert body["MetaInformation"] == {"@TotalResources": total, "@TotalPages": -(-total // 100), "@CurrentPage": 1}


def test_pages_cover_the_list_without_overlap(sandbox: Sandbox) -> None:
    everything = list(all_accounts(sandbox))
    seen: list[int] = []
    pages = sandbox.api.get("/accounts", params={"limit": 120}).json()["MetaInformation"]["@TotalPages"]
    for number in range(1, pages + 1):
        body = sandbox.api.get("/accounts", params={"limit": 120, "page": number}).json()
        assert body["MetaInformation"]["@CurrentPage"] == number
        seen += [a["Number"] for a in body["Accounts"]]
    assert seen == everything


def test_offset_skips_items(sandbox: Sandbox) -> None:
    everything = list(all_accounts(sandbox))
    body = sandbox.api.get("/accounts", params={"limit": 5, "offset": 10}).json()
    assert [a["Number"] for a in body["Accounts"]] == everything[10:15]


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5"])
def test_limit_outside_1_to_500_is_rejected(sandbox: Sandbox, limit: str) -> None:
    assert_error(sandbox.api.get("/accounts", params={"limit": limit}), 400, spec.INVALID_PARAMETER_CODE)


def test_limit_500_is_accepted(sandbox: Sandbox) -> None:
    assert sandbox.api.get("/accounts", params={"limit": 500}).status_code == 200


def test_page_past_the_end_is_no_such_route(sandbox: Sandbox) -> None:
    pages = sandbox.api.get("/accounts").json()["MetaInformation"]["@TotalPages"]
    assert_error(sandbox.api.get("/accounts", params={"page": pages + 1}), 404, spec.NO_SUCH_ROUTE_CODE)
    assert_error(sandbox.api.get("/accounts", params={"page": 0}), 400, spec.INVALID_PARAMETER_CODE)


def test_empty_list_has_first_page(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/vouchers").json()
    assert body["Vouchers"] == [] and body["MetaInformation"]["@TotalResources"] == 0


def test_parameter_names_must_be_lower_case(sandbox: Sandbox) -> None:
    assert_error(sandbox.api.get("/accounts", params={"Limit": 5}), 400, spec.INVALID_PARAMETER_CODE)


# --- routes -------------------------------------------------------------------------------------------------
def test_unknown_api_route_is_no_such_route(sandbox: Sandbox) -> None:
    assert_error(sandbox.api.get("/voucher"), 404, spec.NO_SUCH_ROUTE_CODE)


def test_unknown_path_outside_the_api_is_no_such_route(sandbox: Sandbox) -> None:
    assert_error(sandbox.http.get("/4/vouchers"), 404, spec.NO_SUCH_ROUTE_CODE)


def test_accept_header_that_excludes_json_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.api.get("/accounts", headers={"Accept": "application/xml"})
    assert_error(response, 400, spec.INVALID_ACCEPT_CODE)
    assert sandbox.api.get("/accounts", headers={"Accept": "application/json"}).status_code == 200


async def test_admin_path_refuses_clients_that_are_not_loopback() -> None:
    app = create_app()
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        assert (await client.get("/_sandbox/state")).status_code == 403
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        assert (await client.get("/_sandbox/state")).status_code == 200


def test_trailing_slash_is_accepted_as_in_fortnox_docs(sandbox: Sandbox) -> None:
    response = sandbox.api.get("/settings/lockedperiod/")
    assert response.status_code == 200 and response.json()["LockedPeriod"]["EndDate"] == "2025-06-30"
