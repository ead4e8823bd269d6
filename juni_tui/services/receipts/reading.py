"""Reading a receipt: amount, currency, date and merchant, from a PDF's text and from the file's name.

Receipts come in Swedish and English: ``Totalt SEK 1 104,50``, ``Att betala 104:-``, ``Amount paid $21.00``,
``12,00 €``; dates as ``2026-10-05``, ``05.10.2026``, ``5 okt 2026`` or ``Oct 5, 2026``. File names are what
people type: ``2026-10-05_Espresso-House_104.00.pdf``, ``kvitto adobe 1250 SEK.pdf``.

Everything here is pure (no store, no files except the PDF bytes given) and parses money with ``Decimal``.
What cannot be read is left ``None``: a receipt with nothing readable is still kept, and matched by hand.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import PurePath

#: Juni's e-mail match reads only the first three pages (reference peers-and-bookkeeping.md); so do we.
MATCH_PAGES = 3


@dataclass(frozen=True)
class ReceiptFacts:
    """What could be read from a receipt. Every field may be unknown."""

    amount: Decimal | None = None  # positive for a purchase, negative for a credit note
    currency: str | None = None
    date: date | None = None
    merchant: str | None = None


# --- PDF text -------------------------------------------------------------------------------------------------


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """pypdf logs warnings about every slightly odd PDF; a receipt inbox is full of them."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


#: How much text is read from a PDF at most (characters): a page's content can decompress to 75 MB (pypdf's own
#: limit per stream); no receipt has a hundredth of this.
MAX_TEXT_CHARS = 200_000
#: The most pages the preview reads.
MAX_PREVIEW_PAGES = 50


class PdfUnreadable(ValueError):
    """pypdf cannot open a PDF. ``kind``: ``damaged``, ``empty`` (no pages), ``password`` (locked with one) or
    ``encrypted`` (in a way pypdf cannot open without an optional library); ``reason`` says it in a few words."""

    def __init__(self, kind: str, reason: str = "") -> None:
        super().__init__(reason or kind)
        self.kind = kind
        self.reason = reason or kind


def short_reason(exc: BaseException) -> str:
    """A decoder's complaint, short and in plain characters (pypdf and Pillow may quote the file's own bytes)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = "".join(ch if " " <= ch <= "~" else "?" for ch in text)
    return text if len(text) <= 80 else text[:77] + "..."


def read_pdf(data: bytes, max_pages: int | None = MATCH_PAGES, max_chars: int = MAX_TEXT_CHARS) -> tuple[str, int]:
    """The text of the first ``max_pages`` pages (all with ``None``; at most ``max_chars``) and the page count.

    Raises ``PdfUnreadable`` when pypdf cannot open it, it has no pages, or it is locked with a password (one
    that opens with the empty password is read). A page whose text cannot be extracted has no text: a scan is a
    receipt too."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    with _quiet("pypdf"):
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except DependencyError:
                    raise PdfUnreadable("encrypted", "AES encryption") from None
                if not opened:
                    raise PdfUnreadable("password")
            pages = reader.pages
            count = len(pages)
        except PdfUnreadable:
            raise
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files (RecursionError included)
            raise PdfUnreadable("damaged", short_reason(exc)) from None
        if count == 0:
            raise PdfUnreadable("empty", "no pages")
        texts: list[str] = []
        size = 0
        for n in range(min(count, max_pages) if max_pages is not None else count):
            try:
                text = pages[n].extract_text() or ""
            except Exception:  # a page pypdf cannot read has no text
                text = ""
            texts.append(text[: max_chars - size])
            size += len(texts[-1]) + 1
            if size >= max_chars:
                break
        return "\n".join(texts).strip(), count


def pdf_info(data: bytes, max_pages: int | None = MATCH_PAGES) -> tuple[str, int | None]:
    """The text of the first ``max_pages`` pages (all with ``None``, up to ``MAX_PREVIEW_PAGES``) and the page
    count.

    A PDF pypdf cannot read (damaged, encrypted with a password) gives ``("", None)``: for a stored receipt this
    says "cannot be read" rather than failing; files are checked with ``read_pdf`` before they are taken.
    """
    try:
        return read_pdf(data, max_pages if max_pages is not None else MAX_PREVIEW_PAGES)
    except PdfUnreadable:
        return "", None


def pdf_text(data: bytes, max_pages: int | None = MATCH_PAGES) -> str:
    return pdf_info(data, max_pages)[0]


# --- Amounts --------------------------------------------------------------------------------------------------

_CODES = "SEK|USD|EUR|GBP|NOK|DKK|CHF|CAD|AUD|JPY|PLN"
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_SPACE = "[ \u00a0\u202f\u2009]"
# 1 104,50 | 1.104,50 | 1,104.50 | 1104.50 | 1104,50 | 104
_NUMBER = rf"\d{{1,3}}(?:(?:{_SPACE}|[.,'])\d{{3}})+(?:[.,]\d{{2}})?(?!\d)|\d+(?:[.,]\d{{2}})?(?!\d)"
_CURRENCY = rf"\b(?:{_CODES})\b|[$€£]|\bkr\b\.?|\bkronor\b"
_AMOUNT_RE = re.compile(
    rf"(?:(?P<pre>{_CURRENCY}){_SPACE}?)?"
    rf"(?P<sign>[-\u2212]{_SPACE}?)?"
    rf"(?<![\d.,])(?P<num>{_NUMBER})"
    rf"(?:(?P<colon>:-)|{_SPACE}?(?P<post>{_CURRENCY}))?",
    re.IGNORECASE,
)
_PERCENT_RE = re.compile(rf"{_SPACE}?%")


@dataclass(frozen=True)
class _Amount:
    value: Decimal
    currency: str | None
    decimals: bool
    start: int
    end: int

    @property
    def money_like(self) -> bool:
        """Has öre or a currency next to it: a bare integer is more likely a quantity, a year or an id."""
        return self.decimals or self.currency is not None


def _currency_code(token: str | None) -> str | None:
    if not token:
        return None
    token = token.strip().rstrip(".")
    if token in _SYMBOLS:
        return _SYMBOLS[token]
    if token.lower() in ("kr", "kronor"):
        return "SEK"
    return token.upper()


def _number(text: str) -> tuple[Decimal, bool]:
    whole, decimals = text, ""
    if len(text) > 3 and text[-3] in ".," and text[-2:].isdigit():
        whole, decimals = text[:-3], text[-2:]
    digits = re.sub(r"\D", "", whole)
    return Decimal(f"{digits}.{decimals or '00'}"), bool(decimals)


def find_amounts(text: str) -> list[_Amount]:
    """Every number in ``text`` that could be an amount, with the currency written next to it."""
    out: list[_Amount] = []
    for m in _AMOUNT_RE.finditer(text):
        if _PERCENT_RE.match(text, m.end("num")):
            continue
        value, decimals = _number(m.group("num"))
        if m.group("sign"):
            value = -value
        currency = "SEK" if m.group("colon") else _currency_code(m.group("post") or m.group("pre"))
        out.append(_Amount(value, currency, decimals or bool(m.group("colon")), m.start(), m.end()))
    return out


# Keywords of the line that carries the total, best first. "Subtotal", "varav moms" and the like are not totals.
_TOTAL_KEYS = [
    re.compile(r"\b(att betala|belopp att betala|amount due|amount paid|grand total|totalbelopp|total amount)\b", re.I),
    re.compile(r"\b(totalt?|total summa|summa att betala)\b", re.I),
    re.compile(r"\b(summa|betalt|paid|belopp|amount|kortbetalning)\b", re.I),
]
_NOT_TOTAL = re.compile(
    r"\b(sub-?total|delsumma|netto|exkl\.?|excl\.?|varav|rabatt|discount)\b|^\s*(moms|vat|tax)\b", re.I
)
_CREDIT_NOTE = re.compile(r"\b(kreditnota|kreditfaktura|credit note|credit memo)\b", re.I)


def _line_amount(line: str, *, on_total_line: bool) -> _Amount | None:
    hits = [a for a in find_amounts(_mask_dates(line)) if a.value != 0 and (a.money_like or on_total_line)]
    return hits[-1] if hits else None


def _total(lines: list[str]) -> _Amount | None:
    for keys in _TOTAL_KEYS:
        found: _Amount | None = None
        for n, line in enumerate(lines):
            if not keys.search(line) or _NOT_TOTAL.search(line):
                continue
            amount = _line_amount(line, on_total_line=True)
            if amount is None and n + 1 < len(lines):  # the label in one cell, the amount on the next line
                amount = _line_amount(lines[n + 1], on_total_line=False)
            if amount is not None:
                found = amount  # the last total line wins: totals come after the lines they sum
        if found is not None:
            return found
    return None


def amount_in_text(text: str) -> tuple[Decimal | None, str | None]:
    """The receipt's total and its currency.

    The amount on the total line (``Att betala``, ``Totalt``, ``Total``, ``Summa``…); failing that, the largest
    amount with öre or a currency. The currency is the one written at the total, else the one the receipt
    mentions most.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    total = _total(lines)
    if total is None:
        hits = [a for a in find_amounts(_mask_dates(text)) if a.money_like and a.value > 0]
        if not hits:
            return None, None
        total = max(hits, key=lambda a: a.value)
    amount = total.value
    if amount > 0 and _CREDIT_NOTE.search(text):
        amount = -amount
    currency = total.currency
    if currency is None:
        mentioned = Counter(
            _currency_code(m.group(0)) for m in re.finditer(_CURRENCY, text, re.IGNORECASE)
        )
        if mentioned:
            currency = mentioned.most_common(1)[0][0]
    return amount, currency


# --- Dates ----------------------------------------------------------------------------------------------------

_MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "augusti": 8, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"
_DATE_PATTERNS = [
    # 2026-10-05, 2026/10/05, 2026.10.05
    ("ymd", re.compile(rf"(?<!\d)(?P<y>{_YEAR})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?!\d)")),
    # 05.10.2026, 5/10/2026, 05-10-2026 (day first, as in Sweden; month first only when the day cannot be)
    ("dmy", re.compile(rf"(?<![\d.])(?P<d>\d{{1,2}})[./-](?P<m>\d{{1,2}})[./-](?P<y>{_YEAR})(?!\d)")),
    # 5 okt 2026, 5 oktober 2026, 5th Oct 2026, 5 okt. 2026
    ("dMy", re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|e|:e)?\.?\s+(?P<m>{_MONTH})\.?,?\s+(?P<y>{_YEAR})(?!\d)", re.I
    )),
    # Oct 5, 2026, October 5 2026
    ("Mdy", re.compile(rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})(?!\d)", re.I)),
]
_COMPACT_DATE = re.compile(rf"(?<!\d)(?P<y>{_YEAR})(?P<m>\d{{2}})(?P<d>\d{{2}})(?!\d)")
_DATE_LINE = re.compile(r"datum|date|köpt|kvitto|betald|paid|issued|utfärdad|transaktion|transaction|order", re.I)
_NOT_PURCHASE_DATE = re.compile(r"förfallo|due|expir|giltig|valid|period|leverans|delivery|renews|förnyas", re.I)


@dataclass(frozen=True)
class _Date:
    value: date
    start: int
    end: int


def _make_date(kind: str, m: re.Match[str]) -> date | None:
    y = int(m.group("y"))
    month_text = m.group("m")
    month = _MONTHS[month_text.lower()] if not month_text.isdigit() else int(month_text)
    day = int(m.group("d"))
    if kind == "dmy" and month > 12 and day <= 12:  # 10/25/2026: written month first
        day, month = month, day
    try:
        return date(y, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, compact: bool = False) -> list[_Date]:
    """Every date in ``text``, in order. ``compact`` also reads ``20261005`` (file names, not receipt text)."""
    found: list[_Date] = []
    taken: list[tuple[int, int]] = []
    patterns = list(_DATE_PATTERNS) + ([("ymd", _COMPACT_DATE)] if compact else [])
    for kind, pattern in patterns:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            value = _make_date(kind, m)
            if value is not None:
                found.append(_Date(value, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def _mask_dates(text: str, *, compact: bool = False) -> str:
    """``text`` with its dates blanked out, so that ``2026-10-05`` is not read as amounts."""
    for d in find_dates(text, compact=compact):
        text = text[: d.start] + " " * (d.end - d.start) + text[d.end :]
    return text


def date_in_text(text: str) -> date | None:
    """The purchase date: the first date on a line that names it (``Datum``, ``Date paid``…), else the first date
    that is not a due date or a period."""
    fallback: date | None = None
    for line in text.splitlines():
        dates = find_dates(line)
        if not dates or _NOT_PURCHASE_DATE.search(line):
            continue
        if _DATE_LINE.search(line):
            return dates[0].value
        if fallback is None:
            fallback = dates[0].value
    return fallback


# --- Merchant -------------------------------------------------------------------------------------------------

_FROM_RE = re.compile(r"\b(?:receipt|kvitto|invoice|faktura)\s+(?:from|från)\s+(?P<name>[^\n]{2,60})", re.I)
_DOCUMENT_WORD = re.compile(
    r"^\s*(kvitto|receipt|kreditnota|kreditfaktura|credit note|faktura|invoice|orderbekräftelse)\b[\s:#-]*", re.I
)
_NOT_MERCHANT = re.compile(
    r"^\s*(order|datum|date|tel|telefon|phone|org|sida|page|www\.|http|moms|vat|total|summa|kassa|kvittonummer|"
    r"ref|kortbetalning|kort|card|tack|thank)\b|@|^\s*\d",
    re.I,
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean_name(name: str) -> str | None:
    """A merchant's name as read: control characters (a PDF's text may hold escape sequences) become spaces.
    This is data hygiene for matching and storing; the screen still shows it only through the display sanitiser."""
    name = re.sub(r"\s+", " ", _CONTROL.sub(" ", name)).strip(" \t-–:,.|*#")
    return name[:80] if sum(ch.isalpha() for ch in name) >= 2 else None


def merchant_in_text(text: str) -> str | None:
    """``Receipt from X`` where a receipt says so, else the first line near the top that reads like a name."""
    m = _FROM_RE.search(text)
    if m:
        return _clean_name(m.group("name"))
    for line in [ln for ln in text.splitlines() if ln.strip()][:8]:
        line = _DOCUMENT_WORD.sub("", line)  # "Kreditnota Clas Ohlson" names Clas Ohlson
        if not line.strip() or _NOT_MERCHANT.search(line) or find_dates(line):
            continue
        if any(a.money_like for a in find_amounts(line)):
            continue
        name = _clean_name(line)
        if name:
            return name
    return None


# --- File names -----------------------------------------------------------------------------------------------

_NAME_NOISE = frozenset(
    """kvitto kvittot kvitton receipt receipts faktura invoice invoices kreditnota kreditfaktura credit note
    order orderbekräftelse betalning payment
    scan scanned img image dsc photo foto bild skärmbild screenshot pdf jpg jpeg png tif tiff kopia copy
    from från for för the och and of av till to nr no sek kr usd eur gbp nok dkk chf""".split()
)


def facts_from_filename(filename: str) -> ReceiptFacts:
    """What a file's name says: ``2026-10-05_Espresso-House_104.00.pdf`` → 2026-10-05, Espresso House, 104.00.

    A bare integer counts as an amount only with a currency next to it (``1250 SEK``): ``IMG_4021`` is not.
    """
    path = PurePath(filename)
    stem = path.stem if path.suffix[1:].isalpha() else path.name  # "Espresso House 104.00" has no extension
    stem = stem.replace("_", " ")
    dates = find_dates(stem, compact=True)
    day = dates[0].value if dates else None
    masked = _mask_dates(stem, compact=True)
    amounts = [a for a in find_amounts(masked) if a.money_like and a.value != 0]
    amount = amounts[-1] if amounts else None
    if amount is not None:
        masked = masked[: amount.start] + " " + masked[amount.end :]
    words = [
        w
        for w in re.split(r"[\s\-+.,()\[\]]+", masked)
        if w and not any(ch.isdigit() for ch in w) and w.lower() not in _NAME_NOISE and len(w) > 1
    ]
    merchant = _clean_name(" ".join(words)) if words else None
    return ReceiptFacts(
        amount=amount.value if amount else None,
        currency=amount.currency if amount else None,
        date=day,
        merchant=merchant,
    )


def facts_from_text(text: str) -> ReceiptFacts:
    if not text.strip():
        return ReceiptFacts()
    amount, currency = amount_in_text(text)
    return ReceiptFacts(amount=amount, currency=currency, date=date_in_text(text), merchant=merchant_in_text(text))


def read_facts(text: str, filename: str) -> ReceiptFacts:
    """The file name first (someone chose it on purpose), the receipt's text for what the name does not say.

    The currency stays with its amount: a name's amount takes the text's currency only when both give the same
    amount.
    """
    named = facts_from_filename(filename)
    written = facts_from_text(text)
    if named.amount is not None:
        currency = named.currency
        if currency is None and written.amount is not None and abs(written.amount) == abs(named.amount):
            currency = written.currency
        facts = replace(named, currency=currency)
    else:
        facts = replace(named, amount=written.amount, currency=written.currency)
    return replace(facts, date=facts.date or written.date, merchant=facts.merchant or written.merchant)
