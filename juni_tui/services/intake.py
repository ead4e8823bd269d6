"""What happens to new transactions, wherever they come from (the CLI's import, the TUI's import, the demo):
rules fill in missing values, then receipts waiting in the home are matched against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from juni_tui.services import receipts, rules
from juni_tui.services.store import Store


@dataclass
class IntakeReport:
    rules: rules.ApplyReport
    receipts: receipts.MatchReport | None

    @property
    def lines(self) -> list[str]:
        out = []
        if self.rules.applied or self.rules.warnings:
            out.append(f"Rules: {self.rules.summary}.")
        if self.receipts is not None and (self.receipts.auto or self.receipts.suggested):
            out.append(f"Receipts: {self.receipts.summary}.")
        return out


def after_import(store: Store, ids: Iterable[str]) -> IntakeReport:
    ids = list(ids)
    filled = rules.apply_to_new(store, ids)
    waiting = [r.id for r in receipts.list_receipts(store, unmatched=True)]
    matched = receipts.match_receipts(store, waiting) if waiting and ids else None
    return IntakeReport(filled, matched)
