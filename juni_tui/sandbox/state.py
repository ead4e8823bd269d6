"""Everything the sandbox has booked or issued, in memory, optionally persisted atomically to a JSON file.

The state file holds vouchers, files (their metadata), file connections, OAuth consents and tokens, counters and
the sandbox clock. File bytes live beside it, one file each in ``<state file>.files/``, written before the state
that names them. A state file that cannot be read is never overwritten: the sandbox refuses to start.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from juni_tui.services.fortnox.spec import KNOWN_SCOPES
from juni_tui.services.store.files import atomic_write

from .config import DEMO_CLIENT_ID, DEMO_TENANT_ID

STATE_VERSION = 1
# The demo company already gave the demo app a service-account consent, so client_credentials works at once.
DEMO_CONSENT_ID = "demo-service-account"


class StateFileError(Exception):
    """The state file exists but cannot be used."""


def _empty() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "clock_offset": 0.0,
        "counters": {},
        # keyed "K/2/17" (series / financial-year id / number)
        "vouchers": {},
        # keyed by file id; the bytes are in SandboxState.blobs
        "files": {},
        # keyed by file id
        "connections": {},
        "consents": {
            DEMO_CONSENT_ID: {"client_id": DEMO_CLIENT_ID, "tenant_id": DEMO_TENANT_ID, "scopes": sorted(KNOWN_SCOPES),
                              "service": True, "offline": True, "revoked": False},
        },
        "codes": {},
        "access_tokens": {},
        "refresh_tokens": {},
    }


class SandboxState:
    def __init__(self, state_file: Path | None = None, initial: dict[str, Any] | None = None) -> None:
        self.state_file = Path(state_file) if state_file else None
        self.data: dict[str, Any] = initial if initial is not None else _empty()
        self.blobs: dict[str, bytes] = {}

    # --- loading and saving ------------------------------------------------------------------------------
    @classmethod
    def open(cls, state_file: Path | None) -> SandboxState:
        """A fresh state, or the one in ``state_file`` if it exists. Raises StateFileError if it is unusable."""
        if state_file is None:
            return cls()
        path = Path(state_file)
        if not path.exists():
            state = cls(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            state.commit()
            return state
        state = cls(path, _parse(path))
        for file_id in state.data["files"]:
            blob = state.blob_dir / file_id
            try:
                state.blobs[file_id] = blob.read_bytes()
            except OSError as exc:
                raise StateFileError(f"{path}: the bytes of file {file_id} are missing ({exc}); "
                                     "refusing to start so as not to overwrite the state") from None
        return state

    @property
    def blob_dir(self) -> Path:
        assert self.state_file is not None
        return self.state_file.with_name(self.state_file.name + ".files")

    def commit(self) -> None:
        """Persist after a change (a no-op without a state file)."""
        if self.state_file is None:
            return
        atomic_write(self.state_file, json.dumps(self.data, ensure_ascii=False, indent=1).encode())

    def store_blob(self, file_id: str, data: bytes) -> None:
        self.blobs[file_id] = data
        if self.state_file is not None:
            self.blob_dir.mkdir(exist_ok=True)
            atomic_write(self.blob_dir / file_id, data)

    def drop_blob(self, file_id: str) -> None:
        self.blobs.pop(file_id, None)
        if self.state_file is not None:
            (self.blob_dir / file_id).unlink(missing_ok=True)

    def reset(self) -> None:
        """Back to the seeded state: nothing booked, no tokens but the seeded consents."""
        for file_id in list(self.blobs):
            self.drop_blob(file_id)
        self.data = _empty()
        self.commit()

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    # --- clock and counters ------------------------------------------------------------------------------
    def now(self) -> float:
        """The sandbox clock: wall time plus whatever the admin path added."""
        return time.time() + self.data["clock_offset"]

    def advance_clock(self, seconds: float) -> None:
        self.data["clock_offset"] += seconds
        self.commit()

    def next_number(self, counter: str) -> int:
        counters = self.data["counters"]
        counters[counter] = counters.get(counter, 0) + 1
        return counters[counter]


def _parse(path: Path) -> dict[str, Any]:
    refuse = "; refusing to start so as not to overwrite it (move it away, or pass another --state)"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise StateFileError(f"{path}: cannot read the sandbox state ({exc}){refuse}") from None
    expected = _empty()
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise StateFileError(f"{path}: not a sandbox state file of version {STATE_VERSION}{refuse}")
    for key, value in expected.items():
        if not isinstance(data.get(key), type(value)) and not (key == "clock_offset" and isinstance(data.get(key), int)):
            raise StateFileError(f"{path}: field {key!r} is missing or has the wrong type{refuse}")
    return data
