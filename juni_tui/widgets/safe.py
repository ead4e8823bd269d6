"""Outside text on screen: never markup, never an escape sequence (GUIDE §7).

``clean`` passes what a widget is about to show through ``services.display.printable``: a ``str`` becomes a Rich
``Text`` (so it is never read as Textual markup such as ``[@click=app.quit]``), a ``Text`` keeps its styles, and
Rich tables and groups are cleaned cell by cell. ``SafeStatic`` and ``SafeLabel`` do it for everything they are
given; the screens use them instead of Textual's ``Static`` and ``Label``, and the table, the dialogs and the
app's ``notify`` clean what they show. Text that is already printable costs one ``str.isprintable`` call.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.widgets import Label, Static

from juni_tui.services.display import printable


def safe_text(text: Text, *, multiline: bool = True) -> Text:
    """``text`` with every piece shown by ``printable``, its styles kept (unchanged when nothing needs it)."""
    plain = text.plain
    if printable(plain, multiline=multiline) == plain:
        return text
    if not text.spans:
        return Text(printable(plain, multiline=multiline), style=text.style, justify=text.justify,
                    overflow=text.overflow, no_wrap=text.no_wrap, end=text.end)
    cuts = sorted({offset for span in text.spans for offset in (span.start, span.end)} - {0, len(plain)})
    out = Text(style=text.style, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap, end=text.end)
    for piece in text.divide(cuts):
        start = len(out.plain)
        out.append(printable(piece.plain, multiline=multiline))
        for span in piece.spans:  # after the cut, every span of a piece covers all of it
            out.stylize(span.style, start, len(out.plain))
    return out


def plain(value: object, style: str = "", *, multiline: bool = True) -> Text:
    """A text from outside as a ``Text``: safe to show, and never read as markup."""
    return Text(printable(value, multiline=multiline), style=style)


def clean(content: Any) -> Any:
    """What a widget shows, made safe: strings, ``Text`` and Rich tables, groups, panels and paddings."""
    if isinstance(content, str):
        return plain(content)
    if isinstance(content, Text):
        return safe_text(content)
    if isinstance(content, Table):
        for column in content.columns:
            column._cells = [clean(cell) for cell in column._cells]
            if isinstance(column.header, (str, Text)):
                column.header = clean(column.header)
        if isinstance(content.title, (str, Text)):
            content.title = clean(content.title)
        return content
    if isinstance(content, Group):
        content._render = [clean(r) for r in content.renderables]
        return content
    if isinstance(content, (Padding, Panel)):
        content.renderable = clean(content.renderable)
        if isinstance(content, Panel) and isinstance(content.title, (str, Text)):
            content.title = clean(content.title)
        return content
    return content


class _Safe:
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(clean(content), **kwargs)  # type: ignore[call-arg]

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(clean(content), layout=layout)  # type: ignore[misc]


class SafeStatic(_Safe, Static):
    """A ``Static`` for text from outside: no markup, no escape sequences."""


class SafeLabel(_Safe, Label):
    """A ``Label`` for text from outside: no markup, no escape sequences."""
