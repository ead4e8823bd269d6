"""``juni-tui doctor``: check a home without changing it, and say what each finding means and what to do.

The checks read every file of the home with the store's own readers (so the doctor refuses exactly what the store
refuses), but never through ``Store``: opening a store tidies the journal's end, brings audit.jsonl up to date and
checkpoints at close. The doctor writes nothing, takes no lock it keeps, and works on a home the store refuses.

What is checked:

* every file parses: juni.json (and its ``_meta``, and the documents the store relies on), juni.json.bak, the
  journal, each history archive, audit.jsonl;
* the journal continues juni.json: consecutive changes, none missing between the saved position and the journal;
* the history index and the archive files agree, both ways;
* the audit log is in order, not ahead of the data (an older juni.json put back) and not behind the journal;
* no empty or missing juni.json beside other data (a damaged home, not a new one);
* secret files (the Fortnox tokens and credentials) are readable by the user only.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import filelock

from juni_tui.services.store.audit import parse_audit
from juni_tui.services.store.checks import (
    DOC_CHECKS,
    HISTORY,
    META_TABLE,
    CorruptDataError,
    Doc,
    StoreError,
    juni_db_file,
    read_bytes,
    read_meta,
)
from juni_tui.services.store.history import read_archive
from juni_tui.services.store.home import Home
from juni_tui.services.store.integrity import check_journal_joins, damage_evidence
from juni_tui.services.store.journal import parse_journal
from juni_tui.services.store.lines import LinesRead
from juni_tui.services.store.storage import AtomicJSONStorage

PROBLEM = "problem"
NOTE = "note"

KEEP = "Keep every file as it is (copy the whole home folder somewhere safe before changing anything)."
RESTORED = ("If juni.json was put back from a copy or a backup tool, put the newer juni.json back; the changes the "
            "journal and audit.jsonl name after it cannot be replayed from an older one.")


@dataclass(frozen=True)
class Finding:
    severity: str  # PROBLEM (the home is not healthy) or NOTE (worth knowing; juni-tui handles it)
    file: str  # the file, relative to the home
    problem: str  # what is wrong and what it means
    advice: str  # what to do

    @property
    def line(self) -> str:
        return f"{self.severity}: {self.file}: {self.problem} {self.advice}".rstrip()


@dataclass
class Report:
    home: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not any(f.severity == PROBLEM for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == PROBLEM]

    def as_json(self) -> dict[str, Any]:
        return {
            "home": str(self.home),
            "healthy": self.healthy,
            "findings": [
                {"severity": f.severity, "file": f.file, "problem": f.problem, "advice": f.advice}
                for f in self.findings
            ],
        }


def check_home(home: Home) -> Report:
    """Every check, in order; a check that cannot run (its file is unreadable) is a finding, never an exception."""
    return _Doctor(home).run()


# --- the checks -------------------------------------------------------------------------------------------------


class _Doctor:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.report = Report(home.root)
        self.tables: dict[str, dict[str, Doc]] | None = None  # juni.json's tables, when readable
        self.db_state = "missing"
        self.saved_seq = 0
        self.journal: LinesRead | None = None
        self.seq = 0  # the last change number the home holds
        self.audit: LinesRead | None = None

    def add(self, severity: str, path: Path | str, problem: str, advice: str = "") -> None:
        inside = isinstance(path, Path) and path != self.home.root and path.is_relative_to(self.home.root)
        name = str(path.relative_to(self.home.root)) if inside else str(path)  # type: ignore[union-attr]
        self.report.findings.append(Finding(severity, name, problem, advice))

    def run(self) -> Report:
        if not self.home.root.is_dir():
            self.add(PROBLEM, self.home.root, "there is no home folder here.",
                     "Check --home or $JUNI_TUI_HOME; a new home is made when juni-tui first opens it.")
            return self.report
        for step in (self.check_lock, self.check_database, self.check_backup, self.check_journal,
                     self.check_empty_database, self.check_history, self.check_audit, self.check_secrets):
            self.guarded(step)
        return self.report

    def guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except CorruptDataError as exc:
            self.add(PROBLEM, exc.path, f"cannot be read: {exc.reason}.", KEEP)
        except StoreError as exc:
            self.add(PROBLEM, self.home.root, str(exc), "")
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            self.add(PROBLEM, self.home.root, f"the check '{step.__name__[6:].replace('_', ' ')}' could not run "
                     f"({type(exc).__name__}).", KEEP)

    # --- one check each ---

    def check_lock(self) -> None:
        if not self.home.lock.exists():
            return
        lock = filelock.FileLock(self.home.lock, timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            self.add(NOTE, self.home.lock, "another juni-tui is using this home right now.",
                     "The check may see a change half-written; run it again when that juni-tui is closed.")
            return
        except OSError:
            return
        lock.release()

    def check_database(self) -> None:
        storage = AtomicJSONStorage(self.home.db)
        try:
            data = storage.read()
        except CorruptDataError as exc:
            self.db_state = "damaged"
            self.add(PROBLEM, self.home.db, f"cannot be read: {exc.reason}. juni-tui refuses to open the home "
                     "until it can.", f"{KEEP} {self.backup_advice()}")
            return
        self.db_state = storage.state
        if data is None:
            return
        try:
            _schema, self.saved_seq = read_meta(self.home.db, data)
        except StoreError as exc:
            reason = exc.reason if isinstance(exc, CorruptDataError) else str(exc)
            self.add(PROBLEM, self.home.db, f"{reason.rstrip('.')}. juni-tui refuses to open the home.",
                     f"{KEEP} {self.backup_advice()}")
            data.pop(META_TABLE, None)
        self.seq = self.saved_seq
        self.tables = data
        for name, check in DOC_CHECKS.items():
            for doc_id, doc in data.get(name, {}).items():
                problem = check(doc)
                if problem:
                    self.add(PROBLEM, self.home.db, f"table {name!r}, document {doc_id}: {problem}. juni-tui "
                             "refuses to open the home.", f"{KEEP} {self.backup_advice()}")
                    break

    def backup_advice(self) -> str:
        data = juni_db_file(self.home.db_backup)
        if data is None:
            return "There is no intact juni.json.bak to fall back on."
        meta = data.get(META_TABLE, {}).get("1", {})
        seq = meta.get("journal_seq") if isinstance(meta, dict) else None
        if not isinstance(seq, int):
            return "juni.json.bak is readable, but has no change number: compare it by hand."
        known = self._last_known_change()
        if known <= seq:
            later = "it holds every change the journal and audit.jsonl know of"
        else:
            later = (f"the changes after it, up to number {known} (in the journal and audit.jsonl), would have to be "
                     "checked by hand")
        return (f"juni.json.bak is intact (the copy from before the last save, up to change {seq}); {later}. To use "
                "it: with juni-tui closed, keep juni.json aside (do not delete it) and copy juni.json.bak in its "
                "place, then run `juni-tui doctor` again.")

    def _last_known_change(self) -> int:
        """The highest change number the journal or audit.jsonl name (0 if neither can be read)."""
        known = 0
        for path, parse in ((self.home.journal, parse_journal), (self.home.audit, parse_audit)):
            try:
                raw = read_bytes(path)
                read = parse(path, raw or b"")
            except StoreError:
                continue
            for doc in read.docs:
                if isinstance(doc.get("seq"), int):
                    known = max(known, doc["seq"])
        return known

    def check_backup(self) -> None:
        backup = self.home.db_backup
        if backup.exists() and juni_db_file(backup) is None:
            self.add(NOTE, backup, "the copy from before the last save is not a readable database.",
                     "Nothing depends on it; juni-tui makes a new copy at its next save of an intact juni.json.")

    def check_journal(self) -> None:
        raw = read_bytes(self.home.journal)
        if raw is None:
            return
        try:
            journal = parse_journal(self.home.journal, raw)
        except CorruptDataError as exc:
            self.add(PROBLEM, self.home.journal, f"{exc.reason}. juni-tui refuses to open the home.",
                     "The journal holds changes juni-tui has confirmed: do not delete, empty or move it. "
                     f"{KEEP} Then look at that line: if it is a change cut off by a full disk, removing only that "
                     "line (with juni-tui closed) lets the home open; everything after it is kept.")
            return
        self.journal = journal
        if journal.torn:
            self.add(NOTE, self.home.journal, "its last line is unfinished (a crash or a full disk while saving): "
                     "that change was never confirmed.", "juni-tui drops that line when it next opens the home.")
        entries = journal.docs
        if self.db_state == "ok" and self.tables is not None:
            try:
                check_journal_joins(self.home.db, self.home.journal, self.saved_seq, entries)
            except StoreError as exc:
                self.add(PROBLEM, self.home.journal, str(exc).split(" juni-tui has refused")[0],
                         f"{KEEP} {RESTORED}")
        if entries:
            self.seq = max(self.seq, entries[-1]["seq"])

    def check_empty_database(self) -> None:
        if self.db_state not in ("missing", "empty"):
            return
        evidence = damage_evidence(self.home, self.db_state, self.journal)  # none: a new home, or never saved yet
        if evidence:
            self.add(PROBLEM, self.home.db, f"is {self.db_state}, but the home holds other data "
                     f"({'; '.join(evidence)}): a damaged home, not a new one. juni-tui refuses to open it, so that "
                     "nothing exported is imported or booked again.", f"{KEEP} {self.backup_advice()}")

    def _replayed(self, name: str) -> dict[str, Doc]:
        """A table of juni.json with the journal's changes after the saved position, keyed by its key."""
        docs = {str(d.get("id")): d for d in (self.tables or {}).get(name, {}).values() if isinstance(d, dict)}
        for entry in (self.journal.docs if self.journal else []):
            if entry["seq"] <= self.saved_seq:
                continue
            for op, table, _key, value in entry["ops"]:
                if table != name:
                    continue
                if op == "put":
                    docs[str(value.get("id"))] = value
                else:
                    docs.pop(str(value), None)
        return docs

    def check_history(self) -> None:
        folder = self.home.root / HISTORY
        if folder.exists() and not folder.is_dir():
            self.add(PROBLEM, folder, "is a file, but juni-tui keeps the exported transactions' archives in a "
                     "folder of that name: the next export cannot be saved.",
                     f"Move that file out of {self.home.root}.")
            return
        index = self._replayed("history_index")
        pending: dict[str, set[str]] = {}  # exports in the journal, not yet written to their month's file
        for entry in (self.journal.docs if self.journal else []):
            for op in entry["ops"]:
                if op[1] == HISTORY and op[0] == "put":
                    pending.setdefault(op[3]["date"][:7], set()).add(op[3]["id"])
        parts: set[str] = {d["part"] for d in index.values() if isinstance(d.get("part"), str)} | set(pending)
        if folder.is_dir():
            parts |= {p.name[:-5] for p in folder.glob("*.json") if not p.name.startswith(".")}
        archived: dict[str, set[str]] = {}
        damaged: set[str] = set()
        for part in sorted(parts):
            path = folder / f"{part}.json"
            try:
                archived[part] = set(read_archive(path, part)) | pending.get(part, set())
            except CorruptDataError as exc:
                damaged.add(part)
                self.add(PROBLEM, path, f"cannot be read as a history archive: {exc.reason}. juni-tui will not "
                         "rewrite it, and refuses to export into that month or show its exported transactions.",
                         f"{KEEP} Compare it with {path.name}.bak, if there is one.")
        missing = [(d["part"], tx_id) for tx_id, d in index.items()
                   if d.get("part") not in damaged and tx_id not in archived.get(cast(str, d.get("part")), set())]
        for part, tx_id in missing[:20]:
            self.add(PROBLEM, folder / f"{part}.json", f"exported transaction {tx_id!r} is in the history index "
                     "but missing from this archive: its full record (voucher as sent) is lost.",
                     f"{KEEP} Its voucher is in Fortnox; {part}.json.bak may still hold it.")
        unindexed = [(part, tx_id) for part, ids in archived.items() for tx_id in sorted(ids) if tx_id not in index]
        for part, tx_id in unindexed[:20]:
            self.add(PROBLEM, folder / f"{part}.json", f"holds exported transaction {tx_id!r}, which the history "
                     "index (in juni.json) does not list: the Export history does not show it.",
                     f"{KEEP} juni.json may be an older copy; an import still never adds {tx_id!r} again.")
        more = len(missing) + len(unindexed) - min(len(missing), 20) - min(len(unindexed), 20)
        if more > 0:
            self.add(PROBLEM, folder, f"{more} more exported transaction(s) where index and archives disagree.", KEEP)

    def check_audit(self) -> None:
        raw = read_bytes(self.home.audit)
        if raw is None:
            raw = b""
        audit = parse_audit(self.home.audit, raw)
        self.audit = audit
        if audit.torn:
            self.add(NOTE, self.home.audit, "its last line is unfinished (a crash while writing it).",
                     "juni-tui writes that record again, whole, from the journal when it next opens the home.")
        last, seen_seq = 0, False
        for number, record in audit.items:
            seq = record.get("seq")
            if seq is None:
                if seen_seq:
                    self.add(PROBLEM, self.home.audit, f"line {number} has no change number after lines that have "
                             "one: the processing history is not in order.", KEEP)
                    return
                continue
            seen_seq = True
            if seq < last:
                self.add(PROBLEM, self.home.audit, f"line {number} records change {seq} after change {last}: the "
                         "processing history is not in order.", KEEP)
                return
            last = seq
        if last > self.seq and self.db_state == "ok":
            self.add(PROBLEM, self.home.audit, f"records changes up to number {last}, but juni.json and the journal "
                     f"end at change {self.seq}: juni.json looks like an older copy and the changes after it are "
                     "missing. juni-tui refuses to open the home.", f"{KEEP} {RESTORED}")
        # not behind: every audit record the journal holds is in audit.jsonl
        count_at_last = sum(1 for _, r in audit.items if r.get("seq") == last) if last else 0
        behind = 0
        for entry in (self.journal.docs if self.journal else []):
            records = entry.get("audit") or []
            if entry["seq"] > last:
                behind += len(records)
            elif entry["seq"] == last:
                behind += max(0, len(records) - count_at_last)
        if behind:
            self.add(NOTE, self.home.audit, f"{behind} audit record(s) are in the journal but not yet here "
                     "(audit.jsonl could not be written, or juni-tui stopped right after a change).",
                     "juni-tui adds them when it next opens the home; nothing is lost.")

    def check_secrets(self) -> None:
        for path in (self.home.tokens, self.home.credentials):
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(mode):
                self.add(PROBLEM, path, "is not a file.", "Move it away and run `juni-tui connect` again.")
            elif mode & 0o077:
                self.add(PROBLEM, path, f"holds Fortnox secrets but other users may read it (mode "
                         f"{stat.S_IMODE(mode):o}).", f"Run: chmod 600 {path}")
