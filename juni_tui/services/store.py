"""The repository: the only code that reads or writes juni-tui's data files.

Files in the home folder:

``juni.json``
    A TinyDB database (``{table: {doc_id: document}}``) with the work in progress: transactions not yet exported,
    receipts, rules, settings, the Fortnox reference data, and a one-line summary of every exported transaction.
    It is opened through TinyDB with an atomic storage (temp file, fsync, ``os.replace``, fsync of the folder)
    and rewritten only at checkpoints.
``history/YYYY-MM.json``
    TinyDB files with the exported transactions of one month, in full (voucher as sent, Fortnox ids). Exported
    transactions never change, so a month's file is rewritten only while that month is being exported, and read
    only when someone opens an exported transaction. The history can grow for years without slowing the start.
``journal.jsonl``
    A write-ahead journal. Every commit appends one line and fsyncs it before the change becomes visible, so a
    commit is durable when it returns and costs the size of the change, not of the database. On open the journal
    is replayed over the snapshot; a checkpoint folds it into the files above and empties it.
``audit.jsonl``
    Append-only processing history (time, OS user, what changed). Never rewritten.

Why not TinyDB's table API for writes: every TinyDB insert or update rebuilds the whole table and rewrites the
whole file in place (reference textual-and-tinydb.md §5): hundreds of milliseconds per change at 50 000
transactions, and a crash mid-write leaves an unreadable file. We keep TinyDB's file format and storage
interface, hold the documents in memory keyed by id, validate them into models only when they are used, and
batch the expensive rewrite.

One writer: a lock held for the store's lifetime keeps a second process out; within the process every write
happens on the thread that opened the store.
"""

from __future__ import annotations

import bisect
import gc
import getpass
import heapq
import json
import os
import socket
import threading
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generic, TypeVar

import filelock
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined
from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from juni_tui.models import (
    Account,
    CostCenter,
    FinancialYear,
    HistoryEntry,
    Project,
    Receipt,
    Settings,
    Status,
    Transaction,
    VoucherSeries,
)
from juni_tui.services.files import atomic_write, fsync_dir, remove_stale_temp_files
from juni_tui.services.home import Home

SCHEMA_VERSION = 1
META_TABLE = "_meta"
HISTORY = "history"
#: A checkpoint runs on its own once the journal grows past this, so that replay at start stays quick.
CHECKPOINT_BYTES = 32 * 1024 * 1024

M = TypeVar("M", bound=BaseModel)
Doc = dict[str, Any]


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _doc(item: BaseModel) -> Doc:
    """The stored form of a model: JSON types only, with fields at their (static) default left out: half the size,
    twice as fast to load. Timestamps ("now", a ``default_factory``) are always kept, and no factory is called
    (``exclude_defaults`` would call each one to compare, and drop a timestamp written in the second it was set).
    """
    doc = item.model_dump(mode="json")
    _strip_defaults(type(item), doc)
    return doc


def _strip_defaults(model: type[BaseModel], doc: Doc) -> None:
    defaults, nested = _shape(model)
    for name, default in defaults.items():
        if name in doc and doc[name] == default:
            del doc[name]
    for name, child in nested.items():
        value = doc.get(name)
        if isinstance(value, dict):
            _strip_defaults(child, value)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, dict):
                    _strip_defaults(child, element)


_SHAPES: dict[type[BaseModel], tuple[dict[str, Any], dict[str, type[BaseModel]]]] = {}


def _shape(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, type[BaseModel]]]:
    """Per model: the JSON form of each static default, and the fields that hold other models."""
    shape = _SHAPES.get(model)
    if shape is None:
        defaults: dict[str, Any] = {}
        nested: dict[str, type[BaseModel]] = {}
        for name, info in model.model_fields.items():
            if info.default_factory in (dict, list, tuple):  # an empty container is a static default too
                defaults[name] = TypeAdapter(info.annotation).dump_python(info.default_factory(), mode="json")
            elif info.default_factory is None and info.default is not PydanticUndefined:
                defaults[name] = TypeAdapter(info.annotation).dump_python(info.default, mode="json")
            child = _model_in(info.annotation)
            if child is not None:
                nested[name] = child
        shape = _SHAPES[model] = (defaults, nested)
    return shape


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- Errors ---------------------------------------------------------------------------------------------------


class StoreError(Exception):
    """A problem with the data files, worded for the user."""


class CorruptDataError(StoreError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"{path} cannot be read: {reason}.\n"
            f"juni-tui has not changed it. Restore it from {path.name}.bak (the previous good copy, if there is one) "
            "or move it away, then start juni-tui again."
        )


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


# --- TinyDB storage -------------------------------------------------------------------------------------------


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically and never treats an unreadable file as empty.

    The previous good file is kept as ``<name>.bak`` (a hard link, so it costs no copy).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptDataError(self.path, f"it is not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise CorruptDataError(self.path, "it is JSON, but not a juni-tui database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = _dumps(data)
        if self.path.exists():
            backup = self.path.with_name(self.path.name + ".bak")
            link = self.path.with_name(f".{self.path.name}.bak.tmp")
            try:
                link.unlink(missing_ok=True)
                os.link(self.path, link)
                os.replace(link, backup)
            except OSError:
                pass  # the backup is a courtesy; the atomic replace below is what protects the data
        atomic_write(self.path, payload)


def _open_tinydb(path: Path) -> TinyDB:
    return TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage))


# --- Journal --------------------------------------------------------------------------------------------------


class Journal:
    """Append-only JSON lines, fsynced per append.

    An unfinished last line (a crash mid-append, never acknowledged) is cut off on open; a damaged line anywhere
    else means the file is corrupt, and it is left as it is.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.size = 0

    def read(self) -> list[Doc]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        entries: list[Doc] = []
        offset = 0
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, 1):
            last = number == len(lines)
            if line.strip():
                try:
                    entry = json.loads(line)
                    if not isinstance(entry, dict) or "seq" not in entry or "ops" not in entry:
                        raise ValueError("not a journal entry")
                except ValueError as exc:
                    if last:
                        self._truncate(offset)
                        break
                    raise CorruptDataError(self.path, f"line {number} is damaged ({exc})") from None
                entries.append(entry)
                if last:  # complete, only its newline is missing
                    self._write(b"\n")
                    offset += 1
            offset += len(line) + (0 if last else 1)
        self.size = offset
        return entries

    def _truncate(self, size: int) -> None:
        with open(self.path, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fdatasync(self._fd)
        self.size += len(data)

    def append(self, entry: Doc) -> None:
        self._write(_dumps(entry) + b"\n")

    def reset(self) -> None:
        self.close()
        with open(self.path, "wb") as handle:
            os.fsync(handle.fileno())
        fsync_dir(self.path.parent)
        self.size = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# --- Tables ---------------------------------------------------------------------------------------------------


class Table(Generic[M]):
    """The documents of one TinyDB table, in memory, keyed by the model's key field.

    Documents become models on first use: opening 50 000 transactions costs a JSON parse, not 50 000
    validations. ``raw()`` gives the stored document, for fast filters over many rows.
    """

    def __init__(self, name: str, model: type[M], key_field: str, source: Path) -> None:
        self.name = name
        self.model = model
        self.key_field = key_field
        self.source = source
        default = model.model_fields[key_field].default
        self._key_default = None if default is PydanticUndefined else default
        self._docs: dict[str, Doc] = {}
        self._models: dict[str, M] = {}
        self._doc_ids: dict[str, int] = {}
        self._next_doc_id = 1
        #: called with (old document, new document) after each change; None for "absent"
        self.on_change: list[Callable[[Doc | None, Doc | None], None]] = []

    def key_of(self, item: M) -> str:
        return str(getattr(item, self.key_field))

    def doc_key(self, doc: Doc) -> str:
        return str(doc.get(self.key_field, self._key_default))

    def get(self, key: object) -> M | None:
        key = str(key)
        item = self._models.get(key)
        if item is None:
            doc = self._docs.get(key)
            if doc is None:
                return None
            try:
                item = self.model.model_validate(doc)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "document"
                raise CorruptDataError(self.source, f"table {self.name!r}, {key}: {where}: {first['msg']}") from None
            self._models[key] = item
        return item

    def __getitem__(self, key: object) -> M:
        item = self.get(key)
        if item is None:
            raise KeyError(key)
        return item

    def raw(self, key: object) -> Doc | None:
        return self._docs.get(str(key))

    def __contains__(self, key: object) -> bool:
        return str(key) in self._docs

    def __len__(self) -> int:
        return len(self._docs)

    def keys(self) -> Iterable[str]:
        return self._docs.keys()

    def values(self) -> Iterator[M]:
        for key in list(self._docs):
            item = self.get(key)
            if item is not None:
                yield item

    __iter__ = values

    # --- used by the store ---

    def _load(self, raw: dict[str, Doc]) -> None:
        for doc_id, doc in raw.items():
            key = self.doc_key(doc)
            self._docs[key] = doc
            self._doc_ids[key] = int(doc_id)
        self._next_doc_id = max(self._doc_ids.values(), default=0) + 1

    def _put(self, doc: Doc, item: M | None = None) -> str:
        key = self.doc_key(doc)
        old = self._docs.get(key)
        self._docs[key] = doc
        if item is not None:
            self._models[key] = item
        else:
            self._models.pop(key, None)
        if key not in self._doc_ids:
            self._doc_ids[key] = self._next_doc_id
            self._next_doc_id += 1
        for hook in self.on_change:
            hook(old, doc)
        return key

    def _delete(self, key: str) -> None:
        old = self._docs.pop(key, None)
        self._models.pop(key, None)
        self._doc_ids.pop(key, None)
        if old is not None:
            for hook in self.on_change:
                hook(old, None)

    def _raw(self) -> dict[str, Doc]:
        return {str(self._doc_ids[key]): doc for key, doc in self._docs.items()}


# --- The history archive --------------------------------------------------------------------------------------


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
            docs = {}
            path = self.path(part)
            if path.exists():
                db = _open_tinydb(path)
                docs = {doc["id"]: dict(doc) for doc in db.table("transactions").all()}
                db.close()
            docs.update(self._unsaved.get(part, {}))
            self._parts[part] = docs
        return docs

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

    def all(self) -> Iterator[Transaction]:
        """Every exported transaction, month by month (loads every archive file: for exports and reports)."""
        for part in sorted({d["part"] for d in self.index._docs.values()}):
            for tx_id in sorted(self._part(part)):
                tx = self.get(tx_id)
                if tx is not None:
                    yield tx

    def _put(self, doc: Doc) -> None:
        part = doc["date"][:7]
        self._unsaved.setdefault(part, {})[doc["id"]] = doc
        if part in self._parts:
            self._parts[part][doc["id"]] = doc

    def _checkpoint(self) -> None:
        if not self._unsaved:
            return
        self.folder.mkdir(exist_ok=True, mode=0o700)
        remove_stale_temp_files(self.folder, "*")
        for part in list(self._unsaved):
            docs = self._part(part)
            storage = AtomicJSONStorage(self.path(part))
            storage.write({"transactions": {str(n): doc for n, doc in enumerate(docs.values(), 1)}})
            del self._unsaved[part]
        # keep only the most recently used months in memory
        for part in list(self._parts)[:-3]:
            del self._parts[part]


# --- The status index: each tab's rows, in order, without scanning every transaction --------------------------


def _active_key(doc: Doc) -> tuple:
    return (doc["date"], doc["id"])


def _history_key(doc: Doc) -> tuple:
    return (doc["exported_at"], doc["year"], doc["number"], doc["id"])


class StatusIndex:
    """Transaction ids per status, kept sorted: by date for work in progress, by export time for the history."""

    def __init__(self, active: Table[Transaction], history: Table[HistoryEntry]) -> None:
        self._lists: dict[Status, list[tuple]] = {s: [] for s in Status}
        for doc in active._docs.values():
            self._lists[Status(doc.get("status", Status.PREPARE))].append(_active_key(doc))
        self._lists[Status.EXPORTED] = [_history_key(doc) for doc in history._docs.values()]
        for entries in self._lists.values():
            entries.sort()
        active.on_change.append(self._on_active)
        history.on_change.append(self._on_history)

    def _move(self, status: Status | None, key: tuple | None, new_status: Status | None, new_key: tuple | None) -> None:
        if status is not None and key is not None:
            entries = self._lists[status]
            i = bisect.bisect_left(entries, key)
            if i < len(entries) and entries[i] == key:
                del entries[i]
        if new_status is not None and new_key is not None:
            bisect.insort(self._lists[new_status], new_key)

    def _on_active(self, old: Doc | None, new: Doc | None) -> None:
        if old is not None and new is not None and old.get("status") == new.get("status") and _active_key(
            old
        ) == _active_key(new):
            return  # an edit that moves nothing (most of them)
        self._move(
            Status(old.get("status", Status.PREPARE)) if old else None,
            _active_key(old) if old else None,
            Status(new.get("status", Status.PREPARE)) if new else None,
            _active_key(new) if new else None,
        )

    def _on_history(self, old: Doc | None, new: Doc | None) -> None:
        self._move(
            Status.EXPORTED if old else None,
            _history_key(old) if old else None,
            Status.EXPORTED if new else None,
            _history_key(new) if new else None,
        )

    def ids(self, *statuses: Status) -> list[str]:
        if len(statuses) == 1:
            return [k[-1] for k in self._lists[statuses[0]]]
        return [k[-1] for k in heapq.merge(*(self._lists[s] for s in statuses))]

    def count(self, *statuses: Status) -> int:
        return sum(len(self._lists[s]) for s in statuses)


# --- The store ------------------------------------------------------------------------------------------------


@dataclass
class Changes:
    """What one commit changed: table name → keys. Listeners (the TUI) use it to refresh only those rows."""

    keys: dict[str, set[str]] = field(default_factory=dict)

    def of(self, table: str) -> set[str]:
        return self.keys.get(table, set())

    @property
    def transactions(self) -> set[str]:
        return self.of("transactions") | self.of("history_index")

    def __bool__(self) -> bool:
        return any(self.keys.values())


class _Batch:
    """Commits gathered by ``Store.batch``: their journal operations, audit records and changes, and how to undo
    them in memory if the batch fails."""

    def __init__(self) -> None:
        self.ops: list[list[Any]] = []
        self.audits: list[dict[str, Any]] = []
        self.changes = Changes()
        self._undo: list[Callable[[], None]] = []

    def add(self, store: "Store", ops: list[list[Any]], applies: list[Callable[[], str]], changes: Changes,
            audit: dict[str, Any] | None) -> Changes:
        for op in ops:
            table = store._tables[op[1]]
            key = str(op[3]) if op[0] == "del" else table.doc_key(op[3])
            old_doc, old_model = table._docs.get(key), table._models.get(key)
            self._undo.append(lambda t=table, k=key, d=old_doc, m=old_model: t._delete(k) if d is None else t._put(d, m))
        for apply in applies:
            apply()
        self.ops.extend(ops)
        if audit:
            self.audits.append(audit)
        for name, keys in changes.keys.items():
            self.changes.keys.setdefault(name, set()).update(keys)
        return changes

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database (some containers)
        return str(os.getuid())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """Open with ``Store.open(home)``; close with ``close()`` (or use it as a context manager)."""

    def __init__(self, home: Home, *, checkpoint_bytes: int = CHECKPOINT_BYTES) -> None:
        self.home = home.ensure()
        self.checkpoint_bytes = checkpoint_bytes
        self._lock: filelock.BaseFileLock | None = None
        self._owner_thread = threading.get_ident()
        self._listeners: list[Callable[[Changes], None]] = []
        self._batch: _Batch | None = None
        self._closed = False
        self._acquire_lock()
        try:
            self._load()
        except BaseException:
            self._release_lock()
            raise

    @classmethod
    def open(cls, home: Home, **kwargs: Any) -> "Store":
        return cls(home, **kwargs)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- lock ---

    def _acquire_lock(self) -> None:
        lock = filelock.FileLock(self.home.lock, timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            try:
                owner = self.home.owner.read_text(encoding="utf-8").strip() or None
            except OSError:
                owner = None
            raise StoreLockedError(self.home.root, owner) from None
        self._lock = lock
        try:
            self.home.owner.write_text(
                f"pid {os.getpid()} on {socket.gethostname()}, user {os_user()}, since {_now()}", encoding="utf-8"
            )
        except OSError:
            pass

    def _release_lock(self) -> None:
        if self._lock is not None:
            self.home.owner.unlink(missing_ok=True)
            self._lock.release()
            self._lock = None

    # --- load ---

    def _load(self) -> None:
        remove_stale_temp_files(self.home.root, self.home.db.name)
        self._db = _open_tinydb(self.home.db)
        snapshot = self._db.storage.read() or {}
        self._db.storage.cache = None  # the tables below hold the documents; no second copy
        meta = snapshot.pop(META_TABLE, {}).get("1", {})
        if meta.get("schema", SCHEMA_VERSION) > SCHEMA_VERSION:
            raise StoreError(f"{self.home.db} was written by a newer juni-tui; upgrade juni-tui to open it.")
        self._seq = int(meta.get("journal_seq", 0))
        self._journal = Journal(self.home.journal)
        # Journal operations per table, replayed when the table is opened. Tables are opened by the services
        # that own their models, so the store needs to know only its own.
        self._pending: dict[str, list[list[Any]]] = {}
        for entry in self._journal.read():
            if entry["seq"] <= self._seq:
                continue  # already in the snapshot: a crash came between a checkpoint and the journal reset
            for op in entry["ops"]:
                self._pending.setdefault(op[1], []).append(op)
            self._seq = entry["seq"]
        self._snapshot = snapshot
        self._tables: dict[str, Table[Any]] = {}
        self._by_model: dict[type, Table[Any]] = {}

        self.transactions: Table[Transaction] = self.table("transactions", Transaction, "id")
        self.history_index: Table[HistoryEntry] = self.table("history_index", HistoryEntry, "id")
        self.history = HistoryArchive(self.home.root / "history", self.history_index)
        for op in self._pending.pop(HISTORY, []):
            self.history._put(op[3])
        self.receipts: Table[Receipt] = self.table("receipts", Receipt, "id")
        self._settings: Table[Any] = self.table("settings", Settings, "key")
        self.accounts: Table[Account] = self.table("accounts", Account, "number")
        self.cost_centers: Table[CostCenter] = self.table("cost_centers", CostCenter, "code")
        self.projects: Table[Project] = self.table("projects", Project, "number")
        self.financial_years: Table[FinancialYear] = self.table("financial_years", FinancialYear, "id")
        self.voucher_series: Table[VoucherSeries] = self.table("voucher_series", VoucherSeries, "code")
        self.status_index = StatusIndex(self.transactions, self.history_index)
        # The documents just loaded live as long as the store: take them out of the cyclic collector's rounds,
        # which otherwise walk all of them again and again during big commits. (Reference counting still frees
        # whatever is replaced.)
        gc.freeze()

    def table(self, name: str, model: type[M], key_field: str) -> Table[M]:
        """The table ``name`` holding ``model`` documents keyed by ``key_field``; loaded on first use."""
        existing = self._tables.get(name)
        if existing is not None:
            return existing
        table: Table[M] = Table(name, model, key_field, self.home.db)
        table._load(self._snapshot.pop(name, {}))
        for op in self._pending.pop(name, []):
            if op[0] == "put":
                table._put(op[3])
            else:
                table._delete(str(op[3]))
        self._tables[name] = table
        self._by_model[model] = table
        return table

    # --- reading ---

    @property
    def settings(self) -> Settings:
        return self._settings.get("settings") or Settings()

    def ids(self, *statuses: Status) -> list[str]:
        """Transaction ids with these statuses, in tab order."""
        return self.status_index.ids(*statuses)

    def count(self, *statuses: Status) -> int:
        return self.status_index.count(*statuses)

    def get_transaction(self, tx_id: str) -> Transaction | None:
        """A transaction in any state, exported ones included."""
        return self.transactions.get(tx_id) or self.history.get(tx_id)

    def all_transactions(self) -> Iterator[Transaction]:
        yield from self.transactions.values()
        yield from self.history.all()

    # --- writing ---

    def subscribe(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _guard(self, tx: Transaction, attempted: str) -> None:
        """Exported transactions are immutable, whoever asks."""
        entry = self.history_index.raw(tx.id)
        if entry is not None:
            raise ImmutableError(
                tx.id, f"{entry['merchant']}, {entry['date']}", f"{entry['series']} {entry['number']}", attempted
            )

    def commit(
        self,
        puts: Iterable[BaseModel] = (),
        deletes: Iterable[tuple[str, object]] = (),
        *,
        audit: dict[str, Any] | None = None,
    ) -> Changes:
        """Make a set of changes durable, then visible: all of them or none.

        ``deletes`` are ``(table name, key)`` pairs. ``audit`` (``{"action": ..., ...}``) is appended to the audit
        log with the time and the OS user. An exported transaction moves to the history archive.
        """
        if self._closed:
            raise StoreError("the store is closed")
        if threading.get_ident() != self._owner_thread:
            raise StoreError("the store was written from a second thread; juni-tui has one writer")
        ops: list[list[Any]] = []
        applies: list[Callable[[], str]] = []
        changes = Changes()

        def stage(table: Table[Any], doc: Doc, item: BaseModel | None) -> None:
            ops.append(["put", table.name, table.key_field, doc])
            applies.append(lambda: table._put(doc, item))
            changes.keys.setdefault(table.name, set()).add(table.doc_key(doc))

        def stage_delete(table: Table[Any], key: str) -> None:
            ops.append(["del", table.name, table.key_field, key])
            applies.append(lambda: (table._delete(key), key)[1])
            changes.keys.setdefault(table.name, set()).add(key)

        for item in puts:
            if isinstance(item, Transaction):
                self._guard(item, "changed")
                if item.status == Status.EXPORTED:
                    if self._batch is not None:
                        raise StoreError("exports are committed one by one, never in a batch")
                    doc = _doc(item)
                    ops.append(["put", HISTORY, "id", doc])
                    applies.append(lambda doc=doc: (self.history._put(doc), doc["id"])[1])
                    stage(self.history_index, _doc(HistoryEntry.of(item)), None)
                    if item.id in self.transactions:
                        stage_delete(self.transactions, item.id)
                    continue
            table = self._by_model.get(type(item))
            if table is None:
                raise StoreError(f"no table holds {type(item).__name__}")
            stage(table, _doc(item), item)
        for name, key in deletes:
            table = self._tables[name]
            if name == "transactions" and self.history_index.raw(str(key)) is not None:
                self._guard(Transaction.model_construct(id=str(key)), "deleted")
            stage_delete(table, str(key))

        if self._batch is not None:
            return self._batch.add(self, ops, applies, changes, audit)
        if ops:
            self._journal.append({"seq": self._seq + 1, "at": _now(), "ops": ops})
            self._seq += 1
            for apply in applies:
                apply()
        if audit:
            self._audit(audit)
        if ops:
            self._notify(changes)
        return changes

    def _notify(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            listener(changes)
        if self._journal.size > self.checkpoint_bytes:
            self.checkpoint()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group commits into one: inside, each ``commit`` is visible at once (later reads see it) but nothing is
        written; at the end they become one durable journal entry. If the block raises, every change is undone
        and nothing is written. Nested batches join the outer one.

        For services that make many small changes through ``workflow`` (a matching run, the demo's receipts).
        """
        if self._batch is not None:
            yield
            return
        self._batch = _Batch()
        try:
            yield
        except BaseException:
            batch, self._batch = self._batch, None
            batch.undo()
            raise
        batch, self._batch = self._batch, None
        if batch.ops:
            self._journal.append({"seq": self._seq + 1, "at": _now(), "ops": batch.ops})
            self._seq += 1
        for record in batch.audits:
            self._audit(record)
        if batch.ops:
            self._notify(batch.changes)

    def _audit(self, record: dict[str, Any]) -> None:
        line = _dumps({"at": _now(), "user": os_user(), **record}) + b"\n"
        fd = os.open(self.home.audit, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fdatasync(fd)
        finally:
            os.close(fd)

    def audit(self, record: dict[str, Any]) -> None:
        """Record an event that changes no data (e.g. an export run started). Inside a batch, at its end."""
        if self._batch is not None:
            self._batch.audits.append(record)
        else:
            self._audit(record)

    def audit_log(self) -> list[Doc]:
        """The processing history, oldest first."""
        try:
            lines = self.home.audit.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def save_settings(self, settings: Settings, *, what: str = "settings changed") -> None:
        self.commit([settings], audit={"action": "settings", "details": what})

    @property
    def journal_bytes(self) -> int:
        return self._journal.size

    def checkpoint(self) -> None:
        """Fold the journal into ``juni.json`` and the history files (each replaced atomically), then empty it."""
        if self._journal.size == 0 and self.home.db.exists():
            return
        self.history._checkpoint()
        unopened = self._unopened_tables()
        data: dict[str, dict[str, Any]] = dict(unopened)
        data.update({name: t._raw() for name, t in self._tables.items()})
        data[META_TABLE] = {"1": {"schema": SCHEMA_VERSION, "journal_seq": self._seq}}
        self._db.storage.write(data)
        self._db.storage.flush()
        self._db.storage.cache = None
        self._snapshot, self._pending = unopened, {}
        self._journal.reset()

    def _unopened_tables(self) -> dict[str, dict[str, Doc]]:
        """Tables no service opened this session, with their journal operations folded in."""
        out: dict[str, dict[str, Doc]] = {}
        for name in set(self._snapshot) | set(self._pending):
            docs = dict(self._snapshot.get(name, {}))
            ops = self._pending.get(name, [])
            key_field = ops[0][2] if ops else "id"
            index = {str(doc.get(key_field)): doc_id for doc_id, doc in docs.items()}
            next_id = max((int(i) for i in docs), default=0) + 1
            for op, _name, _key_field, value in ops:
                if op == "put":
                    key = str(value.get(key_field))
                    if key not in index:
                        index[key] = str(next_id)
                        next_id += 1
                    docs[index[key]] = value
                elif str(value) in index:
                    del docs[index.pop(str(value))]
            out[name] = docs
        return out

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.checkpoint()
        finally:
            self._closed = True
            self._journal.close()
            self._release_lock()
