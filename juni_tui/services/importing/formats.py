"""The formats a file is read in, recognising which one a file is in (``auto``), and ``read_statement``.

    canonical  juni-tui's own CSV/JSON (``canonical.py``)
    revolut    Revolut Business's CSV export (``revolut.py``)
    camt053    ISO 20022 bank-to-customer statements (``camt053.py``)
    mapped     any other CSV, through a mapping (``mapped.py``, ``mapping.py``)

``auto`` (the default) looks at the file: a ``.json`` file, or a CSV whose header is the canonical one, is canonical;
XML with a camt.053 namespace is camt053; a CSV with Revolut's columns is revolut; any other CSV is mapped, through
the mapping given, else the one the home saved for its header, else a proposal (``mapped.propose``) that the user
must accept: ``MappingNeeded`` carries it until then.

A format reads the whole file and returns a ``statement.Reading``, or raises ``ImportFileError`` with every problem
(a file is refused whole). ``preview`` reads the first rows the same way, for the import dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from juni_tui.domain.transactions import Transaction
from juni_tui.services.importing import camt053, canonical, mapped, revolut
from juni_tui.services.importing.lists import FortnoxLists, ReferenceLists
from juni_tui.services.importing.mapping import Mapping, signature
from juni_tui.services.importing.source import PROGRESS_ROWS, ImportFileError, ProgressCallback
from juni_tui.services.importing.statement import Reading, Rows
from juni_tui.services.importing.text import Decoded, RowsError, csv_rows, decode, find_header, first_line, read_bytes

FORMATS = ("auto", "canonical", "revolut", "camt053", "mapped")
#: How many rows the import dialog shows.
PREVIEW_ROWS = 12


@dataclass
class Choice:
    """How to read a file: the format (``auto`` recognises it), a mapping, and whether a proposed mapping may be
    used without asking (``accept``). ``saved``: the home's mappings by header signature."""

    format: str = "auto"
    mapping: Mapping | None = None
    accept: bool = False
    saved: dict[str, Mapping] = field(default_factory=dict)


class MappingNeeded(ImportFileError):
    """A CSV that juni-tui does not know: the mapping it proposes, to be accepted (or edited) first. (A file not
    imported, for a caller that knows nothing of mappings.)"""

    def __init__(self, path: Path, header: list[str], proposal: Mapping) -> None:
        self.path = path
        self.header = header
        self.proposal = proposal
        self.signature = signature(header)
        missing = proposal.missing()
        if missing:
            what = (f"juni-tui does not recognise the columns of {path.name} for {', '.join(missing)}: write a "
                    "mapping (see docs/mappings/) and import with --mapping FILE")
        else:
            what = (f"{path.name} is a CSV juni-tui has not seen before; this mapping is proposed. Import with "
                    "--accept-mapping to use it (it is then saved for files with this header), or save it to a file, "
                    "edit it and import with --mapping FILE")
        self.reason = what
        super().__init__(path, [(0, what)])

    def __str__(self) -> str:
        return self.reason


@dataclass
class Preview:
    """The first rows of a file, as they will be imported: ``rows`` are ``(line, transaction or None, what)``."""

    reading: Reading
    rows: list[tuple[int, Transaction | None, str]]
    header: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


# --- recognising -------------------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """The delimiter of the first lines' busiest line (a title line above the header has few)."""
    lines = [line for line in text[:20_000].splitlines()[:20] if line.strip()] or [first_line(text)]
    best = max(lines, key=lambda line: max(line.count(d) for d in ";,\t"))
    counts = {d: best.count(d) for d in (";", ",", "\t")}
    top = max(counts, key=lambda d: counts[d])
    return top if counts[top] else ","


def _is_canonical(header: list[str]) -> bool:
    """juni-tui's own columns: all the required ones, or only canonical ones (then its refusal names what is
    missing)."""
    names = {canonical._column_name(cell.lstrip("\ufeff")) for cell in header} - {""}
    return set(canonical.REQUIRED) <= names or bool(names) and names <= set(canonical.COLUMNS)


def _header(text: str, delimiter: str) -> list[str]:
    """The header row: the first row (of the first few) with two or more columns ``propose`` knows, else the first."""
    rows = csv_rows(text[:200_000], delimiter)
    try:
        found = find_header(rows, lambda row: mapped.known_columns(row) >= 2 or revolut.looks_like(row))
        if found is None:
            found = next(csv_rows(text[:200_000], delimiter), (1, []))
    except RowsError:  # a CSV that cannot be walked: the format's reader says why, with the line
        return []
    return found[1]


def recognise(path: Path, raw: bytes | None = None, choice: Choice | None = None) -> str:
    """The format of a file: ``choice.format`` unless it is ``auto``."""
    choice = choice or Choice()
    if choice.format != "auto":
        return choice.format
    if choice.mapping is not None:
        return "mapped"
    if path.suffix.casefold() == ".json":
        return "canonical"
    raw = read_bytes(path) if raw is None else raw
    if camt053.looks_like(raw) or path.suffix.casefold() == ".xml":
        return "camt053"
    decoded = decode(path, raw)
    header = _header(decoded.text, _delimiter(decoded.text))
    if revolut.looks_like(header):
        return "revolut"
    if _is_canonical(header):
        return "canonical"
    return "mapped"


# --- reading -----------------------------------------------------------------------------------------------------


def _progress(rows: Rows, on_progress: ProgressCallback | None, size: int, lines: int) -> None:
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
          limit: int | None) -> tuple[Rows, list[str]]:
    if choice.format in ("auto", "canonical") and choice.mapping is None and path.suffix.casefold() == ".json":
        return _canonical(path, known, on_progress, limit), []
    raw = read_bytes(path)
    fmt = recognise(path, raw, choice)
    if fmt == "canonical":
        return _canonical(path, known, on_progress, limit), []
    rows = Rows(path, fmt, limit=limit)
    if fmt == "camt053":
        _progress(rows, on_progress, len(raw), raw.count(b"\n") + 1)
        camt053.read(path, raw, rows)
        return rows, []
    decoded = decode(path, raw, choice.mapping.encoding if choice.mapping else None)
    rows.result.encoding = decoded.encoding_name
    _progress(rows, on_progress, len(raw), decoded.text.count("\n") + 1)
    if fmt == "revolut":
        revolut.read(rows, decoded.text, _delimiter(decoded.text), FortnoxLists(known))
        return rows, []
    return rows, _read_mapped(path, rows, decoded, choice)


def _first_rows(text: str, delimiter: str, n: int = 60) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        rows.extend(row for _line, row in islice(csv_rows(text[:200_000], delimiter), n))
    except RowsError:  # cut short: what was read before is the sample (the reading says where it broke)
        pass
    return rows


def _read_mapped(path: Path, rows: Rows, decoded: Decoded, choice: Choice) -> list[str]:
    delimiter = _delimiter(decoded.text)
    sample = _first_rows(decoded.text, delimiter)
    header = _header(decoded.text, delimiter)
    mapping = choice.mapping
    if mapping is None:  # the home's mapping for a header among the first rows (title lines may come first)
        mapping = next((choice.saved[sig] for sig in map(signature, sample[:21]) if sig in choice.saved), None)
        rows.result.mapping_saved = mapping is not None
    if mapping is None:
        start = next((i for i, row in enumerate(sample) if row == header), 0)
        proposal = mapped.propose(header, sample[start + 1:], delimiter, decoded.encoding)
        if not choice.accept or proposal.missing():
            raise MappingNeeded(path, header, proposal)
        mapping = proposal
    rows.result.mapping = mapping
    found = mapped.read(rows, decoded.text, mapping, mapping.delimiter or delimiter)
    rows.result.header = found or header
    rows.result.signature = signature(rows.result.header)
    return rows.result.header


def _canonical(path: Path, known: ReferenceLists | None, on_progress: ProgressCallback | None,
               limit: int | None) -> Rows:
    rows = Rows(path, "canonical", limit=limit)
    txs = canonical.FORMAT.read(path, known, on_progress)
    rows.result.transactions = txs
    rows.result.encoding = "UTF-8" if path.suffix.casefold() == ".csv" else ""
    rows.shown = [(0, tx, "import") for tx in txs[:limit or 0]]
    return rows


def read_statement(path: Path | str, known: ReferenceLists | None = None, choice: Choice | None = None, *,
                   on_progress: ProgressCallback | None = None) -> Reading:
    """Every transaction in the file and every row skipped, or ``ImportFileError`` with every problem in it
    (``MappingNeeded`` for a CSV whose mapping is to be accepted first)."""
    path = Path(path)
    rows, _header_row = _read(path, known, choice or Choice(), on_progress, None)
    reading = rows.reading()
    if on_progress is not None:
        size = path.stat().st_size if path.exists() else 0
        on_progress(size, size)
    return reading


def preview(path: Path | str, known: ReferenceLists | None = None, choice: Choice | None = None,
            limit: int = PREVIEW_ROWS) -> Preview:
    """The first ``limit`` rows as they will be imported, and the problems among them (the file is not refused
    here: the dialog shows them). ``ImportFileError`` for a file that cannot be read at all; ``MappingNeeded``."""
    rows, header = _read(Path(path), known, choice or Choice(), None, limit)
    return Preview(rows.result, rows.shown, header, rows.problems.items)


def read_transactions(path: Path | str, known: ReferenceLists | None = None, *,
                      on_progress: ProgressCallback | None = None) -> list[Transaction]:
    """The canonical format's transactions (as before the other formats came)."""
    return canonical.FORMAT.read(Path(path), known, on_progress)
