"""Checking an import's values against the company's Fortnox lists: accounts, cost centers, projects.

``ReferenceLists`` is what a file is checked against (a ``Store`` is one; an empty list is not checked);
``ReferenceSnapshot`` copies them so that a file can be read off the store's thread (the TUI); ``FortnoxLists``
asks ``workflow`` (the same checks the editor makes) once per value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from juni_tui.services import workflow
from juni_tui.services.store import Store

#: The Fortnox lists an import is checked against: a ``Store`` is one, so is a ``ReferenceSnapshot``. An empty list
#: is not checked. (The workflow's checks take the same.)
ReferenceLists = workflow.Lists


class FortnoxLists:
    """workflow's checks against Fortnox's lists (the same the editor makes), remembered per value: a file of
    50 000 lines names a few dozen accounts."""

    def __init__(self, known: ReferenceLists | None) -> None:
        self.known = known
        self._memo: dict[tuple[str, Any], str | None] = {}

    def fits(self, name: str, value: Any, errors: list[str]) -> bool:
        key = (name, value)
        if key not in self._memo:
            self._memo[key] = self._problem(name, value)
        problem = self._memo[key]
        if problem:
            errors.append(problem)
        return problem is None

    def _problem(self, name: str, value: Any) -> str | None:
        if self.known is None:
            return None
        try:
            workflow.check_value(self.known, name, value)
        except workflow.WorkflowError as exc:  # reworded for a line of the problem list
            text = str(exc).split(";")[0].rstrip(".")
            return text[:1].lower() + text[1:]
        return None


@dataclass(frozen=True)
class ReferenceSnapshot:
    """A copy of the Fortnox lists, so that a file can be read and checked off the store's thread (the TUI)."""

    accounts: dict[int, Any]
    cost_centers: dict[str, Any]
    projects: dict[str, Any]

    @classmethod
    def of(cls, store: Store) -> ReferenceSnapshot:
        return cls({a.number: a for a in store.accounts.values()}, {c.code: c for c in store.cost_centers.values()},
                   {p.number: p for p in store.projects.values()})

