"""Receipts: stored once by content hash, read, matched to transactions, attached, and previewed.

The package's modules, one job each (callers import the names below from here):

    files.py      what a file is: the type checks, conversion to what Fortnox takes, safe reading from disk
    reading.py    what a receipt says: amount, currency, date and merchant, from a PDF's text and the file name
    library.py    the hash store: adding a file, looking receipts up, reading a stored file back for Fortnox
    attaching.py  the receipt↔transaction link: attach, confirm, reject, detach (both sides in one commit)
    matching.py   the matcher: pure, in memory; three tiers (auto, suggested, unmatched)
    match_run.py  a matching run over the store: decide, attach the AUTO ones, one commit
    inbox.py      the inbox folder: scanning it (in three steps for the TUI's worker), refused files
    preview.py    the preview: metadata, a PDF's full text, the system viewer

Writes: transactions change only through ``workflow``; a scan, a matching run or an attach is one durable write
(``store.batch()``).
"""

from juni_tui.services.receipts.attaching import attach_existing, attach_file, confirm, detach, reject
from juni_tui.services.receipts.files import complete_path
from juni_tui.services.receipts.inbox import (
    INBOX_TABLE,
    MAX_INBOX_DEPTH,
    FileOutcome,
    InboxFile,
    InboxScan,
    ScanReport,
    begin_scan,
    finish_scan,
    inbox_path,
    inbox_refusals,
    inbox_signature,
    scan_inbox,
)
from juni_tui.services.receipts.library import (
    AddResult,
    ReceiptError,
    add_receipt,
    find_receipt,
    get_receipt,
    list_receipts,
    receipt_file,
    receipts_of,
    suggestions_for,
    upload_filename,
    upload_payload,
)
from juni_tui.services.receipts.match_run import MatchOutcome, MatchReport, facts_of, match_receipts
from juni_tui.services.receipts.matching import DEFAULT_WINDOW
from juni_tui.services.receipts.preview import receipt_metadata, receipt_text, viewer_command

__all__ = [
    "DEFAULT_WINDOW", "INBOX_TABLE", "MAX_INBOX_DEPTH",
    "AddResult", "FileOutcome", "InboxFile", "InboxScan", "MatchOutcome", "MatchReport", "ReceiptError",
    "ScanReport", "add_receipt", "attach_existing", "attach_file", "begin_scan", "complete_path", "confirm",
    "detach", "facts_of", "find_receipt", "finish_scan", "get_receipt", "inbox_path", "inbox_refusals",
    "inbox_signature", "list_receipts", "match_receipts", "receipt_file", "receipt_metadata", "receipt_text",
    "receipts_of", "reject", "scan_inbox", "suggestions_for", "upload_filename", "upload_payload",
    "viewer_command",
]  # fmt: skip
