"""Rules and their values in words: a rule's "when" and "then", a value, a refused rule's form, who set a value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from juni_tui.domain.rules import Condition, ConditionField, ConditionGroup, ConditionOp, Rule, RuleKind
from juni_tui.domain.transactions import PRE_ACCOUNTING_FIELDS, Origin, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services.rules.table import rules_table
from juni_tui.services.store import Store
from juni_tui.services.workflow import FIELD_LABELS

__all__ = ["FIELD_LABELS", "describe_condition", "describe_then", "describe_when", "explain", "format_value",
           "friendly_validation_error"]


def describe_condition(c: Condition) -> str:
    """``merchant contains "SAS"``, ``amount 100.00–500.00 SEK``, ``currency is not SEK``."""
    name = c.field.value
    if c.field == ConditionField.AMOUNT:
        if c.min is not None and c.max is not None:
            text = f"amount {c.min}–{c.max} SEK"
        elif c.min is not None:
            text = f"amount at least {c.min} SEK"
        else:
            text = f"amount at most {c.max} SEK"
        return f"not ({text})" if c.negate else text
    if c.op == ConditionOp.EQUALS:
        verb = "is not" if c.negate else "is"
        value = c.value if c.field in (ConditionField.CURRENCY, ConditionField.COUNTRY) else f'"{c.value}"'
        return f"{name} {verb} {value}"
    verb = {"contains": "contains", "regex": "matches"}[c.op.value]
    if c.negate:
        verb = {"contains": "does not contain", "matches": "does not match"}[verb]
    return f'{name} {verb} "{c.value}"' if c.op != ConditionOp.REGEX else f"{name} {verb} /{c.value}/"


def describe_when(rule: Rule) -> str:
    """The rule's "when", in words, for the Rules screen (with its validity period, if it has one)."""
    said = _describe_when(rule)
    return f"{said}, dated {rule.period_label}" if rule.dated else said


def _describe_when(rule: Rule) -> str:
    if rule.kind == RuleKind.MERCHANT:
        return f'merchant is "{rule.merchant}"'
    if rule.kind == RuleKind.CATEGORY:
        return f'category is "{rule.category}"'
    assert rule.when is not None
    parts = []
    for item in rule.when.conditions:
        if isinstance(item, ConditionGroup):
            joiner = " and " if item.match == "all" else " or "
            inner = joiner.join(describe_condition(c) for c in item.conditions)
            parts.append(f"({inner})" if len(item.conditions) > 1 else inner)
        else:
            parts.append(describe_condition(item))
    return (" and " if rule.when.match == "all" else " or ").join(parts)


def format_value(field_name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, VatCode):
        return value.value
    if field_name == "vat_deductible":
        return f"{Decimal(value).normalize():f} %"
    return str(value)


def describe_then(rule: Rule) -> str:
    """``account 5420, VAT code RC_EU_SERVICES``."""
    return ", ".join(f"{FIELD_LABELS[k]} {format_value(k, v)}" for k, v in rule.then.assigned().items())


def friendly_validation_error(exc: ValidationError) -> str:
    """The first problem of a pydantic error, as a sentence that names where it is (``condition 2: ...``)."""
    err = exc.errors()[0]
    where: list[str] = []
    loc = list(err["loc"])
    i = 0
    while i < len(loc):
        part = loc[i]
        if part == "when" or part in ("condition", "group"):
            pass
        elif part == "conditions" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            n = int(loc[i + 1]) + 1
            if where and where[-1].startswith("condition "):
                where[-1] = f"{where[-1]}.{n}"
            else:
                where.append(f"condition {n}")
            i += 1
        else:
            where.append(str(part))
        i += 1
    msg = str(err["msg"]).removeprefix("Value error, ")
    kind = err["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        where = where[:-1]
        msg = f"unknown key {name!r}"
    elif kind == "missing":
        where = where[:-1]
        msg = f"{name!r} is missing"
    elif kind in ("int_type", "int_parsing"):
        msg = f"{name} must be a whole number (like 5420), not {err['input']!r}"
    elif kind == "string_pattern_mismatch" and name == "id":
        msg = f"id {err['input']!r} may use only letters, digits, '.', '_' and '-' (at most 64)"
    elif kind == "enum" and name == "vat_code":
        msg = f"VAT code {err['input']!r} is not one of {', '.join(v.value for v in VatCode)}"
    return f"{'.'.join(where)}: {msg}" if where else msg


def explain(store: Store, tx: Transaction) -> dict[str, str]:
    """Field → who set its value, for the detail view: ``{"account": "Merchant rule: Adobe", ...}``.

    Only fields that have a value. A rule deleted since is said so.
    """
    table = rules_table(store)
    out: dict[str, str] = {}
    for name in (*PRE_ACCOUNTING_FIELDS, "splits"):
        if getattr(tx, name) in (None, "", ()):
            continue
        source = tx.sources.get(name)
        if source is None:
            out[name] = "import file" if name != "splits" else "set by hand"
            continue
        text = source.describe()
        if source.origin == Origin.RULE and source.rule_id and source.rule_id not in table:
            text += " (rule since deleted)"
        out[name] = text
    return out
