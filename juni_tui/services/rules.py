"""Accounting rules: fill in missing pre-accounting values before the accountant has to.

Three kinds of rule, in a fixed priority (reference peers-and-bookkeeping.md §2): **custom** rules (conditions
combined with and/or, ordered by position) before **merchant** rules before **category** rules. For each field,
the first matching rule that sets it wins; a rule fills only the fields it sets.

What rules may touch: only Prepare transactions, and only fields that are empty. A value the user set by hand
(origin MANUAL) or that came with the import is never replaced, and ready, queued or exported transactions are
never changed. Rules run by themselves on new transactions (``apply_to_new``); for existing ones the user sees
every change first (``preview_apply_to_existing`` → ``apply_changes``).

Beyond Juni, ``suggest`` proposes an account and VAT code from what was exported before for the same merchant,
with its evidence; a suggestion is applied only when the user accepts it (``accept_suggestions``).

Speed: rules run over many transactions at once. Each condition is evaluated once per *distinct* value of its
field (a few thousand merchants, not 50 000 transactions) and memoized; a rule's matches are a set of row
numbers, and and/or are set intersections and unions. Every path (a single transaction included) uses this
one engine, so the preview, the import and the detail view cannot disagree.

Safety: a user's regex is matched by the ``regex`` package with a time limit per text (``MATCH_TIMEOUT``) and per
condition (``CONDITION_BUDGET``), and may be at most ``MAX_PATTERN_LENGTH`` characters. A pattern that takes too
long makes its rule match nothing, and the caller gets a sentence naming the rule and the text (``warnings``):
never a hang, never a traceback.

All writes are one ``store.commit`` with an audit record, whatever the number of transactions.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import re
import time
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial
from operator import methodcaller
from typing import Any, NamedTuple

import regex
from pydantic import ValidationError

try:  # Python's own pattern parser, to tell a pattern that cannot backtrack much (``_tame``)
    import re._constants as _sre
    from re._parser import parse as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre  # type: ignore[no-redef]
    from sre_parse import parse as _sre_parse  # type: ignore[no-redef]

from juni_tui.domain.clock import utcnow
from juni_tui.domain.rules import (
    Condition,
    ConditionField,
    ConditionGroup,
    ConditionOp,
    MAX_PATTERN_LENGTH,
    Rule,
    RuleActions,
    RuleKind,
    RuleWhen,
)
from juni_tui.domain.transactions import FieldSource, Origin, PRE_ACCOUNTING_FIELDS, Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services import workflow
from juni_tui.services.store import Store, StoreError, Table

TABLE = "rules"
FIELDS = PRE_ACCOUNTING_FIELDS
#: Fields that live on the split lines when a transaction is split: a rule leaves them alone then.
LINE_FIELDS = frozenset({"account", "vat_code", "cost_center", "project"})
FIELD_LABELS = {
    "account": "account",
    "vat_code": "VAT code",
    "cost_center": "cost center",
    "project": "project",
    "no_receipt_reason": "no receipt needed",
    "splits": "split",
}


#: How long a user's regex may take on one text before the rule counts as not matching, in seconds.
MATCH_TIMEOUT = 0.05
#: How long one regex condition may take over all the distinct texts it looks at (thousands of merchants).
CONDITION_BUDGET = 1.0
#: The longest regex a rule may have: a longer one is refused when the rule is saved or read from a file.
_CHUNK = 512  # texts per call into C between two looks at the clock
#: Texts up to this long may skip the per-search time limit when the pattern backtracks little (``_tame``): with at
#: most one variable repeat and nothing nested, a search is at worst quadratic, 40 000 steps here.
_TAME_TEXT_LENGTH = 200


class RuleError(StoreError):
    """A rule the service refuses, or a request about rules it cannot do, worded for the user."""


# --- merchant names -------------------------------------------------------------------------------------------

_PROCESSOR_PREFIX = re.compile(r"^\s*(?:sq|sp|sumup|iz|izettle|zettle_?|paypal|pp|tst)\s*\*\s*", re.IGNORECASE)
_TRAILING_NOISE = frozenset(
    # cities and districts that card descriptors append
    "stockholm sthlm goteborg gothenburg malmo uppsala vasteras orebro linkoping helsingborg jonkoping norrkoping "
    "lund umea gavle boras sodertalje eskilstuna halmstad vaxjo karlstad sundsvall lulea solna sundbyberg nacka "
    "kista arlanda bromma taby huddinge oslo copenhagen kobenhavn helsinki london dublin amsterdam berlin "
    # countries and country codes
    "se swe sweden sverige no nor norway dk dnk denmark fi fin finland de deu germany gb gbr uk ie irl ireland us "
    "usa nl nld fr fra lu lux ee "
    # company forms and web suffixes
    "ab publ inc ltd llc gmbh oy aps bv as limited corp com net org io".split()
)


@lru_cache(maxsize=65536)
def merchant_key(name: str) -> str:
    """A merchant's name reduced to what identifies it: ``ESPRESSO HOUSE 123 STOCKHOLM`` → ``espresso house``.

    Case, accents and punctuation go; so do a card processor's prefix (``SQ *``, ``PAYPAL *``) and trailing
    store numbers, cities, countries and company forms (``AB``, ``Ltd``). The first word always stays.
    Merchant rules and the history match on these keys, by whole-word prefix (``merchant_prefixes``).
    """
    text = _PROCESSOR_PREFIX.sub("", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    tokens = re.sub(r"[^0-9a-z]+", " ", text).split()
    if tokens and tokens[0] == "www":
        tokens = tokens[1:]
    while len(tokens) > 1 and (
        tokens[-1] in _TRAILING_NOISE
        or any(ch.isdigit() for ch in tokens[-1])
        or (len(tokens[-1]) == 1 and tokens[-2] in _TRAILING_NOISE)  # STOCKHOLM C
    ):
        tokens.pop()
    return " ".join(tokens) or " ".join(name.casefold().split())


def merchant_prefixes(key: str) -> list[str]:
    """The key and its shorter word prefixes, longest first: ``adobe creative cloud``, ``adobe creative``,
    ``adobe``. A merchant rule (or the history) for ``adobe`` covers all of them; a longer one is more specific."""
    words = key.split()
    return [" ".join(words[:n]) for n in range(len(words), 0, -1)]


def merchant_display(name: str, key: str | None = None) -> str:
    """A readable form of the merchant for messages: ``ESPRESSO HOUSE 123 STOCKHOLM`` → ``Espresso House``."""
    key = key if key is not None else merchant_key(name)
    words = _PROCESSOR_PREFIX.sub("", name).split()[: len(key.split())]
    shown = " ".join(words).strip(" .,;:-*#")
    if not shown or merchant_key(shown) != key:
        return key.title()
    return shown.title() if shown.isupper() else shown


# --- reading rules --------------------------------------------------------------------------------------------


def rules_table(store: Store) -> Table[Rule]:
    return store.table(TABLE, Rule, "id")


def _priority(rule: Rule) -> tuple:
    order = {RuleKind.CUSTOM: 0, RuleKind.MERCHANT: 1, RuleKind.CATEGORY: 2}[rule.kind]
    if rule.kind == RuleKind.CUSTOM:
        return (order, rule.position, rule.id)
    return (order, 0, rule.name.casefold(), rule.id)


def list_rules(store: Store, kind: RuleKind | None = None) -> list[Rule]:
    """Every rule in priority order: custom by position, then merchant and category rules by name."""
    rules = [r for r in rules_table(store).values() if kind is None or r.kind == kind]
    return sorted(rules, key=_priority)


def get_rule(store: Store, rule_id: str) -> Rule:
    rule = rules_table(store).get(rule_id)
    if rule is None:
        raise RuleError(f"There is no rule {rule_id}.")
    return rule


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
    """The rule's "when", in words, for the Rules screen."""
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
            n = loc[i + 1] + 1
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


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """A rule from plain data (a form, a file), or RuleError with a clear reason."""
    try:
        return Rule.model_validate(dict(data))
    except ValidationError as exc:
        raise RuleError(friendly_validation_error(exc)) from None


# --- the engine -----------------------------------------------------------------------------------------------

_DOC_FIELDS = {
    ConditionField.MERCHANT: "merchant",
    ConditionField.DESCRIPTION: "description",
    ConditionField.CARD: "card",
    ConditionField.CARDHOLDER: "cardholder",
    ConditionField.CATEGORY: "category",
    ConditionField.CURRENCY: "original_currency",
    ConditionField.COUNTRY: "merchant_country",
}


def _fillable(name: str, value: Any, manual: bool, split: bool, receipts: bool) -> bool:
    """Whether a rule may fill this field: it is empty, the user did not set it (to empty) by hand, it is not on
    the split lines of a split transaction, and it is not "no receipt needed" when a receipt is attached."""
    return (
        value in (None, "")
        and not manual
        and not (split and name in LINE_FIELDS)
        and not (receipts and name == "no_receipt_reason")
    )


def _missing_in_doc(doc: Mapping[str, Any]) -> set[str]:
    """The fields a rule may fill, for a stored document."""
    sources = doc.get("sources") or {}
    split, receipts = bool(doc.get("splits")), bool(doc.get("receipts"))
    return {
        name for name in FIELDS
        if _fillable(name, doc.get(name), (sources.get(name) or {}).get("origin") == Origin.MANUAL.value, split,
                     receipts)
    }


def _fillable_in(tx: Transaction, name: str) -> bool:
    source = tx.sources.get(name)
    return _fillable(name, getattr(tx, name), source is not None and source.origin == Origin.MANUAL,
                     bool(tx.splits), bool(tx.receipts))


@contextmanager
def _gc_paused() -> Iterator[None]:
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


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


class _Column:
    """The distinct values of one field with their row numbers, three ways: as stored (for regexes), casefolded
    (for contains) and normalized (for equals, which is then one dict lookup)."""

    __slots__ = ("raw", "folded", "normed")

    def __init__(self, values: Sequence[str]) -> None:
        self.raw: dict[str, list[int]] = {}
        raw = self.raw
        for i, value in enumerate(values):
            rows = raw.get(value)
            if rows is None:
                raw[value] = [i]
            else:
                rows.append(i)
        self.folded: dict[str, list[int]] = {}
        self.normed: dict[str, list[int]] = {}
        for value, rows in self.raw.items():
            self.folded.setdefault(value.casefold(), []).extend(rows)
            self.normed.setdefault(_norm(value), []).extend(rows)


def _ore(value: Any) -> int:
    """A stored amount (``"-1250.00"``) as whole öre, without its sign: what an amount condition compares."""
    if isinstance(value, str) and len(value) > 3 and value[-3] == ".":
        try:
            return abs(int(value[:-3] + value[-2:]))
        except ValueError:
            pass
    return abs(int(Decimal(str(value)).scaleb(2).to_integral_value()))


def _needs(docs: Sequence[Mapping[str, Any]]) -> dict[str, set[int]]:
    """Field → rows where it is empty and a rule may fill it: one pass per field, and ``_missing_in_doc`` for the few
    documents with splits, receipts or recorded sources."""
    needs = {name: {i for i, doc in enumerate(docs) if doc.get(name) in (None, "")} for name in FIELDS}
    for i, doc in enumerate(docs):
        if "splits" in doc or "receipts" in doc or "sources" in doc:
            missing = _missing_in_doc(doc)
            for name in FIELDS:
                if name not in missing:
                    needs[name].discard(i)
    return needs


class _Rows:
    """The transactions the engine looks at, as stored documents, with columns and indexes built on first use.

    A condition is evaluated once per distinct value of its field, in C where it can be (``filter`` over the
    distinct values), and memoized; its result is a set of row numbers.
    """

    def __init__(self, docs: Sequence[Mapping[str, Any]], *, needs: bool = True) -> None:
        self.docs = docs
        #: field → the rows where a rule may fill it (see ``_fillable``); empty when only matching is asked for
        self.needs: dict[str, set[int]] = _needs(docs) if needs else {name: set() for name in FIELDS}
        self.everything = frozenset(range(len(docs)))
        self._columns: dict[ConditionField, _Column] = {}
        self._amounts: tuple[list[int], list[int]] | None = None
        self._memo: dict[tuple, frozenset[int]] = {}
        self._indexes: dict[str, dict[str, list[int]]] = {}
        #: regex pattern → why it was given up (it took too long, or does not compile): its rules match nothing
        self.slow: dict[str, str] = {}
        #: rule id → the sentence for the user about it
        self.warnings: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def column(self, name: ConditionField) -> _Column:
        column = self._columns.get(name)
        if column is None:
            doc_field = _DOC_FIELDS[name]
            default = "SEK" if name == ConditionField.CURRENCY else ""
            column = _Column([doc.get(doc_field) or default for doc in self.docs])
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
            "merchant", lambda: ((merchant_key(v), rows) for v, rows in self.column(ConditionField.MERCHANT).raw.items())
        )

    def merchant_prefixes(self) -> dict[str, list[int]]:
        """Every word prefix of a merchant key → rows: what a merchant rule for that prefix covers."""
        return self._indexed(
            "prefix", lambda: ((p, rows) for key, rows in self.merchants().items() for p in merchant_prefixes(key))
        )

    def categories(self) -> dict[str, list[int]]:
        """Category (normalized, as ``_category_key``) → rows."""
        return self.column(ConditionField.CATEGORY).normed

    def amounts(self) -> tuple[list[int], list[int]]:
        """Amounts in öre as the user thinks of them (a purchase of 500 SEK is 500), sorted, with their rows."""
        if self._amounts is None:
            ore = [_ore(doc["amount"]) for doc in self.docs]
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
            return frozenset(column.normed.get(_norm(c.value), ()))
        if c.op == ConditionOp.CONTAINS:
            values, keys = column.folded, filter(methodcaller("__contains__", c.value.casefold()), column.folded)
        else:
            values, keys = column.raw, self._regex_hits(c, column.raw)
        out: set[int] = set()
        for key in keys:
            out.update(values[key])
        return frozenset(out)

    def _regex_hits(self, c: Condition, texts: Iterable[str]) -> list[str]:
        """The texts a regex condition matches: in C, a chunk at a time, each search with a time limit, and the
        whole within ``CONDITION_BUDGET``. A pattern that takes too long is recorded in ``slow`` and matches none."""
        pattern = c.value or ""
        try:
            search = partial(_regex(pattern).search, timeout=MATCH_TIMEOUT)
        except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
            self.slow[pattern] = f"does not compile ({exc})"
            return []
        texts = list(texts)
        if texts and _tame(pattern) and max(map(len, texts)) <= _TAME_TEXT_LENGTH:
            # The time limit costs about a microsecond per search, 10× the search itself: skip it when the
            # pattern cannot backtrack its way into a hang on these texts (the budget below still holds).
            search = _regex(pattern).search
        hits: list[str] = []
        deadline = time.perf_counter() + CONDITION_BUDGET
        it = iter(texts)
        while chunk := list(itertools.islice(it, _CHUNK)):
            try:
                hits.extend(filter(search, chunk))
            except TimeoutError:
                self.slow[pattern] = f"took too long on {_which_slow(search, chunk)}"
                return []
            if time.perf_counter() > deadline:
                self.slow[pattern] = f"took too long on the {c.field.value} texts ({CONDITION_BUDGET:g} s)"
                return []
        return hits

    def rule_hits(self, rule: Rule) -> frozenset[int]:
        """The rows a custom rule's conditions match; none if one of its patterns was given up (a negated slow
        condition must not match everything), with the reason in ``warnings``."""
        assert rule.when is not None
        hits = self.when(rule.when)
        if self.slow:
            for pattern in _patterns(rule):
                why = self.slow.get(pattern)
                if why is not None:
                    self.warnings[rule.id] = (f"Rule {rule.label!r}: its pattern {why}; simplify it. "
                                              "It was treated as not matching.")
                    return frozenset()
        return hits

    def _combine(self, match: str, items: Iterable[Condition | ConditionGroup]) -> frozenset[int]:
        result: frozenset[int] | None = None
        for item in items:
            hits = self._combine(item.match, item.conditions) if isinstance(item, ConditionGroup) else self.condition(item)
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


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> regex.Pattern[str]:
    """A user's pattern, compiled by the ``regex`` package (which takes a time limit per match) the way Python's
    ``re`` reads it (VERSION0), case-insensitive."""
    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


_VARIABLE_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)})
_ATOMS = frozenset({_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN, _sre.AT, _sre.CATEGORY})


@lru_cache(maxsize=4096)
def _tame(pattern: str) -> bool:
    """True if ``pattern`` backtracks little: at most one repeat of variable length, none inside another repeat, no
    alternatives inside a repeat, no back-references (read by Python's own parser; anything it does not know is
    not tame). ``^(\\w|\\w\\w)+$`` and ``(a+)+`` are not; ``^adobe\\b.*\\d`` and ``sas|norwegian`` are."""
    try:
        tree = _sre_parse(pattern, re.IGNORECASE)
    except Exception:  # noqa: BLE001 - a pattern only the regex package reads: it keeps its time limit
        return False
    variable = 0

    def walk(items: Any, in_repeat: bool) -> bool:
        nonlocal variable
        for op, arg in items:
            if op in _ATOMS:
                continue
            if op in _VARIABLE_REPEATS:
                low, high, body = arg
                if high != low:
                    variable += 1
                    if in_repeat or variable > 1:
                        return False
                if not walk(body, in_repeat or high > 1):
                    return False
            elif op == _sre.BRANCH:
                if in_repeat or not all(walk(alt, in_repeat) for alt in arg[1]):
                    return False
            elif op == _sre.SUBPATTERN:
                if not walk(arg[-1], in_repeat):
                    return False
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                if not walk(arg[1], in_repeat):
                    return False
            else:  # back-references, conditionals, atomic groups and whatever a later Python adds
                return False
        return True

    return walk(tree, False)


def _which_slow(search: Callable[[str], Any], chunk: Sequence[str]) -> str:
    """The first text of ``chunk`` the search gives up on, quoted (shortened) for a message."""
    for text in chunk:
        try:
            search(text)
        except TimeoutError:
            shown = text if len(text) <= 60 else text[:57] + "…"
            return repr(shown)
    return "a text"


def _patterns(rule: Rule) -> Iterator[str]:
    """The regex patterns in a custom rule's conditions, brackets included."""
    if rule.when is None:
        return
    for item in rule.when.conditions:
        for c in item.conditions if isinstance(item, ConditionGroup) else (item,):
            if c.op == ConditionOp.REGEX and c.value is not None:
                yield c.value


def check_patterns(rule: Rule) -> None:
    """Refuse a regex longer than ``MAX_PATTERN_LENGTH`` or one the matching engine cannot compile."""
    for pattern in _patterns(rule):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise RuleError(f"the pattern {pattern[:40]!r}… is {len(pattern)} characters; a rule's pattern may have "
                            f"at most {MAX_PATTERN_LENGTH} characters. Shorten it, or split the rule in two.")
        try:
            _regex(pattern)
        except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
            raise RuleError(f"the pattern {pattern!r} does not compile: {exc}") from None


def _category_key(category: str) -> str:
    return _norm(category)


class _RuleSet:
    """Enabled rules, compiled: custom rules in order, merchant rules by merchant key, category rules by name."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        ordered = sorted((r for r in rules if r.enabled), key=_priority)
        self.custom = [r for r in ordered if r.kind == RuleKind.CUSTOM]
        self.merchant: dict[str, Rule] = {}
        self.category: dict[str, Rule] = {}
        for rule in ordered:
            if rule.kind == RuleKind.MERCHANT:
                self.merchant.setdefault(merchant_key(rule.merchant or ""), rule)
            elif rule.kind == RuleKind.CATEGORY:
                self.category.setdefault(_category_key(rule.category or ""), rule)

    def fill(self, rows: _Rows) -> dict[str, list[Rule | None]]:
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
                for rule in [table[k] for k in keys_of(key) if k in table]:
                    for name in rule.fields:
                        need = needs[name]
                        hits = [i for i in group if i in need]
                        if hits:
                            need.difference_update(hits)
                            take(rule, name, hits)
        return chosen

    def changes(self, rows: _Rows) -> list["RuleChange"]:
        chosen = self.fill(rows)
        labels: dict[int, str] = {}
        out: list[RuleChange] = []
        make = RuleChange._make
        columns = [(name, chosen[name]) for name in FIELDS if any(chosen[name])]
        for i, doc in enumerate(rows.docs):
            for name, column in columns:
                rule = column[i]
                if rule is not None:
                    label = labels.get(id(rule))
                    if label is None:
                        label = labels[id(rule)] = rule.label
                    out.append(make((doc["id"], doc.get("merchant", ""), name, doc.get(name),
                                     getattr(rule.then, name), rule.id, label)))
        return out


def _matches(rule: Rule, rows: _Rows) -> frozenset[int]:
    """The rows a rule's "when" matches, whether or not it would fill anything, enabled or not."""
    if rule.kind == RuleKind.CUSTOM:
        return rows.rule_hits(rule)
    if rule.kind == RuleKind.MERCHANT:
        return frozenset(rows.merchant_prefixes().get(merchant_key(rule.merchant or ""), ()))
    return frozenset(rows.categories().get(_category_key(rule.category or ""), ()))


# --- per-store cache: compiled rules and the merchant history -------------------------------------------------


class MerchantHistory:
    """What was exported for each merchant: (account, VAT code) → how often. Built once, kept up to date.

    Fed from ``store.history_index`` (one summary per exported transaction); each new export updates it through
    the table's change hook, so a suggestion never rescans the history.
    """

    def __init__(self) -> None:
        self.pairs: dict[str, Counter[tuple[int, VatCode | None]]] = {}
        self.names: dict[str, str] = {}

    def _add(self, doc: Mapping[str, Any], sign: int) -> None:
        account = doc.get("account")
        if account is None:
            return
        key = merchant_key(doc.get("merchant") or "")
        vat = doc.get("vat_code")
        counter = self.pairs.setdefault(key, Counter())
        counter[(int(account), VatCode(vat) if vat else None)] += sign
        if sign > 0:
            self.names.setdefault(key, merchant_display(doc.get("merchant") or "", key))

    def on_change(self, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
        if old is not None:
            self._add(old, -1)
        if new is not None:
            self._add(new, +1)

    def load(self, docs: Iterable[Mapping[str, Any]]) -> None:
        seen: Counter[tuple[str, Any, Any]] = Counter()  # count first, normalize once per distinct text
        for doc in docs:
            if doc.get("account") is not None:
                seen[(doc.get("merchant") or "", doc["account"], doc.get("vat_code"))] += 1
        for (merchant, account, vat), n in seen.items():
            key = merchant_key(merchant)
            self.pairs.setdefault(key, Counter())[(int(account), VatCode(vat) if vat else None)] += n
            self.names.setdefault(key, merchant_display(merchant, key))

    def lookup(self, merchant: str) -> tuple[str, Counter[tuple[int, VatCode | None]]] | None:
        """The history of the merchant (its key, and how often each pair was used), by the longest word prefix
        of its name that has any: ``APPLE.COM/BILL`` finds the exports of ``Apple``."""
        for prefix in merchant_prefixes(merchant_key(merchant)):  # a merchant key is its own key
            counts = +self.pairs.get(prefix, Counter())
            if counts:
                return prefix, counts
        return None


class _Cache:
    def __init__(self) -> None:
        self.rule_set: _RuleSet | None = None
        self.history: MerchantHistory | None = None

    def invalidate(self, _old: object = None, _new: object = None) -> None:
        self.rule_set = None


_caches: "weakref.WeakKeyDictionary[Store, _Cache]" = weakref.WeakKeyDictionary()


def _cache(store: Store) -> _Cache:
    cache = _caches.get(store)
    if cache is None:
        cache = _Cache()
        rules_table(store).on_change.append(cache.invalidate)
        _caches[store] = cache
    return cache


def _rule_set(store: Store, rules: Iterable[Rule] | None = None) -> _RuleSet:
    if rules is not None:
        return _RuleSet(rules)
    cache = _cache(store)
    if cache.rule_set is None:
        cache.rule_set = _RuleSet(rules_table(store).values())
    return cache.rule_set


def merchant_history(store: Store) -> MerchantHistory:
    cache = _cache(store)
    if cache.history is None:
        history = MerchantHistory()
        index = store.history_index
        with _gc_paused():
            history.load(doc for key in list(index.keys()) if (doc := index.raw(key)) is not None)
        index.on_change.append(history.on_change)
        cache.history = history
    return cache.history


# --- changes and applying them --------------------------------------------------------------------------------


class RuleChange(NamedTuple):
    """One value a rule (or an accepted suggestion) fills in: transaction, field, old → new, and who."""

    tx_id: str
    merchant: str
    field: str
    old: Any
    new: Any
    rule_id: str | None
    label: str

    def describe(self) -> str:
        return (
            f"{self.tx_id} {self.merchant}: {FIELD_LABELS[self.field]} "
            f"{format_value(self.field, self.old)} → {format_value(self.field, self.new)} ({self.label})"
        )


@dataclass
class ApplyReport:
    """What an apply did: the values it filled, and those it left out with the reason."""

    applied: list[RuleChange] = field(default_factory=list)
    skipped: list[tuple[RuleChange, str]] = field(default_factory=list)
    #: rules that were treated as not matching, each with why (a regex that took too long): say these
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_ids(self) -> list[str]:
        return list(dict.fromkeys(c.tx_id for c in self.applied))

    @property
    def summary(self) -> str:
        n = len(self.changed_ids)
        text = f"{len(self.applied)} value{'s' * (len(self.applied) != 1)} filled on {n} transaction{'s' * (n != 1)}"
        if self.skipped:
            text += f"; {len(self.skipped)} left out"
        if self.warnings:
            text += ". " + " ".join(self.warnings).rstrip(".")
        return text


class ChangeList(list["RuleChange"]):
    """The changes a preview lists, and ``warnings`` about rules that were treated as not matching."""

    def __init__(self, changes: Iterable[RuleChange] = (), warnings: Iterable[str] = ()) -> None:
        super().__init__(changes)
        self.warnings = list(warnings)


class MatchCounts(dict[str, int]):
    """Rule id → matches, and ``warnings`` about rules that were treated as not matching."""

    def __init__(self, counts: Mapping[str, int], warnings: Iterable[str] = ()) -> None:
        super().__init__(counts)
        self.warnings = list(warnings)


def _docs_of(store: Store, ids: Iterable[str], statuses: frozenset[Status]) -> list[Mapping[str, Any]]:
    wanted = {s.value for s in statuses}
    docs = []
    for tx_id in ids:
        doc = store.transactions.raw(tx_id)
        if doc is not None and doc.get("status", Status.PREPARE.value) in wanted:
            docs.append(doc)
    return docs


_PREPARE = frozenset({Status.PREPARE})


def _value_problem(store: Store, name: str, value: Any) -> str | None:
    """Why a value cannot be set now (an inactive account, an unknown cost center), or None."""
    try:
        workflow.check_value(store, name, value)
    except workflow.WorkflowError as exc:
        return str(exc)
    return None


def _commit_changes(
    store: Store, changes: Iterable[RuleChange], origin: Origin, action: str
) -> ApplyReport:
    """Fill the values, with the same semantics as ``workflow.set_values(..., only_missing=True,
    overwrite_manual=False)``, checked again against the transactions as they are now; one commit."""
    report = ApplyReport()
    by_tx: dict[str, list[RuleChange]] = {}
    for change in changes:
        by_tx.setdefault(change.tx_id, []).append(change)
    problems: dict[tuple[str, Any], str | None] = {}
    sources_of: dict[tuple[str | None, str], FieldSource] = {}  # one FieldSource per rule, shared
    updated: list[Transaction] = []
    now = utcnow()
    for tx_id, items in by_tx.items():
        tx = store.transactions.get(tx_id)
        if tx is None or tx.status != Status.PREPARE:
            where = "it was exported" if tx is None and tx_id in store.history else (
                "it no longer exists" if tx is None else f"it is no longer in Prepare ({tx.status.label})"
            )
            report.skipped.extend((c, where) for c in items)
            continue
        update: dict[str, Any] = {}
        sources = dict(tx.sources)
        for change in items:
            if change.field in update or not _fillable_in(tx, change.field):
                report.skipped.append((change, f"{FIELD_LABELS[change.field]} already has a value"))
                continue
            key = (change.field, change.new)
            if key not in problems:
                problems[key] = _value_problem(store, change.field, change.new)
            if problems[key]:
                report.skipped.append((change, problems[key] or ""))
                continue
            update[change.field] = change.new
            source = sources_of.get((change.rule_id, change.label))
            if source is None:
                source = sources_of[(change.rule_id, change.label)] = FieldSource(
                    origin=origin, rule_id=change.rule_id, label=change.label)
            sources[change.field] = source
            report.applied.append(change)
        if update:
            updated.append(tx.model_copy(update={**update, "sources": sources, "updated_at": now}))
    if updated:
        store.commit(
            updated,
            audit={
                "action": action,
                "ids": [tx.id for tx in updated],
                "values": len(report.applied),
                "by": dict(Counter(c.rule_id or c.label for c in report.applied)),
            },
        )
    return report


@_gc_paused()
def apply_to_new(store: Store, ids: Iterable[str]) -> ApplyReport:
    """After import, or when transactions are created: fill their missing values from the enabled rules.

    Only Prepare transactions, only empty fields; one commit for the whole set.
    """
    rows = _Rows(_docs_of(store, ids, _PREPARE))
    report = _commit_changes(store, _rule_set(store).changes(rows), Origin.RULE, "rules-apply")
    report.warnings = list(rows.warnings.values())
    return report


@_gc_paused()
def preview_apply_to_existing(store: Store, rules: Iterable[Rule] | None = None) -> ChangeList:
    """Every value the rules would fill on Prepare transactions now, changing nothing.

    ``rules``: only these (e.g. the rule just added or edited); by default every enabled rule. Disabled rules
    never apply. Pass the result, or the part the user keeps, to ``apply_changes``.
    """
    rows = _Rows(_docs_of(store, store.ids(Status.PREPARE), _PREPARE))
    changes = _rule_set(store, rules).changes(rows)
    return ChangeList(changes, rows.warnings.values())


@_gc_paused()
def apply_changes(store: Store, changes: Iterable[RuleChange]) -> ApplyReport:
    """Apply a previewed list of rule changes (one commit). A change that no longer fits is left out, with why."""
    return _commit_changes(store, changes, Origin.RULE, "rules-apply-existing")


# --- which transactions a rule matches ------------------------------------------------------------------------


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


def _live_rows(store: Store) -> _Rows:
    return _Rows(_docs_of(store, store.ids(Status.PREPARE, Status.READY), _LIVE), needs=False)


@_gc_paused()
def matching_ids(store: Store, rule: Rule) -> RuleMatches:
    """The Prepare and Ready transactions the rule's conditions match (whether or not it has values to fill)."""
    rows = _live_rows(store)
    found = _split_by_status(rows, _matches(rule, rows))
    warning = rows.warnings.get(rule.id)
    return RuleMatches(found.prepare, found.ready, warning) if warning else found


@_gc_paused()
def match_counts(store: Store, rules: Iterable[Rule] | None = None) -> MatchCounts:
    """Rule id → how many Prepare and Ready transactions it matches now, for the Rules list (one pass)."""
    rows = _live_rows(store)
    counts = {r.id: len(_matches(r, rows)) for r in (list_rules(store) if rules is None else rules)}
    return MatchCounts(counts, rows.warnings.values())


def _split_by_status(rows: _Rows, hits: Iterable[int]) -> RuleMatches:
    prepare, ready = [], []
    for i in sorted(hits):
        doc = rows.docs[i]
        (ready if doc.get("status") == Status.READY.value else prepare).append(doc["id"])
    return RuleMatches(prepare=prepare, ready=ready)


# --- rule CRUD ------------------------------------------------------------------------------------------------


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
        problem = _value_problem(store, name, value)
        if problem:
            raise RuleError(problem)


def check_rule_conflicts(rule: Rule, others: Iterable[Rule]) -> None:
    """Refuse a second rule for the same merchant (as normalized) or the same category."""
    for other in others:
        if other.id == rule.id or other.kind != rule.kind:
            continue
        if rule.kind == RuleKind.MERCHANT and merchant_key(other.merchant or "") == merchant_key(rule.merchant or ""):
            also = "" if _norm(other.merchant or "") == _norm(rule.merchant or "") else (
                f', and it covers "{rule.merchant}" too')
            raise RuleError(
                f'There is already a merchant rule for "{other.merchant}" ({other.id}){also}. Change that rule instead.'
            )
        if rule.kind == RuleKind.CATEGORY and _category_key(other.category or "") == _category_key(rule.category or ""):
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
        custom = [r for r in sorted(existing, key=_priority) if r.kind == RuleKind.CUSTOM]
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


# --- suggestions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """Values proposed from earlier exports of the same merchant, with the evidence. Never applied by itself."""

    tx_id: str
    merchant: str
    values: dict[str, Any]
    count: int
    total: int
    evidence: str

    @property
    def label(self) -> str:
        return f"Suggestion: {self.evidence}"


def _suggestion_for(
    history: MerchantHistory, found: tuple[str, Counter] | None, doc: Mapping[str, Any], wanted: list[str],
    known: Mapping[str, Any],
) -> Suggestion | None:
    """``found``: the merchant's history (``MerchantHistory.lookup``); ``wanted``: account and/or vat_code;
    ``known``: the values the transaction has, or that the rules will give it."""
    if found is None or not wanted:
        return None
    key, counts = found
    name = history.names.get(key) or key.title()
    condition = ""
    if wanted == ["vat_code"] and known.get("account") is not None:  # what VAT code went with that account
        account = int(known["account"])
        counts = Counter({pair: n for pair, n in counts.items() if pair[0] == account})
        condition = f" on account {account}"
    elif wanted == ["account"] and known.get("vat_code"):
        vat = VatCode(known["vat_code"])
        counts = Counter({pair: n for pair, n in counts.items() if pair[1] == vat})
        condition = f" with VAT code {vat.value}"
    total = sum(counts.values())
    if not total:
        return None
    (pair, count), *_ = counts.most_common(1)
    if count * 2 <= total:  # no clear majority: say nothing rather than guess
        return None
    values = {n: v for n, v in zip(("account", "vat_code"), pair) if n in wanted and v is not None}
    if not values:
        return None
    used = " / ".join(format_value(n, v) for n, v in zip(("account", "vat_code"), pair) if v is not None)
    evidence = f"{count} of {total} earlier export{'s' * (total != 1)} of {name}{condition} used {used}"
    return Suggestion(tx_id=doc["id"], merchant=name, values=values, count=count, total=total, evidence=evidence)


@_gc_paused()
def suggestions(store: Store, ids: Iterable[str] | None = None) -> dict[str, Suggestion]:
    """Transaction id → suggestion, for Prepare transactions (default: all) whose account or VAT code no rule fills.

    The rules are run first (without changing anything): a field a rule would fill is not suggested.
    """
    docs = _docs_of(store, store.ids(Status.PREPARE) if ids is None else ids, _PREPARE)
    return _suggest_rows(store, _Rows(docs))


def _suggest_rows(store: Store, rows: _Rows) -> dict[str, Suggestion]:
    history = merchant_history(store)
    if not history.pairs:
        return {}
    filled = _rule_set(store).fill(rows)
    out: dict[str, Suggestion] = {}
    for key, group in rows.merchants().items():
        found: Any = ...  # looked up once per merchant, and only if a row needs it
        for i in group:
            doc = rows.docs[i]
            wanted = [n for n in ("account", "vat_code") if i in rows.needs[n] and filled[n][i] is None]
            if not wanted:
                continue
            if found is ...:
                found = history.lookup(key)
            known = {n: doc.get(n) if filled[n][i] is None else getattr(filled[n][i].then, n)
                     for n in ("account", "vat_code")}
            suggestion = _suggestion_for(history, found, doc, wanted, known)
            if suggestion is not None:
                out[doc["id"]] = suggestion
    return {doc["id"]: out[doc["id"]] for doc in rows.docs if doc["id"] in out}


def suggest(store: Store, tx: Transaction) -> Suggestion | None:
    """A suggestion for one Prepare transaction, or None (no history, no clear majority, or a rule fills it)."""
    if tx.status != Status.PREPARE:
        return None
    doc = tx.model_dump(mode="json", exclude_defaults=True)
    return _suggest_rows(store, _Rows([doc])).get(tx.id)


@_gc_paused()
def accept_suggestions(store: Store, ids: Iterable[str]) -> ApplyReport:
    """The user accepts the suggestions for these transactions: fill them, origin SUGGESTION, one commit."""
    found = suggestions(store, ids)
    changes = []
    for tx_id, s in found.items():
        tx = store.transactions[tx_id]
        for name, value in s.values.items():
            changes.append(RuleChange(tx_id=tx_id, merchant=tx.merchant, field=name, old=getattr(tx, name),
                                      new=value, rule_id=None, label=s.label))
    return _commit_changes(store, changes, Origin.SUGGESTION, "suggestions-accept")


# --- explaining -----------------------------------------------------------------------------------------------


def explain(store: Store, tx: Transaction) -> dict[str, str]:
    """Field → who set its value, for the detail view: ``{"account": "Merchant rule: Adobe", ...}``.

    Only fields that have a value. A rule deleted since is said so.
    """
    table = rules_table(store)
    out: dict[str, str] = {}
    for name in (*FIELDS, "splits"):
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
