"""Suggestions beyond Juni: an account and VAT code proposed from what was exported before for the same merchant,
with its evidence. A suggestion is applied only when the user accepts it (``accept_suggestions``)."""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from juni_tui.domain.transactions import Origin, Status, Transaction
from juni_tui.domain.vat import VatCode, food_vat_code, rate_change_between
from juni_tui.services.rules.applying import fill
from juni_tui.services.rules.changes import ApplyReport, RuleChange
from juni_tui.services.rules.describing import format_value
from juni_tui.services.rules.engine import PREPARE, Rows, gc_paused, rule_set, views_of
from juni_tui.services.rules.keys import merchant_display, merchant_key, merchant_prefixes
from juni_tui.services.store import HistoryView, Store, TxView

#: The VAT codes whose rate Sweden's calendar changes (the food rate: 12 % ↔ 6 %).
DATED_CODES = frozenset({VatCode.VAT12.value, VatCode.VAT6.value})


class MerchantHistory:
    """What was exported for each merchant: (account, VAT code) → how often. Built once, kept up to date.

    Fed from ``store.history_index`` (one summary per exported transaction); each new export updates it through
    the table's change hook, so a suggestion never rescans the history.
    """

    def __init__(self) -> None:
        self.pairs: dict[str, Counter[tuple[int, VatCode | None]]] = {}
        self.names: dict[str, str] = {}
        #: (merchant key, pair) → the first and last day it was exported, for the VAT codes whose rate the
        #: calendar changes (food at 12 / 6 %): a suggestion learned before a rate change says so after it
        self.days: dict[tuple[str, tuple[int, VatCode | None]], tuple[date, date]] = {}

    def _saw(self, key: str, pair: tuple[int, VatCode | None], day: date) -> None:
        first, last = self.days.get((key, pair), (day, day))
        self.days[(key, pair)] = (min(first, day), max(last, day))

    def _add(self, entry: HistoryView, sign: int) -> None:
        account = entry.account
        if account is None:
            return
        key = merchant_key(entry.merchant or "")
        vat = entry.vat_code
        counter = self.pairs.setdefault(key, Counter())
        pair = (int(account), VatCode(vat) if vat else None)
        counter[pair] += sign
        if sign > 0:
            self.names.setdefault(key, merchant_display(entry.merchant or "", key))
            if vat in DATED_CODES:
                self._saw(key, pair, entry.date)

    def on_change(self, old: HistoryView | None, new: HistoryView | None) -> None:
        if old is not None:
            self._add(old, -1)
        if new is not None:
            self._add(new, +1)

    def load(self, pairs: Iterable[tuple[str, int, str | None]]) -> None:
        """From (merchant, account, VAT code) per exported transaction (``Store.booked_pairs``)."""
        seen: Counter[tuple[str, Any, Any]] = Counter(pairs)  # count first, normalize once per distinct text
        for (merchant, account, vat), n in seen.items():
            key = merchant_key(merchant)
            self.pairs.setdefault(key, Counter())[(int(account), VatCode(vat) if vat else None)] += n
            self.names.setdefault(key, merchant_display(merchant, key))

    def load_days(self, days: Iterable[tuple[str, int, str, str]]) -> None:
        """From (merchant, account, VAT code, date) per exported transaction with a rate-dependent code."""
        for merchant, account, vat, day in days:
            self._saw(merchant_key(merchant), (int(account), VatCode(vat)), date.fromisoformat(day))

    def lookup(self, merchant: str) -> tuple[str, Counter[tuple[int, VatCode | None]]] | None:
        """The history of the merchant (its key, and how often each pair was used), by the longest word prefix
        of its name that has any: ``APPLE.COM/BILL`` finds the exports of ``Apple``."""
        for prefix in merchant_prefixes(merchant_key(merchant)):  # a merchant key is its own key
            counts = +self.pairs.get(prefix, Counter())
            if counts:
                return prefix, counts
        return None


_histories: weakref.WeakKeyDictionary[Store, MerchantHistory] = weakref.WeakKeyDictionary()


def merchant_history(store: Store) -> MerchantHistory:
    history = _histories.get(store)
    if history is None:
        history = MerchantHistory()
        with gc_paused():
            history.load(store.booked_pairs())
            history.load_days(store.booked_days(DATED_CODES))
        store.history_views.on_change.append(history.on_change)
        _histories[store] = history
    return history


@dataclass(frozen=True)
class Suggestion:
    """Values proposed from earlier exports of the same merchant, with the evidence. Never applied by itself."""

    tx_id: str
    merchant: str
    values: dict[str, Any]
    count: int
    total: int
    evidence: str
    #: a rate change lies between the exports it was learned from and this transaction's date
    rate_change: date | None = None

    @property
    def label(self) -> str:
        return f"Suggestion: {self.evidence}"


def _suggestion_for(
    history: MerchantHistory, found: tuple[str, Counter] | None, view: TxView, wanted: list[str],
    known: Mapping[str, Any],
) -> Suggestion | None:
    """``found``: the merchant's history (``MerchantHistory.lookup``); ``wanted``: account and/or vat_code;
    ``known``: the values the transaction has, or that the rules will give it."""
    if found is None or not wanted:
        return None
    key, counts = found
    name = history.names.get(key) or key.title()
    condition = ""
    if wanted == ["vat_code"] and known.get("account") is not None:  # what VAT code went with that account
        account = int(known["account"])
        counts = Counter({pair: n for pair, n in counts.items() if pair[0] == account})
        condition = f" on account {account}"
    elif wanted == ["account"] and known.get("vat_code"):
        vat = VatCode(known["vat_code"])
        counts = Counter({pair: n for pair, n in counts.items() if pair[1] == vat})
        condition = f" with VAT code {vat.value}"
    total = sum(counts.values())
    if not total:
        return None
    (pair, count), *_ = counts.most_common(1)
    if count * 2 <= total:  # no clear majority: say nothing rather than guess
        return None
    values = {n: v for n, v in zip(("account", "vat_code"), pair, strict=True) if n in wanted and v is not None}
    if not values:
        return None
    used = " / ".join(format_value(n, v) for n, v in zip(("account", "vat_code"), pair, strict=True) if v is not None)
    evidence = f"{count} of {total} earlier export{'s' * (total != 1)} of {name}{condition} used {used}"
    change = _rate_change(history.days.get((key, pair)), view.date) if "vat_code" in values else None
    if change is not None:
        evidence += (f", all on the other side of the VAT rate change on {change.isoformat()}: check the VAT code "
                     f"(food is {food_vat_code(view.date).value} % on {view.date.isoformat()})")
    return Suggestion(tx_id=view.id, merchant=name, values=values, count=count, total=total, evidence=evidence,
                      rate_change=change)


def _rate_change(days: tuple[date, date] | None, day: date) -> date | None:
    """The rate change between the days a pair was exported and ``day``, when every export lies across it."""
    if days is None:
        return None
    first, last = days
    nearest = last if day >= last else first if day <= first else None
    return rate_change_between(nearest, day) if nearest is not None else None


@gc_paused()
def suggestions(store: Store, ids: Iterable[str] | None = None) -> dict[str, Suggestion]:
    """Transaction id → suggestion, for Prepare transactions (default: all) whose account or VAT code no rule fills.

    The rules are run first (without changing anything): a field a rule would fill is not suggested.
    """
    views = views_of(store, store.ids(Status.PREPARE) if ids is None else ids, PREPARE)
    return _suggest_rows(store, Rows(views))


def _suggest_rows(store: Store, rows: Rows) -> dict[str, Suggestion]:
    history = merchant_history(store)
    if not history.pairs:
        return {}
    filled = rule_set(store).fill(rows)
    out: dict[str, Suggestion] = {}
    for key, group in rows.merchants().items():
        found: Any = ...  # looked up once per merchant, and only if a row needs it
        for i in group:
            view = rows.views[i]
            wanted = [n for n in ("account", "vat_code") if i in rows.needs[n] and filled[n][i] is None]
            if not wanted:
                continue
            if found is ...:
                found = history.lookup(key)
            known = {n: getattr(view, n) if (rule := filled[n][i]) is None else getattr(rule.then, n)
                     for n in ("account", "vat_code")}
            suggestion = _suggestion_for(history, found, view, wanted, known)
            if suggestion is not None:
                out[view.id] = suggestion
    return {v.id: out[v.id] for v in rows.views if v.id in out}


def suggest(store: Store, tx: Transaction) -> Suggestion | None:
    """A suggestion for one Prepare transaction, or None (no history, no clear majority, or a rule fills it)."""
    if tx.status != Status.PREPARE:
        return None
    return _suggest_rows(store, Rows([TxView.of(tx)])).get(tx.id)


@gc_paused()
def accept_suggestions(store: Store, ids: Iterable[str]) -> ApplyReport:
    """The user accepts the suggestions for these transactions: fill them, origin SUGGESTION, one commit."""
    found = suggestions(store, ids)
    changes = []
    for tx_id, s in found.items():
        tx = store.transactions[tx_id]
        for name, value in s.values.items():
            changes.append(RuleChange(tx_id=tx_id, merchant=tx.merchant, field=name, old=getattr(tx, name),
                                      new=value, rule_id=None, label=s.label))
    return fill(store, changes, Origin.SUGGESTION, "suggestions-accept")

