"""Changing the rules: add, update, delete, switch on or off, reorder; the checks a rule passes before it is saved;
a merchant rule proposed from a transaction. Each change is one commit with an audit record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from juni_tui.domain.clock import utcnow
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import Transaction
from juni_tui.services import workflow
from juni_tui.services.rules.describing import describe_then, describe_when, friendly_validation_error
from juni_tui.services.rules.keys import category_key, merchant_display, merchant_key, norm
from juni_tui.services.rules.patterns import check_patterns
from juni_tui.services.rules.table import TABLE, RuleError, get_rule, list_rules, priority, rules_table
from juni_tui.services.store import Store


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """A rule from plain data (a form, a file), or RuleError with a clear reason."""
    try:
        return Rule.model_validate(dict(data))
    except ValidationError as exc:
        raise RuleError(friendly_validation_error(exc)) from None


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:48].strip("-")


def rule_id_for(rule: Rule) -> str:
    """The id a rule gets from its kind and name when it has none: ``merchant-adobe``."""
    return f"{rule.kind.value}-{_slug(rule.name) or 'rule'}"


def _new_id(rule: Rule, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = rule_id_for(rule)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def check_rule_values(store: Store, rule: Rule) -> None:
    """Refuse an account that is not in the chart or is inactive, a cost center or project Fortnox does not have
    (when the chart and dimensions have been fetched)."""
    for name, value in rule.then.assigned().items():
        problem = workflow.value_problem(store, name, value)
        if problem:
            raise RuleError(problem)


def check_rule_conflicts(rule: Rule, others: Iterable[Rule]) -> None:
    """Refuse a second rule for the same merchant (as normalized) or the same category, unless their validity
    periods do not overlap (12 % until 2026-03-31, 6 % from 2026-04-01)."""
    for other in others:
        if other.id == rule.id or other.kind != rule.kind or not rule.overlaps(other):
            continue
        if rule.kind == RuleKind.MERCHANT and merchant_key(other.merchant or "") == merchant_key(rule.merchant or ""):
            also = "" if norm(other.merchant or "") == norm(rule.merchant or "") else (
                f', and it covers "{rule.merchant}" too')
            raise RuleError(
                f'There is already a merchant rule for "{other.merchant}" ({other.id}){also}. Change that rule instead, '
                "or give the two rules periods that do not overlap."
            )
        if rule.kind == RuleKind.CATEGORY and category_key(other.category or "") == category_key(rule.category or ""):
            raise RuleError(
                f'There is already a category rule for "{other.category}" ({other.id}). Change that rule instead.'
            )


def check_rule(store: Store, rule: Rule, others: Iterable[Rule]) -> None:
    try:
        check_patterns(rule)
        check_rule_values(store, rule)
    except RuleError as exc:
        raise RuleError(f"{rule.label}: {exc}") from None
    check_rule_conflicts(rule, others)


def _renumbered(custom: Sequence[Rule]) -> list[Rule]:
    """Custom rules in the given order, positions 1..n; returns those whose position changed."""
    out = []
    for n, rule in enumerate(custom, 1):
        if rule.position != n:
            out.append(rule.model_copy(update={"position": n}))
    return out


def _summary(rule: Rule) -> dict[str, Any]:
    return {"rule": rule.id, "label": rule.label, "when": describe_when(rule), "then": describe_then(rule),
            "enabled": rule.enabled}


def add(store: Store, rule: Rule) -> Rule:
    """Save a new rule. It gets an id from its name if it has none; a custom rule goes last unless its position
    says where (1 = first)."""
    table = rules_table(store)
    existing = list(table.values())
    if rule.id and rule.id in table:
        raise RuleError(f"There is already a rule {rule.id}.")
    now = utcnow()
    rule = rule.model_copy(update={"id": rule.id or _new_id(rule, table.keys()), "created_at": now, "updated_at": now})
    check_rule(store, rule, existing)
    puts = [rule]
    if rule.kind == RuleKind.CUSTOM:
        custom = [r for r in sorted(existing, key=priority) if r.kind == RuleKind.CUSTOM]
        at = len(custom) if rule.position <= 0 else min(rule.position - 1, len(custom))
        custom.insert(at, rule)
        renumbered = {r.id: r for r in _renumbered(custom)}
        rule = renumbered.pop(rule.id, rule)
        puts = [rule, *renumbered.values()]
    else:
        rule = puts[0] = rule.model_copy(update={"position": 0})
    store.commit(puts, audit={"action": "rule-add", **_summary(rule)})
    return rule


def update(store: Store, rule: Rule) -> Rule:
    """Save changes to an existing rule (found by id). Its position is kept: use ``move`` to reorder."""
    old = get_rule(store, rule.id)
    table = rules_table(store)
    new = rule.model_copy(
        update={"created_at": old.created_at, "updated_at": utcnow(),
                "position": old.position if rule.kind == old.kind else 0}
    )
    check_rule(store, new, table.values())
    puts = [new]
    if new.kind != old.kind and RuleKind.CUSTOM in (new.kind, old.kind):
        custom = [r for r in list_rules(store, RuleKind.CUSTOM) if r.id != new.id]
        if new.kind == RuleKind.CUSTOM:
            custom.append(new)
        renumbered = {r.id: r for r in _renumbered(custom)}
        new = renumbered.pop(new.id, new)
        puts = [new, *renumbered.values()]
    if _content(old) == _content(new):
        return old
    store.commit(puts, audit={"action": "rule-update", **_summary(new)})
    return new


def save(store: Store, rule: Rule) -> Rule:
    """Add the rule if it is new (no id, or an id not in the store), otherwise update it."""
    if rule.id and rule.id in rules_table(store):
        return update(store, rule)
    return add(store, rule)


def _content(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(exclude={"created_at", "updated_at"})


def delete(store: Store, ids: Iterable[str]) -> list[Rule]:
    """Delete rules (one commit). Values they filled stay, with their label."""
    gone = [get_rule(store, rule_id) for rule_id in dict.fromkeys(ids)]
    if not gone:
        return []
    ids_gone = {r.id for r in gone}
    custom = [r for r in list_rules(store, RuleKind.CUSTOM) if r.id not in ids_gone]
    store.commit(
        _renumbered(custom),
        deletes=[(TABLE, r.id) for r in gone],
        audit={"action": "rule-delete", "rules": [_summary(r) for r in gone]},
    )
    return gone


def set_enabled(store: Store, ids: Iterable[str], enabled: bool) -> list[Rule]:
    """Switch rules on or off (one commit). Returns the rules that changed."""
    changed = [
        r.model_copy(update={"enabled": enabled, "updated_at": utcnow()})
        for r in (get_rule(store, rule_id) for rule_id in dict.fromkeys(ids))
        if r.enabled != enabled
    ]
    if changed:
        store.commit(changed, audit={"action": "rule-enable" if enabled else "rule-disable",
                                     "rules": [r.id for r in changed]})
    return changed


def move(store: Store, rule_id: str, *, to: int | None = None, by: int | None = None) -> list[Rule]:
    """Reorder a custom rule: to position ``to`` (1 = first), or ``by`` places (-1 = one up). One commit.

    Returns the custom rules in their new order.
    """
    rule = get_rule(store, rule_id)
    if rule.kind != RuleKind.CUSTOM:
        raise RuleError(f"{rule.label} has no position: only custom rules are ordered "
                        "(merchant rules come after them, then category rules).")
    if (to is None) == (by is None):
        raise RuleError("Say where to move the rule: to a position, or by a number of places.")
    custom = list_rules(store, RuleKind.CUSTOM)
    current = next(i for i, r in enumerate(custom) if r.id == rule_id)
    target = (to - 1) if to is not None else current + (by or 0)
    target = max(0, min(target, len(custom) - 1))
    if target != current:
        custom.insert(target, custom.pop(current))
        changed = _renumbered(custom)
        store.commit(changed, audit={"action": "rule-move", "rule": rule_id, "position": target + 1})
    return list_rules(store, RuleKind.CUSTOM)


def merchant_rule_from(tx: Transaction, store: Store | None = None) -> Rule:
    """The merchant rule a just-edited transaction proposes, unsaved: its merchant → its account and VAT code.

    With ``store``, an existing merchant rule for the same merchant comes back updated instead (same id), so
    ``save`` changes it rather than refusing a second one.
    """
    if tx.splits:
        raise RuleError(f"Transaction {tx.id} is split over several lines; a merchant rule sets one account and "
                        "one VAT code. Create a custom rule instead.")
    values = {name: getattr(tx, name) for name in ("account", "vat_code") if getattr(tx, name) is not None}
    if not values:
        raise RuleError(f"Set an account or a VAT code on {tx.merchant} first; the rule copies them.")
    if store is not None:
        key = merchant_key(tx.merchant)
        for rule in list_rules(store, RuleKind.MERCHANT):
            if merchant_key(rule.merchant or "") == key:
                return rule.model_copy(update={"then": RuleActions(**{**rule.then.assigned(), **values})})
    return Rule(kind=RuleKind.MERCHANT, merchant=tx.merchant, name=merchant_display(tx.merchant),
                then=RuleActions(**values))

