"""Apply rules to existing transactions: every value they would fill, listed (``ApplyPreview``), and nothing changes
until the user says yes (``offer_apply``, after a rule is saved or switched on, or ``A`` in the Rules tab)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from juni_tui.domain.rules import Rule
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Confirm, Message
from juni_tui.screens.shared import cells
from juni_tui.screens.shared.rule_cells import change_value
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services import rules
from juni_tui.services.rules import RuleChange
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.safe import SafeLabel, SafeStatic
from juni_tui.widgets.table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from textual.app import App


class ApplyPreview(Confirm):
    """Every value the rule(s) would fill, one line each; ``y`` applies them all, ``n``/escape changes nothing.
    (The keys are priority bindings: the list has focus, and its own escape would only clear a selection.)"""

    DEFAULT_CSS = DIALOG_CSS.format(name="ApplyPreview") + """
    ApplyPreview > Vertical { width: 116; }
    ApplyPreview VirtualTable { height: 12; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "yes", "Apply", priority=True),
        Binding("n,escape", "cancel", "Not now", priority=True),
    ]
    COLUMNS = (
        Column("date", "Date", 10, priority=2),
        Column("merchant", "Transaction", 0, min_width=16),
        Column("amount", "Amount SEK", 13, align="right"),
        Column("field", "Field", 17),
        Column("change", "Old → new", 0, min_width=20),
    )

    def __init__(self, store: Store, title: str, changes: Sequence[RuleChange]) -> None:
        super().__init__(title, "", yes="Apply")
        self.store = store
        self.changes = list(changes)

    def compose(self) -> ComposeResult:
        n_tx = len({c.tx_id for c in self.changes})
        n = len(self.changes)
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            yield SafeStatic(
                f"It would fill {n} missing value{'s' * (n != 1)} on {n_tx} Prepare transaction{'s' * (n_tx != 1)}. "
                "Values set by hand and transactions past Prepare are left alone. Nothing changes until you say yes.",
                id="summary",
            )
            yield VirtualTable(self.COLUMNS, self._render_change)
            with Horizontal():
                yield Button("Not now (n)", id="no")
                yield Button(f"Apply to {n_tx} (y)", id="yes", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.styles.height = min(len(self.changes) + 1, 16)
        table.set_rows([str(i) for i in range(len(self.changes))])
        table.focus()

    def _render_change(self, row_id: str) -> Sequence[Cell]:
        change = self.changes[int(row_id)]
        view = self.store.tx_views.get(change.tx_id)
        move = Text(change_value(self.store, change.field, change.old), "dim")
        move.append(" → ")
        move.append(change_value(self.store, change.field, change.new), style="cyan")
        return (view.date.isoformat() if view else "", change.merchant, cells.amount(view.amount) if view else "",
                rules.FIELD_LABELS[change.field], move)


def offer_apply(node: Any, rule_list: Sequence[Rule] | None, what: str) -> None:
    """After a rule is saved or switched on (or ``A``): find what it would fill on Prepare transactions (in a thread:
    reading only), then show it and apply only on the user's yes. ``rule_list`` None: every enabled rule."""
    app: App = node.app
    store: Store = app.store  # type: ignore[attr-defined]

    async def run() -> None:
        chosen = None if rule_list is None else list(rule_list)
        changes = await asyncio.to_thread(rules.preview_apply_to_existing, store, chosen)
        for warning in changes.warnings:  # a rule whose pattern took too long: it was treated as not matching
            app.notify(warning, severity="warning", timeout=15)
        if not changes:
            app.notify(f"{what}: no Prepare transaction is missing a value it sets.")
            return

        def decided(yes: bool | None) -> None:
            if not yes:
                app.notify("Nothing was changed. The rule fills new transactions as they come in; A in tab 5 "
                           "shows this again.")
                return
            try:
                with undo_step(app, f"{what} applied"):
                    report = rules.apply_changes(store, changes)
            except StoreError as exc:
                app.notify(str(exc), severity="error", timeout=10)
                return
            app.notify(f"{report.summary.capitalize()}.")
            if report.skipped:
                lines = [f"• {c.describe()}: {why}" for c, why in report.skipped[:20]]
                if len(report.skipped) > 20:
                    lines.append(f"… and {len(report.skipped) - 20} more")
                app.push_screen(Message(f"{len(report.skipped)} values were left out", "\n".join(lines)))

        one = rule_list is not None and len(rule_list) == 1
        title = f"Apply {rule_list[0].label} to existing transactions?" if one and rule_list else (
            "Apply the rules to existing transactions?")
        app.push_screen(ApplyPreview(store, title, changes), decided)

    node.run_worker(run, group="rule-preview", exclusive=True, exit_on_error=False,
                    description="Previewing what the rule fills")
