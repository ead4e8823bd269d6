"""``?``: the keys of the screen you are on, and the workflow in five lines."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen

from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import VirtualTable

WORKFLOW = "\n".join([
    "1 Prepare & export: fill in the account and the VAT code (e in the row, tab, enter; or a and v) and add "
    "receipts until both checkmarks are green, then mark them ready (m). Select with space, shift+↑/↓, "
    "shift+PgUp/PgDn and ctrl+a; escape clears. / finds a month, merchant, amount, account…; escape clears it.",
    "2 Ready to export: export (e) in a voucher series; u sends back to Prepare.",
    "3 Export queue: watch them go. A failed one says why; r retries, u sends it back to Prepare.",
    "4 Export history: what Fortnox booked; enter shows the voucher as it was sent. Exported means final: "
    "corrections are new vouchers in Fortnox.",
    "5 Rules fill in account and VAT code before you have to; 6 Receipts holds the receipt inbox: suggestions to "
    "confirm or reject and receipts to attach by hand; 7 Settings has the Fortnox connection and the accounts.",
    "ctrl+p opens the command palette with every action.",
])


def keys_table(screen: Screen) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    sources = [screen.BINDINGS, VirtualTable.BINDINGS if screen.query(VirtualTable) else [], screen.app.BINDINGS]
    for bindings in sources:
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or binding.key
            rows.append((key.replace("question_mark", "?").replace("slash", "/"), binding.tooltip or binding.description))
    for key, does in rows:
        table.add_row(key, does)
    return table


class HelpScreen(ReportsWorkerErrors, ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100; max-width: 95%; height: 90%; border: thick $accent;
                                   background: $surface; padding: 1 2; }
    """

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield SafeStatic(Text("How it works", style="bold underline"))
            yield SafeStatic(WORKFLOW, markup=False)
            yield SafeStatic(Text("\nKeys here", style="bold underline"))
            yield SafeStatic(keys_table(self.for_screen))
