"""ISO 20022 bank-to-customer statements (camt.053, versions .02 to .13), read with a hardened XML parser.

Per entry (``Ntry``): booked ones only (``Sts`` BOOK, or ``Sts/Cd`` BOOK from .08 on; pending ones are skipped and
counted), the amount with ``CdtDbtInd`` (DBIT is money out), the booking date (``BookgDt/Dt`` or ``/DtTm``), the
counterparty (``Cdtr`` for money out, ``Dbtr`` for money in, ``Nm`` or ``Pty/Nm``) or else ``AddtlNtryInf`` or
``RmtInf/Ustrd`` as the merchant, the instructed amount (``AmtDtls/InstdAmt/Amt``) when it is in another currency,
and ``AcctSvcrRef`` as the id (derived when the bank gives none). Entries in another currency than SEK are skipped.
A reversal (``RvslInd``) takes the other party; a batch entry (several ``TxDtls``) is one transaction per purchase
(``_batch``); an entry without an amount, and a statement that mixes versions, are refused.

The XML is untrusted: defusedxml refuses DTDs, entities and external references (no billion laughs, no file read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from juni_tui.services.importing.lists import FortnoxLists
from juni_tui.services.importing.statement import PENDING, ZERO, Choice, Rows, clip
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
    in file order where a path repeats. One walk per entry, then lookups."""
    found: dict[str, Element] = {}
    todo: list[tuple[str, Element]] = [("", child) for child in reversed(entry)]
    while todo:  # depth first, in file order
        prefix, element = todo.pop()
        path = prefix + _local(element.tag)
        found.setdefault(path, element)
        todo.extend((path + "/", child) for child in reversed(element))
    return found


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(paths: dict[str, Element], path: str) -> str:
    found = paths.get(path)
    return (found.text or "").strip() if found is not None else ""


def _entries(root: Element) -> Iterator[Element]:
    """Every statement's entries (``BkToCstmrStmt/Stmt/Ntry``), in file order."""
    for statements in _children(root, "BkToCstmrStmt"):
        for statement in _children(statements, "Stmt"):
            yield from _children(statement, "Ntry")


def _namespace(element: Element) -> str:
    return element.tag.partition("}")[0].lstrip("{") if "}" in element.tag else ""


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
    ours = _namespace(root)
    for statements in _children(root, "BkToCstmrStmt"):
        for element in [statements, *_children(statements, "Stmt"),
                        *(e for stmt in _children(statements, "Stmt") for e in _children(stmt, "Ntry"))]:
            if _namespace(element) != ours:
                rows.problem(1, f"the statement mixes versions: the Document is {ours} but its {_local(element.tag)} "
                                f"is {_namespace(element)[:80] or 'in no namespace'}; export the statement again")
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


def _party(at: dict[str, Element], tx: str, credit: bool, reversal: bool) -> tuple[str | None, str | None]:
    """The merchant and the remittance text of a transaction's details (under ``tx`` in ``at``): the creditor for
    money out, the debtor for money in, the other way round for a reversal (a card payment reversed is money in
    from its creditor)."""
    party = f"{tx}RltdPties/{'Dbtr' if credit != reversal else 'Cdtr'}"
    ustrd = clip(_text(at, f"{tx}RmtInf/Ustrd"))
    merchant = clip(_text(at, f"{party}/Nm") or _text(at, f"{party}/Pty/Nm")) or (
        clip(_text(at, "AddtlNtryInf")) if tx else None)
    return merchant or ustrd or clip(_text(at, f"{tx}AddtlTxInf")), ustrd


def _entry(rows: Rows, line: int, entry: Element) -> None:
    at = _paths(entry)
    status = _text(at, "Sts/Cd") or _text(at, "Sts")
    credit = _text(at, "CdtDbtInd") == "CRDT"
    reversal = _text(at, "RvslInd").casefold() in ("true", "1")
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")]
    merchant, ustrd = _party(at, "NtryDtls/TxDtls/", credit, reversal)
    merchant = merchant if len(details) <= 1 else clip(_text(at, "AddtlNtryInf")) or merchant
    shown = merchant or "an entry"
    if not status:
        rows.problem(line, f"{shown}: the entry has no status (Sts), so whether it is booked cannot be told")
        return
    if status != "BOOK":
        rows.skip(line, PENDING if status == "PDNG" else f"status {status[:10]}", f"{shown}: {status}")
        return
    if "Amt" not in at:
        rows.problem(line, f"{shown} has no amount (Amt)")
        return
    if not rows.in_sek(line, at["Amt"].get("Ccy", "").upper(), shown, "the amount has no currency (Ccy)"):
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
    reference = clip(_text(at, "AcctSvcrRef") or _text(at, "NtryDtls/TxDtls/Refs/AcctSvcrRef"))
    if len(details) > 1:  # a batch: one transaction per purchase
        if amount is not None and not errors:
            _batch(rows, line, details, abs(amount) if credit else -abs(amount), day, reference, credit, reversal)
        for reason in errors:
            rows.problem(line, reason)
        return
    if merchant is None:
        errors.append("the entry names no counterparty and has no text (Cdtr, Dbtr, AddtlNtryInf, Ustrd)")
    values = _instructed(at, "NtryDtls/TxDtls/", credit, errors)
    values["description"] = ustrd if ustrd != merchant else None
    for reason in errors:
        rows.problem(line, reason)
    if errors or amount is None or day is None or merchant is None:
        return
    amount = abs(amount) if credit else -abs(amount)
    if not amount:
        rows.skip(line, ZERO, f"{merchant}: 0.00, nothing to book")
        return
    rows.add(line, {"date": day, "amount": amount, "merchant": merchant, **values},
             reference[:200] if reference else None)


def _instructed(at: dict[str, Element], tx: str, credit: bool, errors: list[str]) -> dict[str, object]:
    """The original amount and currency, when the purchase was in another currency than SEK."""
    instructed = at.get(f"{tx}AmtDtls/InstdAmt/Amt")
    if instructed is None or instructed.get("Ccy", "SEK").upper() == "SEK":
        return {}
    original = parse_amount(instructed.text or "", ".", errors, "InstdAmt")
    code = instructed.get("Ccy", "").upper()
    if not (len(code) == 3 and code.isalpha()):
        errors.append(f"InstdAmt's currency {code[:10]!r} is not a three-letter currency code")
    elif original is not None:
        return {"original_amount": abs(original) if credit else -abs(original), "original_currency": code}
    return {}


def _batch(rows: Rows, line: int, details: list[Element], total: Decimal, day: date | None, reference: str | None,
           credit: bool, reversal: bool) -> None:
    """An entry that books several purchases at once (several ``TxDtls``): each one with its own amount
    (``AmtDtls/TxAmt/Amt``, or ``Amt`` from .08 on), merchant and id (its ``Refs/AcctSvcrRef``, else the entry's
    with ``-1``, ``-2`` …); refused when they do not give their amounts or do not add up to the entry's."""
    parts: list[tuple[dict[str, Element], Decimal, bool]] = []
    errors: list[str] = []
    for tx in details:
        at = _paths(tx)
        found = at.get("AmtDtls/TxAmt/Amt", at.get("Amt"))
        if found is None:
            rows.problem(line, f"the entry books {len(details)} transactions at once but does not give each one's "
                               "amount (AmtDtls/TxAmt): which purchase cost what cannot be told; ask the bank for "
                               "the statement with transaction details, or book the entry by hand")
            return
        if found.get("Ccy", "").upper() != "SEK":
            errors.append(f"a transaction in the entry is in {found.get('Ccy', '')[:10] or 'no currency'}, not SEK")
            continue
        tx_credit = credit if "CdtDbtInd" not in at else _text(at, "CdtDbtInd") == "CRDT"
        part = parse_amount(found.text or "", ".", errors)
        if part is not None:
            parts.append((at, abs(part) if tx_credit else -abs(part), tx_credit))
    if not errors and sum(part for _, part, _ in parts) != total:
        errors.append(f"the entry's {len(details)} transactions add up to "
                      f"{sum(part for _, part, _ in parts):.2f}, not to the entry's {total:.2f}")
    found_values: list[dict[str, object]] = []
    for n, (at, _part, tx_credit) in enumerate(parts, 1):
        merchant, ustrd = _party(at, "", tx_credit, reversal)
        if merchant is None:
            errors.append(f"transaction {n} of the entry names no counterparty and has no text (Cdtr, Dbtr, Ustrd)")
        found_values.append({**_instructed(at, "", tx_credit, errors), "merchant": merchant,
                             "description": ustrd if ustrd != merchant else None})
    for reason in errors:
        rows.problem(line, reason)
    if errors or day is None:
        return
    for n, ((at, part, _credit), values) in enumerate(zip(parts, found_values, strict=True), 1):
        merchant = str(values["merchant"])
        own = clip(_text(at, "Refs/AcctSvcrRef"))
        tx_id = own or (f"{reference[:190]}-{n}" if reference else None)
        if not part:
            rows.skip(line, ZERO, f"{merchant}: 0.00, nothing to book")
            continue
        rows.add(line, {"date": day, "amount": part, **values}, tx_id[:200] if tx_id else None)
