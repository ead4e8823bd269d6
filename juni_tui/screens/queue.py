"""Tab 3, Export queue: waiting, sending, attaching and failed items, with the export's progress."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar

from juni_tui.domain.transactions import QUEUE_STATUSES, Status
from juni_tui.screens.base import TransactionsScreen, short_problems
from juni_tui.screens.modals.dialogs import Message
from juni_tui.screens.shared import cells
from juni_tui.services import workflow
from juni_tui.services.fortnox.errors import FortnoxError, failure_text
from juni_tui.widgets.table import Cell, Column


class QueueScreen(TransactionsScreen):
    MODE = "queue"
    STATUSES = tuple(s for s in Status if s in QUEUE_STATUSES)
    EMPTY = "The export queue is empty. Export ready transactions with e on tab 2."
    COLUMNS = (
        Column("date", "Date", 10),
        Column("merchant", "Merchant", 0, min_width=16),
        Column("amount", "Amount SEK", 12, align="right"),
        Column("series", "Series", 6, priority=2),
        Column("state", "State", 15),
        Column("detail", "Fortnox says", 0, min_width=20, priority=1),
    )
    BINDINGS = [
        *TransactionsScreen.BINDINGS,
        Binding("r", "retry", "Retry"),
        Binding("u", "back_to_prepare", "Back to Prepare"),
    ]
    DEFAULT_CSS = TransactionsScreen.DEFAULT_CSS + """
    QueueScreen #progress { height: 1; padding: 0 1; }
    QueueScreen #progress Bar { width: 1fr; }
    """

    def compose_top(self) -> ComposeResult:
        yield ProgressBar(id="progress", show_eta=False)

    def render_row(self, row_id: str) -> Sequence[Cell]:
        tx = self.store.transactions.get(row_id)
        if tx is None or tx.export is None:
            return [""] * len(self.COLUMNS)
        error = tx.export.error
        # What Fortnox said, then what it means and what to do: the whole of it (enter shows it unwrapped).
        said = failure_text(error.message, error.meaning, error.code) if error else cells.queue_detail(tx)
        detail = Text(said, style="red" if tx.status == Status.FAILED else "dim")
        return (tx.date.isoformat(), tx.merchant, cells.amount(tx.amount), tx.export.series,
                cells.queue_state(tx), detail)

    def reload(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        super().reload(keep)
        done, total = self.juni.export_progress()
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done if total else 0)

    def status_note(self) -> Text | None:
        failed = self.store.count(Status.FAILED)
        running = self.juni.export_running()
        text = Text()
        if running:
            text.append("exporting…", style="bold yellow")
        if failed:
            text.append(f"  {failed} failed: enter shows why; r retries, u sends back to Prepare", style="red")
        return text or None

    def action_retry(self) -> None:
        outcome = workflow.retry(self.store, self.targets())
        if outcome.done:
            self.notify(f"{len(outcome.done)} will be retried")
            self.juni.start_export()
        elif outcome.refused:
            self.notify("Only failed items can be retried.", severity="warning")

    def action_back_to_prepare(self) -> None:
        self.ask_to_send_back(self.targets(), self._send_back)

    def _send_back(self, ids: list[str]) -> None:
        if any((tx := self.store.transactions.get(i)) is not None and tx.outcome_unknown for i in ids):
            self.settle_and_send_back(ids)  # Fortnox may have booked some: ask it first
            return
        self._sent_back(workflow.back_to_prepare(self.store, ids))

    @work(exclusive=True, group="send-back", exit_on_error=False)
    async def settle_and_send_back(self, ids: list[str]) -> None:
        self.notify("Asking Fortnox whether it already booked them…")
        try:
            outcome = await self.juni.exporter().send_back(ids)
        except FortnoxError as exc:
            self.notify(failure_text(f"Not sent back: juni-tui could not ask Fortnox ({exc})", exc.meaning), severity="error",
                        timeout=12)
            return
        self._sent_back(outcome)
        if any((tx := self.store.transactions.get(i)) is not None and tx.status == Status.ATTACHING
               for i in outcome.refused):
            self.juni.start_export()  # found booked: connect their receipts and move them to the history

    def _sent_back(self, outcome: workflow.Outcome) -> None:
        if outcome.done:
            self.notify(f"{len(outcome.done)} sent back to Prepare (tab 1) to be fixed")
        if outcome.refused:
            self.app.push_screen(Message("Not sent back", short_problems(outcome.refused, self.store)))
