"""The formats a file is read in, recognising which one a file is in (``auto``), and ``read_statement``.

    canonical  juni-tui's own CSV/JSON (``canonical.py``)
    revolut    Revolut Business's CSV export (``revolut.py``)
    camt053    ISO 20022 bank-to-customer statements (``camt053.py``)
    mapped     any other CSV, through a mapping (``mapped.py``, ``mapping.py``)

Each is a module of its own with one ``statement.Format`` (``FORMAT``): a ``name``, ``recognises(file)`` and
``read(file, rows, choice, lists)``. ``auto`` (the default) asks them in turn: a ``.json`` file is canonical; XML
with a camt.053 namespace is camt053; a CSV whose header is the canonical one is canonical, one with Revolut's
columns is revolut; any other CSV is mapped, through the mapping given, else the one the home saved for its header,
else a proposal (``mapped.propose``) that the user must accept: ``MappingNeeded`` carries it until then.

A file is read whole and gives a ``statement.Reading``, or ``ImportFileError`` with every problem (a file is refused
whole). ``preview`` reads the first rows the same way, for the import dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from juni_tui.domain.transactions import Transaction
from juni_tui.services.importing import camt053, canonical, mapped, revolut
from juni_tui.services.importing.lists import FortnoxLists, ReferenceLists
from juni_tui.services.importing.mapped import MappingNeeded
from juni_tui.services.importing.source import PROGRESS_ROWS, ProgressCallback
from juni_tui.services.importing.statement import Choice, Format, Reading, Rows
from juni_tui.services.importing.text import TextFile, read_bytes

__all__ = ["FORMATS", "Choice", "MappingNeeded", "Preview", "preview", "read_statement", "read_transactions",
           "recognise"]  # fmt: skip

#: How many rows the import dialog shows.
PREVIEW_ROWS = 12


class Canonical:
    """``canonical.FORMAT`` (which reads its file itself, streaming) as a ``Format``."""

    name = "canonical"

    def recognises(self, file: TextFile) -> bool:
        """juni-tui's own columns: all the required ones; or only its own columns, with an id or a pre-accounting
        value that only this format has (then its refusal names what is missing). ``Date,Merchant,Amount`` alone
        is another card's file: it is mapped, with derived ids."""
        names = {canonical._column_name(cell.lstrip("\ufeff")) for cell in file.header} - {""}
        if set(canonical.REQUIRED) <= names:
            return True
        return names <= set(canonical.COLUMNS) and bool(names & {"id", *canonical.SOURCED})

    def read(self, file: TextFile, rows: Rows, choice: Choice, lists: FortnoxLists) -> None:
        encoding = None
        if file.path.suffix.casefold() == ".csv":  # in the encoding found (Excel writes cp1252), said in the report
            encoding = "utf-8-sig" if file.decoded.encoding in ("utf-8", "utf_8") else file.decoded.encoding
            rows.result.encoding = file.decoded.encoding_name
        txs = canonical.FORMAT.read(file.path, lists.known, rows.on_progress, encoding)
        rows.result.transactions = txs
        if rows.limit is not None:
            rows.shown = [(0, tx, "import", "") for tx in txs[:rows.limit]]


#: In the order ``auto`` asks them (mapped takes any CSV, so it comes last).
BY_NAME: dict[str, Format] = {f.name: f for f in (camt053.FORMAT, Canonical(), revolut.FORMAT, mapped.FORMAT)}
FORMATS = ("auto", *BY_NAME)


def _fits_header(row: list[str]) -> bool:
    return mapped.looks_like_header(row) or revolut.looks_like(row)


def recognise(path: Path, file: TextFile | None = None, choice: Choice | None = None) -> Format:
    """The format of a file: ``choice.format`` unless it is ``auto``."""
    choice = choice or Choice()
    if choice.format != "auto":
        return BY_NAME[choice.format]
    if choice.mapping is not None:
        return mapped.FORMAT
    if path.suffix.casefold() == ".json":
        return BY_NAME["canonical"]
    file = file or TextFile(path, read_bytes(path), fits=_fits_header)
    return next(f for f in BY_NAME.values() if f.recognises(file))


@dataclass
class Preview:
    """The first rows of a file, as they will be imported: ``rows`` are ``(line, transaction or None, what, the row
    when it is not imported)``."""

    reading: Reading
    rows: list[tuple[int, Transaction | None, str, str]]
    header: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _progress(rows: Rows, on_progress: ProgressCallback | None, size: int, lines: int) -> None:
    """``on_progress`` every ``PROGRESS_ROWS`` rows, from the line reached (the file is read whole already)."""
    rows.on_progress = on_progress
    if on_progress is None or not lines:
        return
    counted = 0

    def seen(line: int) -> None:
        nonlocal counted
        counted += 1
        if counted % PROGRESS_ROWS == 0:
            on_progress(size * min(line, lines) // lines, size)

    rows.on_row = seen


def _read(path: Path, known: ReferenceLists | None, choice: Choice, on_progress: ProgressCallback | None,
          limit: int | None) -> Rows:
    lists = FortnoxLists(known)
    if choice.format in ("auto", "canonical") and choice.mapping is None and path.suffix.casefold() == ".json":
        fmt: Format = BY_NAME["canonical"]
        file = TextFile(path, b"")  # canonical reads its file itself
    else:
        encoding = choice.mapping.encoding if choice.mapping is not None else None
        file = TextFile(path, read_bytes(path), encoding=encoding, fits=_fits_header)
        fmt = recognise(path, file, choice)
    rows = Rows(path, fmt.name, limit=limit)
    if fmt.name in ("revolut", "mapped"):
        rows.result.encoding = file.decoded.encoding_name
    _progress(rows, on_progress, len(file.data), file.data.count(b"\n") + 1)
    fmt.read(file, rows, choice, lists)
    if on_progress is not None and fmt.name != "canonical":  # (canonical says its own end)
        on_progress(len(file.data), len(file.data))
    return rows


def read_statement(path: Path | str, known: ReferenceLists | None = None, choice: Choice | None = None, *,
                   on_progress: ProgressCallback | None = None) -> Reading:
    """Every transaction in the file and every row skipped, or ``ImportFileError`` with every problem in it
    (``MappingNeeded`` for a CSV whose mapping is to be accepted first)."""
    path = Path(path)
    return _read(path, known, choice or Choice(), on_progress, None).reading()


def preview(path: Path | str, known: ReferenceLists | None = None, choice: Choice | None = None,
            limit: int = PREVIEW_ROWS) -> Preview:
    """The first ``limit`` rows as they will be imported, and the problems among them (the file is not refused
    here: the dialog shows them). ``ImportFileError`` for a file that cannot be read at all; ``MappingNeeded``."""
    rows = _read(Path(path), known, choice or Choice(), None, limit)
    return Preview(rows.result, rows.shown, rows.result.header, rows.problems.items)


def read_transactions(path: Path | str, known: ReferenceLists | None = None, *,
                      on_progress: ProgressCallback | None = None) -> list[Transaction]:
    """The canonical format's transactions (as before the other formats came)."""
    return canonical.FORMAT.read(Path(path), known, on_progress)
