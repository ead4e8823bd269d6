"""Run the sandbox in-process: uvicorn in a background thread on a socket bound before it starts."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from .app import Sandbox, create_app
from .config import SandboxConfig
from .gate import quiet_dropped_connections

START_TIMEOUT_SECONDS = 10.0


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, so that asyncio sets TCP_NODELAY on accepted connections; with proto 0 it does not,
    # and every keep-alive response waits ~40 ms for a delayed ACK between its head and its body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app, log_level: str = "warning") -> uvicorn.Server:
    quiet_dropped_connections()
    # A short graceful shutdown, so that a request hanging on purpose does not hold up stop().
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off",
                            timeout_graceful_shutdown=1)
    return uvicorn.Server(config)


class SandboxServer:
    """A sandbox on a free (or given) loopback port, for tests and ``make demo``.

    Use it as a context manager, or call start() and stop(). start() returns once the server answers.
    """

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self._requested_port = port
        self.port = 0
        self.app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/3"

    @property
    def auth_url(self) -> str:
        return self.base_url + "/oauth-v1"

    @property
    def admin_url(self) -> str:
        return self.base_url + "/_sandbox"

    @property
    def sandbox(self) -> Sandbox:
        assert self.app is not None, "start() the server first"
        return self.app.state.sandbox

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already running")
        self.app = create_app(self.config)  # raises StateFileError before anything listens
        self._socket = bind(self.host, self._requested_port)
        self.port = self._socket.getsockname()[1]
        self._server = uvicorn_server(self.app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"fortnox-sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
