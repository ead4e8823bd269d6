"""Importing card transactions from a file: what callers use, re-exported from the package's modules.

    source.py      reading a file safely, whatever its format: only regular files, size and row limits, streaming
                   with progress, decoding with line numbers, every problem collected (ImportFileError)
    formats.py     the interface every format meets (Format) and read_transactions
    canonical.py   the canonical format: today's columns in a CSV or JSON file, read and written (write_csv)
    json_items.py  the items of a JSON file, bounded and checked as json.loads checks it
    values.py      one value from a file: text, amounts, dates, VAT codes, account numbers
    lists.py       values checked against the company's Fortnox lists (ReferenceSnapshot)
    adding.py      adding what a file holds to the home, exactly once per id (import_file, add_transactions)
"""

from __future__ import annotations

from juni_tui.services.importing.adding import ImportResult, add_transactions, import_file
from juni_tui.services.importing.canonical import COLUMNS, REQUIRED, write_csv
from juni_tui.services.importing.formats import read_transactions
from juni_tui.services.importing.lists import ReferenceSnapshot
from juni_tui.services.importing.source import ImportFileError
from juni_tui.services.importing.values import parse_vat_code

__all__ = [
    "COLUMNS", "ImportFileError", "ImportResult", "REQUIRED", "ReferenceSnapshot", "add_transactions", "import_file",
    "parse_vat_code", "read_transactions", "write_csv",
]  # fmt: skip
