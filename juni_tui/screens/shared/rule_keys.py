"""The rule keys of Prepare (``RuleKeys``): suggestions from earlier exports in the Account and VAT cells, ``s``
accepts them, ``R`` proposes a merchant rule from the row.

A suggestion shows in the Account and VAT cells as ``~5831 …`` in dim italics, with its evidence under the table for
the cursor row; ``s`` accepts it for the row or the selection. ``R`` proposes the merchant rule of the row the user
just filled in. Suggestions are computed in a thread for the rows on screen only, kept until the store changes, and
never slow down the first paint.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rich.text import Text

from juni_tui.domain.rules import RuleKind
from juni_tui.domain.transactions import Transaction
from juni_tui.screens.modals.attach import tx_summary
from juni_tui.screens.modals.rule_editor import edit_rule
from juni_tui.screens.shared.rule_cells import ACCOUNT_COLUMN, suggested_cells
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services import rules
from juni_tui.services.rules import RuleError, Suggestion
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.table import Cell, VirtualTable


class _Suggestions:
    """What Prepare knows of the suggestions: per row the last answer (shown until a newer one comes), which answers
    are current, and the rows waiting for one."""

    def __init__(self) -> None:
        self.known: dict[str, Suggestion | None] = {}
        self.fresh: set[str] = set()
        self.wanted: set[str] = set()
        self.generation = 0
        self.running = False
        self.scheduled = False
        self.noted: Suggestion | None = None  # what the bar under the table says now

    def stale(self) -> None:
        self.fresh.clear()
        self.generation += 1



class RuleKeys:
    """Mixin for Prepare (a TransactionsScreen): suggestions in the Account and VAT cells, ``s`` accepts them for the
    row or the selection, ``R`` proposes a merchant rule from the row."""

    store: Store
    table: VirtualTable
    app: Any
    notify: Any
    targets: Callable[[], list[str]]
    run_worker: Any
    update_selection_bar: Callable[[], None]

    #: Rows looked at around the screen (above and below), so that scrolling finds their suggestions ready.
    PREFETCH_PAGES = 1

    @property
    def _rule_suggestions(self) -> _Suggestions:
        state = self.__dict__.get("_rule_suggestions_state")
        if state is None:
            state = self.__dict__["_rule_suggestions_state"] = _Suggestions()
        return state

    # --- the cells ---

    def rule_suggestion(self, tx_id: str) -> Suggestion | None:
        """The suggestion shown for a row; asks for it (in a thread) when it is not known yet."""
        state = self._rule_suggestions
        if tx_id not in state.fresh:
            state.wanted.add(tx_id)
            self._schedule_suggestions()
        return state.known.get(tx_id)

    def with_rule_suggestion(self, tx: Transaction, row: Sequence[Cell]) -> tuple[Cell, ...]:
        """A Prepare row with its suggestion, if a value is missing that no rule fills and earlier exports agree on."""
        if tx.splits or (tx.account is not None and tx.vat_code is not None):
            return tuple(row)
        suggestion = self.rule_suggestion(tx.id)
        if suggestion is None:
            return tuple(row)
        out = list(row)
        for column, cell in suggested_cells(self.store, suggestion).items():
            if getattr(tx, "account" if column == ACCOUNT_COLUMN else "vat_code") is None:
                out[column] = cell
        return tuple(out)

    def suggestion_note(self) -> Text:
        """For the bar under the table: the cursor row's suggestion with its evidence, and the key that accepts it."""
        suggestion = self._cursor_suggestion()
        self._rule_suggestions.noted = suggestion
        if suggestion is None:
            return Text()
        text = Text("~ ", style="magenta")
        text.append(f"{suggestion.evidence}: ", style="italic")
        text.append("s accepts", style="bold")
        return text

    def on_virtual_table_cursor_moved(self, event: VirtualTable.CursorMoved) -> None:
        self._refresh_note()

    def _cursor_suggestion(self) -> Suggestion | None:
        row_id = self.table.cursor_id
        return self._rule_suggestions.known.get(row_id) if row_id else None

    def _refresh_note(self) -> None:
        """Redraw the bar only when what it says changes: a key press stays cheap."""
        if self._cursor_suggestion() != self._rule_suggestions.noted:
            self.update_selection_bar()

    # --- keeping them current ---

    def _schedule_suggestions(self) -> None:
        state = self._rule_suggestions
        if not state.scheduled and not state.running:
            state.scheduled = True
            self.app.call_later(self._start_suggestions)  # after this paint: the rows on screen ask together

    def _window(self) -> list[str]:
        table = self.table
        page = max(1, table.size.height)
        top = int(table.scroll_offset.y)
        return table.row_ids[max(0, top - page * self.PREFETCH_PAGES): top + page * (1 + self.PREFETCH_PAGES)]

    def _start_suggestions(self) -> None:
        state = self._rule_suggestions
        state.scheduled = False
        if state.running or not state.wanted:
            return
        ids = list(dict.fromkeys([*state.wanted, *(i for i in self._window() if i not in state.fresh)]))
        state.wanted.clear()
        state.running = True
        self.run_worker(partial(self._suggest, ids, state.generation), group="rule-suggestions", exit_on_error=False,
                        description="Suggestions from earlier exports")

    async def _suggest(self, ids: list[str], generation: int) -> None:
        state = self._rule_suggestions
        try:
            found = await asyncio.to_thread(rules.suggestions, self.store, ids)
        finally:
            state.running = False
        if generation != state.generation:  # the store changed meanwhile: ask again for what is on screen
            state.wanted.update(i for i in ids if i in set(self._window()))
        else:
            moved = [i for i in ids if state.known.get(i) != found.get(i)]
            for tx_id in ids:
                state.known[tx_id] = found.get(tx_id)
            state.fresh.update(ids)
            if moved:
                self.table.refresh_rows(moved)
                self._refresh_note()
        if state.wanted:
            self._schedule_suggestions()

    def _suggestions_changed(self, changed: set[str]) -> None:
        state = self._rule_suggestions
        state.stale()  # a rule, a value or an export changes what is suggested: ask again for the rows on screen
        if state.known:
            state.wanted.update(i for i in self._window() if i in state.known)
            self._schedule_suggestions()

    def apply_changes(self, changed: set[str]) -> None:
        self._suggestions_changed(changed)
        super().apply_changes(changed)  # type: ignore[misc]

    def on_screen_resume(self) -> None:
        self._suggestions_changed({"*"})

    # --- s ---

    def action_accept_rule_suggestion(self) -> None:
        ids = self.targets()
        if not ids:
            return
        try:
            with undo_step(self.app, "Suggestion accepted"):
                report = rules.accept_suggestions(self.store, ids)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if report.applied:
            left = len(ids) - len(report.changed_ids)
            self.notify(f"Suggestion accepted: {report.summary}" + (f"; {left} had none" if left > 1 or (
                left and len(ids) > 1) else ""))
        elif len(ids) == 1:
            self.notify(f"No suggestion for {tx_summary(self.store, ids[0])}: earlier exports of the merchant do not "
                        "agree on a value it is missing (or there are none).", severity="warning", timeout=8)
        else:
            self.notify(f"None of the {len(ids)} selected has a suggestion.", severity="warning")

    # --- R ---

    def action_rule_from_row(self) -> None:
        ids = self.targets()
        if len(ids) != 1:
            if ids:
                self.notify(f"A merchant rule is made from one row, and {len(ids)} are selected: press R on one row "
                            "(escape clears the selection).", severity="warning", timeout=8)
            return
        tx = self.store.transactions.get(ids[0])
        if tx is None:
            return
        try:
            proposal = rules.merchant_rule_from(tx, self.store)
        except RuleError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        existing = bool(proposal.id)
        title = (f"Change {proposal.label} to what {tx.merchant} has now" if existing
                 else f"New merchant rule from {tx.merchant} {tx.date}")
        edit_rule(self, RuleKind.MERCHANT, proposal, title)
