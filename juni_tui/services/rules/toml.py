"""Rules as text: a TOML file that a firm can review, diff and keep in version control (like hledger's rules).

One table per rule, in a stable order: custom rules by position, then merchant rules, then category rules
(each by name). Comments are allowed. The file is read with ``tomllib``; it is written here, by hand, so that the
output is stable: export → import → export gives the same bytes.

    version = 1

    [[custom]]
    id = "custom-flights-in-nok"
    name = "Flights in NOK"
    enabled = true
    match = "all"                      # all (and) | any (or)
    when = [
      { any = [{ field = "merchant", op = "contains", value = "SAS" }, { field = "merchant", op = "contains", value = "Norwegian" }] },
      { field = "currency", op = "equals", value = "NOK" },
    ]
    then = { account = 5800, vat_code = "6" }

    [[merchant]]
    id = "merchant-adobe"
    merchant = "Adobe"
    enabled = true
    then = { account = 5420, vat_code = "RC_EU_SERVICES" }

Import is all or nothing: any error refuses the whole file, with the line and the reason, and changes nothing.
Rules are matched by id (a rule without an id gets one from its kind and name): those in the file are added or
updated, those not in the file are kept, unless ``replace`` is asked for. Custom rules take the file's order,
before any kept custom rule.
"""  # noqa: E501 - the example's long line is one TOML line

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from juni_tui.domain.rules import Condition, ConditionGroup, ConditionOp, Rule, RuleKind
from juni_tui.services.rules.describing import friendly_validation_error
from juni_tui.services.rules.editing import check_rule_conflicts, rule_id_for
from juni_tui.services.rules.importing import ImportPlan, ParsedRule, RuleFileError, apply_import, plan_import
from juni_tui.services.rules.patterns import check_patterns
from juni_tui.services.rules.table import RuleError, list_rules, priority
from juni_tui.services.store import Store

__all__ = ["FORMAT_VERSION", "ImportPlan", "ParsedRule", "RuleFileError", "dump", "export_text", "import_text",
           "parse_text"]

FORMAT_VERSION = 1
KINDS = ("custom", "merchant", "category")

HEADER = """\
# juni-tui accounting rules.
#
# Custom rules apply first, top to bottom; then merchant rules; then category rules. For each value, the first
# rule that matches and sets it wins. Rules only fill values that are empty: they never change a value set by
# hand, and never touch transactions that are ready, queued or exported.
#
# Conditions: { field = "merchant" | "description" | "card" | "cardholder" | "category",
#               op = "contains" | "equals" | "regex", value = "..." }   (case-insensitive)
#             { field = "amount", op = "between", min = 100.00, max = 500.00 }   (SEK; a purchase of 500 is 500)
#             { field = "currency", op = "equals", value = "NOK" }   { field = "country", op = "equals", value = "DE" }
#             add  not = true  to turn a condition around; group with  { any = [...] }  or  { all = [...] }.
# Values:     then = { account = 5420, vat_code = "25", cost_center = "...", project = "...",
#                      no_receipt_reason = "...", vat_deductible = 50 }
# Period:     from = 2026-04-01   to = 2027-12-31   (either may be left out: the rule applies to transactions
#             dated in it, e.g. the food rate's 6 % from 2026-04-01)
#
# juni-tui rules import FILE checks the whole file and refuses it on any error.

"""


# --- writing --------------------------------------------------------------------------------------------------

#: Characters written as ``\uXXXX`` even where TOML allows them as they are: DEL, the C1 controls (U+009B is a
#: terminal's CSI) and the invisible bidi and zero-width marks, so a file shown with ``cat`` or ``rules export -``
#: cannot drive the terminal or disguise a rule.
_ESCAPED = re.compile("[\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _str(text: str) -> str:
    """A TOML string: literal ('...') when that reads better (regexes with backslashes), else basic ("...")."""
    if "\\" in text and "'" not in text and not any(ord(ch) < 32 for ch in text) and not _ESCAPED.search(text):
        return f"'{text}'"
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return _str(str(value))


def _inline(items: Iterable[tuple[str, Any]]) -> str:
    return "{ " + ", ".join(f"{k} = {v}" for k, v in items) + " }"


def _condition(c: Condition) -> str:
    items: list[tuple[str, str]] = [("field", _value(c.field.value)), ("op", _value(c.op.value))]
    if c.op == ConditionOp.BETWEEN:
        if c.min is not None:
            items.append(("min", _value(c.min)))
        if c.max is not None:
            items.append(("max", _value(c.max)))
    else:
        items.append(("value", _value(c.value)))
    if c.negate:
        items.append(("not", "true"))
    return _inline(items)


def _rule_text(rule: Rule) -> str:
    lines = [f"[[{rule.kind.value}]]", f"id = {_value(rule.id)}"]
    if rule.kind == RuleKind.CUSTOM or rule.name != getattr(rule, rule.kind.value):
        lines.append(f"name = {_value(rule.name)}")
    if rule.kind != RuleKind.CUSTOM:
        lines.append(f"{rule.kind.value} = {_value(getattr(rule, rule.kind.value))}")
    lines.append(f"enabled = {_value(rule.enabled)}")
    for key, day in (("from", rule.valid_from), ("to", rule.valid_to)):
        if day is not None:
            lines.append(f"{key} = {day.isoformat()}")
    if rule.when is not None:
        lines.append(f"match = {_value(rule.when.match)}")
        lines.append("when = [")
        for item in rule.when.conditions:
            if isinstance(item, ConditionGroup):
                inner = ", ".join(_condition(c) for c in item.conditions)
                lines.append(f"  {{ {item.match} = [{inner}] }},")
            else:
                lines.append(f"  {_condition(item)},")
        lines.append("]")
    lines.append(f"then = {_inline((k, _value(getattr(v, 'value', v))) for k, v in rule.then.assigned().items())}")
    return "\n".join(lines) + "\n"


def export_text(rules: Iterable[Rule]) -> str:
    """The rules as a TOML document, in priority order."""
    ordered = sorted(rules, key=priority)
    return HEADER + f"version = {FORMAT_VERSION}\n" + "".join("\n" + _rule_text(r) for r in ordered)


def dump(store: Store) -> str:
    return export_text(list_rules(store))


# --- reading --------------------------------------------------------------------------------------------------


class _Lines:
    """Finds where things are in the file, for error messages: the n-th [[kind]] header, a key inside it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[str, int]] = []  # (table name, line number), every table header in the file
        for n, line in enumerate(self.lines, 1):
            m = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$", line)
            if m:
                self.headers.append((m.group(1).replace(" ", ""), n))

    def rule(self, kind: str, index: int) -> int | None:
        found = [n for name, n in self.headers if name == kind]
        return found[index] if index < len(found) else None

    def _end(self, start: int) -> int:
        later = [n for _name, n in self.headers if n > start]
        return later[0] if later else len(self.lines) + 1

    def key(self, start: int | None, key: str) -> int | None:
        """The line of ``key = ...`` (or a ``[kind.key]`` header) in the rule that starts at ``start``."""
        if start is None:
            return None
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[\s*\w+\.{re.escape(key)}\s*\])")
        for n in range(start + 1, self._end(start)):
            if pattern.match(self.lines[n - 1]):
                return n
        return None

    def item(self, start: int | None, key: str, index: int) -> int | None:
        """The line of the ``index``-th item of a multi-line array ``key = [``, or the key's line."""
        at = self.key(start, key)
        if at is None or start is None:
            return at
        seen = 0
        for n in range(at + 1, self._end(start)):
            stripped = self.lines[n - 1].strip()
            if stripped.startswith("{"):
                if seen == index:
                    return n
                seen += 1
            elif stripped.startswith("]"):
                break
        return at

    def top_key(self, key: str) -> int | None:
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[\[?\s*{re.escape(key)}\s*\]\]?)")
        for n, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return n
        return None


_ALLOWED = {
    "custom": {"id", "name", "enabled", "match", "when", "then", "from", "to"},
    "merchant": {"id", "name", "enabled", "merchant", "then", "from", "to"},
    "category": {"id", "name", "enabled", "category", "then", "from", "to"},
}
_CONDITION_KEYS = {"field", "op", "value", "min", "max", "not"}


class _Refuse(Exception):
    def __init__(self, reason: str, key: str | None = None, index: int | None = None) -> None:
        self.reason, self.key, self.index = reason, key, index


def _condition_data(item: Any, where: str, index: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _Refuse(f"{where} must be a table like {{ field = \"merchant\", op = \"contains\", value = \"...\" }}",
                      "when", index)
    unknown = sorted(set(item) - _CONDITION_KEYS)
    if unknown:
        raise _Refuse(f"{where}: unknown key {unknown[0]!r} (a condition has {', '.join(sorted(_CONDITION_KEYS))})",
                      "when", index)
    data = {k: v for k, v in item.items() if k != "not"}
    if "not" in item:
        if not isinstance(item["not"], bool):
            raise _Refuse(f"{where}: not must be true or false", "when", index)
        data["negate"] = item["not"]
    return data


def _when_data(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise _Refuse("when must be a list of conditions: when = [ {...}, {...} ]", "when")
    out: list[Any] = []
    for i, item in enumerate(raw):
        groups = [k for k in ("any", "all") if isinstance(item, dict) and k in item]
        if groups:
            if len(item) != 1:
                raise _Refuse(f"condition {i + 1}: a group is {{ any = [...] }} or {{ all = [...] }} and nothing else",
                              "when", i)
            inner = item[groups[0]]
            if not isinstance(inner, list) or not inner:
                raise _Refuse(f"condition {i + 1}: {groups[0]} needs a list of conditions", "when", i)
            for c in inner:
                if isinstance(c, dict) and ({"any", "all"} & set(c)):
                    raise _Refuse(f"condition {i + 1}: groups cannot be nested more than one level", "when", i)
            conditions = [_condition_data(c, f"condition {i + 1}.{j + 1}", i) for j, c in enumerate(inner)]
            out.append({"match": groups[0], "conditions": conditions})
        else:
            out.append(_condition_data(item, f"condition {i + 1}", i))
    return out


#: The file's names for the rule's validity period (``from = 2026-04-01``, a TOML date or text).
_FIELD_OF = {"from": "valid_from", "to": "valid_to"}


def _rule_data(kind: str, entry: Any, position: int) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _Refuse(f"[[{kind}]] must be a table")
    unknown = sorted(set(entry) - _ALLOWED[kind])
    if unknown:
        raise _Refuse(f"unknown key {unknown[0]!r} in a {kind} rule (allowed: {', '.join(sorted(_ALLOWED[kind]))})",
                      unknown[0])
    data: dict[str, Any] = {"kind": kind, **{_FIELD_OF.get(str(k), str(k)): v for k, v in entry.items()
                                             if k not in ("match", "when")}}
    if kind == "custom":
        data["position"] = position
        if "when" not in entry:
            raise _Refuse("a custom rule needs conditions: when = [ ... ]")
        data["when"] = {"match": entry.get("match", "all"), "conditions": _when_data(entry["when"])}
    if "then" in entry and not isinstance(entry["then"], dict):
        raise _Refuse("then must be a table: then = { account = 5420, vat_code = \"25\" }", "then")
    return data


def _error_line(lines: _Lines, start: int | None, exc: ValidationError) -> int | None:
    loc = exc.errors()[0]["loc"]
    if not loc:
        return start
    if loc[0] == "when" and len(loc) > 2 and isinstance(loc[2], int):
        return lines.item(start, "when", loc[2])
    if loc[0] == "when" and len(loc) > 1 and loc[1] == "match":
        return lines.key(start, "match") or start
    if loc[0] == "then" and len(loc) > 1:
        return lines.key(start, "then") or start
    key = {"valid_from": "from", "valid_to": "to"}.get(str(loc[0]), str(loc[0]))
    return lines.key(start, key) or start


#: What a file nested hundreds of levels deep gets (tomllib, and anything walking it, would run out of stack).
_TOO_DEEP = ("it is nested too deeply (brackets or braces inside each other hundreds of times); a rules file "
             "needs at most a few levels")


def parse_text(text: str, source: str = "rules file") -> list[ParsedRule]:
    """The rules in a TOML document, each with its line; RuleFileError (line and reason) on the first problem."""
    try:
        return _parse_text(text, source)
    except RecursionError:
        raise RuleFileError(source, None, _TOO_DEEP) from None


def _parse_text(text: str, source: str) -> list[ParsedRule]:
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if m:
            reason = message[: m.start()].strip()
            raise RuleFileError(source, int(m.group(1)),
                                f"{reason} (column {m.group(2)}); this is not valid TOML") from None
        raise RuleFileError(source, None, f"{message}; this is not valid TOML") from None
    lines = _Lines(text)
    unknown = sorted(set(doc) - {"version", *KINDS})
    if unknown:
        raise RuleFileError(source, lines.top_key(unknown[0]),
                            f"unknown key {unknown[0]!r} (a rules file has version, [[custom]], [[merchant]] and "
                            "[[category]])")
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise RuleFileError(source, lines.top_key("version"),
                            f"version {version!r} is not one this juni-tui reads (it reads version {FORMAT_VERSION})")
    out: list[ParsedRule] = []
    for kind in KINDS:
        entries = doc.get(kind, [])
        if not isinstance(entries, list):
            raise RuleFileError(source, lines.top_key(kind), f"write each {kind} rule as its own [[{kind}]] table")
        for index, entry in enumerate(entries):
            start = lines.rule(kind, index)
            try:
                data = _rule_data(kind, entry, index + 1)
                rule = Rule.model_validate(data)
                check_patterns(rule)
            except RuleError as exc:
                raise RuleFileError(source, start, f"{_name(kind, entry)}: {str(exc).rstrip('.')}") from None
            except _Refuse as refuse:
                line = start
                if refuse.key is not None:
                    line = (lines.item(start, refuse.key, refuse.index) if refuse.index is not None
                            else lines.key(start, refuse.key)) or start
                raise RuleFileError(source, line, f"{_name(kind, entry)}: {refuse.reason}") from None
            except ValidationError as exc:
                reason = friendly_validation_error(exc)
                raise RuleFileError(source, _error_line(lines, start, exc), f"{_name(kind, entry)}: {reason}") from None
            if not rule.id:
                rule = rule.model_copy(update={"id": rule_id_for(rule)})
            out.append(ParsedRule(rule, start))
    _check_unique(source, out)
    return out


def _name(kind: str, entry: Any) -> str:
    if isinstance(entry, dict):
        for key in ("id", "name", kind):
            if isinstance(entry.get(key), str) and entry[key].strip():
                return f"{kind} rule {entry[key].strip()!r}"
    return f"{kind} rule"


def _check_unique(source: str, parsed: list[ParsedRule]) -> None:
    seen: dict[str, ParsedRule] = {}
    for n, item in enumerate(parsed):
        first = seen.get(item.rule.id)
        if first is not None:
            hint = "" if first.line is None else f" (also at line {first.line})"
            raise RuleFileError(source, item.line, f"two rules have the id {item.rule.id!r}{hint}; ids must be unique")
        seen[item.rule.id] = item
        try:
            check_rule_conflicts(item.rule, (p.rule for p in parsed[:n]))
        except RuleError as exc:
            raise RuleFileError(source, item.line, str(exc).rstrip(".")) from None



def import_text(store: Store, text: str, *, replace: bool = False, source: str = "rules file",
                dry_run: bool = False) -> ImportPlan:
    """Parse, check and (unless ``dry_run``) import a rules document, all or nothing."""
    plan = plan_import(store, parse_text(text, source), replace=replace, source=source)
    if not dry_run:
        apply_import(store, plan, source=source)
    return plan
