"""The transactions a rule's conditions match now (``enter`` in the Rules tab), by tab; ``enter`` opens one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from juni_tui.domain.rules import Rule
from juni_tui.domain.transactions import Status
from juni_tui.screens.shared import cells
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services import rules
from juni_tui.services.store import Store
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column, VirtualTable


class MatchesScreen(ReportsWorkerErrors, ModalScreen[None]):
    """The Prepare and Ready transactions a rule's conditions match now; ``enter`` opens one."""

    DEFAULT_CSS = """
    MatchesScreen { align: center middle; }
    MatchesScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    MatchesScreen .title { text-style: bold; height: auto; }
    """
    BINDINGS = [Binding("escape,q", "close", "Back", priority=True), Binding("enter", "open", "Details")]
    COLUMNS = (Column("tab", "Tab", 7), *cells.TRANSACTION_COLUMNS, cells.STATUS_COLUMN)

    def __init__(self, rule: Rule) -> None:
        super().__init__()
        self.rule = rule
        self.matches: rules.RuleMatches | None = None

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeStatic(Text(f"{self.rule.label}: finding the transactions it matches…"), classes="title",
                             id="head")
            yield VirtualTable(self.COLUMNS, self.render_row, empty_text="No Prepare or Ready transaction matches now.")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()
        self.run_worker(self._load, group="rule-matches", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]  # Textual types the worker as returning Never

    async def _load(self) -> None:
        found = await asyncio.to_thread(rules.matching_ids, self.store, self.rule)
        self.matches = found
        head = Text(f"{self.rule.label} matches {found.count} transaction{'s' * (found.count != 1)} now: ",
                    style="bold")
        head.append(f"{len(found.prepare)} in Prepare, {len(found.ready)} ready to export", style="")
        head.append(f"    when {rules.describe_when(self.rule)}", style="dim")
        if not self.rule.enabled:
            head.append("    (switched off: it fills nothing)", style="yellow")
        if found.warning:
            head.append(f"\n{found.warning}", style="bold yellow")
        self.query_one("#head", SafeStatic).update(head)
        self.query_one(VirtualTable).set_rows(found.ids)

    def render_row(self, row_id: str) -> Sequence[Cell]:
        tx = self.store.transactions.get(row_id)
        if tx is None:
            return [""] * len(self.COLUMNS)
        tab = Text("ready", "green") if tx.status == Status.READY else Text(tx.status.label)
        return (tab, *cells.transaction_row(self.store, tx), cells.checks(tx))

    def apply_changes(self, changed: set[str]) -> None:
        self.query_one(VirtualTable).refresh_rows(changed)

    @on(VirtualTable.Activated)
    def _activated(self, event: VirtualTable.Activated) -> None:
        self._open(event.row_id)

    def action_open(self) -> None:
        row_id = self.query_one(VirtualTable).cursor_id
        if row_id is not None:
            self._open(row_id)

    def _open(self, row_id: str) -> None:
        self.app.open_detail(row_id)  # type: ignore[attr-defined]

    def action_close(self) -> None:
        self.dismiss(None)
