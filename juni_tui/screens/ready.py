"""Tab 2, Ready to export: pick the voucher series, confirm, and the rows move to the Export queue."""

from __future__ import annotations

from collections.abc import Sequence

from textual import work
from textual.binding import Binding

from juni_tui.domain.money import format_sek
from juni_tui.domain.transactions import Status
from juni_tui.screens.base import TransactionsScreen, short_problems
from juni_tui.screens.modals.detail import preview_vouchers
from juni_tui.screens.modals.dialogs import Confirm, Message
from juni_tui.screens.modals.series import SeriesChoice, SeriesPicker
from juni_tui.screens.shared import cells
from juni_tui.services import workflow
from juni_tui.services.fortnox.errors import FortnoxError
from juni_tui.widgets.table import Cell


class ReadyScreen(TransactionsScreen):
    MODE = "ready"
    STATUSES = (Status.READY,)
    EMPTY = "Nothing is ready to export. Mark complete transactions ready with m on tab 1."
    COLUMNS = (*cells.TRANSACTION_COLUMNS, cells.STATUS_COLUMN)
    BINDINGS = [
        *TransactionsScreen.BINDINGS,
        Binding("e", "export", "Export to Fortnox"),
        Binding("u", "back_to_prepare", "Back to Prepare"),
        Binding("p", "preview", "Preview rows"),
    ]

    def render_row(self, row_id: str) -> Sequence[Cell]:
        tx = self.store.transactions.get(row_id)
        if tx is None:
            return [""] * len(self.COLUMNS)
        return (*cells.transaction_row(self.store, tx), cells.checks(tx))

    def action_back_to_prepare(self) -> None:
        self.ask_to_send_back(self.targets(), self._send_back)

    def _send_back(self, ids: list[str]) -> None:
        outcome = workflow.back_to_prepare(self.store, ids)
        if outcome.done:
            self.notify(f"{len(outcome.done)} sent back to Prepare (tab 1)")
        if outcome.refused:
            self.app.push_screen(Message("Not sent back", short_problems(outcome.refused, self.store)))

    def action_preview(self) -> None:
        preview_vouchers(self, self.targets())

    def action_export(self) -> None:
        ids = self.targets()
        if not ids:
            return
        series = [s for s in self.store.voucher_series.values() if s.manual]
        if not series:
            self.notify("No voucher series known: connect to Fortnox (tab 7) and sync first.", severity="error")
            return
        default = self.store.settings.default_series
        choices = [(s.code, f"{s.code:<4} {s.description}") for s in sorted(series, key=lambda s: s.code)]

        def chosen_series(choice: SeriesChoice | None) -> None:
            if choice is None:
                return
            code = choice.code
            total = self.selection_sum(ids)
            body = (f"Export {len(ids)} transaction{'s' if len(ids) != 1 else ''}, total {format_sek(total)} SEK, "
                    f"to Fortnox as vouchers in series {code}?\n\nOnce exported, they can no longer be changed here.")

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.queue_for_export(ids, code, remember=choice.remember)

            self.app.push_screen(Confirm("Export to Fortnox", body, yes="Export"), confirmed)

        self.app.push_screen(SeriesPicker(choices, default), chosen_series)

    @work(exclusive=True, group="queue", exit_on_error=False)
    async def queue_for_export(self, ids: list[str], series: str, *, remember: bool = False) -> None:
        self.notify(f"Checking {len(ids)} transactions with Fortnox…")
        try:
            exporter = self.juni.exporter()
            outcome = await exporter.queue(ids, series, remember=remember)
        except FortnoxError as exc:
            self.notify(f"Nothing was queued: {exc}. {exc.meaning}", severity="error", timeout=12)
            return
        self.table.select(set(self.table.selected) - set(outcome.done))
        if outcome.done:
            self.notify(f"{len(outcome.done)} queued for export in series {series} (tab 3)")
            self.juni.start_export()
        if outcome.refused:
            self.app.push_screen(Message(
                f"{len(outcome.refused)} kept out of the queue: Fortnox would refuse them",
                short_problems(outcome.refused, self.store),
            ))
