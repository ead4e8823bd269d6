"""A user's regex: compiled the way the matching engine runs it, checked for length, and judged whether it can
backtrack its way into a hang (``tame``)."""

from __future__ import annotations

import re
import re._constants as _sre  # Python's own pattern parser, to tell a pattern that cannot backtrack much (``tame``)
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from re._parser import parse as _sre_parse
from typing import Any

import regex

from juni_tui.domain.rules import MAX_PATTERN_LENGTH, ConditionGroup, ConditionOp, Rule
from juni_tui.services.rules.table import RuleError


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> regex.Pattern[str]:
    """A user's pattern, compiled by the ``regex`` package (which takes a time limit per match) the way Python's
    ``re`` reads it (VERSION0), case-insensitive."""
    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


_VARIABLE_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)})
_ATOMS = frozenset({_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN, _sre.AT, _sre.CATEGORY})


@lru_cache(maxsize=4096)
def tame(pattern: str) -> bool:
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


def which_slow(search: Callable[[str], Any], chunk: Sequence[str]) -> str:
    """The first text of ``chunk`` the search gives up on, quoted (shortened) for a message."""
    for text in chunk:
        try:
            search(text)
        except TimeoutError:
            shown = text if len(text) <= 60 else text[:57] + "…"
            return repr(shown)
    return "a text"


def patterns_in(rule: Rule) -> Iterator[str]:
    """The regex patterns in a custom rule's conditions, brackets included."""
    if rule.when is None:
        return
    for item in rule.when.conditions:
        for c in item.conditions if isinstance(item, ConditionGroup) else (item,):
            if c.op == ConditionOp.REGEX and c.value is not None:
                yield c.value


def check_patterns(rule: Rule) -> None:
    """Refuse a regex longer than ``MAX_PATTERN_LENGTH`` or one the matching engine cannot compile."""
    for pattern in patterns_in(rule):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise RuleError(f"the pattern {pattern[:40]!r}… is {len(pattern)} characters; a rule's pattern may have "
                            f"at most {MAX_PATTERN_LENGTH} characters. Shorten it, or split the rule in two.")
        try:
            compiled(pattern)
        except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
            raise RuleError(f"the pattern {pattern!r} does not compile: {exc}") from None
