"""The receipt preview (``enter`` in tab 6): what juni-tui knows about the file and the text of a PDF, read in a
thread; ``o`` opens the file in the system's viewer. A refused inbox file shows why it was refused."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.screens.modals.attach import tx_summary
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.screens.shared.receipt_keys import open_file
from juni_tui.services import receipts
from juni_tui.services.receipts import InboxFile
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.safe import SafeStatic


class ReceiptPreview(ReportsWorkerErrors, ModalScreen[None]):
    """``enter`` in tab 6: what juni-tui knows about the file and the text of a PDF; ``o`` opens it."""

    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close"), Binding("o", "open", "Open in viewer")]
    DEFAULT_CSS = """
    ReceiptPreview { align: center middle; }
    ReceiptPreview > VerticalScroll { width: 100; max-width: 95%; height: 90%; border: thick $accent;
                                      background: $surface; padding: 1 2; }
    """

    def __init__(self, store: Store, target: Receipt | InboxFile) -> None:
        super().__init__()
        self.store = store
        self.target = target

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if isinstance(self.target, InboxFile):
                yield SafeStatic(self.refused_body(self.target), id="body")
            else:
                yield SafeStatic(Text(f"Reading {self.target.filename}…", style="dim"), id="body")
        yield KeysFooter()

    def on_mount(self) -> None:
        if isinstance(self.target, Receipt):
            self.read(self.target)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def read(self, receipt: Receipt) -> None:
        """Parsing a PDF can take a while (and the file is input): never on the app's thread."""
        try:
            rows = receipts.receipt_metadata(self.store, receipt)
            text = receipts.receipt_text(self.store, receipt)
        except StoreError as exc:
            rows, text = [("File", receipt.filename)], f"({exc})"
        self.app.call_from_thread(self.show, receipt, rows, text)

    def show(self, receipt: Receipt, rows: list[tuple[str, str]], text: str) -> None:
        self.query_one("#body", SafeStatic).update(self.body(receipt, rows, text))

    @staticmethod
    def refused_body(target: InboxFile) -> Group:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column()
        facts.add_row("File", target.name)
        facts.add_row("Path", target.path)
        facts.add_row(Text("Refused", style="red"), Text(target.refused or "", style="red"))
        facts.add_row("What to do", "Remove it from the inbox, or replace it with a file juni-tui can take (PDF, "
                                    "JPEG, TIFF; PNG, GIF and WebP are converted). It stays listed until then.")
        return Group(Text(target.name, style="bold"), facts)

    def body(self, receipt: Receipt, rows: list[tuple[str, str]], text: str) -> Group:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column()
        for label, value in rows:
            if label == "Attached to":
                value = tx_summary(self.store, value)
            elif label in ("Candidates", "Rejected"):
                value = "\n".join(tx_summary(self.store, t.strip()) for t in value.split(","))
            facts.add_row(label, value)
        keys = {
            MatchState.SUGGESTED: "y confirms · x rejects · t attaches to another transaction",
            MatchState.UNMATCHED: "t attaches it to a transaction",
        }.get(receipt.match, "d detaches (while the transaction is in Prepare)")
        parts: list[Any] = [Text(receipt.filename, style="bold"), facts, Text(f"In tab 6: {keys}", style="dim"),
                            Text(""), Text("Text", style="bold underline")]
        parts.append(Text(text) if text.strip() else Text(
            "No text: an image, or a PDF without a text layer (a scan). o opens the file.", style="dim italic"))
        return Group(*parts)

    def action_open(self) -> None:
        open_file(self.app, self.store, self.target)
