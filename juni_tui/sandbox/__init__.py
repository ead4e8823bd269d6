"""A local Fortnox-compatible API server, at least as strict as Fortnox, that misbehaves on demand.

See docs/sandbox.md. Nothing here imports Textual.
"""

from .app import create_app
from .config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REDIRECT_URIS,
    DEMO_TENANT_ID,
    ClientApp,
    FaultConfig,
    SandboxConfig,
)
from .runner import SandboxServer
from .state import StateFileError

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_REDIRECT_URIS",
    "DEMO_TENANT_ID",
    "ClientApp",
    "FaultConfig",
    "SandboxConfig",
    "SandboxServer",
    "StateFileError",
    "create_app",
]
