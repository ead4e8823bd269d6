"""A card transaction → one balanced Fortnox voucher (verifikation). Pure functions: no I/O, no store.

The rows for a purchase (a refund mirrors them: debit and credit swap); every account is a company setting
(``Settings``) with its BAS 2026 default:

===================================  =========================================================================
VAT code                             rows
===================================  =========================================================================
``25`` ``12`` ``6``                  D cost (the amount less the VAT deducted) · D input VAT 2640 · C 1930
``0``                                D cost, the whole amount · C payment account
``RC_EU_SERVICES[_12|_6]``           D cost · D 2645 and C 2614 / 2624 / 2634, the rate × the amount · C 1930
``RC_NON_EU_SERVICES[_12|_6]``       the same
``RC_EU_GOODS[_12|_6]``              the same (2614 since BAS 2015: box 30, not import VAT's 2615)
``IMPORT_GOODS[_12|_6]``             the same with C 2615 / 2625 / 2635 (import VAT, box 60–62)
===================================  =========================================================================

With the company's reporting pair switched on, a reverse-charge line also gets D 4535–4537 / 4531–4533 /
4515–4517 (EU services, non-EU services, EU goods at 25 / 12 / 6 %) and C 4598 for the whole amount; an import
line D 4545–4547 and C 4549 (boxes 21 / 22 / 20 / 50).

The VAT deducted is the line's share (``vat_deductible``, else the account's default, e.g. 50 % for a car hire) and,
for representation, capped over the transaction (``services.bookkeeping.amounts``); the rest stays on the cost row.
The VAT printed on a receipt (``vat_amount``) is booked instead of the computed VAT once it fits the code's rate.

VAT is rounded half-up to the öre on each line; the cost takes the rest, so each line's rows sum to the line
exactly, and the payment row (the whole amount) balances the voucher to the öre. Rows that round to zero are left
out (Fortnox refuses a row with neither debit nor credit).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal

from juni_tui.domain.money import ZERO
from juni_tui.domain.reference import Account, CostCenter, Project, account_problem
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode, vat_part
from juni_tui.domain.vouchers import Voucher, VoucherRow
from juni_tui.services.bookkeeping.amounts import (
    AnyLine,
    BookkeepingError,
    LineVat,
    Representation,
    kr,
    line_vats,
    lines_of,
    reverse_charge_part,
)
from juni_tui.services.bookkeeping.amounts import who as _who
from juni_tui.services.fortnox import spec
from juni_tui.services.workflow import export_tag

__all__ = ["BookkeepingError", "Representation", "build_voucher", "check_voucher", "reverse_charge_part",
           "tag_in", "vat_part", "voucher_comments", "voucher_description"]

#: Fortnox: "Max 14 digits (incl. decimals)" for Debit and Credit (reference §3).
MAX_AMOUNT_DIGITS = 14

# Row texts (Swedish: they are read in Fortnox by the accountant and the auditor).
_VAT_TEXT = "Ingående moms {rate} %"
_RC_INPUT_TEXT = "Beräknad ingående moms {rate} %"
_OUTPUT_TEXT = {
    "eu_services": "Beräknad utgående moms tjänsteköp EU {rate} %",
    "non_eu_services": "Beräknad utgående moms tjänsteköp utanför EU {rate} %",
    "eu_goods": "Beräknad utgående moms varuköp EU {rate} %",
    "import": "Utgående moms import av varor {rate} %",
}
_PAIR_TEXT = {
    "eu_services": "Tjänsteköp EU {rate} %, ruta 21",
    "non_eu_services": "Tjänsteköp utanför EU {rate} %, ruta 22",
    "eu_goods": "Varuköp EU {rate} %, ruta 20",
    "import": "Import av varor {rate} %, ruta 50",
}
_CONTRA_TEXT = {"import": "Motkonto beskattningsunderlag import"}
_CONTRA_DEFAULT = "Motkonto omvänd moms"
_PAYMENT_TEXT = "Juni-kort"

#: Bank costs in the BAS chart (657x); with VAT code 0 such a line is a bank fee.
_BANK_FEE_ACCOUNTS = range(6570, 6580)
#: What names a bank or card fee (not a parking fee, a membership fee or a fine).
_FEE_WORDS = re.compile(
    r"\b(?:bank|kort|card|transaction|transaktions|currency|valuta|exchange|växlings|atm|uttags|annual|års)"
    r"[\s-]?(?:fees?|avgift(?:er)?|charges?)\b|\b(?:bankavgift|kortavgift|valutapåslag)",
    re.IGNORECASE)
#: Cash: the BAS cash account (191x), or a text that says it was taken out of an ATM.
_CASH_ACCOUNTS = range(1910, 1920)
_CASH_WORDS = re.compile(r"\b(?:atm|cash withdrawal|kontantuttag|uttag|bankomat|geldautomat|minibank)\b",
                         re.IGNORECASE)


# --- texts ----------------------------------------------------------------------------------------------------


def _clean(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    return _sanitized(text, limit) or None


#: The notes the user wrote (free texts of any length): shortened, when the comments are too long, before the
#: facts juni-tui writes (the VAT deducted, the original amount, the card) are.
_FREE_NOTES = ("Syfte: ", "Deltagare: ", "Inget kvitto behövs: ")
_CUT = "..."


def _clean_notes(notes: list[str], limit: int) -> str | None:
    """``"; ".join(notes)``, sanitized note by note (notes repeat from voucher to voucher: the card, the purpose)
    and fitted to ``limit``: the free texts are shortened (ending in ``...``) so that the other notes stay whole."""
    cleaned = [(part, note.startswith(_FREE_NOTES)) for note in notes if note and (part := _sanitized(note, limit))]
    if not cleaned:
        return None
    text = "; ".join(part for part, _free in cleaned)
    if len(text) > limit:
        left = limit - sum(len(part) + 2 for part, free in cleaned if not free)
        fitted = []
        for part, free in cleaned:
            if free:
                room = left - 2
                if room <= len(_CUT) + 10:
                    continue
                if len(part) > room:
                    part = part[:room - len(_CUT)].rstrip(" ;,") + _CUT
                left -= len(part) + 2
            fitted.append(part)
        text = "; ".join(fitted)
    return text if len(text) <= limit else text[:limit].rstrip(" ;") or None


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


_RATE_LABELS = {code: f"{code.rate * 100:.0f}" for code in VatCode}


def _rate_label(code: VatCode) -> str:
    return _RATE_LABELS[code]


def _original(tx: Transaction) -> str | None:
    """``1 890,00 NOK``: the amount in the currency it was bought in, for foreign-currency purchases."""
    if not tx.is_foreign:
        return None
    if not tx.original_amount:  # unknown, or 0 in the file: the SEK amount was not 0, so neither was this
        return f"i {tx.original_currency}"
    return f"{kr(abs(tx.original_amount))} {tx.original_currency}"


def is_cash_withdrawal(tx: Transaction, lines: tuple[AnyLine, ...] | None = None) -> bool:
    """Money taken out in cash: booked on the cash account, or described as an ATM withdrawal."""
    if any(line.account in _CASH_ACCOUNTS for line in lines or lines_of(tx)):
        return True
    return _CASH_WORDS.search(f"{tx.category or ''}\n{tx.description or ''}\n{tx.merchant}") is not None


def voucher_description(tx: Transaction, lines: tuple[AnyLine, ...] | None = None) -> str:
    """What was bought, from whom and when, and the transaction's tag (which is never truncated away).

    ``Kortköp Adobe 2026-10-05 Creative Cloud (juni tx-123)``. The tag is unique per transaction, so two
    transactions on the same day never get the same text; the exporter finds a voucher in Fortnox by it.
    """
    kind = "Återbetalning" if tx.is_refund else "Kontantuttag" if is_cash_withdrawal(tx, lines) else "Kortköp"
    what = (tx.description or "").strip()
    head = f"{kind} {tx.merchant} {tx.date.isoformat()}"
    if what and what.casefold() != tx.merchant.strip().casefold():
        head += f" {what}"
    tail = f" ({export_tag(tx.id)})"
    return _sanitized(head, spec.MAX_VOUCHER_DESCRIPTION - len(tail)) + tail


def _is_fee(tx: Transaction, line: AnyLine) -> bool:
    if line.vat_code != VatCode.NONE:
        return False
    if line.account in _BANK_FEE_ACCOUNTS:
        return True
    return any(_FEE_WORDS.search(text) for text in (tx.category, tx.description, line.text) if text)


def _representation_notes(tx: Transaction, representation: Representation | None) -> list[str]:
    """Who took part and why, whenever the transaction says so (a dinner abroad has no Swedish VAT to cap, but
    its verification must still show the participants and the purpose), and how the VAT was capped."""
    notes = []
    if tx.participants is not None:
        notes.append(f"Representation {tx.participants} deltagare")
    if tx.purpose and tx.purpose.strip():
        notes.append(f"Syfte: {tx.purpose.strip()}")
    if tx.attendees and tx.attendees.strip():
        notes.append(f"Deltagare: {tx.attendees.strip()}")
    if representation is None:
        return notes
    rule = ("schablon 46,00 per deltagare (måltid med alkohol)" if representation.alcohol
            else "moms på högst 300,00 exkl. moms per deltagare")
    notes.append(f"Avdragen moms {kr(representation.deductible)} av {kr(representation.vat)} ({rule})")
    return notes


def voucher_comments(tx: Transaction, representation: Representation | None = None,
                     lines: tuple[AnyLine, ...] | None = None, original: str | None = "",
                     represents: bool = False) -> str | None:
    """The voucher's Comments: representation (participants, purpose, attendees, the cap), bank fees, why no
    receipt is needed, the original currency, and the card. ``represents``: a line is on a representation account
    though no Swedish VAT was capped (a dinner abroad): the participants and the purpose are still shown."""
    notes: list[str] = (_representation_notes(tx, representation) if representation is not None or represents
                        else [])
    if any(_is_fee(tx, line) for line in lines or lines_of(tx)):
        notes.append("Bankavgift, ingen moms")
    if tx.no_receipt_reason:
        notes.append(f"Inget kvitto behövs: {tx.no_receipt_reason.strip()}")
    if original == "":
        original = _original(tx)
    if original:
        notes.append(f"Originalbelopp {original}, bokfört {kr(abs(tx.amount))} SEK")
    card = " ".join(part for part in (tx.card, tx.cardholder and f"({tx.cardholder})") if part)
    if card:
        notes.append(f"Kort {card}")
    return _clean_notes(notes, spec.MAX_VOUCHER_COMMENTS)


# --- the voucher ----------------------------------------------------------------------------------------------


def _check_lines(tx: Transaction) -> tuple[AnyLine, ...]:
    if tx.amount == 0:
        raise BookkeepingError(f"The amount of {_who(tx)} is 0.00 SEK: there is nothing to book.")
    lines = lines_of(tx)
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


def _line_rows(tx: Transaction, line: AnyLine, item: LineVat, settings: Settings, original: str | None
               ) -> list[VoucherRow | None]:
    assert line.account is not None and line.vat_code is not None
    code = line.vat_code
    cost_side = line.amount < 0  # a purchase books its cost as a debit; a refund mirrors it
    rate = _rate_label(code)
    merchant = tx.merchant
    what = line.text or (None if tx.splits else tx.description)
    info = (f"Del av {original}" if tx.splits else original) if original else None
    rows = [_row(line.account, item.cost, cost_side, f"{merchant}: {what}" if what else merchant, info,
                 line.cost_center, line.project)]
    if not code.is_computed:
        if item.deductible:
            rows.append(_row(settings.input_vat_account, item.deductible, cost_side, _VAT_TEXT.format(rate=rate),
                             merchant))
        return rows
    kind = code.kind
    rows.append(_row(settings.reverse_charge_input_account, item.deductible, cost_side,
                     _RC_INPUT_TEXT.format(rate=rate), merchant))
    rows.append(_row(settings.output_account(code), item.vat, not cost_side, _OUTPUT_TEXT[kind].format(rate=rate),
                     merchant))
    pair = settings.reporting_pair
    if pair.enabled:
        rows.append(_row(pair.box_account(code), item.gross, cost_side, _PAIR_TEXT[kind].format(rate=rate), merchant))
        rows.append(_row(pair.contra(code), item.gross, not cost_side, _CONTRA_TEXT.get(kind, _CONTRA_DEFAULT),
                         merchant))
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
    amount, there is nothing to book, a representation lacks its participants, or a printed VAT amount does not
    fit its code's rate.
    """
    lines = _check_lines(tx)
    items, representation = line_vats(tx, lines, settings)
    original = _original(tx)
    rows: list[VoucherRow | None] = []
    for line, item in zip(lines, items, strict=True):
        rows.extend(_line_rows(tx, line, item, settings, original))
    payment_info = f"{tx.merchant}, {original}" if tx.is_foreign else tx.merchant
    payment_text = f"{_PAYMENT_TEXT} {tx.card}" if tx.card else _PAYMENT_TEXT
    rows.append(_row(settings.payment_account, abs(tx.amount), tx.amount > 0, payment_text, payment_info))
    voucher = Voucher(
        series=series,
        transaction_date=tx.date,
        description=voucher_description(tx, lines),
        comments=voucher_comments(tx, representation, lines, original,
                                  any(line.account in settings.representation_accounts for line in lines)),
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
