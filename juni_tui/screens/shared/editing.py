"""Editing pre-accounting values, shared by the Prepare tab and the detail view.

With a selection an edit applies to every selected row; without one, to the row under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.dialogs import AccountPicker, ChoicePicker, Confirm, TextPrompt, vat_picker
from juni_tui.screens.modals.representation import RepresentationAnswers, RepresentationDialog
from juni_tui.screens.modals.vat_details import VatDetails, VatDetailsDialog
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services import workflow
from juni_tui.services.bookkeeping import warnings
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.account_completion import is_balance_sheet


class PreAccountingActions:
    """Mixin for a screen with ``store``, ``targets()`` and ``notify``: a/v/c/o/n edit the targets."""

    store: Store
    targets: Any  # () -> list[str], provided by the screen
    app: Any  # provided by the screen
    notify: Any  # provided by the screen

    def line_targets(self) -> list[str]:
        """The targets for a value that lives on the split lines when a transaction is split (account, VAT code,
        cost center, project, deductible share): split transactions are left out, with a sentence, since a value
        set on the transaction itself would not reach their voucher."""
        ids = self.targets()
        split = [tx for i in ids if (tx := self.store.transactions.get(i)) is not None and tx.splits]
        if not split:
            return ids
        names = ", ".join(f"{tx.merchant} {tx.date}" for tx in split[:3]) + (" …" if len(split) > 3 else "")
        how = "edit its lines in the detail view (enter, then x)"
        if len(split) == len(ids):
            self.notify(f"{names} {'is' if len(split) == 1 else 'are'} split: {how}.", severity="warning", timeout=8)
            return []
        self.notify(f"Left out, being split ({how}): {names}.", severity="warning", timeout=8)
        return [i for i in ids if i not in {tx.id for tx in split}]

    def _edit(self, describe: str, ids: list[str] | None = None, **values: Any) -> None:
        ids = self.targets() if ids is None else ids
        if not ids:
            return
        try:
            with undo_step(self.app, describe):
                changed = workflow.set_values(self.store, ids, **values)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        n = len(changed)
        self.notify(f"{describe} on {n} transaction{'s' if n != 1 else ''}" if n else "Nothing changed.")

    def action_account(self) -> None:
        ids = self.line_targets()
        if not ids:
            return
        first = self.store.transactions.get(ids[0])
        title = f"Account for {len(ids)} transactions" if len(ids) > 1 else f"Account for {first.merchant if first else ''}"

        def chosen(number: int | None) -> None:
            if number is not None:
                self.confirm_account(ids, number, lambda: self.set_account(ids, number))

        self.app.push_screen(AccountPicker(self.store, title, first.account if first and len(ids) == 1 else None), chosen)

    def confirm_account(self, ids: list[str], number: int, then: Callable[[], None]) -> None:
        """A balance-sheet account (1xxx–2xxx) on a purchase is rarely meant: ask once before it is used."""
        purchases = [i for i in ids if (tx := self.store.transactions.get(i)) is not None and tx.amount < 0]
        if not is_balance_sheet(number) or not purchases:
            then()
            return
        known = self.store.accounts.get(number)
        label = known.label if known else str(number)

        def decided(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(Confirm(
            f"Book {'this purchase' if len(purchases) == 1 else f'{len(purchases)} purchases'} on {label}?",
            f"{number} is a balance-sheet account (class {number // 1000}: "
            f"{'assets' if number < 2000 else 'liabilities and equity'}), not a cost. That is right for an asset "
            "bought or a debt paid; for an expense, pick a cost account (4xxx–7xxx).", yes="Use it"), decided)

    def set_account(self, ids: list[str], number: int) -> None:
        """The account on the rows, and the account's VAT code where a row has none (never over a choice made)."""
        with undo_step(self.app, f"Account {number} set"):  # with the VAT code it brings: one step
            self._edit(f"Account {number} set", ids, account=number)
            try:
                code, filled = workflow.fill_vat_from_account(self.store, ids, number)
            except StoreError as exc:
                self.notify(str(exc), severity="error")
            else:
                if filled and code is not None:
                    self.notify(f"VAT code {code.value} (from the account's VAT code) set where it was missing")
        if number in self.store.settings.representation_accounts:
            # Representation: Skatteverket asks who took part and why; the participants cap the VAT.
            unanswered = [i for i in ids if (tx := self.store.transactions.get(i)) and tx.participants is None]
            if unanswered:
                self._ask_representation(unanswered)

    def action_vat(self) -> None:
        ids = self.line_targets()
        if not ids:
            return
        first = self.store.transactions.get(ids[0])
        suggestion = workflow.suggested_vat_code(self.store, first.account) if first and first.account else None

        def chosen(code: VatCode | None) -> None:
            if code is not None:
                self._edit(f"VAT code {code.value} set", ids, vat_code=code)

        self.app.push_screen(vat_picker(first.vat_code if first else None, suggestion), chosen)

    def _dimension(self, field: str, label: str) -> None:
        table = self.store.cost_centers if field == "cost_center" else self.store.projects
        key = "code" if field == "cost_center" else "number"
        active = [item for item in table.values() if item.active]
        if not active:
            self.notify(f"No {label.lower()}s known yet: they come from Fortnox when juni-tui is connected.")
            return
        ids = self.line_targets()
        if not ids:
            return
        # "" stands for "none": a cancelled dialog gives None, which changes nothing.
        choices = [("", "(none)")] + [(getattr(item, key), f"{getattr(item, key):<8} {item.description}") for item in active]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._edit(f"{label} {value or 'cleared'}", ids, **{field: value or None})

        self.app.push_screen(ChoicePicker(label, choices), chosen)

    def action_cost_center(self) -> None:
        self._dimension("cost_center", "Cost center")

    def action_project(self) -> None:
        self._dimension("project", "Project")

    def action_no_receipt(self) -> None:
        ids = self.targets()
        if not ids:
            return

        def chosen(reason: str | None) -> None:
            if reason is None:
                return
            try:
                with undo_step(self.app, f"'No receipt needed' {'set' if reason else 'cleared'}"):
                    changed = workflow.set_no_receipt(self.store, ids, reason or None)
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"'No receipt needed' {'set' if reason else 'cleared'} on {len(changed)} transactions")

        first = self.store.transactions.get(ids[0])
        self.app.push_screen(
            TextPrompt("Why is no receipt needed?", value=(first.no_receipt_reason or "") if first else "",
                       placeholder="e.g. bank fee", hint="It goes into the voucher's comments. Empty it to clear."),
            chosen,
        )


    # --- representation and warnings (issue 12) ---

    def _ask_representation(self, ids: list[str]) -> None:
        first = self.store.transactions.get(ids[0])
        if first is None:
            return

        def answered(answers: RepresentationAnswers | None) -> None:
            if answers is None:
                return
            try:
                changed = workflow.set_representation(
                    self.store, ids, participants=answers.participants, purpose=answers.purpose,
                    attendees=answers.attendees, alcohol=answers.alcohol)
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            n = len(changed)
            self.notify(f"Representation, {answers.participants} participants, set on {n} transaction"
                        f"{'s' if n != 1 else ''}" if n else "Nothing changed.")

        self.app.push_screen(RepresentationDialog(first, len(ids)), answered)

    def action_representation(self) -> None:
        """Only rows booked on a representation account: elsewhere the answers would only mislabel the voucher."""
        ids = self.targets()
        accounts = self.store.settings.representation_accounts
        other = [tx for i in ids if (tx := self.store.transactions.get(i)) is not None
                 and not tx.is_representation(accounts)]
        if other:
            names = ", ".join(f"{tx.merchant} {tx.date} (" + (
                "split" if tx.splits else str(tx.account) if tx.account else "no account") + ")"
                for tx in other[:3]) + (" …" if len(other) > 3 else "")
            where = ", ".join(map(str, accounts))
            if len(other) == len(ids):
                self.notify(f"{names}: not on a representation account ({where}). Set the account first (a or e); "
                            "the questions come with it.", severity="warning", timeout=8)
                return
            self.notify(f"Left out, not on a representation account ({where}): {names}.", severity="warning",
                        timeout=8)
            ids = [i for i in ids if i not in {tx.id for tx in other}]
        if ids:
            self._ask_representation(ids)

    def action_vat_details(self) -> None:
        """``%``: the deductible share and the VAT as printed (the latter for one transaction at a time)."""
        txs = [tx for i in self.line_targets() if (tx := self.store.transactions.get(i)) is not None]
        if not txs:
            return

        def chosen(details: VatDetails | None) -> None:
            if details is None:
                return
            values: dict[str, Any] = {"vat_deductible": details.vat_deductible}
            if len(txs) == 1:
                values["vat_amount"] = details.vat_amount
            self._edit("VAT details set", [tx.id for tx in txs], **values)

        default = self.store.settings.deductible_share(txs[0].account)
        self.app.push_screen(VatDetailsDialog(txs, default), chosen)

    def action_acknowledge_warning(self) -> None:
        """The cursor row's open warnings: pick one (if several) and say why it does not apply."""
        ids = self.targets()
        tx = self.store.transactions.get(ids[0]) if ids else None
        if tx is None:
            return
        found = [f for f in warnings.warnings_for(self.store, tx) if f.acknowledged is None]
        if not found:
            self.notify("No warning to acknowledge on this transaction.")
            return

        def reason_for(code: str | None) -> None:
            if code is None:
                return
            finding = next(f for f in found if f.code == code)

            def given(reason: str | None) -> None:
                if not reason:
                    return
                try:
                    warnings.acknowledge(self.store, tx.id, code, reason)
                except StoreError as exc:
                    self.notify(str(exc), severity="error", timeout=8)
                    return
                self.notify("Warning acknowledged; the reason is kept in the audit log.")

            self.app.push_screen(TextPrompt(
                "Why does this warning not apply?", placeholder="e.g. the receipt shows 12 %: food for a meeting",
                hint=finding.message,
                validate=lambda text: "" if text.strip() else "Give a reason: it is kept in the audit log."), given)

        if len(found) == 1:
            reason_for(found[0].code)
        else:
            self.app.push_screen(ChoicePicker("Which warning?", [(f.code, f.message) for f in found]), reason_for)
