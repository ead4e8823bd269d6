"""Which transactions a rule matches now, whether or not it has values to fill: the Rules tab's counts and the
list ``enter`` opens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from juni_tui.domain.rules import Rule, RuleKind
from juni_tui.domain.transactions import Status
from juni_tui.services.rules.engine import Rows, gc_paused, views_of
from juni_tui.services.rules.keys import category_key, merchant_key
from juni_tui.services.rules.table import list_rules
from juni_tui.services.store import Store


class MatchCounts(dict[str, int]):
    """Rule id → matches, and ``warnings`` about rules that were treated as not matching."""

    def __init__(self, counts: Mapping[str, int], warnings: Iterable[str] = ()) -> None:
        super().__init__(counts)
        self.warnings = list(warnings)


@dataclass(frozen=True)
class RuleMatches:
    """The transactions a rule's conditions match now, by tab (Prepare and Ready to export), in tab order."""

    prepare: list[str]
    ready: list[str]
    warning: str | None = None  # the rule was treated as not matching: why

    @property
    def count(self) -> int:
        return len(self.prepare) + len(self.ready)

    @property
    def ids(self) -> list[str]:
        return self.prepare + self.ready


_LIVE = frozenset({Status.PREPARE, Status.READY})


def _live_rows(store: Store) -> Rows:
    return Rows(views_of(store, store.ids(Status.PREPARE, Status.READY), _LIVE), needs=False)


@gc_paused()
def matching_ids(store: Store, rule: Rule) -> RuleMatches:
    """The Prepare and Ready transactions the rule's conditions match (whether or not it has values to fill)."""
    rows = _live_rows(store)
    found = _split_by_status(rows, _matches(rule, rows))
    warning = rows.warnings.get(rule.id)
    return RuleMatches(found.prepare, found.ready, warning) if warning else found


@gc_paused()
def match_counts(store: Store, rules: Iterable[Rule] | None = None) -> MatchCounts:
    """Rule id → how many Prepare and Ready transactions it matches now, for the Rules list (one pass)."""
    rows = _live_rows(store)
    counts = {r.id: len(_matches(r, rows)) for r in (list_rules(store) if rules is None else rules)}
    return MatchCounts(counts, rows.warnings.values())


def _split_by_status(rows: Rows, hits: Iterable[int]) -> RuleMatches:
    prepare: list[str] = []
    ready: list[str] = []
    for i in sorted(hits):
        view = rows.views[i]
        (ready if view.status == Status.READY else prepare).append(view.id)
    return RuleMatches(prepare=prepare, ready=ready)


def _matches(rule: Rule, rows: Rows) -> frozenset[int]:
    """The rows a rule's "when" matches, whether or not it would fill anything, enabled or not."""
    if rule.kind == RuleKind.CUSTOM:
        return rows.rule_hits(rule)
    if rule.kind == RuleKind.MERCHANT:
        hits = frozenset(rows.merchant_prefixes().get(merchant_key(rule.merchant or ""), ()))
    else:
        hits = frozenset(rows.categories().get(category_key(rule.category or ""), ()))
    return hits & rows.in_period(rule) if rule.dated else hits

