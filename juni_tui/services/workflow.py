"""The state machine. A transaction's status and values change only through these functions.

    prepare ──m──▶ ready ──e──▶ queued ─▶ sending ─▶ attaching ─▶ exported
       ▲             │            │           │            │
       └─────u───────┘            └──── failed ◀───────────┘   (r: back to queued; u: back to prepare)

Every rule is enforced here, for the TUI and the CLI alike: only Prepare transactions can be edited, only
complete ones can be marked ready, and exported ones cannot change at all (the store refuses that too).
Each function commits once, however many transactions it touches, and leaves a line in the audit log.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from juni_tui.domain.clock import utcnow
from juni_tui.domain.reference import account_problem
from juni_tui.domain.transactions import (
    AttachmentExport,
    ExportError,
    ExportState,
    FieldSource,
    Origin,
    QUEUE_STATUSES,
    SendAttempt,
    SplitLine,
    Status,
    Transaction,
)
from juni_tui.domain.vat import VatCode
from juni_tui.services.fortnox.spec import invalid_characters
from juni_tui.services.store import ImmutableError, Store, StoreError

MANUAL = FieldSource(origin=Origin.MANUAL, label="set by hand")


class WorkflowError(StoreError):
    """A request the workflow refuses, worded for the user."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class Outcome:
    """What a bulk action did: the ids it changed, and per refused id the reasons, in words."""

    done: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        parts = [f"{len(self.done)} done"]
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return ", ".join(parts)


# --- helpers --------------------------------------------------------------------------------------------------


def _load(store: Store, ids: Iterable[str]) -> list[Transaction]:
    out: list[Transaction] = []
    for tx_id in ids:
        tx = store.transactions.get(tx_id)
        if tx is None:
            if tx_id in store.history:
                entry = store.history_index.raw(tx_id) or {}
                raise ImmutableError(
                    tx_id,
                    f"{entry.get('merchant')}, {entry.get('date')}",
                    f"{entry.get('series')} {entry.get('number')}",
                )
            raise WorkflowError(f"There is no transaction {tx_id}.")
        out.append(tx)
    return out


def _not_editable(tx: Transaction) -> str:
    where = {
        Status.READY: "it is in Ready to export; send it back to Prepare (u) to change it",
        Status.QUEUED: "it is in the Export queue",
        Status.SENDING: "it is being sent to Fortnox",
        Status.ATTACHING: "it is being sent to Fortnox",
        Status.FAILED: "it is in the Export queue; send it back to Prepare (u) to fix it",
    }.get(tx.status, f"it is {tx.status.value}")
    return f"Transaction {tx.id} ({tx.merchant}) cannot be changed: {where}."


def _require_editable(txs: Sequence[Transaction]) -> None:
    locked = [tx for tx in txs if not tx.editable]
    if locked:
        more = f" (and {len(locked) - 1} more)" if len(locked) > 1 else ""
        raise WorkflowError(_not_editable(locked[0]) + more)


def editable(store: Store, tx_id: str) -> Transaction:
    """The transaction, if it may be changed now (it is in Prepare); otherwise the refusal, in words."""
    (tx,) = _load(store, [tx_id])
    _require_editable([tx])
    return tx


def _touch(tx: Transaction, **update: Any) -> Transaction:
    update["updated_at"] = utcnow()
    return tx.model_copy(update=update)


def check_account(store: Store, number: int) -> None:
    """Only accounts in the company's Fortnox chart, and active ones, are accepted (when the chart is known)."""
    if len(store.accounts) == 0:
        return
    problem = account_problem(store.accounts, number)
    if problem is not None:
        inactive = number in store.accounts
        raise WorkflowError(problem[0].upper() + problem[1:] + ("; choose an active account." if inactive else "."))


def suggested_vat_code(store: Store, account_number: int) -> VatCode | None:
    """The VAT code the account's Fortnox ``VATCode`` implies, if the company's mapping knows it."""
    account = store.accounts.get(account_number)
    if account is None or not account.vat_code:
        return None
    return store.settings.vat_code_map.get(account.vat_code)


# --- pre-accounting values ------------------------------------------------------------------------------------


def set_values(
    store: Store,
    ids: Iterable[str],
    *,
    account: int | None = UNSET,
    vat_code: VatCode | None = UNSET,
    cost_center: str | None = UNSET,
    project: str | None = UNSET,
    no_receipt_reason: str | None = UNSET,
    source: FieldSource = MANUAL,
    only_missing: bool = False,
    overwrite_manual: bool = True,
    action: str = "edit",
) -> list[Transaction]:
    """Set pre-accounting values on Prepare transactions, recording who set them.

    ``only_missing`` sets a field only where it is empty (rules, suggestions); ``overwrite_manual=False`` leaves
    values the user set by hand alone. Returns the transactions that changed.
    """
    values = {
        "account": account,
        "vat_code": vat_code,
        "cost_center": cost_center,
        "project": project,
        "no_receipt_reason": no_receipt_reason,
    }
    values = {k: v for k, v in values.items() if v is not UNSET}
    for name, value in values.items():
        if value not in (None, ""):
            check_value(store, name, value)
    txs = _load(store, ids)
    _require_editable(txs)
    changed: list[Transaction] = []
    for tx in txs:
        update: dict[str, Any] = {}
        sources = dict(tx.sources)
        for name, value in values.items():
            current = getattr(tx, name)
            if only_missing and current not in (None, ""):
                continue
            existing = tx.sources.get(name)
            if not overwrite_manual and existing is not None and existing.origin == Origin.MANUAL:
                continue
            if current == value and existing == source:
                continue
            update[name] = value
            if value is None:
                sources.pop(name, None)
            else:
                sources[name] = source
        if update:
            changed.append(_touch(tx, sources=sources, **update))
    if changed:
        store.commit(
            changed,
            audit={
                "action": action,
                "ids": [tx.id for tx in changed],
                "values": {k: (v.value if isinstance(v, VatCode) else v) for k, v in values.items()},
                "source": source.describe(),
            },
        )
    return changed


def check_value(store: Store, name: str, value: Any) -> None:
    """Refuse an account, cost center or project that Fortnox would not take (when its list is known).
    The editor, the importer and the rules all check values with this."""
    if name == "account":
        check_account(store, value)
    elif name in ("cost_center", "project"):
        _check_dimension(store, name, value)


def _check_dimension(store: Store, name: str, value: str) -> None:
    table = store.cost_centers if name == "cost_center" else store.projects
    if len(table) == 0:
        return
    item = table.get(value)
    label = "Cost center" if name == "cost_center" else "Project"
    if item is None:
        raise WorkflowError(f"{label} {value} does not exist in Fortnox.")
    if not item.active:
        raise WorkflowError(f"{label} {value} is not active in Fortnox.")


# --- filling missing values (rules, accepted suggestions) ---------------------------------------------------

#: Fields that live on the split lines when a transaction is split: a fill leaves them alone then.
LINE_FIELDS = frozenset({"account", "vat_code", "cost_center", "project"})
FIELD_LABELS = {"account": "account", "vat_code": "VAT code", "cost_center": "cost center", "project": "project",
                "no_receipt_reason": "no receipt needed", "splits": "split"}


def fillable(name: str, value: Any, manual: bool, split: bool, receipts: bool) -> bool:
    """Whether a fill may set this field: it is empty, the user did not set it (to empty) by hand, it is not on
    the split lines of a split transaction, and it is not "no receipt needed" when a receipt is attached."""
    return (value in (None, "") and not manual and not (split and name in LINE_FIELDS)
            and not (receipts and name == "no_receipt_reason"))


class Fill(NamedTuple):
    """One value to fill in where it is missing, and who proposes it (a rule, an accepted suggestion)."""

    tx_id: str
    field: str
    value: Any
    source: FieldSource


@dataclass
class Filled:
    """What ``fill_missing`` did, as positions in the fills it was given, in the order it decided them."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (position, why it was left out)


def fill_missing(store: Store, fills: Sequence[Fill], *, action: str) -> Filled:
    """Fill values where they are missing, each with its own source, on several transactions: only Prepare
    transactions, only empty fields (``fillable``), never over a value set by hand, every value checked with
    ``check_value``. A value that does not fit is left out with why; the rest is one commit with one audit record."""
    out = Filled()
    by_tx: dict[str, list[int]] = {}
    for i, fill in enumerate(fills):
        by_tx.setdefault(fill.tx_id, []).append(i)
    problems: dict[tuple[str, Any], str | None] = {}
    updated: list[Transaction] = []
    by: Counter[str] = Counter()
    now = utcnow()
    for tx_id, items in by_tx.items():
        tx = store.transactions.get(tx_id)
        if tx is None or tx.status != Status.PREPARE:
            where = "it was exported" if tx is None and tx_id in store.history else (
                "it no longer exists" if tx is None else f"it is no longer in Prepare ({tx.status.label})")
            out.skipped.extend((i, where) for i in items)
            continue
        update: dict[str, Any] = {}
        sources = dict(tx.sources)
        split, receipts = bool(tx.splits), bool(tx.receipts)
        for i in items:
            name, value, source = fills[i].field, fills[i].value, fills[i].source
            manual = (old := tx.sources.get(name)) is not None and old.origin == Origin.MANUAL
            if name in update or not fillable(name, getattr(tx, name), manual, split, receipts):
                out.skipped.append((i, f"{FIELD_LABELS[name]} already has a value"))
                continue
            if (name, value) not in problems:
                problems[name, value] = value_problem(store, name, value)
            if problems[name, value]:
                out.skipped.append((i, problems[name, value] or ""))
                continue
            update[name], sources[name] = value, source
            out.done.append(i)
            by[source.rule_id or source.label] += 1
        if update:
            updated.append(tx.model_copy(update={**update, "sources": sources, "updated_at": now}))
    if updated:
        store.commit(updated, audit={"action": action, "ids": [tx.id for tx in updated], "values": len(out.done),
                                     "by": dict(by)})
    return out


def value_problem(store: Store, name: str, value: Any) -> str | None:
    """Why ``check_value`` refuses a value (an inactive account, an unknown cost center), or None."""
    try:
        check_value(store, name, value)
    except WorkflowError as exc:
        return str(exc)
    return None


def set_splits(store: Store, tx_id: str, lines: Sequence[SplitLine]) -> Transaction:
    """Split one transaction over several lines (each with its own account, VAT code and dimensions).

    The lines must sum to the transaction's amount. An empty list removes the split.
    """
    (tx,) = _load(store, [tx_id])
    _require_editable([tx])
    if lines:
        if len(lines) < 2:
            raise WorkflowError("A split needs at least two lines.")
        total = sum((line.amount for line in lines), Decimal("0.00"))
        if total != tx.amount:
            raise WorkflowError(
                f"The split lines sum to {total:.2f} SEK but the transaction is {tx.amount:.2f} SEK; "
                f"{tx.amount - total:.2f} is left to place."
            )
        for line in lines:
            if (line.amount > 0) != (tx.amount > 0) or line.amount == 0:
                raise WorkflowError("Every split line must be non-zero and carry the same sign as the transaction.")
            for name in ("account", "cost_center", "project"):
                if getattr(line, name) not in (None, ""):
                    check_value(store, name, getattr(line, name))
    sources = dict(tx.sources)
    if lines:
        sources["splits"] = MANUAL
    else:
        sources.pop("splits", None)
    new = _touch(tx, splits=tuple(lines), sources=sources)
    store.commit([new], audit={"action": "split", "ids": [tx.id], "lines": len(lines)})
    return new


# --- receipts -------------------------------------------------------------------------------------------------


def attach(store: Store, tx_id: str, receipt_id: str, *, action: str = "attach") -> Transaction:
    (tx,) = _load(store, [tx_id])
    _require_editable([tx])
    if receipt_id in tx.receipts:
        return tx
    new = _touch(tx, receipts=tx.receipts + (receipt_id,))
    store.commit([new], audit={"action": action, "ids": [tx.id], "receipt": receipt_id})
    return new


def detach(store: Store, tx_id: str, receipt_id: str) -> Transaction:
    (tx,) = _load(store, [tx_id])
    _require_editable([tx])
    if receipt_id not in tx.receipts:
        raise WorkflowError(f"That receipt is not attached to transaction {tx_id}.")
    new = _touch(tx, receipts=tuple(r for r in tx.receipts if r != receipt_id))
    store.commit([new], audit={"action": "detach", "ids": [tx.id], "receipt": receipt_id})
    return new


def set_no_receipt(store: Store, ids: Iterable[str], reason: str | None, *, source: FieldSource = MANUAL) -> list[Transaction]:
    """Mark "no receipt needed" with a reason (e.g. bank fees), or clear it with ``None``."""
    if reason is not None and not reason.strip():
        raise WorkflowError("Say why no receipt is needed (e.g. 'bank fee').")
    return set_values(store, ids, no_receipt_reason=reason.strip() if reason else None, source=source, action="no-receipt")


# --- moving between tabs --------------------------------------------------------------------------------------


Decision = Transaction | list[str] | None  # the changed transaction, the reasons it is refused, or "nothing to do"


def _bulk(store: Store, ids: Iterable[str], decide: Callable[[Transaction], Decision], action: str,
          **audit: Any) -> Outcome:
    """Apply ``decide`` to each transaction and commit the changed ones at once, with one audit record."""
    outcome = Outcome()
    changed: list[Transaction] = []
    for tx in _load(store, ids):
        decision = decide(tx)
        if isinstance(decision, Transaction):
            changed.append(decision)
        elif decision:
            outcome.refused[tx.id] = decision
    if changed:
        store.commit(changed, audit={"action": action, **audit, "ids": [tx.id for tx in changed]})
    outcome.done = [tx.id for tx in changed]
    return outcome


def mark_ready(store: Store, ids: Iterable[str]) -> Outcome:
    """Prepare → Ready. Incomplete transactions are refused, each with what it lacks."""

    def decide(tx: Transaction) -> Decision:
        if tx.status == Status.READY:
            return None
        if tx.status != Status.PREPARE:
            return [_not_editable(tx)]
        return tx.problems() or _touch(tx, status=Status.READY)

    return _bulk(store, ids, decide, "mark-ready")


def back_to_prepare(store: Store, ids: Iterable[str]) -> Outcome:
    """Ready, or a failed queue item → Prepare, to be changed. Items being sent cannot be pulled back."""

    def decide(tx: Transaction) -> Decision:
        if tx.status == Status.PREPARE:
            return None
        if _has_voucher(tx):
            return [f"Fortnox already booked it as voucher {tx.export.voucher_label}; only its receipt is still to "
                    "be connected. Retry (r) instead."]
        if tx.status not in (Status.READY, Status.FAILED, Status.QUEUED):
            return [f"it is being sent to Fortnox right now ({tx.status.label})"]
        if tx.outcome_unknown:
            return ["Fortnox may already have booked it: the answer to the last send never came. juni-tui must "
                    "ask Fortnox before it can be changed; send it back again when Fortnox can be reached."]
        return _touch(tx, status=Status.PREPARE, export=None)

    return _bulk(store, ids, decide, "back-to-prepare")


def _has_voucher(tx: Transaction) -> bool:
    return tx.export is not None and tx.export.voucher_number is not None


def export_tag(tx_id: str) -> str:
    """The tag that ties a voucher in Fortnox to its transaction. Only characters Fortnox accepts, and no
    whitespace or brackets, so that it reads back exactly from the end of the Description (``bookkeeping.tag_in``)."""
    if len(tx_id) <= 40 and not invalid_characters(tx_id) and not any(c.isspace() or c in "()" for c in tx_id):
        return f"juni {tx_id}"
    return "juni " + hashlib.sha256(tx_id.encode("utf-8")).hexdigest()[:16]


def queue(store: Store, ids: Iterable[str], series: str) -> Outcome:
    """Ready → Export queue, in the chosen voucher series. Checks against Fortnox happen before this."""
    now = utcnow()

    def decide(tx: Transaction) -> Decision:
        if tx.status != Status.READY:
            return [f"it is not ready to export (it is {tx.status.label})"]
        return tx.problems() or _touch(
            tx, status=Status.QUEUED, export=ExportState(series=series, tag=export_tag(tx.id), queued_at=now))

    return _bulk(store, ids, decide, "queue", series=series)


def retry(store: Store, ids: Iterable[str]) -> Outcome:
    """A failed queue item goes back to waiting. What Fortnox already has is kept and not sent again."""

    def decide(tx: Transaction) -> Decision:
        if tx.status != Status.FAILED or tx.export is None:
            return [f"only failed items can be retried (it is {tx.status.label})"]
        status = Status.ATTACHING if _has_voucher(tx) else Status.QUEUED
        return _touch(tx, status=status, export=tx.export.model_copy(update={"error": None}))

    return _bulk(store, ids, decide, "retry")


# --- the exporter's steps (services.export calls these; each is one durable write) --------------------------


def begin_voucher(store: Store, tx: Transaction, body: dict[str, Any], financial_year_id: int) -> Transaction:
    """Record the intent before the POST: if we crash after it, the next start looks the voucher up first. The
    attempt (series, year, date) stays on the transaction for good."""
    assert tx.export is not None
    now = utcnow()
    export = tx.export.model_copy(
        update={
            "voucher_body": body,
            "financial_year_id": financial_year_id,
            "voucher_intent_at": now,
            "attempts": tx.export.attempts + 1,
            "error": None,
        }
    )
    attempt = SendAttempt(series=export.series, financial_year_id=financial_year_id, date=tx.date, tag=export.tag,
                          at=now)
    new = _touch(tx, status=Status.SENDING, export=export, send_attempts=tx.send_attempts + (attempt,))
    store.commit([new], audit={"action": "voucher-intent", "ids": [tx.id], "series": export.series,
                               "financial_year": financial_year_id, "date": tx.date.isoformat()})
    return new


def _settled(tx: Transaction, outcome: str) -> tuple[SendAttempt, ...]:
    return tuple(a.model_copy(update={"outcome": outcome}) if a.outcome == "unknown" else a for a in tx.send_attempts)


def settle_attempts(store: Store, tx: Transaction, outcome: str, *, why: str) -> Transaction:
    """Fortnox told us what became of the unanswered sends: ``"absent"`` (not there) or ``"refused"``."""
    if not any(a.outcome == "unknown" for a in tx.send_attempts):
        return tx
    new = _touch(tx, send_attempts=_settled(tx, outcome))
    store.commit([new], audit={"action": "send-settled", "ids": [tx.id], "outcome": outcome, "why": why})
    return new


def record_voucher(
    store: Store, tx: Transaction, number: int, year: int, attachments: Sequence[AttachmentExport], *,
    found: bool = False, series: str | None = None,
) -> Transaction:
    """Fortnox confirmed the voucher: write its number before anything else happens. ``series`` is the one it was
    found in, when an earlier attempt landed in another series than the one now chosen."""
    assert tx.export is not None
    export = tx.export.model_copy(
        update={"voucher_number": number, "voucher_year": year, "attachments": tuple(attachments),
                "found_by_lookup": found, "series": series or tx.export.series}
    )
    new = _touch(tx, status=Status.ATTACHING, export=export, send_attempts=_settled(tx, "booked"))
    store.commit(
        [new],
        audit={
            "action": "voucher-created" if not found else "voucher-found",
            "ids": [tx.id],
            "voucher": {"series": export.series, "number": number, "year": year},
        },
    )
    return new


def record_attachment(store: Store, tx: Transaction, index: int, attachment: AttachmentExport, event: str) -> Transaction:
    assert tx.export is not None
    items = list(tx.export.attachments)
    items[index] = attachment
    new = _touch(tx, export=tx.export.model_copy(update={"attachments": tuple(items)}))
    store.commit(
        [new],
        audit={"action": event, "ids": [tx.id], "receipt": attachment.receipt_id, "file_id": attachment.file_id},
    )
    return new


def mark_exported(store: Store, tx: Transaction) -> Transaction:
    assert tx.export is not None and tx.export.voucher_number is not None
    new = _touch(tx, status=Status.EXPORTED, export=tx.export.model_copy(update={"exported_at": utcnow(), "error": None}))
    store.commit(
        [new],
        audit={
            "action": "exported",
            "ids": [tx.id],
            "voucher": {"series": tx.export.series, "number": tx.export.voucher_number, "year": tx.export.voucher_year},
            "files": [a.file_id for a in tx.export.attachments],
        },
    )
    return new


def mark_failed(store: Store, tx: Transaction, error: ExportError) -> Transaction:
    assert tx.export is not None
    new = _touch(tx, status=Status.FAILED, export=tx.export.model_copy(update={"error": error}))
    store.commit([new], audit={"action": "failed", "ids": [tx.id], "error": error.message, "code": error.code})
    return new


def set_waiting(store: Store, tx: Transaction, error: ExportError | None) -> Transaction:
    """Back to waiting after a retryable problem (the error stays visible until the next attempt)."""
    assert tx.export is not None
    status = Status.ATTACHING if _has_voucher(tx) else Status.QUEUED
    new = _touch(tx, status=status, export=tx.export.model_copy(update={"error": error}))
    store.commit([new], audit={"action": "waiting", "ids": [tx.id], "error": error.message if error else None})
    return new


def queue_ids(store: Store) -> list[str]:
    return store.ids(*QUEUE_STATUSES)

