"""The representation questions (13 kap. ML; Skatteverket): asked when a transaction is booked on a
representation account, and with ``r`` in the Prepare tab and the detail view.

How many took part (the company's own people included), the purpose, who was there (names and companies), and
whether the meal included alcohol (then the 46 kr of VAT per participant simplification applies). The answers go
in the voucher's comments; the participants cap the deductible VAT.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from juni_tui.domain.transactions import Transaction
from juni_tui.screens.modals.form import FORM_CSS, FormDialog
from juni_tui.services.display import printable
from juni_tui.widgets.safe import SafeLabel
from juni_tui.widgets.tick import Tick


@dataclass(frozen=True)
class RepresentationAnswers:
    participants: int
    purpose: str | None
    attendees: str | None
    alcohol: bool


def max_length(field: str) -> int | None:
    """How long a text the store keeps in a transaction's field (the model's limit)."""
    return next((m.max_length for m in Transaction.model_fields[field].metadata if hasattr(m, "max_length")), None)


class RepresentationDialog(FormDialog[RepresentationAnswers]):
    DEFAULT_CSS = FORM_CSS.format(name="RepresentationDialog", label_width=14)

    def __init__(self, tx: Transaction, count: int = 1) -> None:
        super().__init__()
        self.tx = tx
        self.count = count

    def compose(self) -> ComposeResult:
        tx = self.tx
        what = f"{self.count} transactions" if self.count > 1 else f"{tx.merchant}, {tx.date.isoformat()}"
        with Vertical():
            yield SafeLabel(f"Representation: {what}", classes="title")
            for field, label, value, hint in (
                ("participants", "Participants", str(tx.participants or ""), "how many, your own people included"),
                ("purpose", "Purpose", tx.purpose or "", "e.g. contract negotiation with Kund AB"),
                ("attendees", "Attendees", tx.attendees or "", "names and companies"),
            ):
                with Horizontal(classes="field"):
                    yield SafeLabel(label)
                    yield Input(printable(value), placeholder=hint, id=field, compact=True,
                                restrict=r"[0-9]*" if field == "participants" else None,
                                max_length=5 if field == "participants" else 2000)
            yield Tick("The meal included alcohol (46 kr of VAT per participant)", tx.alcohol, id="alcohol",
                           compact=True)
            yield from self.form_end("Skatteverket asks for the participants and the purpose. The VAT is "
                                     "deductible on at most 300 kr excl. VAT per participant.")

    def on_mount(self) -> None:
        self.query_one("#participants", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        text = self.query_one("#participants", Input).value.strip()
        if not text.isdigit() or not 1 <= int(text) <= 10_000:
            self.show_error("Participants: how many took part, from 1 to 10 000.")
            self.query_one("#participants", Input).focus()
            return
        for field, label in (("purpose", "Purpose"), ("attendees", "Attendees")):
            box = self.query_one(f"#{field}", Input)
            limit = max_length(field)
            if limit is not None and len(box.value.strip()) > limit:
                self.show_error(f"{label}: at most {limit} characters are kept (this has {len(box.value.strip())}); "
                                "shorten it.")
                box.focus()
                return
        self.dismiss(RepresentationAnswers(
            participants=int(text),
            purpose=self.query_one("#purpose", Input).value.strip() or None,
            attendees=self.query_one("#attendees", Input).value.strip() or None,
            alcohol=self.query_one("#alcohol", Tick).value,
        ))
