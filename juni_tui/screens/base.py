"""What every transaction tab shares: the tab strip, a filter, the virtual table, the selection bar, the footer.

Screens only show state and turn keys into service calls (GUIDE §1). They read the store directly (it is in
memory) and change it only through ``services.workflow`` and the other services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from juni_tui.domain.money import format_sek
from juni_tui.domain.transactions import Status
from juni_tui.screens.modals.dialogs import Confirm
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.screens.shared.search import RowView, matches_query, query_words
from juni_tui.services.store import Store
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from juni_tui.app import JuniApp


class SelectionBar(SafeStatic):
    DEFAULT_CSS = """
    SelectionBar { height: 1; background: $boost; padding: 0 1; }
    """


class TransactionsScreen(ReportsWorkerErrors, Screen):
    """A tab listing transactions with some statuses."""

    MODE: ClassVar[str]
    STATUSES: ClassVar[tuple[Status, ...]]
    COLUMNS: ClassVar[Sequence[Column]]
    EMPTY: ClassVar[str] = "Nothing here."
    FILTER_HINT: ClassVar[str] = "Find a date (2026-09), merchant, description, cardholder, amount or account"

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("enter", "details", "Details", show=False),
    ]

    DEFAULT_CSS = """
    TransactionsScreen #filter { display: none; height: 3; }
    TransactionsScreen #filter.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self._filter_timer: Timer | None = None
        self._next_cursor: str | None = None

    @property
    def juni(self) -> "JuniApp":
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        return self.juni.store

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def compose(self) -> ComposeResult:
        yield NavTabs(self.MODE)
        yield Input(placeholder=self.FILTER_HINT + " (enter to keep, escape to clear)", id="filter")
        yield from self.compose_top()
        yield VirtualTable(self.COLUMNS, self.render_row, empty_text=self.EMPTY)
        yield SelectionBar(id="selection")
        yield KeysFooter()

    def compose_top(self) -> ComposeResult:
        """Extra widgets between the filter and the table (the queue's progress bar)."""
        yield from ()

    def on_mount(self) -> None:
        self.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        # A tab that was not shown missed the changes made meanwhile (each tab is its own mode): redraw all.
        self.table.invalidate()
        self.reload()
        self.query_one(NavTabs).update_counts()

    # --- rows ---

    def all_ids(self) -> list[str]:
        return self.store.ids(*self.STATUSES)

    def view(self, row_id: str) -> RowView | None:
        """The row's typed projection (the store's), for filters and sums over many rows."""
        return self.store.tx_views.get(row_id)

    @property
    def filtering(self) -> bool:
        """Does the tab show only some of its rows?"""
        return bool(self.query_text)

    def passes(self, row_id: str) -> bool:
        """Is the row one the filter shows?"""
        return not self.query_text or self.matches(row_id, self.query_text)

    def row_ids(self, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The rows to show: the tab's rows that pass the filter, and the ``keep`` rows even if they no longer do."""
        ids = self.all_ids()
        if self.filtering:
            ids = [i for i in ids if i in keep or self.passes(i)]
        return ids

    def render_row(self, row_id: str) -> Sequence[Cell]:
        raise NotImplementedError

    def reload(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        ids = self.row_ids(keep)
        table = self.table
        if ids != table.row_ids:
            table.set_rows(ids)
            if self._next_cursor is not None:
                position = table._position(self._next_cursor)
                if position is not None:
                    table.set_cursor(position)
                self._next_cursor = None
        self.update_selection_bar()

    def move_on(self, acted: Iterable[str]) -> None:
        """After an action on these rows, the cursor goes on to the next row the user has not acted on, and stays
        there when the rows move away (to another tab, or to the bottom of the list): it never follows them."""
        table = self.table
        done = set(acted)
        rows = table.row_ids
        after = (r for r in rows[table.cursor + 1:] if r not in done)
        before = (r for r in reversed(rows[: table.cursor]) if r not in done)
        self._next_cursor = next(after, None) or next(before, None)
        if self._next_cursor is not None:
            position = table._position(self._next_cursor)
            if position is not None:
                table.set_cursor(position)

    def apply_changes(self, changed: set[str]) -> None:
        """The store changed these transactions: move rows in or out, and redraw the ones that are shown."""
        if "*" in changed:  # a change not tied to rows (settings, the chart of accounts): redraw everything
            self.table.invalidate()
        else:
            self.table.refresh_rows(changed)
        # A row that changes under a filter stays where the user sees it until the filter is applied again.
        self.reload(keep=set(self.table.row_ids) if self.filtering else frozenset())
        self.query_one(NavTabs).update_counts()

    # --- filtering ---

    def matches(self, row_id: str, query: str) -> bool:
        view = self.view(row_id)
        if view is None:
            return False
        return matches_query(self.store, view, query_words(query))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, lambda: self._apply_filter(event.value))

    def _apply_filter(self, value: str) -> None:
        self.query_text = " ".join(value.split())
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self._apply_filter(self.query_one("#filter", Input).value)
        self.table.focus()

    def key_escape(self) -> None:
        """Escape in the filter box, or on the table with nothing selected (the table clears a selection first):
        the filter goes and every row shows again."""
        box = self.query_one("#filter", Input)
        if box.has_focus or (self.query_text and not self.table.selected):
            self.clear_filter()

    def clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-shown")
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter("")
        self.table.focus()

    # --- selection ---

    @on(VirtualTable.SelectionChanged)
    def _selection_changed(self) -> None:
        self.update_selection_bar()

    def selection_sum(self, ids: Iterable[str]) -> Decimal:
        total = Decimal("0.00")
        for row_id in ids:
            view = self.view(row_id)
            if view is not None:
                total += view.amount
        return total

    def update_selection_bar(self) -> None:
        table = self.table
        selected = [i for i in table.row_ids if i in table.selected] if table.selected else []
        shown = len(table.row_ids)
        total = self.store.count(*self.STATUSES)
        text = Text()
        text.append(f"{len(selected)} selected", style="bold" if selected else "dim")
        text.append(f" · {format_sek(self.selection_sum(selected))} SEK", style="bold" if selected else "dim")
        text.append(f"    {shown} shown" + (f" of {total}" if shown != total else ""), style="dim")
        if self.query_text:
            text.append(f"    filter: {self.query_text} (esc clears)", style="bold yellow")
        extra = self.status_note()
        if extra:
            text.append("    ")
            text.append_text(extra)
        self.query_one("#selection", SelectionBar).update(text)

    def ask_to_send_back(self, ids: list[str], then: Callable[[list[str]], None]) -> None:
        """``u``: one question before transactions leave this tab for Prepare."""
        if not ids:
            return
        first = self.store.transactions.get(ids[0])
        what = f"{first.merchant} {first.date}" if first and len(ids) == 1 else f"{len(ids)} transactions"

        def decided(yes: bool | None) -> None:
            if yes:
                self.move_on(ids)
                then(ids)

        self.app.push_screen(Confirm(f"Send {what} back to Prepare?", "Their values and receipts stay; they "
                                     "must be marked ready again (m on tab 1) to be exported.", yes="Send back"),
                             decided)

    def status_note(self) -> Text | None:
        return None

    def targets(self) -> list[str]:
        """The rows an action applies to: the selection, or the cursor row. None (an empty tab, or a filter that
        shows nothing): the key says so rather than doing nothing."""
        ids = self.table.target_ids()
        if not ids:
            hidden = " (a filter hides the others)" if self.filtering else ""
            self.notify(f"Nothing to act on: no row is shown here{hidden}.", severity="warning")
        return ids

    # --- details ---

    def action_details(self) -> None:
        row_id = self.table.cursor_id
        if row_id is not None:
            self.open_details(row_id)

    @on(VirtualTable.Activated)
    def _activated(self, event: VirtualTable.Activated) -> None:
        self.open_details(event.row_id)

    def open_details(self, row_id: str) -> None:
        self.juni.open_detail(row_id)


def short_problems(problems: dict[str, list[str]], store: Store, limit: int = 12) -> str:
    """Refusals, one line per transaction: ``Adobe 2026-10-05: missing account, missing receipt``."""
    lines = []
    for tx_id, reasons in list(problems.items())[:limit]:
        tx = store.get_transaction(tx_id)
        who = f"{tx.merchant} {tx.date}" if tx else tx_id
        lines.append(f"• {who}: {'; '.join(reasons)}")
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    return "\n".join(lines)
