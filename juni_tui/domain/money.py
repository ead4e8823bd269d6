"""Money is Decimal with two decimals, rounded half-up to the öre. Never float.

An amount from text is what it looks like (``to_money``): an optional sign (``-``, ``+`` or the minus sign
U+2212), digits 0-9 with an optional space between thousands (a space, a no-break space U+00A0 or a narrow
no-break space U+202F), and an optional decimal separator (``,`` or ``.``) followed by one or two decimals. At
most ``MAX_WHOLE_DIGITS`` digits before the decimal point.

Everything else is refused with a sentence that says why, never guessed at:

- an exponent (``-1.23457E+11`` is how Excel shows a long number it has rounded: the digits are gone);
- underscores (``1_000``) and digits of other scripts (``١٢٣``, full-width ``１２３``), which Python would accept;
- ``Infinity`` and ``NaN``;
- more than two decimals, zeros included: ``12,500`` may well mean twelve thousand five hundred;
- ``.`` or ``,`` between thousands. With one decimal separator allowed, ``1,234`` is either 1.234 or 1234
  depending on who wrote it; ``1.234.567`` and ``1,234.50`` are refused rather than read by a guessed
  convention. (If a file's convention becomes a setting, this is the place to apply it.)
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

ORE = Decimal("0.01")
ZERO = Decimal("0.00")
#: The most digits an amount may have before the decimal point (999 999 999 999,99 SEK).
MAX_WHOLE_DIGITS = 12
_LIMIT = Decimal(10) ** MAX_WHOLE_DIGITS

_SPACES = "\u0020\u00a0\u202f"
_AMOUNT = re.compile(
    r"([-+\u2212]?)[\u0020\u00a0\u202f]*"  # the sign, perhaps spaced from the digits
    r"([0-9]{1,3}(?:[\u0020\u00a0\u202f][0-9]{3})+|[0-9]+)"  # the whole part: spaced in thousands, or not at all
    r"(?:[.,]([0-9]+))?"  # the decimals
)
_EXPONENT = re.compile(r"[0-9][.,]?[0-9]*[eE][-+\u2212]?[0-9]")
_NON_FINITE = re.compile(r"[-+\u2212]?\s*(inf|infinity|nan|snan)", re.IGNORECASE)
_EXAMPLE = "such as -1 234,50 or -1234.50"


class MoneyError(ValueError):
    pass


def _shown(text: str) -> str:
    """The value as quoted in a message: short enough to read whatever the file holds."""
    if len(text) <= 40:
        return repr(text)
    return f"{text[:20]!r}… ({len(text)} characters)"


def _too_long(shown: str) -> MoneyError:
    return MoneyError(f"amount {shown} has more than {MAX_WHOLE_DIGITS} digits before the decimal point; an amount "
                      f"has at most {MAX_WHOLE_DIGITS}")


def _parse_text(value: str) -> Decimal:
    text = value.strip()
    shown = _shown(text)
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise _refusal(text, shown)
    sign, whole, decimals = match.groups()
    whole = whole.translate(_NO_SPACES)
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise _too_long(shown)
    if decimals is not None and len(decimals) > 2:
        hint = (f" (if {text[match.start(3) - 1]!r} separates thousands here, write the number with a space or "
                "without a separator)") if len(decimals) == 3 else ""
        raise MoneyError(f"amount {shown} has more than two decimals{hint}")
    digits = whole + "." + (decimals or "0")
    return Decimal(("-" if sign in ("-", "\u2212") else "") + digits)


_NO_SPACES = str.maketrans("", "", _SPACES)


def _refusal(text: str, shown: str) -> MoneyError:
    """Why ``text`` is not an amount, in the most specific words that fit."""
    if _NON_FINITE.fullmatch(text):
        return MoneyError(f"amount {shown} is not a finite number")
    if any(ch.isnumeric() and not "0" <= ch <= "9" for ch in text):
        return MoneyError(f"amount {shown} has digits other than 0-9; write the amount with the digits 0-9")
    if _EXPONENT.search(text):
        return MoneyError(
            f"amount {shown} is written with an exponent (as Excel shows long numbers, with digits lost); write "
            f"the number out in full, {_EXAMPLE} (in Excel: format the column as Number before saving the file)")
    if "_" in text and re.fullmatch(r"[-+\u2212]?[0-9_]+([.,][0-9_]*)?", text):
        return MoneyError(f"amount {shown} has an underscore; write the digits without one, {_EXAMPLE}")
    if "," in text and "." in text:
        return MoneyError(f"amount {shown} mixes ',' and '.'; use one of them as the decimal separator, and a "
                          f"space (or nothing) between thousands, {_EXAMPLE}")
    if re.fullmatch(r"[-+\u2212]?[0-9]+([.,][0-9]+){2,}", text):
        return MoneyError(f"amount {shown} has more than one ',' or '.'; only the decimal separator may be one, and "
                          f"thousands are separated by a space or nothing, {_EXAMPLE}")
    compact = text.translate(_NO_SPACES)
    if compact != text and re.fullmatch(r"[-+\u2212]?[0-9]+(?:[.,][0-9]+)?", compact):
        if len(re.split(r"[.,]", compact.lstrip("-+\u2212"))[0].lstrip("0")) > MAX_WHOLE_DIGITS:
            return _too_long(shown)
        return MoneyError(f"amount {shown} has spaces that do not separate thousands (groups of three digits, "
                          f"{_EXAMPLE})")
    return MoneyError(f"amount {shown} is not a number")


def to_money(value: object) -> Decimal:
    """Parse an amount: a Decimal, an int, or text such as ``-1 234,50`` or ``1234.5`` (see the module's doc).

    Floats are refused: they cannot carry an öre amount exactly.
    """
    if isinstance(value, bool):
        raise MoneyError(f"amount {value!r} is not a number")
    if isinstance(value, float):
        raise MoneyError(f"amount {value!r} must be given as text or Decimal, not a float")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"amount {value!r} is not a finite number")
        amount = value
    elif isinstance(value, int):
        whole: int = value  # compared as an int: a huge one is never turned into text
        if not -_LIMIT < whole < _LIMIT:
            raise _too_long(_shown(str(value)) if abs(value) < 10**40 else "(a whole number)")
        return Decimal(whole).quantize(ORE)
    elif isinstance(value, str):
        amount = _parse_text(value)
    else:
        raise MoneyError(f"amount {value!r} is not a number")
    if not -_LIMIT < amount < _LIMIT:
        raise _too_long(_shown(str(value)))
    amount = Decimal(amount)
    try:
        rounded = amount.quantize(ORE, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds: not an amount of money either
        raise MoneyError(f"amount {_shown(str(value))} has more than two decimals") from None
    if amount != rounded:
        raise MoneyError(f"amount {value!r} has more than two decimals")
    return rounded


def round_ore(value: Decimal) -> Decimal:
    """Round half-up to the öre."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


#: Between groups of thousands: a narrow no-break space, or a plain space on a terminal that cannot show it. The
#: one switch for it is ``services.display.use_ascii``.
GROUP_SEPARATOR = "\u202f"


def set_group_separator(separator: str) -> None:
    global GROUP_SEPARATOR
    GROUP_SEPARATOR = separator


def format_sek(amount: Decimal | None, *, sign: bool = True) -> str:
    """``-1234.5`` → ``-1 234,50`` (Swedish grouping with a thin space; comma decimals)."""
    if amount is None:
        return ""
    q = round_ore(amount)
    negative = q < 0
    whole, _, frac = f"{abs(q):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = GROUP_SEPARATOR.join(groups) + "," + frac
    if negative and sign:
        return "-" + text
    return text


#: Money in a model: parsed with ``to_money``, stored as text with two decimals.
Money = Annotated[Decimal, BeforeValidator(to_money), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
