"""The transactions of a JSON file, each with where it starts: bounded, checked as ``json.loads`` checks it.

A JSON file is a list of objects, or ``{"transactions": [...]}``. It is read whole (it is bounded) and walked item by
item; numbers keep the text they were written with (``values.Number``), nothing deeper than Python's parser goes is
decoded, and no more than ``source.MAX_ROWS`` items are.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, BinaryIO

from juni_tui.services.importing import source
from juni_tui.services.importing.source import Problems, decode, spaced, too_big, too_many
from juni_tui.services.importing.values import Number

_PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")


def _json_float(text: str) -> Decimal | Number:
    return Decimal(text) if len(text) <= 40 and _PLAIN_FLOAT.fullmatch(text) else Number(text)


def _json_int(text: str) -> int | Number:
    return int(text) if len(text) <= 20 else Number(text)


def _json_decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=_json_float, parse_int=_json_int, parse_constant=Number)


_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


class _WrongShape(Exception):
    pass


class _JsonWalk:
    """The transactions of a JSON text, each with where it starts, decoded one item at a time.

    The whole text is checked as ``json.loads`` checks it (the same errors at the same places), decoded once (it
    was decoded whole, then again item by item), and no more than ``source.MAX_ROWS`` items are decoded.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = _json_decoder()
        self.pos = 0  # where the value being decoded starts (for a RecursionError's line)
        self.found: list[tuple[int, Any]] | None = None

    def _value(self, pos: int) -> tuple[Any, int]:
        self.pos = pos
        return self.decoder.raw_decode(self.text, pos)

    def items(self) -> list[tuple[int, Any]]:
        text = self.text
        pos = _skip(text, 0)
        if text.startswith("[", pos):
            self.found, end = self._array(pos)
        elif text.startswith("{", pos):
            end = self._object(pos)
        else:
            _, end = self._value(pos)
        end = _skip(text, end)
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        if self.found is None:
            raise _WrongShape
        return self.found

    def _array(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        text = self.text
        found: list[tuple[int, Any]] = []
        pos = _skip(text, pos + 1)
        if text.startswith("]", pos):
            return found, pos + 1
        while True:
            value, end = self._value(pos)
            found.append((pos, value))
            if len(found) > source.MAX_ROWS:
                raise _TooManyItems
            pos = _skip(text, end)
            if text.startswith("]", pos):
                return found, pos + 1
            if not text.startswith(",", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = _skip(text, pos + 1)

    def _object(self, pos: int) -> int:
        """The end of the object at ``pos``; its last ``transactions`` array, if it is one, in ``found``."""
        text = self.text
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            return pos + 1
        while True:
            if not text.startswith('"', pos):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
            key, pos = self._value(pos)
            pos = _skip(text, pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            pos = _skip(text, pos + 1)
            if key == "transactions" and text.startswith("[", pos):
                self.found, pos = self._array(pos)
            else:
                if key == "transactions":  # the last one counts, as in json.loads
                    self.found = None
                _, pos = self._value(pos)
            pos = _skip(text, pos)
            if text.startswith("}", pos):
                return pos + 1
            if not text.startswith(",", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = _skip(text, pos + 1)


class _TooManyItems(Exception):
    pass


def locate(f: BinaryIO, problems: Problems) -> tuple[str, list[tuple[int, Any]]] | None:
    """The file's text and its items, each with the position it starts at; None, with the problem, if it has none."""
    raw = f.read(source.MAX_FILE_BYTES + 1)
    if len(raw) > source.MAX_FILE_BYTES:  # it grew since it was looked at
        problems.add(0, too_big())
        return None
    text = decode(raw, problems)
    del raw
    if text is None:
        return None
    if text.count(",") > source.MAX_JSON_VALUES:  # each value costs memory once decoded: count them first, in C
        problems.add(0, f"the JSON holds more than {spaced(source.MAX_JSON_VALUES)} values, more than "
                        f"{spaced(source.MAX_ROWS)} transactions (the most juni-tui imports at a time) can have: is "
                        "this the file of transactions? If it is, split it into smaller files and import them one "
                        "after another")
        return None
    walk = _JsonWalk(text)
    try:
        located = walk.items()
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, f"the file is not valid JSON: {exc.msg} (column {exc.colno})")
        return None
    except RecursionError:
        line = text.count("\n", 0, walk.pos) + 1
        problems.add(line, "the JSON is nested too deeply to be a file of transactions (lists or objects "
                           "within each other, about a thousand deep): is this the right file?")
        return None
    except _TooManyItems:
        problems.add(0, too_many())
        return None
    except _WrongShape:
        problems.add(1, 'the JSON must be a list of transactions, or an object {"transactions": [...]}')
        return None
    if not located:
        problems.add(0, "the file has no transactions")
        return None
    return text, located
