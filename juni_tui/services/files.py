"""Safe file writes: the one place that knows how to replace a file without ever leaving half of one."""

from __future__ import annotations

import os
import tempfile
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
            os.fsync(handle.fileno())
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


def append_line(path: Path, line: bytes, *, durable: bool = True) -> None:
    """Append one line to an append-only log; with ``durable`` it is on disk when this returns."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line if line.endswith(b"\n") else line + b"\n")
        if durable:
            os.fdatasync(fd) if hasattr(os, "fdatasync") else os.fsync(fd)
    finally:
        os.close(fd)
