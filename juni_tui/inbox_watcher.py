"""The receipt inbox watcher, owned by the App (``app.inbox``): the inbox folder is read whenever its files change.

It polls ``receipts.inbox_signature`` (a few stats) every ``INBOX_POLL_SECONDS``; when it changes it lists the new
files (``begin_scan``, app thread), reads them in a thread worker (``scan.read``: pypdf, hashing, image conversion;
no store access) and records and matches them back on the app thread (``finish_scan``: one commit). ``M`` in tab 6
scans now.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from juni_tui.domain.receipts import MatchState
from juni_tui.services import receipts
from juni_tui.services.receipts import ScanReport
from juni_tui.services.store import Store, StoreError

if TYPE_CHECKING:
    from textual.app import App

#: How often the inbox folder is looked at (names, sizes, times: no reading).
INBOX_POLL_SECONDS = 2.5


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
