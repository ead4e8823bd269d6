"""What reading a statement gives (``Reading``), and the one place a format's rows become transactions (``Rows``).

Stable ids
    A file without ids gets derived ones (``derived_id``): a hash of the format, the date, the amount, the merchant's
    text normalised (case, accents' composed form, spaces) and the row's occurrence among identical rows in that
    file. Importing September, then September and October, adds only October; two rows identical in every field in
    one file are two transactions (the first and the second occurrence), and stay two in any later file that has
    both.

Skipped and refused
    A row that is no card transaction (a pending one, a transfer, a row in another currency) is skipped and counted
    with its reason; a row that is wrong is a problem, and one problem refuses the whole file (``ImportFileError``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from juni_tui.domain.transactions import FieldSource, Origin, Transaction
from juni_tui.services.importing.lists import FortnoxLists
from juni_tui.services.importing.source import MAX_ROWS, ImportFileError, Problems, ProgressCallback, too_many

if TYPE_CHECKING:
    from juni_tui.services.importing.mapping import Mapping
    from juni_tui.services.importing.text import TextFile

#: Why a row was skipped, as the report counts them.
PENDING = "pending (not booked yet)"
NOT_CARD = "not a card payment"
OTHER_CURRENCY = "other currency"

ZERO = "amount 0.00"

MAX_TEXT = 500


@dataclass
class Choice:
    """How to read a file: the format (``auto`` recognises it), a mapping, and whether a proposed mapping may be
    used without asking (``accept``). ``saved``: the home's mappings by header signature."""

    format: str = "auto"
    mapping: Mapping | None = None
    accept: bool = False
    saved: dict[str, Mapping] = field(default_factory=dict)


class Format(Protocol):
    """One kind of file juni-tui imports: a module of its own with one of these (``FORMAT``)."""

    #: What the user calls it (``--format``).
    name: str

    def recognises(self, file: TextFile) -> bool:
        """Whether ``auto`` takes the file to be in this format."""
        ...

    def read(self, file: TextFile, rows: Rows, choice: Choice, lists: FortnoxLists) -> None:
        """Every row of the file into ``rows``: transactions, skips and problems."""
        ...


@dataclass
class Reading:
    """A file read: its transactions in file order, the rows skipped and why, and how it was read."""

    format: str
    transactions: list[Transaction] = field(default_factory=list)
    #: ``(line, reason, detail)``: reason is one of the constants above (what is counted), detail says the row
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    encoding: str = ""  # as the report names it ("UTF-8", "cp1252 (Windows Latin-1)"); "" for JSON and XML
    #: the mapping a mapped CSV was read with (``mapping.Mapping``), and whether it came from the home
    mapping: Any = None
    mapping_saved: bool = False
    signature: str = ""  # the header's signature (a mapped CSV)
    header: list[str] = field(default_factory=list)

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(Counter(reason for _, reason, _ in self.skipped))

    def describe(self) -> str:
        """``Read as Revolut Business CSV (cp1252 (Windows Latin-1))``."""
        how = FORMAT_NAMES.get(self.format, self.format)
        return f"Read as {how}" + (f", encoding {self.encoding}" if self.encoding else "") + "."


FORMAT_NAMES = {"canonical": "juni-tui's own CSV/JSON", "revolut": "a Revolut Business CSV",
                "camt053": "an ISO 20022 camt.053 statement", "mapped": "a CSV through a mapping"}  # fmt: skip

_SPACE = re.compile(r"\s+")


def normalised(text: str) -> str:
    """A merchant's text as ids compare it: composed accents, case folded, one space between words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def derived_id(fmt: str, day: date, amount: Decimal, merchant: str, occurrence: int) -> str:
    """The id of a row without one: stable across files that hold the same row (see the module's doc)."""
    key = "\x1f".join((fmt, day.isoformat(), f"{amount:.2f}", normalised(merchant), str(occurrence)))
    return f"{fmt[:3]}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def clip(text: str | None) -> str | None:
    """Text from the file, stripped; None when blank; at most ``MAX_TEXT`` characters."""
    if text is None:
        return None
    text = text.strip()
    return text[:MAX_TEXT] or None


class Rows:
    """Collects a format's rows as transactions, skips and problems; ``reading()`` refuses the file on a problem."""

    def __init__(self, path: Path, fmt: str, problems: Problems | None = None, *, limit: int | None = None) -> None:
        self.path = path
        self.fmt = fmt
        self.problems = problems or Problems()
        self.result = Reading(fmt)
        self.source = FieldSource(origin=Origin.IMPORT, label=f"import file {path.name}")
        self._occurrences: Counter[tuple[date, Decimal, str]] = Counter()
        self._ids: dict[str, int] = {}
        self.limit = limit  # a preview stops after this many rows
        self.rows = 0
        #: a preview's rows as they will be imported: ``(line, transaction or None, what happens to it, the row
        #: when it is not imported)``
        self.shown: list[tuple[int, Transaction | None, str, str]] = []
        #: called with each row's line (the reading's progress)
        self.on_row: Callable[[int], None] | None = None
        #: the reading's ``on_progress``, for a format that reports its own
        self.on_progress: ProgressCallback | None = None

    @property
    def full(self) -> bool:
        return self.limit is not None and self.rows >= self.limit

    def _count(self, line: int) -> None:
        self.rows += 1
        if self.on_row is not None:
            self.on_row(line)

    def in_sek(self, line: int, currency: str, shown: str, missing: str) -> bool:
        """Whether a row is in SEK, the only currency booked; a row without one is a problem (``missing`` says
        which), one in another is skipped and counted."""
        if not currency:
            self.problem(line, f"{shown}: {missing}")
            return False
        if currency != "SEK":
            self.skip(line, OTHER_CURRENCY, f"{shown} in {currency[:10]}, not SEK")
            return False
        return True

    def skip(self, line: int, reason: str, detail: str) -> None:
        self._count(line)
        self.result.skipped.append((line, reason, detail))
        if self.limit is not None:
            self.shown.append((line, None, f"skipped: {reason}", detail))

    def problem(self, line: int, reason: str) -> None:
        """A row that is wrong (the file will be refused)."""
        self._count(line)
        self._refuse(line, reason)

    def _refuse(self, line: int, reason: str) -> None:
        self.problems.add(line, reason)
        if self.limit is not None:
            self.shown.append((line, None, "refused", reason))

    def add(self, line: int, values: dict[str, Any], tx_id: str | None = None) -> Transaction | None:
        """A transaction from checked values (date, amount, merchant and optional ones); its id is ``tx_id`` or
        derived. Pre-accounting values given (a bank fee's account) carry the file as their source."""
        self._count(line)
        if self.rows > MAX_ROWS:
            if self.rows == MAX_ROWS + 1:
                self.problems.add(0, too_many())
            return None
        key = (values["date"], values["amount"], normalised(values["merchant"]))
        occurrence = self._occurrences[key]
        self._occurrences[key] += 1
        if tx_id is None:
            tx_id = derived_id(self.fmt, values["date"], values["amount"], values["merchant"], occurrence)
        elif tx_id in self._ids:
            self._refuse(line, f"id {tx_id!r} is also on line {self._ids[tx_id]}")
            return None
        self._ids[tx_id] = line
        sources = {name: self.source for name in ("account", "vat_code") if values.get(name) is not None}
        try:
            tx = Transaction(id=tx_id, sources=sources, **{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            for error in exc.errors():
                self._refuse(line, f"{'.'.join(map(str, error['loc'])) or 'transaction'}: {error['msg']}")
            return None
        if self.limit is not None:
            self.shown.append((line, tx, "import", ""))
        if not self.problems:
            self.result.transactions.append(tx)
        return tx

    def reading(self) -> Reading:
        if self.problems:
            raise ImportFileError(self.path, self.problems.items)
        return self.result
