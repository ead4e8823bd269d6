"""What rules change, as data: one value filled (``RuleChange``), the list a preview shows, the report of an apply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from juni_tui.services.rules.describing import FIELD_LABELS, format_value


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

