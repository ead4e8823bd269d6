"""State: the admin view of what is booked, reset, the clock, and persistence across a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from juni_tui.sandbox import SandboxConfig, SandboxServer, StateFileError
from tests.sandbox.sandbox_helpers import PDF_BYTES, VALID_VOUCHER, Sandbox


def book_and_attach(sandbox: Sandbox) -> str:
    assert sandbox.api.post("/vouchers", json=VALID_VOUCHER).status_code == 201
    upload = sandbox.api.post("/inbox", params={"path": "inbox_v"}, files={"file": ("kvitto.pdf", PDF_BYTES)})
    file_id = upload.json()["File"]["Id"]
    body = {"VoucherFileConnection": {"FileId": file_id, "VoucherNumber": 1, "VoucherSeries": "K"}}
    assert sandbox.api.post("/voucherfileconnections", json=body, params={"financialyear": 2}).status_code == 201
    return file_id


def test_admin_state_lists_vouchers_with_rows_files_and_connections(sandbox: Sandbox) -> None:
    file_id = book_and_attach(sandbox)
    state = sandbox.admin.get("/state").json()
    [booked] = state["vouchers"]
    assert booked["FinancialYear"] == {"Id": 2, "FromDate": "2026-01-01", "ToDate": "2026-12-31"}
    assert [r["Account"] for r in booked["VoucherRows"]] == [6540, 2640, 2890]
    assert state["files"] == [{"Id": file_id, "Name": "kvitto.pdf", "Path": "inbox_v", "Size": len(PDF_BYTES),
                               "ContentType": "application/pdf", "Comments": "", "Connected": True,
                               "ArchiveFileId": state["files"][0]["ArchiveFileId"]}]
    assert state["connections"] == [{"FileId": file_id, "VoucherSeries": "K", "VoucherNumber": 1, "VoucherYear": 2}]


def test_reset_goes_back_to_the_seeded_state(sandbox: Sandbox) -> None:
    book_and_attach(sandbox)
    sandbox.advance(100)
    sandbox.reset()
    assert sandbox.admin.get("/state").json() == {"vouchers": [], "files": [], "connections": []}
    assert sandbox.admin.get("/clock").json()["offset_seconds"] == 0
    assert sandbox.api.post("/vouchers", json=VALID_VOUCHER).json()["Voucher"]["VoucherNumber"] == 1


def test_clock_only_moves_forward(sandbox: Sandbox) -> None:
    assert sandbox.admin.post("/clock", json={"advance": 30}).json()["offset_seconds"] == 30
    assert sandbox.admin.post("/clock", json={"advance": -5}).status_code == 400


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(state_file=tmp_path / "sandbox.json")
    with SandboxServer(config) as server:
        first = Sandbox(server)
        file_id = book_and_attach(first)
        token = first.client_credentials()
        first.close()
    with SandboxServer(config) as server:
        again = Sandbox(server)
        api = again.client(token)  # tokens survive too, as they do at Fortnox
        assert api.get("/inbox/" + file_id).content == PDF_BYTES
        assert api.get("/voucherfileconnections/" + file_id).status_code == 200
        assert api.post("/vouchers", json=VALID_VOUCHER).json()["Voucher"]["VoucherNumber"] == 2
        again.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_reset_is_persisted(tmp_path: Path) -> None:
    config = SandboxConfig(state_file=tmp_path / "sandbox.json")
    with SandboxServer(config) as server:
        sandbox = Sandbox(server)
        book_and_attach(sandbox)
        sandbox.reset()
        sandbox.close()
    assert json.loads(config.state_file.read_text())["vouchers"] == {}
    assert list((tmp_path / "sandbox.json.files").iterdir()) == []


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"version": 99}', b'{"version": 1}', b""])
def test_unreadable_state_file_is_refused_and_left_alone(tmp_path: Path, content: bytes) -> None:
    state_file = tmp_path / "sandbox.json"
    state_file.write_bytes(content)
    with pytest.raises(StateFileError, match="refusing to start"):
        SandboxServer(SandboxConfig(state_file=state_file)).start()
    assert state_file.read_bytes() == content


def test_state_file_whose_file_bytes_are_missing_is_refused(tmp_path: Path) -> None:
    config = SandboxConfig(state_file=tmp_path / "sandbox.json")
    with SandboxServer(config) as server:
        sandbox = Sandbox(server)
        file_id = book_and_attach(sandbox)
        sandbox.close()
    (tmp_path / "sandbox.json.files" / file_id).unlink()
    with pytest.raises(StateFileError, match="missing"):
        SandboxServer(config).start()


def test_sandbox_never_imports_textual() -> None:
    code = ("import sys, juni_tui.sandbox.cli, juni_tui.sandbox as s; "
            "s.SandboxServer().start().stop(); print(sorted(m for m in sys.modules if m.startswith('textual')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "[]", result.stderr
