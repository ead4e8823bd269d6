"""Accounting rules (services.rules applies them; services.rules.toml reads and writes them as TOML)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

import regex as _regex
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

from juni_tui.domain.money import Money
from juni_tui.domain.transactions import PRE_ACCOUNTING_FIELDS
from juni_tui.domain.vat import VatCode

# --- Rules ----------------------------------------------------------------------------------------------------
# Accounting rules (services.rules applies them; services.rules_text reads and writes them as TOML).


#: The longest regex a rule may hold (a long pattern is a slow one, and no merchant text needs more).
MAX_PATTERN_LENGTH = 200



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
    #: the share of input VAT that may be deducted, in percent (e.g. 50 for a car hire)
    vat_deductible: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)

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
                             "no-receipt reason, deductible VAT share")
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
    #: the rule applies to transactions dated in this period (either end open): a rate change, a new contract
    valid_from: date | None = None
    valid_to: date | None = None
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
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"the rule's period ends ({self.valid_to}) before it begins ({self.valid_from})")
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
        extra = [n for n in ("cost_center", "project", "no_receipt_reason", "vat_deductible")
                 if getattr(self.then, n) is not None]
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
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: "Rule") -> bool:
        """Whether the two rules' validity periods share a day."""
        starts_after = self.valid_from and other.valid_to and self.valid_from > other.valid_to
        ends_before = self.valid_to and other.valid_from and self.valid_to < other.valid_from
        return not (starts_after or ends_before)

    @property
    def period_label(self) -> str:
        """``from 2026-04-01``, ``2026-01-01 – 2026-03-31``, ``until 2026-03-31``, or empty."""
        if self.valid_from and self.valid_to:
            return f"{self.valid_from} – {self.valid_to}"
        if self.valid_from:
            return f"from {self.valid_from}"
        return f"until {self.valid_to}" if self.valid_to else ""

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.then.assigned())
