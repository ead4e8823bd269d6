"""The history archive: exported transactions in full (voucher as sent, Fortnox ids), one TinyDB file per month
of transaction date in ``history/``, read on demand and written only at checkpoints. Exported transactions never
change, so the history can grow for years without slowing the start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from juni_tui.domain.transactions import HistoryEntry, Transaction
from juni_tui.services.store.checks import (
    CorruptDataError,
    Doc,
    check_archive_doc,
    check_tables,
    parse_json,
    read_bytes,
    show,
)
from juni_tui.services.store.files import remove_stale_temp_files
from juni_tui.services.store.storage import AtomicJSONStorage
from juni_tui.services.store.tables import Table


def months_of(months: Iterable[str | date]) -> set[str]:
    """The archives (``"YYYY-MM"``) of these months, given as dates or ``"YYYY-MM..."``."""
    return {m.strftime("%Y-%m") if isinstance(m, date) else str(m)[:7] for m in months}


def read_archive(path: Path, part: str) -> dict[str, Doc]:
    """The exported transactions in one history file, by id. A file that is not exactly a TinyDB database with one
    table of transaction documents of that month is refused (and so never rewritten)."""
    raw = read_bytes(path)
    if raw is None:
        return {}
    if not raw.strip():
        raise CorruptDataError(path, "it is empty, but a history archive always holds exported transactions")
    data = check_tables(path, parse_json(path, raw))
    if set(data) != {"transactions"}:
        raise CorruptDataError(path, "it is not a history archive (it must hold one table, 'transactions')")
    docs: dict[str, Doc] = {}
    for doc_id, doc in data["transactions"].items():
        problem = check_archive_doc(doc, part)
        if problem:
            raise CorruptDataError(path, f"document {doc_id}: {problem}")
        docs[doc["id"]] = doc
    return docs


class HistoryArchive:
    """Exported transactions in full, one TinyDB file per month of transaction date, read on demand."""

    def __init__(self, folder: Path, index: Table[HistoryEntry]) -> None:
        self.folder = folder
        self.index = index
        self._parts: dict[str, dict[str, Doc]] = {}
        self._unsaved: dict[str, dict[str, Doc]] = {}

    def path(self, part: str) -> Path:
        return self.folder / f"{part}.json"

    def _part(self, part: str) -> dict[str, Doc]:
        docs = self._parts.get(part)
        if docs is None:
            docs = dict(read_archive(self.path(part), part))
            docs.update(self._unsaved.get(part, {}))
            self._parts[part] = docs
        return docs

    def parts(self) -> set[str]:
        """Every month with an archive file, an indexed transaction, or an export not yet written to its file."""
        found = {d["part"] for d in self.index._docs.values()} | set(self._unsaved)
        if self.folder.is_dir():
            found |= {p.name[:-5] for p in self.folder.glob("*.json") if not p.name.startswith(".")}
        return found

    def check(self, parts: Iterable[str]) -> None:
        """Read these months' files as a checkpoint would (refused if damaged) and make sure every exported
        transaction the index puts in those months is there."""
        wanted = set(parts)
        indexed: dict[str, list[str]] = {}
        for tx_id, entry in self.index._docs.items():
            if entry["part"] in wanted:
                indexed.setdefault(entry["part"], []).append(tx_id)
        for part in sorted(wanted):
            docs = {**read_archive(self.path(part), part), **self._unsaved.get(part, {})}  # the file as it is now
            for tx_id in indexed.get(part, []):
                if tx_id not in docs:
                    raise CorruptDataError(self.path(part), f"exported transaction {show(tx_id)} is missing from it")

    def ids(self, parts: Iterable[str]) -> set[str]:
        """The ids of the exported transactions in these months' archives: in their files, and not yet written."""
        ids: set[str] = set()
        for part in sorted(parts):
            docs = self._parts.get(part) or read_archive(self.path(part), part)
            ids.update(docs)
            ids.update(self._unsaved.get(part, {}))
        return ids

    def __contains__(self, tx_id: object) -> bool:
        return tx_id in self.index

    def __len__(self) -> int:
        return len(self.index)

    def get(self, tx_id: str) -> Transaction | None:
        entry = self.index.raw(tx_id)
        if entry is None:
            return None
        doc = self._part(entry["part"]).get(tx_id)
        if doc is None:
            raise CorruptDataError(self.path(entry["part"]), f"exported transaction {tx_id} is missing from it")
        try:
            return Transaction.model_validate(doc)
        except ValidationError as exc:
            raise CorruptDataError(self.path(entry["part"]), f"{tx_id}: {exc.errors()[0]['msg']}") from None

    def _put(self, doc: Doc) -> str:
        part = doc["date"][:7]
        self._unsaved.setdefault(part, {})[doc["id"]] = doc
        if part in self._parts:
            self._parts[part][doc["id"]] = doc
        return str(doc["id"])

    def _checkpoint(self) -> None:
        if not self._unsaved:
            return
        self.folder.mkdir(exist_ok=True, mode=0o700)
        remove_stale_temp_files(self.folder, "*")
        # Every month's file is read again, as it is on disk now, and checked before any is written: a file of the
        # wrong shape (whoever made it so) is refused, never written over.
        merged = {part: {**read_archive(self.path(part), part), **self._parts.get(part, {}), **unsaved}
                  for part, unsaved in self._unsaved.items()}
        for part, docs in merged.items():
            storage = AtomicJSONStorage(self.path(part))
            storage.write({"transactions": {str(n): doc for n, doc in enumerate(docs.values(), 1)}})
            if part in self._parts:
                self._parts[part] = docs
            del self._unsaved[part]
        # keep only the most recently used months in memory
        for part in list(self._parts)[:-3]:
            del self._parts[part]
