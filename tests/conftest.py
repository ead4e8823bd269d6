from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.domain.transactions import Transaction
from juni_tui.services.store.home import Home

# Tests never touch the real user data folder.
os.environ.pop("JUNI_TUI_HOME", None)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def make_tx(tx_id: str = "tx1", **fields) -> Transaction:
    values = dict(id=tx_id, date=date(2026, 10, 5), merchant="Adobe", amount=Decimal("-1250.00"))
    values.update(fields)
    return Transaction(**values)


# --- a Fortnox sandbox and a store connected to it -------------------------------------------------------------

from collections.abc import Iterator  # noqa: E402

from juni_tui.services.store import Store  # noqa: E402


@pytest.fixture
def sandbox_factory():
    from juni_tui.sandbox import SandboxConfig, SandboxServer

    servers = []

    def start(**config):
        server = SandboxServer(SandboxConfig(**config)).start()
        servers.append(server)
        return server

    yield start
    from tests.helpers import stop_in_background

    for server in servers:
        stop_in_background(server)


def pytest_sessionfinish(session, exitstatus) -> None:
    from tests.helpers import join_stopped_servers

    join_stopped_servers()


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory()


@pytest.fixture
def store(home) -> Iterator[Store]:
    with Store.open(home) as opened:
        yield opened


@pytest.fixture
def connected(store, sandbox) -> Store:
    """A store whose Fortnox settings point at the sandbox's demo company (service account)."""
    from juni_tui.commands.demo import connect_to_sandbox

    connect_to_sandbox(store, sandbox)
    return store


@pytest.fixture
def quick_flush(monkeypatch) -> None:
    """The app streams store changes to the screen in batches, every ``juni_tui.app.FLUSH_SECONDS`` (0.1 s); here
    every 0.02 s. The changes still go through the same timer and batches; the settles that wait for one flush
    (``app.FLUSH_SECONDS + 0.05``, read when they run) wait less. Used by the TUI test modules (pytestmark)."""
    import juni_tui.app

    monkeypatch.setattr(juni_tui.app, "FLUSH_SECONDS", 0.02)
