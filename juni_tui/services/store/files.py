"""Durable writes: the one place that knows how to replace a file without ever leaving half of one, how to append
without leaving half a line, and how to make either reach the disk (``sync``: fdatasync, F_FULLFSYNC on macOS, or
fsync)."""

from __future__ import annotations

import os
import tempfile

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, ``os.replace``, fsync the folder.

    ``mode`` (e.g. ``0o600`` for secrets) is set on the temp file before any byte is written, so a secret is never
    readable by others, not even for a moment.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            sync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def remove_stale_temp_files(directory: Path, name: str) -> None:
    """Delete temp files an interrupted ``atomic_write`` of ``name`` left behind."""
    for leftover in Path(directory).glob(f".{name}.*.tmp"):
        try:
            leftover.unlink()
        except OSError:
            pass


def sync(fd: int) -> None:
    """Make what was written to ``fd`` durable: ``fdatasync`` where it exists (Linux), ``F_FULLFSYNC`` on macOS
    (whose ``fsync`` only reaches the drive's cache), else ``fsync``. Every durable append goes through here."""
    fdatasync = getattr(os, "fdatasync", None)
    if fdatasync is not None:
        fdatasync(fd)
        return
    full = getattr(fcntl, "F_FULLFSYNC", None) if fcntl is not None else None
    if full is not None:
        try:
            fcntl.fcntl(fd, full)
            return
        except OSError:  # pragma: no cover - file systems that refuse it (network shares): fsync is the best left
            pass
    os.fsync(fd)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be short); raises the first ``OSError``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_durably(fd: int, data: bytes) -> int:
    """Append ``data`` to the file open on ``fd`` (``O_APPEND``) and make it durable. If anything fails, the file is
    cut back to its size before the append, so a half-written line never stays behind a later one; the error is
    raised either way. Returns the size before the append.

    Raises ``UndoFailed`` (carrying the first error) when even the cut-back fails.
    """
    before = os.fstat(fd).st_size
    try:
        write_all(fd, data)
        sync(fd)
    except OSError as exc:
        try:
            os.ftruncate(fd, before)
            sync(fd)
        except OSError as undo:
            raise UndoFailed(exc, undo) from exc
        raise
    return before


class UndoFailed(OSError):
    """An append failed and the file could not be cut back to its previous size."""

    def __init__(self, error: OSError, undo: OSError) -> None:
        super().__init__(error.errno, error.strerror)
        self.error = error
        self.undo = undo
