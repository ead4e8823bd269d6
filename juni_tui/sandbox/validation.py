"""The checks on a voucher POST, at least as strict as Fortnox.

The order follows the reference's checklist (§12): series, date and financial year, locked period, accounts,
amounts and balance, cost center and project, characters, read-only and unknown fields. Structural problems
(no body, a missing required field, a value of the wrong type) come first because nothing else can be checked
without them. Amounts are parsed with Decimal, never float.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from juni_tui.services.fortnox import spec

from . import chart, company
from . import errors as e
from .errors import bad_request

WRITABLE_FIELDS = ("VoucherSeries", "TransactionDate", "Description", "VoucherRows", "Comments", "CostCenter", "Project")
READ_ONLY_FIELDS = ("@url", "VoucherNumber", "Year", "ReferenceNumber", "ReferenceType", "ApprovalState")
ROW_WRITABLE_FIELDS = ("Account", "Debit", "Credit", "Description", "TransactionInformation", "CostCenter", "Project",
                       "Quantity")
ROW_READ_ONLY_FIELDS = ("Removed",)
TEXT_LIMITS = {
    "Description": spec.MAX_VOUCHER_DESCRIPTION,
    "Comments": spec.MAX_VOUCHER_COMMENTS,
}
ROW_TEXT_LIMITS = {
    "Description": spec.MAX_ROW_DESCRIPTION,
    "TransactionInformation": spec.MAX_ROW_TRANSACTION_INFORMATION,
}
MAX_AMOUNT_DIGITS = 14  # "Max 14 digits (incl. decimals)" [STANDOUT]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
ZERO = Decimal(0)


def parse_date(value: str) -> date | None:
    """A strict YYYY-MM-DD date, or None."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def unwrap(body: Any, wrapper: str) -> dict[str, Any]:
    """The object inside ``{"<wrapper>": {...}}``; anything else is an incorrect body."""
    if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
        raise bad_request(spec.INCORRECT_BODY_CODE, f"Tom eller felaktig body: {wrapper} saknas")
    extra = [k for k in body if k != wrapper]
    if extra:
        raise bad_request(spec.INVALID_FIELD_NAME_CODE, f"Felaktigt fältnamn ({extra[0]})")
    return body[wrapper]


def reject_fields(obj: dict[str, Any], writable: tuple[str, ...], read_only: tuple[str, ...], where: str) -> None:
    """Fortnox refuses read-only and unknown fields alike with "Felaktigt fältnamn" (2001399)."""
    for key in obj:
        if key in read_only:
            raise bad_request(spec.INVALID_FIELD_NAME_CODE, f"Felaktigt fältnamn ({where}{key} är skrivskyddat)")
        if key not in writable:
            raise bad_request(spec.INVALID_FIELD_NAME_CODE, f"Felaktigt fältnamn ({where}{key})")


def _present(obj: dict[str, Any], key: str) -> bool:
    return obj.get(key) not in (None, "")


def text(obj: dict[str, Any], key: str, where: str = "") -> str:
    """An optional text field: absent or null is empty; anything but a string is refused."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(spec.VALUE_NOT_ALPHANUMERIC_CODE, f"Värdet för {where}{key} måste vara en text")
    return value


def _account_number(row: dict[str, Any], where: str) -> int:
    value = row["Account"]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise bad_request(spec.VALUE_NOT_NUMERIC_CODE, f"Värdet för {where}Account måste vara numeriskt")


def _amount(row: dict[str, Any], key: str, where: str) -> Decimal:
    """Debit or Credit: a JSON number or a numeric string; absent or null is zero."""
    value = row.get(key)
    if value is None:
        return ZERO
    if isinstance(value, bool):
        amount = None
    elif isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    else:
        amount = None
    if amount is None or not amount.is_finite():
        raise bad_request(spec.VALUE_NOT_NUMERIC_CODE, f"Värdet för {where}{key} måste vara numeriskt")
    if amount < 0:
        raise bad_request(e.NEGATIVE_AMOUNT_CODE, f"{where}{key} får inte vara negativt")
    if amount != amount.quantize(Decimal("0.01")):
        raise bad_request(e.TOO_MANY_DECIMALS_CODE, f"{where}{key} får ha högst 2 decimaler")
    amount = amount.quantize(Decimal("0.01"))
    whole, _, decimals = str(amount).partition(".")
    if len(whole.lstrip("0") or "0") + len(decimals.rstrip("0")) > MAX_AMOUNT_DIGITS:
        raise bad_request(e.TOO_MANY_DIGITS_CODE, f"{where}{key} får ha högst {MAX_AMOUNT_DIGITS} siffror")
    return amount


def _check_required(voucher: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("VoucherSeries", "TransactionDate", "Description"):
        if not _present(voucher, key):
            raise bad_request(e.MISSING_FIELD_CODE, f"Obligatoriskt fält saknas: {key}")
        text(voucher, key)
    rows = voucher.get("VoucherRows")
    if not isinstance(rows, list) or not rows:
        raise bad_request(e.MISSING_FIELD_CODE, "Obligatoriskt fält saknas: VoucherRows (minst en rad)")
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise bad_request(spec.INCORRECT_BODY_CODE, f"Rad {i}: felaktig rad")
        if not _present(row, "Account"):
            raise bad_request(e.MISSING_FIELD_CODE, f"Rad {i}: obligatoriskt fält saknas: Account")
        for key in ("Description", "TransactionInformation", "CostCenter", "Project"):
            text(row, key, f"rad {i}: ")
    for key in ("Comments", "CostCenter", "Project"):
        text(voucher, key)
    return rows


def _check_series(code: str) -> None:
    series = company.voucher_series(code)
    if series is None:
        raise bad_request(e.UNKNOWN_SERIES_CODE, "Ogiltig verifikationsserie angiven")
    if not series.manual:
        raise bad_request(e.NON_MANUAL_SERIES_CODE, "Verifikationsserien är inte manuell")


def _check_date(value: str, year: company.FinancialYear) -> None:
    day = parse_date(value)
    if day is None:
        raise bad_request(e.INVALID_DATE_CODE, f"Ogiltigt datum: {value} (formatet är ÅÅÅÅ-MM-DD)")
    if company.financial_year_for(day) is None:
        raise bad_request(e.NO_FINANCIAL_YEAR_CODE, "Räkenskapsår saknas för valt datum")
    if not year.covers(day):
        raise bad_request(e.DATE_OUTSIDE_YEAR_CODE,
                          f"Datumet {value} ligger utanför valt räkenskapsår "
                          f"({year.from_date.isoformat()} - {year.to_date.isoformat()})")
    if day <= company.LOCKED_PERIOD_END:
        end = company.LOCKED_PERIOD_END.isoformat()
        raise bad_request(spec.LOCKED_PERIOD_CODE,
                          f"{company.COMPANY['CompanyName']} har låst perioden t.o.m. {end}. "
                          "Lås upp perioden för att fortsätta")


def _check_accounts(numbers: list[int]) -> list[chart.Account]:
    for number in numbers:
        if number not in chart.ACCOUNTS:
            raise bad_request(spec.ACCOUNT_NOT_FOUND_CODE, f"Kunde inte hitta konto {number}")
    accounts = [chart.ACCOUNTS[n] for n in numbers]
    for account in accounts:
        if not account.active:
            raise bad_request(e.INACTIVE_ACCOUNT_CODE, f"Valt bokföringskonto är inaktivt ({account.number})")
    return accounts


def _check_cost_center(code: str, where: str) -> None:
    found = company.cost_center(code)
    if found is None:
        raise bad_request(e.UNKNOWN_COST_CENTER_CODE, f"{where}Kostnadsstället {code} finns inte")
    if not found["Active"]:
        raise bad_request(spec.INACTIVE_COST_CENTER_CODE, f"{where}Kostnadsstället {code} är inaktivt")


def _check_project(number: str, where: str) -> None:
    found = company.project(number)
    if found is None:
        raise bad_request(e.UNKNOWN_PROJECT_CODE, f"{where}Projektet {number} finns inte")
    if found["Status"] not in company.BOOKABLE_PROJECT_STATUSES:
        raise bad_request(e.CLOSED_PROJECT_CODE, f"{where}Projektet {number} är avslutat")


def _check_dimension(value: str, setting: str, account: int, where: str, what: str, codes: tuple[int, int]) -> None:
    mandatory_code, not_allowed_code = codes
    if not value and setting == "MANDATORY":
        raise bad_request(mandatory_code, f"{where}{what} är obligatoriskt på konto {account}")
    if value and setting == "NOTALLOWED":
        raise bad_request(not_allowed_code, f"{where}{what} är inte tillåtet på konto {account}")


def _check_texts(fields: list[tuple[str, str, int]]) -> None:
    for label, value, _ in fields:
        bad = spec.invalid_characters(value)
        if bad:
            shown = " ".join(repr(c) for c in bad)
            raise bad_request(spec.INVALID_CHARACTERS_CODE, f"Ogiltiga tecken i {label}: {shown}")
    for label, value, limit in fields:
        if len(value) > limit:
            raise bad_request(e.TEXT_TOO_LONG_CODE, f"{label} får vara högst {limit} tecken lång")


def validate_voucher(body: Any, year: company.FinancialYear) -> dict[str, Any]:
    """The voucher to book, in its stored shape, or FortnoxError 400 for the first problem found."""
    voucher = unwrap(body, "Voucher")
    rows = _check_required(voucher)
    _check_series(voucher["VoucherSeries"])
    _check_date(voucher["TransactionDate"], year)
    accounts = _check_accounts([_account_number(row, f"rad {i}: ") for i, row in enumerate(rows, 1)])

    amounts = []
    for i, row in enumerate(rows, 1):
        where = f"Rad {i}: "
        debit, credit = _amount(row, "Debit", where), _amount(row, "Credit", where)
        if (debit != 0) == (credit != 0):
            raise bad_request(e.DEBIT_AND_CREDIT_CODE, f"{where}ange antingen debet eller kredit, inte båda eller ingen")
        quantity = row.get("Quantity")
        if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, (int, Decimal))):
            raise bad_request(spec.VALUE_NOT_NUMERIC_CODE, f"{where}Quantity måste vara numeriskt")
        amounts.append((debit, credit))
    total_debit, total_credit = sum(d for d, _ in amounts), sum(c for _, c in amounts)
    if total_debit != total_credit:
        raise bad_request(e.UNBALANCED_CODE,
                          f"Verifikationen är inte balanserad (debet {total_debit}, kredit {total_credit})")

    if _present(voucher, "CostCenter"):
        _check_cost_center(voucher["CostCenter"], "")
    if _present(voucher, "Project"):
        _check_project(voucher["Project"], "")
    for i, (row, account) in enumerate(zip(rows, accounts, strict=True), 1):
        where = f"Rad {i}: "
        cost_center, project = text(row, "CostCenter"), text(row, "Project")
        if cost_center:
            _check_cost_center(cost_center, where)
        if project:
            _check_project(project, where)
        # A voucher-level CostCenter/Project does not satisfy a MANDATORY account: the row must name it.
        _check_dimension(cost_center, account.cost_center_settings, account.number, where, "Kostnadsställe",
                         (e.COST_CENTER_MANDATORY_CODE, e.COST_CENTER_NOT_ALLOWED_CODE))
        _check_dimension(project, account.project_settings, account.number, where, "Projekt",
                         (e.PROJECT_MANDATORY_CODE, e.PROJECT_NOT_ALLOWED_CODE))

    texts = [(key, text(voucher, key), limit) for key, limit in TEXT_LIMITS.items()]
    for i, row in enumerate(rows, 1):
        texts += [(f"rad {i}: {key}", text(row, key), limit) for key, limit in ROW_TEXT_LIMITS.items()]
    _check_texts(texts)

    reject_fields(voucher, WRITABLE_FIELDS, READ_ONLY_FIELDS, "")
    for i, row in enumerate(rows, 1):
        reject_fields(row, ROW_WRITABLE_FIELDS, ROW_READ_ONLY_FIELDS, f"rad {i}: ")

    return {
        "VoucherSeries": voucher["VoucherSeries"],
        "TransactionDate": voucher["TransactionDate"],
        "Description": voucher["Description"],
        "Comments": text(voucher, "Comments"),
        "CostCenter": text(voucher, "CostCenter"),
        "Project": text(voucher, "Project"),
        "VoucherRows": [
            {
                "Account": account.number,
                "Debit": str(debit),
                "Credit": str(credit),
                "Description": text(row, "Description"),
                "TransactionInformation": text(row, "TransactionInformation"),
                "CostCenter": text(row, "CostCenter"),
                "Project": text(row, "Project"),
                "Quantity": str(row.get("Quantity") or 0),
            }
            for row, account, (debit, credit) in zip(rows, accounts, amounts, strict=True)
        ],
    }

