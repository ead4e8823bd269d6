"""Tab 4, Export history: what Fortnox booked, newest first. Read-only."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding

from juni_tui.domain.transactions import Status
from juni_tui.screens.base import RowView, TransactionsScreen
from juni_tui.screens.shared import cells
from juni_tui.widgets.table import Cell, Column


class HistoryScreen(TransactionsScreen):
    MODE = "history"
    STATUSES = (Status.EXPORTED,)
    EMPTY = "Nothing exported yet."
    COLUMNS = (
        Column("exported", "Exported", 16, priority=2),
        Column("voucher", "Voucher", 9),
        Column("year", "Year", 5, priority=3),
        Column("date", "Date", 10),
        Column("merchant", "Merchant", 0, min_width=18),
        Column("amount", "Amount SEK", 12, align="right"),
        Column("account", "Account", 0, min_width=16, priority=1),
    )
    BINDINGS = [*TransactionsScreen.BINDINGS, Binding("s", "app.export_sie", "SIE file")]

    def all_ids(self) -> list[str]:
        ids = self.store.ids(Status.EXPORTED)
        ids.reverse()  # newest first
        return ids

    def view(self, row_id: str) -> RowView | None:
        return self.store.history_views.get(row_id)

    def render_row(self, row_id: str) -> Sequence[Cell]:
        entry = self.store.history_index.get(row_id)
        if entry is None:
            return [""] * len(self.COLUMNS)
        year = self.store.financial_years.get(entry.year)
        account = self.store.accounts.get(entry.account) if entry.account else None
        return (
            cells.exported_at(entry),
            cells.voucher(entry),
            str(year.from_date.year) if year else f"#{entry.year}",
            entry.date.isoformat(),
            entry.merchant,
            cells.amount(entry.amount),
            f"{entry.account} {account.description}" if account else str(entry.account or ""),
        )
