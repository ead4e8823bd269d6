"""The /3/ endpoints, with Fortnox's field names, wrappers and list quirks.

The gate has already checked the Bearer token and the rate limit; each handler checks its scope.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from juni_tui.services.fortnox import spec

from . import chart, company
from . import errors as e
from .errors import FortnoxError, bad_request
from .validation import parse_date, validate_voucher

if TYPE_CHECKING:
    from .app import Sandbox

Handler = Callable[[Request], Awaitable[Response]]

LIST_PARAMS = frozenset({"page", "limit", "offset", "sortby", "sortorder", "lastmodified"})
YEAR_PARAMS = frozenset({"financialyear", "financialyeardate"})


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


def needs(scope: str) -> Callable[[Handler], Handler]:
    """The endpoint needs this OAuth scope: without it, 403 and code 2000663."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: Request) -> Response:
            if scope not in request.state.token.scopes:
                raise FortnoxError(403, spec.NOT_AUTHORIZED_FOR_SCOPE_CODE,
                                   f"Du har inte behörighet för scopet {scope}")
            return await handler(request)

        return checked

    return decorate


# --- query parameters, years and lists ---------------------------------------------------------------------
def params(request: Request, allowed: frozenset[str]) -> dict[str, str]:
    """The query parameters, refusing names Fortnox would not know (they must be lower case)."""
    for name in request.query_params:
        if name not in allowed:
            raise bad_request(spec.INVALID_PARAMETER_CODE, f"Ogiltig parameter i anropet: {name}")
    return dict(request.query_params)


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < low or (high is not None and int(raw) > high):
        raise bad_request(spec.INVALID_PARAMETER_CODE, f"Ogiltig parameter i anropet: {name}={raw}")
    return int(raw)


def _date_param(query: dict[str, str], name: str):
    raw = query.get(name)
    if raw is None:
        return None
    day = parse_date(raw)
    if day is None:
        raise bad_request(spec.INVALID_PARAMETER_CODE, f"Ogiltig parameter i anropet: {name}={raw}")
    return day


def financial_year(query: dict[str, str]) -> company.FinancialYear:
    """The year named by ?financialyear or ?financialyeardate, else the preselected year."""
    if "financialyear" in query:
        year_id = _int_param(query, "financialyear", 0, 1)
        year = company.financial_year(year_id)
        if year is None:
            raise bad_request(e.NO_FINANCIAL_YEAR_CODE, f"Räkenskapsår {year_id} saknas")
        return year
    day = _date_param(query, "financialyeardate")
    if day is None:
        return company.PRESELECTED_YEAR
    year = company.financial_year_for(day)
    if year is None:
        raise bad_request(e.NO_FINANCIAL_YEAR_CODE, "Räkenskapsår saknas för valt datum")
    return year


def page(query: dict[str, str], key: str, items: list[dict[str, Any]]) -> JSONResponse:
    """A list answer with MetaInformation. Asking for a page past the end gives "No such route" [§11]."""
    limit = _int_param(query, "limit", spec.DEFAULT_PAGE_LIMIT, 1, spec.MAX_PAGE_LIMIT)
    current = _int_param(query, "page", 1, 1)
    offset = _int_param(query, "offset", 0, 0)
    rest = items[offset:]
    total_pages = math.ceil(len(rest) / limit)
    if current > max(total_pages, 1):
        raise FortnoxError(404, spec.NO_SUCH_ROUTE_CODE, "No such route")
    meta = {"@TotalResources": len(items), "@TotalPages": total_pages, "@CurrentPage": current}
    return JSONResponse({"MetaInformation": meta, key: rest[(current - 1) * limit:current * limit]})


def url(request: Request, path: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/3/{path}"


def not_found(what: str, code: int = e.NOT_FOUND_CODE) -> FortnoxError:
    return FortnoxError(404, code, f"Kunde inte hitta {what}")


async def json_body(request: Request) -> Any:
    """The JSON body, amounts as Decimal. Wrong Content-Type, no body or bad JSON are Fortnox's 400s."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise bad_request(spec.INVALID_CONTENT_TYPE_CODE, "Ogiltig content-type, använd application/json")
    raw = await request.body()
    if not raw.strip():
        raise bad_request(spec.INCORRECT_BODY_CODE, "Tom eller felaktig body")

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=refuse_constant)
    except ValueError as exc:
        raise bad_request(spec.JSON_SYNTAX_CODE, f"JSON_ERROR_SYNTAX: {exc}") from None


# --- company, years, settings -------------------------------------------------------------------------------
@needs("companyinformation")
async def company_information(request: Request) -> Response:
    params(request, frozenset())
    return JSONResponse({"CompanyInformation": company.COMPANY})


def _year_out(request: Request, year: company.FinancialYear, chart_key: str) -> dict[str, Any]:
    return {"@url": url(request, f"financialyears/{year.id}"), "Id": year.id,
            "FromDate": year.from_date.isoformat(), "ToDate": year.to_date.isoformat(),
            chart_key: company.ACCOUNT_CHART_TYPE, "AccountingMethod": "ACCRUAL"}


@needs("bookkeeping")
async def financial_years(request: Request) -> Response:
    query = params(request, LIST_PARAMS | {"date"})
    day = _date_param(query, "date")
    years = [y for y in company.FINANCIAL_YEARS if day is None or y.covers(day)]
    # List items carry the lower-camel "accountCharts" key; the single object has "AccountChartType" [§6].
    return page(query, "FinancialYears", [_year_out(request, y, "accountCharts") for y in years])


@needs("bookkeeping")
async def financial_year_one(request: Request) -> Response:
    params(request, frozenset())
    raw = request.path_params["id"]
    year = company.financial_year(int(raw)) if raw.isdigit() else None
    if year is None:
        raise not_found(f"räkenskapsår {raw}")
    return JSONResponse({"FinancialYear": _year_out(request, year, "AccountChartType")})


@needs("settings")
async def locked_period(request: Request) -> Response:
    params(request, frozenset())
    return JSONResponse({"LockedPeriod": {"EndDate": company.LOCKED_PERIOD_END.isoformat()}})


# --- voucher series, accounts, cost centers, projects -------------------------------------------------------
def _series_out(request: Request, series: company.VoucherSeries, year: company.FinancialYear) -> dict[str, Any]:
    return {"@url": url(request, f"voucherseries/{series.code}?financialyear={year.id}"), "Code": series.code,
            "Description": series.description, "Manual": series.manual, "Year": year.id,
            "Approver": {"Id": 0, "Name": ""}}


@needs("bookkeeping")
async def voucher_series_list(request: Request) -> Response:
    query = params(request, LIST_PARAMS | YEAR_PARAMS)
    year = financial_year(query)
    return page(query, "VoucherSeriesCollection", [_series_out(request, s, year) for s in company.VOUCHER_SERIES])


@needs("bookkeeping")
async def voucher_series_one(request: Request) -> Response:
    year = financial_year(params(request, YEAR_PARAMS))
    series = company.voucher_series(request.path_params["code"])
    if series is None:
        raise not_found(f"verifikationsserie {request.path_params['code']}")
    counter = sandbox_of(request).state.data["counters"].get(_voucher_counter(series.code, year.id), 0)
    return JSONResponse({"VoucherSeries": _series_out(request, series, year) | {"NextVoucherNumber": counter + 1}})


def _account_out(request: Request, account: chart.Account, year: company.FinancialYear) -> dict[str, Any]:
    return {"@url": url(request, f"accounts/{account.number}?financialyear={year.id}"), "Active": account.active,
            "BalanceBroughtForward": 0, "CostCenter": "", "CostCenterSettings": account.cost_center_settings,
            "Description": account.description, "Number": account.number, "Project": "",
            "ProjectSettings": account.project_settings, "SRU": account.sru, "Year": year.id,
            "VATCode": account.vat_code}


@needs("bookkeeping")
async def accounts(request: Request) -> Response:
    query = params(request, LIST_PARAMS | YEAR_PARAMS | {"sru"})
    year = financial_year(query)
    sru = _int_param(query, "sru", 0, 0)
    chosen = [a for a in chart.ACCOUNTS.values() if not sru or a.sru == sru]
    return page(query, "Accounts", [_account_out(request, a, year) for a in chosen])


@needs("bookkeeping")
async def account_one(request: Request) -> Response:
    year = financial_year(params(request, YEAR_PARAMS))
    raw = request.path_params["number"]
    account = chart.ACCOUNTS.get(int(raw)) if raw.isdigit() else None
    if account is None:
        raise not_found(f"konto {raw}", spec.ACCOUNT_NOT_FOUND_CODE)
    details = {"BalanceCarriedForward": 0, "TransactionInformation": "", "TransactionInformationSettings": "ALLOWED",
               "QuantitySettings": "NOTALLOWED", "QuantityUnit": "", "OpeningQuantities": []}
    return JSONResponse({"Account": _account_out(request, account, year) | details})


def _simple_list(key: str, id_field: str, path: str, scope: str, items: tuple[dict[str, Any], ...],
                 single_key: str) -> tuple[Handler, Handler]:
    """A list and a single-item endpoint over fixed seed data (cost centers, projects)."""

    def out(request: Request, item: dict[str, Any]) -> dict[str, Any]:
        return {"@url": url(request, f"{path}/{item[id_field]}")} | item

    @needs(scope)
    async def listing(request: Request) -> Response:
        query = params(request, LIST_PARAMS)
        return page(query, key, [out(request, item) for item in items])

    @needs(scope)
    async def one(request: Request) -> Response:
        params(request, frozenset())
        wanted = request.path_params["id"]
        item = next((i for i in items if i[id_field] == wanted), None)
        if item is None:
            raise not_found(f"{path} {wanted}")
        return JSONResponse({single_key: out(request, item)})

    return listing, one


cost_centers, cost_center_one = _simple_list("CostCenters", "Code", "costcenters", "costcenter",
                                             company.COST_CENTERS, "CostCenter")
projects, project_one = _simple_list("Projects", "ProjectNumber", "projects", "project", company.PROJECTS, "Project")


# --- vouchers -----------------------------------------------------------------------------------------------
def _voucher_counter(series: str, year_id: int) -> str:
    return f"voucher/{series}/{year_id}"


def voucher_key(series: str, year_id: int, number: int) -> str:
    return f"{series}/{year_id}/{number}"


def json_amount(value: str) -> int | float:
    """A stored amount ("1250.50") as a JSON number. Exact: amounts have at most 14 digits and 2 decimals."""
    amount = Decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def rows_out(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row | {"Debit": json_amount(row["Debit"]), "Credit": json_amount(row["Credit"]),
                   "Quantity": json_amount(row["Quantity"]), "Removed": False} for row in rows]


def voucher_out(request: Request, record: dict[str, Any], rows: bool) -> dict[str, Any]:
    out = {
        "@url": url(request, f"vouchers/{record['VoucherSeries']}/{record['VoucherNumber']}"
                             f"?financialyear={record['Year']}"),
        "Comments": record["Comments"],
        "Description": record["Description"],
        "ReferenceNumber": record["ReferenceNumber"],
        "ReferenceType": record["ReferenceType"],
        "TransactionDate": record["TransactionDate"],
        "VoucherNumber": record["VoucherNumber"],
        "VoucherSeries": record["VoucherSeries"],
        "Year": record["Year"],
        "ApprovalState": record["ApprovalState"],
    }
    if rows:
        out |= {"CostCenter": record["CostCenter"], "Project": record["Project"],
                "VoucherRows": rows_out(record["VoucherRows"])}
    return out


@needs("bookkeeping")
async def voucher_create(request: Request) -> Response:
    sandbox = sandbox_of(request)
    year = financial_year(params(request, YEAR_PARAMS))
    record = validate_voucher(await json_body(request), year)
    series = record["VoucherSeries"]
    number = sandbox.state.next_number(_voucher_counter(series, year.id))
    record |= {"VoucherNumber": number, "Year": year.id, "ReferenceNumber": "", "ReferenceType": "MANUAL",
               "ApprovalState": 0}
    sandbox.state.data["vouchers"][voucher_key(series, year.id, number)] = record
    sandbox.state.commit()
    return JSONResponse({"Voucher": voucher_out(request, record, rows=True)}, status_code=201)


def _voucher_list(request: Request, series: str | None) -> Response:
    allowed = LIST_PARAMS | YEAR_PARAMS | {"fromdate", "todate", "costcenter"}
    query = params(request, allowed if series else allowed | {"voucherseries"})
    year = financial_year(query)
    series = series or query.get("voucherseries")
    start, end = _date_param(query, "fromdate"), _date_param(query, "todate")
    chosen = [
        v for v in sandbox_of(request).state.data["vouchers"].values()
        if v["Year"] == year.id and series in (None, v["VoucherSeries"])
        and (start is None or v["TransactionDate"] >= start.isoformat())
        and (end is None or v["TransactionDate"] <= end.isoformat())
        and ("costcenter" not in query or query["costcenter"] in
             [v["CostCenter"]] + [r["CostCenter"] for r in v["VoucherRows"]])
    ]
    chosen.sort(key=lambda v: (v["VoucherSeries"], v["VoucherNumber"]))
    return page(query, "Vouchers", [voucher_out(request, v, rows=False) for v in chosen])


@needs("bookkeeping")
async def voucher_list(request: Request) -> Response:
    return _voucher_list(request, None)


@needs("bookkeeping")
async def voucher_sublist(request: Request) -> Response:
    return _voucher_list(request, request.path_params.get("series"))


@needs("bookkeeping")
async def voucher_one(request: Request) -> Response:
    year = financial_year(params(request, YEAR_PARAMS))
    series, raw = request.path_params["series"], request.path_params["number"]
    record = sandbox_of(request).state.data["vouchers"].get(
        voucher_key(series, year.id, int(raw)) if raw.isdigit() else "")
    if record is None:
        raise not_found(f"verifikation {series}{raw} i räkenskapsår {year.id}", e.VOUCHER_NOT_FOUND_CODE)
    return JSONResponse({"Voucher": voucher_out(request, record, rows=True)})


ROUTES = [
    Route("/3/companyinformation", company_information, methods=["GET"]),
    Route("/3/financialyears", financial_years, methods=["GET"]),
    Route("/3/financialyears/{id}", financial_year_one, methods=["GET"]),
    Route("/3/settings/lockedperiod", locked_period, methods=["GET"]),
    Route("/3/voucherseries", voucher_series_list, methods=["GET"]),
    Route("/3/voucherseries/{code}", voucher_series_one, methods=["GET"]),
    Route("/3/accounts", accounts, methods=["GET"]),
    Route("/3/accounts/{number}", account_one, methods=["GET"]),
    Route("/3/costcenters", cost_centers, methods=["GET"]),
    Route("/3/costcenters/{id}", cost_center_one, methods=["GET"]),
    Route("/3/projects", projects, methods=["GET"]),
    Route("/3/projects/{id}", project_one, methods=["GET"]),
    Route("/3/vouchers", voucher_list, methods=["GET"]),
    Route("/3/vouchers", voucher_create, methods=["POST"]),
    Route("/3/vouchers/sublist", voucher_sublist, methods=["GET"]),
    Route("/3/vouchers/sublist/{series}", voucher_sublist, methods=["GET"]),
    Route("/3/vouchers/{series}/{number}", voucher_one, methods=["GET"]),
]
