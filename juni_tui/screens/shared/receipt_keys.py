"""What Prepare, the detail view and tab 6 share about receipts: the keys (``t`` attaches a file, ``y`` accepts a
suggestion, ``d`` detaches, ``O`` opens), the renderers (the detail view's receipt lines, the Receipt column's
"suggested"), and opening a file in the system's viewer.

Every change goes through ``services.receipts`` (never ``workflow.detach`` directly: the receipt's own record
must follow).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.screens.modals.attach import AttachFilePrompt, tx_summary
from juni_tui.screens.modals.dialogs import ChoicePicker, Confirm, Message
from juni_tui.screens.shared import cells
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services import receipts
from juni_tui.services.receipts import InboxFile
from juni_tui.services.receipts.matching import money_text
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.table import Cell

if TYPE_CHECKING:
    from textual.app import App

HOW_ATTACHED = {
    MatchState.AUTO: "matched automatically",
    MatchState.CONFIRMED: "suggestion confirmed",
    MatchState.MANUAL: "attached by hand",
}


# --- opening a file with the system's viewer ----------------------------------------------------------------


def why_no_viewer(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return "this is an SSH session, so a viewer would open on the other computer, not on yours"
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "there is no graphical display here (DISPLAY and WAYLAND_DISPLAY are not set)"
    return "no viewer is installed (xdg-open was not found)"


def open_in_viewer(app: "App", path: Path, name: str) -> None:
    """Open a receipt with the system's viewer, or say why there is none and where the file is."""
    if not path.is_file():
        app.push_screen(Message(f"{name} cannot be opened", f"The file is missing: {path}."))
        return
    command = receipts.viewer_command(path)
    if command is None:
        app.push_screen(Message(
            f"No viewer for {name}",
            f"It cannot be opened here: {why_no_viewer()}.\n\nThe file is {path}: copy it from there, or read "
            "its text in the preview (enter in tab 6).",
        ))
        return
    try:
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError as exc:
        app.notify(f"{name} could not be opened with {command[0]}: {exc.strerror or exc}. The file is {path}.",
                   severity="error", timeout=10)
        return
    app.notify(f"Opening {name} in the system's viewer")


def open_file(app: "App", store: Store, target: Receipt | InboxFile) -> None:
    """Open a receipt, or a file the inbox refused, with the system's viewer."""
    if isinstance(target, InboxFile):
        open_in_viewer(app, Path(target.path), target.name)
    else:
        open_in_viewer(app, store.home.root / target.path, target.filename)


# --- renderers ----------------------------------------------------------------------------------------------


def read_cells(receipt: Receipt) -> tuple[Text, str, str]:
    """What was read from a receipt: its amount, date and merchant, as cells."""
    amount = Text(money_text(receipt.amount, receipt.currency)) if receipt.amount is not None else Text(
        "—", style="dim")
    return amount, receipt.receipt_date.isoformat() if receipt.receipt_date else "—", receipt.merchant or "—"


def suggested_by_transaction(store: Store) -> dict[str, tuple[str, ...]]:
    """Transaction id → the receipts suggested for it, from the receipts' own records (cheap: no transactions
    read)."""
    view_of = store.receipt_views.get
    out: dict[str, tuple[str, ...]] = {}
    for key in store.receipts.keys():
        view = view_of(key)
        if view is not None and view.match == "suggested" and not view.transaction_id:
            for tx_id in view.candidates:
                out[tx_id] = out.get(tx_id, ()) + (key,)
    return out


ATTACHMENT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("attachment")


def receipt_lines(store: Store, tx: Transaction) -> Text:
    """The detail view's receipts: each attached file with how it was matched, then the suggestions."""
    text = Text()
    for receipt_id in tx.receipts:
        receipt = store.receipts.get(receipt_id)
        if text:
            text.append("\n")
        if receipt is None:
            text.append(f"{receipt_id[:12]} (the receipt's record is missing)", style="red")
            continue
        how = HOW_ATTACHED.get(receipt.match, "attached") if receipt.transaction_id == tx.id else "attached"
        text.append(receipt.filename)
        kind = receipt.content_type.split("/")[-1].upper()
        text.append(f"  {kind}, {max(1, receipt.size // 1024)} kB  ", style="dim")
        text.append(how, style="green")
        if receipt.match == MatchState.AUTO and receipt.match_note:
            text.append(f" ({receipt.match_note})", style="dim")
    if not tx.receipts:
        text.append(f"not needed: {tx.no_receipt_reason}" if tx.no_receipt_reason else "none",
                    style="dim" if tx.no_receipt_reason else "red")
    if tx.status == Status.PREPARE and not tx.receipts:
        for receipt_id in suggested_by_transaction(store).get(tx.id, ()):
            receipt = store.receipts.get(receipt_id)
            if receipt is not None:
                read = ", ".join(x for x in (money_text(receipt.amount, receipt.currency)
                                             if receipt.amount is not None else "", receipt.merchant or "") if x)
                text.append(f"\nsuggested: {receipt.filename}" + (f" ({read})" if read else ""), style="yellow")
                text.append("  y accepts", style="dim")
    return text


# --- the keys -------------------------------------------------------------------------------------------------


def detach(store: Store, receipt: Receipt, tx_id: str | None = None) -> tuple[list[str], list[str]]:
    tx_id = tx_id or receipt.transaction_id
    if tx_id is None:
        return [], [f"{receipt.filename} is not attached to a transaction."]
    try:
        receipts.detach(store, receipt.id, tx_id)
    except StoreError as exc:
        return [], [f"{receipt.filename} was not detached from {tx_summary(store, tx_id)}: {exc}"]
    return [f"{receipt.filename} detached from {tx_summary(store, tx_id)}; it is listed in tab 6 as unmatched"], []


class ReceiptActions:
    """Mixin for Prepare and the detail view (a screen with ``store``, ``targets()``, ``notify``, ``app``):
    ``t`` attaches a file, ``y`` accepts a suggested receipt, ``d`` detaches, ``O`` opens."""

    store: Store
    targets: Callable[[], list[str]]
    notify: Any
    app: Any
    _suggested: dict[str, tuple[str, ...]] | None = None

    # --- the Receipt column ---

    def suggested_receipts(self) -> dict[str, tuple[str, ...]]:
        if self._suggested is None:
            self._suggested = suggested_by_transaction(self.store)
        return self._suggested

    def with_suggestion(self, tx: Transaction, row: Sequence[Cell]) -> tuple[Cell, ...]:
        """The row's Receipt cell says "suggested" when a receipt waits for the user's ``y``."""
        if tx.receipts or tx.no_receipt_reason:
            return tuple(row)
        waiting = self.suggested_receipts().get(tx.id)
        if not waiting:
            return tuple(row)
        label = "suggested" if len(waiting) == 1 else f"{len(waiting)} suggested"
        return (*row[:ATTACHMENT_COLUMN], Text(label, style="bold yellow"), *row[ATTACHMENT_COLUMN + 1:])

    def on_screen_resume(self) -> None:
        """Back on this tab: what changed meanwhile (in tab 6, by the inbox) was not streamed here. Textual calls
        this before the screen's own handler, which reloads the rows."""
        self._suggested = None
        table = getattr(self, "table", None)  # the detail view has none
        if table is not None:
            table.invalidate()

    def apply_changes(self, changed: set[str]) -> None:
        old, self._suggested = self._suggested, None
        if old is not None:
            new = self.suggested_receipts()
            moved = {tx_id for tx_id in old.keys() | new.keys() if old.get(tx_id) != new.get(tx_id)}
            if moved:
                self.table.refresh_rows(moved)  # type: ignore[attr-defined]
        super().apply_changes(changed)  # type: ignore[misc]

    # --- t ---

    def action_attach_file(self) -> None:
        """A file belongs to one transaction (the service refuses a receipt already attached elsewhere): ``t``
        attaches to the cursor row, or the one selected row; a selection of several is not guessed at."""
        ids = self.targets()
        if len(ids) != 1:
            if ids:
                self.notify(f"A receipt file belongs to one transaction, and {len(ids)} are selected: press t on one "
                            "row (escape clears the selection).", severity="warning", timeout=8)
            return
        tx_id = ids[0]

        def attached(receipt: Receipt | None) -> None:
            if receipt is not None:
                note = f" ({receipt.conversion})" if receipt.conversion else ""
                self.notify(f"{receipt.filename}{note} attached to {tx_summary(self.store, tx_id)}")

        self.app.push_screen(AttachFilePrompt(self.store, tx_id), attached)

    # --- y ---

    def action_accept_suggestion(self) -> None:
        ids = self.targets()
        if not ids:
            return
        suggested = suggested_by_transaction(self.store)
        if len(ids) == 1 and len(suggested.get(ids[0], ())) > 1:
            tx_id = ids[0]
            choices = []
            for receipt_id in suggested[tx_id]:
                receipt = self.store.receipts.get(receipt_id)
                if receipt is not None:
                    amount, day, merchant = read_cells(receipt)
                    choices.append((receipt_id, f"{receipt.filename}  {amount.plain}  {day}  {merchant}"))

            def picked(receipt_id: str | None) -> None:
                if receipt_id:
                    self._accept([(tx_id, receipt_id)])

            self.app.push_screen(
                ChoicePicker(f"Which receipt is the one for {tx_summary(self.store, tx_id)}?", choices), picked
            )
            return
        pairs, problems = [], []
        for tx_id in ids:
            waiting = suggested.get(tx_id, ())
            if len(waiting) == 1:
                pairs.append((tx_id, waiting[0]))
            elif len(ids) == 1:
                problems.append(f"No receipt is suggested for {tx_summary(self.store, tx_id)}: t attaches a file, "
                                "or pick one in tab 6.")
            elif waiting:
                problems.append(f"{tx_summary(self.store, tx_id)} has {len(waiting)} suggested receipts: "
                                "press y on it alone to choose.")
        if problems and not pairs:
            self.notify(problems[0], severity="warning", timeout=8)
            return
        self._accept(pairs, problems)

    def _accept(self, pairs: list[tuple[str, str]], problems: list[str] | None = None) -> None:
        problems = list(problems or [])
        done = 0
        for tx_id, receipt_id in pairs:
            receipt = self.store.receipts.get(receipt_id)
            name = receipt.filename if receipt else receipt_id[:12]
            try:
                with undo_step(self.app, f"{name} accepted"):
                    receipts.confirm(self.store, receipt_id, tx_id)
            except StoreError as exc:
                problems.append(f"{name} was not attached to {tx_summary(self.store, tx_id)}: {exc}")
            else:
                done += 1
                last = f"{name} attached to {tx_summary(self.store, tx_id)}"
        if done:
            self.notify(last if done == 1 else f"{done} suggested receipts accepted")
        if problems:
            self.app.push_screen(Message(f"{len(problems)} not accepted", "\n".join(f"• {p}" for p in problems)))

    # --- d and O (the detail view) ---

    def _pick_receipt(self, title: str, then: Callable[[Receipt, str], None]) -> None:
        ids = self.targets()
        if len(ids) != 1:
            return
        tx_id = ids[0]
        tx = self.store.get_transaction(tx_id)
        attached = [r for r in (self.store.receipts.get(i) for i in (tx.receipts if tx else ())) if r is not None]
        if not attached:
            self.notify(f"{tx_summary(self.store, tx_id)} has no receipt.", severity="warning")
            return
        if len(attached) == 1:
            then(attached[0], tx_id)
            return
        by_id = {r.id: r for r in attached}

        def picked(receipt_id: str | None) -> None:
            if receipt_id:
                then(by_id[receipt_id], tx_id)

        self.app.push_screen(ChoicePicker(title, [(r.id, r.filename) for r in attached]), picked)

    def action_detach_receipt(self) -> None:
        def go(receipt: Receipt, tx_id: str) -> None:
            def decided(yes: bool | None) -> None:
                if not yes:
                    return
                with undo_step(self.app, f"{receipt.filename} detached"):
                    done, problems = detach(self.store, receipt, tx_id)
                for line in done:
                    self.notify(line)
                for line in problems:
                    self.notify(line, severity="error", timeout=10)

            self.app.push_screen(Confirm(f"Detach {receipt.filename} from {tx_summary(self.store, tx_id)}?",
                                         "The receipt stays in the library and can be attached again.",
                                         yes="Detach"), decided)

        self._pick_receipt("Detach which receipt?", go)

    def action_open_receipt(self) -> None:
        self._pick_receipt("Open which receipt?",
                           lambda receipt, _: open_file(self.app, self.store, receipt))
