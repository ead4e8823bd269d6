"""Any other CSV, through a mapping (``mapping.Mapping``): reading it, and proposing one for a header (``propose``).

Reading
    The header is the first row (after at most a few title lines) that has every mapped column. Each row gives a
    date, an amount (in SEK; money out negative, or positive when ``purchases = "positive"``) and a merchant, and
    what else is mapped. Skipped and counted: a row whose date says it is not booked yet (``Reserverat``, Nordea's
    word for a pending row), a row in another currency than SEK, a row of 0.00. Any other bad cell is a problem and
    refuses the file.

Proposing
    ``propose`` recognises common Swedish and English headers (Datum/Date, Bokföringsdag, Belopp/Amount,
    Valuta/Currency, Beskrivning/Text, Motpart, Handlare/Merchant, Kort/Card, Kortinnehavare/Cardholder,
    Kategori/Category …) and guesses the format's settings from the first rows (delimiter, decimal comma, date
    form, whether money out is positive). It is a proposal: the user confirms it (``--accept-mapping``, or the
    import dialog) before it is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from juni_tui.services.importing.lists import FortnoxLists
from juni_tui.services.importing.mapping import Mapping, date_format_problem, header_key, signature
from juni_tui.services.importing.source import ImportFileError
from juni_tui.services.importing.statement import OTHER_CURRENCY, PENDING, ZERO, Choice, Rows, clip
from juni_tui.services.importing.text import RowsError, TextFile, csv_rows, find_header, known_codec, repeated
from juni_tui.services.importing.values import DECIMAL_HINT, MAPPING_HINT, parse_amount, parse_day

#: Dates that say a row is not booked yet.
PENDING_WORDS = {"reserverat", "reserverad", "preliminär", "prel", "pending", "reserved", "väntande"}

# --- proposing a mapping ----------------------------------------------------------------------------------------

#: Header names per field, best first (compared case- and space-insensitively).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("datum", "date", "transaktionsdatum", "transaktionsdag", "köpdatum", "transaction date",
             "purchase date", "bokföringsdag", "bokföringsdatum", "bokförd", "booking date", "posting date",
             "date completed (utc)", "date completed", "valutadag", "valutadatum"),
    "amount": ("belopp", "amount", "belopp sek", "belopp (sek)", "amount (sek)", "amount sek", "summa", "sek",
               "belopp i sek", "amount in sek", "billing amount"),
    "currency": ("valuta", "currency", "payment currency"),
    "merchant": ("handlare", "merchant", "merchant name", "motpart", "mottagare", "namn", "inköpsställe", "säljare",
                 "beskrivning", "text", "description", "rubrik", "specifikation", "transaktion", "meddelande"),
    "description": ("beskrivning", "description", "text", "rubrik", "specifikation", "meddelande", "notering",
                    "note", "reference"),
    "original_amount": ("originalbelopp", "ursprungligt belopp", "belopp i utländsk valuta", "utländskt belopp",
                        "original amount", "orig amount", "foreign amount", "local amount"),
    "original_currency": ("originalvaluta", "ursprunglig valuta", "utländsk valuta", "original currency",
                          "orig currency", "foreign currency", "local currency"),
    "card": ("kort", "card", "kortnummer", "card number", "kortnr"),
    "cardholder": ("kortinnehavare", "cardholder", "card holder", "användare", "anställd", "employee", "user",
                   "team member"),
    "category": ("kategori", "category", "utgiftskategori", "expense category"),
    "merchant_country": ("land", "country", "merchant country", "handlarens land"),
    "id": ("id", "transaktions-id", "transaktionsid", "transaction id", "transaction-id"),
}  # fmt: skip
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%m/%d/%Y")
_SAMPLE_ROWS = 50


def known_columns(header: list[str]) -> int:
    """How many of the header's columns ``propose`` knows (a header row has some; a title line has none)."""
    names = {name for names in SYNONYMS.values() for name in names}
    return sum(header_key(cell) in names for cell in header)


def _pick(header: list[str], names: tuple[str, ...], taken: set[str]) -> str | None:
    keys = {header_key(cell): cell.strip() for cell in header if cell.strip()}
    for name in names:
        column = keys.get(name)
        if column is not None and column not in taken:
            return column
    return None


def _date_format(values: list[str]) -> str | None:
    """The first of the common date forms every sampled date has (None: the default forms read them all)."""
    dates = [v.strip() for v in values if v.strip() and v.strip().casefold() not in PENDING_WORDS]
    if all(parse_day(v, None, []) is not None for v in dates):
        return None
    for fmt in DATE_FORMATS:
        try:
            for value in dates:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _decimal(values: list[str]) -> str:
    comma = sum(bool(re.search(r",\d{1,2}(?:\D*)$", v.strip())) for v in values)
    point = sum(bool(re.search(r"\.\d{1,2}(?:\D*)$", v.strip())) for v in values)
    return "," if comma > point else "."


def _purchases(values: list[str], decimal: str) -> str:
    """``positive`` when (nearly) every sampled amount is positive: a card statement that shows money out so."""
    amounts = [a for a in (parse_amount(v, decimal, []) for v in values if v.strip()) if a is not None]
    positive = sum(a > 0 for a in amounts)
    return "positive" if amounts and positive >= 0.9 * len(amounts) else "negative"


def propose(header: list[str], rows: list[list[str]], delimiter: str, encoding: str | None) -> Mapping:
    """A mapping for this header (columns it recognises, settings guessed from ``rows``); it may miss a required
    field (``Mapping.missing``)."""
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for name in ("id", "date", "amount", "currency", "original_amount", "original_currency", "merchant", "card",
                 "cardholder", "category", "merchant_country", "description"):
        column = _pick(header, SYNONYMS[name], taken)
        if column is not None:
            columns[name] = column
            taken.add(column)
    index = {header_key(cell): i for i, cell in enumerate(header)}

    def sample(name: str) -> list[str]:
        i = index.get(header_key(columns.get(name, "\x00")))
        return [row[i] for row in rows[:_SAMPLE_ROWS] if i is not None and i < len(row)]

    decimal = _decimal(sample("amount"))
    return Mapping(columns=columns, encoding=encoding, delimiter=delimiter, decimal=decimal,
                   date_format=_date_format(sample("date")), purchases=_purchases(sample("amount"), decimal))


# --- the format ---------------------------------------------------------------------------------------------------


class MappingNeeded(ImportFileError):
    """A CSV that juni-tui does not know: the mapping it proposes, to be accepted (or edited) first. (A file not
    imported, for a caller that knows nothing of mappings.)"""

    def __init__(self, path: Path, header: list[str], proposal: Mapping) -> None:
        self.header = header
        self.proposal = proposal
        self.signature = signature(header)
        missing = proposal.missing()
        if missing:
            self.reason = (f"juni-tui does not recognise the columns of {path.name} for {', '.join(missing)}: write a "
                           "mapping (see docs/mappings/) and import with --mapping FILE")
        else:
            self.reason = (f"{path.name} is a CSV juni-tui has not seen before; this mapping is proposed. Import with "
                           "--accept-mapping to use it (it is then saved for files with this header), or save it to "
                           "a file, edit it and import with --mapping FILE")
        super().__init__(path, [(0, self.reason)])

    def __str__(self) -> str:
        return self.reason


def looks_like_header(row: list[str]) -> bool:
    return known_columns(row) >= 2


class Mapped:
    """Any CSV: through the mapping given, else the one the home saved for its header, else a proposal that must be
    accepted first (``MappingNeeded``)."""

    name = "mapped"

    def recognises(self, file: TextFile) -> bool:
        return True

    def read(self, file: TextFile, rows: Rows, choice: Choice, lists: FortnoxLists) -> None:
        mapping = choice.mapping
        if mapping is None:  # the home's mapping for a header among the first rows (title lines may come first)
            signatures = map(signature, file.first_rows[:21])
            mapping = next((choice.saved[sig] for sig in signatures if sig in choice.saved), None)
            rows.result.mapping_saved = mapping is not None
        if mapping is None:
            start = next((i for i, row in enumerate(file.first_rows) if row == file.header), 0)
            proposal = propose(file.header, file.first_rows[start + 1:], file.delimiter, file.decoded.encoding)
            if not choice.accept or proposal.missing():
                raise MappingNeeded(file.path, file.header, proposal)
            mapping = proposal
        if mapping.encoding and known_codec(mapping.encoding) != file.decoded.encoding:  # the mapping knows better
            file = TextFile(file.path, file.data, encoding=mapping.encoding)
            rows.result.encoding = file.decoded.encoding_name
        rows.result.mapping = mapping
        found = read(rows, file.text, mapping, mapping.delimiter or file.delimiter)
        rows.result.header = found or file.header
        rows.result.signature = signature(rows.result.header)


FORMAT = Mapped()


# --- reading with a mapping -------------------------------------------------------------------------------------


def header_of(text_rows: Iterator[tuple[int, list[str]]], mapping: Mapping) -> tuple[int, list[str]] | None:
    wanted = {header_key(column) for column in mapping.columns.values()}
    return find_header(text_rows, lambda row: wanted <= {header_key(cell) for cell in row})


def read(rows: Rows, text: str, mapping: Mapping, delimiter: str) -> list[str] | None:
    """Every row of ``text`` through ``mapping`` into ``rows``; the header found (None: the file's problem said)."""
    wrong = date_format_problem(mapping.date_format) if mapping.date_format else None
    if wrong is not None:  # (a mapping edited in the dialog is checked here)
        rows.problem(0, f"the mapping's {wrong}")
        return None
    source = csv_rows(text, delimiter)
    try:
        found = header_of(source, mapping)
        if found is None:
            wanted = ", ".join(repr(c) for c in mapping.columns.values())
            rows.problem(1, f"no header row has the mapping's columns ({wanted}): is it the right mapping for this "
                            "file?")
            return None
        header_line, header = found
        twice = repeated(header, {header_key(column) for column in mapping.columns.values()}, header_key)
        if twice is not None:
            rows.problem(header_line, twice)
            return None
        index = {header_key(cell): i for i, cell in enumerate(header)}
        at = {name: index[header_key(column)] for name, column in mapping.columns.items()}
        for line, row in source:
            if rows.full:
                break
            if len(row) < len(header) or any(cell.strip() for cell in row[len(header):]):
                rows.problem(line, f"has {len(row)} fields, but the header (line {header_line}) has {len(header)}")
                continue
            _row(rows, line, {name: row[i] for name, i in at.items()}, mapping)
    except RowsError as exc:
        rows.problem(exc.line, exc.reason)
        return None
    return header


def _row(rows: Rows, line: int, cells: dict[str, str], mapping: Mapping) -> None:
    errors: list[str] = []
    day_text = cells["date"].strip()
    if day_text.casefold() in PENDING_WORDS:
        rows.skip(line, PENDING, f"{clip(cells.get('merchant')) or 'a row'}: {day_text}")
        return
    currency = (cells.get("currency") or "").strip().upper()
    if currency and currency != "SEK":
        rows.skip(line, OTHER_CURRENCY, f"{clip(cells.get('merchant')) or 'a row'} in {currency[:10]}, not SEK")
        return
    if not day_text:
        errors.append("date is missing")
    day = parse_day(day_text, mapping.date_format, errors, hint=MAPPING_HINT) if day_text else None
    amount_text = cells["amount"].strip()
    amount = parse_amount(amount_text, mapping.decimal, errors, hint=DECIMAL_HINT) if amount_text else None
    if not amount_text:
        errors.append("amount is missing")
    merchant = clip(cells["merchant"]) or clip(cells.get("description"))
    if merchant is None:
        errors.append("merchant is missing")
    values: dict[str, object] = {}
    for name in ("card", "cardholder", "category", "description"):
        values[name] = clip(cells.get(name))
    original = (cells.get("original_amount") or "").strip()
    original_currency = (cells.get("original_currency") or "").strip().upper() or None
    if original and original_currency and original_currency != "SEK":
        if not (len(original_currency) == 3 and original_currency.isalpha()):
            errors.append(f"original_currency {original_currency[:20]!r} is not a three-letter currency code")
        values["original_amount"] = parse_amount(original, mapping.decimal, errors, "original_amount",
                                                   DECIMAL_HINT)
        values["original_currency"] = original_currency
    country = clip(cells.get("merchant_country"))
    if country is not None:
        if len(country) == 2 and country.isalpha():
            values["merchant_country"] = country.upper()
        else:
            errors.append(f"merchant_country {country[:20]!r} is not a two-letter country code (SE, US …)")
    tx_id = clip(cells.get("id"))
    if tx_id is not None and len(tx_id) > 200:
        errors.append(f"id is {len(tx_id)} characters long; at most 200")
    if errors:
        for reason in errors:
            rows.problem(line, reason)
        return
    assert day is not None and amount is not None and merchant is not None
    if mapping.purchases == "positive":
        amount = -amount
    if values.get("original_amount") is not None:  # the sign of the amount in SEK, whatever the file wrote
        values["original_amount"] = abs(values["original_amount"]) * (-1 if amount < 0 else 1)  # type: ignore[arg-type]
    if amount == Decimal(0):
        rows.skip(line, ZERO, f"{merchant}: 0.00, nothing to book")
        return
    rows.add(line, {"date": day, "amount": amount, "merchant": merchant, **values}, tx_id)
