"""Money is Decimal with two decimals, rounded half-up to the öre. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORE = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    pass


def to_money(value: object) -> Decimal:
    """Parse an amount: a Decimal, an int, or a string such as ``-1 234,50`` or ``1234.5``.

    Floats are refused: they cannot carry an öre amount exactly.
    """
    if isinstance(value, bool):
        raise MoneyError(f"amount {value!r} is not a number")
    if isinstance(value, float):
        raise MoneyError(f"amount {value!r} must be given as text or Decimal, not a float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
        if "," in text and "." in text:
            raise MoneyError(f"amount {value!r} mixes ',' and '.'")
        text = text.replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"amount {value!r} is not a number") from None
    else:
        raise MoneyError(f"amount {value!r} is not a number")
    if not amount.is_finite():
        raise MoneyError(f"amount {value!r} is not a finite number")
    if amount != amount.quantize(ORE, rounding=ROUND_HALF_UP):
        raise MoneyError(f"amount {value!r} has more than two decimals")
    return amount.quantize(ORE)


def round_ore(value: Decimal) -> Decimal:
    """Round half-up to the öre."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def format_sek(amount: Decimal | None, *, sign: bool = True) -> str:
    """``-1234.5`` → ``-1 234,50`` (Swedish grouping with a thin space; comma decimals)."""
    if amount is None:
        return ""
    q = round_ore(amount)
    negative = q < 0
    whole, _, frac = f"{abs(q):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = "\u202f".join(groups) + "," + frac
    if negative and sign:
        return "-" + text
    return text
