"""The domain, as pydantic models and plain values. Services and screens share these; nothing here does I/O.

Money is ``Decimal`` with two decimals; dates are ``date``."""
