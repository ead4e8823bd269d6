"""juni.json and the history archives on disk: the TinyDB storage that replaces its file atomically, keeps the
previous good file as ``.bak``, and never treats an unreadable file as empty."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from juni_tui.services.store.checks import check_tables, juni_db_file, parse_json, read_bytes
from juni_tui.services.store.documents import dumps
from juni_tui.services.store.files import atomic_write


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically and never treats an unreadable file as empty.

    The previous good file is kept as ``<name>.bak`` (a hard link, so it costs no copy). Only a file that is a
    readable, non-empty juni-tui database becomes the backup: an empty or damaged file never replaces a good copy.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        #: "missing", "empty" (0 bytes or whitespace) or "ok" after ``read``
        self.state = "missing"
        self._good: tuple[int, int, int] | None = None  # the file as last read or written, known to be good

    def read(self) -> dict[str, dict[str, Any]] | None:
        raw = read_bytes(self.path)
        if raw is None:
            self.state = "missing"
            return None
        if not raw.strip():
            self.state = "empty"
            return None
        data = check_tables(self.path, parse_json(self.path, raw))
        self.state = "ok"
        if data:
            self._good = _signature(self.path)
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = dumps(data)
        self._backup()
        atomic_write(self.path, payload)
        self._good = _signature(self.path) if data else None

    def _backup(self) -> None:
        current = _signature(self.path)
        if current is None:
            return
        if current != self._good and juni_db_file(self.path) is None:
            return  # never replace a good backup with a worse file
        backup = self.path.with_name(self.path.name + ".bak")
        link = self.path.with_name(f".{self.path.name}.bak.tmp")
        try:
            link.unlink(missing_ok=True)
            os.link(self.path, link)
            os.replace(link, backup)
        except OSError:
            pass  # the backup is a courtesy; the atomic replace is what protects the data


def open_tinydb(path: Path) -> TinyDB:
    return TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage))
