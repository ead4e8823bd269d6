"""SIE 4 export: the vouchers of exported (and, if asked, ready) transactions, for other accounting systems.

For companies on another accounting system, and as a backup. The file follows SIE filformat version 4
(reference ``peers-and-bookkeeping.md`` §5): ``#FORMAT PC8`` (code page 437), CRLF line endings, the
identification posts, the accounts and dimension objects used, then one ``#VER`` per transaction with its
``#TRANS`` rows (debit positive, credit negative). Dimension 1 is the cost center and 6 the project.

By default the file holds the exported transactions, written exactly as they were sent to Fortnox (their stored
voucher body), with Fortnox's series and number: what is booked. ``include_ready`` adds the ready ones, built now
(``bookkeeping.build_voucher``) with an empty voucher number, which the importing system assigns: such a file is an
import file, SIE 4I, and must be named ``.si``.

``#FNAMN``, ``#ORGNR``, ``#RAR`` and the account names come from the company's Fortnox data once the home has been
synchronised (``fortnox.reference.sync_reference_data``); what was missing is listed in ``SieExport.missing`` for
the caller to say.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import juni_tui
from juni_tui.domain.money import ORE, ZERO
from juni_tui.domain.reference import FinancialYear
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.fortnox.spec import defuse_formula
from juni_tui.services.store import Store, os_user
from juni_tui.services.store.files import atomic_write

ENCODING = "cp437"  # what "#FORMAT PC8" means
NEWLINE = "\r\n"
COST_CENTER_DIMENSION = 1
PROJECT_DIMENSION = 6
DIMENSION_NAMES = {COST_CENTER_DIMENSION: "Kostnadsställe", PROJECT_DIMENSION: "Projekt"}

#: Names for the accounts juni-tui books itself, for when the company's chart is not in the store yet (BAS).
BAS_NAMES = {
    1930: "Företagskonto/checkkonto/affärskonto",
    2640: "Ingående moms",
    2645: "Beräknad ingående moms på förvärv från utlandet",
    2614: "Utgående moms omvänd betalningsskyldighet, 25 %",
    2615: "Utgående moms import av varor, 25 %",
    2624: "Utgående moms omvänd betalningsskyldighet, 12 %",
    2625: "Utgående moms import av varor, 12 %",
    2634: "Utgående moms omvänd betalningsskyldighet, 6 %",
    2635: "Utgående moms import av varor, 6 %",
    2890: "Övriga kortfristiga skulder",
    4515: "Inköp av varor från annat EU-land, 25 %",
    4516: "Inköp av varor från annat EU-land, 12 %",
    4517: "Inköp av varor från annat EU-land, 6 %",
    4531: "Inköp av tjänster från ett land utanför EU, 25 %",
    4532: "Inköp av tjänster från ett land utanför EU, 12 %",
    4533: "Inköp av tjänster från ett land utanför EU, 6 %",
    4535: "Inköp av tjänster från annat EU-land, 25 %",
    4536: "Inköp av tjänster från annat EU-land, 12 %",
    4537: "Inköp av tjänster från annat EU-land, 6 %",
    4545: "Import av varor, 25 %",
    4546: "Import av varor, 12 %",
    4547: "Import av varor, 6 %",
    4549: "Motkonto beskattningsunderlag import av varor",
    4598: "Justering, omvänd moms",
}
#: The extension of a SIE 4I file (transactions to import, without numbers or balances).
IMPORT_SUFFIX = ".si"

# Characters outside code page 437 that have a plain equivalent.
_CP437_REPLACEMENTS = {
    "–": "-", "—": "-", "’": "'", "‘": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"', "€": "EUR",
    "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "™": "TM", "©": "(c)", "®": "(R)", "×": "x",
    "‰": "o/oo", "¤": "$",
}


#: The characters CP437 has, without the control characters (which would break a SIE line).
_PRINTABLE_CP437 = frozenset(bytes(range(32, 256)).decode(ENCODING)) - {"\x7f"}


class SieError(ValueError):
    """A SIE export that cannot be written, worded for the user."""


# --- the data in a SIE file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SieTrans:
    account: int
    amount: Decimal  # debit positive, credit negative
    text: str = ""
    cost_center: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class SieVoucher:
    series: str
    number: int | None  # None: not numbered yet (a ready transaction); the importing system numbers it
    date: dt.date
    text: str
    regdate: dt.date
    rows: tuple[SieTrans, ...]
    tx_id: str = ""


@dataclass(frozen=True)
class SieHeader:
    company_name: str
    org_number: str | None
    generated: date
    user: str
    years: tuple[FinancialYear, ...] = ()  # the financial years the file covers, any order
    program_version: str = juni_tui.__version__


@dataclass
class SieExport:
    """What an export wrote."""

    path: Path
    vouchers: int = 0
    exported: int = 0
    ready: int = 0
    date_from: date | None = None
    date_to: date | None = None
    #: the company's Fortnox data the file was written without (not synchronised yet), in words
    missing: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        noun = "voucher" if self.vouchers == 1 else "vouchers"
        return (f"Wrote {self.vouchers} {noun} ({self.exported} exported, {self.ready} ready) "
                f"for {self.date_from} to {self.date_to} to {self.path}")


# --- writing --------------------------------------------------------------------------------------------------


def _cp437(text: str) -> str:
    """``text`` with only characters code page 437 has: replace what has a plain equivalent, drop accents
    that CP437 lacks, and turn control characters and anything else into a space or ``?``."""
    if _PRINTABLE_CP437.issuperset(text):  # the common case: plain text that CP437 has as it is
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _PRINTABLE_CP437:
            out.append(ch)
        elif ch < " " or ch == "\x7f":
            out.append(" ")
        elif ch in _CP437_REPLACEMENTS:
            out.append(_CP437_REPLACEMENTS[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(base if base and _PRINTABLE_CP437.issuperset(base) else "?")
    return "".join(out)


def quote(text: str) -> str:
    """A SIE field: in double quotes, with quotes and backslashes escaped by a backslash."""
    cleaned = _cp437(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


def quote_text(text: str) -> str:
    """A SIE free-text field (a name, a voucher or row text): quoted, and never starting like a spreadsheet
    formula (``fortnox_spec.defuse_formula``; CP437 writes its ``’`` as ``'``, a spreadsheet's own text mark).
    Codes (series, cost centers, projects) keep ``quote``: they must stay what they are."""
    return quote(defuse_formula(text))


def _day(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _amount(value: Decimal) -> str:
    return f"{value.quantize(ORE):.2f}"


def _objects(row: SieTrans) -> str:
    parts = []
    if row.cost_center:
        parts.append(f"{COST_CENTER_DIMENSION} {quote(row.cost_center)}")
    if row.project:
        parts.append(f"{PROJECT_DIMENSION} {quote(row.project)}")
    return "{" + " ".join(parts) + "}"


def _years(years: Iterable[FinancialYear]) -> list[str]:
    """``#RAR`` lines: 0 for the latest year, -1 for the one before, and so on (SIE's relative year numbers)."""
    ordered = sorted(years, key=lambda fy: fy.from_date, reverse=True)
    return [f"#RAR {-i} {_day(fy.from_date)} {_day(fy.to_date)}" for i, fy in enumerate(ordered)]


def render(header: SieHeader, vouchers: Sequence[SieVoucher], account_names: Mapping[int, str],
           object_names: Mapping[tuple[int, str], str] | None = None) -> bytes:
    """The SIE 4 file for ``vouchers``, encoded CP437 with CRLF line endings.

    ``account_names`` names the accounts (a missing one falls back to BAS, then to ``Konto NNNN``);
    ``object_names`` names dimension objects by (dimension, code).
    """
    object_names = object_names or {}
    lines = [
        "#FLAGGA 0",
        f"#PROGRAM {quote('juni-tui')} {header.program_version}",
        "#FORMAT PC8",
        f"#GEN {_day(header.generated)} {quote_text(header.user)}",
        "#SIETYP 4",
    ]
    if header.org_number:
        org = header.org_number.strip()
        lines.append(f"#ORGNR {org if org.replace('-', '').isalnum() else quote(org)}")
    lines.append(f"#FNAMN {quote_text(header.company_name)}")
    lines += _years(header.years)

    accounts = sorted({row.account for v in vouchers for row in v.rows})
    for number in accounts:
        name = account_names.get(number) or BAS_NAMES.get(number) or f"Konto {number}"
        lines.append(f"#KONTO {number} {quote_text(name)}")
    for dimension, name in DIMENSION_NAMES.items():
        lines.append(f"#DIM {dimension} {quote_text(name)}")
    used: set[tuple[int, str]] = set()
    for v in vouchers:
        for row in v.rows:
            if row.cost_center:
                used.add((COST_CENTER_DIMENSION, row.cost_center))
            if row.project:
                used.add((PROJECT_DIMENSION, row.project))
    for dimension, code in sorted(used):
        name = object_names.get((dimension, code)) or code
        lines.append(f"#OBJEKT {dimension} {quote(code)} {quote_text(name)}")

    for v in vouchers:
        shown_number = str(v.number) if v.number is not None else '""'
        lines.append("")
        lines.append(f"#VER {quote(v.series)} {shown_number} {_day(v.date)} {quote_text(v.text)} {_day(v.regdate)}")
        lines.append("{")
        for row in v.rows:
            lines.append(f"   #TRANS {row.account} {_objects(row)} {_amount(row.amount)} {_day(v.date)} "
                         f"{quote_text(row.text)}")
        lines.append("}")
    return (NEWLINE.join(lines) + NEWLINE).encode(ENCODING)


# --- from transactions ----------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if value in (None, ""):
        return ZERO
    return Decimal(str(value)).quantize(ORE)


def voucher_from_body(body: Mapping[str, Any], *, number: int | None, regdate: date, tx_id: str = "") -> SieVoucher:
    """A SIE voucher from a Fortnox ``{"Voucher": ...}`` body: the rows exactly as they were (or would be) sent."""
    voucher = body["Voucher"]
    rows = []
    for row in voucher["VoucherRows"]:
        text = " - ".join(str(row[k]) for k in ("Description", "TransactionInformation") if row.get(k))
        rows.append(SieTrans(
            account=int(row["Account"]),
            amount=_decimal(row.get("Debit")) - _decimal(row.get("Credit")),
            text=text,
            cost_center=row.get("CostCenter") or None,
            project=row.get("Project") or None,
        ))
    return SieVoucher(
        series=str(voucher["VoucherSeries"]),
        number=number,
        date=date.fromisoformat(str(voucher["TransactionDate"])),
        text=str(voucher.get("Description") or ""),
        regdate=regdate,
        rows=tuple(rows),
        tx_id=tx_id,
    )


def _local_date(moment: datetime | None, fallback: date) -> date:
    return moment.astimezone().date() if moment is not None else fallback


def exported_voucher(tx: Transaction, store: Store, today: date) -> SieVoucher:
    """An exported transaction's voucher as it was sent, with Fortnox's series and number."""
    assert tx.export is not None
    body = tx.export.voucher_body
    if body is None:  # exported before bodies were kept: rebuild it (the rows depend only on the transaction)
        body = bookkeeping.build_voucher(tx, store.settings, tx.export.series).to_fortnox()
    moment = tx.export.exported_at or tx.export.voucher_intent_at
    return voucher_from_body(body, number=tx.export.voucher_number, regdate=_local_date(moment, today), tx_id=tx.id)


def _exported_in(store: Store, date_from: date, date_to: date) -> Iterator[Transaction]:
    # The history index holds every exported transaction's date: only the archive months in range are read.
    for entry in store.history_index.values():
        if date_from <= entry.date <= date_to:
            tx = store.history.get(entry.id)
            if tx is not None:
                yield tx


def collect(store: Store, date_from: date, date_to: date, series: str | None = None,
            today: date | None = None, *, include_ready: bool = True) -> tuple[list[SieVoucher], list[str]]:
    """The vouchers of exported (and ready) transactions dated ``date_from``..``date_to``, in date order; and the
    ready transactions that cannot be booked, each with the reason."""
    today = today or date.today()
    series = series or store.settings.series_for_preview()
    vouchers: list[tuple[tuple, SieVoucher]] = []
    for tx in _exported_in(store, date_from, date_to):
        v = exported_voucher(tx, store, today)
        vouchers.append(((v.date, 0, v.series, v.number or 0, tx.id), v))
    problems: list[str] = []
    for tx_id in store.ids(Status.READY) if include_ready else ():
        tx = store.transactions[tx_id]
        if not date_from <= tx.date <= date_to:
            continue
        try:
            body = bookkeeping.build_voucher(tx, store.settings, series).to_fortnox()
        except bookkeeping.BookkeepingError as exc:
            problems.append(str(exc))
            continue
        v = voucher_from_body(body, number=None, regdate=today, tx_id=tx.id)
        vouchers.append(((v.date, 1, v.series, 0, tx.id), v))
    vouchers.sort(key=lambda item: item[0])
    return [v for _, v in vouchers], problems


def header_for(store: Store, date_from: date, date_to: date, *, user: str | None = None,
               today: date | None = None) -> SieHeader:
    settings = store.settings
    years = tuple(fy for fy in store.financial_years.values() if fy.from_date <= date_to and fy.to_date >= date_from)
    return SieHeader(
        company_name=settings.company_name or "Okänt företag",
        org_number=settings.org_number,
        generated=today or date.today(),
        user=user or os_user(),
        years=years,
    )


def missing_company_data(store: Store, years: Sequence[FinancialYear]) -> tuple[str, ...]:
    """What of the company's Fortnox data a SIE file would be written without, in words."""
    settings = store.settings
    missing = []
    if not settings.company_name:
        missing.append("the company name (#FNAMN)")
    if not settings.org_number:
        missing.append("the organisation number (#ORGNR)")
    if not years:
        missing.append("the financial year (#RAR)")
    if len(store.accounts) == 0:
        missing.append("the account names of the company's chart (BAS names were used)")
    return tuple(missing)


def export_sie(store: Store, date_from: date, date_to: date, path: Path, *, series: str | None = None,
               user: str | None = None, today: date | None = None, include_ready: bool = False) -> SieExport:
    """Write a SIE 4 file of the exported transactions dated ``date_from``..``date_to`` to ``path``; with
    ``include_ready`` also the ready ones, unnumbered, as a SIE 4I file (``.si``).

    The file is replaced atomically. A range with nothing in it still gives a valid file (with no vouchers).
    A ready transaction that cannot be booked stops the export with its reason: nothing is written.
    """
    if include_ready and Path(path).suffix.casefold() != IMPORT_SUFFIX:
        raise SieError(f"a file with ready, unnumbered vouchers is a SIE 4I import file: name it "
                       f"{Path(path).with_suffix(IMPORT_SUFFIX).name} (.si), not {Path(path).name}")
    if date_from > date_to:
        raise SieError(f"the range starts ({date_from}) after it ends ({date_to})")
    path = Path(path)
    if not path.parent.is_dir():
        raise SieError(f"{path.parent} is not a folder: cannot write {path.name} there")
    if path.is_dir():
        raise SieError(f"{path} is a folder; give a file name")
    vouchers, problems = collect(store, date_from, date_to, series, today, include_ready=include_ready)
    if problems:
        raise SieError("nothing written; these ready transactions cannot be booked: " + " ".join(problems))
    names = {a.number: a.description for a in store.accounts.values()}
    objects: dict[tuple[int, str], str] = {}
    objects.update({(COST_CENTER_DIMENSION, c.code): c.description for c in store.cost_centers.values()})
    objects.update({(PROJECT_DIMENSION, p.number): p.description for p in store.projects.values()})
    header = header_for(store, date_from, date_to, user=user, today=today)
    data = render(header, vouchers, names, objects)
    atomic_write(path, data)
    exported = sum(1 for v in vouchers if v.number is not None)
    return SieExport(path=path, vouchers=len(vouchers), exported=exported, ready=len(vouchers) - exported,
                     date_from=date_from, date_to=date_to, missing=missing_company_data(store, header.years))
