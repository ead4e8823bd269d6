"""``juni-tui sandbox`` as a user runs it: a subprocess that answers within 2 seconds of starting."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "juni_tui", "sandbox", *args], capture_output=True, text=True,
                          timeout=30)


def test_sandbox_command_answers_within_two_seconds() -> None:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "juni_tui", "sandbox", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        response = None
        while time.monotonic() - started < 2.0 and response is None:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/oauth-v1/token", timeout=0.5, verify=False,
                                      auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": DEMO_TENANT_ID},
                                      data={"grant_type": "client_credentials"})
            except httpx.TransportError:
                time.sleep(0.02)
        assert response is not None and response.status_code == 200, "no answer within 2 s"
        assert time.monotonic() - started < 2.0
        token = response.json()["access_token"]
        info = httpx.get(f"http://127.0.0.1:{port}/3/companyinformation", verify=False,
                         headers={"Authorization": f"Bearer {token}"})
        assert info.json()["CompanyInformation"]["DatabaseNumber"] == int(DEMO_TENANT_ID)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/3" in out and DEMO_CLIENT_ID in out


def test_non_loopback_host_is_refused() -> None:
    result = run("--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2 and "not loopback" in result.stderr


def test_corrupt_state_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{oops")
    result = run("--state", str(state), "--port", "0")
    assert result.returncode == 2 and "refusing to start" in result.stderr
    assert state.read_text() == "{oops"


def test_bad_fault_option_is_refused() -> None:
    result = run("--error-rate", "2", "--port", "0")
    assert result.returncode == 2 and "error_rate" in result.stderr
