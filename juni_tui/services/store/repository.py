"""The repository: ``Store``, the one way into the home's data. It opens a home (refusing one that is not whole),
hands out its tables, makes each commit durable in the journal before it is visible (alone, or gathered in a
batch), guards exported transactions, and checkpoints the journal into juni.json and the history archives.

One writer: a lock held for the store's lifetime keeps a second process out; within the process every write
happens on the thread that opened the store.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import Any, cast

from pydantic import BaseModel
from tinydb.middlewares import CachingMiddleware

from juni_tui.domain.receipts import Receipt
from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project, VoucherSeries
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import HistoryEntry, Status, Transaction
from juni_tui.services.store import views
from juni_tui.services.store.audit import AuditLog, now, os_user
from juni_tui.services.store.checks import (
    DOC_CHECKS,
    HISTORY,
    JOURNAL_ADVICE,
    META_TABLE,
    SCHEMA_VERSION,
    CorruptDataError,
    Doc,
    ImmutableError,
    StoreError,
    StoreWriteError,
    os_reason,
    read_meta,
)
from juni_tui.services.store.documents import to_doc
from juni_tui.services.store.files import remove_stale_temp_files
from juni_tui.services.store.history import HistoryArchive, months_of
from juni_tui.services.store.home import Home
from juni_tui.services.store.integrity import check_audit_not_ahead, check_journal_joins, refuse_if_damaged
from juni_tui.services.store.journal import Journal
from juni_tui.services.store.lock import HomeLock
from juni_tui.services.store.storage import AtomicJSONStorage, open_tinydb
from juni_tui.services.store.tables import Batch, Changes, M, StatusIndex, Table
from juni_tui.services.store.views import (
    HistoryView,
    ReceiptView,
    TxView,
    Views,
    history_view,
    receipt_view,
    tx_view,
)

#: A checkpoint runs on its own once the journal grows past this, so that replay at start stays quick.
CHECKPOINT_BYTES = 32 * 1024 * 1024


class Store:
    """Open with ``Store.open(home)``; close with ``close()`` (or use it as a context manager)."""

    def __init__(self, home: Home, *, checkpoint_bytes: int = CHECKPOINT_BYTES) -> None:
        try:
            self.home = home.ensure()
        except OSError as exc:
            raise StoreError(
                f"juni-tui cannot use {home.root} as its home: {os_reason(exc, home.root)[0]}. "
                "Choose a folder you may write to (--home DIR or $JUNI_TUI_HOME)."
            ) from None
        self.checkpoint_bytes = checkpoint_bytes
        self._owner_thread = threading.get_ident()
        self._listeners: list[Callable[[Changes], None]] = []
        self._batch: Batch | None = None
        self._closed = False
        self._user = os_user()
        self._lock = HomeLock(self.home, self._user)
        self._lock.acquire()
        try:
            self._load()
        except StoreError:
            self._release_lock()
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            # Last resort: a shape of damage the checks did not foresee is still a sentence, not a traceback.
            self._release_lock()
            reason = f"the home's files are not what juni-tui wrote ({type(exc).__name__})"
            raise CorruptDataError(self.home.db, reason) from None
        except OSError as exc:
            self._release_lock()
            reason = os_reason(exc, self.home.root)[0]
            raise StoreError(f"juni-tui could not read its files in {self.home.root}: {reason}. "
                             "Check the folder's permissions and the disk, then try again.") from None
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

    def _release_lock(self) -> None:
        self._lock.release()

    # --- load ---

    def _load(self) -> None:
        remove_stale_temp_files(self.home.root, self.home.db.name)
        self._db = open_tinydb(self.home.db)
        self._file = cast(CachingMiddleware, self._db.storage)
        storage = cast(AtomicJSONStorage, self._file.storage)
        snapshot = self._file.read()
        self._file.cache = None  # the tables below hold the documents; no second copy
        self._journal = Journal(self.home.journal)
        journal = self._journal.parse()
        if snapshot is None:
            refuse_if_damaged(self.home, storage.state, journal)
            snapshot = {}
        _schema, saved_seq = read_meta(self.home.db, snapshot)
        entries = journal.docs
        check_journal_joins(self.home.db, self.home.journal, saved_seq, entries)
        self._seq = saved_seq
        # Journal operations per table, replayed when the table is opened. Tables are opened by the services
        # that own their models, so the store needs to know only its own.
        self._pending: dict[str, list[list[Any]]] = {}
        for entry in entries:
            if entry["seq"] <= self._seq:
                continue  # already in the snapshot: a crash came between a checkpoint and the journal reset
            for op in entry["ops"]:
                self._pending.setdefault(op[1], []).append(op)
            self._seq = entry["seq"]
        self._audit_log = AuditLog(
            self.home.audit, [(entry["seq"], entry["audit"]) for entry in entries if entry.get("audit")]
        )
        check_audit_not_ahead(self.home, self._audit_log, self._seq)
        self._snapshot = snapshot
        self._tables: dict[str, Table[Any]] = {}
        self._by_model: dict[type, Table[Any]] = {}

        self.transactions: Table[Transaction] = self.table("transactions", Transaction, "id")
        self.history_index: Table[HistoryEntry] = self.table("history_index", HistoryEntry, "id")
        self.history = HistoryArchive(self.home.root / HISTORY, self.history_index)
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
        #: typed, cheap projections of the documents, for code that looks at many rows (see ``views``)
        self.tx_views: Views[TxView] = Views(self.transactions, tx_view)
        self.history_views: Views[HistoryView] = Views(self.history_index, history_view)
        self.receipt_views: Views[ReceiptView] = Views(self.receipts, receipt_view)
        # Everything is read and whole: only now may the journal's end be tidied (a write).
        try:
            self._journal.repair(journal)
        except OSError as exc:
            raise StoreWriteError("the journal", exc, self.home.journal,
                                  kept="It was left as it was") from None
        self._audit_log.sync()
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
        check = DOC_CHECKS.get(name)
        for op in self._pending.pop(name, []):
            if op[0] == "put":
                problem = table.problem(op[3], check)
                if problem:
                    raise CorruptDataError(self.home.journal, f"a change to {name!r}: {problem}", JOURNAL_ADVICE)
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

    def tx_or_history_view(self, tx_id: str) -> TxView | HistoryView | None:
        """The projection of a transaction in any state: its own, or its history summary once exported."""
        return self.tx_views.get(tx_id) or self.history_views.get(tx_id)

    def receipt_lists(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(transaction id, the receipts it lists) for every transaction not yet exported that lists any: one pass
        over the documents, nothing built (the receipt library's "which transaction lists this receipt")."""
        return views.receipt_lists(self.transactions)

    def categories(self) -> set[str]:
        """The categories the transactions not yet exported have (one pass, nothing built)."""
        return views.categories(self.transactions)

    def purchase_keys(self) -> Iterator[tuple[str, tuple[str, str, str, str]]]:
        """(id, (card, merchant, amount, date)) of every transaction not yet exported: one pass, nothing built (the
        likely-duplicate warning)."""
        return views.purchase_keys(self.transactions)

    def booked_days(self, vat_codes: frozenset[str]) -> Iterator[tuple[str, int, str, str]]:
        """(merchant, account, VAT code, date) of every exported transaction booked with one of ``vat_codes``:
        when a rate-dependent suggestion was learned (one pass over the history index, nothing built)."""
        return views.booked_days(self.history_index, vat_codes)

    def booked_pairs(self) -> Iterator[tuple[str, int, str | None]]:
        """(merchant, account, VAT code) of every exported transaction booked on an account: what the merchant
        statistics count (one pass over the history index, nothing built)."""
        return views.booked_pairs(self.history_index)

    def get_transaction(self, tx_id: str) -> Transaction | None:
        """A transaction in any state, exported ones included."""
        return self.transactions.get(tx_id) or self.history.get(tx_id)

    # --- writing ---

    def subscribe(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _guard(self, tx_id: str, attempted: str) -> None:
        """Exported transactions are immutable, whoever asks."""
        entry = self.history_index.raw(tx_id)
        if entry is not None:
            raise ImmutableError(
                tx_id, f"{entry['merchant']}, {entry['date']}", f"{entry['series']} {entry['number']}", attempted
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
        if self._journal.broken:
            raise StoreError(self._journal.broken)
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
            applies.append(lambda: table._delete(key))
            changes.keys.setdefault(table.name, set()).add(key)

        for item in puts:
            if isinstance(item, Transaction):
                self._guard(item.id, "changed")
                if item.status == Status.EXPORTED:
                    if self._batch is not None:
                        raise StoreError("exports are committed one by one, never in a batch")
                    doc = to_doc(item)
                    ops.append(["put", HISTORY, "id", doc])
                    applies.append(partial(self.history._put, doc))
                    stage(self.history_index, to_doc(HistoryEntry.of(item)), None)
                    if item.id in self.transactions:
                        stage_delete(self.transactions, item.id)
                    continue
            table = self._by_model.get(type(item))
            if table is None:
                raise StoreError(f"no table holds {type(item).__name__}")
            stage(table, to_doc(item), item)
        for name, key in deletes:
            table = self._tables[name]
            if name == "transactions" and self.history_index.raw(str(key)) is not None:
                self._guard(str(key), "deleted")
            stage_delete(table, str(key))

        if self._batch is not None:
            return self._batch.add(self._tables, ops, applies, changes, audit)
        if ops or audit:
            self._write_entry(ops, [audit] if audit else [])  # raises before anything is applied
            for apply in applies:
                apply()
        if ops:
            self._notify(changes)
        return changes

    def _write_entry(self, ops: list[list[Any]], audits: list[dict[str, Any]]) -> None:
        """One durable journal entry: the operations and the audit records that describe them, together."""
        at = now()
        entry: Doc = {"seq": self._seq + 1, "at": at, "ops": ops}
        records = [{"at": at, "user": self._user, **record} for record in audits]
        if records:
            entry["audit"] = records
        self._journal.append(entry)
        self._seq += 1
        if records:
            self._audit_log.pending.append((self._seq, records))
            self._audit_log.sync()

    def _notify(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            listener(changes)
        if self._journal.size > self.checkpoint_bytes:
            try:
                self.checkpoint()
            except StoreError:
                pass  # the change is durable in the journal; the checkpoint is tried again later, and at close

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
        self._batch = Batch()
        try:
            yield
        except BaseException:
            batch, self._batch = self._batch, None
            batch.undo()
            raise
        batch, self._batch = self._batch, None
        if batch.ops or batch.audits:
            try:
                self._write_entry(batch.ops, batch.audits)
            except BaseException:
                batch.undo()  # nothing was written: nothing stays changed in memory either
                raise
        if batch.ops:
            self._notify(batch.changes)

    def audit(self, record: dict[str, Any]) -> None:
        """Record an event that changes no data (e.g. an export run started): a journal entry of its own, durable
        when this returns. Inside a batch, part of the batch's entry."""
        if self._batch is not None:
            self._batch.audits.append(record)
        else:
            if self._closed:
                raise StoreError("the store is closed")
            self._write_entry([], [record])

    def audit_log(self) -> list[Doc]:
        """The processing history, oldest first: audit.jsonl, and any record the journal holds that it lacks."""
        if threading.get_ident() == self._owner_thread and not self._closed:
            self._audit_log.sync()  # a write: only by the store's own thread
        return self._audit_log.records()

    # --- integrity ---

    def check_history(self, months: Iterable[str | date] | None = None) -> None:
        """Read the history archives a run may write to (``months``: dates or ``"YYYY-MM"``; None: every archive)
        as a checkpoint would, and raise ``CorruptDataError`` if one is damaged or lacks an exported transaction
        its index names. For the exporter to call before anything is booked: a damaged archive is found before a
        voucher is created, not at the checkpoint after it."""
        self.history.check(self.history.parts() if months is None else months_of(months))

    def seen_transaction_ids(self, months: Iterable[str | date] | None = None) -> set[str]:
        """Every transaction id this home has ever known: work in progress, the history index, the ids in the
        history archive files (of ``months``, dates or ``"YYYY-MM"``; None: every month) and the ids named in the
        audit log. An import skips these, so that an exported transaction is never added (and booked) again, even
        after a damaged home was repaired by hand."""
        seen = set(self.transactions.keys()) | set(self.history_index.keys())
        parts = self.history.parts()
        if months is not None:
            parts &= months_of(months)
        seen.update(self.history.ids(parts))
        seen.update(self._audit_log.ids())
        return seen

    def save_settings(self, settings: Settings, *, what: str = "settings changed") -> None:
        self.commit([settings], audit={"action": "settings", "details": what})

    @property
    def journal_bytes(self) -> int:
        return self._journal.size

    def checkpoint(self) -> None:
        """Fold the journal into ``juni.json`` and the history files (each replaced atomically), then empty it.

        A history file of the wrong shape is refused, never rewritten. If a file cannot be written the old files
        stay, the journal keeps every change, and the error says why. The journal is emptied only once audit.jsonl
        holds every audit record in it."""
        if self._journal.size == 0 and self.home.db.exists():
            return
        if self._journal.broken:
            raise StoreError(self._journal.broken)
        unopened = self._unopened_tables()
        data: dict[str, dict[str, Any]] = dict(unopened)
        data.update({name: t._raw() for name, t in self._tables.items()})
        data[META_TABLE] = {"1": {"schema": SCHEMA_VERSION, "journal_seq": self._seq}}
        path = self.home.db
        try:
            self.history._checkpoint()
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            raise StoreWriteError(path.name, exc, path,
                                  kept="Nothing was lost: every change is still in the journal") from None
        finally:
            self._file.cache = None
        self._snapshot, self._pending = unopened, {}
        if not self._audit_log.sync():
            return  # the journal holds audit records audit.jsonl lacks: keep it until they are written
        try:
            self._journal.reset()
        except OSError:
            pass  # the journal's entries are all in juni.json now (its journal_seq says so): they are skipped

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
            if not self._journal.broken:  # said when it happened; the next start drops the unfinished line
                self.checkpoint()
        finally:
            self._closed = True
            self._journal.close()
            self._release_lock()
