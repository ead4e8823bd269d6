"""The footer: every key of the screen, on two or three lines when one is too narrow for them (80 columns)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _width(key: FooterKey) -> int:
    return len(key.key_display) + (len(key.description) + 1 if key.description else 0) + 1


class KeysFooter(Footer):
    """Textual's compact footer, wrapped onto more lines when its keys do not fit on one."""

    DEFAULT_CSS = """
    KeysFooter { height: auto; max-height: 3; layout: vertical; }
    KeysFooter > HorizontalGroup { height: 1; width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        self._laid_out_for = self.app.size.width  # (its first resize needs no second layout)
        widgets = list(super().compose())
        palette = [w for w in widgets if w.has_class("-command-palette")]
        keys = [w for w in widgets if w not in palette]
        width = self.app.size.width - sum(_width(w) + 2 for w in palette if isinstance(w, FooterKey))
        needed = sum(_width(w) if isinstance(w, FooterKey) else 12 for w in keys)
        if needed <= width:
            yield HorizontalGroup(*keys, *palette)
            return
        rows: list[list] = [[]]
        used = 0
        for widget in keys:
            needed = _width(widget) if isinstance(widget, FooterKey) else 12
            if used + needed > width and rows[-1]:
                rows.append([])
                used = 0
                width = self.app.size.width  # the palette key is on the first line only
            rows[-1].append(widget)
            used += needed
        yield HorizontalGroup(*rows[0], *palette)
        for row in rows[1:]:
            yield HorizontalGroup(*row)

    def on_resize(self) -> None:
        if self.app.size.width != self._laid_out_for:  # a new terminal width, not the footer's own new height
            self._laid_out_for = self.app.size.width
            self.call_after_refresh(self.recompose)
