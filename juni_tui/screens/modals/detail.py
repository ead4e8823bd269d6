"""The detail view of one transaction (``enter`` anywhere), and the voucher preview (``p``).

Shows every field with who set it (import, hand, rule, suggestion), the receipts, what is missing, the voucher
rows juni-tui will send, and after export the voucher exactly as it was sent, read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen

from juni_tui.domain.money import format_sek
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.screens.modals.dialogs import Message
from juni_tui.screens.modals.split import SplitEditor
from juni_tui.screens.shared import cells
from juni_tui.screens.shared.editing import PreAccountingActions
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.screens.shared.receipt_keys import ReceiptActions, receipt_lines
from juni_tui.screens.shared.refusals import SaysWhyNot, why_not_editable
from juni_tui.screens.shared.rule_cells import describe_suggestion
from juni_tui.screens.shared.undoing import UNDO_BINDING
from juni_tui.services import rules, vouchers
from juni_tui.services.bookkeeping import warnings
from juni_tui.services.bookkeeping.amounts import representation_of
from juni_tui.services.display import printable
from juni_tui.services.store import Store
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.safe import SafeStatic


def rows_table(store: Store, rows: Sequence[dict[str, Any]], title: str = "") -> Table:
    """Voucher rows as Fortnox gets them: account, debit, credit, texts; with totals."""
    table = Table(title=title or None, title_justify="left", expand=True, show_edge=False, pad_edge=False)
    # the account's name gives way first (at 80 columns "1930 Företagskonto/checkkonto/affärskonto" would squeeze
    # the texts to a word a line); the number always shows
    table.add_column("Account", no_wrap=True, overflow="ellipsis", max_width=22)
    table.add_column("Debit", justify="right", no_wrap=True)
    table.add_column("Credit", justify="right", no_wrap=True)
    table.add_column("Text", overflow="fold")
    debit_total = credit_total = Decimal("0.00")
    for row in rows:
        number = int(row["Account"])
        known = store.accounts.get(number)
        debit, credit = bookkeeping_amount(row.get("Debit")), bookkeeping_amount(row.get("Credit"))
        debit_total += debit
        credit_total += credit
        extra = " ".join(str(row[k]) for k in ("CostCenter", "Project") if row.get(k))
        text = " · ".join(str(row[k]) for k in ("Description", "TransactionInformation") if row.get(k))
        table.add_row(
            f"{number} {known.description}" if known else str(number),
            format_sek(debit) if debit else "",
            format_sek(credit) if credit else "",
            (text + (f"  [{extra}]" if extra else "")),
        )
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(format_sek(debit_total), style="bold"),
                  Text(format_sek(credit_total), style="bold"), "balanced" if debit_total == credit_total else "NOT BALANCED")
    return table


def bookkeeping_amount(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def vat_notes(store: Store, tx: Transaction) -> list[Text]:
    """The plausibility warnings (open ones marked ``!``, acknowledged ones with their reason) and how the
    representation cap was worked out: what the detail view and the preview show above the rows."""
    out: list[Text] = []
    for finding in warnings.warnings_for(store, tx):
        if finding.acknowledged is None:
            out.append(Text(f"{cells.WARNING_MARK} {finding.message}  (w: acknowledge with a reason)",
                            style="yellow"))
        else:
            out.append(Text(f"{cells.WARNING_MARK} {finding.message}  Acknowledged: {finding.acknowledged}",
                            style="dim"))
    working = representation_of(tx, store.settings)
    if working is not None:
        out += [Text(line, style="cyan") for line in working.explain()]
    return out


def voucher_view(store: Store, tx: Transaction) -> Group | Text:
    """The rows that were sent (exported or in flight), or the rows that would be sent now."""
    if tx.export is not None and tx.export.voucher_body is not None:
        body = tx.export.voucher_body["Voucher"]
        label = f"Voucher {tx.export.voucher_label}" if tx.export.voucher_number else "Voucher (being sent)"
        head = Text(f"{label} · {body['TransactionDate']} · {body['Description']}", style="bold")
        parts: list[Any] = [head, rows_table(store, body["VoucherRows"])]
        if body.get("Comments"):
            parts.append(Text(f"Comments: {body['Comments']}", style="dim"))
        return Group(*parts)
    series = tx.export.series if tx.export else store.settings.series_for_preview()
    notes = vat_notes(store, tx)
    try:
        voucher = vouchers.build_voucher(tx, store.settings, series)
    except vouchers.BookkeepingError as exc:
        return Group(*notes, Text(f"No voucher yet: {exc}", style="yellow"))
    body = voucher.to_fortnox()["Voucher"]
    parts = [*notes, Text(f"Voucher preview (series {series}) · {body['Description']}", style="bold"),
             rows_table(store, body["VoucherRows"])]
    if body.get("Comments"):
        parts.append(Text(f"Comments: {body['Comments']}", style="dim"))
    return Group(*parts)


def transaction_view(store: Store, tx: Transaction) -> Group:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()

    explained = rules.explain(store, tx)  # rules: who set each value, a deleted rule said so

    def source(field: str) -> Text:
        said = explained.get(field)
        return Text(f"  ({said})", style="dim") if said else Text("")

    facts.add_row("Status", tx.status.label)
    facts.add_row("Date", tx.date.isoformat())
    facts.add_row("Merchant", tx.merchant + (f" ({tx.merchant_country})" if tx.merchant_country else ""))
    facts.add_row("Amount", Text(f"{format_sek(tx.amount)} SEK") + Text("  refund" if tx.is_refund else ""))
    if cells.original(tx):
        facts.add_row("Original amount", cells.original(tx))
    for label, value in (("Card", tx.card), ("Cardholder", tx.cardholder), ("Category", tx.category),
                         ("Description", tx.description), ("Transaction id", tx.id)):
        if value:
            facts.add_row(label, value)
    facts.add_row("Account", cells.account(store, tx) + source("account"))
    facts.add_row("VAT code", Text(tx.vat_code.label if tx.vat_code else "missing",
                                   style="" if tx.vat_code else "red") + source("vat_code"))
    if tx.cost_center:
        facts.add_row("Cost center", Text(tx.cost_center) + source("cost_center"))
    if tx.project:
        facts.add_row("Project", Text(tx.project) + source("project"))
    share = tx.vat_deductible if tx.vat_deductible is not None else store.settings.deductible_share(tx.account)
    if share != 100 or tx.vat_deductible is not None:
        said = source("vat_deductible") if tx.vat_deductible is not None else Text("  (the account's default)",
                                                                                    style="dim")
        facts.add_row("Deductible VAT", Text(f"{share.normalize():f} %") + said)
    if tx.vat_amount is not None:
        facts.add_row("VAT as printed", f"{format_sek(tx.vat_amount)} SEK")
    if tx.participants is not None or tx.is_representation(store.settings.representation_accounts):
        facts.add_row("Participants", Text(str(tx.participants)) if tx.participants
                      else Text("missing (r: the representation questions)", style="red"))
        for label, value in (("Purpose", tx.purpose), ("Attendees", tx.attendees)):
            if value:
                facts.add_row(label, value)
        if tx.alcohol:
            facts.add_row("Alcohol", "yes: at most 46 kr of VAT per participant")
    suggestion = rules.suggest(store, tx) if tx.status == Status.PREPARE and not tx.splits else None
    if suggestion is not None:  # rules: a suggestion from earlier exports, not applied until accepted
        facts.add_row("Suggested", describe_suggestion(store, suggestion))
    for n, line in enumerate(tx.splits, 1):
        facts.add_row(f"Split {n}", f"{format_sek(line.amount)}  {line.account or '—'}  "
                                     f"{line.vat_code.value if line.vat_code else '—'}  {line.cost_center or ''} "
                                     f"{line.project or ''} {line.text or ''}")
    facts.add_row("Receipts", receipt_lines(store, tx))  # each file and how it was matched; suggestions
    facts.add_row("Checks", cells.checks(tx, store.settings.representation_accounts))
    problems = tx.problems(store.settings.representation_accounts) if tx.status == Status.PREPARE else []
    parts: list[Any] = [facts]
    if problems:
        parts.append(Text("Missing: " + "; ".join(problems), style="yellow"))
    if tx.export is not None:
        export = Table.grid(padding=(0, 2))
        export.add_column(style="bold")
        export.add_column()
        export.add_row("Series", tx.export.series)
        if tx.export.voucher_number is not None:
            year = store.financial_years.get(tx.export.voucher_year)
            export.add_row("Voucher", f"{tx.export.voucher_label} in financial year "
                                      f"{year.from_date.year if year else tx.export.voucher_year}"
                                      + (" (found in Fortnox after a lost answer)" if tx.export.found_by_lookup else ""))
        for att in tx.export.attachments:
            state = "connected" if att.connected else ("uploaded" if att.file_id else "not uploaded")
            export.add_row("Fortnox file", f"{att.file_name}: {state}" + (f" (id {att.file_id})" if att.file_id else ""))
        if tx.export.exported_at:
            export.add_row("Exported", tx.export.exported_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
        if tx.export.error:
            export.add_row(Text("Fortnox said", style="red"), Text(tx.export.error.message, style="red"))
            if tx.export.error.meaning:
                export.add_row("What it means", tx.export.error.meaning)
        parts += [Text(""), Text("Export", style="bold underline"), export]
    parts += [Text(""), voucher_view(store, tx)]
    return Group(*parts)


class DetailScreen(SaysWhyNot, ReportsWorkerErrors, ReceiptActions, PreAccountingActions, Screen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("a", "account", "Account"),
        Binding("v", "vat", "VAT"),
        Binding("c", "cost_center", "Cost center"),
        Binding("o", "project", "Project"),
        Binding("n", "no_receipt", "No receipt needed"),
        Binding("x", "split", "Split"),
        Binding("d", "detach_receipt", "Detach receipt"),  # receipts (screens/shared/receipt_keys.py: ReceiptActions)
        Binding("O", "open_receipt", "Open receipt"),
        Binding("t", "attach_file", "Attach receipt"),
        Binding("y", "accept_suggestion", "Accept receipt"),
        Binding("r", "representation", "Representation"),
        Binding("percent_sign", "vat_details", "VAT details", key_display="%"),
        Binding("w", "acknowledge_warning", "Acknowledge warning"),
        UNDO_BINDING,
    ]
    DEFAULT_CSS = """
    DetailScreen VerticalScroll { padding: 1 2; }
    """

    def __init__(self, tx_id: str) -> None:
        super().__init__()
        self.tx_id = tx_id

    @property
    def store(self) -> Store:  # type: ignore[override]  # the mixins name it as an attribute
        return self.app.store

    def targets(self) -> list[str]:
        return [self.tx_id]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield SafeStatic(id="body")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        tx = self.store.get_transaction(self.tx_id)
        body = self.query_one("#body", SafeStatic)
        if tx is None:
            body.update(f"Transaction {self.tx_id} no longer exists.")
            return
        self.sub_title = printable(f"{tx.merchant} {tx.date}")
        body.update(transaction_view(self.store, tx))

    def apply_changes(self, changed: set[str]) -> None:
        if self.tx_id in changed or "*" in changed:  # "*": e.g. a receipt suggested for it
            self.refresh_view()

    def why_not(self, action: str) -> str | None:
        if action in {"account", "vat", "cost_center", "project", "no_receipt", "split",
                      "attach_file", "accept_suggestion", "detach_receipt", "representation", "vat_details"}:
            return why_not_editable(self.store.get_transaction(self.tx_id))
        if action == "acknowledge_warning":
            tx = self.store.get_transaction(self.tx_id)
            if tx is not None and tx.status not in (Status.PREPARE, Status.READY):
                return "It is exported or being sent: what Fortnox has is final, and warnings are for what is not."
        return None

    def action_split(self) -> None:
        tx = self.store.transactions.get(self.tx_id)
        if tx is not None:
            self.app.push_screen(SplitEditor(self.store, tx), lambda saved: saved and self.notify("Split saved"))


class PreviewScreen(ReportsWorkerErrors, ModalScreen[None]):
    BINDINGS = [Binding("escape,q,p,enter", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > VerticalScroll { width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 1 2; }
    """

    def __init__(self, renderables: list[Any]) -> None:
        super().__init__()
        self.renderables = renderables

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield SafeStatic(Group(*self.renderables))


def preview_vouchers(screen: Screen, ids: list[str], limit: int = 50) -> None:
    """``p``: the exact rows each selected transaction will be booked with."""
    store: Store = screen.app.store  # type: ignore[attr-defined]
    if not ids:
        return
    parts: list[Any] = []
    for tx_id in ids[:limit]:
        tx = store.transactions.get(tx_id)
        if tx is not None:
            parts += [Text(f"{tx.date}  {tx.merchant}  {format_sek(tx.amount)} SEK", style="bold reverse"),
                      voucher_view(store, tx), Text("")]
    if len(ids) > limit:
        parts.append(Text(f"… and {len(ids) - limit} more (preview shows the first {limit})", style="dim"))
    if not parts:
        screen.app.push_screen(Message("Preview", "Nothing to preview."))
        return
    screen.app.push_screen(PreviewScreen(parts))
