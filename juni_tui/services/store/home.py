"""The company's home folder: where every file juni-tui keeps lives (``--home``, ``$JUNI_TUI_HOME`` or the user's
data folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_HOME = "JUNI_TUI_HOME"


@dataclass(frozen=True)
class Home:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def db(self) -> Path:
        return self.root / "juni.json"

    @property
    def db_backup(self) -> Path:
        """The copy of juni.json from before its last save."""
        return self.root / "juni.json.bak"

    @property
    def journal(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def audit(self) -> Path:
        return self.root / "audit.jsonl"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def default_inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def tokens(self) -> Path:
        return self.root / "fortnox-tokens.json"

    @property
    def token_lock(self) -> Path:
        return self.root / ".fortnox-tokens.lock"

    @property
    def credentials(self) -> Path:
        return self.root / "fortnox-credentials.json"

    @property
    def lock(self) -> Path:
        return self.root / ".juni-tui.lock"

    @property
    def owner(self) -> Path:
        return self.root / ".juni-tui.owner"

    @property
    def sandbox_state(self) -> Path:
        return self.root / "sandbox-state.json"

    def ensure(self) -> "Home":
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.receipts.mkdir(exist_ok=True, mode=0o700)
        return self


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Home:
    """``--home DIR``, else ``$JUNI_TUI_HOME``, else the platform's user data folder."""
    if explicit:
        root = Path(explicit)
    elif os.environ.get(ENV_HOME):
        root = Path(os.environ[ENV_HOME])
    else:
        root = Path(platformdirs.user_data_dir("juni-tui", appauthor=False))
    return Home(root.expanduser().resolve())
