"""What every transaction tab shares: the tab strip, a filter, the virtual table, the selection bar, the footer.

Screens only show state and turn keys into service calls (GUIDE §1). They read the store directly (it is in
memory) and change it only through ``services.workflow`` and the other services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from juni_tui.domain.money import MoneyError, format_sek, to_money
from juni_tui.domain.transactions import Status
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services.store import HistoryView, Store, TxView
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from juni_tui.app import JuniApp

#: what a tab's filter and sums read of a row: the store's projection of a transaction or of an exported one
RowView = TxView | HistoryView


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
    FILTER_HINT: ClassVar[str] = "Filter by merchant, amount or account"

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

    def row_ids(self) -> list[str]:
        ids = self.all_ids()
        if self.query_text:
            ids = [i for i in ids if self.matches(i, self.query_text)]
        return ids

    def render_row(self, row_id: str) -> Sequence[Cell]:
        raise NotImplementedError

    def reload(self) -> None:
        ids = self.row_ids()
        table = self.table
        if ids != table.row_ids:
            table.set_rows(ids)
        self.update_selection_bar()

    def apply_changes(self, changed: set[str]) -> None:
        """The store changed these transactions: move rows in or out, and redraw the ones that are shown."""
        if "*" in changed:  # a change not tied to rows (settings, the chart of accounts): redraw everything
            self.table.invalidate()
        else:
            self.table.refresh_rows(changed)
        self.reload()
        self.query_one(NavTabs).update_counts()

    # --- filtering ---

    def matches(self, row_id: str, query: str) -> bool:
        view = self.view(row_id)
        if view is None:
            return False
        return matches_query(self.store, view, query)

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
        self.query_text = value.strip().lower()
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self._apply_filter(self.query_one("#filter", Input).value)
        self.table.focus()

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus:
            box.value = ""
            box.remove_class("-shown")
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
            text.append(f"    filter: {self.query_text}", style="italic")
        extra = self.status_note()
        if extra:
            text.append("    ")
            text.append_text(extra)
        self.query_one("#selection", SelectionBar).update(text)

    def status_note(self) -> Text | None:
        return None

    def targets(self) -> list[str]:
        """The rows an action applies to: the selection, or the cursor row."""
        return self.table.target_ids()

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


@lru_cache(maxsize=64)
def _query_amount(query: str) -> Decimal | None:
    """What the user typed, as an amount (None if it is not one): parsed once per query, not once per row."""
    try:
        return abs(to_money(query.replace(" ", "")))
    except MoneyError:
        return None


def matches_query(store: Store, view: RowView, query: str) -> bool:
    """Does a transaction (its store projection) match what the user typed: merchant, amount or account."""
    if query in view.merchant.lower():
        return True
    account = view.account
    if account is not None:
        if str(account).startswith(query):
            return True
        known = store.accounts.get(account)
        if known and query in known.description.lower():
            return True
    wanted = _query_amount(query)
    if wanted is None:
        return False
    amount = abs(view.amount)
    return amount == wanted or str(amount).startswith(str(wanted).rstrip("0").rstrip("."))


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
