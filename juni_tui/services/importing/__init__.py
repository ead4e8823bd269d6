"""Importing card transactions from a file: what callers use, re-exported from the package's modules.

    source.py      reading a file safely, whatever its format: only regular files, size and row limits, streaming
                   with progress, decoding with line numbers, every problem collected (ImportFileError)
    text.py        a bank's text file read whole: its encoding found and named, its CSV rows with their lines
    formats.py     the formats, recognising a file's (auto), read_statement and preview
    canonical.py   the canonical format: today's columns in a CSV or JSON file, read and written (write_csv)
    revolut.py     Revolut Business's CSV export
    camt053.py     ISO 20022 camt.053 bank statements (hardened XML)
    mapped.py      any other CSV through a mapping, and proposing a mapping for a header
    mapping.py     a mapping (a TOML file): read, checked, written; a header's signature
    saved.py       the mappings the home has used, by header signature
    statement.py   what a reading gives (Reading), stable derived ids, skipped rows and their reasons
    json_items.py  the items of a JSON file, bounded and checked as json.loads checks it
    values.py      one value from a file: text, amounts, dates, VAT codes, account numbers
    lists.py       values checked against the company's Fortnox lists (ReferenceSnapshot)
    adding.py      adding what a file holds to the home, exactly once per id (import_file, add_transactions)
"""

from __future__ import annotations

from juni_tui.services.importing.adding import (
    ImportResult,
    add_reading,
    add_transactions,
    dry_run_without_home,
    import_file,
)
from juni_tui.services.importing.canonical import COLUMNS, REQUIRED, write_csv
from juni_tui.services.importing.formats import FORMATS, Preview, preview, read_statement, read_transactions
from juni_tui.services.importing.lists import ReferenceSnapshot
from juni_tui.services.importing.mapped import MappingNeeded
from juni_tui.services.importing.mapping import Mapping, MappingError
from juni_tui.services.importing.saved import saved_mappings
from juni_tui.services.importing.source import ImportFileError
from juni_tui.services.importing.statement import Choice, Reading
from juni_tui.services.importing.values import parse_vat_code

__all__ = [
    "COLUMNS", "FORMATS", "Choice", "ImportFileError", "ImportResult", "Mapping", "MappingError", "MappingNeeded",
    "Preview", "REQUIRED", "Reading", "ReferenceSnapshot", "add_reading", "add_transactions", "dry_run_without_home", "import_file",
    "parse_vat_code", "preview", "read_statement", "read_transactions", "saved_mappings", "write_csv",
]  # fmt: skip
