"""The receipt inbox folder: every new file in it becomes a receipt, or a refusal that stays listed.

``scan_inbox`` adds every new file of the inbox folder (copied, never moved or deleted; links only to files inside
the inbox; ``MAX_INBOX_DEPTH`` folders deep) and then matches (``match_run``). No file is dropped silently: each
one ends up a receipt, or a refusal with a reason that stays visible (``inbox_refusals``) until the file is removed
or replaced. A whole scan is one durable write (``store.batch()``).

Threads: the TUI scans in a worker: ``begin_scan`` (store thread, cheap: stats only), ``InboxScan.read`` (any
thread: reading, hashing, converting, PDF text; it touches no store), ``finish_scan`` (store thread: one commit).
``inbox_signature`` is cheap enough to poll every few seconds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.domain.clock import utcnow
from juni_tui.services.receipts.files import FileRefused, not_a_file, outside, read_file
from juni_tui.services.receipts.library import (
    Prepared,
    ReceiptError,
    as_listed,
    known_hashes,
    listed_by,
    prepare_file,
    record_file,
)
from juni_tui.services.receipts.match_run import MatchReport, match_batch
from juni_tui.services.receipts.matching import DEFAULT_WINDOW
from juni_tui.services.store import Home, Store, Table

#: How many folder levels below the inbox are read. A folder deeper than this is refused (listed, with the reason)
#: and nothing in it is read: a tree 1 100 folders deep is walked without recursion and ends here.
MAX_INBOX_DEPTH = 20
#: Browsers write these while a download is still running; they are read once the download is complete.
PARTIAL_SUFFIXES = (".part", ".crdownload", ".download", ".partial", ".tmp", ".opdownload")
INBOX_TABLE = "receipt_inbox"
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})


# --- What the inbox held --------------------------------------------------------------------------------------


class InboxFile(BaseModel):
    """A file seen in the inbox: its size and time (so that an unchanged file is not read again), and what came
    of it: a receipt, or the reason it was refused."""

    model_config = ConfigDict(frozen=True)

    path: str  # absolute
    size: int
    mtime_ns: int
    sha256: str = ""
    receipt_id: str | None = None
    refused: str | None = None
    seen_at: datetime = Field(default_factory=utcnow)

    @property
    def name(self) -> str:
        return PurePath(self.path).name


def _inbox_table(store: Store) -> Table[InboxFile]:
    return store.table(INBOX_TABLE, InboxFile, "path")


def inbox_refusals(store: Store) -> list[InboxFile]:
    """Inbox files that could not become receipts, with the reason (``refused``). They stay listed until the
    file is removed from the inbox or replaced by one that can be taken."""
    return sorted((f for f in _inbox_table(store).values() if f.refused), key=lambda f: f.path)


# --- The inbox folder -----------------------------------------------------------------------------------------


def inbox_path(store: Store) -> Path:
    """``settings.inbox_dir`` (``~`` expanded; relative to the home), else ``<home>/inbox``."""
    configured = store.settings.inbox_dir
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else store.home.root / path
    return store.home.default_inbox


@dataclass(frozen=True)
class _InboxEntry:
    path: Path
    st: os.stat_result  # of the file (a link to a file inside the inbox: of that file); of the entry itself if refused
    problem: str | None = None  # why it is refused without being read


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    try:
        return sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _inbox_link(path: Path, name: str, root: Path, real_root: Path) -> _InboxEntry:
    """A link in the inbox is followed only to a regular file inside the inbox; never to a folder (no loops)."""
    try:
        target = os.stat(path)
        real = Path(os.path.realpath(path))
    except OSError:
        return _InboxEntry(path, os.lstat(path), f"{name} is a link to nothing (what it pointed to is gone, or it "
                                                 "loops). Remove it from the inbox.")
    if not real.is_relative_to(real_root):
        return _InboxEntry(path, os.lstat(path), str(outside(name, root)))
    if stat.S_ISDIR(target.st_mode):
        return _InboxEntry(path, os.lstat(path), f"{name} is a link to a folder, which juni-tui does not follow "
                                                 "(links can loop). Move the files themselves into the inbox.")
    if not stat.S_ISREG(target.st_mode):
        return _InboxEntry(path, os.lstat(path), str(not_a_file(name, target.st_mode)))
    return _InboxEntry(path, target)


def _inbox_files(root: Path) -> Iterator[_InboxEntry]:
    """Every file below ``root``, hidden ones left out, in name order, and what cannot be read, with the reason.

    Walked with a stack, not recursion, ``MAX_INBOX_DEPTH`` folders deep at most: a deeper folder comes back
    refused and is not entered. Nothing is opened here (``stat`` only): a FIFO, a device or a socket comes back
    refused, as does a link out of the inbox or to a folder (``_inbox_link``)."""
    real_root = Path(os.path.realpath(root))
    stack: list[tuple[Iterator[os.DirEntry[str]], int]] = [(iter(_listing(root)), 0)]
    while stack:
        entries, depth = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith(".") or entry.name.lower() in _SYSTEM_FILES:
            continue
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                yield _inbox_link(path, str(path.relative_to(root)), root, real_root)
            elif entry.is_dir(follow_symlinks=False):
                if depth < MAX_INBOX_DEPTH:
                    stack.append((iter(_listing(path)), depth + 1))
                    continue
                yield _InboxEntry(path, entry.stat(follow_symlinks=False),
                                  f"{path.relative_to(root)} is a folder more than {MAX_INBOX_DEPTH} levels deep in "
                                  "the inbox; nothing in it is read. Move its files higher up in the inbox.")
            else:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    yield _InboxEntry(path, st)
                else:
                    yield _InboxEntry(path, st, str(not_a_file(str(path.relative_to(root)), st.st_mode)))
        except OSError:  # gone since it was listed, or a folder that cannot be listed
            continue


def inbox_signature(store: Store) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the inbox's files: cheap (no reading), for polling every few
    seconds. When it changes, scan."""
    root = inbox_path(store)
    return tuple((str(e.path.relative_to(root)), e.st.st_size, e.st.st_mtime_ns) for e in _inbox_files(root))


FileOutcomeKind = Literal["added", "duplicate", "unchanged", "refused", "skipped"]


@dataclass(frozen=True)
class FileOutcome:
    name: str  # relative to the inbox
    outcome: FileOutcomeKind
    message: str
    receipt_id: str | None = None


@dataclass
class ScanReport:
    inbox: Path
    files: list[FileOutcome] = field(default_factory=list)
    match: MatchReport = field(default_factory=MatchReport)

    def of(self, *outcomes: FileOutcomeKind) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome in outcomes]

    @property
    def refused(self) -> list[FileOutcome]:
        return self.of("refused")

    @property
    def summary(self) -> str:
        counts = {kind: len(self.of(kind)) for kind in ("added", "duplicate", "refused", "skipped")}
        files = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no new files"
        return f"{files}; {self.match.summary}"


@dataclass
class InboxScan:
    """One scan of the inbox, in three steps (see the module's docstring for which thread runs which)."""

    root: Path
    home: Home
    known: dict[str, str]
    todo: list[tuple[Path, os.stat_result]] = field(default_factory=list)
    real_root: Path | None = None  # the inbox with its links resolved: files are read only from inside it
    files: list[FileOutcome] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    prepared: list[tuple[Path, os.stat_result, Prepared]] = field(default_factory=list)

    def read(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read, check, convert and store every new or changed file. Touches no store: any thread."""
        total = len(self.todo)
        real_root = self.real_root or Path(os.path.realpath(self.root))
        for n, (path, st) in enumerate(self.todo, 1):
            name = str(path.relative_to(self.root))
            try:
                data = read_file(path, inside=real_root)
            except FileRefused as exc:
                prepared = Prepared(name, "", refused=str(exc).replace(path.name, name, 1))
            except OSError as exc:
                prepared = Prepared(name, "", refused=f"{name} cannot be read ({exc.strerror or exc}). Check that "
                                                       "you may read it, or move it out of the inbox.")
            else:
                prepared = prepare_file(self.home, data, name, "inbox", self.known)
                if prepared.receipt is not None:
                    for key in prepared.receipt.source_hashes:
                        self.known.setdefault(key, prepared.receipt.id)
            self.prepared.append((path, st, prepared))
            if progress is not None:
                progress(n, total)
        self.todo = []


def begin_scan(store: Store) -> InboxScan:
    """List the inbox and pick the files that are new or changed since the last scan (store thread; no reading)."""
    root = inbox_path(store)
    if not root.exists():
        if root == store.home.default_inbox:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            raise ReceiptError(f"The receipt inbox {root} does not exist. Create it, or change it in Settings.")
    if not root.is_dir():
        raise ReceiptError(f"The receipt inbox {root} is not a folder.")
    table = _inbox_table(store)
    scan = InboxScan(root=root, home=store.home, known=known_hashes(store), real_root=Path(os.path.realpath(root)))
    for found in _inbox_files(root):
        path, st = found.path, found.st
        name = str(path.relative_to(root))
        if found.problem is None and path.name.lower().endswith(PARTIAL_SUFFIXES):
            scan.files.append(FileOutcome(name, "skipped", "still downloading; it is read once it is complete"))
            continue
        scan.seen.add(str(path))
        entry = table.get(str(path))
        if entry is not None and entry.size == st.st_size and entry.mtime_ns == st.st_mtime_ns:
            if entry.refused:
                scan.files.append(FileOutcome(name, "unchanged", f"still refused: {entry.refused}"))
            else:
                scan.files.append(FileOutcome(name, "unchanged", "already added", entry.receipt_id))
            continue
        if found.problem is not None:  # refused without being opened
            scan.prepared.append((path, st, Prepared(name, "", refused=found.problem)))
            continue
        scan.todo.append((path, st))
    return scan


def finish_scan(store: Store, scan: InboxScan, *, match: bool = True,
                window: tuple[int, int] = DEFAULT_WINDOW) -> ScanReport:
    """Record what ``scan.read`` found, forget files that left the inbox, and match: one commit (store thread)."""
    if scan.todo:
        scan.read()
    table = _inbox_table(store)
    known = known_hashes(store)
    report = ScanReport(inbox=scan.root, files=list(scan.files))
    with store.batch():
        seen_now: set[str] = set()
        for path, st, prepared in scan.prepared:
            result = record_file(store, prepared, known)
            receipt_id = result.receipt.id if result.receipt else None
            report.files.append(FileOutcome(prepared.name, result.outcome, result.message, receipt_id))
            store.commit([InboxFile(path=str(path), size=st.st_size, mtime_ns=st.st_mtime_ns,
                                    sha256=prepared.source_hash, receipt_id=receipt_id, refused=prepared.refused)])
            seen_now.add(str(path))
        gone = [(INBOX_TABLE, key) for key in list(table.keys()) if key not in scan.seen and key not in seen_now]
        if gone:
            store.commit(deletes=gone)
        report.files.sort(key=lambda f: f.name)
        if match:
            attachments = listed_by(store)
            listed = [as_listed(store, r, attachments) for r in store.receipts.values()]
            report.match = match_batch(store, listed, window)
        added = [f.receipt_id for f in report.files if f.outcome == "added"]
        store.audit({"action": "receipts-scan", "inbox": str(scan.root), "added": added,
                     "refused": [f.name for f in report.refused], **report.match.counts})
    return report


def scan_inbox(store: Store, *, match: bool = True, window: tuple[int, int] = DEFAULT_WINDOW) -> ScanReport:
    """Add every new file of the inbox, then match every receipt not yet attached. One commit."""
    scan = begin_scan(store)
    scan.read()
    return finish_scan(store, scan, match=match, window=window)
