"""Voucher POST validation (one test per rule: 400, the code, nothing booked), numbering and the voucher lists."""

from __future__ import annotations

from typing import Any

import pytest

from juni_tui.sandbox import errors as e
from juni_tui.services.fortnox import spec
from tests.sandbox.sandbox_helpers import VALID_VOUCHER, Sandbox, assert_error, voucher, voucher_with_row


def assert_rejected(sandbox: Sandbox, body: Any, code: int, financialyear: int | None = None) -> str:
    query = {"financialyear": financialyear} if financialyear else None
    response = sandbox.api.post("/vouchers", json=body, params=query)
    info = assert_error(response, 400, code)
    assert sandbox.booked() == []
    return info["message"]


def rows(*specs: tuple[int, Any, Any]) -> list[dict[str, Any]]:
    return [{"Account": a, "Debit": d, "Credit": c} for a, d, c in specs]


# --- what is accepted ---------------------------------------------------------------------------------------
def test_valid_voucher_is_created_with_201_and_full_shape(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", json=VALID_VOUCHER)
    assert response.status_code == 201, response.text
    created = response.json()["Voucher"]
    assert created["VoucherSeries"] == "K" and created["VoucherNumber"] == 1 and created["Year"] == 2
    assert created["ReferenceType"] == "MANUAL" and created["ApprovalState"] == 0
    assert created["@url"].endswith("/3/vouchers/K/1?financialyear=2")
    assert [(r["Account"], r["Debit"], r["Credit"]) for r in created["VoucherRows"]] == [
        (6540, 1000, 0), (2640, 250, 0), (2890, 0, 1250)]
    assert created["VoucherRows"][0]["Removed"] is False
    assert len(sandbox.booked()) == 1


def test_amounts_as_numeric_strings_and_decimals_are_summed_exactly(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, "0.10", 0), (6540, 0.20, 0), (2890, 0, "0.30")))
    response = sandbox.api.post("/vouchers", json=body)
    assert response.status_code == 201, response.text
    assert [r["Debit"] for r in sandbox.booked()[0]["VoucherRows"]] == [0.1, 0.2, 0]


def test_mandatory_cost_center_and_project_given_on_the_row_are_accepted(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=[{"Account": 7010, "Debit": 100, "CostCenter": "100"},
                                {"Account": 4010, "Debit": 50, "Project": "2"},
                                {"Account": 1930, "Credit": 150}])
    assert sandbox.api.post("/vouchers", json=body).status_code == 201


# --- structure ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["VoucherSeries", "TransactionDate", "Description"])
def test_missing_required_voucher_field_is_rejected(sandbox: Sandbox, field: str) -> None:
    body = voucher()
    del body["Voucher"][field]
    assert field in assert_rejected(sandbox, body, e.MISSING_FIELD_CODE)


def test_voucher_without_rows_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(VoucherRows=[]), e.MISSING_FIELD_CODE)


def test_row_without_account_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(0, Account=None), e.MISSING_FIELD_CODE)


@pytest.mark.parametrize("field, value", [("@url", "x"), ("VoucherNumber", 7), ("Year", 2), ("ReferenceNumber", "1"),
                                          ("ReferenceType", "MANUAL"), ("ApprovalState", 0)])
def test_read_only_voucher_field_is_rejected(sandbox: Sandbox, field: str, value: Any) -> None:
    assert_rejected(sandbox, voucher(**{field: value}), spec.INVALID_FIELD_NAME_CODE)


def test_read_only_row_field_removed_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(0, Removed=False), spec.INVALID_FIELD_NAME_CODE)


def test_unknown_voucher_field_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(VatAmount=250), spec.INVALID_FIELD_NAME_CODE)


def test_unknown_row_field_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(1, VAT=25), spec.INVALID_FIELD_NAME_CODE)


def test_body_without_voucher_wrapper_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, VALID_VOUCHER["Voucher"], spec.INCORRECT_BODY_CODE)


def test_text_field_that_is_not_a_string_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(Description=123), spec.VALUE_NOT_ALPHANUMERIC_CODE)


def test_non_numeric_account_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(0, Account="65x0"), spec.VALUE_NOT_NUMERIC_CODE)


@pytest.mark.parametrize("amount", ["1 000", "1000,00", True, "1e3"])
def test_non_numeric_amount_is_rejected(sandbox: Sandbox, amount: Any) -> None:
    assert_rejected(sandbox, voucher_with_row(0, Debit=amount), spec.VALUE_NOT_NUMERIC_CODE)


def test_bad_json_is_rejected_with_json_syntax_error(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", content=b'{"Voucher": {', headers={"Content-Type": "application/json"})
    assert_error(response, 400, spec.JSON_SYNTAX_CODE)
    assert sandbox.booked() == []


def test_empty_body_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", content=b"", headers={"Content-Type": "application/json"})
    assert_error(response, 400, spec.INCORRECT_BODY_CODE)


def test_wrong_content_type_is_rejected(sandbox: Sandbox) -> None:
    import json

    response = sandbox.api.post("/vouchers", content=json.dumps(VALID_VOUCHER).encode(),
                                headers={"Content-Type": "text/plain"})
    assert_error(response, 400, spec.INVALID_CONTENT_TYPE_CODE)
    assert sandbox.booked() == []


# --- series, date, year, locked period ----------------------------------------------------------------------
def test_unknown_series_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher(VoucherSeries="Z"), e.UNKNOWN_SERIES_CODE)
    assert message == "Ogiltig verifikationsserie angiven"


def test_non_manual_series_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher(VoucherSeries="B"), e.NON_MANUAL_SERIES_CODE)
    assert message == "Verifikationsserien är inte manuell"


@pytest.mark.parametrize("day", ["2026-3-14", "14/03/2026", "2026-02-30", "2026-03-14T10:00:00"])
def test_date_not_in_yyyy_mm_dd_is_rejected(sandbox: Sandbox, day: str) -> None:
    assert_rejected(sandbox, voucher(TransactionDate=day), e.INVALID_DATE_CODE)


def test_date_without_any_financial_year_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher(TransactionDate="2024-05-02"), e.NO_FINANCIAL_YEAR_CODE)
    assert message == "Räkenskapsår saknas för valt datum"


def test_date_outside_the_preselected_year_is_rejected(sandbox: Sandbox) -> None:
    # Without ?financialyear the voucher goes to the preselected (latest) year, 2026.
    assert_rejected(sandbox, voucher(TransactionDate="2025-08-01"), e.DATE_OUTSIDE_YEAR_CODE)


def test_date_outside_the_given_financial_year_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(TransactionDate="2026-01-02"), e.DATE_OUTSIDE_YEAR_CODE, financialyear=1)


def test_unknown_financial_year_parameter_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(), e.NO_FINANCIAL_YEAR_CODE, financialyear=9)


def test_financialyeardate_selects_the_year(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", json=voucher(TransactionDate="2025-08-01"),
                                params={"financialyeardate": "2025-08-01"})
    assert response.status_code == 201 and response.json()["Voucher"]["Year"] == 1


def test_date_in_locked_period_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher(TransactionDate="2025-06-30"), spec.LOCKED_PERIOD_CODE, financialyear=1)
    assert "har låst perioden t.o.m. 2025-06-30" in message


def test_first_day_after_locked_period_is_accepted(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", json=voucher(TransactionDate="2025-07-01"), params={"financialyear": 1})
    assert response.status_code == 201, response.text


# --- accounts -----------------------------------------------------------------------------------------------
def test_unknown_account_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher_with_row(0, Account=6541), spec.ACCOUNT_NOT_FOUND_CODE)
    assert message.startswith("Kunde inte hitta konto")


def test_inactive_account_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, voucher_with_row(0, Account=5460), e.INACTIVE_ACCOUNT_CODE)
    assert message.startswith("Valt bokföringskonto är inaktivt")


# --- amounts and balance ------------------------------------------------------------------------------------
def test_row_with_both_debit_and_credit_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(0, Credit=1000), e.DEBIT_AND_CREDIT_CODE)


def test_row_with_neither_debit_nor_credit_is_rejected(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, 100, 0), (6110, 0, 0), (2890, 0, 100)))
    assert_rejected(sandbox, body, e.DEBIT_AND_CREDIT_CODE)


def test_negative_amount_is_rejected(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, -100, 0), (2890, -100, 0)))
    assert_rejected(sandbox, body, e.NEGATIVE_AMOUNT_CODE)


def test_amount_with_more_than_two_decimals_is_rejected(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, "100.005", 0), (2890, 0, "100.005")))
    assert_rejected(sandbox, body, e.TOO_MANY_DECIMALS_CODE)


def test_amount_with_more_than_fourteen_digits_is_rejected(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, "1234567890123.45", 0), (2890, 0, "1234567890123.45")))
    assert_rejected(sandbox, body, e.TOO_MANY_DIGITS_CODE)


def test_amount_with_fourteen_digits_is_accepted(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, "123456789012.34", 0), (2890, 0, "123456789012.34")))
    assert sandbox.api.post("/vouchers", json=body).status_code == 201


def test_rows_unbalanced_by_one_ore_are_rejected(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((6540, "1000.00", 0), (2640, "250.00", 0), (2890, 0, "1250.01")))
    assert_rejected(sandbox, body, e.UNBALANCED_CODE)


# --- cost centers and projects ------------------------------------------------------------------------------
def _cost_row(account: int = 6540, **dims: str) -> dict[str, Any]:
    return voucher(VoucherRows=[{"Account": account, "Debit": 100, **dims}, {"Account": 2890, "Credit": 100}])


def test_missing_mandatory_cost_center_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, _cost_row(7010), e.COST_CENTER_MANDATORY_CODE)


def test_voucher_level_cost_center_does_not_satisfy_a_mandatory_row(sandbox: Sandbox) -> None:
    body = _cost_row(7010)
    body["Voucher"]["CostCenter"] = "100"
    assert_rejected(sandbox, body, e.COST_CENTER_MANDATORY_CODE)


def test_cost_center_on_notallowed_account_is_rejected(sandbox: Sandbox) -> None:
    body = voucher_with_row(2, CostCenter="100")  # 2890, a balance account
    assert_rejected(sandbox, body, e.COST_CENTER_NOT_ALLOWED_CODE)


def test_unknown_cost_center_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, _cost_row(CostCenter="777"), e.UNKNOWN_COST_CENTER_CODE)


def test_inactive_cost_center_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, _cost_row(CostCenter="900"), spec.INACTIVE_COST_CENTER_CODE)


def test_inactive_voucher_level_cost_center_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(CostCenter="900"), spec.INACTIVE_COST_CENTER_CODE)


def test_missing_mandatory_project_is_rejected(sandbox: Sandbox) -> None:
    message = assert_rejected(sandbox, _cost_row(4010), e.PROJECT_MANDATORY_CODE)
    assert "Projekt är obligatoriskt på konto 4010" in message


def test_project_on_notallowed_account_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher_with_row(2, Project="1"), e.PROJECT_NOT_ALLOWED_CODE)


def test_unknown_project_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, _cost_row(Project="99"), e.UNKNOWN_PROJECT_CODE)


def test_completed_project_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, _cost_row(Project="3"), e.CLOSED_PROJECT_CODE)


def test_unknown_voucher_level_project_is_rejected(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(Project="99"), e.UNKNOWN_PROJECT_CODE)


# --- texts --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["Description", "Comments", "row Description", "row TransactionInformation"])
@pytest.mark.parametrize("bad", ["(tx [9f3c])", 'Adobe "CC"', "a < b", "a|b", "tab\there", "{x}"])
def test_characters_outside_the_whitelist_are_rejected(sandbox: Sandbox, where: str, bad: str) -> None:
    if where.startswith("row "):
        body = voucher_with_row(0, **{where.removeprefix("row "): bad})
    else:
        body = voucher(**{where: bad})
    assert_rejected(sandbox, body, spec.INVALID_CHARACTERS_CODE)


def test_allowed_special_characters_are_accepted(sandbox: Sandbox) -> None:
    body = voucher(Description="Kortköp Café Åre – 25% moms (tx 9f3c), §4 & €12,50 @ Müller’s / ½")
    assert sandbox.api.post("/vouchers", json=body).status_code == 201


def test_description_longer_than_the_limit_is_rejected(sandbox: Sandbox) -> None:
    body = voucher(Description="x" * (spec.MAX_VOUCHER_DESCRIPTION + 1))
    assert_rejected(sandbox, body, e.TEXT_TOO_LONG_CODE)


def test_transaction_information_longer_than_the_limit_is_rejected(sandbox: Sandbox) -> None:
    body = voucher_with_row(0, TransactionInformation="y" * (spec.MAX_ROW_TRANSACTION_INFORMATION + 1))
    assert_rejected(sandbox, body, e.TEXT_TOO_LONG_CODE)


# --- the order of the checks (§12) --------------------------------------------------------------------------
def test_series_is_checked_before_accounts_and_balance(sandbox: Sandbox) -> None:
    body = voucher(VoucherSeries="Z", VoucherRows=rows((9999, 1, 0), (2890, 0, 2)))
    assert_rejected(sandbox, body, e.UNKNOWN_SERIES_CODE)


def test_locked_period_is_checked_before_accounts(sandbox: Sandbox) -> None:
    body = voucher(TransactionDate="2025-03-01", VoucherRows=rows((9999, 1, 0), (2890, 0, 1)))
    assert_rejected(sandbox, body, spec.LOCKED_PERIOD_CODE, financialyear=1)


def test_unbalanced_is_checked_before_mandatory_cost_center(sandbox: Sandbox) -> None:
    body = voucher(VoucherRows=rows((7010, 100, 0), (2890, 0, 99)))
    assert_rejected(sandbox, body, e.UNBALANCED_CODE)


def test_invalid_characters_are_checked_before_read_only_fields(sandbox: Sandbox) -> None:
    assert_rejected(sandbox, voucher(Description="[x]", VoucherNumber=3), spec.INVALID_CHARACTERS_CODE)


# --- numbering ----------------------------------------------------------------------------------------------
def _post(sandbox: Sandbox, series: str, day: str, year: int) -> dict[str, Any]:
    response = sandbox.api.post("/vouchers", json=voucher(VoucherSeries=series, TransactionDate=day),
                                params={"financialyear": year})
    assert response.status_code == 201, response.text
    return response.json()["Voucher"]


def test_voucher_numbers_run_per_series_and_financial_year(sandbox: Sandbox) -> None:
    numbers = [(v["VoucherSeries"], v["Year"], v["VoucherNumber"]) for v in [
        _post(sandbox, "K", "2026-01-10", 2), _post(sandbox, "K", "2026-01-11", 2),
        _post(sandbox, "K", "2025-09-01", 1), _post(sandbox, "A", "2026-02-01", 2),
        _post(sandbox, "K", "2025-09-02", 1), _post(sandbox, "K", "2026-01-12", 2)]]
    assert numbers == [("K", 2, 1), ("K", 2, 2), ("K", 1, 1), ("A", 2, 1), ("K", 1, 2), ("K", 2, 3)]
    series = sandbox.api.get("/voucherseries/K", params={"financialyear": 1}).json()["VoucherSeries"]
    assert series["NextVoucherNumber"] == 3 and series["Year"] == 1


# --- reading vouchers ---------------------------------------------------------------------------------------
def test_voucher_list_has_no_rows_and_is_sorted_by_series_then_number(sandbox: Sandbox) -> None:
    for series, day in [("K", "2026-01-10"), ("A", "2026-01-11"), ("K", "2026-01-09")]:
        _post(sandbox, series, day, 2)
    body = sandbox.api.get("/vouchers").json()
    assert [(v["VoucherSeries"], v["VoucherNumber"]) for v in body["Vouchers"]] == [("A", 1), ("K", 1), ("K", 2)]
    assert all("VoucherRows" not in v for v in body["Vouchers"])
    assert set(body["Vouchers"][0]) == {"@url", "Comments", "Description", "ReferenceNumber", "ReferenceType",
                                        "TransactionDate", "VoucherNumber", "VoucherSeries", "Year", "ApprovalState"}
    assert body["MetaInformation"] == {"@TotalResources": 3, "@TotalPages": 1, "@CurrentPage": 1}


def test_voucher_list_is_scoped_to_the_financial_year(sandbox: Sandbox) -> None:
    _post(sandbox, "K", "2025-09-01", 1)
    _post(sandbox, "K", "2026-01-10", 2)
    assert [v["Year"] for v in sandbox.api.get("/vouchers").json()["Vouchers"]] == [2]  # preselected year
    assert [v["Year"] for v in sandbox.api.get("/vouchers", params={"financialyear": 1}).json()["Vouchers"]] == [1]


def test_voucher_list_filters_by_dates_and_series(sandbox: Sandbox) -> None:
    for series, day in [("K", "2026-01-10"), ("K", "2026-01-11"), ("A", "2026-01-11"), ("K", "2026-01-12")]:
        _post(sandbox, series, day, 2)
    query = {"financialyear": 2, "fromdate": "2026-01-11", "todate": "2026-01-11"}
    listed = sandbox.api.get("/vouchers/sublist/K", params=query).json()["Vouchers"]
    assert [(v["VoucherSeries"], v["VoucherNumber"]) for v in listed] == [("K", 2)]
    listed = sandbox.api.get("/vouchers", params=query | {"voucherseries": "A"}).json()["Vouchers"]
    assert [(v["VoucherSeries"], v["VoucherNumber"]) for v in listed] == [("A", 1)]


def test_single_voucher_has_rows_and_is_found_per_year(sandbox: Sandbox) -> None:
    _post(sandbox, "K", "2025-09-01", 1)
    one = sandbox.api.get("/vouchers/K/1", params={"financialyear": 1}).json()["Voucher"]
    assert one["Year"] == 1 and len(one["VoucherRows"]) == 3
    assert_error(sandbox.api.get("/vouchers/K/1"), 404, e.VOUCHER_NOT_FOUND_CODE)  # not in the preselected year


def test_vouchers_cannot_be_updated(sandbox: Sandbox) -> None:
    _post(sandbox, "K", "2026-01-10", 2)
    assert_error(sandbox.api.put("/vouchers/K/1", json=VALID_VOUCHER), 405, spec.NO_SUCH_ROUTE_CODE)


def test_unknown_query_parameter_is_rejected(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/vouchers", json=VALID_VOUCHER, params={"financialYear": 2})
    assert_error(response, 400, spec.INVALID_PARAMETER_CODE)
    assert sandbox.booked() == []
