"""Tab 6, Receipts; the receipt inbox watcher; and the receipt keys Prepare and the detail view share.

The Receipts tab lists every receipt, those that need the user first: suggested (with the candidate
transactions), unmatched, inbox files that were refused (with the reason: never dropped silently), then the
attached ones (with their transaction). Keys: enter previews (text, metadata; ``o`` opens the system viewer),
``y`` confirms a suggestion, ``x`` rejects it (remembered), ``t`` attaches to any transaction waiting for a
receipt, ``d`` detaches, ``M`` scans the inbox and matches now.

The inbox watcher (``InboxWatcher``, owned by the App) polls ``receipts.inbox_signature`` (a few stats) every
``INBOX_POLL_SECONDS``; when it changes it lists the new files (``begin_scan``, app thread), reads them in a thread
worker (``scan.read``: pypdf, hashing, image conversion; no store access) and records and matches them back on
the app thread (``finish_scan``: one commit).

Every change goes through ``services.receipts`` (never ``workflow.detach`` directly: the receipt's own record
must follow).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.domain.money import format_sek, MoneyError, to_money
from juni_tui.screens.shared import cells
from juni_tui.screens.modals.attach import AttachFilePrompt, describe_all, TransactionPicker, tx_summary
from juni_tui.screens.base import TransactionsScreen
from juni_tui.screens.modals.dialogs import ChoicePicker, Message
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services import receipts
from juni_tui.services.receipt_match import money_text
from juni_tui.services.receipts import InboxFile, ScanReport
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column

if TYPE_CHECKING:
    from textual.app import App

#: How often the inbox folder is looked at (names, sizes, times: no reading).
INBOX_POLL_SECONDS = 2.5
#: Row ids of refused inbox files (receipt ids are hex digests, so they cannot collide).
REFUSED = "inbox:"
NONE_OF_THEM = "\x00none"  # the "None of them" choice when rejecting

STATE_STYLES = {
    MatchState.SUGGESTED: "bold yellow",
    MatchState.UNMATCHED: "bold red",
    MatchState.AUTO: "green",
    MatchState.CONFIRMED: "green",
    MatchState.MANUAL: "green",
}
HOW_ATTACHED = {
    MatchState.AUTO: "matched automatically",
    MatchState.CONFIRMED: "suggestion confirmed",
    MatchState.MANUAL: "attached by hand",
}


# --- opening a file with the system's viewer ----------------------------------------------------------------


def why_no_viewer(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return "this is an SSH session, so a viewer would open on the other computer, not on yours"
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "there is no graphical display here (DISPLAY and WAYLAND_DISPLAY are not set)"
    return "no viewer is installed (xdg-open was not found)"


def open_in_viewer(app: "App", path: Path, name: str) -> None:
    """Open a receipt with the system's viewer, or say why there is none and where the file is."""
    if not path.is_file():
        app.push_screen(Message(f"{name} cannot be opened", f"The file is missing: {path}."))
        return
    command = receipts.viewer_command(path)
    if command is None:
        app.push_screen(Message(
            f"No viewer for {name}",
            f"It cannot be opened here: {why_no_viewer()}.\n\nThe file is {path}: copy it from there, or read "
            "its text in the preview (enter in tab 6).",
        ))
        return
    try:
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError as exc:
        app.notify(f"{name} could not be opened with {command[0]}: {exc.strerror or exc}. The file is {path}.",
                   severity="error", timeout=10)
        return
    app.notify(f"Opening {name} in the system's viewer")


# --- the inbox watcher --------------------------------------------------------------------------------------


def scan_message(report: ScanReport, *, announce: bool = False) -> tuple[str, str] | None:
    """What a scan did, in one line for a notification, and its severity; None when there is nothing to say."""
    outcomes = {o.receipt_id: o for o in report.match.outcomes}
    added = [f for f in report.files if f.outcome == "added"]
    states = Counter(outcomes[f.receipt_id].state if f.receipt_id in outcomes else MatchState.UNMATCHED
                     for f in added)
    parts = []
    if added:
        said = [f"{states[MatchState.AUTO]} attached automatically" if states[MatchState.AUTO] else "",
                f"{states[MatchState.SUGGESTED]} suggested" if states[MatchState.SUGGESTED] else "",
                f"{states[MatchState.UNMATCHED]} unmatched" if states[MatchState.UNMATCHED] else ""]
        parts.append(f"{len(added)} receipt{'s' if len(added) != 1 else ''}: {', '.join(s for s in said if s)}")
    new_ids = {f.receipt_id for f in added}
    earlier = [o for o in report.match.auto if o.receipt_id not in new_ids]
    if earlier:
        parts.append(f"{len(earlier)} earlier receipt{'s' if len(earlier) != 1 else ''} attached automatically")
    duplicates = report.of("duplicate")
    if duplicates:
        parts.append(f"{len(duplicates)} already known (same file)")
    refused = report.refused
    if refused:
        names = ", ".join(f.name for f in refused[:3]) + (" …" if len(refused) > 3 else "")
        parts.append(f"{len(refused)} refused ({names}): see why in tab 6")
    if not parts:
        if not announce:
            return None
        parts.append(f"Nothing new in the inbox; matching: {report.match.summary}")
    return "; ".join(parts), ("warning" if refused else "information")


class InboxWatcher:
    """Scans the receipt inbox on start and whenever its files change. Owned by the App (``app.inbox``)."""

    def __init__(self, app: "App") -> None:
        self.app = app
        self.progress: tuple[int, int] | None = None  # (files read, files to read) while a scan reads
        self.last_report: ScanReport | None = None
        self._signature: object = None
        self._worker: Worker[None] | None = None
        self._again = False
        self._error: str | None = None

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def busy(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def start(self, interval: float | None = None) -> None:
        self.app.set_interval(interval or INBOX_POLL_SECONDS, self.poll, name="inbox-poll")
        self.poll()

    def signature(self) -> object:
        return str(receipts.inbox_path(self.store)), receipts.inbox_signature(self.store)

    def poll(self) -> None:
        """Cheap: compare names, sizes and times with the last scan; scan when they differ."""
        if self.busy:
            return
        try:
            signature = self.signature()
        except OSError:
            return
        if signature != self._signature:
            self.scan(signature)

    def scan(self, signature: object = None, *, announce: bool = False) -> Worker[None] | None:
        """Scan now (``M``): list here, read in a thread, record and match here. One scan at a time."""
        if self.busy:
            self._again = True
            if announce:
                self.app.notify("The inbox is being read; matching runs again when that is done.")
            return None
        if signature is None:
            try:
                signature = self.signature()
            except OSError:
                signature = None
        self._signature = signature
        try:
            scan = receipts.begin_scan(self.store)
        except (StoreError, OSError) as exc:
            if announce or str(exc) != self._error:
                self.app.notify(f"Receipt inbox: {exc}", severity="error", timeout=15)
            self._error = str(exc)
            return None
        self._error = None
        self._worker = self.app.run_worker(self._run(scan, announce), group="inbox", exit_on_error=False,
                                           description="Receipt inbox")
        return self._worker

    def _read_progress(self, done: int, total: int) -> None:  # called on the reading thread: a plain assignment
        self.progress = (done, total)

    async def _run(self, scan: receipts.InboxScan, announce: bool) -> None:
        try:
            if scan.todo:
                total = len(scan.todo)
                self.progress = (0, total)
                if total >= 5:
                    self.app.notify(f"Reading {total} new files from the receipt inbox…")
                reader = self.app.run_worker(partial(scan.read, self._read_progress), thread=True,
                                             group="inbox-read", exit_on_error=False,
                                             description=f"Reading {total} receipts")
                try:
                    await reader.wait()
                except WorkerCancelled:
                    return  # the app is closing: the files are read again next time
                except WorkerFailed as exc:
                    self.app.notify(f"The receipt inbox could not be read: {exc.error}. Nothing was recorded; "
                                    "it is tried again when the folder changes (or press M in tab 6).",
                                    severity="error", timeout=15)
                    return
                finally:
                    self.progress = None
            try:
                report = receipts.finish_scan(self.store, scan)
            except (StoreError, OSError) as exc:
                self.app.notify(f"The receipt inbox was read but not recorded: {exc}. It is tried again when the "
                                "folder changes (or press M in tab 6).", severity="error", timeout=15)
                return
            except Exception as exc:  # a bug: say so rather than let a background worker swallow it
                self.app.notify(f"The receipt inbox could not be matched ({type(exc).__name__}: {exc}). This is a "
                                "bug in juni-tui; the receipts already added are safe.", severity="error", timeout=20)
                raise
            self.last_report = report
            said = scan_message(report, announce=announce)
            if said:
                self.app.notify(said[0], severity=said[1], timeout=8)  # type: ignore[arg-type]
        finally:
            self._worker = None
            if self._again:  # M was pressed (or the folder changed) while this scan ran
                self._again = False
                self.app.call_later(self.scan)


# --- tab 6 ------------------------------------------------------------------------------------------------------


def _read(receipt: Receipt) -> tuple[Text, str, str]:
    amount = Text(money_text(receipt.amount, receipt.currency)) if receipt.amount is not None else Text(
        "—", style="dim")
    return amount, receipt.receipt_date.isoformat() if receipt.receipt_date else "—", receipt.merchant or "—"


class ReceiptsScreen(TransactionsScreen):
    MODE = "receipts"
    STATUSES = ()
    EMPTY = "No receipts yet."
    FILTER_HINT = "Filter by file, merchant, amount, date or state"
    COLUMNS = (
        Column("state", "State", 9),
        Column("file", "File", 30),
        Column("amount", "Read amount", 16, align="right"),
        Column("date", "Read date", 10),
        Column("merchant", "Read merchant", 18),
        Column("transaction", "Transaction", 0, min_width=24),
    )
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("enter", "details", "Preview"),
        Binding("y", "confirm", "Confirm"),
        Binding("x", "reject", "Reject"),
        Binding("t", "attach", "Attach to…"),
        Binding("d", "detach", "Detach"),
        Binding("o", "open", "Open"),
        Binding("M", "match", "Match now"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._receipts: dict[str, Receipt] = {}
        self._refused: dict[str, InboxFile] = {}
        self._order: list[str] = []
        self._note = ""

    @staticmethod
    def tab_count(store: Store) -> int:
        """What needs the user: suggested and unmatched receipts, and refused inbox files. From the receipts' own
        records (kept in step by ``services.receipts``), without reading every transaction."""
        waiting = 0
        for key in store.receipts.keys():
            doc = store.receipts.raw(key) or {}
            waiting += not doc.get("transaction_id") and doc.get("match", "unmatched") in ("suggested", "unmatched")
        inbox = store.table(receipts.INBOX_TABLE, InboxFile, "path")
        return waiting + sum(1 for key in inbox.keys() if (inbox.raw(key) or {}).get("refused"))

    @property
    def watcher(self) -> InboxWatcher | None:
        return getattr(self.app, "inbox", None)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.empty_text = (f"No receipts yet. Drop PDFs or photos in {receipts.inbox_path(self.store)}, "
                                 "or attach a file to a transaction with t in tab 1.")
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        note = self._watch_note()
        if note != self._note:
            self._note = note
            self.update_selection_bar()

    def _watch_note(self) -> str:
        watcher = self.watcher
        if watcher is None or not watcher.busy:
            return ""
        if watcher.progress:
            return f"reading the inbox: {watcher.progress[0]} of {watcher.progress[1]}"
        return "matching…"

    # --- rows ---

    def _load(self) -> None:
        listed = receipts.list_receipts(self.store)
        self._receipts = {r.id: r for r in listed}
        self._refused = {REFUSED + f.path: f for f in receipts.inbox_refusals(self.store)}
        waiting = [r.id for r in listed if not r.attached]
        attached = [r.id for r in listed if r.attached]
        self._order = waiting + list(self._refused) + attached

    def all_ids(self) -> list[str]:
        return self._order

    def reload(self) -> None:
        self._load()
        super().reload()
        self.table.invalidate()  # a receipt's row shows other records too (its transaction): draw it again

    def apply_changes(self, changed: set[str]) -> None:
        self.reload()
        self.query_one(NavTabs).update_counts()

    def raw(self, row_id: str) -> dict[str, Any] | None:
        return None

    def render_row(self, row_id: str) -> Sequence[Cell]:
        refused = self._refused.get(row_id)
        if refused is not None:
            return (Text("refused", style="bold red"), refused.name, "", "", "",
                    Text(refused.refused or "", style="red"))
        receipt = self._receipts.get(row_id)
        if receipt is None:
            return [""] * len(self.COLUMNS)
        state = Text(receipt.match.value, style=STATE_STYLES[receipt.match])
        return (state, receipt.filename, *_read(receipt), self._transaction_cell(receipt))

    def _transaction_cell(self, receipt: Receipt) -> Text:
        if receipt.transaction_id:
            return Text(tx_summary(self.store, receipt.transaction_id))
        if receipt.candidates:
            text = Text(tx_summary(self.store, receipt.candidates[0]), style="yellow")
            if len(receipt.candidates) > 1:
                text.append(f"  +{len(receipt.candidates) - 1} more", style="bold yellow")
            return text
        return Text(receipt.match_note, style="dim italic")

    def matches(self, row_id: str, query: str) -> bool:
        refused = self._refused.get(row_id)
        if refused is not None:
            return query in f"refused {refused.name} {refused.refused}".lower()
        receipt = self._receipts.get(row_id)
        if receipt is None:
            return False
        related = [receipt.transaction_id] if receipt.transaction_id else list(receipt.candidates)
        text = " ".join([receipt.match.value, receipt.filename, receipt.merchant or "",
                         str(receipt.receipt_date or ""), *(tx_summary(self.store, t) for t in related)]).lower()
        if query in text:
            return True
        try:
            wanted = abs(to_money(query.replace(" ", "")))
        except MoneyError:
            return False
        return receipt.amount is not None and abs(receipt.amount) == wanted

    def selection_sum(self, ids: Iterable[str]) -> Decimal:
        """The SEK receipts' read amounts (receipts in other currencies are not added in)."""
        total = Decimal("0.00")
        for row_id in ids:
            receipt = self._receipts.get(row_id)
            if receipt is not None and receipt.amount is not None and receipt.currency in (None, "SEK"):
                total += receipt.amount
        return total

    def update_selection_bar(self) -> None:
        """``1 selected · 104,00 SEK    1 suggested · 2 unmatched · 1 refused · 3 attached    inbox ~/…``"""
        table = self.table
        selected = [i for i in table.row_ids if i in table.selected] if table.selected else []
        text = Text()
        text.append(f"{len(selected)} selected", style="bold" if selected else "dim")
        text.append(f" · {format_sek(self.selection_sum(selected))} SEK    ", style="bold" if selected else "dim")
        tiers = Counter(r.match if not r.attached else "attached" for r in self._receipts.values())
        counts = [(tiers[MatchState.SUGGESTED], "suggested", "yellow"),
                  (tiers[MatchState.UNMATCHED], "unmatched", "red"),
                  (len(self._refused), "refused", "red"), (tiers["attached"], "attached", "green")]
        for n, (count, label, style) in enumerate(counts):
            text.append(" · " if n else "", style="dim")
            text.append(f"{count} {label}", style=style if count else "dim")
        if len(table.row_ids) != len(self._order):
            text.append(f"    {len(table.row_ids)} shown", style="dim")
        if self.query_text:
            text.append(f"    filter: {self.query_text}", style="italic")
        text.append(f"    inbox {receipts.inbox_path(self.store)}", style="dim")
        watching = self._watch_note()
        if watching:
            text.append(f"  {watching}", style="bold")
        self.query_one("#selection", SafeStatic).update(text)

    # --- what the keys apply to ---

    def _targets(self) -> tuple[list[Receipt], list[InboxFile]]:
        ids = self.targets()
        return ([self._receipts[i] for i in ids if i in self._receipts],
                [self._refused[i] for i in ids if i in self._refused])

    def _refused_note(self, refused: list[InboxFile]) -> None:
        if refused:
            self.notify(f"{refused[0].name} was refused: {refused[0].refused}", severity="warning", timeout=10)

    def open_details(self, row_id: str) -> None:
        target = self._receipts.get(row_id) or self._refused.get(row_id)
        if target is not None:
            self.app.push_screen(ReceiptPreview(self.store, target))

    def _report(self, done: list[str], problems: list[str], what: str) -> None:
        if done:
            self.notify(done[0] if len(done) == 1 else f"{len(done)} receipts {what}")
        if len(problems) == 1 and not done:
            self.notify(problems[0], severity="warning", timeout=10)
        elif problems:
            self.app.push_screen(Message(f"{len(problems)} receipts not {what}",
                                         "\n".join(f"• {p}" for p in problems)))

    # --- y: confirm, x: reject ---

    def action_confirm(self) -> None:
        self._decide("y", "confirm", self._confirm, "Which transaction is {name} the receipt of?")

    def action_reject(self) -> None:
        self._decide("x", "reject", self._reject, "{name} is not the receipt of…")

    def _decide(self, key: str, verb: str, act: Callable[[Receipt, list[str]], tuple[list[str], list[str]]],
                title: str) -> None:
        """``y``/``x`` on the targets: a receipt with several candidates alone asks which; in a selection, each
        receipt with one candidate is decided and the others are listed with what to do."""
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        rejecting = verb == "reject"
        if len(chosen) == 1 and len(chosen[0].candidates) > 1:
            receipt = chosen[0]
            choices = describe_all(self.store, receipt.candidates)
            if rejecting:
                choices.append((NONE_OF_THEM, "None of them"))

            def picked(tx_id: str | None) -> None:
                if tx_id:
                    ids = list(receipt.candidates) if tx_id == NONE_OF_THEM else [tx_id]
                    self._report(*act(receipt, ids), verb + "ed")

            hint = "It is never suggested for that transaction again." if rejecting else "enter confirms"
            self.app.push_screen(ChoicePicker(title.format(name=receipt.filename), choices, hint=hint), picked)
            return
        done, problems = [], []
        for receipt in chosen:
            if receipt.attached and rejecting:
                ids = [receipt.transaction_id]  # "not this one": detached, and never matched to it again
            elif receipt.attached:
                problems.append(f"{receipt.filename} is already attached to "
                                f"{tx_summary(self.store, receipt.transaction_id)}.")
                continue
            elif len(receipt.candidates) == 1:
                ids = list(receipt.candidates)
            elif receipt.candidates:
                problems.append(f"{receipt.filename} has {len(receipt.candidates)} candidates: "
                                f"press {key} on it alone to choose.")
                continue
            else:
                problems.append(f"{receipt.filename} has no suggestion to {verb}: t attaches it to a transaction.")
                continue
            d, p = act(receipt, ids)  # type: ignore[arg-type]
            done += d
            problems += p
        self._report(done, problems, verb + "ed")

    def _confirm(self, receipt: Receipt, tx_ids: list[str]) -> tuple[list[str], list[str]]:
        (tx_id,) = tx_ids
        try:
            receipts.confirm(self.store, receipt.id, tx_id)
        except StoreError as exc:
            return [], [f"{receipt.filename} was not attached to {tx_summary(self.store, tx_id)}: {exc}"]
        return [f"{receipt.filename} attached to {tx_summary(self.store, tx_id)}"], []

    def _reject(self, receipt: Receipt, tx_ids: list[str]) -> tuple[list[str], list[str]]:
        for tx_id in tx_ids:
            try:
                receipts.reject(self.store, receipt.id, tx_id)
            except StoreError as exc:
                return [], [f"{receipt.filename} was not rejected for {tx_summary(self.store, tx_id)}: {exc}"]
        who = tx_summary(self.store, tx_ids[0]) if len(tx_ids) == 1 else f"{len(tx_ids)} transactions"
        return [f"{receipt.filename} is not suggested for {who} again"], []

    # --- t, d, o, M ---

    def action_attach(self) -> None:
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        attached = [r for r in chosen if r.attached]
        free = [r for r in chosen if not r.attached]
        if not free:
            receipt = attached[0]
            self.notify(f"{receipt.filename} is already attached to {tx_summary(self.store, receipt.transaction_id)}"
                        f"; detach it first (d).", severity="warning", timeout=8)
            return
        title = (f"Attach {free[0].filename} to…" if len(free) == 1 else f"Attach {len(free)} receipts to…")

        def chosen_tx(tx_id: str | None) -> None:
            if not tx_id:
                return
            done, problems = [], [f"{r.filename} is attached to {tx_summary(self.store, r.transaction_id)}; "
                                  "detach it first (d)." for r in attached]
            for receipt in free:
                try:
                    receipts.attach_existing(self.store, receipt.id, tx_id)
                except StoreError as exc:
                    problems.append(f"{receipt.filename} was not attached to {tx_summary(self.store, tx_id)}: {exc}")
                else:
                    done.append(f"{receipt.filename} attached to {tx_summary(self.store, tx_id)}")
            self._report(done, problems, "attached")

        self.app.push_screen(TransactionPicker(self.store, title, free[0]), chosen_tx)

    def action_detach(self) -> None:
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        done, problems = [], []
        for receipt in chosen:
            d, p = detach(self.store, receipt)
            done += d
            problems += p
        self._report(done, problems, "detached")

    def action_open(self) -> None:
        chosen, refused = self._targets()
        if refused and not chosen:
            open_in_viewer(self.app, Path(refused[0].path), refused[0].name)
        elif chosen:
            open_in_viewer(self.app, self.store.home.root / chosen[0].path, chosen[0].filename)

    def action_match(self) -> None:
        watcher = self.watcher
        if watcher is not None:
            watcher.scan(announce=True)


def detach(store: Store, receipt: Receipt, tx_id: str | None = None) -> tuple[list[str], list[str]]:
    tx_id = tx_id or receipt.transaction_id
    if tx_id is None:
        return [], [f"{receipt.filename} is not attached to a transaction."]
    try:
        receipts.detach(store, receipt.id, tx_id)
    except StoreError as exc:
        return [], [f"{receipt.filename} was not detached from {tx_summary(store, tx_id)}: {exc}"]
    return [f"{receipt.filename} detached from {tx_summary(store, tx_id)}; it is listed in tab 6 as unmatched"], []


# --- the preview ------------------------------------------------------------------------------------------------


class ReceiptPreview(ReportsWorkerErrors, ModalScreen[None]):
    """``enter`` in tab 6: what juni-tui knows about the file and the text of a PDF; ``o`` opens it."""

    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close"), Binding("o", "open", "Open in viewer")]
    DEFAULT_CSS = """
    ReceiptPreview { align: center middle; }
    ReceiptPreview > VerticalScroll { width: 100; max-width: 95%; height: 90%; border: thick $accent;
                                      background: $surface; padding: 1 2; }
    """

    def __init__(self, store: Store, target: Receipt | InboxFile) -> None:
        super().__init__()
        self.store = store
        self.target = target

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if isinstance(self.target, InboxFile):
                yield SafeStatic(self.refused_body(self.target), id="body")
            else:
                yield SafeStatic(Text(f"Reading {self.target.filename}…", style="dim"), id="body")
        yield Footer()

    def on_mount(self) -> None:
        if isinstance(self.target, Receipt):
            self.read(self.target)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def read(self, receipt: Receipt) -> None:
        """Parsing a PDF can take a while (and the file is input): never on the app's thread."""
        try:
            rows = receipts.receipt_metadata(self.store, receipt)
            text = receipts.receipt_text(self.store, receipt)
        except StoreError as exc:
            rows, text = [("File", receipt.filename)], f"({exc})"
        self.app.call_from_thread(self.show, receipt, rows, text)

    def show(self, receipt: Receipt, rows: list[tuple[str, str]], text: str) -> None:
        self.query_one("#body", SafeStatic).update(self.body(receipt, rows, text))

    @staticmethod
    def refused_body(target: InboxFile) -> Group:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column()
        facts.add_row("File", target.name)
        facts.add_row("Path", target.path)
        facts.add_row(Text("Refused", style="red"), Text(target.refused or "", style="red"))
        facts.add_row("What to do", "Remove it from the inbox, or replace it with a file juni-tui can take (PDF, "
                                    "JPEG, TIFF; PNG, GIF and WebP are converted). It stays listed until then.")
        return Group(Text(target.name, style="bold"), facts)

    def body(self, receipt: Receipt, rows: list[tuple[str, str]], text: str) -> Group:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column()
        for label, value in rows:
            if label == "Attached to":
                value = tx_summary(self.store, value)
            elif label in ("Candidates", "Rejected"):
                value = "\n".join(tx_summary(self.store, t.strip()) for t in value.split(","))
            facts.add_row(label, value)
        keys = {
            MatchState.SUGGESTED: "y confirms · x rejects · t attaches to another transaction",
            MatchState.UNMATCHED: "t attaches it to a transaction",
        }.get(receipt.match, "d detaches (while the transaction is in Prepare)")
        parts: list[Any] = [Text(receipt.filename, style="bold"), facts, Text(f"In tab 6: {keys}", style="dim"),
                            Text(""), Text("Text", style="bold underline")]
        parts.append(Text(text) if text.strip() else Text(
            "No text: an image, or a PDF without a text layer (a scan). o opens the file.", style="dim italic"))
        return Group(*parts)

    def action_open(self) -> None:
        if isinstance(self.target, InboxFile):
            open_in_viewer(self.app, Path(self.target.path), self.target.name)
        else:
            open_in_viewer(self.app, self.store.home.root / self.target.path, self.target.filename)


# --- the receipt keys of Prepare and the detail view --------------------------------------------------------


def suggested_by_transaction(store: Store) -> dict[str, tuple[str, ...]]:
    """Transaction id → the receipts suggested for it, from the receipts' own records (cheap: no transactions
    read)."""
    raw = store.receipts.raw
    out: dict[str, tuple[str, ...]] = {}
    for key in store.receipts.keys():
        doc = raw(key) or {}
        if doc.get("match") == "suggested" and not doc.get("transaction_id"):
            for tx_id in doc.get("candidates", ()):
                out[tx_id] = out.get(tx_id, ()) + (key,)
    return out


ATTACHMENT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("attachment")


def receipt_lines(store: Store, tx: Transaction) -> Text:
    """The detail view's receipts: each attached file with how it was matched, then the suggestions."""
    text = Text()
    for receipt_id in tx.receipts:
        receipt = store.receipts.get(receipt_id)
        if text:
            text.append("\n")
        if receipt is None:
            text.append(f"{receipt_id[:12]} (the receipt's record is missing)", style="red")
            continue
        how = HOW_ATTACHED.get(receipt.match, "attached") if receipt.transaction_id == tx.id else "attached"
        text.append(receipt.filename)
        kind = receipt.content_type.split("/")[-1].upper()
        text.append(f"  {kind}, {max(1, receipt.size // 1024)} kB  ", style="dim")
        text.append(how, style="green")
        if receipt.match == MatchState.AUTO and receipt.match_note:
            text.append(f" ({receipt.match_note})", style="dim")
    if not tx.receipts:
        text.append(f"not needed: {tx.no_receipt_reason}" if tx.no_receipt_reason else "none",
                    style="dim" if tx.no_receipt_reason else "red")
    if tx.status == Status.PREPARE and not tx.receipts:
        for receipt_id in suggested_by_transaction(store).get(tx.id, ()):
            receipt = store.receipts.get(receipt_id)
            if receipt is not None:
                read = ", ".join(x for x in (money_text(receipt.amount, receipt.currency)
                                             if receipt.amount is not None else "", receipt.merchant or "") if x)
                text.append(f"\nsuggested: {receipt.filename}" + (f" ({read})" if read else ""), style="yellow")
                text.append("  y accepts", style="dim")
    return text


class ReceiptActions:
    """Mixin for Prepare and the detail view (a screen with ``store``, ``targets()``, ``notify``, ``app``):
    ``t`` attaches a file, ``y`` accepts a suggested receipt, ``d`` detaches, ``O`` opens."""

    store: Store
    targets: Callable[[], list[str]]
    notify: Any
    app: Any
    _suggested: dict[str, tuple[str, ...]] | None = None

    # --- the Receipt column ---

    def suggested_receipts(self) -> dict[str, tuple[str, ...]]:
        if self._suggested is None:
            self._suggested = suggested_by_transaction(self.store)
        return self._suggested

    def with_suggestion(self, tx: Transaction, row: Sequence[Cell]) -> tuple[Cell, ...]:
        """The row's Receipt cell says "suggested" when a receipt waits for the user's ``y``."""
        if tx.receipts or tx.no_receipt_reason:
            return tuple(row)
        waiting = self.suggested_receipts().get(tx.id)
        if not waiting:
            return tuple(row)
        label = "suggested" if len(waiting) == 1 else f"{len(waiting)} suggested"
        return (*row[:ATTACHMENT_COLUMN], Text(label, style="bold yellow"), *row[ATTACHMENT_COLUMN + 1:])

    def on_screen_resume(self) -> None:
        """Back on this tab: what changed meanwhile (in tab 6, by the inbox) was not streamed here. Textual calls
        this before the screen's own handler, which reloads the rows."""
        self._suggested = None
        table = getattr(self, "table", None)  # the detail view has none
        if table is not None:
            table.invalidate()

    def apply_changes(self, changed: set[str]) -> None:
        old, self._suggested = self._suggested, None
        if old is not None:
            new = self.suggested_receipts()
            moved = {tx_id for tx_id in old.keys() | new.keys() if old.get(tx_id) != new.get(tx_id)}
            if moved:
                self.table.refresh_rows(moved)  # type: ignore[attr-defined]
        super().apply_changes(changed)  # type: ignore[misc]

    # --- t ---

    def action_attach_file(self) -> None:
        """A file belongs to one transaction (the service refuses a receipt already attached elsewhere): ``t``
        attaches to the cursor row, or the one selected row; a selection of several is not guessed at."""
        ids = self.targets()
        if len(ids) != 1:
            if ids:
                self.notify(f"A receipt file belongs to one transaction, and {len(ids)} are selected: press t on one "
                            "row (escape clears the selection).", severity="warning", timeout=8)
            return
        tx_id = ids[0]

        def attached(receipt: Receipt | None) -> None:
            if receipt is not None:
                note = f" ({receipt.conversion})" if receipt.conversion else ""
                self.notify(f"{receipt.filename}{note} attached to {tx_summary(self.store, tx_id)}")

        self.app.push_screen(AttachFilePrompt(self.store, tx_id), attached)

    # --- y ---

    def action_accept_suggestion(self) -> None:
        ids = self.targets()
        if not ids:
            return
        suggested = suggested_by_transaction(self.store)
        if len(ids) == 1 and len(suggested.get(ids[0], ())) > 1:
            tx_id = ids[0]
            choices = []
            for receipt_id in suggested[tx_id]:
                receipt = self.store.receipts.get(receipt_id)
                if receipt is not None:
                    amount, day, merchant = _read(receipt)
                    choices.append((receipt_id, f"{receipt.filename}  {amount.plain}  {day}  {merchant}"))
            self.app.push_screen(
                ChoicePicker(f"Which receipt is the one for {tx_summary(self.store, tx_id)}?", choices),
                lambda receipt_id: receipt_id and self._accept([(tx_id, receipt_id)]),
            )
            return
        pairs, problems = [], []
        for tx_id in ids:
            waiting = suggested.get(tx_id, ())
            if len(waiting) == 1:
                pairs.append((tx_id, waiting[0]))
            elif len(ids) == 1:
                problems.append(f"No receipt is suggested for {tx_summary(self.store, tx_id)}: t attaches a file, "
                                "or pick one in tab 6.")
            elif waiting:
                problems.append(f"{tx_summary(self.store, tx_id)} has {len(waiting)} suggested receipts: "
                                "press y on it alone to choose.")
        if problems and not pairs:
            self.notify(problems[0], severity="warning", timeout=8)
            return
        self._accept(pairs, problems)

    def _accept(self, pairs: list[tuple[str, str]], problems: list[str] | None = None) -> None:
        problems = list(problems or [])
        done = 0
        for tx_id, receipt_id in pairs:
            receipt = self.store.receipts.get(receipt_id)
            name = receipt.filename if receipt else receipt_id[:12]
            try:
                receipts.confirm(self.store, receipt_id, tx_id)
            except StoreError as exc:
                problems.append(f"{name} was not attached to {tx_summary(self.store, tx_id)}: {exc}")
            else:
                done += 1
                last = f"{name} attached to {tx_summary(self.store, tx_id)}"
        if done:
            self.notify(last if done == 1 else f"{done} suggested receipts accepted")
        if problems:
            self.app.push_screen(Message(f"{len(problems)} not accepted", "\n".join(f"• {p}" for p in problems)))

    # --- d and O (the detail view) ---

    def _pick_receipt(self, title: str, then: Callable[[Receipt, str], None]) -> None:
        ids = self.targets()
        if len(ids) != 1:
            return
        tx_id = ids[0]
        tx = self.store.get_transaction(tx_id)
        attached = [r for r in (self.store.receipts.get(i) for i in (tx.receipts if tx else ())) if r is not None]
        if not attached:
            self.notify(f"{tx_summary(self.store, tx_id)} has no receipt.", severity="warning")
            return
        if len(attached) == 1:
            then(attached[0], tx_id)
            return
        by_id = {r.id: r for r in attached}
        self.app.push_screen(ChoicePicker(title, [(r.id, r.filename) for r in attached]),
                             lambda receipt_id: receipt_id and then(by_id[receipt_id], tx_id))

    def action_detach_receipt(self) -> None:
        def go(receipt: Receipt, tx_id: str) -> None:
            done, problems = detach(self.store, receipt, tx_id)
            for line in done:
                self.notify(line)
            for line in problems:
                self.notify(line, severity="error", timeout=10)

        self._pick_receipt("Detach which receipt?", go)

    def action_open_receipt(self) -> None:
        self._pick_receipt("Open which receipt?",
                           lambda receipt, _: open_in_viewer(self.app, self.store.home.root / receipt.path,
                                                             receipt.filename))
