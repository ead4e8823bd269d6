"""Receipts: a file kept in the home, and how it was matched to a transaction."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.domain.clock import utcnow
from juni_tui.domain.money import Money

# --- Receipts -------------------------------------------------------------------------------------------------


class MatchState(StrEnum):
    UNMATCHED = "unmatched"
    SUGGESTED = "suggested"
    AUTO = "auto"  # one clear candidate: attached automatically
    CONFIRMED = "confirmed"  # a suggestion the user confirmed
    MANUAL = "manual"  # attached by hand


class Receipt(BaseModel):
    """A receipt file, stored once in the home by content hash (``services.receipts`` writes these)."""

    model_config = ConfigDict(frozen=True)

    id: str  # sha256 of the stored bytes
    filename: str  # the name it was added under, with the extension of what is stored (photo.png → photo.jpg)
    content_type: str  # application/pdf, image/jpeg or image/tiff: what Fortnox accepts
    size: int
    path: str  # relative to the home folder
    added_at: datetime = Field(default_factory=utcnow)
    origin: Literal["inbox", "manual", "demo", "import"] = "manual"
    source_hashes: tuple[str, ...] = ()  # hashes of the files that produced it (e.g. a PNG before conversion)
    source_name: str | None = None  # the name exactly as dropped, when it differs from ``filename``
    converted_from: str | None = None
    conversion: str = ""  # what was done to the file, in words ("PNG converted to JPEG; reduced from …")
    text: str = ""  # the start of a PDF's text, as read for matching
    amount: Money | None = None  # as read from the receipt: positive for a purchase, negative for a credit note
    currency: str | None = None
    receipt_date: date | None = None
    merchant: str | None = None
    transaction_id: str | None = None
    match: MatchState = MatchState.UNMATCHED
    candidates: tuple[str, ...] = ()  # suggested transactions, best first
    rejected: tuple[str, ...] = ()  # transactions the user said this is not the receipt of: never suggested again
    match_note: str = ""  # why it is in its tier, in words

    @property
    def attached(self) -> bool:
        return self.transaction_id is not None
