"""Inline editing in the Prepare table, as in a spreadsheet: ``e`` turns the cursor row's Account cell into an input
in place (completion by number or name just under it), Tab goes to the VAT cell, Enter commits the row through
the same services as the pickers and moves on to the next row that lacks a value, ready to type again; Escape
cancels. With a selection, the values go to every selected row. The pickers (``a``, ``v``) stay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Offset
from textual.widgets import Input
from textual_autocomplete import AutoComplete, DropdownItem

from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.dialogs import parse_account
from juni_tui.screens.shared.cells import VAT_SHORT
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services.display import fold
from juni_tui.services.importing.values import parse_vat_code
from juni_tui.services.store import Store
from juni_tui.widgets.account_completion import AccountCompletion
from juni_tui.widgets.table import MARK_WIDTH, VirtualTable


def parse_vat(text: str) -> VatCode | None:
    """What was typed in the VAT cell: ``25``, ``25 %``, ``rc eu serv`` (as the table shows it), a code's name."""
    code = parse_vat_code(text)
    if code is not None:
        return code
    wanted = fold(" ".join(text.split()))
    for code, short in VAT_SHORT.items():
        if wanted in (fold(short), fold(code.label), fold(code.value).replace("_", " ")):
            return code
    return None


class VatCompletion(AutoComplete):
    """The seven VAT codes as the table shows them; nothing highlighted until ↓, as for accounts."""

    def __init__(self, target: Input) -> None:
        super().__init__(target, candidates=[DropdownItem(VAT_SHORT[code], prefix=f"{code.label}: ")
                                             for code in VatCode], prevent_default_enter=False)

    def get_search_string(self, target_state: Any) -> str:
        return target_state.text

    def _rebuild_options(self, target_state: Any, search_string: str) -> None:
        super()._rebuild_options(target_state, search_string)
        self.option_list.highlighted = None


class InlineEditor(Horizontal):
    """The inputs laid over the cursor row's cells. It only reads what was typed; the screen commits it."""

    DEFAULT_CSS = """
    InlineEditor { overlay: screen; height: 1; width: auto; display: none; background: $boost; }
    InlineEditor.-open { display: block; }
    InlineEditor Input { height: 1; padding: 0; border: none; background: $warning 30%; }
    InlineEditor Input:focus { background: $warning 50%; }
    InlineEditor .gap { width: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel the row (tab: next cell, enter: save and go on)")]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.on_commit: Callable[[str, str], None] | None = None
        self.on_cancel: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Input(id="inline-account", compact=True, placeholder="account")
        yield Horizontal(classes="gap")
        yield Input(id="inline-vat", compact=True, placeholder="VAT")

    def on_mount(self) -> None:
        # the dropdowns belong to the screen's overlay, under the cells they complete
        self.screen.mount(AccountCompletion(self.account_box, self.store.accounts.values,
                                            prevent_default_enter=False))
        self.screen.mount(VatCompletion(self.vat_box))

    @property
    def account_box(self) -> Input:
        return self.query_one("#inline-account", Input)

    @property
    def vat_box(self) -> Input:
        return self.query_one("#inline-vat", Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open_over(self, table: VirtualTable, account: str, vat: str) -> None:
        """Lay the inputs over the cursor row's Account and VAT cells and put the cursor in the first."""
        keys = [c.key for c in table.shown_columns]
        widths = table.column_widths
        x = table.region.x + MARK_WIDTH
        account_width, vat_width = 24, 11
        for key, width in zip(keys, widths, strict=False):
            if key == "account":
                account_width = max(width, 16)
                break
            x += width + 1
        if "vat" in keys:
            vat_width = max(widths[keys.index("vat")], 11)
        y = table.region.y + 1 + table.cursor - int(table.scroll_offset.y)
        self.account_box.styles.width = account_width
        self.vat_box.styles.width = vat_width
        self.account_box.value, self.vat_box.value = account, vat
        self.absolute_offset = Offset(max(0, min(x, self.screen.size.width - account_width - vat_width - 1)), y)
        self.add_class("-open")
        self.account_box.focus()
        self.account_box.action_end()

    def close(self) -> None:
        self.remove_class("-open")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.on_commit is not None:
            self.on_commit(self.account_box.value, self.vat_box.value)

    def action_cancel(self) -> None:
        if self.on_cancel is not None:
            self.on_cancel()


class InlineEditing:
    """Mixin for the Prepare screen (with ``PreAccountingActions``): ``e`` edits the cursor row in place."""

    store: Store
    app: Any
    notify: Any
    table: VirtualTable
    targets: Any
    line_targets: Any
    query_one: Any
    confirm_account: Any
    set_account: Any
    _edit: Any

    @property
    def inline(self) -> InlineEditor:
        return self.query_one(InlineEditor)

    def action_edit_inline(self) -> None:
        row_id = self.table.cursor_id
        tx = self.store.transactions.get(row_id) if row_id else None
        if tx is None:
            self.notify("No transaction here to edit.", severity="warning")
            return
        if tx.splits:
            self.notify("This transaction is split: edit its lines in the detail view (enter, then x).",
                        severity="warning")
            return
        editor = self.inline
        editor.on_commit = self._commit_inline
        editor.on_cancel = self._close_inline
        known = self.store.accounts.get(tx.account) if tx.account else None
        account = known.label if known else (str(tx.account) if tx.account else "")
        editor.open_over(self.table, account, VAT_SHORT[tx.vat_code] if tx.vat_code else "")

    def _close_inline(self) -> None:
        self.inline.close()
        self.table.focus()

    def _commit_inline(self, account_text: str, vat_text: str) -> None:
        ids = self.line_targets()
        if not ids:
            return self._close_inline()
        number: int | None = None
        if account_text.strip():
            account, error = parse_account(self.store, account_text)
            if account is None:
                self.notify(error, severity="error", timeout=8)
                self.inline.account_box.focus()
                return None
            number = account.number
        code: VatCode | None = None
        if vat_text.strip():
            code = parse_vat(vat_text)
            if code is None:
                self.notify(f"{vat_text.strip()!r} is not a VAT code: 25, 12, 6, 0, or a reverse charge (↓ lists them).",
                            severity="error", timeout=8)
                self.inline.vat_box.focus()
                return None

        def apply() -> None:
            with undo_step(self.app, "Row edited" if len(ids) == 1 else f"{len(ids)} rows edited"):
                if code is not None:
                    self._edit(f"VAT code {code.value} set", ids, vat_code=code)
                if number is not None:
                    self.set_account(ids, number)
            self._next_incomplete(ids)

        if number is not None:
            self.confirm_account(ids, number, apply)
        else:
            apply()
        return None

    def _next_incomplete(self, done: list[str]) -> None:
        """On to the next row below that lacks an account or a VAT code, with the editor open on it."""
        table = self.table
        table.action_clear_selection()
        rows = table.row_ids
        start = table.cursor + 1
        order = rows[start:] + rows[:start]
        for row_id in order:
            tx = self.store.transactions.get(row_id)
            if row_id not in done and tx is not None and not tx.splits and (tx.account is None or tx.vat_code is None):
                table.set_cursor(rows.index(row_id))
                self.app.call_after_refresh(self.action_edit_inline)
                return
        self._close_inline()
        self.notify("Every row shown has an account and a VAT code.")
