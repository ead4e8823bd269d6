"""The export dialog's series picker: the voucher series, and whether it becomes the default (off unless ticked)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.widgets.safe import SafeLabel, SafeStatic, plain
from juni_tui.widgets.tick import Tick


class SeriesChoice(NamedTuple):
    code: str
    remember: bool  # make it the default series in Settings


class SeriesPicker(Dialog[SeriesChoice]):
    """Pick the series to export to. Picking one changes nothing else: only the ticked box makes it the default
    that Settings shows and the next export offers."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SeriesPicker") + "SeriesPicker Checkbox { margin-top: 1; }"

    def __init__(self, choices: Sequence[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel("Voucher series", classes="title")
            yield OptionList(*[Option(plain(label, multiline=False), id=str(i)) for i, (_, label) in enumerate(self.choices)])
            yield Tick("Make it the default series (Settings)", value=False, id="remember")
            yield SafeStatic("Only Fortnox's manual series are listed. Enter exports to the highlighted one; tab "
                             "and space tick the box.", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (code, _) in enumerate(self.choices):
            if code == self.current:
                options.highlighted = i
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        code = self.choices[int(event.option.id or 0)][0]
        self.dismiss(SeriesChoice(code, self.query_one("#remember", Tick).value))
