"""Export a SIE 4 file of exported (and ready) transactions: for other accounting systems, and as a backup."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from juni_tui.domain.transactions import Status
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.services import sie
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.safe import SafeLabel, SafeStatic


def _month_start(today: date) -> date:
    first = today.replace(day=1)
    return first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def proposed_period(store: Store, today: date) -> tuple[date, date]:
    """The months of what was exported last (the transactions of the latest export day), else last month."""
    views = [v for i in store.ids(Status.EXPORTED) if (v := store.history_views.get(i)) is not None]
    if not views:
        start = _month_start(today)
        return start, _month_end(start)
    last_day = max(v.exported_at[:10] for v in views)
    dates = [v.date for v in views if v.exported_at[:10] == last_day]
    return min(dates).replace(day=1), _month_end(max(dates))


class SieDialog(Dialog[str]):
    DEFAULT_CSS = DIALOG_CSS.format(name="SieDialog") + """
    SieDialog Horizontal.field { height: 3; margin-top: 0; align-horizontal: left; }
    SieDialog Horizontal.field Label { width: 12; padding-top: 1; }
    SieDialog Input { width: 1fr; }
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        start, end = proposed_period(self.store, date.today())
        with Vertical():
            yield SafeLabel("Export a SIE 4 file", classes="title")
            yield SafeStatic("Exported transactions dated in the range, as sent to Fortnox (a .se file). Name the "
                             "file .si to add the ready ones, unnumbered (SIE 4I).", classes="hint")
            name = f"juni-{start:%Y%m}-{end:%Y%m}.se" if (start.year, start.month) != (end.year, end.month) \
                else f"juni-{start:%Y%m}.se"
            for field, label, value in (("from", "From", start.isoformat()), ("to", "To", end.isoformat()),
                                        ("path", "File", str(self.store.home.root / name))):
                with Horizontal(classes="field"):
                    yield SafeLabel(label)
                    yield Input(value, id=field)
            yield SafeStatic("", classes="error", id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Write the file", id="write", variant="primary")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#write")
    def _write(self) -> None:
        error = self.query_one("#error", SafeStatic)
        try:
            start = date.fromisoformat(self.query_one("#from", Input).value.strip())
            end = date.fromisoformat(self.query_one("#to", Input).value.strip())
        except ValueError:
            error.update("Dates are YYYY-MM-DD.")
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        try:
            result = sie.export_sie(self.store, start, end, path,
                                    include_ready=path.suffix.casefold() == sie.IMPORT_SUFFIX)
        except (StoreError, sie.SieError, OSError) as exc:
            error.update(str(exc))
            return
        missing = (f" Written without the company's Fortnox data: {', '.join(result.missing)}; sync (F5 in "
                   "Settings) and export again." if result.missing else "")
        self.dismiss(result.summary + missing)
