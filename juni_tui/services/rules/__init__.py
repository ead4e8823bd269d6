"""Accounting rules: fill in missing pre-accounting values before the accountant has to.

Custom rules before merchant rules before category rules; for each field the first matching rule that sets it wins,
and rules fill only empty fields of Prepare transactions (the state machine writes them: ``workflow.fill_missing``).
Beyond Juni, suggestions propose an account and VAT code from earlier exports of the same merchant.

This package's modules, one job each (callers use the names re-exported here):

    table.py        the store's rules table, read in priority order; RuleError
    keys.py         merchant and category keys, a merchant's readable name
    describing.py   rules, values and who set a value, in words
    patterns.py     a user's regex: compiled, checked, judged whether it can hang
    changes.py      RuleChange, the list a preview shows, the report of an apply
    engine.py       compiled rule sets, rows of transactions, matching with time limits
    matching.py     which transactions a rule matches now (counts, the match list)
    applying.py     apply to new transactions, preview and apply to existing ones
    editing.py      add, update, delete, switch, reorder; the checks a rule passes
    suggestions.py  merchant history and the suggestions made from it
    importing.py    what importing a rules file changes, and doing it in one commit
    toml.py         rules as TOML text: writing, reading (``from juni_tui.services.rules import toml``)
"""

from juni_tui.domain.rules import MAX_PATTERN_LENGTH
from juni_tui.services.rules.applying import apply_changes, apply_to_new, preview_apply_to_existing
from juni_tui.services.rules.changes import ApplyReport, RuleChange
from juni_tui.services.rules.describing import FIELD_LABELS, describe_then, describe_when, explain, format_value
from juni_tui.services.rules.editing import (
    add,
    delete,
    merchant_rule_from,
    move,
    parse_rule,
    save,
    set_enabled,
    update,
)
from juni_tui.services.rules.keys import merchant_key
from juni_tui.services.rules.matching import RuleMatches, match_counts, matching_ids
from juni_tui.services.rules.suggestions import Suggestion, accept_suggestions, merchant_history, suggest, suggestions
from juni_tui.services.rules.table import RuleError, get_rule, list_rules, rules_table

__all__ = [
    "FIELD_LABELS", "MAX_PATTERN_LENGTH", "ApplyReport", "RuleChange", "RuleError", "RuleMatches", "Suggestion",
    "accept_suggestions", "add", "apply_changes", "apply_to_new", "delete", "describe_then", "describe_when",
    "explain", "format_value", "get_rule", "list_rules", "match_counts", "matching_ids", "merchant_history",
    "merchant_key", "merchant_rule_from", "move", "parse_rule", "preview_apply_to_existing", "rules_table", "save",
    "set_enabled", "suggest", "suggestions", "update",
]
