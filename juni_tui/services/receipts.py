"""Receipts: stored once by content hash, read, matched to transactions, attached, and previewed.

Storage
    ``add_receipt`` checks a file (``receipt_files``: it must be what its name says; PNG/GIF/WebP become JPEG;
    big images are reduced; big PDFs refused), copies it to ``<home>/receipts/<sha[:2]>/<sha>.<ext>`` atomically
    and records a ``Receipt``. The same file added twice is one receipt: by the hash of what is stored and by the
    hash of what was dropped (``source_hashes``: a PNG dropped twice is converted once). A receipt belongs to the
    home: emptying the inbox loses nothing.
Matching
    ``scan_inbox`` adds every new file of the inbox folder (copied, never moved or deleted; links only to files
    inside the inbox; ``MAX_INBOX_DEPTH`` folders deep) and then runs
    ``match_receipts``, which reads amount, currency, date and merchant (``receipt_text``) and sorts each receipt
    into one of three tiers (``receipt_match``): AUTO (attached), SUGGESTED (``confirm`` / ``reject`` with one key;
    a rejection is remembered), UNMATCHED (listed; ``attach_existing`` attaches it to any transaction). No file
    is dropped silently: each one ends up a receipt, or a refusal with a reason that stays visible
    (``inbox_refusals``) until the file is removed or replaced.
Writes
    Transactions change only through ``workflow`` (attach/detach enforce its rules). A whole scan or matching run
    is one durable write: it runs inside ``store.batch()``, where each commit is visible at once and all of them
    are written together at the end (or undone together if anything fails).
Threads
    The TUI scans in a worker: ``begin_scan`` (store thread, cheap: stats only), ``InboxScan.read`` (any thread:
    reading, hashing, converting, PDF text; it touches no store), ``finish_scan`` (store thread: one commit).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.domain.clock import utcnow
from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.services import workflow
from juni_tui.services.store.files import atomic_write
from juni_tui.services.store.home import Home
from juni_tui.services.receipt_files import (
    MAX_READ_BYTES,
    PDF,
    RECEIPT_EXTENSIONS,
    STORED_EXTENSIONS,
    TYPE_NAMES,
    FileRefused,
    megabytes,
    not_a_file,
    open_image,
    outside,
    read_file,
    take_file,
)
from juni_tui.services.receipt_match import (
    DEFAULT_WINDOW,
    AmountFilter,
    MatchIndex,
    OpenTx,
    money_text,
    needs_receipt,
)
from juni_tui.services.receipt_text import ReceiptFacts, pdf_info, pdf_text, read_facts
from juni_tui.services.store import ImmutableError, Store, StoreError, Table

#: How much of a PDF's text is kept in the store (for matching again and a quick look); the preview reads it all.
MAX_STORED_TEXT = 4000
#: How many folder levels below the inbox are read. A folder deeper than this is refused (listed, with the reason)
#: and nothing in it is read: a tree 1 100 folders deep is walked without recursion and ends here.
MAX_INBOX_DEPTH = 20
#: Browsers write these while a download is still running; they are read once the download is complete.
PARTIAL_SUFFIXES = (".part", ".crdownload", ".download", ".partial", ".tmp", ".opdownload")
INBOX_TABLE = "receipt_inbox"
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})

_TIER_ORDER = {
    MatchState.SUGGESTED: 0,
    MatchState.UNMATCHED: 1,
    MatchState.AUTO: 2,
    MatchState.CONFIRMED: 3,
    MatchState.MANUAL: 4,
}
ATTACHED_STATES = frozenset({MatchState.AUTO, MatchState.CONFIRMED, MatchState.MANUAL})


class ReceiptError(StoreError):
    """A receipt request refused, worded for the user."""


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


# --- Adding ---------------------------------------------------------------------------------------------------

Outcome = Literal["added", "duplicate", "refused"]


@dataclass(frozen=True)
class AddResult:
    name: str  # as dropped
    outcome: Outcome
    message: str  # in words: what was done, or why it was refused
    receipt: Receipt | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != "refused"


@dataclass(frozen=True)
class _Prepared:
    """A file read and checked, off the store (any thread). Its stored copy is already written."""

    name: str
    source_hash: str
    receipt: Receipt | None = None
    refused: str | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _known_hashes(store: Store) -> dict[str, str]:
    """File hash → receipt id, for every stored file and every file that produced one."""
    known: dict[str, str] = {}
    for key in store.receipts.keys():
        known[key] = key
        for source in (store.receipts.raw(key) or {}).get("source_hashes", ()):
            known.setdefault(source, key)
    return known


_SAME_EXTENSIONS = {"pdf": ("pdf",), "jpg": ("jpg", "jpeg", "jpe"), "tif": ("tif", "tiff")}


def _display_name(name: str, extension: str) -> str:
    """The dropped name, with the extension of what is stored: ``photo.png`` became ``photo.jpg``."""
    path = PurePath(name)
    if path.suffix.lower().lstrip(".") in _SAME_EXTENSIONS[extension]:
        return path.name
    return f"{path.stem if path.suffix[1:].isalpha() else path.name}.{extension}"


def _write_receipt_file(home: Home, receipt_id: str, extension: str, data: bytes) -> str:
    relative = PurePosixPath(home.receipts.name, receipt_id[:2], f"{receipt_id}.{extension}")
    path = home.root / relative
    if not (path.exists() and path.stat().st_size == len(data)):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, data)
    return str(relative)


def _prepare(home: Home, data: bytes, name: str, origin: str, known: Mapping[str, str]) -> _Prepared:
    source_hash = _sha256(data)
    if source_hash in known:
        return _Prepared(name, source_hash, receipt=None)  # a duplicate: _record finds it by the hash
    try:
        intake = take_file(data, name)
    except FileRefused as exc:
        return _Prepared(name, source_hash, refused=str(exc))
    receipt_id = _sha256(intake.data) if intake.data is not data else source_hash
    path = _write_receipt_file(home, receipt_id, intake.extension, intake.data)
    text = intake.text  # a PDF's first pages, read when take_file checked it: one parse
    facts = read_facts(text, name)
    filename = _display_name(name, intake.extension)
    receipt = Receipt(
        id=receipt_id,
        filename=filename,
        source_name=PurePath(name).name if PurePath(name).name != filename else None,
        content_type=intake.content_type,
        size=len(intake.data),
        path=path,
        origin=origin,  # type: ignore[arg-type]
        source_hashes=tuple(dict.fromkeys((source_hash, receipt_id))),
        converted_from=intake.converted_from,
        conversion=intake.note,
        text=text[:MAX_STORED_TEXT],
        amount=facts.amount,
        currency=facts.currency,
        receipt_date=facts.date,
        merchant=facts.merchant,
    )
    return _Prepared(name, source_hash, receipt=receipt)


def _record(store: Store, prepared: _Prepared, known: dict[str, str]) -> AddResult:
    """Record a prepared file: a new receipt, or the receipt it duplicates (store thread)."""
    if prepared.refused:
        return AddResult(prepared.name, "refused", prepared.refused)
    existing_id = known.get(prepared.source_hash) or (prepared.receipt and known.get(prepared.receipt.id))
    existing = store.receipts.get(existing_id) if existing_id else None
    if existing is None and prepared.receipt is not None:
        receipt = prepared.receipt
        store.commit([receipt])
        for key in receipt.source_hashes:
            known[key] = receipt.id
        note = f" ({receipt.conversion})" if receipt.conversion else ""
        return AddResult(prepared.name, "added", f"added as {receipt.filename}{note}", receipt)
    if existing is None:  # known by hash, but the receipt is gone: cannot happen without editing the files by hand
        raise ReceiptError(f"{prepared.name} is recorded as a receipt that no longer exists; add it again by path.")
    if prepared.source_hash not in existing.source_hashes:
        existing = existing.model_copy(update={"source_hashes": existing.source_hashes + (prepared.source_hash,)})
        store.commit([existing])
    known[prepared.source_hash] = existing.id
    where = f"attached to {existing.transaction_id}" if existing.attached else existing.match.value
    return AddResult(
        prepared.name, "duplicate", f"the same file as {existing.filename}, added {existing.added_at:%Y-%m-%d} ({where})",
        existing,
    )


def _source(source: Path | str | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        if not filename:
            raise ReceiptError("A receipt given as bytes needs a file name.")
        return source, filename
    path = Path(source).expanduser()
    try:
        return read_file(path), filename or path.name
    except FileRefused as exc:
        raise ReceiptError(str(exc)) from None
    except FileNotFoundError:
        raise ReceiptError(f"{path}: no such file.") from None
    except OSError as exc:
        raise ReceiptError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def add_receipt(store: Store, path_or_bytes: Path | str | bytes, filename: str | None = None, *,
                origin: Literal["inbox", "manual", "demo", "import"] = "manual") -> AddResult:
    """Store one file as a receipt (not matched, not attached). A refusal is a result, not an exception; an
    unreadable path raises ``ReceiptError``."""
    data, name = _source(path_or_bytes, filename)
    known = _known_hashes(store)
    prepared = _prepare(store.home, data, name, origin, known)
    with store.batch():
        result = _record(store, prepared, known)
        if result.ok:
            store.audit({"action": "receipt-add", "receipt": result.receipt.id if result.receipt else None,
                         "file": name})
    return result


# --- State: a receipt is attached when its transaction lists it -----------------------------------------------


def _attachments(store: Store) -> dict[str, str]:
    """Receipt id → the not-yet-exported transaction that lists it (from the raw documents: no validation)."""
    out: dict[str, str] = {}
    table = store.transactions
    for key in table.keys():
        for receipt_id in (table.raw(key) or {}).get("receipts", ()):
            out.setdefault(receipt_id, key)
    return out


def _effective(store: Store, receipt: Receipt, attachments: Mapping[str, str]) -> Receipt:
    """The receipt as the transactions say it is. A transaction's ``receipts`` is the truth; the receipt's
    ``transaction_id`` is kept in step by this module, but someone may have called ``workflow.detach`` directly."""
    tx_id = attachments.get(receipt.id)
    if tx_id is not None:
        if receipt.transaction_id == tx_id and receipt.match in ATTACHED_STATES:
            return receipt
        return receipt.model_copy(
            update={"transaction_id": tx_id, "match": MatchState.MANUAL, "candidates": (), "match_note": "attached"}
        )
    if receipt.transaction_id is None:
        return receipt if receipt.match not in ATTACHED_STATES else receipt.model_copy(
            update={"match": MatchState.UNMATCHED}
        )
    if receipt.transaction_id in store.history_index:
        return receipt  # exported with its transaction
    return receipt.model_copy(
        update={"transaction_id": None, "match": MatchState.UNMATCHED, "candidates": (),
                "match_note": f"no longer attached to {receipt.transaction_id}"}
    )


def get_receipt(store: Store, receipt_id: str) -> Receipt:
    receipt = store.receipts.get(receipt_id)
    if receipt is None:
        raise ReceiptError(f"There is no receipt {receipt_id[:12]}.")
    return _effective(store, receipt, _attachments(store))


def find_receipt(store: Store, ref: str) -> Receipt:
    """A receipt by its id, a unique start of it (at least 4 characters, like git), or its file name."""
    ref = ref.strip()
    if ref in store.receipts:
        return get_receipt(store, ref)
    matches = [key for key in store.receipts.keys() if len(ref) >= 4 and key.startswith(ref.lower())]
    if not matches:
        matches = [
            key for key in store.receipts.keys()
            if ref in ((store.receipts.raw(key) or {}).get("filename"), (store.receipts.raw(key) or {}).get("source_name"))
        ]
    if len(matches) == 1:
        return get_receipt(store, matches[0])
    if not matches:
        raise ReceiptError(f"There is no receipt {ref!r} (give its id, the start of it, or its file name).")
    raise ReceiptError(f"{ref!r} fits {len(matches)} receipts: {', '.join(m[:12] for m in matches[:5])}. Give more of the id.")


def list_receipts(store: Store, *, unmatched: bool = False, states: Iterable[MatchState] | None = None) -> list[Receipt]:
    """Every receipt, those that need the user first (suggested, unmatched), newest first within each tier.

    ``unmatched=True``: only receipts attached to no transaction (suggested and unmatched).
    """
    attachments = _attachments(store)
    wanted = set(states) if states is not None else None
    out = []
    for receipt in store.receipts.values():
        receipt = _effective(store, receipt, attachments)
        if unmatched and receipt.attached:
            continue
        if wanted is not None and receipt.match not in wanted:
            continue
        out.append(receipt)
    out.sort(key=lambda r: r.added_at, reverse=True)
    out.sort(key=lambda r: _TIER_ORDER[r.match])
    return out


def receipts_of(store: Store, tx_id: str) -> list[Receipt]:
    """The receipts attached to a transaction (exported ones included), in the order they were attached."""
    tx = store.get_transaction(tx_id)
    if tx is None:
        raise ReceiptError(f"There is no transaction {tx_id}.")
    return [r for r in (store.receipts.get(rid) for rid in tx.receipts) if r is not None]


def suggestions_for(store: Store, tx_id: str) -> list[Receipt]:
    """Receipts suggested for this transaction (for its detail view: confirm or reject there too)."""
    attachments = _attachments(store)
    out = []
    for key in store.receipts.keys():
        if tx_id in (store.receipts.raw(key) or {}).get("candidates", ()):
            receipt = _effective(store, store.receipts[key], attachments)
            if not receipt.attached and tx_id in receipt.candidates:
                out.append(receipt)
    return out


# --- Attaching by hand, confirming, rejecting -----------------------------------------------------------------


def _check_attachable(store: Store, tx_id: str) -> Transaction:
    """Refuse early (before any file is copied) what workflow.attach would refuse."""
    tx = store.get_transaction(tx_id)
    if tx is None:
        raise ReceiptError(f"There is no transaction {tx_id}.")
    if tx.status == Status.EXPORTED and tx.export is not None:
        raise ImmutableError(tx.id, f"{tx.merchant}, {tx.date}", tx.export.voucher_label, "given another receipt")
    return workflow.editable(store, tx_id)


def _attach(store: Store, receipt: Receipt, tx_id: str, state: MatchState, note: str, *,
            withdraw: bool = True) -> Receipt:
    workflow.attach(store, tx_id, receipt.id, action=f"receipt-{state.value}")
    new = receipt.model_copy(
        update={
            "transaction_id": tx_id,
            "match": state,
            "candidates": (),
            "match_note": note,
            "rejected": tuple(r for r in receipt.rejected if r != tx_id),
        }
    )
    store.commit([new])
    if withdraw:
        _withdraw(store, {tx_id}, keep=new.id)
    return new


def _withdraw(store: Store, tx_ids: set[str], *, keep: str | None = None) -> None:
    """Transactions that just got a receipt are no longer suggestions for any other receipt."""
    for key in list(store.receipts.keys()):
        if key == keep:
            continue
        if not tx_ids.intersection((store.receipts.raw(key) or {}).get("candidates", ())):
            continue
        receipt = store.receipts[key]
        left = tuple(c for c in receipt.candidates if c not in tx_ids)
        update: dict[str, Any] = {"candidates": left}
        if not left and receipt.match == MatchState.SUGGESTED:
            update.update(match=MatchState.UNMATCHED, match_note="the transactions suggested for it got other receipts")
        store.commit([receipt.model_copy(update=update)])


def _attached_elsewhere(receipt: Receipt, tx_id: str) -> None:
    if receipt.attached and receipt.transaction_id != tx_id:
        raise ReceiptError(
            f"{receipt.filename} is already the receipt of transaction {receipt.transaction_id}; "
            "detach it there first."
        )


def attach_existing(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """Attach a stored receipt (unmatched or suggested) to any transaction in Prepare, by hand."""
    return _attach_stored(store, receipt_id, tx_id, confirming=False)


def confirm(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """Accept a suggestion: attach the receipt to that transaction, marked CONFIRMED."""
    return _attach_stored(store, receipt_id, tx_id, confirming=True)


def _attach_stored(store: Store, receipt_id: str, tx_id: str, *, confirming: bool) -> Receipt:
    receipt = get_receipt(store, receipt_id)
    if receipt.transaction_id == tx_id:
        return receipt
    _attached_elsewhere(receipt, tx_id)
    suggested = tx_id in receipt.candidates
    state = MatchState.CONFIRMED if confirming and suggested else MatchState.MANUAL
    note = "suggestion confirmed" if state == MatchState.CONFIRMED else "attached by hand"
    with store.batch():
        return _attach(store, receipt, tx_id, state, note)


def reject(store: Store, receipt_id: str, tx_id: str) -> Receipt:
    """"Not this transaction": the pair is remembered and never suggested or auto-matched again. A receipt
    attached to that transaction is detached (while the transaction is in Prepare)."""
    receipt = get_receipt(store, receipt_id)
    rejected = receipt.rejected if tx_id in receipt.rejected else receipt.rejected + (tx_id,)
    if receipt.transaction_id == tx_id:
        workflow.editable(store, tx_id)
        update: dict[str, Any] = {"transaction_id": None, "match": MatchState.UNMATCHED, "candidates": (),
                                  "match_note": f"rejected for {tx_id}; attach it by hand"}
    else:
        left = tuple(c for c in receipt.candidates if c != tx_id)
        update = {"candidates": left}
        if receipt.match == MatchState.SUGGESTED:
            update["match"] = MatchState.SUGGESTED if left else MatchState.UNMATCHED
            update["match_note"] = receipt.match_note if left else f"rejected for {tx_id}; attach it by hand"
    new = receipt.model_copy(update={**update, "rejected": rejected})
    with store.batch():
        if receipt.transaction_id == tx_id:
            workflow.detach(store, tx_id, receipt.id)
        store.commit([new], audit={"action": "receipt-reject", "receipt": receipt.id, "ids": [tx_id]})
    return new


def detach(store: Store, receipt_id: str, tx_id: str | None = None) -> Receipt:
    """Take a receipt off its transaction (until it is exported). The receipt stays, unmatched, and is not
    matched to that transaction again by itself (the detach counts as a rejection of the pair)."""
    receipt = get_receipt(store, receipt_id)
    tx_id = tx_id or receipt.transaction_id
    if tx_id is None or receipt.transaction_id != tx_id:
        raise ReceiptError(f"{receipt.filename} is not attached to {tx_id or 'any transaction'}.")
    new = receipt.model_copy(
        update={"transaction_id": None, "match": MatchState.UNMATCHED, "candidates": (),
                "match_note": f"detached from {tx_id} by hand",
                "rejected": receipt.rejected if tx_id in receipt.rejected else receipt.rejected + (tx_id,)}
    )
    with store.batch():
        workflow.detach(store, tx_id, receipt.id)
        store.commit([new])
    return new


def attach_file(store: Store, tx_id: str, path: Path | str, *,
                origin: Literal["inbox", "manual", "demo", "import"] = "manual") -> Receipt:
    """Add a file and attach it to a transaction in Prepare, marked MANUAL. One commit.

    Refused with ``ReceiptError`` (a ``StoreError``) for an unknown transaction, a file that cannot be a
    receipt, or a file that already is another transaction's receipt; with ``ImmutableError`` for an exported
    transaction and ``WorkflowError`` for one not in Prepare.
    """
    _check_attachable(store, tx_id)
    data, name = _source(path, None)
    known = _known_hashes(store)
    prepared = _prepare(store.home, data, name, origin, known)
    if prepared.receipt is None and prepared.refused:
        raise ReceiptError(prepared.refused)
    with store.batch():
        result = _record(store, prepared, known)
        if result.receipt is None:
            raise ReceiptError(result.message)
        receipt = _effective(store, result.receipt, _attachments(store))
        if receipt.transaction_id == tx_id:
            return receipt
        _attached_elsewhere(receipt, tx_id)
        new = _attach(store, receipt, tx_id, MatchState.MANUAL, "attached by hand")
        store.audit({"action": "receipt-attach-file", "receipt": new.id, "ids": [tx_id], "file": name})
    return new


# --- Matching -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchOutcome:
    receipt_id: str
    filename: str
    state: MatchState
    transaction_id: str | None = None
    candidates: tuple[str, ...] = ()
    note: str = ""


@dataclass
class MatchReport:
    outcomes: list[MatchOutcome] = field(default_factory=list)

    def of(self, *states: MatchState) -> list[MatchOutcome]:
        return [o for o in self.outcomes if o.state in states]

    @property
    def auto(self) -> list[MatchOutcome]:
        return self.of(MatchState.AUTO)

    @property
    def suggested(self) -> list[MatchOutcome]:
        return self.of(MatchState.SUGGESTED)

    @property
    def unmatched(self) -> list[MatchOutcome]:
        return self.of(MatchState.UNMATCHED)

    @property
    def counts(self) -> dict[str, int]:
        return {"auto": len(self.auto), "suggested": len(self.suggested), "unmatched": len(self.unmatched)}

    @property
    def summary(self) -> str:
        c = self.counts
        return f"{c['auto']} auto-matched, {c['suggested']} suggested, {c['unmatched']} unmatched"


def facts_of(receipt: Receipt) -> ReceiptFacts:
    return ReceiptFacts(amount=receipt.amount, currency=receipt.currency, date=receipt.receipt_date,
                        merchant=receipt.merchant)


def _open_index(store: Store, receipts: list[Receipt], window: tuple[int, int]) -> MatchIndex:
    """The transactions waiting for a receipt whose amount one of ``receipts`` could match."""
    amounts = AmountFilter(r.amount for r in receipts if not r.attached)
    docs = (store.transactions.raw(tx_id) for tx_id in store.ids(Status.PREPARE, Status.READY))
    return MatchIndex(
        (OpenTx.from_doc(doc) for doc in docs if doc is not None and needs_receipt(doc) and amounts.wants(doc)),
        window=window,
    )


def _match(store: Store, receipts: Iterable[Receipt], window: tuple[int, int]) -> MatchReport:
    """Sort receipts into tiers and attach the AUTO ones (inside the caller's ``store.batch()``)."""
    receipts = list(receipts)
    index = _open_index(store, receipts, window)
    report = MatchReport()
    taken: set[str] = set()
    decided: list[Receipt] = []
    for receipt in sorted(receipts, key=lambda r: (r.added_at, r.id)):
        if receipt.attached:
            continue
        decision = index.decide(facts_of(receipt), rejected=set(receipt.rejected))
        new: Receipt | None = None
        if decision.state == MatchState.AUTO:
            tx_id = decision.candidates[0]
            try:
                new = _attach(store, receipt, tx_id, MatchState.AUTO, decision.note, withdraw=False)
                index.take(tx_id)
                taken.add(tx_id)
            except StoreError as exc:  # e.g. the transaction left Prepare: the user decides
                new = receipt.model_copy(update={"match": MatchState.SUGGESTED, "candidates": decision.candidates,
                                                 "match_note": f"{decision.note}; not attached: {exc}"})
        else:
            new = receipt.model_copy(update={"match": decision.state, "candidates": decision.candidates,
                                             "match_note": decision.note})
        decided.append(new)
    for new in decided:
        if new.match == MatchState.SUGGESTED and taken.intersection(new.candidates):
            left = tuple(c for c in new.candidates if c not in taken)
            new = new.model_copy(update={"candidates": left} if left else {
                "candidates": (), "match": MatchState.UNMATCHED,
                "match_note": "its candidates got other receipts in this run"})
        if store.receipts.get(new.id) != new:
            store.commit([new])
        report.outcomes.append(MatchOutcome(new.id, new.filename, new.match, new.transaction_id, new.candidates,
                                            new.match_note))
    if taken:
        _withdraw(store, taken, keep=None)
    return report


def match_receipts(store: Store, receipt_ids: Iterable[str] | None = None, *,
                   window: tuple[int, int] = DEFAULT_WINDOW) -> MatchReport:
    """Match the receipts not yet attached (all of them, or those given) against the transactions waiting for
    one. AUTO ones are attached. One commit for everything."""
    attachments = _attachments(store)
    receipts = []
    for receipt_id in list(receipt_ids) if receipt_ids is not None else list(store.receipts.keys()):
        receipt = store.receipts.get(receipt_id)
        if receipt is None:
            raise ReceiptError(f"There is no receipt {receipt_id[:12]}.")
        receipts.append(_effective(store, receipt, attachments))
    with store.batch():
        stale = [r for r in receipts if r != store.receipts.get(r.id)]
        if stale:  # a stale transaction_id is corrected in the same commit
            store.commit(stale)
        report = _match(store, receipts, window)
        store.audit({"action": "receipts-match", **report.counts})
    return report


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
                                  f"{path.relative_to(root)} is a folder more than {MAX_INBOX_DEPTH} levels deep in the "
                                  "inbox; nothing in it is read. Move its files higher up in the inbox.")
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
    prepared: list[tuple[Path, os.stat_result, _Prepared]] = field(default_factory=list)

    def read(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read, check, convert and store every new or changed file. Touches no store: any thread."""
        total = len(self.todo)
        real_root = self.real_root or Path(os.path.realpath(self.root))
        for n, (path, st) in enumerate(self.todo, 1):
            name = str(path.relative_to(self.root))
            try:
                data = read_file(path, inside=real_root)
            except FileRefused as exc:
                prepared = _Prepared(name, "", refused=str(exc).replace(path.name, name, 1))
            except OSError as exc:
                prepared = _Prepared(name, "", refused=f"{name} cannot be read ({exc.strerror or exc}). Check that "
                                                       "you may read it, or move it out of the inbox.")
            else:
                prepared = _prepare(self.home, data, name, "inbox", self.known)
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
    scan = InboxScan(root=root, home=store.home, known=_known_hashes(store), real_root=Path(os.path.realpath(root)))
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
            scan.prepared.append((path, st, _Prepared(name, "", refused=found.problem)))
            continue
        scan.todo.append((path, st))
    return scan


def finish_scan(store: Store, scan: InboxScan, *, match: bool = True,
                window: tuple[int, int] = DEFAULT_WINDOW) -> ScanReport:
    """Record what ``scan.read`` found, forget files that left the inbox, and match: one commit (store thread)."""
    if scan.todo:
        scan.read()
    table = _inbox_table(store)
    known = _known_hashes(store)
    report = ScanReport(inbox=scan.root, files=list(scan.files))
    with store.batch():
        seen_now: set[str] = set()
        for path, st, prepared in scan.prepared:
            result = _record(store, prepared, known)
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
            attachments = _attachments(store)
            report.match = _match(store, [_effective(store, r, attachments) for r in store.receipts.values()], window)
        added = [f.receipt_id for f in report.files if f.outcome == "added"]
        store.audit({"action": "receipts-scan", "inbox": str(scan.root), "added": added,
                     "refused": [f.name for f in report.refused], **report.match.counts})
    return report


def scan_inbox(store: Store, *, match: bool = True, window: tuple[int, int] = DEFAULT_WINDOW) -> ScanReport:
    """Add every new file of the inbox, then match every receipt not yet attached. One commit."""
    scan = begin_scan(store)
    scan.read()
    return finish_scan(store, scan, match=match, window=window)


# --- For the exporter -----------------------------------------------------------------------------------------


def _as_receipt(store: Store, receipt: Receipt | str) -> Receipt:
    if isinstance(receipt, Receipt):
        return receipt
    found = store.receipts.get(receipt)
    if found is None:
        raise ReceiptError(f"There is no receipt {receipt[:12]}.")
    return found


def receipt_file(store: Store, receipt: Receipt | str) -> Path:
    """Where the receipt's file is. Raises ``ReceiptError`` if it is missing from the home."""
    receipt = _as_receipt(store, receipt)
    path = store.home.root / receipt.path
    if not path.is_file():
        raise ReceiptError(
            f"The file of receipt {receipt.filename} is missing from {store.home.receipts}. "
            "Restore the home folder from a backup, or detach it and attach the file again."
        )
    return path


def upload_filename(receipt: Receipt) -> str:
    """A name for Fortnox: the receipt's name in safe characters, its id's start (unique), the right extension."""
    stem = PurePath(receipt.filename).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-")[:60].rstrip("-") or "kvitto"
    extension = STORED_EXTENSIONS.get(receipt.content_type, PurePath(receipt.filename).suffix.lstrip(".") or "bin")
    return f"{safe}-{receipt.id[:8]}.{extension}"


def _stored_bytes(store: Store, receipt: Receipt) -> bytes:
    """The stored file's bytes, read as every receipt file is (a regular file, size-limited)."""
    path = receipt_file(store, receipt)
    try:
        return read_file(path)
    except (FileRefused, OSError) as exc:
        reason = str(exc) if isinstance(exc, FileRefused) else (exc.strerror or str(exc))
        raise ReceiptError(
            f"The file of receipt {receipt.filename} cannot be read ({reason}). Restore the home folder from a "
            "backup, or detach it and attach the file again."
        ) from None


def upload_payload(store: Store, receipt: Receipt | str) -> tuple[str, bytes, str]:
    """``(filename, bytes, content_type)`` to upload to Fortnox. The bytes are checked against the receipt's hash:
    a damaged file is refused here rather than sent."""
    receipt = _as_receipt(store, receipt)
    data = _stored_bytes(store, receipt)
    if _sha256(data) != receipt.id:
        raise ReceiptError(
            f"The file of receipt {receipt.filename} has changed on disk since it was added and is not sent. "
            "Detach it and attach the original file again."
        )
    return upload_filename(receipt), data, receipt.content_type


# --- Preview --------------------------------------------------------------------------------------------------


def receipt_text(store: Store, receipt: Receipt | str) -> str:
    """The text of a PDF receipt, for the preview pane (``MAX_PREVIEW_PAGES`` pages, ``MAX_TEXT_CHARS`` characters
    at most); ``""`` for an image or a PDF without text. Raw text from the file: show it only through the display
    sanitiser."""
    receipt = _as_receipt(store, receipt)
    if receipt.content_type != PDF:
        return ""
    return pdf_text(_stored_bytes(store, receipt), max_pages=None)


def receipt_metadata(store: Store, receipt: Receipt | str) -> list[tuple[str, str]]:
    """Label/value rows for the preview: the file, what was read from it, and where it stands."""
    receipt = _effective(store, _as_receipt(store, receipt), _attachments(store))
    path = store.home.root / receipt.path
    rows: list[tuple[str, str]] = [("File", receipt.filename)]
    if receipt.source_name:
        rows.append(("Added as", receipt.source_name))
    rows.append(("Type", f"{TYPE_NAMES.get(receipt.content_type, receipt.content_type)}, {megabytes(receipt.size)}"))
    if receipt.conversion:
        rows.append(("Converted", receipt.conversion))
    try:
        data: bytes | None = read_file(path)
    except (FileRefused, OSError):
        data = None
    if data is not None:
        if receipt.content_type == PDF:
            pages = pdf_info(data, max_pages=0)[1]
            rows.append(("Pages", str(pages) if pages is not None else "cannot be read"))
        else:
            size = _image_size(data, receipt.filename)
            rows.append(("Image", f"{size[0]} × {size[1]} pixels" if size else "cannot be read"))
    else:
        rows.append(("Stored", "the file is missing or cannot be read"))
    rows.append(("Added", f"{receipt.added_at:%Y-%m-%d %H:%M} UTC, {receipt.origin}"))
    read = [
        money_text(receipt.amount, receipt.currency) if receipt.amount is not None else "amount not read",
        receipt.receipt_date.isoformat() if receipt.receipt_date else "date not read",
        receipt.merchant or "merchant not read",
    ]
    rows.append(("Read", ", ".join(read)))
    rows.append(("Match", receipt.match.value + (f": {receipt.match_note}" if receipt.match_note else "")))
    if receipt.transaction_id:
        rows.append(("Attached to", receipt.transaction_id))
    if receipt.candidates:
        rows.append(("Candidates", ", ".join(receipt.candidates)))
    if receipt.rejected:
        rows.append(("Rejected", ", ".join(receipt.rejected)))
    rows.append(("Path", str(path)))
    return rows


def _image_size(data: bytes, name: str) -> tuple[int, int] | None:
    """Width and height from the header (nothing decoded); None if it cannot be read or is over the pixel limit."""
    try:
        with open_image(data, name) as image:
            return image.size
    except FileRefused:
        return None


def viewer_command(path: Path | str, *, platform: str | None = None,
                   environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The command that opens ``path`` in the system's viewer, or None where there is none to see (over SSH,
    or on Linux without a display)."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    remote = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    if platform == "darwin":
        return None if remote else ["open", str(path)]
    if platform.startswith("win"):
        return ["explorer", str(path)]
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return None
    opener = shutil.which("xdg-open")
    return [opener, str(path)] if opener else None


def complete_path(text: str, *, cwd: Path | str | None = None, limit: int = 50) -> list[str]:
    """Completions for a typed path (the attach dialog): folders (ending in ``/``) and receipt files, in the
    form the user typed (``~`` kept). Hidden entries only when the typed name starts with a dot."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    typed_dir, _, prefix = text.rpartition("/")
    if "/" in text:
        folder_text = typed_dir + "/"
        folder = Path(typed_dir or "/").expanduser()
    else:
        folder_text, folder = "", base
    if not folder.is_absolute():
        folder = base / folder
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    out: list[tuple[bool, str]] = []
    for entry in entries:
        if entry.name.startswith(".") and not prefix.startswith("."):
            continue
        if not entry.name.lower().startswith(prefix.lower()):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            out.append((False, f"{folder_text}{entry.name}/"))
        elif entry.name.lower().endswith(RECEIPT_EXTENSIONS):
            out.append((True, f"{folder_text}{entry.name}"))
    out.sort(key=lambda item: (item[0], item[1].lower()))
    return [name for _, name in out[:limit]]


__all__ = [
    "AddResult", "FileOutcome", "InboxFile", "InboxScan", "MatchOutcome", "MatchReport", "ReceiptError",
    "ScanReport", "add_receipt", "attach_existing", "attach_file", "begin_scan", "complete_path", "confirm",
    "detach", "facts_of", "find_receipt", "finish_scan", "get_receipt", "inbox_path", "inbox_refusals",
    "inbox_signature", "list_receipts", "match_receipts", "receipt_file", "receipt_metadata", "receipt_text",
    "receipts_of", "reject", "scan_inbox", "suggestions_for", "upload_filename", "upload_payload",
    "viewer_command",
]  # fmt: skip
