"""Matching receipts to the transactions that wait for one: pure, in memory, no store.

The rules (reference peers-and-bookkeeping.md: Ramp matches on exact amount plus merchant or date, Brex on two of
date, amount and merchant, Midday sorts matches into confidence tiers):

* **Amount** must be exact: in SEK, or in the transaction's original currency when the receipt is in that
  currency. A receipt whose currency cannot be read is compared with both.
* **Date**: the card settles on the receipt's date or a few days after it; a receipt can also be dated a little
  later (an invoice issued after the charge). ``window = (-3, 7)`` accepts a transaction dated from 3 days before
  to 7 days after the receipt.
* **Merchant** similarity over normalised name tokens (accents, legal forms, store numbers and case dropped).

Tiers:

1. **auto**: the receipt's date is known, and exactly one transaction fits, and its merchant does not contradict
   the receipt's (or the merchant picks one out of several and contradicts all the others);
2. **suggested**: one or more plausible transactions, but not one clear one: same amount and date twice, a
   merchant that differs, no readable date (then the merchant must fit), or an amount that is only *near*
   (within 1 %, at least 1 krona, with date and merchant fitting: a rounding, a tip). Near is never auto;
3. **unmatched**: nothing fits, with a note that says why (no amount read, none of that amount, none in the
   date window…).

Transactions are indexed by amount (and by original amount per currency), so a receipt costs a dictionary lookup,
not a pass over every transaction; near amounts are found per day of the window by bisection.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from difflib import SequenceMatcher
from functools import lru_cache

from juni_tui.domain.money import format_sek
from juni_tui.domain.receipts import MatchState
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.services.receipts.reading import ReceiptFacts
from juni_tui.services.store import TxView

DEFAULT_WINDOW = (-3, 7)
#: A near amount is within this share of the receipt's amount, or NEAR_MIN, whichever is larger.
NEAR_SHARE = Decimal("0.01")
NEAR_MIN = Decimal("1.00")
#: Merchant similarity (0..1) from which two names are taken to be the same merchant.
MERCHANT_MATCH = 0.5
#: Statuses whose transactions can still get a receipt from matching (Ready ones always have one or a reason).
OPEN_STATUSES = (Status.PREPARE, Status.READY)


def describe_window(window: tuple[int, int]) -> str:
    before, after = window
    return f"{-before} days before to {after} days after" if before < 0 else f"{before} to {after} days after"


def money_text(amount: Decimal, currency: str | None) -> str:
    text = format_sek(amount).replace("\u202f", " ")
    return f"{text} {currency}" if currency else text


# --- Merchant names -------------------------------------------------------------------------------------------

_FILLER = frozenset(
    """ab publ inc llc ltd limited gmbh bv nv sa sas sarl oy as aps plc co corp corporation company pbc
    www com se net io org eu the och and""".split()
)
_ALIASES = {"amzn": "amazon", "msft": "microsoft", "goog": "google"}


@lru_cache(maxsize=200_000)
def merchant_tokens(name: str) -> tuple[str, ...]:
    """``"ESPRESSO HOUSE 123 Stockholm AB"`` → ``("espresso", "house", "stockholm")``."""
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out = []
    for token in re.findall(r"[a-z]+", text):
        token = _ALIASES.get(token, token)
        if len(token) >= 2 and token not in _FILLER:
            out.append(token)
    return tuple(out)


@lru_cache(maxsize=200_000)
def _same_token(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    return min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= 0.8


@lru_cache(maxsize=200_000)
def merchant_similarity(a: str, b: str) -> float:
    """0 (nothing in common) to 1 (the same name). The first word counts most: it is usually the brand."""
    ta, tb = merchant_tokens(a), merchant_tokens(b)
    if not ta or not tb:
        return 0.0
    sa, sb = "".join(ta), "".join(tb)
    if sa == sb:
        return 1.0
    if min(len(sa), len(sb)) >= 4 and (sa in sb or sb in sa):
        return 0.9
    small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    score = sum(1 for t in small if any(_same_token(t, u) for u in large)) / len(small)
    if min(len(ta[0]), len(tb[0])) >= 3 and _same_token(ta[0], tb[0]):
        score = max(score, 0.75)
    return score


# --- Transactions as the matcher sees them --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenTx:
    """A transaction waiting for a receipt. ``key`` is its amount as a receipt shows it: a purchase of
    -104.00 SEK is 104.00, a refund of +50.00 is -50.00 (matched by credit notes)."""

    id: str
    date: date
    merchant: str
    key: Decimal
    original_key: Decimal | None = None
    original_currency: str | None = None

    @classmethod
    def _make(cls, tx_id: str, day: dt.date, merchant: str, amount: Decimal, original: Decimal | None,
              currency: str | None) -> "OpenTx":
        key = -amount
        if original is not None:
            original = abs(original) if key > 0 else -abs(original)
        return cls(tx_id, day, merchant, key, original, (currency or None) and currency.upper())

    @classmethod
    def of(cls, tx: Transaction) -> "OpenTx":
        return cls._make(tx.id, tx.date, tx.merchant, tx.amount, tx.original_amount, tx.original_currency)

    @classmethod
    def of_view(cls, view: TxView) -> "OpenTx":
        """From the store's projection (no model validation: this runs over every open transaction)."""
        return cls._make(view.id, view.date, view.merchant, view.amount, view.original_amount,
                         view.original_currency)


class AmountFilter:
    """Is an amount exactly or nearly one of the receipts' amounts? A cheap test that spares building the matcher's
    view of transactions no receipt can match (most of them, when a few receipts meet 50 000 transactions)."""

    def __init__(self, amounts: Iterable[Decimal | None]) -> None:
        spans = sorted(
            (abs(a) - max(abs(a) * NEAR_SHARE, NEAR_MIN), abs(a) + max(abs(a) * NEAR_SHARE, NEAR_MIN))
            for a in amounts
            if a is not None
        )
        self._lows: list[Decimal] = []
        self._highs: list[Decimal] = []
        for low, high in spans:  # merged, so that one bisection answers
            if self._highs and low <= self._highs[-1]:
                self._highs[-1] = max(self._highs[-1], high)
            else:
                self._lows.append(low)
                self._highs.append(high)

    def __bool__(self) -> bool:
        """Whether any amount can match at all."""
        return bool(self._lows)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, Decimal):
            return False
        value = abs(value)
        i = bisect_right(self._lows, value) - 1
        return i >= 0 and value <= self._highs[i]

    def wants(self, view: TxView) -> bool:
        """For a transaction's projection: its amount or its original amount."""
        return view.amount in self or (view.original_amount is not None and view.original_amount in self)


# --- Decisions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    state: MatchState  # AUTO, SUGGESTED or UNMATCHED
    candidates: tuple[str, ...] = ()  # best first; for AUTO, the one transaction
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Fit:
    tx: OpenTx
    days: int | None  # transaction date minus receipt date
    similarity: float | None  # None: the receipt names no merchant
    in_window: bool

    @property
    def merchant_fits(self) -> bool:
        return self.similarity is not None and self.similarity >= MERCHANT_MATCH

    @property
    def merchant_differs(self) -> bool:
        return self.similarity is not None and self.similarity < MERCHANT_MATCH

    @property
    def plausible(self) -> bool:
        return self.in_window or (self.days is None and self.merchant_fits)

    @property
    def rank(self) -> tuple:
        return (not self.merchant_fits, abs(self.days) if self.days is not None else 999, -(self.similarity or 0),
                self.tx.date, self.tx.id)


class MatchIndex:
    """The open transactions, indexed by amount in SEK and by original amount per currency."""

    def __init__(self, transactions: Iterable[OpenTx], *, window: tuple[int, int] = DEFAULT_WINDOW) -> None:
        if window[0] > window[1]:
            raise ValueError(f"date window {window} is empty")
        self.window = window
        self._ids: set[str] = set()
        self._exact: dict[tuple[str, Decimal], list[OpenTx]] = defaultdict(list)
        self._any: dict[Decimal, list[OpenTx]] = defaultdict(list)
        self._all: list[OpenTx] = []
        self._days: dict[tuple[str, date], tuple[list[Decimal], list[OpenTx]]] | None = None
        self._taken: set[str] = set()
        for tx in transactions:
            self._ids.add(tx.id)
            self._all.append(tx)
            self._exact["SEK", tx.key].append(tx)
            self._any[tx.key].append(tx)
            if tx.original_key is not None and tx.original_currency not in (None, "SEK"):
                self._exact[tx.original_currency, tx.original_key].append(tx)
                if tx.original_key != tx.key:
                    self._any[tx.original_key].append(tx)

    def __len__(self) -> int:
        return len(self._ids) - len(self._taken)

    def __contains__(self, tx_id: object) -> bool:
        return tx_id in self._ids and tx_id not in self._taken

    def take(self, tx_id: str) -> None:
        """The transaction got a receipt during this run: it is no longer open."""
        self._taken.add(tx_id)

    # --- lookups ---

    def _lookup(self, amount: Decimal, currency: str | None) -> list[OpenTx]:
        found = self._any.get(amount, ()) if currency is None else self._exact.get((currency, amount), ())
        return [tx for tx in found if tx.id not in self._taken]

    def _near(self, amount: Decimal, currency: str | None, day: date | None) -> list[OpenTx]:
        """Transactions in the date window whose amount is near (not equal to) ``amount``: per day of the
        window, a bisection in that day's amounts. Near is only ever suggested with a known date."""
        if day is None:
            return []
        if self._days is None:
            self._days = self._index_days()
        tolerance = max(abs(amount) * NEAR_SHARE, NEAR_MIN)
        low, high = amount - tolerance, amount + tolerance
        out: dict[str, OpenTx] = {}
        for offset in range(self.window[0], self.window[1] + 1):
            bucket = self._days.get((currency or "*", day + timedelta(days=offset)))
            if bucket is None:
                continue
            keys, txs = bucket
            for i in range(bisect_left(keys, low), bisect_right(keys, high)):
                if keys[i] != amount and (keys[i] > 0) == (amount > 0) and txs[i].id not in self._taken:
                    out.setdefault(txs[i].id, txs[i])
        return list(out.values())

    def _index_days(self) -> dict[tuple[str, date], tuple[list[Decimal], list[OpenTx]]]:
        groups: dict[tuple[str, date], list[tuple[Decimal, OpenTx]]] = defaultdict(list)
        for tx in self._all:
            groups["SEK", tx.date].append((tx.key, tx))
            groups["*", tx.date].append((tx.key, tx))
            if tx.original_key is not None and tx.original_currency not in (None, "SEK"):
                groups[tx.original_currency, tx.date].append((tx.original_key, tx))
                if tx.original_key != tx.key:
                    groups["*", tx.date].append((tx.original_key, tx))
        out = {}
        for group, items in groups.items():
            items.sort(key=lambda item: item[0])
            out[group] = ([key for key, _ in items], [tx for _, tx in items])
        return out

    def _fit(self, tx: OpenTx, facts: ReceiptFacts) -> _Fit:
        days = (tx.date - facts.date).days if facts.date is not None else None
        in_window = days is not None and self.window[0] <= days <= self.window[1]
        # names are compared only where the date leaves the transaction in the running: the costly part
        similarity = (
            merchant_similarity(facts.merchant, tx.merchant) if facts.merchant and (in_window or days is None) else None
        )
        return _Fit(tx, days, similarity, in_window)

    # --- the decision ---

    def decide(self, facts: ReceiptFacts, rejected: Collection[str] = ()) -> Decision:
        if facts.amount is None:
            return Decision(MatchState.UNMATCHED, note="no amount could be read from it; attach it by hand")
        currency, amount = facts.currency, facts.amount
        amount_text = money_text(amount, currency)
        same_amount = self._lookup(facts.amount, currency)
        fits = [self._fit(tx, facts) for tx in same_amount if tx.id not in rejected]
        plausible = sorted((f for f in fits if f.plausible), key=lambda f: f.rank)
        if plausible:
            winner = self._clear_winner(plausible, facts)
            if winner is not None:
                return Decision(MatchState.AUTO, (winner.tx.id,), f"{amount_text}, {self._how(winner)}")
            return Decision(
                MatchState.SUGGESTED, tuple(f.tx.id for f in plausible), self._why_suggested(plausible, facts)
            )
        near = sorted(
            (
                fit
                for fit in (
                    self._fit(tx, facts)
                    for tx in self._near(facts.amount, currency, facts.date)
                    if tx.id not in rejected
                )
                if fit.in_window and fit.merchant_fits
            ),
            key=lambda f: (abs(self._amount_of(f.tx, currency) - amount), f.rank),
        )
        if near:
            best = self._amount_of(near[0].tx, currency)
            return Decision(
                MatchState.SUGGESTED,
                tuple(f.tx.id for f in near),
                f"no transaction of exactly {amount_text}; {money_text(best, currency)} is "
                f"{money_text(abs(best - facts.amount), None)} off (check before confirming)",
            )
        return Decision(MatchState.UNMATCHED, note=self._why_unmatched(same_amount, fits, facts, rejected))

    @staticmethod
    def _clear_winner(plausible: list[_Fit], facts: ReceiptFacts) -> _Fit | None:
        if facts.date is None:
            return None  # amount and merchant alone: a monthly subscription would match every month
        if len(plausible) == 1:
            return None if plausible[0].merchant_differs else plausible[0]
        fitting = [f for f in plausible if f.merchant_fits]
        if len(fitting) == 1 and all(f.merchant_differs for f in plausible if f is not fitting[0]):
            return fitting[0]
        return None

    def _amount_of(self, tx: OpenTx, currency: str | None) -> Decimal:
        if currency not in (None, "SEK") and tx.original_key is not None:
            return tx.original_key
        return tx.key

    def _how(self, fit: _Fit) -> str:
        when = "same day" if fit.days == 0 else f"{abs(fit.days or 0)} day{'s' if abs(fit.days or 0) != 1 else ''} " \
               f"{'after' if (fit.days or 0) > 0 else 'before'} the receipt"
        merchant = "merchant fits" if fit.merchant_fits else "no merchant on the receipt"
        return f"{fit.tx.merchant} on {fit.tx.date.isoformat()} ({when}, {merchant})"

    def _why_suggested(self, plausible: list[_Fit], facts: ReceiptFacts) -> str:
        amount_text = money_text(facts.amount or Decimal(0), facts.currency)
        if facts.date is None:
            return (f"{amount_text} and the merchant fit {len(plausible)} transaction(s), but the receipt has no "
                    "readable date")
        if len(plausible) == 1:
            fit = plausible[0]
            return (f"{amount_text} on a fitting date, but the merchant differs "
                    f"({facts.merchant!r} vs {fit.tx.merchant!r})")
        return f"{len(plausible)} transactions of {amount_text} fit the date; pick the right one"

    def _why_unmatched(self, same_amount: list[OpenTx], fits: list[_Fit], facts: ReceiptFacts,
                       rejected: Collection[str]) -> str:
        amount_text = money_text(facts.amount or Decimal(0), facts.currency)
        if not same_amount:
            return f"no transaction waiting for a receipt is {amount_text}"
        if not fits:
            return f"the only transaction(s) of {amount_text} were rejected for this receipt"
        if facts.date is None:
            return (f"{len(fits)} transaction(s) of {amount_text}, but the receipt has no readable date and its "
                    "merchant does not fit any of them")
        closest = min(fits, key=lambda f: abs(f.days or 0))
        return (f"{len(fits)} transaction(s) of {amount_text}, but none dated {describe_window(self.window)} the "
                f"receipt ({facts.date.isoformat()}); the closest is {closest.tx.id} on {closest.tx.date.isoformat()}")
