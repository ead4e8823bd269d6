"""Tab 6, Receipts: every receipt, those that need the user first.

Suggested (with the candidate transactions), unmatched, inbox files that were refused (with the reason: never
dropped silently), then the attached ones (with their transaction). Keys: enter previews (text, metadata; ``o``
opens the system viewer), ``y`` confirms a suggestion, ``x`` rejects it (remembered), ``t`` attaches to any
transaction waiting for a receipt, ``d`` detaches, ``M`` scans the inbox and matches now (the App's
``InboxWatcher``).

Every change goes through ``services.receipts`` (never ``workflow.detach`` directly: the receipt's own record
must follow).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from juni_tui.domain.money import MoneyError, format_sek, to_money
from juni_tui.domain.receipts import MatchState, Receipt
from juni_tui.screens.base import RowView, TransactionsScreen
from juni_tui.screens.modals.attach import TransactionPicker, describe_all, tx_summary
from juni_tui.screens.modals.dialogs import ChoicePicker, Confirm, Message
from juni_tui.screens.modals.receipt_preview import ReceiptPreview
from juni_tui.screens.shared.receipt_keys import detach, open_file, read_cells
from juni_tui.screens.shared.undoing import UNDO_BINDING, undo_step
from juni_tui.services import receipts
from juni_tui.services.display import fold
from juni_tui.services.receipts import InboxFile
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column

if TYPE_CHECKING:
    from juni_tui.inbox_watcher import InboxWatcher

#: Row ids of refused inbox files (receipt ids are hex digests, so they cannot collide).
REFUSED = "inbox:"
NONE_OF_THEM = "\x00none"  # the "None of them" choice when rejecting

STATE_STYLES = {
    MatchState.SUGGESTED: "bold yellow",
    MatchState.UNMATCHED: "bold red",
    MatchState.AUTO: "green",
    MatchState.CONFIRMED: "green",
    MatchState.MANUAL: "green",
}


class ReceiptsScreen(TransactionsScreen):
    MODE = "receipts"
    STATUSES = ()
    EMPTY = "No receipts yet."
    FILTER_HINT = "Filter by file, merchant, amount, date or state"
    COLUMNS = (
        Column("state", "State", 9),
        Column("file", "File", 22, priority=1),
        Column("amount", "Read amount", 14, align="right"),
        Column("date", "Read date", 10, priority=3),
        Column("merchant", "Read merchant", 16, priority=2),
        Column("transaction", "Transaction", 0, min_width=24),
    )
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("enter", "details", "Preview"),
        Binding("y", "confirm", "Confirm"),
        Binding("x", "reject", "Reject"),
        Binding("t", "attach", "Attach to…"),
        Binding("d", "detach", "Detach"),
        Binding("o", "open", "Open"),
        Binding("M", "match", "Match now"),
        UNDO_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self._receipts: dict[str, Receipt] = {}
        self._refused: dict[str, InboxFile] = {}
        self._order: list[str] = []
        self._note = ""

    @staticmethod
    def tab_count(store: Store) -> int:
        """What needs the user: suggested and unmatched receipts, and refused inbox files. From the receipts' own
        records (kept in step by ``services.receipts``), without reading every transaction."""
        waiting = 0
        view = store.receipt_views.get
        for key in store.receipts.keys():
            receipt = view(key)
            waiting += receipt is not None and not receipt.transaction_id and receipt.match in ("suggested", "unmatched")
        inbox = store.table(receipts.INBOX_TABLE, InboxFile, "path")
        return waiting + sum(1 for file in inbox.values() if file.refused)

    @property
    def watcher(self) -> InboxWatcher | None:
        return getattr(self.app, "inbox", None)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.empty_text = (f"No receipts yet. Drop PDFs or photos in {receipts.inbox_path(self.store)}, "
                                 "or attach a file to a transaction with t in tab 1.")
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        note = self._watch_note()
        if note != self._note:
            self._note = note
            self.update_selection_bar()

    def _watch_note(self) -> str:
        watcher = self.watcher
        if watcher is None or not watcher.busy:
            return ""
        if watcher.progress:
            return f"reading the inbox: {watcher.progress[0]} of {watcher.progress[1]}"
        return "matching…"

    # --- rows ---

    def _load(self) -> None:
        listed = receipts.list_receipts(self.store)
        self._receipts = {r.id: r for r in listed}
        self._refused = {REFUSED + f.path: f for f in receipts.inbox_refusals(self.store)}
        waiting = [r.id for r in listed if not r.attached]
        attached = [r.id for r in listed if r.attached]
        self._order = waiting + list(self._refused) + attached

    def all_ids(self) -> list[str]:
        return self._order

    def reload(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        self._load()
        super().reload(keep)
        self.table.invalidate()  # a receipt's row shows other records too (its transaction): draw it again

    def apply_changes(self, changed: set[str]) -> None:
        self.reload()
        self.query_one(NavTabs).update_counts()

    def view(self, row_id: str) -> RowView | None:
        return None

    def render_row(self, row_id: str) -> Sequence[Cell]:
        refused = self._refused.get(row_id)
        if refused is not None:
            return (Text("refused", style="bold red"), refused.name, "", "", "",
                    Text(refused.refused or "", style="red"))
        receipt = self._receipts.get(row_id)
        if receipt is None:
            return [""] * len(self.COLUMNS)
        state = Text(receipt.match.value, style=STATE_STYLES[receipt.match])
        return (state, receipt.filename, *read_cells(receipt), self._transaction_cell(receipt))

    def _transaction_cell(self, receipt: Receipt) -> Text:
        if receipt.transaction_id:
            return Text(tx_summary(self.store, receipt.transaction_id))
        if receipt.candidates:
            text = Text(tx_summary(self.store, receipt.candidates[0]), style="yellow")
            if len(receipt.candidates) > 1:
                text.append(f"  +{len(receipt.candidates) - 1} more", style="bold yellow")
            return text
        return Text(receipt.match_note, style="dim italic")

    def matches(self, row_id: str, query: str) -> bool:
        refused = self._refused.get(row_id)
        if refused is not None:
            return fold(query) in fold(f"refused {refused.name} {refused.refused}")
        receipt = self._receipts.get(row_id)
        if receipt is None:
            return False
        related = [receipt.transaction_id] if receipt.transaction_id else list(receipt.candidates)
        text = " ".join([receipt.match.value, receipt.filename, receipt.merchant or "",
                         str(receipt.receipt_date or ""), *(tx_summary(self.store, t) for t in related)])
        if fold(query) in fold(text):
            return True
        try:
            wanted = abs(to_money(query.replace(" ", "")))
        except MoneyError:
            return False
        return receipt.amount is not None and abs(receipt.amount) == wanted

    def selection_sum(self, ids: Iterable[str]) -> Decimal:
        """The SEK receipts' read amounts (receipts in other currencies are not added in)."""
        total = Decimal("0.00")
        for row_id in ids:
            receipt = self._receipts.get(row_id)
            if receipt is not None and receipt.amount is not None and receipt.currency in (None, "SEK"):
                total += receipt.amount
        return total

    def update_selection_bar(self) -> None:
        """``1 selected · 104,00 SEK    1 suggested · 2 unmatched · 1 refused · 3 attached    inbox ~/…``"""
        table = self.table
        selected = [i for i in table.row_ids if i in table.selected] if table.selected else []
        text = Text()
        text.append(f"{len(selected)} selected", style="bold" if selected else "dim")
        text.append(f" · {format_sek(self.selection_sum(selected))} SEK    ", style="bold" if selected else "dim")
        tiers = Counter(r.match if not r.attached else "attached" for r in self._receipts.values())
        counts = [(tiers[MatchState.SUGGESTED], "suggested", "yellow"),
                  (tiers[MatchState.UNMATCHED], "unmatched", "red"),
                  (len(self._refused), "refused", "red"), (tiers["attached"], "attached", "green")]
        for n, (count, label, style) in enumerate(counts):
            text.append(" · " if n else "", style="dim")
            text.append(f"{count} {label}", style=style if count else "dim")
        if len(table.row_ids) != len(self._order):
            text.append(f"    {len(table.row_ids)} shown", style="dim")
        if self.query_text:
            text.append(f"    filter: {self.query_text}", style="italic")
        text.append(f"    inbox {receipts.inbox_path(self.store)}", style="dim")
        watching = self._watch_note()
        if watching:
            text.append(f"  {watching}", style="bold")
        self.query_one("#selection", SafeStatic).update(text)

    # --- what the keys apply to ---

    def _targets(self) -> tuple[list[Receipt], list[InboxFile]]:
        ids = self.targets()
        return ([self._receipts[i] for i in ids if i in self._receipts],
                [self._refused[i] for i in ids if i in self._refused])

    def _refused_note(self, refused: list[InboxFile]) -> None:
        if refused:
            self.notify(f"{refused[0].name} was refused: {refused[0].refused}", severity="warning", timeout=10)

    def open_details(self, row_id: str) -> None:
        target = self._receipts.get(row_id) or self._refused.get(row_id)
        if target is not None:
            self.app.push_screen(ReceiptPreview(self.store, target))

    def _report(self, done: list[str], problems: list[str], what: str) -> None:
        if done:
            self.notify(done[0] if len(done) == 1 else f"{len(done)} receipts {what}")
        if len(problems) == 1 and not done:
            self.notify(problems[0], severity="warning", timeout=10)
        elif problems:
            self.app.push_screen(Message(f"{len(problems)} receipts not {what}",
                                         "\n".join(f"• {p}" for p in problems)))

    # --- y: confirm, x: reject ---

    def action_confirm(self) -> None:
        self._decide("y", "confirm", self._confirm, "Which transaction is {name} the receipt of?")

    def action_reject(self) -> None:
        chosen, _ = self._targets()
        attached = [r for r in chosen if r.transaction_id is not None]
        if not attached:  # a suggestion turned down: nothing is undone, no question
            self._decide("x", "reject", self._reject, "{name} is not the receipt of…")
            return
        what = (f"{attached[0].filename} from {tx_summary(self.store, attached[0].transaction_id or '')}"
                if len(attached) == 1 else f"{len(attached)} attached receipts")

        def decided(yes: bool | None) -> None:
            if yes:
                self._decide("x", "reject", self._reject, "{name} is not the receipt of…")

        self.app.push_screen(Confirm(f"Reject {what}?", "Each is detached, and never suggested for that "
                                     "transaction again.", yes="Reject"), decided)

    def _decide(self, key: str, verb: str, act: Callable[[Receipt, list[str]], tuple[list[str], list[str]]],
                title: str) -> None:
        """``y``/``x`` on the targets: a receipt with several candidates alone asks which; in a selection, each
        receipt with one candidate is decided and the others are listed with what to do."""
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        rejecting = verb == "reject"
        if len(chosen) == 1 and len(chosen[0].candidates) > 1:
            receipt = chosen[0]
            choices = describe_all(self.store, receipt.candidates)
            if rejecting:
                choices.append((NONE_OF_THEM, "None of them"))

            def picked(tx_id: str | None) -> None:
                if tx_id:
                    ids = list(receipt.candidates) if tx_id == NONE_OF_THEM else [tx_id]
                    self._report(*act(receipt, ids), verb + "ed")

            hint = "It is never suggested for that transaction again." if rejecting else "enter confirms"
            self.app.push_screen(ChoicePicker(title.format(name=receipt.filename), choices, hint=hint), picked)
            return
        done, problems = [], []
        self.move_on(r.id for r in chosen)  # y then x: the second key is for the next receipt, not this one
        for receipt in chosen:
            if receipt.transaction_id is not None and rejecting:
                ids = [receipt.transaction_id]  # "not this one": detached, and never matched to it again
            elif receipt.transaction_id is not None:
                problems.append(f"{receipt.filename} is already attached to "
                                f"{tx_summary(self.store, receipt.transaction_id)}.")
                continue
            elif len(receipt.candidates) == 1:
                ids = list(receipt.candidates)
            elif receipt.candidates:
                problems.append(f"{receipt.filename} has {len(receipt.candidates)} candidates: "
                                f"press {key} on it alone to choose.")
                continue
            else:
                problems.append(f"{receipt.filename} has no suggestion to {verb}: t attaches it to a transaction.")
                continue
            d, p = act(receipt, ids)
            done += d
            problems += p
        self._report(done, problems, verb + "ed")

    def _confirm(self, receipt: Receipt, tx_ids: list[str]) -> tuple[list[str], list[str]]:
        (tx_id,) = tx_ids
        try:
            with undo_step(self.app, f"{receipt.filename} confirmed"):
                receipts.confirm(self.store, receipt.id, tx_id)
        except StoreError as exc:
            return [], [f"{receipt.filename} was not attached to {tx_summary(self.store, tx_id)}: {exc}"]
        return [f"{receipt.filename} attached to {tx_summary(self.store, tx_id)}"], []

    def _reject(self, receipt: Receipt, tx_ids: list[str]) -> tuple[list[str], list[str]]:
        with undo_step(self.app, f"{receipt.filename} rejected"):
            for tx_id in tx_ids:
                try:
                    receipts.reject(self.store, receipt.id, tx_id)
                except StoreError as exc:
                    return [], [f"{receipt.filename} was not rejected for {tx_summary(self.store, tx_id)}: {exc}"]
        who = tx_summary(self.store, tx_ids[0]) if len(tx_ids) == 1 else f"{len(tx_ids)} transactions"
        return [f"{receipt.filename} is not suggested for {who} again"], []

    # --- t, d, o, M ---

    def action_attach(self) -> None:
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        attached = [(r, r.transaction_id) for r in chosen if r.transaction_id is not None]
        free = [r for r in chosen if not r.attached]
        if not free:
            receipt, at = attached[0]
            self.notify(f"{receipt.filename} is already attached to {tx_summary(self.store, at)}"
                        f"; detach it first (d).", severity="warning", timeout=8)
            return
        title = (f"Attach {free[0].filename} to…" if len(free) == 1 else f"Attach {len(free)} receipts to…")

        def chosen_tx(tx_id: str | None) -> None:
            if not tx_id:
                return
            done, problems = [], [f"{r.filename} is attached to {tx_summary(self.store, at)}; "
                                  "detach it first (d)." for r, at in attached]
            for receipt in free:
                try:
                    with undo_step(self.app, f"{receipt.filename} attached"):
                        receipts.attach_existing(self.store, receipt.id, tx_id)
                except StoreError as exc:
                    problems.append(f"{receipt.filename} was not attached to {tx_summary(self.store, tx_id)}: {exc}")
                else:
                    done.append(f"{receipt.filename} attached to {tx_summary(self.store, tx_id)}")
            self._report(done, problems, "attached")

        self.app.push_screen(TransactionPicker(self.store, title, free[0]), chosen_tx)

    def action_detach(self) -> None:
        chosen, refused = self._targets()
        if not chosen:
            self._refused_note(refused)
            return
        attached = [r for r in chosen if r.transaction_id is not None]
        if not attached:
            self.notify("Not attached to any transaction: nothing to detach.", severity="warning")
            return

        def decided(yes: bool | None) -> None:
            if not yes:
                return
            done, problems = [], []
            self.move_on(r.id for r in chosen)
            for receipt in chosen:
                with undo_step(self.app, f"{receipt.filename} detached"):
                    d, p = detach(self.store, receipt)
                done += d
                problems += p
            self._report(done, problems, "detached")

        what = (f"{attached[0].filename} from {tx_summary(self.store, attached[0].transaction_id or '')}"
                if len(attached) == 1 else f"{len(attached)} receipts")
        self.app.push_screen(Confirm(f"Detach {what}?", "The receipt stays in the library and can be attached "
                                     "again (t).", yes="Detach"), decided)

    def action_open(self) -> None:
        chosen, refused = self._targets()
        if refused and not chosen:
            open_file(self.app, self.store, refused[0])
        elif chosen:
            open_file(self.app, self.store, chosen[0])

    def action_match(self) -> None:
        watcher = self.watcher
        if watcher is not None:
            watcher.scan(announce=True)

