"""What the store refuses, and how it says so: its errors and their sentences, the readers of untrusted bytes
(a file's bytes, its JSON, the shape of a TinyDB file, ``_meta``) and the check of each kind of stored document.

Every file in the home is input: it may be empty, cut off, of the wrong shape, or hostile (nested 100 000 deep,
a number of 5 000 digits). The readers below turn all of it into CorruptDataError, naming the file and the
place, and never change the file. ``doctor`` uses the same readers, so it reports exactly what the store refuses.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from juni_tui.domain.transactions import Status

SCHEMA_VERSION = 1
META_TABLE = "_meta"
#: The history archive: the journal's table name for an exported transaction in full, and the archives' folder.
HISTORY = "history"

Doc = dict[str, Any]


# --- Errors ---------------------------------------------------------------------------------------------------

DOCTOR = "Run `juni-tui doctor` to check the whole home and see what can be done."




class StoreError(Exception):
    """A problem with the data files, worded for the user."""


class CorruptDataError(StoreError):
    """A file that cannot be read as what it should be. It is left exactly as it was."""

    def __init__(self, path: Path, reason: str, advice: str | None = None) -> None:
        self.path = path
        self.reason = reason
        if advice is None:
            advice = f"juni-tui has not changed it. {DOCTOR}"
            backup = path.with_name(path.name + ".bak")
            if path.suffix == ".json" and juni_db_file(backup) is not None:
                advice += f" ({backup.name}, the copy from before the last save, is intact.)"
        super().__init__(f"{path} cannot be read: {reason}.\n{advice}")


#: The advice for a damaged journal: it holds acknowledged changes, so it must never be moved away or deleted.
JOURNAL_ADVICE = (
    "It holds changes juni-tui has already confirmed, so do not delete, empty or move it; juni-tui has not changed "
    f"it. {DOCTOR}"
)


class DamagedHomeError(StoreError):
    """A home that is not whole (an empty database beside other data, a journal that does not join the database):
    refused, never treated as empty, and left exactly as it is."""


class StoreWriteError(StoreError):
    """A write that failed (full disk, permissions, I/O). Raised after the write was undone on disk."""

    def __init__(self, what: str, exc: OSError, path: Path, *, kept: str = "Nothing was changed",
                 message: str | None = None) -> None:
        self.errno = exc.errno
        reason, todo = os_reason(exc, path)
        super().__init__(message or f"juni-tui could not save {what}: {reason}. {kept}; {todo}")


def os_reason(exc: OSError, path: Path) -> tuple[str, str]:
    """What an ``OSError`` means, and what the user can do about it."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "the disk is full", "free some space and try again."
    if code in (errno.EACCES, errno.EPERM):
        return f"it is not allowed to write {path}", f"check that you may write to {path.parent}, then try again."
    if code == errno.EROFS:
        return f"{path.parent} is on a read-only disk", "use a home on a writable disk."
    if code == errno.EIO:
        return "the disk reported an input/output error", "check the disk (and its connection), then try again."
    if code == errno.EISDIR:
        return f"{path} is a folder, not a file", f"move that folder out of {path.parent}, then try again."
    if code in (errno.EEXIST, errno.ENOTDIR):
        where = Path(exc.filename) if isinstance(exc.filename, str) else path
        return f"{where} is a file where juni-tui needs a folder", f"move that file out of {where.parent}."
    return (exc.strerror or str(exc) or type(exc).__name__).rstrip("."), "try again."


class StoreLockedError(StoreError):
    def __init__(self, home: Path, owner: str | None) -> None:
        who = f" ({owner})" if owner else ""
        super().__init__(f"Another juni-tui is already using {home}{who}. Close it first, or use a different --home.")


class ImmutableError(StoreError):
    """An attempt to change a transaction that was exported to Fortnox."""

    def __init__(self, tx_id: str, what: str, voucher: str, attempted: str = "changed") -> None:
        self.transaction_id = tx_id
        on = f" as voucher {voucher}" if voucher else ""
        super().__init__(
            f"Transaction {tx_id} ({what}) was exported to Fortnox{on} and can no longer be {attempted}. "
            "Correct it in Fortnox with a new voucher."
        )



# --- Reading untrusted files -----------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value from a file, safe and short enough for a message (``repr`` shows control characters as escapes)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no file. A folder in its place or an unreadable file is a
    ``CorruptDataError``."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise CorruptDataError(path, "it is a folder, not a file",
                               f"Move that folder out of {path.parent}; juni-tui has not changed anything.") from None
    except OSError as exc:
        raise CorruptDataError(path, exc.strerror or str(exc),
                               "Check that you may read it (and the disk), then try again.") from None


def parse_json(path: Path, raw: bytes, what: str = "") -> Any:
    """``json.loads`` with every failure (bad JSON, bad UTF-8, too deep, a number too long) as a sentence."""
    where = f"{what} " if what else ""
    try:
        return json.loads(raw)
    except RecursionError:
        raise CorruptDataError(path, f"{where}is nested too deeply to be juni-tui's data") from None
    except UnicodeDecodeError:
        raise CorruptDataError(path, f"{where}is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CorruptDataError(path, f"{where}is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except ValueError as exc:  # e.g. an integer longer than Python's limit for int()
        reason = "holds a number too long to read" if "digits" in str(exc) else "is not valid JSON"
        raise CorruptDataError(path, f"{where}{reason}") from None


def check_tables(path: Path, data: Any) -> dict[str, dict[str, Doc]]:
    """A TinyDB file: an object of tables, each an object of documents keyed by a numeric document id."""
    if not isinstance(data, dict):
        raise CorruptDataError(path, "it is JSON, but not a juni-tui database")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise CorruptDataError(path, f"table {show(name)} is not a table of documents")
        for doc_id, doc in table.items():
            if not isinstance(doc, dict):
                raise CorruptDataError(path, f"table {show(name)}, document {show(doc_id)} is not a document")
            if not (doc_id.isascii() and doc_id.isdigit() and len(doc_id) < 19):
                raise CorruptDataError(path, f"table {show(name)}: document id {show(doc_id)} is not a number")
    return data


def juni_db_file(path: Path) -> dict[str, dict[str, Doc]] | None:
    """The tables of a file if it is a readable, non-empty juni-tui database; else None (never raises)."""
    try:
        raw = path.read_bytes()
        data = check_tables(path, parse_json(path, raw))
    except (OSError, StoreError):
        return None
    return data or None


def read_meta(path: Path, snapshot: dict[str, dict[str, Doc]]) -> tuple[int, int]:
    """``(schema, journal_seq)`` from the ``_meta`` table (removed from ``snapshot``); refused if damaged."""
    table = snapshot.pop(META_TABLE, {})
    if not table:
        return SCHEMA_VERSION, 0
    meta = table.get("1")
    if meta is None or len(table) != 1:
        raise CorruptDataError(path, "its _meta table is damaged (it must hold one document, number 1)")
    schema = meta.get("schema", SCHEMA_VERSION)
    seq = meta.get("journal_seq", 0)
    if not is_int(schema) or schema < 1:
        raise CorruptDataError(path, f"its _meta schema {show(schema)} is not a version number")
    if not is_int(seq) or seq < 0:
        raise CorruptDataError(path, f"its _meta journal_seq {show(seq)} is not a change number")
    if schema > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer juni-tui; upgrade juni-tui to open it.")
    return schema, seq


_STATUSES = frozenset(s.value for s in Status)


def _id_and_date_problem(doc: Doc) -> str | None:
    """Every stored transaction, whole or summed up, has an id and a date (YYYY-MM-DD): they key and order it."""
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        return "it has no id"
    if not is_date(doc.get("date")):
        return f"date {show(doc.get('date'))} is not a date (YYYY-MM-DD)"
    return None


def check_transaction_doc(doc: Doc) -> str | None:
    """What is wrong with a stored transaction document for the store's own use (ordering, status); None if fine.
    The full check of every field happens when the document becomes a model."""
    problem = _id_and_date_problem(doc)
    if problem:
        return problem
    if doc.get("status", "prepare") not in _STATUSES:
        return f"status {show(doc.get('status'))} is not a status"
    return None


#: A date as the store writes it; the full check (a real day) happens when a document becomes a model.
_DATE_SHAPE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\Z").match


def check_history_entry_doc(doc: Doc) -> str | None:
    # The common case, a sound document, in one expression: opening a year's home checks 46 000 of these.
    try:
        key, day = doc["id"], doc["date"]
        if (type(key) is str and key and type(day) is str and _DATE_SHAPE(day) and doc["part"] == day[:7]
                and type(doc["exported_at"]) is str and type(doc["merchant"]) is str
                and type(doc["series"]) is str and type(doc["year"]) is int and type(doc["number"]) is int):
            return None
    except (KeyError, TypeError):
        pass
    return _history_entry_problem(doc)


def _history_entry_problem(doc: Doc) -> str | None:
    problem = _id_and_date_problem(doc)
    if problem:
        return problem
    if doc.get("part") != doc["date"][:7]:
        return f"archive {show(doc.get('part'))} is not the month of its date"
    for name, kind, label in (("exported_at", str, "a time"), ("merchant", str, "a text"), ("series", str, "a text")):
        if not isinstance(doc.get(name), kind):
            return f"{name} {show(doc.get(name))} is not {label}"
    for name in ("year", "number"):
        if not is_int(doc.get(name)):
            return f"{name} {show(doc.get(name))} is not a number"
    return None


def check_archive_doc(doc: Any, part: str | None = None) -> str | None:
    if not isinstance(doc, dict):
        return "it is not a document"
    problem = _id_and_date_problem(doc)
    if problem:
        return problem
    if part is not None and doc["date"][:7] != part:
        return f"its date {doc['date']} is not in {part}"
    return None


#: Per table: the check of each document (tables not named here are checked when their documents are used).
DOC_CHECKS: dict[str, Callable[[Doc], str | None]] = {
    "transactions": check_transaction_doc,
    "history_index": check_history_entry_doc,
}
