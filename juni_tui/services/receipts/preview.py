"""What the preview shows of a receipt: its metadata, a PDF's full text, and the system viewer that opens it.

Raw text from the file: show it only through the display sanitiser.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from juni_tui.domain.receipts import Receipt
from juni_tui.services.receipts.files import PDF, TYPE_NAMES, FileRefused, megabytes, open_image, read_file
from juni_tui.services.receipts.library import as_listed, as_receipt, listed_by, stored_bytes
from juni_tui.services.receipts.matching import money_text
from juni_tui.services.receipts.reading import pdf_info, pdf_text
from juni_tui.services.store import Store

# --- Preview --------------------------------------------------------------------------------------------------


def receipt_text(store: Store, receipt: Receipt | str) -> str:
    """The text of a PDF receipt, for the preview pane (``MAX_PREVIEW_PAGES`` pages, ``MAX_TEXT_CHARS`` characters
    at most); ``""`` for an image or a PDF without text. Raw text from the file: show it only through the display
    sanitiser."""
    receipt = as_receipt(store, receipt)
    if receipt.content_type != PDF:
        return ""
    return pdf_text(stored_bytes(store, receipt), max_pages=None)


def receipt_metadata(store: Store, receipt: Receipt | str) -> list[tuple[str, str]]:
    """Label/value rows for the preview: the file, what was read from it, and where it stands."""
    receipt = as_listed(store, as_receipt(store, receipt), listed_by(store))
    path = store.home.root / receipt.path
    rows: list[tuple[str, str]] = [("File", receipt.filename)]
    if receipt.source_name:
        rows.append(("Added as", receipt.source_name))
    rows.append(("Type", f"{TYPE_NAMES.get(receipt.content_type, receipt.content_type)}, {megabytes(receipt.size)}"))
    if receipt.conversion:
        rows.append(("Converted", receipt.conversion))
    try:
        data: bytes | None = read_file(path)
    except (FileRefused, OSError):
        data = None
    if data is not None:
        if receipt.content_type == PDF:
            pages = pdf_info(data, max_pages=0)[1]
            rows.append(("Pages", str(pages) if pages is not None else "cannot be read"))
        else:
            size = _image_size(data, receipt.filename)
            rows.append(("Image", f"{size[0]} × {size[1]} pixels" if size else "cannot be read"))
    else:
        rows.append(("Stored", "the file is missing or cannot be read"))
    rows.append(("Added", f"{receipt.added_at:%Y-%m-%d %H:%M} UTC, {receipt.origin}"))
    read = [
        money_text(receipt.amount, receipt.currency) if receipt.amount is not None else "amount not read",
        receipt.receipt_date.isoformat() if receipt.receipt_date else "date not read",
        receipt.merchant or "merchant not read",
    ]
    rows.append(("Read", ", ".join(read)))
    rows.append(("Match", receipt.match.value + (f": {receipt.match_note}" if receipt.match_note else "")))
    if receipt.transaction_id:
        rows.append(("Attached to", receipt.transaction_id))
    if receipt.candidates:
        rows.append(("Candidates", ", ".join(receipt.candidates)))
    if receipt.rejected:
        rows.append(("Rejected", ", ".join(receipt.rejected)))
    rows.append(("Path", str(path)))
    return rows


def _image_size(data: bytes, name: str) -> tuple[int, int] | None:
    """Width and height from the header (nothing decoded); None if it cannot be read or is over the pixel limit."""
    try:
        with open_image(data, name) as image:
            return image.size
    except FileRefused:
        return None


def viewer_command(path: Path | str, *, platform: str | None = None,
                   environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The command that opens ``path`` in the system's viewer, or None where there is none to see (over SSH,
    or on Linux without a display)."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    remote = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    if platform == "darwin":
        return None if remote else ["open", str(path)]
    if platform.startswith("win"):
        return ["explorer", str(path)]
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return None
    opener = shutil.which("xdg-open")
    return [opener, str(path)] if opener else None
