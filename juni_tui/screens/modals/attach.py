"""Attaching receipts by hand: a path prompt for a file (Prepare and the detail view, ``t``), and a picker over the
transactions still waiting for a receipt (the Receipts tab, ``t``).

Both attach through ``services.receipts`` and keep the dialog open on a refusal, with the reason under the input:
the user fixes the path or the choice without typing it all again.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual_autocomplete import DropdownItem, TargetState

from juni_tui.domain.money import format_sek
from juni_tui.domain.receipts import Receipt
from juni_tui.domain.transactions import Status
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog, PathCompletion
from juni_tui.services import receipts
from juni_tui.services.display import printable
from juni_tui.services.store import Store, StoreError, TxView
from juni_tui.widgets.safe import SafeStatic, plain


def tx_summary(store: Store, tx_id: str) -> str:
    """``2026-10-05 Adobe -1 250,00 SEK (-120,00 USD)`` from the stored document (exported ones too)."""
    view = store.tx_or_history_view(tx_id)
    if view is None:
        return f"transaction {tx_id} (no longer exists)"
    text = f"{view.date.isoformat()} {view.merchant} {format_sek(view.amount)} SEK"
    if isinstance(view, TxView) and view.original_amount is not None and view.original_currency not in (None, "SEK"):
        text += f" ({format_sek(view.original_amount)} {view.original_currency})"
    return text


# --- a file, by path --------------------------------------------------------------------------------------------


class ReceiptPathCompletion(PathCompletion):
    """Tab completes folders and receipt files only (``receipts.complete_path``); ``~`` works."""

    def get_candidates(self, target_state: TargetState) -> list[DropdownItem]:
        typed = target_state.text[: target_state.cursor_position]
        cut = typed.rfind("/") + 1  # the completion replaces what follows the last slash
        return [
            DropdownItem(printable(name[cut:]), prefix=self.folder_prefix if name.endswith("/") else self.file_prefix)
            for name in receipts.complete_path(typed, cwd=self.path)
        ]


class AttachFilePrompt(Dialog[Receipt]):
    """The path of a receipt file for one transaction; enter attaches it, a refusal is shown under the input."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AttachFilePrompt")

    def __init__(self, store: Store, tx_id: str, start: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.tx_id = tx_id
        self.start = start or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeStatic(f"Attach a receipt to {tx_summary(self.store, self.tx_id)}", classes="title")  # wraps
            box = Input(placeholder="~/Downloads/kvitto.pdf", id="path")
            yield box
            yield SafeStatic("", classes="error", id="error")
            yield SafeStatic("tab completes the path · PDF, JPEG or TIFF (PNG, GIF and WebP become JPEG), "
                         "at most 2.5 MB · enter attaches, escape cancels", classes="hint")
        yield ReceiptPathCompletion(box, path=self.start, folder_prefix=Content("▸ "), file_prefix=Content("  "))

    @on(Input.Submitted, "#path")
    def _submit(self, event: Input.Submitted) -> None:
        error = self.query_one("#error", SafeStatic)
        path = event.value.strip()
        if not path:
            error.update("Type the path of the receipt file (tab completes).")
            return
        try:
            receipt = receipts.attach_file(self.store, self.tx_id, path)
        except StoreError as exc:
            error.update(f"Not attached: {exc}")
            return
        self.dismiss(receipt)


# --- a transaction, by search -----------------------------------------------------------------------------------


def _amount_gap(view: TxView, receipt: Receipt | None) -> Decimal:
    """How far the transaction's amount is from what the receipt says (in the receipt's currency)."""
    if receipt is None or receipt.amount is None:
        return Decimal(0)
    amount: Decimal | None
    if receipt.currency not in (None, "SEK") and view.original_currency == receipt.currency:
        amount = view.original_amount
    else:
        amount = view.amount
    return abs(abs(amount) - abs(receipt.amount)) if amount is not None else Decimal("1e12")


def _day_gap(view: TxView, receipt: Receipt | None) -> int:
    if receipt is None or receipt.receipt_date is None:
        return 0
    return abs((view.date - receipt.receipt_date).days)


class TransactionPicker(Dialog[str]):
    """Pick a transaction in Prepare that still needs a receipt. The likeliest for the receipt come first (its
    suggestions, then the nearest amount and date); type to search by merchant, amount or date (all words must
    match). Shows at most ``LIMIT``: typing narrows the rest."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TransactionPicker") + """
    TransactionPicker > Vertical { width: 110; }
    TransactionPicker OptionList { height: 16; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]
    LIMIT = 100

    def __init__(self, store: Store, title: str, receipt: Receipt | None = None) -> None:
        super().__init__()
        self.store = store
        self.title_text = title
        self.receipt = receipt
        self._timer: Timer | None = None
        self._rows: list[tuple[str, str, str]] = []  # (tx id, search text, label)
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeStatic(self.title_text, classes="title")  # wraps: a long file name
            yield Input(placeholder="merchant, amount or date", id="query")
            yield OptionList(id="transactions")
            yield SafeStatic("", classes="hint", id="count")
            yield SafeStatic("↑/↓ choose · enter attaches · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self._rows = self._candidates()
        self._show("")
        self.query_one("#query", Input).focus()

    def _candidates(self) -> list[tuple[str, str, str]]:
        view_of = self.store.tx_views.get
        suggested = self.receipt.candidates if self.receipt else ()
        found: list[tuple[tuple[Any, ...], str, str, str]] = []
        for n, tx_id in enumerate(self.store.ids(Status.PREPARE)):
            view = view_of(tx_id)
            if view is None or not view.needs_receipt:
                continue
            amount = view.amount
            search = " ".join([view.date.isoformat(), view.merchant.lower(), str(amount), str(abs(amount)),
                               str(abs(amount)).replace(".", ","),
                               "" if view.original_amount is None else str(view.original_amount)])
            label = tx_summary(self.store, tx_id)
            rank = (suggested.index(tx_id) if tx_id in suggested else len(suggested),
                    _amount_gap(view, self.receipt), _day_gap(view, self.receipt), n)
            if tx_id in suggested:
                label += "   ← suggested"
            found.append((rank, tx_id, search, label))
        found.sort(key=lambda item: item[0])
        return [(tx_id, search, label) for _, tx_id, search, label in found]

    def _show(self, query: str) -> None:
        words = query.lower().replace(" sek", "").split()
        hits = [row for row in self._rows if all(word in row[1] for word in words)]
        self.shown = [tx_id for tx_id, _, _ in hits[: self.LIMIT]]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(plain(label, multiline=False), id=tx_id) for tx_id, _, label in hits[: self.LIMIT]])
        if hits:
            options.highlighted = 0
        count = self.query_one("#count", SafeStatic)
        if not self._rows:
            count.update(Text("No transaction in Prepare is waiting for a receipt.", style="yellow"))
        elif not hits:
            count.update(Text(f"No transaction waiting for a receipt matches {query!r}.", style="yellow"))
        elif len(hits) > self.LIMIT:
            count.update(f"{len(hits)} match; the first {self.LIMIT} are shown: type to narrow.")
        else:
            count.update(f"{len(hits)} of {len(self._rows)} waiting for a receipt")

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.1, lambda: self._show(event.value))

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = max(0, min(options.option_count - 1, (options.highlighted or 0) + delta))

    @on(Input.Submitted, "#query")
    def _submit(self, event: Input.Submitted) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._show(event.value)
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#transactions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def describe_all(store: Store, tx_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Choices for a ChoicePicker: each transaction with its summary."""
    return [(tx_id, tx_summary(store, tx_id)) for tx_id in tx_ids]
