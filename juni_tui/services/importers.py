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

Idempotent
    ``import_file`` skips ids the home already has (in Prepare, Ready, the queue or the Export history), so
    importing the same file twice adds nothing, and says so. Everything new is one commit with one audit record.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from juni_tui.models import FieldSource, Origin, Transaction, VatCode
from juni_tui.money import MoneyError, to_money
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
    dry_run: bool = False

    @property
    def summary(self) -> str:
        name = str(self.path)
        there = f" ({len(self.already_present)} {'was' if len(self.already_present) == 1 else 'were'} already there)"
        there = there if self.already_present else ""
        n = len(self.added)
        noun = f"transaction{'s' * (n != 1)}"
        if self.dry_run:
            return f"{name} is fine: {n} {noun} would be imported{there}. Nothing was written (--dry-run)."
        if not self.added and self.already_present:
            return f"Imported 0 transactions from {name}: all {len(self.already_present)} were already there."
        return f"Imported {n} {noun} from {name}{there}."


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


def _decode(raw: bytes, problems: _Problems) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.add(line, "the file is not UTF-8 text (from Excel: save it as 'CSV UTF-8')")
        return None
    if not text.strip():
        problems.add(0, "the file is empty")
        return None
    return text


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_items(text: str, problems: _Problems) -> list[_Item]:
    header_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line), strict=True)
    items: list[_Item] = []
    header: list[str] | None = None
    header_at = 1
    last_line = 0
    try:
        for row in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header, header_at = [_column_name(c) for c in row], start
                continue
            if len(row) != len(header):
                problems.add(start, f"has {len(row)} fields, but the header has {len(header)}")
                continue
            items.append(_Item(start, "", {name: cell for name, cell in zip(header, row) if cell.strip()}))
    except csv.Error as exc:
        problems.add(reader.line_num, f"the CSV cannot be read: {exc}")
    if header is None:
        problems.add(0, "the file is empty")
        return []
    if not _check_columns(header, header_at, problems):
        return []  # without its required columns no row can be read; the header's problem says what to fix
    if not items and not problems:
        problems.add(0, "the file has a header row but no transactions")
    return items


def _check_columns(header: list[str], line: int, problems: _Problems) -> bool:
    """Report unknown, nameless, repeated and missing columns; False if a required one is missing."""
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.add(line, "a column has no name")
        elif name in seen:
            problems.add(line, f"column {name!r} appears twice")
        elif name not in COLUMNS:
            problems.add(line, f"unknown column {name!r}{_did_you_mean(name)}; the columns are: {', '.join(COLUMNS)}")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.add(line, f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                           f"(required: {', '.join(REQUIRED)})")
    return not missing


_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _json_array(text: str, pos: int, decoder: json.JSONDecoder) -> Iterator[tuple[int, Any]]:
    """The items of the array starting at ``pos``, each with where it starts (the text is valid JSON)."""
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return
    while True:
        value, end = decoder.raw_decode(text, pos)
        yield pos, value
        pos = _skip(text, end)
        if text[pos] == "]":
            return
        pos = _skip(text, pos + 1)  # the comma


def _json_items(text: str, problems: _Problems) -> list[_Item]:
    decoder = json.JSONDecoder(parse_float=Decimal)
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, f"the file is not valid JSON: {exc.msg} (column {exc.colno})")
        return []
    start = _skip(text, 0)
    if isinstance(data, list):
        located = list(_json_array(text, start, decoder))
    elif isinstance(data, dict) and isinstance(data.get("transactions"), list):
        located = _located_in_object(text, start, decoder, "transactions")
    else:
        problems.add(1, 'the JSON must be a list of transactions, or an object {"transactions": [...]}')
        return []
    if not located:
        problems.add(0, "the file has no transactions")
        return []
    items: list[_Item] = []
    unknown: dict[str, tuple[int, int, int]] = {}  # key → (line, item, count)
    for n, (pos, value) in enumerate(located, 1):
        line = text.count("\n", 0, pos) + 1
        label = f"item {n}: "
        if not isinstance(value, dict):
            problems.add(line, f"{label}is not an object with the transaction's keys")
            continue
        values: dict[str, Any] = {}
        for key, item_value in value.items():
            name = _column_name(str(key))
            if name not in COLUMNS:
                first = unknown.get(name)
                unknown[name] = (line, n, 1) if first is None else (first[0], first[1], first[2] + 1)
                continue
            values[name] = item_value
        items.append(_Item(line, label, values))
    for name, (line, n, count) in unknown.items():
        also = f", and {count - 1} more item{'s' * (count > 2)}" if count > 1 else ""
        problems.add(line, f"item {n}{also}: unknown key {name!r}{_did_you_mean(name)}; "
                           f"the keys are: {', '.join(COLUMNS)}")
    return items


def _located_in_object(text: str, pos: int, decoder: json.JSONDecoder, wanted: str) -> list[tuple[int, Any]]:
    """The items of the array under ``wanted`` in the object starting at ``pos`` (the text is valid JSON)."""
    pos = _skip(text, pos + 1)
    found: list[tuple[int, Any]] = []
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # the colon
        if key == wanted:
            found = list(_json_array(text, pos, decoder))
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return found


# --- checking one transaction ---------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(name: str, value: Any, errors: list[str]) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.append(f"{name} must be text, not {json.dumps(value, default=str)}")
        return None
    return str(value).strip()


def _money(name: str, value: Any, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        errors.append(f"{name} {json.dumps(value, default=str)} is not a number")
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
    errors.append(f"date {value!r} is not a date in the form YYYY-MM-DD")
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
        errors.append(f"account {value!r} is not a four-digit account number")
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
        errors.append(f"original_currency {currency!r} is not a three-letter currency code (USD, EUR …)")
    country = fields["merchant_country"]
    if country is not None and not (len(country) == 2 and country.isalpha()):
        errors.append(f"merchant_country {country!r} is not a two-letter country code (SE, US …)")
    if not _blank(v.get("account")):
        fields["account"] = _account(v["account"], lists, errors)
    if not _blank(v.get("vat_code")):
        code = fields["vat_code"] = parse_vat_code(v["vat_code"])
        if code is None:
            errors.append(f"vat_code {v['vat_code']!r} is not a VAT code ({', '.join(c.value for c in VatCode)})")
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


def read_transactions(path: Path | str, known: ReferenceLists | None = None) -> list[Transaction]:
    """Every transaction in the file, in file order, or ``ImportFileError`` with every problem in it.

    ``known`` (the store, or anything with ``accounts``, ``cost_centers`` and ``projects``): accounts must be in
    the chart and active, cost centers and projects must exist and be active, for each list that is not empty.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.casefold())
    if reader is None:
        what = f"a {path.suffix} file" if path.suffix else "a file without an extension"
        raise ImportFileError(path, [(0, f"it is {what}; juni-tui imports .csv and .json files")])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(path, [(0, f"there is no file {path}")]) from None
    except IsADirectoryError:
        raise ImportFileError(path, [(0, f"{path} is a folder, not a file")]) from None
    except OSError as exc:
        raise ImportFileError(path, [(0, f"{path} cannot be read: {exc.strerror or exc}")]) from None
    problems = _Problems()
    text = _decode(raw, problems)
    items = reader(text, problems) if text is not None else []
    source = FieldSource(origin=Origin.IMPORT, label=f"import file {path.name}")
    lists = _FortnoxLists(known)
    out: list[Transaction] = []
    first_line: dict[str, int] = {}
    for item in items:
        tx, errors = _transaction(item, lists, source)
        tx_id = tx.id if tx is not None else _plain_id(item.values.get("id"))
        if tx_id is not None:
            if tx_id in first_line:
                errors.append(f"id {tx_id!r} is also on line {first_line[tx_id]}")
            else:
                first_line[tx_id] = item.line
        for reason in errors:
            problems.add(item.line, item.label + reason)
        if tx is not None and not errors:
            out.append(tx)
    if problems:
        raise ImportFileError(path, problems.items)
    return out


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


def import_file(store: Store, path: Path | str, *, dry_run: bool = False) -> ImportResult:
    """Read ``path`` (refused whole on any problem) and add the transactions the home does not have yet.

    One commit with an audit record (``action: import``). ``dry_run`` checks and counts, and writes nothing.
    """
    return add_transactions(store, Path(path), read_transactions(path, store), dry_run=dry_run)


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
    for tx in txs:
        if tx.id in store.transactions or tx.id in store.history:
            result.already_present.append(tx.id)
            stored = store.transactions.raw(tx.id) or store.history_index.raw(tx.id)
            if _differs(stored, tx):
                result.differing.append(tx.id)
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
