"""Undo (``z`` in the TUI): the last changes the user made to pre-accounting values, receipts and rules, one step at
a time, as long as the transactions they touched are still in Prepare. It lives with the store because it works on
the stored documents themselves: what a step wrote, and what was there before.

A step is recorded around a user's action (``with log.step("Account 5410 set"): ...``): every document the action
writes in the transactions, receipts and rules tables is seen through the tables' change hooks, with what it was
before and what it became. Undoing the step writes the "before" documents back in one commit (through the Store,
the one writer, with an audit record), and only if

* each of those documents is still exactly what the step left (nothing changed them since: an import, a rule, a
  match or an export), and
* each transaction involved was in Prepare before the step and is in Prepare now (exported means final; a move to
  Ready is undone with ``u``, not here).

Otherwise the step is refused with a sentence and stays, so nothing half-undone is ever written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from juni_tui.domain.rules import Rule
from juni_tui.domain.transactions import Status
from juni_tui.services.store.repository import Store, StoreError
from juni_tui.services.store.tables import Table

Doc = dict[str, Any]
#: How many steps are kept.
DEPTH = 50


class UndoError(StoreError):
    """An undo that cannot be done, worded for the user."""


@dataclass
class Step:
    label: str
    #: (table, key) → the document before the step (None: it did not exist)
    before: dict[tuple[str, str], Doc | None] = field(default_factory=dict)
    #: (table, key) → the document the step left (None: deleted)
    after: dict[tuple[str, str], Doc | None] = field(default_factory=dict)


def _recorder(step: Step, name: str, table: Table[Any]) -> Callable[[Doc | None, Doc | None], None]:
    """A table hook that notes each document's first "before" and last "after" in the step."""

    def hook(old: Doc | None, new: Doc | None) -> None:
        key = (name, table.doc_key(new if new is not None else old or {}))
        step.before.setdefault(key, old)
        step.after[key] = new

    return hook


class UndoLog:
    """The steps of one session (the TUI's), newest last."""

    def __init__(self, store: Store, depth: int = DEPTH) -> None:
        self.store = store
        self.depth = depth
        self.steps: list[Step] = []
        self._recording: Step | None = None

    def _tables(self) -> dict[str, Table[Any]]:
        return {"transactions": self.store.transactions, "receipts": self.store.receipts,
                "rules": self.store.table("rules", Rule, "id")}  # services.rules.table's

    @contextmanager
    def step(self, label: str) -> Iterator[Step]:
        """Record what the block writes as one step (nested steps join the outer one)."""
        if self._recording is not None:
            yield self._recording
            return
        step = Step(label)
        hooks: list[tuple[Table[Any], Callable[[Doc | None, Doc | None], None]]] = []
        for name, table in self._tables().items():
            hook = _recorder(step, name, table)
            table.on_change.append(hook)
            hooks.append((table, hook))
        self._recording = step
        try:
            yield step
        finally:
            self._recording = None
            for table, hook in hooks:
                table.on_change.remove(hook)
            changed = {key: doc for key, doc in step.after.items() if step.before[key] != doc}
            if changed:
                step.after = changed
                step.before = {key: step.before[key] for key in changed}
                self.steps.append(step)
                del self.steps[:-self.depth]

    @property
    def last(self) -> str | None:
        """What ``undo`` would undo, in words."""
        return self.steps[-1].label if self.steps else None

    def why_not(self) -> str | None:
        """Why the last step cannot be undone now, or None if it can."""
        if not self.steps:
            return "Nothing to undo."
        step = self.steps[-1]
        tables = self._tables()
        for (name, key), doc in step.after.items():
            if tables[name].raw(key) != doc:
                return f"{step.label!r} cannot be undone: it was changed again since ({name[:-1]} {key})."
        for (name, key), doc in step.before.items():
            if name != "transactions":
                continue
            now = tables[name].raw(key)
            if self.store.history_index.raw(key) is not None:
                return f"{step.label!r} cannot be undone: transaction {key} is exported."
            for state in (doc, now):
                if state is not None and state.get("status", Status.PREPARE.value) != Status.PREPARE.value:
                    return (f"{step.label!r} cannot be undone: transaction {key} is no longer in Prepare "
                            "(send it back with u first).")
        return None

    def undo(self) -> str:
        """Undo the last step; what was undone, in words. Raises ``UndoError`` with the reason if it cannot be."""
        reason = self.why_not()
        if reason is not None:
            raise UndoError(reason)
        step = self.steps[-1]
        tables = self._tables()
        puts = [tables[name].model.model_validate(doc) for (name, _), doc in step.before.items() if doc is not None]
        deletes = [(name, key) for (name, key), doc in step.before.items() if doc is None]
        self.store.commit(puts, deletes, audit={"action": "undo", "details": step.label,
                                                "ids": sorted(key for name, key in step.before if name == "transactions")})
        self.steps.pop()
        return f"Undone: {step.label}"
