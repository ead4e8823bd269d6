"""Fixtures for the sandbox tests; the helpers are in sandbox_helpers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from juni_tui.sandbox import SandboxConfig, SandboxServer
from tests.helpers import stop_in_background
from tests.sandbox.sandbox_helpers import OTHER_CLIENT, TEST_REDIRECT, Sandbox


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox with the given SandboxConfig fields; it stops when the test ends."""
    started: list[Sandbox] = []

    def make(**config: Any) -> Sandbox:
        config.setdefault("redirect_uris", [TEST_REDIRECT])
        config.setdefault("clients", [OTHER_CLIENT])
        sandbox = Sandbox(SandboxServer(SandboxConfig(**config)).start())
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.close()
        stop_in_background(sandbox.server)


@pytest.fixture(scope="session")
def shared_server() -> Iterator[SandboxServer]:
    """One default sandbox per test process; the `sandbox` fixture resets it before each test."""
    server = SandboxServer(SandboxConfig(redirect_uris=[TEST_REDIRECT], clients=[OTHER_CLIENT])).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(shared_server: SandboxServer) -> Iterator[Sandbox]:
    """The default sandbox, back in its seeded state."""
    sandbox = Sandbox(shared_server)
    sandbox.reset()
    yield sandbox
    sandbox.close()
