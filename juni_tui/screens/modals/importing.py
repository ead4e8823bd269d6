"""The import dialog (``I``): the format found, the mapping, and the first rows exactly as they will be imported.

For a CSV read through a mapping, each field has its column (a choice among the file's header), and the decimal
separator, the sign of purchases, the date form and the delimiter can be changed; every change reads the first rows
again. Each row says whether it is new, already in the home, skipped (and why) or refused (and why). The file is read in a
thread, so a large one never freezes the screen. Import hands the choice back to the app, whose import worker reads
the whole file with progress and adds it through the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Select

from juni_tui.domain.money import format_sek
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.services.importing import Choice, ImportFileError, Mapping, MappingNeeded, Preview, ReferenceSnapshot
from juni_tui.services.importing import preview as read_preview
from juni_tui.services.importing.mapped import DATE_FORMATS
from juni_tui.services.importing.mapping import FIELDS, REQUIRED
from juni_tui.widgets.safe import SafeLabel, SafeStatic, plain

#: The format settings the dialog offers, with their choices ("" is "found from the file").
SETTINGS = {
    "decimal": (("comma (,)", ","), ("point (.)", ".")),
    "purchases": (("negative", "negative"), ("positive", "positive")),
    "date_format": (("found", ""), *((fmt.replace("%", ""), fmt) for fmt in DATE_FORMATS)),
    "delimiter": (("; semicolon", ";"), (", comma", ","), ("tab", "\t"), ("| bar", "|")),
}


class ImportDialog(Dialog[Choice]):
    DEFAULT_CSS = DIALOG_CSS.format(name="ImportDialog") + """
    ImportDialog > Vertical { width: 110; max-width: 98%; padding: 0 1; overflow-y: hidden; }
    ImportDialog > Vertical > VerticalScroll { height: auto; max-height: 62vh; }  /* the buttons stay in view */
    ImportDialog > Vertical > .title { margin-bottom: 0; }
    ImportDialog Grid#mapping { grid-size: 4; grid-columns: 18 1fr 18 1fr; grid-rows: 1; height: auto;
                                grid-gutter: 0 1; margin: 1 0; }
    ImportDialog Grid#mapping SafeLabel { height: 1; }
    ImportDialog SelectCurrent { margin-top: 0; }  /* a Horizontal: not the dialog's button row's margin */
    ImportDialog Grid#mapping.hidden { display: none; }
    ImportDialog Grid#mapping SafeLabel { padding-left: 1; }
    ImportDialog Select { width: 1fr; }
    """

    def __init__(self, path: Path, lists: ReferenceSnapshot | None, choice: Choice,
                 has: Callable[[str], bool] = lambda tx_id: False) -> None:
        super().__init__()
        self.path = path
        self.has = has  # whether the home has a transaction id already (asked on the app's thread)
        self.lists = lists
        self.choice = choice
        self.header: list[str] = []
        self.shown: Preview | None = None
        self.ready = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(f"Import {self.path.name}", classes="title")
            with VerticalScroll():
                yield SafeStatic("Reading the first rows …", id="how")
                yield Grid(id="mapping", classes="hidden")
                yield SafeStatic("", id="rows")
                yield SafeStatic("", classes="error", id="error")
                yield SafeStatic("Change a column and the rows are read again. Import reads the whole file; a file "
                                 "with a problem is refused whole, and nothing is written.", classes="hint")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Import", id="import", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.load_preview()

    # --- reading the first rows ---

    @work(exclusive=True, group="import-preview", exit_on_error=False)
    async def load_preview(self) -> None:
        self.ready = False
        self.query_one("#import", Button).disabled = True
        try:
            try:
                shown = await asyncio.to_thread(read_preview, self.path, self.lists, self.choice)
            except MappingNeeded as exc:
                self.header = exc.header
                self.choice = replace(self.choice, mapping=exc.proposal, format="mapped")
                if exc.proposal.missing():
                    self._show_mapping()
                    self._say(f"Choose the columns for {', '.join(exc.proposal.missing())}.", str(exc))
                    return
                shown = await asyncio.to_thread(read_preview, self.path, self.lists, self.choice)
        except ImportFileError as exc:
            self._say("The file cannot be imported.", str(exc))
            return
        self.shown = shown
        reading = shown.reading
        if reading.mapping is not None:
            self.choice = replace(self.choice, mapping=reading.mapping, format="mapped")
            self.header = shown.header or self.header
            self._show_mapping()
        how = reading.describe()
        if reading.mapping_saved:
            how += " The mapping saved for this header is used."
        problems = "\n".join(f"line {line}: {reason}" for line, reason in shown.problems[:5])
        self._say(how, f"Problems in the first rows (the file would be refused):\n{problems}" if problems else "")
        self.query_one("#rows", SafeStatic).update(self._table(shown))
        self.ready = not shown.problems
        button = self.query_one("#import", Button)
        button.disabled = not self.ready
        if self.ready and not isinstance(self.focused, Select):
            button.focus()  # enter imports

    def _say(self, how: str, error: str) -> None:
        self.query_one("#how", SafeStatic).update(how)
        self.query_one("#error", SafeStatic).update(error)

    def _table(self, shown: Preview) -> Table:
        table = Table(box=None, pad_edge=False, expand=True)
        # (name, justify, width, ratio): the line, the date and the amount are never cut; merchant and what share
        for name, justify, width, ratio in (("Line", "right", 4, None), ("Date", "left", 10, None),
                                            ("Merchant", "left", None, 3), ("Amount", "right", 11, None),
                                            ("Currency", "left", None, 1), ("What", "left", None, 3)):
            table.add_column(name, justify=justify, width=width, ratio=ratio, no_wrap=True,  # type: ignore[arg-type]
                             overflow="ellipsis")
        for line, tx, what, row in shown.rows:
            if tx is None:  # the row as the reader saw it, and why it is not imported
                style = "red" if what == "refused" else "yellow"
                table.add_row(str(line or ""), "", plain(row[:60], style, multiline=False), "", "", plain(what, style))
                continue
            currency = "SEK" + (f" ({tx.original_currency} {tx.original_amount})" if tx.original_currency else "")
            what = "already there" if self.has(tx.id) else "new"
            table.add_row(str(line or ""), tx.date.isoformat(), plain(tx.merchant[:40], multiline=False),
                          format_sek(tx.amount), currency, plain(what, "dim" if what == "already there" else ""))
        if not shown.rows:
            table.add_row("", "", "", "", "", "no rows to import in the first lines")
        return table

    # --- the mapping ---

    def _show_mapping(self) -> None:
        grid = self.query_one("#mapping", Grid)
        grid.remove_class("hidden")
        if grid.children or not self.header:
            return
        mapping = self.choice.mapping or Mapping()
        columns = [(plain(cell, multiline=False), cell) for cell in self.header if cell.strip()]
        widgets: list[Widget] = []
        for name in FIELDS:
            label = name + (" *" if name in REQUIRED else "")
            value = mapping.columns.get(name)
            widgets.append(SafeLabel(label))
            widgets.append(Select(columns, value=value if value in self.header else Select.NULL, prompt="(none)",
                                  id=f"column-{name}", compact=True))
        for key, options in SETTINGS.items():
            widgets.append(SafeLabel(key.replace("_", " ")))
            value = getattr(mapping, key) or ""
            if value not in {v for _, v in options}:  # a mapping file's own (a date form the list lacks)
                options = (*options, (value, value))
            widgets.append(Select(options, value=value, allow_blank=False, id=f"setting-{key}", compact=True))
        grid.mount_all(widgets)

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        mapping = self.choice.mapping or Mapping()
        name = (event.select.id or "").partition("-")[2]
        value = None if event.value is Select.NULL else str(event.value)
        if (event.select.id or "").startswith("column-"):
            if mapping.columns.get(name) == value:
                return
            mapping = mapping.with_column(name, value)
        else:
            if (getattr(mapping, name) or "") == (value or ""):
                return
            mapping = mapping.with_setting(name, value or None)
        self.choice = replace(self.choice, mapping=mapping, format="mapped")
        if mapping.missing():
            self.query_one("#import", Button).disabled = True
            self._say(f"Choose the columns for {', '.join(mapping.missing())}.", "")
            return
        self.load_preview()

    # --- the buttons ---

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#import")
    def _import(self) -> None:
        if self.ready:
            self.dismiss(replace(self.choice, accept=True))
