"""A small form in a dialog: labelled one-line fields, an error line, Cancel and Save (ctrl+s).

Shared by the representation questions and the VAT details; compact fields, so that it fits 80×24.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button

from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.widgets.safe import SafeStatic

T = TypeVar("T")

FORM_CSS = DIALOG_CSS + """
{name} Horizontal.field {{ height: 1; margin-top: 0; margin-bottom: 1; align-horizontal: left; }}
{name} Horizontal.field Label {{ width: {label_width}; }}
{name} Input {{ width: 1fr; }}
{name} Input.-textual-compact {{ background: $boost; }}
"""


class FormDialog(Dialog[T]):
    """Subclasses compose the fields (in ``Horizontal(classes="field")``), a ``#error`` SafeStatic and the
    ``#cancel`` and ``#save`` buttons, and implement ``action_save``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def form_end(self, hint: str) -> Iterator[Widget]:
        """The error line, the hint and the buttons: what every form ends with (yield from it in ``compose``)."""
        yield SafeStatic("", classes="error", id="error")
        yield SafeStatic(hint, classes="hint")
        yield Horizontal(Button("Cancel", id="cancel"), Button("Save (ctrl+s)", id="save", variant="primary"))

    def show_error(self, text: str) -> None:
        self.query_one("#error", SafeStatic).update(text)

    def action_save(self) -> None:  # pragma: no cover - every form has its own
        raise NotImplementedError
