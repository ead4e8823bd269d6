"""A bank's or card's text file, read whole and decoded: the encoding found (and said), the CSV rows with their lines.

Swedish Excel and several banks write cp1252 (Windows Latin-1); others write UTF-8, with or without a byte-order
mark. A file is decoded as UTF-8 when it is UTF-8, else in the single-byte Western encoding (cp1252, ISO 8859-15, the
DOS code page 850, Mac Roman) in which its bytes above 127 read most like Swedish letters (``_western``: the
statistical detectors, charset-normalizer included, take a cp1252 file of Swedish text for Mac Roman or cp1250), else
in charset-normalizer's guess; the encoding used is named in the report. A file with NUL bytes is no text file and
is refused; so is one that no encoding reads.

The files are bounded (``source.MAX_FILE_BYTES``), so they are read whole; ``csv_rows`` then walks the rows with
their first line numbers, blank rows left out, at most ``source.MAX_ROWS``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from pathlib import Path

from juni_tui.services.importing.source import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileError,
    open_regular,
    spaced,
    too_big,
)

#: The encodings a file that is not UTF-8 is tried in (the ones Swedish files are written in).
WESTERN = ("cp1252", "iso8859_15", "cp850", "mac_roman")
#: How the report names them.
NAMES = {"utf_8": "UTF-8", "utf-8": "UTF-8", "utf_8_sig": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "cp1252 (Windows Latin-1)",
         "iso8859_15": "ISO 8859-15 (Latin-9)", "cp850": "cp850 (DOS)", "mac_roman": "Mac Roman",
         "latin_1": "ISO 8859-1 (Latin-1)", "latin-1": "ISO 8859-1 (Latin-1)", "utf_16": "UTF-16"}  # fmt: skip


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec's name, as Python spells it

    @property
    def encoding_name(self) -> str:
        return NAMES.get(self.encoding, self.encoding)


def read_bytes(path: Path) -> bytes:
    """The whole file (a regular file within the size limit), or ``ImportFileError``."""
    f, _size = open_regular(path)
    with f:
        try:
            raw = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ImportFileError(path, [(0, f"{path} cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(path, [(0, too_big())])
    return raw


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1


def known_codec(name: str) -> str | None:
    """Python's name of a text encoding (None for no encoding, and for a codec such as hex, rot13 or zlib, which
    reads no text: decoding with one is a LookupError)."""
    try:
        codec = codecs.lookup(name).name
        b"a".decode(codec, "ignore")  # (an empty one is not decoded, so not checked)
    except (LookupError, TypeError, ValueError):
        return None
    return codec


def decode(path: Path, raw: bytes, encoding: str | None = None) -> Decoded:
    """The file's text in ``encoding`` (a mapping's), else in the encoding found; ``ImportFileError`` if none."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = encoding or "utf_16"
    if encoding is not None:
        codec = known_codec(encoding)
        if codec is None:
            raise ImportFileError(path, [(0, f"the encoding {encoding!r} is not one juni-tui knows (try utf-8 or "
                                             "cp1252)")])
        try:
            text = raw.decode("utf-8-sig" if codec == "utf-8" else codec)
        except UnicodeError as exc:  # (idna and the like raise a plain UnicodeError)
            start = exc.start if isinstance(exc, UnicodeDecodeError) else 0
            raise ImportFileError(path, [(_line_of(raw, start), f"the file is not {encoding} text")]) from None
        return _checked(path, Decoded(text, codec))
    if b"\x00" in raw:
        raise ImportFileError(path, [(_line_of(raw, raw.index(b"\x00")), "the file is not text (it has NUL bytes): "
                                      "is it a spreadsheet (.xlsx) or a PDF? Save it as CSV and import that")])
    try:
        return _checked(path, Decoded(raw.decode("utf-8-sig"), "utf-8"))
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    codec = _western(raw, first_bad) or _detected(raw, first_bad)
    if codec is not None:
        try:
            return _checked(path, Decoded(raw.decode(codec), codec))
        except UnicodeDecodeError:
            pass
    raise ImportFileError(path, [(_line_of(raw, first_bad), "the file is neither UTF-8 nor a Western encoding "
                                  "(cp1252, Latin-9): save it as 'CSV UTF-8' and import that")])


_NON_ASCII = re.compile(rb"[\x80-\xff]+")


def _score(chars: str) -> int:
    """How plausible these characters are in Swedish or English text: letters (å, ä, ö, é) count for, symbols and
    control characters (÷, ˆ, ╚) against."""
    score = 0
    for ch in chars:
        category = unicodedata.category(ch)
        score += 1 if category in ("Ll", "Lu") else 0 if ch in "€–—’”“´§°½£" else -3
    return score


def _western(raw: bytes, start: int = 0) -> str | None:
    """The Western encoding in which the file's bytes above 127 (from ``start``, the first that is not UTF-8) read
    most like Swedish or English letters (None when none reads like text)."""
    sample = b"".join(_NON_ASCII.findall(raw, start, start + 2_000_000))[:20_000]
    best, best_score = None, 0
    for codec in WESTERN:
        try:
            score = _score(sample.decode(codec))
        except UnicodeDecodeError:
            continue
        if best is None or score > best_score:
            best, best_score = codec, score
    return best if best is not None and best_score > 0 else None


def _detected(raw: bytes, first_bad: int) -> str | None:
    """charset-normalizer's guess, for a file whose bytes read as no Western text."""
    from charset_normalizer import from_bytes  # loaded only for a file that is neither UTF-8 nor Western

    best = from_bytes(raw[max(0, first_bad - 50_000):first_bad + 50_000]).best()
    return best.encoding if best is not None else None


def _checked(path: Path, decoded: Decoded) -> Decoded:
    if not decoded.text.strip():
        raise ImportFileError(path, [(0, "the file is empty")])
    return decoded


def guess_delimiter(line: str) -> str:
    """Semicolon, comma, tab or pipe: whichever the header line has most of (comma when none)."""
    counts = {d: line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class RowsError(Exception):
    """A CSV that cannot be walked (a quote never closed, too many rows): ``line`` and ``reason``."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(first line, cells)`` of every row that has something in it; ``RowsError`` when the CSV cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last = 0
    rows = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if rows > MAX_ROWS + 1:
                raise RowsError(0, f"the file has more than {spaced(MAX_ROWS)} rows, the most juni-tui imports at "
                                   "a time: split it into smaller files (a month each) and import them one by one")
            yield start, row
    except csv.Error as exc:
        raise RowsError(reader.line_num, f"the CSV cannot be read: {exc}") from None


#: How many rows before the header a file may have (a bank's title, period and account lines).
MAX_PREAMBLE_ROWS = 20


def find_header(rows: Iterator[tuple[int, list[str]]], fits: Callable[[list[str]], bool]
                ) -> tuple[int, list[str]] | None:
    """The first row among the first ``MAX_PREAMBLE_ROWS`` that ``fits`` as the header (the rows before it are a
    bank's title lines), or None."""
    for n, (line, row) in enumerate(rows):
        if fits(row):
            return line, row
        if n >= MAX_PREAMBLE_ROWS:
            break
    return None


def repeated(header: list[str], wanted: set[str], key: Callable[[str], str]) -> str | None:
    """The problem with a header that has a wanted column (by ``key``) more than once, or None: which one the file
    means cannot be told, and the last one is not to be taken silently."""
    seen: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        if key(cell) in wanted:
            seen.setdefault(key(cell), []).append(i + 1)
    for positions in seen.values():
        if len(positions) > 1:
            where = ", ".join(map(str, positions[:-1])) + f" and {positions[-1]}"
            return (f"the column {header[positions[0] - 1].strip()[:60]!r} appears more than once in the header (columns "
                    f"{where}): juni-tui cannot tell which one is meant; rename or remove one and import again")
    return None


class TextFile:
    """A file read whole (bounded): its bytes, and on first use its text (decoded once, in ``encoding`` or the one
    found), its delimiter, its first rows and its header row (the first that ``fits``)."""

    def __init__(self, path: Path, raw: bytes, *, encoding: str | None = None,
                 fits: Callable[[list[str]], bool] = lambda row: True) -> None:
        self.path = path
        self.data = raw  # the bytes
        self.encoding = encoding
        self.fits = fits

    @cached_property
    def decoded(self) -> Decoded:
        return decode(self.path, self.data, self.encoding)

    @property
    def text(self) -> str:
        return self.decoded.text

    @cached_property
    def delimiter(self) -> str:
        """The delimiter of the first lines' busiest line (a title line above the header has few)."""
        lines = [line for line in self.text[:20_000].splitlines()[:MAX_PREAMBLE_ROWS] if line.strip()]
        return guess_delimiter(max(lines or [""], key=lambda line: max(line.count(d) for d in ";,\t|")))

    @cached_property
    def first_rows(self) -> list[list[str]]:
        """The first rows (fewer when the CSV breaks early: its reader says where)."""
        rows: list[list[str]] = []
        try:
            rows.extend(row for _line, row in islice(csv_rows(self.text[:200_000], self.delimiter), 60))
        except RowsError:
            pass
        return rows

    @cached_property
    def header(self) -> list[str]:
        """The first of the first rows that ``fits`` as a header, else the first row."""
        head = self.first_rows[:MAX_PREAMBLE_ROWS + 1]
        return next((row for row in head if self.fits(row)), head[0] if head else [])
