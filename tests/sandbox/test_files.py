"""The inbox (upload limits: type by bytes and name, size) and voucher file connections per financial year."""

from __future__ import annotations

from typing import Any

import pytest

from juni_tui.sandbox import errors as e
from juni_tui.services.fortnox import spec
from tests.sandbox.sandbox_helpers import PDF_BYTES, Sandbox, assert_error, voucher

PDF = PDF_BYTES
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
TIFF_LE = b"II*\x00" + b"\x00" * 32
TIFF_BE = b"MM\x00*" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(sandbox: Sandbox, name: str = "kvitto-9f3c2a.pdf", data: bytes = PDF, folder: str | None = "inbox_v",
           content_type: str | None = None, param: str = "path"):
    files = {"file": (name, data, content_type) if content_type else (name, data)}
    return sandbox.api.post("/inbox", params={param: folder} if folder else None, files=files)


def uploaded_id(sandbox: Sandbox, **kwargs: Any) -> str:
    response = upload(sandbox, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()["File"]["Id"]


def inbox_ids(sandbox: Sandbox, folder: str = "inbox_v") -> list[str]:
    return [f["Id"] for f in sandbox.api.get("/inbox", params={"path": folder}).json()["Folder"]["Files"]]


def assert_refused(sandbox: Sandbox, response, code: int) -> None:
    assert_error(response, 400, code)
    assert sandbox.admin.get("/state").json()["files"] == []


# --- uploads ------------------------------------------------------------------------------------------------
def test_uploaded_pdf_is_listed_and_served(sandbox: Sandbox) -> None:
    response = upload(sandbox)
    assert response.status_code == 201
    file = response.json()["File"]
    assert set(file) == {"@url", "Comments", "Id", "Name", "Path", "Size", "ArchiveFileId"}
    assert file["Name"] == "kvitto-9f3c2a.pdf" and file["Path"] == "inbox_v" and file["Size"] == len(PDF)
    assert len(file["Id"]) == 36 and file["Id"].count("-") == 4
    assert inbox_ids(sandbox) == [file["Id"]]
    served = sandbox.api.get(f"/inbox/{file['Id']}")
    assert served.content == PDF and served.headers["content-type"] == "application/pdf"


def test_root_inbox_lists_the_static_folders(sandbox: Sandbox) -> None:
    folder = sandbox.api.get("/inbox").json()["Folder"]
    assert folder["Id"] == "root" and "inbox_v" in {f["Id"] for f in folder["Folders"]}


def test_folderid_parameter_also_selects_the_folder(sandbox: Sandbox) -> None:
    file_id = uploaded_id(sandbox, param="folderid")
    assert inbox_ids(sandbox) == [file_id]


@pytest.mark.parametrize("name, data", [("a.jpg", JPEG), ("a.JPEG", JPEG), ("a.tif", TIFF_LE), ("a.tiff", TIFF_BE)])
def test_jpeg_and_tiff_are_accepted(sandbox: Sandbox, name: str, data: bytes) -> None:
    assert upload(sandbox, name=name, data=data).status_code == 201


@pytest.mark.parametrize("name, data", [("a.png", PNG), ("a.txt", b"hello"), ("a.pdf", b"")])
def test_other_file_types_are_refused(sandbox: Sandbox, name: str, data: bytes) -> None:
    assert_refused(sandbox, upload(sandbox, name=name, data=data), e.FILE_TYPE_CODE)


@pytest.mark.parametrize("name, data", [("kvitto.pdf", JPEG), ("kvitto.jpg", PDF), ("kvitto.pdf", PNG),
                                        ("kvitto", PDF)])
def test_file_that_is_not_what_its_name_says_is_refused(sandbox: Sandbox, name: str, data: bytes) -> None:
    assert_refused(sandbox, upload(sandbox, name=name, data=data), e.FILE_TYPE_CODE)


def test_declared_content_type_must_match_the_bytes(sandbox: Sandbox) -> None:
    assert_refused(sandbox, upload(sandbox, content_type="image/png"), e.FILE_TYPE_CODE)


def test_file_of_exactly_the_maximum_size_is_accepted(sandbox: Sandbox) -> None:
    data = PDF + b"0" * (spec.MAX_ATTACHMENT_BYTES - len(PDF))
    assert upload(sandbox, data=data).json()["File"]["Size"] == spec.MAX_ATTACHMENT_BYTES


def test_file_over_the_maximum_size_is_refused(sandbox: Sandbox) -> None:
    data = PDF + b"0" * (spec.MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    assert_refused(sandbox, upload(sandbox, data=data), e.FILE_TOO_LARGE_CODE)


def test_upload_without_file_field_is_refused(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/inbox", params={"path": "inbox_v"}, files={"attachment": ("a.pdf", PDF)})
    assert_refused(sandbox, response, e.FILE_MISSING_CODE)


def test_upload_that_is_not_multipart_is_refused(sandbox: Sandbox) -> None:
    response = sandbox.api.post("/inbox", params={"path": "inbox_v"}, content=PDF,
                                headers={"Content-Type": "application/pdf"})
    assert_refused(sandbox, response, spec.INVALID_CONTENT_TYPE_CODE)


def test_upload_to_unknown_folder_is_refused(sandbox: Sandbox) -> None:
    assert_refused(sandbox, upload(sandbox, folder="inbox_x"), e.UNKNOWN_FOLDER_CODE)


def test_file_name_with_invalid_characters_is_refused(sandbox: Sandbox) -> None:
    assert_refused(sandbox, upload(sandbox, name="kvitto[1].pdf"), spec.INVALID_CHARACTERS_CODE)


def test_deleted_file_is_gone(sandbox: Sandbox) -> None:
    file_id = uploaded_id(sandbox)
    assert sandbox.api.delete(f"/inbox/{file_id}").status_code == 204
    assert inbox_ids(sandbox) == []
    assert_error(sandbox.api.get(f"/inbox/{file_id}"), 404, e.FILE_NOT_FOUND_CODE)


def test_file_ids_are_deterministic(sandbox: Sandbox) -> None:
    first = uploaded_id(sandbox)
    sandbox.reset()
    assert uploaded_id(sandbox) == first


# --- voucher file connections -------------------------------------------------------------------------------
def book(sandbox: Sandbox, day: str, year: int, description: str = "Kortköp") -> int:
    response = sandbox.api.post("/vouchers", json=voucher(TransactionDate=day, Description=description),
                                params={"financialyear": year})
    assert response.status_code == 201, response.text
    return response.json()["Voucher"]["VoucherNumber"]


def connect(sandbox: Sandbox, file_id: str, number: Any, year: int | None, series: str = "K", **extra: Any):
    body = {"VoucherFileConnection": {"FileId": file_id, "VoucherNumber": number, "VoucherSeries": series, **extra}}
    return sandbox.api.post("/voucherfileconnections", json=body,
                            params={"financialyear": year} if year else None)


def test_file_connects_to_the_voucher_of_the_given_year(sandbox: Sandbox) -> None:
    book(sandbox, "2025-09-01", 1, "Kortköp 2025")
    book(sandbox, "2026-01-10", 2, "Kortköp 2026")
    file_id = uploaded_id(sandbox)
    response = connect(sandbox, file_id, "1", 1)
    assert response.status_code == 201, response.text
    assert response.json()["VoucherFileConnection"] | {"@url": ""} == {
        "@url": "", "FileId": file_id, "Name": "kvitto-9f3c2a.pdf", "VoucherDescription": "Kortköp 2025",
        "VoucherNumber": "1", "VoucherSeries": "K", "VoucherYear": 1}
    assert inbox_ids(sandbox) == []  # moved to the connected files
    assert sandbox.api.get(f"/inbox/{file_id}").content == PDF


def test_connection_without_financial_year_lands_in_the_preselected_year(sandbox: Sandbox) -> None:
    book(sandbox, "2025-09-01", 1)
    book(sandbox, "2026-01-10", 2)
    response = connect(sandbox, uploaded_id(sandbox), 1, None)
    assert response.json()["VoucherFileConnection"]["VoucherYear"] == 2  # the wrong-year pitfall


def test_connection_to_a_voucher_missing_in_that_year_is_refused(sandbox: Sandbox) -> None:
    book(sandbox, "2025-09-01", 1)
    assert_error(connect(sandbox, uploaded_id(sandbox), 1, None), 400, e.VOUCHER_NOT_FOUND_CODE)
    assert_error(connect(sandbox, uploaded_id(sandbox), 2, 1), 400, e.VOUCHER_NOT_FOUND_CODE)


def test_file_connects_only_once(sandbox: Sandbox) -> None:
    book(sandbox, "2026-01-10", 2)
    book(sandbox, "2026-01-11", 2)
    file_id = uploaded_id(sandbox)
    assert connect(sandbox, file_id, 1, 2).status_code == 201
    assert_error(connect(sandbox, file_id, 2, 2), 400, e.FILE_ALREADY_CONNECTED_CODE)
    assert_error(connect(sandbox, file_id, 1, 2), 400, e.FILE_ALREADY_CONNECTED_CODE)


def test_connection_to_unknown_file_is_refused(sandbox: Sandbox) -> None:
    book(sandbox, "2026-01-10", 2)
    assert_error(connect(sandbox, "00000000-0000-4000-8000-000000000000", 1, 2), 400, e.FILE_NOT_FOUND_CODE)


def test_connection_with_read_only_field_is_refused(sandbox: Sandbox) -> None:
    book(sandbox, "2026-01-10", 2)
    response = connect(sandbox, uploaded_id(sandbox), 1, 2, VoucherYear=2)
    assert_error(response, 400, spec.INVALID_FIELD_NAME_CODE)


def test_connections_are_listed_per_year_and_can_be_removed(sandbox: Sandbox) -> None:
    book(sandbox, "2025-09-01", 1)
    book(sandbox, "2026-01-10", 2)
    old, new = uploaded_id(sandbox), uploaded_id(sandbox)
    connect(sandbox, old, 1, 1)
    connect(sandbox, new, 1, 2)
    listed = sandbox.api.get("/voucherfileconnections", params={"financialyear": 1}).json()
    assert [c["FileId"] for c in listed["VoucherFileConnections"]] == [old]
    assert sandbox.api.get(f"/voucherfileconnections/{new}").json()["VoucherFileConnection"]["VoucherYear"] == 2
    assert_error(sandbox.api.delete(f"/inbox/{new}"), 400, e.FILE_ALREADY_CONNECTED_CODE)
    assert sandbox.api.delete(f"/voucherfileconnections/{new}").status_code == 204
    assert sandbox.api.get(f"/voucherfileconnections/{new}").status_code == 404
    assert inbox_ids(sandbox) == [new]
