"""The /3/ endpoints for receipts: the inbox (upload, list, read, delete) and voucher file connections."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from juni_tui.services.fortnox import spec

from . import company
from . import errors as e
from .errors import bad_request
from .validation import reject_fields, text, unwrap

if TYPE_CHECKING:
    pass

from .api import (
    LIST_PARAMS,
    YEAR_PARAMS,
    financial_year,
    json_body,
    needs,
    not_found,
    page,
    params,
    sandbox_of,
    url,
    voucher_key,
)

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
    voucher = state["vouchers"][voucher_key(connection["VoucherSeries"], connection["VoucherYear"],
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
    if voucher_key(series, year.id, number) not in sandbox.state.data["vouchers"]:
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
    Route("/3/inbox", inbox_list, methods=["GET"]),
    Route("/3/inbox", inbox_upload, methods=["POST"]),
    Route("/3/inbox/{id}", inbox_one, methods=["GET"]),
    Route("/3/inbox/{id}", inbox_delete, methods=["DELETE"]),
    Route("/3/voucherfileconnections", connection_list, methods=["GET"]),
    Route("/3/voucherfileconnections", connection_create, methods=["POST"]),
    Route("/3/voucherfileconnections/{id}", connection_one, methods=["GET"]),
    Route("/3/voucherfileconnections/{id}", connection_delete, methods=["DELETE"]),
]
