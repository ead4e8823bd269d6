"""ISO 20022 bank-to-customer statements (camt.053, versions .02 to .13), read with a hardened XML parser.

Per entry (``Ntry``): booked ones only (``Sts`` BOOK, or ``Sts/Cd`` BOOK from .08 on; pending ones are skipped and
counted), the amount with ``CdtDbtInd`` (DBIT is money out), the booking date (``BookgDt/Dt`` or ``/DtTm``), the
counterparty (``Cdtr`` for money out, ``Dbtr`` for money in, ``Nm`` or ``Pty/Nm``) or else ``AddtlNtryInf`` or
``RmtInf/Ustrd`` as the merchant, the instructed amount (``AmtDtls/InstdAmt/Amt``) when it is in another currency,
and ``AcctSvcrRef`` as the id (derived when the bank gives none). Entries in another currency than SEK are skipped.

The XML is untrusted: defusedxml refuses DTDs, entities and external references (no billion laughs, no file read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from juni_tui.services.importing.lists import FortnoxLists
from juni_tui.services.importing.statement import OTHER_CURRENCY, PENDING, ZERO, Choice, Rows, clip
from juni_tui.services.importing.text import TextFile
from juni_tui.services.importing.values import parse_amount, parse_day

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Ntry[\s>]")
VERSIONS = range(2, 14)


def looks_like(raw: bytes) -> bool:
    head = raw[:4096]
    return b"camt.053" in head or (b"<Document" in head and b"BkToCstmrStmt" in raw[:65536])


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(element: Element | None, path: str) -> Element | None:
    """The first element down ``path`` (``A/B/C``, local names, any namespace)."""
    for step in path.split("/"):
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == step), None)
    return element


def _paths(entry: Element) -> dict[str, Element]:
    """Every element under an entry by its path of local names (``NtryDtls/TxDtls/RmtInf/Ustrd``); the first one
    where a path repeats. One walk per entry, then lookups."""
    found: dict[str, Element] = {}
    todo: list[tuple[str, Element]] = [("", entry)]
    while todo:
        prefix, element = todo.pop()
        for child in reversed(element):
            path = prefix + child.tag.rpartition("}")[2]
            found[path] = child  # reversed: the first of repeated ones is put last, and kept
            todo.append((path + "/", child))
    return found


def _text(paths: dict[str, Element], path: str) -> str:
    found = paths.get(path)
    return (found.text or "").strip() if found is not None else ""


def _entries(root: Element) -> Iterator[Element]:
    """Every statement's entries (``BkToCstmrStmt/Stmt/Ntry``), in file order."""
    ns = root.tag.rpartition("}")[0] + "}" if "}" in root.tag else ""
    return root.iterfind(f"{ns}BkToCstmrStmt/{ns}Stmt/{ns}Ntry")


def parse(path: Path, raw: bytes, rows: Rows) -> Element | None:
    """The document's root, or None with the problem said (not XML, a DTD, not a camt.053 of a known version)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(raw, forbid_dtd=True)
    except ParseError as exc:
        rows.problem(exc.position[0], f"the file is not well-formed XML ({exc})")
        return None
    except DefusedXmlException:
        rows.problem(0, "the file declares a DTD or entities, which a bank statement never needs; juni-tui does "
                        "not read such XML")
        return None
    match = _NAMESPACE.search(root.tag)
    if _local(root.tag) != "Document" or _find(root, "BkToCstmrStmt") is None:
        rows.problem(1, "the file is XML but not an ISO 20022 camt.053 statement (no Document/BkToCstmrStmt)")
        return None
    if match is None or int(match[1]) not in VERSIONS:
        rows.problem(1, f"the statement's version ({root.tag.partition('}')[0].lstrip('{') or 'none'}) is not one "
                        "juni-tui reads: camt.053.001.02 to .13")
        return None
    return root


class Camt053:
    name = "camt053"

    def recognises(self, file: TextFile) -> bool:
        return looks_like(file.data) or file.path.suffix.casefold() == ".xml"

    def read(self, file: TextFile, rows: Rows, choice: Choice, lists: FortnoxLists) -> None:
        read(file.path, file.data, rows)


FORMAT = Camt053()


def read(path: Path, raw: bytes, rows: Rows) -> None:
    """Every entry of every statement in the file into ``rows``."""
    root = parse(path, raw, rows)
    if root is None:
        return
    starts = (m.start() for m in _ENTRY_TAG.finditer(raw))
    line, counted = 1, 0
    for entry in _entries(root):
        pos = next(starts, counted)
        line += raw.count(b"\n", counted, pos)
        counted = pos
        if rows.full:
            break
        _entry(rows, line, entry)


def _entry(rows: Rows, line: int, entry: Element) -> None:
    at = _paths(entry)
    status = _text(at, "Sts/Cd") or _text(at, "Sts")
    tx = "NtryDtls/TxDtls/"
    credit = _text(at, "CdtDbtInd") == "CRDT"
    party = f"{tx}RltdPties/{'Dbtr' if credit else 'Cdtr'}"
    ustrd = clip(_text(at, f"{tx}RmtInf/Ustrd"))
    merchant = clip(_text(at, f"{party}/Nm") or _text(at, f"{party}/Pty/Nm") or _text(at, "AddtlNtryInf")) or ustrd \
        or clip(_text(at, f"{tx}AddtlTxInf"))
    shown = merchant or "an entry"
    if status != "BOOK":
        rows.skip(line, PENDING if status in ("PDNG", "") else f"status {status[:10]}", f"{shown}: {status or '?'}")
        return
    currency = at["Amt"].get("Ccy", "").upper() if "Amt" in at else ""
    if currency != "SEK":
        rows.skip(line, OTHER_CURRENCY, f"{shown} in {currency[:10] or 'no currency'}, not SEK")
        return
    errors: list[str] = []
    indicator = _text(at, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        errors.append(f"CdtDbtInd {indicator[:10]!r} is neither CRDT nor DBIT")
    amount = parse_amount(_text(at, "Amt"), ".", errors)
    day_text = _text(at, "BookgDt/Dt") or _text(at, "BookgDt/DtTm")
    day = parse_day(day_text, None, errors, "BookgDt") if day_text else None
    if not day_text:
        errors.append("the entry has no booking date (BookgDt)")
    if merchant is None:
        errors.append("the entry names no counterparty and has no text (Cdtr, Dbtr, AddtlNtryInf, Ustrd)")
    values: dict[str, object] = {"description": ustrd if ustrd != merchant else None}
    instructed = at.get(f"{tx}AmtDtls/InstdAmt/Amt")
    if instructed is not None and instructed.get("Ccy", "SEK").upper() != "SEK":
        original = parse_amount(instructed.text or "", ".", errors, "InstdAmt")
        code = instructed.get("Ccy", "").upper()
        if not (len(code) == 3 and code.isalpha()):
            errors.append(f"InstdAmt's currency {code[:10]!r} is not a three-letter currency code")
        elif original is not None:
            values.update(original_amount=abs(original) if credit else -abs(original), original_currency=code)
    for reason in errors:
        rows.problem(line, reason)
    if errors or amount is None or day is None or merchant is None:
        return
    amount = abs(amount) if credit else -abs(amount)
    if not amount:
        rows.skip(line, ZERO, f"{merchant}: 0.00, nothing to book")
        return
    reference = clip(_text(at, "AcctSvcrRef") or _text(at, f"{tx}Refs/AcctSvcrRef"))
    rows.add(line, {"date": day, "amount": amount, "merchant": merchant, **values},
             reference[:200] if reference else None)
