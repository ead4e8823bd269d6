"""A virtual table: draws only the rows on screen, keyed by id, with multi-select.

Textual's DataTable measures every cell of every row before it can be used: ~10 s at 50 000 rows, and each
``update_cell`` costs O(rows) (reference textual-and-tinydb.md §2). This table uses the Line API instead: the
rows are a list of ids, and a row is rendered from the data when it scrolls into view, so the cost of showing,
updating or selecting is independent of how many rows there are.

Keys: ↑/↓, PgUp/PgDn, Home/End move; ``space`` toggles the cursor row; ``shift+↑/↓`` extends the selection from
the anchor, ``shift+PgUp/PgDn`` a page at a time; ``ctrl+a`` selects every row shown; ``escape`` clears the
selection (with none, it goes to the screen: the filter clears); ``enter`` activates.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from juni_tui.services.display import glyphs, printable
from juni_tui.widgets.safe import safe_text


@dataclass(frozen=True)
class Column:
    """One column. ``width`` 0 takes a share of the width that is left: at least ``min_width`` while any column may
    still be dropped, down to ``FLOOR`` when none may. ``priority`` says what goes first when the terminal is
    narrow: 0 always stays; 1 goes only when even the floor does not fit; 2 and up go, highest first, before a
    flexible column is squeezed below its ``min_width``. The detail view (``enter``) shows everything."""

    key: str
    label: str
    width: int  # 0: takes the width that is left (at least ``min_width``)
    align: str = "left"
    min_width: int = 8
    priority: int = 0


#: the narrowest a flexible column is squeezed to before a column of priority 1 goes
FLOOR = 6


def plan_columns(columns: Sequence[Column], width: int) -> tuple[list[int], list[int]]:
    """Which columns show in ``width`` cells (their indexes) and how wide each is."""
    shown = list(range(len(columns)))

    def need(indexes: list[int], flexible: int | None) -> int:
        cols = [columns[i] for i in indexes]
        return (MARK_WIDTH + len(cols) - 1
                + sum(c.width or (c.min_width if flexible is None else min(c.min_width, flexible)) for c in cols))

    for floor, optional in ((None, lambda c: c.priority >= 2), (FLOOR, lambda c: c.priority == 1)):
        for i in sorted((i for i in shown if optional(columns[i])), key=lambda i: (-columns[i].priority, -i)):
            if need(shown, floor) <= width:
                break
            shown.remove(i)
    cols = [columns[i] for i in shown]
    flexible = [c for c in cols if not c.width]
    spare = max(0, width - (MARK_WIDTH + len(cols) - 1 + sum(c.width for c in cols)))
    share = spare // len(flexible) if flexible else 0
    return shown, [c.width or max(min(FLOOR, c.min_width), share) for c in cols]


Cell = str | Text
RowRenderer = Callable[[str], Sequence[Cell]]
#: Each row starts with a mark: selected rows are visible without colour too (SSH, 16-colour terminals).
MARK_WIDTH = 2


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        overflow-x: hidden;
    }
    VirtualTable > .vtable--header { text-style: bold; background: $panel; color: $text; }
    VirtualTable > .vtable--cursor { background: $accent 45%; }
    VirtualTable:focus > .vtable--cursor { background: $accent; color: $text; }
    VirtualTable > .vtable--selected { background: $primary 35%; }
    VirtualTable > .vtable--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {"vtable--header", "vtable--cursor", "vtable--selected", "vtable--empty"}

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("space", "toggle_row", "Select", key_display="space"),
        Binding("shift+up", "extend(-1)", "Extend up", show=False),
        Binding("shift+down", "extend(1)", "Extend down", show=False),
        Binding("shift+pageup", "extend_page(-1)", "Extend a page up", show=False),
        Binding("shift+pagedown", "extend_page(1)", "Extend a page down", show=False),
        Binding("ctrl+a", "select_all", "Select all", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
        Binding("enter", "activate", "Details", show=False),
    ]

    class TableMessage(Message):
        def __init__(self, table: "VirtualTable") -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> "VirtualTable":
            return self.table

    class CursorMoved(TableMessage):
        def __init__(self, table: "VirtualTable", row_id: str | None) -> None:
            super().__init__(table)
            self.row_id = row_id

    class SelectionChanged(TableMessage):
        pass

    class Activated(TableMessage):
        def __init__(self, table: "VirtualTable", row_id: str) -> None:
            super().__init__(table)
            self.row_id = row_id

    def __init__(
        self,
        columns: Sequence[Column],
        render_row: RowRenderer,
        *,
        empty_text: str = "Nothing here.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.render_row = render_row
        self.empty_text = empty_text
        self.cursor = 0
        self.row_ids: list[str] = []
        self._index_cache: dict[str, int] | None = {}
        self.selected: set[str] = set()
        self.range_anchor: str | None = None
        self._shown: list[int] = list(range(len(self.columns)))  # the columns that fit, by priority
        self._widths: list[int] = [c.width for c in self.columns]
        self._cache: OrderedDict[str, list[Segment]] = OrderedDict()
        self._cache_size = 512

    # --- data ---

    def set_rows(self, row_ids: Sequence[str]) -> None:
        """Show these rows, in this order. The cursor stays on its row if it is still there; the selection keeps
        the rows that are."""
        current = self.cursor_id
        self.row_ids = list(row_ids)
        self._index_cache = None  # built when first needed: a streaming history must not pay O(rows) per update
        if self.selected:
            kept = self.selected & set(self.row_ids)
            if kept != self.selected:
                self.selected = kept
                self.post_message(self.SelectionChanged(self))
        if self.range_anchor is not None and self.range_anchor not in self._index:
            self.range_anchor = None
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self.row_ids) + 1)
        position = self._position(current)
        if position is not None:
            self.set_cursor(position, notify=False)
        else:
            self.set_cursor(min(self.cursor, max(0, len(self.row_ids) - 1)))
        self.refresh()

    @property
    def _index(self) -> dict[str, int]:
        if self._index_cache is None:
            self._index_cache = {row_id: i for i, row_id in enumerate(self.row_ids)}
        return self._index_cache

    def _position(self, row_id: str | None) -> int | None:
        """Where a row is now; cheap near the top or the cursor, where a streaming row usually is."""
        if row_id is None:
            return None
        if self._index_cache is not None:
            return self._index_cache.get(row_id)
        try:
            return self.row_ids.index(row_id)
        except ValueError:
            return None

    def refresh_rows(self, row_ids: Iterable[str]) -> None:
        """Re-render these rows (their data changed) if they are on screen."""
        top = int(self.scroll_offset.y)
        visible = self.row_ids[top : top + self.size.height]
        wanted = set(row_ids)
        for row_id in wanted:
            self._cache.pop(row_id, None)
        for offset, row_id in enumerate(visible):
            if row_id in wanted:
                self.refresh_line(top + offset + 1)

    def invalidate(self) -> None:
        self._cache.clear()
        self.refresh()

    @property
    def cursor_id(self) -> str | None:
        if 0 <= self.cursor < len(self.row_ids):
            return self.row_ids[self.cursor]
        return None

    def target_ids(self) -> list[str]:
        """What an action applies to: the selection in table order, or else the cursor row."""
        if self.selected:
            return [row_id for row_id in self.row_ids if row_id in self.selected]
        return [self.cursor_id] if self.cursor_id is not None else []

    # --- cursor and selection ---

    def set_cursor(self, index: int, *, notify: bool = True) -> None:
        if not self.row_ids:
            index = 0
        else:
            index = max(0, min(index, len(self.row_ids) - 1))
        old = self.cursor
        self.cursor = index
        if self._scroll_to_cursor():
            self.refresh()
        elif old != index:
            self.refresh_line(old + 1)  # only the two rows that changed look
            self.refresh_line(index + 1)
        if notify:
            self.post_message(self.CursorMoved(self, self.cursor_id))

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor row shows; True if it scrolled."""
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)
        else:
            return False
        return True

    def action_cursor(self, delta: int) -> None:
        self.set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.set_cursor(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self.set_cursor(0 if where == 0 else len(self.row_ids) - 1)

    def _changed_selection(self) -> None:
        self.refresh()
        self.post_message(self.SelectionChanged(self))

    def action_toggle_row(self) -> None:
        row_id = self.cursor_id
        if row_id is None:
            return
        if row_id in self.selected:
            self.selected.discard(row_id)
        else:
            self.selected.add(row_id)
        self.range_anchor = row_id
        self._changed_selection()
        self.set_cursor(self.cursor + 1)

    def action_extend(self, delta: int) -> None:
        if not self.row_ids:
            return
        if self.range_anchor is None or self.range_anchor not in self._index:
            self.range_anchor = self.cursor_id
        self.set_cursor(self.cursor + delta)
        start, end = sorted((self._index[self.range_anchor], self.cursor))  # type: ignore[index]
        self.selected |= set(self.row_ids[start : end + 1])
        self._changed_selection()

    def action_extend_page(self, direction: int) -> None:
        self.action_extend(direction * max(1, self.size.height - 2))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_selection" and not self.selected:
            return False  # escape goes on to the screen
        return True

    def action_select_all(self) -> None:
        self.selected = set(self.row_ids)
        self._changed_selection()

    def action_clear_selection(self) -> None:
        if self.selected:
            self.selected.clear()
            self.range_anchor = None
            self._changed_selection()

    def action_activate(self) -> None:
        if self.cursor_id is not None:
            self.post_message(self.Activated(self, self.cursor_id))

    def select(self, row_ids: Iterable[str]) -> None:
        self.selected = {r for r in row_ids if r in self._index}
        self._changed_selection()

    # --- mouse ---

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if not 0 <= index < len(self.row_ids):
            return
        if event.shift:
            self.range_anchor = self.range_anchor or self.cursor_id
            self.set_cursor(index)
            start, end = sorted((self._index.get(self.range_anchor or "", index), index))
            self.selected |= set(self.row_ids[start : end + 1])
            self._changed_selection()
        elif event.ctrl:
            self.set_cursor(index)
            self.selected ^= {self.row_ids[index]}
            self.range_anchor = self.row_ids[index]
            self._changed_selection()
        else:
            if event.chain == 2 and index == self.cursor:
                self.action_activate()
            self.set_cursor(index)

    # --- layout and rendering ---

    def on_resize(self, event: events.Resize) -> None:
        # the scrollbar takes columns too: lay out what is left
        self._layout_columns(self.scrollable_content_region.width or event.size.width)
        self.virtual_size = Size(event.size.width, len(self.row_ids) + 1)
        self._cache.clear()
        self._scroll_to_cursor()

    def _layout_columns(self, width: int) -> None:
        self._shown, self._widths = plan_columns(self.columns, width)

    @property
    def column_widths(self) -> list[int]:
        """The widths of ``shown_columns``, in cells."""
        return list(self._widths)

    @property
    def shown_columns(self) -> list[Column]:
        """The columns the terminal's width leaves room for."""
        return [self.columns[i] for i in self._shown]

    def _cells_to_segments(self, cells: Sequence[Cell]) -> list[Segment]:
        segments: list[Segment] = []
        last = len(self._shown) - 1
        shown = [(self.columns[i], cells[i] if i < len(cells) else "") for i in self._shown]
        for i, ((column, cell), width) in enumerate(zip(shown, self._widths, strict=False)):
            # every cell is outside text until shown otherwise: one line, no escape sequences, never markup
            text = safe_text(cell, multiline=False) if isinstance(cell, Text) else Text(printable(cell))
            text = text.copy()
            text.no_wrap = True
            ellipsis = glyphs().ellipsis
            if len(ellipsis) == 1 or text.cell_len <= width:
                text.truncate(width, overflow="ellipsis")
            else:  # ASCII: "..." where Rich would put "…"
                text.truncate(max(0, width - len(ellipsis)), overflow="crop")
                text.append(ellipsis[:width])
            if column.align == "right":
                text.pad_left(width - text.cell_len)
            else:
                text.pad_right(width - text.cell_len)
            rendered = text.render(self.app.console)
            if text.style:  # Text.render leaves the whole-text style out when there are no spans: put it back
                rendered = Segment.apply_style(rendered, self.app.console.get_style(text.style))
            segments.extend(rendered)
            if i < last:
                segments.append(Segment(" "))
        return segments

    def _row_segments(self, row_id: str) -> list[Segment]:
        cached = self._cache.get(row_id)
        if cached is not None:
            self._cache.move_to_end(row_id)
            return cached
        segments = self._cells_to_segments(self.render_row(row_id))
        self._cache[row_id] = segments
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = [Segment(" " * MARK_WIDTH), *self._cells_to_segments([Text(c.label) for c in self.columns])]
            style = self.get_component_rich_style("vtable--header")
            return Strip(Segment.apply_style(header, base + style), width).extend_cell_length(width, base + style)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.row_ids):
            if index == 0 and not self.row_ids:
                style = self.get_component_rich_style("vtable--empty")
                return Strip([Segment(f"  {printable(self.empty_text)}", base + style)]).extend_cell_length(width, base)
            return Strip.blank(width, base)
        row_id = self.row_ids[index]
        mark = Segment(glyphs().selected if row_id in self.selected else " " * MARK_WIDTH)
        segments = [mark, *self._row_segments(row_id)]
        overlay: Style | None = None
        if index == self.cursor:
            overlay = self.get_component_rich_style("vtable--cursor")
            if row_id in self.selected:
                overlay = overlay + Style(bold=True)
        elif row_id in self.selected:
            overlay = self.get_component_rich_style("vtable--selected")
        strip = Strip(Segment.apply_style(segments, base), width)
        if overlay is not None:
            strip = Strip(Segment.apply_style(list(strip), post_style=overlay), strip.cell_length)
        return strip.extend_cell_length(width, base + overlay if overlay else base).crop(0, width)
