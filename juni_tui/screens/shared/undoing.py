"""``z``: the keys that change values, receipts and rules record what they change as one step of the app's undo log
(``services.store.undo``); ``z`` undoes the last step while its transactions are still in Prepare."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from textual.binding import Binding

UNDO_BINDING = Binding("z", "app.undo", "Undo", tooltip="Undo the last change to values, receipts or rules")


def undo_step(app: Any, label: str) -> AbstractContextManager[Any]:
    """What the block writes is one step that ``z`` undoes (nothing is recorded outside the TUI's app)."""
    log = getattr(app, "undo", None)
    return log.step(label) if log is not None else nullcontext()
