"""The TUI: a thin App over the services. Tabs are modes (one screen each); keys 1–7 switch between them.

The App owns what outlives a tab: the store subscription that streams changes to the visible screen, the
Fortnox client (one ``httpx.AsyncClient`` for the app's lifetime), and the export worker, which keeps running
while the user moves between tabs.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from juni_tui.domain.transactions import IN_FLIGHT_STATUSES, QUEUE_STATUSES, Status
from juni_tui.inbox_watcher import InboxWatcher
from juni_tui.screens.history import HistoryScreen
from juni_tui.screens.modals.detail import DetailScreen
from juni_tui.screens.modals.dialogs import Message, TextPrompt
from juni_tui.screens.prepare import PrepareScreen
from juni_tui.screens.queue import QueueScreen
from juni_tui.screens.ready import ReadyScreen
from juni_tui.screens.receipts import ReceiptsScreen
from juni_tui.screens.rules import RulesScreen
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services.bookkeeping.accounts import move_eu_goods_account
from juni_tui.services.display import locale_wants_ascii, printable, to_ascii, unexpected_error, use_ascii
from juni_tui.services.store import Changes, Store, StoreError
from juni_tui.services.store.undo import UndoLog
from juni_tui.widgets.nav import TABS

if TYPE_CHECKING:  # the Fortnox client (httpx) loads when it is first needed, after the first paint
    from juni_tui.services.export import Exporter, ExportEvent
    from juni_tui.services.fortnox.client import FortnoxClient
    from juni_tui.services.importing import Choice

#: How often streamed changes reach the screen. Confirmed vouchers show in the history within this.
FLUSH_SECONDS = 0.1


def wants_ascii(setting: str, forced: bool | None = None) -> bool:
    """ASCII only: ``--ascii`` or the setting says so, or it is "auto" and the locale's encoding is not UTF-8."""
    return bool(forced) or setting == "ascii" or (setting == "auto" and locale_wants_ascii())


def _settings_screen() -> Screen:
    from juni_tui.screens.settings import SettingsScreen  # with the Fortnox client (httpx): loaded on first visit

    return SettingsScreen()


class JuniApp(ReportsWorkerErrors, App):
    TITLE = "juni-tui"
    CSS_PATH = "app.tcss"
    MODES = {
        "prepare": PrepareScreen,
        "ready": ReadyScreen,
        "queue": QueueScreen,
        "history": HistoryScreen,
        "rules": RulesScreen,
        "receipts": ReceiptsScreen,
        "settings": lambda: _settings_screen(),
    }
    BINDINGS = [
        *(Binding(tab.key, f"switch_tab('{tab.mode}')", f"Go to {tab.label}", show=False) for tab in TABS),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        store: Store,
        *,
        client_factory: Callable[[], FortnoxClient] | None = None,
        sync_on_start: bool = True,
        watch_inbox: bool = True,
        ascii: bool | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        # None: as the display setting says (the commands pass what the locale and --ascii say)
        self.ascii = store.settings.display == "ascii" if ascii is None else ascii
        use_ascii(self.ascii)
        self._client_factory = client_factory or self._default_client
        self._client: FortnoxClient | None = None
        self._sync_on_start = sync_on_start
        self._watch_inbox = watch_inbox
        self.inbox = InboxWatcher(self)  # receipts: scans the inbox on start and when it changes
        self.undo = UndoLog(store)  # z: the user's last changes to values, receipts and rules
        self._pending: set[str] = set()
        self._flush_timer: Timer | None = None
        self._exported_in_run = 0
        self._export_worker: Any = None
        self.connection_error: str | None = None
        settings = store.settings
        if settings.company_name:
            self.sub_title = printable(settings.company_name)

    # --- start and stop ---

    def on_mount(self) -> None:
        if self.ascii and self._driver is not None:
            # The last step to the terminal: what Textual itself draws (borders, scroll bars, the footer's marks)
            # becomes ASCII of the same width. Texts and marks were chosen in ASCII already (services.display).
            write = self._driver.write
            self._driver.write = lambda data: write(to_ascii(data, keep_width=True))  # type: ignore[method-assign]
        # Tens of thousands of loaded documents live as long as the app: move them out of the collector's way,
        # so its full collections do not walk them again and again.
        gc.freeze()
        self._unsubscribe = self.store.subscribe(self._on_store_change)
        self.switch_mode("prepare")
        notice = move_eu_goods_account(self.store)
        if notice:
            self.notify(notice, severity="warning", timeout=30)
        if self._sync_on_start:
            self.startup()
        if self._watch_inbox:
            self.inbox.start()

    @work(group="startup", exit_on_error=False)
    async def startup(self) -> None:
        """Connect to Fortnox, fetch the chart of accounts, and resume an interrupted export."""
        from juni_tui.services.fortnox import oauth
        from juni_tui.services.fortnox.errors import FortnoxError
        from juni_tui.services.fortnox.reference import sync_reference_data

        try:
            await sync_reference_data(self.store, self.client())
        except (FortnoxError, StoreError) as exc:
            self.connection_error = str(exc)
            self.notify(f"Fortnox: {exc}", severity="warning", timeout=10)
        else:
            self.connection_error = None
            if self.store.settings.company_name:
                self.sub_title = printable(self.store.settings.company_name)
            self.refresh_screen()
            warning = oauth.connection_warning(self.client())
            if warning:
                self.notify(warning, severity="warning", timeout=20)
        if self.store.count(*IN_FLIGHT_STATUSES, Status.QUEUED):
            self.notify("Resuming the export that was interrupted.")
            self.start_export()

    def _default_client(self) -> FortnoxClient:
        from juni_tui.services.fortnox import oauth

        return oauth.make_client(self.store.home, self.store.settings.fortnox)

    def client(self) -> FortnoxClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def reset_client(self) -> None:
        """After the connection settings change: the next call builds a new client."""
        old, self._client = self._client, None
        if old is not None:
            self.run_worker(old.aclose(), exit_on_error=False)

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # --- what is said to the user ---

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every toast, the screens' included: messages quote merchants, file names and Fortnox's answers, so they
        are shown as plain text (never markup) through the one sanitiser."""
        super().notify(printable(message, multiline=True), title=printable(title), severity=severity,
                       timeout=timeout, markup=False)

    def report_unexpected(self, error: BaseException) -> None:
        """The last resort (a worker's or an action's error nobody expected): one sentence and a log file with the
        traceback, in a toast that stays; the app goes on (GUIDE §7). See ``screens/errors.py``."""
        self.notify(unexpected_error(error, self.store.home.root), severity="error", timeout=60)

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every key's action (bindings, the command palette, clicks): an unexpected error is said, not a crash.
        The action ran on the app's message loop, which an escaped error would stop; catching it here keeps the
        loop going."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as exc:  # noqa: BLE001 - the last resort: said with a log file, never swallowed
            self.report_unexpected(exc)
            return True

    # --- tabs ---

    def action_switch_tab(self, mode: str) -> None:
        self.switch_tab(mode)

    def switch_tab(self, mode: str) -> None:
        if mode not in self.MODES:
            self.notify(f"The {mode} tab is not available.", severity="warning")
            return
        if self.current_mode != mode:
            self.switch_mode(mode)

    def tab_counts(self) -> dict[str, int]:
        counts = {
            "prepare": self.store.count(Status.PREPARE),
            "ready": self.store.count(Status.READY),
            "queue": self.store.count(*QUEUE_STATUSES),
            "history": self.store.count(Status.EXPORTED),
        }
        for mode, screen in self.MODES.items():
            count = getattr(screen, "tab_count", None)
            if callable(count):
                counts[mode] = count(self.store)
        return counts

    # --- streaming store changes to the screen ---

    def _on_store_change(self, changes: Changes) -> None:
        self._pending |= changes.transactions or {"*"}
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(FLUSH_SECONDS, self._flush_changes)

    def _flush_changes(self) -> None:
        self._flush_timer = None
        changed, self._pending = self._pending, set()
        for screen in self.screen_stack:
            apply = getattr(screen, "apply_changes", None)
            if apply is not None:
                apply(changed)

    def refresh_screen(self) -> None:
        self._on_store_change(Changes({"*": {"*"}}))

    # --- export ---

    def exporter(self) -> Exporter:
        from juni_tui.services.export import Exporter

        return Exporter(self.store, self.client(), on_event=self._export_event)

    def export_running(self) -> bool:
        return self._export_worker is not None and not self._export_worker.is_finished

    def export_progress(self) -> tuple[int, int]:
        pending = self.store.count(Status.QUEUED, *IN_FLIGHT_STATUSES)
        return self._exported_in_run, self._exported_in_run + pending

    def start_export(self) -> None:
        """Start the export worker, unless it is already draining the queue (it picks up new items itself)."""
        if not self.export_running():
            self._exported_in_run = 0
            self._export_worker = self.run_export()

    @work(group="export", exclusive=True, exit_on_error=False, description="Exporting to Fortnox")
    async def run_export(self) -> None:
        from juni_tui.services.fortnox.errors import AuthError, FortnoxError

        try:
            report = await self.exporter().run()
        except AuthError as exc:
            self.notify(f"Export paused: {exc}", severity="error", timeout=15)
            return
        except (FortnoxError, StoreError) as exc:
            self.notify(f"Export stopped: {exc}", severity="error", timeout=15)
            return
        finally:
            self.refresh_screen()
        if report.failed:
            self.notify(f"{len(report.failed)} failed to export: see tab 3", severity="error", timeout=10)
        elif report.exported:
            self.notify(f"Exported {len(report.exported)} to Fortnox (tab 4)")

    def _export_event(self, event: ExportEvent) -> None:
        if event.status == Status.EXPORTED:
            self._exported_in_run += 1

    # --- import ---

    def action_import_file(self) -> None:
        """Ask for the file, then show the import dialog (format, mapping, first rows) before importing."""
        from juni_tui.screens.modals.importing import ImportDialog
        from juni_tui.services.importing import Choice, ReferenceSnapshot, saved_mappings

        def confirmed(path: Path, choice: Choice | None) -> None:
            if choice is not None:
                self.import_path(path, choice)

        def has(tx_id: str) -> bool:
            return tx_id in self.store.transactions or tx_id in self.store.history

        def chosen(text: str | None) -> None:
            if text:
                path = Path(text).expanduser()
                choice = Choice(saved=saved_mappings(self.store))
                self.push_screen(ImportDialog(path, ReferenceSnapshot.of(self.store), choice, has),
                                 lambda picked: confirmed(path, picked))

        self.push_screen(TextPrompt("Import transactions (CSV, JSON, Revolut CSV, camt.053 XML)",
                                    placeholder="path/to/transactions.csv", hint="tab completes the path",
                                    paths=True), chosen)

    @work(exclusive=True, group="import", exit_on_error=False, description="Importing")
    async def import_path(self, path: Path, choice: Choice | None = None) -> None:
        """Read and check the file in a thread (a year's file takes seconds); add it here, on the store's thread."""
        from juni_tui.services import importing, intake

        self.notify(f"Reading {path.name}…")
        title, shown = self.sub_title, 0.0
        if choice is None:
            choice = importing.Choice(saved=importing.saved_mappings(self.store))

        def progress(done: int, total: int) -> None:  # in the reading thread
            nonlocal shown
            if total and time.monotonic() - shown >= 0.5:
                shown = time.monotonic()
                self.call_from_thread(setattr, self, "sub_title", f"Importing {path.name}: {100 * done // total} %")

        try:
            reading = await asyncio.to_thread(importing.read_statement, path, importing.ReferenceSnapshot.of(self.store),
                                              choice, on_progress=progress)
            result = importing.add_reading(self.store, path, reading)
            report = intake.after_import(self.store, result.added)
        except importing.MappingNeeded as exc:  # a new header imported without the dialog
            self.push_screen(Message("Choose the columns first", f"{exc}\n\n{exc.proposal.to_toml()}"))
            return
        except importing.ImportFileError as exc:
            self.push_screen(Message("The file was not imported", str(exc)))
            return
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        finally:
            self.sub_title = title
        self.notify(" ".join([*result.report, *report.lines]), timeout=8)
        if not report.rules.applied:  # else the rules' summary says them
            for warning in report.rules.warnings:  # a rule whose pattern took too long matched nothing
                self.notify(warning, severity="warning", timeout=15)

    def action_export_sie(self) -> None:
        from juni_tui.screens.modals.sie import SieDialog

        def written(summary: str | None) -> None:
            if summary:
                self.notify(summary, timeout=10)

        self.push_screen(SieDialog(self.store), written)

    def action_undo(self) -> None:
        try:
            said = self.undo.undo()
        except StoreError as exc:  # UndoError: what is in the way, in words
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self.notify(said)

    def open_detail(self, tx_id: str) -> None:
        """The detail view of one transaction, from any tab (the tabs do not know the modal)."""
        self.push_screen(DetailScreen(tx_id))

    # --- help and the command palette ---

    def action_help(self) -> None:
        from juni_tui.screens.modals.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab in TABS:
            if tab.mode in self.MODES:
                yield SystemCommand(f"Go to {tab.label}", f"Key {tab.key}", lambda m=tab.mode: self.switch_tab(m))
        yield SystemCommand("Import transactions", "Read a CSV, JSON, Revolut CSV or camt.053 statement",
                            self.action_import_file)
        yield SystemCommand("Sync with Fortnox", "Fetch the chart of accounts, series and dimensions", self.startup)
        yield SystemCommand("Match receipts", "Read the receipt inbox and match receipts to transactions",
                            lambda: self.inbox.scan(announce=True))
        yield SystemCommand("Export a SIE file", "SIE 4 of exported transactions (.si: ready too)", self.action_export_sie)
        seen = set()
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            if screen.check_action(binding.action.partition("(")[0], ()) is False:
                continue  # the palette offers only what can be done now
            seen.add(binding.action)
            yield SystemCommand(
                binding.description, f"Key {binding.key_display or binding.key}",
                lambda action=binding.action, s=screen: self.call_later(s.run_action, action),
            )
