"""Applying rules: by themselves to new transactions (``apply_to_new``); to existing ones only after the user has
seen every change (``preview_apply_to_existing`` → ``apply_changes``).

What rules may touch: only Prepare transactions, and only fields that are empty. A value the user set by hand
(origin MANUAL) or that came with the import is never replaced, and ready, queued or exported transactions are
never changed. The values are written by the state machine (``workflow.fill_missing``): one commit with an audit
record, whatever the number of transactions.
"""

from __future__ import annotations

from collections.abc import Iterable

from juni_tui.domain.rules import Rule
from juni_tui.domain.transactions import FieldSource, Origin, Status
from juni_tui.services import workflow
from juni_tui.services.rules.changes import ApplyReport, ChangeList, RuleChange
from juni_tui.services.rules.engine import PREPARE, Rows, gc_paused, rule_set, views_of
from juni_tui.services.store import Store


def fill(store: Store, changes: Iterable[RuleChange], origin: Origin, action: str) -> ApplyReport:
    """Fill the values through the state machine (``workflow.fill_missing``: only empty fields of Prepare
    transactions, never over a value set by hand), checked again against the transactions as they are now."""
    changes = list(changes)
    sources: dict[tuple[str | None, str], FieldSource] = {}  # one FieldSource per rule, shared
    fills = []
    for change in changes:
        source = sources.get((change.rule_id, change.label))
        if source is None:
            source = sources[(change.rule_id, change.label)] = FieldSource(
                origin=origin, rule_id=change.rule_id, label=change.label)
        fills.append(workflow.Fill(change.tx_id, change.field, change.new, source))
    filled = workflow.fill_missing(store, fills, action=action)
    return ApplyReport(applied=[changes[i] for i in filled.done],
                       skipped=[(changes[i], why) for i, why in filled.skipped])


@gc_paused()
def apply_to_new(store: Store, ids: Iterable[str]) -> ApplyReport:
    """After import, or when transactions are created: fill their missing values from the enabled rules.

    Only Prepare transactions, only empty fields; one commit for the whole set.
    """
    rows = Rows(views_of(store, ids, PREPARE))
    report = fill(store, rule_set(store).changes(rows), Origin.RULE, "rules-apply")
    report.warnings = list(rows.warnings.values())
    return report


@gc_paused()
def preview_apply_to_existing(store: Store, rules: Iterable[Rule] | None = None) -> ChangeList:
    """Every value the rules would fill on Prepare transactions now, changing nothing.

    ``rules``: only these (e.g. the rule just added or edited); by default every enabled rule. Disabled rules
    never apply. Pass the result, or the part the user keeps, to ``apply_changes``.
    """
    rows = Rows(views_of(store, store.ids(Status.PREPARE), PREPARE))
    changes = rule_set(store, rules).changes(rows)
    return ChangeList(changes, rows.warnings.values())


@gc_paused()
def apply_changes(store: Store, changes: Iterable[RuleChange]) -> ApplyReport:
    """Apply a previewed list of rule changes (one commit). A change that no longer fits is left out, with why."""
    return fill(store, changes, Origin.RULE, "rules-apply-existing")

