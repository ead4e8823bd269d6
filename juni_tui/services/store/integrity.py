"""A home that is not whole is refused, never treated as empty. The checks of the home as a whole that the store
makes at open and the doctor makes without opening it: the journal continues juni.json; a missing or empty
juni.json beside other data is damage, not a new home; the audit log is not ahead of both."""

from __future__ import annotations

from pathlib import Path

from juni_tui.services.store.audit import AuditLog
from juni_tui.services.store.checks import DOCTOR, HISTORY, DamagedHomeError, Doc, juni_db_file
from juni_tui.services.store.home import Home
from juni_tui.services.store.lines import LinesRead


def check_journal_joins(db: Path, journal: Path, saved_seq: int, entries: list[Doc]) -> None:
    """The journal must continue the database: no change missing between them, none skipped."""
    if not entries:
        return
    first, last = entries[0]["seq"], entries[-1]["seq"]
    if first > saved_seq + 1:
        raise DamagedHomeError(
            f"{db} holds the changes up to number {saved_seq}, but {journal.name} starts at change {first}: the "
            f"changes in between are missing. juni-tui has refused to open the home and changed nothing. {DOCTOR}"
        )
    if saved_seq > last:
        raise DamagedHomeError(
            f"{db} says it holds the changes up to number {saved_seq}, but {journal.name} ends at change {last}: "
            "one of the two is not what juni-tui wrote (an older copy put back?). juni-tui has refused to open the "
            f"home and changed nothing, so no change in the journal is skipped. {DOCTOR}"
        )


def damage_evidence(home: Home, state: str, journal: LinesRead | None) -> list[str]:
    """juni.json is missing or empty (``state``). That is a new home only if nothing else is there either, or
    (missing, never yet saved) if the journal holds every change from the first one on; else this says what in the
    home shows that it holds data: the reasons it is damaged. Empty for a new home."""
    if state == "missing" and journal is not None and journal.items and journal.items[0][1]["seq"] == 1:
        return []
    return _home_evidence(home, journal)


def refuse_if_damaged(home: Home, state: str, journal: LinesRead) -> None:
    """Raise ``DamagedHomeError`` if a missing or empty juni.json (``state``) is damage, not a new home."""
    evidence = damage_evidence(home, state, journal)
    if not evidence:
        return
    what = "missing" if state == "missing" else "empty"
    advice = ""
    if juni_db_file(home.db_backup) is not None:
        advice = (f" {home.db_backup.name} is intact (a copy from before the last save); `juni-tui doctor` says "
                  "whether it joins the journal.")
    raise DamagedHomeError(
        f"{home.db} is {what}, but the home holds other data ({'; '.join(evidence)}): this is a damaged "
        f"home, not a new one. juni-tui has refused to open it, so that no exported transaction can be imported "
        f"or booked again, and has changed nothing.{advice} {DOCTOR}"
    )


def _home_evidence(home: Home, journal: LinesRead | None) -> list[str]:
    """What in a home shows that it holds data, besides juni.json: the reasons an empty juni.json is damage."""
    found: list[str] = []
    if journal is not None and (journal.items or journal.torn):
        found.append(f"{home.journal.name} holds {len(journal.items)} change(s)")
    folder = home.root / HISTORY
    if folder.is_dir() and any(p.name.endswith(".json") for p in folder.iterdir()):
        found.append("history/ holds archives of exported transactions")
    if home.receipts.is_dir() and any(p.is_file() for p in home.receipts.rglob("*")):
        found.append("receipts/ holds receipt files")
    try:
        if home.audit.is_file() and home.audit.read_bytes().strip():
            found.append(f"{home.audit.name} holds processing history")
    except OSError:
        pass
    if juni_db_file(home.db_backup) is not None:
        found.append(f"{home.db_backup.name} is a copy of an earlier database")
    return found


def check_audit_not_ahead(home: Home, audit_log: AuditLog, seq: int) -> None:
    """The audit log may not record changes after the last one juni.json and the journal hold (``seq``)."""
    try:
        audited, _ = audit_log.position()
    except OSError:
        return  # unreadable: the records stay in the journal; doctor reports it
    if audited > seq:
        raise DamagedHomeError(
            f"{home.audit.name} records changes up to number {audited}, but {home.db.name} and the journal "
            f"end at change {seq}: juni.json looks like an older copy, and the changes after it are missing. "
            f"juni-tui has refused to open the home and changed nothing. {DOCTOR}"
        )
