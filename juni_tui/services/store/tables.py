"""The documents in memory: a ``Table`` per kind of model, keyed by its key field; the ``StatusIndex`` of each
tab's rows in order; what a commit changed (``Changes``); and a ``Batch`` of commits that can be undone."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from juni_tui.domain.transactions import HistoryEntry, Status, Transaction
from juni_tui.services.store.checks import DOC_CHECKS, CorruptDataError, Doc, show

M = TypeVar("M", bound=BaseModel)


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
        """The table's documents from the snapshot (whose container ``_check_tables`` checked)."""
        check = DOC_CHECKS.get(self.name)
        for doc_id, doc in raw.items():
            problem = self.problem(doc, check)
            if problem:
                key = doc.get(self.key_field)
                where = show(key) if isinstance(key, str) and key else f"document {doc_id}"
                raise CorruptDataError(self.source, f"table {self.name!r}, {where}: {problem}")
            key = self.doc_key(doc)
            self._docs[key] = doc
            self._doc_ids[key] = int(doc_id)
        self._next_doc_id = max(self._doc_ids.values(), default=0) + 1

    def problem(self, doc: Doc, check: Callable[[Doc], str | None] | None = None) -> str | None:
        """What is wrong with a stored document for this table's keys; None if nothing."""
        key = doc.get(self.key_field, self._key_default)
        if key is None or isinstance(key, (dict, list, bool)):
            return f"it has no {self.key_field}"
        return check(doc) if check else None

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

    def _delete(self, key: str) -> str:
        old = self._docs.pop(key, None)
        self._models.pop(key, None)
        self._doc_ids.pop(key, None)
        if old is not None:
            for hook in self.on_change:
                hook(old, None)
        return key

    def _raw(self) -> dict[str, Doc]:
        return {str(self._doc_ids[key]): doc for key, doc in self._docs.items()}


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


# --- What commits change -------------------------------------------------------------------------------------


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


class Batch:
    """Commits gathered by ``Store.batch``: their journal operations, audit records and changes, and how to undo
    them in memory if the batch fails."""

    def __init__(self) -> None:
        self.ops: list[list[Any]] = []
        self.audits: list[dict[str, Any]] = []
        self.changes = Changes()
        self._undo: list[Callable[[], str]] = []

    def add(self, tables: dict[str, Table[Any]], ops: list[list[Any]], applies: list[Callable[[], str]],
            changes: Changes, audit: dict[str, Any] | None) -> Changes:
        for op in ops:
            table = tables[op[1]]
            key = str(op[3]) if op[0] == "del" else table.doc_key(op[3])
            old_doc, old_model = table._docs.get(key), table._models.get(key)
            undo = partial(table._delete, key) if old_doc is None else partial(table._put, old_doc, old_model)
            self._undo.append(undo)
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
