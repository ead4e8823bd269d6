"""journal.jsonl, the write-ahead journal: the check of each entry, its reader (consecutive changes, a torn last
line reported), and the ``Journal`` that appends one durable line per commit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from juni_tui.services.store.checks import (
    DOC_CHECKS,
    HISTORY,
    JOURNAL_ADVICE,
    CorruptDataError,
    Doc,
    StoreError,
    StoreWriteError,
    check_archive_doc,
    is_int,
    os_reason,
    read_bytes,
    show,
)
from juni_tui.services.store.documents import dumps
from juni_tui.services.store.files import UndoFailed, append_durably, fsync_dir, sync
from juni_tui.services.store.lines import LinesRead, read_lines


def check_journal_entry(entry: Any) -> str | None:
    """What is wrong with one journal line's entry; None if it is a journal entry."""
    if not isinstance(entry, dict):
        return "not a journal entry"
    if not is_int(entry.get("seq")) or entry["seq"] < 1:
        return f"seq {show(entry.get('seq'))} is not a change number"
    ops = entry.get("ops")
    if not isinstance(ops, list):
        return "it has no list of operations"
    for op in ops:
        if not (isinstance(op, list) and len(op) == 4 and isinstance(op[1], str) and isinstance(op[2], str)):
            return f"operation {show(op)} is not an operation"
        if op[0] == "put":
            if not isinstance(op[3], dict):
                return f"operation on {show(op[1])} puts no document"
            check = check_archive_doc if op[1] == HISTORY else DOC_CHECKS.get(op[1])
            problem = check(op[3]) if check else None  # other tables: their key is checked when replayed
            if problem:
                return f"a {op[1]} document: {problem}"
        elif op[0] == "del":
            if not isinstance(op[3], (str, int)) or isinstance(op[3], bool):
                return f"operation on {show(op[1])} deletes no key"
        else:
            return f"operation {show(op[0])} is unknown"
    audit = entry.get("audit", [])
    if not isinstance(audit, list) or not all(isinstance(r, dict) for r in audit):
        return "its audit records are not records"
    return None


def parse_journal(path: Path, raw: bytes) -> LinesRead:
    """The entries of a journal, oldest first. An unfinished last line is reported (``torn``), not an error; a
    damaged line anywhere else is a ``CorruptDataError`` naming the line. Seqs must be consecutive."""

    def damaged(number: int, problem: str) -> CorruptDataError:
        return CorruptDataError(path, f"line {number} is damaged ({problem})", JOURNAL_ADVICE)

    def follows(number: int, entry: Doc, entries: list[tuple[int, Doc]]) -> None:
        if entries and entry["seq"] != entries[-1][1]["seq"] + 1:
            raise CorruptDataError(
                path, f"line {number} holds change {entry['seq']} right after change {entries[-1][1]['seq']}: "
                "changes are missing in between", JOURNAL_ADVICE)

    return read_lines(raw, check_journal_entry, damaged, follows)


class Journal:
    """Append-only JSON lines, made durable per append.

    An unfinished last line (a crash mid-append, never acknowledged) is cut off on open; a damaged line anywhere
    else means the file is corrupt, and it is left as it is. An append that fails (a full disk) is cut back before
    the error is raised, so a half line never stays in front of a later, acknowledged one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.size = 0
        #: set when a failed append could not be undone: no more writes in this process
        self.broken: str | None = None

    def parse(self) -> LinesRead:
        return parse_journal(self.path, read_bytes(self.path) or b"")

    def repair(self, read: LinesRead) -> None:
        """Cut off an unfinished last line; complete a last entry whose newline is missing."""
        self.size = read.good_size
        if read.torn:
            with open(self.path, "r+b") as handle:
                handle.truncate(read.good_size)
                handle.flush()
                sync(handle.fileno())
        elif read.missing_newline:
            self._write(b"\n", "the journal")

    def _write(self, data: bytes, what: str) -> None:
        if self.broken:
            raise StoreError(self.broken)
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            before = append_durably(self._fd, data)
        except UndoFailed as exc:
            reason, _ = os_reason(exc.error, self.path)
            self.broken = (
                f"juni-tui could not save {what} ({reason}), nor remove what it had begun to write to {self.path}. "
                "It will not write anything more in this session, so that nothing follows it: close juni-tui, fix "
                "the cause, and start it again. At the start a half-written change is dropped (if the disk kept "
                "all of it, it is kept: check it then); every change confirmed before is kept."
            )
            raise StoreWriteError(what, exc.error, self.path, message=self.broken) from None
        except OSError as exc:
            raise StoreWriteError(what, exc, self.path) from None
        self.size = before + len(data)

    def append(self, entry: Doc, what: str = "this change") -> None:
        self._write(dumps(entry) + b"\n", what)

    def reset(self) -> None:
        self.close()
        with open(self.path, "wb") as handle:
            sync(handle.fileno())
        fsync_dir(self.path.parent)
        self.size = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
