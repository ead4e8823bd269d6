"""Reading one value from an import file: text, amounts, dates, VAT codes and account numbers, each checked.

Numbers are what they look like: an amount is checked as text by ``money.to_money``; a JSON number keeps the text it
was written with (``Number``), so ``1e3`` is not 1000.00 here either. Exponents, more than 12 digits before the
decimal point, ``NaN`` and ``Infinity`` are refused; a 5 000-digit integer is never turned into an ``int``.

Each ``parse_*`` returns the value, or None with the reason added to ``errors`` (a line of the problem list).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from juni_tui.domain.money import MoneyError, to_money
from juni_tui.domain.vat import VatCode
from juni_tui.services.importing.lists import FortnoxLists

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VAT_ALIASES = {code.value.casefold(): code for code in VatCode}


class Number:
    """A JSON number that is not a plain one (an exponent, very many digits, NaN): kept as the text it was written
    with, never converted (``1e999999`` is no Decimal to compute with; 5 000 digits are no ``int`` in Python)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text if len(self.text) <= 40 else f"{self.text[:20]}… ({len(self.text)} characters)"


def quoted(value: Any) -> str:
    """A value from the file as a message quotes it: short, whatever the file holds (never a nested repr)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"{value[:40]!r}… ({len(value)} characters)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _as_json(value: Any) -> str:
    """A value as it was written in the JSON (or the CSV): ``true``, ``null``, ``12.5``, ``"text"``, ``a list``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value) if len(value) <= 60 else f"{json.dumps(value[:40])}… ({len(value)} characters)"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return quoted(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(name: str, value: Any, errors: list[str]) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.append(f"{name} must be text, not {_as_json(value)}")
        return None
    return str(value).strip()


def parse_money(name: str, value: Any, errors: list[str]) -> Decimal | None:
    if isinstance(value, Number):  # as written in the JSON: checked as text, like a CSV's cell
        if "e" in value.text.casefold():
            errors.append(f"{name} {value!r} is written with an exponent; write the number out in digits, such as "
                          "-1234.50")
            return None
        value = value.text
    elif isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        errors.append(f"{name} {_as_json(value)} is not a number")
        return None
    try:
        amount = to_money(value)
    except MoneyError as exc:
        reason = str(exc).removeprefix("amount ")
        errors.append(f"{name} {reason}")
        return None
    return amount


def parse_date(value: Any, errors: list[str]) -> date | None:
    text = value.strip() if isinstance(value, str) else None
    if text and _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(f"date {quoted(value)} is not a date in the form YYYY-MM-DD")
    return None


def parse_vat_code(value: Any) -> VatCode | None:
    """``25``, ``25%``, ``25 %``, ``rc_eu_services`` … → the VatCode, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip().casefold().replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    return _VAT_ALIASES.get(text)


def parse_account(value: Any, lists: FortnoxLists, errors: list[str]) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1000 <= number <= 9999:
        errors.append(f"account {quoted(value)} is not a four-digit account number")
        return None
    return number if lists.fits("account", number, errors) else None


def parse_count(name: str, value: Any, errors: list[str], *, low: int = 1, high: int = 10_000) -> int | None:
    """A whole number such as a count of participants (``4``, ``"4"``)."""
    if isinstance(value, Number):
        value = value.text
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not text.isdigit() or len(text) > len(str(high)) or not low <= int(text) <= high:
        errors.append(f"{name} {quoted(value)} is not a whole number from {low} to {high}")
        return None
    return int(text)


def parse_share(name: str, value: Any, errors: list[str]) -> Decimal | None:
    """A percentage from 0 to 100 (``50``, ``50 %``, ``50,5``)."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip()
    share = parse_money(name, value, errors)
    if share is not None and not 0 <= share <= 100:
        errors.append(f"{name} {quoted(value)} is not a percentage from 0 to 100")
        return None
    return share


# --- values of a bank's or card's file (the formats other than the canonical one) -----------------------------

_SLASHED = re.compile(r"^(\d{4})/(\d{2})/(\d{2})")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_START = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_TRAILING_ZEROS = {sep: re.compile(rf"^(.*{re.escape(sep)}\d{{2}})0+$") for sep in ".,"}
_CURRENCY_SUFFIX = re.compile(r"\s*(?:SEK|kr\.?)$", re.IGNORECASE)


MAPPING_HINT = "; set date_format in the mapping if the file writes dates otherwise"


def parse_day(text: str, date_format: str | None, errors: list[str], name: str = "date", hint: str = ""
              ) -> date | None:
    """A date as a bank writes it: in ``date_format`` (strptime's), else YYYY-MM-DD (a time after it is ignored),
    YYYY/MM/DD or YYYYMMDD. ``hint`` ends the problem's sentence (``MAPPING_HINT`` for a mapped file)."""
    from datetime import datetime

    text = text.strip()
    if date_format:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            errors.append(f"{name} {quoted(text)} is not a date in the form {date_format}")
            return None
    match = _ISO_START.match(text) or _SLASHED.match(text) or _COMPACT.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    errors.append(f"{name} {quoted(text)} is not a date (YYYY-MM-DD){hint}")
    return None


DECIMAL_HINT = ", as the mapping says (set decimal in the mapping)"


def parse_amount(text: str, decimal: str, errors: list[str], name: str = "amount", hint: str = ""
                 ) -> Decimal | None:
    """An amount as a bank writes it: ``decimal`` is its decimal separator (the other of ``,`` and ``.`` separates
    thousands), a minus in front or behind, a ``SEK`` or ``kr`` after it. ``hint`` ends the problem's sentence about
    the separator (``DECIMAL_HINT`` for a mapped file)."""
    value = _CURRENCY_SUFFIX.sub("", text.strip())
    # SEB writes -2960.000; only after the decimal separator (with a decimal comma, 10.000 is ten thousand)
    value = _TRAILING_ZEROS[decimal].sub(r"\1", value) if decimal in _TRAILING_ZEROS else value
    if value.endswith(("-", "\u2212")) and len(value) > 1:
        value = "-" + value[:-1].strip()
    thousands = "." if decimal == "," else ","
    if thousands in value:
        grouped = rf"[-+\u2212]?\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+(?:{re.escape(decimal)}\d+)?"
        if not re.fullmatch(grouped, value):
            errors.append(f"{name} {quoted(text)} does not use {decimal!r} as its decimal separator{hint}")
            return None
        value = value.replace(thousands, "")
    return parse_money(name, value, errors)
