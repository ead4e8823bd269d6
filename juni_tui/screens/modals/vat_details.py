"""``%``: the share of the VAT that may be deducted, and the VAT as printed on the receipt, for the selection.

Empty fields mean "not set": the account's default share (Settings), and the VAT computed from the rate. A printed
VAT that does not fit the VAT code's rate is refused here, with the amount the rate gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from juni_tui.domain.money import MoneyError, to_money
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import printed_vat_problem
from juni_tui.screens.modals.form import FORM_CSS, FormDialog
from juni_tui.widgets.safe import SafeLabel


@dataclass(frozen=True)
class VatDetails:
    vat_deductible: Decimal | None
    vat_amount: Decimal | None


class VatDetailsDialog(FormDialog[VatDetails]):
    DEFAULT_CSS = FORM_CSS.format(name="VatDetailsDialog", label_width=22)

    def __init__(self, txs: list[Transaction], default_share: Decimal) -> None:
        super().__init__()
        self.txs = txs
        self.default_share = default_share

    def compose(self) -> ComposeResult:
        first = self.txs[0]
        what = f"{len(self.txs)} transactions" if len(self.txs) > 1 else f"{first.merchant}, {first.date}"
        share = f"{first.vat_deductible.normalize():f}" if first.vat_deductible is not None else ""
        printed = f"{first.vat_amount:.2f}" if first.vat_amount is not None and len(self.txs) == 1 else ""
        with Vertical():
            yield SafeLabel(f"VAT details: {what}", classes="title")
            with Horizontal(classes="field"):
                yield SafeLabel("Deductible share (%)")
                yield Input(share, id="share", restrict=r"[0-9.,]*", max_length=6, compact=True,
                            placeholder=f"empty: the account's default ({self.default_share.normalize():f} %)")
            with Horizontal(classes="field"):
                yield SafeLabel("VAT as printed (SEK)")
                yield Input(printed, id="printed", restrict=r"[0-9., ]*", max_length=16, compact=True,
                            placeholder="empty: computed from the rate", disabled=len(self.txs) > 1)
            yield from self.form_end("50 % for leasing or hiring a passenger car (13 kap. 21-22 §§ ML). The VAT "
                                     "not deducted stays on the cost row.")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        share_text = self.query_one("#share", Input).value.strip().replace(",", ".")
        try:
            share = Decimal(share_text) if share_text else None
        except InvalidOperation:
            share = Decimal(-1)
        if share is not None and (not 0 <= share <= 100 or int(share.as_tuple().exponent) < -2):
            self.show_error("Deductible share: a percentage from 0 to 100, with at most two decimals (such as 50 "
                            "or 33,33).")
            return
        printed_text = self.query_one("#printed", Input).value.strip()
        printed = None
        if printed_text:
            try:
                printed = to_money(printed_text)
            except MoneyError as exc:
                self.show_error(f"VAT as printed: {exc}")
                return
            tx = self.txs[0]
            if tx.splits:
                self.show_error("VAT as printed: this transaction is split; each line has its own VAT.")
                return
            if tx.vat_code is None:
                self.show_error("VAT as printed: choose the VAT code first (v).")
                return
            problem = printed_vat_problem(tx.amount, tx.vat_code, printed)
            if problem:
                self.show_error(f"VAT as printed: {problem[0].upper()}{problem[1:]}.")
                return
        self.dismiss(VatDetails(share, printed))
