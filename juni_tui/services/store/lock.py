"""One writer: the lock a store holds on its home for its lifetime, with a note of who holds it, so that a second
juni-tui is told who to close."""

from __future__ import annotations

import os
import socket

import filelock

from juni_tui.services.store.audit import now
from juni_tui.services.store.checks import StoreError, StoreLockedError, os_reason, show
from juni_tui.services.store.home import Home


class HomeLock:
    """``acquire`` raises ``StoreLockedError`` (naming the holder) if another process holds the home."""

    def __init__(self, home: Home, user: str) -> None:
        self.home = home
        self.user = user
        self._lock: filelock.BaseFileLock | None = None

    def acquire(self) -> None:
        lock = filelock.FileLock(self.home.lock, timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            try:
                owner = self.home.owner.read_text(encoding="utf-8").strip() or None
            except (OSError, ValueError):
                owner = None
            raise StoreLockedError(self.home.root, show(owner)[1:-1] if owner else None) from None
        except OSError as exc:
            raise StoreError(
                f"juni-tui cannot lock {self.home.root} (the lock file {self.home.lock.name}): "
                f"{os_reason(exc, self.home.lock)[0]}. Check that you may write to that folder and that file, "
                "then try again."
            ) from None
        self._lock = lock
        try:
            self.home.owner.write_text(
                f"pid {os.getpid()} on {socket.gethostname()}, user {self.user}, since {now()}", encoding="utf-8"
            )
        except OSError:
            pass

    def release(self) -> None:
        if self._lock is not None:
            try:
                self.home.owner.unlink(missing_ok=True)
            except OSError:
                pass
            self._lock.release()
            self._lock = None
