"""JSON that carries money exactly: Decimals are written as JSON numbers with their own digits, never via float."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_encode_str = json.encoder.encode_basestring_ascii


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """Like ``json.dumps``, but a ``Decimal`` becomes an exact number and dates become ISO strings."""
    parts: list[str] = []
    _encode(obj, parts, indent, 0)
    return "".join(parts)


def _encode(obj: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(obj, Enum):
        obj = obj.value
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(_encode_str(obj))
    elif isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"cannot write {obj} as JSON")
        out.append(format(obj, "f"))
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, float):
        raise TypeError("floats are not written: money must be a Decimal")
    elif isinstance(obj, (datetime, date)):
        out.append(_encode_str(obj.isoformat()))
    elif isinstance(obj, dict):
        _container(((_encode_str(str(k)) + ": ", v) for k, v in obj.items()), "{", "}", out, indent, level, bool(obj))
    elif isinstance(obj, (list, tuple)):
        _container((("", v) for v in obj), "[", "]", out, indent, level, bool(obj))
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _container(items, open_: str, close: str, out: list[str], indent: int | None, level: int, nonempty: bool) -> None:
    out.append(open_)
    if not nonempty:
        out.append(close)
        return
    inner = "\n" + " " * (indent * (level + 1)) if indent is not None else ""
    first = True
    for prefix, value in items:
        if not first:
            out.append("," if indent is not None else ", ")
        first = False
        out.append(inner + prefix)
        _encode(value, out, indent, level + 1)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)
