"""The canonical format: today's columns, in a CSV or a JSON file, read and written.

The file
    CSV (UTF-8, with or without a byte-order mark; comma, semicolon or tab between fields, told apart by the
    header row) or JSON (a list of objects, or ``{"transactions": [...]}``), chosen by the file's extension.
    Required columns: ``id``, ``date`` (YYYY-MM-DD), ``merchant``, ``amount`` (SEK; negative for a purchase,
    positive for a refund; ``-1234.50`` and ``-1 234,50`` both work). Optional: ``original_amount``,
    ``original_currency``, ``card``, ``cardholder``, ``category``, ``merchant_country``, ``description``,
    ``account``, ``vat_code``, ``cost_center``, ``project``; for representation ``participants`` (a count),
    ``purpose``, ``attendees``; ``vat_deductible`` (the percentage of the VAT that may be deducted) and
    ``vat_amount`` (the VAT printed on the receipt, in SEK, as a positive amount). Column names are matched without regard to case,
    spaces or hyphens (``VAT code`` is ``vat_code``).

All or nothing
    Every line is checked before anything is written, and a file with any problem is refused whole, with every
    bad line and why (``ImportFileError``). Line numbers are the file's own: the CSV header is line 1; a JSON
    item is named by its position and the line it starts on.

Unknown columns are refused, not ignored
    A column juni-tui does not know is almost always a misspelt one (``vatcode``, ``konto``). Ignoring it would
    import every transaction without the values the user meant to give, silently; refusing costs one edit of the
    header, and the message names the column it probably meant.

``FORMAT`` reads it (``formats.Format``); ``write_csv`` writes it (the demo's file).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from juni_tui.domain.transactions import FieldSource, Origin, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services.importing import json_items
from juni_tui.services.importing.lists import FortnoxLists, ReferenceLists
from juni_tui.services.importing.source import (
    PROGRESS_ROWS,
    ImportFileError,
    Item,
    Problems,
    ProgressCallback,
    csv_items,
    read_file,
)
from juni_tui.services.importing.values import (
    is_blank,
    parse_account,
    parse_count,
    parse_date,
    parse_money,
    parse_share,
    parse_text,
    parse_vat_code,
    quoted,
)

REQUIRED = ("id", "date", "merchant", "amount")
OPTIONAL = (
    "original_amount", "original_currency", "card", "cardholder", "category", "merchant_country", "description",
    "account", "vat_code", "cost_center", "project", "participants", "purpose", "attendees", "vat_deductible",
    "vat_amount",
)  # fmt: skip
COLUMNS = REQUIRED + OPTIONAL
#: Pre-accounting values that come with a source (``Transaction.sources``) when the file sets them.
SOURCED = ("account", "vat_code", "cost_center", "project", "vat_deductible")
MAX_ID_LENGTH = 200


# --- the columns ----------------------------------------------------------------------------------------------


def _column_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


#: Names people give these columns (Swedish ones too), for the hint in the refusal; they are not accepted as such.
_LIKELY = {
    "vat": "vat_code", "moms": "vat_code", "momskod": "vat_code", "konto": "account", "datum": "date",
    "belopp": "amount", "currency": "original_currency", "valuta": "original_currency",
    "country": "merchant_country", "land": "merchant_country", "kostnadsställe": "cost_center",
    "projekt": "project", "handlare": "merchant", "beskrivning": "description", "kort": "card",
    "kategori": "category", "deltagare": "participants", "syfte": "purpose", "moms_belopp": "vat_amount",
    "momsbelopp": "vat_amount", "avdragsgill": "vat_deductible",
}  # fmt: skip


def _did_you_mean(name: str) -> str:
    close = [_LIKELY[name]] if name in _LIKELY else difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_columns(header: list[str], line: int, problems: Problems) -> bool:
    """Report unknown, nameless, repeated and missing columns; False if a required one is missing."""
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.add(line, "a column has no name")
        elif name in seen:
            problems.add(line, f"column {quoted(name)} appears twice")
        elif name not in COLUMNS:
            problems.add(line, f"unknown column {quoted(name)}{_did_you_mean(name)}; "
                               f"the columns are: {', '.join(COLUMNS)}")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.add(line, f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                           f"(required: {', '.join(REQUIRED)})")
    return not missing


def _header(row: list[str], line: int, problems: Problems) -> tuple[list[str], bool]:
    """The CSV's header row as column names, every problem with them added; False if a required one is missing."""
    header = [_column_name(c) for c in row]
    return header, _check_columns(header, line, problems)


def _csv_items(f: BinaryIO, size: int, problems: Problems, accept: Callable[[Item], None],
               progress: ProgressCallback | None, encoding: str = "utf-8-sig") -> None:
    csv_items(f, size, problems, accept, progress, _header, encoding)


def _json_items(f: BinaryIO, size: int, problems: Problems, accept: Callable[[Item], None],
                progress: ProgressCallback | None) -> None:
    found = json_items.locate(f, problems)
    if found is None:
        return
    text, located = found
    unknown: dict[str, tuple[int, int, int]] = {}  # key → (line, item, count)
    items: list[tuple[Item, int]] = []
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
        items.append((Item(line, label, values), pos))
    for name, (line, n, count) in unknown.items():
        also = f", and {count - 1} more item{'s' * (count > 2)}" if count > 1 else ""
        problems.add(line, f"item {n}{also}: unknown key {quoted(name)}{_did_you_mean(name)}; "
                           f"the keys are: {', '.join(COLUMNS)}")
    del located
    total = len(text)
    for n, (item, pos) in enumerate(items, 1):
        accept(item)
        if progress is not None and n % PROGRESS_ROWS == 0:
            progress(size * pos // total, size)


# --- one transaction ------------------------------------------------------------------------------------------


def _transaction(item: Item, lists: FortnoxLists, source: FieldSource) -> tuple[Transaction | None, list[str]]:
    """The transaction an item describes, or every reason it cannot be one."""
    v = item.values
    errors: list[str] = []
    for name in REQUIRED:
        if is_blank(v.get(name)):
            errors.append(f"{name} is missing")
    fields: dict[str, Any] = {}
    tx_id = parse_text("id", v.get("id"), errors)
    if tx_id is not None and len(tx_id) > MAX_ID_LENGTH:
        errors.append(f"id is {len(tx_id)} characters long; at most {MAX_ID_LENGTH}")
    fields["id"] = tx_id
    fields["merchant"] = parse_text("merchant", v.get("merchant"), errors)
    if not is_blank(v.get("date")):
        fields["date"] = parse_date(v["date"], errors)
    if not is_blank(v.get("amount")):
        amount = fields["amount"] = parse_money("amount", v["amount"], errors)
        if amount is not None and amount == 0:
            errors.append("amount is 0.00: there is nothing to book")
    if not is_blank(v.get("original_amount")):
        fields["original_amount"] = parse_money("original_amount", v["original_amount"], errors)
        if is_blank(v.get("original_currency")):
            errors.append("original_amount is given without original_currency")
    for name in ("original_currency", "card", "cardholder", "category", "merchant_country", "description"):
        fields[name] = parse_text(name, v.get(name), errors)
    currency = fields["original_currency"]
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        errors.append(f"original_currency {quoted(currency)} is not a three-letter currency code (USD, EUR …)")
    country = fields["merchant_country"]
    if country is not None and not (len(country) == 2 and country.isalpha()):
        errors.append(f"merchant_country {quoted(country)} is not a two-letter country code (SE, US …)")
    if not is_blank(v.get("account")):
        fields["account"] = parse_account(v["account"], lists, errors)
    if not is_blank(v.get("vat_code")):
        code = fields["vat_code"] = parse_vat_code(v["vat_code"])
        if code is None:
            errors.append(f"vat_code {quoted(v['vat_code'])} is not a VAT code ({', '.join(c.value for c in VatCode)})")
    for name in ("cost_center", "project"):
        value = parse_text(name, v.get(name), errors)
        if value is not None and lists.fits(name, value, errors):
            fields[name] = value
    _vat_columns(v, fields, errors)
    if errors:
        return None, errors
    fields["sources"] = {name: source for name in SOURCED if fields.get(name) is not None}
    try:
        return Transaction(**{k: val for k, val in fields.items() if val is not None}), []
    except ValidationError as exc:  # what the checks above did not foresee
        return None, [f"{'.'.join(map(str, e['loc'])) or 'transaction'}: {e['msg']}" for e in exc.errors()]


def _vat_columns(v: dict[str, Any], fields: dict[str, Any], errors: list[str]) -> None:
    """Representation (participants, purpose, attendees), the deductible share and the VAT as printed."""
    if not is_blank(v.get("participants")):
        fields["participants"] = parse_count("participants", v["participants"], errors)
    for name, limit in (("purpose", 500), ("attendees", 2000)):
        text = fields[name] = parse_text(name, v.get(name), errors)
        if text is not None and len(text) > limit:
            errors.append(f"{name} is {len(text)} characters long; at most {limit}")
    if not is_blank(v.get("vat_deductible")):
        fields["vat_deductible"] = parse_share("vat_deductible", v["vat_deductible"], errors)
    if not is_blank(v.get("vat_amount")):
        printed = fields["vat_amount"] = parse_money("vat_amount", v["vat_amount"], errors)
        if printed is not None and printed < 0:
            errors.append(f"vat_amount {quoted(v['vat_amount'])} is negative; write the VAT as printed on the "
                          "receipt, such as 249.80")
        amount = fields.get("amount")
        if printed is not None and amount is not None and printed >= abs(amount):
            errors.append(f"vat_amount {quoted(v['vat_amount'])} is not less than the amount")


class _Checker:
    """Turns the file's items into transactions as they are read, adding every problem (and repeated ids)."""

    def __init__(self, path: Path, known: ReferenceLists | None, problems: Problems) -> None:
        self.source = FieldSource(origin=Origin.IMPORT, label=f"import file {path.name}")
        self.lists = FortnoxLists(known)
        self.problems = problems
        self.out: list[Transaction] = []
        self.first_line: dict[str, int] = {}

    def __call__(self, item: Item) -> None:
        tx, errors = _transaction(item, self.lists, self.source)
        tx_id = tx.id if tx is not None else _plain_id(item.values.get("id"))
        if tx_id is not None:
            if tx_id in self.first_line:
                errors.append(f"id {quoted(tx_id)} is also on line {self.first_line[tx_id]}")
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


# --- reading and writing --------------------------------------------------------------------------------------

READERS = {".csv": _csv_items, ".json": _json_items}


class Canonical:
    """The canonical format, as ``formats.Format``: a ``.csv`` or ``.json`` file, told apart by its extension."""

    name = "canonical"

    def read(self, path: Path, known: ReferenceLists | None, on_progress: ProgressCallback | None,
             encoding: str | None = None) -> list[Transaction]:
        """Every transaction in the file, in file order, or ``ImportFileError`` with every problem in it. A CSV is
        read as UTF-8 unless ``encoding`` (the one the file was found to be in) says otherwise."""
        reader = READERS.get(path.suffix.casefold())
        if reader is None:
            what = f"a {path.suffix} file" if path.suffix else "a file without an extension"
            raise ImportFileError(path, [(0, f"it is {what}; juni-tui imports .csv and .json files")])
        problems = Problems()
        check = _Checker(path, known, problems)
        if reader is _csv_items and encoding is not None:
            read_file(path, problems, lambda f, size: _csv_items(f, size, problems, check, on_progress, encoding),
                      on_progress)
        else:
            read_file(path, problems, lambda f, size: reader(f, size, problems, check, on_progress), on_progress)
        return check.out


FORMAT = Canonical()


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
                value = f"{value:.2f}" if name != "vat_deductible" else f"{value.normalize():f}"
            row.append("" if value is None else str(value))
        writer.writerow(row)
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")

