"""The interface every import format meets, and ``read_transactions``, which reads a file in one of them.

A format is a module of its own (``canonical.py`` today) with one object that has a ``name`` and a ``read``. It uses
``source`` to open and stream the file safely, ``values`` and ``lists`` to check what it finds, and returns the
file's transactions, or raises ``ImportFileError`` with every problem: a file is refused whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from juni_tui.domain.transactions import Transaction
from juni_tui.services.importing import canonical
from juni_tui.services.importing.lists import ReferenceLists
from juni_tui.services.importing.source import ProgressCallback


class Format(Protocol):
    """One kind of file juni-tui imports."""

    #: What the user calls it (``canonical``).
    name: str

    def read(self, path: Path, known: ReferenceLists | None, on_progress: ProgressCallback | None
             ) -> list[Transaction]:
        """Every transaction in the file, in file order, or ``ImportFileError`` with every problem in it."""
        ...


#: The format a file is read in.
DEFAULT: Format = canonical.FORMAT


def read_transactions(path: Path | str, known: ReferenceLists | None = None, *,
                      on_progress: ProgressCallback | None = None) -> list[Transaction]:
    """Every transaction in the file, in file order, or ``ImportFileError`` with every problem in it.

    ``known`` (the store, or anything with ``accounts``, ``cost_centers`` and ``projects``): accounts must be in
    the chart and active, cost centers and projects must exist and be active, for each list that is not empty.
    ``on_progress(done, total)``: bytes read and the file's size, every ``PROGRESS_ROWS`` rows and at the end (it
    runs on the reading thread).
    """
    return DEFAULT.read(Path(path), known, on_progress)
