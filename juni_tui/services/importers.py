"""Importing Juni card transactions from a CSV or JSON file.

The file
    CSV (UTF-8, with or without a byte-order mark; comma, semicolon or tab between fields, told apart by the
    header row) or JSON (a list of objects, or ``{"transactions": [...]}``), chosen by the file's extension.
    Required columns: ``id``, ``date`` (YYYY-MM-DD), ``merchant``, ``amount`` (SEK; negative for a purchase,
    positive for a refund; ``-1234.50`` and ``-1 234,50`` both work). Optional: ``original_amount``,
    ``original_currency``, ``card``, ``cardholder``, ``category``, ``merchant_country``, ``description``,
    ``account``, ``vat_code``, ``cost_center``, ``project``. Column names are matched without regard to case,
    spaces or hyphens (``VAT code`` is ``vat_code``).

All or nothing
    Every line is checked before anything is written, and a file with any problem is refused whole, with every
    bad line and why (``ImportFileError``). Line numbers are the file's own: the CSV header is line 1; a JSON
    item is named by its position and the line it starts on.

Unknown columns are refused, not ignored
    A column juni-tui does not know is almost always a misspelt one (``vatcode``, ``konto``). Ignoring it would
    import every transaction without the values the user meant to give, silently; refusing costs one edit of the
    header, and the message names the column it probably meant.

Bounded, streamed, with progress
    Only regular files are read (a FIFO, a device such as ``/dev/zero``, a socket or a folder is refused before it
    is opened for reading, and a FIFO is opened without waiting for a writer). A file is at most
    ``MAX_FILE_BYTES`` and ``MAX_ROWS`` transactions, and a CSV row at most ``MAX_LINE_CHARS``: beyond, the file is
    refused with what to do (split it). A CSV is decoded and checked as it is read, row by row; a JSON file is read
    whole (it is bounded) and walked item by item. ``on_progress(done, total)`` is called with the bytes read so far
    and the file's size, every ``PROGRESS_ROWS`` rows and once at the end.

Numbers are what they look like
    An amount in a CSV is checked as text by ``money.to_money``; a JSON number keeps the text it was written with
    (``1e3`` is not 1000.00 here either). Exponents, more than 12 digits before the decimal point, ``NaN`` and
    ``Infinity`` are refused with the line; a 5 000-digit integer is never turned into an ``int``. JSON nested
    deeper than Python's parser goes is refused with a sentence.

Idempotent
    ``import_file`` skips ids the home already has (in Prepare, Ready, the queue or the Export history), so
    importing the same file twice adds nothing, and says so. Everything new is one commit with one audit record.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from pydantic import ValidationError

from juni_tui.domain.transactions import FieldSource, Origin, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.domain.money import MoneyError, to_money
from juni_tui.services import workflow
from juni_tui.services.store import Store, StoreError

REQUIRED = ("id", "date", "merchant", "amount")
OPTIONAL = (
    "original_amount", "original_currency", "card", "cardholder", "category", "merchant_country", "description",
    "account", "vat_code", "cost_center", "project",
)  # fmt: skip
COLUMNS = REQUIRED + OPTIONAL
#: Pre-accounting values that come with a source (``Transaction.sources``) when the file sets them.
SOURCED = ("account", "vat_code", "cost_center", "project")
#: How many problems an error message lists; the rest are counted.
MAX_LISTED_PROBLEMS = 50
MAX_ID_LENGTH = 200
#: The largest file an import reads (a year of a busy company's card is a few MB).
MAX_FILE_BYTES = 100_000_000
#: The most transactions one import takes.
MAX_ROWS = 200_000
#: The longest CSV row (one record, even over several lines); a transaction's row is a few hundred characters.
MAX_LINE_CHARS = 1_000_000
#: The most values (counted by their commas) a JSON file may hold: 25 per transaction, far more than it takes, but
#: a bound on the memory a file of something else (a 100 MB list of numbers) takes before it is found out.
MAX_JSON_VALUES = MAX_ROWS * 25
#: ``on_progress`` is called every this many rows (and once at the end).
PROGRESS_ROWS = 1000

#: ``on_progress(done, total)``: bytes read so far and the file's size.
ProgressCallback = Callable[[int, int], None]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VAT_ALIASES = {code.value.casefold(): code for code in VatCode}


# --- errors and results ---------------------------------------------------------------------------------------


class ImportFileError(StoreError):
    """A file refused whole. ``problems`` are ``(line, reason)``; line 0 is the file as a whole."""

    def __init__(self, path: Path | str, problems: list[tuple[int, str]]) -> None:
        self.path = Path(path)
        self.problems = sorted(problems, key=lambda p: p[0])
        super().__init__(format_problems(self.path.name, self.problems))


def format_problems(name: str, problems: list[tuple[int, str]], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """``transactions.csv was not imported (2 problems; nothing was changed):`` and one line per problem."""
    count = f"{len(problems)} problem{'s' * (len(problems) != 1)}"
    lines = [f"{name} was not imported ({count}; nothing was changed):"]
    for line, reason in problems[:limit]:
        lines.append(f"  line {line}: {reason}" if line else f"  {reason}")
    if len(problems) > limit:
        lines.append(f"  … and {len(problems) - limit} more")
    return "\n".join(lines)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    path: Path
    added: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    #: ids already present whose date, amount or merchant in the file differ from the stored transaction: the
    #: stored one is kept (a re-import never changes a transaction), but the user should know.
    differing: list[str] = field(default_factory=list)
    #: ids this home has had (its history archives or its audit log name them) but no longer holds: not added
    #: again, since Fortnox may have booked them. A sign of a damaged or hand-repaired home.
    seen_before: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def summary(self) -> str:
        name = str(self.path)
        there = f" ({len(self.already_present)} {'was' if len(self.already_present) == 1 else 'were'} already there)"
        there = there if self.already_present else ""
        n = len(self.added)
        noun = f"transaction{'s' * (n != 1)}"
        if self.dry_run:
            text = f"{name} is fine: {n} {noun} would be imported{there}. Nothing was written (--dry-run)."
        elif not self.added and self.already_present and not self.seen_before:
            text = f"Imported 0 transactions from {name}: all {len(self.already_present)} were already there."
        else:
            text = f"Imported {n} {noun} from {name}{there}."
        if self.seen_before:
            shown = ", ".join(self.seen_before[:5]) + (" …" if len(self.seen_before) > 5 else "")
            text += (f" {len(self.seen_before)} {'was' if len(self.seen_before) == 1 else 'were'} known to this home "
                     f"before but {'is' if len(self.seen_before) == 1 else 'are'} missing from it ({shown}): not "
                     "added again, since Fortnox may have booked them. Run `juni-tui doctor` to see what the home "
                     "lost.")
        return text


# --- what the reader checks against ---------------------------------------------------------------------------


class _Lookup(Protocol):
    def __len__(self) -> int: ...

    def get(self, key: Any) -> Any: ...


class ReferenceLists(Protocol):
    """The Fortnox lists an import is checked against: a ``Store`` is one. An empty list is not checked."""

    accounts: _Lookup
    cost_centers: _Lookup
    projects: _Lookup


# --- reading the file -----------------------------------------------------------------------------------------


@dataclass
class _Item:
    line: int  # the line it starts on (1-based)
    label: str  # "" for a CSV row, "item 3: " for a JSON item
    values: dict[str, Any]


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, reason: str) -> None:
        self.items.append((line, reason))

    def __bool__(self) -> bool:
        return bool(self.items)


def _column_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


#: Names people give these columns (Swedish ones too), for the hint in the refusal; they are not accepted as such.
_LIKELY = {
    "vat": "vat_code", "moms": "vat_code", "momskod": "vat_code", "konto": "account", "datum": "date",
    "belopp": "amount", "currency": "original_currency", "valuta": "original_currency",
    "country": "merchant_country", "land": "merchant_country", "kostnadsställe": "cost_center",
    "projekt": "project", "handlare": "merchant", "beskrivning": "description", "kort": "card",
    "kategori": "category",
}  # fmt: skip


def _did_you_mean(name: str) -> str:
    close = [_LIKELY[name]] if name in _LIKELY else difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _spaced(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{_spaced(n)} bytes"


def _too_big() -> str:
    return (f"the file is larger than {_size(MAX_FILE_BYTES)}, the most juni-tui imports at a time: split it into "
            "smaller files (a month each, for example) and import them one after another")


def _too_many() -> str:
    return (f"the file has more than {_spaced(MAX_ROWS)} transactions, the most juni-tui imports at a time: split it "
            "into smaller files (a month each, for example) and import them one after another")


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISSOCK, "a socket"))


def _check_file(path: Path, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise ImportFileError(path, [(0, f"{path} is a folder, not a file")])
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "something other than a file")
        raise ImportFileError(path, [(0, f"{path} is {kind}, not a regular file; juni-tui imports only files saved "
                                         "on disk: save the transactions to a .csv or .json file and import that")])
    if st.st_size > MAX_FILE_BYTES:
        raise ImportFileError(path, [(0, _too_big())])


def _cannot_read(path: Path, exc: OSError) -> ImportFileError:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return ImportFileError(path, [(0, f"there is no file {path}")])
    if isinstance(exc, IsADirectoryError):
        return ImportFileError(path, [(0, f"{path} is a folder, not a file")])
    return ImportFileError(path, [(0, f"{path} cannot be read: {exc.strerror or exc}")])


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def _open_regular(path: Path) -> tuple[BinaryIO, int]:
    """The file open for reading and its size, if it is a regular file within the size limit.

    It is looked at before it is opened (a device or socket is never opened), and opened without blocking (a FIFO
    swapped in meanwhile does not wait for a writer), then looked at again through the open descriptor.
    """
    try:
        _check_file(path, os.stat(path))
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    try:
        st = os.fstat(fd)
        _check_file(path, st)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


_NOT_UTF8 = "the file is not UTF-8 text (from Excel: save it as 'CSV UTF-8')"


def _decode(raw: bytes, problems: _Problems) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.add(line, _NOT_UTF8)
        return None
    if not text.strip():
        problems.add(0, "the file is empty")
        return None
    return text


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _LineTooLong(Exception):
    pass


class _FileTooBig(Exception):
    pass


class _TooManyBlankLines(Exception):
    pass


class _CsvLines:
    """The file's physical lines, as ``csv.reader`` takes them: decoded as they are read, each record bounded.

    ``record_start`` is set by the caller after each record; a record (one row, perhaps over several lines) longer
    than ``MAX_LINE_CHARS`` stops the reading before it is split into fields.
    """

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text
        self.chars = 0
        self.record_start = 0
        self.blanks_ahead = 0  # blank lines read ahead of the header line
        self.header_ahead: str | None = None

    def __iter__(self) -> "_CsvLines":
        return self

    def __next__(self) -> str:
        if self.blanks_ahead:
            self.blanks_ahead -= 1
            return "\n"
        if self.header_ahead is not None:
            line, self.header_ahead = self.header_ahead, None
            return line
        line = self._read()
        if not line:
            raise StopIteration
        return line

    def _read(self) -> str:
        line = self.text.readline(MAX_LINE_CHARS + 1)
        self.chars += len(line)
        if self.chars - self.record_start > MAX_LINE_CHARS:
            raise _LineTooLong
        if self.chars > MAX_FILE_BYTES:  # it grew while it was read
            raise _FileTooBig
        return line

    def header_line(self) -> str:
        """The first line with something on it (read ahead, and given to the reader again)."""
        while line := self._read():
            if line.strip("\r\n"):
                self.header_ahead = line
                return line.splitlines()[0]
            self.blanks_ahead += 1
            if self.blanks_ahead > MAX_ROWS:
                raise _TooManyBlankLines
            self.record_start = self.chars
        return ""


def _bad_utf8_line(f: BinaryIO) -> int:
    """The line of the first byte that is not UTF-8 (the file is at most MAX_FILE_BYTES)."""
    f.seek(0)
    raw = f.read(MAX_FILE_BYTES + 1)
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return 0


def _csv_items(f: BinaryIO, size: int, problems: _Problems, accept: Callable[[_Item], None],
               progress: ProgressCallback | None) -> None:
    text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
    lines = _CsvLines(text)
    header: list[str] | None = None
    header_ok = False
    rows = blank = 0
    last_line = 0
    try:
        reader = csv.reader(lines, delimiter=_delimiter(lines.header_line()), strict=True)
        for row in reader:
            start = last_line + 1
            last_line = reader.line_num
            lines.record_start = lines.chars
            if not any(cell.strip() for cell in row):
                blank += 1
                if blank > MAX_ROWS:
                    raise _TooManyBlankLines
                continue
            if header is None:
                header = [_column_name(c) for c in row]
                header_ok = _check_columns(header, start, problems)
                continue
            rows += 1
            if rows > MAX_ROWS:
                problems.add(0, _too_many())
                break
            if progress is not None and rows % PROGRESS_ROWS == 0:
                progress(min(f.tell(), size), size)
            if len(row) != len(header):
                problems.add(start, f"has {len(row)} fields, but the header has {len(header)}")
                continue
            if header_ok:
                accept(_Item(start, "", {name: cell for name, cell in zip(header, row) if cell.strip()}))
    except UnicodeDecodeError:  # nothing else is worth reading in a file of the wrong encoding
        problems.items = [(_bad_utf8_line(f), _NOT_UTF8)]
        return
    except csv.Error as exc:
        problems.add(reader.line_num, f"the CSV cannot be read: {exc}")
    except _LineTooLong:
        problems.add(last_line + 1 + lines.blanks_ahead,  # blank lines read ahead of a header line too long
                     f"is longer than {_spaced(MAX_LINE_CHARS)} characters (a transaction takes a few hundred): is "
                     "this the file of transactions?")
    except _FileTooBig:
        problems.add(0, _too_big())
    except _TooManyBlankLines:
        problems.add(0, f"the file has more than {_spaced(MAX_ROWS)} empty lines: is this the file of transactions?")
        return
    if header is None:
        if not problems:  # (a file cut short by one of the problems above is not empty)
            problems.add(0, "the file is empty")
    elif header_ok and not rows and not problems:
        problems.add(0, "the file has a header row but no transactions")


def _check_columns(header: list[str], line: int, problems: _Problems) -> bool:
    """Report unknown, nameless, repeated and missing columns; False if a required one is missing."""
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.add(line, "a column has no name")
        elif name in seen:
            problems.add(line, f"column {_repr(name)} appears twice")
        elif name not in COLUMNS:
            problems.add(line, f"unknown column {_repr(name)}{_did_you_mean(name)}; "
                               f"the columns are: {', '.join(COLUMNS)}")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.add(line, f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                           f"(required: {', '.join(REQUIRED)})")
    return not missing


# --- JSON -----------------------------------------------------------------------------------------------------


class _Number:
    """A JSON number that is not a plain one (an exponent, very many digits, NaN): kept as the text it was written
    with, never converted (``1e999999`` is no Decimal to compute with; 5 000 digits are no ``int`` in Python)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text if len(self.text) <= 40 else f"{self.text[:20]}… ({len(self.text)} characters)"


_PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")


def _json_float(text: str) -> Decimal | _Number:
    return Decimal(text) if len(text) <= 40 and _PLAIN_FLOAT.fullmatch(text) else _Number(text)


def _json_int(text: str) -> int | _Number:
    return int(text) if len(text) <= 20 else _Number(text)


def _json_decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_float=_json_float, parse_int=_json_int, parse_constant=_Number)


_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


class _WrongShape(Exception):
    pass


class _JsonWalk:
    """The transactions of a JSON text, each with where it starts, decoded one item at a time.

    The whole text is checked as ``json.loads`` checks it (the same errors at the same places), decoded once (it
    was decoded whole, then again item by item), and no more than ``MAX_ROWS`` items are decoded.
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
            if len(found) > MAX_ROWS:
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


def _json_items(f: BinaryIO, size: int, problems: _Problems, accept: Callable[[_Item], None],
                progress: ProgressCallback | None) -> None:
    raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:  # it grew since it was looked at
        problems.add(0, _too_big())
        return
    text = _decode(raw, problems)
    del raw
    if text is None:
        return
    if text.count(",") > MAX_JSON_VALUES:  # each value costs memory once decoded: count them first, in C
        problems.add(0, f"the JSON holds more than {_spaced(MAX_JSON_VALUES)} values, more than "
                        f"{_spaced(MAX_ROWS)} transactions (the most juni-tui imports at a time) can have: is this the "
                        "file of transactions? If it is, split it into smaller files and import them one after another")
        return
    walk = _JsonWalk(text)
    try:
        located = walk.items()
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, f"the file is not valid JSON: {exc.msg} (column {exc.colno})")
        return
    except RecursionError:
        line = text.count("\n", 0, walk.pos) + 1
        problems.add(line, "the JSON is nested too deeply to be a file of transactions (lists or objects "
                           "within each other, about a thousand deep): is this the right file?")
        return
    except _TooManyItems:
        problems.add(0, _too_many())
        return
    except _WrongShape:
        problems.add(1, 'the JSON must be a list of transactions, or an object {"transactions": [...]}')
        return
    if not located:
        problems.add(0, "the file has no transactions")
        return
    unknown: dict[str, tuple[int, int, int]] = {}  # key → (line, item, count)
    items: list[tuple[_Item, int]] = []
    names: dict[str, str] = {}  # key → column: every item has the same few keys
    line, counted = 1, 0
    for n, (pos, value) in enumerate(located, 1):
        line += text.count("\n", counted, pos)
        counted = pos
        label = f"item {n}: "
        if not isinstance(value, dict):
            problems.add(line, f"{label}is not an object with the transaction's keys")
            continue
        values: dict[str, Any] = {}
        for key, item_value in value.items():
            name = names.get(key)
            if name is None:
                name = names[key] = _column_name(str(key))
            if name not in COLUMNS:
                first = unknown.get(name)
                unknown[name] = (line, n, 1) if first is None else (first[0], first[1], first[2] + 1)
                continue
            values[name] = item_value
        items.append((_Item(line, label, values), pos))
    for name, (line, n, count) in unknown.items():
        also = f", and {count - 1} more item{'s' * (count > 2)}" if count > 1 else ""
        problems.add(line, f"item {n}{also}: unknown key {_repr(name)}{_did_you_mean(name)}; "
                           f"the keys are: {', '.join(COLUMNS)}")
    del located
    total = len(text)
    for n, (item, pos) in enumerate(items, 1):
        accept(item)
        if progress is not None and n % PROGRESS_ROWS == 0:
            progress(size * pos // total, size)


# --- checking one transaction ---------------------------------------------------------------------------------


def _repr(value: Any) -> str:
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
    return _repr(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(name: str, value: Any, errors: list[str]) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.append(f"{name} must be text, not {_as_json(value)}")
        return None
    return str(value).strip()


def _money(name: str, value: Any, errors: list[str]) -> Decimal | None:
    if isinstance(value, _Number):  # as written in the JSON: checked as text, like a CSV's cell
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


def _date(value: Any, errors: list[str]) -> date | None:
    text = value.strip() if isinstance(value, str) else None
    if text and _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(f"date {_repr(value)} is not a date in the form YYYY-MM-DD")
    return None


def parse_vat_code(value: Any) -> VatCode | None:
    """``25``, ``25%``, ``25 %``, ``rc_eu_services`` … → the VatCode, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip().casefold().replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    return _VAT_ALIASES.get(text)


def _account(value: Any, lists: _FortnoxLists, errors: list[str]) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1000 <= number <= 9999:
        errors.append(f"account {_repr(value)} is not a four-digit account number")
        return None
    return number if lists.fits("account", number, errors) else None


class _FortnoxLists:
    """workflow's checks against Fortnox's lists (the same the editor makes), remembered per value: a file of
    50 000 lines names a few dozen accounts."""

    def __init__(self, known: ReferenceLists | None) -> None:
        self.known = known
        self._memo: dict[tuple[str, Any], str | None] = {}

    def fits(self, name: str, value: Any, errors: list[str]) -> bool:
        key = (name, value)
        if key not in self._memo:
            self._memo[key] = self._problem(name, value)
        problem = self._memo[key]
        if problem:
            errors.append(problem)
        return problem is None

    def _problem(self, name: str, value: Any) -> str | None:
        if self.known is None:
            return None
        try:
            workflow.check_value(self.known, name, value)
        except workflow.WorkflowError as exc:  # reworded for a line of the problem list
            text = str(exc).split(";")[0].rstrip(".")
            return text[:1].lower() + text[1:]
        return None


def _transaction(item: _Item, lists: _FortnoxLists, source: FieldSource) -> tuple[Transaction | None, list[str]]:
    """The transaction an item describes, or every reason it cannot be one."""
    v = item.values
    errors: list[str] = []
    for name in REQUIRED:
        if _blank(v.get(name)):
            errors.append(f"{name} is missing")
    fields: dict[str, Any] = {}
    tx_id = _text("id", v.get("id"), errors)
    if tx_id is not None and len(tx_id) > MAX_ID_LENGTH:
        errors.append(f"id is {len(tx_id)} characters long; at most {MAX_ID_LENGTH}")
    fields["id"] = tx_id
    fields["merchant"] = _text("merchant", v.get("merchant"), errors)
    if not _blank(v.get("date")):
        fields["date"] = _date(v["date"], errors)
    if not _blank(v.get("amount")):
        amount = fields["amount"] = _money("amount", v["amount"], errors)
        if amount is not None and amount == 0:
            errors.append("amount is 0.00: there is nothing to book")
    if not _blank(v.get("original_amount")):
        fields["original_amount"] = _money("original_amount", v["original_amount"], errors)
        if _blank(v.get("original_currency")):
            errors.append("original_amount is given without original_currency")
    for name in ("original_currency", "card", "cardholder", "category", "merchant_country", "description"):
        fields[name] = _text(name, v.get(name), errors)
    currency = fields["original_currency"]
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        errors.append(f"original_currency {_repr(currency)} is not a three-letter currency code (USD, EUR …)")
    country = fields["merchant_country"]
    if country is not None and not (len(country) == 2 and country.isalpha()):
        errors.append(f"merchant_country {_repr(country)} is not a two-letter country code (SE, US …)")
    if not _blank(v.get("account")):
        fields["account"] = _account(v["account"], lists, errors)
    if not _blank(v.get("vat_code")):
        code = fields["vat_code"] = parse_vat_code(v["vat_code"])
        if code is None:
            errors.append(f"vat_code {_repr(v['vat_code'])} is not a VAT code ({', '.join(c.value for c in VatCode)})")
    for name in ("cost_center", "project"):
        value = _text(name, v.get(name), errors)
        if value is not None and lists.fits(name, value, errors):
            fields[name] = value
    if errors:
        return None, errors
    fields["sources"] = {name: source for name in SOURCED if fields.get(name) is not None}
    try:
        return Transaction(**{k: val for k, val in fields.items() if val is not None}), []
    except ValidationError as exc:  # what the checks above did not foresee
        return None, [f"{'.'.join(map(str, e['loc'])) or 'transaction'}: {e['msg']}" for e in exc.errors()]


# --- the public API -------------------------------------------------------------------------------------------

READERS = {".csv": _csv_items, ".json": _json_items}


def read_transactions(path: Path | str, known: ReferenceLists | None = None, *,
                      on_progress: ProgressCallback | None = None) -> list[Transaction]:
    """Every transaction in the file, in file order, or ``ImportFileError`` with every problem in it.

    ``known`` (the store, or anything with ``accounts``, ``cost_centers`` and ``projects``): accounts must be in
    the chart and active, cost centers and projects must exist and be active, for each list that is not empty.
    ``on_progress(done, total)``: bytes read and the file's size, every ``PROGRESS_ROWS`` rows and at the end (it
    runs on the reading thread).
    """
    path = Path(path)
    reader = READERS.get(path.suffix.casefold())
    if reader is None:
        what = f"a {path.suffix} file" if path.suffix else "a file without an extension"
        raise ImportFileError(path, [(0, f"it is {what}; juni-tui imports .csv and .json files")])
    problems = _Problems()
    check = _Checker(path, known, problems)
    f, size = _open_regular(path)
    with f:
        try:
            reader(f, size, problems, check, on_progress)
        except OSError as exc:  # an I/O error half-way (a disk or network share gone)
            raise _cannot_read(path, exc) from None
    if on_progress is not None:
        on_progress(size, size)
    if problems:
        raise ImportFileError(path, problems.items)
    return check.out


class _Checker:
    """Turns the file's items into transactions as they are read, adding every problem (and repeated ids)."""

    def __init__(self, path: Path, known: ReferenceLists | None, problems: _Problems) -> None:
        self.source = FieldSource(origin=Origin.IMPORT, label=f"import file {path.name}")
        self.lists = _FortnoxLists(known)
        self.problems = problems
        self.out: list[Transaction] = []
        self.first_line: dict[str, int] = {}

    def __call__(self, item: _Item) -> None:
        tx, errors = _transaction(item, self.lists, self.source)
        tx_id = tx.id if tx is not None else _plain_id(item.values.get("id"))
        if tx_id is not None:
            if tx_id in self.first_line:
                errors.append(f"id {_repr(tx_id)} is also on line {self.first_line[tx_id]}")
            else:
                self.first_line[tx_id] = item.line
        for reason in errors:
            self.problems.add(item.line, item.label + reason)
        if tx is not None and not errors and not self.problems:
            self.out.append(tx)
        elif self.out:  # the file is refused: what was read need not be kept
            self.out.clear()


def _plain_id(value: Any) -> str | None:
    """The id of a line that is bad otherwise, for spotting repeated ids all the same."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None


def _differs(doc: Mapping[str, Any] | None, tx: Transaction) -> bool:
    if doc is None:
        return False
    return (doc.get("date"), doc.get("amount"), doc.get("merchant")) != (
        tx.date.isoformat(), f"{tx.amount:.2f}", tx.merchant)


def import_file(store: Store, path: Path | str, *, dry_run: bool = False,
                on_progress: ProgressCallback | None = None) -> ImportResult:
    """Read ``path`` (refused whole on any problem) and add the transactions the home does not have yet.

    One commit with an audit record (``action: import``). ``dry_run`` checks and counts, and writes nothing.
    ``on_progress``: as for ``read_transactions``.
    """
    txs = read_transactions(path, store, on_progress=on_progress)
    return add_transactions(store, Path(path), txs, dry_run=dry_run)


@dataclass(frozen=True)
class ReferenceSnapshot:
    """A copy of the Fortnox lists, so that a file can be read and checked off the store's thread (the TUI)."""

    accounts: dict[int, Any]
    cost_centers: dict[str, Any]
    projects: dict[str, Any]

    @classmethod
    def of(cls, store: Store) -> "ReferenceSnapshot":
        return cls({a.number: a for a in store.accounts.values()}, {c.code: c for c in store.cost_centers.values()},
                   {p.number: p for p in store.projects.values()})


def add_transactions(store: Store, path: Path, txs: list[Transaction], *, dry_run: bool = False) -> ImportResult:
    """The second half of an import: skip what the home has (idempotent on id), add the rest in one commit."""
    result = ImportResult(path=path, dry_run=dry_run)
    new: list[Transaction] = []
    unknown = [tx for tx in txs if tx.id not in store.transactions and tx.id not in store.history]
    # What the home has lost but once had (an archive whose index entry is gone, an id the audit log names):
    # never added again, since it may be booked in Fortnox already.
    seen = store.seen_transaction_ids({tx.date for tx in unknown}) if unknown else set()
    for tx in txs:
        if tx.id in store.transactions or tx.id in store.history:
            result.already_present.append(tx.id)
            stored = store.transactions.raw(tx.id) or store.history_index.raw(tx.id)
            if _differs(stored, tx):
                result.differing.append(tx.id)
        elif tx.id in seen:
            result.seen_before.append(tx.id)
        else:
            new.append(tx)
            result.added.append(tx.id)
    if dry_run:
        return result
    audit = {
        "action": "import",
        "file": path.name,
        "path": str(path.resolve()),
        "added": len(result.added),
        "already_present": len(result.already_present),
        "ids": result.added,
    }
    if new:
        store.commit(new, audit=audit)
    else:
        store.audit(audit)
    return result


def write_csv(txs: Iterable[Transaction], path: Path | str, *, delimiter: str = ",") -> None:
    """Write transactions in the import format (the columns above; empty cells for values not set)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    for tx in txs:
        row = []
        for name in COLUMNS:
            value = getattr(tx, name)
            if isinstance(value, VatCode):
                value = value.value
            elif isinstance(value, Decimal):
                value = f"{value:.2f}"
            row.append("" if value is None else str(value))
        writer.writerow(row)
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


__all__ = [
    "COLUMNS", "ImportFileError", "ImportResult", "OPTIONAL", "REQUIRED", "ReferenceLists", "format_problems",
    "import_file", "parse_vat_code", "read_transactions", "write_csv",
]  # fmt: skip
