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
    tiny: str  # for 80 columns


def _tiny(tab: Tab, current: str, counts: dict[str, int]) -> str:
    if tab.mode == current:
        return tab_label(tab, counts.get(tab.mode), short=True)
    return f" {tab.key} {tab.tiny} "


TABS = (
    Tab("prepare", "1", "Prepare & export", "Prepare", "Prep"),
    Tab("ready", "2", "Ready to export", "Ready", "Ready"),
    Tab("queue", "3", "Export queue", "Queue", "Queue"),
    Tab("history", "4", "Export history", "History", "Hist"),
    Tab("rules", "5", "Rules", "Rules", "Rules"),
    Tab("receipts", "6", "Receipts", "Receipts", "Rcpt"),
    Tab("settings", "7", "Settings", "Settings", "Set"),
)


def tab_label(tab: Tab, count: int | None, short: bool = False) -> str:
    return f" {tab.key} {tab.short if short else tab.label}" + (f" ({count})" if count is not None else "") + " "


def tab_labels(counts: dict[str, int], current: str, width: int) -> list[str]:
    """Every tab's label, as long as ``width`` allows: full names with counts, short names with counts, short names
    with the current tab's count only, abbreviations, then numbers with the current tab's name. Every tab shows."""
    levels = (
        lambda tab: tab_label(tab, counts.get(tab.mode)),
        lambda tab: tab_label(tab, counts.get(tab.mode), short=True),
        lambda tab: tab_label(tab, counts.get(tab.mode) if tab.mode == current else None, short=True),
        lambda tab: _tiny(tab, current, counts),
        lambda tab: tab_label(tab, counts.get(tab.mode), short=True) if tab.mode == current else f" {tab.key} ",
    )
    labels: list[str] = []
    for level in levels:
        labels = [level(tab) for tab in TABS]
        if sum(len(label) + 1 for label in labels) <= width:
            break
    return labels


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
        for tab, label in zip(TABS, tab_labels(counts, self.current, self.size.width - 2), strict=True):
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
