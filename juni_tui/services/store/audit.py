"""audit.jsonl, the processing history: who did what and when, append-only, never rewritten.

Every audit record is first written in the journal entry of the change it describes (one durable write). The
``AuditLog`` brings audit.jsonl up to date from the journal's entries (after each commit, best effort; at open;
before a checkpoint empties the journal), idempotently: each line carries the ``seq`` of its journal entry, so a
record is written once.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from juni_tui.services.store.checks import DOCTOR, CorruptDataError, Doc, StoreError, is_int, read_bytes
from juni_tui.services.store.documents import dumps
from juni_tui.services.store.files import append_durably
from juni_tui.services.store.lines import LinesRead, read_lines

#: The ``"ids": [...]`` lists in audit.jsonl, found without parsing each record.
_AUDIT_IDS = re.compile(rb'"ids"\s*:\s*\[([^\]]*)\]')


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database (some containers)
        return str(os.getuid())


def now() -> str:
    """The time a journal entry, an audit record or the lock's owner note names: UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _record_problem(record: object) -> str | None:
    if not isinstance(record, dict) or ("seq" in record and not is_int(record["seq"])):
        return "not a record"
    return None


def parse_audit(path: Path, raw: bytes) -> LinesRead:
    """audit.jsonl's records. A torn last line is left out; a damaged line elsewhere is a ``CorruptDataError``."""

    def damaged(number: int, _problem: str) -> CorruptDataError:
        return CorruptDataError(path, f"line {number} is damaged",
                                f"It is the processing history; juni-tui has not changed it. {DOCTOR}")

    return read_lines(raw, _record_problem, damaged)


class AuditLog:
    """audit.jsonl, brought up to date from the journal: each line carries the seq of the journal entry that holds
    its record, so writing the same entries again adds nothing (idempotent)."""

    def __init__(self, path: Path, pending: list[tuple[int, list[Doc]]] | None = None) -> None:
        self.path = path
        #: journal entries whose audit records audit.jsonl may not hold yet: (seq, records)
        self.pending: list[tuple[int, list[Doc]]] = pending or []
        self._known: tuple[int, tuple[int, int], int] | None = None  # (file size, position, good size)

    def _scan(self) -> tuple[tuple[int, int], int, int]:
        """``((seq, n), good, size)``: the last journal seq in the file and how many of that entry's records are
        there; the size up to the last complete line; the file's size. Reads only the file's end. Raises OSError."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return (0, 0), 0, 0
        try:
            size = os.fstat(fd).st_size
            if self._known is not None and self._known[0] == size:
                return self._known[1], self._known[2], size
            position, good = self._tail(fd, size) if size else ((0, 0), 0)
            self._known = (size, position, good)
            return position, good, size
        finally:
            os.close(fd)

    def position(self) -> tuple[int, int]:
        return self._scan()[0]

    def unwritten(self, pending: list[tuple[int, list[Doc]]]) -> list[tuple[int, Doc]]:
        """The records of these journal entries that the file does not hold yet, with their seqs."""
        (seq, count), _good, _size = self._scan()
        out = []
        for entry_seq, records in pending:
            if entry_seq >= seq:
                out += [(entry_seq, record) for record in records[count if entry_seq == seq else 0:]]
        return out

    @staticmethod
    def _tail(fd: int, size: int) -> tuple[tuple[int, int], int]:
        """The position at the end of the file, and the size up to its last complete line."""
        block = 64 * 1024
        while True:
            start = max(0, size - block)
            data = os.pread(fd, size - start, start)
            newline = data.rfind(b"\n")
            if newline < 0 and start > 0:
                block *= 4
                continue
            good = start + newline + 1
            lines = data[: newline + 1].split(b"\n")[:-1]
            if start > 0:
                lines = lines[1:]  # the block may begin mid-line
            seq, count, ended = 0, 0, False
            for line in reversed(lines):
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    continue  # a damaged line: doctor reports it; it holds no position
                value = record.get("seq") if isinstance(record, dict) else None
                if not is_int(value) or (count and value != seq):
                    ended = True  # a record from before lines carried seqs, or the entry before
                    break
                seq, count = value, count + 1
            if ended or start == 0:
                return (seq, count), good
            block *= 4

    def append(self, pending: list[tuple[int, list[Doc]]]) -> None:
        """Write the records of these journal entries that the file does not hold yet. Raises OSError."""
        (seq, count), good, size = self._scan()
        missing = self.unwritten(pending)
        if not missing:
            return
        data = b"".join(dumps({"seq": s, **{k: v for k, v in r.items() if k != "seq"}}) + b"\n" for s, r in missing)
        last_seq = missing[-1][0]
        last = (last_seq, sum(1 for s, _ in missing if s == last_seq) + (count if last_seq == seq else 0))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if good != size:
                os.ftruncate(fd, good)  # a line a crash cut off: it is written again, whole, below
            before = append_durably(fd, data)
        except OSError:
            self._known = None
            raise
        finally:
            os.close(fd)
        end = before + len(data)
        self._known = (end, last, end)

    def read(self) -> list[Doc]:
        raw = read_bytes(self.path)
        return parse_audit(self.path, raw or b"").docs

    def sync(self) -> bool:
        """Bring audit.jsonl up to date from the journal (best effort: the journal holds every record). False if
        it could not be written; the records then stay in the journal and are written at the next chance."""
        if not self.pending:
            return True
        try:
            self.append(self.pending)
        except OSError:
            return False
        self.pending = []
        return True

    def records(self) -> list[Doc]:
        """The processing history, oldest first: audit.jsonl, and any record the journal holds that it lacks."""
        records = self.read()
        if self.pending:
            try:
                missing = self.unwritten(self.pending)
            except OSError:
                missing = [(seq, r) for seq, records in self.pending for r in records]
            records += [{"seq": seq, **record} for seq, record in missing]
        return records

    def ids(self) -> set[str]:
        """The ids the audit log's records name (``"ids": [...]``), read in one pass over the file's bytes: a
        year's log (200 000 records) in about 50 ms, where parsing each record takes 1 s."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise StoreError(f"{self.path} cannot be read ({exc.strerror}); juni-tui needs it to know which "
                             "transactions this home has had. Check the file's permissions.") from None
        arrays = [a for a in _AUDIT_IDS.findall(data) if a.strip()]
        try:
            named = json.loads(b"[" + b",".join(arrays) + b"]") if arrays else []
        except ValueError:  # an id with a bracket in it, or a damaged line: the slow, exact way
            named = [i for record in self.read() if isinstance(record.get("ids"), list)
                     for i in record["ids"]]
        ids = {i for i in named if isinstance(i, str)}
        for _seq, records in self.pending:
            for record in records:
                if isinstance(record.get("ids"), list):
                    ids.update(i for i in record["ids"] if isinstance(i, str))
        return ids
