"""The tab strip at the top of every screen: ``1 Prepare & export (42)  2 Ready to export (7) …``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import Static


@dataclass(frozen=True)
class Tab:
    mode: str
    key: str
    label: str
    short: str  # for a narrow terminal


TABS = (
    Tab("prepare", "1", "Prepare & export", "Prepare"),
    Tab("ready", "2", "Ready to export", "Ready"),
    Tab("queue", "3", "Export queue", "Queue"),
    Tab("history", "4", "Export history", "History"),
    Tab("rules", "5", "Rules", "Rules"),
    Tab("receipts", "6", "Receipts", "Receipts"),
    Tab("settings", "7", "Settings", "Settings"),
)


def tab_label(tab: Tab, count: int | None, short: bool = False) -> str:
    return f" {tab.key} {tab.short if short else tab.label}" + (f" ({count})" if count is not None else "") + " "


class NavTabs(Static):
    """Shows every tab with its count; the current one is highlighted; a click switches."""

    DEFAULT_CSS = """
    NavTabs { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, current: str) -> None:
        super().__init__("")
        self.current = current
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.update_counts()

    def on_resize(self) -> None:
        self.update_counts()

    def update_counts(self) -> None:
        counts: dict[str, int] = self.app.tab_counts()  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        full = sum(len(tab_label(tab, counts.get(tab.mode))) + 1 for tab in TABS)
        short = full > self.size.width - 2
        for tab in TABS:
            label = tab_label(tab, counts.get(tab.mode), short)
            start = text.cell_len
            text.append(label, style="bold reverse" if tab.mode == self.current else "")
            self._spans.append((start, text.cell_len, tab.mode))
            text.append(" ")
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        x = event.x - 1  # padding
        for start, end, mode in self._spans:
            if start <= x < end:
                self.app.switch_tab(mode)  # type: ignore[attr-defined]
                return
