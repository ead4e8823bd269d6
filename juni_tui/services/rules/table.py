"""Where rules are kept: the store's rules table, read in priority order, and the error rules are refused with."""

from __future__ import annotations

from juni_tui.domain.rules import Rule, RuleKind
from juni_tui.services.store import Store, StoreError, Table

TABLE = "rules"


class RuleError(StoreError):
    """A rule the service refuses, or a request about rules it cannot do, worded for the user."""


def rules_table(store: Store) -> Table[Rule]:
    return store.table(TABLE, Rule, "id")


def priority(rule: Rule) -> tuple:
    order = {RuleKind.CUSTOM: 0, RuleKind.MERCHANT: 1, RuleKind.CATEGORY: 2}[rule.kind]
    if rule.kind == RuleKind.CUSTOM:
        return (order, rule.position, rule.id)
    return (order, 0, rule.name.casefold(), rule.id)


def list_rules(store: Store, kind: RuleKind | None = None) -> list[Rule]:
    """Every rule in priority order: custom by position, then merchant and category rules by name."""
    rules = [r for r in rules_table(store).values() if kind is None or r.kind == kind]
    return sorted(rules, key=priority)


def get_rule(store: Store, rule_id: str) -> Rule:
    rule = rules_table(store).get(rule_id)
    if rule is None:
        raise RuleError(f"There is no rule {rule_id}.")
    return rule
