"""Keys that cannot be used now say why, in words (issue 13): the footer shows them dimmed, the command palette
leaves them out, and pressing one tells the user what is in the way and what to do."""

from __future__ import annotations

from typing import Any

from textual import events

from juni_tui.domain.transactions import Status, Transaction


def why_not_editable(tx: Transaction | None) -> str | None:
    """Why a transaction's values and receipts cannot be changed now, or None if they can (it is in Prepare)."""
    if tx is None:
        return "This transaction no longer exists."
    if tx.status == Status.PREPARE:
        return None
    if tx.status == Status.EXPORTED:
        number = f" as voucher {tx.export.voucher_label}" if tx.export and tx.export.voucher_number else ""
        return (f"It is exported{number}: what is booked is never changed. Book a correction as a new voucher "
                "in Fortnox.")
    if tx.status == Status.READY:
        return "It is ready to export: send it back to Prepare first (u on tab 2)."
    if tx.status == Status.FAILED:
        return "Its export failed: send it back to Prepare first (u on tab 3)."
    return "It is in the export queue, being sent: wait until it is exported, or until it fails."


class SaysWhyNot:
    """Mixin for a screen: ``why_not(action)`` gives the reason an action cannot be done now (None: it can)."""

    app: Any
    _bindings: Any
    notify: Any

    def why_not(self, action: str) -> str | None:
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.why_not(action) is None

    def on_key(self, event: events.Key) -> None:
        """A refused binding was skipped (``check_action``): the key comes here, and is answered in words."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            reason = self.why_not(binding.action.partition("(")[0])
            if reason is not None:
                event.stop()
                self.notify(f"{binding.description}: not now. {reason}", severity="warning", timeout=8)
                return
