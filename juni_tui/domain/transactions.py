"""Transactions and their journey: status, where each value came from, splits, and the export to Fortnox.

Transactions are frozen: every change is a new copy that goes through the store (``services.store``), which is
what keeps exported transactions immutable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from juni_tui.domain.clock import utcnow
from juni_tui.domain.money import Money, to_money
from juni_tui.domain.settings import DEFAULT_REPRESENTATION_ACCOUNTS
from juni_tui.domain.vat import VatCode, printed_vat_problem

# --- Workflow -------------------------------------------------------------------------------------------------


class Status(StrEnum):
    PREPARE = "prepare"
    READY = "ready"
    QUEUED = "queued"
    SENDING = "sending"
    ATTACHING = "attaching"
    FAILED = "failed"
    EXPORTED = "exported"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.PREPARE: "prepare",
    Status.READY: "ready",
    Status.QUEUED: "waiting",
    Status.SENDING: "sending",
    Status.ATTACHING: "attaching",
    Status.FAILED: "failed",
    Status.EXPORTED: "exported",
}

#: The Export queue tab shows these.
QUEUE_STATUSES = frozenset({Status.QUEUED, Status.SENDING, Status.ATTACHING, Status.FAILED})
#: A transaction in one of these is being sent right now, or its outcome is unknown until reconciled.
IN_FLIGHT_STATUSES = frozenset({Status.SENDING, Status.ATTACHING})


# --- Where a value came from ----------------------------------------------------------------------------------


class Origin(StrEnum):
    IMPORT = "import"
    MANUAL = "manual"
    RULE = "rule"
    SUGGESTION = "suggestion"


class FieldSource(BaseModel):
    """Who set a pre-accounting value: the import file, the user, a rule (by id), or an accepted suggestion."""

    model_config = ConfigDict(frozen=True)

    origin: Origin
    rule_id: str | None = None
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        return {"import": "import file", "manual": "set by hand", "rule": "a rule", "suggestion": "suggestion"}[
            self.origin.value
        ]


#: The pre-accounting fields a rule, an import or the user can set.
PRE_ACCOUNTING_FIELDS = ("account", "vat_code", "cost_center", "project", "no_receipt_reason", "vat_deductible")

#: The percentage of input VAT that may be deducted: 0 to 100, at most two decimals (e.g. 50 for a car hire).
Share = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
#: The VAT printed on a receipt, as a positive amount in SEK.
PrintedVat = Annotated[Money, Field(ge=0)]


# --- Transactions ---------------------------------------------------------------------------------------------


class SplitLine(BaseModel):
    """One line of a split transaction. Amounts carry the transaction's sign and sum to its amount."""

    model_config = ConfigDict(frozen=True)

    amount: Money
    account: int | None = None
    vat_code: VatCode | None = None
    cost_center: str | None = None
    project: str | None = None
    text: str | None = None
    #: the share of this line's input VAT that may be deducted; None: the account's default (Settings)
    vat_deductible: Share | None = None
    #: the VAT printed on the receipt for this line, booked instead of the computed VAT
    vat_amount: PrintedVat | None = None


class AttachmentExport(BaseModel):
    """Progress of one receipt on its way to Fortnox: upload to the inbox, then connect to the voucher."""

    model_config = ConfigDict(frozen=True)

    receipt_id: str
    file_name: str
    upload_started_at: datetime | None = None
    file_id: str | None = None
    connect_started_at: datetime | None = None
    connected: bool = False


class ExportError(BaseModel):
    model_config = ConfigDict(frozen=True)

    message: str
    meaning: str = ""
    code: int | None = None
    http_status: int | None = None
    retryable: bool = False
    at: datetime = Field(default_factory=utcnow)


class SendAttempt(BaseModel):
    """One POST of a transaction's voucher: where it may have landed in Fortnox, and what became of it.

    Kept on the transaction for good, whatever the user does next (send back, change, export into another
    series): before anything is posted again, every place an attempt may have landed is looked at (GUIDE §3.6).
    """

    model_config = ConfigDict(frozen=True)

    series: str
    financial_year_id: int
    date: date
    tag: str
    at: datetime = Field(default_factory=utcnow)
    #: "unknown" until settled: "booked" (Fortnox has it), "refused" (Fortnox said no), "absent" (not sent, or
    #: looked up and not there)
    outcome: Literal["unknown", "booked", "refused", "absent"] = "unknown"


class ExportState(BaseModel):
    """Everything about a transaction's journey to Fortnox, written durably at each step (GUIDE §3)."""

    model_config = ConfigDict(frozen=True)

    series: str
    tag: str
    queued_at: datetime = Field(default_factory=utcnow)
    financial_year_id: int | None = None
    voucher_body: dict[str, Any] | None = None
    voucher_intent_at: datetime | None = None
    voucher_number: int | None = None
    voucher_year: int | None = None
    attachments: tuple[AttachmentExport, ...] = ()
    attempts: int = 0
    error: ExportError | None = None
    exported_at: datetime | None = None
    found_by_lookup: bool = False

    @property
    def voucher_label(self) -> str:
        if self.voucher_number is None:
            return ""
        return f"{self.series} {self.voucher_number}"


class Transaction(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=200)
    date: date
    merchant: str = Field(min_length=1)
    amount: Money
    original_amount: Money | None = None
    original_currency: str | None = None
    card: str | None = None
    cardholder: str | None = None
    category: str | None = None
    merchant_country: str | None = None
    description: str | None = None

    account: int | None = None
    vat_code: VatCode | None = None
    cost_center: str | None = None
    project: str | None = None
    splits: tuple[SplitLine, ...] = ()
    sources: dict[str, FieldSource] = Field(default_factory=dict)
    vat_deductible: Share | None = None
    vat_amount: PrintedVat | None = None

    # representation (13 kap. ML): who was there and why; the 46 kr simplification for a meal with alcohol
    participants: int | None = Field(default=None, ge=1, le=10_000)
    purpose: str | None = Field(default=None, max_length=500)
    attendees: str | None = Field(default=None, max_length=2000)
    alcohol: bool = False
    #: plausibility warnings the user looked at: warning code → the reason given (also in the audit log)
    acknowledged: dict[str, str] = Field(default_factory=dict)

    receipts: tuple[str, ...] = ()
    no_receipt_reason: str | None = None

    status: Status = Status.PREPARE
    export: ExportState | None = None
    send_attempts: tuple[SendAttempt, ...] = ()
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @field_validator("original_currency")
    @classmethod
    def _currency(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        v = v.strip().upper()
        if len(v) != 3 or not v.isalpha():
            raise ValueError(f"currency {v!r} is not a three-letter code")
        return v

    @field_validator("merchant_country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        v = v.strip().upper()
        if len(v) != 2 or not v.isalpha():
            raise ValueError(f"country {v!r} is not a two-letter code")
        return v

    # --- derived -----------------------------------------------------------------------------------------

    @property
    def is_refund(self) -> bool:
        return self.amount > 0

    @property
    def is_foreign(self) -> bool:
        return self.original_currency is not None and self.original_currency != "SEK"

    def lines(self) -> tuple[SplitLine, ...]:
        """The accounting lines: the splits, or one line for the whole amount."""
        if self.splits:
            return self.splits
        # The values were validated when the transaction was: construct, do not validate again (hot in bookkeeping).
        return (
            SplitLine.model_construct(
                amount=self.amount,
                account=self.account,
                vat_code=self.vat_code,
                cost_center=self.cost_center,
                project=self.project,
                text=None,
                vat_deductible=self.vat_deductible,
                vat_amount=self.vat_amount,
            ),
        )

    def is_representation(self, accounts: Sequence[int] = DEFAULT_REPRESENTATION_ACCOUNTS) -> bool:
        """A line of it is booked on a representation account."""
        return any(line.account in accounts for line in self.lines())

    def missing_values(self, representation: Sequence[int] = DEFAULT_REPRESENTATION_ACCOUNTS) -> list[str]:
        """What keeps the first checkmark (pre-accounting values complete) grey, in words."""
        missing = missing_values_of(self.amount, self.account, self.vat_code,
                                    [(line.amount, line.account, line.vat_code) for line in self.splits])
        if self.participants is None and self.is_representation(representation):
            missing.append("participants (representation: how many took part, your own people included)")
        return missing

    @property
    def values_complete(self) -> bool:
        return not self.missing_values()

    @property
    def attachment_complete(self) -> bool:
        return bool(self.receipts) or bool(self.no_receipt_reason)

    def problems(self, representation: Sequence[int] = DEFAULT_REPRESENTATION_ACCOUNTS) -> list[str]:
        """Everything that keeps this transaction from being marked ready."""
        out = [f"missing {m}" if not m.startswith("split") else m for m in self.missing_values(representation)]
        for n, line in enumerate(self.lines(), 1):
            if line.vat_amount is not None and line.vat_code is not None:
                problem = printed_vat_problem(line.amount, line.vat_code, line.vat_amount)
                if problem:
                    out.append(f"split line {n}: {problem}" if self.splits else problem)
        if not self.attachment_complete:
            out.append("missing receipt (attach one or mark it as not needed)")
        return out

    @property
    def is_complete(self) -> bool:
        return self.values_complete and self.attachment_complete

    @property
    def editable(self) -> bool:
        return self.status == Status.PREPARE

    @property
    def outcome_unknown(self) -> bool:
        """A voucher was sent and Fortnox's answer never came: it may be booked, and only Fortnox can tell."""
        has_voucher = self.export is not None and self.export.voucher_number is not None
        return not has_voucher and any(a.outcome == "unknown" for a in self.send_attempts)


def missing_values_of(amount: Decimal, account: object, vat_code: object,
                      splits: Sequence[tuple[Decimal, object, object]]) -> list[str]:
    """The completeness rule, once, for a model and a stored document alike: with splits, every line needs an
    account and a VAT code and the lines must sum to the amount; without, the transaction needs both."""
    missing: list[str] = []
    if splits:
        total = sum((line_amount for line_amount, _, _ in splits), Decimal("0"))
        if total != amount:
            missing.append(f"split lines sum to {total:.2f}, not {amount:.2f}")
        for n, (_, line_account, line_vat) in enumerate(splits, 1):
            if line_account is None:
                missing.append(f"account on split line {n}")
            if line_vat is None:
                missing.append(f"VAT code on split line {n}")
        return missing
    if account is None:
        missing.append("account")
    if vat_code is None:
        missing.append("VAT code")
    return missing


def stored_is_complete(doc: Mapping[str, Any]) -> bool:
    """``Transaction.is_complete`` from a stored document, without building the model (filters over many rows)."""
    if not doc.get("receipts") and not doc.get("no_receipt_reason"):
        return False
    splits = doc.get("splits") or ()
    if doc.get("participants") is None and any(
            account in DEFAULT_REPRESENTATION_ACCOUNTS
            for account in ([line.get("account") for line in splits] if splits else [doc.get("account")])):
        return False
    if not splits:
        return doc.get("account") is not None and doc.get("vat_code") is not None
    lines = [(to_money(line.get("amount", "0")), line.get("account"), line.get("vat_code")) for line in splits]
    return not missing_values_of(to_money(doc.get("amount", "0")), None, None, lines)


class HistoryEntry(BaseModel):
    """The few fields of an exported transaction that the Export history tab shows.

    Exported transactions live in monthly archive files (``services.store``); this summary is what stays in
    memory, so that the history can grow for years without slowing the start.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    date: date
    merchant: str
    amount: Money
    account: int | None = None
    vat_code: VatCode | None = None
    series: str
    number: int
    year: int
    exported_at: datetime
    part: str  # the archive file: YYYY-MM of the transaction date

    @classmethod
    def of(cls, tx: "Transaction") -> "HistoryEntry":
        assert tx.export is not None and tx.export.voucher_number is not None and tx.export.voucher_year is not None
        return cls(
            id=tx.id,
            date=tx.date,
            merchant=tx.merchant,
            amount=tx.amount,
            account=tx.account if not tx.splits else tx.splits[0].account,
            vat_code=tx.vat_code if not tx.splits else tx.splits[0].vat_code,
            series=tx.export.series,
            number=tx.export.voucher_number,
            year=tx.export.voucher_year,
            exported_at=tx.export.exported_at or utcnow(),
            part=tx.date.strftime("%Y-%m"),
        )
