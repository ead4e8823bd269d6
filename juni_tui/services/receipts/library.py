"""The receipt library: each receipt stored once by content hash, looked up, and read back for Fortnox.

Adding
    ``add_receipt`` checks a file (``files``: it must be what its name says; PNG/GIF/WebP become JPEG; big images
    are reduced; big PDFs refused), copies it to ``<home>/receipts/<sha[:2]>/<sha>.<ext>`` atomically and records
    a ``Receipt``. The same file added twice is one receipt: by the hash of what is stored and by the hash of what
    was dropped (``source_hashes``: a PNG dropped twice is converted once). A receipt belongs to the home: emptying
    the inbox loses nothing. ``prepare_file`` (any thread: reading, converting, PDF text; no store) and
    ``record_file`` (store thread) are the two halves, shared with the inbox scan.
Looking up
    ``get_receipt``, ``find_receipt``, ``list_receipts``, ``receipts_of``, ``suggestions_for``: each receipt as
    the transactions list it (``as_listed``).
Reading back
    ``receipt_file`` and ``upload_payload``: the stored file, checked against its hash before it is sent.

The link to a transaction changes in ``attaching`` only.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Literal

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.services.receipts.files import STORED_EXTENSIONS, FileRefused, read_file, take_file
from juni_tui.services.receipts.reading import read_facts
from juni_tui.services.store import Home, Store, StoreError
from juni_tui.services.store.files import atomic_write

#: How much of a PDF's text is kept in the store (for matching again and a quick look); the preview reads it all.
MAX_STORED_TEXT = 4000


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
class Prepared:
    """A file read and checked, off the store (any thread). Its stored copy is already written."""

    name: str
    source_hash: str
    receipt: Receipt | None = None
    refused: str | None = None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def known_hashes(store: Store) -> dict[str, str]:
    """File hash → receipt id, for every stored file and every file that produced one."""
    known: dict[str, str] = {}
    view_of = store.receipt_views.get
    for key in store.receipts.keys():
        known[key] = key
        view = view_of(key)
        for source in view.source_hashes if view is not None else ():
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


def prepare_file(home: Home, data: bytes, name: str, origin: str, known: Mapping[str, str]) -> Prepared:
    source_hash = sha256(data)
    if source_hash in known:
        return Prepared(name, source_hash, receipt=None)  # a duplicate: _record finds it by the hash
    try:
        taken = take_file(data, name)
    except FileRefused as exc:
        return Prepared(name, source_hash, refused=str(exc))
    receipt_id = sha256(taken.data) if taken.data is not data else source_hash
    path = _write_receipt_file(home, receipt_id, taken.extension, taken.data)
    text = taken.text  # a PDF's first pages, read when take_file checked it: one parse
    facts = read_facts(text, name)
    filename = _display_name(name, taken.extension)
    receipt = Receipt(
        id=receipt_id,
        filename=filename,
        source_name=PurePath(name).name if PurePath(name).name != filename else None,
        content_type=taken.content_type,
        size=len(taken.data),
        path=path,
        origin=origin,
        source_hashes=tuple(dict.fromkeys((source_hash, receipt_id))),
        converted_from=taken.converted_from,
        conversion=taken.note,
        text=text[:MAX_STORED_TEXT],
        amount=facts.amount,
        currency=facts.currency,
        receipt_date=facts.date,
        merchant=facts.merchant,
    )
    return Prepared(name, source_hash, receipt=receipt)


def record_file(store: Store, prepared: Prepared, known: dict[str, str]) -> AddResult:
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
        prepared.name, "duplicate",
        f"the same file as {existing.filename}, added {existing.added_at:%Y-%m-%d} ({where})", existing,
    )


def read_source(source: Path | str | bytes, filename: str | None) -> tuple[bytes, str]:
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
    data, name = read_source(path_or_bytes, filename)
    known = known_hashes(store)
    prepared = prepare_file(store.home, data, name, origin, known)
    with store.batch():
        result = record_file(store, prepared, known)
        if result.ok:
            store.audit({"action": "receipt-add", "receipt": result.receipt.id if result.receipt else None,
                         "file": name})
    return result


# --- State: a receipt is attached when its transaction lists it -----------------------------------------------


def listed_by(store: Store) -> dict[str, str]:
    """Receipt id → the not-yet-exported transaction that lists it (one pass over the store: no validation)."""
    out: dict[str, str] = {}
    for key, listed in store.receipt_lists():
        for receipt_id in listed:
            out.setdefault(receipt_id, key)
    return out


def as_listed(store: Store, receipt: Receipt, attachments: Mapping[str, str]) -> Receipt:
    """The receipt as the transactions say it is. A transaction's ``receipts`` is the truth. In juni-tui the link
    changes only in ``attaching.link``/``unlink``, both sides in one commit, so the two agree; this read still
    answers right for a link changed on one side alone: ``workflow.attach``/``detach`` called directly (a test
    does), or a home edited by hand. ``match_receipts`` writes such a corrected record back."""
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


def as_receipt(store: Store, receipt: Receipt | str) -> Receipt:
    """The stored receipt of that id (a receipt given is returned as it is); ``ReceiptError`` if there is none."""
    if isinstance(receipt, Receipt):
        return receipt
    found = store.receipts.get(receipt)
    if found is None:
        raise ReceiptError(f"There is no receipt {receipt[:12]}.")
    return found


def get_receipt(store: Store, receipt_id: str) -> Receipt:
    return as_listed(store, as_receipt(store, receipt_id), listed_by(store))


def find_receipt(store: Store, ref: str) -> Receipt:
    """A receipt by its id, a unique start of it (at least 4 characters, like git), or its file name."""
    ref = ref.strip()
    if ref in store.receipts:
        return get_receipt(store, ref)
    matches = [key for key in store.receipts.keys() if len(ref) >= 4 and key.startswith(ref.lower())]
    if not matches:
        matches = [
            key for key in store.receipts.keys()
            if (view := store.receipt_views.get(key)) is not None and ref in (view.filename, view.source_name)
        ]
    if len(matches) == 1:
        return get_receipt(store, matches[0])
    if not matches:
        raise ReceiptError(f"There is no receipt {ref!r} (give its id, the start of it, or its file name).")
    raise ReceiptError(
        f"{ref!r} fits {len(matches)} receipts: {', '.join(m[:12] for m in matches[:5])}. Give more of the id."
    )


def list_receipts(store: Store, *, unmatched: bool = False,
                  states: Iterable[MatchState] | None = None) -> list[Receipt]:
    """Every receipt, those that need the user first (suggested, unmatched), newest first within each tier.

    ``unmatched=True``: only receipts attached to no transaction (suggested and unmatched).
    """
    attachments = listed_by(store)
    wanted = set(states) if states is not None else None
    out = []
    for receipt in store.receipts.values():
        receipt = as_listed(store, receipt, attachments)
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
    attachments = listed_by(store)
    out = []
    for key in store.receipts.keys():
        view = store.receipt_views.get(key)
        if view is not None and tx_id in view.candidates:
            receipt = as_listed(store, store.receipts[key], attachments)
            if not receipt.attached and tx_id in receipt.candidates:
                out.append(receipt)
    return out


# --- For the exporter -----------------------------------------------------------------------------------------


def receipt_file(store: Store, receipt: Receipt | str) -> Path:
    """Where the receipt's file is. Raises ``ReceiptError`` if it is missing from the home."""
    receipt = as_receipt(store, receipt)
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


def stored_bytes(store: Store, receipt: Receipt) -> bytes:
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
    receipt = as_receipt(store, receipt)
    data = stored_bytes(store, receipt)
    if sha256(data) != receipt.id:
        raise ReceiptError(
            f"The file of receipt {receipt.filename} has changed on disk since it was added and is not sent. "
            "Detach it and attach the original file again."
        )
    return upload_filename(receipt), data, receipt.content_type
