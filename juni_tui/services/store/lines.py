"""JSON-lines files (journal.jsonl, audit.jsonl): the one reader of their lines, which tells a line a crash cut off
at the end (never acknowledged, reported) from a damaged line in the middle (refused)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from juni_tui.services.store.checks import Doc


@dataclass
class LinesRead:
    """A JSON-lines file as read: its items with their line numbers, and what a crash left at its end."""

    items: list[tuple[int, Doc]]  # (line number, item)
    good_size: int  # the bytes up to and including the last complete item
    torn: bool  # an unfinished last line (never acknowledged) follows
    missing_newline: bool  # the last item is complete but its newline is missing

    @property
    def docs(self) -> list[Doc]:
        return [item for _, item in self.items]


def read_lines(
    raw: bytes,
    check: Callable[[Any], str | None],
    damaged: Callable[[int, str], Exception],
    follows: Callable[[int, Doc, list[tuple[int, Doc]]], None] | None = None,
) -> LinesRead:
    """The items of a JSON-lines file, oldest first. ``check(value)`` says what is wrong with a line's value (None:
    it is an item). An unfinished last line is reported (``torn``), not an error; a damaged line anywhere else is
    raised as ``damaged(line number, problem)``. ``follows(line number, item, items before)`` raises if an item does
    not follow the ones before it."""
    items: list[tuple[int, Doc]] = []
    offset = 0
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, 1):
        last = number == len(lines)
        if line.strip():
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):
                problem: str | None = "not valid JSON"
            else:
                problem = check(item)
            if problem:
                if last:
                    return LinesRead(items, offset, True, False)
                raise damaged(number, problem)
            if follows is not None:
                follows(number, item, items)
            items.append((number, item))
            if last:
                return LinesRead(items, offset + len(line), False, True)
        offset += len(line) + (0 if last else 1)
    return LinesRead(items, offset, False, False)
