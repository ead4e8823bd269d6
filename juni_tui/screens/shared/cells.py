"""How transactions look in the tables: one function per column, shared by every tab."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

from juni_tui.domain.money import format_sek
from juni_tui.domain.settings import DEFAULT_REPRESENTATION_ACCOUNTS
from juni_tui.domain.transactions import HistoryEntry, Origin, Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services.display import glyphs
from juni_tui.services.store import Store
from juni_tui.widgets.table import Column

MISSING = Text("missing", style="red")


def mark(ok: bool) -> Text:
    """A check that differs in shape as well as colour: ``✔``/``✘``, or ``[x]``/``[ ]`` on an ASCII terminal."""
    shown = glyphs()
    return Text(shown.ok, style="bold green") if ok else Text(shown.not_ok, style="bold red")


def amount(value: Decimal | None) -> Text:
    if value is None:
        return Text("")
    return Text(format_sek(value), style="green" if value > 0 else "")


def original(tx: Transaction) -> str:
    if tx.original_amount is None or not tx.original_currency or tx.original_currency == "SEK":
        return ""
    return f"{format_sek(tx.original_amount)} {tx.original_currency}"


def _provenance_style(tx: Transaction, field: str) -> str:
    source = tx.sources.get(field)
    if source is None:
        return ""
    return {Origin.RULE: "cyan", Origin.SUGGESTION: "magenta", Origin.IMPORT: ""}.get(source.origin, "")


def account(store: Store, tx: Transaction) -> Text:
    if tx.splits:
        accounts = sorted({line.account for line in tx.splits if line.account})
        return Text(f"split: {', '.join(map(str, accounts))}" if accounts else "split", style="italic")
    if tx.account is None:
        return MISSING
    known = store.accounts.get(tx.account)
    label = f"{tx.account} {known.description}" if known else str(tx.account)
    return Text(label, style=_provenance_style(tx, "account"))


#: VAT codes as short as a table column allows (the detail view and the picker show the full names).
VAT_SHORT = {
    VatCode.VAT25: "25 %",
    VatCode.VAT12: "12 %",
    VatCode.VAT6: "6 %",
    VatCode.NONE: "0 %",
    VatCode.RC_EU_SERVICES: "RC EU serv",
    VatCode.RC_EU_SERVICES_12: "RC EU s 12",
    VatCode.RC_EU_SERVICES_6: "RC EU s 6",
    VatCode.RC_NON_EU_SERVICES: "RC non-EU",
    VatCode.RC_NON_EU_SERVICES_12: "RC nonEU 12",
    VatCode.RC_NON_EU_SERVICES_6: "RC nonEU 6",
    VatCode.RC_EU_GOODS: "RC EU goods",
    VatCode.RC_EU_GOODS_12: "RC EU g 12",
    VatCode.RC_EU_GOODS_6: "RC EU g 6",
    VatCode.IMPORT_GOODS: "Import 25",
    VatCode.IMPORT_GOODS_12: "Import 12",
    VatCode.IMPORT_GOODS_6: "Import 6",
}


def vat(tx: Transaction) -> Text:
    if tx.splits:
        codes = sorted({VAT_SHORT[line.vat_code] for line in tx.splits if line.vat_code})
        return Text("/".join(codes) or "split", style="italic")
    if tx.vat_code is None:
        return MISSING
    return Text(VAT_SHORT[tx.vat_code], style=_provenance_style(tx, "vat_code"))


def attachment(tx: Transaction) -> Text:
    if tx.receipts:
        n = len(tx.receipts)
        return Text("receipt" if n == 1 else f"{n} receipts")
    if tx.no_receipt_reason:
        return Text("not needed", style="dim")
    return Text(glyphs().none, style="red")


def checks(tx: Transaction, representation: Sequence[int] = DEFAULT_REPRESENTATION_ACCOUNTS) -> Text:
    text = Text()
    text.append_text(mark(not tx.missing_values(representation)))
    text.append(" ")
    text.append_text(mark(tx.attachment_complete))
    return text


#: The warning mark: plain ASCII, so that it reads on any terminal and without colour.
WARNING_MARK = "!"


def warning_mark(open_warnings: int) -> Text:
    """``!`` when the transaction has plausibility warnings not acknowledged yet, else nothing."""
    return Text(WARNING_MARK, style="bold yellow") if open_warnings else Text("")


def with_warning_mark(status: Text, open_warnings: int) -> Text:
    """The Status cell with the warning mark after it (``✔ ✔ !``)."""
    if not open_warnings:
        return status
    return status + Text(" ") + warning_mark(open_warnings)


def queue_state(tx: Transaction) -> Text:
    styles = {Status.QUEUED: "", Status.SENDING: "bold yellow", Status.ATTACHING: "yellow", Status.FAILED: "bold red"}
    label = tx.status.label
    if tx.status == Status.QUEUED and tx.export and tx.export.error:
        label = "waiting (retry)"
    return Text(label, style=styles.get(tx.status, ""))


def queue_detail(tx: Transaction) -> str:
    if tx.export is None:
        return ""
    if tx.export.error:
        return tx.export.error.message
    if tx.export.voucher_number is not None:
        return f"voucher {tx.export.voucher_label}, receipts next"
    return f"series {tx.export.series}"


def voucher(entry: HistoryEntry) -> str:
    return f"{entry.series} {entry.number}"


def exported_at(entry: HistoryEntry) -> str:
    return entry.exported_at.astimezone().strftime("%Y-%m-%d %H:%M")


#: The columns Prepare and Ready share. At 80 columns the original amount and the receipt go (the Status column's
#: second mark says whether the receipt is there); merchant and account shrink; ``enter`` shows everything.
TRANSACTION_COLUMNS = (
    Column("date", "Date", 10),
    Column("merchant", "Merchant", 0, min_width=18),
    Column("amount", "Amount SEK", 12, align="right"),
    Column("original", "Original", 14, align="right", priority=3),
    Column("account", "Account", 0, min_width=16, priority=1),
    Column("vat", "VAT", 11, priority=1),
    Column("attachment", "Receipt", 10, priority=2),
)
#: Values filled in, receipt attached: two marks that differ in shape, not only in colour.
STATUS_COLUMN = Column("status", "Status", 9)  # "[x] [ ] !" in ASCII: both checks and the warning mark


def transaction_row(store: Store, tx: Transaction) -> tuple:
    return (tx.date.isoformat(), tx.merchant, amount(tx.amount), original(tx), account(store, tx), vat(tx),
            attachment(tx))
