"""A card transaction → one balanced Fortnox voucher (verifikation). Pure functions: no I/O, no store.

The rows follow the bookkeeping issue's table (reference ``peers-and-bookkeeping.md`` §5, ``fortnox-api.md`` §7):

========================  ===================================================================================
VAT code                  rows for a purchase (a refund mirrors them: debit and credit swap)
========================  ===================================================================================
``25`` ``12`` ``6``       D cost account, net of VAT · D input VAT (2640) · C payment account (1930)
``0``                     D cost account, the whole amount · C payment account
``RC_EU_SERVICES``        D cost account, the whole amount · D 2645 and C 2614, 25 % of it · C payment account
``RC_NON_EU_SERVICES``    the same as ``RC_EU_SERVICES``
``RC_EU_GOODS``           the same, with C 2615 instead of 2614
========================  ===================================================================================

With the company's reporting pair switched on, a reverse-charge line also gets D 4535 / 4531 / 4515 (EU services,
non-EU services, EU goods) and C 4598 for the whole amount, so the purchase lands in the VAT return's boxes
21 / 22 / 20. Every account is a company setting (``Settings``).

VAT is rounded half-up to the öre on each line; the cost takes the rest, so each line's rows sum to the line
exactly, and the payment row (the whole amount) balances the voucher to the öre. Rows that round to zero are left
out (Fortnox refuses a row with neither debit nor credit).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal

from juni_tui.domain.money import ZERO, round_ore
from juni_tui.domain.reference import Account, CostCenter, Project, account_problem
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.domain.vouchers import Voucher, VoucherRow
from juni_tui.services.fortnox import spec
from juni_tui.services.workflow import export_tag

#: Fortnox: "Max 14 digits (incl. decimals)" for Debit and Credit (reference §3).
MAX_AMOUNT_DIGITS = 14

# Row texts (Swedish: they are read in Fortnox by the accountant and the auditor).
_VAT_TEXT = "Ingående moms {rate} %"
_RC_INPUT_TEXT = "Beräknad ingående moms {rate} %"
_RC_OUTPUT_TEXT = {
    VatCode.RC_EU_SERVICES: "Beräknad utgående moms tjänsteköp EU {rate} %",
    VatCode.RC_NON_EU_SERVICES: "Beräknad utgående moms tjänsteköp utanför EU {rate} %",
    VatCode.RC_EU_GOODS: "Beräknad utgående moms varuköp EU {rate} %",
}
_PAIR_TEXT = {
    VatCode.RC_EU_SERVICES: "Tjänsteköp EU, ruta 21",
    VatCode.RC_NON_EU_SERVICES: "Tjänsteköp utanför EU, ruta 22",
    VatCode.RC_EU_GOODS: "Varuköp EU, ruta 20",
}
_CONTRA_TEXT = "Motkonto omvänd moms"
_PAYMENT_TEXT = "Juni-kort"

#: Bank costs in the BAS chart (657x); with VAT code 0 such a line is a bank fee.
_BANK_FEE_ACCOUNTS = range(6570, 6580)
_FEE_WORDS = re.compile(r"\bfees?\b|avgift", re.IGNORECASE)


class BookkeepingError(ValueError):
    """A transaction that cannot become a voucher yet, with the transaction and what it lacks in the message."""


# --- amounts --------------------------------------------------------------------------------------------------


def vat_part(gross: Decimal, code: VatCode) -> Decimal:
    """The Swedish VAT included in ``gross``: gross × rate / (1 + rate), rounded half-up to the öre.

    For ``25``, ``12`` and ``6``. Codes whose amount includes no VAT (``0`` and the reverse-charge codes) give 0.
    The sign follows ``gross`` and the rounding is symmetric, so a refund's VAT is exactly the purchase's, negated.
    """
    if code.is_reverse_charge or code == VatCode.NONE:
        return ZERO
    rate = code.rate
    return round_ore(gross * rate / (1 + rate))


def reverse_charge_part(amount: Decimal, code: VatCode) -> Decimal:
    """The VAT a reverse-charge purchase computes on itself: 25 % of the amount, rounded half-up to the öre."""
    if not code.is_reverse_charge:
        return ZERO
    return round_ore(amount * code.rate)


# --- texts ----------------------------------------------------------------------------------------------------


def _clean(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    return _sanitized(text, limit) or None


#: What looks like a tag, ``(juni …)``, in any case and spacing: never allowed in a text that came from the user.
_TAG_LOOKALIKE = re.compile(r"\(\s*juni\b[^()]*\)?", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def _sanitized(text: str, limit: int) -> str:
    # Row texts repeat (merchants, "Ingående moms 25 %"); sanitizing is per character, so remember the answers.
    # A tag-like text is removed after sanitizing (which may turn look-alike brackets into real ones), so that
    # only juni-tui's own tag, appended to the Description, ever ties a voucher to a transaction.
    cleaned = spec.sanitize_text(text)
    if "(" in cleaned:
        cleaned = spec.sanitize_text(_TAG_LOOKALIKE.sub(" ", cleaned))
    return spec.sanitize_text(cleaned, limit)


#: juni-tui's tag, where it writes it: at the very end of a voucher's Description.
_TAG_AT_END = re.compile(r"\((juni [^\s()]+)\)\Z")


def tag_in(description: str | None) -> str | None:
    """The tag a voucher Description ends with (``juni tx-123``), or None: matched exactly, in its place."""
    found = _TAG_AT_END.search(description or "")
    return found.group(1) if found else None


def _rate_label(code: VatCode) -> str:
    return f"{code.rate * 100:.0f}"


def _who(tx: Transaction) -> str:
    return f"transaction {tx.id} ({tx.merchant}, {tx.date.isoformat()})"


def _original(tx: Transaction) -> str | None:
    """``54.00 USD``: the amount in the currency it was bought in, for foreign-currency purchases."""
    if not tx.is_foreign:
        return None
    if tx.original_amount is None:
        return f"i {tx.original_currency}"
    return f"{abs(tx.original_amount):.2f} {tx.original_currency}"


def voucher_description(tx: Transaction) -> str:
    """What was bought, from whom and when, and the transaction's tag (which is never truncated away).

    ``Kortköp Adobe 2026-10-05 Creative Cloud (juni tx-123)``. The tag is unique per transaction, so two
    transactions on the same day never get the same text; the exporter finds a voucher in Fortnox by it.
    """
    kind = "Återbetalning" if tx.is_refund else "Kortköp"
    what = (tx.description or "").strip()
    head = f"{kind} {tx.merchant} {tx.date.isoformat()}"
    if what and what.casefold() != tx.merchant.strip().casefold():
        head += f" {what}"
    tail = f" ({export_tag(tx.id)})"
    return _sanitized(head, spec.MAX_VOUCHER_DESCRIPTION - len(tail)) + tail


def _is_fee(tx: Transaction, line: SplitLine) -> bool:
    if line.vat_code != VatCode.NONE:
        return False
    if line.account in _BANK_FEE_ACCOUNTS:
        return True
    return any(_FEE_WORDS.search(text) for text in (tx.category, tx.description, line.text) if text)


def voucher_comments(tx: Transaction) -> str | None:
    """The voucher's Comments: bank fees, why no receipt is needed, the original currency, and the card."""
    notes: list[str] = []
    if any(_is_fee(tx, line) for line in tx.lines()):
        notes.append("Bankavgift, ingen moms")
    if tx.no_receipt_reason:
        notes.append(f"Inget kvitto behövs: {tx.no_receipt_reason.strip()}")
    original = _original(tx)
    if original:
        notes.append(f"Originalbelopp {original}, bokfört {abs(tx.amount):.2f} SEK")
    card = " ".join(part for part in (tx.card, tx.cardholder and f"({tx.cardholder})") if part)
    if card:
        notes.append(f"Kort {card}")
    return _clean("; ".join(notes), spec.MAX_VOUCHER_COMMENTS)


# --- the voucher ----------------------------------------------------------------------------------------------


def _check_lines(tx: Transaction) -> tuple[SplitLine, ...]:
    if tx.amount == 0:
        raise BookkeepingError(f"The amount of {_who(tx)} is 0.00 SEK: there is nothing to book.")
    lines = tx.lines()
    problems: list[str] = []
    if tx.splits:
        total = sum((line.amount for line in lines), ZERO)
        if total != tx.amount:
            problems.append(f"the split lines sum to {total:.2f} SEK, not {tx.amount:.2f} SEK")
    for n, line in enumerate(lines, 1):
        where = f"split line {n}" if tx.splits else "it"
        missing = [name for name, value in (("account", line.account), ("VAT code", line.vat_code)) if value is None]
        if missing:
            problems.append(f"{where} has no {' and no '.join(missing)}")
        if tx.splits and line.amount == 0:
            problems.append(f"split line {n} is 0.00 SEK")
    if problems:
        raise BookkeepingError(f"Cannot book {_who(tx)}: {'; '.join(problems)}.")
    return lines


def _row(account: int, amount: Decimal, debit: bool, description: str | None, information: str | None = None,
         cost_center: str | None = None, project: str | None = None) -> VoucherRow | None:
    if amount == 0:
        return None
    return VoucherRow(
        account=account,
        debit=amount if debit else ZERO,
        credit=ZERO if debit else amount,
        description=_clean(description, spec.MAX_ROW_DESCRIPTION),
        transaction_information=_clean(information, spec.MAX_ROW_TRANSACTION_INFORMATION),
        cost_center=cost_center or None,
        project=project or None,
    )


def _line_rows(tx: Transaction, line: SplitLine, settings: Settings) -> list[VoucherRow | None]:
    assert line.account is not None and line.vat_code is not None
    code = line.vat_code
    gross = abs(line.amount)
    cost_side = line.amount < 0  # a purchase books its cost as a debit; a refund mirrors it
    rate = _rate_label(code)
    merchant = tx.merchant
    what = line.text or (None if tx.splits else tx.description)
    original = _original(tx)
    info = (f"Del av {original}" if tx.splits else original) if original else None
    vat = vat_part(gross, code)
    rows = [_row(line.account, gross - vat, cost_side, f"{merchant}: {what}" if what else merchant, info,
                 line.cost_center, line.project)]
    if vat:
        rows.append(_row(settings.input_vat_account, vat, cost_side, _VAT_TEXT.format(rate=rate), merchant))
    if code.is_reverse_charge:
        computed = reverse_charge_part(gross, code)
        output = (settings.reverse_charge_goods_output_account if code == VatCode.RC_EU_GOODS
                  else settings.reverse_charge_services_output_account)
        rows.append(_row(settings.reverse_charge_input_account, computed, cost_side,
                         _RC_INPUT_TEXT.format(rate=rate), merchant))
        rows.append(_row(output, computed, not cost_side, _RC_OUTPUT_TEXT[code].format(rate=rate), merchant))
        pair = settings.reporting_pair
        if pair.enabled:
            box_account = {
                VatCode.RC_EU_SERVICES: pair.eu_services_account,
                VatCode.RC_NON_EU_SERVICES: pair.non_eu_services_account,
                VatCode.RC_EU_GOODS: pair.eu_goods_account,
            }[code]
            rows.append(_row(box_account, gross, cost_side, _PAIR_TEXT[code], merchant))
            rows.append(_row(pair.contra_account, gross, not cost_side, _CONTRA_TEXT, merchant))
    return rows


def build_voucher(tx: Transaction, settings: Settings, series: str) -> Voucher:
    """The one voucher for ``tx``, dated on the transaction date, balanced to the öre.

    The texts meet 5 kap. 7 § bokföringslagen (BFL) for what a verifikation must say: the voucher Description
    names what was bought, from whom and when, and identifies the transaction (its tag, which also ties the
    voucher to the transaction for the exporter); the rows name the counterparty and the VAT separately; the
    Comments hold the original currency, why no receipt is needed, and the card. Fortnox numbers the voucher and
    stamps the date it was drawn up. Every text uses only characters Fortnox accepts (others are replaced) and
    fits Fortnox's length limits.

    Raises ``BookkeepingError`` when a line lacks its account or VAT code, the split lines do not sum to the
    amount, or there is nothing to book.
    """
    lines = _check_lines(tx)
    rows: list[VoucherRow | None] = []
    for line in lines:
        rows.extend(_line_rows(tx, line, settings))
    payment_info = f"{tx.merchant}, {_original(tx)}" if tx.is_foreign else tx.merchant
    payment_text = f"{_PAYMENT_TEXT} {tx.card}" if tx.card else _PAYMENT_TEXT
    rows.append(_row(settings.payment_account, abs(tx.amount), tx.amount > 0, payment_text, payment_info))
    voucher = Voucher(
        series=series,
        transaction_date=tx.date,
        description=voucher_description(tx),
        comments=voucher_comments(tx),
        rows=tuple(r for r in rows if r is not None),
    )
    if not voucher.balanced:  # cannot happen: every line's rows sum to the line, and the lines to the amount
        raise BookkeepingError(
            f"Cannot book {_who(tx)}: the rows do not balance (debit {voucher.total_debit}, "
            f"credit {voucher.total_credit})."
        )
    return voucher


# --- checks against Fortnox's lists ---------------------------------------------------------------------------


def _text_problems(label: str, text: str | None, limit: int) -> list[str]:
    if not text:
        return []
    problems = []
    bad = spec.invalid_characters(text)
    if bad:
        problems.append(f"{label} has characters Fortnox refuses: {' '.join(repr(c) for c in bad)}")
    if len(text) > limit:
        problems.append(f"{label} is {len(text)} characters; Fortnox takes at most {limit}")
    return problems


def _amount_problems(where: str, row: VoucherRow) -> list[str]:
    problems = []
    if row.debit < 0 or row.credit < 0:
        problems.append(f"{where}: a negative amount (debit {row.debit}, credit {row.credit})")
    if (row.debit != 0) == (row.credit != 0):
        problems.append(f"{where}: needs either a debit or a credit (has debit {row.debit}, credit {row.credit})")
    for value in (row.debit, row.credit):
        whole, _, decimals = f"{abs(value):.2f}".partition(".")
        if len(whole.lstrip("0")) + len(decimals.rstrip("0")) > MAX_AMOUNT_DIGITS:
            problems.append(f"{where}: {value} has more than {MAX_AMOUNT_DIGITS} digits")
    return problems


def _dimension_problems(where: str, account: Account | None, value: str | None, what: str,
                        known: Mapping[str, CostCenter] | Mapping[str, Project]) -> list[str]:
    problems = []
    setting = getattr(account, "cost_center_settings" if what == "cost center" else "project_settings", "ALLOWED")
    if value:
        item = known.get(value)
        if item is None:
            problems.append(f"{where}: {what} {value} does not exist in Fortnox")
        elif not item.active:
            problems.append(f"{where}: {what} {value} is not active in Fortnox")
        if account is not None and setting == "NOTALLOWED":
            problems.append(f"{where}: account {account.label} takes no {what} (it has {value})")
    elif account is not None and setting == "MANDATORY":
        problems.append(f"{where}: account {account.label} requires a {what}")
    return problems


def check_voucher(voucher: Voucher, accounts: Mapping[int, Account], cost_centers: Mapping[str, CostCenter],
                  projects: Mapping[str, Project]) -> list[str]:
    """Every reason Fortnox would refuse ``voucher``, in words, per row. Empty means Fortnox takes it.

    Checked against the company's chart of accounts, cost centers and projects as Fortnox has them: unknown or
    inactive accounts, cost centers and projects; a cost center or project missing where the account makes it
    MANDATORY, or given where it is NOTALLOWED; amounts (one side per row, 14 digits); balance; and texts
    (characters Fortnox refuses, length limits).
    """
    problems: list[str] = []
    if not voucher.series:
        problems.append("the voucher has no series")
    if not voucher.description:
        problems.append("the voucher has no description")
    problems += _text_problems("the voucher description", voucher.description, spec.MAX_VOUCHER_DESCRIPTION)
    problems += _text_problems("the voucher comments", voucher.comments, spec.MAX_VOUCHER_COMMENTS)
    if not voucher.rows:
        problems.append("the voucher has no rows")
    for n, row in enumerate(voucher.rows, 1):
        where = f"row {n} (account {row.account})"
        account = accounts.get(row.account)
        if (problem := account_problem(accounts, row.account)) is not None:
            problems.append(f"{where}: {problem}")
        problems += _amount_problems(where, row)
        problems += _dimension_problems(where, account, row.cost_center, "cost center", cost_centers)
        problems += _dimension_problems(where, account, row.project, "project", projects)
        problems += _text_problems(f"{where} text", row.description, spec.MAX_ROW_DESCRIPTION)
        problems += _text_problems(f"{where} transaction information", row.transaction_information,
                                   spec.MAX_ROW_TRANSACTION_INFORMATION)
    if not voucher.balanced:
        problems.append(f"the voucher does not balance: debit {voucher.total_debit:.2f}, "
                        f"credit {voucher.total_credit:.2f}")
    return problems
