"""The engine: enabled rules compiled into a rule set, and the transactions they look at as rows, with columns,
indexes and memoized conditions; regexes run with a time limit.

Three kinds of rule, in a fixed priority (reference peers-and-bookkeeping.md §2): **custom** rules (conditions
combined with and/or, ordered by position) before **merchant** rules before **category** rules. For each field,
the first matching rule that sets it wins; a rule fills only the fields it sets.

Speed: rules run over many transactions at once. Each condition is evaluated once per *distinct* value of its
field (a few thousand merchants, not 50 000 transactions) and memoized; a rule's matches are a set of row
numbers, and and/or are set intersections and unions. Every path (a single transaction included) uses this
one engine, so the preview, the import and the detail view cannot disagree.

Safety: a user's regex is matched by the ``regex`` package with a time limit per text (``MATCH_TIMEOUT``) and per
condition (``CONDITION_BUDGET``), and may be at most ``MAX_PATTERN_LENGTH`` characters. A pattern that takes too
long makes its rule match nothing, and the caller gets a sentence naming the rule and the text (``warnings``):
never a hang, never a traceback.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from operator import attrgetter, methodcaller
from typing import Any

import regex

from juni_tui.domain.rules import Condition, ConditionField, ConditionGroup, ConditionOp, Rule, RuleKind, RuleWhen
from juni_tui.domain.transactions import PRE_ACCOUNTING_FIELDS, Status
from juni_tui.services import workflow
from juni_tui.services.rules.changes import RuleChange
from juni_tui.services.rules.keys import category_key, merchant_key, merchant_prefixes, norm
from juni_tui.services.rules.patterns import compiled, patterns_in, tame, which_slow
from juni_tui.services.rules.table import priority, rules_table
from juni_tui.services.store import Store, TxView

FIELDS = PRE_ACCOUNTING_FIELDS

#: How long a user's regex may take on one text before the rule counts as not matching, in seconds.
MATCH_TIMEOUT = 0.05
#: How long one regex condition may take over all the distinct texts it looks at (thousands of merchants).
CONDITION_BUDGET = 1.0
_CHUNK = 512  # texts per call into C between two looks at the clock
#: Texts up to this long may skip the per-search time limit when the pattern backtracks little (``tame``): with at
#: most one variable repeat and nothing nested, a search is at worst quadratic, 40 000 steps here.
_TAME_TEXT_LENGTH = 200


_VIEW_FIELDS = {
    ConditionField.MERCHANT: "merchant",
    ConditionField.DESCRIPTION: "description",
    ConditionField.CARD: "card",
    ConditionField.CARDHOLDER: "cardholder",
    ConditionField.CATEGORY: "category",
    ConditionField.CURRENCY: "original_currency",
    ConditionField.COUNTRY: "merchant_country",
}


def _missing_in_view(view: TxView) -> set[str]:
    """The fields a rule may fill, for a transaction's projection."""
    split, receipts = view.has_splits, bool(view.receipts)
    return {
        name for name in FIELDS
        if workflow.fillable(name, getattr(view, name), name in view.manual, split, receipts)
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the engine runs.

    The engine makes hundreds of thousands of small sets, lists and tuples and no reference cycles; with 50 000
    transactions in memory each collection the allocations trigger would walk all of them (a third of the time).
    Reference counting still frees everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()



class _Column:
    """The distinct values of one field with their row numbers, three ways: exactly as written (for regexes),
    casefolded (for contains) and normalized (for equals, which is then one dict lookup)."""

    __slots__ = ("exact", "folded", "normed")

    def __init__(self, values: Sequence[str]) -> None:
        self.exact: dict[str, list[int]] = {}
        exact = self.exact
        for i, value in enumerate(values):
            rows = exact.get(value)
            if rows is None:
                exact[value] = [i]
            else:
                rows.append(i)
        self.folded: dict[str, list[int]] = {}
        self.normed: dict[str, list[int]] = {}
        for value, rows in self.exact.items():
            self.folded.setdefault(value.casefold(), []).extend(rows)
            self.normed.setdefault(norm(value), []).extend(rows)


def _ore(value: Any) -> int:
    """An amount (``Decimal("-1250.00")`` or ``"-1250.00"``) as whole öre, without its sign: what an amount
    condition compares."""
    if isinstance(value, Decimal):
        return abs(int(value.scaleb(2).to_integral_value()))
    if isinstance(value, str) and len(value) > 3 and value[-3] == ".":
        try:
            return abs(int(value[:-3] + value[-2:]))
        except ValueError:
            pass
    return abs(int(Decimal(str(value)).scaleb(2).to_integral_value()))


def _needs(views: Sequence[TxView]) -> dict[str, set[int]]:
    """Field → rows where it is empty and a rule may fill it: one pass per field, and ``_missing_in_view`` for the
    few transactions with splits, receipts or recorded sources."""
    needs = {name: {i for i, v in enumerate(views) if get(v) in (None, "")}
             for name in FIELDS for get in (attrgetter(name),)}
    for i, view in enumerate(views):
        if view.has_splits or view.receipts or view.has_sources:
            missing = _missing_in_view(view)
            for name in FIELDS:
                if name not in missing:
                    needs[name].discard(i)
    return needs


class Rows:
    """The transactions the engine looks at, as the store's projections, with columns and indexes built on first
    use.

    A condition is evaluated once per distinct value of its field, in C where it can be (``filter`` over the
    distinct values), and memoized; its result is a set of row numbers.
    """

    def __init__(self, views: Sequence[TxView], *, needs: bool = True) -> None:
        self.views = views
        #: field → the rows where a rule may fill it (see ``_fillable``); empty when only matching is asked for
        self.needs: dict[str, set[int]] = _needs(views) if needs else {name: set() for name in FIELDS}
        self.everything = frozenset(range(len(views)))
        self._columns: dict[ConditionField, _Column] = {}
        self._amounts: tuple[list[int], list[int]] | None = None
        self._memo: dict[tuple, frozenset[int]] = {}
        self._indexes: dict[str, dict[str, list[int]]] = {}
        #: regex pattern → why it was given up (it took too long, or does not compile): its rules match nothing
        self.slow: dict[str, str] = {}
        #: rule id → the sentence for the user about it
        self.warnings: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.views)

    def column(self, name: ConditionField) -> _Column:
        column = self._columns.get(name)
        if column is None:
            get = attrgetter(_VIEW_FIELDS[name])
            default = "SEK" if name == ConditionField.CURRENCY else ""
            column = _Column([get(v) or default for v in self.views])
            self._columns[name] = column
        return column

    def _indexed(self, name: str, pairs: Callable[[], Iterable[tuple[str, list[int]]]]) -> dict[str, list[int]]:
        index = self._indexes.get(name)
        if index is None:
            index = {}
            for key, rows in pairs():
                index.setdefault(key, []).extend(rows)
            self._indexes[name] = index
        return index

    def merchants(self) -> dict[str, list[int]]:
        """Merchant key → rows."""
        return self._indexed(
            "merchant",
            lambda: ((merchant_key(v), rows) for v, rows in self.column(ConditionField.MERCHANT).exact.items()),
        )

    def merchant_prefixes(self) -> dict[str, list[int]]:
        """Every word prefix of a merchant key → rows: what a merchant rule for that prefix covers."""
        return self._indexed(
            "prefix", lambda: ((p, rows) for key, rows in self.merchants().items() for p in merchant_prefixes(key))
        )

    def categories(self) -> dict[str, list[int]]:
        """Category (normalized, as ``category_key``) → rows."""
        return self.column(ConditionField.CATEGORY).normed

    def amounts(self) -> tuple[list[int], list[int]]:
        """Amounts in öre as the user thinks of them (a purchase of 500 SEK is 500), sorted, with their rows."""
        if self._amounts is None:
            ore = [_ore(v.amount) for v in self.views]
            order = sorted(range(len(ore)), key=ore.__getitem__)
            self._amounts = ([ore[i] for i in order], order)
        return self._amounts

    def condition(self, c: Condition) -> frozenset[int]:
        key = (c.field, c.op, c.value, c.min, c.max)
        hits = self._memo.get(key)
        if hits is None:
            hits = self._evaluate(c)
            self._memo[key] = hits
        return self.everything - hits if c.negate else hits

    def _evaluate(self, c: Condition) -> frozenset[int]:
        if c.field == ConditionField.AMOUNT:
            amounts, rows = self.amounts()
            lo = 0 if c.min is None else bisect.bisect_left(amounts, int(c.min.scaleb(2)))
            hi = len(amounts) if c.max is None else bisect.bisect_right(amounts, int(c.max.scaleb(2)))
            return frozenset(rows[lo:hi])
        column = self.column(c.field)
        assert c.value is not None
        if c.op == ConditionOp.EQUALS:
            return frozenset(column.normed.get(norm(c.value), ()))
        keys: Iterable[str]
        if c.op == ConditionOp.CONTAINS:
            values, keys = column.folded, filter(methodcaller("__contains__", c.value.casefold()), column.folded)
        else:
            values, keys = column.exact, self._regex_hits(c, column.exact)
        out: set[int] = set()
        for key in keys:
            out.update(values[key])
        return frozenset(out)

    def _regex_hits(self, c: Condition, texts: Iterable[str]) -> list[str]:
        """The texts a regex condition matches: in C, a chunk at a time, each search with a time limit, and the
        whole within ``CONDITION_BUDGET``. A pattern that takes too long is recorded in ``slow`` and matches none."""
        pattern = c.value or ""
        try:
            search = partial(compiled(pattern).search, timeout=MATCH_TIMEOUT)
        except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
            self.slow[pattern] = f"does not compile ({exc})"
            return []
        texts = list(texts)
        if texts and tame(pattern) and max(map(len, texts)) <= _TAME_TEXT_LENGTH:
            # The time limit costs about a microsecond per search, 10× the search itself: skip it when the
            # pattern cannot backtrack its way into a hang on these texts (the budget below still holds).
            search = compiled(pattern).search
        hits: list[str] = []
        deadline = time.perf_counter() + CONDITION_BUDGET
        it = iter(texts)
        while chunk := list(itertools.islice(it, _CHUNK)):
            try:
                hits.extend(filter(search, chunk))
            except TimeoutError:
                self.slow[pattern] = f"took too long on {which_slow(search, chunk)}"
                return []
            if time.perf_counter() > deadline:
                self.slow[pattern] = f"took too long on the {c.field.value} texts ({CONDITION_BUDGET:g} s)"
                return []
        return hits

    def in_period(self, rule: Rule) -> frozenset[int]:
        """The rows dated within the rule's validity period (memoized per period)."""
        key = ("period", rule.valid_from, rule.valid_to)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(i for i, v in enumerate(self.views) if rule.valid_on(v.date))
        return found

    def rule_hits(self, rule: Rule) -> frozenset[int]:
        """The rows a custom rule's conditions match; none if one of its patterns was given up (a negated slow
        condition must not match everything), with the reason in ``warnings``."""
        assert rule.when is not None
        hits = self.when(rule.when)
        if rule.dated:
            hits = hits & self.in_period(rule)
        if self.slow:
            for pattern in patterns_in(rule):
                why = self.slow.get(pattern)
                if why is not None:
                    self.warnings[rule.id] = (f"Rule {rule.label!r}: its pattern {why}; simplify it. "
                                              "It was treated as not matching.")
                    return frozenset()
        return hits

    def _combine(self, match: str, items: Iterable[Condition | ConditionGroup]) -> frozenset[int]:
        result: frozenset[int] | None = None
        for item in items:
            hits = (self._combine(item.match, item.conditions) if isinstance(item, ConditionGroup)
                    else self.condition(item))
            if result is None:
                result = hits
            elif match == "all":
                result = result & hits
            else:
                result = result | hits
            if match == "all" and not result:
                return frozenset()
        return result or frozenset()

    def when(self, when: RuleWhen) -> frozenset[int]:
        return self._combine(when.match, when.conditions)


class RuleSet:
    """Enabled rules, compiled: custom rules in order, merchant rules by merchant key, category rules by name."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        ordered = sorted((r for r in rules if r.enabled), key=priority)
        self.custom = [r for r in ordered if r.kind == RuleKind.CUSTOM]
        # Per merchant or category, its rules in priority order: more than one when they cover different periods.
        self.merchant: dict[str, list[Rule]] = {}
        self.category: dict[str, list[Rule]] = {}
        for rule in ordered:
            if rule.kind == RuleKind.MERCHANT:
                self.merchant.setdefault(merchant_key(rule.merchant or ""), []).append(rule)
            elif rule.kind == RuleKind.CATEGORY:
                self.category.setdefault(category_key(rule.category or ""), []).append(rule)

    def fill(self, rows: Rows) -> dict[str, list[Rule | None]]:
        """Field → per row, the rule that fills it (the first match in priority order), or None."""
        n = len(rows)
        needs = {name: set(wanted) for name, wanted in rows.needs.items()}
        chosen: dict[str, list[Rule | None]] = {name: [None] * n for name in FIELDS}

        def take(rule: Rule, name: str, hits: Iterable[int]) -> None:
            column = chosen[name]
            for i in hits:
                column[i] = rule

        for rule in self.custom:
            wanted = [name for name in rule.fields if needs[name]]
            if not wanted:
                continue
            matched = rows.rule_hits(rule)
            for name in wanted:
                hits = needs[name] & matched
                if hits:
                    needs[name] -= hits
                    take(rule, name, hits)
            if not any(needs.values()):
                return chosen
        stages = (
            (self.merchant, rows.merchants, merchant_prefixes),  # the most specific merchant rule first
            (self.category, rows.categories, lambda key: (key,)),
        )
        for table, index, keys_of in stages:
            if not table or not (needs["account"] or needs["vat_code"]):
                continue
            for key, group in index().items():
                for rule in [rule for k in keys_of(key) if k in table for rule in table[k]]:
                    period = rows.in_period(rule) if rule.dated else None
                    for name in rule.fields:
                        need = needs[name]
                        taken = [i for i in group if i in need and (period is None or i in period)]
                        if taken:
                            need.difference_update(taken)
                            take(rule, name, taken)
        return chosen

    def changes(self, rows: Rows) -> list[RuleChange]:
        chosen = self.fill(rows)
        labels: dict[int, str] = {}
        out: list[RuleChange] = []
        make = RuleChange._make
        columns = [(name, chosen[name]) for name in FIELDS if any(chosen[name])]
        for i, view in enumerate(rows.views):
            for name, column in columns:
                rule = column[i]
                if rule is not None:
                    label = labels.get(id(rule))
                    if label is None:
                        label = labels[id(rule)] = rule.label
                    out.append(make((view.id, view.merchant, name, getattr(view, name),
                                     getattr(rule.then, name), rule.id, label)))
        return out


class _Cache:
    """A store's enabled rules, compiled once and dropped when a rule changes."""

    def __init__(self) -> None:
        self.rule_set: RuleSet | None = None

    def invalidate(self, _old: object = None, _new: object = None) -> None:
        self.rule_set = None


_caches: "weakref.WeakKeyDictionary[Store, _Cache]" = weakref.WeakKeyDictionary()


def cache_of(store: Store) -> _Cache:
    cache = _caches.get(store)
    if cache is None:
        cache = _Cache()
        rules_table(store).on_change.append(cache.invalidate)
        _caches[store] = cache
    return cache


def rule_set(store: Store, rules: Iterable[Rule] | None = None) -> RuleSet:
    if rules is not None:
        return RuleSet(rules)
    cache = cache_of(store)
    if cache.rule_set is None:
        cache.rule_set = RuleSet(rules_table(store).values())
    return cache.rule_set


def views_of(store: Store, ids: Iterable[str], statuses: frozenset[Status]) -> list[TxView]:
    """The projections of these transactions that have one of ``statuses``: the rows the engine looks at."""
    view_of = store.tx_views.get
    views: list[TxView] = []
    for tx_id in ids:
        view = view_of(tx_id)
        if view is not None and view.status in statuses:
            views.append(view)
    return views


PREPARE = frozenset({Status.PREPARE})

