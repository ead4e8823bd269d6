"""Revolut Business's CSV export: its card payments and refunds, and its fees as bank fees.

Columns are found by name, so extra or reordered ones do no harm: ``Date started (UTC)``, ``Date completed (UTC)``,
``ID``, ``Type``, ``Description``, ``Reference``, ``Payer``, ``Card number``, ``Orig currency``, ``Orig amount``,
``Payment currency``, ``Amount``, ``Fee``, ``Balance``, ``Account`` (and newer ones such as ``State``).

- ``CARD_PAYMENT`` and ``CARD_REFUND`` become transactions (the merchant is ``Description``, the date the completed
  one, the cardholder ``Payer``), with the original amount when the purchase was in another currency.
- ``FEE`` rows, and the ``Fee`` of any row taken, become bank fees: a transaction on account 6570 (Bankkostnader),
  VAT exempt, id ``<ID>-fee`` for a card row's fee.
- Transfers, top-ups, exchanges, cash withdrawals and the like are skipped and counted; so are rows not completed
  (pending, declined, reverted) and rows whose payment currency is not SEK (an account in another currency).
"""

from __future__ import annotations

from decimal import Decimal

from juni_tui.domain.vat import VatCode
from juni_tui.services.importing.lists import FortnoxLists
from juni_tui.services.importing.mapping import header_key
from juni_tui.services.importing.statement import NOT_CARD, PENDING, ZERO, Choice, Rows, clip
from juni_tui.services.importing.text import RowsError, TextFile, csv_rows, find_header, repeated
from juni_tui.services.importing.values import parse_amount, parse_day

NEEDED = ("id", "type", "description", "payment currency", "amount")
DATES = ("date completed (utc)", "date started (utc)")
#: The header columns that say a CSV is Revolut's.
SIGNS = {"date started (utc)", "payment currency", "orig currency", "type", "id"}
#: Every column read (one of them twice in a header is refused, not guessed).
USED = {*NEEDED, *DATES, "state", "reference", "payer", "card number", "orig currency", "orig amount", "fee"}
TAKEN = {"CARD_PAYMENT", "CARD_REFUND", "FEE"}
BANK_FEE_ACCOUNT = 6570


def looks_like(header: list[str]) -> bool:
    return SIGNS <= {header_key(cell) for cell in header}


class Revolut:
    name = "revolut"

    def recognises(self, file: TextFile) -> bool:
        return looks_like(file.header)

    def read(self, file: TextFile, rows: Rows, choice: Choice, lists: FortnoxLists) -> None:
        read(rows, file.text, file.delimiter, lists)


FORMAT = Revolut()


def read(rows: Rows, text: str, delimiter: str, lists: FortnoxLists) -> None:
    """Every row of a Revolut Business CSV into ``rows``."""
    source = csv_rows(text, delimiter)
    try:
        found = find_header(source, looks_like)
        if found is None:
            rows.problem(1, "no header row with Revolut's columns (Date started (UTC), ID, Type, Payment currency …)")
            return
        header_line, header = found
        twice = repeated(header, USED, header_key)
        if twice is not None:
            rows.problem(header_line, twice)
            return
        index = {header_key(cell): i for i, cell in enumerate(header)}
        missing = [name for name in NEEDED if name not in index]
        if missing or not any(d in index for d in DATES):
            rows.problem(header_line, f"missing Revolut column{'s' * (len(missing) > 1)}: "
                                      f"{', '.join(missing) or 'Date completed (UTC)'}")
            return
        fee_account = BANK_FEE_ACCOUNT if lists.fits("account", BANK_FEE_ACCOUNT, []) else None
        for line, row in source:
            if rows.full:
                break
            if len(row) != len(header):
                rows.problem(line, f"has {len(row)} fields, but the header (line {header_line}) has {len(header)}")
                continue
            cells = {name: row[i].strip() for name, i in index.items()}
            _row(rows, line, cells, fee_account)
    except RowsError as exc:
        rows.problem(exc.line, exc.reason)


def _row(rows: Rows, line: int, cells: dict[str, str], fee_account: int | None) -> None:
    kind = cells["type"].upper()
    name = clip(cells["description"]) or kind.lower() or "a row"
    state = cells.get("state", "").upper()
    completed = cells.get("date completed (utc)", "")
    if kind not in TAKEN:
        rows.skip(line, NOT_CARD, f"{name}: {kind or 'no type'}")
        return
    if state == "COMPLETED" and "date completed (utc)" in cells and not completed:
        rows.problem(line, f"{name} is COMPLETED but its Date completed (UTC) is missing")
        return
    if (state and state != "COMPLETED") or ("date completed (utc)" in cells and not completed):
        reason = PENDING if state in ("", "PENDING") else f"not completed ({state.lower()[:20]})"
        rows.skip(line, reason, f"{name}: {state.lower() or 'not completed'}")
        return
    if not rows.in_sek(line, cells["payment currency"].upper(), name, "Payment currency is missing"):
        return
    errors: list[str] = []
    day = parse_day(completed or cells.get("date started (utc)", ""), None, errors)
    if not cells["description"] and kind != "FEE":
        errors.append("Description (the merchant) is missing")
    if not cells["amount"] and kind != "FEE":  # (a fee row may give its fee in Fee alone)
        errors.append("Amount is missing")
    amount = parse_amount(cells["amount"], ".", errors) if cells["amount"] else Decimal(0)
    fee = parse_amount(cells["fee"], ".", errors, "fee") if cells.get("fee") else None
    values: dict[str, object] = {"card": clip(cells.get("card number")), "cardholder": clip(cells.get("payer")),
                                 "description": clip(cells.get("reference"))}
    orig_currency = cells.get("orig currency", "").upper()
    if kind != "FEE" and orig_currency and orig_currency != "SEK" and cells.get("orig amount"):
        original = parse_amount(cells["orig amount"], ".", errors, "Orig amount")
        if not (len(orig_currency) == 3 and orig_currency.isalpha()):
            errors.append(f"Orig currency {orig_currency[:20]!r} is not a three-letter currency code")
        elif original is not None and amount is not None:
            values.update(original_amount=abs(original) * (-1 if amount < 0 else 1), original_currency=orig_currency)
    tx_id = clip(cells["id"])
    if not tx_id:
        errors.append("ID is missing")
    for reason in errors:
        rows.problem(line, reason)
    if errors or day is None or amount is None or tx_id is None:
        return
    fee_values = {"account": fee_account, "vat_code": VatCode.NONE, "category": "Bank fee", "card": values["card"],
                  "cardholder": values["cardholder"]}
    if kind == "FEE":  # the fee is the row's amount (or, when that is 0, its Fee)
        total: Decimal = -abs(amount) if amount else -abs(fee if fee is not None else Decimal(0))
        if not total:
            rows.skip(line, ZERO, f"{name}: 0.00, nothing to book")
            return
        rows.add(line, {"date": day, "amount": total, "merchant": name, "description": f"Revolut fee: {name}",
                        **fee_values}, tx_id)
        return
    if amount == 0:
        rows.skip(line, ZERO, f"{name}: 0.00, nothing to book")
    else:
        rows.add(line, {"date": day, "amount": amount, "merchant": name, **values}, tx_id)
    if fee:
        rows.add(line, {"date": day, "amount": -abs(fee), "merchant": "Revolut",
                        "description": f"Revolut fee for {name}", **fee_values}, f"{tx_id}-fee")
