"""Plausibility checks on every transaction: what makes no sense to a Swedish accountant, as warnings.

Each warning has a code (stable, for ``list --json`` and the acknowledgements) and a sentence that says what is
odd and what to do. Warnings never block: the user may acknowledge one with a reason, which the transaction keeps
(``Transaction.acknowledged``) and the audit log records. The checks:

``swedish_vat_abroad``    a Swedish VAT code (25/12/6) on a merchant outside Sweden: VAT paid abroad is not
                          deductible in the Swedish VAT return
``reverse_charge_in_sweden``  a reverse-charge or import code on a Swedish merchant, who charges Swedish VAT
``balance_sheet_account``  a purchase booked on a balance-sheet account (1xxx–2xxx) other than those the company
                          allows (Settings: 1610/1680 private purchases, 1910 cash withdrawals)
``vat_on_private_or_cash``  a VAT code other than 0 on a private purchase (16xx, e.g. 1610/1680) or cash (19xx):
                          the company deducts no VAT on what it does not buy for itself
``vat_on_bank_fee``       a VAT code other than 0 on a bank cost (657x): bank and card fees are exempt from VAT
``twelve_percent_account``  12 % on an account that is neither food, hotel nor restaurant (Settings)
``food_rate``             12 % on what looks like a grocery purchase while food is at 6 % (2026-04-01–2027-12-31),
                          or 6 % on one while food is at 12 % (a rule learned in 2027 carried into 2028)
``meal_on_deductible_representation``  a meal on 6071/7631: meals are not deductible for income tax since 2017
``likely_duplicate``      another transaction with the same card, merchant, amount and day
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.domain.vat import FOOD_RATE_PERIODS, VatCode, food_vat_code
from juni_tui.services.store import Store
from juni_tui.services.workflow.base import WorkflowError, load, touch

#: The deductible representation accounts and where a meal belongs instead.
MEAL_ACCOUNTS = {6071: 6072, 7631: 7632}
_GROCERY = re.compile(
    r"\b(?:ica|coop|hemköp|hemkop|willys|lidl|city ?gross|netto|mathem|matsmart|tempo|handlar'?n|"
    r"livs(?:medel)?|mataffär|matbutik|supermarket|grocer(?:y|ies)|food ?store|pressbyrån|7-eleven)\b",
    re.IGNORECASE)
#: Shops that also sell newspapers and tickets (6 % at any date).
_SIX_PERCENT_SHOP = re.compile(r"\b(?:pressbyrån|pressbyran|7-eleven)\b", re.IGNORECASE)
#: What names a meal (not simple refreshments: a café's fika stays on 6071).
_MEAL = re.compile(
    r"\b(?:restaurang|restaurant|krog|bistro|brasserie|trattoria|pizzeria|sushi|lunch|middag|dinner|"
    r"frukost|breakfast|bar|pub|steakhouse|hamburgerrestauranger?)\b", re.IGNORECASE)
#: Receivables (16xx: a private purchase the cardholder owes, 1610/1680) and cash and bank (19xx): no VAT to deduct.
_NO_VAT_ACCOUNTS = frozenset(range(1600, 1700)) | frozenset(range(1900, 2000))
#: Bank costs in the BAS chart: bank and card fees are financial services, exempt from VAT (ML 2023:200).
_BANK_COST_ACCOUNTS = frozenset(range(6570, 6580))
#: Simple refreshments cost about 60 kr per person (Skatteverket); above this per participant it is a meal.
REFRESHMENTS_PER_PARTICIPANT = Decimal("150")
_SIX_PERCENT_FROM = next(start for start, _end, code in FOOD_RATE_PERIODS if code == VatCode.VAT6 and start)


@dataclass(frozen=True, slots=True)
class Finding:
    """One warning: its code, the sentence, and the reason it was acknowledged with (None: still open)."""

    code: str
    message: str
    acknowledged: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.acknowledged is not None:
            out["acknowledged"] = self.acknowledged
        return out


def _texts(tx: Transaction) -> str:
    return " ".join(t for t in (tx.merchant, tx.category, tx.description) if t)


def _country_checks(tx: Transaction, codes: set[VatCode]) -> Iterable[tuple[str, str]]:
    country = tx.merchant_country
    abroad = country is not None and country != "SE"
    if any(code.is_swedish for code in codes) and (abroad or (country is None and tx.is_foreign)):
        where = f"in {country}" if country else f"paid in {tx.original_currency}"
        yield ("swedish_vat_abroad",
               f"{tx.merchant} is {where}, but the VAT code is Swedish VAT. VAT charged abroad is not deductible "
               "in the Swedish VAT return: use 0 (the whole amount is cost), or a reverse-charge code if the "
               "seller charged no VAT. If the receipt shows Swedish VAT and a Swedish VAT number (a foreign "
               "company registered in Sweden, such as a taxi ride in Stockholm), keep the code and acknowledge "
               "this.")
    if country == "SE" and any(code.is_computed for code in codes):
        yield ("reverse_charge_in_sweden",
               f"{tx.merchant} is a Swedish merchant, but the VAT code is reverse charge or import. A Swedish "
               "seller charges Swedish VAT: use 25, 12 or 6 as on the receipt.")


def _account_checks(tx: Transaction, settings: Settings) -> Iterable[tuple[str, str]]:
    lines = tx.lines()
    for line in lines:
        if (line.account is not None and 1000 <= line.account <= 2999 and tx.amount < 0
                and line.account not in settings.allowed_balance_accounts):
            yield ("balance_sheet_account",
                   f"The purchase is booked on balance-sheet account {line.account}, not on a cost account. Choose "
                   "a cost account (4xxx–7xxx), or allow the account in Settings if it is meant (such as 1610 for "
                   "a private purchase).")
            break
    for line in lines:
        if line.account in _NO_VAT_ACCOUNTS and line.vat_code not in (None, VatCode.NONE):
            yield ("vat_on_private_or_cash",
                   f"Account {line.account} is a private purchase or cash, and the VAT code is {line.vat_code} "
                   f"({line.vat_code.label}): the company deducts no VAT on it. Use 0 (the whole amount on "
                   f"{line.account}).")
            break
    for line in lines:
        if line.account in _BANK_COST_ACCOUNTS and line.vat_code not in (None, VatCode.NONE):
            yield ("vat_on_bank_fee",
                   f"Account {line.account} is a bank cost, and bank and card fees carry no VAT (they are exempt), "
                   f"but the VAT code is {line.vat_code}. Use 0, unless the receipt shows VAT.")
            break
    twelve = [line for line in lines if line.vat_code == VatCode.VAT12]
    for line in twelve:
        if line.account is not None and line.account not in settings.twelve_percent_accounts:
            yield ("twelve_percent_account",
                   f"12 % VAT is for food, hotels and restaurants, and account {line.account} is none of them. "
                   "Check the VAT code against the receipt (25 % for most goods and services, 6 % for books and "
                   "travel).")
            break
    texts = _texts(tx)
    if twelve and food_vat_code(tx.date) == VatCode.VAT6 and _GROCERY.search(texts) and not _MEAL.search(texts):
        yield ("food_rate",
               f"This looks like a grocery purchase, and food is taxed at 6 % from {_SIX_PERCENT_FROM.isoformat()} "
               "to 2027-12-31. Use 6 unless it was a restaurant or catering meal (12 %); alcohol stays at 25 %.")
    # The amount per participant counts only the lines on 6071/7631: supplies on the same receipt are no meal.
    on_deductible = sum((abs(line.amount) for line in lines if line.account in MEAL_ACCOUNTS), Decimal("0"))
    # A split with a 12 % line beside the 6 % one already tells food from newspapers.
    six = not twelve and any(line.vat_code == VatCode.VAT6 for line in lines)
    food_rate = food_vat_code(tx.date)
    if (six and food_rate == VatCode.VAT12 and _GROCERY.search(texts) and not _SIX_PERCENT_SHOP.search(texts)
            and not _MEAL.search(texts)):
        yield ("food_rate",
               f"This looks like a grocery purchase, and on {tx.date.isoformat()} food is taxed at 12 % (6 % only "
               f"from {_SIX_PERCENT_FROM.isoformat()} to 2027-12-31). Use 12 for the food; 6 % is for books, "
               "newspapers and travel.")
    meal = bool(_MEAL.search(texts)) or (
        tx.participants is not None and on_deductible / tx.participants > REFRESHMENTS_PER_PARTICIPANT)
    for line in lines:
        better = MEAL_ACCOUNTS.get(line.account or 0)
        if better is not None and meal:
            yield ("meal_on_deductible_representation",
                   f"A meal on {line.account}: meals are not deductible for income tax since 2017. Book it on "
                   f"{better}; {line.account} is for simple refreshments (fika).")
            break


def findings(tx: Transaction, settings: Settings, duplicates: Mapping[str, tuple[str, ...]] | None = None
             ) -> list[Finding]:
    """Every warning for ``tx``, acknowledged or not. ``duplicates``: ``duplicate_index``'s answer, if known."""
    codes = {line.vat_code for line in tx.lines() if line.vat_code is not None}
    found = [*_country_checks(tx, codes), *_account_checks(tx, settings)]
    others = [other for other in (duplicates or {}).get(tx.id, ()) if other != tx.id]
    if others:
        found.append(("likely_duplicate",
                      f"{', '.join(others)} has the same card, merchant, amount and day: a double charge or a file "
                      "imported twice? Check the card statement; if both purchases are real, acknowledge this."))
    return [Finding(code, message, tx.acknowledged.get(code)) for code, message in found]


def open_findings(tx: Transaction, settings: Settings, duplicates: Mapping[str, tuple[str, ...]] | None = None
                  ) -> list[Finding]:
    """The warnings not acknowledged yet."""
    return [f for f in findings(tx, settings, duplicates) if f.acknowledged is None]


def duplicate_index(store: Store) -> dict[str, tuple[str, ...]]:
    """Transaction id → the ids of the transactions not yet exported that share its card, merchant, amount and
    day (one pass over the stored documents)."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for tx_id, key in store.purchase_keys():
        groups.setdefault(key, []).append(tx_id)
    return {tx_id: tuple(ids) for ids in groups.values() if len(ids) > 1 for tx_id in ids}


_KEY_FIELDS = ("card", "merchant", "amount", "date")


class _Duplicates:
    """A store's duplicate index, kept until a transaction is added, removed, or changes card, merchant, amount
    or day (the screens ask per visible row)."""

    def __init__(self) -> None:  # holds no reference to the store: the cache is dropped with it
        self.index: dict[str, tuple[str, ...]] | None = None

    def changed(self, old: dict | None, new: dict | None) -> None:
        if old is None or new is None or any(old.get(k) != new.get(k) for k in _KEY_FIELDS):
            self.index = None

    def get(self, store: Store) -> dict[str, tuple[str, ...]]:
        if self.index is None:
            self.index = duplicate_index(store)
        return self.index


_duplicates: weakref.WeakKeyDictionary[Store, _Duplicates] = weakref.WeakKeyDictionary()


def duplicates_of(store: Store) -> dict[str, tuple[str, ...]]:
    """``duplicate_index``, kept with the store and rebuilt only after a change that can matter."""
    cache = _duplicates.get(store)
    if cache is None:
        cache = _duplicates[store] = _Duplicates()
        store.transactions.on_change.append(cache.changed)
    return cache.get(store)


def warnings_for(store: Store, tx: Transaction) -> list[Finding]:
    """Every warning of one transaction (acknowledged ones too), as the screens show them."""
    return findings(tx, store.settings, duplicates_of(store))


def warnings_of(store: Store, txs: Iterable[Transaction]) -> dict[str, list[Finding]]:
    """The open warnings of each transaction (only those that have any)."""
    settings = store.settings
    duplicates = duplicates_of(store)
    out = {}
    for tx in txs:
        found = open_findings(tx, settings, duplicates)
        if found:
            out[tx.id] = found
    return out


def acknowledge(store: Store, tx_id: str, code: str, reason: str) -> Transaction:
    """Acknowledge one warning of a transaction in Prepare or Ready, with the reason, kept in the audit log."""
    reason = " ".join(reason.split())
    if not reason:
        raise WorkflowError("Say why the warning does not apply: the reason is kept in the audit log.")
    (tx,) = load(store, [tx_id])
    if tx.status not in (Status.PREPARE, Status.READY):
        raise WorkflowError(f"Transaction {tx.id} ({tx.merchant}) is {tx.status.label}: its warnings can no "
                            "longer be acknowledged.")
    known = {f.code for f in warnings_for(store, tx)}
    if code not in known:
        raise WorkflowError(f"Transaction {tx.id} ({tx.merchant}) has no warning {code!r}.")
    changed = touch(tx, acknowledged={**tx.acknowledged, code: reason})
    store.commit([changed], audit={"action": "acknowledge-warning", "ids": [tx.id], "warning": code,
                                   "reason": reason})
    return changed
