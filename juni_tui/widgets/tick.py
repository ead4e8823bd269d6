"""A checkbox that says its state by shape, not only colour (``NO_COLOR``, 16 colours, a vt100): Textual's draws the
same X ticked or not, in another colour; this one draws X when ticked and an empty box when not."""

from __future__ import annotations

from textual.widgets import Checkbox


class Tick(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "
