"""Importing a rules file: what it would change in the store (``ImportPlan``: upsert by id, keep the others unless
``replace``), then all of it in one commit. A rule the store refuses refuses the whole file, with its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.rules import Rule, RuleKind
from juni_tui.services.rules.describing import describe_then, describe_when
from juni_tui.services.rules.editing import check_rule_conflicts, check_rule_values
from juni_tui.services.rules.table import TABLE, RuleError, list_rules, rules_table
from juni_tui.services.store import Store


class RuleFileError(RuleError):
    """A rules file juni-tui refuses, with the line and the reason."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source} line {line}" if line else source
        super().__init__(f"{where}: {reason}. Nothing was imported.")


@dataclass(frozen=True)
class ParsedRule:
    """A rule read from a file, with the line its table starts on (for messages)."""

    rule: Rule
    line: int | None


@dataclass
class ImportPlan:
    """What importing a file would change. Nothing is written until ``apply_import``."""

    added: list[Rule] = field(default_factory=list)
    updated: list[tuple[Rule, Rule]] = field(default_factory=list)  # (before, after)
    removed: list[Rule] = field(default_factory=list)
    moved: list[Rule] = field(default_factory=list)
    unchanged: int = 0
    puts: list[Rule] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.puts or self.removed)

    @property
    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.moved)} moved, {self.unchanged} unchanged")

    def lines(self) -> list[str]:
        """Each change in words, for the CLI."""
        out = [f"+ {r.id}: {r.label} — when {describe_when(r)} → {describe_then(r)}" for r in self.added]
        for before, after in self.updated:
            out.append(f"~ {after.id}: {after.label} — {', '.join(_differences(before, after))}")
        out += [f"- {r.id}: {r.label}" for r in self.removed]
        out += [f"↕ {r.id}: {r.label} — now custom rule {r.position}" for r in self.moved]
        return out


def _comparable(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json", exclude={"created_at", "updated_at", "position"})


def _differences(before: Rule, after: Rule) -> list[str]:
    a, b = _comparable(before), _comparable(after)
    out = []
    for key in ("kind", "name", "enabled", "merchant", "category", "when"):
        if a[key] != b[key]:
            if key == "when":
                out.append(f"when: {describe_when(before)} → {describe_when(after)}")
            else:
                out.append(f"{key}: {a[key]} → {b[key]}")
    if a["then"] != b["then"]:
        out.append(f"then: {describe_then(before)} → {describe_then(after)}")
    if before.position != after.position and after.kind == RuleKind.CUSTOM:
        out.append(f"now custom rule {after.position}")
    return out


def plan_import(store: Store, parsed: list[ParsedRule], *, replace: bool = False,
                source: str = "rules file") -> ImportPlan:
    """Compare the file's rules with the store's: upsert by id; keep the others unless ``replace``.

    Refuses (RuleFileError with the line) a rule that would clash with a kept one, or name an account, cost
    center or project Fortnox does not have.
    """
    table = rules_table(store)
    current = {r.id: r for r in table.values()}
    in_file = {p.rule.id for p in parsed}
    kept = [] if replace else [r for r in list_rules(store) if r.id not in in_file]
    for item in parsed:
        try:
            check_rule_values(store, item.rule)
            check_rule_conflicts(item.rule, kept)
        except RuleError as exc:
            hint = ""
            if "already a" in str(exc):
                hint = (" (that rule is not in this file: give this one its id to update it, or import with "
                        "--replace)")
            raise RuleFileError(source, item.line, f"{item.rule.label}: {str(exc).rstrip('.')}{hint}") from None
    now = utcnow()
    final: list[Rule] = []
    for item in parsed:
        rule = item.rule
        old = current.get(rule.id)
        if old is None:
            final.append(rule.model_copy(update={"created_at": now, "updated_at": now}))
        elif _comparable(old) != _comparable(rule):
            final.append(rule.model_copy(update={"created_at": old.created_at, "updated_at": now}))
        else:
            final.append(old.model_copy(update={"position": rule.position}))
    custom = [r for r in final if r.kind == RuleKind.CUSTOM] + [r for r in kept if r.kind == RuleKind.CUSTOM]
    positions = {r.id: n for n, r in enumerate(custom, 1)}
    plan = ImportPlan(removed=[current[i] for i in current if replace and i not in in_file])
    for rule in final + kept:
        rule = rule.model_copy(update={"position": positions.get(rule.id, 0)})
        old = current.get(rule.id)
        if old is None:
            plan.added.append(rule)
        elif _comparable(old) != _comparable(rule):
            plan.updated.append((old, rule))
        elif old.position != rule.position:
            plan.moved.append(rule)
        else:
            plan.unchanged += 1
            continue
        plan.puts.append(rule)
    return plan


def apply_import(store: Store, plan: ImportPlan, *, source: str = "rules file") -> None:
    """Write the plan: one commit, with an audit record of what changed."""
    if not plan.changed:
        return
    store.commit(
        plan.puts,
        deletes=[(TABLE, r.id) for r in plan.removed],
        audit={
            "action": "rules-import",
            "file": source,
            "added": [r.id for r in plan.added],
            "updated": [after.id for _before, after in plan.updated],
            "removed": [r.id for r in plan.removed],
            "moved": [r.id for r in plan.moved],
        },
    )

