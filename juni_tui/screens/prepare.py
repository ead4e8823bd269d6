"""Tab 1, Prepare & export: every transaction not yet ready. Fill in what is missing, then mark them ready."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from juni_tui.domain.settings import DEFAULT_REPRESENTATION_ACCOUNTS
from juni_tui.domain.transactions import Status
from juni_tui.screens.base import TransactionsScreen, short_problems
from juni_tui.screens.modals.detail import preview_vouchers
from juni_tui.screens.modals.dialogs import Message
from juni_tui.screens.shared import cells
from juni_tui.screens.shared.editing import PreAccountingActions
from juni_tui.screens.shared.inline import InlineEditing, InlineEditor
from juni_tui.screens.shared.receipt_keys import ReceiptActions
from juni_tui.screens.shared.rule_keys import RuleKeys
from juni_tui.screens.shared.undoing import UNDO_BINDING
from juni_tui.services import workflow
from juni_tui.services.bookkeeping import warnings
from juni_tui.services.store import TxView
from juni_tui.widgets.table import Cell


class PrepareScreen(InlineEditing, RuleKeys, ReceiptActions, PreAccountingActions, TransactionsScreen):
    MODE = "prepare"
    STATUSES = (Status.PREPARE,)
    EMPTY = "No transactions to prepare. Import some with I (or `juni-tui import FILE`)."
    COLUMNS = (*cells.TRANSACTION_COLUMNS, cells.STATUS_COLUMN)
    BINDINGS = [
        *TransactionsScreen.BINDINGS,
        Binding("e", "edit_inline", "Edit", tooltip="Type the account and VAT code in the row (tab, enter)"),
        Binding("a", "account", "Account"),
        Binding("v", "vat", "VAT"),
        Binding("m", "mark_ready", "Ready", tooltip="Mark the selection ready to export"),
        Binding("i", "toggle_incomplete", "Incomplete", tooltip="Show only incomplete rows (toggle)"),
        Binding("n", "no_receipt", "No receipt", tooltip="Mark 'no receipt needed', with a reason"),
        Binding("t", "attach_file", "Receipt", tooltip="Attach a receipt file"),  # receipts: to the cursor row
        Binding("y", "accept_suggestion", "Accept receipt", show=False),  # receipts: the row's suggested receipt
        Binding("s", "accept_rule_suggestion", "Suggestion", tooltip="Accept the suggested account/VAT"),  # rules
        Binding("R", "rule_from_row", "Rule", tooltip="Make a merchant rule from this row"),  # rules
        Binding("r", "representation", "Representation", show=False,
                tooltip="Representation: participants, purpose, attendees, alcohol"),
        Binding("percent_sign", "vat_details", "VAT details", key_display="%", show=False,
                tooltip="The deductible share of the VAT and the VAT as printed on the receipt"),
        Binding("w", "acknowledge_warning", "Acknowledge warning", show=False,
                tooltip="Acknowledge the row's warning (!) with a reason, kept in the audit log"),
        Binding("c", "cost_center", "Cost center", show=False),
        Binding("o", "project", "Project", show=False),
        Binding("p", "preview", "Preview rows", show=False),
        Binding("I", "import_file", "Import", show=False),
        UNDO_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.only_incomplete = False

    def compose_top(self) -> ComposeResult:
        yield InlineEditor(self.store)

    @property
    def filtering(self) -> bool:
        return self.only_incomplete or super().filtering

    def passes(self, row_id: str) -> bool:
        if self.only_incomplete and (view := self.store.tx_views.get(row_id)) is not None and self._complete(view):
            return False
        return super().passes(row_id)

    def _complete(self, view: TxView) -> bool:
        """The stored view's completeness, which knows the default representation accounts only; where
        representation may be at stake, the company's accounts decide (as at mark-ready)."""
        accounts = self.store.settings.representation_accounts
        if view.has_splits or view.account in accounts or view.account in DEFAULT_REPRESENTATION_ACCOUNTS:
            tx = self.store.transactions.get(view.id)
            return tx is not None and tx.attachment_complete and not tx.missing_values(accounts)
        return view.complete

    def render_row(self, row_id: str) -> Sequence[Cell]:
        tx = self.store.transactions.get(row_id)
        if tx is None:
            return [""] * len(self.COLUMNS)
        row = self.with_rule_suggestion(tx, cells.transaction_row(self.store, tx))  # rules: ~suggested values
        open_warnings = sum(1 for f in warnings.warnings_for(self.store, tx) if f.acknowledged is None)
        status = cells.checks(tx, self.store.settings.representation_accounts)
        return (*self.with_suggestion(tx, row), cells.with_warning_mark(status, open_warnings))

    def status_note(self) -> Text | None:
        note = Text()
        if self.only_incomplete:
            note.append("showing incomplete only (i)    ", style="yellow")
        return note + self.suggestion_note()  # rules: the cursor row's suggestion and its evidence

    # --- moving on ---

    def action_mark_ready(self) -> None:
        ids = self.targets()
        if not ids:
            return
        outcome = workflow.mark_ready(self.store, ids)
        self.table.select(set(self.table.selected) - set(outcome.done))
        if outcome.done:
            done = [tx for i in outcome.done if (tx := self.store.transactions.get(i)) is not None]
            warned = len(warnings.warnings_of(self.store, done))
            note = (f"; {warned} of them carr{'ies' if warned == 1 else 'y'} warnings (!): see the detail view"
                    if warned else "")
            self.notify(f"{len(outcome.done)} marked ready to export (tab 2){note}",
                        severity="warning" if warned else "information")
        if outcome.refused:
            self.app.push_screen(Message(
                f"{len(outcome.refused)} not marked ready: something is missing",
                short_problems(outcome.refused, self.store)
                + ("\n\nThey stay selected, to be fixed together; escape clears the selection."
                   if self.table.selected else ""),
            ))

    def action_toggle_incomplete(self) -> None:
        self.only_incomplete = not self.only_incomplete
        self.reload()

    def action_preview(self) -> None:
        preview_vouchers(self, self.targets())

    def action_import_file(self) -> None:
        self.juni.action_import_file()
