"""Split one transaction over several lines: a hotel bill with 12 % lodging and 25 % minibar, a dinner with food
and wine. Each line has its own amount, account, VAT code, cost center and project; the lines must add up to
the transaction. Opened from the detail view with ``x``.

Amounts are typed as they read on the receipt (positive); the transaction's sign (purchase or refund) is applied.
"""

from __future__ import annotations

from decimal import Decimal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select

from juni_tui.domain.money import MoneyError, format_sek, to_money
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.services import workflow
from juni_tui.services.display import printable
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.safe import SafeLabel, SafeStatic

VAT_CHOICES = [(f"{code.value}  {code.label}", code.value) for code in VatCode]


class SplitLineRow(Vertical):
    """One line, on two rows that fit 80 columns: amount, account, VAT code, deductible share and the VAT as printed;
    then cost center, project and text."""

    DEFAULT_CSS = """
    SplitLineRow { height: auto; border-bottom: hkey $panel; }
    SplitLineRow Horizontal { height: 3; margin-top: 0; align-horizontal: left; }
    SplitLineRow .amount { width: 15; }
    SplitLineRow .account { width: 10; }
    SplitLineRow Select { width: 1fr; min-width: 16; }
    SplitLineRow .share { width: 11; }
    SplitLineRow .printed { width: 12; }
    SplitLineRow .dimension { width: 16; }
    SplitLineRow .text { width: 1fr; }
    """

    def __init__(self, line: SplitLine | None, sign: int) -> None:
        super().__init__()
        self.line = line
        self.sign = sign

    def compose(self) -> ComposeResult:
        line = self.line
        with Horizontal():
            yield Input(_decimal(abs(line.amount), cents=True) if line else "", placeholder="amount", classes="amount",
                        restrict=r"[0-9 ,.]*")
            yield Input(str(line.account) if line and line.account else "", placeholder="acct",
                        classes="account", restrict=r"[0-9]*", max_length=4)
            yield Select(VAT_CHOICES, value=line.vat_code.value if line and line.vat_code else Select.NULL,
                         prompt="VAT code")
            yield Input(_decimal(line.vat_deductible) if line and line.vat_deductible is not None else "",
                        placeholder="ded %", classes="share", restrict=r"[0-9,.]*", tooltip=SHARE_HELP)
            yield Input(_decimal(line.vat_amount, cents=True) if line and line.vat_amount is not None else "",
                        placeholder="VAT kr", classes="printed", restrict=r"[0-9 ,.]*", tooltip=PRINTED_HELP)
        with Horizontal():
            yield Input(printable(line.cost_center or "" if line else ""), placeholder="cost ctr",
                        classes="dimension")
            yield Input(printable(line.project or "" if line else ""), placeholder="project", classes="dimension")
            yield Input(printable(line.text or "" if line else ""), placeholder="text (e.g. minibar)", classes="text")

    def read(self) -> tuple[SplitLine | None, str]:
        amount_text, account_text, share_text, printed_text, cc, project, text = (
            i.value.strip() for i in self.query(Input))
        if not amount_text:
            return None, "a line has no amount"
        try:
            amount = to_money(amount_text) * self.sign
            share = to_money(share_text) if share_text else None
            printed = to_money(printed_text) if printed_text else None
        except MoneyError as exc:
            return None, str(exc)
        if account_text and not (account_text.isascii() and account_text.isdigit() and 1000 <= int(account_text) <= 9999):
            return None, f"account {account_text} is not a four-digit account number"
        if share is not None and not 0 <= share <= 100:
            return None, f"a deductible share of {_decimal(share)} % is not a percentage from 0 to 100"
        vat = self.query_one(Select).value
        code = VatCode(str(vat)) if vat is not Select.NULL else None
        return SplitLine(  # (the VAT as printed is checked against the line's rate by workflow.set_splits)
            amount=amount,
            account=int(account_text) if account_text else None,
            vat_code=code,
            cost_center=cc or None,
            project=project or None,
            text=text or None,
            vat_deductible=share,
            vat_amount=printed,
        ), ""


SHARE_HELP = "The share of this line's VAT that may be deducted (empty: the account's default, e.g. 50 % car hire)"
PRINTED_HELP = "The VAT printed on the receipt for this line, booked instead of the computed VAT"


def _decimal(value: Decimal, *, cents: bool = False) -> str:
    """As typed in the form: a decimal comma; a share without its ``,00``."""
    text = f"{value:.2f}".replace(".", ",")
    return text if cents else text.removesuffix(",00")


#: Below this many rows the title, the lines at 50 % of the height and the buttons do not fit together.
SHORT = 44  # (room for an error of two or three lines too)


class SplitEditor(Dialog[bool]):
    DEFAULT_CSS = DIALOG_CSS.format(name="SplitEditor") + """
    SplitEditor > Vertical { width: 100; padding: 0 1; overflow-y: hidden; }  /* only the lines scroll */
    SplitEditor > Vertical > .title { margin-bottom: 0; }
    SplitEditor VerticalScroll { height: auto; max-height: 50vh; }
    /* on a short terminal (80x24) the lines take what the title, the total and the buttons leave */
    SplitEditor.-short VerticalScroll { height: 1fr; }
    SplitEditor #remaining { margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+n", "add_line", "Add line"),
        Binding("ctrl+d", "remove_line", "Remove last line"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, store: Store, tx: Transaction) -> None:
        super().__init__()
        self.store = store
        self.tx = tx
        self.sign = 1 if tx.amount > 0 else -1

    def compose(self) -> ComposeResult:
        tx = self.tx
        with Vertical():
            yield SafeLabel(f"Split {tx.merchant} {tx.date}: {format_sek(tx.amount)} SEK", classes="title")
            yield SafeStatic("Each line: amount, account, VAT code, deductible share, VAT as printed; cost center, "
                             "project, text. ctrl+n adds a line, ctrl+d removes the last, ctrl+s saves. Save with no "
                             "lines to remove the split.", classes="hint")
            with VerticalScroll(id="lines"):
                lines = tx.splits or (
                    SplitLine(amount=tx.amount, account=tx.account, vat_code=tx.vat_code, cost_center=tx.cost_center,
                              project=tx.project),
                    None,
                )
                for line in lines:
                    yield SplitLineRow(line, self.sign)
            yield SafeStatic(id="remaining")
            yield SafeStatic("", classes="error", id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.on_resize()
        self.update_remaining()

    def on_resize(self) -> None:
        self.set_class(self.app.size.height < SHORT, "-short")
        self.query(Input).first().focus()

    def rows(self) -> list[SplitLineRow]:
        return list(self.query(SplitLineRow))

    @on(Input.Changed)
    @on(Select.Changed)
    def update_remaining(self) -> None:
        total = Decimal("0.00")
        for row in self.rows():
            text = row.query(Input).first().value.strip()
            try:
                total += to_money(text) * self.sign if text else Decimal("0.00")
            except MoneyError:
                pass
        left = self.tx.amount - total
        self.query_one("#remaining", SafeStatic).update(
            "The lines add up." if left == 0 else f"Left to place: {format_sek(abs(left))} SEK"
        )

    def action_add_line(self) -> None:
        row = SplitLineRow(None, self.sign)
        self.query_one("#lines", VerticalScroll).mount(row)
        self.call_after_refresh(lambda: row.query(Input).first().focus())

    def action_remove_line(self) -> None:
        rows = self.rows()
        if rows:
            rows[-1].remove()
            self.call_after_refresh(self.update_remaining)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        lines: list[SplitLine] = []
        for n, row in enumerate(self.rows(), 1):
            line, error = row.read()
            if line is None:
                if error == "a line has no amount" and not any(i.value.strip() for i in row.query(Input)):
                    continue  # an empty line is ignored
                self.query_one("#error", SafeStatic).update(f"Line {n}: {error}")
                return
            lines.append(line)
        try:
            workflow.set_splits(self.store, self.tx.id, lines)
        except StoreError as exc:
            self.query_one("#error", SafeStatic).update(str(exc))
            return
        self.dismiss(True)
