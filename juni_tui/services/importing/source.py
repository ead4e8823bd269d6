"""Reading an import file safely, whatever its format: only regular files, bounded, streamed, with progress.

Only regular files are read (a FIFO, a device such as ``/dev/zero``, a socket or a folder is refused before it is
opened for reading, and a FIFO is opened without waiting for a writer). A file is at most ``MAX_FILE_BYTES`` and
``MAX_ROWS`` transactions, and a CSV row at most ``MAX_LINE_CHARS``: beyond, the file is refused with what to do
(split it). A CSV is decoded and checked as it is read, row by row (``csv_items``); a whole-file format reads at most
``MAX_FILE_BYTES`` and decodes it with ``decode``. ``on_progress(done, total)`` is called with the bytes read so far
and the file's size, every ``PROGRESS_ROWS`` rows and once at the end.

Every problem is collected (``Problems``, with the file's own line numbers: the CSV header is line 1) and the file
is refused whole with all of them (``ImportFileError``).
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from juni_tui.services.store import StoreError

#: How many problems an error message lists; the rest are counted.
MAX_LISTED_PROBLEMS = 50

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


# --- problems -------------------------------------------------------------------------------------------------


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
class Item:
    """One transaction's values as a format found them, before they are checked."""

    line: int  # the line it starts on (1-based)
    label: str  # "" for a CSV row, "item 3: " for a JSON item
    values: dict[str, Any]


class Problems:
    """Every problem a file has, as ``(line, reason)``; line 0 is the file as a whole."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, reason: str) -> None:
        self.items.append((line, reason))

    def __bool__(self) -> bool:
        return bool(self.items)


def spaced(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{spaced(n)} bytes"


def too_big() -> str:
    return (f"the file is larger than {_size(MAX_FILE_BYTES)}, the most juni-tui imports at a time: split it into "
            "smaller files (a month each, for example) and import them one after another")


def too_many() -> str:
    return (f"the file has more than {spaced(MAX_ROWS)} transactions, the most juni-tui imports at a time: split it "
            "into smaller files (a month each, for example) and import them one after another")


# --- opening the file -----------------------------------------------------------------------------------------


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
        raise ImportFileError(path, [(0, too_big())])


def _cannot_read(path: Path, exc: OSError) -> ImportFileError:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return ImportFileError(path, [(0, f"there is no file {path}")])
    if isinstance(exc, IsADirectoryError):
        return ImportFileError(path, [(0, f"{path} is a folder, not a file")])
    return ImportFileError(path, [(0, f"{path} cannot be read: {exc.strerror or exc}")])


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def open_regular(path: Path) -> tuple[BinaryIO, int]:
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


def read_file(path: Path, problems: Problems, read: Callable[[BinaryIO, int], None],
              on_progress: ProgressCallback | None) -> None:
    """Open ``path`` (a regular file within the size limit) and let ``read(f, size)`` go through it, adding to
    ``problems``; ``on_progress`` once at the end; ``ImportFileError`` with every problem found."""
    f, size = open_regular(path)
    with f:
        try:
            read(f, size)
        except OSError as exc:  # an I/O error half-way (a disk or network share gone)
            raise _cannot_read(path, exc) from None
    if on_progress is not None:
        on_progress(size, size)
    if problems:
        raise ImportFileError(path, problems.items)


# --- decoding -------------------------------------------------------------------------------------------------


_NOT_UTF8 = "the file is not UTF-8 text (from Excel: save it as 'CSV UTF-8')"


def decode(raw: bytes, problems: Problems) -> str | None:
    """A whole file's text (UTF-8, a byte-order mark dropped), or None with the problem: not UTF-8 (and where) or
    empty."""
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


# --- a CSV, row by row ----------------------------------------------------------------------------------------


#: A format's reading of a CSV's header row, given the row, its line and the file's problems: the rows' field names
#: and whether the rows can be read by them (False when a required column is missing).
HeaderCheck = Callable[[list[str], int, Problems], tuple[list[str], bool]]


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

    def __iter__(self) -> _CsvLines:
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


def csv_items(f: BinaryIO, size: int, problems: Problems, accept: Callable[[Item], None],
              progress: ProgressCallback | None, read_header: HeaderCheck, encoding: str = "utf-8-sig") -> None:
    """Every row of a CSV (UTF-8 unless ``encoding`` says otherwise; comma, semicolon or tab told apart by the header
    row) to ``accept`` as it is read, named by ``read_header``; blank rows skipped, every bound kept, every problem
    added with its line."""
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
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
                header, header_ok = read_header(row, start, problems)
                continue
            rows += 1
            if rows > MAX_ROWS:
                problems.add(0, too_many())
                break
            if progress is not None and rows % PROGRESS_ROWS == 0:
                progress(min(f.tell(), size), size)
            if len(row) != len(header):
                problems.add(start, f"has {len(row)} fields, but the header has {len(header)}")
                continue
            if header_ok:
                accept(Item(start, "", {name: cell for name, cell in zip(header, row, strict=True) if cell.strip()}))
    except UnicodeDecodeError:  # nothing else is worth reading in a file of the wrong encoding
        problems.items = [(_bad_utf8_line(f), _NOT_UTF8)]
        return
    except csv.Error as exc:
        problems.add(reader.line_num, f"the CSV cannot be read: {exc}")
    except _LineTooLong:
        problems.add(last_line + 1 + lines.blanks_ahead,  # blank lines read ahead of a header line too long
                     f"is longer than {spaced(MAX_LINE_CHARS)} characters (a transaction takes a few hundred): is "
                     "this the file of transactions?")
    except _FileTooBig:
        problems.add(0, too_big())
    except _TooManyBlankLines:
        problems.add(0, f"the file has more than {spaced(MAX_ROWS)} empty lines: is this the file of transactions?")
        return
    if header is None:
        if not problems:  # (a file cut short by one of the problems above is not empty)
            problems.add(0, "the file is empty")
    elif header_ok and not rows and not problems:
        problems.add(0, "the file has a header row but no transactions")

