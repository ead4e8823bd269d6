"""The /3/ endpoints, with Fortnox's field names, wrappers and list quirks.

The gate has already checked the Bearer token and the rate limit; each handler checks its scope.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from juni_tui.services.fortnox import spec

from . import company
from . import errors as e
from .errors import FortnoxError, bad_request
from .validation import parse_date, reject_fields, text, unwrap, validate_voucher

if TYPE_CHECKING:
    from .app import Sandbox

Handler = Callable[[Request], Awaitable[Response]]

LIST_PARAMS = frozenset({"page", "limit", "offset", "sortby", "sortorder", "lastmodified"})
YEAR_PARAMS = frozenset({"financialyear", "financialyeardate"})
INBOX_FOLDERS = {
    "root": "Inkorg",
    "inbox_v": "Verifikationer",
    "inbox_s": "Leverantörsfakturor",
    "inbox_d": "Dagskassor",
    "inbox_a": "Anläggningsregister",
    "inbox_b": "Bankfiler",
    "inbox_l": "Lön",
    "inbox_kf": "Kundfakturor",
    "inbox_o": "Order",
    "inbox_of": "Offerter",
}
# Room for the multipart framing around a file of the largest allowed size.
MULTIPART_OVERHEAD = 64 * 1024


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


def _account_out(request: Request, account: company.Account, year: company.FinancialYear) -> dict[str, Any]:
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
    chosen = [a for a in company.ACCOUNTS.values() if not sru or a.sru == sru]
    return page(query, "Accounts", [_account_out(request, a, year) for a in chosen])


@needs("bookkeeping")
async def account_one(request: Request) -> Response:
    year = financial_year(params(request, YEAR_PARAMS))
    raw = request.path_params["number"]
    account = company.ACCOUNTS.get(int(raw)) if raw.isdigit() else None
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


def _voucher_key(series: str, year_id: int, number: int) -> str:
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
    sandbox.state.data["vouchers"][_voucher_key(series, year.id, number)] = record
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
        _voucher_key(series, year.id, int(raw)) if raw.isdigit() else "")
    if record is None:
        raise not_found(f"verifikation {series}{raw} i räkenskapsår {year.id}", e.VOUCHER_NOT_FOUND_CODE)
    return JSONResponse({"Voucher": voucher_out(request, record, rows=True)})


# --- inbox --------------------------------------------------------------------------------------------------
def _file_out(request: Request, meta: dict[str, Any]) -> dict[str, Any]:
    return {"@url": url(request, f"inbox/{meta['Id']}"), "Comments": meta["Comments"], "Id": meta["Id"],
            "Name": meta["Name"], "Path": meta["Path"], "Size": meta["Size"], "ArchiveFileId": meta["ArchiveFileId"]}


def _folder_out(request: Request, folder: str) -> dict[str, Any]:
    files = [m for m in sandbox_of(request).state.data["files"].values()
             if m["Path"] == folder and not m["Connected"]]
    subfolders = [] if folder != "root" else [
        {"@url": url(request, f"inbox/{f}"), "Id": f, "Name": name} for f, name in INBOX_FOLDERS.items()
        if f != "root"]
    return {"Folder": {"@url": url(request, "inbox" if folder == "root" else f"inbox/{folder}"),
                       "Email": f"inbox.{company.COMPANY['DatabaseNumber']}@sandbox.invalid",
                       "Files": [_file_out(request, m) for m in files], "Folders": subfolders,
                       "Id": folder, "Name": INBOX_FOLDERS[folder]}}


def _folder_param(query: dict[str, str]) -> str:
    folder = query.get("path") or query.get("folderid") or "root"
    if folder not in INBOX_FOLDERS:
        raise bad_request(e.UNKNOWN_FOLDER_CODE, f"Mappen {folder} finns inte")
    return folder


@needs("inbox")
async def inbox_list(request: Request) -> Response:
    return JSONResponse(_folder_out(request, _folder_param(params(request, frozenset({"path", "folderid"})))))


async def _uploaded_file(request: Request) -> UploadFile:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise bad_request(spec.INVALID_CONTENT_TYPE_CODE, "Ogiltig content-type, använd multipart/form-data")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > spec.MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD:
        raise bad_request(e.FILE_TOO_LARGE_CODE, f"Filen är för stor (högst {spec.MAX_ATTACHMENT_BYTES} byte)")
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise bad_request(e.FILE_MISSING_CODE, "Ingen fil i fältet file")
    return upload


def _check_file(name: str, data: bytes, declared: str | None) -> str:
    """The content type of an acceptable upload: PDF, JPEG or TIFF by its bytes and by its name [§8]."""
    if len(data) > spec.MAX_ATTACHMENT_BYTES:
        raise bad_request(e.FILE_TOO_LARGE_CODE, f"Filen är för stor (högst {spec.MAX_ATTACHMENT_BYTES} byte)")
    bad = spec.invalid_characters(name)
    if bad:
        raise bad_request(spec.INVALID_CHARACTERS_CODE, f"Ogiltiga tecken i filnamnet: {' '.join(map(repr, bad))}")
    sniffed = spec.sniff_content_type(data)
    if sniffed not in spec.ACCEPTED_TYPES:
        raise bad_request(e.FILE_TYPE_CODE, "Filtypen stöds inte: endast PDF, JPEG och TIFF")
    if not spec.extension_matches(name, sniffed):
        raise bad_request(e.FILE_TYPE_CODE, f"Filen {name} är inte vad namnet säger ({sniffed})")
    if declared and declared not in (sniffed, "application/octet-stream"):
        raise bad_request(e.FILE_TYPE_CODE, f"Angiven typ {declared} stämmer inte med filens innehåll ({sniffed})")
    return sniffed


@needs("inbox")
async def inbox_upload(request: Request) -> Response:
    sandbox = sandbox_of(request)
    folder = _folder_param(params(request, frozenset({"path", "folderid"})))
    upload = await _uploaded_file(request)
    data = await upload.read()
    content_type = _check_file(upload.filename or "", data, upload.content_type)
    seed = sandbox.config.seed
    file_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fortnox-sandbox:{seed}:file:{sandbox.state.next_number('file')}"))
    meta = {"Id": file_id, "Name": upload.filename, "Path": folder, "Size": len(data), "ContentType": content_type,
            "Comments": "", "Connected": False,
            "ArchiveFileId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"fortnox-sandbox:{seed}:archive:{file_id}"))}
    sandbox.state.store_blob(file_id, data)
    sandbox.state.data["files"][file_id] = meta
    sandbox.state.commit()
    return JSONResponse({"File": _file_out(request, meta)}, status_code=201)


def _file_meta(request: Request, file_id: str) -> dict[str, Any]:
    meta = sandbox_of(request).state.data["files"].get(file_id)
    if meta is None:
        raise not_found(f"filen {file_id}", e.FILE_NOT_FOUND_CODE)
    return meta


@needs("inbox")
async def inbox_one(request: Request) -> Response:
    params(request, frozenset())
    file_id = request.path_params["id"]
    if file_id in INBOX_FOLDERS:
        return JSONResponse(_folder_out(request, file_id))
    meta = _file_meta(request, file_id)
    return Response(sandbox_of(request).state.blobs[file_id], media_type=meta["ContentType"])


@needs("inbox")
async def inbox_delete(request: Request) -> Response:
    params(request, frozenset())
    sandbox = sandbox_of(request)
    meta = _file_meta(request, request.path_params["id"])
    if meta["Connected"]:
        raise bad_request(e.FILE_ALREADY_CONNECTED_CODE, "Filen är kopplad till en verifikation")
    del sandbox.state.data["files"][meta["Id"]]
    sandbox.state.commit()
    sandbox.state.drop_blob(meta["Id"])
    return Response(status_code=204)


# --- voucher file connections -------------------------------------------------------------------------------
def _connection_out(request: Request, connection: dict[str, Any]) -> dict[str, Any]:
    state = sandbox_of(request).state.data
    voucher = state["vouchers"][_voucher_key(connection["VoucherSeries"], connection["VoucherYear"],
                                             connection["VoucherNumber"])]
    return {"@url": url(request, f"voucherfileconnections/{connection['FileId']}"),
            "FileId": connection["FileId"], "Name": state["files"][connection["FileId"]]["Name"],
            "VoucherDescription": voucher["Description"], "VoucherNumber": str(connection["VoucherNumber"]),
            "VoucherSeries": connection["VoucherSeries"], "VoucherYear": connection["VoucherYear"]}


@needs("connectfile")
async def connection_create(request: Request) -> Response:
    sandbox = sandbox_of(request)
    # Without ?financialyear the preselected year is used, which is how files end up on the same-numbered
    # voucher of another year [§8].
    year = financial_year(params(request, YEAR_PARAMS))
    wanted = unwrap(await json_body(request), "VoucherFileConnection")
    for key in ("FileId", "VoucherNumber", "VoucherSeries"):
        if wanted.get(key) in (None, ""):
            raise bad_request(e.MISSING_FIELD_CODE, f"Obligatoriskt fält saknas: {key}")
    file_id, series = text(wanted, "FileId"), text(wanted, "VoucherSeries")
    raw_number = wanted["VoucherNumber"]
    if isinstance(raw_number, bool) or not (isinstance(raw_number, int) or str(raw_number).isdigit()):
        raise bad_request(spec.VALUE_NOT_NUMERIC_CODE, "Värdet för VoucherNumber måste vara numeriskt")
    reject_fields(wanted, ("FileId", "VoucherNumber", "VoucherSeries"),
                  ("@url", "Name", "VoucherDescription", "VoucherYear"), "")
    meta = sandbox.state.data["files"].get(file_id)
    if meta is None:
        raise bad_request(e.FILE_NOT_FOUND_CODE, f"Kunde inte hitta filen {file_id}")
    number = int(raw_number)
    if _voucher_key(series, year.id, number) not in sandbox.state.data["vouchers"]:
        raise bad_request(e.VOUCHER_NOT_FOUND_CODE,
                          f"Kunde inte hitta verifikation {series}{number} i räkenskapsår {year.id}")
    if meta["Connected"]:
        raise bad_request(e.FILE_ALREADY_CONNECTED_CODE, "Filen är redan kopplad till en verifikation")
    connection = {"FileId": file_id, "VoucherSeries": series, "VoucherNumber": number, "VoucherYear": year.id}
    sandbox.state.data["connections"][file_id] = connection
    meta["Connected"] = True  # Fortnox moves it from the inbox to the connected files
    sandbox.state.commit()
    return JSONResponse({"VoucherFileConnection": _connection_out(request, connection)}, status_code=201)


@needs("connectfile")
async def connection_list(request: Request) -> Response:
    query = params(request, LIST_PARAMS | YEAR_PARAMS)
    year = financial_year(query)
    chosen = [c for c in sandbox_of(request).state.data["connections"].values() if c["VoucherYear"] == year.id]
    return page(query, "VoucherFileConnections", [_connection_out(request, c) for c in chosen])


def _connection(request: Request) -> dict[str, Any]:
    params(request, frozenset())
    connection = sandbox_of(request).state.data["connections"].get(request.path_params["id"])
    if connection is None:
        raise not_found(f"filkoppling {request.path_params['id']}")
    return connection


@needs("connectfile")
async def connection_one(request: Request) -> Response:
    return JSONResponse({"VoucherFileConnection": _connection_out(request, _connection(request))})


@needs("connectfile")
async def connection_delete(request: Request) -> Response:
    sandbox = sandbox_of(request)
    connection = _connection(request)
    del sandbox.state.data["connections"][connection["FileId"]]
    sandbox.state.data["files"][connection["FileId"]]["Connected"] = False
    sandbox.state.commit()
    return Response(status_code=204)


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
    Route("/3/inbox", inbox_list, methods=["GET"]),
    Route("/3/inbox", inbox_upload, methods=["POST"]),
    Route("/3/inbox/{id}", inbox_one, methods=["GET"]),
    Route("/3/inbox/{id}", inbox_delete, methods=["DELETE"]),
    Route("/3/voucherfileconnections", connection_list, methods=["GET"]),
    Route("/3/voucherfileconnections", connection_create, methods=["POST"]),
    Route("/3/voucherfileconnections/{id}", connection_one, methods=["GET"]),
    Route("/3/voucherfileconnections/{id}", connection_delete, methods=["DELETE"]),
]
