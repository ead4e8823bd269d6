"""The domain, as pydantic models. Services and screens share these; nothing here does I/O.

Money is ``Decimal`` with two decimals; dates are ``date``. Transactions are frozen: every change is a new copy
that goes through the store (``services.store``), which is what keeps exported transactions immutable.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator

from juni_tui.money import to_money

Money = Annotated[Decimal, BeforeValidator(to_money), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


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


# --- VAT ------------------------------------------------------------------------------------------------------


class VatCode(StrEnum):
    """juni-tui's own VAT vocabulary (the bookkeeping issue has the table of rows each one produces)."""

    VAT25 = "25"
    VAT12 = "12"
    VAT6 = "6"
    NONE = "0"
    RC_EU_SERVICES = "RC_EU_SERVICES"
    RC_NON_EU_SERVICES = "RC_NON_EU_SERVICES"
    RC_EU_GOODS = "RC_EU_GOODS"

    @property
    def label(self) -> str:
        return VAT_LABELS[self]

    @property
    def rate(self) -> Decimal:
        return VAT_RATES[self]

    @property
    def is_reverse_charge(self) -> bool:
        return self.value.startswith("RC_")


VAT_LABELS = {
    VatCode.VAT25: "25 % Swedish VAT",
    VatCode.VAT12: "12 % Swedish VAT",
    VatCode.VAT6: "6 % Swedish VAT",
    VatCode.NONE: "No VAT (exempt or outside scope)",
    VatCode.RC_EU_SERVICES: "Reverse charge, services from the EU",
    VatCode.RC_NON_EU_SERVICES: "Reverse charge, services from outside the EU",
    VatCode.RC_EU_GOODS: "Reverse charge, goods from the EU",
}
VAT_RATES = {
    VatCode.VAT25: Decimal("0.25"),
    VatCode.VAT12: Decimal("0.12"),
    VatCode.VAT6: Decimal("0.06"),
    VatCode.NONE: Decimal("0"),
    VatCode.RC_EU_SERVICES: Decimal("0.25"),
    VatCode.RC_NON_EU_SERVICES: Decimal("0.25"),
    VatCode.RC_EU_GOODS: Decimal("0.25"),
}


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
PRE_ACCOUNTING_FIELDS = ("account", "vat_code", "cost_center", "project", "no_receipt_reason")


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
    def is_split(self) -> bool:
        return bool(self.splits)

    @property
    def is_foreign(self) -> bool:
        return self.original_currency is not None and self.original_currency != "SEK"

    def lines(self) -> tuple[SplitLine, ...]:
        """The accounting lines: the splits, or one line for the whole amount."""
        if self.splits:
            return self.splits
        return (
            SplitLine(
                amount=self.amount,
                account=self.account,
                vat_code=self.vat_code,
                cost_center=self.cost_center,
                project=self.project,
            ),
        )

    def missing_values(self) -> list[str]:
        """What keeps the first checkmark (pre-accounting values complete) grey, in words."""
        missing: list[str] = []
        if self.splits:
            total = sum((line.amount for line in self.splits), Decimal("0"))
            if total != self.amount:
                missing.append(f"split lines sum to {total:.2f}, not {self.amount:.2f}")
            for n, line in enumerate(self.splits, 1):
                if line.account is None:
                    missing.append(f"account on split line {n}")
                if line.vat_code is None:
                    missing.append(f"VAT code on split line {n}")
            return missing
        if self.account is None:
            missing.append("account")
        if self.vat_code is None:
            missing.append("VAT code")
        return missing

    @property
    def values_complete(self) -> bool:
        return not self.missing_values()

    @property
    def attachment_complete(self) -> bool:
        return bool(self.receipts) or bool(self.no_receipt_reason)

    def problems(self) -> list[str]:
        """Everything that keeps this transaction from being marked ready."""
        out = [f"missing {m}" if not m.startswith("split") else m for m in self.missing_values()]
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

    def source_of(self, field: str) -> FieldSource | None:
        return self.sources.get(field)


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


# --- Receipts -------------------------------------------------------------------------------------------------


class MatchState(StrEnum):
    UNMATCHED = "unmatched"
    SUGGESTED = "suggested"
    AUTO = "auto"  # one clear candidate: attached automatically
    CONFIRMED = "confirmed"  # a suggestion the user confirmed
    MANUAL = "manual"  # attached by hand


class Receipt(BaseModel):
    """A receipt file, stored once in the home by content hash (``services.receipts`` writes these)."""

    model_config = ConfigDict(frozen=True)

    id: str  # sha256 of the stored bytes
    filename: str  # the name it was added under, with the extension of what is stored (photo.png → photo.jpg)
    content_type: str  # application/pdf, image/jpeg or image/tiff: what Fortnox accepts
    size: int
    path: str  # relative to the home folder
    added_at: datetime = Field(default_factory=utcnow)
    origin: Literal["inbox", "manual", "demo", "import"] = "manual"
    source_hashes: tuple[str, ...] = ()  # hashes of the files that produced it (e.g. a PNG before conversion)
    source_name: str | None = None  # the name exactly as dropped, when it differs from ``filename``
    converted_from: str | None = None
    conversion: str = ""  # what was done to the file, in words ("PNG converted to JPEG; reduced from …")
    text: str = ""  # the start of a PDF's text, as read for matching
    amount: Money | None = None  # as read from the receipt: positive for a purchase, negative for a credit note
    currency: str | None = None
    receipt_date: date | None = None
    merchant: str | None = None
    transaction_id: str | None = None
    match: MatchState = MatchState.UNMATCHED
    candidates: tuple[str, ...] = ()  # suggested transactions, best first
    rejected: tuple[str, ...] = ()  # transactions the user said this is not the receipt of: never suggested again
    match_note: str = ""  # why it is in its tier, in words

    @property
    def attached(self) -> bool:
        return self.transaction_id is not None


# --- Fortnox reference data (cached locally for completion and checks) ---------------------------------------

DimensionSetting = Literal["ALLOWED", "MANDATORY", "NOTALLOWED"]


class Account(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    description: str
    active: bool = True
    vat_code: str = ""
    cost_center_settings: DimensionSetting = "ALLOWED"
    project_settings: DimensionSetting = "ALLOWED"

    @property
    def label(self) -> str:
        return f"{self.number} {self.description}"


class CostCenter(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str = ""
    active: bool = True


class Project(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    description: str = ""
    active: bool = True


class FinancialYear(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    from_date: date
    to_date: date

    def covers(self, day: date) -> bool:
        return self.from_date <= day <= self.to_date


class VoucherSeries(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str = ""
    manual: bool = True


# --- Vouchers -------------------------------------------------------------------------------------------------


class VoucherRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: int
    debit: Money = Decimal("0.00")
    credit: Money = Decimal("0.00")
    description: str | None = None
    transaction_information: str | None = None
    cost_center: str | None = None
    project: str | None = None

    def to_fortnox(self) -> dict[str, Any]:
        # Decimals stay Decimals: services.jsonutil writes them as exact JSON numbers.
        row: dict[str, Any] = {"Account": self.account, "Debit": self.debit, "Credit": self.credit}
        if self.description:
            row["Description"] = self.description
        if self.transaction_information:
            row["TransactionInformation"] = self.transaction_information
        if self.cost_center:
            row["CostCenter"] = self.cost_center
        if self.project:
            row["Project"] = self.project
        return row


class Voucher(BaseModel):
    """A voucher as juni-tui builds it, before Fortnox numbers it."""

    model_config = ConfigDict(frozen=True)

    series: str
    transaction_date: date
    description: str
    comments: str | None = None
    rows: tuple[VoucherRow, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), Decimal("0.00"))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit

    def to_fortnox(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "VoucherSeries": self.series,
            "TransactionDate": self.transaction_date.isoformat(),
            "Description": self.description,
            "VoucherRows": [r.to_fortnox() for r in self.rows],
        }
        if self.comments:
            body["Comments"] = self.comments
        return {"Voucher": body}


# --- Settings -------------------------------------------------------------------------------------------------

#: Fortnox account VATCode → the VAT code juni-tui suggests when that account is chosen. Fortnox does not publish
#: its full list (reference §7), so this is a company setting with these defaults.
DEFAULT_VAT_CODE_MAP: dict[str, VatCode] = {
    "I": VatCode.VAT25,
    "I25": VatCode.VAT25,
    "MP1": VatCode.VAT25,
    "I12": VatCode.VAT12,
    "MP2": VatCode.VAT12,
    "I6": VatCode.VAT6,
    "MP3": VatCode.VAT6,
    "MF": VatCode.NONE,
    "ITEU": VatCode.RC_EU_SERVICES,
    "ITGLOB": VatCode.RC_NON_EU_SERVICES,
    "IVEU": VatCode.RC_EU_GOODS,
}


class ReportingPair(BaseModel):
    """Optional extra rows that put reverse-charge purchases in the VAT return's boxes 20–22 (e.g. 4535 / 4598)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = False
    eu_services_account: int = 4535
    non_eu_services_account: int = 4531
    eu_goods_account: int = 4515
    contra_account: int = 4598


class FortnoxSettings(BaseModel):
    """Where and how to reach Fortnox. Secrets are never here: they live in 0600 files (services.auth)."""

    model_config = ConfigDict(frozen=True)

    api_url: str = "https://api.fortnox.se/3"
    auth_url: str = "https://apps.fortnox.se/oauth-v1"
    client_id: str | None = None
    tenant_id: str | None = None
    redirect_uri: str = "http://localhost:8719/callback"
    # "service": client-credentials grant with TenantId; "oauth": authorization code + rotating refresh token
    mode: Literal["service", "oauth"] | None = None


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: Literal["settings"] = "settings"
    company_name: str | None = None  # from Fortnox's company information, for SIE files and the title bar
    org_number: str | None = None
    payment_account: int = 1930
    default_series: str | None = None
    input_vat_account: int = 2640
    reverse_charge_input_account: int = 2645
    reverse_charge_services_output_account: int = 2614
    reverse_charge_goods_output_account: int = 2615
    reporting_pair: ReportingPair = ReportingPair()
    vat_code_map: dict[str, VatCode] = Field(default_factory=lambda: dict(DEFAULT_VAT_CODE_MAP))
    inbox_dir: str | None = None
    fortnox: FortnoxSettings = FortnoxSettings()


# --- Rules ----------------------------------------------------------------------------------------------------
# Accounting rules (services.rules applies them; services.rules_text reads and writes them as TOML).

import regex as _regex  # noqa: E402  (imports for this section only; the file's header imports are the rest's)

#: The longest regex a rule may hold (a long pattern is a slow one, and no merchant text needs more).
MAX_PATTERN_LENGTH = 200

from pydantic import Discriminator, StrictInt, Tag, model_validator  # noqa: E402


class RuleKind(StrEnum):
    """The three kinds of rule, in priority order: custom rules first (by position), then merchant, then category."""

    CUSTOM = "custom"
    MERCHANT = "merchant"
    CATEGORY = "category"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} rule"


class ConditionField(StrEnum):
    MERCHANT = "merchant"
    DESCRIPTION = "description"
    CARD = "card"
    CARDHOLDER = "cardholder"
    CATEGORY = "category"
    AMOUNT = "amount"  # SEK, as the user thinks of it: a purchase of 500 SEK and its refund are both 500
    CURRENCY = "currency"  # the original currency; SEK when the purchase was in SEK
    COUNTRY = "country"  # the merchant's country, two letters


class ConditionOp(StrEnum):
    CONTAINS = "contains"
    EQUALS = "equals"
    REGEX = "regex"
    BETWEEN = "between"


#: Fields compared as text, case-insensitively: contains, equals or regex.
TEXT_CONDITION_FIELDS = frozenset(
    {ConditionField.MERCHANT, ConditionField.DESCRIPTION, ConditionField.CARD, ConditionField.CARDHOLDER,
     ConditionField.CATEGORY}
)
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class Condition(BaseModel):
    """One test on a transaction: ``merchant contains "SAS"``, ``amount between 100 and 500``, ``currency is NOK``.

    ``negate`` turns it around (``currency is not SEK``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: ConditionField
    op: ConditionOp
    value: str | None = None
    min: Money | None = None
    max: Money | None = None
    negate: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_op(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("op") in (None, ""):
            implied = {"amount": "between", "currency": "equals", "country": "equals"}.get(str(data.get("field")))
            if implied:
                data = {**data, "op": implied}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Condition":
        name = self.field.value
        if self.field == ConditionField.AMOUNT:
            if self.op != ConditionOp.BETWEEN:
                raise ValueError(f"amount takes a range (min and/or max), not {self.op.value!r}")
            if self.value is not None:
                raise ValueError("amount takes min and/or max, not a value")
            if self.min is None and self.max is None:
                raise ValueError("amount needs a min, a max, or both")
            for bound in (self.min, self.max):
                if bound is not None and bound < 0:
                    raise ValueError(
                        f"amount bounds are positive (a purchase of 500 SEK is 500): {bound} is negative"
                    )
            if self.min is not None and self.max is not None and self.min > self.max:
                raise ValueError(f"amount min {self.min} is more than max {self.max}")
            return self
        if self.min is not None or self.max is not None:
            raise ValueError(f"{name} takes a value, not min/max (only amount takes a range)")
        if self.op == ConditionOp.BETWEEN:
            raise ValueError(f"{name} cannot be 'between' (only amount takes a range)")
        if self.value is None or not self.value.strip():
            raise ValueError(f"{name} {self.op.value} needs a value")
        if self.field in (ConditionField.CURRENCY, ConditionField.COUNTRY):
            size = 3 if self.field == ConditionField.CURRENCY else 2
            what = "a three-letter currency code" if size == 3 else "a two-letter country code"
            if self.op != ConditionOp.EQUALS:
                raise ValueError(f"{name} can only be compared with 'equals' ({what})")
            code = self.value.strip().upper()
            if len(code) != size or not code.isalpha():
                raise ValueError(f"{name} {self.value!r} is not {what}")
            if code != self.value:
                object.__setattr__(self, "value", code)
        if self.op == ConditionOp.REGEX:
            if len(self.value) > MAX_PATTERN_LENGTH:
                raise ValueError(f"the pattern {self.value[:40]!r}… is {len(self.value)} characters; a rule's pattern "
                                 f"may have at most {MAX_PATTERN_LENGTH} characters. Shorten it, or split the rule.")
            try:  # compiled the way the rule engine runs it (the regex package, as Python's re reads patterns)
                _regex.compile(self.value, _regex.IGNORECASE | _regex.VERSION0)
            except (_regex.error, RecursionError, MemoryError, OverflowError) as exc:
                raise ValueError(f"regex {self.value!r} does not compile: {exc}") from None
        return self


class ConditionGroup(BaseModel):
    """Conditions in brackets: ``(merchant contains SAS or merchant contains Norwegian)``. One level only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    match: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = Field(min_length=1)


def _condition_or_group(item: Any) -> str:
    if isinstance(item, ConditionGroup) or (isinstance(item, dict) and "conditions" in item):
        return "group"
    return "condition"


WhenItem = Annotated[
    Annotated[Condition, Tag("condition")] | Annotated[ConditionGroup, Tag("group")],
    Discriminator(_condition_or_group),
]


class RuleWhen(BaseModel):
    """A custom rule's conditions: all of them (and) or any of them (or); an item may be a bracketed group."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    match: Literal["all", "any"] = "all"
    conditions: tuple[WhenItem, ...] = Field(min_length=1)


class RuleActions(BaseModel):
    """What a rule fills in: the pre-accounting fields it sets (at least one). It only ever fills empty fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: StrictInt | None = None
    vat_code: VatCode | None = None
    cost_center: str | None = None
    project: str | None = None
    no_receipt_reason: str | None = None

    @field_validator("cost_center", "project", "no_receipt_reason")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    @model_validator(mode="after")
    def _check(self) -> "RuleActions":
        if self.account is not None and not 1000 <= self.account <= 9999:
            raise ValueError(f"account {self.account} is not a four-digit account number")
        if not self.assigned():
            raise ValueError("a rule must set at least one of: account, VAT code, cost center, project, "
                             "no-receipt reason")
        return self

    def assigned(self) -> dict[str, Any]:
        """The fields this sets, in PRE_ACCOUNTING_FIELDS order."""
        return {name: getattr(self, name) for name in PRE_ACCOUNTING_FIELDS if getattr(self, name) is not None}


class Rule(BaseModel):
    """An accounting rule. ``id`` is empty until the rule is saved (services.rules assigns one).

    custom rules have ``when`` and are ordered by ``position`` (1 first); merchant rules have ``merchant`` (matched
    on the normalized merchant name) and set the account and/or VAT code; category rules have ``category`` (one of
    Juni's categories) and set the account and the VAT code.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default="", pattern=r"^$|" + RULE_ID_PATTERN)
    kind: RuleKind
    name: str = ""
    enabled: bool = True
    position: int = 0
    when: RuleWhen | None = None
    merchant: str | None = None
    category: str | None = None
    then: RuleActions
    # Set by services.rules when saved. No default factory: the store leaves out values equal to the default,
    # and a factory's default is "now" again when the rule is read back.
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not (data.get("name") or "").strip():
            kind = str(data.get("kind", ""))
            if kind in ("merchant", "category") and isinstance(data.get(kind), str):
                data = {**data, "name": data[kind].strip()}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Rule":
        object.__setattr__(self, "name", self.name.strip())
        for attr in ("merchant", "category"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, value.strip() or None)
        if self.kind == RuleKind.CUSTOM:
            if self.when is None:
                raise ValueError("a custom rule needs conditions ('when')")
            if self.merchant is not None or self.category is not None:
                raise ValueError("a custom rule states the merchant or category as a condition in 'when'")
            if not self.name:
                raise ValueError("a custom rule needs a name")
            return self
        if self.when is not None:
            raise ValueError(f"a {self.kind.value} rule has no 'when'; use a custom rule for conditions")
        other = "category" if self.kind == RuleKind.MERCHANT else "merchant"
        if getattr(self, other) is not None:
            raise ValueError(f"a {self.kind.value} rule has no {other}")
        if getattr(self, self.kind.value) is None:
            raise ValueError(f"a {self.kind.value} rule needs a {self.kind.value}")
        extra = [n for n in ("cost_center", "project", "no_receipt_reason") if getattr(self.then, n) is not None]
        if extra:
            raise ValueError(
                f"a {self.kind.value} rule sets only the account and the VAT code, not {', '.join(extra)}; "
                "use a custom rule for that"
            )
        if self.kind == RuleKind.MERCHANT and self.then.account is None and self.then.vat_code is None:
            raise ValueError("a merchant rule sets the account, the VAT code, or both")
        if self.kind == RuleKind.CATEGORY and (self.then.account is None or self.then.vat_code is None):
            raise ValueError("a category rule sets both the account and the VAT code")
        return self

    @property
    def label(self) -> str:
        """How the detail view names it: ``Merchant rule: Adobe``."""
        return f"{self.kind.label}: {self.name}"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.then.assigned())
