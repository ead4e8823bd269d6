"""Pre-accounting values: set by hand, filled where missing (rules and suggestions), split lines, receipts, and
the checks of an account, cost center or project against Fortnox's lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from juni_tui.domain.clock import utcnow
from juni_tui.domain.reference import account_problem
from juni_tui.domain.transactions import (
    FieldSource,
    Origin,
    SplitLine,
    Status,
    Transaction,
)
from juni_tui.domain.vat import VatCode, printed_vat_problem
from juni_tui.services.store import Store
from juni_tui.services.workflow.base import (
    MANUAL,
    UNSET,
    WorkflowError,
    load,
    require_editable,
    touch,
)


class _Lookup(Protocol):
    def __len__(self) -> int: ...

    def get(self, key: Any, /) -> Any: ...


class Lists(Protocol):
    """The company's lists from Fortnox, as the checks read them: the store, or a snapshot of it (the importer's)."""

    @property
    def accounts(self) -> _Lookup: ...

    @property
    def cost_centers(self) -> _Lookup: ...

    @property
    def projects(self) -> _Lookup: ...


def check_account(store: Lists, number: int) -> None:
    """Only accounts in the company's Fortnox chart, and active ones, are accepted (when the chart is known)."""
    if len(store.accounts) == 0:
        return
    problem = account_problem(store.accounts, number)
    if problem is not None:
        inactive = store.accounts.get(number) is not None
        raise WorkflowError(problem[0].upper() + problem[1:] + ("; choose an active account." if inactive else "."))


def suggested_vat_code(store: Store, account_number: int) -> VatCode | None:
    """The VAT code the account's Fortnox ``VATCode`` implies, if the company's mapping knows it."""
    account = store.accounts.get(account_number)
    if account is None or not account.vat_code:
        return None
    return store.settings.vat_code_map.get(account.vat_code)


def account_vat_source(account_number: int) -> FieldSource:
    """Who set a VAT code copied from the account the user chose: the account, not the user's own choice (a rule
    still never replaces it, as for a value set by hand)."""
    return FieldSource(origin=Origin.MANUAL, label=f"from account {account_number}'s VAT code")


def fill_vat_from_account(store: Store, ids: Iterable[str], account: int) -> tuple[VatCode | None, int]:
    """After an account is chosen (the TUI's keys, ``juni-tui set --account``): the VAT code the account implies,
    on the transactions that have none (never over a choice made), labelled as the account's. Returns the code and
    how many got it."""
    code = suggested_vat_code(store, account)
    missing = [i for i in ids if (tx := store.transactions.get(i)) is not None and tx.vat_code is None]
    if code is None or not missing:
        return code, 0
    set_values(store, missing, vat_code=code, source=account_vat_source(account))
    return code, len(missing)


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
    vat_deductible: Decimal | None = UNSET,
    vat_amount: Decimal | None = UNSET,
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
        "vat_deductible": vat_deductible,
        "vat_amount": vat_amount,
    }
    values = {k: v for k, v in values.items() if v is not UNSET}
    for name, value in values.items():
        if value not in (None, ""):
            check_value(store, name, value)
    txs = load(store, ids)
    require_editable(txs)
    if values.get("vat_amount") is not None:
        _check_printed_vat(txs, Decimal(str(values["vat_amount"])), values.get("vat_code", UNSET))
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
            if current == value and (value in (None, "") or existing == source):  # (clearing what is empty: no change)
                continue
            update[name] = value
            if value is None:
                sources.pop(name, None)
            else:
                sources[name] = source
        if update:
            changed.append(touch(tx, sources=sources, **update))
    if changed:
        store.commit(
            changed,
            audit={
                "action": action,
                "ids": [tx.id for tx in changed],
                "values": {k: (v.value if isinstance(v, VatCode) else str(v) if isinstance(v, Decimal) else v)
                           for k, v in values.items()},
                "source": source.describe(),
            },
        )
    return changed


def check_value(store: Lists, name: str, value: Any) -> None:
    """Refuse an account, cost center or project that Fortnox would not take (when its list is known).
    The editor, the importer and the rules all check values with this."""
    if name == "account":
        check_account(store, value)
    elif name == "vat_deductible" and not (Decimal(0) <= Decimal(value) <= Decimal(100) and _cents(value)):
        raise WorkflowError(f"A deductible share of {value} % is not a percentage from 0 to 100 with at most two "
                            "decimals.")
    elif name == "vat_amount" and not (Decimal(value) >= 0 and _cents(value)):
        raise WorkflowError(f"A VAT amount of {value} is not the VAT as printed on the receipt (kronor and öre, "
                            "not negative).")
    elif name in ("cost_center", "project"):
        _check_dimension(store, name, value)


def _cents(value: Any) -> bool:
    """At most two decimals (what the store keeps; a third would leave a home that does not open)."""
    exponent = Decimal(value).as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -2


def _check_printed_vat(txs: list[Transaction], printed: Decimal, code: Any) -> None:
    """The VAT printed on a receipt belongs to one transaction, unsplit, with a VAT code whose rate it fits."""
    if len(txs) != 1:
        raise WorkflowError("The VAT as printed is one receipt's: set it on one transaction at a time.")
    tx = txs[0]
    if tx.splits:
        raise WorkflowError(f"{tx.id} is split: each line has its own VAT, so the VAT as printed goes on its lines.")
    code = tx.vat_code if code is UNSET else code
    if code is None:
        raise WorkflowError(f"{tx.id} has no VAT code yet: choose it first, then the VAT as printed.")
    problem = printed_vat_problem(tx.amount, code, printed)
    if problem:
        raise WorkflowError(f"{tx.id}: {problem[0].upper()}{problem[1:]}.")


def _check_dimension(store: Lists, name: str, value: str) -> None:
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
LINE_FIELDS = frozenset({"account", "vat_code", "cost_center", "project", "vat_deductible"})
FIELD_LABELS = {"account": "account", "vat_code": "VAT code", "cost_center": "cost center", "project": "project",
                "no_receipt_reason": "no receipt needed", "vat_deductible": "deductible VAT %", "splits": "split"}


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


def value_problem(store: Lists, name: str, value: Any) -> str | None:
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
    (tx,) = load(store, [tx_id])
    require_editable([tx])
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
            if line.vat_amount is not None:
                problem = printed_vat_problem(line.amount, line.vat_code, line.vat_amount) if line.vat_code else (
                    "the VAT as printed needs the line's VAT code")
                if problem:
                    raise WorkflowError(f"Split line of {abs(line.amount):.2f}: {problem}.")
    sources = dict(tx.sources)
    if lines:
        sources["splits"] = MANUAL
    else:
        sources.pop("splits", None)
    new = touch(tx, splits=tuple(lines), sources=sources)
    store.commit([new], audit={"action": "split", "ids": [tx.id], "lines": len(lines)})
    return new


# --- receipts -------------------------------------------------------------------------------------------------


def attach(store: Store, tx_id: str, receipt_id: str, *, action: str = "attach") -> Transaction:
    (tx,) = load(store, [tx_id])
    require_editable([tx])
    if receipt_id in tx.receipts:
        return tx
    new = touch(tx, receipts=tx.receipts + (receipt_id,))
    store.commit([new], audit={"action": action, "ids": [tx.id], "receipt": receipt_id})
    return new


def detach(store: Store, tx_id: str, receipt_id: str) -> Transaction:
    (tx,) = load(store, [tx_id])
    require_editable([tx])
    if receipt_id not in tx.receipts:
        raise WorkflowError(f"That receipt is not attached to transaction {tx_id}.")
    new = touch(tx, receipts=tuple(r for r in tx.receipts if r != receipt_id))
    store.commit([new], audit={"action": "detach", "ids": [tx.id], "receipt": receipt_id})
    return new


def set_no_receipt(store: Store, ids: Iterable[str], reason: str | None, *, source: FieldSource = MANUAL) -> list[Transaction]:
    """Mark "no receipt needed" with a reason (e.g. bank fees), or clear it with ``None``."""
    if reason is not None and not reason.strip():
        raise WorkflowError("Say why no receipt is needed (e.g. 'bank fee').")
    return set_values(store, ids, no_receipt_reason=reason.strip() if reason else None, source=source, action="no-receipt")


def set_representation(store: Store, ids: Iterable[str], *, participants: int | None = UNSET,
                       purpose: str | None = UNSET, attendees: str | None = UNSET,
                       alcohol: bool = UNSET) -> list[Transaction]:
    """Representation's facts on Prepare transactions: how many took part (the company's own people included),
    the purpose, who was there (names and companies), and whether the meal included alcohol (the 46 kr
    simplification). Only what is given changes. One commit, one audit record."""
    if participants not in (None, UNSET) and not 1 <= participants <= 10_000:
        raise WorkflowError(f"{participants} participants: give how many took part, from 1 to 10 000.")
    for label, text, most in (("The purpose", purpose, 500), ("Who took part", attendees, 2000)):
        if isinstance(text, str) and len(text.strip()) > most:
            raise WorkflowError(f"{label} is {len(text.strip())} characters; at most {most} are kept: shorten it.")
    given: dict[str, Any] = {"participants": participants, "alcohol": alcohol,
                             "purpose": purpose if purpose in (None, UNSET) else purpose.strip() or None,
                             "attendees": attendees if attendees in (None, UNSET) else attendees.strip() or None}
    values = {k: v for k, v in given.items() if v is not UNSET}
    txs = load(store, ids)
    require_editable(txs)
    changed = [touch(tx, **values) for tx in txs if any(getattr(tx, k) != v for k, v in values.items())]
    if changed:
        store.commit(changed, audit={"action": "representation", "ids": [tx.id for tx in changed], **values})
    return changed
